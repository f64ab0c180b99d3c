#!/usr/bin/env bash
# Build the local musllinux builder and runtime images for one architecture.
# usage: build-images.sh ARCH BASE_TAG BUILDER_TAG RUNTIME_TAG SOURCES_DIR WORK_DIR
set -euo pipefail
arch=${1:?usage: build-images.sh ARCH BASE_TAG BUILDER_TAG RUNTIME_TAG SOURCES_DIR WORK_DIR}
base=$2 builder=$3 runtime=$4 sources=$5 work=$6
here=$(cd "$(dirname "$0")" && pwd)

ctx="$work/context-$arch"
rm -rf "$ctx"
mkdir -p "$ctx/sources"
cp -r "$here/scripts" "$here/Dockerfile" "$here/tools.txt" "$ctx/"
for f in "$sources"/*.orig.tar.*; do
  case "$f" in *.asc) continue ;; esac
  ln "$f" "$ctx/sources/" 2>/dev/null || cp "$f" "$ctx/sources/"
done
# The host's CA bundle: containers reach the package index only through the host's trust roots.
cp "${WHEELHOUSE_CA_BUNDLE:-/etc/ssl/certs/ca-certificates.crt}" "$ctx/ca-certificates.crt"

export DOCKER_BUILDKIT=0
docker build --build-arg BASE="$base" --build-arg ARCH="$arch" --target builder -t "$builder" "$ctx"
docker build --build-arg BASE="$base" --build-arg ARCH="$arch" --target runtime -t "$runtime" "$ctx"
rm -rf "$ctx"
