"""Build requirements from the wheelhouse, with real containers: bdepdemo's build imports
graftdemo, which has no wheel upstream (and whose sdist could not build inside bdepdemo's
isolated environment: its library comes from its own recipe's before-all). The list names
bdepdemo alone; the plan adds graftdemo (built first, with its recipe), and bdepdemo's build,
started beside it (`--jobs 2`), waits for it and installs its wheel. Without that
(`build-requirements = "upstream"`, tried by hand on 2026-12-07) bdepdemo's build fails: pip
finds no graftdemo for its isolated environment."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from tests.e2e.conftest import make_project
from tests.e2e.runtime import inspect_built_wheel, install_and_run
from tests.support import wheelhouse_cli

TAG = "cp313-cp313-musllinux_1_2_x86_64"


@pytest.fixture(scope="module")
def requirements_run(
    tmp_path_factory: pytest.TempPathFactory, fixture_index: str, engine: None
) -> dict[str, Any]:
    project = make_project(
        tmp_path_factory.mktemp("build-requirements"),
        fixture_index,
        pythons=["3.13"],
        archs=["x86_64"],
    )
    (project / "bdep.txt").write_text("bdepdemo==1.0.0\n")
    planned = wheelhouse_cli("build", "--list", "bdep.txt", "--dry-run", "--json", cwd=project)
    assert planned.returncode == 0, planned.stderr[-4000:]
    result = wheelhouse_cli("build", "--list", "bdep.txt", "--jobs", "2", "--json", cwd=project)
    assert result.returncode == 0, result.stderr[-4000:]
    return {
        "project": project,
        "plan": json.loads(planned.stdout),
        "report": json.loads(result.stdout),
    }


def test_the_plan_builds_the_requirement_first_and_names_it(
    requirements_run: dict[str, Any],
) -> None:
    jobs = {job["name"]: job for job in requirements_run["plan"]["jobs"]}
    assert list(jobs) == ["graftdemo", "bdepdemo"], list(jobs)
    graft, dependent = jobs["graftdemo"], jobs["bdepdemo"]
    assert graft["action"] == "build" and graft["origin"] == "build requirement of bdepdemo 1.0.0"
    assert dependent["build_requirements"] == [
        {"name": "graftdemo", "version": "1.0.0", "key": graft["key"], "from": "wheelhouse"}
    ]
    assert "build requirements from this wheelhouse: graftdemo 1.0.0" in dependent["reason"]


def test_the_build_installs_the_requirement_s_wheel_from_the_wheelhouse(
    requirements_run: dict[str, Any],
) -> None:
    jobs = {job["name"]: job for job in requirements_run["report"]["jobs"]}
    assert {name: (job["action"], job["ok"]) for name, job in jobs.items()} == {
        "graftdemo": ("build", True),
        "bdepdemo": ("build", True),
    }
    log = Path(jobs["bdepdemo"]["log"]).read_text(encoding="utf-8")
    wheel = f"graftdemo-1.0.0-{TAG}.whl"
    assert f"build requirements from this wheelhouse: {wheel}" in log, log[-3000:]
    # setup.py ran with graftdemo from that wheel (not one pip built from its sdist)
    assert f"graftdemo.answer(20) = 42, from a wheel tagged {TAG}" in log, log[-3000:]
    (built,) = (requirements_run["project"] / "wheelhouse").glob(f"bdepdemo-1.0.0-{TAG}.whl")
    inspect_built_wheel(built, arch="x86_64", grafted=None)


def test_both_install_and_work_in_the_runtime_image_offline(
    requirements_run: dict[str, Any],
) -> None:
    done = install_and_run(
        requirements_run["project"] / "wheelhouse",
        "bdepdemo graftdemo",
        'import bdepdemo, graftdemo; assert bdepdemo.answer() == graftdemo.answer(20) == 42; print("ok")',
        arch="x86_64",
    )
    assert done.returncode == 0, done.stdout + done.stderr
    assert done.stdout.strip().endswith("ok"), done.stdout
