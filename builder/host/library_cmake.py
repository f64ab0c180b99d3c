"""CMake for the system libraries that build with it (`SystemLibrary.build_tools`): the builder
images carry none, so CMake's musllinux wheel (PyPI's `cmake`, the release library_layers.py
pins) is downloaded for the arch the build container runs, unpacked once under the wheelhouse's
cache and mounted read-only."""

from __future__ import annotations

import shutil
import sys
import tempfile
import zipfile
from pathlib import Path

from builder.errors import EnvironmentProblem
from builder.host.commands import CommandRunner
from builder.host.containers import Mount
from builder.wheelbuild.library_layers import CMAKE_RELEASE, LibraryBuilds

MOUNT = "/opt/wheelhouse-cmake"
BIN = f"{MOUNT}/cmake/data/bin"  # where the wheel keeps cmake, ctest and cpack


def ensure_cmake(commands: CommandRunner, builds: LibraryBuilds, arch: str, log: Path) -> Mount:
    """The mount of CMake for a container of `arch`, downloaded and unpacked when it is not yet.
    Raises CommandFailed when the download fails, EnvironmentProblem when it gives no wheel."""
    directory = builds.root / "tools" / f"cmake-{CMAKE_RELEASE}-{arch}"
    if not (directory / "cmake" / "data" / "bin" / "cmake").is_file():
        directory.parent.mkdir(parents=True, exist_ok=True)
        with tempfile.TemporaryDirectory(prefix="cmake-", dir=directory.parent) as scratch:
            work = Path(scratch)
            commands.run(
                [
                    sys.executable,
                    "-m",
                    "pip",
                    "download",
                    "--quiet",
                    "--no-deps",
                    "--only-binary",
                    ":all:",
                    "--platform",
                    f"musllinux_1_2_{arch}",
                    "--python-version",
                    "3.13",
                    "--dest",
                    str(work),
                    f"cmake=={CMAKE_RELEASE}",
                ],
                log=log,
                timeout=900,
                what=f"downloading CMake {CMAKE_RELEASE} for musl on {arch}",
            )
            wheels = sorted(work.glob("cmake-*.whl"))
            if not wheels:
                raise EnvironmentProblem(
                    f"pip gave no musllinux wheel of CMake {CMAKE_RELEASE} for {arch}",
                    hint=f"see {log}; a library that builds with CMake needs one",
                )
            tree = work / "tree"
            with zipfile.ZipFile(wheels[0]) as wheel:
                wheel.extractall(tree)
            for program in (tree / "cmake" / "data" / "bin").iterdir():
                program.chmod(0o755)  # zip entries keep no mode here
            shutil.rmtree(directory, ignore_errors=True)  # a half-unpacked one of a killed run
            tree.rename(directory)
    return Mount(source=directory, target=MOUNT)
