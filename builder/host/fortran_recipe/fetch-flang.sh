#!/usr/bin/env bash
# Take Debian's LLVM Fortran compiler (flang-new 19, bookworm-security) and every library it
# loads out of their .deb packages into OUT, as an x86_64 program that runs in any container on an
# x86_64 machine: its ELF interpreter and library path point at OUT's own glibc and libraries, as
# seen at MOUNT inside the container. flang cross-compiles, so the same binary makes aarch64 code.
#
#   fetch-flang.sh DOWNLOADS OUT MOUNT VERSION PATCHELF
#
# DOWNLOADS keeps a private apt state (the host's apt configuration is never changed; the mirror
# is the one the host's apt sources name) and the packages. VERSION is the flang-19 version
# required; the suite keeps only its newest, so another one is an error that says so.
set -euo pipefail

downloads=${1:?usage: fetch-flang.sh DOWNLOADS OUT MOUNT VERSION PATCHELF}
out=${2:?} mount=${3:?} version=${4:?} patchelf=${5:?}

# shellcheck source=../private-apt.sh
. "$(dirname "$0")/../private-apt.sh"

# flang-new (flang-19), its intrinsic modules (libflang-19-dev: the rest of that package, the
# compiler's own static libraries, is left out), LLVM and clang's libraries, and what they load,
# closed under their dependencies (apt-cache depends --recurse on bookworm; the loader check
# below fails if one is missing).
toolchain=(flang-19 libflang-19-dev libllvm19 libclang-cpp19)
libraries=(
  gcc-12-base libbsd0 libc6 libedit2 libffi8 libgcc-s1 libicu72 liblzma5 libmd0 libstdc++6
  libtinfo6 libxml2 libz3-4 libzstd1 zlib1g
)

mkdir -p "$(dirname "$out")"
work=$(mktemp -d "${out%/}.part.XXXXXX")
trap 'rm -rf "$work"' EXIT
fetch_toolchain fetch-flang "the Fortran compiler" "$version" \
  "builder/wheelbuild/fortran_toolchain.py: FLANG_VERSION" "$downloads" "$work"
llvm="$work/usr/lib/llvm-19"
find "$llvm/bin" -mindepth 1 ! -name flang-new -delete
find "$llvm/lib" -mindepth 1 -maxdepth 1 ! -name 'lib*.so*' -exec rm -rf {} +
rm -f "$llvm"/lib/*.a
find "$llvm/include" -mindepth 1 -maxdepth 1 ! -name flang -exec rm -rf {} +
find "$llvm/include/flang" -mindepth 1 ! -name '*.mod' -exec rm -rf {} +
rm -rf "$work/usr/share" "$work/usr/bin"
libs="$mount/usr/lib/x86_64-linux-gnu"
"$patchelf" --set-interpreter "$libs/ld-linux-x86-64.so.2" --force-rpath --set-rpath "$libs" \
  "$llvm/bin/flang-new"
# libLLVM's own RUNPATH ($ORIGIN/../lib) would hide the program's RPATH from its dependencies.
for library in "$work"/usr/lib/x86_64-linux-gnu/libLLVM.so.* "$work"/usr/lib/x86_64-linux-gnu/libclang-cpp.so.*; do
  [ -L "$library" ] || "$patchelf" --set-rpath '$ORIGIN' "$library"
done
# The loader check: flang-new starts with the tree's own glibc and libraries (its interpreter
# path is the container's, so here the tree's loader runs it).
"$work/usr/lib/x86_64-linux-gnu/ld-linux-x86-64.so.2" --library-path \
  "$work/usr/lib/x86_64-linux-gnu" "$llvm/bin/flang-new" --version >/dev/null
mkdir -p "$work/bin"
chmod 755 "$work"
rm -rf "$out"
mv -T "$work" "$out"
trap - EXIT
echo "fetch-flang: flang-new $version in $out"
