#!/usr/bin/env bash
# Download the Debian source tarballs that the local musl images compile (sources.txt), and the
# Debian binary packages they install over their base (debs.txt, into OUT_DIR/debs, for amd64
# and arm64).
#
# Uses a private apt state under $OUT/apt so the host's apt configuration is never changed.
# The Debian mirror is taken from the host's own apt sources; nothing here names a host.
#
# usage: fetch-sources.sh OUT_DIR
set -euo pipefail

out=${1:?usage: fetch-sources.sh OUT_DIR}
here=$(cd "$(dirname "$0")" && pwd)
mkdir -p "$out"
out=$(cd "$out" && pwd)

# Every "suite package" line of sources.txt names one source package to fetch.
mapfile -t wanted < <(grep -Ev '^\s*(#|$)' "$here/sources.txt")
mapfile -t binaries < <(grep -Ev '^\s*(#|$)' "$here/debs.txt")

mirror=$(grep -h -m1 -E '^URIs:' /etc/apt/sources.list.d/*.sources 2>/dev/null | awk '{print $2}' | head -n1 || true)
if [ -z "$mirror" ] && [ -f /etc/apt/sources.list ]; then
  mirror=$(awk '$1 == "deb" {print $2; exit}' /etc/apt/sources.list)
fi
if [ -z "$mirror" ]; then
  echo "fetch-sources: cannot find a Debian mirror in the host's apt sources" >&2
  exit 2
fi

state="$out/apt"
mkdir -p "$state/lists/partial" "$state/cache/archives/partial"
: > "$state/sources.list"
for suite in $(printf '%s\n' "${wanted[@]}" | awk '{print $1}' | sort -u); do
  echo "deb-src $mirror $suite main" >> "$state/sources.list"
done
for suite in $(printf '%s\n' "${binaries[@]}" | awk '{print $1}' | sort -u); do
  echo "deb [arch=amd64,arm64] $mirror $suite main" >> "$state/sources.list"
done

apt_opts=(
  -o "Dir::Etc::SourceList=$state/sources.list"
  -o "Dir::Etc::SourceParts=-"
  -o "Dir::State::Lists=$state/lists"
  -o "Dir::Cache=$state/cache"
  -o "APT::Architectures::=amd64"
  -o "APT::Architectures::=arm64"
  -o "Debug::NoLocking=true"
)
apt-get "${apt_opts[@]}" -q update

cd "$out"
for line in "${wanted[@]}"; do
  read -r suite pkg <<<"$line"
  if ls "$out"/"${pkg}"_*.orig.tar.* >/dev/null 2>&1; then
    echo "fetch-sources: $pkg already present"
    continue
  fi
  # The suite's newest version first. A mirror's index can name a version its pool does not
  # carry yet (seen: a stable update listed, its files 404): then the older versions of the same
  # upstream line (major.minor) that the index lists are tried, newest first.
  log="$state/fetch-$pkg.log"
  if apt-get "${apt_opts[@]}" -o APT::Get::Only-Source=true -q source --download-only "$pkg/$suite" >"$log" 2>&1; then
    cat "$log"
    continue
  fi
  selected=$(sed -n "s/^Selected version '\([^']*\)'.*/\1/p" "$log" | head -n1)
  upstream=$(printf '%s' "${selected#*:}" | cut -d. -f1,2)
  fetched=
  for version in $(apt-cache "${apt_opts[@]}" showsrc "$pkg" 2>/dev/null \
      | awk '/^Version:/ {print $2}' | sort -rV -u); do
    case "${version#*:}" in "$upstream".*) ;; *) continue ;; esac
    [ "$version" = "$selected" ] && continue
    echo "fetch-sources: $pkg $selected is listed but not downloadable; trying $version" >&2
    if apt-get "${apt_opts[@]}" -o APT::Get::Only-Source=true -q source --download-only "$pkg=$version" >"$log" 2>&1; then
      fetched=$version
      break
    fi
  done
  if [ -z "$fetched" ]; then
    cat "$log" >&2
    echo "fetch-sources: no version of $pkg ${upstream:+$upstream.x }could be downloaded for $suite" >&2
    exit 100
  fi
  echo "fetch-sources: $pkg $fetched"
done

# The binary packages, each for both architectures, from the suite that debs.txt names: fetched
# anew each time (a few MB), so that the folder holds exactly one version of each.
rm -rf "$out/debs"
mkdir -p "$out/debs"
cd "$out/debs"
for line in "${binaries[@]}"; do
  read -r suite pkg <<<"$line"
  for debarch in amd64 arm64; do
    apt-get "${apt_opts[@]}" -q download "$pkg:$debarch/$suite"
  done
done
ls -l "$out" "$out/debs"
