"""The upstream HTTP door against a real local server: retries, final errors, sha256 checks."""

from __future__ import annotations

import gzip
import hashlib
import http.server
import time
from collections.abc import Iterator
from pathlib import Path
from typing import ClassVar

import pytest

from builder.errors import UpstreamError
from builder.host.http_client import HttpClient, Unreachable
from tests.support import free_port, http_server

BODY = b"wheel bytes"


class _Flaky(http.server.BaseHTTPRequestHandler):
    hits: ClassVar[dict[str, int]] = {}

    def do_GET(self) -> None:
        count = self.hits.get(self.path, 0) + 1
        self.hits[self.path] = count
        if self.path == "/flaky" and count < 3:
            self.send_response(503)
            self.end_headers()
            return
        if self.path in ("/flaky", "/file"):
            self.send_response(200)
            self.send_header("Content-Length", str(len(BODY)))
            self.end_headers()
            self.wfile.write(BODY)
            return
        self.send_response(404 if self.path == "/missing" else 403)
        self.end_headers()

    def log_message(self, format: str, *args: object) -> None:
        pass


@pytest.fixture
def server() -> Iterator[str]:
    _Flaky.hits = {}
    with http_server(_Flaky) as url:
        yield url


def test_retries_server_errors_then_succeeds(server: str) -> None:
    with HttpClient(retries=3, backoff=0.0) as client:
        assert client.get(f"{server}/flaky").body == BODY
    assert _Flaky.hits["/flaky"] == 3


def test_client_errors_are_final_and_name_the_url(server: str) -> None:
    with HttpClient(retries=3, backoff=0.0) as client:
        with pytest.raises(UpstreamError, match=r"GET .*/forbidden failed: HTTP 403"):
            client.get(f"{server}/forbidden")
        assert client.get(f"{server}/missing", allow_404=True).status == 404
    assert _Flaky.hits["/forbidden"] == 1


def test_unreachable_server_is_an_upstream_error() -> None:
    with (
        HttpClient(retries=1, backoff=0.0, timeout=2) as client,
        pytest.raises(UpstreamError, match="ConnectError"),
    ):
        client.get(f"http://127.0.0.1:{free_port()}/simple/x/")


def test_download_verifies_sha256_and_leaves_nothing_on_mismatch(
    server: str, tmp_path: Path
) -> None:
    good = hashlib.sha256(BODY).hexdigest()
    with HttpClient(retries=0) as client:
        path = client.download(f"{server}/file", tmp_path / "a.whl", digests={"sha256": good})
        assert path.read_bytes() == BODY
        with pytest.raises(UpstreamError, match="sha256 mismatch"):
            client.download(f"{server}/file", tmp_path / "b.whl", digests={"sha256": "0" * 64})
    assert not (tmp_path / "b.whl").exists()


def test_send_retries_a_refused_connection_then_gives_up(server: str) -> None:
    dead = f"http://127.0.0.1:{free_port()}/"
    slept: list[float] = []
    with HttpClient(retries=2, sleep=slept.append) as client:
        assert client.send("GET", f"{server}/file").status == 200
        answer = client.send("POST", f"{server}/file", data={"a": "b"})
        assert answer.status == 501  # a server's answer is final, never retried
        assert slept == []
        with pytest.raises(Unreachable, match="ConnectError"):
            client.send("POST", dead, data={":action": "remove_pkg"})
    assert slept == [0.5, 1.0]  # two retries, backing off


class _Hostile(http.server.BaseHTTPRequestHandler):
    """An upstream that never answers well: a redirect loop, a slow drip, a gzip bomb."""

    def do_GET(self) -> None:
        if self.path == "/loop":
            self.send_response(302)
            self.send_header("Location", "/loop")
            self.end_headers()
        elif self.path == "/drip":
            self.send_response(200)
            self.send_header("Content-Length", "1000000")
            self.end_headers()
            for _ in range(40):  # a byte every 0.1 s: never a read timeout, never an answer
                self.wfile.write(b"x")
                self.wfile.flush()
                time.sleep(0.1)
        elif self.path == "/bomb":
            bomb = gzip.compress(b"\0" * (80 << 20))  # 80 MB inflated from about 80 kB
            self.send_response(200)
            self.send_header("Content-Encoding", "gzip")
            self.send_header("Content-Length", str(len(bomb)))
            self.end_headers()
            self.wfile.write(bomb)

    def log_message(self, format: str, *args: object) -> None:
        pass


@pytest.fixture
def hostile() -> Iterator[str]:
    with http_server(_Hostile) as url:
        yield url


def test_a_redirect_loop_is_a_clear_error(hostile: str) -> None:
    with HttpClient(retries=2, backoff=0.0) as client:
        with pytest.raises(UpstreamError, match="redirect loop"):
            client.get(f"{hostile}/loop")
        with pytest.raises(Unreachable, match="redirect loop"):
            client.send("GET", f"{hostile}/loop")


def test_a_slow_drip_is_cut_off_by_the_average_rate(hostile: str) -> None:
    started = time.monotonic()
    with (
        HttpClient(retries=0, backoff=0.0, grace_s=1.0) as client,
        pytest.raises(UpstreamError, match="too slow"),
    ):
        client.get(f"{hostile}/drip")
    assert time.monotonic() - started < 3.0  # not the 4 s the drip lasts


def test_a_gzip_bomb_is_read_no_further_than_the_limit(hostile: str) -> None:
    with (
        HttpClient(retries=0, backoff=0.0) as client,
        pytest.raises(UpstreamError, match="larger than 64 MB"),
    ):
        client.get(f"{hostile}/bomb")
