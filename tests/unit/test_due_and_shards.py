"""The scheduled pipeline's pure parts: why a job is due against a target's manifest, and how
due jobs split into cost-balanced shards."""

from __future__ import annotations

from dataclasses import replace

import pytest

from builder.errors import InputError
from builder.inputs.recipes import Recipe
from builder.plan.due import due_jobs, held_by_files
from builder.plan.jobs import BuildJob, Job, Plan, SkipJob
from builder.plan.shards import ci_matrix, cost_estimator, make_shards, parse_shard
from builder.wheelhouse.manifest import Manifest, WheelEntry
from tests.unit.test_plan import C_EXT, MUSL, PY311, PY313, TOOLS, plan_for


def entry_for(job: BuildJob, **changes: object) -> WheelEntry:
    base = WheelEntry(
        filename=f"{job.name}-{job.version}-cp311-cp311-musllinux_1_2_x86_64.whl",
        name=job.name,
        version=job.version,
        tags=[],
        sha256="0" * 64,
        size=1,
        action="build",
        source_sha256=job.sdist.identity() or "",
        key="another-key",
        python=job.python,
        arch=job.arch,
        image_id=job.image.builder_id,
        cibuildwheel=TOOLS.cibuildwheel,
        auditwheel=TOOLS.auditwheel,
        recipe=job.recipe.digest(),
        debug_info="strip",
        duration_s=42.0,
        created="2026-11-01T00:00:00",
    )
    return replace(base, **changes)  # type: ignore[arg-type]


def held(*entries: WheelEntry, failed: tuple[str, ...] = ()) -> Manifest:
    manifest = Manifest(wheels={e.filename: e for e in entries})
    manifest.record_run(finished="x", archs=[], failed=list(failed))
    return manifest


def only_build(plan: Plan) -> BuildJob:
    (job,) = [j for j in plan.jobs if isinstance(j, BuildJob)]
    return job


def reason(plan: Plan, manifest: Manifest) -> str:
    (item,) = [d for d in due_jobs(plan, manifest, TOOLS) if d.job.name == "cext"]
    return item.reason


def test_due_reasons_name_what_changed() -> None:
    plan = plan_for([C_EXT])
    job = only_build(plan)
    assert reason(plan, Manifest()) == "missing"
    assert reason(plan, held(entry_for(job, python="3.13"))) == "new Python 3.11"
    assert reason(plan, held(entry_for(job, version="0.9"))) == (
        "new upstream version 1.0 (held: 0.9)"
    )
    assert reason(plan, held(entry_for(job, recipe="old"))) == "recipe changed"
    assert reason(plan, held(entry_for(job, image_id="sha256:0"))) == "builder image changed"
    both = held(entry_for(job, recipe="old", cibuildwheel="3.0"))
    assert reason(plan, both) == "recipe changed, cibuildwheel changed"
    assert reason(plan, held(failed=(job.key,))) == "failed last time"
    # wheels made before stripping existed kept their debug information
    assert reason(plan, held(entry_for(job, debug_info=""))) == "debug info keep -> strip"
    kept = plan_for([C_EXT], debug_info="keep")
    assert reason(kept, held(entry_for(job))) == "debug info strip -> keep"
    assert reason(plan, held(entry_for(job, action="mirror"))) == (
        "built from source now (was mirrored)"
    )


def test_what_the_target_holds_is_not_due_and_a_failure_that_later_succeeded_is_not_either() -> (
    None
):
    plan = plan_for([C_EXT])
    job = only_build(plan)
    there = entry_for(job, key=job.key)
    present = plan_for([C_EXT], present={job.key: there.filename})
    assert due_jobs(present, held(there), TOOLS) == []
    assert held(there, failed=(job.key,)).failed_last_time() == set()


def test_mirror_jobs_are_due_for_a_new_upstream_wheel() -> None:
    plan = plan_for([MUSL])
    (item,) = due_jobs(plan, Manifest(), TOOLS)
    assert item.reason == "missing"


def _jobs(names_costs: dict[str, float]) -> tuple[list[Job], dict[str, float]]:
    jobs: list[Job] = []
    template = only_build(plan_for([C_EXT]))
    for name in names_costs:
        for target in (PY311, PY313):
            jobs.append(replace(template, name=name, target=target, recipe=Recipe(name=name)))
    return jobs, names_costs


