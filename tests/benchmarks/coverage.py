"""`make bench-coverage`: how much of a real requirements list wheelhouse turns into verified
musllinux wheels, per package and arch.

Each pin of the list (tests/benchmarks/coverage-list.txt) is first checked against the upstream
index: it counts only if no upstream wheel of that version installs on musl for this Python and
arch (so pip on Alpine would compile it). Then it is built on its own, with its dependencies, by the real pipeline (`wheelhouse build`:
cibuildwheel, auditwheel repair, checks, install + import in the clean runtime image), all into
one wheelhouse so that what several share is built once. Per package: built (repaired and
imported) or failed, with the first line of the reason, and the wall time. Writes a Markdown
table (default tests/benchmarks/results/coverage-ARCH.md) and prints it.

    python -m tests.benchmarks.coverage [--arch x86_64] [--python 3.11] [--list FILE]
        [--newest] [--output FILE]

With --newest (today's gap, tests/benchmarks/lists/todays-gap.txt, CPython 3.13) each pin must
also be its project's newest release with an sdist. A line ending in "-- left out: WHY" is listed
with its reason, not built, and counted neither as a pass nor in the share. --keep-passed builds
only the pins the output table does not show built; --only P... only the projects named.
"""

from __future__ import annotations

import argparse
import functools
import json
import platform
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from packaging import tags
from packaging.utils import parse_wheel_filename
from packaging.version import InvalidVersion, Version
from pypi_simple import PyPISimple

HERE = Path(__file__).resolve().parent
REPO = HERE.parent.parent
PER_PACKAGE_TIMEOUT_S = 3600
LEFT_OUT = " -- left out: "
PASSED, FAILED = "built, repaired, imported", "FAILED"  # a row's verdict


def pins(list_file: Path) -> list[tuple[str, str]]:
    """(requirement, category) for each line; a comment line names the category that follows.
    A line may add pins for its dependencies: `pandas==1.5.3 with numpy==1.23.5`."""
    found: list[tuple[str, str]] = []
    category = ""
    for raw in list_file.read_text().splitlines():
        line = raw.strip()
        if line.startswith("# ") and not line.startswith("# make"):
            category = line[2:].split(":")[0]
        elif line and not line.startswith("#"):
            found.append((line, category))
    return found


@functools.cache
def upstream_index() -> PyPISimple:
    """The index pip here uses (asked of pip once per run)."""
    config = [sys.executable, "-m", "pip", "config", "get", "global.index-url"]
    url = subprocess.run(config, capture_output=True, text=True, check=False).stdout.strip()
    return PyPISimple(url or "https://pypi.org/simple/")


def upstream_page(name: str) -> Any:
    return upstream_index().get_project_page(name)


def newest_release(page: Any) -> str | None:
    """The newest final release on the project's page that has an sdist."""
    releases: list[Version] = []
    for package in page.packages:
        if package.version is None or package.is_yanked or package.package_type != "sdist":
            continue
        try:
            version = Version(package.version)
        except InvalidVersion:
            continue
        if not (version.is_prerelease or version.is_devrelease):
            releases.append(version)
    return str(max(releases)) if releases else None


def musl_wheels_upstream(page: Any, requirement: str, arch: str, python: str) -> list[str]:
    """The upstream wheels of the pinned version that pip on musl (this Python, arch) would
    install instead of compiling: the pin belongs in the list only when there are none."""
    version = requirement.partition("==")[2]
    major, minor = (int(part) for part in python.split(".")[:2])
    platforms = [f"musllinux_1_{minor_libc}_{arch}" for minor_libc in range(2, -1, -1)]
    supported = {
        *tags.cpython_tags(python_version=(major, minor), platforms=platforms),
        *tags.compatible_tags(python_version=(major, minor), platforms=platforms),
    }
    found: list[str] = []
    for package in page.packages:
        if package.version != version or not package.filename.endswith(".whl"):
            continue
        if supported & parse_wheel_filename(package.filename)[3]:
            found.append(package.filename)
    return found


