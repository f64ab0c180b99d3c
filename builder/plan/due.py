"""Why each job of a plan is due, against what a target already holds (its manifest). Pure.

A job is due when no wheel in the target carries its key. The reason names what changed since
the target's newest wheel for the same package, Python and arch: a new upstream version, a new
Python, a changed recipe, builder image, toolchain or tool, or nothing there at all; a job that
failed in an earlier run and never made a wheel is "failed last time".

A target that keeps no manifest (a pypiserver) is known only by its wheel files: a job is held
there when a wheel of its name and version installs on its target (`held_by_files`), and a
changed recipe, image or toolchain cannot be seen.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, fields, replace

from packaging.utils import InvalidWheelFilename, canonicalize_name, parse_wheel_filename
from packaging.version import InvalidVersion, Version

from builder.plan.jobs import BuildJob, FailJob, Job, MirrorJob, Plan, SkipJob, ToolVersions
from builder.wheelhouse.manifest import Manifest, WheelEntry


@dataclass(frozen=True)
class Held:
    """What a publish target holds: its manifest (empty for a pypiserver, which keeps none),
    and, for a target that keeps no manifest, its wheel files; a note on what that means."""

    manifest: Manifest
    files: tuple[str, ...] | None = None
    note: str | None = None


@dataclass(frozen=True)
class Due:
    job: Job
    reason: str


def due_jobs(
    plan: Plan, held: Manifest, tools: ToolVersions, *, files: Sequence[str] | None = None
) -> list[Due]:
    """Every job that would do work (build, mirror, reuse) or fail, with why; skips are not due.
    `files`: the target keeps no manifest, only these wheel files."""
    failed = held.failed_last_time()
    releases_by_name = _wheels_by_name(files or ())
    entries_by_name: dict[str, list[WheelEntry]] = {}
    for entry in held.wheels.values():
        entries_by_name.setdefault(entry.name, []).append(entry)
    due: list[Due] = []
    for job in plan.jobs:
        if isinstance(job, SkipJob):
            continue
        if isinstance(job, FailJob):
            due.append(Due(job, f"cannot be built: {job.reason}"))
        elif files is not None:
            due.append(Due(job, _file_reason(job, releases_by_name.get(job.name, {}))))
        else:
            due.append(Due(job, _reason(job, entries_by_name.get(job.name, ()), failed, tools)))
    return due


def held_by_files(plan: Plan, files: Iterable[str]) -> Plan:
    """The plan with every job skipped whose name and version the target has a wheel of that
    installs on the job's target (for a target known only by its files)."""
    by_name = _wheels_by_name(files)
    jobs: list[Job] = []
    for job in plan.jobs:
        match = None
        if not isinstance(job, SkipJob | FailJob):
            wheels = by_name.get(job.name, {}).get(_version(job.version), ())
            match = next((name for name in wheels if job.target.installs(name)), None)
        if match is None:
            jobs.append(job)
            continue
        common = {f.name: getattr(job, f.name) for f in fields(SkipJob) if hasattr(job, f.name)}
        common.update(reason=f"present ({match}, by file name)", present_filename=match)
        jobs.append(SkipJob(**common))
    return replace(plan, jobs=tuple(jobs))


def _wheels_by_name(files: Iterable[str]) -> Mapping[str, Mapping[Version, list[str]]]:
    """Wheel files by canonical project name, then version."""
    found: dict[str, dict[Version, list[str]]] = {}
    for filename in files:
        try:
            name, version, _, _ = parse_wheel_filename(filename)
        except InvalidWheelFilename:
            continue
        found.setdefault(canonicalize_name(name), {}).setdefault(version, []).append(filename)
    return found


def _file_reason(job: Job, releases: Mapping[Version, list[str]]) -> str:
    """`releases`: the target's wheel files of this job's name, by version."""
    held = [
        version
        for version, wheels in releases.items()
        if any(job.target.installs(wheel) for wheel in wheels)
    ]
    if held:
        return f"new upstream version {job.version} (held: {max(held)})"
    return "missing"


def _reason(job: Job, entries: Iterable[WheelEntry], failed: set[str], tools: ToolVersions) -> str:
    """`entries`: the target's wheels of this job's name."""
    if job.key in failed:
        return "failed last time"
    same_arch = [e for e in entries if e.name == job.name and e.arch == job.arch]
    if not same_arch:
        return "missing"
    mine = [e for e in same_arch if e.python == job.python]
    if not mine:
        return f"new Python {job.python}"
    newest = max(mine, key=lambda e: (_version(e.version), e.created))
    if newest.version != job.version:
        return f"new upstream version {job.version} (held: {newest.version})"
    if isinstance(job, MirrorJob):
        if newest.action != "mirror":
            return "upstream now ships a musllinux wheel"
        return "upstream wheel changed"
    if not isinstance(job, BuildJob):
        return "missing"
    if newest.action != "build":
        return "built from source now (was mirrored)"
    changes = [
        what
        for what, before, now in (
            ("sdist changed", newest.source_sha256, job.sdist.identity() or ""),
            ("recipe changed", newest.recipe, job.recipe.digest()),
            ("builder image changed", newest.image_id, job.image.builder_id),
            ("toolchain changed", newest.toolchain, job.cxx),
            ("cibuildwheel changed", newest.cibuildwheel, tools.cibuildwheel),
            ("auditwheel changed", newest.auditwheel, tools.auditwheel),
        )
        if before and now and before != now
    ]
    if (
        newest.execution
        and {newest.execution, job.execution} & {"cross"}
        and (newest.execution != job.execution)
    ):
        changes.append(f"execution {newest.execution} -> {job.execution}")
    if (newest.debug_info or "keep") != job.debug_info:
        changes.append(f"debug info {newest.debug_info or 'keep'} -> {job.debug_info}")
    return ", ".join(changes) or "build inputs changed (constraints)"


def _version(text: str) -> Version:
    try:
        return Version(text)
    except InvalidVersion:
        return Version("0")
