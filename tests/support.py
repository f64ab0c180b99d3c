"""Helpers for integration and end-to-end tests: free ports, a static index over HTTP, the CLI."""

from __future__ import annotations

import functools
import hashlib
import html
import http.server
import io
import os
import socket
import subprocess
import sys
import tarfile
import threading
import time
import tomllib
import zipfile
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

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


def tar_sdist(project: Path, out: Path) -> Path:
    """An sdist made by packing the project as it is, with a static PKG-INFO (Metadata 2.2, no
    dynamic fields) from its pyproject's [project] table. No build backend runs, so nothing is
    downloaded (the integration tier works without a network), and a backend whose own sdist
    step needs a git checkout (meson-python) is no obstacle."""
    meta = tomllib.loads((project / "pyproject.toml").read_text(encoding="utf-8"))["project"]
    lines = ["Metadata-Version: 2.2", f"Name: {meta['name']}", f"Version: {meta['version']}"]
    if "requires-python" in meta:
        lines.append(f"Requires-Python: {meta['requires-python']}")
    lines += [f"Requires-Dist: {requirement}" for requirement in meta.get("dependencies", [])]
    pkg_info = ("\n".join(lines) + "\n").encode()
    root = f"{canonicalize_name(meta['name']).replace('-', '_')}-{meta['version']}"
    out.mkdir(parents=True, exist_ok=True)
    sdist = out / f"{root}.tar.gz"
    with tarfile.open(sdist, "w:gz") as archive:
        for path in sorted(project.rglob("*")):
            if path.is_file() and "__pycache__" not in path.parts:
                archive.add(path, f"{root}/{path.relative_to(project).as_posix()}")
        info = tarfile.TarInfo(f"{root}/PKG-INFO")
        info.size = len(pkg_info)
        archive.addfile(info, io.BytesIO(pkg_info))
    return sdist


def wheelhouse_cli(
    *args: str, cwd: Path, env: dict[str, str] | None = None
) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "app", *args],
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
    requires: tuple[str, ...] = (),
    payload: str = "",
) -> Path:
    """A small, valid pure-Python wheel: a module named after the project, METADATA and RECORD."""
    module = canonicalize_name(name).replace("-", "_")
    return pack_wheel(
        directory,
        name,
        version,
        tag=tag,
        files={f"{module}/__init__.py": f"VERSION = {version!r}\n{payload}".encode()},
        requires_python=requires_python,
        requires=requires,
    )


def pack_wheel(
    directory: Path,
    name: str,
    version: str,
    *,
    tag: str,
    files: dict[str, bytes],
    requires_python: str | None = None,
    requires: tuple[str, ...] = (),
) -> Path:
    """A valid wheel of the given files (paths relative to site-packages), with METADATA, WHEEL
    and a RECORD; Root-Is-Purelib only for a py3-none-any tag."""
    directory.mkdir(parents=True, exist_ok=True)
    module = canonicalize_name(name).replace("-", "_")
    path = directory / f"{module}-{version}-{tag}.whl"
    dist_info = f"{module}-{version}.dist-info"
    metadata = f"Metadata-Version: 2.1\nName: {name}\nVersion: {version}\n"
    if requires_python:
        metadata += f"Requires-Python: {requires_python}\n"
    metadata += "".join(f"Requires-Dist: {requirement}\n" for requirement in requires)
    purelib = "true" if tag.endswith("-none-any") else "false"
    members = {
        **files,
        f"{dist_info}/METADATA": metadata.encode(),
        f"{dist_info}/WHEEL": (
            f"Wheel-Version: 1.0\nGenerator: tests\nRoot-Is-Purelib: {purelib}\nTag: {tag}\n"
        ).encode(),
    }
    members[f"{dist_info}/RECORD"] = (
        "".join(f"{m},,\n" for m in members) + f"{dist_info}/RECORD,,\n"
    ).encode()
    with zipfile.ZipFile(path, "w") as archive:
        for member, data in members.items():
            # A fixed timestamp: the same wheel made twice is the same bytes (same sha256),
            # even when a second boundary passes between the two.
            archive.writestr(zipfile.ZipInfo(member, date_time=(2020, 1, 1, 0, 0, 0)), data)
    return path


class AccessLog(list[str]):
    """The request paths a test server saw, in order."""


@contextmanager
def logging_static_server(root: Path) -> Iterator[tuple[str, AccessLog]]:
    """Like static_server, and records every GET path (to see what a client fetched)."""
    log = AccessLog()

    class Handler(_QuietHandler):
        def do_GET(self) -> None:
            log.append(self.path)
            super().do_GET()

    with http_server(functools.partial(Handler, directory=str(root))) as url:
        yield url, log


