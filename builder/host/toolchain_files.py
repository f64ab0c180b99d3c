"""Small file steps that every toolchain set-up shares (rust_build.py, fortran_build.py)."""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path


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
