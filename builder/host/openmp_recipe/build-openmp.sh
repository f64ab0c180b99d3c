#!/usr/bin/env bash
# Build LLVM's OpenMP runtime (libomp, with its libgomp alias) for musl on ARCH, on this machine,
# with zig's clang (it cross-compiles, so the aarch64 build runs natively too).
#
#   build-openmp.sh SOURCES ARCH OUT ZIG_DIR ZIG_CACHE CMAKE NINJA
#
# SOURCES keeps LLVM's source tarball and the openmp/ tree taken out of it (../llvm-sources.sh);
# OUT receives include/omp.h and lib/libomp.so (soname libomp.so, needing only musl's libc) with
# libgomp.so and libiomp5.so linked to it. GCC's -fopenmp links -lgomp, clang's -lomp: both find it, and
# libomp answers GCC's GOMP_* entry points as well as clang's __kmpc_* ones.
#
# CMake's ~50 compiler checks cost four minutes (each one a CMake sub-build); checks-ARCH.cmake
# holds their answers, measured by a full configure with the zig version it names, and is used
# only with that zig: with any other the checks run.
set -euo pipefail

sources=${1:?usage: build-openmp.sh SOURCES ARCH OUT ZIG_DIR ZIG_CACHE CMAKE NINJA}
arch=${2:?} out=${3:?} zig_dir=${4:?} zig_cache=${5:?} cmake=${6:?} ninja=${7:?}
here=$(cd "$(dirname "$0")" && pwd)
# shellcheck source=../llvm-sources.sh
. "$here/../llvm-sources.sh"
tree=$(llvm_sources "$sources" openmp openmp cmake)
version=$llvm_version

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
zig_tools "$work/bin" "$zig_dir" "$arch"
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
