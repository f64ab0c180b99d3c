"""Today's upstream wheels in the local images, on x86_64 and aarch64 (cross): the newest numpy,
pandas and scipy that upstream ships as musllinux wheels for CPython 3.13 are mirrored, verified
and installed by pip in the runtime image with no network; and a scikit-build-core project whose
isolated build installs today's CMake and numpy wheels from upstream builds, repairs and
verifies. Both need musl 1.2.5 in the images: those wheels are built on current Alpine and carry
DT_RELR relocations, which older musl does not apply. And an OpenMP extension: the OpenMP runtime
is built for musl on first use, mounted into its builds, grafted into its wheels, and its loop
runs on several threads in the runtime image. And Fortran: a meson-python fixture whose C
extension calls Fortran kernels (DOT_PRODUCT, MATMUL and an internal WRITE: the last two run in
the Fortran runtime), built with Debian's flang and flang's runtime compiled for musl on first
use, the runtime grafted. (One run for all of them: they share its zig cache and set-up.)"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from packaging.version import Version

from tests.e2e.conftest import make_project
from tests.e2e.runtime import inspect_built_wheel, run_in_runtime, wheel_sbom
from tests.support import wheelhouse_cli

ARCHS = ("x86_64", "aarch64")
MIRRORED = ("numpy", "pandas", "scipy")
LIST = (
    "numpy\npandas\nscipy\nskbuilddemo==1.0.0\nmesoncxxdemo==1.0.0\nompdemo==1.0.0\n"
    "fortrandemo==1.0.0\n"
)
CHECK = """
import os, numpy, pandas, scipy, scipy.linalg, skbuilddemo, mesoncxxdemo, ompdemo, fortrandemo
a = numpy.random.default_rng(0).random((500, 500))
b = a @ a.T
assert b.shape == (500, 500) and numpy.allclose(b, b.T)
by_hand = [sum(a[0, k] * a[j, k] for k in range(500)) for j in range(5)]
assert numpy.allclose(b[0, :5], by_hand, rtol=0, atol=1e-9)
m = a + 500 * numpy.eye(500)  # well conditioned: its inverse is exact to rounding
assert numpy.allclose(m @ numpy.linalg.inv(m), numpy.eye(500), rtol=0, atol=1e-9)
frame = pandas.DataFrame({"x": numpy.arange(10.0)})
assert frame["x"].sum() == 45.0
lu, _ = scipy.linalg.lu_factor(a)
assert lu.shape == (500, 500)
assert skbuilddemo.total(numpy.arange(10.0)) == 45.0
assert mesoncxxdemo.total([1.5, 2.5]) == 4.0
try:
    mesoncxxdemo.checked_total([1.0, -1.0])
except ValueError as error:  # a C++ exception, unwound through libc++ and turned into this
    assert "negative" in str(error)
else:
    raise AssertionError("checked_total accepted a negative item")
