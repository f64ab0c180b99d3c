"""The view of an index that the pages for people show. Pure: the caller reads the pages, the
manifest (as JSON), the libraries a wheel carries and, when logs are shown, a log's tail.

A wheel's cell in a project's grid is its version x (CPython, arch): built here, mirrored from
upstream, yanked, or failed in the last run that tried it (from the manifest's run records)."""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from packaging.utils import InvalidWheelFilename, canonicalize_name, parse_wheel_filename
from packaging.version import InvalidVersion, Version

from index.pages.model import DistFile, ProjectPage

# wheel filename -> (name, version) pairs, read from the wheel's SBOMs where the manifest has none
Libraries = Callable[[str], list[tuple[str, str]]]
LogTail = Callable[[str], str | None]  # a manifest's log path -> its last lines
HOW_MADE = (
    ("source_sha256", "source sha256"),
    ("recipe", "recipe"),
    ("image", "builder image"),
    ("toolchain", "toolchain"),
    ("toolchains", "other toolchains"),
    ("execution", "execution"),
    ("cibuildwheel", "cibuildwheel"),
    ("auditwheel", "auditwheel"),
    ("debug_info", "debug info"),
    ("created", "made"),
)


@dataclass(frozen=True, kw_only=True)
class WheelView:
    file: DistFile
    python: str  # "3.13", "abi3 3.9+", "any"
    arch: str  # "x86_64", "aarch64", "any"
    status: str  # built, mirrored, published (no manifest entry), yanked
    how: tuple[tuple[str, str], ...] = ()  # (label, value) of how it was made
    duration_s: float = 0.0
    libraries: tuple[tuple[str, str], ...] = ()
    log_tail: str | None = None


@dataclass(frozen=True, kw_only=True)
class Failure:
    version: str
    python: str
    arch: str
    reason: str
    finished: str
    log_tail: str | None = None


@dataclass(frozen=True, kw_only=True)
class ProjectView:
    name: str
    wheels: tuple[WheelView, ...]
    failures: tuple[Failure, ...] = ()
    columns: tuple[tuple[str, str], ...] = field(default=())  # (python, arch), sorted

    @property
    def versions(self) -> list[str]:
        found = {w.file.version for w in self.wheels} | {_version(f.version) for f in self.failures}
        return [str(v) for v in sorted((v for v in found if v is not None), reverse=True)]

    @property
    def newest(self) -> str:
        return self.versions[0] if self.versions else ""

    def cell(self, version: str, column: tuple[str, str]) -> list[str]:
        """The statuses of what the index has (or failed to make) for that version and column."""
        here = [
            w.status
            for w in self.wheels
            if str(w.file.version) == version and (w.python, w.arch) == column
        ]
        failed = [
            "failed"
            for f in self.failures
            if f.version == version and (f.python, f.arch) == column and not here
        ]
        return here + failed


def project_views(
    pages: Sequence[ProjectPage],
    manifest: Mapping[str, Any] | None,
    *,
    libraries: Libraries,
    log_tail: LogTail | None = None,
) -> list[ProjectView]:
    """One view per project with wheels (or failures of the last run), sorted by name."""
    entries = _manifest_entries(manifest)
    failures = _last_failures(manifest, log_tail)
    views: dict[str, ProjectView] = {}
    for page in pages:
        wheels = tuple(
            _wheel_view(item, entries.get(item.filename), libraries, log_tail)
            for item in page.files
            if item.filename.endswith(".whl")
        )
        views[page.name] = _with_columns(
            ProjectView(name=page.name, wheels=wheels, failures=failures.pop(page.name, ()))
        )
    for name, failed in failures.items():
        views[name] = _with_columns(ProjectView(name=name, wheels=(), failures=failed))
    return [views[name] for name in sorted(views) if views[name].wheels or views[name].failures]


def _with_columns(view: ProjectView) -> ProjectView:
    columns = {(w.python, w.arch) for w in view.wheels} | {
        (f.python, f.arch) for f in view.failures
    }
    return ProjectView(
        name=view.name,
        wheels=view.wheels,
        failures=view.failures,
        columns=tuple(sorted(columns, key=_column_order)),
    )


def _column_order(column: tuple[str, str]) -> tuple[tuple[int, ...], str, str]:
    python, arch = column
    digits = tuple(
        int(part) for part in python.split(" ")[-1].rstrip("+").split(".") if part.isdigit()
    )
    return digits, python, arch


