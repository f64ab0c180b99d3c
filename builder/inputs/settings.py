"""Settings: defaults, then the config file, then `WHEELHOUSE_*` environment variables, then flags.

The config file is `wheelhouse.toml` (top-level keys) or `[tool.wheelhouse]` in `pyproject.toml`:

    pythons = ["3.11", "3.13"]          # CPython versions to build for
    archs = ["x86_64", "aarch64"]       # x86_64 and/or aarch64 (default: both)
    musllinux = "musllinux_1_2"         # the policy wheels are built and repaired for
    images = "auto"                     # auto | pypa | local
    index-url = "https://.../simple"    # upstream index (PEP 503 / PEP 691); default: pip's
    extra-index-urls = []               # more upstream indexes, consulted after index-url
    wheelhouse = "wheelhouse"           # output directory (relative to the config file)
    recipes = "configs/recipes"         # recipe directory (relative to the config file)
    build-constraints = ["cython<3"]    # pins for every build environment (recipes add more)
    debug-info = "strip"                # strip (default: symbols and debug information out of
                                        # every ELF file we build or graft, as upstream's
                                        # wheels ship) | keep (for those who debug)
    jobs = "auto"                       # build jobs side by side: a number, or auto (the
                                        # machine's cores, one per 3 GiB of memory at most)
    min-release-age = "7d"              # pick only releases uploaded at least this long ago
                                        # (PEP 700 upload times; 0 or absent: off)
    cargo-registry = "sparse+https://.../index/"  # a crates.io mirror for Rust builds, or
    cargo-vendor = "vendor/crates"      # a vendored crates directory (offline; relative to
                                        # the config file); default: crates.io
    zig-cache = "/var/cache/zig"        # zig's compile cache (libc++ and musl's objects per
                                        # target), shared by wheelhouses that name the same
                                        # one; default: the wheelhouse's .cache/zig-cache
    publish-logs = "no"                 # no (default) | tail: the pages for people (`serve`'s
                                        # and a published static tree's /-/) show the tail of
                                        # each wheel's build log and of each failure's
    build-requirements = "wheelhouse"   # wheelhouse (default): what a build's isolated
                                        # environment would compile (no wheel for the target)
                                        # is built first and its wheel given to the build |
                                        # upstream: the environment takes what pip finds
    [custom-images.x86_64]              # explicit images for one arch, overriding `images`
    builder = "my/musllinux-builder@sha256:..."
    runtime = "my/musl-python:3.11"
    runtime-python = "/opt/python/{abi}/bin/python"
    [runners]                           # which CI runner builds each arch (default: "local")
    aarch64 = "arm64"                   # e.g. a native arm64 runner; `build --runner arm64`
    [execution]                         # how a foreign arch's compiler runs (default: "auto")
    aarch64 = "cross"                   # auto | cross (host's zig, native speed) | qemu
"""

from __future__ import annotations

import os
import re
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from datetime import timedelta
from pathlib import Path
from typing import Any, Literal, TypedDict, Unpack

from builder.errors import InputError
from builder.inputs.recipes import constraint_lines
from builder.inputs.toml_fields import Table, load_toml
from builder.plan.run_modes import EXECUTION_CHOICES

SUPPORTED_ARCHS = ("x86_64", "aarch64")
IMAGE_MODES = ("auto", "pypa", "local")
DEBUG_INFO_CHOICES = ("strip", "keep")
PUBLISH_LOGS_CHOICES = ("no", "tail")
BUILD_REQUIREMENTS_CHOICES = ("wheelhouse", "upstream")
DEFAULT_RUNNER = "local"
ENV_PREFIX = "WHEELHOUSE_"

Kind = Literal["string", "strings", "lines", "path"]


@dataclass(frozen=True)
class Option:
    """One setting: its key in the config file, its WHEELHOUSE_* variable, its Settings field
    and its kind. Paths are relative to the config file (or, from the environment, to the
    working directory); lists are comma- or space-separated in the environment, and "lines"
    (requirements, which hold commas and spaces) one per line."""

    key: str
    env: str
    attr: str
    kind: Kind


