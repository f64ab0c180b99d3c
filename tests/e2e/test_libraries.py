"""A system library built on demand, end to end on both arches: the recipes of sodiumdemo (a
fixture) and of PyNaCl 1.5.0 (the shipped one, built from source here although upstream has
musllinux wheels) name libsodium, which the local images do not carry. The plan says the run
builds it; the first job of each arch builds it from Debian's sources, once (aarch64's in this
machine's builder image, cross-compiled by the zig wrappers, configure included); it is mounted
into those two builds only, auditwheel grafts it, the SBOM names it, and pip installs both in the
runtime image with no network, where libsodium reports its release, hashes and encrypts. A
second plan builds nothing again."""

from __future__ import annotations

import hashlib
import json
import subprocess
from pathlib import Path
from typing import Any

import pytest

from builder.host.emulation import docker_platform
from builder.host.images import local_tags, recipe_hash
from tests.e2e.conftest import make_project
from tests.e2e.runtime import inspect_built_wheel, install_and_run, wheel_sbom
from tests.support import wheelhouse_cli

ARCHS = ("x86_64", "aarch64")
RELEASE = "1.0.18"  # Debian bookworm's libsodium
USERS = ("sodiumdemo", "pynacl")  # the list's packages whose recipes name it
CHECK = """
import platform, sodiumdemo
from nacl.encoding import HexEncoder
from nacl.hash import blake2b
from nacl.secret import SecretBox
from nacl.utils import random
digest = blake2b(b"wheelhouse", digest_size=32, encoder=HexEncoder).decode()
assert digest == sodiumdemo.blake2b_hex(b"wheelhouse"), digest
box = SecretBox(random(SecretBox.KEY_SIZE))
assert box.decrypt(box.encrypt(b"secret")) == b"secret"
print(platform.machine(), sodiumdemo.version(), digest, "sealed")
"""


@pytest.fixture(scope="module")
def sodium_run(
    tmp_path_factory: pytest.TempPathFactory, fixture_index: str, engine: None
) -> dict[str, Any]:
    project = make_project(
        tmp_path_factory.mktemp("libraries"),
        fixture_index,
        pythons=["3.13"],
        archs=list(ARCHS),
    )
    (project / "sodium.txt").write_text("sodiumdemo==1.0.0\npynacl==1.5.0\n")
    planned = wheelhouse_cli("build", "--list", "sodium.txt", "--dry-run", "--json", cwd=project)
    assert planned.returncode == 0, planned.stderr[-4000:]
    result = wheelhouse_cli("build", "--list", "sodium.txt", "--json", cwd=project)
    assert result.returncode == 0, result.stderr[-4000:]
    again = wheelhouse_cli("build", "--list", "sodium.txt", "--dry-run", "--json", cwd=project)
    assert again.returncode == 0, again.stderr[-4000:]
    return {
        "project": project,
        "plan": json.loads(planned.stdout),
        "report": json.loads(result.stdout),
        "again": json.loads(again.stdout),
    }


def test_the_images_carry_no_library_that_is_built_on_demand(engine: None) -> None:
    for arch in ARCHS:
        builder = local_tags(arch, "musllinux_1_2", recipe_hash())[1]
        script = "ls /opt/syslibs/include/sodium.h /opt/wheelhouse-libs 2>&1 || true"
        argv = ["docker", "run", "--rm", "--network", "none", "--platform", docker_platform(arch)]
        argv += [builder, "sh", "-c", script]
        found = subprocess.run(argv, capture_output=True, text=True, check=True)
        assert "No such file" in found.stdout and "sodium.h" in found.stdout, found.stdout


def test_the_plan_names_the_library_and_its_identity_is_in_the_keys(
    sodium_run: dict[str, Any],
) -> None:
    plan = sodium_run["plan"]
    jobs = [job for job in plan["jobs"] if job["name"] in USERS]
    assert sorted((job["name"], job["arch"]) for job in jobs) == sorted(
        (name, arch) for name in USERS for arch in ARCHS
    )
    (identity,) = {job["libsodium"] for job in jobs}
    assert identity.startswith("libsodium from Debian bookworm's libsodium, recipe ")
    assert {job["action"] for job in jobs} == {"build"}
    others = [job for job in plan["jobs"] if job["name"] not in USERS]
    assert others and not [job for job in others if "libsodium" in job], others
    notes = " ".join(plan["warnings"])
    assert "kept in the wheelhouse's cache: libsodium (aarch64, x86_64)" in notes, notes
    # built once: the next plan has nothing to build, and no library to build either
    again = sodium_run["again"]
    assert {job["action"] for job in again["jobs"]} == {"skip"}, again["jobs"]
    assert "libsodium" not in " ".join(again["warnings"])


def test_each_arch_builds_it_once_and_both_builds_graft_it(sodium_run: dict[str, Any]) -> None:
    jobs = [job for job in sodium_run["report"]["jobs"] if job["name"] in USERS]
    wheelhouse = sodium_run["project"] / "wheelhouse"
    logs = dict.fromkeys(ARCHS, "")
    for job in jobs:
        arch = job["arch"]
        assert job["action"] == "build" and job["ok"], job
        logs[arch] += Path(job["log"]).read_text(encoding="utf-8")
        wheel = wheelhouse / job["wheel"]
        inspect_built_wheel(wheel, arch=arch, grafted=f"{job['name']}.libs/libsodium")
        (library,) = wheel_sbom(wheel)["components"]
        assert (library["name"], library["version"]) == ("libsodium", RELEASE)
        origin = {p["name"]: p["value"] for p in library["properties"]}
        assert "Debian bookworm source package libsodium" in origin["wheelhouse:origin"]
    for arch, log in logs.items():  # built by one of the two jobs, used by both
        assert log.count(f"# building libsodium for {arch} from Debian bookworm's") == 1, arch
        assert log.count(f"# libsodium {RELEASE} for {arch} ready") == 1, log[-3000:]
    # aarch64's compiled natively, configure included, in this machine's builder image
    (run,) = [line for line in logs["aarch64"].splitlines() if "build-library.sh" in line]
    assert "WHEELHOUSE_TARGET_ARCH=aarch64" in run and "musllinux_1_2_x86_64-builder" in run


@pytest.mark.parametrize("arch", ARCHS)
def test_pip_installs_it_offline_and_libsodium_answers(
    sodium_run: dict[str, Any], arch: str
) -> None:
    expected = hashlib.blake2b(b"wheelhouse", digest_size=32).hexdigest()
    wheelhouse = sodium_run["project"] / "wheelhouse"
    done = install_and_run(wheelhouse, "sodiumdemo pynacl", CHECK, arch=arch)
    assert done.returncode == 0, done.stdout + done.stderr
    assert done.stdout.split()[-4:] == [arch, RELEASE, expected, "sealed"], done.stdout
