#!/bin/sh
# Install the musl packages of debs.txt (Debian trixie's musl 1.2.5, fetched by fetch-sources.sh)
# into this bookworm-based image, for one Debian architecture.
# musl-dev depends on trixie's name for its gcc (gcc-<arch>-linux-gnu), which bookworm does not
# carry for the native arch: that one dependency is dropped. The image's own gcc compiles for musl
# through musl-cc, with musl-dev's specs file.
# usage: install-musl.sh DEBS_DIR DEBARCH PACKAGE...
set -eu
usage="usage: install-musl.sh DEBS_DIR DEBARCH PACKAGE..."
debs=${1:?$usage} debarch=${2:?$usage}
shift 2
work=$(mktemp -d)
files=""
for pkg in "$@"; do
  deb=$(ls "$debs/${pkg}_"*"_$debarch.deb")
  if [ "$pkg" = musl-dev ]; then
    dpkg-deb -R "$deb" "$work/musl-dev"
    sed -i -E '/^Depends:/s/, *gcc-[a-z0-9-]+-linux-gnu[^,]*//' "$work/musl-dev/DEBIAN/control"
    dpkg-deb -b "$work/musl-dev" "$work/musl-dev.deb" >/dev/null
    deb="$work/musl-dev.deb"
  fi
  files="$files $deb"
done
# shellcheck disable=SC2086
dpkg -i $files
rm -rf "$work"
version=$(dpkg-query -W -f '${Version}' "musl:$debarch")
case "$version" in
  1.2.5-*) echo "install-musl: musl $version ($debarch)" ;;
  *) echo "install-musl: expected musl 1.2.5, got $version" >&2; exit 1 ;;
esac
