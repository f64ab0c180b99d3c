#!/bin/sh
# Build one system library on demand, in the builder image of the arch it is for, from its
# Debian source tree (fetch-source.sh), shared, into PREFIX: the path at which the jobs that
# name it will see it, so its pkg-config files and *-config scripts are right as they are.
# CC is the image's musl-cc, or for a cross build the zig wrapper that compiles natively; with
# WHEELHOUSE_TARGET_ARCH set to another arch than the container's, configure cross-compiles for
# it (zig's ar and ranlib read its objects).
#
#   build-library.sh LIBRARY TREE PREFIX
set -eu
usage="usage: build-library.sh LIBRARY TREE PREFIX"
library=${1:?$usage} tree=${2:?$usage} prefix=${3:?$usage}
jobs=$(nproc)
target=${WHEELHOUSE_TARGET_ARCH:-$(uname -m)}
host=""
if [ "$target" != "$(uname -m)" ]; then
  host="--host=$target-linux-musl"
  zig=/opt/wheelhouse-cxx/zig/zig
  export AR="$zig ar" RANLIB="$zig ranlib"
fi
export CFLAGS="${CFLAGS:--O2} -fPIC"
if [ "${CC:-}" = /opt/wheelhouse-cxx/cc ]; then
  # version scripts that name symbols a build leaves out (alsa-lib's, attr's): GNU ld lets them
  # pass, zig's LLD only when asked; __DATE__ in a version string (OpenLDAP's), which zig's
  # clang makes an error
  export LDFLAGS="${LDFLAGS:+$LDFLAGS }-Wl,--undefined-version"
  CFLAGS="$CFLAGS -Wno-error=date-time"
fi
# the libraries this one is built against, each mounted at its prefix (-L too: the images'
# musl-cc hands the linker only the first directory of LIBRARY_PATH)
for need in ${WHEELHOUSE_LIBRARY_NEEDS:-}; do
  export CPATH="$need/include${CPATH:+:$CPATH}"
  export LIBRARY_PATH="$need/lib${LIBRARY_PATH:+:$LIBRARY_PATH}"
  export LDFLAGS="-L$need/lib${LDFLAGS:+ $LDFLAGS}"
  export LD_LIBRARY_PATH="$need/lib${LD_LIBRARY_PATH:+:$LD_LIBRARY_PATH}"
  export PKG_CONFIG_PATH="$need/lib/pkgconfig${PKG_CONFIG_PATH:+:$PKG_CONFIG_PATH}"
done
# CMake, for the libraries that build with it (library_cmake.py mounts its musllinux wheel's)
if [ -n "${WHEELHOUSE_CMAKE:-}" ]; then
  export PATH="$WHEELHOUSE_CMAKE:$PATH"
fi
cd "$tree"

# configure, make, make install: shared libraries only, the rest as each one's case says
configure_shared() {
  # shellcheck disable=SC2086  # $host is one word or none
  ./configure --prefix="$prefix" --enable-shared --disable-static --disable-dependency-tracking \
    $host "$@" || {
    status=$?
    echo "build-library: configure failed; the end of its config.log:" >&2
    tail -n 60 config.log >&2
    exit "$status"
  }
}
autotools() {
  configure_shared "$@"
  make -j"$jobs"
  make install
  make distclean >/dev/null 2>&1 || true
}

# cmake configure, build and install of the CMake project in directory $1 (then its options):
# shared, position-independent, installed into lib/ and include/ of the prefix; projects that
# still declare a CMake older than 3.5 as their minimum (CMake 4 refuses those) are let through
cmake_build() {
  project=$1
  shift
  if [ -n "$host" ]; then
    set -- -DCMAKE_SYSTEM_NAME=Linux -DCMAKE_SYSTEM_PROCESSOR="$target" "$@"
  fi
  cmake -S "$project" -B /tmp/wheelhouse-cmake-build -DCMAKE_BUILD_TYPE=Release \
    -DCMAKE_INSTALL_PREFIX="$prefix" -DCMAKE_INSTALL_LIBDIR=lib -DBUILD_SHARED_LIBS=ON \
    -DCMAKE_POSITION_INDEPENDENT_CODE=ON -DCMAKE_POLICY_VERSION_MINIMUM=3.5 "$@"
  cmake --build /tmp/wheelhouse-cmake-build --parallel "$jobs"
  cmake --install /tmp/wheelhouse-cmake-build
}

