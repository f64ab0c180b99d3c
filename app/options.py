"""The options the commands share, spelled once, and the settings they select.

The published index a command reads or writes is always `--target` (`-t`): publish writes to
it, export reads it, build/plan/check compare with it, yank/prune change it. The spellings of
earlier releases (`--to`, `--from`, `--against`) still work for one release, with a warning.
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Unpack

import typer

from app.console import warn
from builder.errors import InputError
from builder.inputs.settings import (
    Overrides,
    Settings,
    default_environ,
    load_settings,
    with_overrides,
)
from builder.resolve.build_targets import BuildTarget
from index.publish.destinations import DESTINATION_HELP

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
DebugInfoOption = Annotated[
    str | None,
    typer.Option(
        "--debug-info",
        help="strip (default): symbols and debug information out of every ELF file built or "
        "grafted, as upstream's wheels ship; keep: leave them in, for debugging. In the key.",
    ),
]
JobsOption = Annotated[
    str | None,
    typer.Option(
        "--jobs",
        "-j",
        help="Jobs built side by side: a number, or auto (default: the machine's cores, at most "
        "one per 3 GiB of memory). Each job keeps its own log; a recipe's memory-hungry = true "
        "keeps such jobs apart.",
    ),
]
MinReleaseAgeOption = Annotated[
    str | None,
    typer.Option(
        "--min-release-age",
        help="Pick only releases uploaded at least this long ago (7d, 36h, 2w; 0: off), read "
        "from the index's PEP 700 upload times; the plan names the newer ones held back.",
    ),
]
EndpointOption = Annotated[
    str | None,
    typer.Option(
        "--endpoint-url",
        help="S3-compatible endpoint (MinIO, Ceph, moto); default: AWS. Credentials come from "
        "the standard chain (AWS_* variables, AWS_PROFILE, ~/.aws, instance role).",
    ),
]
JsonOption = Annotated[bool, typer.Option("--json", help="Machine-readable output on stdout.")]
ListOption = Annotated[
    Path,
    typer.Option(
        "--list",
        "-l",
        help="The curated list: requirements syntax (pins, ranges, extras, markers, -r).",
    ),
]
RunnerOption = Annotated[
    str | None,
    typer.Option(
        "--runner",
        help="Only the archs the config's [runners] table gives this runner (e.g. a native "
        "arm64 runner); `local` is the default runner.",
    ),
]
ShardOption = Annotated[
    str | None,
    typer.Option(
        "--shard",
        help="I/N: build only shard I of N (cost-balanced, the same split `wheelhouse plan "
        "--shards N` prints; give both the same --target).",
    ),
]
ShardsOption = Annotated[
    int | None,
    typer.Option(
        "--shards",
        help="Split the due jobs into N cost-balanced shards per runner and print the CI "
        "matrix; each shard runs `wheelhouse build --shard I/N` with the same --target.",
    ),
]
NoDepsOption = Annotated[
    bool, typer.Option("--no-deps", help="Build only the listed packages, not their dependencies.")
]
FromSourceOption = Annotated[
    bool,
    typer.Option("--build-from-source", help="Compile even where upstream has a musllinux wheel."),
]
DryRunOption = Annotated[bool, typer.Option("--dry-run", help="Print the plan; build nothing.")]
IncludesOutsideOption = Annotated[
    bool,
    typer.Option(
        "--allow-includes-outside",
        help="Let `-r FILE` lines include files outside the list's directory.",
    ),
]
EchoOption = Annotated[
    bool,
    typer.Option("--echo-commands", help="Echo every command (and show tracebacks of bugs)."),
]
EchoAlias = Annotated[
    bool, typer.Option("--verbose", "-v", hidden=True, help="Old name of --echo-commands.")
]

# The published index, one spelling for every command.
TargetOption = Annotated[
    str, typer.Option("--target", "-t", help=f"The published index: {DESTINATION_HELP}.")
]
PublishTargetOption = Annotated[
    str | None, typer.Option("--target", "-t", help=f"Where: {DESTINATION_HELP}.")
]
HeldTargetOption = Annotated[
    str | None,
    typer.Option(
        "--target",
        "-t",
        help="What the publish target holds (dir:PATH, s3://BUCKET/PFX, a pypiserver URL, or "
        "a wheelhouse directory): its jobs are not due. A pypiserver is matched by wheel file "
        "name (it keeps no manifest). Default: the wheelhouse.",
    ),
]
ReadTargetOption = Annotated[
    str | None,
    typer.Option(
        "--target",
        "-t",
        help="Our published index: a static one (dir:PATH or s3://BUCKET/PFX). "
        "Default: the wheelhouse.",
    ),
]
AgainstAlias = Annotated[
    str | None, typer.Option("--against", hidden=True, help="Old name of --target.")
]
FromAlias = Annotated[str | None, typer.Option("--from", hidden=True, help="Old name of --target.")]
ToAlias = Annotated[str | None, typer.Option("--to", hidden=True, help="Old name of --target.")]


def flag_of(flag: bool, old: bool, old_name: str, name: str) -> bool:
    """A flag, or its old spelling (with a warning)."""
    if old:
        warn(f"`build {old_name}` is now `build {name}` (`wheelhouse -v build` shows tracebacks)")
    return flag or old


def target_of(target: str | None, old: str | None, old_name: str) -> str | None:
    """--target, or the old spelling of it (with a warning); never both."""
    if old is None:
        return target
    if target is not None:
        raise InputError(
            f"--target and {old_name} name the same thing; give only --target",
            hint=f"{old_name} is the old spelling of --target",
        )
    warn(f"{old_name} is now spelled --target; {old_name} goes away in the next release")
    return old


def settings_from(config: Path | None, **flags: Unpack[Overrides]) -> Settings:
    """The config file's settings (or the defaults), with the command line's overrides."""
    settings = load_settings(config=config, cwd=Path.cwd(), env=default_environ())
    return with_overrides(settings, **flags)


def build_targets(settings: Settings) -> list[BuildTarget]:
    """Every (CPython, arch) the settings select."""
    return [
        BuildTarget(python=python, arch=arch, musllinux=settings.musllinux)
        for arch in settings.archs
        for python in settings.pythons
    ]
