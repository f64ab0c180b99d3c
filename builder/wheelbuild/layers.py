"""What a toolchain beyond C and C++ (OpenMP, Rust, Fortran) or a system library built on demand
adds to the build container of a job that asks for it: its mounts and its environment, in one
shape, so that cibuildwheel's options and the executor treat every one alike. Pure."""

from __future__ import annotations

import hashlib
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from importlib.metadata import PackageNotFoundError
from importlib.metadata import version as installed_version
from pathlib import Path

from builder.host.containers import Mount


@dataclass(frozen=True)
class Layer:
    name: str  # as a recipe's `toolchains` names it
    mounts: tuple[Mount, ...]
    # evaluated by cibuildwheel in the container, in order; a value ending in ":$NAME" keeps
    # the container's NAME after it (cibuildwheel_options.py)
    environment: tuple[tuple[str, str], ...]
    release: str = ""  # a system library's release, for the SBOM of a wheel that grafts it

    def create_args(self) -> str:
        """The container engine's `create_args` for the mounts (cibuildwheel's)."""
        return " ".join(f"--volume {mount.option()}" for mount in self.mounts)


def recipe_digest(
    files: Iterable[Path], texts: Mapping[str, str] | None = None, *, with_zig: bool = False
) -> str:
    """The short digest a toolchain's identity carries: its scripts (`files`), the wrappers it
    writes (`texts`, by name) and, for what zig compiles, zig's version."""
    digest = hashlib.sha256()
    for path in files:
        if path.is_file():
            digest.update(path.name.encode() + b"\0" + path.read_bytes() + b"\0")
    for name, text in sorted((texts or {}).items()):
        digest.update(name.encode() + b"\0" + text.encode() + b"\0")
    if with_zig:
        try:
            digest.update(f"zig {installed_version('ziglang')}".encode())
        except PackageNotFoundError:
            digest.update(b"no zig")
    return digest.hexdigest()[:8]


BUILD_REQUIREMENTS = "build-requirements"  # the layer of a build's own requirements' wheels
REQUIREMENTS_MOUNT = "/opt/wheelhouse-build-requirements"


def requirements_layer(folder: Path) -> Layer:
    """The wheels this wheelhouse made of a build's requirements (`folder`), where pip and uv
    look before the index: the build's isolated environment installs them instead of
    compiling them (the same version's wheel wins over its sdist)."""
    return Layer(
        name=BUILD_REQUIREMENTS,
        mounts=(Mount(source=folder, target=REQUIREMENTS_MOUNT),),
        environment=(("PIP_FIND_LINKS", REQUIREMENTS_MOUNT), ("UV_FIND_LINKS", REQUIREMENTS_MOUNT)),
    )
