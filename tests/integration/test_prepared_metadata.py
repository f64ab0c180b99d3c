"""An sdist without static requirements: its build backend is asked (PEP 517), once."""

from __future__ import annotations

import os
import tarfile
from pathlib import Path

import pytest

from builder.errors import UpstreamError
from builder.host.commands import CommandRunner
from builder.resolve.core_metadata import requirements_from_metadata, requirements_from_sdist
from builder.resolve.prepared_metadata import prepared_metadata

FIXTURE = Path(__file__).resolve().parent.parent / "fixtures" / "packages" / "dynamicdeps"


def plain_sdist(tmp_path: Path) -> Path:
    """The fixture as a bare sdist: a PKG-INFO without Requires-Dist and no egg-info."""
    sdist = tmp_path / "dynamicdeps-1.0.tar.gz"
    pkg_info = tmp_path / "PKG-INFO"
    pkg_info.write_text("Metadata-Version: 2.1\nName: dynamicdeps\nVersion: 1.0\n")
    with tarfile.open(sdist, "w:gz") as archive:
        for path in sorted(FIXTURE.iterdir()):
            archive.add(path, arcname=f"dynamicdeps-1.0/{path.name}")
        archive.add(pkg_info, arcname="dynamicdeps-1.0/PKG-INFO")
    return sdist


def test_the_build_backend_says_what_the_sdist_does_not(tmp_path: Path) -> None:
    sdist = plain_sdist(tmp_path)
    assert requirements_from_sdist(sdist.read_bytes(), sdist.name) is None
    commands = CommandRunner(env=os.environ)
    cache = tmp_path / "cache"
    metadata = prepared_metadata(commands, sdist, identity="sha256-x", cache_dir=cache)
    assert [str(r) for r in requirements_from_metadata(metadata)] == ["six>=1.5"]
    sdist.unlink()  # the second answer comes from the cache
    assert prepared_metadata(commands, sdist, identity="sha256-x", cache_dir=cache) == metadata


def test_a_backend_that_fails_names_the_sdist(tmp_path: Path) -> None:
    broken = tmp_path / "broken-1.0.tar.gz"
    setup = tmp_path / "setup.py"
    setup.write_text("raise SystemExit('this sdist cannot say')\n")
    with tarfile.open(broken, "w:gz") as archive:
        archive.add(setup, arcname="broken-1.0/setup.py")
    commands = CommandRunner(env=os.environ)
    with pytest.raises(UpstreamError, match=r"broken-1\.0\.tar\.gz: its build backend could not"):
        prepared_metadata(commands, broken, identity="sha256-y", cache_dir=tmp_path / "cache")
