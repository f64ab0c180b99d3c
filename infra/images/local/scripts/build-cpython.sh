#!/bin/sh
# Build one CPython against musl, laid out like the pypa images: /opt/python/cpXY-cpXY/bin/python.
# usage: build-cpython.sh TARBALL TAG DEPS_PREFIX     (TAG like cp311-cp311)
set -eu
tarball=${1:?usage: build-cpython.sh TARBALL TAG DEPS_PREFIX}
tag=${2:?usage: build-cpython.sh TARBALL TAG DEPS_PREFIX}
deps=${3:?usage: build-cpython.sh TARBALL TAG DEPS_PREFIX}
prefix="/opt/python/$tag"
work=$(mktemp -d)
cd "$work"
tar xf "$tarball"
cd Python-*

export CC=musl-cc
export CFLAGS="-O2 ${EXTRA_CFLAGS:-}"
export CPPFLAGS="-I$deps/include"
export LDFLAGS="-L$deps/lib"
export PKG_CONFIG_LIBDIR="$deps/lib/pkgconfig"
export LIBFFI_CFLAGS="-I$deps/include" LIBFFI_LIBS="-L$deps/lib -lffi"
export ZLIB_CFLAGS="-I$deps/include" ZLIB_LIBS="-L$deps/lib -lz"
./configure --prefix="$prefix" --with-openssl="$deps" --with-ensurepip=install \
  --without-doc-strings --disable-test-modules ${CONFIGURE_HOST:+--host=$CONFIGURE_HOST --build=$CONFIGURE_BUILD} \
  ${EXTRA_CONFIGURE:-}
make -j"$(nproc)"
make install

cd "$prefix/bin"
py=$(ls python3.* | grep -E '^python3\.[0-9]+$' | head -n1)
ln -sf "$py" python
ln -sf "$py" python3
[ -e pip ] || ln -sf pip3 pip
rm -rf "$prefix"/lib/python3.*/test "$prefix"/lib/python3.*/idlelib/idle_test
find "$prefix" -name '__pycache__' -path '*/test*' -prune -exec rm -rf {} +

# Check what auditwheel and packaging will see: a musl extension suffix and working core modules.
suffix=$("$prefix/bin/python" -c 'import sysconfig; print(sysconfig.get_config_var("EXT_SUFFIX"))')
case "$suffix" in
  *-linux-musl.so) ;;
  *) echo "build-cpython: wrong extension suffix $suffix (expected *-linux-musl.so)" >&2; exit 1 ;;
esac
"$prefix/bin/python" -c 'import ssl, zlib, ctypes, hashlib, venv; print("core modules ok")'
rm -rf "$work"
