"""`make bench-jobs`: a list built one job at a time, then with the default `--jobs` (side by
side), on this machine: the wall time of each run and the CPU floor (the machine's busy CPU
seconds during the run, from /proc/stat, divided by its cores: no schedule can finish sooner).

Both runs use the real pipeline (`wheelhouse build`: cibuildwheel, auditwheel repair, checks,
verification in the runtime image) on x86_64, local images, `--build-from-source`, each into a
fresh wheelhouse. Writes a Markdown table (default tests/benchmarks/results/jobs.md).

    python -m tests.benchmarks.jobs_side_by_side [--python 3.11] [--list FILE] [--output FILE]
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from tests.benchmarks.arch_ratio import list_in, wheelhouse_build

HERE = Path(__file__).resolve().parent
REPO = HERE.parent.parent


def busy_cpu_seconds() -> float:
    """Seconds of CPU the whole machine has spent busy (not idle, not waiting) since boot."""
    fields = Path("/proc/stat").read_text().splitlines()[0].split()[1:]
    user, nice, system, _idle, _iowait, irq, softirq, steal = (int(v) for v in fields[:8])
    return (user + nice + system + irq + softirq + steal) / os.sysconf("SC_CLK_TCK")


def run_build(list_file: Path, work: Path, python: str, jobs: str) -> dict[str, Any]:
    config = work / "wheelhouse.toml"
    config.write_text(f'images = "local"\nrecipes = "{REPO / "configs" / "recipes"}"\n')
    cpu, wall = busy_cpu_seconds(), time.monotonic()
    report, stderr = wheelhouse_build(
        "--config", str(config), "--list", str(list_file), "--wheelhouse",
        str(work / f"wheelhouse-{jobs}"), "--python", python, "--arch", "x86_64", "--jobs", jobs,
    )  # fmt: skip
    cpu, wall = busy_cpu_seconds() - cpu, time.monotonic() - wall
    note = next((line for line in stderr.splitlines() if "running " in line), "")
    return {"report": report, "wall_s": wall, "cpu_s": cpu, "note": note.strip("> ")}


def table(runs: dict[str, dict[str, Any]], cores: int) -> str:
    lines = [
        "| --jobs | how it ran | jobs built | wall s | busy CPU s | CPU floor s | wall / floor |",
        "|---|---|---:|---:|---:|---:|---:|",
    ]
    for jobs, run in runs.items():
        built = sum(1 for j in run["report"]["jobs"] if j["action"] == "build" and j["ok"])
        floor = run["cpu_s"] / cores
        lines.append(
            f"| {jobs} | {run['note']} | {built} | {run['wall_s']:.0f} | {run['cpu_s']:.0f} "
            f"| {floor:.0f} | {run['wall_s'] / floor:.2f}x |"
        )
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--python", default="3.11")
    parser.add_argument("--list", type=Path, help="a curated list (default: bench-archs' list)")
    parser.add_argument("--output", type=Path, default=HERE / "results" / "jobs.md")
    args = parser.parse_args()
    cores = len(os.sched_getaffinity(0))
    with tempfile.TemporaryDirectory(prefix="bench-jobs-") as tmp:
        list_file = list_in(Path(tmp), args.list)
        runs = {jobs: run_build(list_file, Path(tmp), args.python, jobs) for jobs in ("1", "auto")}
    names = ", ".join(sorted({f"{j['name']} {j['version']}" for j in runs["1"]["report"]["jobs"]}))
    text = (
        "# One job at a time against jobs side by side\n\n"
        f"`make bench-jobs`, {datetime.now(UTC):%Y-%m-%d %H:%M} UTC, {cores} cores. "
        f"`wheelhouse build --jobs 1` then `--jobs auto` on x86_64, CPython {args.python}, local "
        f"images, every package compiled from its sdist: {names}. Wall: the whole command. "
        "Busy CPU: the machine's non-idle CPU seconds during it (/proc/stat; builds run in "
        "containers, outside this process); floor: busy CPU / cores, the wall no schedule of "
        "that work could beat. Every job compiles with every core it sees (MAKEFLAGS, "
        "NPY_NUM_BUILD_JOBS: $(nproc)).\n\n"
        f"{table(runs, cores)}\n"
    )
    args.output.parent.mkdir(parents=True, exist_ok=True)
    args.output.write_text(text, encoding="utf-8")
    sys.stdout.write(text)


if __name__ == "__main__":
    main()