def _wheel_view(
    item: DistFile, entry: Mapping[str, Any] | None, libraries: Libraries, log_tail: LogTail | None
) -> WheelView:
    python, arch = wheel_columns(item.filename)
    if entry is not None:
        python = str(entry.get("python") or python)
        arch = str(entry.get("arch") or arch)
    action = str(entry.get("action", "")) if entry is not None else ""
    status = {"build": "built", "mirror": "mirrored"}.get(action, "published")
    if item.yanked is not None:
        status = "yanked"
    how = tuple(
        (label, _text(entry[key]))
        for key, label in HOW_MADE
        if entry is not None and entry.get(key)
    )
    log = str(entry.get("log") or "") if entry is not None else ""
    return WheelView(
        file=item,
        python=python,
        arch=arch,
        status=status,
        how=how,
        duration_s=float(entry.get("duration_s") or 0.0) if entry is not None else 0.0,
        libraries=_recorded(entry) or tuple(libraries(item.filename)) or _grafted(entry),
        log_tail=log_tail(log) if log_tail is not None and log else None,
    )


def wheel_columns(filename: str) -> tuple[str, str]:
    """The (CPython, arch) a wheel's tags name: ("3.13", "x86_64"), ("abi3 3.9+", "aarch64"),
    ("any", "any") for a pure wheel."""
    try:
        _, _, _, tags = parse_wheel_filename(filename)
    except InvalidWheelFilename:
        return "any", "any"
    tag = sorted(tags, key=str)[0]
    arch = "any"
    for known in ("x86_64", "aarch64", "i686", "armv7l", "ppc64le", "s390x"):
        if tag.platform.endswith(known):
            arch = known
    python = "any"
    if tag.interpreter.startswith("cp") and tag.interpreter[2:].isdigit():
        digits = tag.interpreter[2:]
        python = f"{digits[0]}.{digits[1:]}"
        if tag.abi == "abi3":
            python = f"abi3 {python}+"
    return python, arch


def _manifest_entries(manifest: Mapping[str, Any] | None) -> dict[str, Mapping[str, Any]]:
    wheels = manifest.get("wheels") if isinstance(manifest, Mapping) else None
    if not isinstance(wheels, list):
        return {}
    return {
        str(item["filename"]): item
        for item in wheels
        if isinstance(item, Mapping) and isinstance(item.get("filename"), str)
    }


def _last_failures(
    manifest: Mapping[str, Any] | None, log_tail: LogTail | None
) -> dict[str, tuple[Failure, ...]]:
    """The failures the newest run records, by project."""
    runs = manifest.get("runs") if isinstance(manifest, Mapping) else None
    if not isinstance(runs, list) or not runs or not isinstance(runs[-1], Mapping):
        return {}
    last = runs[-1]
    recorded = last.get("failures")
    found: dict[str, list[Failure]] = {}
    for item in recorded if isinstance(recorded, list) else []:
        if not isinstance(item, Mapping) or not all(
            isinstance(item.get(key), str) for key in ("name", "version", "python", "arch")
        ):
            continue
        log = str(item.get("log") or "")
        found.setdefault(canonicalize_name(item["name"]), []).append(
            Failure(
                version=item["version"],
                python=item["python"],
                arch=item["arch"],
                reason=str(item.get("reason") or ""),
                finished=str(last.get("finished") or ""),
                log_tail=log_tail(log) if log_tail is not None and log else None,
            )
        )
    return {name: tuple(items) for name, items in found.items()}


def _recorded(entry: Mapping[str, Any] | None) -> tuple[tuple[str, str], ...]:
    """What the manifest recorded the wheel's SBOMs to name ("libxml2 2.9.14"), so a static
    tree's pages need no wheel at hand."""
    recorded = entry.get("libraries") if entry is not None else None
    if not isinstance(recorded, list):
        return ()
    return tuple(
        (name, version) for name, _, version in (str(item).partition(" ") for item in recorded)
    )


def _grafted(entry: Mapping[str, Any] | None) -> tuple[tuple[str, str], ...]:
    """A wheel without an SBOM (made before wheelhouse wrote them): the files auditwheel
    grafted, as the manifest recorded them, without versions."""
    grafted = entry.get("grafted") if entry is not None else None
    if not isinstance(grafted, list):
        return ()
    return tuple((str(name).rsplit("/", 1)[-1], "") for name in grafted)


def _text(value: object) -> str:
    return "; ".join(str(item) for item in value) if isinstance(value, list) else str(value)


def _version(text: str) -> Version | None:
    try:
        return Version(text)
    except InvalidVersion:
        return None
