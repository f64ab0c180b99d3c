"""Execute a plan: each job builds (cibuildwheel, auditwheel repair inside it) or mirrors into a
staging area, the wheel is checked, verified in the clean runtime image, and what passed is
accepted into the wheelhouse.

A failing job never stops the others. Nothing that fails a check or the verification reaches the
wheelhouse, and a wheel already there is never replaced by a different file of the same name.
"""

from __future__ import annotations

import contextlib
import queue
import shutil
import threading
import traceback
from collections.abc import Callable, Iterator
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import cast

from packaging.utils import parse_wheel_filename

from builder.checks.build_failures import failure_reason
from builder.checks.wheel_checks import tag_problems
from builder.errors import CommandFailed, WheelhouseError
from builder.host.commands import CommandRunner, tail
from builder.host.containers import Containers
from builder.host.fortran_build import ensure_fortran
from builder.host.http_client import HttpClient
from builder.host.library_build import ensure_library
from builder.host.library_versions import LibraryVersions
from builder.host.openmp_build import ensure_openmp
from builder.host.rust_build import ensure_rust
from builder.inputs.system_libraries import SystemLibrary, on_demand
from builder.plan.jobs import (
    BuildJob,
    FailJob,
    Job,
    MirrorJob,
    Plan,
    ReuseJob,
    SkipJob,
    ToolVersions,
    WorkJob,
)
from builder.resolve.build_targets import BuildTarget
from builder.run.arch_summary import ArchSummary, summarize_archs
from builder.verify.imports import import_plan
from builder.verify.runtime import VerifyItem, verify_in_runtime
from builder.wheelbuild.compile import build_wheel, shareable
from builder.wheelbuild.cxx_toolchain import CxxToolchain
from builder.wheelbuild.fortran_toolchain import FortranToolchain
from builder.wheelbuild.layers import Layer, requirements_layer
from builder.wheelbuild.library_layers import LibraryBuilds
from builder.wheelbuild.openmp_runtime import OpenMPRuntime
from builder.wheelbuild.rust_toolchain import RustToolchain
from builder.wheelhouse.store import Made, Refused, Wheelhouse
from index.clock import Clock


@dataclass(kw_only=True)
class JobOutcome:
    job: Job
    ok: bool
    message: str = ""
    wheel: Path | None = None  # staged wheel, until accepted
    filename: str = ""
    duration_s: float = 0.0
    started_s: float = 0.0  # the clock's monotonic reading when the job began
    log: Path | None = None
    grafted: list[str] = field(default_factory=list)


@dataclass(frozen=True, kw_only=True)
class RunResult:
    outcomes: list[JobOutcome]
    archs: list[ArchSummary]

    @property
    def failed(self) -> list[JobOutcome]:
        return [outcome for outcome in self.outcomes if not outcome.ok]


JobProgress = Callable[[Job, str], None]


