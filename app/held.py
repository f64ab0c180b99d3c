"""What a publish target holds, as a manifest: the scheduled pipeline plans against it.

`wheelhouse publish` to a static index (dir:, s3://) also merges the published wheels' manifest
entries into `wheelhouse-manifest.json` at the index's root (a compare-and-swap, so concurrent
publishers lose nothing); `wheelhouse plan --against` and `build --against` read it back. A
local wheelhouse directory is its own target. pypiserver holds packages only, so it cannot be
planned against: plan against the static tree or the wheelhouse that feeds it.
"""

from __future__ import annotations

import json
import random
import time
from pathlib import Path

from builder.errors import InputError
from builder.wheelhouse.manifest import Manifest, load_manifest, parse_manifest
from index.errors import IndexProblem
from index.publish.publishers import Publisher, StaticPublisher
from index.publish.storage import REVALIDATE, Conflict

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
    storage = publisher.storage
    for attempt in range(ATTEMPTS):
        blob = storage.get(MANIFEST_KEY)
        held = (
            Manifest()
            if blob is None
            else parse_manifest(blob.data, where=f"{storage.description}/{MANIFEST_KEY}")
        )
        for name in sorted(filenames):
            entry = local.wheels.get(name)
            if entry is not None:
                held.add(entry)
        known = {json.dumps(run, sort_keys=True) for run in held.runs}
        for run in local.runs:
            if json.dumps(run, sort_keys=True) not in known:
                held.runs = [*held.runs, run]
        data = (json.dumps(held.to_json(), indent=2) + "\n").encode()
        try:
            storage.put(
                MANIFEST_KEY,
                data,
                content_type="application/json",
                cache_control=REVALIDATE,
                if_match=None if blob is None else blob.etag,
                create_only=blob is None,
            )
        except Conflict:
            time.sleep(random.uniform(0.01, 0.05) * (attempt + 1))  # noqa: S311 (jitter)
            continue
        return True
    raise IndexProblem(
        f"{storage.description}: {MANIFEST_KEY} kept changing under us ({ATTEMPTS} attempts)",
        hint="another publisher is very busy; run the same command again",
    )
