"""The full CPython version each runtime image carries (3.11.2, not 3.11), asked once per image
id and kept in the wheelhouse cache: markers and requires-python are evaluated against it."""

from __future__ import annotations

import json
import re
from collections.abc import Sequence
from pathlib import Path

from builder.host.containers import Containers
from builder.plan.jobs import ImageRef
from builder.resolve.build_targets import BuildTarget

_VERSION = re.compile(r"^(3\.\d+\.\d+)\s*$", re.MULTILINE)
CACHE_NAME = "interpreters.json"


def with_full_versions(
    targets: Sequence[BuildTarget],
    images: dict[str, ImageRef],
    containers: Containers | None,
    *,
    cache_dir: Path,
    may_ask: bool = True,
) -> tuple[list[BuildTarget], list[str]]:
    """The targets with `python_full` filled in where the runtime image could be asked, and a
    note for each that could not (then X.Y.0 stands in). Without `may_ask` (a dry run) only
    what the cache already knows is used, and nothing is written."""
    cache_path = cache_dir / CACHE_NAME
    try:
        cache: dict[str, str] = json.loads(cache_path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        cache = {}
    notes: list[str] = []
    result: list[BuildTarget] = []
    for target in targets:
        image = images[target.arch]
        runtime = image.runtime.format(python=target.python, abi=target.abi_dir)
        found = _ask(containers, image, runtime, target, cache, may_run=may_ask)
        if found is None:
            notes.append(
                f"{target}: the Python version of {runtime} could not be read; markers and "
                f"requires-python are evaluated for {target.python}.0"
            )
            result.append(target)
            continue
        result.append(
            BuildTarget(
                python=target.python,
                arch=target.arch,
                musllinux=target.musllinux,
                python_full=found,
            )
        )
    if containers is not None and may_ask:
        cache_dir.mkdir(parents=True, exist_ok=True)
        cache_path.write_text(json.dumps(cache, indent=1, sort_keys=True), encoding="utf-8")
    return result, notes


def _ask(
    containers: Containers | None,
    image: ImageRef,
    runtime: str,
    target: BuildTarget,
    cache: dict[str, str],
    *,
    may_run: bool,
) -> str | None:
    """The cached answer for this image id, else (when allowed) the image's own answer."""
    image_id = None if containers is None else containers.image_id(runtime)
    if containers is None or image_id is None:
        return None
    key = f"{image_id} {target.python}"
    if key not in cache:
        if not may_run:
            return None
        answer = containers.run(
            runtime,
            [
                image.runtime_interpreter(target),
                "-c",
                "import platform; print(platform.python_version())",
            ],
            arch=target.arch,
            timeout=300,
        )
        match = _VERSION.search(answer.output)
        if answer.returncode != 0 or match is None:
            return None
        cache[key] = match.group(1)
    return cache[key]