# The schema: every plain setting, in one place. [custom-images.<arch>] and [runners] are tables.
OPTIONS = (
    Option("pythons", "PYTHONS", "pythons", "strings"),
    Option("archs", "ARCHS", "archs", "strings"),
    Option("musllinux", "MUSLLINUX", "musllinux", "string"),
    Option("images", "IMAGES", "images", "string"),
    Option("index-url", "INDEX_URL", "index_url", "string"),
    Option("extra-index-urls", "EXTRA_INDEX_URLS", "extra_index_urls", "strings"),
    Option("wheelhouse", "DIR", "wheelhouse", "path"),
    Option("recipes", "RECIPES", "recipes", "path"),
    Option("build-constraints", "BUILD_CONSTRAINTS", "build_constraints", "lines"),
    Option("debug-info", "DEBUG_INFO", "debug_info", "string"),
    Option("jobs", "JOBS", "jobs", "string"),
    Option("min-release-age", "MIN_RELEASE_AGE", "min_release_age", "string"),
    Option("cargo-registry", "CARGO_REGISTRY", "cargo_registry", "string"),
    Option("cargo-vendor", "CARGO_VENDOR", "cargo_vendor", "path"),
    Option("zig-cache", "ZIG_CACHE", "zig_cache", "path"),
    Option("publish-logs", "PUBLISH_LOGS", "publish_logs", "string"),
    Option("build-requirements", "BUILD_REQUIREMENTS", "build_requirements", "string"),
)
TABLE_KEYS = ("custom-images", "runners", "execution")
IMAGE_OVERRIDE_KEYS = ("builder", "runtime", "runtime-python")
SETTINGS_KEYS = ", ".join([*(option.key for option in OPTIONS), *TABLE_KEYS])


@dataclass(frozen=True, kw_only=True)
class ImageOverride:
    builder: str | None = None
    runtime: str | None = None
    runtime_python: str | None = None


@dataclass(frozen=True, kw_only=True)
class Settings:
    pythons: tuple[str, ...] = ("3.11", "3.13")
    archs: tuple[str, ...] = SUPPORTED_ARCHS
    musllinux: str = "musllinux_1_2"
    images: str = "auto"
    index_url: str | None = None
    extra_index_urls: tuple[str, ...] = ()
    wheelhouse: Path = Path("wheelhouse")
    recipes: Path | None = Path("configs/recipes")
    image_overrides: Mapping[str, ImageOverride] = field(default_factory=dict)
    runners: Mapping[str, str] = field(default_factory=dict)  # arch -> runner label
    execution: Mapping[str, str] = field(default_factory=dict)  # arch -> auto | cross | qemu
    build_constraints: tuple[str, ...] = ()  # for every package's build environment
    debug_info: str = "strip"  # strip | keep
    jobs: str = "auto"  # how many jobs run side by side: "auto" or a number
    min_release_age: str | None = None  # "7d": releases younger than that are held back
    cargo_registry: str | None = None  # a registry replacing crates.io (its index URL)
    cargo_vendor: Path | None = None  # a vendored crates directory replacing crates.io
    zig_cache: Path | None = None  # zig's compile cache, when not the wheelhouse's own
    publish_logs: str = "no"  # no | tail: build logs' tails on the pages for people
    build_requirements: str = "wheelhouse"  # wheelhouse | upstream: where builds' needs come from
    source: str = "defaults"

    def runner_for(self, arch: str) -> str:
        return self.runners.get(arch, DEFAULT_RUNNER)


def load_settings(*, config: Path | None, cwd: Path, env: Mapping[str, str]) -> Settings:
    """Build settings from the config file (explicit, or found in cwd) and the environment."""
    settings = Settings(wheelhouse=cwd / "wheelhouse", recipes=cwd / "configs" / "recipes")
    path, table = _find_config(config, cwd)
    if table is not None and path is not None:
        settings = _apply_table(settings, table, base=path.parent, source=str(path))
    return _apply_env(settings, env, cwd=cwd)


def _find_config(config: Path | None, cwd: Path) -> tuple[Path | None, Table | None]:
    if config is not None:
        data = load_toml(config)
        if config.name == "pyproject.toml":
            return config, _tool_table(data, config)
        return config, Table(data, path=config)
    candidate = cwd / "wheelhouse.toml"
    if candidate.is_file():
        return candidate, Table(load_toml(candidate), path=candidate)
    pyproject = cwd / "pyproject.toml"
    if pyproject.is_file():
        table = _tool_table(load_toml(pyproject), pyproject)
        if table is not None:
            return pyproject, table
    return None, None


def _tool_table(data: dict[str, Any], path: Path) -> Table | None:
    tool = data.get("tool", {})
    if not isinstance(tool, dict):
        raise InputError(f"{path}: 'tool' must be a table ([tool.wheelhouse]), not {tool!r:.40}")
    section = tool.get("wheelhouse")
    if section is None:
        return None
    if not isinstance(section, dict):
        raise InputError(f"{path}: [tool.wheelhouse] must be a table")
    return Table(section, path=path, prefix="tool.wheelhouse.")


