from __future__ import annotations

from pathlib import Path

import pytest
from packaging.requirements import Requirement

from builder.errors import UpstreamError
from builder.inputs.curated_list import ListEntry
from builder.inputs.locations import Location
from builder.resolve.build_targets import BuildTarget
from builder.resolve.closure import resolve_closure
from tests.unit.fakes import FakeIndex, sdist

PY311 = BuildTarget(python="3.11", arch="x86_64")
PY313 = BuildTarget(python="3.13", arch="x86_64")


def entries(*lines: str) -> list[ListEntry]:
    return [
        ListEntry(requirement=Requirement(line), location=Location(path=Path("deps.txt"), line=n))
        for n, line in enumerate(lines, start=1)
    ]


def index() -> FakeIndex:
    return FakeIndex(
        files={
            "app": [sdist("app", "1.0")],
            "lib": [sdist("lib", "1.0"), sdist("lib", "2.0"), sdist("lib", "3.0")],
            "base": [sdist("base", "1.0")],
            "old-only": [sdist("old-only", "1.0")],
            "socks": [sdist("socks", "1.0")],
        },
        requirements={
            ("app", "1.0"): [
                "lib>=1",
                'old-only ; python_version < "3.12"',
                'socks ; extra == "proxy"',
            ],
            ("lib", "3.0"): ["base"],
            ("lib", "2.0"): ["base"],
        },
    )


def names(result: list) -> list[str]:  # type: ignore[type-arg]
    return [f"{r.release.name}=={r.release.version}" for r in result]


def test_closure_follows_markers_per_python_and_orders_dependencies_first() -> None:
    assert names(resolve_closure(entries("app"), PY311, index(), follow_deps=True)) == [
        "base==1.0",
        "lib==3.0",
        "old-only==1.0",
        "app==1.0",
    ]
    assert names(resolve_closure(entries("app"), PY313, index(), follow_deps=True)) == [
        "base==1.0",
        "lib==3.0",
        "app==1.0",
    ]


def test_extras_pull_in_their_requirements() -> None:
    result = resolve_closure(entries("app[proxy]"), PY313, index(), follow_deps=True)
    assert "socks==1.0" in names(result)
    assert [r.direct for r in result if r.release.name == "app"] == [True]


def test_no_deps_resolves_only_the_list() -> None:
    result = resolve_closure(entries("app", "lib<3"), PY311, index(), follow_deps=False)
    assert names(result) == ["app==1.0", "lib==2.0"]


def test_a_later_tighter_requirement_is_honoured() -> None:
    # app asks lib>=1 first (3.0 chosen), the list then pins lib<3: the walk restarts.
    result = resolve_closure(entries("app", "lib<3"), PY311, index(), follow_deps=True)
    assert "lib==2.0" in names(result)
    assert "lib==3.0" not in names(result)


def test_markers_on_list_lines_are_evaluated_per_target() -> None:
    result = resolve_closure(
        entries('lib ; python_version >= "3.13"'), PY311, index(), follow_deps=True
    )
    assert result == []


def test_unknown_version_names_the_list_line() -> None:
    with pytest.raises(
        UpstreamError, match=r"lib>=9: no release matches \(newest is 3\.0\).*deps\.txt:1"
    ):
        resolve_closure(entries("lib>=9"), PY311, index(), follow_deps=True)


def test_unknown_project_names_the_line_that_asked_for_it() -> None:
    with pytest.raises(UpstreamError, match=r"no such project.*\(from deps\.txt:2\)"):
        resolve_closure(entries("lib", "nope"), PY311, MissingAware(index()), follow_deps=True)


class MissingAware:
    """The fake index, raising as the real one does for a project it does not know."""

    def __init__(self, inner: FakeIndex) -> None:
        self._inner = inner

    def releases(self, project: str):  # type: ignore[no-untyped-def]
        found = self._inner.releases(project)
        if not found:
            raise UpstreamError(f"{project}: no such project on http://index.invalid/simple/")
        return found

    def requirements(self, release):  # type: ignore[no-untyped-def]
        return self._inner.requirements(release)


def test_backtracks_to_an_older_release_when_a_newer_one_conflicts() -> None:
    """app 2.0 wants lib<2 but the list pins lib>=2: only app 1.0 fits (the old restart
    heuristic gave up here)."""
    source = FakeIndex(
        files={
            "app": [sdist("app", "1.0"), sdist("app", "2.0")],
            "lib": [sdist("lib", "1.0"), sdist("lib", "2.0")],
        },
        requirements={("app", "2.0"): ["lib<2"], ("app", "1.0"): ["lib>=1"]},
    )
    result = resolve_closure(entries("app", "lib>=2"), PY311, source, follow_deps=True)
    assert names(result) == ["lib==2.0", "app==1.0"]


def test_conflicting_pins_name_both_requirements_and_where_they_came_from() -> None:
    source = FakeIndex(
        files={"app": [sdist("app", "1.0")], "lib": [sdist("lib", "1.0"), sdist("lib", "2.0")]},
        requirements={("app", "1.0"): ["lib<2"]},
    )
    with pytest.raises(UpstreamError, match=r"lib>=2 \(from deps\.txt:2\).*required by app 1\.0"):
        resolve_closure(entries("app", "lib>=2"), PY311, source, follow_deps=True)


def test_markers_and_requires_python_see_the_full_python_version() -> None:
    source = FakeIndex(
        files={
            "new": [sdist("new", "1.0", requires_python=">=3.11.4")],
            "app": [sdist("app", "1.0")],
            "patch": [sdist("patch", "1.0")],
        },
        requirements={("app", "1.0"): ['patch ; python_full_version >= "3.11.2"']},
    )
    early = BuildTarget(python="3.11", arch="x86_64", python_full="3.11.2")
    late = BuildTarget(python="3.11", arch="x86_64", python_full="3.11.9")
    assert names(resolve_closure(entries("app"), early, source, follow_deps=True)) == [
        "patch==1.0",
        "app==1.0",
    ]
    assert names(resolve_closure(entries("new"), late, source, follow_deps=True)) == ["new==1.0"]
    with pytest.raises(UpstreamError, match=r"do not support Python 3\.11\.2"):
        resolve_closure(entries("new"), early, source, follow_deps=True)
