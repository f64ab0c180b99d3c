from __future__ import annotations

import io
import json
import os
import subprocess
import tarfile
import zipfile
from pathlib import Path

import pytest
from cibuildwheel.environment import parse_environment

from builder.checks.wheel_checks import (
    auditwheel_show_problems,
    graft_problems,
    tag_problems,
)
from builder.errors import UpstreamError
from builder.inputs.recipes import Recipe
from builder.plan.jobs import BuildJob
from builder.resolve.build_targets import BuildTarget
from builder.resolve.core_metadata import requirements_from_sdist, requirements_from_wheel
from builder.verify.imports import import_plan
from builder.wheelbuild.cibuildwheel_options import (
    NO_ABI3_CONFIG,
    before_all_command,
    before_build_command,
    cibuildwheel_env,
    version_specific,
)
from index.pages.simple_pages import IndexFile
from tests.unit.fakes import IMAGE

PY311 = BuildTarget(python="3.11", arch="x86_64")

# What `auditwheel show --json` printed (6.8.2) for a real wheel: a log line, then the JSON
# document, indented over several lines.
SHOW_OK = (
    (Path(__file__).parent.parent / "fixtures" / "auditwheel" / "show-simplejson-musllinux.txt")
    .read_text()
    .replace("simplejson-3.17.2-cp313-cp313", "demo-1.0-cp311-cp311")
)


def make_wheel(path: Path, names: list[str]) -> Path:
    with zipfile.ZipFile(path, "w") as archive:
        for name in names:
            archive.writestr(name, "")
    return path


def test_auditwheel_show_verdicts() -> None:
    assert auditwheel_show_problems(SHOW_OK, PY311) == []
    glibc = SHOW_OK.replace("musllinux_1_2_x86_64", "manylinux_2_17_x86_64")
    assert "only consistent with manylinux" in auditwheel_show_problems(glibc, PY311)[0]
    assert "no report" in auditwheel_show_problems("nothing useful", PY311)[0]
    newer = SHOW_OK.replace("musllinux_1_2_x86_64", "musllinux_1_3_x86_64")
    assert "newer than the target policy" in auditwheel_show_problems(newer, PY311)[0]
    error = json.dumps({"version": 1, "wheel": "x.whl", "error": "not a platform wheel"})
    assert auditwheel_show_problems(error, PY311) == ["auditwheel show: not a platform wheel"]


def test_tags_must_be_musllinux_for_the_target() -> None:
    assert tag_problems("demo-1.0-cp311-cp311-musllinux_1_2_x86_64.whl", PY311) == []
    assert tag_problems("demo-1.0-cp311-cp311-linux_x86_64.whl", PY311) != []
    assert tag_problems("demo-1.0-cp313-cp313-musllinux_1_2_x86_64.whl", PY311) != []


def test_grafted_libc_is_a_failure(tmp_path: Path) -> None:
    good = make_wheel(tmp_path / "good.whl", ["demo/__init__.py", "demo.libs/libgreet-ab12cd.so.1"])
    assert graft_problems(good) == []
    bad = make_wheel(tmp_path / "bad.whl", ["demo/__init__.py", "demo.libs/libc.musl-x86_64.so.1"])
    assert "grafts the platform library libc.musl-x86_64.so.1" in graft_problems(bad)[0]


def test_import_names_come_from_what_the_wheel_ships(tmp_path: Path) -> None:
    """top_level.txt can name a package the wheel does not ship (seen in real wheels): the
    test imports what RECORD lists."""
    listed = tmp_path / "a.whl"
    with zipfile.ZipFile(listed, "w") as archive:
        archive.writestr("yaml/__init__.py", "")
        archive.writestr("PyYAML-5.4.1.dist-info/top_level.txt", "_yaml\nyaml\nnot_shipped\n")
        archive.writestr("yaml/_yaml.cpython-311-x86_64-linux-musl.so", "")
        archive.writestr("PyYAML.libs/libyaml-0-ab12.so.2", "")
        archive.writestr(
            "PyYAML-5.4.1.dist-info/RECORD",
            "yaml/__init__.py,sha256=x,0\n"
            "yaml/_yaml.cpython-311-x86_64-linux-musl.so,sha256=y,0\n"
            "PyYAML.libs/libyaml-0-ab12.so.2,sha256=z,0\n"
            "PyYAML-5.4.1.dist-info/top_level.txt,,\n"
            "PyYAML-5.4.1.dist-info/RECORD,,\n",
        )
    assert import_plan(listed).modules == ("yaml", "yaml._yaml")
    unlisted = make_wheel(  # no RECORD: the archive's own list
        tmp_path / "b.whl",
        [
            "six.py",
            "dateutil/__init__.py",
            "dateutil/tz/__init__.py",
            "nsonly/sub/mod.py",
            "x-1.0.data/platlib/moved/__init__.py",
            "x-1.0.data/scripts/tool.py",
            "fast.cpython-311-x86_64-linux-musl.so",
            "demo.libs/libx.so",
            "x-1.0.dist-info/METADATA",
        ],
    )
    assert import_plan(unlisted).modules == ("dateutil", "fast", "moved", "nsonly", "six")