case "$library" in
  libsodium | lzo)
    autotools
    ;;
  acl | attr)
    # libattr's extra linker script only aliases its functions to glibc's old xattr names (musl's
    # libc has its own), and zig's linker (a cross build) takes no linker script
    [ "$library" = acl ] || sed -i 's#-Wl,$(top_srcdir)/libattr/libattr.lds##' Makefile.in
    # acl's tools call readdir64 and friends, which musl declares only on request
    CFLAGS="$CFLAGS -D_LARGEFILE64_SOURCE" autotools --disable-nls
    ;;
  alsa-lib)
    # the library alone: no Python module, no topology or UCM configuration tools
    autotools --disable-python --disable-topology --disable-ucm --disable-aload \
      --with-debug=no
    ;;
  portaudio)
    # ALSA (required: mounted) as Alpine builds it; no JACK server here
    autotools --with-alsa --without-jack --without-oss
    ;;
  krb5)
    # Debian's krb5-config computes a multiarch libdir and an include/mit-krb5 path at run time:
    # those of this prefix instead. Builtin crypto: the images' OpenSSL is static, and a shared
    # libk5crypto cannot carry it.
    cd src
    sed -i -e '/^tripple=/,/^fi$/d' -e 's#^includedir=.*#includedir=@includedir@#' \
      -e 's#^libdir=.*#libdir=@libdir@#' build-tools/krb5-config.in
    # (never cross-compiled: system_libraries.py builds it in the arch's own image)
    # shellcheck disable=SC2086  # $host is one word or none
    ./configure --prefix="$prefix" --enable-shared --disable-static $host --disable-rpath \
      --without-system-verto --without-keyutils --without-ldap --without-tcl --disable-pkinit \
      --with-crypto-impl=builtin --with-tls-impl=no --without-libedit --without-readline
    # the libraries, their headers, krb5-config and the pkg-config files; the programs (whose
    # parsers need yacc, absent from the images) are not built
    make install-mkdirs  # what the top's install makes first
    for part in util include lib build-tools; do
      make -C "$part" -j"$jobs"
      make -C "$part" install
    done
    ;;
  fftw)
    # double, single and long-double precision, each with its threads library (pyFFTW, like
    # Alpine's fftw-dev, wants all three); SIMD kernels where the arch has them, picked at
    # run time as upstream builds them
    simd=""
    case "$target" in
      x86_64) simd="--enable-sse2 --enable-avx --enable-avx2" ;;
      aarch64) simd="--enable-neon" ;;
    esac
    # The libraries only: its benchmark and test programs (tests/, tools/, libbench2/) link
    # code whose relocations zig's linker refuses for aarch64 ("improper alignment")
    sed -i 's/^libbench2 $(CHICKEN_EGG) tests mpi $(DOCDIR) tools m4$/$(CHICKEN_EGG)/' Makefile.in
    if grep -q '^libbench2 ' Makefile.in; then
      echo "build-library: FFTW's Makefile.in lists its programs otherwise than expected" >&2
      exit 3
    fi
    # shellcheck disable=SC2086  # $simd is words or none
    autotools --enable-threads $simd
    # shellcheck disable=SC2086
    autotools --enable-threads --enable-float $simd
    autotools --enable-threads --enable-long-double
    ;;
  curl)
    # libcurl with TLS from the images' static OpenSSL, the CA bundle where Alpine keeps it; no
    # HTTP/2, IDN, PSL, SSH or LDAP (libraries the images do not have)
    configure_shared --with-openssl --with-zlib --without-zstd --without-brotli \
      --without-nghttp2 --without-libidn2 --without-libpsl --without-libssh2 --without-librtmp \
      --disable-ldap --disable-ldaps --disable-manual \
      --with-ca-bundle=/etc/ssl/certs/ca-certificates.crt --with-ca-path=/etc/ssl/certs
    # the library, its headers, curl-config and libcurl.pc: not the curl program, whose shell
    # completions are made by running it (which a cross build cannot)
    make -C lib -j"$jobs"
    make -C lib install
    make -C include install
    make install-binSCRIPTS install-pkgconfigDATA
    ;;
  cyrus-sasl)
    # libsasl2 and its mechanism plugins (PLAIN, LOGIN, ANONYMOUS, CRAM-MD5, DIGEST-MD5, SCRAM;
    # not GSSAPI, which would need krb5, nor OTP); no daemon, password database or samples
    autotools --disable-sample --disable-otp --disable-gssapi --enable-login \
      --without-saslauthd --without-authdaemond --with-dblib=none --with-devrandom=/dev/urandom
    ;;
  openldap)
    # the client libraries (liblber, libldap) and their headers: SASL (required: mounted) and TLS
    # from the images' static OpenSSL, as Alpine's openldap-dev; no server, no tools
    # shellcheck disable=SC2086  # $host is one word or none
    ./configure --prefix="$prefix" --enable-shared --disable-static $host --disable-slapd \
      --disable-debug --with-cyrus-sasl --with-tls=openssl --without-systemd --without-fetch
    make depend >/dev/null
    make -C libraries/liblutil -j"$jobs"  # (only the libraries' test programs link it)
    for part in include libraries/liblber libraries/libldap; do
      make -C "$part" -j"$jobs"
      make -C "$part" install
    done
    make -C libraries install-local  # lber.pc and ldap.pc
    ;;
  hdf5)
    # the C library and its high-level one (netCDF needs both), deflate from the images' zlib;
    # no tools, tests, C++ or Fortran bindings. Its build runs a program it compiled to learn
    # the machine's types (H5detect): never cross-compiled (system_libraries.py)
    autotools --enable-hl --disable-hltools --disable-tools --disable-tests --disable-cxx \
      --disable-fortran --disable-java --with-zlib=yes --enable-build-mode=production
    ;;
  netcdf)
    # netCDF-4 on HDF5 (required: mounted) and OPeNDAP through libcurl (required: mounted), XML
    # through the images' libxml2 (its bundled C++ parser would need a libstdc++ for musl), as
    # Alpine's netcdf-dev; no filter plugins, tests, examples or utilities
    # (its configure asks for m4, which the images lack; the sources made with it ship made.
    # Its HDF5 layer includes glibc's <execinfo.h> on Linux, and uses it only in a debugging
    # build: an empty stand-in)
    mkdir -p /tmp/wheelhouse-compat
    : >/tmp/wheelhouse-compat/execinfo.h
    CPATH="/tmp/wheelhouse-compat${CPATH:+:$CPATH}" NC_M4=m4 autotools --enable-netcdf-4 \
      --enable-dap --disable-byterange --disable-nczarr-filters --disable-plugins \
      --disable-testsets --disable-examples --disable-utilities --disable-doxygen
    ;;
  mariadb-connector-c)
    # MariaDB Connector/C (libmariadb) from the server's source package, where Debian keeps it:
    # TLS from the images' static OpenSSL, its bundled zlib, the authentication plugins a
    # server may ask for linked into the library (a wheel carries no plugin directory); no
    # GSSAPI plugin (krb5), remote-file plugin (curl) or tests
    plugins=""
    for plugin in dialog client_ed25519 caching_sha2_password sha256_password \
      mysql_clear_password; do
      plugins="$plugins -DCLIENT_PLUGIN_$(echo "$plugin" | tr a-z A-Z)=STATIC"
    done
    # (warnings are not errors: it makes them so unless told, and GCC 12 warns where MariaDB's
    # compilers did not)
    # shellcheck disable=SC2086  # $plugins is words
    cmake_build libmariadb -DCMAKE_COMPILE_WARNING_AS_ERROR=OFF -DWITH_UNIT_TESTS=OFF \
      -DWITH_CURL=OFF -DWITH_SSL=OPENSSL -DOPENSSL_ROOT_DIR=/opt/syslibs \
      -DOPENSSL_USE_STATIC_LIBS=TRUE \
      -DCLIENT_PLUGIN_AUTH_GSSAPI_CLIENT=OFF -DCLIENT_PLUGIN_REMOTE_IO=OFF \
      -DINSTALL_LIBDIR=lib -DINSTALL_INCLUDEDIR=include/mysql -DINSTALL_PCDIR=lib/pkgconfig \
      -DINSTALL_BINDIR=bin -DINSTALL_PLUGINDIR=lib/mariadb/plugin $plugins
    ;;
  *)
    echo "build-library: no recipe for $library" >&2
    exit 2
    ;;
esac

rm -rf "$prefix/share/doc" "$prefix/share/man" "$prefix/share/info" "$prefix"/lib/*.la
# musl's libc by the name Alpine's toolchain gives it (zig's link names its own stub libc.so,
# and auditwheel would graft a libc beside a library that needs "libc.so").
libc="libc.musl-$target.so.1"
for lib in "$prefix"/lib/*.so*; do
  [ -f "$lib" ] && [ ! -L "$lib" ] || continue
  if patchelf --print-needed "$lib" | grep -qx libc.so; then
    patchelf --replace-needed libc.so "$libc" "$lib"
  fi
done
echo "build-library: $library in $prefix"
