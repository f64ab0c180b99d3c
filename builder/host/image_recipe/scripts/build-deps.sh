#!/bin/sh
# Build zlib, libffi, OpenSSL, bzip2, xz (liblzma) and SQLite with musl into $PREFIX, each both
# static and position-independent (lib/*.a: the builder image's CPython links them in, as the
# pypa images' does) and shared (shared/*.so*: the runtime image's CPython links them, and the
# runtime image carries them, as python:alpine does). TARGET_ARCH cross-compiles.
# usage: build-deps.sh SOURCES_DIR PREFIX
set -eu
src=${1:?usage: build-deps.sh SOURCES_DIR PREFIX}
prefix=${2:?usage: build-deps.sh SOURCES_DIR PREFIX}
. "$(dirname "$0")/target.sh"
jobs=$(nproc)
export CFLAGS="-O2 -fPIC"
work=$(mktemp -d)
cd "$work"

tar xf "$src"/zlib_*.orig.tar.*
(cd zlib-* && ./configure --prefix="$prefix" && make -j"$jobs" && make install)

tar xf "$src"/libffi_*.orig.tar.*
(cd libffi-* && ./configure --prefix="$prefix" --libdir="$prefix/lib" --enable-shared --enable-static \
   --disable-docs ${configure_host:+--host=$configure_host --build=$configure_build} \
   && make -j"$jobs" && make install)

tar xf "$src"/openssl_*.orig.tar.*
(cd openssl-* && ./Configure "linux-$target" shared no-tests no-docs no-afalgeng \
   --prefix="$prefix" --libdir=lib --openssldir=/etc/ssl -fPIC \
   && make -j"$jobs" build_libs && make install_dev)

tar xf "$src"/bzip2_*.orig.tar.*
# bzip2's makefile makes only the archive; its objects are position-independent, so the shared
# library is linked from them, with the soname Alpine's has (libbz2.so.1).
(cd bzip2-* && make -j"$jobs" libbz2.a CC="$CC" AR="${AR:-ar}" RANLIB="${RANLIB:-ranlib}" \
   CFLAGS="$CFLAGS -D_FILE_OFFSET_BITS=64" \
   && version=$(pwd | sed 's/.*bzip2-//') \
   && $CC -shared -Wl,-soname,libbz2.so.1 -o "libbz2.so.$version" \
      blocksort.o huffman.o crctable.o randtable.o compress.o decompress.o bzlib.o \
   && install -m 0644 bzlib.h "$prefix/include/" && install -m 0644 libbz2.a "$prefix/lib/" \
   && install -m 0755 "libbz2.so.$version" "$prefix/lib/" \
   && ln -sf "libbz2.so.$version" "$prefix/lib/libbz2.so.1" && ln -sf libbz2.so.1 "$prefix/lib/libbz2.so")

tar xf "$src"/xz-utils_*.orig.tar.*
(cd xz-* && ./configure --prefix="$prefix" --enable-shared --enable-static --disable-xz --disable-xzdec \
   --disable-lzmadec --disable-lzmainfo --disable-lzma-links --disable-scripts --disable-doc --disable-nls \
   ${configure_host:+--host=$configure_host --build=$configure_build} \
   && make -j"$jobs" && make install)

# SQLite's own tools (lemon, the amalgamation's Tcl scripts) run on this machine while it builds.
tar xf "$src"/sqlite3_*.orig.tar.*
(cd sqlite3-* && BUILD_CC="env MUSL_TARGET=$machine musl-cc" ./configure --prefix="$prefix" \
   --enable-shared --enable-static --disable-tcl --disable-readline --disable-editline \
   ${configure_host:+--host=$configure_host --build=$configure_build} \
   && make -j"$jobs" && make install)

# The shared libraries apart: what links lib/ gets the archives.
mkdir -p "$prefix/shared"
mv "$prefix"/lib/*.so* "$prefix/shared/"
for lib in libz.so.1 libffi.so.8 libssl.so.3 libcrypto.so.3 libbz2.so.1 liblzma.so.5 libsqlite3.so.0; do
  [ -e "$prefix/shared/$lib" ] || { echo "build-deps: $lib was not built" >&2; exit 1; }
done
rm -f "$prefix"/lib/*.la
rm -rf "$work"
