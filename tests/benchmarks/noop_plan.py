"""`make bench-plan`: how long a scheduled run's plan takes when nothing is due.

Local upstream: a static PEP 503 tree on loopback (so the network is not what is measured)
holds N projects, each one sdist with static metadata (PKG-INFO) and no wheel, so every job
would be a build. `wheelhouse plan --target DIR` runs once, cold, to learn the keys; a manifest
holding all of them is written to DIR; then the no-op plan (everything held, the page cache
warm: every page revalidated) is timed: N packages x 2 arches x 4 Pythons, no containers (pypa
images named, no engine asked: a dead DOCKER_HOST). Repeated for each N (default 100 and 1,000).

Real upstream: the same with the 100 projects of tests/benchmarks/lists/popular-100.txt (and
their dependencies) against the default upstream index, over the network.

Writes a Markdown table (default tests/benchmarks/results/noop-plan.md) and prints it.

    python -m tests.benchmarks.noop_plan [--sizes 100,1000] [--repeat 3] [--no-real]
"""

from __future__ import annotations

import argparse
import io
import json
import os
import platform
import re
import statistics
import subprocess
import sys
import tarfile
import tempfile
import time
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from tests.support import static_server, write_simple_tree

HERE = Path(__file__).resolve().parent
PYTHONS = "3.10,3.11,3.12,3.13"
REAL_LIST = HERE / "lists" / "popular-100.txt"
PAGES = re.compile(r"upstream pages: (\d+) fetched, (\d+) unchanged")


def make_sdist(directory: Path, name: str, version: str) -> Path:
    """A minimal sdist whose PKG-INFO is static metadata (Metadata-Version 2.2)."""
    path = directory / f"{name}-{version}.tar.gz"
    pkg_info = (
        f"Metadata-Version: 2.2\nName: {name}\nVersion: {version}\nRequires-Python: >=3.8\n"
    ).encode()
    with tarfile.open(path, "w:gz") as archive:
        for member, data in ((f"{name}-{version}/PKG-INFO", pkg_info),):
            info = tarfile.TarInfo(member)
            info.size = len(data)
            info.mtime = 0
            archive.addfile(info, io.BytesIO(data))
    return path


@dataclass(frozen=True)
class Run:
    seconds: float
    result: dict[str, object]
    fetched: int  # upstream pages fetched in full
    not_modified: int  # pages revalidated (304)


def plan(project: Path, against: Path, upstream: str | None) -> Run:
    env = {**os.environ, "DOCKER_HOST": "unix:///nonexistent.sock"}
    index = ["--index-url", upstream] if upstream else []
    command = [
        sys.executable,
        "-m",
        "app",
        "plan",
        "--list",
        "list.txt",
        "--target",
        str(against),
        *index,
        "--images",
        "pypa",
        "--python",
        PYTHONS,
        "--arch",
        "x86_64,aarch64",
        "--json",
    ]
    started = time.perf_counter()
    done = subprocess.run(
        command, cwd=project, env=env, capture_output=True, text=True, check=False
    )
    seconds = time.perf_counter() - started
    if done.returncode != 0:
        raise SystemExit(f"plan failed (exit {done.returncode}): {done.stderr[-2000:]}")
    result: dict[str, object] = json.loads(done.stdout)
    pages = PAGES.search(done.stderr)
    assert pages is not None, done.stderr[-2000:]
    return Run(seconds, result, int(pages[1]), int(pages[2]))


def held_manifest(due: list[dict[str, object]]) -> dict[str, object]:
    wheels = []
    for index, job in enumerate(due):
        name, version = str(job["name"]), str(job["version"])
        wheels.append(
            {
                "filename": f"{name.replace('-', '_')}-{version}-{index}-cp311-cp311-musllinux_1_2_x86_64.whl",
                "name": name,
                "version": version,
                "tags": [],
                "sha256": "0" * 64,
                "size": 1,
                "action": "build",
                "source_sha256": "",
                "key": job["key"],
                "python": job["python"],
                "arch": job["arch"],
                "duration_s": 30.0,
            }
        )
    return {"format": 1, "wheels": wheels, "runs": []}


