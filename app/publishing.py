"""Glue between the wheelhouse and the index library: which wheels to publish, publishing them
with their manifest entries, and exporting a pinned requirements file.

Every wheel is checked (name, zip integrity, METADATA, the manifest's sha256) before the first
byte goes out, so a bad file stops the publish instead of leaving half of it behind.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from pathlib import Path

from app.console import done, say, write_json
from app.destinations import opened
from app.held import MANIFEST_KEY, record_published
from app.options import settings_from
from builder.errors import InputError
from builder.inputs.settings import Settings
from builder.wheelhouse.manifest import load_manifest
from index.clock import SYSTEM_CLOCK, Clock
from index.dist_files import LocalDist, inspect_wheel, wheel_libraries
from index.people.model import project_views
from index.people.render import PREFIX as PEOPLE_PREFIX
from index.people.render import people_pages
from index.people.sources import directory_log_tail, read_manifest
from index.publish.destinations import parse_published
from index.publish.publishers import Publisher


def collect_wheels(
    wheelhouse: Path, *, manifest: Path | None = None, clock: Clock = SYSTEM_CLOCK
) -> list[LocalDist]:
    """The wheels to publish: those a manifest lists (its sha256s checked), or every *.whl in the
    wheelhouse (the wheelhouse's own manifest, when there is one, vouches for their sha256s)."""
    when = clock.now()
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


def run_publish(
    target: str,
    *,
    wheelhouse: Path,
    manifest: Path | None,
    endpoint_url: str | None,
    overwrite: bool,
    as_json: bool,
    pages: PagesSource | None = None,
) -> None:
    """Check every wheel, publish them, record their manifest entries at the target, then write
    its pages for people."""
    destination = parse_published(target)  # a wrong one is reported before any wheel is read
    dists = collect_wheels(wheelhouse, manifest=manifest)
    say(f"{len(dists)} wheels checked")
    local = (
        load_manifest(manifest.parent, name=manifest.name)
        if manifest is not None
        else load_manifest(wheelhouse)
    )
    with opened(destination, endpoint_url) as publisher:
        report = publisher.publish(dists, overwrite=overwrite, progress=say)
        if record_published(publisher, local, {dist.entry.filename for dist in dists}):
            say(f"recorded their manifest entries in {MANIFEST_KEY}")
        write_people_pages(publisher, pages or PagesSource(wheelhouse))
    if as_json:
        write_json(asdict(report))
    done(
        f"published to {report.target}: {len(report.uploaded)} uploaded, "
        f"{len(report.unchanged)} already there, {len(report.pages)} pages written"
    )


@dataclass(frozen=True)
class PagesSource:
    """What a static target's pages for people are written with besides the target itself:
    a wheelhouse whose wheels' SBOMs stand in where the manifest records no libraries, and
    whose logs give the tails when `publish-logs = "tail"`."""

    wheelhouse: Path
    show_logs: bool = False

    @classmethod
    def of(cls, settings: Settings) -> PagesSource:
        return cls(settings.wheelhouse, show_logs=settings.publish_logs == "tail")

    @classmethod
    def here(cls) -> PagesSource:
        """The settings of the current directory (its config, else the defaults)."""
        return cls.of(settings_from(None))


def write_people_pages(publisher: Publisher, source: PagesSource) -> None:
    """The target's pages for people, from what it holds now (its pages and manifest); says how
    many were written. Nothing for a target with pages of its own (a pypiserver)."""
    if publisher.wheel_files() is not None:  # a pypiserver: no records, its own pages
        return
    views = project_views(
        publisher.read_index(),
        read_manifest(publisher.read_record(MANIFEST_KEY)),
        libraries=lambda filename: wheel_libraries(source.wheelhouse / filename),
        log_tail=directory_log_tail(source.wheelhouse) if source.show_logs else None,
    )
    pages = people_pages(views)
    if publisher.write_pages(pages):
        say(f"wrote {len(pages)} pages for people under /{PEOPLE_PREFIX}/")
