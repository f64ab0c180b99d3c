"""`wheelhouse build`: list -> resolve -> plan -> (build, repair, verify) -> accept into the
wheelhouse + manifest. The one function that runs the flow; each stage lives in its folder."""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from functools import partial
from importlib.metadata import version as installed_version
from pathlib import Path

from packaging.version import Version

from builder.errors import EnvironmentProblem, InputError, UpstreamError
from builder.host.capacity import jobs_for, machine_capacity
from builder.host.commands import CommandRunner
from builder.host.containers import Containers
from builder.host.emulation import check_emulation, executions_here, machine_arch
from builder.host.http_client import HttpClient
from builder.host.images import check_pythons, select_images
from builder.host.interpreters import with_full_versions
from builder.host.library_versions import LibraryVersions
from builder.inputs.curated_list import ListEntry, parse_list
from builder.inputs.recipes import load_recipes
from builder.inputs.settings import Settings, parse_age
from builder.inputs.system_libraries import CATALOGUE, on_demand
from builder.plan.due import Held, held_by_files
from builder.plan.jobs import BuildJob, ImageRef, Plan, ToolVersions
from builder.plan.planner import make_plan
from builder.plan.run_modes import choose_executions
from builder.plan.shards import plan_shards
from builder.resolve.build_requirements import plan_with_build_requirements
from builder.resolve.build_targets import BuildTarget
from builder.resolve.closure import ReleaseSource, Resolved, resolve_closure
from builder.resolve.cooldown import Cooldown
from builder.resolve.prepared_metadata import Prepare, in_container, refused
from builder.resolve.upstream import Upstream
from builder.resolve.verify_with import verify_with_wheels
from builder.run.arch_summary import ArchSummary
from builder.run.executor import Executor, JobOutcome, JobProgress, RunResult
from builder.run.sdist_probe import sdist_needs
from builder.wheelbuild.cxx_toolchain import cxx_toolchain, toolchain_version
from builder.wheelbuild.fortran_toolchain import (
    FortranToolchain,
    fortran_toolchain,
    fortran_version,
)
from builder.wheelbuild.library_layers import LibraryBuilds, library_builds, library_identity
from builder.wheelbuild.openmp_runtime import OpenMPRuntime, openmp_runtime, openmp_version
from builder.wheelbuild.rust_toolchain import (
    CrateSource,
    RustToolchain,
    rust_toolchain,
    rust_version,
)
from builder.wheelhouse.manifest import Manifest
from builder.wheelhouse.store import Wheelhouse, cache_dir, shared_wheels
from index.clock import Clock


def metadata_preparer(containers: Containers | None, images: dict[str, ImageRef]) -> Prepare:
    """Where an sdist's build backend runs when only it can say the sdist's requirements: a
    container of the builder image of this machine's arch (else the first one selected), never
    the host. None as containers: no engine (a dry run may go on until such an sdist)."""
    if containers is None:
        return refused("the Docker engine is not reachable")
    image = images.get(machine_arch()) or next(iter(images.values()))
    if not image.builder_id or containers.image_id(image.builder) is None:
        return refused(f"the builder image {image.builder} is not here (a dry run pulls none)")
    return in_container(containers, image=image.builder, arch=image.arch)


def preparer_for(settings: Settings, containers: Containers) -> Prepare:
    """metadata_preparer for a command that selects no images of its own (`check`): this
    machine's arch's, as a dry run picks them (never pulled), when an engine answers."""
    inspect = None if containers.engine_problem() else containers
    images = select_images(settings, inspect, [machine_arch()], may_pull=False).images
    return metadata_preparer(inspect, images)


def upstream_for(
    settings: Settings, client: HttpClient, prepare: Prepare, *, keep_pages: bool = True
) -> Upstream:
    """The upstream indexes the settings name (the primary, then the extra ones), read through
    `client`, their pages cached in the wheelhouse."""
    return Upstream(
        client=client,
        prepare=prepare,
        index_urls=[settings.index_url or default_index_url(), *settings.extra_index_urls],
        cache_dir=cache_dir(settings.wheelhouse),
        keep_pages=keep_pages,
    )


