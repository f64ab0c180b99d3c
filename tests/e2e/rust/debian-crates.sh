#!/usr/bin/env bash
# A vendored crates directory (cargo's directory source, as `cargo vendor` writes one) made of
# Debian's packaged crates: the librust-*-dev packages of one suite that the named ones need,
# closed under their dependencies, each crate's folder moved out of /usr/share/cargo/registry.
# For the tests, where crates.io is unreachable; Debian's .cargo-checksum.json files carry no
# file checksums and their package checksums are not crates.io's, so a project's Cargo.lock must
# go (versions then resolve against what the suite has).
#
#   debian-crates.sh OUT SUITE PACKAGE...      e.g. OUT trixie librust-pyo3-dev librust-rpds-dev
#
# A private apt state under OUT.apt (the host's apt configuration is never changed); the mirror
# is the one the host's apt sources name.
set -euo pipefail

out=${1:?usage: debian-crates.sh OUT SUITE PACKAGE...}
suite=${2:?} && shift 2
[ "$#" -gt 0 ] || { echo "debian-crates: name at least one librust-*-dev package" >&2; exit 2; }

# shellcheck source=../../../builder/host/private-apt.sh
. "$(dirname "$0")/../../../builder/host/private-apt.sh"
mirror=$(debian_mirror) || { echo "debian-crates: no Debian mirror in the host's apt sources" >&2; exit 2; }
state="$out.apt"
mkdir -p "$state/debs"
private_apt "$state" "deb [arch=amd64] $mirror $suite main"
apt-get "${apt_opts[@]}" -q update >/dev/null
mapfile -t crates < <(apt-cache "${apt_opts[@]}" depends --recurse --no-recommends --no-suggests \
  --no-conflicts --no-breaks --no-replaces --no-enhances "$@" | grep '^librust-' | sort -u)
echo "debian-crates: ${#crates[@]} packages from $suite"
(cd "$state/debs" && apt-get "${apt_opts[@]}" -q download "${crates[@]}" >/dev/null)

tree=$(mktemp -d "$out.tree.XXXXXX")
trap 'rm -rf "$tree"' EXIT
for deb in "$state"/debs/*.deb; do dpkg-deb -x "$deb" "$tree"; done
rm -rf "$out" && mkdir -p "$out"
mv "$tree"/usr/share/cargo/registry/* "$out"/
echo "debian-crates: $(ls "$out" | wc -l) crates in $out"