@dataclass(frozen=True)
class Measured:
    packages: int
    jobs: int
    cold: Run
    noop: list[Run]

    def row(self) -> str:
        times = [run.seconds for run in self.noop]
        median = statistics.median(times)
        last = self.noop[-1]
        return (
            f"| {self.packages} | {self.jobs} | {self.cold.seconds:.2f} | {min(times):.2f} | "
            f"{median:.2f} | {100 * median / self.packages:.2f} | "
            f"{last.fetched} / {last.not_modified} |"
        )


def noop_runs(project: Path, against: Path, upstream: str | None, repeat: int) -> Measured:
    """Cold plan, hold every due job in a manifest, then the timed no-op plans."""
    cold = plan(project, against, upstream)
    due = cold.result["due"]
    assert isinstance(due, list), due
    (against / "wheelhouse-manifest.json").write_text(json.dumps(held_manifest(due)))
    runs = []
    for _ in range(repeat):
        run = plan(project, against, upstream)
        assert run.result["due"] == [], run.result["due"]
        runs.append(run)
    packages = len((project / "list.txt").read_text().split())
    return Measured(packages=packages, jobs=len(due), cold=cold, noop=runs)


def measure_local(size: int, repeat: int, work: Path) -> Measured:
    dist = work / f"dist-{size}"
    dist.mkdir()
    files = [make_sdist(dist, f"proj{i:04d}", "1.0") for i in range(size)]
    write_simple_tree(files, work / f"root-{size}")
    project = work / f"project-{size}"
    project.mkdir()
    (project / "list.txt").write_text("".join(f"proj{i:04d}\n" for i in range(size)))
    against = work / f"held-{size}"
    against.mkdir()
    with static_server(work / f"root-{size}") as url:
        found = noop_runs(project, against, f"{url}/simple/", repeat)
    assert found.jobs == size * 8, found.jobs
    return found


def measure_real(repeat: int, work: Path) -> Measured:
    project = work / "project-real"
    project.mkdir()
    names = [line for line in REAL_LIST.read_text().splitlines() if not line.startswith("#")]
    (project / "list.txt").write_text("\n".join(names) + "\n")
    against = work / "held-real"
    against.mkdir()
    return noop_runs(project, against, None, repeat)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", default="100,1000")
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--no-real", action="store_true", help="skip the real upstream")
    parser.add_argument("--output", type=Path, default=HERE / "results" / "noop-plan.md")
    args = parser.parse_args()
    local: list[Measured] = []
    real: Measured | None = None
    with tempfile.TemporaryDirectory(prefix="bench-plan-") as tmp:
        for size in (int(s) for s in args.sizes.split(",")):
            local.append(measure_local(size, args.repeat, Path(tmp)))
            sys.stderr.write(f"local {size}: {local[-1].row()}\n")
        if not args.no_real:
            real = measure_real(args.repeat, Path(tmp))
            sys.stderr.write(f"real: {real.row()}\n")
    header = [
        "| packages | jobs | first run s | no-op best s | no-op median s "
        "| s per 100 packages | pages fetched / 304 |",
        "| ---: | ---: | ---: | ---: | ---: | ---: | ---: |",
    ]
    lines = [
        "# No-op plan: everything held, nothing due",
        "",
        f"`make bench-plan`, {datetime.now(UTC):%Y-%m-%d %H:%M} UTC, {platform.machine()}, "
        f"{len(os.sched_getaffinity(0))} cores. `wheelhouse plan --target DIR` over N projects "
        "x 2 arches x 4 CPythons (3.10-3.13) from a local upstream index on loopback; the "
        "whole command, process start included; no containers. First run: cold (empty page "
        "cache, every page and sdist fetched); then the no-op runs, page cache warm (every "
        "page asked again with its validators). The last column is the last no-op run's.",
        "",
        "## Local upstream index (loopback)",
        "",
        *header,
        *(found.row() for found in local),
    ]
    if real is not None:
        lines += [
            "",
            f"## Real upstream index, {REAL_LIST.relative_to(HERE.parent.parent)}",
            "",
            "The list's 100 projects with their dependencies (jobs = closure x 8 targets).",
            "",
            *header,
            real.row(),
        ]
    text = "\n".join(lines) + "\n"
    args.output.parent.mkdir(parents=True, exist_ok=True)
    args.output.write_text(text)
    sys.stdout.write(text)


if __name__ == "__main__":
    main()
