"""The executor's own logic, with the doors to the outside faked (the real ones are driven by
the e2e tier): a job's unexpected failure stays that job's, and a run stopped late keeps every
wheel that passed before it stopped."""

from __future__ import annotations

import json
import shutil
import threading
import time
from collections.abc import Mapping, Sequence
from dataclasses import replace
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, cast

import pytest

from builder.errors import UpstreamError
from builder.host.commands import CommandRunner, Result
from builder.host.containers import Containers, Mount
from builder.host.http_client import HttpClient
from builder.inputs.recipes import empty_recipe
from builder.plan.jobs import BuildJob, Job, MirrorJob, Plan, ToolVersions, WorkJob
from builder.resolve.build_targets import BuildTarget
from builder.run.executor import Executor, JobOutcome
from builder.wheelhouse.manifest import load_manifest
from builder.wheelhouse.store import Wheelhouse
from index.pages.simple_pages import IndexFile
from tests.support import make_wheel
from tests.unit.fakes import IMAGE

PY311 = BuildTarget(python="3.11", arch="x86_64")
PY313 = BuildTarget(python="3.13", arch="x86_64")


class Clock:
    def now(self) -> datetime:
        return datetime(2026, 11, 30, tzinfo=UTC)

    def monotonic(self) -> float:
        return 0.0


class Upstream:
    """Downloads from a directory of wheels; a name with 'broken' in it hits a full disk."""

    def __init__(self, wheels: Path) -> None:
        self.wheels = wheels

    def download(self, url: str, dest: Path, *, digests: Mapping[str, str]) -> Path:  # noqa: ARG002
        if "broken" in url:
            raise OSError(28, "No space left on device")
        if "unreachable" in url:
            raise UpstreamError(f"GET {url} failed: HTTP 503")
        dest.parent.mkdir(parents=True, exist_ok=True)
        shutil.copy2(self.wheels / url, dest)
        return dest


class Runtime:
    """The clean runtime image: every wheel imports; the `stop_at`-th container is a kill."""

    def __init__(self, stop_at: int | None = None) -> None:
        self.calls = 0
        self.stop_at = stop_at
        self.specs: list[dict[str, Any]] = []  # what each container was asked to verify

    def run(self, image: str, argv: Sequence[str], **options: Any) -> Result:  # noqa: ARG002
        self.calls += 1
        if self.calls == self.stop_at:
            raise KeyboardInterrupt
        mounts: list[Mount] = options["mounts"]
        spec = json.loads((mounts[0].source / "spec.json").read_text())
        self.specs.append(spec)
        lines = [json.dumps({**item, "ok": True, "output": "imported"}) for item in spec["items"]]
        return Result(returncode=0, output="\n".join(lines))


def job_fields(name: str, target: BuildTarget) -> dict[str, Any]:
    """What every kind of job has, for package `name` 1.0 on `target`."""
    return {
        "name": name,
        "version": "1.0",
        "target": target,
        "key": f"{name}-{target.python}",
        "reason": "",
        "recipe": empty_recipe(name),
        "origin": "deps.txt:1",
        "direct": True,
    }


def mirror(name: str, target: BuildTarget) -> MirrorJob:
    filename = f"{name}-1.0-py3-none-any.whl"
    return MirrorJob(
        **job_fields(name, target),
        wheel=IndexFile(filename=filename, url=filename, digests={}),
        image=IMAGE,
    )


def doors(tmp_path: Path, runtime: Runtime) -> dict[str, Any]:
    """The executor's doors, faked: wheels come from tmp_path/upstream, go to tmp_path/wheelhouse."""
    return {
        "commands": CommandRunner(env={}),
        "containers": cast(Containers, runtime),
        "client": cast(HttpClient, Upstream(tmp_path / "upstream")),
        "wheelhouse": Wheelhouse(tmp_path / "wheelhouse", clock=Clock()),
        "tools": ToolVersions(cibuildwheel="4.3.3", auditwheel="6.8.2"),
        "clock": Clock(),
        "progress": lambda _job, _step: None,
    }


def executor(tmp_path: Path, runtime: Runtime) -> Executor:
    for name in ("alpha", "beta"):
        make_wheel(tmp_path / "upstream", name, "1.0")
    return Executor(**doors(tmp_path, runtime))


