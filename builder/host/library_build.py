"""Build a system library on demand, once per identity, arch and builder image
(builder/wheelbuild/library_layers.py says what it is and where it goes): Debian's source package
fetched and unpacked on this machine, compiled in the arch's builder image."""

from __future__ import annotations

import hashlib
import platform
import re
import shutil
import tempfile
from collections.abc import Sequence
from pathlib import Path

from builder.errors import EnvironmentProblem
from builder.host.commands import CommandRunner
from builder.host.containers import Containers, Mount
from builder.host.images import local_tags
from builder.host.library_cmake import BIN as CMAKE_BIN
from builder.host.library_cmake import ensure_cmake
from builder.host.toolchain_files import note
from builder.inputs.system_libraries import LOCAL_PREFIX, SystemLibrary
from builder.plan.jobs import ImageRef
from builder.wheelbuild.cxx_toolchain import MOUNT as CXX_MOUNT
from builder.wheelbuild.cxx_toolchain import CxxToolchain
from builder.wheelbuild.layers import Layer
from builder.wheelbuild.library_layers import (
    RECIPE_DIR,
    RELEASE_FILE,
    LibraryBuilds,
    recorded_release,
)

RECIPE_MOUNT = "/opt/wheelhouse-library-recipe"
TREE_MOUNT = "/opt/wheelhouse-library-source"


def ensure_library(
    commands: CommandRunner,
    containers: Containers,
    builds: LibraryBuilds,
    library: SystemLibrary,
    *,
    image: ImageRef,
    cxx: CxxToolchain | None,
    cross: bool,
    log: Path,
    requirements: Sequence[Layer] = (),
) -> Path:
    """The library built for `image`'s arch when it is not yet (its output appended to `log`),
    with the libraries it requires (`requirements`, built first) mounted where it finds them;
    returns the directory it is in.
    C++ is the zig wrapper's (`cxx`); C is too when `cross`, as the arch's jobs compile, and
    then the build runs in this machine's own builder image of the same recipe, configure
    included, cross-compiling for the arch (5x faster than configure and libtool under
    emulation: libsodium 38 s against 195 s), or in the arch's image when this machine's is not
    built; a library that links what the arch's image has baked (`SystemLibrary.cross`,
    "arch-libs") gets that image's /opt/syslibs there in place of this machine's; otherwise
    with the image's own musl-cc. A library built with CMake gets CMake's musllinux wheel.
    Raises CommandFailed when a step fails, EnvironmentProblem when a cross build has no zig."""
    arch, builder_id = image.arch, image.builder_id
    destination = builds.directory(library, arch, builder_id)
    if builds.ready(library, arch, builder_id):
        return destination
    if cross and cxx is None:
        raise EnvironmentProblem(
            f"{library.name} for {arch} is cross-compiled with zig, and the ziglang package is "
            "not installed",
            hint="pip install ziglang (a dependency of wheelhouse), or use the pypa images",
        )
    note(
        log,
        f"# building {library.name} for {arch} from Debian {library.debian_suite}'s "
        f"{library.debian_source} (once, into {destination})",
    )
    destination.parent.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(prefix="build-", dir=destination.parent) as scratch:
        work = Path(scratch)
        tree, out, recipe = work / "source", work / "out", work / "recipe"
        out.mkdir()
        # the scripts as they are now: sh reads a script as it runs, so an edit or an upgrade
        # of wheelhouse during a long build would otherwise change the part still to come
        shutil.copytree(RECIPE_DIR, recipe)
        commands.run(
            [
                "bash",
                str(RECIPE_DIR / "fetch-source.sh"),
                str(builds.sources(library)),
                library.debian_suite,
                library.debian_source,
                str(tree),
            ],
            log=log,
            timeout=1800,
            what=f"fetching Debian's {library.debian_source} source package",
        )
        compiler = [f"CC={CXX_MOUNT}/cc"] if cross else []
        compiler += [f"CXX={CXX_MOUNT}/c++"] if cxx is not None else []
        builder, where = image.builder, arch
        native = _machine_builder(containers, image) if cross else None
        extra: list[Mount] = []  # the arch's baked libraries, CMake
        if native is not None:
            builder, where = native, platform.machine()
            compiler += [f"WHEELHOUSE_TARGET_ARCH={arch}"]
            if library.cross == "arch-libs":
                baked = _baked_libraries(containers, builds, image, log)
                extra.append(Mount(source=baked, target=LOCAL_PREFIX))
        if requirements:
            prefixes = " ".join(mount.target for layer in requirements for mount in layer.mounts)
            compiler += [f"WHEELHOUSE_LIBRARY_NEEDS={prefixes}"]
        if "cmake" in library.build_tools:
            extra.append(ensure_cmake(commands, builds, where, log))
            compiler += [f"WHEELHOUSE_CMAKE={CMAKE_BIN}"]
        result = containers.run(
            builder,
            [
                "env",
                *compiler,
                "sh",
                f"{RECIPE_MOUNT}/build-library.sh",
                library.name,
                TREE_MOUNT,
                library.local_prefix,
            ],
            arch=where,
            mounts=[
                Mount(source=recipe, target=RECIPE_MOUNT),
                Mount(source=tree, target=TREE_MOUNT, read_only=False),
                Mount(source=out, target=library.local_prefix, read_only=False),
                *(cxx.mounts() if cxx is not None else ()),
                *(mount for layer in requirements for mount in layer.mounts),
                *extra,
            ],
            log=log,
            timeout=3600,
        )
        result.check(f"building {library.name} for {arch}", log)
        release = built_release(out, library) or debian_release(tree)
        if not (out / "include" / library.header).is_file():
            raise EnvironmentProblem(
                f"building {library.name} for {arch} installed no include/{library.header}",
                hint=f"see {log}; builder/host/library_recipe/build-library.sh builds it",
            )
        (out / RELEASE_FILE).write_text(f"{release or 'unknown'}\n", encoding="utf-8")
        # In place in one rename; a tree another run finished meanwhile is kept.
        try:
            out.rename(destination)
        except OSError:
            if not builds.ready(library, arch, builder_id):
                shutil.rmtree(destination, ignore_errors=True)
                out.rename(destination)
    note(log, f"# {library.name} {recorded_release(destination)} for {arch} ready")
    return destination


