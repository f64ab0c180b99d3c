#!/bin/sh
# Build one CPython against musl, laid out like the pypa images: /opt/python/cpXY-cpXY/bin/python.
# TARGET_ARCH cross-compiles; BUILD_PYTHON is then this machine's interpreter of the same version.
#   static  the builder's: libpython and the libraries of DEPS_PREFIX/lib linked in, as the pypa
#           musllinux images build theirs (an extension can never link a libpython)
#   shared  the runtime's, configured as docker-library's python:alpine is: --enable-shared (with
#           an $ORIGIN rpath), loadable SQLite extensions, frame pointers, stripped, against the
#           shared libraries of DEPS_PREFIX (build-runtime-libs.sh), which the runtime image carries
# Both: threads get 1 MiB of stack (-DTHREAD_STACK_SIZE=0x100000, as python:alpine and Alpine's
# own python3 do) instead of musl's 128 KiB default, so deep recursion in a thread behaves as it
# does for users.
# usage: build-cpython.sh TARBALL TAG DEPS_PREFIX [static|shared]     (TAG like cp311-cp311)
set -eu
usage="usage: build-cpython.sh TARBALL TAG DEPS_PREFIX [static|shared]"
tarball=${1:?$usage} tag=${2:?$usage} deps=${3:?$usage} mode=${4:-static}
case "$mode" in static|shared) ;; *) echo "$usage" >&2; exit 2 ;; esac
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
extra_cflags="-DTHREAD_STACK_SIZE=0x100000"
set --
if [ "$mode" = shared ]; then
  set -- --enable-shared --enable-loadable-sqlite-extensions
  extra_cflags="$extra_cflags -fno-omit-frame-pointer -mno-omit-leaf-frame-pointer"
  LDFLAGS="$LDFLAGS -Wl,--strip-all"
fi
if [ -n "$configure_host" ]; then
  # configure cannot run target programs or probe its files when cross-compiling: answer as
  # Linux with musl does (device files present, a working getaddrinfo).
  printf 'ac_cv_file__dev_ptmx=yes\nac_cv_file__dev_ptc=no\nac_cv_buggy_getaddrinfo=no\n' > config.site
  export CONFIG_SITE="$PWD/config.site"
  set -- "$@" --host="$configure_host" --build="$configure_build" \
    --with-build-python="${BUILD_PYTHON:?cross-compiling needs BUILD_PYTHON}"
fi
./configure --prefix="$prefix" --with-openssl="$deps" --with-ensurepip=install \
  --without-doc-strings --disable-test-modules "$@"
make -j"$(nproc)" EXTRA_CFLAGS="$extra_cflags"
if [ "$mode" = shared ]; then
  # As python:alpine: the interpreter finds its own libpython, never another of the same version.
  rm python
  make -j"$(nproc)" EXTRA_CFLAGS="$extra_cflags" LDFLAGS="$LDFLAGS -Wl,-rpath='\$\$ORIGIN/../lib'" python
fi
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
if [ "$mode" = shared ]; then
  "$prefix/bin/python" -c 'import sysconfig, readline, curses, dbm.gnu, uuid, _uuid
assert sysconfig.get_config_var("Py_ENABLE_SHARED") == 1
print("shared interpreter, with", readline.__name__, curses.__name__, dbm.gnu.__name__, _uuid.__name__)'
fi
"$prefix/bin/python" -m pip --version
rm -rf "$work"
