"""`make bench-plan`: how long a scheduled run's plan takes when nothing is due.

A local upstream index (a static PEP 503 tree on loopback, so the network is not what is
measured) holds N projects, each one sdist with static metadata (PKG-INFO) and no wheel, so
every job would be a build. `wheelhouse plan --against DIR` runs once to learn the keys, a
manifest holding all of them is written to DIR, then the no-op plan (everything held) is timed:
N packages x 2 arches x 4 Pythons, no containers (pypa images named, no engine asked: a dead
DOCKER_HOST). Repeated for each N (default 100 and 1,000). Writes a Markdown table (default
tests/benchmarks/results/noop-plan.md) and prints it.

    python -m tests.benchmarks.noop_plan [--sizes 100,1000] [--repeat 3]
"""

from __future__ import annotations

import argparse
import io
import json
import os
import platform
import statistics
import subprocess
import sys
import tarfile
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path

from tests.support import static_server, write_simple_tree

HERE = Path(__file__).resolve().parent
PYTHONS = "3.10,3.11,3.12,3.13"


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


def plan(project: Path, against: Path, upstream: str) -> tuple[float, dict[str, object]]:
    env = {**os.environ, "DOCKER_HOST": "unix:///nonexistent.sock"}
    command = [
        sys.executable,
        "-m",
        "app",
        "plan",
        "--list",
        "list.txt",
        "--against",
        str(against),
        "--index-url",
        upstream,
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
    return seconds, result


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


def measure(size: int, repeat: int, work: Path) -> dict[str, float]:
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
        upstream = f"{url}/simple/"
        cold, first = plan(project, against, upstream)
        due = first["due"]
        assert isinstance(due, list), due
        assert len(due) == size * 8, len(due)
        (against / "manifest.json").write_text(json.dumps(held_manifest(due)))
        times = []
        for _ in range(repeat):
            seconds, result = plan(project, against, upstream)
            assert result["due"] == [], result["due"]
            times.append(seconds)
    return {"cold": cold, "best": min(times), "median": statistics.median(times)}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", default="100,1000")
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--output", type=Path, default=HERE / "results" / "noop-plan.md")
    args = parser.parse_args()
    rows = []
    with tempfile.TemporaryDirectory(prefix="bench-plan-") as tmp:
        for size in (int(s) for s in args.sizes.split(",")):
            found = measure(size, args.repeat, Path(tmp))
            rows.append((size, found))
            sys.stderr.write(f"{size} packages: {found}\n")
    lines = [
        "# No-op plan: everything held, nothing due",
        "",
        f"`make bench-plan`, {datetime.now(UTC):%Y-%m-%d %H:%M} UTC, {platform.machine()}, "
        f"{len(os.sched_getaffinity(0))} cores. `wheelhouse plan --against DIR` over N projects "
        "x 2 arches x 4 CPythons (3.10-3.13) from a local upstream index on loopback; the "
        "whole command, process start included; no containers. First run: cold (every page "
        "and sdist fetched); then the no-op runs.",
        "",
        "| packages | jobs | first run s | no-op best s | no-op median s | s per 100 packages |",
        "| ---: | ---: | ---: | ---: | ---: | ---: |",
    ]
    for size, found in rows:
        lines.append(
            f"| {size} | {size * 8} | {found['cold']:.2f} | {found['best']:.2f} | "
            f"{found['median']:.2f} | {100 * found['median'] / size:.2f} |"
        )
    text = "\n".join(lines) + "\n"
    args.output.parent.mkdir(parents=True, exist_ok=True)
    args.output.write_text(text)
    sys.stdout.write(text)


if __name__ == "__main__":
    main()
