"""`make bench-install`: the seeds' example (pandas 1.5 + numpy 1.23 + Django 4.1, CPython 3.11)
installed the way Alpine users install it today versus from wheelhouse, in one run.

- From source: pip in the local musl builder image (a musl CPython, so pip takes no manylinux
  wheel, as on Alpine) compiles what has no musllinux wheel upstream, build dependencies
  included. The image's C++ is the host's zig, mounted as `wheelhouse build` mounts it (an
  Alpine image would use g++ from build-base).
- From wheelhouse: the same list built once by `wheelhouse build`, served by `wheelhouse
  serve`; pip in the clean runtime image installs binary-only from it.

Writes tests/benchmarks/results/alpine-install.md and prints it.

    python -m tests.benchmarks.alpine_install [--wheelhouse DIR]
"""

from __future__ import annotations

import argparse
import platform
import subprocess
import sys
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path

from builder.host.images import local_tags, recipe_hash
from builder.wheelbuild.cxx_toolchain import cxx_toolchain
from tests.support import background_process, free_port, serve_command

HERE = Path(__file__).resolve().parent
REPO = HERE.parent.parent
SEEDS = ("numpy==1.23.5", "pandas==1.5.3", "Django==4.1")
PYTHON = "/opt/python/cp311-cp311/bin/python"


def timed(command: list[str]) -> float:
    sys.stderr.write("$ " + " ".join(command)[:300] + "\n")
    started = time.monotonic()
    result = subprocess.run(command, capture_output=True, text=True, check=False)
    seconds = time.monotonic() - started
    if result.returncode != 0:
        sys.stderr.write(result.stdout[-3000:] + result.stderr[-3000:])
        raise SystemExit(f"{command[:3]} failed with exit {result.returncode}")
    return round(seconds, 1)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--wheelhouse", type=Path, default=None, help="reuse a built wheelhouse")
    parser.add_argument("--output", type=Path, default=HERE / "results" / "alpine-install.md")
    args = parser.parse_args()
    arch = platform.machine()
    _, builder, runtime = local_tags(arch, "musllinux_1_2", recipe_hash())
    with tempfile.TemporaryDirectory(prefix="bench-install-") as work_dir:
        work = Path(work_dir)
        wheelhouse = args.wheelhouse or work / "wheelhouse"
        (work / "seeds.txt").write_text("\n".join(SEEDS) + "\n")
        (work / "wheelhouse.toml").write_text(
            f'pythons = ["3.11"]\narchs = ["{arch}"]\nimages = "local"\n'
            f'wheelhouse = "{wheelhouse}"\nrecipes = "{REPO / "configs" / "recipes"}"\n'
        )
        build_s = timed(
            [
                sys.executable,
                "-m",
                "app",
                "build",
                "--list",
                str(work / "seeds.txt"),
                "--config",
                str(work / "wheelhouse.toml"),
            ]
        )
        toolchain = cxx_toolchain(wheelhouse / ".cache")
        assert toolchain is not None, "ziglang is a dependency of wheelhouse"
        mounts = toolchain.create_args().split()
        env = [f"--env={name}={value}" for name, value in toolchain.environment().items()]
        # What an Alpine user must set today too: pandas 1.5 builds only with setuptools<81.
        env.append("--env=PIP_CONSTRAINT=/tmp/constraints.txt")
        source_s = timed(
            [
                "docker",
                "run",
                "--rm",
                *mounts,
                *env,
                builder,
                "sh",
                "-c",
                f"set -e; echo 'setuptools<81' > /tmp/constraints.txt; {PYTHON} -m venv /tmp/v; "
                "/tmp/v/bin/pip install --no-cache-dir "
                f"--disable-pip-version-check -q {' '.join(SEEDS)}; "
                "/tmp/v/bin/python -c 'import pandas, numpy, django'",
            ]
        )
        port = free_port()
        with background_process(
            serve_command(wheelhouse, port),
            ready_url=f"http://127.0.0.1:{port}/health",
            log=work / "serve.log",
        ):
            wheel_s = timed(
                [
                    "docker",
                    "run",
                    "--rm",
                    "--network",
                    "host",
                    runtime,
                    "sh",
                    "-c",
                    f"set -e; {PYTHON} -m venv /tmp/v; /tmp/v/bin/pip install --no-cache-dir "
                    f"--disable-pip-version-check -q --only-binary :all: --index-url "
                    f"http://127.0.0.1:{port}/simple/ {' '.join(SEEDS)}; "
                    "/tmp/v/bin/python -c 'import pandas, numpy, django'",
                ]
            )
    table = "\n".join(
        [
            f"# Installing {', '.join(SEEDS)} on musl (CPython 3.11, {arch})",
            "",
            f"Measured {datetime.now(UTC):%Y-%m-%d} on this {platform.machine()} machine "
            "(`make bench-install`), one run.",
            "",
            "| how | seconds |",
            "| --- | --- |",
            f"| pip from upstream sources in the musl builder image | {source_s} |",
            f"| pip from `wheelhouse serve` in the clean runtime image | {wheel_s} |",
            f"| speed-up | {source_s / wheel_s:.0f}x |",
            f"| (building the wheelhouse once, for comparison) | {build_s} |",
            "",
        ]
    )
    args.output.parent.mkdir(parents=True, exist_ok=True)
    args.output.write_text(table)
    sys.stdout.write(table)


if __name__ == "__main__":
    main()
