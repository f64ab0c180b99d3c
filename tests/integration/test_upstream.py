"""The upstream index door against a real local server: a refused PEP 658 metadata file falls
back to the wheel itself, and a mismatching one is an error."""

from __future__ import annotations

import hashlib
import http.server
from pathlib import Path
from typing import ClassVar

import pytest

from builder.errors import UpstreamError
from builder.host.http_client import HttpClient
from builder.resolve.prepared_metadata import refused
from builder.resolve.upstream import Upstream
from tests.support import http_server, make_wheel


class _Index(http.server.BaseHTTPRequestHandler):
    wheel: ClassVar[bytes] = b""
    metadata_status: ClassVar[int] = 403

    def do_GET(self) -> None:
        name = "demo-1.0-py3-none-any.whl"
        if self.path == "/simple/demo/":
            digest = hashlib.sha256(self.wheel).hexdigest()
            body = f'<a href="/files/{name}#sha256={digest}">{name}</a>'.encode()
            self._send(200, body, "text/html")
        elif self.path == f"/files/{name}":
            self._send(200, self.wheel, "application/octet-stream")
        elif self.path == f"/files/{name}.metadata":
            self._send(self.metadata_status, b"Metadata-Version: 2.1\nName: demo\n", "text/plain")
        else:
            self._send(404, b"", "text/plain")

    def _send(self, status: int, body: bytes, content_type: str) -> None:
        self.send_response(status)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, format: str, *args: object) -> None:
        pass


def test_a_refused_metadata_probe_falls_back_to_the_wheel(tmp_path: Path) -> None:
    _Index.wheel = make_wheel(tmp_path, "demo", "1.0", requires=("six>=1.5",)).read_bytes()
    with http_server(_Index) as url, HttpClient(retries=0) as client:
        upstream = Upstream(
            client=client,
            prepare=refused("these tests run no container"),
            index_urls=[f"{url}/simple/"],
            cache_dir=tmp_path / "cache",
        )
        (release,) = upstream.releases("demo").values()
        assert [str(r) for r in upstream.requirements(release)] == ["six>=1.5"]


def test_a_page_that_is_not_a_simple_page_is_an_upstream_error(tmp_path: Path) -> None:
    class Broken(_Index):
        def do_GET(self) -> None:
            self._send(200, b"{not json", "application/vnd.pypi.simple.v1+json")

    with http_server(Broken) as url, HttpClient(retries=0) as client:
        upstream = Upstream(
            client=client,
            prepare=refused("these tests run no container"),
            index_urls=[f"{url}/simple/"],
            cache_dir=tmp_path / "cache",
        )
        with pytest.raises(UpstreamError, match="not a valid simple-API page"):
            upstream.releases("demo")
