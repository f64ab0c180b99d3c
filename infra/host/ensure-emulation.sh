#!/usr/bin/env bash
# Make this Debian machine run the other architecture's binaries (aarch64 on x86_64, x86_64 on
# aarch64), in containers too: QEMU user emulation registered in binfmt_misc with the F flag.
# Idempotent; `wheelhouse build` checks the same and names these steps when one is missing.
set -euo pipefail

case "$(uname -m)" in
  x86_64) foreign=aarch64 ;;
  aarch64) foreign=x86_64 ;;
  *) echo "ensure-emulation: no foreign arch to emulate on $(uname -m)"; exit 0 ;;
esac
entry=/proc/sys/fs/binfmt_misc/qemu-$foreign
if [ -f "$entry" ] && head -n1 "$entry" | grep -qx enabled && grep -q '^flags: .*F' "$entry"; then
  exit 0
fi
if [ "$(id -u)" != 0 ]; then
  echo "ensure-emulation: $foreign emulation is not enabled; run this as root" >&2
  exit 4
fi
need=()
[ -e "/usr/libexec/qemu-binfmt/$foreign-binfmt-P" ] || [ -e "/usr/bin/qemu-$foreign-static" ] \
  || need+=(qemu-user-static)
command -v update-binfmts >/dev/null 2>&1 || need+=(binfmt-support)
if [ "${#need[@]}" -gt 0 ]; then
  echo "ensure-emulation: installing ${need[*]}"
  apt-get update -q
  DEBIAN_FRONTEND=noninteractive apt-get install -y -q "${need[@]}"
fi
if [ ! -f /proc/sys/fs/binfmt_misc/status ]; then
  mount -t binfmt_misc binfmt_misc /proc/sys/fs/binfmt_misc
fi
update-binfmts --enable "qemu-$foreign"
if ! grep -q '^flags: .*F' "$entry"; then
  echo "ensure-emulation: $entry is registered without the F flag; containers cannot use it" >&2
  exit 4
fi
echo "ensure-emulation: qemu-$foreign enabled"
