"""A wheel's METADATA read over HTTP range requests, instead of downloading the wheel.

A zip file keeps its directory at the end: one request for the last 64 KiB, then one for the
METADATA member, is enough for most wheels of tens of megabytes. The bytes read this way are
not checked against the wheel's digest (only the whole file could be); they only tell the
resolver a release's requirements, and nothing read here is built or published. A server
that ignores ranges answers with the whole file, which is then checked like any download.
"""

from __future__ import annotations

import io
import re
import zipfile
from collections.abc import Callable

from builder.host.http_client import Response, Unreachable
from index.dist_files import wheel_metadata
from index.pages.simple_pages import IndexFile, digest_problem

CHUNK = 64 * 1024
CONTENT_RANGE = re.compile(r"bytes (\d+)-(\d+)/(\d+)")

Send = Callable[[str], Response]  # GET with this Range header value


class RangesRefused(Exception):
    """The server did not answer a range request as asked."""


def metadata_by_ranges(send: Send, wheel: IndexFile) -> bytes | None:
    """The wheel's METADATA, or None when the server or the file did not allow it (the caller
    then downloads the whole wheel)."""
    try:
        reply = send(f"bytes=-{CHUNK}")
        if reply.status == 200:  # the whole file: checked like a download
            if digest_problem(reply.body, wheel.digests) is not None:
                return None
            return wheel_metadata(io.BytesIO(reply.body))
        return wheel_metadata(io.BufferedReader(_RemoteFile(send, *_partial(reply)), CHUNK))
    except (RangesRefused, Unreachable, zipfile.BadZipFile, EOFError, OSError, ValueError):
        return None


def _partial(reply: Response) -> tuple[int, int, bytes]:
    """(size of the whole file, where the piece starts, the piece) of a 206 answer."""
    found = CONTENT_RANGE.fullmatch(reply.headers.get("content-range", ""))
    if reply.status != 206 or found is None:
        raise RangesRefused(reply.status)
    first, last, size = (int(group) for group in found.groups())
    if len(reply.body) != last - first + 1:
        raise RangesRefused("short piece")
    return size, first, reply.body


class _RemoteFile(io.RawIOBase):
    """A read-only file whose bytes are fetched, a chunk at a time, when read."""

    def __init__(self, send: Send, size: int, first: int, piece: bytes) -> None:
        super().__init__()
        self._send = send
        self._size = size
        self._pieces: list[tuple[int, bytes]] = [(first, piece)]
        self._position = 0

    def readable(self) -> bool:
        return True

    def seekable(self) -> bool:
        return True

    def tell(self) -> int:
        return self._position

    def seek(self, offset: int, whence: int = io.SEEK_SET) -> int:
        base = {io.SEEK_SET: 0, io.SEEK_CUR: self._position, io.SEEK_END: self._size}[whence]
        self._position = max(0, base + offset)
        return self._position

    def readinto(self, buffer: memoryview) -> int:  # type: ignore[override]
        count = max(0, min(len(buffer), self._size - self._position))
        if count:
            data = self._read(self._position, count)
            buffer[:count] = data
            self._position += count
        return count

    def _read(self, start: int, count: int) -> bytes:
        for first, piece in self._pieces:
            if first <= start and start + count <= first + len(piece):
                return piece[start - first : start - first + count]
        last = min(self._size, start + max(count, CHUNK)) - 1
        size, first, piece = _partial(self._send(f"bytes={start}-{last}"))
        if size != self._size or first != start:
            raise RangesRefused("the file changed between requests")
        self._pieces.append((first, piece))
        return piece[:count]