class Executor:
    def __init__(
        self,
        *,
        commands: CommandRunner,
        containers: Containers,
        client: HttpClient,
        wheelhouse: Wheelhouse,
        tools: ToolVersions,
        clock: Clock,
        progress: JobProgress,
        cxx: CxxToolchain | None = None,
        openmp: OpenMPRuntime | None = None,
        rust: RustToolchain | None = None,
        fortran: FortranToolchain | None = None,
        libraries: LibraryBuilds | None = None,
        versions: LibraryVersions | None = None,
    ) -> None:
        self._commands = commands
        self._containers = containers
        self._client = client
        self._wheelhouse = wheelhouse
        self._tools = tools
        self._clock = clock
        self._progress = progress
        self._cxx = cxx
        self._openmp = openmp
        self._rust = rust
        self._fortran = fortran
        self._libraries = libraries
        self._versions = versions
        # sdist identity -> the pure or abi3 wheels built from it in this run
        self._shared: dict[str, list[Path]] = {}
        self._hungry = threading.Lock()  # held by a memory-hungry job while it builds
        self._setup = threading.Lock()  # held while a toolchain is set up for a job
        self._stop = threading.Event()  # set when the run ends or is interrupted
        # build requirements (build_requirements.py): each job's key -> when it is done, the
        # worker task (group) it is in, and the wheel it made or the wheelhouse holds
        self._done: dict[str, threading.Event] = {}
        self._group_of: dict[str, int] = {}
        self._wheels: dict[str, Path] = {}
        self._waited: dict[str, list[str]] = {}  # a job's key -> what it waited for (its log)

    def run(self, plan: Plan, *, jobs: int = 1) -> RunResult:
        """Up to `jobs` jobs side by side, started in the plan's order (target after target);
        each compiles with every core it sees (one compile left alone finishes sooner than with
        a fixed share). When every job of a target is done, its wheels are verified together,
        accepted and the manifest saved, while later jobs go on; so a run stopped late keeps
        every wheel of the targets finished before it stopped. Ctrl-C (or any error here) lets
        the running jobs end and starts no other."""
        house = self._wheelhouse
        house.path.mkdir(parents=True, exist_ok=True)
        shutil.rmtree(house.staging, ignore_errors=True)
        targets = dict.fromkeys([*plan.targets, *(job.target for job in plan.jobs)])
        work: list[WorkJob | FailJob] = [job for job in plan.jobs if not isinstance(job, SkipJob)]
        for job in work:  # what the run will do, so progress can say "3 of 12"
            self._progress(job, "queued")
        expected = {target: sum(job.target == target for job in work) for target in targets}
        order = {id(job): index for index, job in enumerate(work)}
        finished: dict[BuildTarget, list[JobOutcome]] = {target: [] for target in targets}
        outcomes: list[JobOutcome] = []
        verify_s: dict[str, float] = {}
        first: dict[str, float] = {}  # per arch: when its first job began
        last: dict[str, float] = {}  # per arch: when its last verification ended
        results: queue.Queue[JobOutcome] = queue.Queue()
        self._stop.clear()
        groups = _after_requirements(_groups(work))
        self._track(plan, groups)
        pool = ThreadPoolExecutor(max_workers=max(1, jobs), thread_name_prefix="job")
        try:
            tasks = [pool.submit(self._in_turn, group, results) for group in groups]
            for outcome in _as_reported(results, tasks, count=len(work)):
                target = outcome.job.target
                finished[target].append(outcome)
                if len(finished[target]) < expected[target]:
                    continue
                mine = sorted(finished[target], key=lambda o: order[id(o.job)])
                seconds = self._verify(target, mine)
                verify_s[target.arch] = verify_s.get(target.arch, 0.0) + seconds
                began = min(o.started_s for o in mine)
                first[target.arch] = min(first.get(target.arch, began), began)
                last[target.arch] = self._clock.monotonic()
                self._accept(mine)
                if any(outcome.ok for outcome in mine):
                    house.save()
                outcomes += mine
        finally:
            self._stop.set()  # a task with jobs left starts none of them
            pool.shutdown(wait=True, cancel_futures=True)
        outcomes.sort(key=lambda o: order[id(o.job)])
        # Counted after acceptance, which can still refuse a wheel (a different file, same name).
        spans = {arch: last[arch] - first[arch] for arch in last}
        archs = summarize_archs(plan, outcomes, verify_s, spans)
        failed = [outcome.job.key for outcome in outcomes if not outcome.ok and outcome.job.key]
        failures = [_failure(outcome, house.path) for outcome in outcomes if not outcome.ok]
        house.record_run([summary.to_json() for summary in archs], failed, failures)
        house.save()
        shutil.rmtree(house.staging, ignore_errors=True)
        return RunResult(outcomes=outcomes, archs=archs)

    def _in_turn(self, group: list[WorkJob | FailJob], results: queue.Queue[JobOutcome]) -> None:
        """A worker's task: one job, or the jobs of one sdist one after another in the plan's
        order (the second finds the pure or abi3 wheel the first built, and never builds a
        second file of that name)."""
        for job in group:
            if self._stop.is_set():
                return
            outcome = self._one(job)
            if outcome.ok and outcome.wheel is not None and job.key:
                self._wheels[job.key] = outcome.wheel
            if job.key in self._done:
                self._done[job.key].set()
            results.put(outcome)

    def _track(self, plan: Plan, groups: list[list[WorkJob | FailJob]]) -> None:
        """What a build waits for and takes from this wheelhouse: the jobs of this run (by
        key, with their worker task) and the wheels already here that the plan skips."""
        self._done = {job.key: threading.Event() for group in groups for job in group if job.key}
        self._group_of = {job.key: i for i, group in enumerate(groups) for job in group}
        self._wheels = {
            job.key: self._wheelhouse.path / job.present_filename
            for job in plan.jobs
            if isinstance(job, SkipJob) and job.key and job.present_filename
        }

    def _await_requirements(self, job: BuildJob) -> None:
        """Wait for the jobs of this run that build the job's build requirements and were
        started before it (a cycle's other side was not: it is not waited for)."""
        waited: list[str] = []
        for name, version, key in job.build_requirements:
            done = self._done.get(key)
            if done is None or done.is_set() or self._group_of[key] >= self._group_of[job.key]:
                continue
            began = self._clock.monotonic()
            while not done.wait(timeout=1.0) and not self._stop.is_set():
                pass
            seconds = self._clock.monotonic() - began
            waited.append(f"waited {seconds:.0f} s for {name} {version}, a build requirement\n")
        self._waited[job.key] = waited

    def _requirements_layer(self, job: BuildJob, log: Path) -> list[Layer]:
        """The wheels of the job's build requirements that this wheelhouse made (this run,
        waited for, or an earlier one), mounted where pip (and uv) look first. One that failed,
        or that a cycle leaves unbuilt, is left to pip (which compiles it)."""
        wheels: list[Path] = []
        with log.open("a", encoding="utf-8") as handle:
            handle.writelines(self._waited.pop(job.key, []))
            for name, version, key in job.build_requirements:
                wheel = self._wheels.get(key)
                if wheel is None or not wheel.is_file():
                    handle.write(f"{name} {version}: no wheel of it here; pip builds it\n")
                    continue
                wheels.append(wheel)
            if not wheels:
                return []
            folder = self._wheelhouse.staging / f"{job.key}.requirements"
            folder.mkdir(parents=True, exist_ok=True)
            for wheel in wheels:
                _link_or_copy(wheel, folder / wheel.name)
            names = ", ".join(wheel.name for wheel in wheels)
            handle.write(f"build requirements from this wheelhouse: {names}\n")
        return [requirements_layer(folder)]

    def _one(self, job: WorkJob | FailJob) -> JobOutcome:
        """One job; a memory-hungry one never runs beside another."""
        self._progress(job, job.action)
        if isinstance(job, FailJob):
            began = self._clock.monotonic()
            outcome = JobOutcome(job=job, ok=False, message=job.reason, started_s=began)
        elif isinstance(job, BuildJob):
            # its requirements first: a memory-hungry job must not hold its turn while waiting
            # for another (which may be memory-hungry too)
            self._await_requirements(job)
            if self._stop.is_set():
                began = self._clock.monotonic()
                message = "stopped before its build requirements were built"
                outcome = JobOutcome(job=job, ok=False, message=message, started_s=began)
            else:
                with self._hungry if job.recipe.memory_hungry else contextlib.nullcontext():
                    outcome = self._guard(job)
        else:
            outcome = self._guard(job)
        self._progress(job, "done" if outcome.ok else "failed")
        return outcome

    def _guard(self, job: WorkJob) -> JobOutcome:
        log = self._wheelhouse.job_log(job)
        log.parent.mkdir(parents=True, exist_ok=True)
        log.write_text(f"# {job.label}: {job.action} ({job.reason}), key {job.key}\n", "utf-8")
        started = self._clock.monotonic()
        try:
            if isinstance(job, MirrorJob):
                outcome = self._mirror(job, log)
            elif isinstance(job, ReuseJob):
                outcome = self._stage_shared(job, self._wheelhouse.path / job.reused, log)
            else:
                outcome = self._build(job, log)
        except CommandFailed as exc:
            message = f"{exc.message}\n{exc.log_tail}"
            if reason := failure_reason(_log_text(log)):
                message = f"{reason}\n{message}"
            outcome = JobOutcome(job=job, ok=False, message=message)
        except WheelhouseError as exc:
            outcome = JobOutcome(job=job, ok=False, message=str(exc))
        except Exception as exc:  # a job's failure stays that job's: disk, permissions, a bug
            with log.open("a", encoding="utf-8") as handle:
                handle.write("".join(traceback.format_exception(exc)))
            outcome = JobOutcome(
                job=job, ok=False, message=f"unexpected {type(exc).__name__}: {exc} (see the log)"
            )
        outcome.duration_s = round(self._clock.monotonic() - started, 1)
        outcome.started_s = started
        outcome.log = log
        return outcome

    def _mirror(self, job: MirrorJob, log: Path) -> JobOutcome:
        dest = self._wheelhouse.staging / job.key / job.wheel.filename
        self._client.download(job.wheel.url, dest, digests=job.wheel.digests)
        with log.open("a", encoding="utf-8") as handle:
            handle.write(f"downloaded {job.wheel.url}\n{job.wheel.identity()} verified\n")
        problems = tag_problems(dest.name, job.target) if "musllinux" in dest.name else []
        if problems:
            return JobOutcome(job=job, ok=False, message="; ".join(problems))
        return JobOutcome(job=job, ok=True, wheel=dest, filename=dest.name)

    def _build(self, job: BuildJob, log: Path) -> JobOutcome:
        sdist = self._client.download(
            job.sdist.url,
            self._wheelhouse.cache / "sdists" / job.sdist.filename,
            digests=job.sdist.digests,
        )
        identity = job.sdist.identity() or job.sdist.filename
        for shared in self._shared.get(identity, []):
            if job.target.installs(shared.name):  # built earlier in this run for another target
                return self._stage_shared(job, shared, log)
        work = self._wheelhouse.staging / job.key
        built = build_wheel(
            self._commands,
            self._containers,
            job,
            sdist=sdist,
            work=work,
            log=log,
            cxx=self._cxx,
            layers=[*self._layers_for(job, log), *self._requirements_layer(job, log)],
            versions=self._versions,
        )
        if built.wheel is not None and not built.problems and shareable(built.wheel.name):
            self._shared.setdefault(identity, []).append(built.wheel)
        if built.problems:
            return JobOutcome(
                job=job, ok=False, message="; ".join(built.problems), wheel=built.wheel
            )
        wheel = _require(built.wheel, job)
        return JobOutcome(
            job=job,
            ok=True,
            message=built.note,
            wheel=wheel,
            filename=wheel.name,
            grafted=built.grafted,
        )

    def _layers_for(self, job: BuildJob, log: Path) -> list[Layer]:
        """What to mount for the job beyond C and C++, each toolchain set up and each library
        built on demand by the first job that needs it (in that job's log, one set-up at a
        time; a job that needs none never waits for another's set-up)."""
        if not job.toolchains:
            return []
        libraries = on_demand([name for name, _ in job.toolchains])
        there = {
            "openmp": self._openmp,
            "rust": self._rust,
            "fortran": self._fortran,
            **{library.name: self._libraries for library in libraries},
        }
        missing = [name for name, set_up in there.items() if job.toolchain(name) and not set_up]
        if missing:
            raise WheelhouseError(f"{job.label} needs {', '.join(missing)}, which was not set up")
        layers: list[Layer] = []
        with self._setup:
            if self._openmp is not None and job.openmp:
                ensure_openmp(self._commands, self._openmp, job.arch, zig=self._cxx, log=log)
                layers.append(self._openmp.layer(job.arch))
            if self._rust is not None and job.rust:
                rust = ensure_rust(
                    self._commands,
                    self._containers,
                    self._rust,
                    arch=job.arch,
                    image=job.image.builder,
                    zig=self._cxx,
                    log=log,
                )
                layers.append(rust.layer(job.arch, job.target.python, job.target.abi_dir))
            if self._fortran is not None and job.fortran:
                ensure_fortran(self._commands, self._fortran, job.arch, zig=self._cxx, log=log)
                layers.append(self._fortran.layer(job.arch))
            layers += self._library_layers(job, libraries, log)
        return layers

    def _library_layers(
        self, job: BuildJob, libraries: list[SystemLibrary], log: Path
    ) -> list[Layer]:
        """The job's libraries built on demand, each built first when it is not yet (with the
        compiler the job's own build uses, and the libraries it requires mounted)."""
        builds = self._libraries
        if builds is None:
            return []
        layers: dict[str, Layer] = {}
        for library in libraries:  # each after those it requires
            built = ensure_library(
                self._commands,
                self._containers,
                builds,
                library,
                image=job.image,
                cxx=self._cxx,
                cross=job.execution == "cross" and library.cross != "emulated",
                log=log,
                requirements=[layers[name] for name in library.requires],
            )
            layers[library.name] = builds.layer(library, built)
        return list(layers.values())

    def _stage_shared(self, job: BuildJob | ReuseJob, wheel: Path, log: Path) -> JobOutcome:
        """A pure or abi3 wheel of the same sdist serves this target too: staged for its
        verification here, never built again (one file per name)."""
        staged = self._wheelhouse.staging / job.key / wheel.name
        staged.parent.mkdir(parents=True, exist_ok=True)
        shutil.copy2(wheel, staged)
        with log.open("a", encoding="utf-8") as handle:
            handle.write(f"{wheel.name}, built from the same sdist, installs here: reused\n")
        return JobOutcome(job=job, ok=True, wheel=staged, filename=staged.name)

    def _verify(self, target: BuildTarget, outcomes: list[JobOutcome]) -> float:
        """Install and import every new wheel of one target in its clean runtime image, in one
        container. Returns the seconds it took."""
        mine = [o for o in outcomes if o.ok and o.wheel is not None]
        house = self._wheelhouse
        if not mine:
            return 0.0
        image = _work(mine[0].job).image
        links_dir = house.staging / f"verify-{target.python}-{target.arch}"
        links_dir.mkdir(parents=True, exist_ok=True)
        # Each target's own jobs cover its whole closure (a pure wheel is staged per target).
        for outcome in mine:
            wheel = _staged(outcome)
            _link_or_copy(wheel, links_dir / wheel.name)
            try:
                for companion in outcome.job.verify_with:
                    dest = house.cache / "verify-with" / companion.filename
                    self._client.download(companion.url, dest, digests=companion.digests)
                    _link_or_copy(dest, links_dir / companion.filename)
            except WheelhouseError as problem:  # this job fails alone
                outcome.ok = False
                outcome.message = f"verify-with {companion.filename}: {problem}"
        mine = [o for o in mine if o.ok]
        if not mine:
            return 0.0
        plans = [import_plan(_staged(o)) for o in mine]
        items = [
            VerifyItem(
                name=o.job.name,
                version=o.job.version,
                imports=tuple(
                    module
                    for module in dict.fromkeys([*plan.modules, *o.job.recipe.imports])
                    if module not in o.job.recipe.skip_imports
                ),
                extensions=plan.extensions,
                own=plan.own,
                with_=tuple(_pin(companion.filename) for companion in o.job.verify_with),
            )
            for o, plan in zip(mine, plans, strict=True)
        ]
        for outcome in mine:
            self._progress(outcome.job, "verify")
        log = house.logs / f"verify-cp{target.python}-{target.arch}.log"
        started = self._clock.monotonic()
        results = verify_in_runtime(
            self._containers,
            image=image,
            target=target,
            items=items,
            find_links=[house.path, links_dir],
            work_dir=house.staging / f"verify-spec-{target.python}-{target.arch}",
            log=log,
        )
        elapsed = self._clock.monotonic() - started
        for outcome, result in zip(mine, results, strict=True):
            if outcome.log is not None:
                with outcome.log.open("a", encoding="utf-8") as handle:
                    handle.write(f"\n# verification in {image.runtime}\n{result.output}\n")
            if not result.ok:
                outcome.ok = False
                why = f": {result.reason}" if result.reason else ""
                outcome.message = (
                    f"verification in the clean runtime image failed{why}:\n{tail(result.output)}"
                )
        return elapsed

    def _accept(self, outcomes: list[JobOutcome]) -> None:
        for outcome in outcomes:
            if not outcome.ok or outcome.wheel is None:
                continue
            made = Made(duration_s=outcome.duration_s, log=outcome.log, grafted=outcome.grafted)
            accepted = self._wheelhouse.accept(_work(outcome.job), outcome.wheel, made, self._tools)
            if isinstance(accepted, Refused):
                outcome.ok = False
                outcome.message = accepted.message


