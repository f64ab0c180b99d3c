"""`wheelhouse plan` against real servers, no containers: a second plan revalidates every
upstream page instead of fetching it again (an HTTP server that answers If-Modified-Since);
a pypiserver target is matched by its wheel files."""

from __future__ import annotations

import functools
import http.server
import json
import os
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from tests.benchmarks.noop_plan import make_sdist
from tests.support import (
    http_server,
    make_wheel,
    pypiserver_with_user,
    static_server,
    twine_upload,
    wheelhouse_cli,
    write_simple_tree,
)

NAMES = [f"proj{i:02d}" for i in range(12)]


@contextmanager
def upstream_with_log(root: Path) -> Iterator[tuple[str, list[tuple[str, int]]]]:
    """http.server's own conditional GET (Last-Modified / If-Modified-Since); logs each
    request's path and status."""
    log: list[tuple[str, int]] = []
    lock = threading.Lock()

    class Handler(http.server.SimpleHTTPRequestHandler):
        def log_request(self, code: int | str = "-", size: int | str = "-") -> None:  # noqa: ARG002
            with lock:
                log.append((self.path, int(code)))

        def log_message(self, format: str, *args: object) -> None:
            pass

    with http_server(functools.partial(Handler, directory=str(root))) as url:
        yield f"{url}/simple/", log


def plan(
    project: Path, upstream: str, *extra: str, arch: str = "x86_64,aarch64"
) -> tuple[dict[str, Any], str]:
    """`wheelhouse plan --json` of list.txt for 3.11 and 3.13, no engine (pypa images named)."""
    done = wheelhouse_cli(
        "plan",
        "--list",
        "list.txt",
        "--index-url",
        upstream,
        "--images",
        "pypa",
        "--python",
        "3.11,3.13",
        "--arch",
        arch,
        "--json",
        *extra,
        cwd=project,
        env={**os.environ, "DOCKER_HOST": "unix:///nonexistent.sock"},
    )
    assert done.returncode == 0, done.stderr
    result: dict[str, Any] = json.loads(done.stdout)
    return result, done.stderr


def test_the_second_plan_gets_304s_and_the_same_answer(tmp_path: Path) -> None:
    dist = tmp_path / "dist"
    dist.mkdir()
    write_simple_tree([make_sdist(dist, name, "1.0") for name in NAMES], tmp_path / "root")
    project = tmp_path / "project"
    project.mkdir()
    (project / "list.txt").write_text("".join(f"{name}\n" for name in NAMES))
    with upstream_with_log(tmp_path / "root") as (upstream, log):
        first, first_err = plan(project, upstream)
        pages = [(path, code) for path, code in log if path.endswith("/")]
        assert sorted(path for path, _ in pages) == sorted(f"/simple/{n}/" for n in NAMES)
        assert {code for _, code in pages} == {200}  # each page once, for all four targets
        assert "12 fetched, 0 unchanged (304)" in first_err
        log.clear()

        second, second_err = plan(project, upstream)
        assert sorted(log) == sorted((f"/simple/{n}/", 304) for n in NAMES)  # no sdist again
        assert "0 fetched, 12 unchanged (304)" in second_err
        assert second["due"] == first["due"]

        # A new release upstream: its page changes and is fetched in full; the plan sees it.
        make_sdist(dist, "proj03", "2.0")
        write_simple_tree(sorted(dist.glob("proj03-*")), tmp_path / "root")
        page = tmp_path / "root" / "simple" / "proj03" / "index.html"
        later = page.stat().st_mtime + 5  # Last-Modified counts whole seconds
        os.utime(page, (later, later))
        log.clear()
        third, third_err = plan(project, upstream)
    assert "1 fetched, 11 unchanged (304)" in third_err, third_err
    assert ("/simple/proj03/", 200) in log
    due = third["due"]
    assert isinstance(due, list)
    assert {job["version"] for job in due if job["name"] == "proj03"} == {"2.0"}


def test_plan_against_a_pypiserver_matches_its_wheel_files(tmp_path: Path) -> None:
    """pypiserver keeps no manifest: what it holds is read from its simple pages."""
    dist = tmp_path / "dist"
    dist.mkdir()
    write_simple_tree([make_sdist(dist, name, "1.0") for name in NAMES[:3]], tmp_path / "root")
    project = tmp_path / "project"
    project.mkdir()
    (project / "list.txt").write_text("".join(f"{name}\n" for name in NAMES[:3]))
    held = make_wheel(tmp_path / "held", "proj01", "1.0", tag="cp311-cp311-musllinux_1_2_x86_64")
    with (
        pypiserver_with_user(tmp_path / "pypi", user="ci", password="ci-secret") as (url, _),
        static_server(tmp_path / "root") as upstream,
    ):
        uploaded = twine_upload(url, held)
        assert uploaded.returncode == 0, uploaded.stdout + uploaded.stderr
        result, stderr = plan(project, f"{upstream}/simple/", "--target", url, arch="x86_64")
    assert "keeps no manifest" in stderr
    due = {(job["name"], job["python"]): job["due"] for job in result["due"]}
    assert ("proj01", "3.11") not in due
    assert due[("proj01", "3.13")] == "missing"
    assert due[("proj00", "3.11")] == "missing"
    assert (result["held"], len(due)) == (1, 5)
