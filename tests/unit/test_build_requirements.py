"""Build requirements from the wheelhouse: what a build's isolated environment would compile is
planned first for the same target (resolved with markers, through metapackages), recorded in
the dependent's key and plan line; the executor starts it first, waits for it, and mounts its
wheel where pip looks before the index. The doors are faked (the e2e tier drives real ones)."""

from __future__ import annotations

import threading
from dataclasses import replace
from pathlib import Path
from typing import Any

import pytest

from builder.plan.jobs import BuildJob, Plan, SkipJob, WorkJob
from builder.plan.sdist_needs import SdistNeeds
from builder.resolve.build_requirements import (
    BuildRequirements,
    build_closure,
    plan_with_build_requirements,
)
from builder.resolve.build_targets import BuildTarget
from builder.run.executor import JobOutcome
from builder.wheelbuild.cibuildwheel_options import cibuildwheel_env
from builder.wheelbuild.layers import REQUIREMENTS_MOUNT, requirements_layer
from tests.support import make_wheel
from tests.unit.fakes import FakeIndex, sdist, wheel
from tests.unit.test_executor import PY311, PY313, Recording, build, job_fields
from tests.unit.test_plan import plan_for, resolved
from tests.unit.test_wheel_checks import evaluated

# pandas 1.5.3's case: oldest-supported-numpy (a pure wheel) pins numpy by Python version;
# numpy 1.23.2 has no wheel for musl (pip would compile it inside pandas' build)
INDEX = FakeIndex(
    files={
        "oldest-supported-numpy": [wheel("oldest_supported_numpy-2023.1-py3-none-any.whl")],
        "numpy": [sdist("numpy", "1.21.6"), sdist("numpy", "1.23.2")],
        "cython": [wheel("Cython-0.29.36-py2.py3-none-any.whl")],
        "setuptools": [wheel("setuptools-68.0-py3-none-any.whl")],
    },
    requirements={
        ("oldest-supported-numpy", "2023.1"): [
            'numpy==1.21.6; python_version=="3.10"',
            'numpy==1.23.2; python_version=="3.11"',
        ],
    },
)
REQUIRES = ("setuptools>=51", "Cython>=0.29.32,<3", "oldest-supported-numpy>=2022.8.16")
PANDAS = resolved("pandas", [sdist("pandas", "1.5.3")], version="1.5.3")
PANDAS_NEEDS = SdistNeeds(build_requires=REQUIRES)


def looked(plan: Plan) -> dict[str, SdistNeeds]:
    """What the sdists of a plan's builds need: pandas needs the above, the rest nothing."""
    return {
        job.sdist.identity() or "": PANDAS_NEEDS if job.name == "pandas" else SdistNeeds()
        for job in plan.jobs
        if isinstance(job, BuildJob)
    }


def test_the_closure_of_build_requirements_is_resolved_for_the_target() -> None:
    closure = build_closure(REQUIRES, PY311, INDEX, origin="build requirement of pandas 1.5.3")
    assert sorted((i.release.name, str(i.release.version)) for i in closure) == [
        ("cython", "0.29.36"),
        ("numpy", "1.23.2"),
        ("oldest-supported-numpy", "2023.1"),
        ("setuptools", "68.0"),
    ]
    assert {item.origin for item in closure if item.direct} == {"build requirement of pandas 1.5.3"}


def test_what_pip_would_compile_is_built_first_and_named_in_the_dependent_s_key() -> None:
    plan, found, notes = plan_with_build_requirements(
        lambda **kw: plan_for([], **kw), {PY311: [PANDAS]}, looked, INDEX
    )
    assert notes == []
    numpy, pandas = plan.jobs
    assert isinstance(numpy, BuildJob) and isinstance(pandas, BuildJob)
    assert (numpy.name, numpy.version) == ("numpy", "1.23.2")  # first: pandas' build needs it
    assert numpy.origin == "build requirement of pandas 1.5.3" and not numpy.direct
    assert pandas.build_requirements == (("numpy", "1.23.2", numpy.key),)
    assert pandas.reason.endswith("build requirements from this wheelhouse: numpy 1.23.2")
    assert pandas.to_json()["build_requirements"] == [
        {"name": "numpy", "version": "1.23.2", "key": numpy.key, "from": "wheelhouse"}
    ]
    assert numpy.to_json()["origin"] == "build requirement of pandas 1.5.3"
    assert len(found) == 2  # both sdists were looked into
    alone = plan_for([PANDAS]).jobs[0]
    assert alone.key != pandas.key  # the build requirement's job is part of the key
    # a numpy already in the list, after pandas, is moved before it rather than added again
    listed = resolved("numpy", [sdist("numpy", "1.23.2")], version="1.23.2")
    again, _, _ = plan_with_build_requirements(
        lambda **kw: plan_for([], **kw), {PY311: [PANDAS, listed]}, looked, INDEX
    )
    assert [(job.name, job.origin) for job in again.jobs] == [
        ("numpy", "deps.txt:1"),
        ("pandas", "deps.txt:1"),
    ]
    dependent = again.jobs[1]
    assert isinstance(dependent, BuildJob) and dependent.build_requirements[0][2] == numpy.key


