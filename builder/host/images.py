"""Builder and runtime images: selection by configuration, and the local images' build.

- pypa:  cibuildwheel's own pinned musllinux image (needs the registry); verification in the
         official `python:X.Y-alpine` image.
- local: images this project builds from Debian packages and Debian's CPython sources compiled
         against musl (image_recipe/ beside this module, shipped as package data), tagged with the hash of that recipe; for x86_64 and
         aarch64 (the other arch's interpreters are cross-compiled, its images assembled under
         emulation).
- auto:  local images when built, else the pypa images when they can be had.
"""

from __future__ import annotations

import configparser
import hashlib
import tomllib
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from importlib import resources
from pathlib import Path

from builder.errors import EnvironmentProblem, InputError
from builder.host.commands import CommandRunner
from builder.host.containers import Containers
from builder.host.emulation import check_emulation, machine_arch
from builder.inputs.settings import Settings
from builder.plan.jobs import ImageRef

LOCAL_RECIPE_DIR = Path(__file__).resolve().parent / "image_recipe"
LOCAL_PYTHON = "/opt/python/{abi}/bin/python"
LOCAL_ARCHS = ("x86_64", "aarch64")
LOCAL_PYTHONS = ("3.11", "3.13")  # the CPython sources the recipe compiles (sources.txt)
BUILD_HINT = "run `wheelhouse images build` (or `make images`) to build the local images"


def recipe_hash(directory: Path = LOCAL_RECIPE_DIR) -> str:
    """Hash of every file of the local image recipe: any change gives new image tags."""
    if not directory.is_dir():
        raise EnvironmentProblem(
            f"the local image recipe is missing ({directory})",
            hint="reinstall wheelhouse: the recipe ships inside its package (builder/host/image_recipe)",
        )
    digest = hashlib.sha256()
    for path in sorted(p for p in directory.rglob("*") if p.is_file()):
        digest.update(path.relative_to(directory).as_posix().encode() + b"\0")
        digest.update(path.read_bytes() + b"\0")
    return digest.hexdigest()[:16]


def base_hash(directory: Path = LOCAL_RECIPE_DIR) -> str:
    """Hash of the base rootfs recipe alone, so that editing the other recipe files reuses the
    rootfs (and, through Docker's layer cache, every unchanged stage)."""
    script = directory / "base-rootfs.sh"
    return hashlib.sha256(script.read_bytes()).hexdigest()[:16]


def local_tags(arch: str, policy: str, digest: str) -> tuple[str, str, str]:
    """(base, builder, runtime) tags of the local images for one arch."""
    return (
        f"wheelhouse-local/debian-bookworm-{arch}:{base_hash()}",
        f"wheelhouse-local/{policy}_{arch}-builder:{digest}",
        f"wheelhouse-local/{policy}_{arch}-runtime:{digest}",
    )


def pythons_of(image: ImageRef) -> tuple[str, ...] | None:
    """The CPython versions an arch's images carry (None: unknown, for custom images)."""
    if image.kind == "local":
        return LOCAL_PYTHONS
    if image.kind == "pypa":
        text = resources.files("cibuildwheel").joinpath("resources/build-platforms.toml")
        platforms = tomllib.loads(text.read_text(encoding="utf-8"))
        suffix = f"-musllinux_{image.arch}"
        return tuple(
            dict.fromkeys(
                entry["version"]
                for entry in platforms["linux"]["python_configurations"]
                if entry["identifier"].startswith("cp")
                and entry["identifier"].endswith(suffix)
                and not entry["identifier"].split("-")[0].endswith("t")
            )
        )
    return None


def check_pythons(pythons: Sequence[str], images: Mapping[str, ImageRef]) -> None:
    """Refuse a Python the selected images do not have, naming those they have."""
    for arch, image in images.items():
        have = pythons_of(image)
        missing = [python for python in pythons if have is not None and python not in have]
        if missing:
            raise InputError(
                f"Python {', '.join(missing)}: the {image.kind} {arch} images have "
                f"{', '.join(have or ())}",
                hint="choose among those with --python or `pythons` in the config",
            )


def pinned_pypa_image(arch: str, policy: str) -> str:
    """cibuildwheel's pinned image for the policy and arch (a digest reference)."""
    text = (
        resources.files("cibuildwheel")
        .joinpath("resources/pinned_docker_images.cfg")
        .read_text(encoding="utf-8")
    )
    parser = configparser.ConfigParser()
    parser.read_string(text)
    try:
        return parser[arch][policy].split("#", 1)[0].strip()
    except KeyError:
        raise EnvironmentProblem(f"cibuildwheel has no pinned {policy} image for {arch}") from None


@dataclass(frozen=True, kw_only=True)
class ImageChoice:
    images: dict[str, ImageRef]
    notes: list[str]  # what could not be known (a dry run never pulls, and needs no engine)


def select_images(
    settings: Settings,
    containers: Containers | None,
    archs: Sequence[str],
    *,
    may_pull: bool,
) -> ImageChoice:
    """The images each arch builds and verifies with. `containers` is None when the engine is
    not reachable (a dry run then names the images it would use, with unknown ids); without
    `may_pull`, an image not present is named in a note instead of pulled."""
    notes: list[str] = []
    images = {
        arch: _select(settings, containers, arch, may_pull=may_pull, notes=notes) for arch in archs
    }
    return ImageChoice(images=images, notes=notes)


