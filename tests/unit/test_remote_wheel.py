"""A wheel's METADATA over HTTP ranges: a few small requests, never the whole file."""

from __future__ import annotations

import hashlib
import io
import os
import re
import zipfile

from builder.host.http_client import Response
from builder.resolve.remote_wheel import CHUNK, metadata_by_ranges
from index.pages.simple_pages import IndexFile

METADATA = b"Metadata-Version: 2.1\nName: big\nVersion: 1.0\nRequires-Dist: six>=1\n"


def big_wheel(payload: int) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("big/_native.so", os.urandom(payload))  # incompressible
        archive.writestr("big-1.0.dist-info/METADATA", METADATA)
        archive.writestr("big-1.0.dist-info/WHEEL", b"Wheel-Version: 1.0\n")
        archive.writestr("big-1.0.dist-info/RECORD", b"")
    return buffer.getvalue()


def entry(body: bytes) -> IndexFile:
    return IndexFile(
        filename="big-1.0-py3-none-any.whl",
        url="http://index.invalid/big-1.0-py3-none-any.whl",
        digests={"sha256": hashlib.sha256(body).hexdigest()},
    )


def reply(status: int, body: bytes, headers: dict[str, str] | None = None) -> Response:
    return Response(
        url="http://index.invalid/",
        status=status,
        content_type="",
        body=body,
        headers=headers or {},
    )


class RangeServer:
    def __init__(self, body: bytes, *, honour: bool = True) -> None:
        self.body = body
        self.honour = honour
        self.sent = 0  # bytes answered

    def __call__(self, value: str) -> Response:
        size = len(self.body)
        if not self.honour:
            self.sent += size
            return reply(200, self.body)
        suffix = re.fullmatch(r"bytes=-(\d+)", value)
        span = re.fullmatch(r"bytes=(\d+)-(\d+)", value)
        if suffix:
            first, last = max(0, size - int(suffix[1])), size - 1
        else:
            assert span is not None, value
            first, last = int(span[1]), min(int(span[2]), size - 1)
        piece = self.body[first : last + 1]
        self.sent += len(piece)
        return reply(206, piece, {"content-range": f"bytes {first}-{last}/{size}"})


def test_metadata_of_a_large_wheel_costs_two_small_pieces() -> None:
    body = big_wheel(3 * 1024 * 1024)
    server = RangeServer(body)
    assert metadata_by_ranges(server, entry(body)) == METADATA
    assert server.sent <= 3 * CHUNK < len(body) // 10


def test_a_server_that_ignores_ranges_gives_the_whole_checked_file() -> None:
    body = big_wheel(100_000)
    assert metadata_by_ranges(RangeServer(body, honour=False), entry(body)) == METADATA
    other = entry(big_wheel(10))
    assert metadata_by_ranges(RangeServer(body, honour=False), other) is None


def test_a_wrong_answer_is_not_an_answer() -> None:
    body = big_wheel(200_000)

    def garbage(value: str) -> Response:
        return reply(206, b"x" * 10, {"content-range": "bytes 0-9/10"})

    def refuses(value: str) -> Response:
        return reply(416, b"")

    assert metadata_by_ranges(garbage, entry(body)) is None
    assert metadata_by_ranges(refuses, entry(body)) is None


def test_a_small_wheel_is_read_from_the_first_piece() -> None:
    body = big_wheel(1000)
    server = RangeServer(body)
    assert metadata_by_ranges(server, entry(body)) == METADATA
    assert server.sent == len(body)
