"""A release-age cooldown: plan and build pick only releases uploaded at least `min-release-age`
ago, so a compromised release that is yanked within days never reaches the wheelhouse. Pure:
the time is given.

A release's upload time is the earliest its files show (PEP 700 `upload-time`, which only JSON
pages carry). A release whose index gives no upload time cannot be judged: it is not held back,
and the plan says which projects those were."""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from packaging.requirements import Requirement
from packaging.utils import canonicalize_name
from packaging.version import Version

from builder.resolve.closure import ReleaseSource
from builder.resolve.releases import Release


def uploaded(release: Release) -> datetime | None:
    """When the release's first file was uploaded, or None when the index does not say."""
    times = [
        datetime.fromisoformat(file.upload_time)
        for file in [*([release.sdist] if release.sdist else []), *release.wheels]
        if file.upload_time
    ]
    return min(times) if times else None


@dataclass(frozen=True, kw_only=True)
class HeldRelease:
    name: str
    version: Version
    uploaded: datetime
    eligible: datetime  # when the cooldown lets it through

    def describe(self) -> str:
        return (
            f"{self.name} {self.version} (uploaded {_when(self.uploaded)}, "
            f"eligible from {_when(self.eligible)})"
        )


@dataclass
class Cooldown:
    """A release source that hides the releases younger than `min_age` at `now`, and keeps
    what it hid (and which projects had no upload times) for the plan's notes."""

    source: ReleaseSource
    min_age: timedelta
    now: datetime
    held: dict[tuple[str, Version], HeldRelease] = field(default_factory=dict)
    undated: set[str] = field(default_factory=set)

    def releases(self, project: str) -> dict[Version, Release]:
        kept: dict[Version, Release] = {}
        for version, release in self.source.releases(project).items():
            when = uploaded(release)
            if when is None:
                self.undated.add(release.name)
            elif self.now - when < self.min_age:
                self.held[(release.name, version)] = HeldRelease(
                    name=release.name, version=version, uploaded=when, eligible=when + self.min_age
                )
                continue
            kept[version] = release
        return kept

    def requirements(self, release: Release) -> list[Requirement]:
        return self.source.requirements(release)

    def explain(self, error: str) -> str | None:
        """A hint for a resolution error about a project whose releases were held back."""
        project = canonicalize_name(re.split(r"[\s<>=!~;\[:(]", error, maxsplit=1)[0])
        named = [held for held in self.held.values() if held.name == project]
        if not named:
            return None
        latest = sorted(named, key=lambda held: held.version)[-3:]
        return (
            f"min-release-age held back {', '.join(held.describe() for held in latest)}; "
            "wait, or lower min-release-age (--min-release-age 0 turns it off)"
        )

    def notes(self, chosen: Mapping[str, Iterable[Version]], age: str) -> list[str]:
        """What the plan says: the held releases newer than what was chosen for each project
        (older held ones would not have been picked anyway), and the projects it could not
        judge."""
        newer = [
            held
            for (name, version), held in sorted(self.held.items())
            if name in chosen and all(version > picked for picked in chosen[name])
        ]
        notes = [f"min-release-age {age} held back {held.describe()}" for held in newer]
        undated = sorted(name for name in self.undated if name in chosen)
        if undated:
            notes.append(
                f"min-release-age {age}: the index gives no upload times for "
                f"{', '.join(undated)} (HTML pages carry none; PEP 700 JSON pages do), so "
                "their releases were not held back"
            )
        return notes


def _when(moment: datetime) -> str:
    return moment.strftime("%Y-%m-%d %H:%M %Z").strip()
