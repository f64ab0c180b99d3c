# Sourced by the scripts that build parts of LLVM 19.1.7 for musl (openmp_recipe/,
# fortran_recipe/):
#   llvm_sources DIR NAME PART…  makes sure DIR holds Debian's llvm-toolchain-19 source tarball
#                                (from the mirror the host's apt sources name, its sha256
#                                checked) and a tree NAME with the named top-level parts taken
#                                out of it; prints that tree's path. Both land in one rename
#                                each, so two builds at once never see half of either.
#   zig_tools DIR ZIG_DIR ARCH   cc, c++, ar and ranlib in DIR: zig for ARCH's musl. -dynamic:
#                                the programs CMake links to identify the compilers link musl's
#                                libc dynamically (a static link makes zig compile all of musl
#                                first, over a minute on a cold cache).

# shellcheck source=private-apt.sh
. "$(dirname "${BASH_SOURCE[0]}")/private-apt.sh"

llvm_version=19.1.7
llvm_tarball=llvm-toolchain-19_${llvm_version}.orig.tar.xz
llvm_sha256=ae498f3bc58ae2d9f64ef5f0c035c4240152bf015a5b7738b15c22e93bdc97ce

llvm_sources() {
  local sources=$1 name=$2 mirror tree part patterns=()
  shift 2
  mkdir -p "$sources"
  if [ ! -f "$sources/$llvm_tarball" ]; then
    if [ ! -x /usr/lib/apt/apt-helper ]; then
      echo "llvm-sources: fetching LLVM's sources needs a Debian host (apt-helper); or put" \
        "$llvm_tarball (sha256 $llvm_sha256) into $sources" >&2
      return 2
    fi
    if ! mirror=$(debian_mirror); then
      echo "llvm-sources: cannot find a Debian mirror in the host's apt sources" >&2
      return 2
    fi
    echo "llvm-sources: downloading $llvm_tarball (164 MB)" >&2
    /usr/lib/apt/apt-helper -o APT::Sandbox::User=root download-file \
      "$mirror/pool/main/l/llvm-toolchain-19/$llvm_tarball" \
      "$sources/$llvm_tarball.part.$$" "SHA256:$llvm_sha256" >&2
    mv "$sources/$llvm_tarball.part.$$" "$sources/$llvm_tarball"
  fi
  echo "$llvm_sha256  $sources/$llvm_tarball" | sha256sum --check --quiet >&2
  tree="$sources/llvm-$name-$llvm_version"
  if [ ! -d "$tree" ]; then
    echo "llvm-sources: unpacking $* of $llvm_tarball" >&2
    for part in "$@"; do patterns+=("*/$part/*"); done
    rm -rf "$tree.part.$$" && mkdir -p "$tree.part.$$"
    tar -xJf "$sources/$llvm_tarball" -C "$tree.part.$$" --strip-components=1 --wildcards \
      "${patterns[@]}"
    mv -T "$tree.part.$$" "$tree" 2>/dev/null || rm -rf "$tree.part.$$"  # unpacked meanwhile
  fi
  echo "$tree"
}

zig_tools() {
  local dir=$1 zig_dir=$2 arch=$3 tool
  mkdir -p "$dir"
  for tool in cc c++; do
    printf '#!/bin/sh\nexec "%s/zig" %s -target %s-linux-musl -dynamic "$@"\n' "$zig_dir" "$tool" \
      "$arch" > "$dir/$tool"
  done
  for tool in ar ranlib; do
    printf '#!/bin/sh\nexec "%s/zig" %s "$@"\n' "$zig_dir" "$tool" > "$dir/$tool"
  done
  chmod +x "$dir"/*
}
