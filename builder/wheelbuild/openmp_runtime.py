"""OpenMP for builds on the local musl images: LLVM's OpenMP runtime (libomp, which answers GCC's
GOMP_* entry points as well as clang's __kmpc_* ones), built for musl on this machine the first
time a job needs it (a recipe's `toolchains = ["openmp"]`), kept under the wheelhouse's cache by
the identity of its inputs, and mounted read-only into the build containers of those jobs only.

In such a container omp.h is on CPATH (GCC and clang read it); libomp.so and its libgomp.so
alias are on LIBRARY_PATH, where GCC's `-fopenmp` finds -lgomp ahead of the glibc one in its own
directory, and on LD_LIBRARY_PATH, where auditwheel finds the library and grafts it into the
wheel. The zig wrappers (cross builds, C++) add -lomp when they link with -fopenmp, which clang's
own driver does and zig's does not. The pypa images need none of this: Alpine's GCC carries
libgomp.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from pathlib import Path

from builder.host.containers import Mount
from builder.wheelbuild.layers import Layer, recipe_digest

MOUNT = "/opt/wheelhouse-openmp"
LLVM_VERSION = "19.1.7"  # of llvm-sources.sh's tarball: the OpenMP and Fortran runtimes
HOST_DIR = Path(__file__).resolve().parent.parent / "host"
RECIPE_DIR = HOST_DIR / "openmp_recipe"
LLVM_SOURCES_SCRIPT = HOST_DIR / "llvm-sources.sh"


def openmp_version() -> str:
    """What a job's key records ("llvm-openmp 19.1.7, recipe 1a2b3c4d"): the recipe's hash
    covers its script, its recorded compiler checks and the zig that compiles it."""
    files = [*sorted(RECIPE_DIR.iterdir()), LLVM_SOURCES_SCRIPT]
    return f"llvm-openmp {LLVM_VERSION}, recipe {recipe_digest(files, with_zig=True)}"


def openmp_environment() -> dict[str, str]:
    """The build environment of a job that has the runtime mounted."""
    return {
        "WHEELHOUSE_OPENMP": MOUNT,
        "CPATH": f"{MOUNT}/include",
        "LIBRARY_PATH": f"{MOUNT}/lib",
        "LD_LIBRARY_PATH": f"{MOUNT}/lib",
    }


@dataclass(frozen=True)
class OpenMPRuntime:
    """Where the runtime of one identity lives on this machine: one directory per arch."""

    root: Path
    sources: Path  # LLVM's source tarball and trees, shared by identities and with Fortran

    def directory(self, arch: str) -> Path:
        return self.root / arch

    def ready(self, arch: str) -> bool:
        return (self.directory(arch) / "lib" / "libomp.so").is_file()

    def layer(self, arch: str) -> Layer:
        """The arch's runtime mounted, and the environment that finds it."""
        return Layer(
            name="openmp",
            mounts=(Mount(source=self.directory(arch), target=MOUNT),),
            environment=tuple(openmp_environment().items()),
        )


def openmp_runtime(cache_dir: Path, version: str | None = None) -> OpenMPRuntime:
    identity = version or openmp_version()
    key = hashlib.sha256(identity.encode()).hexdigest()[:16]
    return OpenMPRuntime(root=cache_dir / "openmp" / key, sources=cache_dir / "llvm-sources")