def test_a_build_requirement_already_built_is_taken_as_it_is() -> None:
    first, _, _ = plan_with_build_requirements(
        lambda **kw: plan_for([], **kw), {PY311: [PANDAS]}, looked, INDEX
    )
    numpy = first.jobs[0]
    present = {numpy.key: "numpy-1.23.2-cp311-cp311-musllinux_1_2_x86_64.whl"}
    plan, _, _ = plan_with_build_requirements(
        lambda **kw: plan_for([], present=present, **kw), {PY311: [PANDAS]}, looked, INDEX
    )
    skipped, pandas = plan.jobs
    assert isinstance(skipped, SkipJob) and skipped.reason == "present (built)"
    assert isinstance(pandas, BuildJob) and pandas.key == first.jobs[1].key


def test_build_requirements_that_cannot_be_resolved_are_left_to_pip() -> None:
    unknown = SdistNeeds(build_requires=("no-such-thing>=1", "not a requirement!!"))
    requirements = BuildRequirements(resolved={PY311: [PANDAS]})
    plan = plan_for([PANDAS])
    (job,) = plan.jobs
    assert isinstance(job, BuildJob)
    grew = requirements.grow(plan, {job.sdist.identity() or "": unknown}, INDEX)
    assert not grew and requirements.needs == {("pandas", "1.5.3", PY311): []}
    assert requirements.notes and "pandas 1.5.3 cp3.11 x86_64" in requirements.notes[0]
    assert "its build installs them as pip finds them" in requirements.notes[0]


def test_the_requirements_layer_mounts_the_wheels_where_pip_and_uv_look(tmp_path: Path) -> None:
    job = plan_with_build_requirements(
        lambda **kw: plan_for([], **kw), {PY311: [PANDAS]}, looked, INDEX
    )[0].jobs[1]
    assert isinstance(job, BuildJob)
    layer = requirements_layer(tmp_path)
    env = cibuildwheel_env(job, None, [layer])
    assert f"--volume {tmp_path}:{REQUIREMENTS_MOUNT}:ro" in env["CIBW_CONTAINER_ENGINE"]
    assert evaluated(env["CIBW_ENVIRONMENT"])["PIP_FIND_LINKS"] == REQUIREMENTS_MOUNT
    # a job without build requirements from here gets neither
    plain = plan_for([PANDAS]).jobs[0]
    assert isinstance(plain, BuildJob)
    assert cibuildwheel_env(plain, None, [layer])["CIBW_CONTAINER_ENGINE"] == "docker"


class Builds(Recording):
    """Jobs that take time and stage a wheel; a build with requirements asks for its layer
    (waiting as the real build does) and records what it got."""

    def __init__(self, tmp_path: Path, *, hold: str = "", **kwargs: Any) -> None:
        super().__init__(tmp_path, **kwargs)
        self.layers: dict[str, list[str]] = {}
        self.logs: dict[str, str] = {}
        self.hold = hold  # this job ends only once a dependent waits for it
        self.waiting = threading.Event()

    def _await_requirements(self, job: BuildJob) -> None:
        if any(self._done.get(key) is not None for _, _, key in job.build_requirements):
            self.waiting.set()
        super()._await_requirements(job)

    def _guard(self, job: WorkJob) -> JobOutcome:
        if job.name == self.hold:
            assert self.waiting.wait(timeout=10), "no dependent came to wait"
        log = self._wheelhouse.job_log(job)
        log.parent.mkdir(parents=True, exist_ok=True)
        log.write_text("", encoding="utf-8")
        if isinstance(job, BuildJob) and job.build_requirements:
            layers = self._requirements_layer(job, log)
            self.layers[job.name] = sorted(
                path.name for layer in layers for path in layer.mounts[0].source.iterdir()
            )
            self.logs[job.name] = log.read_text(encoding="utf-8")
        outcome = super()._guard(job)
        if outcome.ok:
            outcome.wheel = make_wheel(self._wheelhouse.staging / job.key, job.name, "1.0")
        return outcome