def _baked_libraries(
    containers: Containers, builds: LibraryBuilds, image: ImageRef, log: Path
) -> Path:
    """The libraries `image` (the arch's builder) has baked (/opt/syslibs), copied out once
    into the cache, for a cross build in this machine's image to find in their place."""
    digest = hashlib.sha256(image.builder_id.encode()).hexdigest()[:16]
    directory = builds.root / "baked" / f"{image.arch}-{digest}"
    if not (directory / "lib").is_dir():
        note(log, f"# copying the libraries {image.builder} has baked for {image.arch} (once)")
        directory.parent.mkdir(parents=True, exist_ok=True)
        with tempfile.TemporaryDirectory(prefix="baked-", dir=directory.parent) as scratch:
            copy = Path(scratch) / "syslibs"
            containers.copy_out(image.builder, LOCAL_PREFIX, copy, arch=image.arch)
            shutil.rmtree(directory, ignore_errors=True)  # a half-copied one of a killed run
            copy.rename(directory)
    return directory


def _machine_builder(containers: Containers, image: ImageRef) -> str | None:
    """This machine's own local builder image of the recipe `image` (a local one) comes from,
    when it is built; None otherwise, or when `image` is not one of the local images."""
    name, _, digest = image.builder.rpartition(":")
    policy = name.rpartition("/")[2].removesuffix(f"_{image.arch}-builder")
    if local_tags(image.arch, policy, digest)[1] != image.builder:
        return None
    tag = local_tags(platform.machine(), policy, digest)[1]
    return tag if containers.image_id(tag) else None


def built_release(prefix: Path, library: SystemLibrary) -> str:
    """The Version its pkg-config file states, "" without one."""
    if library.pkg_config is None:
        return ""
    try:
        text = (prefix / "lib" / "pkgconfig" / f"{library.pkg_config}.pc").read_text()
    except OSError:
        return ""
    found = re.search(r"^Version:\s*(\S+)", text, re.MULTILINE)
    return found.group(1) if found else ""


def debian_release(tree: Path) -> str:
    """The upstream part of the unpacked package's version (debian/changelog's first line)."""
    try:
        first = (tree / "debian" / "changelog").read_text().splitlines()[0]
    except (OSError, IndexError):
        return ""
    found = re.search(r"\((?:\d+:)?([^)-]+)", first)
    return found.group(1) if found else ""
