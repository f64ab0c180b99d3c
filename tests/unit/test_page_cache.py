"""Pages kept between runs: revalidated with the server's validators, never served stale."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import httpx
from packaging.requirements import Requirement
from packaging.version import Version

from builder.host.http_client import HttpClient
from builder.resolve.page_cache import PageCache
from builder.resolve.releases import Release
from tests.unit.fakes import sdist

URL = "http://index.invalid/simple/demo/"
ACCEPT = "text/html"


class Server:
    """A page with a version; answers 304 to a matching If-None-Match / If-Modified-Since."""

    def __init__(self, *, etag: bool = True, last_modified: bool = False) -> None:
        self.version = 1
        self.etag = etag
        self.last_modified = last_modified
        self.seen: list[dict[str, str]] = []

    def __call__(self, request: httpx.Request) -> httpx.Response:
        self.seen.append(dict(request.headers))
        tag = f'"v{self.version}"'
        stamp = f"Mon, 0{self.version} Jan 2024 00:00:00 GMT"
        headers = {"content-type": ACCEPT}
        if self.etag:
            headers["etag"] = tag
            if request.headers.get("if-none-match") == tag:
                return httpx.Response(304, headers=headers)
        if self.last_modified:
            headers["last-modified"] = stamp
            if not self.etag and request.headers.get("if-modified-since") == stamp:
                return httpx.Response(304, headers=headers)
        return httpx.Response(200, headers=headers, content=f"page {self.version}".encode())


def client(server: Server) -> HttpClient:
    return HttpClient(transport=httpx.MockTransport(server), sleep=lambda _: None)


def test_an_unchanged_page_is_revalidated_and_read_from_disk(tmp_path: Path) -> None:
    server = Server()
    with client(server) as http:
        first = PageCache(tmp_path).get(http, URL, accept=ACCEPT)
        again = PageCache(tmp_path)  # a later run: a new process, the same directory
        second = again.get(http, URL, accept=ACCEPT)
    assert first.body == second.body == b"page 1"
    assert "if-none-match" not in server.seen[0]
    assert server.seen[1]["if-none-match"] == '"v1"'
    assert (again.counts.fetched, again.counts.not_modified) == (0, 1)
    assert second.content_type == ACCEPT


def test_a_changed_page_replaces_the_kept_one(tmp_path: Path) -> None:
    server = Server()
    with client(server) as http:
        PageCache(tmp_path).get(http, URL, accept=ACCEPT)
        server.version = 2
        changed = PageCache(tmp_path).get(http, URL, accept=ACCEPT)
        third = PageCache(tmp_path)
        assert third.get(http, URL, accept=ACCEPT).body == b"page 2"
    assert changed.body == b"page 2"
    assert server.seen[2]["if-none-match"] == '"v2"'
    assert third.counts.not_modified == 1


def test_last_modified_is_used_when_there_is_no_etag(tmp_path: Path) -> None:
    server = Server(etag=False, last_modified=True)
    with client(server) as http:
        PageCache(tmp_path).get(http, URL, accept=ACCEPT)
        cache = PageCache(tmp_path)
        assert cache.get(http, URL, accept=ACCEPT).body == b"page 1"
    assert server.seen[1]["if-modified-since"] == "Mon, 01 Jan 2024 00:00:00 GMT"
    assert cache.counts.not_modified == 1


def test_a_server_without_validators_is_asked_again_in_full(tmp_path: Path) -> None:
    server = Server(etag=False)
    with client(server) as http:
        PageCache(tmp_path).get(http, URL, accept=ACCEPT)
        server.version = 2
        cache = PageCache(tmp_path)
        assert cache.get(http, URL, accept=ACCEPT).body == b"page 2"
    assert "if-none-match" not in server.seen[1]
    assert "if-modified-since" not in server.seen[1]
    assert cache.counts.fetched == 1
    assert not (tmp_path / "pages").exists()


def test_a_damaged_kept_page_is_fetched_again(tmp_path: Path) -> None:
    server = Server()
    with client(server) as http:
        PageCache(tmp_path).get(http, URL, accept=ACCEPT)
        (kept,) = (tmp_path / "pages").iterdir()
        kept.write_bytes(b"{not json\npage 1")
        assert PageCache(tmp_path).get(http, URL, accept=ACCEPT).body == b"page 1"
    assert "if-none-match" not in server.seen[1]


def test_the_accept_header_is_part_of_the_key(tmp_path: Path) -> None:
    server = Server()
    with client(server) as http:
        PageCache(tmp_path).get(http, URL, accept=ACCEPT)
        PageCache(tmp_path).get(http, URL, accept="application/vnd.pypi.simple.v1+json")
    assert "if-none-match" not in server.seen[1]


def test_requirements_are_kept_by_the_digests_of_the_release_files(tmp_path: Path) -> None:
    demo = Release(name="demo", version=Version("1.0"), sdist=sdist("demo", "1.0"), wheels=())
    PageCache(tmp_path).keep_requirements(demo, [Requirement('six>=1 ; python_version<"4"')])
    assert [str(r) for r in PageCache(tmp_path).requirements(demo) or []] == [
        'six>=1; python_version < "4"'
    ]
    rebuilt = Release(
        name="demo", version=Version("1.0"), sdist=sdist("demo", "1.0.post0"), wheels=()
    )
    assert PageCache(tmp_path).requirements(rebuilt) is None
    no_digest = replace(demo, sdist=replace(sdist("demo", "1.0"), digests={}))
    PageCache(tmp_path).keep_requirements(no_digest, [])
    assert PageCache(tmp_path).requirements(no_digest) is None


def test_a_dry_run_reads_and_revalidates_but_keeps_nothing(tmp_path: Path) -> None:
    server = Server()
    with client(server) as http:
        dry = PageCache(tmp_path / "empty", writable=False)
        assert dry.get(http, URL, accept=ACCEPT).body == b"page 1"
        assert not (tmp_path / "empty").exists()
        PageCache(tmp_path).get(http, URL, accept=ACCEPT)  # kept by a real run
        server.version = 2
        reader = PageCache(tmp_path, writable=False)
        assert reader.get(http, URL, accept=ACCEPT).body == b"page 2"
        assert PageCache(tmp_path).get(http, URL, accept=ACCEPT).body == b"page 2"
    assert server.seen[3]["if-none-match"] == '"v1"'  # the dry run did not replace it


def test_a_cache_that_cannot_be_written_costs_nothing_but_the_saving(tmp_path: Path) -> None:
    blocked = tmp_path / "file-not-dir"
    blocked.write_text("")  # the cache directory cannot be created under a file
    server = Server()
    demo = Release(name="demo", version=Version("1.0"), sdist=sdist("demo", "1.0"), wheels=())
    with client(server) as http:
        cache = PageCache(blocked / "cache")
        assert cache.get(http, URL, accept=ACCEPT).body == b"page 1"
        assert cache.releases(cache.get(http, URL, accept=ACCEPT), dict) == {}
        cache.keep_requirements(demo, [Requirement("six")])
    assert cache.requirements(demo) is None