@dataclass(frozen=True, kw_only=True)
class BuildRequest:
    list_path: Path
    follow_deps: bool = True
    force_source: bool = False
    dry_run: bool = False
    keep_pages: bool = True  # keep upstream pages in the cache (`build --dry-run` writes nothing)
    runner: str | None = None  # only the archs the config's [runners] gives this CI runner
    allow_outside_includes: bool = False  # `-r` may leave the list's directory
    against: Held | None = None  # what the publish target holds: those jobs are not due
    shard: tuple[int, int] | None = None  # (I, N): only the I-th of N cost-balanced shards


@dataclass(frozen=True, kw_only=True)
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


def _run_alone(
    executor: Executor,
    wheelhouse: Wheelhouse,
    plan: Plan,
    *,
    jobs: int,
    note: Callable[[str], None],
) -> RunResult:
    """The plan run, once no other run builds into the same wheelhouse."""
    waiting = f"another `wheelhouse build` is building into {wheelhouse.path}: waiting for it"
    with wheelhouse.running(lambda: note(waiting)):
        return executor.run(plan, jobs=jobs)


def build(
    settings: Settings,
    request: BuildRequest,
    *,
    commands: CommandRunner,
    containers: Containers,
    client: HttpClient,
    clock: Clock,
    note: Callable[[str], None],
    progress: JobProgress,
) -> BuildReport:
    """Plan, and unless it is a dry run, execute. A dry run is pure of side effects on the
    machine: it needs no Docker engine and pulls no image (it reads the upstream index)."""
    entries = parse_list(request.list_path, allow_outside=request.allow_outside_includes)
    if not entries:
        raise InputError(f"{request.list_path}: the list names no packages")
    recipes = load_recipes(settings.recipes)
    crates = crate_source(settings)
    wheelhouse = Wheelhouse(settings.wheelhouse, clock=clock)

    archs = archs_for_runner(settings, request.runner)
    host, warnings = _emulation_here(archs, dry_run=request.dry_run)

    if request.dry_run:  # without an engine the plan names the images; their ids stay unknown
        inspect = None if containers.engine_problem() else containers
    else:
        containers.check_engine()
        inspect = containers
    choice = select_images(settings, inspect, archs, may_pull=not request.dry_run)
    check_pythons(settings.pythons, choice.images)
    zig = bool(toolchain_version())
    executions = choose_executions(
        host,
        settings.execution,
        zig=zig,
        local={arch: image.kind == "local" for arch, image in choice.images.items()},
    )
    for image in choice.images.values():
        note(
            f"{image.arch}: builder {image.builder} ({image.kind}), runtime {image.runtime}, "
            f"{executions[image.arch]} on runner {settings.runner_for(image.arch)}"
        )
    targets, version_notes = with_full_versions(
        [
            BuildTarget(python=python, arch=arch, musllinux=settings.musllinux)
            for arch in archs
            for python in settings.pythons
        ],
        choice.images,
        inspect,
        cache_dir=wheelhouse.cache,
        may_ask=not request.dry_run,
    )

    upstream = upstream_for(
        settings, client, metadata_preparer(inspect, choice.images), keep_pages=request.keep_pages
    )
    # Every page the run will probably read, at once: the list's names and whatever the
    # target and this wheelhouse already hold (last time's closure).
    held_manifest = request.against.manifest if request.against is not None else None
    held = [held_manifest, wheelhouse.manifest]
    upstream.prefetch(
        [
            *(entry.requirement.name for entry in entries),
            *(wheel.name for manifest in held if manifest for wheel in manifest.wheels.values()),
        ]
    )
    cooldown = _cooldown(upstream, settings, clock)
    resolved = resolve_targets(
        entries,
        targets,
        cooldown or upstream,
        follow_deps=request.follow_deps,
        note=lambda target: note(
            f"resolving {len(entries)} requirements for {target} (Python {target.full_version}) "
            f"against {', '.join(upstream.index_urls)}"
        ),
    )
    if cooldown is not None:
        warnings += cooldown.notes(_chosen_versions(resolved), settings.min_release_age or "")

    note(f"upstream pages: {upstream.pages.counts}")

    tools = tool_versions()
    local = any(image.kind == "local" for image in choice.images.values())
    mounted = local or "cross" in executions.values()
    # The toolchain's files are written only for a real run: a dry run writes nothing.
    cxx = (
        cxx_toolchain(wheelhouse.cache, settings.zig_cache)
        if mounted and not request.dry_run
        else None
    )
    plan_for = partial(
        make_plan,
        resolved=resolved,
        recipes=recipes,
        images=choice.images,
        tools=tools,
        present={**held_keys(held_manifest), **wheelhouse.present_keys()},
        force_source=request.force_source,
        build_constraints=settings.build_constraints,
        shared_wheels=wheelhouse.shared_wheels(),
        held_shared=shared_wheels(held_manifest),
        cxx=toolchain_version() if mounted else "",
        executions=executions,
        runners={arch: settings.runner_for(arch) for arch in archs},
        notes=[*choice.notes, *version_notes],
        verify_with=verify_with_wheels(resolved, recipes, upstream),
        debug_info=settings.debug_info,
        toolchains=_mountable_toolchains(crates) if mounted else {},
        libraries={
            library.name: library_identity(library)
            for library in CATALOGUE.values()
            if library.on_demand
        },
    )
    plan, notes = _plan_with_sdist_needs(
        plan_for,
        resolved,
        cooldown or upstream,
        wheelhouse,
        held_manifest,
        client,
        dry_run=request.dry_run,
        from_wheelhouse=settings.build_requirements == "wheelhouse",
        note=note,
    )
    warnings += [*plan.notes, *notes]
    openmp, rust, fortran = _layered_toolchains(wheelhouse.cache, crates, mounted=mounted)
    warnings += [
        *_openmp_notes(plan, openmp),
        *_rust_notes(plan, rust),
        *_fortran_notes(plan, fortran),
        *_library_notes(plan, library_builds(wheelhouse.cache)),
    ]
    if request.against is not None and request.against.files is not None:
        plan = held_by_files(plan, request.against.files)
    if request.shard is not None:
        plan = shard_of(plan, request.shard, held_manifest or wheelhouse.manifest)
    if request.dry_run:
        return BuildReport(plan=plan, warnings=warnings)
    executor = Executor(
        commands=commands,
        containers=containers,
        client=client,
        wheelhouse=wheelhouse,
        tools=tools,
        clock=clock,
        progress=progress,
        cxx=cxx,
        openmp=openmp,
        rust=rust,
        fortran=fortran,
        libraries=library_builds(wheelhouse.cache),
        versions=LibraryVersions(containers, wheelhouse.cache),
    )
    cores, memory = machine_capacity()
    jobs = jobs_for(settings.jobs, cores=cores, memory=memory)
    if len([job for job in plan.jobs if job.action != "skip"]) > 1:
        how = f"up to {jobs} jobs side by side" if jobs > 1 else "one job at a time"
        note(f"running {how} (jobs = {settings.jobs})")
    result = _run_alone(executor, wheelhouse, plan, jobs=jobs, note=note)
    return BuildReport(
        plan=plan,
        outcomes=result.outcomes,
        archs=result.archs,
        warnings=warnings,
        manifest_path=wheelhouse.manifest_path,
    )


