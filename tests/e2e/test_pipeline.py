"""The scheduled pipeline, locally: a local upstream index stands in for the public one (so the
test can release a new version into it), `plan --target` the S3 index (moto), two shards built
as separate processes, `merge`, `publish` to S3, pip installing from it in the musl runtime
image; then a new upstream release is due alone, a recipe change re-plans only its package, a
failed job is due again, and a new Python in the matrix is due for the compiled packages only (the
pure wheel the target holds serves it)."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from builder.pipeline import default_index_url
from tests.e2e.conftest import FIXTURE_PACKAGES, PROJECT
from tests.e2e.runtime import run_in_runtime
from tests.support import (
    S3_ENV,
    build_sdist,
    moto_s3_server,
    s3_client,
    static_server,
    website_proxy,
    wheelhouse_cli,
    write_simple_tree,
)

TARGET = "s3://wheels/pipe"
PIPEDEMO_SETUP = """
from setuptools import Extension, setup
setup(name="pipedemo", version="1.0.0", ext_modules=[Extension("pipedemo", ["pipedemo.c"])])
"""
PIPEDEMO_C = """
#include <Python.h>
static PyObject *twice(PyObject *self, PyObject *arg) {
    return PyNumber_Multiply(arg, PyLong_FromLong(2));
}
static PyMethodDef methods[] = {{"twice", twice, METH_O, ""}, {NULL, NULL, 0, NULL}};
static struct PyModuleDef module = {PyModuleDef_HEAD_INIT, "pipedemo", "", -1, methods};
PyMODINIT_FUNC PyInit_pipedemo(void) { return PyModule_Create(&module); }
"""


PUREDEMO_SETUP = """
from setuptools import setup
setup(name="puredemo", version="1.0.0", py_modules=["puredemo"])
"""


class Upstream:
    """A PEP 503 tree over a directory of sdists; `release` adds one and rewrites the tree."""

    def __init__(self, work: Path) -> None:
        self.work = work
        self.dist = work / "dist"
        self.root = work / "root"

    def release(self, project: Path) -> None:
        build_sdist(project, self.dist)
        if self.root.exists():
            shutil.rmtree(self.root)
        write_simple_tree(sorted(self.dist.glob("*.tar.gz")), self.root)


def graftdemo_at(version: str, work: Path) -> Path:
    project = work / f"graftdemo-{version}"
    shutil.copytree(FIXTURE_PACKAGES / "graftdemo", project)
    pyproject = project / "pyproject.toml"
    pyproject.write_text(
        pyproject.read_text().replace('version = "1.0.0"', f'version = "{version}"')
    )
    return project


@pytest.fixture(scope="module")
def pipeline(tmp_path_factory: pytest.TempPathFactory, engine: None) -> Iterator[dict[str, Any]]:
    work = tmp_path_factory.mktemp("pipeline")
    upstream = Upstream(work / "upstream")
    pipedemo = work / "pipedemo"
    pipedemo.mkdir()
    (pipedemo / "setup.py").write_text(PIPEDEMO_SETUP)
    (pipedemo / "pipedemo.c").write_text(PIPEDEMO_C)
    upstream.release(pipedemo)
    upstream.release(graftdemo_at("1.0.0", work))
    upstream.release(FIXTURE_PACKAGES / "brokendemo")
    puredemo = work / "puredemo"  # pure Python, only an sdist upstream
    puredemo.mkdir()
    (puredemo / "setup.py").write_text(PUREDEMO_SETUP)
    (puredemo / "puredemo.py").write_text("ANSWER = 42\n")
    upstream.release(puredemo)
    project = work / "project"
    (project / "configs" / "recipes").mkdir(parents=True)
    shutil.copy(PROJECT / "configs" / "recipes" / "graftdemo.toml", project / "configs" / "recipes")
    (project / "deps.txt").write_text("pipedemo\ngraftdemo\nbrokendemo\npuredemo\n")
    env = {**os.environ, **S3_ENV}
    with static_server(upstream.root) as upstream_url, moto_s3_server(work) as endpoint:
        (project / "wheelhouse.toml").write_text(
            'pythons = ["3.11"]\narchs = ["x86_64"]\nimages = "local"\n'
            f'index-url = "{upstream_url}/simple/"\n'
            f'extra-index-urls = ["{default_index_url()}"]\n'  # setuptools for the builds
        )
        s3_client(endpoint).create_bucket(Bucket="wheels")

        def cli(*args: str) -> subprocess.CompletedProcess[str]:
            return wheelhouse_cli(*args, cwd=project, env=env)

        # What plan and every shard build are given alike: the same list, the same target.
        against = ["--list", "deps.txt", "--target", TARGET, "--endpoint-url", endpoint]

        def plan(*extra: str) -> dict[str, Any]:
            done = cli("plan", *against, "--json", *extra)
            assert done.returncode == 0, done.stderr
            result: dict[str, Any] = json.loads(done.stdout)
            return result

        def run_once(shards: int) -> dict[str, Any]:
            """plan -> `shards` builds as separate processes -> merge -> publish."""
            planned = plan("--shards", str(shards))
            run = work / f"run-{len(list(work.glob('run-*')))}"
            builds = [
                subprocess.Popen(
                    [
                        sys.executable,
                        "-m",
                        "app",
                        "build",
                        *against,
                        "--shard",
                        entry["shard"],
                        "--wheelhouse",
                        str(run / f"shard-{i}"),
                        "--json",
                    ],
                    cwd=project,
                    env=env,
                    stdout=subprocess.PIPE,
                    stderr=subprocess.PIPE,
                    text=True,
                )
                for i, entry in enumerate(planned["matrix"]["include"])
            ]
            reports = []
            for build in builds:
                out, errors = build.communicate(timeout=1800)
                assert build.returncode in (0, 1), errors[-3000:]  # 1: brokendemo fails alone
                reports.append(json.loads(out))
            shard_dirs = [str(run / f"shard-{i}") for i in range(len(builds))]
            merged = cli("merge", *shard_dirs, "--into", str(run / "merged"))
            assert merged.returncode == 0, merged.stderr
            published = cli(
                "publish",
                "--target",
                TARGET,
                "--endpoint-url",
                endpoint,
                "--wheelhouse",
                str(run / "merged"),
            )
            assert published.returncode == 0, published.stderr
            return {"plan": planned, "reports": reports}

        with website_proxy(endpoint, "wheels", "pipe") as (index_url, _):
            yield {
                "work": work,
                "project": project,
                "upstream": upstream,
                "plan": plan,
                "run_once": run_once,
                "index": f"{index_url}/simple/",
            }


def due_of(planned: dict[str, Any]) -> set[tuple[str, str, str]]:
    return {(job["name"], job["version"], job["due"]) for job in planned["due"]}


def test_the_pipeline_rebuilds_only_what_changed(pipeline: dict[str, Any]) -> None:
    first = pipeline["run_once"](2)
    assert due_of(first["plan"]) == {
        ("pipedemo", "1.0.0", "missing"),
        ("graftdemo", "1.0.0", "missing"),
        ("brokendemo", "1.0.0", "missing"),
        ("puredemo", "1.0.0", "missing"),
    }
    assert len(first["plan"]["matrix"]["include"]) == 2  # two shards, each built on its own
    built = [job["name"] for report in first["reports"] for job in report["jobs"] if job["ok"]]
    failures = [
        (job["name"], (job.get("error") or "")[-1500:])
        for report in first["reports"]
        for job in report["jobs"]
        if not job["ok"] and job["name"] != "brokendemo"
    ]
    assert sorted(built) == ["graftdemo", "pipedemo", "puredemo"], failures  # each once

    installed = run_in_runtime(
        "set -e; py=/opt/python/cp311-cp311/bin/python; $py -m venv /tmp/v; "
        f"/tmp/v/bin/pip install -q --index-url {pipeline['index']} --only-binary :all: "
        "pipedemo graftdemo; /tmp/v/bin/python -c "
        "'import pipedemo, graftdemo; print(pipedemo.twice(21), graftdemo.answer(20))'"
    )
    assert installed.returncode == 0, installed.stdout + installed.stderr
    assert installed.stdout.strip().endswith("42 42")

    # Nothing changed: only the failure is due again.
    assert due_of(pipeline["plan"]()) == {("brokendemo", "1.0.0", "failed last time")}

    # A new upstream release: that package alone is due, for its new version.
    pipeline["upstream"].release(graftdemo_at("1.1.0", pipeline["work"]))
    assert due_of(pipeline["plan"]()) == {
        ("graftdemo", "1.1.0", "new upstream version 1.1.0 (held: 1.0.0)"),
        ("brokendemo", "1.0.0", "failed last time"),
    }
    second = pipeline["run_once"](2)
    rebuilt = {
        (job["name"], job["version"])
        for report in second["reports"]
        for job in report["jobs"]
        if job["action"] == "build"
    }
    assert rebuilt == {("graftdemo", "1.1.0"), ("brokendemo", "1.0.0")}

    # A recipe change re-plans only its package.
    recipe = pipeline["project"] / "configs" / "recipes" / "pipedemo.toml"
    recipe.write_text('environment = { CFLAGS = "-O1" }\n')
    assert due_of(pipeline["plan"]()) == {
        ("pipedemo", "1.0.0", "recipe changed"),
        ("brokendemo", "1.0.0", "failed last time"),
    }
    recipe.unlink()

    # A new Python in the matrix: due for the compiled packages; the pure wheel the target
    # holds installs on it as it is (building it again would publish a second, different file
    # of the same name).
    newer = pipeline["plan"]("--python", "3.11,3.13")
    assert {(job["name"], job["python"], job["due"]) for job in newer["due"]} == {
        ("pipedemo", "3.13", "new Python 3.13"),
        ("graftdemo", "3.13", "new Python 3.13"),
        ("brokendemo", "3.11", "failed last time"),
        ("brokendemo", "3.13", "missing"),  # another job (its key) than the one that failed
    }
