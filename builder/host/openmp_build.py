"""Build the OpenMP runtime for one arch on this machine, once (builder/wheelbuild/openmp_runtime.py
says what it is and where it goes; builder/host/openmp_recipe/build-openmp.sh builds it)."""

from __future__ import annotations

from pathlib import Path

from builder.errors import EnvironmentProblem
from builder.host.commands import CommandRunner
from builder.host.toolchain_files import note, run_llvm_build
from builder.wheelbuild.cxx_toolchain import CxxToolchain
from builder.wheelbuild.openmp_runtime import RECIPE_DIR, OpenMPRuntime

SCRIPT = RECIPE_DIR / "build-openmp.sh"


def ensure_openmp(
    commands: CommandRunner,
    runtime: OpenMPRuntime,
    arch: str,
    *,
    zig: CxxToolchain | None,
    log: Path,
) -> Path:
    """The arch's runtime directory, built first when it is not there (its output appended to
    `log`) with the zig and the zig cache the C++ toolchain mounts. Raises CommandFailed when
    the build fails, EnvironmentProblem without zig."""
    if runtime.ready(arch):
        return runtime.directory(arch)
    if zig is None:
        raise EnvironmentProblem(
            "the OpenMP runtime is compiled with zig, and the ziglang package is not installed",
            hint="pip install ziglang (a dependency of wheelhouse), or use the pypa images",
        )
    note(log, f"# building the OpenMP runtime for {arch} (once, into {runtime.root})")
    run_llvm_build(
        commands,
        SCRIPT,
        sources=runtime.sources,
        arch=arch,
        out=runtime.directory(arch),
        zig=zig,
        log=log,
        what=f"building the OpenMP runtime for {arch}",
    )
    return runtime.directory(arch)