def build_one(requirement: str, project: Path, arch: str, python: str) -> dict[str, Any]:
    (project / "one.txt").write_text(requirement.replace(" with ", "\n") + "\n")
    command = [
        sys.executable,
        "-m",
        "app",
        "build",
        "--list",
        "one.txt",
        "--python",
        python,
        "--arch",
        arch,
        "--json",
    ]
    started = time.monotonic()
    try:
        result = subprocess.run(
            command,
            cwd=project,
            capture_output=True,
            text=True,
            timeout=PER_PACKAGE_TIMEOUT_S,
            check=False,
        )
    except subprocess.TimeoutExpired:
        return {"ok": False, "why": f"timed out after {PER_PACKAGE_TIMEOUT_S} s", "seconds": 0.0}
    seconds = round(time.monotonic() - started, 1)
    name = requirement.split("==", maxsplit=1)[0].lower().replace("_", "-").replace(".", "-")
    try:
        report = json.loads(result.stdout)
    except ValueError:
        last = (result.stderr.strip().splitlines() or ["no output"])[-1]
        return {"ok": False, "why": last[:120], "seconds": seconds}
    mine = [job for job in report["jobs"] if job["name"].replace(".", "-") == name]
    failed = [job for job in report["jobs"] if not job["ok"]]
    if mine and all(job["ok"] for job in mine) and not failed:
        job = mine[0]
        how = job["action"] + (f" ({job['execution']})" if job.get("execution") else "")
        return {"ok": True, "why": f"{how}: {job['wheel']}", "seconds": seconds}
    culprit = failed[0] if failed else (mine[0] if mine else None)
    if culprit is None:
        return {"ok": False, "why": "not in the plan", "seconds": seconds}
    return {
        "ok": False,
        "why": f"{culprit['name']}: {_first_line(culprit.get('error') or culprit['reason'])}",
        "seconds": seconds,
    }


CAUSES = (
    "fatal error",
    "error:",
    "Error:",
    "Exception:",
    "No such file",
    "not found",
    "refused",
    "failed",
)
# lines that wrap the build's own error rather than say it
WRAPPERS = ("cibuildwheel: error: Command", "ERROR Backend subprocess", "$")


def _first_line(text: str) -> str:
    """The line of a failure (message plus the log's tail) that says why: the last one naming
    an error, else the first line."""
    lines = [line.strip() for line in text.splitlines() if line.strip()]
    for cause in CAUSES:
        named = [line for line in lines[1:] if cause in line and not line.startswith(WRAPPERS)]
        if named:
            return named[-1][:150]
    return (lines[0] if lines else text)[:150]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--list", type=Path, default=HERE / "coverage-list.txt")
    parser.add_argument("--arch", default=platform.machine())
    parser.add_argument("--python", default="3.11")
    parser.add_argument(
        "--newest", action="store_true", help="each pin must be its project's newest release"
    )
    parser.add_argument("--output", type=Path, default=None)
    parser.add_argument(
        "--keep-passed",
        action="store_true",
        help="keep the rows of pins the output table already shows built; build the others again",
    )
    parser.add_argument(
        "--only",
        nargs="+",
        default=None,
        metavar="PROJECT",
        help="build these projects again; keep the output table's rows of the others as they are",
    )
    parser.add_argument(
        "--wheelhouse", type=Path, default=None, help="build into (and keep) this wheelhouse"
    )
    args = parser.parse_args()
    output: Path = args.output or HERE / "results" / f"coverage-{args.arch}.md"
    rows: list[str] = []
    listed = pins(args.list)
    tally = Tally(listed=len(listed))
    kept = passed_rows(output) if args.keep_passed else {}
    if args.only:
        again = {name.lower() for name in args.only}
        kept = {
            pin: row
            for pin, row in table_rows(output).items()
            if pin.partition("==")[0].lower() not in again
        }
    with tempfile.TemporaryDirectory(prefix="bench-coverage-") as work:
        project = Path(work)
        wheelhouse = args.wheelhouse.resolve() if args.wheelhouse else project / "wheelhouse"
        (project / "wheelhouse.toml").write_text(
            f'images = "local"\nrecipes = "{REPO / "configs" / "recipes"}"\n'
            f'wheelhouse = "{wheelhouse}"\n'
        )
        for line, category in listed:
            requirement, _, left_out = line.partition(LEFT_OUT)
            check_pin(args, requirement.split(" with ")[0].strip())
            if left_out:
                tally.left_out += 1
                rows.append(f"| {requirement} | {category} | left out | | {left_out} |")
            elif requirement in kept:
                tally.built += 1
                tally.passed += f" | {PASSED} | " in kept[requirement]
                rows.append(kept[requirement])
            else:
                outcome = build_one(requirement, project, args.arch, args.python)
                tally.built += 1
                tally.passed += bool(outcome["ok"])
                verdict = PASSED if outcome["ok"] else FAILED
                rows.append(
                    f"| {requirement} | {category} | {verdict} | {outcome['seconds']} | "
                    f"{outcome['why'].replace('|', '/')} |"
                )
            sys.stderr.write(rows[-1] + "\n")
            write_table(output, rows, tally, args, done=False)
    sys.stdout.write(write_table(output, rows, tally, args, done=True))


