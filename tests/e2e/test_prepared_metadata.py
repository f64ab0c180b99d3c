"""An sdist without static requirements: its build backend is asked (PEP 517), once, and only
ever inside a container of the builder image: upstream code never runs on the host."""

from __future__ import annotations

import os
import tarfile
import uuid
from pathlib import Path

import pytest

from builder.errors import EnvironmentProblem, UpstreamError
from builder.host.commands import CommandRunner
from builder.host.containers import Containers
from builder.host.images import local_tags, recipe_hash
from builder.resolve.core_metadata import requirements_from_metadata, requirements_from_sdist
from builder.resolve.prepared_metadata import Prepare, in_container, prepared_metadata, refused

FIXTURE = Path(__file__).resolve().parent.parent / "fixtures" / "packages" / "dynamicdeps"


@pytest.fixture(scope="module")
def prepare(engine: None) -> Prepare:
    builder = local_tags("x86_64", "musllinux_1_2", recipe_hash())[1]
    return in_container(Containers(CommandRunner(env=os.environ)), image=builder, arch="x86_64")


def plain_sdist(tmp_path: Path, setup: str | None = None, name: str = "dynamicdeps") -> Path:
    """The fixture as a bare sdist: a PKG-INFO without Requires-Dist and no egg-info; or an
    sdist of just the given setup.py."""
    sdist = tmp_path / f"{name}-1.0.tar.gz"
    pkg_info = tmp_path / "PKG-INFO"
    pkg_info.write_text(f"Metadata-Version: 2.1\nName: {name}\nVersion: 1.0\n")
    with tarfile.open(sdist, "w:gz") as archive:
        if setup is None:
            for path in sorted(FIXTURE.iterdir()):
                archive.add(path, arcname=f"{name}-1.0/{path.name}")
        else:
            script = tmp_path / "setup.py"
            script.write_text(setup)
            archive.add(script, arcname=f"{name}-1.0/setup.py")
        archive.add(pkg_info, arcname=f"{name}-1.0/PKG-INFO")
    return sdist


def test_the_build_backend_says_what_the_sdist_does_not(tmp_path: Path, prepare: Prepare) -> None:
    sdist = plain_sdist(tmp_path)
    assert requirements_from_sdist(sdist.read_bytes(), sdist.name) is None
    cache = tmp_path / "cache"
    metadata = prepared_metadata(prepare, sdist, identity="sha256-x", cache_dir=cache)
    assert [str(r) for r in requirements_from_metadata(metadata)] == ["six>=1.5"]
    sdist.unlink()  # the second answer comes from the cache
    assert prepared_metadata(prepare, sdist, identity="sha256-x", cache_dir=cache) == metadata


def test_a_backend_that_fails_names_the_sdist(tmp_path: Path, prepare: Prepare) -> None:
    broken = plain_sdist(tmp_path, "raise SystemExit('this sdist cannot say')\n", name="broken")
    with pytest.raises(UpstreamError, match=r"broken-1\.0\.tar\.gz: its build backend could not"):
        prepared_metadata(prepare, broken, identity="sha256-y", cache_dir=tmp_path / "cache")


def test_a_hostile_backend_writes_nothing_on_the_host(tmp_path: Path, prepare: Prepare) -> None:
    # Its setup.py writes a file where it runs, and says where, before it declares its metadata.
    marker = Path("/tmp") / f"wheelhouse-hostile-{uuid.uuid4().hex}"
    setup = (
        "import pathlib, platform, setuptools\n"
        f"pathlib.Path({str(marker)!r}).write_text('ran here')\n"
        "print('hostile backend ran on', platform.libc_ver())\n"
        "setuptools.setup(name='hostile', version='1.0', install_requires=['six'])\n"
    )
    sdist = plain_sdist(tmp_path, setup, name="hostile")
    metadata = prepared_metadata(prepare, sdist, identity="sha256-z", cache_dir=tmp_path / "c")
    assert [str(r) for r in requirements_from_metadata(metadata)] == ["six"]
    assert not marker.exists()  # it ran, in a container that is gone


def test_without_a_container_such_an_sdist_is_refused_not_run(tmp_path: Path) -> None:
    marker = tmp_path / "ran"
    sdist = plain_sdist(tmp_path, f"open({str(marker)!r}, 'w').write('ran')\n", name="hostile")
    with pytest.raises(EnvironmentProblem, match=r"hostile-1\.0\.tar\.gz declares its req"):
        prepared_metadata(
            refused("the Docker engine is not reachable"),
            sdist,
            identity="sha256-w",
            cache_dir=tmp_path / "cache",
        )
    assert not marker.exists()