@contextmanager
def background_process(
    command: list[str],
    *,
    ready_url: str,
    log: Path,
    env: dict[str, str] | None = None,
    timeout: float = 30.0,
) -> Iterator[subprocess.Popen[bytes]]:
    """Start a server process, wait until ready_url answers, stop it afterwards."""
    with log.open("wb") as output:
        process = subprocess.Popen(command, stdout=output, stderr=subprocess.STDOUT, env=env)
    try:
        try:
            wait_for_http(ready_url, timeout=timeout)
        except TimeoutError as exc:
            process.kill()
            process.wait()
            msg = f"{command[:3]} did not start: {log.read_text(errors='replace')[-2000:]}"
            raise RuntimeError(msg) from exc
        yield process
    finally:
        if process.poll() is None:
            process.terminate()
            try:
                process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()


S3_ENV = {
    "AWS_ACCESS_KEY_ID": "testing",
    "AWS_SECRET_ACCESS_KEY": "testing",
    "AWS_DEFAULT_REGION": "us-east-1",
}


def s3_client(endpoint: str) -> Any:
    """boto3's S3 client for a test endpoint (moto), with the test credentials."""
    import boto3  # noqa: PLC0415

    return boto3.client(
        "s3",
        endpoint_url=endpoint,
        aws_access_key_id=S3_ENV["AWS_ACCESS_KEY_ID"],
        aws_secret_access_key=S3_ENV["AWS_SECRET_ACCESS_KEY"],
        region_name=S3_ENV["AWS_DEFAULT_REGION"],
    )


@contextmanager
def moto_s3_server(log_dir: Path) -> Iterator[str]:
    """moto's S3 in server mode, a real HTTP endpoint on a free port; yields its URL."""
    port = free_port()
    url = f"http://127.0.0.1:{port}"
    command = [sys.executable, "-m", "moto.server", "-H", "127.0.0.1", "-p", str(port)]
    with background_process(command, ready_url=f"{url}/moto-api/", log=log_dir / "moto.log"):
        yield url


@contextmanager
def website_proxy(endpoint: str, bucket: str, prefix: str) -> Iterator[tuple[str, AccessLog]]:
    """What S3 website hosting or a CDN with origin access does in front of a private bucket:
    `dir/` -> `dir/index.html`, objects fetched with the origin's credentials. Yields its base URL
    and the paths requested."""
    log = AccessLog()
    client = s3_client(endpoint)

    class Handler(http.server.BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            log.append(self.path)
            path = self.path.split("?", 1)[0]
            if path.endswith("/"):
                path += "index.html"
            key = f"{prefix}{path}" if prefix else path.lstrip("/")
            try:
                found = client.get_object(Bucket=bucket, Key=key)
            except client.exceptions.NoSuchKey:
                self.send_error(404)
                return
            body = found["Body"].read()
            self.send_response(200)
            self.send_header("Content-Type", found["ContentType"])
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, format: str, *args: object) -> None:
            pass

    with http_server(Handler) as url:
        yield url, log


def serve_command(
    wheelhouse: Path, port: int, *extra: str, launcher: tuple[str, ...] = ("-m", "app")
) -> list[str]:
    """`wheelhouse serve` over a directory on a port, with this interpreter."""
    return [
        sys.executable,
        *launcher,
        "serve",
        "--wheelhouse",
        str(wheelhouse),
        "--port",
        str(port),
        *extra,
    ]


@contextmanager
def pypiserver_with_user(work: Path, *, user: str, password: str) -> Iterator[tuple[str, Path]]:
    """`wheelhouse serve` over an empty directory, with one user allowed to upload.
    Yields the upload URL and the served directory."""
    served = work / "served"
    served.mkdir(parents=True)
    port = free_port()
    htpasswd = write_htpasswd(work / "htpasswd", user=user, password=password)
    command = serve_command(served, port, "--htpasswd", str(htpasswd))
    url = f"http://127.0.0.1:{port}/"
    with background_process(command, ready_url=f"{url}health", log=work / "serve.log"):
        yield url, served


def start_cli(*args: str, env: dict[str, str]) -> subprocess.Popen[str]:
    """The wheelhouse CLI in the background, stderr piped (progress lines), stdout dropped."""
    return subprocess.Popen(
        [sys.executable, "-m", "app", *args],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        text=True,
    )


