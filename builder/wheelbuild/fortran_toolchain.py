"""Fortran for builds on the local musl images: LLVM's flang (Debian's `flang-19`, an x86_64 glibc
program) taken out of its packages into the wheelhouse's cache the first time a job needs it (a
recipe's `toolchains = ["fortran"]`), with flang's Fortran runtime compiled for the job's arch
against musl with zig, and both mounted read-only into the build containers of those jobs only.

flang-new runs natively in both builder images, as rustc does (rust_toolchain.py): its ELF
interpreter and library path point into the mount. It compiles for `<arch>-linux-musl` (LLVM
cross-compiles, so the aarch64 container's Fortran compiles run natively too); links go to the
C++ toolchain's zig wrapper (cxx_toolchain.py), which names musl's real libc. The runtime is one
shared library, `libFortranRuntime.so` (libc++ linked in), which auditwheel grafts into each
wheel as it grafts libgfortran on the pypa images.

Build systems link a target of C and Fortran sources with the C compiler, and meson names no
Fortran runtime for flang 19: the job's CC and CXX become thin wrappers around the compilers it
has otherwise, which add the runtime at the end of a link, --as-needed (an extension without
Fortran objects does not get it). This module is pure: it says what is mounted, where, and with
which environment (builder/host/fortran_build.py fetches and builds)."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from pathlib import Path

from builder.host.containers import Mount
from builder.wheelbuild.cxx_toolchain import MOUNT as CXX_MOUNT
from builder.wheelbuild.layers import Layer, recipe_digest

MOUNT = "/opt/wheelhouse-fortran"  # flang, its modules and libraries, the wrappers: read-only
RUNTIME_MOUNT = "/opt/wheelhouse-fortran-runtime"  # the arch's Fortran runtime, read-only
# Debian's flang-19 on bookworm-security, the version the route was measured with; its runtime
# is compiled from the same LLVM release (19.1.7). The security suite keeps only its newest
# version: fetching checks this one, and a newer one is a deliberate change of this line.
FLANG_VERSION = "1:19.1.7-3~deb12u1"
HOST_DIR = Path(__file__).resolve().parent.parent / "host"
RECIPE_DIR = HOST_DIR / "fortran_recipe"
LLVM_SOURCES_SCRIPT = HOST_DIR / "llvm-sources.sh"
FLANG = f"{MOUNT}/usr/lib/llvm-19/bin/flang-new"
FORTRAN_SUFFIXES = "*.[fF]|*.[fF]90|*.[fF]95|*.[fF]03|*.[fF]08|*.for|*.FOR|*.ftn|*.FTN"

# FC: flang for this container's arch. A compile (or a question: --version, -v) goes to flang;
# anything else is a link, which zig's C++ wrapper does with the runtime, after compiling any
# Fortran source named on that command line (meson's sanity check compiles and links at once).
# GNU Fortran's warning switches are dropped: flang 19 takes -Werror alone ("Only `-Werror` is
# supported currently"), and builds written for gfortran pass others unasked (apexpy's meson.build
# adds -Wno-conversion).
FLANG_WRAPPER = f"""#!/bin/sh
for arg in "$@"; do
  shift
  case "$arg" in
    -Werror|-Wl,*|-Wa,*|-Wp,*) set -- "$@" "$arg" ;;
    -W*) ;;
    *) set -- "$@" "$arg" ;;
  esac
done
target="--target=$(uname -m)-linux-musl"
runtime={RUNTIME_MOUNT}/lib
link=""
for arg in "$@"; do
  case "$arg" in
    -c|-S|-E|-M|-MM|-fsyntax-only) exec {FLANG} "$target" -fPIC "$@" ;;
    -*) ;;
    *) link=1 ;;
  esac
  case "$arg" in -Wl,*) link=1 ;; esac
done
[ -n "$link" ] || exec {FLANG} "$target" "$@"
scratch=$(mktemp -d)
trap 'rm -rf "$scratch"' EXIT
count=0
for arg in "$@"; do
  shift
  case "$arg" in
    {FORTRAN_SUFFIXES})
      count=$((count + 1))
      {FLANG} "$target" -fPIC -c "$arg" -o "$scratch/$count.o" || exit $?
      set -- "$@" "$scratch/$count.o" ;;
    *) set -- "$@" "$arg" ;;
  esac
