"""What a publish target holds, as a manifest: the scheduled pipeline plans against it.

`wheelhouse publish` to a static index (dir:, s3://) also merges the published wheels' manifest
entries into `wheelhouse-manifest.json` at the index's root (a compare-and-swap, so concurrent
publishers lose nothing); `wheelhouse plan --against` and `build --against` read it back. A
local wheelhouse directory is its own target. pypiserver holds packages only, so it cannot be
planned against: plan against the static tree or the wheelhouse that feeds it.
"""

from __future__ import annotations

import json
from pathlib import Path

from builder.errors import InputError
from builder.wheelhouse.manifest import Manifest, load_manifest, parse_manifest
from index.publish.publishers import Publisher, StaticPublisher
from index.publish.static_tree import compare_and_swap

MANIFEST_KEY = "wheelhouse-manifest.json"
ATTEMPTS = 8


def is_local_wheelhouse(against: str) -> bool:
    return "://" not in against and not against.startswith("dir:")


def local_held(against: str) -> Manifest:
    path = Path(against)
    if not path.is_dir():
        raise InputError(
            f"--against {against}: no such wheelhouse directory",
            hint="a wheelhouse directory, dir:PATH or s3://BUCKET/PREFIX of a published index",
        )
    return load_manifest(path)


def published_held(publisher: Publisher, against: str) -> Manifest:
    if not isinstance(publisher, StaticPublisher):
        raise InputError(
            f"--against {against}: a pypiserver holds no manifest to plan against",
            hint="plan against the static index (dir:, s3://) or the wheelhouse that feeds it",
        )
    blob = publisher.storage.get(MANIFEST_KEY)
    if blob is None:
        return Manifest()
    return parse_manifest(blob.data, where=f"{publisher.description}/{MANIFEST_KEY}")


def record_published(publisher: Publisher, local: Manifest, filenames: set[str]) -> bool:
    """Merge the local entries of `filenames` (and the local runs) into the target's manifest.
    False for a pypiserver (nothing to record)."""
    if not isinstance(publisher, StaticPublisher):
        return False
    where = f"{publisher.storage.description}/{MANIFEST_KEY}"

    def merged(held: Manifest) -> Manifest:
        result = Manifest(wheels=dict(held.wheels), runs=list(held.runs))
        for name in sorted(filenames):
            entry = local.wheels.get(name)
            if entry is not None:
                result.add(entry)
        known = {json.dumps(run, sort_keys=True) for run in result.runs}
        result.runs += [run for run in local.runs if json.dumps(run, sort_keys=True) not in known]
        return result

    compare_and_swap(
        publisher.storage,
        MANIFEST_KEY,
        lambda data: Manifest() if data is None else parse_manifest(data, where=where),
        merged,
        lambda manifest: json.dumps(manifest.to_json(), indent=2) + "\n",
        content_type="application/json",
        attempts=ATTEMPTS,
    )
    return True
