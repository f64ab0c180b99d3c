"""Publish to a static index (a directory or S3) through the Storage seam.

Order: files first, then project pages, then the root, so a reader never sees a link to a file that
is not there yet; removal runs the other way round (pages, then files). A project's PEP 691 JSON
page is its record: it is changed by compare-and-swap (read, change, write only if unchanged), and
the HTML twin is then rendered from whatever JSON is current, so two publishers at once both land.
"""

from __future__ import annotations

import random
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from functools import partial
from typing import TypeVar

from packaging.utils import NormalizedName

from index.clock import SYSTEM_CLOCK
from index.dist_files import LocalDist, sha256_of
from index.errors import IndexProblem, PublishConflict
from index.pages.model import (
    DistFile,
    ProjectPage,
    RootPage,
    equivalent_names,
    files_beyond_newest,
    project_name,
    selected_files,
    with_files,
    with_yank,
    without_files,
)
from index.pages.render import (
    HTML,
    MalformedPage,
    parse_project_json,
    parse_root_json,
    render_project_html,
    render_project_json,
    render_root_html,
    render_root_json,
)
from index.pages.simple_pages import PEP691_JSON
from index.publish.storage import IMMUTABLE, REVALIDATE, Conflict, Storage

MAX_ATTEMPTS = 50
ROOT_JSON = "simple/index.json"
ROOT_HTML = "simple/index.html"

Progress = Callable[[str], None]  # a line saying what is under way
Page = TypeVar("Page", ProjectPage, RootPage)
Record = TypeVar("Record")


def file_key(filename: str) -> str:
    return f"files/{filename}"


def project_keys(name: str) -> tuple[str, str]:
    return f"simple/{name}/index.json", f"simple/{name}/index.html"


@dataclass(kw_only=True)
class PublishReport:
    target: str
    uploaded: list[str] = field(default_factory=list)
    unchanged: list[str] = field(default_factory=list)
    pages: list[str] = field(default_factory=list)  # keys written


def publish_static(
    storage: Storage,
    dists: list[LocalDist],
    *,
    overwrite: bool = False,
    progress: Progress = lambda _line: None,
) -> PublishReport:
    """Upload the wheels with their .metadata, then update their project pages and the root.

    Raises IndexProblem before anything is written when a file of the same name but different
    content is already published (unless overwrite).
    """
    report = PublishReport(target=storage.description)
    dists = _unique(dists)
    by_project: dict[NormalizedName, list[DistFile]] = {}
    for dist in dists:
        by_project.setdefault(dist.entry.project, []).append(dist.entry)

    progress(f"checking {len(dists)} files against {storage.description}")
    already = {
        dist.entry.filename: storage.file_sha256(file_key(dist.entry.filename)) for dist in dists
    }
    conflicts = [
        dist.entry.filename
        for dist in dists
        if already[dist.entry.filename] not in (None, dist.entry.sha256)
    ]
    pages = {name: read_project(storage, name) for name in by_project}
    for name, entries in by_project.items():
        conflicts += [
            entry.filename
            for entry in entries
            if (listed := pages[name].file(entry.filename)) is not None
            and listed.sha256 != entry.sha256
        ]
    equivalent = [
        clash
        for name, entries in by_project.items()
        for clash in equivalent_names(
            [item.filename for item in pages[name].files], [entry.filename for entry in entries]
        )
    ]
    if equivalent:  # never, even with --overwrite: it would list one release twice
        raise PublishConflict(
            f"{storage.description}: {', '.join(equivalent)}: another name of the same file; "
            "nothing was published",
            hint="one release holds one file per name as installers compare names; "
            "remove one of them from the wheelhouse",
        )
    if conflicts and not overwrite:
        names = ", ".join(sorted(set(conflicts)))
        raise PublishConflict(
            f"{storage.description} already has a different file named {names}; nothing was "
            "published",
            hint="a published file is never replaced silently: bump the version or build number, "
            "or pass --overwrite if you really mean to replace it",
        )

    swept = storage.sweep_partials()
    if swept:
        progress(f"removed {len(swept)} partial files left by an interrupted publish")
    for dist in dists:
        filename = dist.entry.filename
        if already[filename] == dist.entry.sha256:
            report.unchanged.append(filename)
            # A publish stopped between the wheel and its .metadata left the page's promise
            # (data-core-metadata) unkept: this run keeps it.
            if storage.file_sha256(file_key(filename) + ".metadata") != dist.entry.metadata_sha256:
                _put_metadata(storage, dist)
                progress(f"completed {file_key(filename)}.metadata")
            continue
        _upload(storage, dist, replace=already[filename] is not None)
        report.uploaded.append(filename)
        progress(f"uploaded {file_key(filename)}")

    progress(f"updating {len(by_project)} project pages")
    for name, entries in sorted(by_project.items()):
        report.pages += update_project(
            storage, name, partial(_add_files, entries, overwrite=overwrite)
        )
    progress("updating the root page")
    report.pages += update_root(
        storage, lambda root: RootPage(projects=(*root.projects, *by_project))
    )
    return report


