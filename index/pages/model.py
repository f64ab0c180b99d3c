"""The index model: projects and their files, as a PEP 503/691 index presents them. Pure.

A project page's PEP 691 JSON twin is also the record a static target keeps of that project, so
merging, yanking and pruning are functions from one page to the next.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, replace
from datetime import datetime

from packaging.utils import (
    InvalidSdistFilename,
    InvalidWheelFilename,
    NormalizedName,
    canonicalize_name,
    parse_sdist_filename,
    parse_wheel_filename,
)
from packaging.version import InvalidVersion, Version

from index.errors import IndexProblem


def filename_project_version(filename: str) -> tuple[NormalizedName, Version]:
    """The normalized project name and version a distribution's filename declares.

    Raises ValueError (from packaging) when the name is not a valid wheel or sdist filename.
    """
    if filename.endswith(".whl"):
        name, version, _, _ = parse_wheel_filename(filename)
        return name, version
    name, version = parse_sdist_filename(filename)
    return name, version


@dataclass(frozen=True, kw_only=True)
class DistFile:
    """One file of a project, as its index entry describes it."""

    filename: str
    sha256: str
    size: int
    upload_time: datetime
    requires_python: str | None = None
    metadata_sha256: str | None = None  # PEP 658: files/<filename>.metadata exists with this hash
    yanked: str | None = None  # None: not yanked; "" yanked without a reason

    @property
    def project(self) -> NormalizedName:
        return filename_project_version(self.filename)[0]

    @property
    def version(self) -> Version:
        return filename_project_version(self.filename)[1]


def _file_order(item: DistFile) -> tuple[Version, str]:
    return item.version, item.filename


@dataclass(frozen=True, kw_only=True)
class ProjectPage:
    name: NormalizedName
    files: tuple[DistFile, ...] = ()

    def __post_init__(self) -> None:
        object.__setattr__(self, "files", tuple(sorted(self.files, key=_file_order)))

    @property
    def versions(self) -> list[Version]:
        return sorted({item.version for item in self.files})

    def file(self, filename: str) -> DistFile | None:
        for item in self.files:
            if item.filename == filename:
                return item
        return None


@dataclass(frozen=True, kw_only=True)
class RootPage:
    projects: tuple[NormalizedName, ...] = ()

    def __post_init__(self) -> None:
        object.__setattr__(self, "projects", tuple(sorted(set(self.projects))))


def project_name(name: str) -> NormalizedName:
    return canonicalize_name(name)


def with_files(
    page: ProjectPage, files: Iterable[DistFile], *, overwrite: bool = False
) -> ProjectPage:
    """Add files to a page. An entry already there keeps its upload time and yank state when the
    content is the same; a different file under the same name replaces it only with overwrite."""
    entries = {item.filename: item for item in page.files}
    for new in files:
        old = entries.get(new.filename)
        if old is not None and old.sha256 == new.sha256:
            continue
        if old is not None and not overwrite:
            msg = f"{new.filename} is already on the {page.name} page with another sha256"
            raise ValueError(msg)
        entries[new.filename] = new
    return replace(page, files=tuple(entries.values()))


def with_yank(page: ProjectPage, filenames: Iterable[str], reason: str | None) -> ProjectPage:
    """Yank (reason is a string, maybe empty) or un-yank (reason None) the named files."""
    chosen = set(filenames)
    return replace(
        page,
        files=tuple(
            replace(item, yanked=reason) if item.filename in chosen else item for item in page.files
        ),
    )


def without_files(page: ProjectPage, filenames: Iterable[str]) -> ProjectPage:
    gone = set(filenames)
    return replace(page, files=tuple(item for item in page.files if item.filename not in gone))


def files_beyond_newest(page: ProjectPage, keep: int) -> list[DistFile]:
    """The files of every version older than the newest `keep` versions that are not yanked.

    Yanked versions do not count towards `keep`; a yanked version older than the kept ones goes.
    """
    if keep < 1:
        msg = "keep must be at least 1"
        raise ValueError(msg)
    live = sorted(
        {item.version for item in page.files if item.yanked is None},
        reverse=True,
    )
    if not live:
        return []  # nothing installable would be left: prune nothing
    oldest_kept = min(live[:keep])
    return [item for item in page.files if item.version < oldest_kept]


def selected_files(page: ProjectPage, version: str | None, filename: str | None) -> list[DistFile]:
    """Files by exact filename, or all files of a version."""
    if filename is not None:
        found = page.file(filename)
        return [found] if found is not None else []
    if version is not None:
        try:
            wanted = Version(version)
        except InvalidVersion:
            raise IndexProblem(
                f"--version {version!r} is not a version", hint="e.g. --version 1.2.0"
            ) from None
        return [item for item in page.files if item.version == wanted]
    return list(page.files)


Identity = tuple[object, ...]  # compared by value: Version("2.0") == Version("2.0.0")


def distribution_identity(filename: str) -> Identity | None:
    """What makes two distribution file names the same file for an installer (None: neither a
    wheel nor an sdist name)."""
    try:
        if filename.endswith(".whl"):
            name, version, build, tags = parse_wheel_filename(filename)
            return ("wheel", name, version, build, tags)
        name, version = parse_sdist_filename(filename)
    except (InvalidWheelFilename, InvalidSdistFilename, InvalidVersion):
        return None
    return ("sdist", name, version)


def equivalent_names(listed: Iterable[str], added: Iterable[str]) -> list[str]:
    """The added file names that are another name of a file listed or added before them (the
    same distribution to an installer: `Foo_Bar-2.0` and `foo_bar-2.0.0`, same tags)."""
    seen = {distribution_identity(name): name for name in listed}
    clashes = []
    for name in added:
        found = distribution_identity(name)
        other = seen.get(found) if found is not None else None
        if other is not None and other != name:
            clashes.append(f"{name} (already there as {other})")
        elif found is not None:
            seen.setdefault(found, name)
    return clashes
