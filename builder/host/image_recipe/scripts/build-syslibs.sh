#!/bin/sh
# Build one of the native libraries that packages link (libxml2 for lxml, libjpeg for Pillow,
# libpq for psycopg2, ...) with musl into $PREFIX, shared, the way Alpine's -dev packages provide
# them. The builder image puts $PREFIX on musl-cc's include and library paths, on PATH (pg_config,
# xml2-config) and on pkg-config's path; auditwheel finds the libraries there and grafts them.
# The first call (`base`) copies the static zlib, libffi, OpenSSL, bzip2 and xz of DEPS_PREFIX.
# TARGET_ARCH cross-compiles.
# Every step is its own command: `set -e` stops at the first that fails.
# usage: build-syslibs.sh SOURCES_DIR DEPS_PREFIX PREFIX LIBRARY
set -eu
usage="usage: build-syslibs.sh SOURCES_DIR DEPS_PREFIX PREFIX LIBRARY"
src=${1:?$usage} deps=${2:?$usage} prefix=${3:?$usage} library=${4:?$usage}
. "$(dirname "$0")/target.sh"
# make's implicit rules put $(TARGET_ARCH) on every compile line (zstd, PostgreSQL use them):
# target.sh has read it; musl-cc takes MUSL_TARGET.
unset TARGET_ARCH
jobs=$(nproc)
export CFLAGS="-O2 -fPIC" CPPFLAGS="-I$prefix/include" LDFLAGS="-L$prefix/lib"
export PKG_CONFIG_LIBDIR="$prefix/lib/pkgconfig" PKG_CONFIG_PATH=""
host_args=${configure_host:+--host=$configure_host --build=$configure_build}
work=$(mktemp -d)
cd "$work"
# Tools a build compiles and runs on this machine (freetype's apinames): musl-cc for this
# machine's arch (its gcc has no glibc headers).
printf '#!/bin/sh\nMUSL_TARGET=%s exec musl-cc "$@"\n' "$machine" > "$work/build-cc"
chmod +x "$work/build-cc"
export CC_BUILD="$work/build-cc" CC_FOR_BUILD="$work/build-cc" BUILD_CC="$work/build-cc"

unpack() {  # the one source tarball of Debian source package $1
  set -- "$src/$1"_*.orig.tar.*
  tar xf "$1"
  cd "$(tar tf "$1" | head -n1 | cut -d/ -f1)"
}

cmake_build() {  # cmake with musl-cc, for TARGET_ARCH
  set -- -DCMAKE_INSTALL_PREFIX="$prefix" -DCMAKE_INSTALL_LIBDIR=lib -DCMAKE_BUILD_TYPE=Release \
    -DCMAKE_C_COMPILER=musl-cc -DCMAKE_POSITION_INDEPENDENT_CODE=ON "$@"
  if [ -n "$configure_host" ]; then
    set -- -DCMAKE_SYSTEM_NAME=Linux -DCMAKE_SYSTEM_PROCESSOR="$target" -DCMAKE_AR="$(command -v "$AR")" \
      -DCMAKE_RANLIB="$(command -v "$RANLIB")" "$@"
  fi
  cmake -S . -B build "$@"
  cmake --build build -j "$jobs"
  cmake --install build
}

