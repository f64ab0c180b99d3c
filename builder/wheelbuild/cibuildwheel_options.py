"""cibuildwheel's settings for one build job, generated from the plan and the recipe. Pure."""

from __future__ import annotations

import re
import shlex
from collections.abc import Sequence
from dataclasses import replace

from builder.inputs.system_libraries import CATALOGUE, SystemLibrary, with_requirements
from builder.plan.jobs import BuildJob
from builder.wheelbuild.cxx_toolchain import CxxToolchain
from builder.wheelbuild.layers import BUILD_REQUIREMENTS, Layer

# Written next to each job and passed with --config-file, so that an sdist's own
# [tool.cibuildwheel] table (its test suite, its own images) does not leak into our builds.
CONFIG_FILE_TEXT = "# wheelhouse: every cibuildwheel option comes from CIBW_* variables\n"


def repair_command(job: BuildJob) -> str:
    """auditwheel repairs; with `--strip` it also runs `strip -s` on every ELF file of the wheel
    and every library it grafts, in the builder container (its own binutils, for its own arch):
    symbols and debug information out, as upstream's wheels ship."""
    strip = " --strip" if job.debug_info == "strip" else ""
    return f"auditwheel repair{strip} --plat {job.target.platform_tag} -w {{dest_dir}} {{wheel}}"


def system_libraries_command(job: BuildJob) -> str:
    """apk's -dev packages on the pypa images; on the local images (no apk) a check that each
    library is where their compiler looks, naming what is missing."""
    libraries = [CATALOGUE[name] for name in with_requirements(job.recipe.system_libraries)]
    apk = " ".join(shlex.quote(library.apk_package) for library in libraries)
    checks = " && ".join(
        f"{{ test -e {library.local_prefix}/include/{library.header} || "
        f"{{ echo 'wheelhouse: recipe {job.name} needs {library.name}, which this builder image "
        f"does not provide ({library.local_prefix}/include/{library.header}); "
        f"{_remedy(library)}' >&2; exit 1; }}; }}"
        for library in libraries
    )
    return f"if command -v apk >/dev/null 2>&1; then apk add --no-cache {apk}; else {checks}; fi"


def _remedy(library: SystemLibrary) -> str:
    if library.on_demand:
        return (
            "wheelhouse builds it on demand for its local images only: give a custom image apk "
            "or the library there, or use the local or pypa images"
        )
    return "rebuild the local images (wheelhouse images build) or use the pypa images"


# What Alpine installs for a toolchain a recipe names (OpenMP needs nothing: its GCC has libgomp).
APK_TOOLCHAINS = {"rust": "cargo", "fortran": "gfortran"}


def before_all_command(job: BuildJob) -> str:
    steps: list[str] = []
    if job.recipe.system_libraries:
        steps.append(system_libraries_command(job))
    packages = job.recipe.system_packages
    if packages:
        names = " ".join(shlex.quote(name) for name in packages)
        steps.append(
            "if command -v apk >/dev/null 2>&1; then apk add --no-cache "
            f"{names}; else echo 'wheelhouse: recipe {job.name} needs system packages ({names}) "
            "but this builder image has no apk; use the pypa images, name them in "
            "system-libraries, or build them in before-all' >&2; exit 1; fi"
        )
    for name, apk in APK_TOOLCHAINS.items():
        if name in job.recipe.toolchains and not job.toolchain(name):
            # the pypa images: Alpine's packages; the local images mount the toolchain instead
            steps.append(
                f"if command -v apk >/dev/null 2>&1; then apk add --no-cache {apk}; else echo "
                f"'wheelhouse: recipe {job.name} needs {name}, which this builder image does not "
                "have and wheelhouse did not mount; use the local images or the pypa images' >&2; "
                "exit 1; fi"
            )
    if job.recipe.before_all:
        steps.append(job.recipe.before_all)
    return " && ".join(f"{{ {step}; }}" for step in steps)


CONSTRAINTS_FILE = "/tmp/wheelhouse-build-constraints.txt"  # noqa: S108  (inside the container)
NO_ABI3_CONFIG = "/tmp/wheelhouse-no-abi3.cfg"  # noqa: S108  (inside the container)


def version_specific(job: BuildJob) -> BuildJob:
    """The job built again for its CPython only, after abi3audit rejected its abi3 wheel:
    setuptools reads DIST_EXTRA_CONFIG after setup.py and setup.cfg, so an empty
    `py_limited_api` there switches bdist_wheel's abi3 tag off whichever of them set it (the
    extensions keep their `.abi3.so` names, which this CPython loads)."""
    write = f"printf '[bdist_wheel]\\npy_limited_api =\\n' > {NO_ABI3_CONFIG}"
    recipe = replace(
        job.recipe,
        environment=(*job.recipe.environment, ("DIST_EXTRA_CONFIG", NO_ABI3_CONFIG)),
        before_build=" && ".join(step for step in (write, job.recipe.before_build) if step),
    )
    return replace(job, recipe=recipe)


