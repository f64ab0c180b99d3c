"""Rendered pages, kept while the page they were rendered from is unchanged, and wheels'
METADATA files (PEP 658), kept by their sha256.

A rescan after an upload rebuilds every ProjectPage, but only the uploaded project's page differs:
its bytes are rendered again, the others are reused. A `.metadata` request is answered from
memory after the first: the wheel's zip is not opened again for every resolver that asks.
"""

from __future__ import annotations

import hashlib
import threading
from collections import OrderedDict
from collections.abc import Callable
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


METADATA_KEPT = 4096  # METADATA files kept at most (each is bounded: 8 MB, usually a few KB)
METADATA_BYTES = 64 << 20  # and their bytes together


class RenderedPages:
    def __init__(self) -> None:
        self._metadata: OrderedDict[str, bytes] = OrderedDict()  # by sha256, least recent first
        self._metadata_bytes = 0
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

    def metadata(self, sha256: str, read: Callable[[], bytes]) -> Rendered:
        """A wheel's METADATA with this sha256: kept from an earlier request, else `read`."""
        with self._lock:
            body = self._metadata.get(sha256)
            if body is not None:
                self._metadata.move_to_end(sha256)
        if body is None:
            body = read()
            with self._lock:
                if sha256 not in self._metadata:
                    self._metadata[sha256] = body
                    self._metadata_bytes += len(body)
                while len(self._metadata) > METADATA_KEPT or self._metadata_bytes > METADATA_BYTES:
                    _, dropped = self._metadata.popitem(last=False)
                    self._metadata_bytes -= len(dropped)
        return Rendered(body=body, etag=f'"{sha256}"')

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