case "$library" in
  base)
    mkdir -p "$prefix"
    cp -a "$deps"/. "$prefix"/
    # They move from DEPS_PREFIX: their pkg-config files say where they are now; libtool's
    # archives (which name the old paths) are not needed.
    sed -i "s|$deps|$prefix|g" "$prefix"/lib/pkgconfig/*.pc
    rm -f "$prefix"/lib/*.la
    rm -rf "$prefix/bin" "$prefix/share"
    ;;
  zstd)
    unpack libzstd
    make -C lib -j"$jobs" libzstd libzstd.pc PREFIX="$prefix"
    make -C lib install-shared install-includes install-pc PREFIX="$prefix"
    ;;
  yaml)
    unpack libyaml
    cmake_build -DBUILD_SHARED_LIBS=ON -DBUILD_TESTING=OFF -DINSTALL_CMAKE_DIR=lib/cmake/yaml
    ;;
  png)
    unpack libpng1.6
    ./configure --prefix="$prefix" --enable-shared --disable-static $host_args
    make -j"$jobs"
    make install
    ;;
  jpeg)
    unpack libjpeg-turbo
    # Its own GNUInstallDirs takes a relative CMAKE_INSTALL_LIBDIR as relative to the build.
    cmake_build -DENABLE_SHARED=ON -DENABLE_STATIC=OFF -DWITH_SIMD=OFF -DWITH_TURBOJPEG=OFF \
      -DCMAKE_INSTALL_DEFAULT_LIBDIR=lib -DCMAKE_INSTALL_LIBDIR="$prefix/lib"
    ;;
  freetype)
    unpack freetype
    ./configure --prefix="$prefix" --enable-shared --disable-static --with-zlib=yes --with-png=yes \
      --with-bzip2=no --with-harfbuzz=no --with-brotli=no $host_args
    make -j"$jobs"
    make install
    ;;
  xml2)
    unpack libxml2
    ./configure --prefix="$prefix" --enable-shared --disable-static --without-python --without-icu \
      --with-zlib="$prefix" --with-lzma="$prefix" $host_args
    make -j"$jobs"
    make install
    ;;
  xslt)
    unpack libxslt
    ./configure --prefix="$prefix" --enable-shared --disable-static --without-python --without-crypto \
      --with-libxml-prefix="$prefix" $host_args
    make -j"$jobs"
    make install
    ;;
  pq)
    unpack postgresql-15
    # Only the client library, its headers and pg_config (what psycopg2 and asyncpg-style builds
    # ask for); TLS from the static OpenSSL.
    LIBS="-lssl -lcrypto -lpthread" ./configure --prefix="$prefix" --without-readline --without-icu \
      --without-zlib --with-ssl=openssl --with-includes="$prefix/include" \
      --with-libraries="$prefix/lib" $host_args
    make -C src/backend generated-headers
    make -C src/include install
    make -C src/common -j"$jobs"
    make -C src/port -j"$jobs"
    make -C src/interfaces/libpq -j"$jobs" all-static-lib all-shared-lib
    # Its check that libpq never calls exit() counts the atexit() of the static OpenSSL inside
    # it (Debian links OpenSSL shared, so never sees it); registering a handler is not exiting.
    touch src/interfaces/libpq/libpq-refs-stamp
    make -C src/interfaces/libpq install
    make -C src/bin/pg_config -j"$jobs"
    make -C src/bin/pg_config install
    ;;
  check)
    # What recipes may ask for (builder/inputs/system_libraries.py): each library and header.
    missing=""
    for lib in libz.a libffi.a libssl.a libcrypto.a libbz2.a liblzma.a libsqlite3.a libzstd.so \
        libyaml.so libpng16.so libjpeg.so libfreetype.so libxml2.so libxslt.so libpq.so; do
      [ -e "$prefix/lib/$lib" ] || missing="$missing lib/$lib"
    done
    for header in zlib.h ffi.h openssl/ssl.h bzlib.h lzma.h sqlite3.h zstd.h yaml.h png.h \
        jpeglib.h freetype2/ft2build.h libxml2/libxml/xmlversion.h libxslt/xslt.h libpq-fe.h; do
      [ -e "$prefix/include/$header" ] || missing="$missing include/$header"
    done
    [ -x "$prefix/bin/pg_config" ] || missing="$missing bin/pg_config"
    if [ -n "$missing" ]; then
      echo "build-syslibs: missing from $prefix:$missing" >&2
      exit 1
    fi
    ;;
  *)
    echo "build-syslibs: no recipe for $library" >&2; exit 2 ;;
esac
rm -rf "$work" "$prefix/share/doc" "$prefix/share/man" "$prefix/share/gtk-doc" "$prefix"/lib/*.la
