"""Dependency closure of the curated list for one target, in build order (dependencies first).

A real resolver with backtracking (resolvelib, the engine inside pip) over a `ReleaseSource`
(the upstream index in production, a dictionary in unit tests). Markers and requires-python are
evaluated for the target's full Python version. A list that cannot be satisfied is an error
naming the requirements that conflict and where each came from.

resolvelib checks every pin against its criteria in every round, so one resolution costs the
square of the closure's size. Most lists never need to backtrack; they are resolved first by a
single pass that takes the same steps resolvelib would (same order of pins, same choices) and
gives up at the first step where resolvelib would have to revise a choice. Only then does
resolvelib run, from scratch.
"""

from __future__ import annotations

import heapq
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Protocol

from packaging.markers import Marker
from packaging.requirements import Requirement
from packaging.specifiers import SpecifierSet
from packaging.utils import NormalizedName, canonicalize_name
from packaging.version import Version
from resolvelib import AbstractProvider, BaseReporter, Resolver
from resolvelib.resolvers import ResolutionImpossible, ResolutionTooDeep, ResolverException

from builder.errors import UpstreamError
from builder.inputs.curated_list import ListEntry
from builder.resolve.build_targets import BuildTarget
from builder.resolve.releases import Release, explain_no_release, matching_releases

MAX_ROUNDS = 2000


class ReleaseSource(Protocol):
    def releases(self, project: str) -> dict[Version, Release]: ...

    def requirements(self, release: Release) -> list[Requirement]: ...


@dataclass(frozen=True, kw_only=True)
class Resolved:
    release: Release
    origin: str  # the list line, or "required by <parent> <version>"
    direct: bool
    extras: frozenset[str]


@dataclass(frozen=True, kw_only=True)
class _Need:
    """A requirement as the resolver sees it, with where it came from."""

    name: NormalizedName
    project: str  # as written, for messages
    extras: frozenset[str]
    specifier: SpecifierSet
    origin: str

    @property
    def key(self) -> str:
        return _key(self.name, self.extras)


@dataclass(frozen=True, kw_only=True)
class _Candidate:
    release: Release
    extras: frozenset[str]

    @property
    def key(self) -> str:
        return _key(self.release.name, self.extras)


def _key(name: str, extras: frozenset[str]) -> str:
    return f"{name}[{','.join(sorted(extras))}]" if extras else name


# Per identifier, what asked for it, in the order resolvelib records it: (need, parent pin).
Information = Mapping[str, Sequence[tuple[_Need, _Candidate | None]]]


def resolve_closure(
    entries: Sequence[ListEntry], target: BuildTarget, source: ReleaseSource, *, follow_deps: bool
) -> list[Resolved]:
    needs = list_needs(entries, target)
    if not needs:
        return []
    straight = resolve_straight(needs, target, source, follow_deps=follow_deps)
    if straight is not None:
        return straight
    return resolve_backtracking(needs, target, source, follow_deps=follow_deps)


def resolve_straight(
    needs: Sequence[_Need], target: BuildTarget, source: ReleaseSource, *, follow_deps: bool
) -> list[Resolved] | None:
    """The answer resolvelib would give, when it can be had without backtracking; else None."""
    provider = _Provider(target, source, follow_deps=follow_deps)
    straight = _without_backtracking(needs, provider)
    return None if straight is None else provider.ordered(*straight)


def resolve_backtracking(
    needs: Sequence[_Need], target: BuildTarget, source: ReleaseSource, *, follow_deps: bool
) -> list[Resolved]:
    provider = _Provider(target, source, follow_deps=follow_deps)
    resolver: Resolver[_Need, _Candidate, str] = Resolver(provider, BaseReporter())
    try:
        result = resolver.resolve(needs, max_rounds=MAX_ROUNDS)
    except ResolutionImpossible as impossible:
        raise provider.explain(impossible.causes) from None
    except ResolutionTooDeep:
        raise UpstreamError(
            f"could not settle versions for {target} within {MAX_ROUNDS} resolver rounds",
            hint="pin the packages of the list more tightly",
        ) from None
    except ResolverException as exc:  # pragma: no cover  (resolvelib's other failures)
        raise UpstreamError(f"resolving for {target} failed: {exc}") from None
    information = {
        key: [(info.requirement, info.parent) for info in criterion.information]
        for key, criterion in result.criteria.items()
    }
    return provider.ordered(result.mapping, information)