def _groups(work: list[WorkJob | FailJob]) -> list[list[WorkJob | FailJob]]:
    """The jobs as worker tasks, in the plan's order: the build jobs of one sdist together (in
    the order of their first), every other job alone."""
    groups: list[list[WorkJob | FailJob]] = []
    by_sdist: dict[str, list[WorkJob | FailJob]] = {}
    for job in work:
        if isinstance(job, BuildJob):
            identity = job.sdist.identity() or job.sdist.filename
            if identity in by_sdist:
                by_sdist[identity].append(job)
                continue
            by_sdist[identity] = [job]
            groups.append(by_sdist[identity])
        else:
            groups.append([job])
    return groups


def _after_requirements(
    groups: list[list[WorkJob | FailJob]],
) -> list[list[WorkJob | FailJob]]:
    """The worker tasks in the plan's order, except that a task comes after the tasks that
    build its jobs' build requirements (so that no worker waits for a task not started yet).
    A cycle keeps the plan's order; its builds do not wait (`_requirements_layer`)."""
    where = {job.key: index for index, group in enumerate(groups) for job in group if job.key}
    needs = [
        {
            where[key]
            for job in group
            if isinstance(job, BuildJob)
            for _, _, key in job.build_requirements
            if key in where and where[key] != index
        }
        for index, group in enumerate(groups)
    ]
    placed: set[int] = set()
    pending = list(range(len(groups)))
    ordered: list[list[WorkJob | FailJob]] = []
    while pending:
        chosen = next((i for i in pending if needs[i] <= placed), pending[0])
        pending.remove(chosen)
        placed.add(chosen)
        ordered.append(groups[chosen])
    return ordered


