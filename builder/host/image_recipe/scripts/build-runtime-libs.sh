#!/bin/sh
# The shared libraries of the runtime image, in PREFIX (include/, lib/*.so*, lib/pkgconfig): what
# python:alpine's interpreter links, and so what its image carries for every wheel to use. The
# runtime image's CPython is built against PREFIX (build-cpython.sh ... shared) and the image
# carries PREFIX/lib on musl's library path. TARGET_ARCH cross-compiles.
#   base      the shared zlib, libffi, OpenSSL, bzip2, xz and SQLite of DEPS_PREFIX (build-deps.sh)
#   ncurses   libncursesw and libpanelw (wide characters, as Alpine's), readline, gdbm (with its
#   readline  dbm compatibility library), uuid (util-linux's libuuid alone)
#   gdbm
#   uuid
# usage: build-runtime-libs.sh SOURCES_DIR DEPS_PREFIX PREFIX LIBRARY
set -eu
usage="usage: build-runtime-libs.sh SOURCES_DIR DEPS_PREFIX PREFIX LIBRARY"
src=${1:?$usage} deps=${2:?$usage} prefix=${3:?$usage} library=${4:?$usage}
. "$(dirname "$0")/target.sh"
unset TARGET_ARCH
jobs=$(nproc)
export CFLAGS="-O2 -fPIC" CPPFLAGS="-I$prefix/include" LDFLAGS="-L$prefix/lib"
export PKG_CONFIG_LIBDIR="$prefix/lib/pkgconfig" PKG_CONFIG_PATH=""
host_args=${configure_host:+--host=$configure_host --build=$configure_build}
common="--prefix=$prefix --enable-shared --disable-static $host_args"
work=$(mktemp -d)
cd "$work"
printf '#!/bin/sh\nMUSL_TARGET=%s exec musl-cc "$@"\n' "$machine" > "$work/build-cc"
chmod +x "$work/build-cc"
export BUILD_CC="$work/build-cc" CC_FOR_BUILD="$work/build-cc"

unpack() {  # the one source tarball of Debian source package $1
  set -- "$src/$1"_*.orig.tar.*
  tar xf "$1"
  cd "$(tar tf "$1" | head -n1 | cut -d/ -f1)"
}

case "$library" in
  base)
    mkdir -p "$prefix/lib/pkgconfig"
    cp -a "$deps/include" "$prefix/"
    cp -a "$deps"/shared/. "$prefix/lib/"
    for pc in "$deps"/lib/pkgconfig/*.pc; do
      sed "s|$deps|$prefix|g" "$pc" > "$prefix/lib/pkgconfig/$(basename "$pc")"
    done
    # The interpreter built against them runs in this build stage (its install runs ensurepip):
    # musl's loader finds them here. Only musl programs read this file; the stage is not shipped.
    printf ':%s\n' "$prefix/lib" >> "/etc/ld-musl-$target.path"
    tr -d '\n' < "/etc/ld-musl-$target.path" > "$work/path" && cat "$work/path" > "/etc/ld-musl-$target.path"
    ;;
  ncurses)
    unpack ncurses
    # shellcheck disable=SC2086
    ./configure $common --with-shared --without-normal --without-debug --without-ada \
      --without-cxx-binding --without-tests --without-progs --without-manpages --enable-widec \
      --enable-overwrite \
      --enable-pc-files --with-pkg-config-libdir="$prefix/lib/pkgconfig" --disable-stripping \
      --with-build-cc="$BUILD_CC" --with-terminfo-dirs=/etc/terminfo:/usr/share/terminfo:/lib/terminfo \
      --with-default-terminfo-dir=/usr/share/terminfo
    make -j"$jobs" libs
    make install.libs install.includes
    ;;
  readline)
    unpack readline
    # shellcheck disable=SC2086
    bash_cv_wcwidth_broken=no ./configure $common --with-curses --disable-install-examples
    make -j"$jobs" SHLIB_LIBS="-lncursesw"
    make install-headers install-shared
    ;;
  gdbm)
    unpack gdbm
    # shellcheck disable=SC2086
    ./configure $common --enable-libgdbm-compat --without-readline --disable-nls
    make -j"$jobs" -C src libgdbm.la
    make -j"$jobs" -C compat libgdbm_compat.la
    make -C src install-libLTLIBRARIES install-nodist_includeHEADERS
    make -C compat install-libLTLIBRARIES install-compatincludeHEADERS
    ;;
  uuid)
    unpack util-linux
    # shellcheck disable=SC2086
    ./configure $common --disable-all-programs --enable-libuuid --disable-nls --without-python \
      --without-systemd --without-udev --without-tinfo --without-ncurses --without-ncursesw \
      --disable-bash-completion --disable-asciidoc --disable-makeinstall-chown
    make -j"$jobs" libuuid.la
    make install-usrlib_execLTLIBRARIES install-uuidincHEADERS install-pkgconfigDATA
    ;;
  check)
    missing=""
    for lib in libz.so.1 libffi.so.8 libssl.so.3 libcrypto.so.3 libbz2.so.1 liblzma.so.5 \
        libsqlite3.so.0 libncursesw.so.6 libpanelw.so.6 libreadline.so.8 libgdbm.so.6 \
        libgdbm_compat.so.4 libuuid.so.1; do
      [ -e "$prefix/lib/$lib" ] || missing="$missing $lib"
    done
    if [ -n "$missing" ]; then
      echo "build-runtime-libs: missing from $prefix/lib:$missing" >&2
      exit 1
    fi
    ;;
  *)
    echo "build-runtime-libs: no recipe for $library" >&2; exit 2 ;;
esac
rm -rf "$work" "$prefix"/lib/*.la "$prefix/share"
