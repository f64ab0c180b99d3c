"""Dependency closure of the curated list for one target, in build order (dependencies first).

A real resolver with backtracking (resolvelib, the engine inside pip) over a `ReleaseSource`
(the upstream index in production, a dictionary in unit tests). Markers and requires-python are
evaluated for the target's full Python version. A list that cannot be satisfied is an error
naming the requirements that conflict and where each came from.
"""

from __future__ import annotations

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
from builder.resolve.releases import Release, choose_release, explain_no_release

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


def resolve_closure(
    entries: Sequence[ListEntry], target: BuildTarget, source: ReleaseSource, *, follow_deps: bool
) -> list[Resolved]:
    needs = [
        _need(entry.requirement, str(entry.location))
        for entry in entries
        if _marker_applies(entry.requirement.marker, target, frozenset())
    ]
    if not needs:
        return []
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
    return provider.ordered(result.mapping, result.criteria)


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
        needs = list(requirements[identifier])
        first = needs[0]
        if first.name not in self.seen:
            self.seen.append(first.name)
        releases = self._releases(first)
        excluded = {candidate.release.version for candidate in incompatibilities[identifier]}
        specifier = SpecifierSet()
        for need in needs:
            specifier &= need.specifier
        found: list[_Candidate] = []
        remaining = {v: r for v, r in releases.items() if v not in excluded}
        while (release := choose_release(remaining, specifier, self.target)) is not None:
            found.append(_Candidate(release=release, extras=first.extras))
            remaining = {v: r for v, r in remaining.items() if v < release.version}
        return found

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
        self, mapping: Mapping[str, _Candidate], criteria: Mapping[str, Any]
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
            for info in criteria[key].information:
                if info.parent is None:
                    direct.add(name)
                    origins[name] = info.requirement.origin
                elif name not in origins and not info.requirement.origin.startswith(name + "["):
                    origins[name] = info.requirement.origin
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
