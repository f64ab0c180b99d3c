"""Split due jobs into N shards of similar estimated cost, per CI runner. Pure and deterministic:
the plan step and each shard's build step compute the same shards from the same inputs.

All jobs of one package version on one arch stay in one shard, so a pure or abi3 wheel built
for one Python is reused by the others there; so do a build and the jobs that build its build
requirements (build_requirements.py), whose wheels it takes from the same run. A group's cost is the sum of its jobs' estimates:
the last recorded duration of the same package on the same arch (any version), else a default
per kind of job. Groups go, most costly first, to the least loaded shard (ties: the lowest).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass

from builder.errors import InputError
from builder.plan.jobs import BuildJob, FailJob, Job, Plan, SkipJob
from builder.wheelhouse.manifest import Manifest

DEFAULT_BUILD_S = {"native": 120.0, "cross": 150.0, "qemu": 720.0}
DEFAULT_COPY_S = 5.0  # a mirror or a reuse: download or copy, then verify


@dataclass(frozen=True)
class Shard:
    runner: str
    index: int  # 1-based
    of: int
    jobs: tuple[Job, ...]
    estimated_s: float

    @property
    def label(self) -> str:
        return f"{self.index}/{self.of}"


def parse_shard(text: str) -> tuple[int, int]:
    """`I/N` as given to `--shard`."""
    index_text, _, count_text = text.partition("/")
    if not (index_text.isdigit() and count_text.isdigit()):
        raise InputError(f"--shard {text!r} is not of the form I/N", hint="e.g. --shard 1/4")
    index, count = int(index_text), int(count_text)
    if not 1 <= index <= count:
        raise InputError(f"--shard {text}: I must be between 1 and N", hint="e.g. --shard 1/4")
    return index, count


def cost_estimator(history: Manifest) -> Callable[[Job], float]:
    """Seconds a job is expected to take, from the durations a manifest recorded."""
    last: dict[tuple[str, str], float] = {}
    for entry in sorted(history.wheels.values(), key=lambda e: e.created):
        if entry.action == "build" and entry.duration_s > 0:
            last[(entry.name, entry.arch)] = entry.duration_s

    def estimate(job: Job) -> float:
        if isinstance(job, FailJob):
            return 0.0
        if isinstance(job, BuildJob):
            return last.get((job.name, job.arch), DEFAULT_BUILD_S.get(job.execution, 120.0))
        return DEFAULT_COPY_S

    return estimate


def make_shards(jobs: Sequence[Job], count: int, estimate: Callable[[Job], float]) -> list[Shard]:
    """`count` shards for each runner the jobs go to (some may be empty)."""
    if count < 1:
        raise InputError(f"--shards {count}: must be at least 1")
    shards: list[Shard] = []
    for runner in sorted({job.runner for job in jobs}):
        groups = _groups([job for job in jobs if job.runner == runner])
        ordered = sorted(
            groups.items(), key=lambda item: (-sum(estimate(j) for j in item[1]), item[0])
        )
        loads = [0.0] * count
        members: list[list[Job]] = [[] for _ in range(count)]
        for _, group in ordered:
            target = min(range(count), key=lambda i: (loads[i], i))
            loads[target] += sum(estimate(j) for j in group)
            members[target].extend(group)
        shards += [
            Shard(
                runner=runner,
                index=i + 1,
                of=count,
                jobs=tuple(members[i]),
                estimated_s=round(loads[i], 1),
            )
            for i in range(count)
        ]
    return shards


GroupKey = tuple[str, str, str]  # (name, version, arch)


def _groups(jobs: Sequence[Job]) -> dict[GroupKey, list[Job]]:
    """The jobs that must share a shard, in the plan's order: those of one package version on
    one arch, joined with the groups that build their build requirements (a build takes those
    wheels from its own shard's run)."""
    parent: dict[GroupKey, GroupKey] = {}

    def root(key: GroupKey) -> GroupKey:
        while parent.setdefault(key, key) != key:
            key = parent[key]
        return key

    by_key = {job.key: (job.name, job.version, job.arch) for job in jobs if job.key}
    for job in jobs:
        mine = root((job.name, job.version, job.arch))
        if isinstance(job, BuildJob):
            for _, _, key in job.build_requirements:
                if key in by_key:
                    theirs = root(by_key[key])
                    parent[max(mine, theirs)] = min(mine, theirs)
                    mine = root(mine)
    groups: dict[GroupKey, list[Job]] = {}
    for job in jobs:
        groups.setdefault(root((job.name, job.version, job.arch)), []).append(job)
    return groups


def plan_shards(plan: Plan, count: int, history: Manifest) -> list[Shard]:
    """The plan's due jobs (every job but a skip) in `count` shards per runner, estimated from
    `history`: the one split that `plan --shards N` prints and `build --shard I/N` builds."""
    due = [job for job in plan.jobs if not isinstance(job, SkipJob)]
    return make_shards(due, count, cost_estimator(history))


def ci_matrix(shards: Sequence[Shard]) -> dict[str, list[dict[str, object]]]:
    """A GitHub Actions `strategy.matrix` (and any CI's fan-out): one entry per non-empty shard."""
    return {
        "include": [
            {
                "runner": shard.runner,
                "archs": ",".join(sorted({job.arch for job in shard.jobs})),
                "shard": shard.label,
                "jobs": len(shard.jobs),
                "estimated_s": shard.estimated_s,
            }
            for shard in shards
            if shard.jobs
        ]
    }
