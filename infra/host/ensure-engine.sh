#!/usr/bin/env bash
# Make sure this Debian machine can run wheelhouse: the packages the local images and the Docker
# engine need, and a running engine. Idempotent: does nothing that is already done.
set -euo pipefail

need=()
command -v dockerd >/dev/null 2>&1 || need+=(docker.io)
command -v debootstrap >/dev/null 2>&1 || need+=(debootstrap)
command -v dpkg-source >/dev/null 2>&1 || need+=(dpkg-dev)
# Debian source packages without a configure script get one (system libraries built on demand)
command -v autoreconf >/dev/null 2>&1 || need+=(autoconf automake)
command -v libtoolize >/dev/null 2>&1 || need+=(libtool)
command -v autopoint >/dev/null 2>&1 || need+=(autopoint)  # gettext's, for acl's configure.ac
if [ "${#need[@]}" -gt 0 ]; then
  if [ "$(id -u)" != 0 ]; then
    echo "ensure-engine: missing ${need[*]}; run this as root or install them" >&2
    exit 4
  fi
  echo "ensure-engine: installing ${need[*]}"
  apt-get update -q
  DEBIAN_FRONTEND=noninteractive apt-get install -y -q "${need[@]}"
fi

if docker version >/dev/null 2>&1; then
  exit 0
fi
if [ "$(id -u)" != 0 ]; then
  echo "ensure-engine: the Docker engine is not running; start it (e.g. systemctl start docker)" >&2
  exit 4
fi
echo "ensure-engine: starting dockerd"
log=/var/log/wheelhouse-dockerd.log
nohup dockerd >"$log" 2>&1 &
for _ in $(seq 1 60); do
  if docker version >/dev/null 2>&1; then
    echo "ensure-engine: engine ready"
    exit 0
  fi
  sleep 1
done
echo "ensure-engine: dockerd did not become ready in 60 s; see $log" >&2
tail -20 "$log" >&2 || true
exit 4
