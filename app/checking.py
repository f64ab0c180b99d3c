"""`wheelhouse check`: the user's view of a requirements file. For each requirement and its
dependency closure, per Python and arch: does upstream ship a wheel Alpine installs, does our
index hold one, or would `pip install` compile it on Alpine today?"""

from __future__ import annotations

from collections.abc import Sequence
from contextlib import ExitStack
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any, Literal

from app.console import done, err, say, write_json
from app.destinations import opened
from app.publishing import collect_wheels
from app.report import check_table
from builder.errors import JobsFailed
from builder.host.commands import CommandRunner
from builder.host.containers import Containers
from builder.host.http_client import HttpClient
from builder.inputs.curated_list import ListEntry, parse_list
from builder.inputs.settings import Settings, default_environ
from builder.pipeline import preparer_for, upstream_for
from builder.resolve.build_targets import BuildTarget
from builder.resolve.closure import resolve_closure
from builder.resolve.upstream import Upstream
from index.pages.model import ProjectPage
from index.publish.export import pages_from_files

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


def run_check(
    requirements: Path,
    *,
    settings: Settings,
    targets: list[BuildTarget],
    ours_at: str | None,
    endpoint_url: str | None,
    as_json: bool,
) -> None:
    """`check`: the verdicts against our index (`ours_at`, else the wheelhouse) and upstream;
    anything that would compile: exit 1."""
    entries = parse_list(requirements)
    with ExitStack() as stack:
        if ours_at is not None:
            ours = stack.enter_context(opened(ours_at, endpoint_url)).read_index()
        elif settings.wheelhouse.is_dir() and any(settings.wheelhouse.glob("*.whl")):
            ours = pages_from_files(d.entry for d in collect_wheels(settings.wheelhouse))
        else:
            ours = []
            say(f"no wheelhouse at {settings.wheelhouse}: checking against upstream only")
        upstream = upstream_for(
            settings,
            stack.enter_context(HttpClient()),
            preparer_for(settings, Containers(CommandRunner(env=default_environ()))),
        )
        verdicts = check_requirements(entries, targets, upstream, ours)
    if as_json:
        write_json([v.to_json() for v in verdicts])
    err.print(check_table(verdicts))
    compiling = [v for v in verdicts if v.status not in FINE]
    if compiling:
        raise JobsFailed(
            f"{len(compiling)} of {len(verdicts)} would not install from a wheel on Alpine: "
            + ", ".join(sorted({f"{v.name} {v.version}" for v in compiling})),
            hint="add them to the curated list and `wheelhouse build` them",
        )
    done(f"every package installs from a wheel ({len(verdicts)} checked)")
