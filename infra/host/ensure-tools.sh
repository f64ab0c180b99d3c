#!/usr/bin/env bash
# Install the Debian packages that provide the given commands, if any is missing.
#   infra/host/ensure-tools.sh nginx=nginx-light wrk=wrk
set -euo pipefail
need=()
for pair in "$@"; do
  command -v "${pair%%=*}" >/dev/null 2>&1 || [ -x "/usr/sbin/${pair%%=*}" ] || need+=("${pair#*=}")
done
[ "${#need[@]}" -eq 0 ] && exit 0
if [ "$(id -u)" != 0 ]; then
  echo "ensure-tools: missing ${need[*]}; run this as root or install them" >&2
  exit 4
fi
echo "ensure-tools: installing ${need[*]}"
apt-get update -q
# policy-rc.d 101: do not start the packages' own services (nginx's default site on port 80)
if [ ! -e /usr/sbin/policy-rc.d ]; then
  printf '#!/bin/sh\nexit 101\n' > /usr/sbin/policy-rc.d && chmod +x /usr/sbin/policy-rc.d
  trap 'rm -f /usr/sbin/policy-rc.d' EXIT
fi
DEBIAN_FRONTEND=noninteractive apt-get install -y -q "${need[@]}"
