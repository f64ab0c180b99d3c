"""Read runtime requirements (Requires-Dist) from core metadata, wheels and sdists. Pure parsing,
with packaging.metadata; a wheel's METADATA is found by the index library's one reader."""

from __future__ import annotations

import io
import tarfile
import zipfile
import zlib
from pathlib import PurePosixPath

from packaging.metadata import parse_email
from packaging.requirements import InvalidRequirement, Requirement

from builder.errors import UpstreamError
from index.dist_files import wheel_metadata


def requirements_from_metadata(metadata: bytes) -> list[Requirement]:
    raw, _ = parse_email(metadata)
    return _parse_all(raw.get("requires_dist", []))


def requirements_from_wheel(wheel: bytes, filename: str) -> list[Requirement]:
    try:
        return requirements_from_metadata(wheel_metadata(io.BytesIO(wheel)))
    except (zipfile.BadZipFile, EOFError, OSError) as exc:
        raise UpstreamError(
            f"{filename}: the upstream wheel is not readable ({exc})",
            hint="pin another version in the list",
        ) from None


def requirements_from_sdist(sdist: bytes, filename: str) -> list[Requirement] | None:
    """Requires-Dist of an sdist: PKG-INFO when it is authoritative, else setuptools' requires.txt.

    Returns None when the sdist does not say (dynamic dependencies and no egg-info).
    """
    members = _sdist_members(sdist, filename)
    pkg_info = next((data for path, data in members if _is_top_file(path, "PKG-INFO")), None)
    if pkg_info is not None:
        raw, _ = parse_email(pkg_info)
        dynamic = [value.lower() for value in raw.get("dynamic", [])]
        version = raw.get("metadata_version", "1.0")
        listed = raw.get("requires_dist", [])
        if listed and "requires-dist" not in dynamic:
            return _parse_all(listed)
        if _at_least(version, (2, 2)) and "requires-dist" not in dynamic:
            return []
    requires_txt = next(
        (data for path, data in members if path.endswith(".egg-info/requires.txt")), None
    )
    if requires_txt is not None:
        return _parse_requires_txt(requires_txt.decode("utf-8", errors="replace"))
    if any(path.endswith(".egg-info/PKG-INFO") for path, _ in members):
        return []  # setuptools writes requires.txt only when there are requirements
    return None


def _sdist_members(sdist: bytes, filename: str) -> list[tuple[str, bytes]]:
    try:
        return _members(sdist, filename)
    except (tarfile.TarError, zipfile.BadZipFile, EOFError, OSError, zlib.error) as exc:
        raise UpstreamError(
            f"{filename}: the upstream sdist is not a readable archive ({exc})",
            hint="pin another version in the list",
        ) from None


def _members(sdist: bytes, filename: str) -> list[tuple[str, bytes]]:
    wanted = ("PKG-INFO", "requires.txt")
    result: list[tuple[str, bytes]] = []
    if filename.endswith(".zip"):
        with zipfile.ZipFile(io.BytesIO(sdist)) as archive:
            for name in archive.namelist():
                if name.endswith(wanted) and _near_top(name):
                    result.append((name, archive.read(name)))
        return result
    with tarfile.open(fileobj=io.BytesIO(sdist), mode="r:*") as archive:
        for member in archive.getmembers():
            if member.isfile() and member.name.endswith(wanted) and _near_top(member.name):
                handle = archive.extractfile(member)
                if handle is not None:
                    result.append((member.name, handle.read()))
    return result


def _near_top(path: str) -> bool:
    """PKG-INFO at the top, or an egg-info directory at the top or under src/ (src layout)."""
    parts = PurePosixPath(path).parts
    return len(parts) <= 3 or (len(parts) == 4 and parts[1] == "src")


def _is_top_file(path: str, name: str) -> bool:
    parts = PurePosixPath(path).parts
    return len(parts) == 2 and parts[1] == name


def _at_least(version: str, wanted: tuple[int, int]) -> bool:
    try:
        major, minor = (int(part) for part in version.split(".")[:2])
    except ValueError:
        return False
    return (major, minor) >= wanted


def _parse_requires_txt(text: str) -> list[Requirement]:
    """setuptools' requires.txt: plain lines, then `[extra]` or `[extra:marker]` / `[:marker]` sections."""
    lines: list[str] = []
    section_marker: str | None = None
    for raw in text.splitlines():
        line = raw.strip()
        if not line or line.startswith("#"):
            continue
        if line.startswith("[") and line.endswith("]"):
            extra, _, marker = line[1:-1].partition(":")
            clauses = []
            if extra:
                clauses.append(f'extra == "{extra}"')
            if marker:
                clauses.append(f"({marker})")
            section_marker = " and ".join(clauses) or None
            continue
        lines.append(f"{line}; {section_marker}" if section_marker else line)
    return _parse_all(lines)


def _parse_all(lines: list[str]) -> list[Requirement]:
    requirements: list[Requirement] = []
    for line in lines:
        try:
            requirements.append(Requirement(line))
        except InvalidRequirement:
            continue  # upstream metadata we cannot parse is skipped, as pip warns and skips
    return requirements
