"""`manifest.json` in the wheelhouse: how each wheel was made. Written atomically."""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from packaging.utils import InvalidWheelFilename, parse_wheel_filename
from packaging.version import InvalidVersion

from builder.errors import InputError

MANIFEST_NAME = "manifest.json"
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
    execution: str = ""  # build: native, qemu or cross (the compiler ran natively, emulated, cross)
    toolchain: str = ""  # the mounted compiler, when one was ("zig 0.17.1")
    duration_s: float = 0.0
    log: str = ""
    grafted: list[str] = field(default_factory=list)
    created: str = ""


@dataclass(kw_only=True)
class Manifest:
    wheels: dict[str, WheelEntry] = field(default_factory=dict)
    runs: list[dict[str, Any]] = field(default_factory=list)  # per-arch totals of each build run

    def record_run(self, *, finished: str, archs: list[dict[str, Any]]) -> None:
        self.runs = [*self.runs, {"finished": finished, "archs": archs}][-RUNS_KEPT:]

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
        }


def load_manifest(wheelhouse: Path, *, name: str = MANIFEST_NAME) -> Manifest:
    path = wheelhouse / name
    if not path.exists():
        return Manifest()
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
        entries = [WheelEntry(**item) for item in data["wheels"]]
        runs = list(data.get("runs", []))
    except (ValueError, KeyError, TypeError, OSError) as exc:
        raise InputError(
            f"{path}: not a wheelhouse manifest ({exc})",
            hint="move it aside; the next build rebuilds what it cannot account for",
        ) from None
    for entry in entries:
        if not _plain_wheel_name(entry.filename):
            raise InputError(
                f"{path}: entry {entry.filename!r} is not a wheel file name beside the manifest",
                hint="a manifest names wheels in its own directory; fix or move it aside",
            )
    return Manifest(wheels={entry.filename: entry for entry in entries}, runs=runs)


def _plain_wheel_name(filename: str) -> bool:
    """A bare wheel file name: no directory part, nothing hidden, a name pip can parse."""
    if not filename or "/" in filename or "\\" in filename or filename.startswith("."):
        return False
    try:
        parse_wheel_filename(filename)
    except (InvalidWheelFilename, InvalidVersion):
        return False
    return True
