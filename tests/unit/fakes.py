"""A dictionary standing in for an index, for tests of pure resolution logic."""

from __future__ import annotations

from packaging.requirements import Requirement
from packaging.utils import canonicalize_name
from packaging.version import Version

from builder.plan.jobs import ImageRef
from builder.resolve.releases import Release, group_releases
from index.pages.simple_pages import IndexFile

IMAGE = ImageRef(
    arch="x86_64",
    kind="local",
    builder="builder:1",
    builder_id="sha256:1",
    runtime="runtime:1",
    runtime_python="/opt/python/{abi}/bin/python",
)


def index_file(
    filename: str, *, requires_python: str | None = None, yanked: bool = False
) -> IndexFile:
    return IndexFile(
        filename=filename,
        url=f"http://index.invalid/files/{filename}",
        digests={"sha256": f"sha-{filename}"},
        requires_python=requires_python,
        yanked=yanked,
        has_metadata=filename.endswith(".whl"),
    )


def sdist(
    name: str, version: str, *, requires_python: str | None = None, yanked: bool = False
) -> IndexFile:
    return index_file(f"{name}-{version}.tar.gz", requires_python=requires_python, yanked=yanked)


def wheel(filename: str) -> IndexFile:
    return index_file(filename)


class FakeIndex:
    def __init__(
        self, files: dict[str, list[IndexFile]], requirements: dict[tuple[str, str], list[str]]
    ) -> None:
        self._files = files
        self._requirements = requirements
        self.asked: list[str] = []

    def releases(self, project: str) -> dict[Version, Release]:
        self.asked.append(project)
        return group_releases(project, self._files.get(canonicalize_name(project), []))

    def requirements(self, release: Release) -> list[Requirement]:
        lines = self._requirements.get((release.name, str(release.version)), [])
        return [Requirement(line) for line in lines]
