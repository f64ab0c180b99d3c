"""`wheelhouse-manifest.json`: how each wheel was made. One name wherever it is kept: in a
wheelhouse, and at the root of a published static index. Written atomically."""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import MISSING, asdict, dataclass, field, fields
from pathlib import Path
from typing import Any

from packaging.utils import InvalidWheelFilename, parse_wheel_filename
from packaging.version import InvalidVersion

from builder.errors import InputError
from builder.plan.sdist_needs import SdistNeeds

MANIFEST_NAME = "wheelhouse-manifest.json"
OLD_MANIFEST_NAME = "manifest.json"  # a wheelhouse's, before 0.2: read when the new one is absent
FORMAT_VERSION = 1
RUNS_KEPT = 50  # the run history keeps this many of the latest runs


@dataclass(frozen=True, kw_only=True)
class WheelEntry:
    filename: str
    name: str
    version: str
    tags: list[str]
    sha256: str
    size: int
    action: str  # "build" or "mirror"
    source_sha256: str  # the sdist's (build) or the upstream wheel's (mirror)
    key: str  # the job that made it
    keys: list[str] = field(default_factory=list)  # every job key this file satisfies
    python: str = ""
    arch: str = ""
    image: str = ""
    image_id: str = ""
    cibuildwheel: str = ""
    auditwheel: str = ""
    recipe: str = ""  # build: the recipe's digest, so a later plan can say "recipe changed"
    execution: str = ""  # build: native, qemu or cross (the compiler ran natively, emulated, cross)
    toolchain: str = ""  # the mounted compiler, when one was ("zig 0.17.1")
    toolchains: list[str] = field(default_factory=list)  # beyond C/C++ ("fortran: flang ...")
    debug_info: str = ""  # build: strip or keep ("": made before stripping existed, so kept)
    duration_s: float = 0.0
    log: str = ""
    grafted: list[str] = field(default_factory=list)
    libraries: list[str] = field(default_factory=list)  # "name version", as its SBOMs say
    created: str = ""


@dataclass(kw_only=True)
class Manifest:
    wheels: dict[str, WheelEntry] = field(default_factory=dict)
    runs: list[dict[str, Any]] = field(default_factory=list)  # per-arch totals of each build run
    # sdist sha256 -> what its files showed its build needs (sdist_needs.py): a later plan keys
    # its jobs and finds their build requirements without looking into the sdist again
    sdists: dict[str, SdistNeeds] = field(default_factory=dict)

    def record_run(
        self,
        *,
        finished: str,
        archs: list[dict[str, Any]],
        failed: list[str] | None = None,
        failures: list[dict[str, str]] | None = None,
    ) -> None:
        """Keep a run's per-arch totals, the keys of the jobs that failed in it (due again) and
        what failed (name, version, python, arch, reason, log: for the pages for people)."""
        run: dict[str, Any] = {"finished": finished, "archs": archs}
        if failed:
            run["failed"] = sorted(failed)
        if failures:
            run["failures"] = failures
        self.runs = [*self.runs, run][-RUNS_KEPT:]

    def failed_last_time(self) -> set[str]:
        """Job keys that failed in the newest run that tried them and never made a wheel."""
        made = {key for entry in self.wheels.values() for key in (entry.key, *entry.keys)}
        failed: set[str] = set()
        for run in self.runs:
            failed.update(run.get("failed", []))
        return failed - made

    def add(self, entry: WheelEntry) -> None:
        existing = self.wheels.get(entry.filename)
        if existing is not None and existing.sha256 == entry.sha256:
            keys = sorted({*existing.keys, *entry.keys, entry.key})
            self.wheels[entry.filename] = WheelEntry(**{**asdict(existing), "keys": keys})
            return
        self.wheels[entry.filename] = WheelEntry(
            **{**asdict(entry), "keys": sorted({*entry.keys, entry.key})}
        )

    def to_json(self) -> dict[str, Any]:
        return {
            "format": FORMAT_VERSION,
            "wheels": [asdict(self.wheels[name]) for name in sorted(self.wheels)],
            "runs": self.runs,
            "sdists": {sha: self.sdists[sha].to_json() for sha in sorted(self.sdists)},
        }


def manifest_file(wheelhouse: Path) -> Path | None:
    """The wheelhouse's manifest file (under its name of an earlier release if that is the one
    there), or None when it has none."""
    for name in (MANIFEST_NAME, OLD_MANIFEST_NAME):
        if (wheelhouse / name).is_file():
            return wheelhouse / name
    return None


