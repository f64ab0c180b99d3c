"""The release-age cooldown, over a dictionary index with upload times (PEP 700)."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from packaging.version import Version

from builder.errors import InputError, UpstreamError
from builder.inputs.settings import load_settings, parse_age
from builder.pipeline import resolve_targets
from builder.resolve.build_targets import BuildTarget
from builder.resolve.cooldown import Cooldown, uploaded
from index.pages.simple_pages import IndexFile
from tests.unit.fakes import FakeIndex, sdist, wheel
from tests.unit.test_closure import PY311, entries

NOW = datetime(2026, 12, 7, 12, 0, tzinfo=UTC)


def silent(target: BuildTarget) -> None:
    """The resolver's progress note, not printed."""


def dated(file: IndexFile, days_ago: float) -> IndexFile:
    return replace(file, upload_time=(NOW - timedelta(days=days_ago)).isoformat())


def index(*, undated: bool = False) -> FakeIndex:
    files = [
        dated(sdist("lib", "1.0"), 40),
        dated(wheel("lib-1.0-py3-none-any.whl"), 39),
        dated(sdist("lib", "1.1"), 10),
        dated(sdist("lib", "2.0"), 2),  # too young for 7 days
        dated(wheel("lib-2.0-py3-none-any.whl"), 1),
        dated(sdist("app", "1.0"), 30),
    ]
    if undated:
        files = [replace(file, upload_time=None) for file in files]
    by_name: dict[str, list[IndexFile]] = {}
    for file in files:
        by_name.setdefault(file.filename.split("-")[0], []).append(file)
    return FakeIndex(by_name, {("app", "1.0"): ["lib>=1.0"]})


def test_ages_parse_and_bad_ones_are_input_errors(tmp_path: Path) -> None:
    assert parse_age("7d") == timedelta(days=7)
    assert parse_age(" 36h ") == timedelta(hours=36)
    assert parse_age("2w") == timedelta(weeks=2)
    assert parse_age("0") == timedelta(0)
    (tmp_path / "wheelhouse.toml").write_text('min-release-age = "a week"\n')
    with pytest.raises(InputError, match="min-release-age = 'a week' is not an age"):
        load_settings(config=None, cwd=tmp_path, env={})


def test_a_release_is_as_old_as_its_first_file() -> None:
    release = index().releases("lib")[Version("2.0")]
    assert uploaded(release) == NOW - timedelta(days=2)
    assert uploaded(replace(release, sdist=None, wheels=())) is None


def test_younger_releases_are_held_back_and_the_plan_says_until_when() -> None:
    cooled = Cooldown(source=index(), min_age=timedelta(days=7), now=NOW)
    (resolved,) = resolve_targets(
        entries("app"), [PY311], cooled, follow_deps=True, note=silent
    ).values()
    assert {item.release.name: str(item.release.version) for item in resolved} == {
        "app": "1.0",
        "lib": "1.1",
    }
    (note,) = cooled.notes({"app": {Version("1.0")}, "lib": {Version("1.1")}}, "7d")
    assert note == (
        "min-release-age 7d held back lib 2.0 (uploaded 2026-12-05 12:00 UTC, "
        "eligible from 2026-12-12 12:00 UTC)"
    )


def test_releases_without_upload_times_are_not_held_and_the_plan_says_so() -> None:
    cooled = Cooldown(source=index(undated=True), min_age=timedelta(days=7), now=NOW)
    (resolved,) = resolve_targets(
        entries("app"), [PY311], cooled, follow_deps=True, note=silent
    ).values()
    assert {str(item.release.version) for item in resolved if item.release.name == "lib"} == {"2.0"}
    (note,) = cooled.notes({"app": {Version("1.0")}, "lib": {Version("2.0")}}, "7d")
    assert "no upload times for app, lib" in note


def test_a_pin_on_a_held_release_fails_with_the_date_it_becomes_eligible() -> None:
    cooled = Cooldown(source=index(), min_age=timedelta(days=7), now=NOW)
    with pytest.raises(UpstreamError) as raised:
        resolve_targets(entries("lib==2.0"), [PY311], cooled, follow_deps=True, note=silent)
    assert raised.value.hint is not None
    assert "lib 2.0 (uploaded 2026-12-05 12:00 UTC, eligible from 2026-12-12" in raised.value.hint