def constraints_command(constraints: tuple[str, ...]) -> str:
    """Shell that writes the build constraints where PIP_CONSTRAINT points (in the container)."""
    text = "".join(f"{line}\n" for line in constraints)
    return f"printf %s {shlex.quote(text)} > {CONSTRAINTS_FILE}"


def before_build_command(job: BuildJob) -> str:
    steps = [constraints_command(job.build_constraints)] if job.build_constraints else []
    if job.recipe.before_build:
        steps.append(job.recipe.before_build)
    return " && ".join(f"{{ {step}; }}" for step in steps)


# Every core the build container sees reaches the compiles of its one job (setuptools compiles
# one file at a time, but make, CMake and numpy's distutils run this many; meson's ninja and
# cargo already do). Evaluated by cibuildwheel in the container, so it counts what the
# container may use; a recipe's own values come later and win.
PARALLEL_ENVIRONMENT = " ".join(
    f'{name}="{value}"'
    for name, value in (
        ("MAKEFLAGS", "-j$(nproc)"),
        ("CMAKE_BUILD_PARALLEL_LEVEL", "$(nproc)"),
        ("NPY_NUM_BUILD_JOBS", "$(nproc)"),
    )
)


def environment_option(
    job: BuildJob, cxx: CxxToolchain | None = None, layers: Sequence[Layer] = ()
) -> str:
    """The C++ toolchain's variables first, then each layer's in order, then the recipe's own
    (a recipe's CXX wins)."""
    pairs: list[tuple[str, str]] = []
    if cxx is not None:
        tools = cxx.cross_environment() if job.execution == "cross" else cxx.environment()
        pairs += tools.items()
    for layer in layers:
        pairs += layer.environment
    pairs += job.recipe.environment
    if job.build_constraints:  # pip, in the isolated build environment, honours it
        pairs.append(("PIP_CONSTRAINT", CONSTRAINTS_FILE))
    return " ".join([PARALLEL_ENVIRONMENT, *(f"{n}={_value(v)}" for n, v in pairs)])


_CONTAINER_VARIABLE = re.compile(r"\$[A-Z_][A-Z0-9_]*")


def _value(value: str) -> str:
    """A value for CIBW_ENVIRONMENT, quoted; a container variable (`$CC`, or `$PATH` at the end
    of `dir:$PATH`, `$LDFLAGS` at the end of `-Ldir $LDFLAGS`) stays one, evaluated in the
    container."""
    if _CONTAINER_VARIABLE.fullmatch(value):
        return f'"{value}"'
    for separator in (":", " "):
        head, found, variable = value.rpartition(separator)
        if found and _CONTAINER_VARIABLE.fullmatch(variable):
            return f'{shlex.quote(head)}"{separator}{variable}"'
    return shlex.quote(value)


def cibuildwheel_env(
    job: BuildJob, cxx: CxxToolchain | None = None, layers: Sequence[Layer] = ()
) -> dict[str, str]:
    """The job's cibuildwheel settings; `cxx` (the local images' C++ toolchain) and the
    `layers` of the toolchains beyond it (OpenMP, Rust, Fortran) are mounted into the builder
    container when the job was planned with them."""
    arch_key = job.arch.upper()
    mounts: list[str] = []
    if cxx is not None and (job.cxx or job.execution == "cross"):
        mounts.append(cxx.create_args())
    else:
        cxx = None
    mine = [
        layer
        for layer in layers
        if job.toolchain(layer.name)
        or (layer.name == BUILD_REQUIREMENTS and job.build_requirements)
    ]
    mounts += [layer.create_args() for layer in mine]
    engine = f"docker; create_args: {' '.join(mounts)}" if mounts else "docker"
    return {
        "CIBW_PLATFORM": "linux",
        "CIBW_BUILD": job.target.cibw_identifier,
        "CIBW_ARCHS": job.arch,
        f"CIBW_MUSLLINUX_{arch_key}_IMAGE": job.image.builder,
        "CIBW_BUILD_FRONTEND": "build",
        "CIBW_BUILD_VERBOSITY": "1",
        "CIBW_BEFORE_ALL": before_all_command(job),
        "CIBW_BEFORE_BUILD": before_build_command(job),
        "CIBW_ENVIRONMENT": environment_option(job, cxx, mine),
        "CIBW_REPAIR_WHEEL_COMMAND": repair_command(job),
        "CIBW_TEST_COMMAND": job.recipe.test_command or "",
        "CIBW_CONFIG_SETTINGS": " ".join(
            shlex.quote(f"{key}={value}") for key, value in job.recipe.config_settings
        ),
        "CIBW_CONTAINER_ENGINE": engine,
        # Its abi3 audit would download virtualenv from outside the registries: abi3audit runs
        # on the host after the build instead (builder/wheelbuild/compile.py).
        "CIBW_AUDIT_COMMAND": "",
    }
