"""The `wheelhouse` command. Thin: each command builds settings and calls one library function.
Errors become exit codes here and only here."""

from __future__ import annotations

import json
import sys
from collections.abc import Callable, Iterator
from contextlib import ExitStack, contextmanager
from dataclasses import asdict
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.console import Console
from rich.status import Status

from app.checking import FINE, check_requirements
from app.held import (
    MANIFEST_KEY,
    Held,
    is_local_wheelhouse,
    local_held,
    published_held,
    record_published,
)
from app.merging import merge_wheelhouses
from app.publishing import collect_wheels, export_requirements, opened
from app.report import (
    arch_table,
    check_table,
    due_table,
    plan_table,
    print_failures,
    report_json,
    shards_table,
    summary_table,
)
from app.run_report import render_markdown, report_problem, run_report
from builder.errors import CommandFailed, InputError, JobsFailed, WheelhouseError
from builder.host.clock import Clock, SystemClock
from builder.host.commands import CommandRunner
from builder.host.containers import Containers
from builder.host.http_client import HttpClient
from builder.host.images import build_local_images
from builder.inputs.curated_list import parse_list
from builder.inputs.settings import Settings, default_environ, load_settings, with_overrides
from builder.pipeline import (
    BuildRequest,
    build,
    default_index_url,
    preparer_for,
    tool_versions,
)
from builder.plan.due import due_jobs
from builder.plan.jobs import Job
from builder.plan.shards import ci_matrix, cost_estimator, make_shards, parse_shard
from builder.resolve.build_targets import BuildTarget
from builder.resolve.upstream import Upstream
from builder.wheelhouse.manifest import load_manifest
from index.errors import IndexProblem
from index.publish.destinations import DESTINATION_HELP, Destination, parse_destination
from index.publish.export import pages_from_files
from index.publish.publishers import Publisher

app = typer.Typer(
    name="wheelhouse",
    help=(
        "Build musllinux wheels ahead of time and serve them from a private index, so that "
        "Alpine images install in seconds instead of compiling.\n\n"
        "Typical use:  wheelhouse images build;  wheelhouse build --list configs/deps.txt;  "
        "wheelhouse serve"
    ),
    no_args_is_help=True,
    pretty_exceptions_enable=False,
    add_completion=False,
    # Help is plain text: [tool.wheelhouse] and [runners] stay as written, and each docstring
    # paragraph is re-flowed to the terminal's width as a whole.
    rich_markup_mode=None,
)
images_app = typer.Typer(
    help="Builder and runtime images.", no_args_is_help=True, rich_markup_mode=None
)
INTERNAL_ERROR = 70  # EX_SOFTWARE: a bug of ours, not the user's input
_shown = {"traceback": False}


@app.callback()
def _global_options(
    verbose: Annotated[
        bool,
        typer.Option(
            "--verbose",
            "-v",
            help="Show the traceback when wheelhouse fails on an internal error.",
        ),
    ] = False,
) -> None:
    """Options for every command (give them before the command's name)."""
    _shown["traceback"] = verbose


app.add_typer(images_app, name="images")

TARGET_HELP = DESTINATION_HELP
LOG_WIDTH = 200
# Long paths and commands stay copy-pasteable; in a log (no terminal) tables get room enough
# that no package name is cut short.
err = Console(stderr=True, soft_wrap=True, width=None if sys.stderr.isatty() else LOG_WIDTH)

ConfigOption = Annotated[
    Path | None,
    typer.Option(
        "--config",
        help="wheelhouse.toml, or a pyproject.toml with [tool.wheelhouse]. "
        "Default: ./wheelhouse.toml, then ./pyproject.toml.",
    ),
]
PythonOption = Annotated[
    list[str] | None,
    typer.Option(
        "--python", "-p", help="CPython version(s), e.g. 3.11 (repeat or comma-separate)."
    ),
]
ArchOption = Annotated[
    list[str] | None,
    typer.Option("--arch", "-a", help="Architecture(s): x86_64, aarch64."),
]
IndexUrlOption = Annotated[
    str | None, typer.Option("--index-url", help="Upstream PEP 503/691 index.")
]
WheelhouseOption = Annotated[
    Path | None, typer.Option("--wheelhouse", "-w", help="Wheelhouse directory (output).")
]
ImagesOption = Annotated[
    str | None, typer.Option("--images", help="auto, pypa (registry) or local.")
]
AgainstOption = Annotated[
    str | None,
    typer.Option(
        "--against",
        help="What the publish target holds (dir:PATH, s3://BUCKET/PFX, a pypiserver URL, or "
        "a wheelhouse directory): its jobs are not due. A pypiserver is matched by wheel file "
        "name (it keeps no manifest). Default: the wheelhouse.",
    ),
]
ShardOption = Annotated[
    str | None,
    typer.Option(
        "--shard",
        help="I/N: build only shard I of N (cost-balanced, the same split `wheelhouse plan "
        "--shards N` prints; give both the same --against).",
    ),
]


