"""`wheelhouse merge`: the shard wheelhouses of one pipeline run become one wheelhouse.

Every wheel is checked against its shard's manifest (sha256) and all of them against what the
destination already holds before anything is written: the same file name with different bytes
is a conflict, and the merge stops having changed nothing. Then each wheel is linked in (never
replacing a file), its log copied, and the manifests merged under the destination's lock.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath

from builder.errors import InputError
from builder.wheelhouse.manifest import MANIFEST_NAME, WheelEntry, load_manifest, manifest_file
from builder.wheelhouse.store import Wheelhouse
from index.clock import Clock
from index.dist_files import file_sha256
from index.errors import PublishConflict


@dataclass
class MergeReport:
    added: list[str] = field(default_factory=list)
    already: list[str] = field(default_factory=list)
    runs: int = 0


def merge_wheelhouses(sources: list[Path], dest: Path, *, clock: Clock) -> MergeReport:
    """Every shard's wheels, logs and runs into `dest`, after checking all of them: a damaged
    shard or a conflict stops the merge before anything is written."""
    try:
        dest.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise InputError(
            f"--into {dest}: not a directory that can be made or written ({exc.strerror})",
            hint="name a wheelhouse directory, new or existing",
        ) from None
    house = Wheelhouse(dest, clock=clock)
    report = MergeReport()
    for filename, (source, entry) in sorted(_chosen(sources, house).items()):
        log, copy = _inside(source, entry.log or ""), _inside(dest, entry.log or "")
        shipped = log if log is not None and copy is not None and log.is_file() else None
        if house.adopt(source / filename, entry, log=shipped):
            report.added.append(filename)
        else:
            report.already.append(filename)
    for source in sources:
        shard = load_manifest(source)
        for run in shard.runs:
            house.add_run(run)
            report.runs += 1
        house.manifest.sdists.update(shard.sdists)
    house.save()
    return report


def _chosen(sources: list[Path], house: Wheelhouse) -> dict[str, tuple[Path, WheelEntry]]:
    """Each wheel file name, with the shard it comes from and its entry; every entry checked
    (its paths stay inside its shard, its file is there with its sha256, no rival file of the
    same name in another shard or in the destination)."""
    chosen: dict[str, tuple[Path, WheelEntry]] = {}
    for source in sources:
        if manifest_file(source) is None:
            raise InputError(
                f"{source}: no {MANIFEST_NAME} (not a wheelhouse)",
                hint="pass the wheelhouse directories the shard builds wrote",
            )
        for entry in load_manifest(source).wheels.values():
            _check_entry(source, entry)
            other = chosen.get(entry.filename)
            held = house.manifest.wheels.get(entry.filename)
            there = house.path / entry.filename
            for rival, where in (
                (other[1].sha256 if other else None, str(other[0]) if other else ""),
                (held.sha256 if held else None, str(house.path)),
                (file_sha256(there) if there.is_file() else None, str(house.path)),
            ):
                if rival is not None and rival != entry.sha256:
                    raise PublishConflict(
                        f"{entry.filename}: {source} and {where} hold different files "
                        "under this name; nothing was merged",
                        hint="a build is not reproducible there; remove one of them by hand",
                    )
            chosen.setdefault(entry.filename, (source, entry))
    return chosen


def _check_entry(source: Path, entry: WheelEntry) -> None:
    for relative in (entry.filename, entry.log or ""):
        if relative and _inside(source, relative) is None:
            raise InputError(
                f"{manifest_file(source)}: {relative!r} ({entry.filename}) leaves the "
                "wheelhouse or passes through a symlink; nothing was merged",
                hint="a manifest names files inside its own wheelhouse; rebuild that shard",
            )
    path = source / entry.filename
    if not path.is_file() or file_sha256(path) != entry.sha256:
        raise InputError(
            f"{path}: missing or not the file its manifest lists (sha256 {entry.sha256})",
            hint="that shard's wheelhouse is damaged; run its build again",
        )


def _inside(root: Path, relative: str) -> Path | None:
    """root/relative, when that path stays inside root and no part of it is a symlink (a
    manifest is data from another machine: its paths are never followed out of its tree)."""
    path = PurePosixPath(relative)
    if not relative or path.is_absolute() or any(part in ("..", ".") for part in path.parts):
        return None
    found = root
    for part in path.parts:
        found = found / part
        if found.is_symlink():
            return None
    return found
