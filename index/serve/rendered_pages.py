"""Rendered pages, kept while the page they were rendered from is unchanged.

A rescan after an upload rebuilds every ProjectPage, but only the uploaded project's page differs:
its bytes are rendered again, the others are reused.
"""

from __future__ import annotations

import hashlib
import threading
from dataclasses import dataclass
from html import escape

from index.pages.model import ProjectPage, RootPage
from index.pages.render import (
    render_project_html,
    render_project_json,
    render_root_html,
    render_root_json,
)


@dataclass(frozen=True)
class Rendered:
    body: bytes
    etag: str  # a strong validator: the quoted sha256 prefix of body


def rendered(text: str) -> Rendered:
    body = text.encode()
    return Rendered(body=body, etag=f'"{hashlib.sha256(body).hexdigest()[:32]}"')


@dataclass(frozen=True)
class PagePair:
    html: Rendered
    json: Rendered


class RenderedPages:
    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._projects: dict[str, tuple[ProjectPage, PagePair]] = {}
        self._root: tuple[RootPage, PagePair] | None = None
        self._flat: tuple[int, Rendered] | None = None

    def project(self, page: ProjectPage) -> PagePair:
        known = self._projects.get(page.name)
        if known is not None and known[0] == page:
            return known[1]
        pair = PagePair(
            html=rendered(render_project_html(page)), json=rendered(render_project_json(page))
        )
        with self._lock:
            self._projects[page.name] = (page, pair)
        return pair

    def root(self, root: RootPage) -> PagePair:
        known = self._root
        if known is not None and known[0] == root:
            return known[1]
        pair = PagePair(
            html=rendered(render_root_html(root)), json=rendered(render_root_json(root))
        )
        self._root = (root, pair)
        return pair

    def flat(self, key: int, pages: list[ProjectPage]) -> Rendered:
        """All files on one page (`/packages/`, for pip's --find-links); key names the listing."""
        known = self._flat
        if known is not None and known[0] == key:
            return known[1]
        lines = ["<!DOCTYPE html>", "<html>", "  <body>"]
        lines += [
            f'    <a href="{escape(item.filename)}#sha256={item.sha256}">{escape(item.filename)}</a><br>'
            for page in pages
            for item in page.files
        ]
        lines += ["  </body>", "</html>", ""]
        result = rendered("\n".join(lines))
        self._flat = (key, result)
        return result