def _without_backtracking(
    needs: Sequence[_Need], provider: _Provider
) -> tuple[dict[str, _Candidate], Information] | None:
    """resolvelib's steps while none of them needs a choice revised, in linear time: the same
    candidates (the best match of every requirement recorded so far), pinned in the order its
    preference gives when nothing has conflicted (the list's own names first, then by name).
    None as soon as a requirement has no match or rules out a pin already made; resolvelib then
    starts again and backtracks (or explains the conflict)."""
    information: dict[str, list[tuple[_Need, _Candidate | None]]] = {}
    best: dict[str, _Candidate] = {}
    mapping: dict[str, _Candidate] = {}
    queue: list[tuple[bool, str]] = []

    def add(need: _Need, parent: _Candidate | None) -> bool:
        key = need.key
        recorded = information.setdefault(key, [])
        if not recorded:
            heapq.heappush(queue, (parent is not None, key))
        recorded.append((need, parent))
        match = next(provider.matches([n for n, _ in recorded], ()), None)
        if match is None:
            return False
        best[key] = match
        pinned = mapping.get(key)
        return pinned is None or provider.is_satisfied_by(need, pinned)

    for need in needs:
        if not add(need, None):
            return None
    while queue:
        _, key = heapq.heappop(queue)
        candidate = best[key]
        mapping[key] = candidate
        for dependency in provider.get_dependencies(candidate):
            if not add(dependency, candidate):
                return None
    return mapping, information


def list_needs(entries: Sequence[ListEntry], target: BuildTarget) -> list[_Need]:
    """The list's requirements whose markers apply to the target, in list order."""
    return [
        _need(entry.requirement, str(entry.location))
        for entry in entries
        if _marker_applies(entry.requirement.marker, target, frozenset())
    ]


def _need(requirement: Requirement, origin: str) -> _Need:
    return _Need(
        name=canonicalize_name(requirement.name),
        extras=frozenset(canonicalize_name(extra) for extra in requirement.extras),
        project=requirement.name,
        specifier=requirement.specifier,
        origin=origin,
    )


def _marker_applies(marker: Marker | None, target: BuildTarget, extras: frozenset[str]) -> bool:
    if marker is None:
        return True
    environment = target.marker_environment()
    return any(marker.evaluate({**environment, "extra": extra}) for extra in (extras | {""}))