def _plan_with_sdist_needs(
    plan_for: Callable[..., Plan],
    resolved: Mapping[BuildTarget, Sequence[Resolved]],
    source: ReleaseSource,
    wheelhouse: Wheelhouse,
    held: Manifest | None,
    client: HttpClient,
    *,
    dry_run: bool,
    from_wheelhouse: bool,
    note: Callable[[str], None],
) -> tuple[Plan, list[str]]:
    """The plan, made again with what the sdists of its builds show they need: toolchains join
    their recipes (and keys), and what their build environments would compile is built first
    (build_requirements.py). A real run records what was read in the manifest. A wheel the
    first plan finds present (built before sdists were looked into) stays; its sdist is not
    looked into."""
    look = partial(
        sdist_needs,
        records=[m.sdists for m in (wheelhouse.manifest, held) if m],
        client=client,
        cache=wheelhouse.cache,
        keep=not dry_run,
        note=note,
    )
    plan, found, notes = plan_with_build_requirements(
        plan_for, resolved, look, source, from_wheelhouse=from_wheelhouse
    )
    if not dry_run:
        wheelhouse.manifest.sdists.update(found)
    return plan, notes


def _layered_toolchains(
    cache: Path, crates: CrateSource, *, mounted: bool
) -> tuple[OpenMPRuntime | None, RustToolchain | None, FortranToolchain | None]:
    """The toolchains a run mounts for the jobs that need them (none where it mounts none)."""
    if not mounted:
        return None, None, None
    return openmp_runtime(cache), rust_toolchain(cache, crates), fortran_toolchain(cache)


