"""Releases of a project on an index, and the pure choices made from them.

Given a project's index files: group them by version, pick the newest version a specifier allows for
a target Python (honouring yanked and requires-python), and find an upstream wheel that an Alpine
image of that target can install (musllinux or pure Python).
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass

from packaging.specifiers import InvalidSpecifier, SpecifierSet
from packaging.utils import (
    InvalidSdistFilename,
    InvalidWheelFilename,
    canonicalize_name,
    parse_sdist_filename,
    parse_wheel_filename,
)
from packaging.version import InvalidVersion, Version

from builder.resolve.build_targets import BuildTarget
from index.pages.simple_pages import IndexFile


@dataclass(frozen=True, kw_only=True)
class Release:
    name: str
    version: Version
    sdist: IndexFile | None
    wheels: tuple[IndexFile, ...]  # see group_releases: what a musl target could use

    @property
    def yanked(self) -> bool:
        files = [*self.wheels, *([self.sdist] if self.sdist else [])]
        return bool(files) and all(f.yanked for f in files)

    def requires_python(self) -> str | None:
        for file in [*([self.sdist] if self.sdist else []), *self.wheels]:
            if file.requires_python:
                return file.requires_python
        return None

    def supports(self, target: BuildTarget) -> bool:
        spec = self.requires_python()
        if not spec:
            return True
        try:
            return SpecifierSet(spec).contains(target.full_version, prereleases=True)
        except InvalidSpecifier:
            return True  # an unparseable requires-python is ignored, as pip does

    def compatible_wheel(self, target: BuildTarget) -> IndexFile | None:
        """The best upstream wheel this target installs, if any (not yanked)."""
        ranking = {tag: index for index, tag in enumerate(target.supported_tags)}
        best: tuple[int, IndexFile] | None = None
        for wheel in self.wheels:
            if wheel.yanked:
                continue
            ranks = [
                ranking[tag] for tag in parse_wheel_filename(wheel.filename)[3] if tag in ranking
            ]
            if ranks and (best is None or min(ranks) < best[0]):
                best = (min(ranks), wheel)
        return best[1] if best else None


def group_releases(project: str, files: Iterable[IndexFile]) -> dict[Version, Release]:
    """Group index files by version; files whose names do not parse are ignored.

    A release keeps the wheels a musl Linux could install (pure, musllinux, plain linux) and,
    when it has none of those, its first wheel, for the metadata inside: a project's page can
    list thousands of wheels for other platforms, and nothing here ever reads them."""
    name = canonicalize_name(project)
    sdists: dict[Version, IndexFile] = {}
    wheels: dict[Version, list[IndexFile]] = {}
    others: dict[Version, IndexFile] = {}
    for file in files:
        try:
            if file.filename.endswith(".whl"):
                wheel_name, version, _, tags = parse_wheel_filename(file.filename)
                if canonicalize_name(wheel_name) != name:
                    continue
                if any(_musl_may_install(tag.platform) for tag in tags):
                    wheels.setdefault(version, []).append(file)
                else:
                    others.setdefault(version, file)
            elif file.filename.endswith((".tar.gz", ".zip")):
                sdist_name, version = parse_sdist_filename(file.filename)
                if canonicalize_name(sdist_name) == name:
                    current = sdists.get(version)
                    # prefer .tar.gz (PEP 625) over legacy .zip
                    if current is None or file.filename.endswith(".tar.gz"):
                        sdists[version] = file
        except (InvalidWheelFilename, InvalidSdistFilename, InvalidVersion):
            continue
    versions = set(sdists) | set(wheels) | set(others)
    return {
        version: Release(
            name=name,
            version=version,
            sdist=sdists.get(version),
            wheels=tuple(wheels.get(version, ()))
            or ((others[version],) if version in others else ()),
        )
        for version in versions
    }


def _musl_may_install(platform: str) -> bool:
    return platform == "any" or platform.startswith(("musllinux_", "linux_"))


def choose_release(
    releases: dict[Version, Release], specifier: SpecifierSet, target: BuildTarget
) -> Release | None:
    """Newest release allowed by the specifier that supports the target.

    Yanked releases are chosen only when the specifier pins them exactly (PEP 592). Pre-releases
    only when the specifier names one, as pip does.
    """
    return next(matching_releases(releases, specifier, target), None)


def matching_releases(
    releases: Mapping[Version, Release],
    specifier: SpecifierSet,
    target: BuildTarget,
    *,
    newest_first: Iterable[Version] | None = None,
) -> Iterator[Release]:
    """Every release `choose_release` could pick, newest first, lazily. `newest_first` (the
    versions of `releases`, sorted) spares a sort when the caller keeps one."""
    pinned = _pinned_versions(specifier)
    order = sorted(releases, reverse=True) if newest_first is None else newest_first
    for version in specifier.filter(order):
        release = releases[version]
        if release.yanked and version not in pinned:
            continue
        if not release.supports(target):
            continue
        yield release


def _pinned_versions(specifier: SpecifierSet) -> set[Version]:
    """The versions an `==` or `===` pins exactly (`===` may name a string that is no version,
    even an empty one: it pins nothing a release could be)."""
    pinned: set[Version] = set()
    for spec in specifier:
        if spec.operator in ("==", "===") and "*" not in spec.version:
            try:
                pinned.add(Version(spec.version))
            except InvalidVersion:
                continue
    return pinned


def explain_no_release(
    project: str, releases: dict[Version, Release], specifier: SpecifierSet, target: BuildTarget
) -> str:
    if not releases:
        return f"{project}: the index lists no files for this project"
    allowed = list(specifier.filter(sorted(releases, reverse=True)))
    if not allowed:
        newest = max(releases)
        return f"{project}{specifier}: no release matches (newest is {newest})"
    return (
        f"{project}{specifier}: matching releases ({', '.join(str(v) for v in allowed[:5])}) are "
        f"yanked or do not support Python {target.full_version}"
    )