def table_rows(table: Path) -> dict[str, str]:
    """The rows of an earlier table that built or failed, by pin."""
    try:
        lines = table.read_text().splitlines()
    except OSError:
        return {}
    return {
        line.split(" | ")[0].removeprefix("| "): line
        for line in lines
        if line.startswith("| ") and (f" | {PASSED} | " in line or f" | {FAILED} | " in line)
    }


def passed_rows(table: Path) -> dict[str, str]:
    """The rows of an earlier table whose pin was built, repaired and imported, by pin."""
    return {pin: row for pin, row in table_rows(table).items() if f" | {PASSED} | " in row}


def check_pin(args: argparse.Namespace, requirement: str) -> None:
    """Stop when a pin does not belong in the list: upstream has a wheel pip on musl installs
    (so nothing would be compiled), or (with --newest) a newer release exists."""
    page = upstream_page(requirement.partition("==")[0])
    upstream = musl_wheels_upstream(page, requirement, args.arch, args.python)
    if upstream:
        sys.exit(
            f"{args.list}: {requirement}: upstream ships {upstream[0]}; "
            "pick a pin that pip on musl compiles"
        )
    newest = newest_release(page)
    if args.newest and newest != requirement.partition("==")[2]:
        sys.exit(f"{args.list}: {requirement}: the newest release with an sdist is {newest}")


@dataclass
class Tally:
    listed: int
    built: int = 0
    passed: int = 0
    left_out: int = 0


def write_table(
    output: Path, rows: list[str], tally: Tally, args: argparse.Namespace, *, done: bool
) -> str:
    """The table so far (rewritten after every package, so a long run's progress survives).
    The share is of the pins built; those left out are named, not counted."""
    share = 100 * tally.passed / tally.built if tally.built else 0.0
    counted = tally.listed - tally.left_out
    if done:
        state = f"{tally.passed} of {counted}"
    else:
        state = f"{tally.passed} of {tally.built} so far ({tally.listed} listed)"
    aside = f", {tally.left_out} left out" if tally.left_out else ""
    title = "Today's gap" if args.newest else "Coverage"
    table = "\n".join(
        [
            f"# {title}: {state} ({share:.0f}%){aside} on {args.arch}, CPython {args.python}, "
            "local images",
            "",
            f"Measured {datetime.now(UTC):%Y-%m-%d} on a {platform.machine()} machine, each pin "
            f"of `{args.list.resolve().relative_to(REPO)}` built with its dependencies by "
            "`wheelhouse build` (`make bench-coverage`); the execution (native, cross or qemu) "
            "is the one `[execution] auto` chose.",
            "",
            "| pin | kind | result | seconds | wheel or reason |",
            "| --- | --- | --- | --- | --- |",
            *rows,
            "",
        ]
    )
    output.parent.mkdir(parents=True, exist_ok=True)
    output.write_text(table)
    return table


if __name__ == "__main__":
    main()
