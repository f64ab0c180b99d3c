"""Upstream pages kept between runs and revalidated, never trusted stale.

Every page is still asked for on every run, but with the validators the server gave last time
(If-None-Match for an ETag, If-Modified-Since for a Last-Modified): an unchanged page comes back
as a bodiless 304 and is read from disk. A server that gives no validators is simply asked again
(nothing is kept for it). What a page says (its releases) is kept by the page's URL and the
digest of its bytes, since parsing a large page costs more than fetching it. Release
requirements are kept by the digests of the release's files: a file's bytes never change under
its digest, so they are never asked again. The cache only saves work: a write that fails (a full
disk, a read-only directory) is skipped, never an error.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import threading
from collections.abc import Callable
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

from packaging.requirements import InvalidRequirement, Requirement
from packaging.version import InvalidVersion, Version

from builder.host.http_client import HttpClient, Response
from builder.resolve.releases import Release
from builder.wheelhouse.atomic import write_atomically
from index.pages.simple_pages import IndexFile

PARSED_FORMAT = 2  # raise when what group_releases keeps of a page changes (2: upload times)


@dataclass
class PageCounts:
    fetched: int = 0  # full answers (first time, changed, or a server without validators)
    not_modified: int = 0  # 304s answered from disk

    def __str__(self) -> str:
        return f"{self.fetched} fetched, {self.not_modified} unchanged (304)"


class PageCache:
    """`writable=False` (a dry run, which writes nothing): what is kept is read and
    revalidated, nothing new is kept."""

    def __init__(self, directory: Path, *, writable: bool = True) -> None:
        self._pages = directory / "pages"
        self._requirements = directory / "requirements"
        self._parsed = directory / "parsed"
        self._writable = writable
        self.counts = PageCounts()
        self._lock = threading.Lock()

    def get(self, client: HttpClient, url: str, *, accept: str) -> Response:
        """The page at url (a 404 is returned, not raised), revalidated if kept."""
        path = self._pages / _digest(f"{accept}\n{url}")
        kept = _load(path)
        validators = {}
        if kept is not None:
            if kept.etag:
                validators["If-None-Match"] = kept.etag
            if kept.last_modified:
                validators["If-Modified-Since"] = kept.last_modified
        response = client.get(url, accept=accept, allow_404=True, validators=validators or None)
        if response.not_modified and kept is not None:
            with self._lock:
                self.counts.not_modified += 1
            return kept
        with self._lock:
            self.counts.fetched += 1
        if not self._writable:
            return response
        if response.status == 200 and (response.etag or response.last_modified):
            _store(path, response)
        elif kept is not None:
            with contextlib.suppress(OSError):
                path.unlink(missing_ok=True)
        return response

    def releases(
        self, page: Response, parse: Callable[[], dict[Version, Release]]
    ) -> dict[Version, Release]:
        """The releases a page lists: parsed once per distinct page (URL and bytes)."""
        path = self._parsed / _digest(page.url)
        body = hashlib.sha256(page.body).hexdigest()
        kept = _load_releases(path, body)
        if kept is not None:
            return kept
        found = parse()
        if not self._writable:
            return found
        releases = [
            {
                "name": release.name,
                "version": str(release.version),
                "sdist": asdict(release.sdist) if release.sdist else None,
                "wheels": [asdict(wheel) for wheel in release.wheels],
            }
            for release in found.values()
        ]
        record = {"format": PARSED_FORMAT, "body": body, "releases": releases}
        _keep(path, json.dumps(record).encode())
        return found

    def requirements(self, release: Release) -> list[Requirement] | None:
        key = _release_key(release)
        if key is None:
            return None
        try:
            lines = json.loads((self._requirements / key).read_text())
            return [Requirement(line) for line in lines]
        except (OSError, ValueError, TypeError, InvalidRequirement):
            return None

    def keep_requirements(self, release: Release, requirements: list[Requirement]) -> None:
        key = _release_key(release)
        if key is not None and self._writable:
            data = json.dumps([str(requirement) for requirement in requirements])
            _keep(self._requirements / key, data.encode())


def _digest(text: str) -> str:
    return hashlib.sha256(text.encode()).hexdigest()


def _release_key(release: Release) -> str | None:
    """The release's identity by its files' digests; None when any file has no digest."""
    parts = []
    for file in [*([release.sdist] if release.sdist else []), *release.wheels]:
        if not file.digests:
            return None
        parts.append(f"{file.filename} {sorted(file.digests.items())}")
    return _digest("\n".join(sorted(parts))) if parts else None


def _load_releases(path: Path, body: str) -> dict[Version, Release] | None:
    found = {}
    try:
        kept = json.loads(path.read_bytes())
        if kept["format"] != PARSED_FORMAT or kept["body"] != body:
            return None
        for item in kept["releases"]:
            version = Version(item["version"])
            found[version] = Release(
                name=item["name"],
                version=version,
                sdist=_index_file(item["sdist"]) if item["sdist"] else None,
                wheels=tuple(_index_file(wheel) for wheel in item["wheels"]),
            )
    except (OSError, ValueError, KeyError, TypeError, InvalidVersion):
        return None  # absent, damaged or of another page: parsed again
    return found


def _index_file(fields: dict[str, Any]) -> IndexFile:
    return IndexFile(**fields)


def _load(path: Path) -> Response | None:
    try:
        head, _, body = path.read_bytes().partition(b"\n")
        fields = json.loads(head)
        return Response(
            url=str(fields["url"]),
            status=200,
            content_type=str(fields["content_type"]),
            body=body,
            etag=str(fields["etag"]),
            last_modified=str(fields["last_modified"]),
        )
    except (OSError, ValueError, KeyError, TypeError):
        return None  # absent or damaged: fetched again


def _store(path: Path, response: Response) -> None:
    head = {
        "url": response.url,
        "content_type": response.content_type,
        "etag": response.etag,
        "last_modified": response.last_modified,
    }
    _keep(path, json.dumps(head).encode() + b"\n" + response.body)


def _keep(path: Path, data: bytes) -> None:
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        write_atomically(path, data)
    except OSError:
        pass  # the cache only saves work