def _settings(
    config: Path | None,
    *,
    pythons: list[str] | None = None,
    archs: list[str] | None = None,
    wheelhouse: Path | None = None,
    index_url: str | None = None,
    images: str | None = None,
) -> Settings:
    settings = load_settings(config=config, cwd=Path.cwd(), env=default_environ())
    return with_overrides(
        settings,
        pythons=pythons,
        archs=archs,
        wheelhouse=wheelhouse,
        index_url=index_url,
        images=images,
    )


def _targets(settings: Settings) -> list[BuildTarget]:
    """Every (CPython, arch) the settings select."""
    return [
        BuildTarget(python=python, arch=arch, musllinux=settings.musllinux)
        for arch in settings.archs
        for python in settings.pythons
    ]


@app.command("build")
def build_command(
    list_path: Annotated[
        Path,
        typer.Option(
            "--list",
            "-l",
            help="The curated list: requirements syntax (pins, ranges, extras, markers, -r).",
        ),
    ],
    config: ConfigOption = None,
    python: PythonOption = None,
    arch: ArchOption = None,
    wheelhouse: WheelhouseOption = None,
    index_url: IndexUrlOption = None,
    images: ImagesOption = None,
    no_deps: Annotated[
        bool,
        typer.Option("--no-deps", help="Build only the listed packages, not their dependencies."),
    ] = False,
    build_from_source: Annotated[
        bool,
        typer.Option(
            "--build-from-source", help="Compile even where upstream has a musllinux wheel."
        ),
    ] = False,
    dry_run: Annotated[
        bool, typer.Option("--dry-run", help="Print the plan; build nothing.")
    ] = False,
    runner_label: Annotated[
        str | None,
        typer.Option(
            "--runner",
            help="Build only the archs the config's [runners] table gives this runner "
            "(e.g. a native arm64 runner); `local` is the default runner.",
        ),
    ] = None,
    as_json: Annotated[
        bool, typer.Option("--json", help="Machine-readable output on stdout.")
    ] = False,
    allow_includes_outside: Annotated[
        bool,
        typer.Option(
            "--allow-includes-outside",
            help="Let `-r FILE` lines include files outside the list's directory.",
        ),
    ] = False,
    against: AgainstOption = None,
    shard: ShardOption = None,
    endpoint_url: EndpointOption = None,
    verbose: Annotated[bool, typer.Option("--verbose", "-v", help="Echo every command.")] = False,
) -> None:
    """Resolve the list against the upstream index, plan, build, repair and verify wheels.

    Both x86_64 and aarch64 are built unless --arch or the config says otherwise. A foreign arch
    (aarch64 on an x86_64 machine) runs in its own arch's containers under QEMU through
    binfmt_misc, checked before anything starts, with the compiler run cross where it can (the
    host's zig; [execution] in the config); a native one runs natively. The plan records which,
    and the runner each arch goes to.

    For a scheduled pipeline: --against TARGET skips what the publish target holds, and
    --shard I/N builds one of the shards `wheelhouse plan --shards N` printed.

    Each (package, version, CPython, arch) becomes one job: build (cibuildwheel in a musllinux
    container, auditwheel repair), mirror (upstream already ships a compatible wheel; copied and
    sha256-verified) or skip (already in the wheelhouse with the same content key). Every new wheel
    is installed and imported in a clean musl runtime image before it enters the wheelhouse.

    Exit codes: 0 all good, 1 some jobs failed, 2 bad input, 3 upstream index, 4 environment
    (the README's table lists every code).
    """

    def run() -> None:
        settings = _settings(
            config,
            pythons=python,
            archs=arch,
            wheelhouse=wheelhouse,
            index_url=index_url,
            images=images,
        )
        request = BuildRequest(
            list_path=list_path,
            follow_deps=not no_deps,
            force_source=build_from_source,
            dry_run=dry_run,
            keep_pages=not dry_run,
            runner=runner_label,
            allow_outside_includes=allow_includes_outside,
            shard=None if shard is None else parse_shard(shard),
            **_against_fields(against, endpoint_url),
        )
        if verbose:
            _shown["traceback"] = True
        echo = (
            (lambda line: err.print(f"[dim]$ {line}[/]", markup=True, highlight=False))
            if verbose
            else None
        )
        commands = CommandRunner(env=default_environ(), echo=echo)
        with HttpClient() as client, err.status("starting", spinner="dots") as status:
            clock = SystemClock()
            live = _LiveProgress(status, clock)
            report = build(
                settings,
                request,
                commands=commands,
                client=client,
                clock=clock,
                note=live.note,
                progress=live.progress,
            )
        for warning in report.warnings:
            err.print(f"[yellow]warning:[/] {warning}", highlight=False)
        if dry_run:
            if as_json:
                sys.stdout.write(json.dumps(report.plan.to_json(), indent=2) + "\n")
            else:
                err.print(plan_table(report.plan))
            return
        if as_json:
            sys.stdout.write(json.dumps(report_json(report, shard), indent=2) + "\n")
        err.print(summary_table(report))
        err.print(arch_table(report))
        print_failures(err, report)
        if report.failed:
            raise JobsFailed(
                f"{len(report.failed)} of {len(report.outcomes)} jobs failed "
                "(the others completed; see above)"
            )
        err.print(f"[green]wheelhouse ready:[/] {settings.wheelhouse}", highlight=False)

    _guarded("build", run)