def test_an_unexpected_error_fails_its_job_alone(tmp_path: Path) -> None:
    plan = Plan(jobs=(mirror("broken", PY311), mirror("alpha", PY311)), targets=(PY311,))
    result = executor(tmp_path, Runtime()).run(plan)
    by_name = {outcome.job.name: outcome for outcome in result.outcomes}
    assert not by_name["broken"].ok
    assert "unexpected OSError" in by_name["broken"].message
    assert by_name["alpha"].ok
    assert "alpha-1.0-py3-none-any.whl" in load_manifest(tmp_path / "wheelhouse").wheels


def test_a_run_stopped_late_keeps_what_passed(tmp_path: Path) -> None:
    plan = Plan(jobs=(mirror("alpha", PY311), mirror("beta", PY313)), targets=(PY311, PY313))
    with pytest.raises(KeyboardInterrupt):  # killed while verifying the second target
        executor(tmp_path, Runtime(stop_at=2)).run(plan)
    kept = load_manifest(tmp_path / "wheelhouse").wheels
    assert list(kept) == ["alpha-1.0-py3-none-any.whl"]
    assert (tmp_path / "wheelhouse" / "alpha-1.0-py3-none-any.whl").is_file()


def test_verify_with_companions_are_installed_beside_the_wheel_or_fail_it_alone(
    tmp_path: Path,
) -> None:
    runtime = Runtime()
    make_wheel(tmp_path / "upstream", "companion", "2.0")
    good = IndexFile(
        filename="companion-2.0-py3-none-any.whl", url="companion-2.0-py3-none-any.whl"
    )
    gone = IndexFile(filename="gone-1.0-py3-none-any.whl", url="unreachable/gone.whl")
    alpha = replace(mirror("alpha", PY311), verify_with=(good,))
    beta = replace(mirror("beta", PY311), verify_with=(gone,))
    result = executor(tmp_path, runtime).run(Plan(jobs=(alpha, beta), targets=(PY311,)))
    by_name = {outcome.job.name: outcome for outcome in result.outcomes}
    assert by_name["alpha"].ok
    assert not by_name["beta"].ok
    assert "verify-with gone-1.0-py3-none-any.whl: GET unreachable/gone.whl failed" in (
        by_name["beta"].message
    )
    (spec,) = runtime.specs
    assert [(item["name"], item["with"]) for item in spec["items"]] == [
        ("alpha", ["companion==2.0"])
    ]
    kept = load_manifest(tmp_path / "wheelhouse").wheels
    assert list(kept) == ["alpha-1.0-py3-none-any.whl"]  # the companion is not kept


class Recording(Executor):
    """Jobs that only take time: records how many ran at once, and in which order they began."""

    def __init__(self, tmp_path: Path, *, seconds: float = 0.05) -> None:
        super().__init__(**doors(tmp_path, Runtime()))
        self.seconds = seconds
        self.began: list[str] = []
        self.running: set[str] = set()
        self.most = 0
        self.together: list[set[str]] = []
        self.lock = threading.Lock()

    def _guard(self, job: WorkJob) -> JobOutcome:
        with self.lock:
            self.began.append(job.key)
            self.running.add(job.key)
            self.most = max(self.most, len(self.running))
            self.together.append(set(self.running))
        time.sleep(self.seconds)
        with self.lock:
            self.running.discard(job.key)
        return JobOutcome(job=job, ok="broken" not in job.name)


def build(name: str, target: BuildTarget, *, hungry: bool = False, sdist: str = "") -> BuildJob:
    filename = f"{sdist or name}-1.0.tar.gz"
    fields = job_fields(name, target)
    return BuildJob(
        **{**fields, "recipe": replace(fields["recipe"], memory_hungry=hungry)},
        sdist=IndexFile(filename=filename, url=filename, digests={"sha256": f"sha-{filename}"}),
        image=IMAGE,
    )


@pytest.mark.parametrize("jobs", [1, 2, 3])
def test_jobs_run_side_by_side_up_to_the_limit_in_the_plan_s_order(
    tmp_path: Path, jobs: int
) -> None:
    names = ("a", "b", "c", "d", "e")
    plan = Plan(
        jobs=tuple(build(n, t, sdist=f"{n}{t.python}") for t in (PY311, PY313) for n in names),
        targets=(PY311, PY313),
    )
    run = Recording(tmp_path)
    result = run.run(plan, jobs=jobs)
    assert run.most == jobs
    assert run.began == [job.key for job in plan.jobs]  # started in the plan's order
    assert [o.job.key for o in result.outcomes] == [job.key for job in plan.jobs]


