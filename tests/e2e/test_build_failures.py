"""A build that downloads sources while it builds (CMake FetchContent) and cannot reach them
fails alone, with a first line that says so and names the URL, then its log's tail."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tests.e2e.conftest import make_project
from tests.support import wheelhouse_cli


def test_a_build_that_downloads_sources_says_so(
    tmp_path_factory: pytest.TempPathFactory, fixture_index: str, engine: None
) -> None:
    project = make_project(
        tmp_path_factory.mktemp("fetch"), fixture_index, pythons=["3.13"], archs=["x86_64"]
    )
    (project / "fetch.txt").write_text("fetchdemo==1.0.0\n")
    result = wheelhouse_cli("build", "--list", "fetch.txt", "--json", cwd=project)
    assert result.returncode == 1, result.stderr[-3000:]
    (job,) = json.loads(result.stdout)["jobs"]
    assert (job["name"], job["action"], job["ok"]) == ("fetchdemo", "build", False)
    first, *rest = job["error"].splitlines()
    assert first.startswith(
        "the build downloads sources while it builds "
        "(CMake FetchContent: http://127.0.0.1:9/libfoo-1.0.tar.gz) and could not reach them"
    ), job["error"]
    assert "cibuildwheel for fetchdemo 1.0.0" in rest[0]
    assert Path(job["log"]).is_file()
    assert "fetchdemo" in result.stderr and "could not reach them" in result.stderr
