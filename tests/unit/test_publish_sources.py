"""Which wheels `wheelhouse publish` takes from a wheelhouse or a manifest, and what it refuses."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from app.publishing import collect_wheels
from builder.errors import InputError
from builder.wheelhouse.manifest import WheelEntry
from builder.wheelhouse.store import Wheelhouse
from index.clock import SystemClock
from index.dist_files import file_sha256
from index.errors import IndexProblem
from tests.support import make_wheel


def record(wheelhouse: Path, *paths: Path) -> None:
    wheelhouse_dir = Wheelhouse(wheelhouse, clock=SystemClock())
    for path in paths:
        wheelhouse_dir.manifest.add(
            WheelEntry(
                filename=path.name,
                name="x",
                version="1",
                tags=[],
                sha256=file_sha256(path),
                size=path.stat().st_size,
                action="build",
                source_sha256="",
                key="k",
            )
        )
    wheelhouse_dir.save()


def test_the_wheelhouse_manifest_vouches_for_each_sha256(tmp_path: Path) -> None:
    alpha = make_wheel(tmp_path, "alpha", "1.0")
    record(tmp_path, alpha)
    make_wheel(tmp_path, "beta", "1.0")  # not in the manifest: checked, published
    assert [d.entry.filename for d in collect_wheels(tmp_path)] == [
        "alpha-1.0-py3-none-any.whl",
        "beta-1.0-py3-none-any.whl",
    ]
    make_wheel(tmp_path, "alpha", "1.0", payload="CHANGED = 1\n")
    with pytest.raises(IndexProblem, match="differs from the manifest"):
        collect_wheels(tmp_path)


def test_a_manifest_selects_its_wheels_and_must_have_them_beside_it(tmp_path: Path) -> None:
    alpha = make_wheel(tmp_path, "alpha", "1.0")
    make_wheel(tmp_path, "beta", "1.0")
    record(tmp_path, alpha)
    chosen = collect_wheels(tmp_path / "ignored", manifest=tmp_path / "wheelhouse-manifest.json")
    assert [d.entry.filename for d in chosen] == ["alpha-1.0-py3-none-any.whl"]
    alpha.unlink()
    with pytest.raises(InputError, match="lists wheels that are not beside it"):
        collect_wheels(tmp_path, manifest=tmp_path / "wheelhouse-manifest.json")


def test_an_empty_or_missing_wheelhouse_is_an_input_error(tmp_path: Path) -> None:
    with pytest.raises(InputError, match="no wheelhouse at"):
        collect_wheels(tmp_path / "missing")
    with pytest.raises(InputError, match="nothing to publish"):
        collect_wheels(tmp_path)
    (tmp_path / "wheelhouse-manifest.json").write_text(json.dumps({"wheels": [{"oops": 1}]}))
    with pytest.raises(InputError, match="not a wheelhouse manifest"):
        collect_wheels(tmp_path, manifest=tmp_path / "wheelhouse-manifest.json")


@pytest.mark.parametrize("name", ["../outside-1.0-py3-none-any.whl", "/etc/passwd", "notawheel"])
def test_a_manifest_naming_files_outside_its_directory_is_refused(
    tmp_path: Path, name: str
) -> None:
    (tmp_path / "wheelhouse-manifest.json").write_text(
        json.dumps(
            {
                "wheels": [
                    {
                        "filename": name,
                        "name": "x",
                        "version": "1",
                        "tags": [],
                        "sha256": "0",
                        "size": 1,
                        "action": "build",
                        "source_sha256": "",
                        "key": "k",
                    }
                ]
            }
        )
    )
    with pytest.raises(InputError, match="is not a wheel file name beside the manifest"):
        collect_wheels(tmp_path, manifest=tmp_path / "wheelhouse-manifest.json")
