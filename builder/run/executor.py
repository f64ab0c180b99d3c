"""Execute a plan: mirror and build into a staging area, check, verify in the clean runtime image,
then move what passed into the wheelhouse and record it in the manifest.

A failing job never stops the others. Nothing that fails a check or the verification reaches the
wheelhouse, and a wheel already there is never replaced by a different file of the same name.
"""

from __future__ import annotations

import shutil
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

from builder.build.cibuildwheel_options import CONFIG_FILE_TEXT, cibuildwheel_env
from builder.errors import CommandFailed, WheelhouseError
from builder.host.commands import Runner, tail
from builder.host.http_client import HttpClient
from builder.plan.planner import Job, Plan, ToolVersions
from builder.repair.wheel_checks import (
    auditwheel_show_problems,
    graft_problems,
    grafted_libraries,
    import_names,
    tag_problems,
    wheel_tags,
)
from builder.run.arch_summary import ArchSummary, summarize_archs
from builder.verify.runtime import VerifyItem, verify_in_runtime
from builder.wheelhouse.manifest import Manifest, WheelEntry, save_manifest
from index.dist_files import file_sha256


@dataclass(kw_only=True)
class JobOutcome:
    job: Job
    ok: bool
    message: str = ""
    wheel: Path | None = None  # staged wheel, until accepted
    filename: str = ""
    duration_s: float = 0.0
    log: Path | None = None
    grafted: list[str] = field(default_factory=list)


@dataclass(frozen=True, kw_only=True)
class Layout:
    """Where a build keeps its things. Dot-directories are not served by the index."""

    wheelhouse: Path

    @property
    def logs(self) -> Path:
        return self.wheelhouse / ".logs"

    @property
    def staging(self) -> Path:
        return self.wheelhouse / ".staging"

    @property
    def cache(self) -> Path:
        return self.wheelhouse / ".cache"

    def job_log(self, job: Job) -> Path:
        return self.logs / f"{job.name}-{job.version}-cp{job.python}-{job.arch}.log"


Progress = Callable[[Job, str], None]


