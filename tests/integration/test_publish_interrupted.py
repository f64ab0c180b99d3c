"""A publish stopped at any step boundary (after a wheel, after its .metadata, after a page,
after the root), then run again: every link on every page resolves, PEP 658 metadata included.
On a directory and on a real S3 endpoint (moto's server)."""

from __future__ import annotations

import hashlib
import json
import os
import time
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest

from index.dist_files import LocalDist, inspect_wheel
from index.publish.dir_storage import DirStorage
from index.publish.s3_storage import S3Storage
from index.publish.static_tree import publish_static
from index.publish.storage import Storage
from tests.support import make_wheel, moto_s3_server, s3_client


class Stopped(Exception):
    """The process died here."""


class StopsAfter:
    """A storage that dies after `writes` writes, as a killed publish would."""

    def __init__(self, inner: Storage, writes: int) -> None:
        self._inner = inner
        self._left = writes

    def __getattr__(self, name: str) -> Any:
        return getattr(self._inner, name)

    def _count(self) -> None:
        if self._left == 0:
            raise Stopped
        self._left -= 1

    def put(self, key: str, data: bytes, **kwargs: Any) -> None:
        self._count()
        self._inner.put(key, data, **kwargs)

    def put_file(self, key: str, path: Path, **kwargs: Any) -> None:
        self._count()
        self._inner.put_file(key, path, **kwargs)


def dists(tmp_path: Path) -> list[LocalDist]:
    now = datetime(2026, 11, 30, tzinfo=UTC)
    return [
        inspect_wheel(make_wheel(tmp_path / "w", name, version), upload_time=now)
        for name, version in (("alpha", "1.0"), ("alpha", "2.0"), ("beta", "1.0"))
    ]


WRITES = 3 * 2 + 2 * 2 + 2  # a wheel and its .metadata each, two pages a project, the root


@pytest.fixture(params=["dir", "s3"])
def fresh_storage(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Any]:
    """A factory of empty stores of one kind."""
    if request.param == "dir":
        yield lambda n: DirStorage(tmp_path / f"index-{n}")
        return
    with moto_s3_server(tmp_path) as endpoint:
        client = s3_client(endpoint)
        client.create_bucket(Bucket="wheels")
        yield lambda n: S3Storage(client, bucket="wheels", prefix=f"run-{n}", endpoint_url=endpoint)


def every_link_resolves(storage: Storage) -> int:
    """Follow the root to each project's JSON and HTML pages, and each page to its files and
    their .metadata (checking its sha256). Returns the number of files linked."""
    root = storage.get("simple/index.json")
    assert root is not None
    linked = 0
    for project in json.loads(root.data)["projects"]:
        name = project["name"]
        page = storage.get(f"simple/{name}/index.json")
        html = storage.get(f"simple/{name}/index.html")
        assert page is not None and html is not None, name
        for entry in json.loads(page.data)["files"]:
            wheel = storage.get(f"files/{entry['filename']}")
            assert wheel is not None, entry["filename"]
            assert hashlib.sha256(wheel.data).hexdigest() == entry["hashes"]["sha256"]
            metadata = storage.get(f"files/{entry['filename']}.metadata")
            assert metadata is not None, f"{entry['filename']}.metadata"
            assert hashlib.sha256(metadata.data).hexdigest() == entry["core-metadata"]["sha256"]
            assert entry["filename"] in html.data.decode()
            linked += 1
    return linked


def test_a_rerun_completes_a_publish_stopped_anywhere(fresh_storage: Any, tmp_path: Path) -> None:
    wheels = dists(tmp_path)
    for stop_after in range(WRITES):
        storage = fresh_storage(stop_after)
        with pytest.raises(Stopped):
            publish_static(StopsAfter(storage, stop_after), wheels)
        publish_static(storage, wheels)
        assert every_link_resolves(storage) == 3, f"stopped after {stop_after} writes"
    unstopped = fresh_storage("whole")
    publish_static(StopsAfter(unstopped, WRITES), wheels)  # the count of writes is exact
    assert every_link_resolves(unstopped) == 3


def test_partial_files_of_a_killed_publish_are_swept(tmp_path: Path) -> None:
    storage = DirStorage(tmp_path / "index")
    publish_static(storage, dists(tmp_path)[:1])
    stale = tmp_path / "index" / "files" / ".beta-1.0-py3-none-any.whl.x1y2.partial"
    fresh = tmp_path / "index" / "files" / ".gamma-1.0-py3-none-any.whl.a1b2.partial"
    stale.write_bytes(b"half a wheel")
    fresh.write_bytes(b"another publisher, still writing")
    an_hour_ago = time.time() - 3600
    os.utime(stale, (an_hour_ago, an_hour_ago))
    report = publish_static(storage, dists(tmp_path))
    assert not stale.exists()
    assert fresh.exists()
    assert report.uploaded
