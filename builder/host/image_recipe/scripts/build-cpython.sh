#!/bin/sh
# Build one CPython against musl, laid out like the pypa images: /opt/python/cpXY-cpXY/bin/python.
# TARGET_ARCH cross-compiles; BUILD_PYTHON is then this machine's interpreter of the same version.
# usage: build-cpython.sh TARBALL TAG DEPS_PREFIX     (TAG like cp311-cp311)
set -eu
tarball=${1:?usage: build-cpython.sh TARBALL TAG DEPS_PREFIX}
tag=${2:?usage: build-cpython.sh TARBALL TAG DEPS_PREFIX}
deps=${3:?usage: build-cpython.sh TARBALL TAG DEPS_PREFIX}
. "$(dirname "$0")/target.sh"
prefix="/opt/python/$tag"
work=$(mktemp -d)
cd "$work"
tar xf "$tarball"
cd Python-*

export CFLAGS="-O2"
export CPPFLAGS="-I$deps/include"
export LDFLAGS="-L$deps/lib"
export PKG_CONFIG_LIBDIR="$deps/lib/pkgconfig"
export LIBFFI_CFLAGS="-I$deps/include" LIBFFI_LIBS="-L$deps/lib -lffi"
export ZLIB_CFLAGS="-I$deps/include" ZLIB_LIBS="-L$deps/lib -lz"
export BZIP2_CFLAGS="-I$deps/include" BZIP2_LIBS="-L$deps/lib -lbz2"
export LIBLZMA_CFLAGS="-I$deps/include" LIBLZMA_LIBS="-L$deps/lib -llzma"
set --
if [ -n "$configure_host" ]; then
  # configure cannot run target programs or probe its files when cross-compiling: answer as
  # Linux with musl does (device files present, a working getaddrinfo).
  printf 'ac_cv_file__dev_ptmx=yes\nac_cv_file__dev_ptc=no\nac_cv_buggy_getaddrinfo=no\n' > config.site
  export CONFIG_SITE="$PWD/config.site"
  set -- --host="$configure_host" --build="$configure_build" \
    --with-build-python="${BUILD_PYTHON:?cross-compiling needs BUILD_PYTHON}"
fi
./configure --prefix="$prefix" --with-openssl="$deps" --with-ensurepip=install \
  --without-doc-strings --disable-test-modules "$@"
make -j"$(nproc)"
make install

cd "$prefix/bin"
py=$(ls python3.* | grep -E '^python3\.[0-9]+$' | head -n1)
ln -sf "$py" python
ln -sf "$py" python3
rm -rf "$prefix"/lib/python3.*/test "$prefix"/lib/python3.*/idlelib/idle_test
find "$prefix" -name '__pycache__' -path '*/test*' -prune -exec rm -rf {} +
# A cross build runs ensurepip with the build Python, which finds its own pip and installs
# nothing: install pip with the new interpreter itself (under emulation) when it has none.
"$prefix/bin/python" -m pip --version >/dev/null 2>&1 || "$prefix/bin/python" -m ensurepip
[ -e pip ] || ln -sf pip3 pip

# Check what auditwheel and packaging will see: a musl extension suffix for the target and
# working core modules. A cross-built interpreter runs here under binfmt_misc emulation.
suffix=$("$prefix/bin/python" -c 'import sysconfig; print(sysconfig.get_config_var("EXT_SUFFIX"))')
case "$suffix" in
  *-"$target"-linux-musl.so) ;;
  *) echo "build-cpython: wrong extension suffix $suffix (expected *-$target-linux-musl.so)" >&2; exit 1 ;;
esac
"$prefix/bin/python" -c 'import ssl, zlib, bz2, lzma, sqlite3, ctypes, hashlib, venv; print("core modules ok")'
"$prefix/bin/python" -m pip --version
rm -rf "$work"
