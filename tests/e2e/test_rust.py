"""Rust extensions on x86_64 and aarch64 (cross): rpds-py 0.21.0 (maturin, PyO3 0.22) and a
setuptools-rust fixture built from their sdists with Debian's rustc, std compiled for musl on
first use, crates from a vendored directory (Debian's packaged crates: crates.io is unreachable
here), repaired, verified, and installed by pip in the runtime image with no network, where a
Rust panic unwinds into a Python exception."""

from __future__ import annotations

import json
import subprocess
from pathlib import Path
from typing import Any

import pytest

from tests.e2e.conftest import make_project
from tests.e2e.runtime import inspect_built_wheel, install_and_run
from tests.support import wheelhouse_cli

ARCHS = ("x86_64", "aarch64")
CRATES_SCRIPT = Path(__file__).parent / "rust" / "debian-crates.sh"
# Debian trixie carries exactly the crates rpds-py 0.21.0 names: pyo3 0.22.6, rpds 1.1.0,
# archery 1.2.1 (and python3-dll-a, which its generate-import-lib feature pulls in).
CRATES = ("librust-pyo3-dev", "librust-rpds-dev", "librust-archery-dev")
# No `toolchains`: both sdists' build requirements (maturin, setuptools-rust) show they need Rust.
RECIPE = """\
build-from-source = true  # upstream has musllinux wheels of it; this test builds one
# The sdist's Cargo.lock pins crates.io's checksums, which Debian's packaged crates do not carry
before-build = "rm -f Cargo.lock"
"""
CHECK = """
import platform, rpds, rustdemo
assert rustdemo.total([1, 2, 3]) == 6
try:
    rustdemo.checked_total([1, -1])
except BaseException as error:  # pyo3_runtime.PanicException derives from BaseException
    assert type(error).__name__ == "PanicException" and "negative item -1" in str(error)
else:
    raise AssertionError("checked_total accepted a negative item")
m = rpds.HashTrieMap({"a": 1}).insert("b", 2)
assert m["b"] == 2 and len(m) == 2 and "a" in m
assert list(rpds.List([1, 2, 3]).rest) == [2, 3]
print("ok", platform.machine(), sorted(m.items()))
"""


@pytest.fixture(scope="module")
def rust_run(
    tmp_path_factory: pytest.TempPathFactory, fixture_index: str, engine: None
) -> dict[str, Any]:
    crates = tmp_path_factory.mktemp("debian-crates") / "crates"
    made = subprocess.run(
        ["bash", str(CRATES_SCRIPT), str(crates), "trixie", *CRATES],
        capture_output=True,
        text=True,
        check=False,
    )
    assert made.returncode == 0, made.stdout + made.stderr
    project = make_project(
        tmp_path_factory.mktemp("rust"), fixture_index, pythons=["3.13"], archs=list(ARCHS)
    )
    with (project / "wheelhouse.toml").open("a") as config:
        config.write(f'cargo-vendor = "{crates}"\n')
    (project / "configs" / "recipes" / "rpds-py.toml").write_text(RECIPE)
    (project / "rust.txt").write_text("rpds-py==0.21.0\nrustdemo==1.0.0\n")
    result = wheelhouse_cli("build", "--list", "rust.txt", "--json", cwd=project)
    assert result.returncode == 0, result.stderr[-4000:]
    return {"project": project, "report": json.loads(result.stdout)}


@pytest.mark.parametrize(
    ("name", "wheel_name", "frontend", "backend"),
    [
        ("rpds-py", "rpds_py-0.21.0", "maturin", "maturin"),
        ("rustdemo", "rustdemo-1.0.0", "running build_rust", "setuptools-rust"),
    ],
)
def test_a_rust_project_builds_for_musl_on_both_arches(
    rust_run: dict[str, Any], name: str, wheel_name: str, frontend: str, backend: str
) -> None:
    jobs = [job for job in rust_run["report"]["jobs"] if job["name"] == name]
    assert {(j["arch"], j["action"], j["ok"]) for j in jobs} == {
        (arch, "build", True) for arch in ARCHS
    }, jobs
    for job in jobs:
        assert job["rust"].startswith("rustc 1.96.0") and "vendored directory" in job["rust"]
        assert job["toolchains_found"] == {"rust": f"build-system requires {backend}"}, job
        log = Path(job["log"]).read_text(encoding="utf-8")
        assert f"Compiling {name} v" in log and frontend in log, job["log"]
        (wheel,) = (rust_run["project"] / "wheelhouse").glob(
            f"{wheel_name}-cp313-cp313-musllinux_1_2_{job['arch']}.whl"
        )
        inspect_built_wheel(wheel, arch=job["arch"], grafted=None)


def test_std_is_compiled_once_per_arch_by_the_first_rust_job(rust_run: dict[str, Any]) -> None:
    """Jobs run side by side: whichever Rust job of an arch comes first compiles std for it,
    the others wait for it and use it."""
    logs = {
        (job["name"], job["arch"]): Path(job["log"]).read_text(encoding="utf-8")
        for job in rust_run["report"]["jobs"]
    }
    for arch in ARCHS:
        line = f"compiling Rust's std for {arch}-unknown-linux-musl"
        assert sum(line in log for (_, a), log in logs.items() if a == arch) == 1, arch


@pytest.mark.parametrize("arch", ARCHS)
def test_pip_installs_it_in_the_runtime_image_offline(rust_run: dict[str, Any], arch: str) -> None:
    done = install_and_run(rust_run["project"] / "wheelhouse", "rpds-py rustdemo", CHECK, arch=arch)
    assert done.returncode == 0, done.stdout + done.stderr
    assert done.stdout.startswith(f"ok {arch}"), done.stdout
