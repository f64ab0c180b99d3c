"""The wheelhouse directory and the one object that changes it: where a build keeps its logs,
staging and caches, which job keys are present, and how a verified wheel enters (accept) and is
recorded in wheelhouse-manifest.json. Dot-directories are not served by the index."""

from __future__ import annotations

import contextlib
import json
import shutil
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from builder.checks.wheel_checks import wheel_tags
from builder.plan.jobs import BuildJob, Job, MirrorJob, ToolVersions, WorkJob
from builder.wheelbuild.compile import shareable
from builder.wheelhouse.atomic import install_new, locked, write_atomically
from builder.wheelhouse.manifest import (
    MANIFEST_NAME,
    OLD_MANIFEST_NAME,
    Manifest,
    WheelEntry,
    load_manifest,
)
from index.clock import Clock
from index.dist_files import file_sha256, wheel_libraries


def shared_wheels(manifest: Manifest | None) -> dict[str, list[str]]:
    """A manifest's built pure and abi3 wheels, by the identity of the sdist they came from."""
    found: dict[str, list[str]] = {}
    for entry in manifest.wheels.values() if manifest else ():
        if entry.action == "build" and shareable(entry.filename):
            found.setdefault(entry.source_sha256, []).append(entry.filename)
    return found


@dataclass(frozen=True, kw_only=True)
class Refused:
    """A wheel the wheelhouse would not take, and why."""

    message: str


@dataclass(frozen=True, kw_only=True)
class Made:
    """How a staged wheel was made, for its manifest entry."""

    duration_s: float
    log: Path | None
    grafted: list[str]


LOCK_NAME = ".manifest.lock"  # held while the manifest is read, merged and written
# held by a run while it builds: one run at a time uses a wheelhouse's staging directory and
# caches (a second one waits)
RUN_LOCK_NAME = ".build.lock"


def cache_dir(wheelhouse: Path) -> Path:
    """Where a wheelhouse keeps its caches (upstream pages, sdists, toolchains), for those that
    need it before a Wheelhouse is opened."""
    return wheelhouse / ".cache"