class Executor:
    def __init__(
        self,
        *,
        runner: Runner,
        client: HttpClient,
        layout: Layout,
        tools: ToolVersions,
        progress: Progress,
    ) -> None:
        self._runner = runner
        self._client = client
        self._layout = layout
        self._tools = tools
        self._progress = progress
        self.arch_summaries: list[ArchSummary] = []

    def run(self, plan: Plan, manifest: Manifest) -> list[JobOutcome]:
        layout = self._layout
        layout.wheelhouse.mkdir(parents=True, exist_ok=True)
        shutil.rmtree(layout.staging, ignore_errors=True)
        outcomes: list[JobOutcome] = []
        for job in plan.jobs:
            if job.action == "skip":
                continue
            self._progress(job, job.action)
            if job.action == "fail":
                outcomes.append(JobOutcome(job=job, ok=False, message=job.reason))
            elif job.action == "mirror":
                outcomes.append(self._guard(job, self._mirror))
            else:
                outcomes.append(self._guard(job, self._build))
            self._progress(job, "done" if outcomes[-1].ok else "failed")
        verify_s = self._verify(plan, outcomes)
        self._accept(outcomes, manifest)
        # Counted after acceptance, which can still refuse a wheel (a different file, same name).
        self.arch_summaries = summarize_archs(plan, outcomes, verify_s)
        manifest.record_run(
            finished=datetime.now(UTC).isoformat(timespec="seconds"),
            archs=[summary.to_json() for summary in self.arch_summaries],
        )
        save_manifest(layout.wheelhouse, manifest)
        shutil.rmtree(layout.staging, ignore_errors=True)
        return outcomes

    def _guard(self, job: Job, action: Callable[[Job, Path], JobOutcome]) -> JobOutcome:
        log = self._layout.job_log(job)
        log.parent.mkdir(parents=True, exist_ok=True)
        log.write_text(f"# {job.label}: {job.action} ({job.reason}), key {job.key}\n", "utf-8")
        started = time.monotonic()
        try:
            outcome = action(job, log)
        except CommandFailed as exc:
            outcome = JobOutcome(job=job, ok=False, message=f"{exc.message}\n{exc.log_tail}")
        except WheelhouseError as exc:
            outcome = JobOutcome(job=job, ok=False, message=str(exc))
        outcome.duration_s = round(time.monotonic() - started, 1)
        outcome.log = log
        return outcome

    def _mirror(self, job: Job, log: Path) -> JobOutcome:
        wheel = job.require_wheel()
        dest = self._layout.staging / job.key / wheel.filename
        self._client.download(wheel.url, dest, sha256=wheel.sha256)
        with log.open("a", encoding="utf-8") as handle:
            handle.write(f"downloaded {wheel.url}\nsha256 {wheel.sha256} verified\n")
        problems = tag_problems(dest.name, job.target) if "musllinux" in dest.name else []
        if problems:
            return JobOutcome(job=job, ok=False, message="; ".join(problems))
        return JobOutcome(job=job, ok=True, wheel=dest, filename=dest.name)

    def _build(self, job: Job, log: Path) -> JobOutcome:
        source = job.require_sdist()
        work = self._layout.staging / job.key
        sdist = self._client.download(
            source.url,
            self._layout.cache / "sdists" / source.filename,
            sha256=source.sha256,
        )
        config = work / "cibuildwheel.toml"
        out = work / "out"
        out.mkdir(parents=True, exist_ok=True)
        config.write_text(CONFIG_FILE_TEXT, encoding="utf-8")
        self._runner.run(
            [
                sys.executable,
                "-m",
                "cibuildwheel",
                "--platform",
                "linux",
                "--config-file",
                str(config),
                "--output-dir",
                str(out),
                str(sdist),
            ],
            env=cibuildwheel_env(job),
            log=log,
            cwd=work,
            timeout=3600,
            what=f"cibuildwheel for {job.label}",
        )
        wheels = sorted(out.glob("*.whl"))
        if len(wheels) != 1:
            names = ", ".join(w.name for w in wheels) or "none"
            return JobOutcome(job=job, ok=False, message=f"expected one wheel, got {names}")
        wheel = wheels[0]
        show = self._runner.run(
            [sys.executable, "-m", "auditwheel", "show", str(wheel)],
            log=log,
            check=False,
            what=f"auditwheel show {wheel.name}",
        )
        problems = [
            *tag_problems(wheel.name, job.target),
            *auditwheel_show_problems(show.output, job.target),
            *graft_problems(wheel),
        ]
        if problems:
            with log.open("a", encoding="utf-8") as handle:
                handle.write("wheel checks failed:\n" + "\n".join(problems) + "\n")
            return JobOutcome(job=job, ok=False, message="; ".join(problems), wheel=wheel)
        return JobOutcome(
            job=job, ok=True, wheel=wheel, filename=wheel.name, grafted=grafted_libraries(wheel)
        )

    def _verify(self, plan: Plan, outcomes: list[JobOutcome]) -> dict[str, float]:
        """Install and import every new wheel in the clean runtime image, one container per
        target. Returns the seconds spent per arch."""
        staged = [o for o in outcomes if o.ok and o.wheel is not None]
        seconds: dict[str, float] = {}
        for target in plan.targets:
            mine = [o for o in staged if o.job.target == target]
            if not mine:
                continue
            image = mine[0].job.require_image()
            links_dir = self._layout.staging / f"verify-{target.python}-{target.arch}"
            links_dir.mkdir(parents=True, exist_ok=True)
            # Each target's own jobs cover its whole closure (a pure wheel is staged per target).
            for outcome in mine:
                wheel = _staged(outcome)
                _link_or_copy(wheel, links_dir / wheel.name)
            items = [
                VerifyItem(
                    name=o.job.name,
                    version=o.job.version,
                    imports=tuple(
                        dict.fromkeys([*import_names(_staged(o)), *o.job.recipe.imports])
                    ),
                )
                for o in mine
            ]
            for outcome in mine:
                self._progress(outcome.job, "verify")
            log = self._layout.logs / f"verify-cp{target.python}-{target.arch}.log"
            started = time.monotonic()
            results = verify_in_runtime(
                self._runner,
                image=image,
                target=target,
                items=items,
                find_links=[self._layout.wheelhouse, links_dir],
                work_dir=self._layout.staging / f"verify-spec-{target.python}-{target.arch}",
                log=log,
            )
            elapsed = time.monotonic() - started
            seconds[target.arch] = seconds.get(target.arch, 0.0) + elapsed
            for outcome, result in zip(mine, results, strict=True):
                if outcome.log is not None:
                    with outcome.log.open("a", encoding="utf-8") as handle:
                        handle.write(f"\n# verification in {image.runtime}\n{result.output}\n")
                if not result.ok:
                    outcome.ok = False
                    outcome.message = (
                        f"verification in the clean runtime image failed:\n{tail(result.output)}"
                    )
        return seconds

    def _accept(self, outcomes: list[JobOutcome], manifest: Manifest) -> None:
        wheelhouse = self._layout.wheelhouse
        for outcome in outcomes:
            if not outcome.ok or outcome.wheel is None:
                continue
            dest = wheelhouse / outcome.wheel.name
            sha256 = file_sha256(outcome.wheel)
            if dest.exists() and file_sha256(dest) != sha256:
                outcome.ok = False
                outcome.message = (
                    f"{dest} already exists with different content; it was kept. "
                    "Remove it by hand if the new build should replace it."
                )
                continue
            if not dest.exists():
                partial = dest.with_name(dest.name + ".part")
                shutil.copy2(outcome.wheel, partial)
                partial.replace(dest)
            job = outcome.job
            source = job.sdist.sha256 if job.sdist else (job.wheel.sha256 if job.wheel else "")
            manifest.add(
                WheelEntry(
                    filename=dest.name,
                    name=job.name,
                    version=job.version,
                    tags=[str(tag) for tag in wheel_tags(dest.name)],
                    sha256=sha256,
                    size=dest.stat().st_size,
                    action=job.action,
                    source_sha256=source or "",
                    key=job.key,
                    python=job.python,
                    arch=job.arch,
                    image=job.image.builder if job.image and job.action == "build" else "",
                    image_id=job.image.builder_id if job.image and job.action == "build" else "",
                    cibuildwheel=self._tools.cibuildwheel if job.action == "build" else "",
                    auditwheel=self._tools.auditwheel if job.action == "build" else "",
                    duration_s=outcome.duration_s,
                    log=str(outcome.log.relative_to(wheelhouse)) if outcome.log else "",
                    grafted=outcome.grafted,
                    created=datetime.now(UTC).isoformat(timespec="seconds"),
                )
            )


def _link_or_copy(source: Path, dest: Path) -> None:
    if dest.exists():
        return
    try:
        dest.hardlink_to(source)
    except OSError:
        shutil.copy2(source, dest)


def _staged(outcome: JobOutcome) -> Path:
    if outcome.wheel is None:
        msg = f"{outcome.job.label}: no staged wheel"
        raise ValueError(msg)
    return outcome.wheel
