"""The straight pass (no backtracking) gives resolvelib's own answer, or none at all."""

from __future__ import annotations

import itertools
from pathlib import Path

import pytest
from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st
from packaging.requirements import Requirement

from builder.errors import UpstreamError
from builder.inputs.curated_list import ListEntry
from builder.inputs.locations import Location
from builder.resolve.build_targets import BuildTarget
from builder.resolve.closure import (
    Resolved,
    list_needs,
    resolve_backtracking,
    resolve_straight,
)
from tests.unit.fakes import FakeIndex, sdist

PY311 = BuildTarget(python="3.11", arch="x86_64")
NAMES = ("alpha", "beta", "gamma", "delta", "eps")
SPECIFIERS = ("", ">=2", "<3", "==1", "!=2", ">1,<3")
MARKERS = ("", ' ; extra == "x"', ' ; python_version < "3.12"', ' ; python_version >= "3.12"')


@st.composite
def indexes(draw: st.DrawFn) -> tuple[FakeIndex, list[str]]:
    files = {}
    requirements: dict[tuple[str, str], list[str]] = {}
    for name in NAMES:
        versions = draw(st.sets(st.sampled_from(("1", "2", "3")), min_size=1))
        files[name] = [
            sdist(name, version, requires_python=draw(st.sampled_from((None, None, ">=3.12"))))
            for version in sorted(versions)
        ]
        for version in versions:
            requirements[(name, version)] = [
                draw(st.sampled_from(NAMES))
                + draw(st.sampled_from(("", "", "[x]")))
                + draw(st.sampled_from(SPECIFIERS))
                + draw(st.sampled_from(MARKERS))
                for _ in range(draw(st.integers(min_value=0, max_value=3)))
            ]
    lines = [
        draw(st.sampled_from(NAMES))
        + draw(st.sampled_from(("", "[x]")))
        + draw(st.sampled_from(SPECIFIERS))
        for _ in range(draw(st.integers(min_value=1, max_value=3)))
    ]
    return FakeIndex(files=files, requirements=requirements), lines


def entries(lines: list[str]) -> list[ListEntry]:
    return [
        ListEntry(requirement=Requirement(line), location=Location(path=Path("deps.txt"), line=n))
        for n, line in enumerate(lines, start=1)
    ]


def outcome(resolve: object) -> list[Resolved] | str:
    try:
        return resolve()  # type: ignore[operator,no-any-return]
    except UpstreamError as error:
        return error.message


@settings(max_examples=600, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(indexes(), st.booleans())
def test_the_straight_pass_answers_as_resolvelib_does(
    case: tuple[FakeIndex, list[str]], follow_deps: bool
) -> None:
    index, lines = case
    needs = list_needs(entries(lines), PY311)
    straight = resolve_straight(needs, PY311, index, follow_deps=follow_deps)
    event("straight" if straight is not None else "resolvelib")
    if straight is not None:
        assert straight == outcome(
            lambda: resolve_backtracking(needs, PY311, index, follow_deps=follow_deps)
        )


def chain(size: int) -> FakeIndex:
    names = [f"p{i:04d}" for i in range(size)]
    return FakeIndex(
        files={name: [sdist(name, "1.0"), sdist(name, "2.0")] for name in names},
        requirements={(a, "2.0"): [f"{b}>=1"] for a, b in itertools.pairwise(names)},
    )


def test_a_long_list_without_conflicts_never_reaches_resolvelib() -> None:
    size = 400
    needs = list_needs(entries([f"p{i:04d}" for i in range(size)]), PY311)
    result = resolve_straight(needs, PY311, chain(size), follow_deps=True)
    assert result is not None
    assert [r.release.name for r in result][:2] == [f"p{size - 1:04d}", f"p{size - 2:04d}"]
    assert {str(r.release.version) for r in result} == {"2.0"}


@pytest.mark.parametrize(
    "lines",
    [
        ["base", "zeta"],  # base 2.0 is pinned first; zeta, pinned next, wants base<2
        ["zeta", "nothing-like-it"],  # no such project
        ["zeta>5"],  # no release matches
    ],
)
def test_it_hands_over_when_a_choice_must_be_revised_or_nothing_matches(lines: list[str]) -> None:
    index = FakeIndex(
        files={"base": [sdist("base", "1.0"), sdist("base", "2.0")], "zeta": [sdist("zeta", "1")]},
        requirements={("zeta", "1"): ["base<2"]},
    )
    needs = list_needs(entries(lines), PY311)
    try:
        assert resolve_straight(needs, PY311, index, follow_deps=True) is None
    except UpstreamError as error:  # an unknown project is an error either way
        assert "nothing-like-it" in error.message
    if lines[0] == "base":
        resolved = resolve_backtracking(needs, PY311, index, follow_deps=True)
        assert [f"{r.release.name}=={r.release.version}" for r in resolved] == [
            "base==1.0",
            "zeta==1",
        ]
