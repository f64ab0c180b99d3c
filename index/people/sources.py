"""Where the pages for people get their data, and where they go: a wheelhouse directory (what
`wheelhouse serve` reads) and a static tree (written beside its simple index on publish)."""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

from index.pages.model import ProjectPage
from index.people.model import Libraries, LogTail, ProjectView, project_views

MANIFEST_NAME = "wheelhouse-manifest.json"  # the builder's name for it, at the index's root
LOG_TAIL_LINES = 40


def read_manifest(data: bytes | None) -> Mapping[str, Any] | None:
    """A manifest's JSON, or None when there is none or it is not one (the pages then show the
    wheels without how they were made)."""
    if data is None:
        return None
    try:
        parsed = json.loads(data)
    except (ValueError, RecursionError):
        return None
    return parsed if isinstance(parsed, dict) else None


def directory_log_tail(directory: Path) -> LogTail:
    """The last lines of a log the manifest names, read only inside `directory`."""
    root = directory.resolve()

    def tail(relative: str) -> str | None:
        path = (root / relative).resolve()
        if not path.is_relative_to(root) or not path.is_file():
            return None
        try:
            lines = path.read_text(encoding="utf-8", errors="replace").splitlines()
        except OSError:
            return None
        return "\n".join(lines[-LOG_TAIL_LINES:])

    return tail


def directory_views(
    directory: Path,
    pages: Sequence[ProjectPage],
    libraries: Libraries,
    *,
    show_logs: bool,
) -> list[ProjectView]:
    """The views of a wheelhouse directory: its pages, its manifest, what its wheels carry
    (`libraries`, read from their SBOMs) and, when asked for, its logs."""
    manifest_path = directory / MANIFEST_NAME
    manifest = read_manifest(manifest_path.read_bytes() if manifest_path.is_file() else None)
    return project_views(
        pages,
        manifest,
        libraries=libraries,
        log_tail=directory_log_tail(directory) if show_logs else None,
    )
