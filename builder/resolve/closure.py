"""Dependency closure of the curated list for one target, in build order (dependencies first).

Pure over a `ReleaseSource` (the upstream index in production, a dictionary in unit tests). The
resolver picks the newest release allowed by every specifier seen so far; when a later requirement
excludes a release already picked, it starts again with the tighter specifier, a bounded number of
times. That is enough for curated lists; a list that needs real backtracking gets an error naming
both requirements.
"""

from __future__ import annotations

from collections import deque
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Protocol

from packaging.markers import Marker
from packaging.requirements import Requirement
from packaging.specifiers import SpecifierSet
from packaging.utils import canonicalize_name
from packaging.version import Version

from builder.errors import UpstreamError
from builder.inputs.curated_list import ListEntry
from builder.resolve.build_targets import BuildTarget
from builder.resolve.releases import Release, choose_release, explain_no_release

MAX_RESTARTS = 20


class ReleaseSource(Protocol):
    def releases(self, project: str) -> dict[Version, Release]: ...

    def requirements(self, release: Release) -> list[Requirement]: ...


@dataclass(frozen=True, kw_only=True)
class Resolved:
    release: Release
    origin: str  # the list line, or "required by <parent> <version>"
    direct: bool
    extras: frozenset[str]


def resolve_closure(
    entries: Sequence[ListEntry], target: BuildTarget, source: ReleaseSource, *, follow_deps: bool
) -> list[Resolved]:
    pinned: dict[str, SpecifierSet] = {}
    for _ in range(MAX_RESTARTS):
        walk = _Walk(target, source, follow_deps=follow_deps, pinned=pinned)
        conflict = walk.run(entries)
        if conflict is None:
            return walk.ordered()
        name, specifier = conflict
        pinned = {**pinned, name: pinned.get(name, SpecifierSet()) & specifier}
    raise UpstreamError(
        f"could not settle versions for {target} after {MAX_RESTARTS} attempts",
        hint="pin the packages named above in the list",
    )


def _marker_applies(marker: Marker | None, target: BuildTarget, extras: frozenset[str]) -> bool:
    if marker is None:
        return True
    environment = target.marker_environment()
    for extra in (extras or frozenset()) | {""}:
        if marker.evaluate({**environment, "extra": extra}):
            return True
    return False


class _Walk:
    def __init__(
        self,
        target: BuildTarget,
        source: ReleaseSource,
        *,
        follow_deps: bool,
        pinned: dict[str, SpecifierSet],
    ) -> None:
        self.target = target
        self.source = source
        self.follow_deps = follow_deps
        self.specs: dict[str, SpecifierSet] = dict(pinned)
        self.extras: dict[str, frozenset[str]] = {}
        self.chosen: dict[str, Release] = {}
        self.origin: dict[str, str] = {}
        self.direct: set[str] = set()
        self.edges: dict[str, set[str]] = {}
        self.order_seen: list[str] = []

    def run(self, entries: Sequence[ListEntry]) -> tuple[str, SpecifierSet] | None:
        queue: deque[tuple[Requirement, str, str | None]] = deque()
        for entry in entries:
            if _marker_applies(entry.requirement.marker, self.target, frozenset()):
                queue.append((entry.requirement, str(entry.location), None))
                self.direct.add(entry.name)
        while queue:
            requirement, origin, parent = queue.popleft()
            name = canonicalize_name(requirement.name)
            if parent is not None:
                self.edges.setdefault(parent, set()).add(name)
            spec = self.specs.get(name, SpecifierSet()) & requirement.specifier
            self.specs[name] = spec
            old_extras = self.extras.get(name, frozenset())
            new_extras = old_extras | frozenset(requirement.extras)
            self.extras[name] = new_extras
            current = self.chosen.get(name)
            if current is not None:
                if not spec.contains(current.version, prereleases=True):
                    return name, spec
                if new_extras == old_extras:
                    continue
            else:
                releases = self._releases(name, origin)
                release = choose_release(releases, spec, self.target)
                if release is None:
                    reason = explain_no_release(requirement.name, releases, spec, self.target)
                    raise UpstreamError(f"{reason} (for {self.target}; from {origin})")
                self.chosen[name] = release
                self.origin[name] = origin
                self.order_seen.append(name)
            if not self.follow_deps:
                continue
            release = self.chosen[name]
            for dependency in self.source.requirements(release):
                if _marker_applies(dependency.marker, self.target, new_extras):
                    queue.append(
                        (dependency, f"required by {release.name} {release.version}", name)
                    )
        return None

    def _releases(self, name: str, origin: str) -> dict[Version, Release]:
        try:
            return self.source.releases(name)
        except UpstreamError as exc:
            raise UpstreamError(f"{exc.message} (from {origin})", hint=exc.hint) from None

    def ordered(self) -> list[Resolved]:
        """Dependencies before dependents; ties keep discovery order. Cycles are broken."""
        result: list[str] = []
        state: dict[str, int] = {}

        def visit(name: str) -> None:
            if state.get(name) is not None:
                return
            state[name] = 0
            for child in sorted(self.edges.get(name, ()), key=self.order_seen.index):
                visit(child)
            state[name] = 1
            result.append(name)

        for name in self.order_seen:
            visit(name)
        return [
            Resolved(
                release=self.chosen[name],
                origin=self.origin[name],
                direct=name in self.direct,
                extras=self.extras.get(name, frozenset()),
            )
            for name in result
        ]
