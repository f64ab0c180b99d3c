#!/usr/bin/env bash
# Download a Debian source package (once: a later call reuses what DOWNLOADS holds) and unpack
# it, Debian's patches applied, into TREE, for build-library.sh.
#
#   fetch-source.sh DOWNLOADS SUITE SOURCE TREE
#
# DOWNLOADS keeps a private apt state (the host's apt configuration is never changed; the mirror
# is the one the host's apt sources name) and the source packages. apt checks each file against
# the suite's signed index; the suite's security updates are offered too.
set -euo pipefail

downloads=${1:?usage: fetch-source.sh DOWNLOADS SUITE SOURCE TREE}
suite=${2:?} source=${3:?} tree=${4:?}

# shellcheck source=../private-apt.sh
. "$(dirname "$0")/../private-apt.sh"

newest_dsc() {
  ls "$downloads/${source}"_*.dsc 2>/dev/null | sort -V | tail -n1 || true
}
newest_orig() {  # Debian's copy of the upstream tarball (apt checked it against the index)
  ls "$downloads/${source}"_*.orig.tar.* 2>/dev/null | grep -v '\.asc$' | sort -V | tail -n1 || true
}

mkdir -p "$downloads"
dsc=$(newest_dsc)
if [ -z "$dsc" ] && [ -z "$(newest_orig)" ]; then
  if [ ! -x /usr/bin/apt-get ]; then
    echo "fetch-source: $source comes from Debian's sources, which needs a Debian host" \
      "(apt-get); elsewhere use the pypa images, whose apk has the library" >&2
    exit 2
  fi
  if ! mirror=$(debian_mirror); then
    echo "fetch-source: cannot find a Debian mirror in the host's apt sources" >&2
    exit 2
  fi
  private_apt "$downloads/apt" "deb-src $mirror $suite main" \
    "deb-src $mirror-security $suite-security main"
  apt-get "${apt_opts[@]}" -q update
  # the newest version first; an index can list one its pool does not serve (a security
  # update's files answered 404 for cyrus-sasl2): then the next one down
  for version in $(apt-cache "${apt_opts[@]}" showsrc "$source" |
    sed -n 's/^Version: //p' | sort -urV); do
    if (cd "$downloads" &&
      apt-get "${apt_opts[@]}" -q source --download-only "$source=$version"); then
      break
    fi
    # a pool can serve the upstream tarball and not Debian's .dsc and patches (trixie's
    # netcdf 4.9.3 here): the newest upstream release, unpatched, rather than an older one
    if [ -n "$(newest_orig)" ]; then
      echo "fetch-source: $source $version: only its upstream tarball could be downloaded;" \
        "building that, without Debian's patches" >&2
      break
    fi
    echo "fetch-source: $source $version could not be downloaded; trying an older one" >&2
    rm -f "$downloads/${source}"_*
  done
  dsc=$(newest_dsc)
  if [ -z "$dsc" ] && [ -z "$(newest_orig)" ]; then
    echo "fetch-source: Debian $suite offers no source package $source" >&2
    exit 1
  fi
fi
rm -rf "$tree"
if [ -z "$dsc" ]; then
  mkdir -p "$tree"
  tar -xf "$(newest_orig)" -C "$tree" --strip-components=1
else
  if ! command -v dpkg-source >/dev/null; then
    echo "fetch-source: unpacking $source needs dpkg-source (apt-get install dpkg-dev)" >&2
    exit 2
  fi
  dpkg-source --no-check -x "$dsc" "$tree" >/dev/null
fi
# patches Debian's own build takes off again for the flavour built here: curl's last two make
# its GnuTLS and NSS flavours (libcurl-gnutls, libcurl-nss); OpenSSL's is built without them
case "$source" in
  curl)
    for patch in 99_nss.patch 90_gnutls.patch; do
      [ ! -f "$tree/debian/patches/$patch" ] ||
        patch -d "$tree" -R -p1 -s <"$tree/debian/patches/$patch"
    done
    ;;
esac
# configure made again, as Debian's own build does (debhelper runs autoreconf): a tarball of a
# git tag has none, and Debian's patches can change configure.ac or Makefile.am, which make
# would otherwise try to regenerate in the builder image, which has no autotools.
configured="$tree"
[ -f "$tree/configure.ac" ] || configured="$tree/src"  # krb5's is in src/
if [ -f "$configured/configure.ac" ]; then
  if ! command -v autoreconf >/dev/null || ! command -v libtoolize >/dev/null ||
    ! command -v autopoint >/dev/null; then
    echo "fetch-source: $source's configure is made by autoreconf, libtoolize and autopoint:" \
      "apt-get install autoconf automake libtool autopoint (make engine installs them)" >&2
    exit 2
  fi
  (cd "$configured" && autoreconf -fi >/dev/null)
fi
if [ -n "$dsc" ]; then
  echo "fetch-source: $(basename "$dsc" .dsc) unpacked, Debian's patches applied"
else
  echo "fetch-source: $(basename "$(newest_orig)") unpacked (no Debian patches)"
fi
