#!/bin/sh
# Install the C toolchain that compiles for musl, and make Debian's musl look like Alpine's.
#   install-toolchain.sh             for this machine's architecture (native)
#   install-toolchain.sh --cross T   add a cross compiler for architecture T (e.g. aarch64), with
#                                    musl for T installed side by side (multiarch)
# musl itself is trixie's 1.2.5 (debs.txt, in $DEBS beside this script), not bookworm's 1.2.3.
set -eu
here=$(cd "$(dirname "$0")" && pwd)
debs=${DEBS:-$here/debs}
export DEBIAN_FRONTEND=noninteractive
if [ "${1:-}" = "--cross" ]; then
  target=${2:?usage: install-toolchain.sh [--cross ARCH]}
  case "$target" in
    aarch64) debarch=arm64 ;;
    x86_64) debarch=amd64 ;;
    *) echo "install-toolchain: no cross toolchain for $target" >&2; exit 2 ;;
  esac
  dpkg --add-architecture "$debarch"
  apt-get update
  apt-get install -y --no-install-recommends "gcc-$(echo "$target" | tr _ -)-linux-gnu" \
    "linux-libc-dev:$debarch"
  "$here/install-musl.sh" "$debs" "$debarch" musl musl-dev
else
  target=$(uname -m)
  apt-get update
  apt-get install -y --no-install-recommends gcc make perl pkg-config patchelf file xz-utils bzip2 \
    linux-libc-dev unzip tcl patch
  "$here/install-musl.sh" "$debs" "$(dpkg --print-architecture)" musl musl-dev musl-tools
fi
rm -rf /var/lib/apt/lists/*
install -m 0755 "$here/musl-cc" /usr/local/bin/musl-cc
"$here/musl-sysroot.sh" "$target"
