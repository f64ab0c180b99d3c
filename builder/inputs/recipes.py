"""Per-package recipes: the shipped ones (`builder/recipes/<name>.toml`, package data), then the
user's (`configs/recipes/<name>.toml` by default), which add to and replace them.

A recipe says what a package needs beyond a plain `cibuildwheel` run. Every key is optional:

    import = ["yaml.cyaml"]              # modules the clean-environment test imports, besides
                                         # the wheel's top-level packages and every extension
    skip-imports = ["numpy.core._umath_tests"]  # extensions it must not import: test-only
                                         # modules that refuse to load without a switch of
                                         # their own (named, so nothing else goes untested)
    system-libraries = ["libxml2"]       # native libraries it links: apk's -dev packages on the
                                         # pypa images, /opt/syslibs on the local images
                                         # (builder/inputs/system_libraries.py lists them)
    system-packages = ["libffi-dev"]     # other apk packages, installed before the build (pypa)
    before-all = "sh build-lib.sh"       # run once in the build container
    before-build = "..."                 # run before each wheel's build
    environment = { CFLAGS = "-O2" }     # build environment
    config-settings = { setup-args = "-Dfortran_std=none" }  # the build backend's settings
                                         # (pip's -C / --config-settings)
    test-command = "python -c '...'"     # extra test in the build container (cibuildwheel's)
    build-from-source = true             # never mirror an upstream wheel
    toolchains = ["openmp"]              # what the build needs beyond C and C++: "openmp" (on
                                         # the local images, LLVM's OpenMP runtime, built for
                                         # musl the first time a plan needs it; -fopenmp then
                                         # compiles and links, and auditwheel grafts it);
                                         # "rust" (maturin, setuptools-rust: on the local
                                         # images Debian's rustc with std built for musl, on
                                         # the pypa images Alpine's cargo); "fortran" (LLVM's
                                         # flang and its runtime built for musl on the local
                                         # images, FC set; Alpine's gfortran on the pypa ones)
    build-constraints = ["cython<3"]     # pins for the isolated build environment (PIP_CONSTRAINT)
    execution = "qemu"                   # a foreign arch compiles under emulation, never cross
                                         # (for builds that run what they compiled)
    memory-hungry = true                 # never built beside another memory-hungry job
                                         # (`build --jobs N` runs jobs side by side)
    verify-with = ["ruamel.yaml<0.18"]   # installed beside the wheel (without their own
                                         # dependencies) for the import test: an extension whose
                                         # import needs the package that depends on it; taken
                                         # from the upstream index as wheels (pure, usually)
    [[skip]]                             # combinations not to build, with the reason
    python = "3.13"                      # optional: all Pythons when absent
    arch = "aarch64"                     # optional: all arches when absent
    reason = "no 3.13 support upstream"
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import asdict, dataclass, field
from pathlib import Path

from packaging.requirements import InvalidRequirement, Requirement
from packaging.utils import canonicalize_name

from builder.errors import InputError
from builder.inputs.system_libraries import known_names, system_library
from builder.inputs.toml_fields import Table, load_toml

# The recipes wheelhouse ships for well-known packages (package data).
SHIPPED_RECIPES = Path(__file__).resolve().parent.parent / "recipes"
RECIPE_KEYS = (
    "import, skip-imports, system-libraries, system-packages, before-all, before-build, "
    "environment, config-settings, test-command, build-from-source, build-constraints, "
    "execution, memory-hungry, verify-with, toolchains, skip"
)
KNOWN_TOOLCHAINS = ("openmp", "rust", "fortran")


@dataclass(frozen=True, kw_only=True)
class SkipRule:
    python: str | None
    arch: str | None
    reason: str

    def matches(self, *, python: str, arch: str) -> bool:
        return (self.python in (None, python)) and (self.arch in (None, arch))


@dataclass(frozen=True, kw_only=True)
class Recipe:
    name: str
    imports: tuple[str, ...] = ()
    skip_imports: tuple[str, ...] = ()  # modules the clean test leaves out
    system_libraries: tuple[str, ...] = ()  # catalogue names (system_libraries.py)
    system_packages: tuple[str, ...] = ()
    before_all: str | None = None
    before_build: str | None = None
    environment: tuple[tuple[str, str], ...] = ()
    config_settings: tuple[tuple[str, str], ...] = ()  # the PEP 517 backend's (-C key=value)
    test_command: str | None = None
    build_from_source: bool = False
    build_constraints: tuple[str, ...] = ()
    execution: str | None = None  # "qemu": never cross-compiled
    memory_hungry: bool = False  # never built beside another memory-hungry job
    verify_with: tuple[str, ...] = ()  # requirements installed beside the wheel for its test
    toolchains: tuple[str, ...] = ()  # KNOWN_TOOLCHAINS it needs ("openmp")
    skip: tuple[SkipRule, ...] = field(default_factory=tuple)
    path: str | None = None

    def skip_reason(self, *, python: str, arch: str) -> str | None:
        for rule in self.skip:
            if rule.matches(python=python, arch=arch):
                return rule.reason
        return None

    @property
    def origin(self) -> str | None:
        """Where the recipe came from, as the plan shows it: `shipped NAME.toml`, or the
        user's file (None: no recipe)."""
        if self.path is None:
            return None
        path = Path(self.path)
        return f"shipped {path.name}" if path.parent == SHIPPED_RECIPES else self.path

    def digest(self) -> str:
        """A content hash of everything in the recipe that changes a build's output."""
        data = asdict(self)
        data.pop("path")
        data.pop("skip")
        data.pop("imports")
        data.pop("skip_imports")
        data.pop("execution")  # the job's key records its execution itself
        data.pop("verify_with")  # what the test installs beside the wheel, not the wheel
        data.pop("memory_hungry")  # what runs beside the build, not what it builds
        for optional in ("build_constraints", "system_libraries", "toolchains", "config_settings"):
            if not data[optional]:
                data.pop(optional)  # keys of recipes without them stay as they were
        encoded = json.dumps(data, sort_keys=True).encode()
        return hashlib.sha256(encoded).hexdigest()


