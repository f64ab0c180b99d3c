"""`make bench-archs`: what aarch64 costs next to x86_64, per package, on this machine.

Builds a small list of C-extension sdists (no musllinux wheels upstream, so each one really
compiles) for both arches into a fresh wheelhouse with the real pipeline (`wheelhouse build`:
cibuildwheel, auditwheel repair, checks), then reads each job's wall time from the --json report
and the per-arch totals (jobs + verification). On an x86_64 machine aarch64 runs under QEMU.
Writes a Markdown table (default tests/benchmarks/results/arch-ratio.md) and prints it.

    python -m tests.benchmarks.arch_ratio [--python 3.13] [--list FILE] [--output FILE]
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import subprocess
import sys
import tempfile
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from builder.host.emulation import execution_for, machine_arch

HERE = Path(__file__).resolve().parent
REPO = HERE.parent.parent
# Pins with no musllinux wheel upstream: each is compiled on both arches.
DEFAULT_LIST = "simplejson==3.17.2\nxxhash==2.0.2\nmarkupsafe==2.0.1\n"
ARCHS = ("x86_64", "aarch64")


def run_build(list_file: Path, wheelhouse: Path, python: str) -> dict[str, Any]:
    command = [
        sys.executable,
        "-m",
        "app",
        "build",
        "--list",
        str(list_file),
        "--wheelhouse",
        str(wheelhouse),
        "--python",
        python,
        "--arch",
        ",".join(ARCHS),
        "--no-deps",
        "--build-from-source",
        "--json",
    ]
    sys.stderr.write("$ " + " ".join(command) + "\n")
    result = subprocess.run(command, cwd=REPO, capture_output=True, text=True, check=False)
    sys.stderr.write(result.stderr[-3000:])
    if result.returncode != 0:
        raise SystemExit(f"the build failed (exit {result.returncode}); see above")
    report: dict[str, Any] = json.loads(result.stdout)
    return report


def table(report: dict[str, Any], python: str) -> str:
    by_package: dict[str, dict[str, float]] = {}
    versions: dict[str, str] = {}
    for job in report["jobs"]:
        if job["action"] == "build":
            by_package.setdefault(job["name"], {})[job["arch"]] = job["duration_s"]
            versions[job["name"]] = job["version"]
    machine = machine_arch()
    how = {arch: execution_for(machine, arch) for arch in ARCHS}
    lines = [
        f"| package | version | CPython | x86_64 ({how['x86_64']}) s "
        f"| aarch64 ({how['aarch64']}) s | aarch64 / x86_64 |",
        "|---|---|---|---:|---:|---:|",
    ]
    for name in sorted(by_package):
        times = by_package[name]
        x86, arm = times.get("x86_64"), times.get("aarch64")
        ratio = f"{arm / x86:.1f}x" if x86 and arm else "n/a"
        lines.append(
            f"| {name} | {versions[name]} | {python} | {x86 or 0:.1f} | {arm or 0:.1f} | {ratio} |"
        )
    totals = {item["arch"]: item for item in report["archs"]}
    if all(arch in totals for arch in ARCHS):
        x86_t, arm_t = totals["x86_64"], totals["aarch64"]
        lines.append(
            f"| **whole run** (jobs + verification) | | {python} | {x86_t['wall_s']:.1f} "
            f"| {arm_t['wall_s']:.1f} | {arm_t['wall_s'] / max(x86_t['wall_s'], 0.1):.1f}x |"
        )
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--python", default="3.13")
    parser.add_argument("--list", type=Path, help="a curated list (default: three small sdists)")
    parser.add_argument("--output", type=Path, default=HERE / "results" / "arch-ratio.md")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="bench-archs-") as tmp:
        work = Path(tmp)
        list_file = args.list or work / "list.txt"
        if args.list is None:
            list_file.write_text(DEFAULT_LIST)
        report = run_build(list_file.resolve(), work / "wheelhouse", args.python)
    body = table(report, args.python)
    qemu = subprocess.run(
        ["sh", "-c", "qemu-aarch64-static --version 2>/dev/null | head -n1"],
        capture_output=True,
        text=True,
        check=False,
    ).stdout.strip()
    text = (
        "# aarch64 / x86_64 build wall time per package\n\n"
        f"`make bench-archs`, {datetime.now(UTC):%Y-%m-%d %H:%M} UTC, {platform.machine()} "
        f"machine, {len(os.sched_getaffinity(0))} cores"
        f"{', ' + qemu if qemu else ''}.\n"
        "Each package is compiled from its sdist for both arches in one `wheelhouse build` "
        "(local images, `--build-from-source`, one job at a time). A job's time is the whole "
        "cibuildwheel run in the builder container (build, auditwheel repair, its test step) "
        "plus wheelhouse's checks; the last row adds each arch's verification in its runtime "
        "image. aarch64 jobs on an x86_64 machine run under QEMU user emulation.\n\n"
        f"{body}\n"
    )
    args.output.parent.mkdir(parents=True, exist_ok=True)
    args.output.write_text(text, encoding="utf-8")
    sys.stdout.write(text)


if __name__ == "__main__":
    main()
