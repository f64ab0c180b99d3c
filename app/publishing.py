"""Glue between the wheelhouse and the index library: which wheels to publish, and where.

Every wheel is checked (name, zip integrity, METADATA, the manifest's sha256) before the first
byte goes out, so a bad file stops the publish instead of leaving half of it behind.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from builder.errors import InputError
from builder.wheelhouse.manifest import load_manifest
from index.destinations import DirTarget, PypiserverTarget, S3Target, parse_target
from index.dir_storage import DirStorage
from index.dist_files import LocalDist, inspect_wheel
from index.errors import IndexProblem
from index.export import pages_from_files, render_requirements
from index.model import ProjectPage
from index.pypiserver_publish import PypiserverClient, prune_pypiserver, publish_pypiserver
from index.s3_storage import S3Storage, connect_s3
from index.static_publish import PublishReport, prune, publish_static, read_index, yank
from index.storage import Storage

Progress = Callable[[str], None]


@dataclass(frozen=True, kw_only=True)
class TargetAccess:
    target: str
    endpoint_url: str | None = None
    env: Mapping[str, str]


def collect_wheels(
    wheelhouse: Path, *, manifest: Path | None = None, now: datetime | None = None
) -> list[LocalDist]:
    """The wheels to publish: those a manifest lists (its sha256s checked), or every *.whl in the
    wheelhouse (the wheelhouse's own manifest, when there is one, vouches for their sha256s)."""
    when = now or datetime.now(UTC)
    if manifest is not None:
        if not manifest.is_file():
            raise InputError(f"{manifest}: no such manifest")
        entries = load_manifest(manifest.parent, name=manifest.name).wheels
        missing = [name for name in entries if not (manifest.parent / name).is_file()]
        if missing:
            raise InputError(
                f"{manifest} lists wheels that are not beside it: {', '.join(sorted(missing))}",
                hint="rebuild them (`wheelhouse build`) or publish the wheelhouse directory",
            )
        paths = [manifest.parent / name for name in sorted(entries)]
    else:
        if not wheelhouse.is_dir():
            raise InputError(
                f"no wheelhouse at {wheelhouse}",
                hint="run `wheelhouse build --list LIST` first, or pass --wheelhouse",
            )
        entries = load_manifest(wheelhouse).wheels  # empty when there is no manifest
        paths = sorted(wheelhouse.glob("*.whl"))
    if not paths:
        raise InputError(f"nothing to publish: no wheels in {manifest or wheelhouse}")
    recorded = {name: entry.sha256 for name, entry in entries.items()}
    return [
        inspect_wheel(path, upload_time=when, expected_sha256=recorded.get(path.name))
        for path in paths
    ]


def open_storage(target: S3Target | DirTarget, *, endpoint_url: str | None) -> Storage:
    if isinstance(target, DirTarget):
        return DirStorage(target.path)
    return S3Storage(
        connect_s3(endpoint_url),
        bucket=target.bucket,
        prefix=target.prefix,
        endpoint_url=endpoint_url,
    )


def publish(
    access: TargetAccess, dists: list[LocalDist], *, overwrite: bool, progress: Progress
) -> PublishReport:
    target = parse_target(access.target)
    if isinstance(target, PypiserverTarget):
        client = PypiserverClient(target.url, env=access.env)
        return publish_pypiserver(client, dists, overwrite=overwrite, progress=progress)
    storage = open_storage(target, endpoint_url=access.endpoint_url)
    return publish_static(storage, dists, overwrite=overwrite, progress=progress)


def export_requirements(
    *,
    source: TargetAccess | None,
    wheelhouse: Path,
    only: list[str],
    index_url: str | None,
) -> str:
    pages: list[ProjectPage]
    if source is None:
        pages = pages_from_files(dist.entry for dist in collect_wheels(wheelhouse))
    else:
        target = parse_target(source.target)
        if isinstance(target, PypiserverTarget):
            raise IndexProblem(
                "export reads static indexes (dir:, s3://) or the wheelhouse",
                hint="export from the wheelhouse you uploaded (drop --from)",
            )
        pages = read_index(open_storage(target, endpoint_url=source.endpoint_url))
    return render_requirements(pages, only=only, index_url=index_url)


def yank_files(
    access: TargetAccess,
    project: str,
    *,
    version: str | None,
    filename: str | None,
    reason: str | None,
) -> list[str]:
    target = parse_target(access.target)
    if isinstance(target, PypiserverTarget):
        raise IndexProblem(
            "pypiserver has no way to mark a file yanked",
            hint="publish to a static index (dir:, s3://) to yank, or `wheelhouse prune` "
            "to remove old versions from pypiserver",
        )
    storage = open_storage(target, endpoint_url=access.endpoint_url)
    return yank(storage, project, version=version, filename=filename, reason=reason)


def prune_target(
    access: TargetAccess, *, keep: int, projects: list[str], dry_run: bool
) -> list[str]:
    if keep < 1:
        raise InputError("--keep must be at least 1")
    target = parse_target(access.target)
    if isinstance(target, PypiserverTarget):
        client = PypiserverClient(target.url, env=access.env)
        return prune_pypiserver(client, projects, keep=keep, dry_run=dry_run)
    storage = open_storage(target, endpoint_url=access.endpoint_url)
    return prune(storage, keep=keep, projects=projects or None, dry_run=dry_run)
