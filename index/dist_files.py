"""Look inside a wheel on disk before it is published: a mis-named, truncated or corrupt file is
refused here, before anything leaves the machine."""

from __future__ import annotations

import hashlib
import json
import zipfile
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import IO

from packaging.metadata import RawMetadata, parse_email
from packaging.utils import InvalidWheelFilename, canonicalize_name, parse_wheel_filename
from packaging.version import InvalidVersion, Version

from index.errors import IndexProblem
from index.pages.model import DistFile


@dataclass(frozen=True, kw_only=True)
class LocalDist:
    path: Path
    entry: DistFile
    metadata: bytes  # the wheel's METADATA, published as <filename>.metadata (PEP 658)


def sha256_of(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def file_sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as stream:
        for block in iter(lambda: stream.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


MAX_FILENAME = 255  # what a filesystem (and a URL path segment) takes
MAX_METADATA = 8_000_000  # real ones are kilobytes (a long README inlined: a few hundred)


def filename_problem(filename: str) -> str | None:
    """Why a name cannot be published and linked as it is (None when it can): printable ASCII
    only, no '#', '?', '%', spaces or path separators, not hidden, not overlong."""
    if not filename or len(filename) > MAX_FILENAME:
        return f"a file name of {len(filename)} characters (1 to {MAX_FILENAME} allowed)"
    if filename.startswith("."):
        return "a hidden file name (it starts with '.')"
    bad = sorted({char for char in filename if not (33 <= ord(char) < 127) or char in "#?%/\\"})
    if bad:
        return f"the file name holds {', '.join(repr(char) for char in bad)}"
    return None


def inspect_wheel(
    path: Path, *, upload_time: datetime, expected_sha256: str | None = None
) -> LocalDist:
    """Check a wheel and describe it. Raises IndexProblem naming the file and what is wrong."""
    unsafe = filename_problem(path.name)
    if unsafe is not None:
        raise IndexProblem(f"{path!s:.300}: {unsafe}", hint="rename the file") from None
    try:
        parse_wheel_filename(path.name)
    except InvalidWheelFilename as exc:
        raise IndexProblem(
            f"{path}: not a valid wheel filename ({exc})",
            hint="wheel names follow {name}-{version}(-{build})?-{python}-{abi}-{platform}.whl; "
            "rename or remove the file",
        ) from None
    if not path.is_file():
        raise IndexProblem(f"{path}: no such file")
    sha256 = file_sha256(path)
    if expected_sha256 is not None and sha256 != expected_sha256:
        raise IndexProblem(
            f"{path}: sha256 {sha256[:12]}... differs from the manifest's {expected_sha256[:12]}...",
            hint="the file changed after it was built; rebuild it (`wheelhouse build`)",
        )
    metadata, raw = read_checked_metadata(path, shown=str(path))
    return LocalDist(
        path=path,
        entry=DistFile(
            filename=path.name,
            sha256=sha256,
            size=path.stat().st_size,
            upload_time=upload_time,
            requires_python=raw.get("requires_python") or None,
            metadata_sha256=sha256_of(metadata),
        ),
        metadata=metadata,
    )


def read_checked_metadata(wheel: Path | IO[bytes], *, shown: str) -> tuple[bytes, RawMetadata]:
    """The wheel's METADATA, after checking that the zip is whole and that METADATA names the
    project and version its filename (`shown`, for messages) says. Raises IndexProblem."""
    filename = shown.rsplit("/", 1)[-1]
    name, version, _, _ = parse_wheel_filename(filename)
    try:
        with zipfile.ZipFile(wheel) as archive:
            metadata = _read_metadata(archive)  # first: it is bounded, the CRC pass is not
            broken = archive.testzip()
            if broken is not None:
                raise IndexProblem(f"{shown}: member {broken} fails its CRC check")
    except (zipfile.BadZipFile, EOFError, OSError) as exc:
        raise IndexProblem(
            f"{shown}: not a readable wheel ({exc}); truncated or corrupt",
            hint="rebuild it, or remove it from the wheelhouse",
        ) from None
    raw, _ = parse_email(metadata)
    declared = (raw.get("name", ""), raw.get("version", ""))
    if canonicalize_name(declared[0]) != name or _normalized_version(declared[1]) != version:
        raise IndexProblem(
            f"{shown}: the filename says {name} {version}, but its METADATA says "
            f"{declared[0]} {declared[1]}",
            hint="the file was renamed; publish it under its real name",
        )
    return metadata, raw


def wheel_metadata(wheel: Path | IO[bytes]) -> bytes:
    """The wheel's .dist-info/METADATA (PEP 658 serves it as `<wheel>.metadata`): the one
    reader of a wheel's metadata, for files on disk and downloads in memory alike.

    Raises OSError or zipfile.BadZipFile when the file is gone or not a wheel, or its METADATA
    inflates past MAX_METADATA (a zip bomb would take the memory of whoever reads it)."""
    with zipfile.ZipFile(wheel) as archive:
        return _read_metadata(archive)


def _read_metadata(archive: zipfile.ZipFile) -> bytes:
    with archive.open(_metadata_member(archive)) as stream:
        data = stream.read(MAX_METADATA + 1)
    if len(data) > MAX_METADATA:
        msg = f"its METADATA is larger than {MAX_METADATA // 1_000_000} MB"
        raise zipfile.BadZipFile(msg)
    return data


def _metadata_member(archive: zipfile.ZipFile) -> str:
    candidates = [
        member
        for member in archive.namelist()
        if member.count("/") == 1 and member.endswith(".dist-info/METADATA")
    ]
    if len(candidates) != 1:
        msg = f"expected one .dist-info/METADATA, found {len(candidates)}"
        raise zipfile.BadZipFile(msg)
    return candidates[0]


def _normalized_version(text: str) -> Version | None:
    try:
        return Version(text)
    except InvalidVersion:
        return None


def wheel_libraries(wheel: Path) -> list[tuple[str, str]]:
    """The native libraries a wheel's SBOMs (PEP 770: `<dist-info>/sboms/*.json`, CycloneDX)
    say it carries, as (name, version); empty when it has none or they cannot be read. Each
    library once, even when two SBOMs (ours and auditwheel's) both name it: ours wins."""
    found: dict[str, str] = {}
    try:
        with zipfile.ZipFile(wheel) as archive:
            sboms = [
                member
                for member in archive.namelist()
                if (parts := member.split("/"))
                and len(parts) == 3
                and parts[0].endswith(".dist-info")
                and parts[1] == "sboms"
            ]
            # wheelhouse's own first: it names the releases the builder image carries
            for member in sorted(sboms, key=lambda m: (not m.endswith("/wheelhouse.cdx.json"), m)):
                _sbom_libraries(archive.read(member), found)
    except (OSError, zipfile.BadZipFile):
        return []
    return sorted(found.items())


def _sbom_libraries(data: bytes, found: dict[str, str]) -> None:
    try:
        document = json.loads(data)
    except ValueError:
        return
    if not isinstance(document, dict):
        return
    components = document.get("components")
    metadata = document.get("metadata")
    described = metadata.get("component") if isinstance(metadata, dict) else None
    itself = described.get("bom-ref") if isinstance(described, dict) else None
    for component in components if isinstance(components, list) else []:
        if not isinstance(component, dict) or component.get("type") != "library":
            continue
        if itself is not None and component.get("bom-ref") == itself:
            continue  # auditwheel's SBOM lists the wheel itself among its components
        name, version = component.get("name"), component.get("version", "")
        if isinstance(name, str) and isinstance(version, str) and not found.get(name):
            found[name] = version
