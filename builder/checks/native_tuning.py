"""A build that compiled for the build machine's own CPU (`-march=native`, `-mcpu=native`), so
that its wheel can die with SIGILL on an older CPU than the one that built it, while it passes
every check here. Pure: reads the build's output."""

from __future__ import annotations

import re

# a compiler's command line, as setuptools, CMake's verbose output and make print it
_NATIVE = re.compile(r"(?:^|\s)(-m(?:arch|cpu)=native)(?=\s|$)", re.MULTILINE)


def native_tuning_note(output: str) -> str:
    """One line when the build compiled with -march=native or -mcpu=native, else ""."""
    found = _NATIVE.search(output)
    if found is None:
        return ""
    return (
        f"compiled with {found.group(1)}: the wheel may use instructions of this machine's CPU "
        "that older ones lack; a recipe can drop the flag (environment)"
    )
