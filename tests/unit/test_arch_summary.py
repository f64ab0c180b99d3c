from __future__ import annotations

from dataclasses import dataclass, replace

from builder.inputs.recipes import empty_recipe
from builder.plan.jobs import BuildJob, Job, MirrorJob, Plan, SkipJob
from builder.resolve.build_targets import BuildTarget
from builder.run.arch_summary import summarize_archs
from index.pages.simple_pages import IndexFile
from tests.unit.fakes import IMAGE


@dataclass
class Done:
    job: Job
    ok: bool
    duration_s: float


def job(name: str, arch: str, action: str = "build") -> Job:
    shared = {
        "name": name,
        "version": "1.0",
        "target": BuildTarget(python="3.13", arch=arch),
        "key": f"{name}-{arch}",
        "reason": "",
        "recipe": empty_recipe(name),
        "origin": "deps.txt:1",
        "direct": True,
        "execution": "qemu" if arch == "aarch64" else "native",
    }
    source = IndexFile(filename=f"{name}.tar.gz", url="http://x.invalid/", digests={"sha256": "0"})
    if action == "build":
        return BuildJob(**shared, sdist=source, image=IMAGE)  # type: ignore[arg-type]
    if action == "mirror":
        return MirrorJob(**shared, wheel=source, image=IMAGE)  # type: ignore[arg-type]
    return SkipJob(**shared)  # type: ignore[arg-type]


def test_each_arch_gets_its_counts_and_wall_time() -> None:
    jobs = [
        job("a", "x86_64"),
        job("b", "x86_64", "mirror"),
        job("a", "aarch64"),
        job("b", "aarch64", "skip"),
        replace(job("c", "aarch64"), runner="arm64"),
    ]
    plan = Plan(jobs=tuple(jobs))
    outcomes = [
        Done(jobs[0], True, 4.0),
        Done(jobs[1], True, 0.5),
        Done(jobs[2], True, 40.0),
        Done(jobs[4], False, 12.5),
    ]
    summaries = {
        s.arch: s for s in summarize_archs(plan, outcomes, {"x86_64": 2.0, "aarch64": 20.0})
    }
    x86, arm = summaries["x86_64"], summaries["aarch64"]
    assert (x86.built, x86.mirrored, x86.skipped, x86.failed) == (1, 1, 0, 0)
    assert (arm.built, arm.mirrored, arm.skipped, arm.failed) == (1, 0, 1, 1)
    assert x86.wall_s == 6.5 and arm.wall_s == 72.5
    assert (x86.execution, arm.execution) == ("native", "qemu")
    assert arm.to_json()["wall_s"] == 72.5 and arm.to_json()["jobs_s"] == 52.5
    # jobs side by side: the measured span from first start to last verification is the wall
    spanned = summarize_archs(plan, outcomes, {"x86_64": 2.0}, {"x86_64": 5.04})
    (x86_side,) = [s for s in spanned if s.arch == "x86_64"]
    assert x86_side.wall_s == 5.0 and x86_side.jobs_s == 4.5
