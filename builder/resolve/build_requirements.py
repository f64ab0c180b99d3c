"""What a build's isolated environment installs: its sdist's build-system.requires and what they
require, resolved for the job's target as pip would (markers for the target's Python and
arch). Of those, the releases with no wheel that installs on the target are the ones pip would
compile inside the build (pandas 1.5.3 on musl: oldest-supported-numpy pins numpy 1.23.2, which
has no musllinux wheel). The plan builds them first, for that target, and the build takes their
wheels from the wheelhouse instead."""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from packaging.requirements import InvalidRequirement, Requirement

from builder.errors import EnvironmentProblem, UpstreamError
from builder.inputs.curated_list import ListEntry
from builder.inputs.locations import Location
from builder.plan.jobs import BuildJob, Plan
from builder.plan.sdist_needs import SdistNeeds
from builder.resolve.build_targets import BuildTarget
from builder.resolve.closure import ReleaseSource, Resolved, resolve_closure

MAX_DEPTH = 4  # build requirements of build requirements, this many levels down at most

Dependent = tuple[str, str, BuildTarget]  # (name, version, target) of a build job


@dataclass
class BuildRequirements:
    """What the plan adds for its builds' environments, grown one level at a time."""

    resolved: Mapping[BuildTarget, Sequence[Resolved]]  # the list's closures
    # per target, the releases to build first that the list's closure lacks, deepest first
    added: dict[BuildTarget, list[Resolved]] = field(default_factory=dict)
    # a build job -> the (name, version) of the releases its environment takes from here
    needs: dict[Dependent, list[tuple[str, str]]] = field(default_factory=dict)
    notes: list[str] = field(default_factory=list)

    def closures(self) -> dict[BuildTarget, list[Resolved]]:
        """Each target's closure with the releases builds take from here first (added ones,
        then those the list has): a build comes after what its environment installs."""
        result: dict[BuildTarget, list[Resolved]] = {}
        for target, closure in self.resolved.items():
            wanted = {
                release
                for (_, _, t), releases in self.needs.items()
                if t == target
                for release in releases
            }
            first = [item for item in closure if _release(item) in wanted]
            rest = [item for item in closure if _release(item) not in wanted]
            result[target] = [*self.added.get(target, []), *first, *rest]
        return result

    def grow(self, plan: Plan, found: Mapping[str, SdistNeeds], source: ReleaseSource) -> bool:
        """Resolve the build requirements of the plan's build jobs not looked at yet; add the
        releases pip would compile to their target. True when something was added."""
        grew = False
        for job in plan.jobs:
            dependent = (job.name, job.version, job.target)
            if not isinstance(job, BuildJob) or dependent in self.needs:
                continue
            needs = found.get(job.sdist.identity() or "")
            self.needs[dependent] = []
            if needs is None or not needs.build_requires:
                continue
            origin = f"build requirement of {job.name} {job.version}"
            try:
                closure = build_closure(needs.build_requires, job.target, source, origin=origin)
            except (UpstreamError, EnvironmentProblem) as error:  # an index, or a dry run's engine
                self.notes.append(
                    f"{job.label}: its build requirements were not resolved here ({error}); "
                    "its build installs them as pip finds them"
                )
                continue
            for item in compiled_there(closure, job.target):
                self.needs[dependent].append(_release(item))
                grew |= self._add(job.target, item, origin)
        return grew

    def _add(self, target: BuildTarget, item: Resolved, origin: str) -> bool:
        """Add a release to build first, unless the target's closure already has it."""
        here = self.added.setdefault(target, [])
        known = [*here, *self.resolved.get(target, ())]
        if any(_release(other) == _release(item) for other in known):
            return False
        here.insert(
            0, Resolved(release=item.release, origin=origin, direct=False, extras=item.extras)
        )
        return True


def _release(item: Resolved) -> tuple[str, str]:
    return (item.release.name, str(item.release.version))


def build_closure(
    requires: Sequence[str], target: BuildTarget, source: ReleaseSource, *, origin: str
) -> list[Resolved]:
    """The releases a build's isolated environment installs for these build requirements on
    this target. A requirement that does not parse is left to pip."""
    entries: list[ListEntry] = []
    for line in requires:
        try:
            requirement = Requirement(line)
        except InvalidRequirement:
            continue
        entries.append(ListEntry(requirement=requirement, location=Location(path=Path(origin))))
    return resolve_closure(entries, target, source, follow_deps=True)


def compiled_there(closure: Sequence[Resolved], target: BuildTarget) -> list[Resolved]:
    """The releases pip would compile in the build environment: an sdist, no wheel for the
    target."""
    return [
        item
        for item in closure
        if item.release.sdist is not None and item.release.compatible_wheel(target) is None
    ]


def plan_with_build_requirements(
    plan_for: Callable[..., Plan],
    resolved: Mapping[BuildTarget, Sequence[Resolved]],
    look: Callable[[Plan], Mapping[str, SdistNeeds]],
    source: ReleaseSource,
    *,
    from_wheelhouse: bool = True,
) -> tuple[Plan, dict[str, SdistNeeds], list[str]]:
    """The plan made again until what its builds' sdists show is in it: their toolchains, and
    (`from_wheelhouse`) the releases their environments would compile, built first (to
    MAX_DEPTH levels). `look` reads what the sdists of a plan's builds need. Returns the plan,
    what was read, notes."""
    requirements = BuildRequirements(resolved=resolved)
    found: dict[str, SdistNeeds] = {}
    plan = plan_for(resolved=resolved)
    for depth in range(MAX_DEPTH + 1):
        found.update(look(plan))
        deeper = from_wheelhouse and depth < MAX_DEPTH
        grew = deeper and requirements.grow(plan, found, source)
        plan = plan_for(
            resolved=requirements.closures(),
            sdist_needs=found,
            build_requirements=requirements.needs,
        )
        if not grew:
            break
    return plan, found, requirements.notes