def _not_ready(plan: Plan, name: str, ready: Callable[[str], bool] | None) -> list[str]:
    """The archs whose jobs need the named toolchain and for which it is not set up here yet
    (none when this run mounts no toolchains: `ready` is None)."""
    archs = {job.arch for job in plan.jobs if isinstance(job, BuildJob) and job.toolchain(name)}
    return sorted(arch for arch in archs if ready is not None and not ready(arch))


def _openmp_notes(plan: Plan, runtime: OpenMPRuntime | None) -> list[str]:
    """A note naming the archs whose jobs need the OpenMP runtime not built here yet."""
    missing = _not_ready(plan, "openmp", runtime.ready if runtime is not None else None)
    if not missing:
        return []
    return [
        f"the OpenMP runtime (LLVM's libomp, for musl) is built for {', '.join(missing)} on "
        "first use, about a minute per arch, then kept in the wheelhouse's cache"
    ]


def _library_notes(plan: Plan, builds: LibraryBuilds) -> list[str]:
    """A note naming the system libraries this run builds (each for the archs that need it and
    lack it here), which the local images do not carry."""
    missing: dict[str, set[str]] = {}
    for job in plan.jobs:
        if not isinstance(job, BuildJob):
            continue
        for library in on_demand([name for name, _ in job.toolchains]):
            if not builds.ready(library, job.arch, job.image.builder_id):
                missing.setdefault(library.name, set()).add(job.arch)
    if not missing:
        return []
    named = ", ".join(f"{name} ({', '.join(sorted(archs))})" for name, archs in missing.items())
    return [
        f"system libraries built from Debian's sources on first use, then kept in the "
        f"wheelhouse's cache: {named}"
    ]


def _cooldown(upstream: Upstream, settings: Settings, clock: Clock) -> Cooldown | None:
    """The release source that holds back releases younger than min-release-age (None: off)."""
    if not settings.min_release_age:
        return None
    age = parse_age(settings.min_release_age)
    return Cooldown(source=upstream, min_age=age, now=clock.now()) if age else None


def resolve_targets(
    entries: Sequence[ListEntry],
    targets: Sequence[BuildTarget],
    source: ReleaseSource,
    *,
    follow_deps: bool,
    note: Callable[[BuildTarget], None],
) -> dict[BuildTarget, list[Resolved]]:
    resolved: dict[BuildTarget, list[Resolved]] = {}
    for target in targets:
        note(target)
        try:
            resolved[target] = resolve_closure(entries, target, source, follow_deps=follow_deps)
        except UpstreamError as error:
            hint = source.explain(str(error)) if isinstance(source, Cooldown) else None
            if hint is None:
                raise
            raise UpstreamError(str(error), hint=hint) from None
    return resolved


