"""End-to-end tier: real Docker engine, real local (or pypa) images, real cibuildwheel."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from builder.host.images import local_tags, recipe_hash
from builder.pipeline import default_index_url
from tests.support import build_sdist, static_server, tar_sdist, wheelhouse_cli, write_simple_tree

FIXTURE_PACKAGES = Path(__file__).parent.parent / "fixtures" / "packages"
PROJECT = Path(__file__).parent / "project"


# The longest modules first (measured from nothing on 2026-12-07: test_today 21 min, test_rust
# 5, test_build with test_publish_install 5, test_aarch64 4; test_libraries 5.4 with the images
# built), so that on two pytest-xdist workers (make e2e: --dist loadfile, each module on one
# worker, where its module-scoped build runs once; --no-loadscope-reorder, or xdist would hand
# out the modules with the most tests first) neither worker is left with a long module at the
# end.
LONGEST_FIRST = (
    "test_today",
    "test_libraries",
    "test_rust",
    "test_build",
    "test_publish_install",
    "test_aarch64",
)


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    for item in items:
        if "tests/e2e/" in str(item.fspath):
            item.add_marker(pytest.mark.e2e)
    rank = {module: index for index, module in enumerate(LONGEST_FIRST)}
    items.sort(key=lambda item: rank.get(Path(str(item.fspath)).stem, len(rank)))  # stable


@pytest.fixture(scope="session")
def engine() -> None:
    """The Docker engine and the local images must be there: a missing one fails, never skips."""
    probe = subprocess.run(["docker", "version"], capture_output=True, text=True, check=False)
    if probe.returncode != 0:
        pytest.fail(f"the Docker engine is not running (bash .ci/run starts it): {probe.stderr}")
    if os.environ.get("WHEELHOUSE_IMAGES", "local") == "local":
        images = [
            image
            for arch in ("x86_64", "aarch64")
            for image in local_tags(arch, "musllinux_1_2", recipe_hash())[1:]
        ]
        for image in images:
            found = subprocess.run(
                ["docker", "image", "inspect", image], capture_output=True, check=False
            )
            if found.returncode != 0:
                pytest.fail(f"image {image} is missing: run `wheelhouse images build`")


@pytest.fixture(scope="session")
def fixture_index(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """The fixture projects' sdists, served as a PEP 503 index on a free loopback port."""
    work = tmp_path_factory.mktemp("fixture-index")
    sdists = [
        build_sdist(FIXTURE_PACKAGES / name, work / "dist")
        for name in ("graftdemo", "brokendemo", "skbuilddemo")
    ]
    sdists += [
        tar_sdist(FIXTURE_PACKAGES / name, work / "dist")
        for name in (
            "mesoncxxdemo",
            "ompdemo",
            "fetchdemo",
            "rustdemo",
            "fortrandemo",
            "bdepdemo",
            "sodiumdemo",
            "abi3demo",
        )
    ]
    write_simple_tree(sdists, work / "root")
    with static_server(work / "root") as url:
        yield f"{url}/simple/"


def make_project(
    directory: Path, fixture_index: str, *, pythons: list[str], archs: list[str]
) -> Path:
    """A copy of tests/e2e/project with a config pointing at the fixture index, then the
    upstream index (pip's default). Every project of the session shares one zig cache (under
    pytest's base directory, shared by pytest-xdist's workers too): zig compiles libc++ and
    musl's objects once per target for the whole run, not once per test module."""
    shutil.copytree(PROJECT, directory, dirs_exist_ok=True)
    (directory / "wheelhouse.toml").write_text(
        f"pythons = {json.dumps(pythons)}\n"
        f"archs = {json.dumps(archs)}\n"
        f'images = "{os.environ.get("WHEELHOUSE_IMAGES", "local")}"\n'
        f'index-url = "{fixture_index}"\n'
        f'extra-index-urls = ["{default_index_url()}"]\n'
        f'zig-cache = "{_shared_root(directory) / "shared-zig-cache"}"\n'
    )
    return directory


def _shared_root(directory: Path) -> Path:
    """pytest's base directory, where the session's projects are made; under pytest-xdist each
    worker has its own inside the run's, and the workers share that one."""
    return directory.parent.parent if os.environ.get("PYTEST_XDIST_WORKER") else directory.parent


@pytest.fixture(scope="session")
def e2e_project(tmp_path_factory: pytest.TempPathFactory, fixture_index: str, engine: None) -> Path:
    return make_project(
        tmp_path_factory.mktemp("project"),
        fixture_index,
        pythons=["3.11", "3.13"],
        archs=["x86_64"],
    )


@pytest.fixture(scope="session")
def first_run(e2e_project: Path) -> dict[str, Any]:
    """`wheelhouse build` over the e2e list, once per session; later tests use its wheelhouse."""
    result = wheelhouse_cli("build", "--list", "deps.txt", "--json", cwd=e2e_project)
    assert result.stdout, result.stderr
    return {"code": result.returncode, "report": json.loads(result.stdout), "stderr": result.stderr}
