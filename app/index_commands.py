"""The commands of the index: `serve`, `publish`, `export`, `merge`, `report`, `yank` and
`prune`. Each reads its options and calls one function; `app.cli` registers them."""

from __future__ import annotations

from dataclasses import asdict
from pathlib import Path
from typing import Annotated

import typer

from app.console import done, guarded, plain, write_json
from app.exporting import run_export
from app.merging import merge_wheelhouses
from app.options import (
    ArchOption,
    ConfigOption,
    EndpointOption,
    FromAlias,
    JsonOption,
    PublishTargetOption,
    PythonOption,
    ReadTargetOption,
    TargetOption,
    ToAlias,
    WheelhouseOption,
    build_targets,
    settings_from,
    target_of,
)
from app.publishing import PagesSource, run_publish
from app.reporting import run_reporting
from app.yanking import run_prune, run_yank
from builder.errors import InputError
from index.clock import SYSTEM_CLOCK


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
        int, typer.Option(help="Worker threads answering requests at once.", min=1, max=256)
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
        settings = settings_from(config, wheelhouse=wheelhouse)
        options = ServeOptions(
            wheelhouse=settings.wheelhouse,
            show_logs=settings.publish_logs == "tail",
            host=host,
            port=port,
            htpasswd=htpasswd,
            authenticate_reads=authenticate_reads,
            threads=threads,
            mirror_to=mirror_to,
        )
        serve(options, announce=plain)

    guarded("serve", run)


def publish_command(
    target: PublishTargetOption = None,
    to: ToAlias = None,
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
    files first, then project pages, then the root, so a reader never sees a dangling link; then
    the pages for people under /-/ (the tails of build logs only with publish-logs = "tail").
    """

    def run() -> None:
        where = target_of(target, to, "--to")
        if where is None:
            raise InputError("publish needs --target", hint="e.g. --target dir:/srv/index")
        settings = settings_from(config, wheelhouse=wheelhouse)
        run_publish(
            where,
            wheelhouse=settings.wheelhouse,
            pages=PagesSource.of(settings),
            manifest=manifest,
            endpoint_url=endpoint_url,
            overwrite=overwrite,
            as_json=as_json,
        )

    guarded("publish", run)


def export_command(
    target: ReadTargetOption = None,
    source: FromAlias = None,
    config: ConfigOption = None,
    python: PythonOption = None,
    arch: ArchOption = None,
    wheelhouse: WheelhouseOption = None,
    endpoint_url: EndpointOption = None,
    project: Annotated[
        list[str] | None, typer.Option("--project", "-P", help="Only these projects (repeat).")
    ] = None,
    index_url: Annotated[
        str | None, typer.Option("--index-url", help="The index URL to name in the usage comment.")
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
        settings = settings_from(config, pythons=python, archs=arch, wheelhouse=wheelhouse)
        run_export(
            target_of(target, source, "--from"),
            wheelhouse=settings.wheelhouse,
            targets=build_targets(settings),
            only=project or [],
            index_url=index_url,
            endpoint_url=endpoint_url,
            output=output,
        )

    guarded("export", run)


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
        report = merge_wheelhouses(sources, into, clock=SYSTEM_CLOCK)
        if as_json:
            write_json(asdict(report))
        done(
            f"merged {len(sources)} wheelhouses into {into}: {len(report.added)} wheels added, "
            f"{len(report.already)} already there, {report.runs} runs recorded"
        )

    guarded("merge", run)


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
    html: Annotated[
        Path | None,
        typer.Option(
            "--html", help="Also write the run's page for people here (with a build-time chart)."
        ),
    ] = None,
    as_json: JsonOption = False,
) -> None:
    """One pipeline run's report: per shard what was due, built, mirrored, reused, skipped and
    failed (with log tails), wall time per arch and the size of the new wheels. Markdown on
    stdout (or --markdown FILE, e.g. for $GITHUB_STEP_SUMMARY); --html FILE for people (per
    package, and a chart of build time per package and arch); --json for machines."""
    guarded(
        "report",
        lambda: run_reporting(reports, markdown=markdown, html=html, as_json=as_json),
    )


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

    The files stay, and the HTML and JSON pages both mark them; --undo reverses it. The pages
    for people (/-/) are written again (with this directory's wheelhouse for log tails).
    """
    guarded(
        "yank",
        lambda: run_yank(
            target,
            project,
            version=version,
            filename=file,
            reason=None if undo else reason,
            endpoint_url=endpoint_url,
            pages=PagesSource.here(),
        ),
    )


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

    Pages are rewritten first, then the files deleted, so no page links to a deleted file;
    then the pages for people (/-/).
    """
    guarded(
        "prune",
        lambda: run_prune(
            target,
            keep=keep,
            projects=project or [],
            dry_run=dry_run,
            endpoint_url=endpoint_url,
            as_json=as_json,
            pages=PagesSource.here(),
        ),
    )
