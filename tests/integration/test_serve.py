"""`wheelhouse serve`: a real pypiserver process over a wheelhouse directory."""

from __future__ import annotations

import hashlib
import os
import signal
import socket
import subprocess
import sys
import threading
import time
import zipfile
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import httpx
import pytest

from tests import support
from tests.support import (
    background_process,
    free_port,
    serve_command,
    start_cli,
    wait_for_http,
    write_htpasswd,
)
from tests.unit.test_serve_app import upload_body


def make_wheel(directory: Path, filename: str) -> Path:
    path = directory / filename
    with zipfile.ZipFile(path, "w") as archive:
        archive.writestr("demo/__init__.py", "")
        archive.writestr(
            "demo-1.0.dist-info/METADATA", "Metadata-Version: 2.1\nName: demo\nVersion: 1.0\n"
        )
    return path


@pytest.fixture
def served(tmp_path: Path) -> Iterator[tuple[str, subprocess.Popen[str], Path]]:
    wheelhouse = tmp_path / "wheelhouse"
    wheelhouse.mkdir()
    make_wheel(wheelhouse, "demo-1.0-py3-none-any.whl")
    (wheelhouse / ".cache" / "sdists").mkdir(parents=True)
    make_wheel(wheelhouse / ".cache" / "sdists", "hidden-1.0-py3-none-any.whl")
    port = free_port()
    process = subprocess.Popen(
        serve_command(wheelhouse, port),
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    base = f"http://127.0.0.1:{port}"
    try:
        wait_for_http(f"{base}/health")
    except TimeoutError:
        process.kill()
        pytest.fail(f"wheelhouse serve did not start: {process.communicate()[0]}")
    try:
        yield base, process, wheelhouse
    finally:
        if process.poll() is None:
            process.kill()
        process.communicate()  # reaps the process and closes its pipe


def test_reads_open_uploads_refused_no_fallback_no_dot_directories(
    served: tuple[str, subprocess.Popen[str], Path],
) -> None:
    base, _, _ = served
    page = httpx.get(f"{base}/simple/demo/", timeout=10)
    assert page.status_code == 200
    assert "demo-1.0-py3-none-any.whl#sha256=" in page.text
    root = httpx.get(f"{base}/simple/", timeout=10).text
    assert "hidden" not in root
    unknown = httpx.get(f"{base}/simple/requests/", timeout=10, follow_redirects=False)
    assert unknown.status_code == 404  # no redirect to PyPI: no dependency confusion
    upload = httpx.post(
        f"{base}/",
        data={":action": "file_upload", "name": "evil", "version": "1.0"},
        files={"content": ("evil-1.0-py3-none-any.whl", b"x")},
        timeout=10,
    )
    assert upload.status_code in (401, 403)


def test_prints_the_pip_line_and_stops_cleanly_on_sigterm(
    served: tuple[str, subprocess.Popen[str], Path],
) -> None:
    base, process, _ = served
    process.send_signal(signal.SIGTERM)
    output, _ = process.communicate(timeout=30)
    port = base.rsplit(":", 1)[1]
    assert (
        f"pip install --extra-index-url http://localhost:{port}/simple/ --only-binary :all:"
        in output
    )
    assert "uploads are disabled" in output
    assert process.returncode == 0


def test_missing_wheelhouse_is_a_clear_error(tmp_path: Path) -> None:
    result = subprocess.run(
        [sys.executable, "-m", "app", "serve", "--wheelhouse", str(tmp_path / "nope")],
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 2
    assert "no wheelhouse at" in result.stderr
    assert "Traceback" not in result.stderr


def test_authenticate_reads_closes_pages_and_files_to_strangers(tmp_path: Path) -> None:
    wheelhouse = tmp_path / "wheelhouse"
    wheelhouse.mkdir()
    make_wheel(wheelhouse, "demo-1.0-py3-none-any.whl")
    htpasswd = write_htpasswd(tmp_path / "htpasswd", user="reader", password="s3cret")
    port = free_port()
    command = serve_command(wheelhouse, port, "--htpasswd", str(htpasswd), "--authenticate-reads")
    base = f"http://127.0.0.1:{port}"
    with background_process(command, ready_url=f"{base}/health", log=tmp_path / "serve.log"):
        for path in ("/simple/", "/simple/demo/", "/files/demo-1.0-py3-none-any.whl"):
            assert httpx.get(base + path, timeout=10).status_code == 401
            wrong = httpx.get(base + path, auth=("reader", "nope"), timeout=10)
            assert wrong.status_code == 401
            assert httpx.get(base + path, auth=("reader", "s3cret"), timeout=10).status_code == 200


def test_a_port_in_use_is_a_clear_error(tmp_path: Path) -> None:
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        result = subprocess.run(
            serve_command(tmp_path, port), capture_output=True, text=True, check=False
        )
    assert result.returncode == 2
    assert f"cannot listen on 127.0.0.1:{port}" in result.stderr
    assert "Traceback" not in result.stderr


def test_port_0_announces_the_port_it_took(tmp_path: Path) -> None:
    (tmp_path / "wheelhouse").mkdir()
    process = start_cli(
        "serve", "--wheelhouse", str(tmp_path / "wheelhouse"), "--port", "0", env=dict(os.environ)
    )
    try:
        assert process.stderr is not None
        lines = [process.stderr.readline() for _ in range(3)]
    finally:
        process.terminate()
        process.communicate(timeout=30)
    serving = next(line for line in lines if line.startswith("serving"))
    port = int(serving.split("http://localhost:")[1].split("/")[0])
    assert port > 0, serving


def test_same_name_uploads_at_once_one_wins_whole_the_rest_get_409(tmp_path: Path) -> None:
    # Real HTTP, as twine posts: 12 uploaders, one file name, 12 different wheels, all at once.
    sources = [
        support.make_wheel(tmp_path / "src" / str(i), "racer", "1.0", payload=f"N = {i}\n")
        for i in range(12)
    ]
    name = sources[0].name
    bodies = [upload_body(name, source.read_bytes()) for source in sources]
    with support.pypiserver_with_user(tmp_path, user="ci", password="ci-secret") as (url, root):
        barrier = threading.Barrier(len(bodies))

        def post(index: int) -> int:
            body, content_type = bodies[index]
            barrier.wait()
            answer = httpx.post(
                url,
                content=body,
                headers={"Content-Type": content_type},
                auth=("ci", "ci-secret"),
                timeout=60,
            )
            return answer.status_code

        with ThreadPoolExecutor(len(bodies)) as pool:
            codes = list(pool.map(post, range(len(bodies))))
        page = httpx.get(f"{url}simple/racer/", timeout=10)
        stored = (root / name).read_bytes()
    assert sorted(codes) == [200] + [409] * (len(bodies) - 1), codes
    winner = sources[codes.index(200)].read_bytes()
    assert hashlib.sha256(stored).hexdigest() == hashlib.sha256(winner).hexdigest()
    assert page.status_code == 200
    assert f"{name}#sha256={hashlib.sha256(winner).hexdigest()}" in page.text
    assert sorted(p.name for p in root.iterdir() if not p.is_dir()) == [name]


def test_200_idle_connections_do_not_lock_out_a_normal_request(
    served: tuple[str, subprocess.Popen[str], Path],
) -> None:
    base, _, _ = served
    host, port = base.removeprefix("http://").split(":")
    idle = []
    try:
        for _ in range(200):  # connected, silent: as a slow or hostile client holds them
            idle.append(socket.create_connection((host, int(port)), timeout=5))
        started = time.monotonic()
        answer = httpx.get(f"{base}/simple/demo/", timeout=5)
        elapsed = time.monotonic() - started
    finally:
        for connection in idle:
            connection.close()
    assert answer.status_code == 200
    assert elapsed < 1.0, f"answered after {elapsed:.2f} s behind 200 idle connections"


def test_strangers_get_one_answer_whatever_the_user_or_password(tmp_path: Path) -> None:
    wheel = support.make_wheel(tmp_path / "src", "guarded", "1.0")
    body, content_type = upload_body(wheel.name, wheel.read_bytes())
    with support.pypiserver_with_user(tmp_path, user="ci", password="ci-secret") as (url, root):

        def post(auth: tuple[str, str] | None) -> int:
            answer = httpx.post(
                url, content=body, headers={"Content-Type": content_type}, auth=auth, timeout=30
            )
            return answer.status_code

        assert post(None) == 401
        assert post(("ci", "wrong")) == 403
        assert post(("nobody", "wrong")) == 403  # no telling which users exist
        assert post(("ci", "x" * 5000)) == 403  # passlib refuses it: not a 500
        htpasswd = tmp_path / "htpasswd"
        saved = htpasswd.read_bytes()
        htpasswd.write_text("this is not an htpasswd line\n")  # edited while serving
        assert post(("ci", "ci-secret")) == 403
        htpasswd.unlink()
        assert post(("ci", "ci-secret")) == 403
        htpasswd.write_bytes(saved)
        assert post(("ci", "ci-secret")) == 200
        assert (root / wheel.name).is_file()


def test_uv_publish_uploads_like_twine_and_skips_what_is_there(tmp_path: Path) -> None:
    wheel = support.make_wheel(tmp_path / "src", "uvdemo", "1.0")
    uv = [str(Path(sys.executable).parent / "uv"), "publish", "-u", "ci", "-p", "ci-secret"]
    with support.pypiserver_with_user(tmp_path, user="ci", password="ci-secret") as (url, root):

        def publish(*extra: str) -> subprocess.CompletedProcess[str]:
            command = [*uv, "--publish-url", url, *extra, str(wheel)]
            return subprocess.run(command, capture_output=True, text=True, check=False)

        first = publish()
        again = publish()
        checked = publish("--check-url", f"{url}simple/")
        stored = (root / wheel.name).read_bytes()
    assert first.returncode == 0, first.stderr
    assert stored == wheel.read_bytes()
    assert again.returncode != 0 and "409 Conflict" in again.stderr  # never replaced
    assert checked.returncode == 0, checked.stderr
    assert "already exists, skipping" in checked.stderr
