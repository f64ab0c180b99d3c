#!/bin/sh
# Build static, position-independent zlib, libffi, OpenSSL, bzip2, xz (liblzma) and SQLite with musl
# into $PREFIX, so that the CPython built next is self-contained apart from musl's libc. TARGET_ARCH
# cross-compiles.
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
(cd zlib-* && ./configure --static --prefix="$prefix" && make -j"$jobs" && make install)

tar xf "$src"/libffi_*.orig.tar.*
(cd libffi-* && ./configure --prefix="$prefix" --libdir="$prefix/lib" --disable-shared --enable-static \
   --disable-docs ${configure_host:+--host=$configure_host --build=$configure_build} \
   && make -j"$jobs" && make install)

tar xf "$src"/openssl_*.orig.tar.*
(cd openssl-* && ./Configure "linux-$target" no-shared no-tests no-docs no-afalgeng \
   --prefix="$prefix" --libdir=lib --openssldir=/etc/ssl -fPIC \
   && make -j"$jobs" build_libs && make install_dev)

tar xf "$src"/bzip2_*.orig.tar.*
(cd bzip2-* && make -j"$jobs" libbz2.a CC="$CC" AR="${AR:-ar}" RANLIB="${RANLIB:-ranlib}" \
   CFLAGS="$CFLAGS -D_FILE_OFFSET_BITS=64" \
   && install -m 0644 bzlib.h "$prefix/include/" && install -m 0644 libbz2.a "$prefix/lib/")

tar xf "$src"/xz-utils_*.orig.tar.*
(cd xz-* && ./configure --prefix="$prefix" --disable-shared --enable-static --disable-xz --disable-xzdec \
   --disable-lzmadec --disable-lzmainfo --disable-lzma-links --disable-scripts --disable-doc --disable-nls \
   ${configure_host:+--host=$configure_host --build=$configure_build} \
   && make -j"$jobs" && make install)

# SQLite's own tools (lemon, the amalgamation's Tcl scripts) run on this machine while it builds.
tar xf "$src"/sqlite3_*.orig.tar.*
(cd sqlite3-* && BUILD_CC="env MUSL_TARGET=$machine musl-cc" ./configure --prefix="$prefix" \
   --disable-shared --enable-static --disable-tcl --disable-readline --disable-editline \
   ${configure_host:+--host=$configure_host --build=$configure_build} \
   && make -j"$jobs" && make install)

rm -rf "$work"
