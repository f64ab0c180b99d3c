"""One interface to every published index: a static tree over a `Storage` (dir:, s3://) or a
pypiserver over twine. `open_publisher` is the one place that chooses the backend."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Protocol, TypeVar

from index.dist_files import LocalDist
from index.errors import IndexProblem
from index.pages.model import ProjectPage
from index.pages.render import HTML
from index.people.render import PREFIX as PEOPLE_PREFIX
from index.publish.destinations import (
    Destination,
    DirDestination,
    PypiserverDestination,
    WheelhouseDestination,
    not_an_index,
)
from index.publish.dir_storage import DirStorage
from index.publish.pypiserver import (
    Commands,
    HttpSender,
    PypiserverClient,
    prune_pypiserver,
    publish_pypiserver,
)
from index.publish.s3_storage import S3Storage, connect_s3, connect_sts
from index.publish.static_tree import (
    Progress,
    PublishReport,
    compare_and_swap,
    file_key,
    prune,
    publish_static,
    read_index,
    yank,
)
from index.publish.storage import REVALIDATE, Storage

Record = TypeVar("Record")
RECORD_ATTEMPTS = 8


class Publisher(Protocol):
    @property
    def description(self) -> str: ...

    def publish(
        self, dists: list[LocalDist], *, overwrite: bool, progress: Progress
    ) -> PublishReport: ...

    def prune(self, *, keep: int, projects: list[str], dry_run: bool) -> list[str]: ...

    def yank(
        self, project: str, *, version: str | None, filename: str | None, reason: str | None
    ) -> list[str]: ...

    def read_index(self) -> list[ProjectPage]: ...

    def read_metadata(self, filename: str) -> bytes | None:
        """A published wheel's PEP 658 metadata, if the index holds it."""
        ...

    def wheel_files(self) -> tuple[str, ...] | None:
        """A target that keeps no records of its own (a pypiserver): its wheel files that are
        not yanked. None for one that keeps records (read them with `read_record`)."""
        ...

    def read_record(self, key: str) -> bytes | None:
        """A record kept at the index's root (e.g. wheelhouse-manifest.json); None when there
        is none, or the target keeps none."""
        ...

    def update_record(
        self,
        key: str,
        parse: Callable[[bytes | None], Record],
        change: Callable[[Record], Record],
        render: Callable[[Record], str],
    ) -> bool:
        """Replace the record at key with `change` of what is there, only if nobody wrote it in
        between (retried); False when the target keeps no records."""
        ...

    def write_pages(self, pages: Mapping[str, str]) -> bool:
        """The pages for people (name -> HTML) under /-/; False when the target has its own
        (a pypiserver)."""
        ...


class StaticPublisher:
    """A PEP 503/691 tree written through a storage with conditional writes."""

    def __init__(self, storage: Storage) -> None:
        self.storage = storage

    @property
    def description(self) -> str:
        return self.storage.description

    def publish(
        self, dists: list[LocalDist], *, overwrite: bool, progress: Progress
    ) -> PublishReport:
        return publish_static(self.storage, dists, overwrite=overwrite, progress=progress)

    def prune(self, *, keep: int, projects: list[str], dry_run: bool) -> list[str]:
        return prune(self.storage, keep=keep, projects=projects or None, dry_run=dry_run)

    def yank(
        self, project: str, *, version: str | None, filename: str | None, reason: str | None
    ) -> list[str]:
        return yank(self.storage, project, version=version, filename=filename, reason=reason)

    def read_index(self) -> list[ProjectPage]:
        return read_index(self.storage)

    def read_metadata(self, filename: str) -> bytes | None:
        blob = self.storage.get(file_key(filename) + ".metadata")
        return None if blob is None else blob.data

    def wheel_files(self) -> tuple[str, ...] | None:
        return None

    def read_record(self, key: str) -> bytes | None:
        blob = self.storage.get(key)
        return None if blob is None else blob.data

    def update_record(
        self,
        key: str,
        parse: Callable[[bytes | None], Record],
        change: Callable[[Record], Record],
        render: Callable[[Record], str],
    ) -> bool:
        compare_and_swap(
            self.storage,
            key,
            parse,
            change,
            render,
            content_type="application/json",
            attempts=RECORD_ATTEMPTS,
        )
        return True

    def write_pages(self, pages: Mapping[str, str]) -> bool:
        for name, text in sorted(pages.items()):
            self.storage.put(
                f"{PEOPLE_PREFIX}/{name}",
                text.encode(),
                content_type=HTML,
                cache_control=REVALIDATE,
            )
        return True