def needing(name: str, target: BuildTarget, *requirements: BuildJob) -> BuildJob:
    return replace(
        build(name, target),
        build_requirements=tuple((r.name, r.version, r.key) for r in requirements),
    )


@pytest.mark.parametrize("jobs", [1, 2])
def test_a_build_waits_for_its_requirement_and_gets_its_wheel(tmp_path: Path, jobs: int) -> None:
    numpy = build("numpy", PY311)
    pandas = needing("pandas", PY311, numpy)
    other = build("other", PY313)
    # the dependent comes first in the plan: its requirement's task is started before it
    plan = Plan(jobs=(pandas, other, numpy), targets=(PY311, PY313))
    # with two workers, numpy ends only once pandas (beside it) has come to wait for it
    run = Builds(tmp_path, seconds=0.05, hold="numpy" if jobs == 2 else "")
    result = run.run(plan, jobs=jobs)
    assert all(outcome.ok for outcome in result.outcomes)
    assert run.began.index("numpy-3.11") < run.began.index("pandas-3.11")
    assert run.layers["pandas"] == ["numpy-1.0-py3-none-any.whl"]
    assert (
        "build requirements from this wheelhouse: numpy-1.0-py3-none-any.whl"
        in (run.logs["pandas"])
    )
    if jobs == 2:
        assert "waited 0 s for numpy 1.0, a build requirement" in run.logs["pandas"]


def test_a_failed_requirement_is_left_to_pip_and_a_present_one_is_mounted(
    tmp_path: Path,
) -> None:
    broken = build("broken", PY311)
    (tmp_path / "wheelhouse").mkdir()
    make_wheel(tmp_path / "wheelhouse", "held", "1.0")
    present = SkipJob(
        **job_fields("held", PY311),
        present_filename="held-1.0-py3-none-any.whl",
    )
    dependent = needing("dependent", PY311, broken, build("held", PY311))
    plan = Plan(jobs=(broken, present, dependent), targets=(PY311,))
    run = Builds(tmp_path)
    run.run(plan, jobs=2)
    assert run.layers["dependent"] == ["held-1.0-py3-none-any.whl"]
    assert "broken 1.0: no wheel of it here; pip builds it" in run.logs["dependent"]


def test_a_cycle_of_requirements_does_not_hang(tmp_path: Path) -> None:
    first = build("first", PY311)
    second = needing("second", PY311, first)
    first = needing("first", PY311, second)
    plan = Plan(jobs=(first, second), targets=(PY311,))
    done = threading.Event()
    result: list[Any] = []

    def go() -> None:
        result.append(Builds(tmp_path).run(plan, jobs=1))
        done.set()

    threading.Thread(target=go, daemon=True).start()
    assert done.wait(timeout=30), "a cycle of build requirements hung the run"
    assert len(result[0].outcomes) == 2


def test_a_memory_hungry_build_waits_for_its_requirement_without_holding_its_turn(
    tmp_path: Path,
) -> None:
    """Both memory-hungry: the dependent, started first beside it, must not hold the one
    memory-hungry turn while it waits for the requirement that needs that turn."""
    numpy = build("numpy", PY311, hungry=True)
    pandas = replace(needing("pandas", PY311, numpy), recipe=numpy.recipe)
    # numpy's task builds for 3.13 first, so pandas' worker reaches the turn before it
    plan = Plan(jobs=(build("numpy", PY313), numpy, pandas), targets=(PY311, PY313))
    done = threading.Event()
    result: list[Any] = []

    def go() -> None:
        result.append(Builds(tmp_path, seconds=0.1).run(plan, jobs=2))
        done.set()

    threading.Thread(target=go, daemon=True).start()
    assert done.wait(timeout=30), "the memory-hungry dependent held its turn while waiting"
    assert all(outcome.ok for outcome in result[0].outcomes)
