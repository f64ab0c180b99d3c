"""aarch64 end to end, next to x86_64: real cibuildwheel in the local aarch64 builder image (under
QEMU) with the compiler run cross (the host's zig, natively), auditwheel repair, verification in
the aarch64 runtime image, one index holding both arches, and pip on aarch64 installing from it.
The same list built with the compiler under QEMU imports identically. Kept small (one CPython,
three sdists): emulation costs 6-16x."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
import urllib.request
import zipfile
from pathlib import Path
from typing import Any

import pytest

from builder.host.emulation import BINFMT_DIR
from tests.e2e.conftest import make_project
from tests.e2e.runtime import inspect_built_wheel, run_in_runtime
from tests.support import pypiserver_with_user, wheelhouse_cli

COMPILED = ("simplejson", "xxhash", "graftdemo")
ARM_LIST = "simplejson==3.17.2\nxxhash==2.0.2\ngraftdemo==1.0.0\n"
QEMU_ENTRY = BINFMT_DIR / "qemu-aarch64"
CHECK = (
    "import platform, simplejson._speedups, xxhash, graftdemo; "
    "print('machine', platform.machine(), 'answer', graftdemo.answer(20), "
    "xxhash.xxh64('wheelhouse').hexdigest())"
)


@pytest.fixture(scope="module")
def arm_project(tmp_path_factory: pytest.TempPathFactory, fixture_index: str, engine: None) -> Path:
    project = make_project(
        tmp_path_factory.mktemp("arm-project"),
        fixture_index,
        pythons=["3.13"],
        archs=["x86_64", "aarch64"],
    )
    (project / "arm.txt").write_text(ARM_LIST)
    return project


@pytest.fixture(scope="module")
def arm_run(arm_project: Path) -> dict[str, Any]:
    result = wheelhouse_cli("build", "--list", "arm.txt", "--json", cwd=arm_project)
    assert result.returncode == 0, result.stderr[-4000:]
    return {"report": json.loads(result.stdout), "stderr": result.stderr}


def with_qemu_disabled(*args: str) -> list[str]:
    """The CLI in a mount namespace of its own, where binfmt_misc shows the qemu-aarch64 entry
    disabled: the kernel's real entry (and every other process on the machine) is untouched,
    even if the test is killed half-way."""
    entry = QEMU_ENTRY.read_text().replace("enabled", "disabled", 1)
    script = (
        f'mount -t tmpfs wheelhouse-test "{BINFMT_DIR}" '
        f'&& printf enabled > "{BINFMT_DIR}/status" '
        f'&& printf "%s" "$0" > "{QEMU_ENTRY}" '
        f'&& exec "{sys.executable}" -m app "$@"'
    )
    return ["unshare", "--mount", "--propagation", "private", "sh", "-c", script, entry, *args]


def test_missing_emulation_is_refused_before_anything_starts(arm_project: Path) -> None:
    assert QEMU_ENTRY.read_text().startswith("enabled"), "make emulation enables it first"
    result = run(with_qemu_disabled("build", "--list", "arm.txt", "--arch", "aarch64"), arm_project)
    assert result.returncode == 4, result.stderr
    message = " ".join(result.stderr.split())
    assert "cannot build aarch64 on this x86_64 machine" in message
    assert "entry is disabled (qemu-aarch64)" in message
    assert "update-binfmts --enable qemu-aarch64" in message
    assert "resolving" not in result.stderr  # checked before the upstream index is asked
    assert not (arm_project / "wheelhouse").exists()

    planned = run(
        with_qemu_disabled(
            "build", "--list", "arm.txt", "--arch", "aarch64", "--dry-run", "--json"
        ),
        arm_project,
    )
    assert planned.returncode == 0, planned.stderr
    assert "warning:" in planned.stderr and "update-binfmts" in planned.stderr
    assert json.loads(planned.stdout)["archs"] == {
        "aarch64": {"runner": "local", "execution": "cross"}
    }
    assert QEMU_ENTRY.read_text().startswith("enabled")  # the machine's own entry never moved


def run(command: list[str], cwd: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        command, cwd=cwd, capture_output=True, text=True, check=False, env=dict(os.environ)
    )


def test_both_arches_build_and_the_plan_says_how(arm_run: dict[str, Any]) -> None:
    report = arm_run["report"]
    placed = {(j["name"], j["arch"], j["action"], j["execution"], j["ok"]) for j in report["jobs"]}
    assert placed == {
        (name, arch, "build", execution, True)
        for name in COMPILED
        for arch, execution in (("x86_64", "native"), ("aarch64", "cross"))
    }
    assert report["placements"] == {
        "x86_64": {"runner": "local", "execution": "native"},
        "aarch64": {"runner": "local", "execution": "cross"},
    }


def test_aarch64_wheels_are_repaired_for_musllinux_aarch64(
    arm_run: dict[str, Any], arm_project: Path
) -> None:
    built = [j for j in arm_run["report"]["jobs"] if j["arch"] == "aarch64"]
    for job in built:
        wheel = arm_project / "wheelhouse" / job["wheel"]
        assert wheel.name.endswith("-cp313-cp313-musllinux_1_2_aarch64.whl"), wheel.name
        grafted = "graftdemo.libs/libgreet" if job["name"] == "graftdemo" else None
        names = inspect_built_wheel(wheel, arch="aarch64", grafted=grafted)
        with zipfile.ZipFile(wheel) as archive:
            headers = {
                name: archive.read(name)[:20]
                for name in names
                if name.endswith(".so") or ".so." in name
            }
        for name, header in headers.items():
            assert header[18:20] == b"\xb7\x00", f"{name} is not an aarch64 ELF object"
        assert any(n.endswith(".cpython-313-aarch64-linux-musl.so") for n in headers), headers


def test_manifest_and_summary_show_wall_time_per_arch(
    arm_run: dict[str, Any], arm_project: Path
) -> None:
    manifest = json.loads((arm_project / "wheelhouse" / "wheelhouse-manifest.json").read_text())
    last = {item["arch"]: item for item in manifest["runs"][-1]["archs"]}
    assert last["aarch64"]["execution"] == "cross" and last["x86_64"]["execution"] == "native"
    for arch in ("x86_64", "aarch64"):
        assert last[arch]["built"] == len(COMPILED)
        assert last[arch]["jobs_s"] > 0 and last[arch]["verify_s"] > 0
        # wall: the arch's first job's start to its last verification's end, measured (jobs
        # run side by side, so it is not the sum of the two); it holds its longest job and
        # its verification at least
        longest = max(e["duration_s"] for e in manifest["wheels"] if e["arch"] == arch)
        assert last[arch]["wall_s"] >= max(longest, last[arch]["verify_s"]) - 0.11
    assert arm_run["report"]["archs"] == manifest["runs"][-1]["archs"]
    entries = [e for e in manifest["wheels"] if e["arch"] == "aarch64"]
    assert len(entries) == len(COMPILED)
    assert all(e["execution"] == "cross" and e["toolchain"].startswith("zig ") for e in entries)
    assert all(
        e["duration_s"] > 0
        and e["image"].endswith(f"musllinux_1_2_aarch64-builder:{e['image'].rsplit(':', 1)[1]}")
        for e in entries
    )
    summary = arm_run["stderr"]
    assert "per arch" in summary
    row = re.search(r"aarch64\W+cross on local\W+3\W+0\W+([0-9.]+)s", summary)
    assert row is not None, summary[-3000:]
    assert float(row.group(1)) == last["aarch64"]["wall_s"]


def test_verified_in_the_aarch64_runtime_image(arm_run: dict[str, Any], arm_project: Path) -> None:
    for job in arm_run["report"]["jobs"]:
        if job["arch"] != "aarch64":
            continue
        log = Path(job["log"]).read_text()
        assert "# verification in wheelhouse-local/musllinux_1_2_aarch64-runtime" in log, job
        assert "imported" in log
    wheelhouse = (arm_project / "wheelhouse").resolve()
    script = (
        "set -e; py=/opt/python/cp313-cp313/bin/python; $py -m venv --without-pip /tmp/v; "
        "$py -m pip --python /tmp/v/bin/python install -q --no-index --only-binary :all: "
        f'--find-links /wheelhouse {" ".join(COMPILED)}; /tmp/v/bin/python -c "{CHECK}"'
    )
    result = run_in_runtime(
        script, network="none", mount=wheelhouse, mount_at="/wheelhouse", arch="aarch64"
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "machine aarch64 answer 42" in result.stdout


def test_one_index_serves_both_arches_to_pip_on_each(
    arm_run: dict[str, Any], arm_project: Path, tmp_path: Path
) -> None:
    """twine uploads every wheel to `wheelhouse serve`; each arch's pip picks its own."""
    env = {
        **os.environ,
        "TWINE_USERNAME": "ci",
        "TWINE_PASSWORD": "ci-secret",
        "PYTHON_KEYRING_BACKEND": "keyring.backends.null.Keyring",
    }
    with pypiserver_with_user(tmp_path, user="ci", password="ci-secret") as (url, served):
        published = wheelhouse_cli(
            "publish",
            "--target",
            url,
            "--wheelhouse",
            str(arm_project / "wheelhouse"),
            cwd=arm_project,
            env=env,
        )
        assert published.returncode == 0, published.stderr
        with urllib.request.urlopen(f"{url}simple/xxhash/") as page:  # noqa: S310 (loopback)
            html = page.read().decode()
        assert "musllinux_1_2_aarch64.whl" in html and "musllinux_1_2_x86_64.whl" in html
        outputs = {}
        for arch in ("aarch64", "x86_64"):
            result = run_in_runtime(
                "set -e; py=/opt/python/cp313-cp313/bin/python; "
                "$py -m venv --without-pip /tmp/v; $py -m pip --python /tmp/v/bin/python "
                f"install --no-cache-dir --index-url {url}simple/ --only-binary :all: "
                f'{" ".join(COMPILED)}; /tmp/v/bin/python -c "{CHECK}"',
                arch=arch,
            )
            assert result.returncode == 0, result.stdout + result.stderr
            assert "Building wheel" not in result.stdout
            assert f"musllinux_1_2_{arch}.whl" in result.stdout
            outputs[arch] = result.stdout.strip().splitlines()[-1]
    assert sorted(served.glob("*aarch64.whl")) and sorted(served.glob("*x86_64.whl"))
    digest = {arch: line.rsplit(" ", 1)[1] for arch, line in outputs.items()}
    assert outputs["aarch64"].startswith("machine aarch64 answer 42")
    assert outputs["x86_64"].startswith("machine x86_64 answer 42")
    assert digest["aarch64"] == digest["x86_64"]  # the same code, compiled twice