def test_the_import_plan_locates_each_extension_and_names_the_wheels_own_modules(
    tmp_path: Path,
) -> None:
    # As greenlet's wheel: an extension inside a tests subpackage, and a private top-level one.
    wheel = make_wheel(
        tmp_path / "g.whl",
        [
            "greenlet/__init__.py",
            "greenlet/_greenlet.cpython-313-x86_64-linux-musl.so",
            "greenlet/tests/__init__.py",
            "greenlet/tests/_test_extension.cpython-313-x86_64-linux-musl.so",
            "_cffi_helper.cpython-313-x86_64-linux-musl.so",
            "x-1.0.data/platlib/moved/_m.cpython-313-x86_64-linux-musl.so",
            "greenlet-3.0.dist-info/METADATA",
        ],
    )
    plan = import_plan(wheel)
    assert plan.modules == (
        "greenlet",
        "moved",
        "_cffi_helper",
        "greenlet._greenlet",
        "greenlet.tests._test_extension",
        "moved._m",
    )
    assert plan.extensions == {
        "_cffi_helper": "_cffi_helper.cpython-313-x86_64-linux-musl.so",
        "greenlet._greenlet": "greenlet/_greenlet.cpython-313-x86_64-linux-musl.so",
        "greenlet.tests._test_extension": (
            "greenlet/tests/_test_extension.cpython-313-x86_64-linux-musl.so"
        ),
        "moved._m": "moved/_m.cpython-313-x86_64-linux-musl.so",
    }
    assert plan.own == ("_cffi_helper", "greenlet", "moved")


def job_with(recipe: Recipe) -> BuildJob:
    return BuildJob(
        name="demo",
        version="1.0",
        target=PY311,
        key="k",
        reason="",
        recipe=recipe,
        origin="deps.txt:1",
        direct=True,
        sdist=IndexFile(
            filename="demo-1.0.tar.gz", url="http://x.invalid/", digests={"sha256": "0"}
        ),
        image=IMAGE,
    )


def test_cibuildwheel_environment_comes_from_plan_and_recipe() -> None:
    recipe = Recipe(
        name="demo",
        system_packages=("yaml-dev",),
        before_all="sh build.sh",
        environment=(("CFLAGS", "-O2 -g0"),),
        test_command="python -c 'import demo'",
    )
    env = cibuildwheel_env(job_with(recipe))
    assert env["CIBW_BUILD"] == "cp311-musllinux_x86_64"
    assert env["CIBW_ARCHS"] == "x86_64"
    assert env["CIBW_MUSLLINUX_X86_64_IMAGE"] == "builder:1"
    assert evaluated(env["CIBW_ENVIRONMENT"])["CFLAGS"] == "-O2 -g0"
    assert env["CIBW_REPAIR_WHEEL_COMMAND"].startswith(
        "auditwheel repair --strip --plat musllinux_1_2_x86_64"
    )
    assert env["CIBW_TEST_COMMAND"] == "python -c 'import demo'"
    before_all = before_all_command(job_with(recipe))
    assert "apk add --no-cache yaml-dev" in before_all
    assert before_all.endswith("{ sh build.sh; }")
    assert cibuildwheel_env(job_with(Recipe(name="demo")))["CIBW_BEFORE_ALL"] == ""


def evaluated(environment: str, container: dict[str, str] | None = None) -> dict[str, str]:
    """CIBW_ENVIRONMENT as cibuildwheel evaluates it (here on the host, in the build container
    in a real build), over the container's PATH and `container`'s variables."""
    return parse_environment(environment).as_dictionary(
        {"PATH": os.environ["PATH"], **(container or {})}
    )


