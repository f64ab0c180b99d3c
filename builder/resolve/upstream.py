"""The upstream index as the resolver sees it: project pages and release requirements, cached."""

from __future__ import annotations

import functools
from collections.abc import Iterable
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

from packaging.requirements import Requirement
from packaging.utils import canonicalize_name
from packaging.version import Version

from builder.errors import UpstreamError
from builder.host.http_client import FILE_LIMIT, HttpClient, Response
from builder.resolve.core_metadata import (
    requirements_from_metadata,
    requirements_from_sdist,
    requirements_from_wheel,
)
from builder.resolve.page_cache import PageCache
from builder.resolve.prepared_metadata import Prepare, prepared_metadata
from builder.resolve.releases import Release, group_releases
from builder.resolve.remote_wheel import metadata_by_ranges
from index.errors import IndexProblem
from index.pages.simple_pages import ACCEPT, digest_problem, parse_project_page

PREFETCH_WORKERS = 16


class Upstream:
    """One or more simple indexes, consulted in order: the first index that knows a project is
    the only one used for it (no merging, so a private name cannot be shadowed by a later index).
    Each project's page is fetched once per run (revalidated against the page cache)."""

    def __init__(
        self,
        *,
        client: HttpClient,
        prepare: Prepare,
        index_urls: list[str],
        cache_dir: Path,
        keep_pages: bool = True,
    ) -> None:
        self._client = client
        self._prepare = prepare
        self._index_urls = [url.rstrip("/") + "/" for url in index_urls]
        self._cache_dir = cache_dir
        self.pages = PageCache(cache_dir, writable=keep_pages)
        self._releases: dict[str, dict[Version, Release]] = {}
        self._requirements: dict[tuple[str, Version], list[Requirement]] = {}

    @property
    def index_urls(self) -> list[str]:
        """The indexes asked, in order (each URL ending in a slash)."""
        return list(self._index_urls)

    def prefetch(self, projects: Iterable[str]) -> None:
        """Fetch the pages of projects the run will ask for, concurrently. A project that
        fails here is left for `releases` to fetch again and report."""
        wanted = dict.fromkeys(canonicalize_name(project) for project in projects)
        todo = [name for name in wanted if name not in self._releases]
        if not todo:
            return
        with ThreadPoolExecutor(max_workers=min(PREFETCH_WORKERS, len(todo))) as pool:
            for name, future in [(name, pool.submit(self.releases, name)) for name in todo]:
                try:
                    future.result()
                except UpstreamError:
                    self._releases.pop(name, None)

    def releases(self, project: str) -> dict[Version, Release]:
        name = canonicalize_name(project)
        if name not in self._releases:
            for index_url in self._index_urls:
                response = self.pages.get(self._client, f"{index_url}{name}/", accept=ACCEPT)
                if response.status != 404:
                    self._releases[name] = self.pages.releases(
                        response, functools.partial(_parse, response, name)
                    )
                    break
            else:
                raise UpstreamError(
                    f"{project}: no such project on {', '.join(self._index_urls)}",
                    hint="check the spelling in the list",
                )
        return self._releases[name]

    def requirements(self, release: Release) -> list[Requirement]:
        """Runtime requirements of a release, from the cheapest authoritative source."""
        key = (release.name, release.version)
        if key not in self._requirements:
            kept = self.pages.requirements(release)
            if kept is None:
                kept = self._fetch_requirements(release)
                self.pages.keep_requirements(release, kept)
            self._requirements[key] = kept
        return self._requirements[key]

    def _fetch_requirements(self, release: Release) -> list[Requirement]:
        # PEP 658: the wheels whose metadata the page offers; else one probe, since many
        # indexes serve <wheel>.metadata without saying so (an index that lacks it for one
        # wheel of a release lacks it for the others). Its hash is checked when the page
        # gives one; a refused probe (403, 5xx) falls back to the wheel itself.
        offered = [wheel for wheel in release.wheels if wheel.has_metadata]
        for wheel in offered or release.wheels[:1]:
            url = wheel.url + ".metadata"
            try:
                response = self._client.get(url, allow_404=True)
            except UpstreamError:
                continue
            if response.status != 404:
                problem = digest_problem(response.body, wheel.metadata_digests)
                if problem is not None:
                    raise UpstreamError(f"{url}: {problem}", hint="the index is inconsistent")
                return requirements_from_metadata(response.body)
        if release.wheels:
            first = release.wheels[0]
            metadata = metadata_by_ranges(functools.partial(self._ranged_get, first.url), first)
            if metadata is not None:
                return requirements_from_metadata(metadata)
            body = self._client.get_verified(first.url, first.digests)
            return requirements_from_wheel(body, first.filename)
        if release.sdist is None:
            return []
        sdist = self.download_sdist(release)
        found = requirements_from_sdist(sdist.read_bytes(), release.sdist.filename)
        if found is not None:
            return found
        # No static metadata: ask the sdist's own build backend (PEP 517), as pip would.
        metadata = prepared_metadata(
            self._prepare,
            sdist,
            identity=release.sdist.identity() or release.sdist.filename,
            cache_dir=self._cache_dir,
        )
        return requirements_from_metadata(metadata)

    def _ranged_get(self, url: str, byte_range: str) -> Response:
        # A server that ignores the range answers with the whole wheel.
        return self._client.send("GET", url, headers={"Range": byte_range}, limit=FILE_LIMIT)

    def download_sdist(self, release: Release) -> Path:
        if release.sdist is None:
            raise UpstreamError(f"{release.name} {release.version}: the index has no sdist")
        dest = self._cache_dir / "sdists" / release.sdist.filename
        return self._client.download(release.sdist.url, dest, digests=release.sdist.digests)


def _parse(page: Response, name: str) -> dict[Version, Release]:
    try:
        files = parse_project_page(
            page.body, content_type=page.content_type, page_url=page.url, project=name
        )
    except IndexProblem as problem:
        raise UpstreamError(problem.message, hint=problem.hint) from None
    return group_releases(name, files)
