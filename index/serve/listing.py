"""What a directory of distributions holds, kept in memory and rescanned only when it changes.

A request does one `stat` of the directory. Its modification time changes whenever a file in it is
created, removed or renamed into place (how uploads, builds and publishers write), so an unchanged
stamp means an unchanged listing: no directory read, no file opened. When the stamp changes the
directory is listed again, and only files that are new or whose size, mtime or inode changed are
read (sha256, METADATA); the rest keep what was learned about them.

Timestamps are coarse (a few milliseconds on ext4, seconds elsewhere), so two changes inside one
tick can leave the stamp as it was after the first. A listing taken while the directory's mtime was
that recent is re-checked once the tick is surely over ("racy" listings, as git calls them).
Writers in this process call `invalidate()` instead of waiting for that.
"""

from __future__ import annotations

import logging
import os
import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path

from packaging.utils import NormalizedName

from index.clock import SYSTEM_CLOCK
from index.dist_files import file_sha256, filename_problem, inspect_wheel
from index.errors import IndexProblem
from index.pages.model import DistFile, ProjectPage, RootPage, filename_project_version
from index.serve import listing_cache

RACY_NS = 2_000_000_000  # the coarsest directory timestamp granularity we expect (FAT: 2 s)

log = logging.getLogger("wheelhouse.listing")


@dataclass(frozen=True)
class Stamp:
    device: int
    inode: int
    mtime_ns: int


@dataclass(frozen=True, kw_only=True)
class ListedFile:
    path: Path
    entry: DistFile
    project: NormalizedName
    identity: tuple[int, int, int]  # size, mtime_ns, inode: a change means "read it again"


@dataclass(frozen=True, kw_only=True)
class Snapshot:
    """One consistent view of the directory: files by name, grouped into project pages."""

    stamp: Stamp
    generation: int  # counts listings: equal generations, equal contents
    recheck_after_ns: int  # 0: trusted; else list again once the clock passes this
    files: dict[str, ListedFile] = field(default_factory=dict)
    projects: dict[NormalizedName, ProjectPage] = field(default_factory=dict)

    @cached_property
    def root(self) -> RootPage:  # once per listing, not once per request
        return RootPage(projects=tuple(self.projects))


class DirectoryListing:
    """The distributions at the top of `root` (dot-files and other files are ignored)."""

    def __init__(
        self,
        root: Path,
        *,
        cache_file: Path | None = None,
        clock_ns: Callable[[], int] = SYSTEM_CLOCK.time_ns,
    ) -> None:
        self.root = root
        self.cache_file = cache_file
        self._clock_ns = clock_ns
        self._lock = threading.Lock()
        self._snapshot: Snapshot | None = None
        self._dirty = True
        self.scans = 0  # how many times the directory was listed (for logs and tests)
        self.inspections = 0  # how many files were opened and read (for tests)
        # Files that failed inspection, by identity: not read again until they change.
        self._rejected: dict[str, tuple[int, int, int]] = {}

    def invalidate(self) -> None:
        """Something in this process changed the directory: list it again on the next read."""
        self._dirty = True

    def current(self) -> Snapshot:
        snapshot = self._snapshot
        if snapshot is not None and self._still_valid(snapshot):
            return snapshot
        with self._lock:
            snapshot = self._snapshot
            if snapshot is not None and self._still_valid(snapshot):
                return snapshot
            self._dirty = False
            fresh = self._scan(snapshot)
            self._snapshot = fresh
            return fresh

    def _still_valid(self, snapshot: Snapshot) -> bool:
        if self._dirty or self._stamp() != snapshot.stamp:
            return False
        return snapshot.recheck_after_ns == 0 or self._clock_ns() < snapshot.recheck_after_ns

    def _load_cache(self) -> dict[str, ListedFile]:
        if self.cache_file is None:
            return {}
        return {
            name: ListedFile(
                path=self.root / name, entry=entry, project=entry.project, identity=identity
            )
            for name, (identity, entry) in listing_cache.load(self.cache_file).items()
        }

    def _stamp(self) -> Stamp:
        try:
            status = self.root.stat()
        except OSError as exc:
            raise IndexProblem(f"{self.root}: cannot read the directory ({exc.strerror})") from None
        return Stamp(device=status.st_dev, inode=status.st_ino, mtime_ns=status.st_mtime_ns)

    def _scan(self, previous: Snapshot | None) -> Snapshot:
        started = self._clock_ns()
        stamp = self._stamp()
        known = previous.files if previous is not None else self._load_cache()
        files: dict[str, ListedFile] = {}
        with os.scandir(self.root) as entries:
            for item in entries:
                old = known.get(item.name)  # known names were checked to be distributions
                if old is None and (item.name.startswith(".") or not _is_distribution(item.name)):
                    continue
                try:
                    if not item.is_file():
                        continue
                    status = item.stat()
                except OSError:
                    continue  # removed while we listed: the next stamp change catches it
                identity = (status.st_size, status.st_mtime_ns, status.st_ino)
                if old is not None and old.identity == identity:
                    files[item.name] = old
                    continue
                if self._rejected.get(item.name) == identity:
                    continue
                self.inspections += 1
                listed = _describe(Path(item.path), status, identity)
                if listed is None:
                    self._rejected[item.name] = identity
                else:
                    files[item.name] = listed
        added = {item.project for name, item in files.items() if known.get(name) is not item}
        removed = {item.project for name, item in known.items() if name not in files}
        if (added or removed) and self.cache_file is not None:
            listing_cache.save(
                self.cache_file, {name: (item.identity, item.entry) for name, item in files.items()}
            )
        changed = added | removed
        if previous is None:
            changed = {item.project for item in files.values()}
        self.scans += 1
        racy = started - stamp.mtime_ns < RACY_NS
        return Snapshot(
            stamp=stamp,
            generation=self.scans,
            recheck_after_ns=stamp.mtime_ns + RACY_NS if racy else 0,
            files=files,
            projects=_pages(files, previous.projects if previous else {}, changed),
        )


def _is_distribution(filename: str) -> bool:
    if filename_problem(filename) is not None:
        return False
    try:
        filename_project_version(filename)
    except ValueError:
        return False
    return True


def _describe(
    path: Path, status: os.stat_result, identity: tuple[int, int, int]
) -> ListedFile | None:
    uploaded = listing_cache.upload_time(status.st_mtime_ns)
    if path.name.endswith(".whl"):
        try:
            entry = inspect_wheel(path, upload_time=uploaded).entry
        except IndexProblem as exc:
            log.warning("not listed: %s", exc.message)
            return None
        except OSError:
            return None  # removed while we read it
    else:
        try:
            sha256 = file_sha256(path)
        except OSError:
            return None
        entry = DistFile(
            filename=path.name, sha256=sha256, size=status.st_size, upload_time=uploaded
        )
    return ListedFile(path=path, entry=entry, project=entry.project, identity=identity)


def _pages(
    files: dict[str, ListedFile],
    previous: dict[NormalizedName, ProjectPage],
    changed: set[NormalizedName],
) -> dict[NormalizedName, ProjectPage]:
    """Project pages: the previous ones where nothing changed, rebuilt for the changed ones."""
    grouped: dict[NormalizedName, list[DistFile]] = {name: [] for name in changed}
    for listed in files.values():
        if listed.project in grouped:
            grouped[listed.project].append(listed.entry)
    pages = {name: page for name, page in previous.items() if name not in changed}
    pages.update(
        {
            name: ProjectPage(name=name, files=tuple(entries))
            for name, entries in grouped.items()
            if entries
        }
    )
    return dict(sorted(pages.items()))
