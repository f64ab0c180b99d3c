"""`wheelhouse build` end to end: compile, mirror, repair, check, verify, skip on the second run."""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

from tests.e2e.runtime import (
    builder_library_version,
    inspect_built_wheel,
    run_in_runtime,
    wheel_sbom,
)
from tests.support import free_port, planned_version, wait_for_http, wheelhouse_cli

COMPILED = {
    "simplejson",
    "xxhash",
    "markupsafe",
    "graftdemo",
    "kiwisolver",
    "psycopg2",
    "ruamel-yaml-clib",
}
# What auditwheel must graft into each (a name prefix under <pkg>.libs/); nothing for the rest.
GRAFTED = {"graftdemo": "graftdemo.libs/libgreet", "psycopg2": "psycopg2.libs/libpq"}
MIRRORED = {"msgpack", "python-dateutil", "six"}
SHARED = {"termcolor", "pycryptodomex"}  # one pure / abi3 wheel serves both Pythons
PYTHONS = {"3.11", "3.13"}


def jobs(report: dict[str, Any], name: str) -> list[dict[str, Any]]:
    return [job for job in report["jobs"] if job["name"] == name]


def test_broken_fixture_fails_alone_with_a_clear_message(first_run: dict[str, Any]) -> None:
    assert first_run["code"] == 1
    report = first_run["report"]
    failed = [job for job in report["jobs"] if not job["ok"]]
    assert {(job["name"], job["python"]) for job in failed} == {
        ("brokendemo", "3.11"),
        ("brokendemo", "3.13"),
    }
    for job in failed:
        assert "cibuildwheel for brokendemo 1.0.0" in job["error"]
        assert "fails to compile on purpose" in job["error"]
        assert Path(job["log"]).is_file()
    assert "failed: brokendemo 1.0.0 cp3.11 x86_64" in first_run["stderr"]


def test_compiled_and_mirrored_as_planned(first_run: dict[str, Any]) -> None:
    report = first_run["report"]
    for name in COMPILED:
        assert {(j["python"], j["action"], j["ok"]) for j in jobs(report, name)} == {
            (python, "build", True) for python in PYTHONS
        }, name
    for name in MIRRORED:
        assert {(j["python"], j["action"], j["ok"]) for j in jobs(report, name)} == {
            (python, "mirror", True) for python in PYTHONS
        }, name


def test_markers_were_evaluated_for_the_runtime_images_own_python(
    first_run: dict[str, Any],
) -> None:
    for python in PYTHONS:
        abi = "cp" + python.replace(".", "")
        asked = run_in_runtime(
            f"/opt/python/{abi}-{abi}/bin/python -c 'import platform; print(platform.python_version())'",
            network="none",
        )
        assert asked.returncode == 0, asked.stderr
        planned = {
            j["python_version"] for j in first_run["report"]["jobs"] if j["python"] == python
        }
        assert planned == {asked.stdout.strip()}


def test_a_pure_sdist_builds_one_wheel_that_serves_every_python(
    first_run: dict[str, Any], e2e_project: Path
) -> None:
    """termcolor 1.1.0 exists only as an sdist and is pure Python: cibuildwheel refuses it, so
    it is built as a plain wheel, once, and every target shares that file."""
    pure = jobs(first_run["report"], "termcolor")
    assert {(j["python"], j["action"], j["ok"]) for j in pure} == {
        (python, "build", True) for python in PYTHONS
    }
    assert {j["wheel"] for j in pure} == {"termcolor-1.1.0-py3-none-any.whl"}
    manifest = json.loads((e2e_project / "wheelhouse" / "wheelhouse-manifest.json").read_text())
    (entry,) = [w for w in manifest["wheels"] if w["name"] == "termcolor"]
    assert set(entry["keys"]) == {j["key"] for j in pure}


def test_an_abi3_build_serves_every_newer_python(
    first_run: dict[str, Any], e2e_project: Path
) -> None:
    """pycryptodomex 3.10.1 (no musllinux wheel upstream) builds for the stable ABI: built once,
    audited by abi3audit on the host (cibuildwheel's audit would fetch virtualenv from outside
    the registries), then reused for the other Python, verified there too: one file, one name.
    Its .so files are libraries loaded with ctypes, not extension modules: the verification
    loads them that way."""
    abi3 = jobs(first_run["report"], "pycryptodomex")
    assert {(j["python"], j["ok"]) for j in abi3} == {(python, True) for python in PYTHONS}
    (wheel,) = {j["wheel"] for j in abi3}
    assert re.search(r"-cp35-abi3-musllinux_1_\d_x86_64\.whl$", wheel), wheel
    logs = "".join(Path(j["log"]).read_text() for j in abi3)
    assert "abi3audit" in logs and "built from the same sdist, installs here: reused" in logs
    assert "loaded with ctypes (not extension modules): Cryptodome." in logs
    manifest = json.loads((e2e_project / "wheelhouse" / "wheelhouse-manifest.json").read_text())
    (entry,) = [w for w in manifest["wheels"] if w["name"] == "pycryptodomex"]
    assert set(entry["keys"]) == {j["key"] for j in abi3}