def empty_recipe(name: str) -> Recipe:
    return Recipe(name=canonicalize_name(name))


def load_recipes(directory: Path | None, *, shipped: Path = SHIPPED_RECIPES) -> dict[str, Recipe]:
    """The shipped recipes (package data: they apply wherever wheelhouse runs, a checkout or
    not), then every `<name>.toml` of the user's directory, which adds to them and replaces a
    shipped one of the same package. Keyed by normalized project name."""
    return {**_load_directory(shipped), **_load_directory(directory)}


def _load_directory(directory: Path | None) -> dict[str, Recipe]:
    if directory is None or not directory.exists():
        return {}
    if not directory.is_dir():
        raise InputError(f"{directory}: recipes must be a directory of <name>.toml files")
    recipes: dict[str, Recipe] = {}
    for path in sorted(directory.glob("*.toml")):
        recipe = parse_recipe(path)
        if recipe.name in recipes:
            other = recipes[recipe.name].path
            raise InputError(f"{path}: a second recipe for {recipe.name} (the first is {other})")
        recipes[recipe.name] = recipe
    return recipes


def parse_recipe(path: Path) -> Recipe:
    table = Table(load_toml(path), path=path)
    name = canonicalize_name(path.stem)
    recipe = Recipe(
        name=name,
        imports=_module_names(table.strings("import"), path),
        skip_imports=_module_names(table.strings("skip-imports"), path, "skip-imports"),
        system_libraries=_system_libraries(table.strings("system-libraries"), path),
        system_packages=table.strings("system-packages"),
        before_all=table.string("before-all"),
        before_build=table.string("before-build"),
        environment=tuple(sorted(table.string_map("environment").items())),
        config_settings=tuple(sorted(table.string_map("config-settings").items())),
        test_command=table.string("test-command"),
        build_from_source=table.boolean("build-from-source", default=False),
        build_constraints=constraint_lines(table.strings("build-constraints"), where=str(path)),
        execution=_execution(table.string("execution"), path),
        memory_hungry=table.boolean("memory-hungry", default=False),
        verify_with=_requirement_lines(
            table.strings("verify-with"),
            where=str(path),
            key="verify-with",
            example='["ruamel.yaml<0.18"]',
        ),
        toolchains=_toolchains(table.strings("toolchains"), path),
        skip=tuple(_skip_rule(rule) for rule in table.tables("skip")),
        path=str(path),
    )
    table.refuse_unknown(known_hint=RECIPE_KEYS)
    return recipe


def _skip_rule(table: Table) -> SkipRule:
    reason = table.string("reason")
    rule = SkipRule(python=table.string("python"), arch=table.string("arch"), reason=reason or "")
    table.refuse_unknown(known_hint="python, arch, reason")
    if not reason:
        raise InputError(
            f"{table.path}: every [[skip]] needs a 'reason'",
            hint='add reason = "why this combination cannot be built"',
        )
    return rule


def _execution(value: str | None, path: Path) -> str | None:
    if value not in (None, "qemu"):
        raise InputError(
            f"{path}: key 'execution': {value!r}; a recipe can only force \"qemu\"",
            hint="the arch's own setting ([execution] in the config) chooses cross or qemu",
        )
    return value


def _toolchains(names: tuple[str, ...], path: Path) -> tuple[str, ...]:
    for name in names:
        if name not in KNOWN_TOOLCHAINS:
            raise InputError(
                f"{path}: key 'toolchains': no toolchain {name!r} is known",
                hint=f"known: {', '.join(KNOWN_TOOLCHAINS)}",
            )
    return tuple(dict.fromkeys(names))


def _system_libraries(names: tuple[str, ...], path: Path) -> tuple[str, ...]:
    found: list[str] = []
    for name in names:
        library = system_library(name)
        if library is None:
            raise InputError(
                f"{path}: key 'system-libraries': no library {name!r} is known",
                hint=f"known: {known_names()} (or install it with system-packages/before-all)",
            )
        if library.name not in found:
            found.append(library.name)
    return tuple(found)


def _module_names(names: tuple[str, ...], path: Path, key: str = "import") -> tuple[str, ...]:
    for module in names:
        if not all(part.isidentifier() for part in module.split(".")):
            raise InputError(f"{path}: key '{key}': {module!r} is not a module name")
    return names


def constraint_lines(lines: tuple[str, ...], *, where: str) -> tuple[str, ...]:
    """Build constraints as pip reads them: each a requirement (name, specifier, marker)."""
    return _requirement_lines(lines, where=where, key="build-constraints", example='["cython<3"]')


def _requirement_lines(
    lines: tuple[str, ...], *, where: str, key: str, example: str
) -> tuple[str, ...]:
    """The lines of a key that lists requirements; one that is none names the key and
    `example` (a TOML value) in its hint."""
    for line in lines:
        try:
            Requirement(line)
        except InvalidRequirement as exc:
            raise InputError(
                f"{where}: key '{key}': {line!r} is not a requirement ({exc})",
                hint=f"e.g. {key} = {example}",
            ) from None
    return lines