class _LiveProgress:
    """A spinner naming the step under way (on a terminal), and a line per job step that says
    which job of how many it is and how long the run has taken: `[3/12 04:41] build numpy ...`.
    The executor announces every job it will run (`queued`) before it starts the first."""

    def __init__(self, status: Status, clock: Clock) -> None:
        self._status = status
        self._clock = clock
        self._began = clock.monotonic()
        self._total = 0
        self._started = 0
        self._failed = 0

    def note(self, line: str) -> None:
        err.print(f"[blue]>[/] {line}", highlight=False)
        self._status.update(line)

    def progress(self, job: Job, step: str) -> None:
        if step == "queued":
            self._total += 1
            return
        starting = step in ("build", "mirror", "fail")
        self._started += starting
        minutes, seconds = divmod(int(self._clock.monotonic() - self._began), 60)
        where = f"{self._started}/{self._total} {minutes:02d}:{seconds:02d}"
        if starting:
            err.print(f"[bold]\\[{where}][/] {step:6} {job.label}", highlight=False)
        elif step == "failed":
            self._failed += 1
            err.print(f"    [red]failed[/] {job.label}", highlight=False)
        elif step == "verify":
            err.print(f"    verify {job.label}", highlight=False)
        failed = f", {self._failed} failed" if self._failed else ""
        self._status.update(f"{step} {job.label}  ({where}{failed})")


@images_app.command("build")
def images_build_command(
    config: ConfigOption = None,
    arch: ArchOption = None,
    cache_dir: Annotated[
        Path,
        typer.Option("--cache-dir", help="Where Debian sources and the rootfs are kept."),
    ] = Path("/var/cache/wheelhouse"),
) -> None:
    """Build the local musllinux builder and runtime images (no registry needed).

    They come from Debian packages and Debian's CPython sources compiled against musl, laid out like
    the pypa images, and are tagged with the hash of their recipe (builder/host/image_recipe, shipped in the package): running this
    again is instant until the recipe changes. One pair per selected arch (default: x86_64 and
    aarch64). The other arch's interpreters are cross-compiled on this machine and its images
    assembled under QEMU emulation (checked first); that takes up to 40 minutes the first time
    (x86_64: about 20).
    Follow the progress with `tail -f CACHE_DIR/images-ARCH.log`.
    """

    def run() -> None:
        settings = _settings(config, archs=arch)
        commands = CommandRunner(env=default_environ())
        for one_arch in settings.archs:
            log = cache_dir / f"images-{one_arch}.log"
            builder, runtime = build_local_images(
                commands,
                Containers(commands),
                arch=one_arch,
                policy=settings.musllinux,
                cache_dir=cache_dir,
                log=log,
                progress=lambda line: err.print(f"[blue]>[/] {line}", highlight=False),
            )
            err.print(
                f"[green]{one_arch}:[/] builder {builder}, runtime {runtime}", highlight=False
            )

    _guarded("images build", run)


