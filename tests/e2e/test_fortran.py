"""Fortran on x86_64 and aarch64 (cross): a meson-python fixture whose C extension calls Fortran
kernels (DOT_PRODUCT, MATMUL and an internal WRITE: the last two run in the Fortran runtime),
built with Debian's flang and flang's runtime compiled for musl on first use, repaired with the
runtime grafted, and installed by pip in the runtime image with no network."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from tests.e2e.conftest import make_project
from tests.e2e.runtime import inspect_built_wheel, run_in_runtime, wheel_sbom
from tests.support import wheelhouse_cli

ARCHS = ("x86_64", "aarch64")
CHECK = """
import platform, fortrandemo
assert fortrandemo.dot([1, 2, 3], [4, 5, 6]) == 32.0
# columns (1, 2), (3, 4) times columns (5, 6), (7, 8)
assert fortrandemo.matmul([1, 2, 3, 4], [5, 6, 7, 8], 2) == [23.0, 34.0, 31.0, 46.0]
assert fortrandemo.formatted(1234.5) == "1.2345E+03", fortrandemo.formatted(1234.5)
print("ok", platform.machine(), fortrandemo.formatted(-0.000125))
"""


@pytest.fixture(scope="module")
def fortran_run(
    tmp_path_factory: pytest.TempPathFactory, fixture_index: str, engine: None
) -> dict[str, Any]:
    project = make_project(
        tmp_path_factory.mktemp("fortran"), fixture_index, pythons=["3.13"], archs=list(ARCHS)
    )
    (project / "configs" / "recipes" / "fortrandemo.toml").write_text('toolchains = ["fortran"]\n')
    (project / "fortran.txt").write_text("fortrandemo==1.0.0\n")
    result = wheelhouse_cli("build", "--list", "fortran.txt", "--json", cwd=project)
    assert result.returncode == 0, result.stderr[-4000:]
    return {"project": project, "report": json.loads(result.stdout), "stderr": result.stderr}


def test_the_plan_says_the_fortran_toolchain_is_set_up_on_first_use(
    fortran_run: dict[str, Any],
) -> None:
    assert "the Fortran compiler (Debian's flang, for musl targets) is fetched" in " ".join(
        fortran_run["stderr"].split()
    )


def test_a_fortran_project_builds_for_musl_on_both_arches(fortran_run: dict[str, Any]) -> None:
    jobs = [job for job in fortran_run["report"]["jobs"] if job["name"] == "fortrandemo"]
    assert {(j["arch"], j["action"], j["ok"]) for j in jobs} == {
        (arch, "build", True) for arch in ARCHS
    }, jobs
    for job in jobs:
        assert job["fortran"].startswith("flang 1:19.1.7"), job
        log = Path(job["log"]).read_text(encoding="utf-8")
        assert f"compiling the Fortran runtime for {job['arch']}" in log, job["log"]
        assert "Fortran compiler for the host machine: /opt/wheelhouse-fortran/bin/flang" in log
        (wheel,) = (fortran_run["project"] / "wheelhouse").glob(
            f"fortrandemo-1.0.0-cp313-cp313-musllinux_1_2_{job['arch']}.whl"
        )
        inspect_built_wheel(wheel, arch=job["arch"], grafted="fortrandemo.libs/libFortranRuntime")
        (library,) = wheel_sbom(wheel)["components"]
        assert (library["name"], library["version"]) == ("llvm-flang-runtime", "19.1.7")


@pytest.mark.parametrize("arch", ARCHS)
def test_pip_installs_it_in_the_runtime_image_offline(
    fortran_run: dict[str, Any], arch: str
) -> None:
    done = run_in_runtime(
        "set -e; py=/opt/python/cp313-cp313/bin/python; $py -m venv /tmp/venv; "
        "/tmp/venv/bin/pip install -q --no-index --find-links /work fortrandemo; "
        '/tmp/venv/bin/python -c "$0"',
        network="none",
        mount=fortran_run["project"] / "wheelhouse",
        arch=arch,
        extra=[CHECK],
    )
    assert done.returncode == 0, done.stdout + done.stderr
    assert done.stdout.startswith(f"ok {arch} -1.2500E-04"), done.stdout
