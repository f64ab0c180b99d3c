"""What a person (rich tables on stderr) and a machine (--json on stdout) see of a build."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

from rich.console import Console
from rich.table import Table

from builder.pipeline import BuildReport
from builder.plan.due import Due
from builder.plan.jobs import ACTIONS, Job, Plan, SkipJob
from builder.plan.shards import Shard

if TYPE_CHECKING:  # app.checking prints its verdicts with check_table
    from app.checking import Verdict

ACTION_STYLE = {"build": "yellow", "mirror": "cyan", "reuse": "cyan", "skip": "dim", "fail": "red"}


def plan_table(plan: Plan) -> Table:
    table = Table(title=f"plan: {len(plan.jobs)} jobs", title_justify="left")
    for column in ("package", "version", "python", "arch", "runs", "action", "reason", "key"):
        table.add_column(column)
    for job in plan.jobs:
        style = ACTION_STYLE.get(job.action, "")
        table.add_row(
            job.name,
            job.version,
            job.python,
            job.arch,
            f"{job.execution} on {job.runner}",
            f"[{style}]{job.action}[/]",
            job.reason,
            job.key[:12],
        )
    return table


def summary_table(report: BuildReport) -> Table:
    table = Table(title="summary", title_justify="left")
    for column in ("package", "version", "python", "arch", "action", "result", "time", "wheel"):
        table.add_column(column)
    outcomes = {id(outcome.job): outcome for outcome in report.outcomes}
    for job in report.plan.jobs:
        outcome = outcomes.get(id(job))
        if outcome is None:
            result, seconds, wheel = "[dim]skipped[/]", "", _present(job) or ""
        else:
            result = "[green]ok[/]" if outcome.ok else "[red]FAILED[/]"
            seconds, wheel = f"{outcome.duration_s:.1f}s", outcome.filename
        table.add_row(
            job.name, job.version, job.python, job.arch, job.action, result, seconds, wheel
        )
    return table


def arch_table(report: BuildReport) -> Table:
    """Per-arch wall time: where the time of the run went (emulated arches cost 6-16x). Narrow
    enough for 80 columns; the mirrored and skipped counts are in --json and the manifest."""
    table = Table(title="per arch", title_justify="left")
    for column in ("arch", "runs", "built", "failed", "wall", "jobs", "verify"):
        table.add_column(column)
    for summary in report.archs:
        table.add_row(
            summary.arch,
            f"{summary.execution} on {summary.runner}",
            str(summary.built),
            str(summary.failed),
            f"{summary.wall_s:.1f}s",
            f"{summary.jobs_s:.1f}s",
            f"{summary.verify_s:.1f}s",
        )
    return table


def print_failures(console: Console, report: BuildReport) -> None:
    for outcome in report.outcomes:  # what a job that passed did differently (abi3 fallback)
        if outcome.ok and outcome.message:
            console.print(f"note: {outcome.job.label}: {outcome.message}", markup=False)
    for outcome in report.failed:
        console.rule(f"[red]failed: {outcome.job.label}")
        console.print(outcome.message, markup=False, highlight=False)
        if outcome.log is not None:
            console.print(f"full log: {outcome.log}", markup=False)


def report_json(report: BuildReport, shard: str | None = None) -> dict[str, Any]:
    outcomes = {id(outcome.job): outcome for outcome in report.outcomes}
    folder = report.manifest_path.parent if report.manifest_path else None
    jobs: list[dict[str, Any]] = []
    for job in report.plan.jobs:
        item: dict[str, Any] = dict(job.to_json())
        outcome = outcomes.get(id(job))
        if outcome is not None:
            item.update(
                ok=outcome.ok,
                wheel=outcome.filename or None,
                duration_s=outcome.duration_s,
                log=str(outcome.log) if outcome.log else None,
                error=None if outcome.ok else outcome.message,
                note=outcome.message if outcome.ok and outcome.message else None,
                size=_size(folder, outcome.filename) if outcome.ok else None,
            )
        else:
            item.update(ok=True, wheel=_present(job), duration_s=0.0, log=None, error=None)
        jobs.append(item)
    counts = {action: len(report.plan.by_action(action)) for action in ACTIONS}
    return {
        "shard": shard,
        "jobs": jobs,
        "counts": counts,
        "failed": len(report.failed),
        "archs": [summary.to_json() for summary in report.archs],
        "placements": report.plan.arch_placements(),
        "warnings": report.warnings,
        "manifest": str(report.manifest_path) if report.manifest_path else None,
    }


def _size(folder: Path | None, filename: str) -> int | None:
    path = folder / filename if folder is not None and filename else None
    return path.stat().st_size if path is not None and path.is_file() else None


def _present(job: Job) -> str | None:
    """The wheel already in the wheelhouse that a skipped job stands for."""
    return job.present_filename if isinstance(job, SkipJob) else None


STATUS_STYLE = {"upstream wheel": "green", "our index": "green", "compiles": "red"}


def check_table(verdicts: Sequence[Verdict]) -> Table:
    """`wheelhouse check`: one row per package and target."""
    table = Table(title="would pip install from wheels on Alpine?", title_justify="left")
    for column in ("package", "version", "python", "arch", "status", "file or reason"):
        table.add_column(column)
    for verdict in verdicts:
        style = STATUS_STYLE.get(verdict.status, "red")
        table.add_row(
            verdict.name,
            verdict.version,
            verdict.python,
            verdict.arch,
            f"[{style}]{verdict.status}[/]",
            verdict.detail,
        )
    return table


def due_table(due: Sequence[Due], total: int) -> Table:
    table = Table(title=f"due: {len(due)} of {total} jobs (the rest are held by the target)")
    for column in ("package", "version", "python", "arch", "action", "why"):
        table.add_column(column)
    for item in due:
        job = item.job
        table.add_row(job.name, job.version, job.python, job.arch, job.action, item.reason)
    return table


def shards_table(shards: Sequence[Shard]) -> Table:
    table = Table(title="shards (wheelhouse build --runner R --shard I/N)")
    for column in ("runner", "shard", "jobs", "estimated s", "packages"):
        table.add_column(column)
    for shard in shards:
        names = sorted({f"{job.name} {job.arch}" for job in shard.jobs})
        table.add_row(
            shard.runner,
            shard.label,
            str(len(shard.jobs)),
            f"{shard.estimated_s:.0f}",
            ", ".join(names),
        )
    return table