@app.command("serve")
def serve_command(
    config: ConfigOption = None,
    wheelhouse: WheelhouseOption = None,
    host: Annotated[str, typer.Option(help="Address to listen on.")] = "127.0.0.1",
    port: Annotated[int, typer.Option(help="Port to listen on.")] = 8080,
    htpasswd: Annotated[
        Path | None, typer.Option(help="htpasswd file: enables uploads for its users.")
    ] = None,
    authenticate_reads: Annotated[
        bool, typer.Option("--authenticate-reads", help="Require credentials to read too.")
    ] = False,
    threads: Annotated[
        int,
        typer.Option(help="Worker threads answering requests at once.", min=1, max=256),
    ] = 8,
    mirror_to: Annotated[
        Path | None,
        typer.Option(
            "--mirror-to",
            help="Keep a static PEP 503/691 tree here in step with the wheelhouse, for a web "
            "server in front (see infra/selfhosted/).",
        ),
    ] = None,
) -> None:
    """Serve the wheelhouse as a PEP 503/691 index (the embedded default index).

    Reads come from memory: the wheelhouse is listed once and again only when it changes, so
    project pages stay fast at tens of thousands of files. Uploads (twine) and removals go
    through pypiserver: they need --htpasswd, and overwriting a file is refused. Reads are open
    unless --authenticate-reads. Unknown projects are 404, never forwarded to PyPI: a private
    index that forwards unknown names invites dependency confusion.

    Example:  wheelhouse serve --host 0.0.0.0 --port 8080 --htpasswd /etc/wheelhouse/htpasswd
    """
    from index.serve.server import ServeOptions, serve  # noqa: PLC0415  (pypiserver is heavy)

    def run() -> None:
        settings = _settings(config, wheelhouse=wheelhouse)
        options = ServeOptions(
            wheelhouse=settings.wheelhouse,
            host=host,
            port=port,
            htpasswd=htpasswd,
            authenticate_reads=authenticate_reads,
            threads=threads,
            mirror_to=mirror_to,
        )
        serve(options, announce=lambda line: err.print(line, highlight=False, markup=False))

    _guarded("serve", run)


EndpointOption = Annotated[
    str | None,
    typer.Option(
        "--endpoint-url",
        help="S3-compatible endpoint (MinIO, Ceph, moto); default: AWS. Credentials come from "
        "the standard chain (AWS_* variables, AWS_PROFILE, ~/.aws, instance role).",
    ),
]
JsonOption = Annotated[bool, typer.Option("--json", help="Machine-readable output on stdout.")]


def _say(line: str) -> None:
    err.print(f"[blue]>[/] {line}", highlight=False)


@contextmanager
def _publisher(destination: Destination, endpoint_url: str | None) -> Iterator[Publisher]:
    """Open a parsed destination's publisher with this process's doors."""
    env = default_environ()
    with opened(
        destination, endpoint_url=endpoint_url, env=env, commands=CommandRunner(env=env)
    ) as publisher:
        yield publisher