def _select(
    settings: Settings,
    containers: Containers | None,
    arch: str,
    *,
    may_pull: bool,
    notes: list[str],
) -> ImageRef:
    def present_id(image: str) -> str | None:
        return None if containers is None else containers.image_id(image)

    if containers is None:
        notes.append(
            f"{arch}: the Docker engine is not reachable, so image ids are unknown and build "
            "keys are provisional (jobs already built may show as build)"
        )
    override = settings.image_overrides.get(arch)
    if override is not None and override.builder:
        return ImageRef(
            arch=arch,
            kind="custom",
            builder=override.builder,
            builder_id=present_id(override.builder) or override.builder,
            runtime=override.runtime or "python:{python}-alpine",
            runtime_python=override.runtime_python or "python{python}",
        )
    if settings.images in ("local", "auto") and arch in LOCAL_ARCHS:
        local = _local(arch, settings.musllinux, present_id)
        if local.builder_id or containers is None:
            return local
        if settings.images == "local":
            if not may_pull:  # a dry run names what is missing
                notes.append(f"{arch}: {local.builder} is not built yet; {BUILD_HINT}")
                return local
            raise EnvironmentProblem(
                f"the local {settings.musllinux}_{arch} images are not built", hint=BUILD_HINT
            )
    pinned = pinned_pypa_image(arch, settings.musllinux)
    if containers is not None and containers.image_id(pinned) is None:
        if not may_pull:
            notes.append(f"{arch}: {pinned} is not present and would be pulled")
        elif not containers.pull(pinned):
            raise EnvironmentProblem(
                f"no builder image for {arch}: the local images are not built and "
                f"cibuildwheel's {pinned} cannot be pulled",
                hint=f'{BUILD_HINT}; or make the registry reachable and set images = "pypa"',
            )
    return ImageRef(
        arch=arch,
        kind="pypa",
        builder=pinned,
        builder_id=pinned,
        runtime="python:{python}-alpine",
        runtime_python="python{python}",
    )


def _local(arch: str, policy: str, present_id: Callable[[str], str | None]) -> ImageRef:
    """The local images for an arch; builder_id is "" unless both are present."""
    _, builder, runtime = local_tags(arch, policy, recipe_hash())
    builder_id = present_id(builder)
    both = builder_id is not None and present_id(runtime) is not None
    return ImageRef(
        arch=arch,
        kind="local",
        builder=builder,
        builder_id=builder_id if both and builder_id else "",
        runtime=runtime,
        runtime_python=LOCAL_PYTHON,
    )


def build_local_images(
    commands: CommandRunner,
    containers: Containers,
    *,
    arch: str,
    policy: str,
    cache_dir: Path,
    log: Path,
    progress: Callable[[str], None],
) -> tuple[str, str]:
    """Build (or find, by recipe hash) the local builder and runtime images for one arch.

    The interpreters are compiled on this machine's arch: natively, or cross-compiled for the
    other arch, whose images are then assembled under emulation (checked first)."""
    if arch not in LOCAL_ARCHS:
        raise EnvironmentProblem(
            f"local images for {arch} are not supported",
            hint='use images = "pypa" for this arch where the registry is reachable',
        )
    digest = recipe_hash()
    base, builder, runtime = local_tags(arch, policy, digest)
    if containers.image_id(builder) and containers.image_id(runtime):
        progress(f"{arch}: {builder} and {runtime} are up to date")
        return builder, runtime
    machine = machine_arch()
    if machine not in LOCAL_ARCHS:
        raise EnvironmentProblem(
            f"local images are built on x86_64 or aarch64 machines, not {machine}",
            hint='use images = "pypa" where the registry is reachable',
        )
    execution = check_emulation([arch], machine=machine)[arch]
    sources = cache_dir / "sources"
    work = cache_dir / "work"
    progress(f"{arch}: fetching Debian sources into {sources}")
    commands.run(
        ["bash", str(LOCAL_RECIPE_DIR / "fetch-sources.sh"), str(sources)],
        log=log,
        what="fetching Debian sources",
    )
    # A foreign arch also needs this machine's base: its interpreters are cross-compiled there.
    bases = {machine: local_tags(machine, policy, digest)[0], arch: base}
    for base_arch, tag in bases.items():
        progress(f"{arch}: base rootfs {tag}")
        commands.run(
            ["bash", str(LOCAL_RECIPE_DIR / "base-rootfs.sh"), base_arch, tag, str(work)],
            log=log,
            what=f"building the base rootfs {tag} (debootstrap)",
        )
    how = (
        "natively"
        if execution == "native"
        else f"cross-compiled on {machine}, images assembled under emulation"
    )
    progress(
        f"{arch}: musl CPython 3.11 and 3.13 {how} "
        f"(about {20 if execution == 'native' else 30} minutes the first time; log: {log})"
    )
    commands.run(
        [
            "bash",
            str(LOCAL_RECIPE_DIR / "build-images.sh"),
            arch,
            base,
            builder,
            runtime,
            str(sources),
            str(work),
            bases[machine],
        ],
        log=log,
        what=f"building the local {arch} images",
    )
    return builder, runtime
