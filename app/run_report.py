"""`wheelhouse report`: one pipeline run's report from its shards' `build --json` outputs, as
Markdown (a CI job summary) and JSON: per shard what was due, built, mirrored, reused, skipped
and failed, wall time per arch, the size of what was made, and each failure with its log tail.
Pure: the CLI reads the files."""

from __future__ import annotations

import re
from collections.abc import Sequence
from typing import Any

TAIL_LINES = 15
JOB_TEXT = ("name", "version", "python", "arch", "action")


def report_problem(report: object) -> str | None:
    """What makes `report` no `build --json` report this module can read (None: readable).
    Reports come from other machines' CI jobs: every field used is checked first."""
    if not isinstance(report, dict) or not isinstance(report.get("jobs"), list):
        return "no list of jobs"
    if not isinstance(report.get("shard"), str | None):
        return "its shard is not text"
    for index, job in enumerate(report["jobs"]):
        if not isinstance(job, dict):
            return f"job {index} is not an object"
        if not all(isinstance(job.get(key), str) for key in JOB_TEXT):
            return f"job {index}: {', '.join(JOB_TEXT)} must be text"
        if not isinstance(job.get("ok"), bool):
            return f"job {index}: ok must be true or false"
        size = job.get("size")
        if size is not None and (type(size) is not int or not 0 <= size < 1 << 53):
            return f"job {index}: size must be a whole number of bytes"
        if not all(isinstance(job.get(key), str | None) for key in ("error", "reason")):
            return f"job {index}: error and reason must be text"
    archs = report.get("archs", [])
    if not isinstance(archs, list):
        return "archs is not a list"
    for index, item in enumerate(archs):
        if not isinstance(item, dict) or not isinstance(item.get("arch"), str):
            return f"archs entry {index} names no arch"
        wall = item.get("wall_s", 0.0)
        if type(wall) not in (int, float) or not 0 <= wall < 1e9:
            return f"archs entry {index}: wall_s must be a number of seconds"
        if not isinstance(item.get("execution"), str | None):
            return f"archs entry {index}: execution must be text"
    return None


def summarize(name: str, report: dict[str, Any]) -> dict[str, Any]:
    jobs = report.get("jobs", [])
    counted = {
        action: sum(1 for job in jobs if job.get("action") == action and job.get("ok"))
        for action in ("build", "mirror", "reuse", "skip")
    }
    failed = [job for job in jobs if not job.get("ok")]
    return {
        "report": name,
        "shard": report.get("shard"),
        "due": sum(1 for job in jobs if job.get("action") != "skip"),
        "built": counted["build"],
        "mirrored": counted["mirror"],
        "reused": counted["reuse"],
        "skipped": counted["skip"],
        "failed": len(failed),
        "bytes": sum(int(job.get("size") or 0) for job in jobs if job.get("action") != "skip"),
        "archs": {
            item["arch"]: {"wall_s": item.get("wall_s", 0.0), "execution": item.get("execution")}
            for item in report.get("archs", [])
        },
        "failures": [
            {
                "job": f"{job['name']} {job['version']} cp{job['python']} {job['arch']}",
                "tail": _tail(job.get("error") or job.get("reason") or ""),
            }
            for job in failed
        ],
    }


def run_report(reports: Sequence[tuple[str, dict[str, Any]]]) -> dict[str, Any]:
    shards = [summarize(name, report) for name, report in reports]
    totals = {
        key: sum(shard[key] for shard in shards)
        for key in ("due", "built", "mirrored", "reused", "skipped", "failed", "bytes")
    }
    return {"shards": shards, "totals": totals}


def render_markdown(summary: dict[str, Any]) -> str:
    totals = summary["totals"]
    lines = [
        "# wheelhouse run report",
        "",
        f"{totals['due']} jobs due: {totals['built']} built, {totals['mirrored']} mirrored, "
        f"{totals['reused']} reused, {totals['failed']} failed; {totals['skipped']} already "
        f"held; {_size(totals['bytes'])} of new wheels.",
        "",
        "| shard | due | built | mirrored | reused | failed | wall time per arch | size |",
        "| --- | ---: | ---: | ---: | ---: | ---: | --- | ---: |",
    ]
    for shard in summary["shards"]:
        walls = ", ".join(
            f"{arch} {info['wall_s']:.0f} s ({info['execution']})"
            for arch, info in sorted(shard["archs"].items())
        )
        lines.append(
            f"| {shard['shard'] or shard['report']} | {shard['due']} | {shard['built']} | "
            f"{shard['mirrored']} | {shard['reused']} | {shard['failed']} | {walls or '-'} | "
            f"{_size(shard['bytes'])} |"
        )
    failures = [failure for shard in summary["shards"] for failure in shard["failures"]]
    if failures:
        lines += ["", "## Failures (due again next run)"]
        for failure in failures:
            fence = _fence(failure["tail"])
            lines += ["", f"### {failure['job']}", "", fence, failure["tail"], fence]
    return "\n".join(lines) + "\n"


def _fence(text: str) -> str:
    """A code fence the text cannot close (CommonMark: a longer run of backticks than any in it):
    a failed job's log is an untrusted sdist's output, and must not escape into the summary."""
    longest = max((len(run) for run in re.findall(r"`+", text)), default=0)
    return "`" * max(3, longest + 1)


def _tail(text: str) -> str:
    return "\n".join(text.strip().splitlines()[-TAIL_LINES:])


def _size(count: int) -> str:
    return f"{count / 1_000_000:.1f} MB" if count >= 100_000 else f"{count / 1000:.0f} kB"
