"""Helpers for integration and end-to-end tests: free ports, a static index over HTTP, the CLI."""

from __future__ import annotations

import functools
import hashlib
import html
import http.server
import socket
import subprocess
import sys
import threading
import time
import zipfile
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

import httpx
from packaging.utils import canonicalize_name, parse_sdist_filename, parse_wheel_filename


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


def wait_for_http(url: str, timeout: float = 30.0) -> None:
    """Readiness probe: poll until the URL answers 200, or fail."""
    deadline = time.monotonic() + timeout
    last = ""
    while time.monotonic() < deadline:
        try:
            if httpx.get(url, timeout=2).status_code == 200:
                return
        except httpx.TransportError as exc:
            last = str(exc)
        time.sleep(0.2)
    msg = f"{url} did not answer within {timeout} s ({last})"
    raise TimeoutError(msg)


def write_simple_tree(files: list[Path], root: Path) -> None:
    """A minimal PEP 503 tree for test fixtures: simple/<project>/index.html -> files/."""
    (root / "files").mkdir(parents=True, exist_ok=True)
    projects: dict[str, list[Path]] = {}
    for path in files:
        if path.name.endswith(".whl"):
            name = parse_wheel_filename(path.name)[0]
        else:
            name = parse_sdist_filename(path.name)[0]
        projects.setdefault(canonicalize_name(name), []).append(path)
        (root / "files" / path.name).write_bytes(path.read_bytes())
    for project, paths in projects.items():
        page = root / "simple" / project / "index.html"
        page.parent.mkdir(parents=True, exist_ok=True)
        links = "\n".join(
            f'<a href="../../files/{html.escape(p.name)}#sha256='
            f'{hashlib.sha256(p.read_bytes()).hexdigest()}">{html.escape(p.name)}</a><br>'
            for p in paths
        )
        page.write_text(f"<!DOCTYPE html><html><body>\n{links}\n</body></html>\n")


class _QuietHandler(http.server.SimpleHTTPRequestHandler):
    def log_message(self, format: str, *args: object) -> None:
        pass


@contextmanager
def static_server(root: Path) -> Iterator[str]:
    """Serve a directory over HTTP on a free loopback port; yields the base URL."""
    with http_server(functools.partial(_QuietHandler, directory=str(root))) as url:
        yield url


@contextmanager
def http_server(handler: Callable[..., http.server.BaseHTTPRequestHandler]) -> Iterator[str]:
    """Run a request handler on a free loopback port in a thread; yields the base URL."""
    server = http.server.ThreadingHTTPServer(("127.0.0.1", free_port()), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()
        server.server_close()


def build_sdist(project: Path, out: Path) -> Path:
    out.mkdir(parents=True, exist_ok=True)
    subprocess.run(
        [sys.executable, "-m", "build", "--sdist", "--outdir", str(out), str(project)],
        check=True,
        capture_output=True,
    )
    (sdist,) = [p for p in out.glob("*.tar.gz") if p.name.startswith(project.name)]
    return sdist


def wheelhouse_cli(
    *args: str, cwd: Path, env: dict[str, str] | None = None
) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "builder", *args],
        cwd=cwd,
        capture_output=True,
        text=True,
        env=env,
        check=False,
    )


def make_wheel(
    directory: Path,
    name: str,
    version: str,
    *,
    tag: str = "py3-none-any",
    requires_python: str | None = None,
    payload: str = "",
) -> Path:
    """A small, valid pure-Python wheel: a module named after the project, METADATA and RECORD."""
    directory.mkdir(parents=True, exist_ok=True)
    module = canonicalize_name(name).replace("-", "_")
    path = directory / f"{module}-{version}-{tag}.whl"
    dist_info = f"{module}-{version}.dist-info"
    metadata = f"Metadata-Version: 2.1\nName: {name}\nVersion: {version}\n"
    if requires_python:
        metadata += f"Requires-Python: {requires_python}\n"
    members = {
        f"{module}/__init__.py": f"VERSION = {version!r}\n{payload}",
        f"{dist_info}/METADATA": metadata,
        f"{dist_info}/WHEEL": f"Wheel-Version: 1.0\nGenerator: tests\nRoot-Is-Purelib: true\nTag: {tag}\n",
    }
    with zipfile.ZipFile(path, "w") as archive:
        for member, text in members.items():
            archive.writestr(member, text)
        archive.writestr(
            f"{dist_info}/RECORD", "".join(f"{m},,\n" for m in members) + f"{dist_info}/RECORD,,\n"
        )
    return path