def test_a_failure_stays_its_job_s_when_jobs_run_side_by_side(tmp_path: Path) -> None:
    plan = Plan(
        jobs=(build("broken", PY311), build("a", PY311), build("b", PY311)), targets=(PY311,)
    )
    result = Recording(tmp_path).run(plan, jobs=2)
    assert {o.job.name: o.ok for o in result.outcomes} == {"broken": False, "a": True, "b": True}


def test_jobs_of_one_sdist_take_turns_in_the_plan_s_order(tmp_path: Path) -> None:
    plan = Plan(
        jobs=(build("a", PY311), build("b", PY311), build("a", PY313), build("b", PY313)),
        targets=(PY311, PY313),
    )
    run = Recording(tmp_path)
    run.run(plan, jobs=1)
    assert run.began == ["a-3.11", "a-3.13", "b-3.11", "b-3.13"]


def test_memory_hungry_jobs_and_jobs_of_one_sdist_never_run_together(tmp_path: Path) -> None:
    plan = Plan(
        jobs=(
            build("big", PY311, hungry=True),
            build("huge", PY311, hungry=True),
            build("abi3", PY311, sdist="shared"),
            build("abi3", PY313, sdist="shared"),
            build("small", PY313),
        ),
        targets=(PY311, PY313),
    )
    run = Recording(tmp_path)
    run.run(plan, jobs=4)
    assert run.most >= 2  # the others did run side by side
    for together in run.together:
        assert not {"big-3.11", "huge-3.11"} <= together
        assert not {"abi3-3.11", "abi3-3.13"} <= together


def test_ctrl_c_cancels_the_jobs_not_started(tmp_path: Path) -> None:
    """Interrupted while the first target is verified: the jobs queued behind the running one
    never start (test_a_run_stopped_late_keeps_what_passed: what passed before is kept)."""
    late = tuple(mirror(f"late{n}", PY313) for n in range(6))
    for job in late:
        make_wheel(tmp_path / "upstream", job.name, "1.0")
    plan = Plan(jobs=(mirror("alpha", PY311), *late), targets=(PY311, PY313))
    run = executor(tmp_path, Runtime(stop_at=1))  # the first verification is a kill
    fetched: list[str] = []
    client = cast(Upstream, run._client)
    original = client.download

    def counted(url: str, dest: Path, *, digests: Mapping[str, str]) -> Path:
        fetched.append(url)
        time.sleep(0.05)
        return original(url, dest, digests=digests)

    client.download = counted  # type: ignore[method-assign]
    with pytest.raises(KeyboardInterrupt):
        run.run(plan, jobs=1)
    assert fetched[0] == "alpha-1.0-py3-none-any.whl"
    assert len(fetched) <= 3, fetched  # alpha, then at most the late job already running
    assert load_manifest(tmp_path / "wheelhouse").wheels == {}


def test_a_worker_that_dies_outside_a_job_s_guard_stops_the_run_instead_of_hanging(
    tmp_path: Path,
) -> None:
    run = Recording(tmp_path)

    def broken(job: Job, step: str) -> None:
        if step == "build":
            raise RuntimeError(f"progress display broke on {job.name}")

    run._progress = broken
    plan = Plan(jobs=(build("a", PY311), build("b", PY311)), targets=(PY311,))
    with pytest.raises(RuntimeError, match="progress display broke on a"):
        run.run(plan, jobs=2)


def test_ctrl_c_also_stops_the_jobs_left_in_a_running_task(tmp_path: Path) -> None:
    """Jobs of one sdist are one worker task: interrupted, the task starts none of its jobs
    left (the one under way ends)."""

    class Interrupted(Recording):
        def _verify(self, target: BuildTarget, outcomes: list[JobOutcome]) -> float:
            raise KeyboardInterrupt(f"while verifying {target} ({len(outcomes)} wheels)")

    same = [build("a", PY311, sdist="s")] + [build(n, PY313, sdist="s") for n in "bcde"]
    run = Interrupted(tmp_path, seconds=0.2)
    with pytest.raises(KeyboardInterrupt):
        run.run(Plan(jobs=tuple(same), targets=(PY311, PY313)), jobs=2)
    assert run.began[0] == "a-3.11"
    assert len(run.began) <= 2, run.began  # a, and b if it had begun before the interrupt
