"""`build --jobs 2` against `--jobs 1` on the same small list: the same jobs succeed, the same
wheels (names and the content keys that made them) reach each wheelhouse and its manifest, and
every job keeps its own whole log, though two compiles ran side by side."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from tests.e2e.conftest import make_project
from tests.e2e.runtime import inspect_built_wheel
from tests.support import wheelhouse_cli

LIST = "simplejson==3.17.2\nmarkupsafe==2.0.1\nxxhash==2.0.2\ntermcolor==1.1.0\n"


def build_with(project: Path, jobs: str) -> dict[str, Any]:
    result = wheelhouse_cli(
        "build",
        "--list",
        "jobs.txt",
        "--jobs",
        jobs,
        "--wheelhouse",
        f"house-{jobs}",
        "--json",
        cwd=project,
    )
    assert result.returncode == 0, result.stderr[-4000:]
    manifest = json.loads((project / f"house-{jobs}" / "wheelhouse-manifest.json").read_text())
    return {"report": json.loads(result.stdout), "stderr": result.stderr, "manifest": manifest}


@pytest.fixture(scope="module")
def both(tmp_path_factory: pytest.TempPathFactory, fixture_index: str, engine: None) -> Any:
    project = make_project(
        tmp_path_factory.mktemp("jobs"), fixture_index, pythons=["3.11"], archs=["x86_64"]
    )
    (project / "jobs.txt").write_text(LIST)
    return project, build_with(project, "1"), build_with(project, "2")


def test_two_jobs_side_by_side_make_what_one_at_a_time_makes(both: Any) -> None:
    project, one, two = both
    assert "running up to 2 jobs side by side" in two["stderr"]
    assert "running one job at a time" in one["stderr"]
    for run in (one, two):
        assert run["report"]["failed"] == 0
    jobs = {(j["name"], j["action"], j["key"], j["wheel"]) for j in one["report"]["jobs"]}
    assert jobs == {(j["name"], j["action"], j["key"], j["wheel"]) for j in two["report"]["jobs"]}
    made = {(w["filename"], tuple(w["keys"])) for w in one["manifest"]["wheels"]}
    assert made == {(w["filename"], tuple(w["keys"])) for w in two["manifest"]["wheels"]}
    assert {j["action"] for j in two["report"]["jobs"]} == {"build"}
    for job in two["report"]["jobs"]:
        log = Path(job["log"]).read_text(encoding="utf-8")
        # each log is its own job's, whole: its header, its build, its verification
        assert log.startswith(f"# {job['name']} ")
        others = {j["name"] for j in two["report"]["jobs"]} - {job["name"]}
        assert not any(f"# {other} " in log for other in others), job["log"]
        assert ("# verification in " in log and "Successfully built" in log) or "pure" in log
        if job["name"] != "termcolor":  # compiled
            inspect_built_wheel(project / "house-2" / job["wheel"], arch="x86_64", grafted=None)
