"""Reading and adding files of a built wheel, keeping its RECORD valid (each file's sha256 and
size; pip checks them when it installs)."""

from __future__ import annotations

import base64
import hashlib
import zipfile
from pathlib import Path


def dist_info(wheel: Path) -> str:
    """The wheel's `<name>-<version>.dist-info` directory (the one holding RECORD)."""
    with zipfile.ZipFile(wheel) as archive:
        for name in archive.namelist():
            parts = name.split("/")
            if len(parts) == 2 and parts[0].endswith(".dist-info") and parts[1] == "RECORD":
                return parts[0]
    raise ValueError(f"{wheel.name}: no .dist-info/RECORD")


def read_member(wheel: Path, member: str) -> bytes | None:
    with zipfile.ZipFile(wheel) as archive:
        try:
            return archive.read(member)
        except KeyError:
            return None


def add_member(wheel: Path, member: str, data: bytes) -> None:
    """Add (or replace) `member` in the wheel, and its line in RECORD. The wheel is rewritten
    beside itself and renamed over it, so a failure leaves the original."""
    record = f"{dist_info(wheel)}/RECORD"
    digest = base64.urlsafe_b64encode(hashlib.sha256(data).digest()).rstrip(b"=").decode()
    line = f"{member},sha256={digest},{len(data)}"
    partial = wheel.with_name(f".{wheel.name}.partial")
    with zipfile.ZipFile(wheel) as source, zipfile.ZipFile(partial, "w") as target:
        stamp = source.getinfo(record).date_time
        for info in source.infolist():
            if info.filename in (member, record):
                continue
            target.writestr(info, source.read(info), compress_type=info.compress_type)
        added = zipfile.ZipInfo(member, date_time=stamp)
        added.external_attr = 0o644 << 16
        target.writestr(added, data, compress_type=zipfile.ZIP_DEFLATED)
        lines = [
            entry
            for entry in source.read(record).decode().splitlines()
            if entry and not entry.startswith(f"{member},")
        ]
        at = next(
            (n for n, entry in enumerate(lines) if entry.startswith(f"{record},")), len(lines)
        )
        lines.insert(at, line)
        target.writestr(source.getinfo(record), "\n".join(lines) + "\n")
    partial.replace(wheel)