def yank(
    storage: Storage,
    project: str,
    *,
    version: str | None,
    filename: str | None,
    reason: str | None,
) -> list[str]:
    """Yank (reason a string) or un-yank (reason None) files; returns the filenames changed."""
    name = project_name(project)
    page = read_project(storage, name)
    chosen = [item.filename for item in selected_files(page, version, filename)]
    if not chosen:
        raise _nothing_matches(storage, name, version, filename)
    update_project(storage, name, lambda current: with_yank(current, chosen, reason))
    return chosen


def prune(
    storage: Storage, *, keep: int, projects: Iterable[str] | None = None, dry_run: bool = False
) -> list[str]:
    """Remove every version older than the newest `keep` non-yanked ones: pages first, then files."""
    root = _load_root(storage)
    if root is None:
        raise IndexProblem(
            f"no index at {storage.description} (no {ROOT_JSON}): nothing to prune",
            hint="check the target; `wheelhouse publish --target ...` creates an index",
        )
    names = [project_name(p) for p in projects] if projects else list(root.projects)
    unknown = [name for name in names if name not in root.projects]
    if unknown:
        raise IndexProblem(
            f"{storage.description} has no project {', '.join(unknown)}",
            hint=f"see what it holds: `wheelhouse export --target {storage.description}`",
        )
    removed: list[str] = []
    for name in names:
        doomed = [item.filename for item in files_beyond_newest(read_project(storage, name), keep)]
        if not doomed or dry_run:
            removed += doomed
            continue
        remove_files(storage, name, doomed)
        removed += doomed
    return removed


def remove_files(storage: Storage, name: str, filenames: list[str]) -> list[str]:
    """Take files off their project's page, then delete them (and their .metadata); returns the
    page keys written."""
    written = update_project(storage, name, partial(_remove_files, filenames))
    for filename in filenames:
        storage.delete(file_key(filename) + ".metadata")
        storage.delete(file_key(filename))
    return written


def read_index(storage: Storage) -> list[ProjectPage]:
    root = _load_root(storage)
    if root is None:
        raise IndexProblem(
            f"no index at {storage.description} (no {ROOT_JSON})",
            hint="publish to it first: `wheelhouse publish --target ...`",
        )
    return [read_project(storage, name) for name in root.projects]


def read_root(storage: Storage) -> RootPage:
    root = _load_root(storage)
    return RootPage() if root is None else root


def _load_root(storage: Storage) -> RootPage | None:
    blob = storage.get(ROOT_JSON)
    if blob is None:
        return None
    try:
        return parse_root_json(blob.data)
    except MalformedPage as exc:
        raise _malformed(storage, ROOT_JSON, exc) from None


def update_project(
    storage: Storage, name: str, change: Callable[[ProjectPage], ProjectPage]
) -> list[str]:
    json_key, html_key = project_keys(name)
    empty = ProjectPage(name=project_name(name))
    written = compare_and_swap(
        storage,
        json_key,
        lambda data: parse_project_json(data) if data is not None else empty,
        change,
        render_project_json,
    )
    return written + _sync_html(
        storage, json_key, html_key, lambda data: render_project_html(parse_project_json(data))
    )


def update_root(storage: Storage, change: Callable[[RootPage], RootPage]) -> list[str]:
    written = compare_and_swap(
        storage,
        ROOT_JSON,
        lambda data: parse_root_json(data) if data is not None else RootPage(),
        change,
        render_root_json,
    )
    return written + _sync_html(
        storage, ROOT_JSON, ROOT_HTML, lambda data: render_root_html(parse_root_json(data))
    )