def test_every_core_reaches_the_compiles_of_a_job_unless_its_recipe_says_otherwise() -> None:
    cores = str(len(os.sched_getaffinity(0)))
    env = evaluated(cibuildwheel_env(job_with(Recipe(name="demo")))["CIBW_ENVIRONMENT"])
    assert env["MAKEFLAGS"] == f"-j{cores}"
    assert env["CMAKE_BUILD_PARALLEL_LEVEL"] == env["NPY_NUM_BUILD_JOBS"] == cores
    own = Recipe(name="demo", environment=(("MAKEFLAGS", "-j1"),))
    assert evaluated(cibuildwheel_env(job_with(own))["CIBW_ENVIRONMENT"])["MAKEFLAGS"] == "-j1"


@pytest.mark.parametrize("egg_info", ["demo-1.0/demo.egg-info", "demo-1.0/src/demo.egg-info"])
def test_sdist_requirements_from_egg_info_requires_txt(egg_info: str) -> None:
    buffer = io.BytesIO()
    with tarfile.open(fileobj=buffer, mode="w:gz") as archive:
        for name, text in {
            "demo-1.0/PKG-INFO": "Metadata-Version: 2.1\nName: demo\nVersion: 1.0\n",
            f"{egg_info}/requires.txt": "six>=1.5\n\n[socks]\nPySocks\n\n[:python_version < '3.8']\nzipp\n",
        }.items():
            data = text.encode()
            info = tarfile.TarInfo(name)
            info.size = len(data)
            archive.addfile(info, io.BytesIO(data))
    found = requirements_from_sdist(buffer.getvalue(), "demo-1.0.tar.gz")
    assert found is not None
    assert [str(r) for r in found] == [
        "six>=1.5",
        'PySocks; extra == "socks"',
        'zipp; python_version < "3.8"',
    ]


def test_a_corrupt_upstream_sdist_or_wheel_is_an_upstream_error() -> None:
    with pytest.raises(UpstreamError, match=r"demo-1\.0\.tar\.gz: the upstream sdist is not"):
        requirements_from_sdist(b"\x1f\x8b\x08 not really gzip", "demo-1.0.tar.gz")
    with pytest.raises(UpstreamError, match=r"demo-1\.0\.zip: the upstream sdist is not"):
        requirements_from_sdist(b"PK\x03\x04 truncated", "demo-1.0.zip")
    with pytest.raises(UpstreamError, match=r"demo-1\.0-py3-none-any\.whl: the upstream wheel"):
        requirements_from_wheel(b"PK truncated", "demo-1.0-py3-none-any.whl")


def _run_before_all(command: str, path: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        ["sh", "-c", command], capture_output=True, text=True, env={"PATH": path}, check=False
    )


def test_system_libraries_are_apk_dev_packages_on_pypa_images(tmp_path: Path) -> None:
    recipe = Recipe(name="lxml", system_libraries=("libxml2", "libxslt"))
    command = before_all_command(job_with(recipe))
    fake_bin = tmp_path / "bin"
    fake_bin.mkdir()
    apk = fake_bin / "apk"
    apk.write_text(f'#!/bin/sh\necho "$@" > {tmp_path}/apk-args\n')
    apk.chmod(0o755)
    done = _run_before_all(command, f"{fake_bin}:/usr/bin:/bin")
    assert done.returncode == 0, done.stderr
    assert (tmp_path / "apk-args").read_text().split() == [
        "add",
        "--no-cache",
        "libxml2-dev",
        "libxslt-dev",
    ]


def test_without_apk_a_missing_system_library_fails_naming_it() -> None:
    # This machine has no /opt/syslibs: the check must fail, naming the library and the fix.
    recipe = Recipe(name="psycopg2", system_libraries=("libpq",))
    done = _run_before_all(before_all_command(job_with(recipe)), "/usr/bin:/bin")
    assert done.returncode == 1
    assert "recipe demo needs libpq, which this builder image does not provide" in done.stderr
    assert "wheelhouse images build" in done.stderr


def test_a_version_specific_build_switches_setuptools_abi3_tag_off_and_keeps_the_recipe() -> None:
    own = Recipe(name="demo", environment=(("CFLAGS", "-O1"),), before_build="echo mine")
    job = version_specific(job_with(own))
    env = evaluated(cibuildwheel_env(job)["CIBW_ENVIRONMENT"])
    assert env["DIST_EXTRA_CONFIG"] == NO_ABI3_CONFIG and env["CFLAGS"] == "-O1"
    before = before_build_command(job)
    assert before.endswith(" && echo mine; }")  # the recipe's own step still runs, after it
    assert f"printf '[bdist_wheel]\\npy_limited_api =\\n' > {NO_ABI3_CONFIG}" in before
    assert job.key == job_with(own).key  # the same job, built another way
