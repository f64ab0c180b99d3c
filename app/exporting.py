"""`wheelhouse export`: which versions it pins (the set the resolver settles on over the index's
own pages and PEP 658 metadata, for every configured Python and arch, so that the pins never
contradict each other's requirements: pip's hash-checking mode would refuse them), and the
command's side (reading the wheelhouse or a published index, writing the file). The rendering
of the requirements file is the index library's (`index.publish.export`)."""

from __future__ import annotations

import hashlib
import sys
from collections.abc import Callable, Sequence
from contextlib import ExitStack
from pathlib import Path

from packaging.requirements import Requirement
from packaging.utils import canonicalize_name
from packaging.version import Version

from app.console import say
from app.destinations import opened
from app.publishing import collect_wheels
from builder.errors import InputError, UpstreamError
from builder.inputs.curated_list import ListEntry
from builder.inputs.locations import Location
from builder.resolve.build_targets import BuildTarget
from builder.resolve.closure import resolve_closure
from builder.resolve.core_metadata import requirements_from_metadata
from builder.resolve.releases import Release, group_releases
from index.pages.model import ProjectPage
from index.pages.simple_pages import IndexFile
from index.publish.export import (
    Pin,
    check_index_url,
    pages_from_files,
    pin,
    render_requirements,
    unknown_projects,
)
from index.publish.publishers import Publisher

Metadata = Callable[[str], bytes | None]  # a wheel's filename -> its METADATA, if at hand


class IndexReleases:
    """The releases of an index as the resolver asks for them, for one target: only files that
    install there count (an index holds wheels, and nothing is built from them)."""

    def __init__(
        self, pages: Sequence[ProjectPage], metadata: Metadata, target: BuildTarget
    ) -> None:
        self._pages = {page.name: page for page in pages}
        self._metadata = metadata
        self._target = target
        # What each page says a wheel's METADATA hashes to: a .metadata file is believed only
        # when it matches (the page is what the index vouches for, the file could be swapped).
        self._metadata_sha256 = {
            item.filename: item.metadata_sha256 for page in pages for item in page.files
        }

    def releases(self, project: str) -> dict[Version, Release]:
        page = self._pages.get(canonicalize_name(project))
        if page is None:
            raise UpstreamError(
                f"{project}: not in the index",
                hint="publish it too: hash-checking mode needs every package pinned",
            )
        files = [
            IndexFile(
                filename=item.filename,
                url=item.filename,
                digests={"sha256": item.sha256},
                requires_python=item.requires_python,
                yanked=item.yanked is not None,
            )
            for item in page.files
            if _installs(self._target, item.filename)
        ]
        return group_releases(page.name, files)

    def requirements(self, release: Release) -> list[Requirement]:
        for wheel in release.wheels:
            expected = self._metadata_sha256.get(wheel.filename)
            metadata = self._metadata(wheel.filename) if expected else None
            if metadata is None:
                continue
            if hashlib.sha256(metadata).hexdigest() != expected:
                raise UpstreamError(
                    f"{wheel.filename}.metadata: its sha256 is not the one its project page "
                    "gives; the index is inconsistent or was tampered with",
                    hint="publish the wheel again (`wheelhouse publish`) to rewrite both",
                )
            return requirements_from_metadata(metadata)
        return []


def export_pins(
    pages: Sequence[ProjectPage],
    targets: Sequence[BuildTarget],
    *,
    only: Sequence[str],
    metadata: Metadata,
) -> list[Pin]:
    """One consistent set of pins: the projects asked for (all by default) that install on a
    target, with their dependency closure, resolved for every target. Versions that differ
    between targets are an error asking for --python/--arch."""
    unknown_projects(pages, only)
    chosen = {canonicalize_name(name) for name in only}
    roots = [page for page in pages if not chosen or page.name in chosen]
    versions: dict[str, dict[str, str]] = {}  # project -> target -> version
    for target in targets:
        entries = [
            ListEntry(
                requirement=Requirement(page.name),
                location=Location(path=Path("the index")),
            )
            for page in roots
            if any(item.yanked is None and _installs(target, item.filename) for item in page.files)
        ]
        source = IndexReleases(pages, metadata, target)
        for item in resolve_closure(entries, target, source, follow_deps=True):
            versions.setdefault(item.release.name, {})[str(target)] = str(item.release.version)
    differing = {name: by for name, by in versions.items() if len(set(by.values())) > 1}
    if differing:
        detail = "; ".join(
            f"{name} " + ", ".join(f"{version} for {t}" for t, version in by.items())
            for name, by in sorted(differing.items())
        )
        raise InputError(
            f"the index settles on different versions per target: {detail}",
            hint="export for the image you install into: --python X.Y --arch ARCH",
        )
    by_name: dict[str, ProjectPage] = {page.name: page for page in pages}
    return [pin(by_name[name], next(iter(by.values()))) for name, by in sorted(versions.items())]


def _installs(target: BuildTarget, filename: str) -> bool:
    return filename.endswith(".whl") and target.installs(filename)


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


def run_export(
    source: str | None,
    *,
    wheelhouse: Path,
    targets: list[BuildTarget],
    only: list[str],
    index_url: str | None,
    endpoint_url: str | None,
    output: Path | None,
) -> None:
    """Write the pinned, hashed requirements file (stdout, or `output`)."""
    with ExitStack() as stack:
        publisher = None if source is None else stack.enter_context(opened(source, endpoint_url))
        text = export_requirements(
            source=publisher, wheelhouse=wheelhouse, targets=targets, only=only, index_url=index_url
        )
    if output is None:
        sys.stdout.write(text)
        return
    if output.is_dir():
        raise InputError(f"-o {output}: is a directory", hint="name a file, e.g. -o req.txt")
    if not output.parent.is_dir():
        raise InputError(f"-o {output}: no directory {output.parent}")
    try:
        output.write_text(text, encoding="utf-8")
    except OSError as exc:
        raise InputError(f"-o {output}: cannot write ({exc.strerror})") from None
    say(f"wrote {output}")
