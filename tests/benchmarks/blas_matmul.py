"""`make bench-blas`: numpy built here from its sdist (meson, C++, OpenBLAS from the numpy recipe)
against upstream's own musllinux wheel of the same release, in the same runtime image: a
1000x1000 float64 matmul (best of 7 after a warm-up) and what `numpy.show_config()` says numpy
links. Writes a Markdown table (default tests/benchmarks/results/blas.md).

The build is the real pipeline (`wheelhouse build --build-from-source`: cibuildwheel,
auditwheel, verification) on local images; upstream's wheel is downloaded from the index into
the same directory, and both are installed with pip in the runtime image with no network.

    python -m tests.benchmarks.blas_matmul [--numpy 1.26.4] [--python 3.11] [--output FILE]
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import tempfile
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from tests.benchmarks.arch_ratio import wheelhouse_build
from tests.e2e.runtime import run_in_runtime

HERE = Path(__file__).resolve().parent
TIMING = """
import json, time, numpy
config = numpy.show_config(mode="dicts")
blas = config["Build Dependencies"]["blas"]
rng = numpy.random.default_rng(0)
a, b = rng.random((1000, 1000)), rng.random((1000, 1000))
a @ b
times = []
for _ in range(7):
    start = time.perf_counter()
    c = a @ b
    times.append(time.perf_counter() - start)
assert numpy.allclose(c[0, :3], [a[0] @ b[:, j] for j in range(3)])
print(json.dumps({"best_s": min(times), "blas": blas.get("name"), "version": blas.get("version"),
                  "numpy": numpy.__version__}))
"""


def upstream_wheel(numpy: str, python: str, into: Path) -> Path:
    """Upstream's musllinux x86_64 wheel of that numpy for that CPython, downloaded by pip."""
    tag = "cp" + python.replace(".", "")
    subprocess.run(
        [sys.executable, "-m", "pip", "download", "-q", "--no-deps", "--only-binary", ":all:",
         "--platform", "musllinux_1_1_x86_64", "--platform", "musllinux_1_2_x86_64",
         "--python-version", python, "--implementation", "cp", "--abi", tag,
         "-d", str(into), f"numpy=={numpy}"],
        check=True,
    )  # fmt: skip
    (wheel,) = into.glob("numpy-*musllinux*.whl")
    return wheel


def timed(wheel: Path, python: str) -> dict[str, Any]:
    abi = "cp" + python.replace(".", "")
    done = run_in_runtime(
        f"set -e; py=/opt/python/{abi}-{abi}/bin/python; $py -m venv /tmp/venv; "
        f"/tmp/venv/bin/pip install -q --no-index /work/{wheel.name}; "
        '/tmp/venv/bin/python -c "$0"',
        network="none",
        mount=wheel.parent,
        extra=[TIMING],
    )
    if done.returncode != 0:
        raise SystemExit(f"{wheel.name}: {done.stdout}{done.stderr}")
    result: dict[str, Any] = json.loads(done.stdout.strip().splitlines()[-1])
    return result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--numpy", default="1.26.4")
    parser.add_argument("--python", default="3.11")
    parser.add_argument("--output", type=Path, default=HERE / "results" / "blas.md")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="bench-blas-") as tmp:
        work = Path(tmp)
        (work / "list.txt").write_text(f"numpy=={args.numpy}\n")
        (work / "wheelhouse.toml").write_text('images = "local"\n')
        report, _ = wheelhouse_build(
            "--config", str(work / "wheelhouse.toml"), "--list", str(work / "list.txt"),
            "--wheelhouse", str(work / "ours"), "--python", args.python, "--arch", "x86_64",
        )  # fmt: skip
        (job,) = [j for j in report["jobs"] if j["name"] == "numpy"]
        ours = work / "ours" / job["wheel"]
        theirs = upstream_wheel(args.numpy, args.python, work / "upstream")
        rows = {
            label: (wheel.name, wheel.stat().st_size, timed(wheel, args.python))
            for label, wheel in (("built here", ours), ("upstream", theirs))
        }
    base = rows["upstream"][2]["best_s"]
    lines = [
        "| numpy | wheel | size MB | links | matmul 1000x1000 s | vs upstream |",
        "|---|---|---:|---|---:|---:|",
    ]
    for label, (name, size, result) in rows.items():
        lines.append(
            f"| {label} | {name} | {size / 1e6:.1f} | "
            f"{result['blas']} {result['version']} | {result['best_s']:.4f} | "
            f"{result['best_s'] / base:.2f}x |"
        )
    text = (
        "# numpy built here against upstream's wheel: a matmul\n\n"
        f"`make bench-blas`, {datetime.now(UTC):%Y-%m-%d %H:%M} UTC. numpy {args.numpy} for "
        f"CPython {args.python}, x86_64: built from its sdist by `wheelhouse build "
        f"--build-from-source` on the local images ({job['duration_s']:.0f} s), and upstream's "
        "musllinux wheel; each installed by pip in the same runtime image with no network. "
        "Best of 7 runs of a 1000x1000 float64 matmul after a warm-up, OpenBLAS's default "
        "threads.\n\n" + "\n".join(lines) + "\n"
    )
    args.output.parent.mkdir(parents=True, exist_ok=True)
    args.output.write_text(text)
    sys.stdout.write(text)


if __name__ == "__main__":
    main()
