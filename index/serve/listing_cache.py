"""What the listing learned about each file (sha256, METADATA), kept on disk between restarts.

Without it a restart reads every wheel again before the first request is answered: seconds at
10,000 small wheels, minutes for gigabytes of real ones. An entry is used only while the file's
size, mtime and inode are the ones it was learned from. The file lives in a subdirectory, so
writing it does not touch the stamp of the directory being listed; a missing, unreadable or
unwritable cache only costs time.
"""

from __future__ import annotations

import json
import logging
import os
import tempfile
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from packaging.specifiers import SpecifierSet

from index.pages.model import DistFile

VERSION = 1
MAX_NUMBER = 1 << 63  # what a stat field can hold; mtimes beyond it are no dates
HEX = frozenset("0123456789abcdef")
log = logging.getLogger("wheelhouse.listing")

Identity = tuple[int, int, int]


def load(path: Path) -> dict[str, tuple[Identity, DistFile]]:
    """The cache's entries; nothing when it is missing or damaged in any way (a cache is
    discarded and rebuilt, never trusted: every field is checked before it is used)."""
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
        if not isinstance(data, dict) or data.get("version") != VERSION:
            return {}
        return {name: _entry(name, fields) for name, fields in data["files"].items()}
    except FileNotFoundError:
        return {}
    except (OSError, ValueError, KeyError, TypeError, IndexError, AttributeError) as exc:
        log.warning("ignoring the listing cache %s (%s)", path, exc)
        return {}
    except RecursionError:
        log.warning("ignoring the listing cache %s (nested too deeply)", path)
        return {}


def save(path: Path, files: dict[str, tuple[Identity, DistFile]]) -> None:
    data = {
        "version": VERSION,
        "files": {
            name: [*identity, entry.sha256, entry.requires_python, entry.metadata_sha256]
            for name, (identity, entry) in sorted(files.items())
        },
    }
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        handle, temporary = tempfile.mkstemp(prefix=".listing-", dir=path.parent)
        with os.fdopen(handle, "w", encoding="utf-8") as stream:
            json.dump(data, stream, separators=(",", ":"))
        Path(temporary).replace(path)
    except OSError as exc:
        log.warning("cannot write the listing cache %s (%s)", path, exc.strerror)


def upload_time(mtime_ns: int) -> datetime:
    """A file's upload time, as an index shows it: its mtime."""
    return datetime.fromtimestamp(mtime_ns / 1e9, UTC)


def _entry(name: str, fields: list[Any]) -> tuple[Identity, DistFile]:
    size, mtime_ns, inode, sha256, requires_python, metadata_sha256 = fields
    numbers = (size, mtime_ns, inode)
    if not all(type(n) is int and 0 <= n < MAX_NUMBER for n in numbers):
        raise ValueError(f"{name}: size, mtime and inode must be integers")
    if not _digest(sha256) or not (metadata_sha256 is None or _digest(metadata_sha256)):
        raise ValueError(f"{name}: a digest is not 64 hexadecimal characters")
    if requires_python is not None:
        SpecifierSet(requires_python)  # InvalidSpecifier is a ValueError; a number a TypeError
    identity = (size, mtime_ns, inode)
    return identity, DistFile(
        filename=name,
        sha256=sha256,
        size=size,
        upload_time=upload_time(mtime_ns),
        requires_python=requires_python,
        metadata_sha256=metadata_sha256,
    )


def _digest(value: object) -> bool:
    return isinstance(value, str) and len(value) == 64 and all(c in HEX for c in value)