def test_shards_balance_cost_and_keep_a_package_together() -> None:
    jobs, costs = _jobs({"a": 100, "b": 60, "c": 50, "d": 10})
    shards = make_shards(jobs, 2, lambda job: costs[job.name])
    assert [sorted({j.name for j in s.jobs}) for s in shards] == [["a", "d"], ["b", "c"]]
    assert [s.estimated_s for s in shards] == [220.0, 220.0]
    for shard in shards:  # both Pythons of a package in the same shard
        names = [j.name for j in shard.jobs]
        assert all(names.count(name) == 2 for name in names)
    # deterministic: the build step computes the very same split
    again = make_shards(list(reversed(jobs)), 2, lambda job: costs[job.name])
    assert [s.jobs and {j.name for j in s.jobs} for s in again] == [
        {j.name for j in s.jobs} for s in shards
    ]
    matrix = ci_matrix(shards)
    assert [m["shard"] for m in matrix["include"]] == ["1/2", "2/2"]
    assert matrix["include"][0]["archs"] == "x86_64"


def test_shards_are_per_runner_and_empty_ones_stay_out_of_the_matrix() -> None:
    jobs, costs = _jobs({"a": 10})
    arm = [replace(job, runner="arm64") for job in jobs]
    shards = make_shards([*jobs, *arm], 3, lambda job: costs[job.name])
    assert [(s.runner, s.label, len(s.jobs)) for s in shards if s.jobs] == [
        ("arm64", "1/3", 2),
        ("local", "1/3", 2),
    ]
    assert len(ci_matrix(shards)["include"]) == 2


def test_costs_come_from_past_durations_else_defaults() -> None:
    job = only_build(plan_for([C_EXT]))
    estimate = cost_estimator(held(entry_for(job)))
    assert estimate(job) == 42.0
    assert cost_estimator(Manifest())(job) == 120.0
    assert cost_estimator(Manifest())(replace(job, execution="qemu")) == 720.0


@pytest.mark.parametrize("text", ["0/2", "3/2", "a/b", "1", "1/0"])
def test_bad_shard_specs_are_input_errors(text: str) -> None:
    with pytest.raises(InputError, match="--shard"):
        parse_shard(text)
    assert parse_shard("2/4") == (2, 4)


def test_a_target_known_only_by_its_files_holds_what_installs_on_each_job_target() -> None:
    plan = plan_for([C_EXT], resolved={PY311: [C_EXT], PY313: [C_EXT]})
    files = (
        "cext-1.0-cp311-cp311-musllinux_1_2_x86_64.whl",  # cp311 holds it; cp313 does not
        "cext-0.9-cp313-cp313-musllinux_1_1_x86_64.whl",  # an older version for cp313
        "cext-1.0-cp311-cp311-musllinux_1_2_aarch64.whl",  # another arch
        "not a wheel name.whl",
    )
    held_plan = held_by_files(plan, files)
    by_python = {job.python: job for job in held_plan.jobs if job.name == "cext"}
    assert isinstance(by_python["3.11"], SkipJob)
    assert by_python["3.11"].present_filename == files[0]
    assert by_python["3.11"].key == next(j.key for j in plan.jobs if j.python == "3.11")
    assert isinstance(by_python["3.13"], BuildJob)
    due = due_jobs(held_plan, Manifest(), TOOLS, files=files)
    assert [(d.job.python, d.reason) for d in due] == [
        ("3.13", "new upstream version 1.0 (held: 0.9)")
    ]
    nothing = due_jobs(plan, Manifest(), TOOLS, files=())
    assert {d.reason for d in nothing} == {"missing"}


def test_an_abi3_or_pure_file_holds_every_python_it_installs_on() -> None:
    plan = plan_for([C_EXT], resolved={PY311: [C_EXT], PY313: [C_EXT]})
    for wheel in ("cext-1.0-cp38-abi3-musllinux_1_2_x86_64.whl", "cext-1.0-py3-none-any.whl"):
        held_plan = held_by_files(plan, (wheel,))
        assert all(isinstance(job, SkipJob) for job in held_plan.jobs), wheel


def test_a_build_shares_its_shard_with_the_jobs_of_its_build_requirements() -> None:
    jobs, costs = _jobs({"a": 100, "b": 60, "c": 50, "d": 10})
    # c's builds take d's wheels (build requirements): d joins c's shard, whatever the costs
    needing = [
        replace(job, build_requirements=(("d", "1.0", f"d-{job.python}"),))
        if job.name == "c" and isinstance(job, BuildJob)
        else replace(job, key=f"{job.name}-{job.python}")
        for job in jobs
    ]
    shards = make_shards(needing, 2, lambda job: costs[job.name])
    assert [sorted({j.name for j in s.jobs}) for s in shards] == [["a"], ["b", "c", "d"]]