@app.command("publish")
def publish_command(
    to: Annotated[str, typer.Option("--to", "-t", help=f"Where: {TARGET_HELP}.")],
    config: ConfigOption = None,
    wheelhouse: WheelhouseOption = None,
    manifest: Annotated[
        Path | None,
        typer.Option(
            "--manifest", help="Publish only the wheels this manifest lists (they sit beside it)."
        ),
    ] = None,
    endpoint_url: EndpointOption = None,
    overwrite: Annotated[
        bool,
        typer.Option(
            "--overwrite", help="Replace a published file that has the same name but other content."
        ),
    ] = False,
    as_json: JsonOption = False,
) -> None:
    """Publish the wheelhouse to a static index directory, S3, or a pypiserver.

    \b
      dir:PATH          a static PEP 503/691 tree any web server (or file://) can serve
      s3://BUCKET/PFX   the same tree in S3 (boto3; --endpoint-url for S3-compatible stores)
      http(s)://HOST/   a pypiserver, uploading with twine (TWINE_USERNAME / TWINE_PASSWORD,
                        a ~/.pypirc section with this repository URL, or keyring)

    Every wheel is checked first (name, zip, METADATA, the manifest's sha256): a bad file stops
    the publish before anything is sent. Files already there with the same sha256 are skipped; a
    different file under a published name is refused unless --overwrite. Static targets get the
    files first, then project pages, then the root, so a reader never sees a dangling link.
    """

    def run() -> None:
        destination = parse_destination(to)  # a wrong one is reported before any wheel is read
        settings = _settings(config, wheelhouse=wheelhouse)
        dists = collect_wheels(settings.wheelhouse, manifest=manifest)
        _say(f"{len(dists)} wheels checked")
        with _publisher(destination, endpoint_url) as publisher:
            report = publisher.publish(dists, overwrite=overwrite, progress=_say)
            published = {dist.entry.filename for dist in dists}
            local = (
                load_manifest(manifest.parent, name=manifest.name)
                if manifest is not None
                else load_manifest(settings.wheelhouse)
            )
            if record_published(publisher, local, published):
                _say(f"recorded their manifest entries in {MANIFEST_KEY}")
        if as_json:
            sys.stdout.write(json.dumps(asdict(report), indent=2) + "\n")
        err.print(
            f"[green]published[/] to {report.target}: {len(report.uploaded)} uploaded, "
            f"{len(report.unchanged)} already there, {len(report.pages)} pages written",
            highlight=False,
        )

    _guarded("publish", run)


@app.command("export")
def export_command(
    source: Annotated[
        str | None,
        typer.Option(
            "--from", help="A static index (dir:PATH or s3://...). Default: the wheelhouse."
        ),
    ] = None,
    config: ConfigOption = None,
    python: PythonOption = None,
    arch: ArchOption = None,
    wheelhouse: WheelhouseOption = None,
    endpoint_url: EndpointOption = None,
    project: Annotated[
        list[str] | None, typer.Option("--project", "-P", help="Only these projects (repeat).")
    ] = None,
    index_url: Annotated[
        str | None,
        typer.Option("--index-url", help="The index URL to name in the usage comment."),
    ] = None,
    output: Annotated[
        Path | None, typer.Option("--output", "-o", help="Write here instead of stdout.")
    ] = None,
) -> None:
    """Write a requirements file pinned to one consistent set of the index's versions, with
    --hash lines.

    The versions are resolved over the index's own pages and metadata for every configured
    Python and arch (--python/--arch choose), newest first, so that no pin contradicts
    another's requirements; the dependencies of the projects come along.

    pip then runs in hash-checking mode and accepts only these exact wheels, even with PyPI as
    the primary index: neither a newer upload of the same name on PyPI (dependency confusion) nor
    PyPI's sdist of the same version can satisfy it. Yanked versions are left out.
    """

    def run() -> None:
        settings = _settings(config, pythons=python, archs=arch, wheelhouse=wheelhouse)
        targets = _targets(settings)
        with ExitStack() as stack:
            publisher = (
                None
                if source is None
                else stack.enter_context(_publisher(parse_destination(source), endpoint_url))
            )
            text = export_requirements(
                source=publisher,
                wheelhouse=settings.wheelhouse,
                targets=targets,
                only=project or [],
                index_url=index_url,
            )
        if output is None:
            sys.stdout.write(text)
            return
        if output.is_dir():
            raise InputError(f"-o {output}: is a directory", hint="name a file, e.g. -o req.txt")
        if not output.parent.is_dir():
            raise InputError(f"-o {output}: no directory {output.parent}")
        try:
            output.write_text(text, encoding="utf-8")
        except OSError as exc:
            raise InputError(f"-o {output}: cannot write ({exc.strerror})") from None
        _say(f"wrote {output}")

    _guarded("export", run)


def _against_fields(against: str | None, endpoint_url: str | None) -> dict[str, Any]:
    """BuildRequest's fields for --against (none without it)."""
    if against is None:
        return {}
    held = _held(against, endpoint_url)
    return {"against": held.manifest, "against_files": held.files}


