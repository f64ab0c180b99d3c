"""An abi3 wheel that abi3audit rejects is built again for its CPython only, with real
containers: abi3demo claims the stable ABI of 3.8 (cp38-abi3) while calling a function that is
not in it. The build does not fail: the job says it fell back, and the version-specific wheel
installs and works in the runtime image."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from tests.e2e.conftest import make_project
from tests.e2e.runtime import install_and_run
from tests.support import wheelhouse_cli

REJECTED = "abi3demo-1.0.0-cp38-abi3-musllinux_1_2_x86_64.whl"
MADE = "abi3demo-1.0.0-cp313-cp313-musllinux_1_2_x86_64.whl"


@pytest.fixture(scope="module")
def abi3_run(
    tmp_path_factory: pytest.TempPathFactory, fixture_index: str, engine: None
) -> dict[str, Any]:
    project = make_project(
        tmp_path_factory.mktemp("abi3"), fixture_index, pythons=["3.13"], archs=["x86_64"]
    )
    (project / "abi3.txt").write_text("abi3demo==1.0.0\n")
    result = wheelhouse_cli("build", "--list", "abi3.txt", "--json", cwd=project)
    assert result.returncode == 0, result.stderr[-4000:]
    return {"project": project, "report": json.loads(result.stdout), "stderr": result.stderr}


def test_the_rejected_abi3_wheel_is_built_again_for_its_python_and_the_job_says_so(
    abi3_run: dict[str, Any],
) -> None:
    (job,) = abi3_run["report"]["jobs"]
    assert job["ok"] and job["wheel"] == MADE, job
    assert job["note"] == f"abi3audit rejects {REJECTED} (symbols outside the stable ABI): " + (
        "built again for CPython 3.13 only"
    )
    assert f"note: abi3demo 1.0.0 cp3.13 x86_64: abi3audit rejects {REJECTED}" in " ".join(
        abi3_run["stderr"].split()
    )
    log = Path(job["log"]).read_text(encoding="utf-8")
    assert "PyUnicode_AsUTF8" in log  # abi3audit's finding, kept in the log
    assert "with setuptools' py_limited_api switched off" in log
    wheelhouse = abi3_run["project"] / "wheelhouse"
    assert sorted(p.name for p in wheelhouse.glob("*.whl")) == [MADE]  # the rejected one is not


def test_the_version_specific_wheel_installs_and_works_offline(abi3_run: dict[str, Any]) -> None:
    check = 'import abi3demo; print(abi3demo.shout("wheelhouse"))'
    done = install_and_run(abi3_run["project"] / "wheelhouse", "abi3demo", check, arch="x86_64")
    assert done.returncode == 0, done.stdout + done.stderr
    assert done.stdout.strip().endswith("wheelhouse!"), done.stdout
