#!/usr/bin/env bash
# Build LLVM flang's Fortran runtime (FortranRuntime with FortranDecimal, LLVM 19.1.7, the
# release of the flang-new that compiles against it) for musl on ARCH, on this machine, with
# zig's clang and libc++ (it cross-compiles, so the aarch64 build runs natively too).
#
#   build-flang-runtime.sh SOURCES ARCH OUT ZIG_DIR ZIG_CACHE CMAKE NINJA
#
# SOURCES keeps LLVM's source tarball and the flang/ tree taken out of it (../llvm-sources.sh).
# OUT receives lib/libFortranRuntime.so (soname libFortranRuntime.so, libc++ linked in, needing
# only musl's libc), with libFortranDecimal.so linked to it: one shared library, so that
# auditwheel grafts one copy per wheel, as it grafts libgfortran on the pypa images.
set -euo pipefail

sources=${1:?usage: build-flang-runtime.sh SOURCES ARCH OUT ZIG_DIR ZIG_CACHE CMAKE NINJA}
arch=${2:?} out=${3:?} zig_dir=${4:?} zig_cache=${5:?} cmake=${6:?} ninja=${7:?}
here=$(cd "$(dirname "$0")" && pwd)
# shellcheck source=../llvm-sources.sh
. "$here/../llvm-sources.sh"
tree=$(llvm_sources "$sources" flang flang cmake)

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
zig_tools "$work/bin" "$zig_dir" "$arch"
export ZIG_GLOBAL_CACHE_DIR="$zig_cache"

# The runtime's sources, copied so that the two changes below never touch the shared tree:
# - io-api-minimal.cpp defines libc++'s __libcpp_verbose_abort itself, without the noexcept
#   that zig's newer libc++ declares it with (an error); libc++'s own definition serves.
# - complex-reduction.c, compiled as C, sees x86_64's __float128 and wraps the REAL(16) complex
#   reductions that the C++ files, compiled against libc++, leave out (float128.h): hiding the
#   type from the C file too keeps them consistent (aarch64's long double is the 128-bit type
#   for both).
# - REAL(16) math (Float128Math/, built where long double is that type: aarch64) includes the
#   runtime's own headers, which only a build of all of flang puts on the include path; and its
#   Bessel functions call j0l, jnl, y0l ..., which musl does not have: they are left out, so
#   REAL(16) BESSEL_* there fails to link (REAL(4) and REAL(8) ones work everywhere).
cp -a "$tree/flang" "$work/flang"
sed -i 's|^#if defined(_LIBCPP_VERBOSE_ABORT)$|#if 0 /* wheelhouse: libc++ defines it */|' \
  "$work/flang/runtime/io-api-minimal.cpp"
grep -q '^#if 0 /\* wheelhouse' "$work/flang/runtime/io-api-minimal.cpp"
sed -i -E '/^  [jy][01n]\.cpp$/d' "$work/flang/runtime/Float128Math/CMakeLists.txt"
ln -s "$tree/cmake" "$work/cmake"
mkdir -p "$work/llvm" "$work/clang"
ln -s "$tree/llvm/cmake" "$work/llvm/cmake"
ln -s "$tree/clang/cmake" "$work/clang/cmake"

"$cmake" -S "$work/flang/runtime" -B "$work/build" -G Ninja \
  -DCMAKE_MAKE_PROGRAM="$ninja" -DCMAKE_BUILD_TYPE=Release \
  -DCMAKE_SYSTEM_NAME=Linux -DCMAKE_SYSTEM_PROCESSOR="$arch" \
  -DCMAKE_C_COMPILER="$work/bin/cc" -DCMAKE_CXX_COMPILER="$work/bin/c++" \
  -DCMAKE_AR="$work/bin/ar" -DCMAKE_RANLIB="$work/bin/ranlib" \
  -DCMAKE_POSITION_INDEPENDENT_CODE=ON \
  -DCMAKE_C_FLAGS="-U__SIZEOF_FLOAT128__ -U__FLOAT128__" \
  -DCMAKE_CXX_FLAGS="-I$work/flang/runtime"
"$ninja" -C "$work/build" FortranRuntime
flags=(-O3 -fPIC -std=c++17 -fno-exceptions -fno-rtti -DFLANG_LITTLE_ENDIAN=1 -I"$work/flang/include")
for source in binary-to-decimal decimal-to-binary; do
  "$work/bin/c++" "${flags[@]}" -c "$work/flang/lib/Decimal/$source.cpp" -o "$work/build/$source.o"
done
mkdir -p "$work/out/lib"
library="$work/out/lib/libFortranRuntime.so"
"$work/bin/c++" -shared -s -o "$library" -Wl,-soname,libFortranRuntime.so \
  -Wl,--whole-archive "$work/build/libFortranRuntime.a" -Wl,--no-whole-archive \
  "$work/build/binary-to-decimal.o" "$work/build/decimal-to-binary.o" -lm
ln -s libFortranRuntime.so "$work/out/lib/libFortranDecimal.so"

# zig links against its own libc stub: name musl's real libc, as Alpine's toolchain does, or
# auditwheel takes the library for a glibc one and grafts a libc beside it.
patchelf --replace-needed libc.so "libc.musl-$arch.so.1" "$library"
needed=$(patchelf --print-needed "$library" | tr '\n' ' ')
if [ "$needed" != "libc.musl-$arch.so.1 " ]; then
  echo "build-flang-runtime: libFortranRuntime.so needs more than musl's libc: $needed" >&2
  exit 1
fi
# musl binds every symbol when a library loads: one left undefined would fail every import.
missing=""
if command -v nm >/dev/null; then
  missing=$(nm -D --undefined-only "$library" | awk '{print $2}' | grep -E '^_Fortran|^_ZN7Fortran' || true)
fi
if [ -n "$missing" ]; then
  echo "build-flang-runtime: the runtime calls into itself where nothing is defined:" $missing >&2
  exit 1
fi

# In place in one rename; a runtime another build finished meanwhile is kept.
mkdir -p "$(dirname "$out")"
cp -a "$work/out" "$out.part.$$"
mv -T "$out.part.$$" "$out" 2>/dev/null || rm -rf "$out.part.$$"
echo "build-flang-runtime: $library for $arch (LLVM $llvm_version)"
