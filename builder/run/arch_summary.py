"""Per-arch totals of one build run: how many jobs of each kind, where and how they ran, and the
time spent on that arch: its jobs and its verification, each summed, and the wall time from its
first job's start to its last verification's end (less than the sums when jobs ran side by
side). Pure: computed from the plan and
the outcomes, shown in the summary, the --json report and the manifest's run history."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import asdict, dataclass
from typing import Any, Protocol

from builder.plan.jobs import Job, Plan


class Outcome(Protocol):
    @property
    def job(self) -> Job: ...
    @property
    def ok(self) -> bool: ...
    @property
    def duration_s(self) -> float: ...


@dataclass(frozen=True, kw_only=True)
class ArchSummary:
    arch: str
    runner: str
    execution: str
    built: int
    mirrored: int
    reused: int  # a pure or abi3 wheel of another target, verified for this one
    skipped: int
    failed: int
    jobs_s: float  # building and mirroring: the jobs' durations, summed
    verify_s: float  # installing and importing in the runtime image
    span_s: float | None = None  # first job's start to last verification's end, if measured

    @property
    def wall_s(self) -> float:
        if self.span_s is not None:
            return round(self.span_s, 1)
        return round(self.jobs_s + self.verify_s, 1)

    def to_json(self) -> dict[str, Any]:
        return {**asdict(self), "wall_s": self.wall_s}


def summarize_archs(
    plan: Plan,
    outcomes: Sequence[Outcome],
    verify_s: Mapping[str, float],
    spans: Mapping[str, float] | None = None,
) -> list[ArchSummary]:
    done = {id(outcome.job): outcome for outcome in outcomes}
    summaries: list[ArchSummary] = []
    for arch, placement in plan.arch_placements().items():
        jobs = [job for job in plan.jobs if job.arch == arch]
        mine = [done[id(job)] for job in jobs if id(job) in done]
        succeeded = [outcome.job.action for outcome in mine if outcome.ok]
        summaries.append(
            ArchSummary(
                arch=arch,
                runner=placement["runner"],
                execution=placement["execution"],
                built=succeeded.count("build"),
                mirrored=succeeded.count("mirror"),
                reused=succeeded.count("reuse"),
                skipped=sum(1 for job in jobs if job.action == "skip"),
                failed=sum(1 for outcome in mine if not outcome.ok),
                jobs_s=round(sum(outcome.duration_s for outcome in mine), 1),
                verify_s=round(verify_s.get(arch, 0.0), 1),
                span_s=None if spans is None or arch not in spans else round(spans[arch], 1),
            )
        )
    return summaries
