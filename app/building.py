"""`wheelhouse build` and `wheelhouse plan`: one set-up of the pipeline's doors, then what each
command shows of the report."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from app.console import (
    TRACEBACKS,
    LiveProgress,
    done,
    echo_command,
    err,
    warn,
    write_json,
)
from app.report import (
    arch_table,
    due_table,
    plan_table,
    print_failures,
    report_json,
    shards_table,
    summary_table,
)
from builder.errors import JobsFailed
from builder.host.commands import CommandRunner
from builder.host.containers import Containers
from builder.host.http_client import HttpClient
from builder.inputs.settings import Settings, default_environ
from builder.pipeline import BuildReport, BuildRequest, build, tool_versions
from builder.plan.due import Due, Held, due_jobs
from builder.plan.shards import Shard, ci_matrix, plan_shards
from builder.wheelhouse.manifest import load_manifest
from index.clock import SystemClock


def pipeline_report(
    settings: Settings, request: BuildRequest, *, commands: CommandRunner, label: str
) -> BuildReport:
    """Run the pipeline with this process's doors, showing its progress; its warnings shown."""
    with HttpClient() as client, err.status(label, spinner="dots") as status:
        clock = SystemClock()
        live = LiveProgress(status, clock)
        report = build(
            settings,
            request,
            commands=commands,
            containers=Containers(commands),
            client=client,
            clock=clock,
            note=live.note,
            progress=live.progress,
        )
    for warning in report.warnings:
        warn(warning)
    return report


def run_build(
    settings: Settings, request: BuildRequest, *, echo: bool, as_json: bool, shard: str | None
) -> None:
    """Build (or, with --dry-run, plan) and show the outcome; some jobs failed: exit 1."""
    if echo:
        TRACEBACKS.shown = True
    commands = CommandRunner(env=default_environ(), echo=echo_command if echo else None)
    report = pipeline_report(settings, request, commands=commands, label="starting")
    if request.dry_run:
        if as_json:  # the plan, and what the run would set up (toolchains, libraries)
            write_json({**report.plan.to_json(), "warnings": report.warnings})
        else:
            err.print(plan_table(report.plan))
        return
    if as_json:
        write_json(report_json(report, shard))
    err.print(summary_table(report))
    err.print(arch_table(report))
    print_failures(err, report)
    if report.failed:
        raise JobsFailed(
            f"{len(report.failed)} of {len(report.outcomes)} jobs failed "
            "(the others completed; see above)"
        )
    done(f"wheelhouse ready: {settings.wheelhouse}")


@dataclass(frozen=True)
class DueReport:
    """`wheelhouse plan`: which of the plan's jobs are due against the target, and why."""

    due: list[Due]
    jobs: int  # every job of the plan
    held: int  # the plan's jobs the target (or the wheelhouse) holds already
    shards: list[Shard] | None  # with --shards N
    warnings: list[str] = field(default_factory=list)  # what the plan says besides its jobs

    def to_json(self) -> dict[str, Any]:
        out: dict[str, Any] = {
            "due": [{**d.job.to_json(), "due": d.reason} for d in self.due],
            "held": self.held,
            "jobs": self.jobs,
            "warnings": self.warnings,
        }
        if self.shards is not None:
            out["shards"] = [
                {
                    "runner": piece.runner,
                    "shard": piece.label,
                    "estimated_s": piece.estimated_s,
                    "jobs": [job.label for job in piece.jobs],
                }
                for piece in self.shards
            ]
            out["matrix"] = ci_matrix(self.shards)
        return out


def run_plan(
    settings: Settings,
    request: BuildRequest,
    *,
    held: Held | None,
    shards: int | None,
    as_json: bool,
) -> None:
    """Plan as a dry run does, then say what is due against `held` (default: the wheelhouse)."""
    commands = CommandRunner(env=default_environ())
    report = pipeline_report(settings, request, commands=commands, label="planning")
    history = held.manifest if held is not None else load_manifest(settings.wheelhouse)
    files = None if held is None else held.files
    due = due_jobs(report.plan, history, tool_versions(), files=files)
    pieces = None if shards is None else plan_shards(report.plan, shards, history)
    held_jobs = sum(1 for job in report.plan.jobs if job.action == "skip")
    result = DueReport(
        due=due,
        jobs=len(report.plan.jobs),
        held=held_jobs,
        shards=pieces,
        warnings=report.warnings,
    )
    if as_json:
        write_json(result.to_json())
    err.print(due_table(due, result.jobs))
    if pieces:
        err.print(shards_table(pieces))
