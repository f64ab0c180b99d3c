"""Read what an sdist shows about its build (`builder/plan/toolchain_hints.py` judges it): its
build-system.requires, the names of its files and the text of the files a build is configured
in. Parsing of the archive's bytes only; nothing is extracted to disk."""

from __future__ import annotations

import io
import re
import tarfile
import tomllib
import zipfile
import zlib
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field

from builder.errors import UpstreamError

# The files a build is configured in, by name; only these are read for OpenMP and Fortran.
BUILD_FILE_NAMES = frozenset(
    {
        "meson.build",
        "meson.options",
        "meson_options.txt",
        "CMakeLists.txt",
        "setup.py",
        "setup.cfg",
        "pyproject.toml",
    }
)
BUILD_FILE_SUFFIXES = (".cmake",)
# Directories whose files are not part of the build: tests (numpy's sdist carries meson's own
# test cases, Fortran among them), documentation, examples and benchmarks.
_IGNORED_DIR = re.compile(
    r"(^|[^a-z])(unit)?test(s|ing|suite)?([^a-z]|$)|^docs?$|^examples?$|^bench(marks?)?$",
    re.IGNORECASE,
)


@dataclass(frozen=True)
class SdistFacts:
    """What an sdist shows about its build, as read from the archive (paths relative to its
    top directory, `/`-separated)."""

    requires: tuple[str, ...] = ()  # pyproject.toml's build-system.requires
    files: tuple[str, ...] = ()  # every member file
    build_files: Mapping[str, str] = field(default_factory=dict)  # path -> text


def is_build_file(path: str) -> bool:
    """A file a build is configured in (read for hints), outside ignored directories."""
    name = path.rsplit("/", 1)[-1]
    return counted(path) and (name in BUILD_FILE_NAMES or name.endswith(BUILD_FILE_SUFFIXES))


def counted(path: str) -> bool:
    """Whether a file counts as part of the build: not under a test, doc, example or benchmark
    directory."""
    return not any(_IGNORED_DIR.search(part) for part in path.split("/")[:-1])


BUILD_FILE_LIMIT = 1 << 20  # a build file larger than this is not read (nor is it one)
BUILD_FILES_READ = 2000  # at most this many build files are read from one sdist


def sdist_facts(sdist: bytes, filename: str) -> SdistFacts:
    """The facts of one sdist (a .tar.gz, .tar.bz2, .tar.xz, .tar or .zip)."""
    try:
        members = list(_members(sdist, filename))
    except (tarfile.TarError, zipfile.BadZipFile, EOFError, OSError, zlib.error) as exc:
        raise UpstreamError(
            f"{filename}: the upstream sdist is not a readable archive ({exc})",
            hint="pin another version in the list",
        ) from None
    files = tuple(sorted(path for path, _ in members))
    texts = {path: data.decode("utf-8", errors="replace") for path, data in members if data}
    return SdistFacts(
        requires=_requires(texts.get("pyproject.toml", "")), files=files, build_files=texts
    )


def _members(sdist: bytes, filename: str) -> Iterator[tuple[str, bytes | None]]:
    """(path below the top directory, text of a build file or None) for every file."""
    read = 0
    if filename.endswith(".zip"):
        with zipfile.ZipFile(io.BytesIO(sdist)) as archive:
            for info in archive.infolist():
                path = _below_top(info.filename)
                if info.is_dir() or not path:
                    continue
                wanted = read < BUILD_FILES_READ and _wanted(path, info.file_size)
                read += wanted
                yield path, archive.read(info) if wanted else None
        return
    with tarfile.open(fileobj=io.BytesIO(sdist), mode="r:*") as archive:
        for member in archive:
            path = _below_top(member.name)
            if not member.isfile() or not path:
                continue
            wanted = read < BUILD_FILES_READ and _wanted(path, member.size)
            read += wanted
            handle = archive.extractfile(member) if wanted else None
            yield path, handle.read() if handle is not None else None


def _below_top(name: str) -> str:
    """A member's path below the sdist's top directory ("" for the directory itself)."""
    parts = [part for part in name.replace("\\", "/").split("/") if part not in ("", ".")]
    return "/".join(parts[1:])


def _wanted(path: str, size: int) -> bool:
    return size <= BUILD_FILE_LIMIT and is_build_file(path)


def _requires(pyproject: str) -> tuple[str, ...]:
    """build-system.requires of a pyproject.toml's text (none when absent or unreadable)."""
    try:
        table = tomllib.loads(pyproject).get("build-system", {})
    except tomllib.TOMLDecodeError:
        return ()
    requires = table.get("requires", []) if isinstance(table, dict) else []
    if not isinstance(requires, list):
        return ()
    return tuple(item for item in requires if isinstance(item, str))
