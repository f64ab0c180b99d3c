"""`wheelhouse build --dry-run` is pure: with no reachable Docker engine it still plans, naming
the images it would use (ids unknown) instead of failing or pulling."""

from __future__ import annotations

import json
import os
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.support import static_server, tar_sdist, wheelhouse_cli, write_simple_tree

FIXTURES = Path(__file__).resolve().parent.parent / "fixtures" / "packages"


@pytest.fixture(scope="module")
def graftdemo_index(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    work = tmp_path_factory.mktemp("index")
    sdist = tar_sdist(FIXTURES / "graftdemo", work / "dist")
    write_simple_tree([sdist], work / "root")
    with static_server(work / "root") as url:
        yield f"{url}/simple/"


@pytest.mark.parametrize("images", ["local", "auto"])
def test_a_dry_run_plans_without_an_engine(
    tmp_path: Path, graftdemo_index: str, images: str
) -> None:
    (tmp_path / "deps.txt").write_text("graftdemo==1.0.0\n")
    (tmp_path / "wheelhouse.toml").write_text(
        f'pythons = ["3.11"]\narchs = ["x86_64"]\nimages = "{images}"\n'
        f'index-url = "{graftdemo_index}"\n'
    )
    env = {**os.environ, "DOCKER_HOST": f"unix://{tmp_path}/no-engine.sock"}
    result = wheelhouse_cli(
        "build", "--list", "deps.txt", "--dry-run", "--json", "--no-deps", cwd=tmp_path, env=env
    )
    assert result.returncode == 0, result.stderr
    plan = json.loads(result.stdout)
    assert [(job["name"], job["action"]) for job in plan["jobs"]] == [("graftdemo", "build")]
    assert any("not reachable" in note for note in plan["notes"]), plan["notes"]
    assert "wheelhouse-local/musllinux_1_2_x86_64-builder:" in result.stderr
    assert not (tmp_path / "wheelhouse").exists()  # a dry run writes nothing