def _held(against: str, endpoint_url: str | None) -> Held:
    """What --against holds."""
    if is_local_wheelhouse(against):
        return local_held(against)
    with _publisher(parse_destination(against), endpoint_url) as publisher:
        held = published_held(publisher)
    if held.note:
        err.print(f"[yellow]note:[/] {held.note}", highlight=False)
    return held


@app.command("plan")
def plan_command(
    list_path: Annotated[
        Path, typer.Option("--list", "-l", help="The curated list (as for `wheelhouse build`).")
    ],
    against: AgainstOption = None,
    shards: Annotated[
        int | None,
        typer.Option(
            "--shards",
            help="Split the due jobs into N cost-balanced shards per runner and print the CI "
            "matrix; each shard runs `wheelhouse build --shard I/N` with the same --against.",
        ),
    ] = None,
    config: ConfigOption = None,
    python: PythonOption = None,
    arch: ArchOption = None,
    wheelhouse: WheelhouseOption = None,
    index_url: IndexUrlOption = None,
    images: ImagesOption = None,
    runner_label: Annotated[
        str | None, typer.Option("--runner", help="Only the archs of this runner ([runners]).")
    ] = None,
    endpoint_url: EndpointOption = None,
    as_json: JsonOption = False,
) -> None:
    """What a scheduled run must do: the list's jobs that the target does not hold, and why.

    Resolves the list against the upstream index (as `build --dry-run`; nothing is built, no
    image is pulled) and compares each job's content key with what --against holds. A due job
    says why: missing, new upstream version, new Python, recipe / builder image / toolchain /
    tool changed, failed last time. With --shards N the due jobs are split per runner into N
    shards of similar estimated cost (past durations from the manifest) and the CI matrix is
    printed (`--json`: under "matrix"). Exit 0 whether or not anything is due.
    """

    def run() -> None:
        settings = _settings(
            config,
            pythons=python,
            archs=arch,
            wheelhouse=wheelhouse,
            index_url=index_url,
            images=images,
        )
        held = _held(against, endpoint_url) if against is not None else None
        request = BuildRequest(
            list_path=list_path,
            dry_run=True,
            runner=runner_label,
            against=None if held is None else held.manifest,
            against_files=None if held is None else held.files,
        )
        with HttpClient() as client, err.status("planning", spinner="dots") as status:
            clock = SystemClock()
            live = _LiveProgress(status, clock)
            report = build(
                settings,
                request,
                commands=CommandRunner(env=default_environ()),
                client=client,
                clock=clock,
                note=live.note,
                progress=live.progress,
            )
        for warning in report.warnings:
            err.print(f"[yellow]warning:[/] {warning}", highlight=False)
        history = held.manifest if held is not None else load_manifest(settings.wheelhouse)
        files = None if held is None else held.files
        due = due_jobs(report.plan, history, tool_versions(), files=files)
        pieces = (
            make_shards([d.job for d in due], shards, cost_estimator(history))
            if shards is not None
            else []
        )
        if as_json:
            out: dict[str, object] = {
                "due": [{**d.job.to_json(), "due": d.reason} for d in due],
                "held": sum(1 for job in report.plan.jobs if job.action == "skip"),
                "jobs": len(report.plan.jobs),
            }
            if shards is not None:
                out["shards"] = [
                    {
                        "runner": piece.runner,
                        "shard": piece.label,
                        "estimated_s": piece.estimated_s,
                        "jobs": [job.label for job in piece.jobs],
                    }
                    for piece in pieces
                ]
                out["matrix"] = ci_matrix(pieces)
            sys.stdout.write(json.dumps(out, indent=2) + "\n")
        err.print(due_table(due, len(report.plan.jobs)))
        if pieces:
            err.print(shards_table(pieces))

    _guarded("plan", run)


