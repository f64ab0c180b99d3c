#!/usr/bin/env bash
# Take Debian's Rust toolchain (rustc-web, cargo-web, rust-web-src, bookworm-security) and every
# library it loads out of their .deb packages into OUT, as x86_64 programs that run in any
# container on an x86_64 machine: rustc's and cargo's ELF interpreter and library path are
# pointed at OUT's own glibc and libraries, as seen at MOUNT inside the container.
#
#   fetch-rust.sh DOWNLOADS OUT MOUNT VERSION PATCHELF
#
# DOWNLOADS keeps a private apt state (the host's apt configuration is never changed; the mirror
# is the one the host's apt sources name) and the packages. VERSION is the rustc-web version
# required; the suite keeps only its newest, so another one is an error that says so.
set -euo pipefail

downloads=${1:?usage: fetch-rust.sh DOWNLOADS OUT MOUNT VERSION PATCHELF}
out=${2:?} mount=${3:?} version=${4:?} patchelf=${5:?}

# shellcheck source=../private-apt.sh
. "$(dirname "$0")/../private-apt.sh"

# rustc, cargo, std's sources, the host's std (build scripts and proc-macros are compiled for
# x86_64 glibc), and the libraries they load, closed under their dependencies (measured with
# apt-cache depends --recurse on bookworm; the loader check below fails if one is missing).
toolchain=(rustc-web cargo-web rust-web-src libstd-rust-web-1.96 libstd-rust-web-dev)
libraries=(
  gcc-12-base libbrotli1 libbsd0 libc6 libcom-err2 libcurl4 libdb5.3 libedit2 libffi8 libgcc-s1
  libgit2-1.5 libgmp10 libgnutls30 libgssapi-krb5-2 libhogweed6 libhttp-parser2.9 libicu72
  libidn2-0 libk5crypto3 libkeyutils1 libkrb5-3 libkrb5support0 libldap-2.5-0 libllvm22
  liblzma5 libmbedcrypto7 libmbedtls14 libmbedx509-1 libmd0 libnettle8 libnghttp2-14
  libp11-kit0 libpcre2-8-0 libpsl5 librtmp1 libsasl2-2 libsasl2-modules-db libsqlite3-0
  libssh2-1 libssl3 libstdc++6 libtasn1-6 libtinfo6 libunistring2 libxml2 libz3-4 libzstd1
  zlib1g
)

mkdir -p "$(dirname "$out")"
work=$(mktemp -d "${out%/}.part.XXXXXX")
trap 'rm -rf "$work"' EXIT
fetch_toolchain fetch-rust "the Rust toolchain" "$version" \
  "builder/wheelbuild/rust_toolchain.py: RUSTC_VERSION" "$downloads" "$work"
rm -rf "$work/usr/share/doc" "$work/usr/share/man"
libs="$mount/usr/lib/x86_64-linux-gnu"
for program in rustc cargo rustdoc; do
  "$patchelf" --set-interpreter "$libs/ld-linux-x86-64.so.2" --force-rpath --set-rpath "$libs" \
    "$work/usr/bin/$program"
done
# libLLVM's own RUNPATH ($ORIGIN/../lib) would hide the programs' RPATH from its dependencies.
for library in "$work"/usr/lib/x86_64-linux-gnu/libLLVM.so.*; do
  [ -L "$library" ] || "$patchelf" --set-rpath '$ORIGIN' "$library"
done
mkdir -p "$work/bin"
chmod 755 "$work"
rm -rf "$out"
mv -T "$work" "$out"
trap - EXIT
echo "fetch-rust: rustc-web $version in $out"