def test_an_extension_that_imports_its_dependent_is_verified_beside_it(
    first_run: dict[str, Any], e2e_project: Path
) -> None:
    """ruamel.yaml.clib's extension imports ruamel.yaml: its recipe's verify-with installs an
    upstream ruamel.yaml wheel beside it (without dependencies) for the import test only."""
    wheelhouse = e2e_project / "wheelhouse"
    for python in PYTHONS:
        log = (wheelhouse / ".logs" / f"ruamel-yaml-clib-0.2.12-cp{python}-x86_64.log").read_text()
        assert re.search(r"--no-deps ruamel-yaml==0\.18\.\d+\n", log), python
        assert "imported _ruamel_yaml" in log
    assert not list(wheelhouse.glob("ruamel.yaml-*.whl"))  # a test companion, not published
    assert not list(wheelhouse.glob("ruamel_yaml-*.whl"))


def test_built_wheels_are_musllinux_audited_and_carry_no_libc(
    first_run: dict[str, Any], e2e_project: Path
) -> None:
    wheelhouse = e2e_project / "wheelhouse"
    built = [
        j
        for j in first_run["report"]["jobs"]
        if j["action"] == "build" and j["ok"] and j["name"] in COMPILED
    ]
    assert len(built) == 2 * len(COMPILED)
    for job in built:
        wheel = wheelhouse / job["wheel"]
        python_tag = "cp" + job["python"].replace(".", "")
        assert wheel.name.endswith(f"-{python_tag}-{python_tag}-musllinux_1_2_x86_64.whl")
        inspect_built_wheel(wheel, arch="x86_64", grafted=GRAFTED.get(job["name"]))


def test_every_built_wheel_carries_an_sbom_naming_its_sdist_and_grafted_libraries(
    first_run: dict[str, Any], e2e_project: Path
) -> None:
    """PEP 770: valid CycloneDX, the RECORD still right; psycopg2's names libpq with the release
    the builder image carries (asked of the image here), and Debian's source package."""
    wheelhouse = e2e_project / "wheelhouse"
    manifest = json.loads((wheelhouse / "wheelhouse-manifest.json").read_text())
    sources = {entry["filename"]: entry["source_sha256"] for entry in manifest["wheels"]}
    built = [j for j in first_run["report"]["jobs"] if j["action"] == "build" and j["ok"]]
    assert built
    for job in built:
        document = wheel_sbom(wheelhouse / job["wheel"])
        wheel = document["metadata"]["component"]
        assert wheel["name"] == job["name"] and wheel["version"] == job["version"]
        (source,) = wheel["externalReferences"]
        assert source["hashes"] == [{"alg": "SHA-256", "content": sources[job["wheel"]]}]
        libraries = {c["name"]: c for c in document["components"]}
        if job["name"] == "psycopg2":
            assert libraries["libpq"]["version"] == builder_library_version("libpq")
            origin = {p["name"]: p["value"] for p in libraries["libpq"]["properties"]}
            assert "Debian bookworm source package postgresql-15" in origin["wheelhouse:origin"]
        elif job["name"] not in GRAFTED:
            assert libraries == {}, job["name"]


def test_manifest_says_how_each_wheel_was_made(
    first_run: dict[str, Any], e2e_project: Path
) -> None:
    manifest = json.loads((e2e_project / "wheelhouse" / "wheelhouse-manifest.json").read_text())
    entries = {entry["filename"]: entry for entry in manifest["wheels"]}
    for job in first_run["report"]["jobs"]:
        if not job["ok"]:
            assert not any(f.startswith(job["name"]) for f in entries)
            continue
        entry = entries[job["wheel"]]
        assert job["key"] in entry["keys"]
        assert entry["sha256"] and entry["size"] > 0 and entry["source_sha256"]
        if job["action"] == "build":
            assert entry["image_id"].startswith("sha256:")
            assert entry["cibuildwheel"] and entry["auditwheel"]
            assert (e2e_project / "wheelhouse" / entry["log"]).is_file()
            assert entry["duration_s"] > 0