class _Provider(AbstractProvider[_Need, _Candidate, str]):
    def __init__(self, target: BuildTarget, source: ReleaseSource, *, follow_deps: bool) -> None:
        self.target = target
        self.source = source
        self.follow_deps = follow_deps
        self.seen: list[str] = []  # names in the order they were first asked for
        self.children: dict[tuple[str, Version], list[str]] = {}
        self._newest_first: dict[str, list[Version]] = {}  # each project's versions, sorted once

    # -- resolvelib's questions ------------------------------------------------------------
    def identify(self, requirement_or_candidate: _Need | _Candidate) -> str:
        return requirement_or_candidate.key

    def get_preference(
        self,
        identifier: str,
        resolutions: Mapping[str, _Candidate],  # noqa: ARG002
        candidates: Mapping[str, Iterator[_Candidate]],  # noqa: ARG002
        information: Mapping[str, Iterator[Any]],
        backtrack_causes: Sequence[Any],
    ) -> tuple[bool, bool, str]:
        causes = {cause.requirement.name for cause in backtrack_causes}
        direct = any(info.parent is None for info in information[identifier])
        # Conflicting names first (backtrack where the trouble is), then the list's own lines.
        return (identifier.split("[", maxsplit=1)[0] not in causes, not direct, identifier)

    def find_matches(
        self,
        identifier: str,
        requirements: Mapping[str, Iterator[_Need]],
        incompatibilities: Mapping[str, Iterator[_Candidate]],
    ) -> list[_Candidate]:
        return list(self.matches(list(requirements[identifier]), incompatibilities[identifier]))

    def matches(
        self, needs: Sequence[_Need], incompatible: Iterable[_Candidate]
    ) -> Iterator[_Candidate]:
        """Candidates for every need of one identifier, best first (lazily)."""
        first = needs[0]
        if first.name not in self.seen:
            self.seen.append(first.name)
        releases = self._releases(first)
        if first.name not in self._newest_first:
            self._newest_first[first.name] = sorted(releases, reverse=True)
        order = self._newest_first[first.name]
        excluded = {candidate.release.version for candidate in incompatible}
        if excluded:
            order = [version for version in order if version not in excluded]
        specifier = SpecifierSet()
        for need in needs:
            specifier &= need.specifier
        for release in matching_releases(releases, specifier, self.target, newest_first=order):
            yield _Candidate(release=release, extras=first.extras)

    def is_satisfied_by(self, requirement: _Need, candidate: _Candidate) -> bool:
        return requirement.specifier.contains(candidate.release.version, prereleases=True)

    def get_dependencies(self, candidate: _Candidate) -> list[_Need]:
        release = candidate.release
        needs: list[_Need] = []
        if candidate.extras:  # name[extra] stands on name, at the same version
            needs.append(
                _Need(
                    name=canonicalize_name(release.name),
                    project=release.name,
                    extras=frozenset(),
                    specifier=SpecifierSet(f"=={release.version}"),
                    origin=candidate.key,
                )
            )
        if self.follow_deps:
            origin = f"required by {release.name} {release.version}"
            needs += [
                _need(dependency, origin)
                for dependency in self.source.requirements(release)
                if _marker_applies(dependency.marker, self.target, candidate.extras)
            ]
        self.children[(release.name, release.version)] = [
            need.name for need in needs if need.name != release.name
        ]
        return needs

    # -- reading the result -------------------------------------------------------------------
    def _releases(self, need: _Need) -> dict[Version, Release]:
        try:
            return self.source.releases(need.name)
        except UpstreamError as exc:
            raise UpstreamError(f"{exc.message} (from {need.origin})", hint=exc.hint) from None

    def explain(self, causes: Iterable[Any]) -> UpstreamError:
        needs: list[_Need] = [cause.requirement for cause in causes]
        names = {need.name for need in needs}
        if len(names) == 1 and len(needs) == 1:
            need = needs[0]
            reason = explain_no_release(
                need.project, self._releases(need), need.specifier, self.target
            )
            return UpstreamError(f"{reason} (for {self.target}; from {need.origin})")
        wanted = "; ".join(f"{need.project}{need.specifier} (from {need.origin})" for need in needs)
        return UpstreamError(
            f"no versions satisfy every requirement for {self.target}: {wanted}",
            hint="loosen or align these pins in the list",
        )

    def ordered(
        self, mapping: Mapping[str, _Candidate], information: Information
    ) -> list[Resolved]:
        """Dependencies before dependents; ties keep discovery order. Cycles are broken."""
        chosen: dict[str, Release] = {}
        extras: dict[str, frozenset[str]] = {}
        origins: dict[str, str] = {}
        direct: set[str] = set()
        for key, candidate in mapping.items():
            name = candidate.release.name
            chosen[name] = candidate.release
            extras[name] = extras.get(name, frozenset()) | candidate.extras
            for need, parent in information[key]:
                if parent is None:
                    direct.add(name)
                    origins[name] = need.origin
                elif name not in origins and not need.origin.startswith(name + "["):
                    origins[name] = need.origin
        order = [name for name in self.seen if name in chosen]
        result: list[str] = []
        state: set[str] = set()

        def visit(name: str) -> None:
            if name in state:
                return
            state.add(name)
            children = self.children.get((name, chosen[name].version), [])
            for child in sorted({c for c in children if c in chosen}, key=order.index):
                visit(child)
            result.append(name)

        for name in order:
            visit(name)
        return [
            Resolved(
                release=chosen[name],
                origin=origins.get(name, ""),
                direct=name in direct,
                extras=extras[name],
            )
            for name in result
        ]