def _as_reported(
    results: queue.Queue[JobOutcome], tasks: list[Future[None]], *, count: int
) -> Iterator[JobOutcome]:
    """The outcomes as the workers report them; a worker that died (a bug outside a job's own
    guard) is raised here rather than waited for."""
    for _ in range(count):
        outcome = None
        while outcome is None:
            try:
                outcome = results.get(timeout=0.5)
            except queue.Empty:
                died = [task for task in tasks if task.done() and task.exception() is not None]
                if died:
                    break
        if outcome is None:
            raise cast(BaseException, died[0].exception())
        yield outcome


def _pin(wheel_filename: str) -> str:
    name, version, _, _ = parse_wheel_filename(wheel_filename)
    return f"{name}=={version}"


def _link_or_copy(source: Path, dest: Path) -> None:
    if dest.exists():
        return
    try:
        dest.hardlink_to(source)
    except OSError:
        shutil.copy2(source, dest)


def _staged(outcome: JobOutcome) -> Path:
    return _require(outcome.wheel, outcome.job)


def _failure(outcome: JobOutcome, house: Path) -> dict[str, str]:
    """What the manifest's run record keeps of a failed job, for the pages for people."""
    job = outcome.job
    log = outcome.log
    return {
        "name": job.name,
        "version": job.version,
        "python": job.python,
        "arch": job.arch,
        "reason": outcome.message.splitlines()[0] if outcome.message else "",
        "log": str(log.relative_to(house)) if log is not None and log.is_relative_to(house) else "",
    }


def _require(wheel: Path | None, job: Job) -> Path:
    if wheel is None:
        msg = f"{job.label}: no staged wheel"
        raise ValueError(msg)
    return wheel


def _work(job: Job) -> WorkJob:
    """Only build and mirror jobs stage wheels."""
    if isinstance(job, BuildJob | MirrorJob):
        return job
    msg = f"{job.label}: a {job.action} job has no wheel"
    raise ValueError(msg)


LOG_READ_LIMIT = 4 * 1024 * 1024  # a failure's cause is near the end of its log


def _log_text(log: Path) -> str:
    """The end of a job's log (at most LOG_READ_LIMIT bytes), "" when it cannot be read."""
    try:
        with log.open("rb") as handle:
            size = handle.seek(0, 2)
            handle.seek(max(0, size - LOG_READ_LIMIT))
            return handle.read().decode("utf-8", errors="replace")
    except OSError:
        return ""