def test_every_wheel_installs_and_imports_in_the_clean_runtime_image(
    first_run: dict[str, Any], e2e_project: Path
) -> None:
    """Independent of the pipeline's own verification: pip in the runtime image (no compiler,
    no network) installs the whole list from the wheelhouse, and the code runs."""
    wheelhouse = (e2e_project / "wheelhouse").resolve()
    script = (
        "set -e; for py in /opt/python/cp311-cp311/bin/python /opt/python/cp313-cp313/bin/python; do "
        "$py -m venv --without-pip /tmp/v; "
        "$py -m pip --python /tmp/v/bin/python install -q --no-index --only-binary :all: "
        "--find-links /wheelhouse simplejson xxhash markupsafe msgpack python-dateutil graftdemo "
        "termcolor pycryptodomex kiwisolver psycopg2; "
        "/tmp/v/bin/python -c 'import simplejson._speedups, xxhash, "
        "markupsafe._speedups, msgpack, dateutil.parser, graftdemo, termcolor; "
        "from Cryptodome.Hash import SHA256; import kiwisolver as k; import psycopg2.extensions; "
        "assert psycopg2.extensions.libpq_version() >= 150000; "
        "x = k.Variable(); s = k.Solver(); s.addConstraint(x == 21); s.updateVariables(); "
        "assert x.value() == 21; "
        'assert SHA256.new(b"x").hexdigest().startswith("2d711642"); '
        'assert graftdemo.answer(20) == 42; print("ok", __import__("sys").version_info[:2])\'; '
        "rm -rf /tmp/v; done; ! command -v cc"
    )
    result = run_in_runtime(script, network="none", mount=wheelhouse, mount_at="/wheelhouse")
    assert result.returncode == 0, result.stdout + result.stderr
    assert result.stdout.count("ok (3,") == 2


def test_second_run_builds_nothing_and_starts_no_container(
    first_run: dict[str, Any], e2e_project: Path
) -> None:
    (e2e_project / "ok.txt").write_text(
        (e2e_project / "deps.txt").read_text().replace("-r broken.txt", "")
    )
    # Every docker command the build (and cibuildwheel under it) runs goes through a shim that
    # records it: a check of this process's own commands, unlike the engine's global events,
    # which another test's containers (pytest-xdist's other worker) would show too.
    shim = e2e_project / "docker-shim"
    shim.mkdir(exist_ok=True)
    asked = shim / "asked.txt"
    asked.write_text("")
    (shim / "docker").write_text(
        f'#!/bin/sh\necho "$*" >> {asked}\nexec {shutil.which("docker")} "$@"\n'
    )
    (shim / "docker").chmod(0o755)
    env = {**os.environ, "PATH": f"{shim}:{os.environ['PATH']}"}
    result = wheelhouse_cli("build", "--list", "ok.txt", "--json", cwd=e2e_project, env=env)
    assert result.returncode == 0, result.stderr
    report = json.loads(result.stdout)
    assert report["counts"]["build"] == 0
    assert report["counts"]["mirror"] == 0
    assert (
        report["counts"]["skip"]
        == len(report["jobs"])
        == 2 * (len(COMPILED) + len(MIRRORED) + len(SHARED))
    )
    commands = asked.read_text().splitlines()
    assert commands, "the shim saw no docker command (the build checks the engine first)"
    started = [line for line in commands if line.split()[:1] in (["run"], ["create"], ["start"])]
    assert started == [], started


def test_pip_in_the_runtime_image_installs_from_wheelhouse_serve(
    first_run: dict[str, Any], e2e_project: Path
) -> None:
    """The main job's promise: `wheelhouse serve` over the built wheelhouse, and pip on musl
    installs binary-only from it (the container shares the host's loopback, nothing else)."""
    port = free_port()
    server = subprocess.Popen(
        [sys.executable, "-m", "app", "serve", "--port", str(port)],
        cwd=e2e_project,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    try:
        wait_for_http(f"http://127.0.0.1:{port}/health")
        script = (
            "set -e; py=/opt/python/cp313-cp313/bin/python; $py -m venv --without-pip /tmp/v; "
            f"$py -m pip --python /tmp/v/bin/python install --index-url http://127.0.0.1:{port}/simple/ "
            "--only-binary :all: --no-cache-dir simplejson xxhash graftdemo python-dateutil; "
            "/tmp/v/bin/python -c 'import simplejson._speedups, xxhash, graftdemo, dateutil; "
            "print(graftdemo.answer(1))'"
        )
        result = run_in_runtime(script)
        assert result.returncode == 0, result.stdout + result.stderr
        assert result.stdout.strip().endswith("4")
        six = planned_version(first_run["report"], "six")  # resolved, not hard-coded
        assert "Successfully installed" in result.stdout and f"six-{six}" in result.stdout
    finally:
        server.terminate()
        output, _ = server.communicate(timeout=30)
    assert server.returncode == 0, output
