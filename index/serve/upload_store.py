"""Where `wheelhouse serve` stores an accepted upload: exactly the bytes the upload gate checked,
written aside under a dot-name (which the listing ignores), then moved into place in one step
under a lock, so two uploads of one name at once leave one whole file and the other is refused.

A release holds one file per distribution: names are compared the way installers compare them
(project names normalized, PEP 503; versions by value; the wheel's tags), so `Foo_Bar-2.0`,
`foo_bar-2.0` and `foo_bar-2.0.0` with the same tags are one file, not three.
"""

from __future__ import annotations

import os
import secrets
import threading
from dataclasses import dataclass
from pathlib import Path

from index.pages.model import Identity, distribution_identity
from index.serve.upload_gate import Upload


@dataclass(frozen=True, kw_only=True)
class Stored:
    path: Path


@dataclass(frozen=True, kw_only=True)
class Clash:
    existing: str  # the file already there under this name or an equivalent one


class UploadStore:
    def __init__(self, root: Path) -> None:
        self.root = root
        self._lock = threading.Lock()

    def store(self, upload: Upload) -> Stored | Clash:
        """Store the upload's bytes under its file name, unless that name or an equivalent one
        is taken. Raises OSError when the bytes cannot be written (disk full, permissions)."""
        wanted = distribution_identity(upload.filename)
        aside = self.root / f".upload-{secrets.token_hex(8)}.part"
        try:
            with aside.open("xb") as handle:
                handle.write(upload.content)
                handle.flush()
                os.fsync(handle.fileno())
            with self._lock:
                existing = self._equivalent(wanted)
                if existing is not None:
                    return Clash(existing=existing)
                final = self.root / upload.filename
                try:
                    os.link(aside, final)  # never replaces: another process's file wins too
                except FileExistsError:
                    return Clash(existing=upload.filename)
            return Stored(path=final)
        finally:
            aside.unlink(missing_ok=True)

    def _equivalent(self, wanted: Identity | None) -> str | None:
        if wanted is None:
            return None
        with os.scandir(self.root) as entries:
            for entry in entries:
                if not entry.name.startswith(".") and distribution_identity(entry.name) == wanted:
                    return entry.name
        return None
