"""What the clean-environment test imports from a wheel: what the wheel really ships, read from
its RECORD (the file list every wheel carries), not what a metadata file such as top_level.txt
claims. Pure."""

from __future__ import annotations

import csv
import io
import zipfile
from dataclasses import dataclass
from pathlib import Path, PurePosixPath

NOT_IMPORTABLE = (".dist-info", ".data", ".libs")


@dataclass(frozen=True, kw_only=True)
class ImportPlan:
    """What the clean test imports from one wheel, and what it needs to judge a failure."""

    modules: tuple[str, ...]  # top-level packages and modules first, then every extension
    extensions: dict[str, str]  # extension module -> its file, relative to site-packages
    own: tuple[str, ...]  # every top-level name the wheel installs (its own imports)


def import_plan(wheel: Path) -> ImportPlan:
    """The wheel's top-level packages and modules, plus every extension module it ships.
    Importing the extensions themselves matters: many packages fall back to pure Python when
    their extension fails to load, which would hide a broken build."""
    files = shipped_files(wheel)
    found = sorted(_top_level(files))
    public = [name for name in found if not name.startswith("_")]
    extensions = extension_files(files)
    return ImportPlan(
        modules=tuple(dict.fromkeys([*(public or found), *sorted(extensions)])),
        extensions=extensions,
        own=tuple(found),
    )


def shipped_files(wheel: Path) -> list[str]:
    """The paths the wheel's RECORD lists (the archive's own list when it has no RECORD)."""
    with zipfile.ZipFile(wheel) as archive:
        names = archive.namelist()
        records = [n for n in names if n.count("/") == 1 and n.endswith(".dist-info/RECORD")]
        if len(records) != 1:
            return names
        text = archive.read(records[0]).decode("utf-8", errors="replace")
    return [row[0] for row in csv.reader(io.StringIO(text)) if row and row[0]]


def _installed_path(name: str) -> PurePosixPath:
    """Where a wheel member lands relative to site-packages (`.data/purelib|platlib/` moves)."""
    path = PurePosixPath(name)
    if (
        len(path.parts) > 2
        and path.parts[0].endswith(".data")
        and path.parts[1]
        in (
            "purelib",
            "platlib",
        )
    ):
        return PurePosixPath(*path.parts[2:])
    return path


def extension_files(files: list[str]) -> dict[str, str]:
    """Each extension module among a wheel's files (not grafted libraries), by dotted name, with
    its path relative to site-packages."""
    modules: dict[str, str] = {}
    for name in files:
        path = _installed_path(name)
        if path.suffix != ".so" or path.parts[0].endswith(NOT_IMPORTABLE):
            continue
        stem = path.name.split(".", 1)[0]
        parts = [*path.parts[:-1], stem]
        if all(part.isidentifier() for part in parts):
            modules[".".join(parts)] = path.as_posix()
    return modules


def _top_level(files: list[str]) -> set[str]:
    """Packages (a top directory with Python code in it) and top-level modules."""
    found: set[str] = set()
    for name in files:
        parts = _installed_path(name).parts
        if not parts or parts[0].endswith(NOT_IMPORTABLE):
            continue
        if len(parts) >= 2 and parts[-1].endswith((".py", ".so")) and parts[0].isidentifier():
            found.add(parts[0])
        elif len(parts) == 1:
            stem = parts[0].split(".")[0]
            if parts[0].endswith((".py", ".so")) and stem.isidentifier():
                found.add(stem)
    return found
