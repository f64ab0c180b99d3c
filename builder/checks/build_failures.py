"""Why a build failed, where its log says so plainly enough to name it. Pure: reads log text.

Two causes: a build that downloads sources while it builds (CMake's FetchContent or
ExternalProject, a git clone, curl) and could not reach them, as in an air-gapped site or a
build container that reaches only the package index; its log ends in a CMake call stack or a
compiler's complaint far from the cause, and the reason names the URL and what to do instead.
And a Rust extension (maturin, setuptools-rust) or a build with Fortran sources built without a
recipe that asks for that toolchain.
"""

from __future__ import annotations

import re

_CMAKE_DOWNLOAD = re.compile(r"error: downloading '([^'\s]+)' failed")
_GIT = re.compile(
    r"fatal: unable to access '([^'\s]+)': (?:Could not resolve host|Failed to connect)"
)
# ExternalProject (FetchContent runs it) when the container has no git to clone with
_NO_GIT = re.compile(r"could not find git for clone of (\S+?)(?:-populate)?$", re.MULTILINE)
_CURL = re.compile(r"curl: \((?:6|7|28)\) (?:Could not resolve host|Failed to connect)[^\n]*")


# What maturin's PEP 517 backend (which then tries to download rustup), setuptools-rust and a
# shell print when there is no cargo or rustc.
_NO_RUST = re.compile(
    r"Rust not found, installing into a temporary directory"
    r"|Cargo, the Rust package manager, is not installed|can't find Rust compiler"
    r"|\bcargo: (?:command )?not found"
)


# What meson (its list of Fortran compilers tried, the first of them gfortran), CMake and
# numpy.distutils print when there is no Fortran compiler.
_NO_FORTRAN = re.compile(
    r"Unknown compiler\(s\): \[\['gfortran'\]"
    r"|No CMAKE_Fortran_COMPILER could be found"
    r"|has Fortran sources but no Fortran compiler found"
)


def failure_reason(log: str) -> str | None:
    """One line naming why the build failed, when its log says so plainly, or None."""
    return network_fetch_reason(log) or missing_toolchain_reason(log)


def missing_toolchain_reason(log: str) -> str | None:
    """The toolchain a build looked for and its recipe did not ask for, or None."""
    for pattern, what, name in (
        (_NO_RUST, "Rust (cargo and rustc)", "rust"),
        (_NO_FORTRAN, "a Fortran compiler", "fortran"),
    ):
        if pattern.search(log) is not None:
            return (
                f"the build needs {what} and its recipe does not ask for it: add "
                f'toolchains = ["{name}"] to its recipe (configs/recipes/<name>.toml)'
            )
    return None


def network_fetch_reason(log: str) -> str | None:
    """One line saying the build tried to download sources and could not, or None."""
    if found := _CMAKE_DOWNLOAD.search(log):
        if "FetchContent" in log:
            how = "CMake FetchContent"
        elif "ExternalProject" in log:
            how = "CMake ExternalProject"
        else:
            how = "CMake file(DOWNLOAD)"
        return _reason(f"{how}: {found.group(1)}")
    if found := _NO_GIT.search(log):
        how = "CMake FetchContent" if "FetchContent" in log else "CMake ExternalProject"
        return _reason(f"{how}: a git clone of {found.group(1)}, and no git to clone with")
    if found := _GIT.search(log):
        return _reason(f"git: {found.group(1)}")
    if found := _CURL.search(log):
        return _reason(found.group(0).strip())
    return None


def _reason(what: str) -> str:
    return (
        f"the build downloads sources while it builds ({what}) and could not reach them: "
        "give it the library with a recipe (system-libraries, before-all) or let the build "
        "container reach that host"
    )
