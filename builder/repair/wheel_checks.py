"""Checks on a repaired wheel: its tag, `auditwheel show`'s verdict, and no grafted libc.
Also the importable top-level names of a wheel. Pure functions over the wheel's bytes and text."""

from __future__ import annotations

import re
import zipfile
from pathlib import Path, PurePosixPath

from packaging.tags import Tag
from packaging.utils import parse_wheel_filename

from builder.resolve.build_targets import Target

# Libraries the platform provides: a wheel that carries its own copy is broken on every Alpine.
PLATFORM_LIBRARIES = re.compile(
    r"^(libc\.musl-|ld-musl-|libc\.so|libpthread\.so|libm\.so|libdl\.so)"
)
_CONSISTENT = re.compile(r'consistent\s+with\s+the\s+following\s+platform\s+tag:\s+"([^"]+)"')


def tag_problems(filename: str, target: Target) -> list[str]:
    _, _, _, tags = parse_wheel_filename(filename)
    supported = set(target.supported_tags)
    if not any(tag in supported for tag in tags):
        return [
            f"{filename}: its tags are not installable on {target.platform_tag} cp{target.python}"
        ]
    if not any(tag.platform.startswith("musllinux_") for tag in tags):
        return [f"{filename}: not a musllinux wheel"]
    return []


def auditwheel_show_problems(output: str, target: Target) -> list[str]:
    text = " ".join(output.split())
    match = _CONSISTENT.search(text)
    if match is None:
        return [f"auditwheel show gave no platform tag: {text[:300]}"]
    tag = match.group(1)
    if not tag.startswith("musllinux_"):
        return [f"auditwheel show says the wheel is only consistent with {tag}"]
    if not _policy_at_most(tag, target):
        return [f"auditwheel show says {tag}, newer than the target policy {target.platform_tag}"]
    return []


def _policy_at_most(tag: str, target: Target) -> bool:
    match = re.match(r"musllinux_1_(\d+)_", tag)
    wanted = int(target.musllinux.rsplit("_", 1)[1])
    return match is not None and int(match.group(1)) <= wanted


def grafted_libraries(wheel: Path) -> list[str]:
    """Shared libraries auditwheel copied into the wheel (`<pkg>.libs/`)."""
    with zipfile.ZipFile(wheel) as archive:
        return sorted(
            PurePosixPath(name).name
            for name in archive.namelist()
            if len(PurePosixPath(name).parts) == 2
            and PurePosixPath(name).parts[0].endswith(".libs")
        )


def graft_problems(wheel: Path) -> list[str]:
    return [
        f"{wheel.name}: grafts the platform library {name}; the build image's libc was not "
        "recognised as musl (see the image recipe's scripts/musl-sysroot.sh)"
        for name in grafted_libraries(wheel)
        if PLATFORM_LIBRARIES.match(name)
    ]


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


def wheel_tags(filename: str) -> list[Tag]:
    return sorted(parse_wheel_filename(filename)[3], key=str)