class PypiserverPublisher:
    """A pypiserver: uploads with twine, pages read over HTTP. It cannot yank, and its root is
    not read back, so `read_index` (export) is refused with what to do instead."""

    def __init__(self, client: PypiserverClient) -> None:
        self.client = client

    @property
    def description(self) -> str:
        return self.client.url

    def publish(
        self, dists: list[LocalDist], *, overwrite: bool, progress: Progress
    ) -> PublishReport:
        return publish_pypiserver(self.client, dists, overwrite=overwrite, progress=progress)

    def prune(self, *, keep: int, projects: list[str], dry_run: bool) -> list[str]:
        return prune_pypiserver(self.client, projects, keep=keep, dry_run=dry_run)

    def yank(
        self,
        project: str,  # noqa: ARG002  (the Publisher interface; pypiserver cannot yank)
        *,
        version: str | None,  # noqa: ARG002
        filename: str | None,  # noqa: ARG002
        reason: str | None,  # noqa: ARG002
    ) -> list[str]:
        raise IndexProblem(
            "pypiserver has no way to mark a file yanked",
            hint="publish to a static index (dir:, s3://) to yank, or `wheelhouse prune` "
            "to remove old versions from pypiserver",
        )

    def read_index(self) -> list[ProjectPage]:
        raise IndexProblem(
            "export reads static indexes (dir:, s3://) or the wheelhouse",
            hint="export from the wheelhouse you uploaded (drop --target)",
        )

    def read_metadata(self, filename: str) -> bytes | None:  # noqa: ARG002
        return None  # export refuses pypiserver before it asks (read_index)

    def wheel_files(self) -> tuple[str, ...] | None:
        return tuple(
            file.filename
            for project in self.client.projects()
            for file in self.client.files(project)
            if file.filename.endswith(".whl") and not file.yanked
        )

    def read_record(self, key: str) -> bytes | None:  # noqa: ARG002
        return None  # a pypiserver keeps packages only

    def update_record(
        self,
        key: str,  # noqa: ARG002  (the Publisher interface; a pypiserver keeps no records)
        parse: Callable[[bytes | None], Record],  # noqa: ARG002
        change: Callable[[Record], Record],  # noqa: ARG002
        render: Callable[[Record], str],  # noqa: ARG002
    ) -> bool:
        return False

    def write_pages(self, pages: Mapping[str, str]) -> bool:  # noqa: ARG002  (see Publisher)
        return False


def open_publisher(
    destination: Destination,
    *,
    endpoint_url: str | None,
    env: Mapping[str, str],
    http: HttpSender,
    commands: Commands,
    pypirc: Path | None = None,
) -> Publisher:
    """The publisher for a parsed destination. `http` and `commands` are the application's doors
    (used by pypiserver), `pypirc` the user's ~/.pypirc (read for a section with this URL);
    S3 credentials come from boto3's standard chain."""
    if isinstance(destination, PypiserverDestination):
        client = PypiserverClient(
            destination.url, env=env, http=http, commands=commands, pypirc=pypirc
        )
        return PypiserverPublisher(client)
    if isinstance(destination, DirDestination):
        return StaticPublisher(DirStorage(destination.path))
    if isinstance(destination, WheelhouseDestination):
        raise not_an_index(destination)
    s3 = connect_s3(endpoint_url)
    return StaticPublisher(
        S3Storage(
            s3,
            bucket=destination.bucket,
            prefix=destination.prefix,
            endpoint_url=endpoint_url,
            sts=connect_sts(endpoint_url, s3),
        )
    )
