"""A hostile publish target, through the real CLI: `publish --target http://...` (a pypiserver,
as far as wheelhouse knows) that loops, inflates or nests its pages ends with a clear message
and exit 5 or 2, in bounded time, and no upload is attempted."""

from __future__ import annotations

import gzip
import http.server
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.support import http_server, make_wheel, wheelhouse_cli

POSTS: list[str] = []


class _HostileTarget(http.server.BaseHTTPRequestHandler):
    def do_GET(self) -> None:
        kind = self.path.strip("/").split("/")[0]
        if kind == "loop":
            self.send_response(302)
            self.send_header("Location", self.path)
            self.end_headers()
            return
        if kind == "bomb":
            body = gzip.compress(b" " * (100 << 20))  # 100 MB of page from about 100 kB
            headers = {"Content-Type": "text/html", "Content-Encoding": "gzip"}
        elif kind == "deep":
            body = b'{"meta": {"api-version": "1.0"}, "files": ' + b"[" * 200_000 + b"]" * 200_000
            body += b"}"
            headers = {"Content-Type": "application/vnd.pypi.simple.v1+json"}
        else:  # damaged JSON: files is not a list
            body = b'{"meta": {"api-version": "1.0"}, "name": "alpha", "files": "x"}'
            headers = {"Content-Type": "application/vnd.pypi.simple.v1+json"}
        self.send_response(200)
        for name, value in headers.items():
            self.send_header(name, value)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def do_POST(self) -> None:
        POSTS.append(self.path)
        self.send_response(500)
        self.end_headers()

    def log_message(self, format: str, *args: object) -> None:
        pass


@pytest.fixture(scope="module")
def hostile_target() -> Iterator[str]:
    with http_server(_HostileTarget) as url:
        yield url


@pytest.mark.parametrize(
    ("kind", "says"),
    [
        ("loop", "redirect loop"),
        ("bomb", "larger than 64 MB"),  # a page is read to 64 MB, never inflated to 100
        ("deep", "not a valid simple-API page"),
        ("damaged", "not a valid simple-API page"),
    ],
)
def test_a_hostile_target_gets_a_clear_error_and_no_upload(
    tmp_path: Path, hostile_target: str, kind: str, says: str
) -> None:
    make_wheel(tmp_path / "wheelhouse", "alpha", "1.0")
    POSTS.clear()
    started = time.monotonic()
    result = wheelhouse_cli("publish", "--target", f"{hostile_target}/{kind}/", cwd=tmp_path)
    assert time.monotonic() - started < 120
    assert result.returncode in (2, 5), result.stderr[-2000:]
    assert "error:" in result.stderr and hostile_target in result.stderr, result.stderr[-2000:]
    assert says in result.stderr
    assert "internal error" not in result.stderr and "Traceback" not in result.stderr
    assert POSTS == []  # twine never ran: nothing was sent
