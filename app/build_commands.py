"""The commands that plan and build: `build`, `plan`, `check` and `images build`. Each reads
its options and calls one function; `app.cli` registers them."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from app.building import run_build, run_plan
from app.checking import run_check
from app.console import guarded
from app.held import held_by
from app.images import run_images_build
from app.options import (
    AgainstAlias,
    ArchOption,
    ConfigOption,
    DebugInfoOption,
    DryRunOption,
    EchoAlias,
    EchoOption,
    EndpointOption,
    FromSourceOption,
    HeldTargetOption,
    ImagesOption,
    IncludesOutsideOption,
    IndexUrlOption,
    JobsOption,
    JsonOption,
    ListOption,
    MinReleaseAgeOption,
    NoDepsOption,
    PythonOption,
    ReadTargetOption,
    RunnerOption,
    ShardOption,
    ShardsOption,
    WheelhouseOption,
    build_targets,
    flag_of,
    settings_from,
    target_of,
)
from builder.inputs.settings import Settings, with_overrides
from builder.pipeline import BuildRequest
from builder.plan.due import Held
from builder.plan.shards import parse_shard


def build_command(
    list_path: ListOption,
    config: ConfigOption = None,
    python: PythonOption = None,
    arch: ArchOption = None,
    wheelhouse: WheelhouseOption = None,
    index_url: IndexUrlOption = None,
    images: ImagesOption = None,
    debug_info: DebugInfoOption = None,
    min_release_age: MinReleaseAgeOption = None,
    jobs: JobsOption = None,
    no_deps: NoDepsOption = False,
    build_from_source: FromSourceOption = False,
    dry_run: DryRunOption = False,
    runner: RunnerOption = None,
    as_json: JsonOption = False,
    allow_includes_outside: IncludesOutsideOption = False,
    target: HeldTargetOption = None,
    against: AgainstAlias = None,
    shard: ShardOption = None,
    endpoint_url: EndpointOption = None,
    echo: EchoOption = False,
    verbose: EchoAlias = False,
) -> None:
    """Resolve the list against the upstream index, plan, build, repair and verify wheels.

    Both x86_64 and aarch64 are built unless --arch or the config says otherwise. A foreign arch
    (aarch64 on x86_64) runs in its own arch's containers under QEMU (binfmt_misc, checked
    first), its compiler cross where it can ([execution]); the plan records which, and runners.

    Each (package, version, CPython, arch) is one job: build (cibuildwheel in a musllinux
    container, auditwheel repair), mirror (upstream's compatible wheel, sha256 checked) or skip
    (held with the same content key). Every new wheel is installed and imported in a clean musl
    runtime image before it enters the wheelhouse.

    Exit codes: 0 all good, 1 jobs failed, 2 bad input, 3 upstream, 4 environment (README).
    """

    def run() -> None:
        settings = _selected(
            config, python, arch, wheelhouse, index_url, images, debug_info, min_release_age
        )
        if jobs is not None:
            settings = with_overrides(settings, jobs=jobs)
        held = _held(target_of(target, against, "--against"), endpoint_url)
        request = BuildRequest(
            list_path=list_path,
            follow_deps=not no_deps,
            force_source=build_from_source,
            dry_run=dry_run,
            keep_pages=not dry_run,
            runner=runner,
            allow_outside_includes=allow_includes_outside,
            shard=None if shard is None else parse_shard(shard),
            against=held,
        )
        echoed = flag_of(echo, verbose, "-v", "--echo-commands")
        run_build(settings, request, echo=echoed, as_json=as_json, shard=shard)

    guarded("build", run)


def images_build_command(
    config: ConfigOption = None,
    arch: ArchOption = None,
    cache_dir: Annotated[
        Path, typer.Option("--cache-dir", help="Where Debian sources and the rootfs are kept.")
    ] = Path("/var/cache/wheelhouse"),
) -> None:
    """Build the local musllinux builder and runtime images (no registry needed).

    They come from Debian packages and Debian's CPython sources compiled against musl, laid out
    like the pypa images, and are tagged with the hash of their recipe (builder/host/image_recipe,
    shipped in the package): running this again is instant until the recipe changes. One pair per
    selected arch (default: x86_64 and aarch64). The other arch's interpreters are cross-compiled
    on this machine and its images assembled under QEMU emulation (checked first); that took 28
    minutes the first time on a 2-core machine (x86_64, native: 20).
    Follow the progress with `tail -f CACHE_DIR/images-ARCH.log`.
    """
    guarded("images build", lambda: run_images_build(settings_from(config, archs=arch), cache_dir))


def plan_command(
    list_path: Annotated[
        Path, typer.Option("--list", "-l", help="The curated list (as for `wheelhouse build`).")
    ],
    target: HeldTargetOption = None,
    against: AgainstAlias = None,
    shards: ShardsOption = None,
    config: ConfigOption = None,
    python: PythonOption = None,
    arch: ArchOption = None,
    wheelhouse: WheelhouseOption = None,
    index_url: IndexUrlOption = None,
    images: ImagesOption = None,
    debug_info: DebugInfoOption = None,
    min_release_age: MinReleaseAgeOption = None,
    runner: RunnerOption = None,
    endpoint_url: EndpointOption = None,
    as_json: JsonOption = False,
) -> None:
    """What a scheduled run must do: the list's jobs that the target does not hold, and why.

    Resolves the list against the upstream index (as `build --dry-run`; nothing is built, no
    image is pulled) and compares each job's content key with what --target holds. A due job
    says why: missing, new upstream version, new Python, recipe / builder image / toolchain /
    tool changed, failed last time. With --shards N the due jobs are split per runner into N
    shards of similar estimated cost (past durations from the manifest) and the CI matrix is
    printed (`--json`: under "matrix"). Exit 0 whether or not anything is due.
    """

    def run() -> None:
        settings = _selected(
            config, python, arch, wheelhouse, index_url, images, debug_info, min_release_age
        )
        held = _held(target_of(target, against, "--against"), endpoint_url)
        request = BuildRequest(
            list_path=list_path,
            dry_run=True,
            runner=runner,
            against=held,
        )
        run_plan(settings, request, held=held, shards=shards, as_json=as_json)

    guarded("plan", run)


def check_command(
    requirements: Annotated[
        Path,
        typer.Option(
            "--requirements", "-r", help="The requirements file your Alpine image installs."
        ),
    ],
    target: ReadTargetOption = None,
    against: AgainstAlias = None,
    config: ConfigOption = None,
    python: PythonOption = None,
    arch: ArchOption = None,
    wheelhouse: WheelhouseOption = None,
    index_url: IndexUrlOption = None,
    endpoint_url: EndpointOption = None,
    as_json: JsonOption = False,
) -> None:
    """Would `pip install -r FILE` compile anything on Alpine today?

    For each requirement and its dependencies, for each configured Python and arch: upstream
    ships a wheel Alpine installs, our index holds the version pip would pick, or pip would
    compile the sdist. Exit code 1 when anything would compile (a Dockerfile lint step can
    use it), 0 when all installs from wheels.
    """

    def run() -> None:
        settings = settings_from(
            config, pythons=python, archs=arch, wheelhouse=wheelhouse, index_url=index_url
        )
        run_check(
            requirements,
            settings=settings,
            targets=build_targets(settings),
            ours_at=target_of(target, against, "--against"),
            endpoint_url=endpoint_url,
            as_json=as_json,
        )

    guarded("check", run)


def _held(target: str | None, endpoint_url: str | None) -> Held | None:
    return None if target is None else held_by(target, endpoint_url)


def _selected(
    config: Path | None,
    python: list[str] | None,
    arch: list[str] | None,
    wheelhouse: Path | None,
    index_url: str | None,
    images: str | None,
    debug_info: str | None,
    min_release_age: str | None,
    /,
) -> Settings:
    """build's and plan's settings: the config with their common flags."""
    return settings_from(
        config,
        pythons=python,
        archs=arch,
        wheelhouse=wheelhouse,
        index_url=index_url,
        images=images,
        debug_info=debug_info,
        min_release_age=min_release_age,
    )