@app.command("merge")
def merge_command(
    sources: Annotated[
        list[Path], typer.Argument(help="The shard wheelhouses to combine.", show_default=False)
    ],
    into: Annotated[
        Path, typer.Option("--into", help="The wheelhouse they go into (created if needed).")
    ],
    as_json: JsonOption = False,
) -> None:
    """Combine the wheelhouses of a run's shards (wheels, logs, manifests) into one.

    Every wheel is checked against its shard's manifest and against the destination first: the
    same file name with different content in two places is a conflict (exit 6) and nothing is
    merged. Files already in the destination are kept, never replaced. Then `wheelhouse publish`
    the merged wheelhouse as usual.
    """

    def run() -> None:
        report = merge_wheelhouses(sources, into, clock=SystemClock())
        if as_json:
            sys.stdout.write(json.dumps(asdict(report), indent=2) + "\n")
        err.print(
            f"[green]merged[/] {len(sources)} wheelhouses into {into}: {len(report.added)} "
            f"wheels added, {len(report.already)} already there, {report.runs} runs recorded",
            highlight=False,
        )

    _guarded("merge", run)


@app.command("report")
def report_command(
    reports: Annotated[
        list[Path],
        typer.Argument(
            help="`wheelhouse build --json` outputs, one per shard.", show_default=False
        ),
    ],
    markdown: Annotated[
        Path | None, typer.Option("--markdown", help="Also write the Markdown report here.")
    ] = None,
    as_json: JsonOption = False,
) -> None:
    """One pipeline run's report: per shard what was due, built, mirrored, reused, skipped and
    failed (with log tails), wall time per arch and the size of the new wheels. Markdown on
    stdout (or --markdown FILE, e.g. for $GITHUB_STEP_SUMMARY); --json for machines."""

    def run() -> None:
        loaded: list[tuple[str, dict[str, object]]] = []
        for path in reports:
            try:
                data = json.loads(path.read_text(encoding="utf-8"))
            except (OSError, ValueError, RecursionError) as exc:
                raise InputError(
                    f"{path}: not a `wheelhouse build --json` report ({exc})"
                ) from None
            problem = report_problem(data)
            if problem is not None:
                raise InputError(f"{path}: not a `wheelhouse build --json` report ({problem})")
            loaded.append((path.name, data))
        summary = run_report(loaded)
        text = render_markdown(summary)
        if markdown is not None:
            try:
                markdown.write_text(text, encoding="utf-8")
            except OSError as exc:
                raise InputError(
                    f"--markdown {markdown}: cannot write it ({exc.strerror})",
                    hint="name a file in a directory that exists",
                ) from None
        if as_json:
            sys.stdout.write(json.dumps(summary, indent=2) + "\n")
        elif markdown is None:
            sys.stdout.write(text)

    _guarded("report", run)


