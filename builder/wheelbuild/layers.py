"""What a toolchain beyond C and C++ (OpenMP, Rust, Fortran) adds to the build container of a job
that asks for it: its mounts and its environment, in one shape, so that cibuildwheel's options
and the executor treat every toolchain alike. Pure."""

from __future__ import annotations

from dataclasses import dataclass

from builder.host.containers import Mount


@dataclass(frozen=True)
class Layer:
    name: str  # as a recipe's `toolchains` names it
    mounts: tuple[Mount, ...]
    # evaluated by cibuildwheel in the container, in order; a value ending in ":$NAME" keeps
    # the container's NAME after it (cibuildwheel_options.py)
    environment: tuple[tuple[str, str], ...]

    def create_args(self) -> str:
        """The container engine's `create_args` for the mounts (cibuildwheel's)."""
        return " ".join(f"--volume {mount.option()}" for mount in self.mounts)