def _chosen_versions(resolved: Mapping[BuildTarget, Sequence[Resolved]]) -> dict[str, set[Version]]:
    chosen: dict[str, set[Version]] = {}
    for closure in resolved.values():
        for item in closure:
            chosen.setdefault(item.release.name, set()).add(item.release.version)
    return chosen


def _emulation_here(archs: Sequence[str], *, dry_run: bool) -> tuple[dict[str, str], list[str]]:
    """How each arch runs on this machine; without emulation a dry run still plans (and says
    why a real run would stop), a real run stops."""
    try:
        return dict(check_emulation(archs)), []
    except EnvironmentProblem as problem:
        if not dry_run:
            raise
        return dict(executions_here(archs)), [str(problem)]


def crate_source(settings: Settings) -> CrateSource:
    """Where Rust builds take their crates from (the settings' cargo-registry / cargo-vendor)."""
    vendor = settings.cargo_vendor
    if vendor is not None and not vendor.is_dir():
        raise InputError(
            f"cargo-vendor = {vendor}: no such directory",
            hint="a directory of crates as `cargo vendor` writes it (one folder per crate, each "
            "with its .cargo-checksum.json), or unset it to use crates.io",
        )
    return CrateSource(registry=settings.cargo_registry or "", directory=vendor)


def _mountable_toolchains(crates: CrateSource) -> dict[str, str]:
    """The toolchains beyond C and C++ that wheelhouse mounts, by their identities; where the
    crates come from is part of Rust's (another source can resolve other versions)."""
    return {
        "openmp": openmp_version(),
        "rust": f"{rust_version()}; {crates.describe()}",
        "fortran": fortran_version(),
    }


def _rust_notes(plan: Plan, rust: RustToolchain | None) -> list[str]:
    """A note naming what a run adds for its Rust jobs that is not on this machine yet."""
    missing = _not_ready(plan, "rust", rust.ready if rust is not None else None)
    if not missing:
        return []
    fetch = "" if rust is None or rust.fetched() else "fetched from Debian (about 180 MB) and "
    return [
        f"the Rust toolchain (Debian's rustc for musl targets) is {fetch}given std for "
        f"{', '.join(missing)} on first use, about a minute per arch, then kept in the "
        "wheelhouse's cache"
    ]


def _fortran_notes(plan: Plan, fortran: FortranToolchain | None) -> list[str]:
    """A note naming what a run adds for its Fortran jobs that is not on this machine yet."""
    missing = _not_ready(plan, "fortran", fortran.ready if fortran is not None else None)
    if not missing:
        return []
    fetch = (
        "" if fortran is None or fortran.fetched() else "fetched from Debian (about 115 MB) and "
    )
    return [
        f"the Fortran compiler (Debian's flang, for musl targets) is {fetch}given its runtime "
        f"for {', '.join(missing)} on first use, about three minutes per arch, then kept in "
        "the wheelhouse's cache"
    ]


def held_keys(manifest: Manifest | None) -> dict[str, str]:
    """Job keys a target's manifest lists (their wheels are there; a build skips them)."""
    if manifest is None:
        return {}
    return {
        key: entry.filename
        for entry in manifest.wheels.values()
        for key in {entry.key, *entry.keys}
    }


def shard_of(plan: Plan, shard: tuple[int, int], history: Manifest) -> Plan:
    """The plan reduced to the due jobs of shard I of N (of each runner it covers)."""
    index, count = shard
    mine = {
        id(job)
        for piece in plan_shards(plan, count, history)
        if piece.index == index
        for job in piece.jobs
    }
    return replace(plan, jobs=tuple(job for job in plan.jobs if id(job) in mine))


def archs_for_runner(settings: Settings, runner: str | None) -> tuple[str, ...]:
    """The archs this run builds: all selected ones, or those the config gives to the CI runner
    labelled `runner`."""
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
