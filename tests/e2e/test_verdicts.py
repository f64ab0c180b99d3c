"""Verification's verdicts, through `wheelhouse build` mirroring wheels from a local index into
the real runtime image: a wheel that works on python:alpine passes, one that does not fails, and
a crash is named. The extension modules are compiled in the builder image (tests/fixtures/
verdicts) and packed as musllinux wheels, as upstream ships them:
- zdemo's extension needs libz.so.1, which python:alpine carries (its interpreter links zlib);
- xmldemo's needs libxml2.so.2, which python:alpine does not carry;
- testsdemo's tests subpackage imports objgraph, a test-only dependency (as greenlet's wheels);
- crashdemo's extension dereferences a null pointer while it is imported.
Also what the runtime interpreter is: shared libpython, 1 MiB thread stacks, musl 1.2.5."""

from __future__ import annotations

import json
import shutil
import subprocess
from pathlib import Path
from typing import Any

import pytest

from builder.host.images import local_tags, recipe_hash
from tests.e2e.runtime import run_in_runtime
from tests.support import pack_wheel, static_server, wheelhouse_cli, write_simple_tree

SOURCES = Path(__file__).parent.parent / "fixtures" / "verdicts"
ARCH = "x86_64"
TAG = f"cp313-cp313-musllinux_1_2_{ARCH}"
SUFFIX = f".cpython-313-{ARCH}-linux-musl.so"
COMPILE = f"""set -e
inc=$(/opt/python/cp313-cp313/bin/python -c 'import sysconfig; print(sysconfig.get_paths()["include"])')
cc() {{ musl-cc -shared -fPIC -O2 -I"$inc" "$@"; }}
mkdir -p out
cc -DNAME=_z -DCALL_ZLIB module.c -o out/_z{SUFFIX}
patchelf --add-needed libz.so.1 out/_z{SUFFIX}
cc -DNAME=_x module.c -o out/_x{SUFFIX}
patchelf --add-needed libxml2.so.2 out/_x{SUFFIX}
cc -DNAME=_ext module.c -o out/_ext{SUFFIX}
cc crash.c -o out/_crash{SUFFIX}
"""


@pytest.fixture(scope="module")
def verdict_run(tmp_path_factory: pytest.TempPathFactory, engine: None) -> dict[str, Any]:
    work = tmp_path_factory.mktemp("verdicts")
    shutil.copytree(SOURCES, work / "src")
    builder = local_tags(ARCH, "musllinux_1_2", recipe_hash())[1]
    mount = f"{work / 'src'}:/src"
    compiled = subprocess.run(
        ["docker", "run", "--rm", "-v", mount, "-w", "/src", builder, "sh", "-c", COMPILE],
        capture_output=True,
        text=True,
        check=False,
    )
    assert compiled.returncode == 0, compiled.stderr
    out = work / "src" / "out"

    def ext(name: str) -> bytes:
        return (out / f"{name}{SUFFIX}").read_bytes()

    wheels = [
        pack_wheel(
            work / "wheels",
            "zdemo",
            "1.0",
            tag=TAG,
            files={
                "zdemo/__init__.py": b"from zdemo._z import version\n",
                f"zdemo/_z{SUFFIX}": ext("_z"),
            },
        ),
        pack_wheel(
            work / "wheels",
            "xmldemo",
            "1.0",
            tag=TAG,
            files={"xmldemo/__init__.py": b"", f"xmldemo/_x{SUFFIX}": ext("_x")},
        ),
        pack_wheel(
            work / "wheels",
            "testsdemo",
            "1.0",
            tag=TAG,
            files={
                "testsdemo/__init__.py": b"ANSWER = 42\n",
                "testsdemo/tests/__init__.py": b"import objgraph\n",
                f"testsdemo/tests/_ext{SUFFIX}": ext("_ext"),
            },
        ),
        pack_wheel(
            work / "wheels",
            "crashdemo",
            "1.0",
            tag=TAG,
            files={"crashdemo/__init__.py": b"", f"crashdemo/_crash{SUFFIX}": ext("_crash")},
        ),
    ]
    write_simple_tree(wheels, work / "index")
    project = work / "project"
    project.mkdir()
    (project / "list.txt").write_text("zdemo==1.0\nxmldemo==1.0\ntestsdemo==1.0\ncrashdemo==1.0\n")
    with static_server(work / "index") as url:
        (project / "wheelhouse.toml").write_text(
            f'pythons = ["3.13"]\narchs = ["{ARCH}"]\nimages = "local"\n'
            f'index-url = "{url}/simple/"\n'
        )
        result = wheelhouse_cli("build", "--list", "list.txt", "--json", cwd=project)
    assert result.stdout, result.stderr
    report = json.loads(result.stdout)
    return {
        "code": result.returncode,
        "jobs": {job["name"]: job for job in report["jobs"]},
        "stderr": result.stderr,
    }