def _apply_table(settings: Settings, table: Table, *, base: Path, source: str) -> Settings:
    changes: dict[str, Any] = {}
    for option in OPTIONS:
        if option.key not in table:
            continue
        if option.kind in ("strings", "lines"):
            changes[option.attr] = table.strings(option.key)
        elif text := table.string(option.key):
            changes[option.attr] = base / text if option.kind == "path" else text
    overrides: dict[str, ImageOverride] = {}
    custom = table.table("custom-images")
    if custom is not None:
        for arch in custom.keys():  # noqa: SIM118 (marks every key as read)
            arch_table = custom.table(arch) or Table({}, path=table.path)
            overrides[arch] = ImageOverride(
                **{key.replace("-", "_"): arch_table.string(key) for key in IMAGE_OVERRIDE_KEYS}
            )
            arch_table.refuse_unknown(known_hint=", ".join(IMAGE_OVERRIDE_KEYS))
            _check_arch(arch, f"{table.path}: [custom-images.{arch}]")
    runners: dict[str, str] = {}
    runner_table = table.table("runners")
    if runner_table is not None:
        for arch in runner_table.keys():  # noqa: SIM118 (marks every key as read)
            _check_arch(arch, f"{table.path}: [runners]")
            runners[arch] = runner_table.string(arch) or DEFAULT_RUNNER
    execution: dict[str, str] = {}
    execution_table = table.table("execution")
    if execution_table is not None:
        for arch in execution_table.keys():  # noqa: SIM118 (marks every key as read)
            _check_arch(arch, f"{table.path}: [execution]")
            mode = execution_table.string(arch) or "auto"
            if mode not in EXECUTION_CHOICES:
                raise InputError(
                    f"{table.path}: [execution] {arch} = {mode!r} is not one of "
                    f"{', '.join(EXECUTION_CHOICES)}"
                )
            execution[arch] = mode
    table.refuse_unknown(known_hint=SETTINGS_KEYS)
    result = replace(
        settings,
        **changes,
        image_overrides=overrides,
        runners=runners,
        execution=execution,
        source=source,
    )
    return validate(result, where=source)


def _apply_env(settings: Settings, env: Mapping[str, str], *, cwd: Path) -> Settings:
    known = {ENV_PREFIX + option.env: option for option in OPTIONS}
    unknown = sorted(key for key in env if key.startswith(ENV_PREFIX) and key not in known)
    if unknown:
        raise InputError(
            f"unknown environment variable {', '.join(unknown)}",
            hint="known: " + ", ".join(sorted(known)),
        )
    changes: dict[str, Any] = {}
    for name, option in known.items():
        value = env.get(name)
        if not value:
            continue
        if option.kind == "strings":
            changes[option.attr] = _split(value)
        elif option.kind == "lines":
            changes[option.attr] = tuple(
                line.strip() for line in value.splitlines() if line.strip()
            )
        elif option.kind == "path":
            changes[option.attr] = cwd / value
        else:
            changes[option.attr] = value
    if not changes:
        return settings
    return validate(replace(settings, **changes), where="the WHEELHOUSE_* environment")


class Overrides(TypedDict, total=False):
    """The command line's flags that override settings (None or absent: not given)."""

    pythons: list[str] | None
    archs: list[str] | None
    wheelhouse: Path | None
    index_url: str | None
    images: str | None
    debug_info: str | None
    min_release_age: str | None
    jobs: str | None


def with_overrides(settings: Settings, **flags: Unpack[Overrides]) -> Settings:
    """Apply command-line flags, which win over the file and the environment."""
    changes: dict[str, Any] = {}
    for listed, values in (("pythons", flags.get("pythons")), ("archs", flags.get("archs"))):
        if values:
            changes[listed] = tuple(item for value in values for item in _split(value))
    keys = ("wheelhouse", "index_url", "images", "debug_info", "min_release_age", "jobs")
    given = {key: flags.get(key) for key in keys}
    changes.update({key: value for key, value in given.items() if value is not None})
    if "wheelhouse" in changes:  # relative to the working directory, as the shell meant it:
        changes["wheelhouse"] = Path(changes["wheelhouse"]).absolute()  # builds run elsewhere
    return validate(replace(settings, **changes), where="the command line") if changes else settings