def load_manifest(wheelhouse: Path, *, name: str | None = None) -> Manifest:
    """A wheelhouse's manifest (an empty one when it has none), or the file `name` there."""
    path = manifest_file(wheelhouse) if name is None else wheelhouse / name
    if path is None or not path.exists():
        return Manifest()
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise InputError(f"{path}: cannot read the manifest ({exc})") from None
    return parse_manifest(data, where=str(path))


def parse_manifest(data: bytes, *, where: str) -> Manifest:
    """A manifest from its JSON (a wheelhouse's file, or the copy a publish target holds)."""
    try:
        parsed = json.loads(data.decode("utf-8"))
        problem = _manifest_problem(parsed)
    except (ValueError, RecursionError) as exc:
        problem = str(exc) or type(exc).__name__
    if problem is not None:
        raise InputError(
            f"{where}: not a wheelhouse manifest ({problem})",
            hint="move it aside; the next build rebuilds what it cannot account for",
        )
    entries = [WheelEntry(**item) for item in parsed["wheels"]]
    runs = list(parsed.get("runs", []))
    sdists = {
        sha: SdistNeeds(
            toolchains=dict(needs.get("toolchains", {})),
            build_requires=tuple(needs.get("build_requires", [])),
        )
        for sha, needs in parsed.get("sdists", {}).items()
    }
    for entry in entries:
        if not _plain_wheel_name(entry.filename):
            raise InputError(
                f"{where}: entry {entry.filename!r} is not a wheel file name beside the manifest",
                hint="a manifest names wheels in its own directory; fix or move it aside",
            )
    return Manifest(wheels={entry.filename: entry for entry in entries}, runs=runs, sdists=sdists)


_FIELD_CHECKS: dict[str, Callable[[object], bool]] = {
    "str": lambda value: isinstance(value, str),
    "int": lambda value: type(value) is int and 0 <= value < 1 << 53,
    "float": lambda value: (
        isinstance(value, int | float) and not isinstance(value, bool) and 0 <= value < 1e9
    ),
    "list[str]": lambda value: isinstance(value, list) and all(isinstance(v, str) for v in value),
}
_FIELD_TYPES = {entry.name: str(entry.type) for entry in fields(WheelEntry)}
_REQUIRED = {
    entry.name
    for entry in fields(WheelEntry)
    if entry.default is MISSING and entry.default_factory is MISSING
}


def _manifest_problem(parsed: object) -> str | None:
    """What makes parsed JSON no manifest (None: one). Manifests travel between machines (CI
    shards, publish targets): every entry's fields are checked before one is used."""
    if not isinstance(parsed, dict) or not isinstance(parsed.get("wheels"), list):
        return "no list of wheels"
    runs = parsed.get("runs", [])
    if not isinstance(runs, list) or not all(isinstance(run, dict) for run in runs):
        return "runs is not a list of objects"
    if not _sdist_records(parsed.get("sdists", {})):
        return "sdists is not an object of {toolchains: {name: why}, build_requires: [...]}"
    for index, item in enumerate(parsed["wheels"]):
        if not isinstance(item, dict):
            return f"wheel entry {index} is not an object"
        missing = _REQUIRED - set(item)
        if missing:
            return f"wheel entry {index} lacks {', '.join(sorted(missing))}"
        for key, value in item.items():
            kind = _FIELD_TYPES.get(key)
            if kind is None:
                return f"wheel entry {index}: unknown field {key[:40]!r}"
            if not _FIELD_CHECKS[kind](value):
                return f"wheel entry {index}: {key} is not {kind}"
    return None


def _sdist_records(value: object) -> bool:
    def record(item: object) -> bool:
        if not isinstance(item, dict) or set(item) - {"toolchains", "build_requires"}:
            return False
        toolchains, requires = item.get("toolchains", {}), item.get("build_requires", [])
        return (
            isinstance(toolchains, dict)
            and all(isinstance(k, str) and isinstance(v, str) for k, v in toolchains.items())
            and isinstance(requires, list)
            and all(isinstance(line, str) for line in requires)
        )

    return isinstance(value, dict) and all(record(item) for item in value.values())


def _plain_wheel_name(filename: str) -> bool:
    """A bare wheel file name: no directory part, nothing hidden, a name pip can parse."""
    if not filename or "/" in filename or "\\" in filename or filename.startswith("."):
        return False
    try:
        parse_wheel_filename(filename)
    except (InvalidWheelFilename, InvalidVersion):
        return False
    return True