done
{CXX_MOUNT}/c++ "$@" -L"$runtime" -Wl,-rpath,"$runtime" -lFortranRuntime -lm
"""


def driver_wrapper(variable: str, default: str) -> str:
    """CC or CXX of a Fortran job: the compiler the job has otherwise (WHEELHOUSE_FORTRAN_<CC>,
    set from the environment before it; the image's own when empty), and on a link the Fortran
    runtime last, --as-needed."""
    return f"""#!/bin/sh
real=${{WHEELHOUSE_FORTRAN_{variable}:-{default}}}
runtime={RUNTIME_MOUNT}/lib
for arg in "$@"; do
  case "$arg" in
    -c|-S|-E|-M|-MM|-Wl,--version|-Wl,-v|--version|-v|-dumpversion|-dumpmachine|-print-*)
      exec $real "$@" ;;
  esac
done
exec $real "$@" -L"$runtime" -Wl,-rpath,"$runtime" -Wl,--as-needed -lFortranRuntime
"""


WRAPPERS = {
    "flang": FLANG_WRAPPER,
    "cc": driver_wrapper("CC", "cc"),
    "c++": driver_wrapper("CXX", "c++"),
}


def fortran_version() -> str:
    """What a job's key records ("flang 1:19.1.7-3~deb12u1, recipe 1a2b3c4d"): the recipe's
    hash covers the fetch and build scripts, the wrappers and the zig that compiles the
    runtime."""
    files = [*sorted(RECIPE_DIR.iterdir()), LLVM_SOURCES_SCRIPT]
    return f"flang {FLANG_VERSION}, recipe {recipe_digest(files, WRAPPERS, with_zig=True)}"


@dataclass(frozen=True)
class FortranToolchain:
    """Where the toolchain of one identity lives on this machine."""

    root: Path  # <cache>/fortran/<identity key>: toolchain/ (at MOUNT), runtime/<arch>/
    downloads: Path  # <cache>/fortran/debs: apt's state and the packages, kept
    sources: Path  # LLVM's source tarball and trees, shared with the OpenMP runtime

    @property
    def toolchain(self) -> Path:
        return self.root / "toolchain"

    def runtime(self, arch: str) -> Path:
        return self.root / "runtime" / arch

    def fetched(self) -> bool:
        return Path(self.toolchain, FLANG.removeprefix(f"{MOUNT}/")).is_file()

    def ready(self, arch: str) -> bool:
        return self.fetched() and (self.runtime(arch) / "lib" / "libFortranRuntime.so").is_file()

    def layer(self, arch: str) -> Layer:
        """The mounts and environment of a job that asks for Fortran, with the arch's runtime.
        The compilers the job has otherwise are read from CC and CXX as its environment has set
        them so far (cibuildwheel evaluates it in order, and the C++ toolchain's come first)."""
        return Layer(
            name="fortran",
            mounts=(
                Mount(source=self.toolchain, target=MOUNT),
                Mount(source=self.runtime(arch), target=RUNTIME_MOUNT),
            ),
            environment=(
                ("FC", f"{MOUNT}/bin/flang"),
                ("F77", f"{MOUNT}/bin/flang"),
                ("F90", f"{MOUNT}/bin/flang"),
                ("WHEELHOUSE_FORTRAN_CC", "$CC"),
                ("WHEELHOUSE_FORTRAN_CXX", "$CXX"),
                ("CC", f"{MOUNT}/bin/cc"),
                ("CXX", f"{MOUNT}/bin/c++"),
                ("LD_LIBRARY_PATH", f"{RUNTIME_MOUNT}/lib:$LD_LIBRARY_PATH"),  # for auditwheel
            ),
        )


def fortran_toolchain(cache_dir: Path, version: str | None = None) -> FortranToolchain:
    identity = version or fortran_version()
    key = hashlib.sha256(identity.encode()).hexdigest()[:16]
    base = cache_dir / "fortran"
    return FortranToolchain(
        root=base / key, downloads=base / "debs", sources=cache_dir / "llvm-sources"
    )
