"""The pages for people as `wheelhouse serve` answers them (`/-/`, `/-/<project>.html`): rendered
from a listing's snapshot and the wheelhouse's manifest, again only when either changed (the
snapshot's generation, the manifest's size and mtime; logs, when shown, are read then too). What
each wheel carries is read from its SBOM once, and again only when the file changes."""

from __future__ import annotations

import threading
from pathlib import Path

from index.dist_files import wheel_libraries
from index.people.render import people_pages
from index.people.sources import MANIFEST_NAME, directory_views
from index.serve.listing import Snapshot
from index.serve.rendered_pages import Rendered, rendered


class PeoplePages:
    def __init__(self, directory: Path, *, show_logs: bool = False) -> None:
        self._directory = directory
        self._show_logs = show_logs
        self._lock = threading.Lock()
        self._stamp: tuple[int, int, int] | None = None
        self._pages: dict[str, Rendered] = {}
        # filename -> (the file's identity when read, the libraries its SBOMs name)
        self._libraries: dict[str, tuple[tuple[int, int, int], list[tuple[str, str]]]] = {}

    def page(self, snapshot: Snapshot, name: str) -> Rendered | None:
        """The page `name` ("index.html", "<project>.html"), or None when there is none."""
        stamp = (snapshot.generation, *self._manifest_stamp())
        with self._lock:
            if stamp != self._stamp:
                self._libraries = {
                    name: known for name, known in self._libraries.items() if name in snapshot.files
                }
                views = directory_views(
                    self._directory,
                    list(snapshot.projects.values()),
                    lambda filename: self._carried(snapshot, filename),
                    show_logs=self._show_logs,
                )
                self._pages = {key: rendered(text) for key, text in people_pages(views).items()}
                self._stamp = stamp
            return self._pages.get(name)

    def _carried(self, snapshot: Snapshot, filename: str) -> list[tuple[str, str]]:
        listed = snapshot.files.get(filename)
        if listed is None:
            return []
        known = self._libraries.get(filename)
        if known is None or known[0] != listed.identity:
            known = (listed.identity, wheel_libraries(listed.path))
            self._libraries[filename] = known
        return known[1]

    def _manifest_stamp(self) -> tuple[int, int]:
        try:
            status = (self._directory / MANIFEST_NAME).stat()
        except OSError:
            return 0, 0
        return status.st_size, status.st_mtime_ns