def many_wheels(directory: Path, *, projects: int, versions: int) -> list[Path]:
    """projects x versions tiny wheels (`proj-0000` 1.0.0 ...), for tests and benchmarks at scale."""
    return [
        make_wheel(directory, f"proj-{number:04d}", f"1.0.{minor}")
        for number in range(projects)
        for minor in range(versions)
    ]


REPO = Path(__file__).resolve().parents[1]
SELFHOSTED = REPO / "infra" / "selfhosted"


def write_htpasswd(path: Path, *, user: str, password: str) -> Path:
    from passlib.apache import HtpasswdFile  # noqa: PLC0415

    htpasswd = HtpasswdFile(str(path), new=True)
    htpasswd.set_password(user, password)
    htpasswd.save()
    return path


@contextmanager
def selfhosted_index(
    *, packages: Path, static: Path, work: Path, htpasswd: Path | None = None
) -> Iterator[str]:
    """The infra/selfhosted deployment (nginx over the static tree, uploads to wheelhouse), started
    by its own run.sh on free ports. Yields the base URL (`http://127.0.0.1:PORT/`)."""
    port, backend = free_port(), free_port()
    command = [
        "bash",
        str(SELFHOSTED / "run.sh"),
        "--packages",
        str(packages),
        "--static",
        str(static),
        "--port",
        str(port),
        "--backend-port",
        str(backend),
        "--runtime",
        str(work / "nginx-runtime"),
    ]
    if htpasswd is not None:
        command += ["--htpasswd", str(htpasswd)]
    env = {
        "PATH": f"{Path(sys.executable).parent}:/usr/sbin:/usr/bin:/sbin:/bin",
        "WHEELHOUSE": str(Path(sys.executable).parent / "wheelhouse"),
        "NGINX_USER": "root",  # the test's temporary directories are readable by root only
    }
    url = f"http://127.0.0.1:{port}/"
    with background_process(
        command, ready_url=f"{url}simple/", log=work / "selfhosted.log", env=env, timeout=180
    ):
        yield url


@contextmanager
def plain_nginx(root: Path, work: Path) -> Iterator[str]:
    """nginx serving a static PEP 503 tree with nothing else configured: the yardstick."""
    port = free_port()
    work.mkdir(parents=True, exist_ok=True)
    config = work / "nginx.conf"
    config.write_text(
        f"worker_processes auto; pid {work}/nginx.pid; error_log {work}/error.log; user root;\n"
        "events { worker_connections 4096; }\n"
        f"http {{ access_log off; sendfile on; keepalive_requests 100000; "
        f"client_body_temp_path {work}/body; proxy_temp_path {work}/proxy; "
        f"fastcgi_temp_path {work}/fcgi; uwsgi_temp_path {work}/uwsgi; scgi_temp_path {work}/scgi;\n"
        f"  server {{ listen 127.0.0.1:{port}; root {root}; index index.html; }} }}\n",
        encoding="utf-8",
    )
    command = ["nginx", "-p", str(work), "-c", str(config), "-g", "daemon off;"]
    url = f"http://127.0.0.1:{port}/"
    with background_process(command, ready_url=f"{url}simple/", log=work / "nginx.log"):
        yield url


def twine_upload(
    url: str, path: Path, *, user: str = "ci", password: str = "ci-secret"
) -> subprocess.CompletedProcess[str]:
    """Upload one file with real twine, as a person would."""
    return subprocess.run(
        [
            sys.executable,
            "-m",
            "twine",
            "upload",
            "--non-interactive",
            "--disable-progress-bar",
            "--repository-url",
            url,
            "-u",
            user,
            "-p",
            password,
            str(path),
        ],
        capture_output=True,
        text=True,
        check=False,
        env={**os.environ, "PYTHON_KEYRING_BACKEND": "keyring.backends.null.Keyring"},
    )


def planned_version(report: dict[str, Any], name: str) -> str:
    """The version a build report resolved for `name` (tests pin through the list or read the
    plan, never hard-code an upstream release)."""
    versions = {str(job["version"]) for job in report["jobs"] if job["name"] == name}
    assert len(versions) == 1, versions
    return versions.pop()


def report_job(
    name: str, arch: str, seconds: float, *, ok: bool = True, reason: str = "it failed"
) -> dict[str, Any]:
    """One build job as `wheelhouse build --json` reports it (CPython 3.13, version 1.0)."""
    return {
        "name": name,
        "version": "1.0",
        "python": "3.13",
        "arch": arch,
        "action": "build",
        "ok": ok,
        "duration_s": seconds,
        "size": 1000,
        "error": None,
        "reason": None if ok else reason,
    }
