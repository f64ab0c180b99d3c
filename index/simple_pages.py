"""Read the files of a project from any PEP 503 (HTML) or PEP 691 (JSON) simple page. Pure.

Used by the builder to read upstream indexes and by publishers to read what a server holds."""

from __future__ import annotations

import json
from dataclasses import dataclass
from html.parser import HTMLParser
from typing import Any
from urllib.parse import urldefrag, urljoin

PEP691_JSON = "application/vnd.pypi.simple.v1+json"
ACCEPT = f"{PEP691_JSON}, application/vnd.pypi.simple.v1+html;q=0.2, text/html;q=0.01"


@dataclass(frozen=True, kw_only=True)
class IndexFile:
    filename: str
    url: str
    sha256: str | None
    requires_python: str | None
    yanked: bool
    has_metadata: bool


def parse_project_page(body: bytes, *, content_type: str, page_url: str) -> list[IndexFile]:
    if content_type.split(";", maxsplit=1)[0].strip() == PEP691_JSON:
        return _parse_json(json.loads(body), page_url)
    return _parse_html(body.decode("utf-8", errors="replace"), page_url)


def _parse_json(data: dict[str, Any], page_url: str) -> list[IndexFile]:
    files: list[IndexFile] = []
    for item in data.get("files", []):
        hashes = item.get("hashes") or {}
        yanked = item.get("yanked", False)
        metadata = item.get("core-metadata", item.get("dist-info-metadata", False))
        files.append(
            IndexFile(
                filename=item["filename"],
                url=urljoin(page_url, item["url"]),
                sha256=hashes.get("sha256"),
                requires_python=item.get("requires-python") or None,
                yanked=bool(yanked),
                has_metadata=bool(metadata),
            )
        )
    return files


class _AnchorParser(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.anchors: list[tuple[dict[str, str | None], str]] = []
        self._current: dict[str, str | None] | None = None
        self._text: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag == "a":
            self._current = dict(attrs)
            self._text = []

    def handle_data(self, data: str) -> None:
        if self._current is not None:
            self._text.append(data)

    def handle_endtag(self, tag: str) -> None:
        if tag == "a" and self._current is not None:
            self.anchors.append((self._current, "".join(self._text).strip()))
            self._current = None


def _parse_html(text: str, page_url: str) -> list[IndexFile]:
    parser = _AnchorParser()
    parser.feed(text)
    files: list[IndexFile] = []
    for attrs, label in parser.anchors:
        href = attrs.get("href")
        if not href:
            continue
        url, fragment = urldefrag(urljoin(page_url, href))
        sha256 = None
        if fragment.startswith("sha256="):
            sha256 = fragment.split("=", 1)[1]
        filename = label or url.rsplit("/", 1)[-1]
        metadata = attrs.get("data-core-metadata", attrs.get("data-dist-info-metadata"))
        files.append(
            IndexFile(
                filename=filename,
                url=url,
                sha256=sha256,
                requires_python=attrs.get("data-requires-python") or None,
                yanked="data-yanked" in attrs,
                has_metadata=metadata is not None and metadata != "false",
            )
        )
    return files
