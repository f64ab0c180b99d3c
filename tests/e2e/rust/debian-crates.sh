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

mirror=$(grep -h -m1 -E '^URIs:' /etc/apt/sources.list.d/*.sources 2>/dev/null | awk '{print $2}' | head -n1 || true)
if [ -z "$mirror" ] && [ -f /etc/apt/sources.list ]; then
  mirror=$(awk '$1 == "deb" {print $2; exit}' /etc/apt/sources.list)
fi
[ -n "$mirror" ] || { echo "debian-crates: no Debian mirror in the host's apt sources" >&2; exit 2; }

state="$out.apt"
mkdir -p "$state/lists/partial" "$state/cache/archives/partial" "$state/debs"
echo "deb [arch=amd64] ${mirror%/} $suite main" > "$state/sources.list"
apt_opts=(
  -o "Dir::Etc::SourceList=$state/sources.list"
  -o "Dir::Etc::SourceParts=-"
  -o "Dir::State::Lists=$state/lists"
  -o "Dir::State::status=/dev/null"
  -o "Dir::Cache=$state/cache"
  -o "APT::Architectures::=amd64"
  -o "APT::Sandbox::User=root"
  -o "Debug::NoLocking=true"
)
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
