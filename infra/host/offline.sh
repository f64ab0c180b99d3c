#!/usr/bin/env bash
# Run a command with no network but a loopback interface (a network namespace of its own), so a
# test that reaches for the internet fails instead of passing on a connected machine. Where the
# machine allows no namespace (not root, no user namespaces), run it as it is and say so.
#   infra/host/offline.sh .venv/bin/pytest tests/unit
set -euo pipefail
if unshare -n true 2>/dev/null; then
  exec unshare -n sh -c 'ip link set lo up && exec "$0" "$@"' "$@"
fi
echo "offline.sh: no network namespace here (run as root for one); running with the network" >&2
exec "$@"