def _log(job: dict[str, Any]) -> str:
    return Path(job["log"]).read_text(encoding="utf-8")


def test_every_wheel_was_mirrored_and_verified(verdict_run: dict[str, Any]) -> None:
    assert {name: job["action"] for name, job in verdict_run["jobs"].items()} == {
        "zdemo": "mirror",
        "xmldemo": "mirror",
        "testsdemo": "mirror",
        "crashdemo": "mirror",
    }
    assert verdict_run["code"] == 1, verdict_run["stderr"]  # two of them fail


def test_a_wheel_needing_only_what_python_alpine_carries_passes(
    verdict_run: dict[str, Any],
) -> None:
    job = verdict_run["jobs"]["zdemo"]
    assert job["ok"], job.get("error")
    assert "imported zdemo zdemo._z" in _log(job)


def test_a_wheel_needing_a_library_python_alpine_lacks_fails(verdict_run: dict[str, Any]) -> None:
    job = verdict_run["jobs"]["xmldemo"]
    assert not job["ok"]
    assert "libxml2.so.2" in job["error"]


def test_a_tests_subpackage_missing_its_test_dependency_is_reported_not_fatal(
    verdict_run: dict[str, Any],
) -> None:
    job = verdict_run["jobs"]["testsdemo"]
    assert job["ok"], job.get("error")
    log = _log(job)
    assert "imported testsdemo\n" in log
    assert "testsdemo.tests._ext (testsdemo/tests/__init__.py imports objgraph)" in log


def test_a_wheel_that_crashes_on_import_fails_naming_the_signal(
    verdict_run: dict[str, Any],
) -> None:
    job = verdict_run["jobs"]["crashdemo"]
    assert not job["ok"]
    assert "crashed with signal 11 (SIGSEGV) while importing crashdemo._crash" in job["error"]
    assert "Fatal Python error: Segmentation fault" in _log(job)


@pytest.mark.parametrize("arch", ["x86_64", "aarch64"])
def test_the_runtime_interpreter_is_built_as_python_alpines(engine: None, arch: str) -> None:
    # musl 1.2.5, a shared libpython, and threads with 1 MiB of stack (musl's default is 128 KiB).
    script = (
        "import ctypes, sysconfig, threading\n"
        "libc = ctypes.CDLL(None)\n"
        "libc.pthread_self.restype = ctypes.c_void_p\n"
        "def stack():\n"
        "    attr = ctypes.create_string_buffer(256)\n"
        "    assert libc.pthread_getattr_np(ctypes.c_void_p(libc.pthread_self()), attr) == 0\n"
        "    size = ctypes.c_size_t()\n"
        "    libc.pthread_attr_getstacksize(attr, ctypes.byref(size))\n"
        "    print('thread stack', size.value)\n"
        "thread = threading.Thread(target=stack)\n"
        "thread.start(); thread.join()\n"
        "print('shared', sysconfig.get_config_var('Py_ENABLE_SHARED'))\n"
    )
    for python in ("cp311-cp311", "cp313-cp313"):
        done = run_in_runtime(
            f"/lib/ld-musl-$(uname -m).so.1 2>&1 | sed -n 2p; "
            f'/opt/python/{python}/bin/python -c "$0"',
            network="none",
            arch=arch,
            extra=[script],
        )
        assert done.returncode == 0, done.stderr
        lines = done.stdout.splitlines()
        assert lines[0] == "Version 1.2.5", lines
        (stack,) = [int(line.split()[-1]) for line in lines if line.startswith("thread stack")]
        assert 0xF0000 <= stack < 0x200000, lines  # about 1 MiB (musl rounds it to pages)
        assert "shared 1" in lines, lines
