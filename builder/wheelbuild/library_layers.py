"""System libraries the local images build on demand (system_libraries.py, `on_demand`): where
one lives on this machine once built, what identity a job's key records for it, and what it adds
to the build container of a job whose recipe names it. Pure.

A library is built from Debian's sources in the builder image of the arch it is for, the first
time a job needs it (builder/host/library_build.py), into a directory of the wheelhouse's cache
keyed by its identity, the arch and the builder image; that directory is mounted read-only at
the library's prefix (/opt/wheelhouse-libs/NAME) in the containers of the jobs that name it, and
nowhere else. Its headers are then on CPATH, its libraries on LIBRARY_PATH (GCC reads it, the
zig wrappers turn it into -L) and LD_LIBRARY_PATH (auditwheel finds and grafts them there), its
pkg-config files on PKG_CONFIG_PATH and its `*-config` scripts on PATH.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from pathlib import Path

from builder.host.containers import Mount
from builder.inputs.system_libraries import CATALOGUE, SystemLibrary
from builder.wheelbuild.layers import Layer, recipe_digest

RECIPE_DIR = Path(__file__).resolve().parent.parent / "host" / "library_recipe"
RELEASE_FILE = ".wheelhouse-release"  # in a built library's directory: its release, once complete
# the CMake release a library that builds with it gets, as its musllinux wheel
# (builder/host/library_cmake.py; the release wheelhouse itself runs has no musllinux wheel)
CMAKE_RELEASE = "4.4.5"


def library_identity(library: SystemLibrary) -> str:
    """What a job's key records ("libsodium from Debian bookworm's libsodium, recipe 1a2b3c4d"):
    the digest covers the scripts that fetch and build it and the zig a cross build compiles
    it with; a library built against others names theirs. The release is the one the suite
    offers when it is first built (as for the images' libraries, whose sources are fetched
    once)."""
    files = sorted(RECIPE_DIR.iterdir())
    against = "".join(f"; against {library_identity(CATALOGUE[name])}" for name in library.requires)
    tools = f", CMake {CMAKE_RELEASE}" if "cmake" in library.build_tools else ""
    return (
        f"{library.name} from Debian {library.debian_suite}'s {library.debian_source}, "
        f"recipe {recipe_digest(files, with_zig=True)}{tools}{against}"
    )


def library_environment(prefix: str) -> tuple[tuple[str, str], ...]:
    """A job's variables for the library mounted at `prefix`, each kept ahead of what the
    container had (several libraries, and the OpenMP runtime, add to the same variables)."""
    return (
        ("CPATH", f"{prefix}/include:$CPATH"),
        ("LIBRARY_PATH", f"{prefix}/lib:$LIBRARY_PATH"),
        # -L too: the local images' musl-cc hands the linker only LIBRARY_PATH's first directory
        ("LDFLAGS", f"-L{prefix}/lib $LDFLAGS"),
        ("LD_LIBRARY_PATH", f"{prefix}/lib:$LD_LIBRARY_PATH"),
        ("PKG_CONFIG_PATH", f"{prefix}/lib/pkgconfig:$PKG_CONFIG_PATH"),
        ("PATH", f"{prefix}/bin:$PATH"),
    )


@dataclass(frozen=True)
class LibraryBuilds:
    """The libraries built on this machine, under the wheelhouse's cache."""

    root: Path

    def sources(self, library: SystemLibrary) -> Path:
        """Where its Debian source package is downloaded (kept: a rebuild reads it again)."""
        return self.root / "sources" / library.debian_suite

    def directory(self, library: SystemLibrary, arch: str, builder_id: str) -> Path:
        """Its installed tree for the arch, built in the builder image `builder_id`."""
        identity = f"{library_identity(library)}; {arch}; {builder_id}"
        return self.root / library.name / hashlib.sha256(identity.encode()).hexdigest()[:16]

    def release(self, library: SystemLibrary, arch: str, builder_id: str) -> str:
        """The release built there ("1.0.18"), "" while it is not built."""
        return recorded_release(self.directory(library, arch, builder_id))

    def ready(self, library: SystemLibrary, arch: str, builder_id: str) -> bool:
        return bool(self.release(library, arch, builder_id))

    def layer(self, library: SystemLibrary, built: Path) -> Layer:
        """What a job gets of the library built into `built` (ensure_library's answer: the
        directory it found or made, so a recipe changed on disk meanwhile mounts no other)."""
        prefix = library.local_prefix
        return Layer(
            name=library.name,
            mounts=(Mount(source=built, target=prefix),),
            environment=library_environment(prefix),
            release=recorded_release(built),
        )


def recorded_release(directory: Path) -> str:
    """The release a library's directory records once complete ("1.0.18"), "" before."""
    try:
        return (directory / RELEASE_FILE).read_text(encoding="utf-8").strip()
    except OSError:
        return ""


def library_builds(cache_dir: Path) -> LibraryBuilds:
    return LibraryBuilds(root=cache_dir / "libraries")
