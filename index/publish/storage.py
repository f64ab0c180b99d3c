"""One storage seam per static publish target: a key/value store with conditional writes.

Keys are paths inside the index (`files/x.whl`, `simple/x/index.json`). Conditional writes are
what keep two publishers from losing each other's entries: a page is replaced only if it is still
the version that was read (`if_match`), and a file is created only if nothing has that name
(`create_only`).
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Protocol


@dataclass(frozen=True)
class Blob:
    data: bytes
    etag: str


class Conflict(Exception):
    """A conditional write lost: someone else changed or created the key first."""

    def __init__(self, key: str) -> None:
        super().__init__(f"{key} changed under us")
        self.key = key


IMMUTABLE = "public, max-age=31536000, immutable"  # files never change under one name
REVALIDATE = "no-cache"  # pages change; caches and CDNs must revalidate


class Storage(Protocol):
    @property
    def description(self) -> str:
        """Where this is, for messages: `dir:/srv/index`, `s3://bucket/prefix`."""
        ...

    def get(self, key: str) -> Blob | None: ...

    def file_sha256(self, key: str) -> str | None:
        """The sha256 of the object at key, or None when there is none."""
        ...

    def put(
        self,
        key: str,
        data: bytes,
        *,
        content_type: str,
        cache_control: str,
        if_match: str | None = None,
        create_only: bool = False,
        sha256: str | None = None,
    ) -> None:
        """Write key. Raises Conflict when a condition does not hold."""
        ...

    def put_file(
        self,
        key: str,
        path: Path,
        *,
        content_type: str,
        cache_control: str,
        create_only: bool,
        sha256: str,
    ) -> None: ...

    def delete(self, key: str) -> None: ...

    def keys(self, prefix: str) -> list[str]: ...

    def sweep_partials(self) -> list[str]:
        """Remove what an interrupted write left half-done (long enough ago that no live writer
        owns it); returns what went. Stores whose writes are atomic have nothing to sweep."""
        ...
