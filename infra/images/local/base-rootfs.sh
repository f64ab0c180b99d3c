#!/usr/bin/env bash
# Make a minimal Debian bookworm rootfs with debootstrap and import it as a Docker image.
# This is the only image the local builder and runtime images start FROM: no registry is needed.
#
# usage: base-rootfs.sh IMAGE_TAG WORK_DIR
set -euo pipefail

tag=${1:?usage: base-rootfs.sh IMAGE_TAG WORK_DIR}
work=${2:?usage: base-rootfs.sh IMAGE_TAG WORK_DIR}

if docker image inspect "$tag" >/dev/null 2>&1; then
  echo "base-rootfs: $tag already present"
  exit 0
fi

root="$work/rootfs"
rm -rf "$root"
mkdir -p "$root"
# debootstrap's own default mirror is used; the host's apt sources are copied in below so that
# apt inside the images reaches the same mirror the host does.
debootstrap --variant=minbase --include=ca-certificates bookworm "$root"
rm -f "$root/etc/apt/sources.list"
cp /etc/apt/sources.list.d/*.sources "$root/etc/apt/sources.list.d/" 2>/dev/null || true
if [ -f /etc/apt/sources.list ]; then cp /etc/apt/sources.list "$root/etc/apt/"; fi
# Keep only Debian's own sources (a host may carry third-party ones).
find "$root/etc/apt/sources.list.d" -type f ! -name 'debian.sources' -delete
rm -rf "$root/var/cache/apt/archives"/*.deb "$root/var/lib/apt/lists"/*

tar -C "$root" -c . | docker import - "$tag"
rm -rf "$root"
echo "base-rootfs: imported $tag"
