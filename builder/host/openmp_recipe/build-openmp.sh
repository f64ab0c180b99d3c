#!/usr/bin/env bash
# Build LLVM's OpenMP runtime (libomp, with its libgomp alias) for musl on ARCH, on this machine,
# with zig's clang (it cross-compiles, so the aarch64 build runs natively too).
#
#   build-openmp.sh SOURCES ARCH OUT ZIG_DIR ZIG_CACHE CMAKE NINJA
#
# SOURCES keeps LLVM's source tarball (Debian's llvm-toolchain-19 orig tarball, from the mirror the
# host's apt sources name, its sha256 checked) and the openmp/ tree taken out of it; OUT receives
# include/omp.h and lib/libomp.so (soname libomp.so, needing only musl's libc) with libgomp.so
# and libiomp5.so linked to it. GCC's -fopenmp links -lgomp, clang's -lomp: both find it, and
# libomp answers GCC's GOMP_* entry points as well as clang's __kmpc_* ones.
#
# CMake's ~50 compiler checks cost four minutes (each one a CMake sub-build); checks-ARCH.cmake
# holds their answers, measured by a full configure with the zig version it names, and is used
# only with that zig: with any other the checks run.
set -euo pipefail

sources=${1:?usage: build-openmp.sh SOURCES ARCH OUT ZIG_DIR ZIG_CACHE CMAKE NINJA}
arch=${2:?} out=${3:?} zig_dir=${4:?} zig_cache=${5:?} cmake=${6:?} ninja=${7:?}
here=$(cd "$(dirname "$0")" && pwd)
version=19.1.7
tarball=llvm-toolchain-19_${version}.orig.tar.xz
sha256=ae498f3bc58ae2d9f64ef5f0c035c4240152bf015a5b7738b15c22e93bdc97ce
pool=pool/main/l/llvm-toolchain-19
mkdir -p "$sources"

if [ ! -f "$sources/$tarball" ]; then
  if [ ! -x /usr/lib/apt/apt-helper ]; then
    echo "build-openmp: fetching LLVM's sources needs a Debian host (apt-helper); or put" \
      "$tarball (sha256 $sha256) into $sources" >&2
    exit 2
  fi
  mirror=$(grep -h -m1 -E '^URIs:' /etc/apt/sources.list.d/*.sources 2>/dev/null | awk '{print $2}' | head -n1 || true)
  if [ -z "$mirror" ] && [ -f /etc/apt/sources.list ]; then
    mirror=$(awk '$1 == "deb" {print $2; exit}' /etc/apt/sources.list)
  fi
  if [ -z "$mirror" ]; then
    echo "build-openmp: cannot find a Debian mirror in the host's apt sources" >&2
    exit 2
  fi
  echo "build-openmp: downloading $tarball (164 MB)"
  /usr/lib/apt/apt-helper -o APT::Sandbox::User=root download-file "${mirror%/}/$pool/$tarball" \
    "$sources/$tarball.part.$$" "SHA256:$sha256"
  mv "$sources/$tarball.part.$$" "$sources/$tarball"
fi
echo "$sha256  $sources/$tarball" | sha256sum --check --quiet

tree="$sources/llvm-openmp-$version"
if [ ! -d "$tree/openmp" ]; then
  echo "build-openmp: unpacking openmp/ and cmake/ of $tarball"
  part="$tree.part.$$"
  rm -rf "$part" && mkdir -p "$part"
  tar -xJf "$sources/$tarball" -C "$part" --strip-components=1 --wildcards '*/openmp/*' '*/cmake/*'
  mv -T "$part" "$tree" 2>/dev/null || rm -rf "$part"  # another build unpacked it meanwhile
fi

# -dynamic: the programs CMake links to identify the compilers link musl's libc dynamically;
# a static link makes zig compile all of musl first (over a minute on a cold cache).
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
mkdir -p "$work/bin"
for tool in cc c++; do
  printf '#!/bin/sh\nexec "%s/zig" %s -target %s-linux-musl -dynamic "$@"\n' "$zig_dir" "$tool" "$arch" \
    > "$work/bin/$tool"
done
for tool in ar ranlib; do
  printf '#!/bin/sh\nexec "%s/zig" %s "$@"\n' "$zig_dir" "$tool" > "$work/bin/$tool"
done
chmod +x "$work/bin/"*
export ZIG_GLOBAL_CACHE_DIR="$zig_cache"

seed=()
checks="$here/checks-$arch.cmake"
zig_version=$("$zig_dir/zig" version)
if [ -f "$checks" ] && grep -qx "# zig $zig_version" "$checks"; then
  # With the checks answered, CMake's remaining probes (the compilers' ABI) only compile.
  seed=(-C "$checks" -DCMAKE_TRY_COMPILE_TARGET_TYPE=STATIC_LIBRARY)
else
  echo "build-openmp: no recorded compiler checks for zig $zig_version on $arch: CMake runs them"
fi

"$cmake" "${seed[@]}" -S "$tree/openmp" -B "$work/build" -G Ninja \
  -DCMAKE_MAKE_PROGRAM="$ninja" -DCMAKE_BUILD_TYPE=Release \
  -DCMAKE_SYSTEM_NAME=Linux -DCMAKE_SYSTEM_PROCESSOR="$arch" \
  -DCMAKE_C_COMPILER="$work/bin/cc" -DCMAKE_CXX_COMPILER="$work/bin/c++" \
  -DCMAKE_ASM_COMPILER="$work/bin/cc" \
  -DCMAKE_AR="$work/bin/ar" -DCMAKE_RANLIB="$work/bin/ranlib" \
  -DCMAKE_INSTALL_PREFIX="$work/out" \
  -DOPENMP_ENABLE_LIBOMPTARGET=OFF -DOPENMP_ENABLE_OMPT_TOOLS=OFF -DOPENMP_ENABLE_TESTING=OFF \
  -DLIBOMP_OMPD_SUPPORT=OFF -DLIBOMP_OMPT_SUPPORT=OFF -DLIBOMP_USE_HWLOC=OFF \
  -DLIBOMP_INSTALL_ALIASES=ON -DLIBOMP_ENABLE_SHARED=ON
"$ninja" -C "$work/build" install

# zig links against its own libc stub: name musl's real libc, as Alpine's toolchain does, or
# auditwheel takes the library for a glibc one and grafts a libc beside it.
patchelf --replace-needed libc.so "libc.musl-$arch.so.1" "$work/out/lib/libomp.so"
needed=$(patchelf --print-needed "$work/out/lib/libomp.so" | tr '\n' ' ')
if [ "$needed" != "libc.musl-$arch.so.1 " ]; then
  echo "build-openmp: libomp.so needs more than musl's libc: $needed" >&2
  exit 1
fi

# In place in one rename; a runtime another build finished meanwhile is kept.
mkdir -p "$(dirname "$out")"
cp -a "$work/out" "$out.part.$$"
mv -T "$out.part.$$" "$out" 2>/dev/null || rm -rf "$out.part.$$"
echo "build-openmp: $out/lib/libomp.so for $arch (LLVM $version)"
