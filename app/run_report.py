"""`wheelhouse report`: one pipeline run's report from its shards' `build --json` outputs, as
Markdown (a CI job summary) and JSON: per shard what was due, built, mirrored, reused, skipped
and failed, wall time per arch, the size of what was made, and each failure with its log tail.
Pure: the CLI reads the files."""

from __future__ import annotations

import re
from collections.abc import Sequence
from typing import Any

TAIL_LINES = 15


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