@pytest.fixture(scope="module")
def qemu_run(
    tmp_path_factory: pytest.TempPathFactory, fixture_index: str, engine: None
) -> dict[str, Any]:
    """The same list for aarch64 with the compiler under QEMU (`[execution] aarch64 = "qemu"`)."""
    project = make_project(
        tmp_path_factory.mktemp("arm-qemu-project"),
        fixture_index,
        pythons=["3.13"],
        archs=["aarch64"],
    )
    with (project / "wheelhouse.toml").open("a") as config:
        config.write('[execution]\naarch64 = "qemu"\n')
    (project / "arm.txt").write_text(ARM_LIST)
    result = wheelhouse_cli("build", "--list", "arm.txt", "--json", cwd=project)
    assert result.returncode == 0, result.stderr[-4000:]
    return {"report": json.loads(result.stdout), "project": project}


def test_cross_and_qemu_builds_have_their_own_keys_and_import_identically(
    arm_run: dict[str, Any], arm_project: Path, qemu_run: dict[str, Any]
) -> None:
    cross = {j["name"]: j for j in arm_run["report"]["jobs"] if j["arch"] == "aarch64"}
    qemu = {j["name"]: j for j in qemu_run["report"]["jobs"]}
    assert {j["execution"] for j in qemu.values()} == {"qemu"}
    for name in COMPILED:
        assert cross[name]["key"] != qemu[name]["key"], name  # never confused with each other
    outputs = []
    for wheelhouse in (arm_project / "wheelhouse", qemu_run["project"] / "wheelhouse"):
        script = (
            "set -e; py=/opt/python/cp313-cp313/bin/python; $py -m venv --without-pip /tmp/v; "
            "$py -m pip --python /tmp/v/bin/python install -q --no-index --only-binary :all: "
            f'--find-links /wheelhouse {" ".join(COMPILED)}; /tmp/v/bin/python -c "{CHECK}"'
        )
        result = run_in_runtime(
            script,
            network="none",
            mount=wheelhouse.resolve(),
            mount_at="/wheelhouse",
            arch="aarch64",
        )
        assert result.returncode == 0, result.stdout + result.stderr
        outputs.append(result.stdout.strip().splitlines()[-1])
    assert outputs[0] == outputs[1]
    assert outputs[0].startswith("machine aarch64 answer 42")
