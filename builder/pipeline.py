"""`wheelhouse build`: list -> resolve -> plan -> (build, repair, verify) -> wheelhouse + manifest."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from importlib.metadata import version as installed_version
from pathlib import Path

from builder.errors import EnvironmentProblem, InputError
from builder.host.commands import Runner
from builder.host.containers import check_engine
from builder.host.emulation import check_emulation, executions_here
from builder.host.http_client import HttpClient
from builder.host.images import select_images
from builder.inputs.curated_list import parse_list
from builder.inputs.recipes import load_recipes
from builder.inputs.settings import Settings
from builder.plan.planner import Plan, ToolVersions, make_plan
from builder.resolve.build_targets import Target
from builder.resolve.closure import Resolved, resolve_closure
from builder.resolve.upstream import Upstream
from builder.run.arch_summary import ArchSummary
from builder.run.executor import Executor, JobOutcome, Layout, Progress
from builder.wheelhouse.manifest import load_manifest, present_keys


@dataclass(frozen=True, kw_only=True)
class BuildRequest:
    list_path: Path
    follow_deps: bool = True
    force_source: bool = False
    dry_run: bool = False
    runner: str | None = None  # only the archs the config's [runners] gives this runner


@dataclass(kw_only=True)
class BuildReport:
    plan: Plan
    outcomes: list[JobOutcome] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    manifest_path: Path | None = None
    archs: list[ArchSummary] = field(default_factory=list)

    @property
    def failed(self) -> list[JobOutcome]:
        return [outcome for outcome in self.outcomes if not outcome.ok]


def tool_versions() -> ToolVersions:
    return ToolVersions(
        cibuildwheel=installed_version("cibuildwheel"), auditwheel=installed_version("auditwheel")
    )


def default_index_url() -> str:
    """pip's own default index, so that wheelhouse follows the same upstream pip does."""
    from pip._internal.models.index import PyPI  # noqa: PLC0415  (pip is a heavy import)

    url: str = PyPI.simple_url
    return url


def build(
    settings: Settings,
    request: BuildRequest,
    *,
    runner: Runner,
    client: HttpClient,
    note: Callable[[str], None],
    progress: Progress,
) -> BuildReport:
    entries = parse_list(request.list_path)
    if not entries:
        raise InputError(f"{request.list_path}: the list names no packages")
    recipes = load_recipes(settings.recipes)
    layout = Layout(wheelhouse=settings.wheelhouse)

    archs = archs_for_runner(settings, request.runner)
    warnings: list[str] = []
    try:
        executions = check_emulation(archs)
    except EnvironmentProblem as problem:
        if not request.dry_run:
            raise
        executions = executions_here(archs)
        warnings.append(str(problem))

    index_urls = [settings.index_url or default_index_url(), *settings.extra_index_urls]
    upstream = Upstream(client=client, index_urls=index_urls, cache_dir=layout.cache)
    targets = [
        Target(python=python, arch=arch, musllinux=settings.musllinux)
        for arch in archs
        for python in settings.pythons
    ]
    resolved: dict[Target, list[Resolved]] = {}
    for target in targets:
        note(f"resolving {len(entries)} requirements for {target} against {', '.join(index_urls)}")
        resolved[target] = resolve_closure(
            entries, target, upstream, follow_deps=request.follow_deps
        )

    check_engine(runner)
    images = select_images(settings, runner, archs)
    for image in images.values():
        note(
            f"{image.arch}: builder {image.builder} ({image.kind}), runtime {image.runtime}, "
            f"{executions[image.arch]} on runner {settings.runner_for(image.arch)}"
        )
    manifest = load_manifest(layout.wheelhouse)
    tools = tool_versions()
    plan = make_plan(
        resolved=resolved,
        recipes=recipes,
        images=images,
        tools=tools,
        present=present_keys(layout.wheelhouse, manifest),
        force_source=request.force_source,
        executions=executions,
        runners={arch: settings.runner_for(arch) for arch in archs},
    )
    report = BuildReport(plan=plan, warnings=[*warnings, *upstream.warnings])
    if request.dry_run:
        return report
    executor = Executor(runner=runner, client=client, layout=layout, tools=tools, progress=progress)
    report.outcomes = executor.run(plan, manifest)
    report.archs = executor.arch_summaries
    report.manifest_path = layout.wheelhouse / "manifest.json"
    return report


def archs_for_runner(settings: Settings, runner: str | None) -> tuple[str, ...]:
    """The archs this run builds: all selected ones, or those the config gives to `runner`."""
    if runner is None:
        return settings.archs
    mine = tuple(arch for arch in settings.archs if settings.runner_for(arch) == runner)
    if not mine:
        placed = ", ".join(f"{arch} -> {settings.runner_for(arch)}" for arch in settings.archs)
        raise InputError(
            f"--runner {runner}: none of the selected archs runs there ({placed})",
            hint="name a runner from the config's [runners] table, or `local` for the default",
        )
    return mine
