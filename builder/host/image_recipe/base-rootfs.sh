#!/usr/bin/env bash
# Make a minimal Debian bookworm rootfs with debootstrap and turn it into a Docker image for one
# architecture. This is the only image the local builder and runtime images start FROM: no registry
# is needed.
#
# A foreign architecture (aarch64 on an x86_64 host) is bootstrapped in two stages: the packages
# are unpacked here, and their maintainer scripts run inside the rootfs under QEMU (binfmt_misc
# with the F flag, so nothing has to be copied into the rootfs). The image is made with
# `docker build --platform` from scratch: `docker import --platform` is ignored by some engines,
# which then label an arm64 rootfs amd64.
#
# usage: base-rootfs.sh ARCH IMAGE_TAG WORK_DIR
set -euo pipefail

usage="usage: base-rootfs.sh ARCH IMAGE_TAG WORK_DIR"
arch=${1:?$usage}
tag=${2:?$usage}
work=${3:?$usage}
case "$arch" in
  x86_64) platform=amd64 ;;
  aarch64) platform=arm64 ;;
  *) echo "base-rootfs: unsupported arch $arch (x86_64, aarch64)" >&2; exit 2 ;;
esac

if docker image inspect "$tag" >/dev/null 2>&1; then
  echo "base-rootfs: $tag already present"
  exit 0
fi

root="$work/rootfs-$arch"
ctx="$work/base-context-$arch"
rm -rf "$root" "$ctx"
mkdir -p "$root" "$ctx"
# debootstrap's own default mirror is used; the host's apt sources are copied in below so that
# apt inside the images reaches the same mirror the host does.
if [ "$arch" = "$(uname -m)" ]; then
  debootstrap --arch="$platform" --variant=minbase --include=ca-certificates bookworm "$root"
else
  debootstrap --arch="$platform" --foreign --variant=minbase --include=ca-certificates bookworm "$root"
  echo "base-rootfs: second stage under emulation (a few minutes)"
  chroot "$root" /debootstrap/debootstrap --second-stage
fi
rm -f "$root/etc/apt/sources.list"
cp /etc/apt/sources.list.d/*.sources "$root/etc/apt/sources.list.d/" 2>/dev/null || true
if [ -f /etc/apt/sources.list ]; then cp /etc/apt/sources.list "$root/etc/apt/"; fi
# Keep only Debian's own sources (a host may carry third-party ones).
find "$root/etc/apt/sources.list.d" -type f ! -name 'debian.sources' -delete
rm -rf "$root/var/cache/apt/archives"/*.deb "$root/var/lib/apt/lists"/*

tar -C "$root" -cf "$ctx/rootfs.tar" .
rm -rf "$root"
printf 'FROM scratch\nADD rootfs.tar /\nCMD ["bash"]\n' >"$ctx/Dockerfile"
DOCKER_BUILDKIT=0 docker build --platform "linux/$platform" -t "$tag" "$ctx"
rm -rf "$ctx"
echo "base-rootfs: built $tag ($(docker image inspect --format '{{.Architecture}}' "$tag"))"