@app.command("check")
def check_command(
    requirements: Annotated[
        Path,
        typer.Option(
            "--requirements", "-r", help="The requirements file your Alpine image installs."
        ),
    ],
    against: Annotated[
        str | None,
        typer.Option(
            "--against",
            help="Our index: a static one (dir:PATH or s3://...). Default: the wheelhouse.",
        ),
    ] = None,
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
        settings = _settings(
            config, pythons=python, archs=arch, wheelhouse=wheelhouse, index_url=index_url
        )
        entries = parse_list(requirements)
        targets = _targets(settings)
        env = default_environ()
        with ExitStack() as stack:
            if against is not None:
                publisher = stack.enter_context(
                    _publisher(parse_destination(against), endpoint_url)
                )
                ours = publisher.read_index()
            elif settings.wheelhouse.is_dir() and any(settings.wheelhouse.glob("*.whl")):
                ours = pages_from_files(d.entry for d in collect_wheels(settings.wheelhouse))
            else:
                ours = []
                _say(f"no wheelhouse at {settings.wheelhouse}: checking against upstream only")
            client = stack.enter_context(HttpClient())
            upstream = Upstream(
                client=client,
                prepare=preparer_for(settings, CommandRunner(env=env)),
                index_urls=[settings.index_url or default_index_url(), *settings.extra_index_urls],
                cache_dir=settings.wheelhouse / ".cache",
            )
            verdicts = check_requirements(entries, targets, upstream, ours)
        if as_json:
            sys.stdout.write(json.dumps([v.to_json() for v in verdicts], indent=2) + "\n")
        err.print(check_table(verdicts))
        compiling = [v for v in verdicts if v.status not in FINE]
        if compiling:
            raise JobsFailed(
                f"{len(compiling)} of {len(verdicts)} would not install from a wheel on Alpine: "
                + ", ".join(sorted({f"{v.name} {v.version}" for v in compiling})),
                hint="add them to the curated list and `wheelhouse build` them",
            )
        err.print(f"[green]every package installs from a wheel[/] ({len(verdicts)} checked)")

    _guarded("check", run)


TargetOption = Annotated[
    str, typer.Option("--target", "-t", help=f"The published index: {TARGET_HELP}.")
]


@app.command("yank")
def yank_command(
    project: Annotated[str, typer.Argument(help="The project.")],
    target: TargetOption,
    version: Annotated[str | None, typer.Option(help="Every file of this version.")] = None,
    file: Annotated[str | None, typer.Option("--file", help="One file, by name.")] = None,
    reason: Annotated[str, typer.Option(help="Shown to users by pip.")] = "",
    undo: Annotated[bool, typer.Option("--undo", help="Un-yank instead.")] = False,
    endpoint_url: EndpointOption = None,
) -> None:
    """Yank files on a static index (PEP 592): pip skips them unless pinned exactly.

    The files stay, and the HTML and JSON pages both mark them; --undo reverses it.
    """

    def run() -> None:
        if (version is None) == (file is None):
            raise InputError("name what to yank: --version V or --file FILENAME (one of them)")
        with _publisher(parse_destination(target), endpoint_url) as publisher:
            changed = publisher.yank(
                project, version=version, filename=file, reason=None if undo else reason
            )
        verb = "un-yanked" if undo else "yanked"
        for name in changed:
            err.print(f"{verb} {name}", highlight=False)

    _guarded("yank", run)


@app.command("prune")
def prune_command(
    target: TargetOption,
    keep: Annotated[int, typer.Option("--keep", help="Newest non-yanked versions to keep.")],
    project: Annotated[
        list[str] | None,
        typer.Option(
            "--project", "-P", help="Only these projects (default: all; pypiserver: required)."
        ),
    ] = None,
    dry_run: Annotated[bool, typer.Option("--dry-run", help="Say what would go.")] = False,
    endpoint_url: EndpointOption = None,
    as_json: JsonOption = False,
) -> None:
    """Delete every version older than the newest --keep non-yanked ones.

    Pages are rewritten first, then the files deleted, so no page links to a deleted file.
    """

    def run() -> None:
        if keep < 1:
            raise InputError("--keep must be at least 1")
        with _publisher(parse_destination(target), endpoint_url) as publisher:
            removed = publisher.prune(keep=keep, projects=project or [], dry_run=dry_run)
        if as_json:
            sys.stdout.write(json.dumps({"removed": removed, "dry_run": dry_run}) + "\n")
        verb = "would remove" if dry_run else "removed"
        for name in removed:
            err.print(f"{verb} {name}", highlight=False)
        err.print(f"{len(removed)} files {verb}", highlight=False)

    _guarded("prune", run)


def _guarded(command: str, run: Callable[[], None]) -> None:
    try:
        run()
    except WheelhouseError as exc:
        err.print("[red]error:[/] ", end="")
        err.print(exc.message, highlight=False, markup=False)
        if isinstance(exc, CommandFailed) and exc.log_tail:
            err.print(exc.log_tail, highlight=False, markup=False)
        if exc.hint:
            err.print(f"  hint: {exc.hint}", highlight=False, markup=False)
        raise typer.Exit(exc.exit_code) from None
    except IndexProblem as exc:
        err.print("[red]error:[/] ", end="")
        err.print(exc.message, highlight=False, markup=False)
        if exc.hint:
            err.print(f"  hint: {exc.hint}", highlight=False, markup=False)
        raise typer.Exit(exc.exit_code) from None
    except KeyboardInterrupt:
        err.print("[red]interrupted[/]")
        raise typer.Exit(130) from None
    except Exception as exc:  # the last resort: a bug, told in one line
        if _shown["traceback"]:
            err.print_exception()
        err.print(
            f"[red]internal error[/] in `wheelhouse {command}`: {type(exc).__name__}: {exc}",
            highlight=False,
        )
        if not _shown["traceback"]:
            err.print(
                "  hint: run it again as `wheelhouse --verbose ...` for the traceback, and "
                "report it",
                highlight=False,
            )
        raise typer.Exit(INTERNAL_ERROR) from None


def main() -> None:
    app()
