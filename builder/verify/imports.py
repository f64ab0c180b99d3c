"""What the clean-environment test imports from a wheel. Pure: reads the wheel's file list."""

from __future__ import annotations

import zipfile
from pathlib import Path, PurePosixPath


def import_names(wheel: Path) -> list[str]:
    """What the clean-environment test imports: the wheel's top-level packages, plus every
    extension module it ships. Importing the extensions themselves matters: many packages fall
    back to pure Python when their extension fails to load, which would hide a broken build."""
    with zipfile.ZipFile(wheel) as archive:
        names = archive.namelist()
        top_level = [
            n for n in names if n.count("/") == 1 and n.endswith(".dist-info/top_level.txt")
        ]
        if top_level:
            listed = archive.read(top_level[0]).decode("utf-8", errors="replace").split()
            found = sorted({name.split("/")[0] for name in listed if name})
        else:
            found = sorted(_names_from_files(names))
    public = [name for name in found if not name.startswith("_")]
    return list(dict.fromkeys([*(public or found), *extension_modules(names)]))


def extension_modules(names: list[str]) -> list[str]:
    """Dotted names of the extension modules among a wheel's files (not grafted libraries)."""
    modules: set[str] = set()
    for name in names:
        path = PurePosixPath(name)
        if path.suffix != ".so" or path.parts[0].endswith((".libs", ".data", ".dist-info")):
            continue
        stem = path.name.split(".", 1)[0]
        parts = [*path.parts[:-1], stem]
        if all(part.isidentifier() for part in parts):
            modules.add(".".join(parts))
    return sorted(modules)


def _names_from_files(names: list[str]) -> set[str]:
    found: set[str] = set()
    for name in names:
        parts = PurePosixPath(name).parts
        if not parts or parts[0].endswith((".dist-info", ".data", ".libs")):
            continue
        if len(parts) == 2 and parts[-1] == "__init__.py":
            found.add(parts[0])
        elif len(parts) == 1:
            stem = parts[0].split(".")[0]
            if parts[0].endswith((".py", ".so")) and stem.isidentifier():
                found.add(stem)
    return found
