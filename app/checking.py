"""`wheelhouse check`: the user's view of a requirements file. For each requirement and its
dependency closure, per Python and arch: does upstream ship a wheel Alpine installs, does our
index hold one, or would `pip install` compile it on Alpine today?"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import asdict, dataclass
from typing import Any, Literal

from builder.inputs.curated_list import ListEntry
from builder.resolve.build_targets import BuildTarget
from builder.resolve.closure import resolve_closure
from builder.resolve.upstream import Upstream
from index.pages.model import ProjectPage

Status = Literal["upstream wheel", "our index", "compiles", "unavailable"]
FINE: tuple[Status, ...] = ("upstream wheel", "our index")


@dataclass(frozen=True, kw_only=True)
class Verdict:
    name: str
    version: str
    python: str
    arch: str
    status: Status
    detail: str  # the file pip would take, or why it would compile

    def to_json(self) -> dict[str, Any]:
        return asdict(self)


def check_requirements(
    entries: Sequence[ListEntry],
    targets: Sequence[BuildTarget],
    upstream: Upstream,
    ours: Sequence[ProjectPage],
) -> list[Verdict]:
    """One verdict per package of the closure and target. The closure is what pip would pick
    from upstream (the newest allowed): if our index lacks that version, pip takes upstream's."""
    pages: dict[str, ProjectPage] = {page.name: page for page in ours}
    verdicts: list[Verdict] = []
    upstream.prefetch([entry.requirement.name for entry in entries])
    for target in targets:
        for item in resolve_closure(entries, target, upstream, follow_deps=True):
            release = item.release
            version = str(release.version)
            common = {"name": release.name, "version": version, "python": target.python}
            upstream_wheel = release.compatible_wheel(target)
            page = pages.get(release.name)
            ours_file = next(
                (
                    f.filename
                    for f in (page.files if page is not None else ())
                    if str(f.version) == version
                    and f.yanked is None
                    and f.filename.endswith(".whl")
                    and target.installs(f.filename)
                ),
                None,
            )
            status: Status
            if upstream_wheel is not None:
                status, detail = "upstream wheel", upstream_wheel.filename
            elif ours_file is not None:
                status, detail = "our index", ours_file
            elif release.sdist is not None:
                status = "compiles"
                detail = f"{release.sdist.filename}: no wheel for {target.platform_tag} anywhere"
            else:
                status, detail = "unavailable", "no sdist and no wheel for this target"
            verdicts.append(Verdict(**common, arch=target.arch, status=status, detail=detail))
    return verdicts
