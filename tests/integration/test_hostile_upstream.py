"""A hostile upstream index, through the real CLI: plan, check and build --dry-run each end with
a clear message and the upstream exit code (3), in bounded time, whatever the index sends."""

from __future__ import annotations

import gzip
import http.server
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.support import http_server, wheelhouse_cli

JSON = "application/vnd.pypi.simple.v1+json"


class _Hostile(http.server.BaseHTTPRequestHandler):
    def do_GET(self) -> None:
        project = self.path.strip("/").split("/")[-1]
        if project == "loop":
            self.send_response(302)
            self.send_header("Location", self.path)
            self.end_headers()
        elif project == "bomb":
            body = gzip.compress(b" " * (100 << 20))  # 100 MB of page from about 100 kB
            self.send_response(200)
            self.send_header("Content-Type", "text/html")
            self.send_header("Content-Encoding", "gzip")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)
        elif project == "deep":
            body = b'{"meta": {"api-version": "1.0"}, "files": ' + b"[" * 200_000 + b"]" * 200_000
            self.send_response(200)
            self.send_header("Content-Type", JSON)
            self.send_header("Content-Length", str(len(body) + 1))
            self.end_headers()
            self.wfile.write(body + b"}")
        else:
            self.send_response(404)
            self.end_headers()

    def log_message(self, format: str, *args: object) -> None:
        pass


@pytest.fixture(scope="module")
def hostile_index() -> Iterator[str]:
    with http_server(_Hostile) as url:
        yield f"{url}/simple/"


@pytest.mark.parametrize("project", ["loop", "bomb", "deep"])
@pytest.mark.parametrize("command", ["plan", "check", "build --dry-run"])
def test_a_hostile_index_gets_a_clear_exit_3(
    tmp_path: Path, hostile_index: str, project: str, command: str
) -> None:
    (tmp_path / "wheelhouse.toml").write_text(
        f'pythons = ["3.11"]\narchs = ["x86_64"]\nindex-url = "{hostile_index}"\n'
    )
    (tmp_path / "list.txt").write_text(f"{project}\n")
    args = (
        ["check", "-r", "list.txt"]
        if command == "check"
        else [*command.split(), "--list", "list.txt"]
    )
    started = time.monotonic()
    result = wheelhouse_cli(*args, cwd=tmp_path)
    assert time.monotonic() - started < 120
    assert result.returncode == 3, result.stderr[-2000:]
    assert project in result.stderr
    assert "internal error" not in result.stderr and "Traceback" not in result.stderr