def validate(settings: Settings, *, where: str) -> Settings:
    if not settings.pythons:
        raise InputError(f"{where}: no Python versions selected")
    for python in settings.pythons:
        parts = python.split(".")
        if len(parts) != 2 or not all(part.isdigit() for part in parts) or parts[0] != "3":
            raise InputError(
                f"{where}: Python version {python!r} is not of the form 3.N", hint="e.g. 3.11"
            )
    if not settings.archs:
        raise InputError(f"{where}: no architectures selected")
    for arch in settings.archs:
        _check_arch(arch, where)
    constraint_lines(settings.build_constraints, where=where)
    if settings.images not in IMAGE_MODES:
        raise InputError(
            f"{where}: images = {settings.images!r} is not one of {', '.join(IMAGE_MODES)}"
        )
    if settings.debug_info not in DEBUG_INFO_CHOICES:
        raise InputError(
            f"{where}: debug-info = {settings.debug_info!r} is not one of "
            f"{', '.join(DEBUG_INFO_CHOICES)}",
            hint="strip: wheels as small as upstream's; keep: for those who debug",
        )
    if settings.publish_logs not in PUBLISH_LOGS_CHOICES:
        raise InputError(
            f"{where}: publish-logs = {settings.publish_logs!r} is not one of "
            f"{', '.join(PUBLISH_LOGS_CHOICES)}",
            hint="logs can name internal paths and hosts: they are shown only when asked for",
        )
    if settings.build_requirements not in BUILD_REQUIREMENTS_CHOICES:
        raise InputError(
            f"{where}: build-requirements = {settings.build_requirements!r} is not one of "
            f"{', '.join(BUILD_REQUIREMENTS_CHOICES)}",
            hint="wheelhouse: what a build would compile is built first and given to it; "
            "upstream: builds install what pip finds",
        )
    if settings.jobs != "auto" and not (settings.jobs.isdigit() and int(settings.jobs) > 0):
        raise InputError(
            f"{where}: jobs = {settings.jobs!r} is neither a positive number nor auto",
            hint="e.g. jobs = 4; auto: the machine's cores, one per 3 GiB of memory at most",
        )
    if settings.min_release_age is not None:
        try:
            parse_age(settings.min_release_age)
        except ValueError as problem:
            raise InputError(
                f"{where}: min-release-age = {problem}",
                hint='e.g. min-release-age = "7d": releases uploaded in the last 7 days wait',
            ) from None
    if settings.cargo_registry and settings.cargo_vendor:
        raise InputError(
            f"{where}: cargo-registry and cargo-vendor both replace crates.io; set one",
            hint="cargo-registry: a mirror's index URL; cargo-vendor: a directory of crates",
        )
    if settings.cargo_registry and not re.match(r"(sparse\+)?https?://", settings.cargo_registry):
        raise InputError(
            f"{where}: cargo-registry = {settings.cargo_registry!r} is not a registry URL",
            hint="e.g. sparse+https://mirror.example/crates/index/ (cargo's source replacement)",
        )
    if re.fullmatch(r"musllinux_1_\d+", settings.musllinux) is None:
        raise InputError(
            f"{where}: musllinux = {settings.musllinux!r} is not a musllinux policy",
            hint="e.g. musllinux_1_2",
        )
    return settings


_AGE_UNITS = {"m": "minutes", "h": "hours", "d": "days", "w": "weeks"}
_AGE = re.compile(r"\s*(\d+)\s*([mhdw])\s*")


def parse_age(text: str) -> timedelta:
    """ "7d", "36h", "2w", "90m"; "0" turns the cooldown off. Raises ValueError."""
    if text.strip() == "0":
        return timedelta(0)
    found = _AGE.fullmatch(text)
    if found is None:
        raise ValueError(f"{text!r} is not an age such as 7d, 36h, 2w or 90m (0: off)")
    return timedelta(**{_AGE_UNITS[found.group(2)]: int(found.group(1))})


def _check_arch(arch: str, where: str) -> None:
    if arch not in SUPPORTED_ARCHS:
        raise InputError(
            f"{where}: unknown architecture {arch!r}",
            hint=f"supported: {', '.join(SUPPORTED_ARCHS)}",
        )


def _split(value: str) -> tuple[str, ...]:
    return tuple(item.strip() for item in value.replace(" ", ",").split(",") if item.strip())


def default_environ() -> Mapping[str, str]:
    """The process environment; read only at the CLI's edge."""
    return os.environ
