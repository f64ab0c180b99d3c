"""`wheelhouse report --html`: one pipeline run as a page for people, from its shards' `build
--json` reports: due, built and failed per package, and a chart of build time per package and
arch (inline SVG: no script, no external asset). Pure."""

from __future__ import annotations

from collections.abc import Sequence
from html import escape
from typing import Any

from app.run_report import run_report
from index.people.render import page

BAR_HEIGHT = 18
LABEL_WIDTH = 260
CHART_WIDTH = 720
ARCH_COLOURS = {"x86_64": "#3b7dd8", "aarch64": "#d8823b"}


def render_run_page(reports: Sequence[tuple[str, dict[str, Any]]]) -> str:
    jobs = [job for _, report in reports for job in report.get("jobs", [])]
    totals = run_report(reports)["totals"]
    counts = " · ".join(
        f"{totals[key]} {key}" for key in ("due", "built", "mirrored", "reused", "failed")
    )
    body = (
        "<h1>wheelhouse run</h1>\n"
        f'<p class="muted">{escape(counts)} · {len(reports)} shard report(s)</p>\n'
        "<h2>Build time per package and arch</h2>\n"
        f'<div class="scroll">{build_time_chart(jobs)}</div>\n'
        "<h2>Per package</h2>\n"
        f'<div class="scroll">{_job_table(jobs)}</div>'
    )
    return page("wheelhouse run", body)


def build_time_chart(jobs: Sequence[dict[str, Any]]) -> str:
    """Horizontal bars, one per build job that took time, longest first, coloured by arch."""
    timed = sorted(
        (job for job in jobs if job.get("action") == "build" and job.get("duration_s")),
        key=lambda job: -float(job["duration_s"]),
    )
    if not timed:
        return '<p class="muted">No build job took time in this run.</p>'
    longest = max(float(job["duration_s"]) for job in timed)
    height = BAR_HEIGHT * len(timed) + 8
    bars = []
    for row, job in enumerate(timed):
        seconds = float(job["duration_s"])
        width = max(1.0, (CHART_WIDTH - LABEL_WIDTH - 60) * seconds / longest)
        y = row * BAR_HEIGHT + 4
        label = f"{job['name']} {job['version']} cp{job['python']} {job['arch']}"
        colour = "#c0392b" if not job.get("ok") else ARCH_COLOURS.get(job["arch"], "#777")
        bars.append(
            f'<text x="{LABEL_WIDTH - 6}" y="{y + 13}" text-anchor="end">{escape(label)}</text>'
            f'<rect x="{LABEL_WIDTH}" y="{y + 2}" width="{width:.1f}" height="{BAR_HEIGHT - 4}" '
            f'fill="{colour}"><title>{escape(label)}: {seconds:.0f} s</title></rect>'
            f'<text x="{LABEL_WIDTH + width + 4:.1f}" y="{y + 13}">{seconds:.0f} s</text>'
        )
    return (
        f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {CHART_WIDTH} {height}" '
        f'style="width:100%;min-width:{CHART_WIDTH * 3 // 4}px;max-width:{CHART_WIDTH}px;height:auto" '
        'font-size="12" '
        'font-family="sans-serif" role="img" aria-label="build time per package and arch">'
        f"{''.join(bars)}</svg>"
    )


def _job_table(jobs: Sequence[dict[str, Any]]) -> str:
    rows = []
    for job in sorted(jobs, key=lambda j: (j["name"], j["version"], j["python"], j["arch"])):
        state = "ok" if job.get("ok") else "failed"
        detail = "" if job.get("ok") else (job.get("reason") or job.get("error") or "")
        seconds = float(job.get("duration_s") or 0.0)
        rows.append(
            f'<tr class="{"failed" if state == "failed" else ""}">'
            + "".join(
                f"<td>{escape(str(value))}</td>"
                for value in (
                    job["name"],
                    job["version"],
                    job["python"],
                    job["arch"],
                    job["action"],
                    state,
                    f"{seconds:.0f} s" if seconds else "",
                    detail.splitlines()[-1] if detail else "",
                )
            )
            + "</tr>"
        )
    head = "".join(
        f"<th>{label}</th>"
        for label in ("package", "version", "CPython", "arch", "action", "", "time", "why")
    )
    return f'<table id="jobs"><thead><tr>{head}</tr></thead><tbody>{"".join(rows)}</tbody></table>'
