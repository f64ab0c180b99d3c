"""Why a build failed, where its log says so plainly enough to name it. Pure: reads log text.

Two causes: a build that downloads sources while it builds (CMake's FetchContent or
ExternalProject, a git clone, curl) and could not reach them, as in an air-gapped site or a
build container that reaches only the package index; its log ends in a CMake call stack or a
compiler's complaint far from the cause, and the reason names the URL and what to do instead.
And a Rust extension (maturin, setuptools-rust) built without a recipe that asks for Rust.
"""

from __future__ import annotations

import re

_CMAKE_DOWNLOAD = re.compile(r"error: downloading '([^'\s]+)' failed")
_GIT = re.compile(
    r"fatal: unable to access '([^'\s]+)': (?:Could not resolve host|Failed to connect)"
)
_CURL = re.compile(r"curl: \((?:6|7|28)\) (?:Could not resolve host|Failed to connect)[^\n]*")


# What maturin's PEP 517 backend (which then tries to download rustup), setuptools-rust and a
# shell print when there is no cargo or rustc.
_NO_RUST = re.compile(
    r"Rust not found, installing into a temporary directory"
    r"|Cargo, the Rust package manager, is not installed|can't find Rust compiler"
    r"|\bcargo: (?:command )?not found"
)


def failure_reason(log: str) -> str | None:
    """One line naming why the build failed, when its log says so plainly, or None."""
    return network_fetch_reason(log) or missing_rust_reason(log)


def missing_rust_reason(log: str) -> str | None:
    if _NO_RUST.search(log) is None:
        return None
    return (
        "the build needs Rust (cargo and rustc) and its recipe does not ask for it: add "
        'toolchains = ["rust"] to its recipe (configs/recipes/<name>.toml)'
    )


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
