#!/usr/bin/env bash
# Build the local musllinux builder and runtime images for one architecture.
#
# The interpreters are compiled on this machine's architecture (interpreters.Dockerfile): natively
# for this machine's arch, cross-compiled for the other one (only the final images' package
# installs and checks then run under emulation, which is 6-16x slower than native). The builder
# and runtime images are then made FROM ARCH's Debian base (images.Dockerfile, --platform ARCH).
#
# usage: build-images.sh ARCH BASE_TAG BUILDER_TAG RUNTIME_TAG SOURCES_DIR WORK_DIR [MACHINE_BASE_TAG]
#   MACHINE_BASE_TAG: this machine's Debian base, needed when ARCH is not this machine's
set -euo pipefail
usage="usage: build-images.sh ARCH BASE_TAG BUILDER_TAG RUNTIME_TAG SOURCES_DIR WORK_DIR [MACHINE_BASE_TAG]"
arch=${1:?$usage}
base=${2:?$usage} builder=${3:?$usage} runtime=${4:?$usage} sources=${5:?$usage} work=${6:?$usage}
machine_base=${7:-}
here=$(cd "$(dirname "$0")" && pwd)
case "$arch" in
  x86_64) platform=amd64 ;;
  aarch64) platform=arm64 ;;
  *) echo "build-images: unsupported arch $arch (x86_64, aarch64)" >&2; exit 2 ;;
esac

if [ "$arch" = "$(uname -m)" ]; then
  compile_base=$base stage=interpreters-native
else
  compile_base=${machine_base:?"building for $arch on $(uname -m) needs MACHINE_BASE_TAG"}
  stage=interpreters-cross
fi

ctx="$work/context-$arch"
rm -rf "$ctx"
mkdir -p "$ctx/sources"
cp -r "$here/scripts" "$here/interpreters.Dockerfile" "$here/images.Dockerfile" "$here/tools.txt" "$ctx/"
for f in "$sources"/*.orig.tar.*; do
  case "$f" in *.asc) continue ;; esac
  ln "$f" "$ctx/sources/" 2>/dev/null || cp "$f" "$ctx/sources/"
done
cp -r "$sources/debs" "$ctx/debs"
# The host's CA bundle: containers reach the package index only through the host's trust roots.
cp "${WHEELHOUSE_CA_BUNDLE:-/etc/ssl/certs/ca-certificates.crt}" "$ctx/ca-certificates.crt"

export DOCKER_BUILDKIT=0
interpreters="wheelhouse-local/interpreters-$arch:build-$$"
docker build -f "$ctx/interpreters.Dockerfile" --build-arg BASE="$compile_base" \
  --build-arg TARGET_ARCH="$arch" --target "$stage" -t "$interpreters" "$ctx"
container=$(docker create "$interpreters" /none)
docker cp "$container:/opt/python" - >"$ctx/interpreters.tar"
docker cp "$container:/opt/syslibs" - >"$ctx/syslibs.tar"
# The runtime's tree, laid out where the runtime image wants it: its interpreters at the same
# /opt/python paths, its shared libraries in musl's library directory (as Alpine's in /usr/lib).
rt="$ctx/runtime-root"
mkdir -p "$rt/opt" "$rt/usr/lib/$arch-linux-musl"
docker cp "$container:/opt/runtime/python" "$rt/opt/python"
docker cp "$container:/opt/runtime/lib" "$ctx/runtime-lib"
cp -a "$ctx"/runtime-lib/*.so* "$rt/usr/lib/$arch-linux-musl/"
tar -C "$rt" -cf "$ctx/runtime.tar" .
rm -rf "$rt" "$ctx/runtime-lib"
docker rm "$container" >/dev/null
docker rmi "$interpreters" >/dev/null
rm -rf "$ctx/sources"

for role in builder runtime; do
  tag=$builder
  [ "$role" = runtime ] && tag=$runtime
  docker build -f "$ctx/images.Dockerfile" --platform "linux/$platform" --build-arg BASE="$base" \
    --target "$role" -t "$tag" "$ctx"
done
rm -rf "$ctx"
