"""`wheelhouse check`: would pip compile anything on Alpine? Against a real local upstream
index and a wheelhouse; no containers."""

from __future__ import annotations

import json
import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.support import make_wheel, static_server, tar_sdist, wheelhouse_cli, write_simple_tree

FIXTURES = Path(__file__).resolve().parent.parent / "fixtures" / "packages"


@pytest.fixture(scope="module")
def upstream(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """graftdemo as an sdist only; pureonly as a pure wheel."""
    work = tmp_path_factory.mktemp("upstream")
    sdist = tar_sdist(FIXTURES / "graftdemo", work / "dist")
    pure = make_wheel(work / "dist", "pureonly", "2.0")
    write_simple_tree([sdist, pure], work / "root")
    with static_server(work / "root") as url:
        yield f"{url}/simple/"


def check(project: Path, upstream: str) -> tuple[int, list[dict[str, str]], str]:
    (project / "requirements.txt").write_text("graftdemo==1.0.0\npureonly\n")
    result = wheelhouse_cli(
        "check",
        "-r",
        "requirements.txt",
        "--index-url",
        upstream,
        "--python",
        "3.11",
        "--arch",
        "x86_64",
        "--json",
        cwd=project,
    )
    verdicts = json.loads(result.stdout) if result.stdout else []
    return result.returncode, verdicts, result.stderr


def test_an_sdist_only_package_would_compile(tmp_path: Path, upstream: str) -> None:
    code, verdicts, stderr = check(tmp_path, upstream)
    assert code == 1, stderr
    by_name = {v["name"]: v["status"] for v in verdicts}
    assert by_name == {"graftdemo": "compiles", "pureonly": "upstream wheel"}
    assert "would not install from a wheel on Alpine: graftdemo 1.0.0" in stderr


def test_our_wheel_of_that_version_makes_it_install(tmp_path: Path, upstream: str) -> None:
    built = make_wheel(
        tmp_path / "elsewhere", "graftdemo", "1.0.0", tag="cp311-cp311-musllinux_1_2_x86_64"
    )
    (tmp_path / "wheelhouse").mkdir()
    shutil.copy2(built, tmp_path / "wheelhouse" / built.name)
    code, verdicts, stderr = check(tmp_path, upstream)
    assert code == 0, stderr
    assert {v["name"]: v["status"] for v in verdicts}["graftdemo"] == "our index"