class Wheelhouse:
    def __init__(self, path: Path, *, clock: Clock) -> None:
        self.path = path
        self._clock = clock
        self.manifest: Manifest = load_manifest(path)
        self._new_runs: list[dict[str, Any]] = []  # recorded here, not yet saved

    @property
    def logs(self) -> Path:
        return self.path / ".logs"

    @property
    def staging(self) -> Path:
        return self.path / ".staging"

    @property
    def cache(self) -> Path:
        return cache_dir(self.path)

    def running(self, waiting: Callable[[], None]) -> contextlib.AbstractContextManager[None]:
        """Held while a run builds into this wheelhouse; `waiting` is called first when another
        run holds it (its staging directory is cleared and refilled by each run)."""
        return locked(self.path / RUN_LOCK_NAME, waiting=waiting)

    @property
    def manifest_path(self) -> Path:
        return self.path / MANIFEST_NAME

    def job_log(self, job: Job) -> Path:
        return self.logs / f"{job.name}-{job.version}-cp{job.python}-{job.arch}.log"

    def present_keys(self) -> dict[str, str]:
        """Job keys whose wheel is in the wheelhouse with the recorded sha256."""
        present: dict[str, str] = {}
        for entry in self.manifest.wheels.values():
            path = self.path / entry.filename
            if (
                path.is_file()
                and path.stat().st_size == entry.size
                and file_sha256(path) == entry.sha256
            ):
                for key in {entry.key, *entry.keys}:
                    present[key] = entry.filename
        return present

    def shared_wheels(self) -> dict[str, list[str]]:
        """Pure and abi3 wheels built here, by the identity of the sdist they came from: one
        such build serves every target that installs it, so it is reused, not built again."""
        return {
            source: present
            for source, filenames in shared_wheels(self.manifest).items()
            if (present := [name for name in filenames if (self.path / name).is_file()])
        }

    def accept(
        self, job: WorkJob, staged: Path, made: Made, tools: ToolVersions
    ) -> WheelEntry | Refused:
        """Move a verified wheel in and record it. A different file under a name already in
        the wheelhouse is refused: what is there is never replaced."""
        dest = self.path / staged.name
        sha256 = file_sha256(staged)
        if not install_new(staged, dest) and file_sha256(dest) != sha256:
            return Refused(
                message=f"{dest} already exists with different content; it was kept. "
                "Remove it by hand if the new build should replace it."
            )
        built = isinstance(job, BuildJob)
        entry = WheelEntry(
            filename=dest.name,
            name=job.name,
            version=job.version,
            tags=[str(tag) for tag in wheel_tags(dest.name)],
            sha256=sha256,
            size=dest.stat().st_size,
            action=job.action,
            source_sha256=(job.wheel if isinstance(job, MirrorJob) else job.sdist).identity() or "",
            key=job.key,
            python=job.python,
            arch=job.arch,
            image=job.image.builder if built else "",
            image_id=job.image.builder_id if built else "",
            cibuildwheel=tools.cibuildwheel if built else "",
            auditwheel=tools.auditwheel if built else "",
            recipe=job.recipe.digest() if built else "",
            execution=job.execution if built else "",
            toolchain=job.cxx if isinstance(job, BuildJob) else "",
            toolchains=(
                [f"{name}: {identity}" for name, identity in job.toolchains]
                if isinstance(job, BuildJob)
                else []
            ),
            debug_info=job.debug_info if isinstance(job, BuildJob) else "",
            duration_s=made.duration_s,
            log=str(made.log.relative_to(self.path)) if made.log else "",
            grafted=made.grafted,
            libraries=[f"{name} {version}".strip() for name, version in wheel_libraries(dest)],
            created=self._clock.now().isoformat(timespec="seconds"),
        )
        self.manifest.add(entry)
        return entry

    def adopt(self, wheel: Path, entry: WheelEntry, *, log: Path | None) -> bool:
        """Take in a wheel another wheelhouse made (a shard's, in a merge) with its manifest
        entry and, when given, its build log (to `entry.log` here, a path the caller has checked
        stays inside). True when the wheel was added, False when the same name was here already:
        what is here is never replaced."""
        added = install_new(wheel, self.path / entry.filename)
        if log is not None and entry.log:
            copy = self.path / entry.log
            copy.parent.mkdir(parents=True, exist_ok=True)
            if not copy.exists():
                shutil.copy2(log, copy, follow_symlinks=False)
        self.manifest.add(entry)
        return added

    def record_run(
        self,
        archs: list[dict[str, Any]],
        failed: list[str] | None = None,
        failures: list[dict[str, str]] | None = None,
    ) -> None:
        run: dict[str, Any] = {
            "finished": self._clock.now().isoformat(timespec="seconds"),
            "archs": archs,
            "failed": failed or [],
            "failures": failures or [],
        }
        self.manifest.record_run(**run)
        self._new_runs.append(run)

    def add_run(self, run: dict[str, Any]) -> None:
        """A run recorded elsewhere (a shard's wheelhouse), kept as it was."""
        self.manifest.record_run(
            finished=run.get("finished", ""),
            archs=run.get("archs", []),
            failed=run.get("failed"),
            failures=run.get("failures"),
        )
        self._new_runs.append(run)

    def save(self) -> Path:
        """Write the manifest, merged under a lock with what another build into the same
        wheelhouse may have written since this one read it: no entry is ever lost."""
        with locked(self.path / LOCK_NAME):
            merged = load_manifest(self.path)
            for entry in self.manifest.wheels.values():
                merged.add(entry)
            merged.sdists.update(self.manifest.sdists)
            for run in self._new_runs:
                merged.record_run(
                    finished=run.get("finished", ""),
                    archs=run.get("archs", []),
                    failed=run.get("failed"),
                    failures=run.get("failures"),
                )
            text = json.dumps(merged.to_json(), indent=2) + "\n"
            write_atomically(self.manifest_path, text.encode())
            (self.path / OLD_MANIFEST_NAME).unlink(missing_ok=True)  # carried over, above
        self.manifest = merged
        self._new_runs = []
        return self.manifest_path
