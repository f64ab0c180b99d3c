"""What a publish target holds, as a manifest: the scheduled pipeline plans against it.

`wheelhouse publish` to a static index (dir:, s3://) also merges the published wheels' manifest
entries into `wheelhouse-manifest.json` at the index's root (a compare-and-swap, so concurrent
publishers lose nothing); `wheelhouse plan --target` and `build --target` read it back. A
local wheelhouse directory is its own target. A pypiserver holds packages only: it is known by
its wheel files (a job is held when a wheel of its name and version installs on its target), so
a changed recipe, image or toolchain is not seen there.
"""

from __future__ import annotations

import json
from pathlib import Path

from app.console import note
from app.destinations import opened
from builder.errors import InputError
from builder.plan.due import Held
from builder.wheelhouse.manifest import MANIFEST_NAME, Manifest, load_manifest, parse_manifest
from index.publish.destinations import WheelhouseDestination, parse_destination
from index.publish.publishers import Publisher

MANIFEST_KEY = MANIFEST_NAME  # at the root of a static index, as in a wheelhouse


PYPISERVER_NOTE = (
    "a pypiserver keeps no manifest: jobs are matched by wheel file name, so a changed recipe, "
    "builder image or toolchain is not seen there (plan against a static index or the "
    "wheelhouse that feeds it for those)"
)


def local_held(path: Path) -> Held:
    if not path.is_dir():
        raise InputError(
            f"--target {path}: no such wheelhouse directory",
            hint="a wheelhouse directory, dir:PATH, s3://BUCKET/PREFIX or a pypiserver URL",
        )
    return Held(load_manifest(path))


def published_held(publisher: Publisher) -> Held:
    files = publisher.wheel_files()
    if files is not None:
        return Held(Manifest(), files=files, note=PYPISERVER_NOTE)
    data = publisher.read_record(MANIFEST_KEY)
    if data is None:
        return Held(Manifest())
    return Held(parse_manifest(data, where=f"{publisher.description}/{MANIFEST_KEY}"))


def record_published(publisher: Publisher, local: Manifest, filenames: set[str]) -> bool:
    """Merge the local entries of `filenames` (and the local runs) into the target's manifest.
    False for a target that keeps no records (a pypiserver)."""
    where = f"{publisher.description}/{MANIFEST_KEY}"

    def merged(held: Manifest) -> Manifest:
        result = Manifest(wheels=dict(held.wheels), runs=list(held.runs))
        for name in sorted(filenames):
            entry = local.wheels.get(name)
            if entry is not None:
                result.add(entry)
        known = {json.dumps(run, sort_keys=True) for run in result.runs}
        result.runs += [run for run in local.runs if json.dumps(run, sort_keys=True) not in known]
        return result

    return publisher.update_record(
        MANIFEST_KEY,
        lambda data: Manifest() if data is None else parse_manifest(data, where=where),
        merged,
        lambda manifest: json.dumps(manifest.to_json(), indent=2) + "\n",
    )


def held_by(target: str, endpoint_url: str | None) -> Held:
    """What `--target` holds: a wheelhouse directory, or a published index (opened here)."""
    destination = parse_destination(target)
    if isinstance(destination, WheelhouseDestination):
        return local_held(destination.path)
    with opened(destination, endpoint_url) as publisher:
        held = published_held(publisher)
    if held.note:
        note(held.note)
    return held
