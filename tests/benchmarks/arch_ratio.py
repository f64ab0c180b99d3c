"""`make bench-archs`: what aarch64 costs next to x86_64, per package, on this machine, with the
aarch64 compiler run cross (the host's zig, natively) and under QEMU.

Builds a list of sdists with no musllinux wheels upstream (so each one really compiles: C, one
C++ package, numpy) with the real pipeline (`wheelhouse build`: cibuildwheel, auditwheel repair,
checks, verification in the runtime image), twice into fresh wheelhouses: x86_64 + aarch64 with
`[execution] aarch64 = "cross"`, then aarch64 alone with `"qemu"`. Reads each job's wall time and
the per-arch totals (jobs + verification) from the --json reports. Writes a Markdown table
(default tests/benchmarks/results/arch-ratio.md) and prints it.

    python -m tests.benchmarks.arch_ratio [--python 3.11] [--list FILE] [--output FILE]
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

HERE = Path(__file__).resolve().parent
REPO = HERE.parent.parent
# Pins with no musllinux wheel upstream for CPython 3.11: each is compiled on both arches.
DEFAULT_LIST = (
    "markupsafe==2.0.1\nsimplejson==3.17.2\nxxhash==2.0.2\nkiwisolver==1.4.2\nnumpy==1.23.5\n"
)


def run_build(
    list_file: Path, work: Path, python: str, *, archs: str, execution: str
) -> dict[str, Any]:
    config = work / f"{execution}.toml"
    config.write_text(
        f'images = "local"\nrecipes = "{REPO / "configs" / "recipes"}"\n'
        f'[execution]\naarch64 = "{execution}"\n'
    )
    report, _ = wheelhouse_build(
        "--config",
        str(config),
        "--list",
        str(list_file),
        "--wheelhouse",
        str(work / f"wheelhouse-{execution}"),
        "--python",
        python,
        "--arch",
        archs,
    )
    return report


def wheelhouse_build(*arguments: str) -> tuple[dict[str, Any], str]:
    """`wheelhouse build ARGUMENTS --no-deps --build-from-source --json` from this checkout: its
    --json report and its stderr (echoed); a failed build ends the benchmark."""
    command = [
        sys.executable,
        "-m",
        "app",
        "build",
        *arguments,
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
    return report, result.stderr


def list_in(work: Path, given: Path | None) -> Path:
    """The curated list to build: the one given, else DEFAULT_LIST written into `work`."""
    if given is not None:
        return given.resolve()
    written = work / "list.txt"
    written.write_text(DEFAULT_LIST)
    return written.resolve()


def _times(report: dict[str, Any], arch: str) -> dict[str, float]:
    return {
        job["name"]: job["duration_s"]
        for job in report["jobs"]
        if job["action"] == "build" and job["arch"] == arch and job["ok"]
    }


def _ratio(value: float | None, base: float | None) -> str:
    return f"{value / base:.2f}x" if value and base else "n/a"


def table(cross: dict[str, Any], qemu: dict[str, Any], python: str) -> str:
    x86, arm_cross, arm_qemu = (
        _times(cross, "x86_64"),
        _times(cross, "aarch64"),
        _times(qemu, "aarch64"),
    )
    versions = {job["name"]: job["version"] for job in cross["jobs"]}
    lines = [
        "| package | version | CPython | x86_64 native s | aarch64 qemu s | aarch64 cross s "
        "| qemu / native | cross / native |",
        "|---|---|---|---:|---:|---:|---:|---:|",
    ]
    for name in sorted(versions):
        native, emulated, crossed = x86.get(name), arm_qemu.get(name), arm_cross.get(name)
        lines.append(
            f"| {name} | {versions[name]} | {python} | {native or 0:.1f} | {emulated or 0:.1f} "
            f"| {crossed or 0:.1f} | {_ratio(emulated, native)} | {_ratio(crossed, native)} |"
        )
    walls = {item["arch"]: item["wall_s"] for item in cross["archs"]}
    qemu_wall = {item["arch"]: item["wall_s"] for item in qemu["archs"]}.get("aarch64")
    native_wall, cross_wall = walls.get("x86_64"), walls.get("aarch64")
    lines.append(
        f"| **whole run** (jobs + verification) | | {python} | {native_wall or 0:.1f} "
        f"| {qemu_wall or 0:.1f} | {cross_wall or 0:.1f} | {_ratio(qemu_wall, native_wall)} "
        f"| {_ratio(cross_wall, native_wall)} |"
    )
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--python", default="3.11")
    parser.add_argument("--list", type=Path, help="a curated list (default: DEFAULT_LIST)")
    parser.add_argument("--output", type=Path, default=HERE / "results" / "arch-ratio.md")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="bench-archs-") as tmp:
        work = Path(tmp)
        list_file = list_in(work, args.list)
        cross = run_build(list_file, work, args.python, archs="x86_64,aarch64", execution="cross")
        # Kept beside the table: a failed second half does not lose the first.
        args.output.with_suffix(".cross.json").write_text(json.dumps(cross, indent=1))
        qemu = run_build(list_file, work, args.python, archs="aarch64", execution="qemu")
        args.output.with_suffix(".qemu.json").write_text(json.dumps(qemu, indent=1))
    body = table(cross, qemu, args.python)
    qemu_version = subprocess.run(
        ["sh", "-c", "qemu-aarch64-static --version 2>/dev/null | head -n1"],
        capture_output=True,
        text=True,
        check=False,
    ).stdout.strip()
    text = (
        "# aarch64 / x86_64 build wall time per package: QEMU and cross\n\n"
        f"`make bench-archs`, {datetime.now(UTC):%Y-%m-%d %H:%M} UTC, {platform.machine()} "
        f"machine, {len(os.sched_getaffinity(0))} cores"
        f"{', ' + qemu_version if qemu_version else ''}.\n"
        "Each package is compiled from its sdist in `wheelhouse build` runs (local images, "
        "`--build-from-source`, one job at a time): x86_64 natively and aarch64 cross (the "
        "host's zig compiles for aarch64-linux-musl inside the aarch64 container; pip, "
        "setuptools, auditwheel and the tests run under QEMU), then aarch64 again with the "
        "image's own compiler under QEMU. A job's time is the whole cibuildwheel run in the "
        "builder container (build, auditwheel repair) plus wheelhouse's checks; the last row "
        "adds each arch's verification in its runtime image (always under QEMU for aarch64).\n\n"
        f"{body}\n"
    )
    args.output.parent.mkdir(parents=True, exist_ok=True)
    args.output.write_text(text, encoding="utf-8")
    sys.stdout.write(text)


if __name__ == "__main__":
    main()
