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

from index.pages.model import DistFile

VERSION = 1
log = logging.getLogger("wheelhouse.listing")

Identity = tuple[int, int, int]


def load(path: Path) -> dict[str, tuple[Identity, DistFile]]:
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
        if data.get("version") != VERSION:
            return {}
        return {name: _entry(name, fields) for name, fields in data["files"].items()}
    except FileNotFoundError:
        return {}
    except (OSError, ValueError, KeyError, TypeError, IndexError) as exc:
        log.warning("ignoring the listing cache %s (%s)", path, exc)
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
    identity = (int(size), int(mtime_ns), int(inode))
    return identity, DistFile(
        filename=name,
        sha256=str(sha256),
        size=identity[0],
        upload_time=upload_time(identity[1]),
        requires_python=requires_python,
        metadata_sha256=metadata_sha256,
    )