def compare_and_swap(
    storage: Storage,
    key: str,
    parse: Callable[[bytes | None], Record],
    change: Callable[[Record], Record],
    render: Callable[[Record], str],
    *,
    content_type: str = PEP691_JSON,
    attempts: int = MAX_ATTEMPTS,
) -> list[str]:
    """Replace the JSON record at key with `change` of what is there, only if nobody wrote it
    in between (retried with jitter); returns [key] when written, [] when nothing changed.
    `change` must return a new value, not modify its argument."""
    for attempt in range(attempts):
        blob = storage.get(key)
        try:
            current = parse(None if blob is None else blob.data)
        except MalformedPage as exc:
            raise _malformed(storage, key, exc) from None
        new = change(current)
        if blob is not None and new == current:
            return []
        try:
            storage.put(
                key,
                render(new).encode(),
                content_type=content_type,
                cache_control=REVALIDATE,
                if_match=None if blob is None else blob.etag,
                create_only=blob is None,
            )
        except Conflict:
            SYSTEM_CLOCK.sleep(random.uniform(0.01, 0.05) * (attempt + 1))  # noqa: S311 (jitter)
            continue
        return [key]
    raise IndexProblem(
        f"{storage.description}: {key} kept changing under us ({attempts} attempts)",
        hint="another publisher is very busy; run the same command again",
    )


def _sync_html(
    storage: Storage, json_key: str, html_key: str, render: Callable[[bytes], str]
) -> list[str]:
    """Make the HTML twin match the JSON record. After writing, re-read the JSON: when another
    publisher changed it meanwhile, render again, so the last HTML written is from the last JSON."""
    written: list[str] = []
    for _ in range(MAX_ATTEMPTS):
        record = storage.get(json_key)
        if record is None:
            return written
        try:
            html = render(record.data).encode()
        except MalformedPage as exc:
            raise _malformed(storage, json_key, exc) from None
        current = storage.get(html_key)
        if current is None or current.data != html:
            storage.put(
                html_key, html, content_type=HTML, cache_control=REVALIDATE, sha256=sha256_of(html)
            )
            written.append(html_key)
        latest = storage.get(json_key)
        if latest is not None and latest.etag == record.etag:
            return sorted(set(written))
    raise IndexProblem(f"{storage.description}: {json_key} kept changing under us")


def _add_files(entries: list[DistFile], page: ProjectPage, *, overwrite: bool) -> ProjectPage:
    try:
        return with_files(page, entries, overwrite=overwrite)
    except ValueError as exc:  # another publisher listed a different file under this name
        raise PublishConflict(
            f"{exc}; files are uploaded but the page was left as it is",
            hint="check who else publishes here; --overwrite replaces the entry",
        ) from None


def _remove_files(filenames: list[str], page: ProjectPage) -> ProjectPage:
    return without_files(page, filenames)


def read_project(storage: Storage, name: str) -> ProjectPage:
    json_key, _ = project_keys(name)
    blob = storage.get(json_key)
    if blob is None:
        return ProjectPage(name=project_name(name))
    try:
        return parse_project_json(blob.data)
    except MalformedPage as exc:
        raise _malformed(storage, json_key, exc) from None


def _upload(storage: Storage, dist: LocalDist, *, replace: bool) -> None:
    filename = dist.entry.filename
    try:
        storage.put_file(
            file_key(filename),
            dist.path,
            content_type="application/octet-stream",
            cache_control=IMMUTABLE,
            create_only=not replace,
            sha256=dist.entry.sha256,
        )
    except Conflict:
        if storage.file_sha256(file_key(filename)) != dist.entry.sha256:
            raise PublishConflict(
                f"another publisher put a different {filename} on {storage.description} just now",
                hint="nothing of yours links to it; check who publishes there",
            ) from None
    _put_metadata(storage, dist)


def _put_metadata(storage: Storage, dist: LocalDist) -> None:
    storage.put(
        file_key(dist.entry.filename) + ".metadata",
        dist.metadata,
        content_type="text/plain; charset=utf-8",
        cache_control=IMMUTABLE,
        sha256=dist.entry.metadata_sha256,
    )


def _unique(dists: list[LocalDist]) -> list[LocalDist]:
    seen: dict[str, LocalDist] = {}
    for dist in dists:
        other = seen.get(dist.entry.filename)
        if other is not None and other.entry.sha256 != dist.entry.sha256:
            raise IndexProblem(
                f"two different files named {dist.entry.filename}: {other.path} and {dist.path}",
                hint="publish one of them",
            )
        seen[dist.entry.filename] = dist
    return list(seen.values())


def _nothing_matches(
    storage: Storage, name: str, version: str | None, filename: str | None
) -> IndexProblem:
    what = filename or (f"{name} {version}" if version else name)
    return IndexProblem(
        f"{storage.description} has no {what}",
        hint=f"see what it holds: `wheelhouse export --target {storage.description}`",
    )


def _malformed(storage: Storage, key: str, exc: Exception) -> IndexProblem:
    return IndexProblem(
        f"{storage.description}: {key} is not a page wheelhouse wrote ({exc})",
        hint="publish into an empty prefix or directory, or remove the stray page",
    )