threads, total, worked = ompdemo.parallel_sum(1_000_000)
assert os.environ["OMP_NUM_THREADS"] == "4"
assert (threads, total, worked) == (4, 499999500000, 4), (threads, total, worked)
assert fortrandemo.dot([1, 2, 3], [4, 5, 6]) == 32.0
# columns (1, 2), (3, 4) times columns (5, 6), (7, 8)
assert fortrandemo.matmul([1, 2, 3, 4], [5, 6, 7, 8], 2) == [23.0, 34.0, 31.0, 46.0]
assert fortrandemo.formatted(1234.5) == "1.2345E+03", fortrandemo.formatted(1234.5)
assert fortrandemo.formatted(-0.000125) == "-1.2500E-04", fortrandemo.formatted(-0.000125)
print("ok", numpy.__version__, pandas.__version__, scipy.__version__)
"""


@pytest.fixture(scope="module")
def today_run(
    tmp_path_factory: pytest.TempPathFactory, fixture_index: str, engine: None
) -> dict[str, Any]:
    project = make_project(
        tmp_path_factory.mktemp("today"), fixture_index, pythons=["3.13"], archs=list(ARCHS)
    )
    (project / "today.txt").write_text(LIST)
    result = wheelhouse_cli("build", "--list", "today.txt", "--json", cwd=project)
    assert result.returncode == 0, result.stderr[-4000:]
    return {"project": project, "report": json.loads(result.stdout), "stderr": result.stderr}


def _jobs(report: dict[str, Any], name: str) -> list[dict[str, Any]]:
    return [job for job in report["jobs"] if job["name"] == name]


def test_newest_numpy_pandas_scipy_are_mirrored_and_verified_on_both_arches(
    today_run: dict[str, Any], request: pytest.FixtureRequest
) -> None:
    report = today_run["report"]
    resolved = {}
    for name in MIRRORED:
        jobs = _jobs(report, name)
        assert {(j["arch"], j["action"], j["ok"]) for j in jobs} == {
            (arch, "mirror", True) for arch in ARCHS
        }, jobs
        (version,) = {j["version"] for j in jobs}
        resolved[name] = version
    # Named in the run's output, whatever the capture setting.
    terminal = request.config.pluginmanager.get_plugin("terminalreporter")
    if terminal is not None:
        terminal.write_line(f"today's upstream wheels, resolved for CPython 3.13: {resolved}")
    # Today's lines, not old pins that happen to have a wheel.
    assert Version(resolved["numpy"]) >= Version("2.3"), resolved
    assert Version(resolved["pandas"]) >= Version("2.3"), resolved
    assert Version(resolved["scipy"]) >= Version("1.16"), resolved


def test_a_scikit_build_core_project_with_numpy_builds_on_both_arches(
    today_run: dict[str, Any],
) -> None:
    jobs = _jobs(today_run["report"], "skbuilddemo")
    assert {(j["arch"], j["action"], j["ok"]) for j in jobs} == {
        (arch, "build", True) for arch in ARCHS
    }, jobs
    for job in jobs:
        log = Path(job["log"]).read_text(encoding="utf-8")
        assert "cmake" in log.lower() and "numpy" in log, job["log"]
        (wheel,) = (today_run["project"] / "wheelhouse").glob(
            f"skbuilddemo-1.0.0-cp313-cp313-musllinux_1_2_{job['arch']}.whl"
        )
        inspect_built_wheel(wheel, arch=job["arch"], grafted=None)


def test_a_meson_project_with_cplusplus_builds_on_both_arches(today_run: dict[str, Any]) -> None:
    """meson 1.2 (numpy 1.26's era) probes the linker with `c++ -Wl,--version` and knew no
    "zig ld": the C++ wrapper answers as the LLD that zig drives."""
    jobs = _jobs(today_run["report"], "mesoncxxdemo")
    assert {(j["arch"], j["action"], j["ok"]) for j in jobs} == {
        (arch, "build", True) for arch in ARCHS
    }, jobs
    for job in jobs:
        log = Path(job["log"]).read_text(encoding="utf-8")
        assert "C++ linker for the host machine" in log and "ld.lld" in log, job["log"]
        (wheel,) = (today_run["project"] / "wheelhouse").glob(
            f"mesoncxxdemo-1.0.0-cp313-cp313-musllinux_1_2_{job['arch']}.whl"
        )
        inspect_built_wheel(wheel, arch=job["arch"], grafted=None)


def test_an_openmp_extension_builds_with_the_runtime_grafted_on_both_arches(
    today_run: dict[str, Any],
) -> None:
    """GCC's -fopenmp (x86_64, native) links -lgomp and zig's (aarch64, cross) -lomp: both
    find LLVM's libomp, built for musl on first use, and auditwheel grafts it."""
    jobs = _jobs(today_run["report"], "ompdemo")
    assert {(j["arch"], j["action"], j["ok"]) for j in jobs} == {
        (arch, "build", True) for arch in ARCHS
    }, jobs
    for job in jobs:
        # no recipe names it: the sdist's setup.py asks for it
        assert job["toolchains_found"] == {"openmp": "setup.py asks for OpenMP"}, job
        (wheel,) = (today_run["project"] / "wheelhouse").glob(
            f"ompdemo-1.0.0-cp313-cp313-musllinux_1_2_{job['arch']}.whl"
        )
        inspect_built_wheel(wheel, arch=job["arch"], grafted="ompdemo.libs/libomp")
        log = Path(job["log"]).read_text(encoding="utf-8")
        assert "-fopenmp" in log, job["log"]
        assert "building the OpenMP runtime for " + job["arch"] in log, job["log"]
        (library,) = wheel_sbom(wheel)["components"]
        assert (library["name"], library["version"]) == ("llvm-openmp", "19.1.7")


def test_a_fortran_project_builds_with_flang_and_its_runtime_grafted_on_both_arches(
    today_run: dict[str, Any],
) -> None:
    assert "the Fortran compiler (Debian's flang, for musl targets) is fetched" in " ".join(
        today_run["stderr"].split()
    )
    jobs = _jobs(today_run["report"], "fortrandemo")
    assert {(j["arch"], j["action"], j["ok"]) for j in jobs} == {
        (arch, "build", True) for arch in ARCHS
    }, jobs
    for job in jobs:
        assert job["fortran"].startswith("flang 1:19.1.7"), job
        # no recipe: its Fortran sources and its meson.build show it
        found = "Fortran sources (src/fortrandemo/kernels.f90) and meson.build names Fortran"
        assert job["toolchains_found"] == {"fortran": found}, job
        log = Path(job["log"]).read_text(encoding="utf-8")
        assert f"compiling the Fortran runtime for {job['arch']}" in log, job["log"]
        assert "Fortran compiler for the host machine: /opt/wheelhouse-fortran/bin/flang" in log
        (wheel,) = (today_run["project"] / "wheelhouse").glob(
            f"fortrandemo-1.0.0-cp313-cp313-musllinux_1_2_{job['arch']}.whl"
        )
        inspect_built_wheel(wheel, arch=job["arch"], grafted="fortrandemo.libs/libFortranRuntime")
        (library,) = wheel_sbom(wheel)["components"]
        assert (library["name"], library["version"]) == ("llvm-flang-runtime", "19.1.7")


@pytest.mark.parametrize("arch", ARCHS)
def test_pip_installs_them_in_the_runtime_image_offline(
    today_run: dict[str, Any], arch: str
) -> None:
    house = today_run["project"] / "wheelhouse"
    done = run_in_runtime(
        "set -e; py=/opt/python/cp313-cp313/bin/python; $py -m venv /tmp/venv; "
        "/tmp/venv/bin/pip install -q --no-index --find-links /work numpy pandas scipy skbuilddemo mesoncxxdemo ompdemo "
        "fortrandemo; "
        'OMP_NUM_THREADS=4 /tmp/venv/bin/python -c "$0"',
        network="none",
        mount=house,
        arch=arch,
        extra=[CHECK],
    )
    assert done.returncode == 0, done.stdout + done.stderr
    assert done.stdout.startswith("ok "), done.stdout
