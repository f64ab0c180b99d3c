"""`make bench`: how fast the index answers at 10,000 files, side by side in one run.

Servers: pypiserver as `pip install pypiserver` gives it (its default backend, the stdlib server),
`wheelhouse serve`, the infra/selfhosted deployment (nginx + wheelhouse), and plain nginx over the
same static tree as the yardstick. Load: wrk on loopback, random project pages and the root page.
Writes a Markdown table (default tests/benchmarks/results/index-serving.md) and prints it.

    python -m tests.benchmarks.index_serving [--projects 1000] [--versions 10] [--seconds 10]
"""

from __future__ import annotations

import argparse
import os
import platform
import re
import subprocess
import sys
import tempfile
from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager, contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from tests.support import (
    background_process,
    free_port,
    many_wheels,
    plain_nginx,
    selfhosted_index,
    serve_command,
)

HERE = Path(__file__).resolve().parent
RESULT = re.compile(r"WRK_RESULT (.*)")


@dataclass(frozen=True, kw_only=True)
class Load:
    requests_per_s: float
    p50_ms: float
    p99_ms: float
    failed: int  # connection errors, timeouts and non-2xx answers


@dataclass(frozen=True, kw_only=True)
class Row:
    server: str
    page: str
    load: Load


def run_wrk(base: str, *, projects: int, seconds: int, connections: int) -> Load:
    """One wrk run; projects > 0: random project pages, else the URL itself."""
    env = {**os.environ, "WRK_PROJECTS": str(projects)}
    result = subprocess.run(
        [
            "wrk",
            "-t2",
            f"-c{connections}",
            f"-d{seconds}s",
            "--timeout",
            "30s",
            "-s",
            str(HERE / "wrk_report.lua"),
            base,
        ],
        capture_output=True,
        text=True,
        check=True,
        env=env,
    )
    found = RESULT.search(result.stdout)
    if found is None:
        msg = f"wrk printed no result:\n{result.stdout}\n{result.stderr}"
        raise RuntimeError(msg)
    fields = dict(item.split("=") for item in found.group(1).split())
    values = {key: int(value) for key, value in fields.items()}
    return Load(
        requests_per_s=values["requests"] / (values["duration_us"] / 1e6),
        p50_ms=values["p50_us"] / 1000,
        p99_ms=values["p99_us"] / 1000,
        failed=values["errors"] + values["non2xx"],
    )


def measure(server: str, base: str, *, projects: int, seconds: int, warm_up: bool) -> list[Row]:
    print(f"bench: {server} ...", file=sys.stderr)  # noqa: T201
    if warm_up:  # every project page once rendered, the listing read
        run_wrk(base, projects=projects, seconds=3, connections=16)
    return [
        Row(
            server=server,
            page="/simple/<project>/",
            load=run_wrk(base, projects=projects, seconds=seconds, connections=16),
        ),
        Row(
            server=server,
            page="/simple/",
            load=run_wrk(base + "simple/", projects=0, seconds=seconds, connections=16),
        ),
    ]


@contextmanager
def stock_pypiserver(packages: Path, work: Path) -> Iterator[str]:
    port = free_port()
    command = [
        str(Path(sys.executable).parent / "pypi-server"),
        "run",
        "--host",
        "127.0.0.1",
        "-p",
        str(port),
        "--server",
        "wsgiref",  # what a plain `pip install pypiserver` runs on (no waitress/cheroot there)
        "--disable-fallback",
        str(packages),
    ]
    url = f"http://127.0.0.1:{port}/"
    with background_process(command, ready_url=f"{url}health", log=work / "pypiserver.log"):
        yield url


@contextmanager
def wheelhouse_serve(packages: Path, work: Path) -> Iterator[str]:
    port = free_port()
    command = serve_command(packages, port)
    url = f"http://127.0.0.1:{port}/"
    with background_process(command, ready_url=f"{url}health", log=work / "serve.log"):
        yield url


def table(rows: list[Row], *, projects: int, versions: int, seconds: int) -> str:
    lines = [
        "# Index serving at scale",
        "",
        f"{datetime.now(UTC):%Y-%m-%d %H:%M} UTC, {platform.machine()}, {os.cpu_count()} cores, "
        f"Python {platform.python_version()}; {projects} projects x {versions} wheels = "
        f"{projects * versions} files; wrk 2 threads, 16 connections, {seconds} s per row "
        "(pypiserver rows: 2x as long), random project pages, loopback.",
        "",
        "| server | request | req/s | p50 | p99 | failed |",
        "|---|---|---:|---:|---:|---:|",
    ]
    lines += [
        f"| {row.server} | `{row.page}` | {row.load.requests_per_s:,.1f} | "
        f"{_ms(row.load.p50_ms)} | {_ms(row.load.p99_ms)} | {row.load.failed} |"
        for row in rows
    ]
    lines += ["", *ratios(rows), ""]
    return "\n".join(lines)


def ratios(rows: list[Row]) -> list[str]:
    def rate(server: str, page: str) -> float:
        return next(r.load.requests_per_s for r in rows if r.server == server and r.page == page)

    lines = []
    for page in ("/simple/<project>/", "/simple/"):
        stock = rate(STOCK, page)
        target = " (target: 1,000x, p99 under 50 ms)" if page == "/simple/<project>/" else ""
        lines.append(
            f"- `{page}`: wheelhouse serve answers {rate(SERVE, page) / stock:,.0f}x the requests "
            f"of pypiserver as it comes{target}; the infra deployment answers "
            f"{rate(INFRA, page) / rate(STATIC, page):.0%} of plain nginx's (target: at least 50%)"
        )
    return lines


def _ms(value: float) -> str:
    return f"{value:,.0f} ms" if value >= 100 else f"{value:.2f} ms"


STOCK = "pypiserver 2.4.2 as it comes"
SERVE = "wheelhouse serve"
INFRA = "infra/selfhosted (nginx + wheelhouse)"
STATIC = "plain nginx, same static tree"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--projects", type=int, default=1000)
    parser.add_argument("--versions", type=int, default=10)
    parser.add_argument("--seconds", type=int, default=10)
    parser.add_argument("--output", type=Path, default=HERE / "results" / "index-serving.md")
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory(prefix="wheelhouse-bench-") as scratch:
        work = Path(scratch)
        packages = work / "packages"
        print(f"bench: writing {args.projects * args.versions} wheels", file=sys.stderr)  # noqa: T201
        many_wheels(packages, projects=args.projects, versions=args.versions)
        static = work / "static"
        servers: list[tuple[str, Callable[[], AbstractContextManager[str]], int, bool]] = [
            (STOCK, lambda: stock_pypiserver(packages, work), args.seconds * 2, False),
            (SERVE, lambda: wheelhouse_serve(packages, work), args.seconds, True),
            (
                INFRA,
                lambda: selfhosted_index(packages=packages, static=static, work=work),
                args.seconds,
                True,
            ),
            (STATIC, lambda: plain_nginx(static, work / "plain"), args.seconds, True),
        ]
        rows: list[Row] = []
        for name, start, seconds, warm_up in servers:
            with start() as base:
                rows += measure(
                    name, base, projects=args.projects, seconds=seconds, warm_up=warm_up
                )
    report = table(rows, projects=args.projects, versions=args.versions, seconds=args.seconds)
    args.output.parent.mkdir(parents=True, exist_ok=True)
    args.output.write_text(report, encoding="utf-8")
    print(report)  # noqa: T201
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
