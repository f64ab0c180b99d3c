"""Keep a static index tree in step with a directory of wheels (the self-hosted deployment).

A web server answers reads from the tree; uploads land in the directory through pypiserver. After
each upload (and whenever the directory's listing changes), the difference between the listing and
what the tree lists is applied through the static publisher: new wheels are published (files,
then their project's pages, then the root if the project is new), removed ones are taken off
their pages and then deleted. Only the touched projects' pages are rewritten.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from dataclasses import dataclass, field

from packaging.utils import NormalizedName

from index.dist_files import LocalDist, inspect_wheel
from index.errors import IndexProblem
from index.pages.model import RootPage, filename_project_version
from index.publish.static_tree import (
    publish_static,
    read_project,
    read_root,
    remove_files,
    update_root,
)
from index.publish.storage import Storage
from index.serve.listing import Snapshot

log = logging.getLogger("wheelhouse.mirror")


@dataclass(kw_only=True)
class MirrorReport:
    published: list[str] = field(default_factory=list)
    removed: list[str] = field(default_factory=list)
    pages: list[str] = field(default_factory=list)


class StaticMirror:
    def __init__(self, storage: Storage, *, progress: Callable[[str], None] = log.info) -> None:
        self.storage = storage
        self._progress = progress
        self._lock = threading.Lock()
        self._listed: dict[str, str] | None = None  # filename -> sha256, as the tree lists them
        self._generation = -1

    def sync(self, snapshot: Snapshot) -> MirrorReport:
        """Make the tree list exactly the snapshot's wheels. Raises IndexProblem."""
        report = MirrorReport()
        with self._lock:
            if snapshot.generation == self._generation:
                return report
            if self._listed is None:
                report.pages += update_root(self.storage, lambda root: root)  # an empty index too
                listed = self._read_tree()
            else:
                listed = self._listed
            wanted = {
                name: item.entry.sha256
                for name, item in snapshot.files.items()
                if name.endswith(".whl")
            }
            new: list[LocalDist] = []
            for name, sha256 in sorted(wanted.items()):
                dist = _inspect(snapshot, name) if listed.get(name) != sha256 else None
                if dist is not None:
                    new.append(dist)
            gone = sorted(name for name in listed if name not in wanted)
            if new:
                result = publish_static(self.storage, new, overwrite=True)
                report.published = result.uploaded
                report.pages += result.pages
                listed.update({dist.entry.filename: dist.entry.sha256 for dist in new})
            if gone:
                report.pages += self._remove(gone, snapshot)
                report.removed = gone
                for name in gone:
                    listed.pop(name, None)
            self._listed = listed
            self._generation = snapshot.generation
        if report.published or report.removed:
            self._progress(
                f"static tree: +{len(report.published)} -{len(report.removed)} files, "
                f"{len(report.pages)} pages written"
            )
        return report

    def _read_tree(self) -> dict[str, str]:
        return {
            item.filename: item.sha256
            for name in read_root(self.storage).projects
            for item in read_project(self.storage, name).files
        }

    def _remove(self, filenames: list[str], snapshot: Snapshot) -> list[str]:
        by_project: dict[NormalizedName, list[str]] = {}
        for filename in filenames:
            by_project.setdefault(filename_project_version(filename)[0], []).append(filename)
        written: list[str] = []
        for name, doomed in sorted(by_project.items()):
            written += remove_files(self.storage, name, doomed)
        emptied = {name for name in by_project if name not in snapshot.projects}
        if emptied:
            written += update_root(
                self.storage,
                lambda root: RootPage(projects=tuple(p for p in root.projects if p not in emptied)),
            )
        return written


def _inspect(snapshot: Snapshot, filename: str) -> LocalDist | None:
    item = snapshot.files[filename]
    try:
        return inspect_wheel(
            item.path, upload_time=item.entry.upload_time, expected_sha256=item.entry.sha256
        )
    except IndexProblem as exc:  # changed or removed since it was listed: the next sync sees it
        log.warning("not mirrored yet: %s", exc.message)
        return None
