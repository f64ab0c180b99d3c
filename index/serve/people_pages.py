"""The pages for people as `wheelhouse serve` answers them (`/-/`, `/-/<project>.html`): rendered
from a listing's snapshot and the wheelhouse's manifest, again only when either changed (the
snapshot's generation, the manifest's size and mtime; logs, when shown, are read then too)."""

from __future__ import annotations

import threading
from pathlib import Path

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

    def page(self, snapshot: Snapshot, name: str) -> Rendered | None:
        """The page `name` ("index.html", "<project>.html"), or None when there is none."""
        stamp = (snapshot.generation, *self._manifest_stamp())
        with self._lock:
            if stamp != self._stamp:
                views = directory_views(
                    self._directory,
                    list(snapshot.projects.values()),
                    {filename: listed.path for filename, listed in snapshot.files.items()},
                    show_logs=self._show_logs,
                )
                self._pages = {key: rendered(text) for key, text in people_pages(views).items()}
                self._stamp = stamp
            return self._pages.get(name)

    def _manifest_stamp(self) -> tuple[int, int]:
        try:
            status = (self._directory / MANIFEST_NAME).stat()
        except OSError:
            return 0, 0
        return status.st_size, status.st_mtime_ns
