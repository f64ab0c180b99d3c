#!/bin/sh
# Build static, position-independent zlib, libffi and OpenSSL with musl into $PREFIX, so that the
# CPython built next is self-contained apart from musl's libc. TARGET_ARCH cross-compiles.
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

rm -rf "$work"
