# Sourced by scripts that fetch Debian packages without touching the host's apt configuration:
#   debian_mirror            prints the mirror the host's apt sources name (fails when none)
#   private_apt STATE LINE…  a private apt state under STATE whose sources.list holds the given
#                            lines; sets the array apt_opts for apt-get and apt-cache
#   newest_version PACKAGE   the newest version of PACKAGE that state's sources offer
#   unpack_packages DOWNLOADS WORK NAME[=VERSION]…
#                            the packages downloaded into DOWNLOADS/debs and unpacked into WORK,
#                            with one x86_64 library directory (usr/lib/x86_64-linux-gnu)
#   fetch_toolchain WHO WHAT VERSION PIN DOWNLOADS WORK
#                            on an x86_64 Debian host, the caller's arrays `toolchain` (at
#                            VERSION, which must be the newest bookworm-security offers of its
#                            first package; PIN says where wheelhouse names that version) and
#                            `libraries` unpacked into WORK; otherwise exits 2 saying why
# (builder/host/image_recipe/ and openmp_recipe/ keep their own copies: they are hashed into
# image tags and build keys.)

debian_mirror() {
  local mirror
  mirror=$(grep -h -m1 -E '^URIs:' /etc/apt/sources.list.d/*.sources 2>/dev/null | awk '{print $2}' | head -n1 || true)
  if [ -z "$mirror" ] && [ -f /etc/apt/sources.list ]; then
    mirror=$(awk '$1 == "deb" {print $2; exit}' /etc/apt/sources.list)
  fi
  [ -n "$mirror" ] || return 1
  echo "${mirror%/}"
}

private_apt() {
  local state=$1
  shift
  mkdir -p "$state/lists/partial" "$state/cache/archives/partial"
  printf '%s\n' "$@" > "$state/sources.list"
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
}

newest_version() {
  apt-cache "${apt_opts[@]}" show "$1" 2>/dev/null | awk '/^Version:/ {print $2}' | sort -rV | head -n1
}

unpack_packages() {
  local downloads=$1 work=$2 spec deb
  shift 2
  mkdir -p "$downloads/debs"
  (cd "$downloads/debs" && apt-get "${apt_opts[@]}" -q download "$@")
  for spec in "$@"; do
    deb=$(ls -t "$downloads/debs/${spec%%=*}_"*_{amd64,all}.deb 2>/dev/null | head -n1 || true)
    [ -n "$deb" ] || { echo "${spec%%=*} was not downloaded" >&2; return 1; }
    dpkg-deb -x "$deb" "$work"
  done
  # The packages split their libraries between /lib and /usr/lib.
  cp -a "$work/lib/x86_64-linux-gnu/." "$work/usr/lib/x86_64-linux-gnu/"
  rm -rf "$work/lib" "$work/lib64"
}

fetch_toolchain() {
  local who=$1 what=$2 version=$3 pin=$4 downloads=$5 work=$6 mirror offered name
  local pinned=()
  if [ "$(uname -m)" != x86_64 ]; then
    echo "$who: $what for the local images is taken from Debian's x86_64 packages and needs" \
      "an x86_64 machine; on $(uname -m), use the pypa images" >&2
    exit 2
  fi
  if [ ! -x /usr/bin/apt-get ] || ! command -v dpkg-deb >/dev/null; then
    echo "$who: fetching $what needs a Debian host (apt-get, dpkg-deb)" >&2
    exit 2
  fi
  if ! mirror=$(debian_mirror); then
    echo "$who: cannot find a Debian mirror in the host's apt sources" >&2
    exit 2
  fi
  private_apt "$downloads/apt" "deb [arch=amd64] $mirror bookworm main" \
    "deb [arch=amd64] $mirror-security bookworm-security main"
  apt-get "${apt_opts[@]}" -q update
  offered=$(newest_version "${toolchain[0]}")
  if [ "$offered" != "$version" ]; then
    echo "$who: the mirror offers ${toolchain[0]} ${offered:-(none)}, wheelhouse is set up for" \
      "$version ($pin); a different one is a deliberate change there" >&2
    exit 2
  fi
  for name in "${toolchain[@]}"; do pinned+=("$name=$version"); done
  unpack_packages "$downloads" "$work" "${pinned[@]}" "${libraries[@]}"
}
