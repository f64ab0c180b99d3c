"""Checks on a repaired wheel: its tag, `auditwheel show --json`'s verdict, and no grafted libc.
Pure functions over the wheel's bytes and auditwheel's report."""

from __future__ import annotations

import json
import re
import zipfile
from pathlib import Path, PurePosixPath
from typing import Any

from packaging.tags import Tag
from packaging.utils import parse_wheel_filename

from builder.resolve.build_targets import BuildTarget

# Libraries the platform provides: a wheel that carries its own copy is broken on every Alpine.
PLATFORM_LIBRARIES = re.compile(
    r"^(libc\.musl-|ld-musl-|libc\.so|libpthread\.so|libm\.so|libdl\.so)"
)


def tag_problems(filename: str, target: BuildTarget) -> list[str]:
    _, _, _, tags = parse_wheel_filename(filename)
    supported = set(target.supported_tags)
    if not any(tag in supported for tag in tags):
        return [
            f"{filename}: its tags are not installable on {target.platform_tag} cp{target.python}"
        ]
    if not any(tag.platform.startswith("musllinux_") for tag in tags):
        return [f"{filename}: not a musllinux wheel"]
    return []


def auditwheel_show_problems(output: str, target: BuildTarget) -> list[str]:
    """Read `auditwheel show --json`: its JSON document (indented over several lines) follows
    any log lines on the same output."""
    report: dict[str, Any] | None = None
    start = output.find("\n{") + 1 if not output.startswith("{") else 0
    if output.startswith("{") or start > 0:
        try:
            found, _ = json.JSONDecoder().raw_decode(output[start:])
        except ValueError:
            found = None
        report = found if isinstance(found, dict) else None
    if report is None:
        return [f"auditwheel show gave no report: {' '.join(output.split())[:300]}"]
    if "error" in report:
        return [f"auditwheel show: {report['error']}"]
    tag = str(report.get("overall_tag", ""))
    if not tag.startswith("musllinux_"):
        return [f"auditwheel show says the wheel is only consistent with {tag or 'no tag'}"]
    if not _policy_at_most(tag, target):
        return [f"auditwheel show says {tag}, newer than the target policy {target.platform_tag}"]
    return []


def _policy_at_most(tag: str, target: BuildTarget) -> bool:
    match = re.match(r"musllinux_1_(\d+)_", tag)
    wanted = int(target.musllinux.rsplit("_", 1)[1])
    return match is not None and int(match.group(1)) <= wanted


def grafted_libraries(wheel: Path) -> list[str]:
    """Shared libraries auditwheel copied into the wheel (`<pkg>.libs/`)."""
    with zipfile.ZipFile(wheel) as archive:
        return sorted(
            PurePosixPath(name).name
            for name in archive.namelist()
            if len(PurePosixPath(name).parts) == 2
            and PurePosixPath(name).parts[0].endswith(".libs")
        )


def graft_problems(wheel: Path) -> list[str]:
    return [
        f"{wheel.name}: grafts the platform library {name}; the build image's libc was not "
        "recognised as musl (see the image recipe's scripts/musl-sysroot.sh)"
        for name in grafted_libraries(wheel)
        if PLATFORM_LIBRARIES.match(name)
    ]


def wheel_tags(filename: str) -> list[Tag]:
    return sorted(parse_wheel_filename(filename)[3], key=str)
