"""Glue between the wheelhouse and the index library: which wheels to publish, and the one
place where a destination is opened (with the application's HTTP client and command runner).

Every wheel is checked (name, zip integrity, METADATA, the manifest's sha256) before the first
byte goes out, so a bad file stops the publish instead of leaving half of it behind.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path

from app.exporting import export_pins
from builder.errors import InputError
from builder.host.commands import CommandRunner
from builder.host.http_client import HttpClient
from builder.resolve.build_targets import BuildTarget
from builder.wheelhouse.manifest import load_manifest
from index.dist_files import LocalDist, inspect_wheel
from index.publish.destinations import Destination
from index.publish.export import check_index_url, pages_from_files, render_requirements
from index.publish.publishers import Publisher, open_publisher


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


@contextmanager
def opened(
    destination: Destination,
    *,
    endpoint_url: str | None,
    env: Mapping[str, str],
    commands: CommandRunner,
) -> Iterator[Publisher]:
    """The publisher for a destination, with the HTTP client, which lives as long as it does."""
    with HttpClient() as http:
        yield open_publisher(
            destination, endpoint_url=endpoint_url, env=env, http=http, commands=commands
        )


def export_requirements(
    *,
    source: Publisher | None,
    wheelhouse: Path,
    targets: list[BuildTarget],
    only: list[str],
    index_url: str | None,
) -> str:
    """A hashed requirements file of a consistent set of versions, from a published static index
    or from the wheelhouse."""
    check_index_url(index_url)
    if source is None:
        dists = collect_wheels(wheelhouse)
        pages = pages_from_files(dist.entry for dist in dists)
        known = {dist.entry.filename: dist.metadata for dist in dists}
        pins = export_pins(pages, targets, only=only, metadata=known.get)
    else:
        pages = source.read_index()
        pins = export_pins(pages, targets, only=only, metadata=source.read_metadata)
    return render_requirements(pins, index_url=index_url)
