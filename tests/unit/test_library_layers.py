"""System libraries built on demand: which jobs get one (and its identity in their key), what
it adds to their build container, where it lives once built, and the plan's note naming what a
run will build."""

from __future__ import annotations

import platform
from dataclasses import replace
from pathlib import Path

from builder.host.commands import Result
from builder.host.containers import Mount
from builder.host.images import local_tags
from builder.host.library_build import RECIPE_MOUNT, _machine_builder, ensure_library
from builder.inputs.recipes import Recipe
from builder.inputs.system_libraries import CATALOGUE
from builder.pipeline import _library_notes
from builder.plan.jobs import BuildJob
from builder.wheelbuild.cibuildwheel_options import before_all_command, cibuildwheel_env
from builder.wheelbuild.cxx_toolchain import CxxToolchain
from builder.wheelbuild.library_layers import (
    CMAKE_RELEASE,
    RELEASE_FILE,
    library_builds,
    library_environment,
    library_identity,
)
from builder.wheelbuild.openmp_runtime import openmp_runtime
from tests.unit.fakes import IMAGE
from tests.unit.test_plan import C_EXT, plan_for
from tests.unit.test_wheel_checks import evaluated

SODIUM = CATALOGUE["libsodium"]
LIBRARIES = {"libsodium": "libsodium from Debian bookworm's libsodium, recipe 1"}


def sodium_job(**kwargs: object) -> BuildJob:
    recipes = {"cext": Recipe(name="cext", system_libraries=("libsodium",))}
    (job,) = plan_for([C_EXT], recipes=recipes, libraries=LIBRARIES, **kwargs).jobs
    assert isinstance(job, BuildJob)
    return job


def test_a_recipe_naming_a_library_built_on_demand_gets_it_with_its_identity() -> None:
    job = sodium_job()
    assert job.toolchain("libsodium") == LIBRARIES["libsodium"]
    assert job.to_json()["libsodium"] == LIBRARIES["libsodium"]
    newer = {"libsodium": "libsodium from Debian bookworm's libsodium, recipe 2"}
    recipes = {"cext": Recipe(name="cext", system_libraries=("libsodium",))}
    assert job.key != plan_for([C_EXT], recipes=recipes, libraries=newer).jobs[0].key
    # a recipe that does not name it, or a baked library, gets nothing mounted
    plain = plan_for([C_EXT], libraries=LIBRARIES).jobs[0]
    assert isinstance(plain, BuildJob) and plain.toolchains == ()
    baked = {"cext": Recipe(name="cext", system_libraries=("libxml2",))}
    (xml,) = plan_for([C_EXT], recipes=baked, libraries=LIBRARIES).jobs
    assert isinstance(xml, BuildJob) and xml.toolchains == ()
    # the pypa images install it with apk instead: nothing mounted, nothing in the key
    on_pypa = sodium_job(images={"x86_64": replace(IMAGE, kind="pypa")})
    assert on_pypa.toolchains == ()
    assert "apk add --no-cache libsodium-dev" in before_all_command(on_pypa)


def test_a_library_brings_those_it_requires_which_its_identity_names() -> None:
    identities = {name: library_identity(CATALOGUE[name]) for name in ("acl", "attr")}
    assert identities["attr"] in identities["acl"]  # built against it: a new attr, a new acl
    recipes = {"cext": Recipe(name="cext", system_libraries=("acl",))}
    (job,) = plan_for([C_EXT], recipes=recipes, libraries=identities).jobs
    assert isinstance(job, BuildJob)
    assert dict(job.toolchains) == identities  # both mounted, both in the key
    on_pypa = replace(job, image=replace(IMAGE, kind="pypa"))
    assert "apk add --no-cache attr-dev acl-dev" in before_all_command(on_pypa)


def test_its_layer_mounts_it_at_its_prefix_and_adds_to_what_others_set(tmp_path: Path) -> None:
    builds = library_builds(tmp_path)
    job = replace(sodium_job(), toolchains=(("libsodium", "x"), ("openmp", "llvm-openmp 19")))
    directory = builds.directory(SODIUM, "x86_64", IMAGE.builder_id)
    layer = builds.layer(SODIUM, directory)
    runtime = openmp_runtime(tmp_path, "llvm-openmp 19")
    env = cibuildwheel_env(job, None, [runtime.layer("x86_64"), layer])
    assert f"--volume {directory}:/opt/wheelhouse-libs/libsodium:ro" in env["CIBW_CONTAINER_ENGINE"]
    build_env = evaluated(env["CIBW_ENVIRONMENT"], {"PKG_CONFIG_PATH": "/opt/syslibs/pc"})
    prefix = "/opt/wheelhouse-libs/libsodium"
    assert build_env["CPATH"] == f"{prefix}/include:/opt/wheelhouse-openmp/include"
    assert build_env["LIBRARY_PATH"] == f"{prefix}/lib:/opt/wheelhouse-openmp/lib"
    assert build_env["LDFLAGS"].split() == [f"-L{prefix}/lib"]
    assert build_env["PKG_CONFIG_PATH"] == f"{prefix}/lib/pkgconfig:/opt/syslibs/pc"
    assert build_env["PATH"].startswith(f"{prefix}/bin:")
    # the local images' check looks where the library is mounted
    assert f"test -e {prefix}/include/sodium.h" in before_all_command(job)
    # a job that does not name it gets neither
    other = cibuildwheel_env(plan_for([C_EXT]).jobs[0], None, [layer])
    assert other["CIBW_CONTAINER_ENGINE"] == "docker"
    assert library_environment(prefix)[0] == ("CPATH", f"{prefix}/include:$CPATH")


def test_a_built_library_is_ready_per_arch_and_builder_image_with_its_release(
    tmp_path: Path,
) -> None:
    builds = library_builds(tmp_path)
    here = builds.directory(SODIUM, "x86_64", "sha256:a")
    assert here != builds.directory(SODIUM, "aarch64", "sha256:a")
    assert here != builds.directory(SODIUM, "x86_64", "sha256:b")  # another image rebuilds it
    assert not builds.ready(SODIUM, "x86_64", "sha256:a")
    here.mkdir(parents=True)
    assert not builds.ready(SODIUM, "x86_64", "sha256:a")  # half-built: no release yet
    (here / RELEASE_FILE).write_text("1.0.18\n")
    assert builds.ready(SODIUM, "x86_64", "sha256:a")
    assert builds.layer(SODIUM, here).release == "1.0.18"
    assert builds.layer(SODIUM, tmp_path / "elsewhere").release == ""
    assert library_identity(SODIUM).startswith("libsodium from Debian bookworm's libsodium, ")


def test_the_plan_names_the_libraries_a_run_will_build(tmp_path: Path) -> None:
    builds = library_builds(tmp_path)
    recipes = {"cext": Recipe(name="cext", system_libraries=("libsodium",))}
    plan = plan_for([C_EXT], recipes=recipes, libraries=LIBRARIES)
    (note,) = _library_notes(plan, builds)
    assert note.endswith("kept in the wheelhouse's cache: libsodium (x86_64)")
    built = builds.directory(SODIUM, "x86_64", IMAGE.builder_id)
    built.mkdir(parents=True)
    (built / RELEASE_FILE).write_text("1.0.18\n")
    assert _library_notes(plan, builds) == []


def test_a_foreign_arch_s_library_is_built_in_this_machine_s_builder_image_when_it_is_there() -> (
    None
):
    class Engine:
        def __init__(self, present: set[str]) -> None:
            self.present = present

        def image_id(self, image: str) -> str | None:
            return "sha256:1" if image in self.present else None

    digest = "547073b5504ed60c"
    arm = replace(IMAGE, arch="aarch64", builder=local_tags("aarch64", "musllinux_1_2", digest)[1])
    mine = local_tags(platform.machine(), "musllinux_1_2", digest)[1]
    assert _machine_builder(Engine({mine}), arm) == mine  # type: ignore[arg-type]
    assert _machine_builder(Engine(set()), arm) is None  # type: ignore[arg-type]
    custom = replace(arm, builder="registry.example/musl-aarch64:1")
    assert _machine_builder(Engine({mine}), custom) is None  # type: ignore[arg-type]


class RecordingEngine:
    """A Containers stand-in for ensure_library: every builder image is present; a run records
    the image, arch and WHEELHOUSE_ variables, and installs the library's header."""

    def __init__(self) -> None:
        self.runs: list[tuple[str, str, list[str]]] = []
        self.baked: list[str | None] = []  # per build: where the arch's baked libraries are

    def image_id(self, image: str) -> str | None:
        return f"sha256:{len(image)}"

    def copy_out(self, image: str, path: str, dest: Path, *, arch: str) -> None:
        self.runs.append((image, arch, [f"copy {path}"]))
        (dest / "lib").mkdir(parents=True)

    def run(self, image: str, argv: list[str], *, arch: str, mounts: list[Mount], **_: object):  # type: ignore[no-untyped-def]
        self.runs.append((image, arch, [a for a in argv if a.startswith("WHEELHOUSE_")]))
        baked = [m for m in mounts if m.target == "/opt/syslibs"]
        self.baked.append(baked[0].target if baked and (baked[0].source / "lib").is_dir() else None)
        library = CATALOGUE[argv[argv.index(f"{RECIPE_MOUNT}/build-library.sh") + 1]]
        (out,) = [m.source for m in mounts if m.target == library.local_prefix]
        header = out / "include" / library.header
        header.parent.mkdir(parents=True, exist_ok=True)
        header.touch()
        return Result(returncode=0, output="")


class NoCommands:
    def run(self, argv: list[str], **_: object) -> Result:
        assert Path(argv[1]).name == "fetch-source.sh"  # which has nothing to fetch here
        return Result(returncode=0, output="")


def test_a_cross_built_library_runs_where_its_recipe_says(tmp_path: Path) -> None:
    """libsodium cross-compiles in this machine's builder image; curl too, with the libraries
    the arch's image has baked (its static OpenSSL) copied out once and mounted in place of this
    machine's; krb5 (`emulated`) builds in the arch's image, with the image's own compiler."""
    digest = "547073b5504ed60c"
    arm = replace(IMAGE, arch="aarch64", builder=local_tags("aarch64", "musllinux_1_2", digest)[1])
    mine = local_tags(platform.machine(), "musllinux_1_2", digest)[1]
    cxx = CxxToolchain(zig_dir=tmp_path, version="0.17.1", work=tmp_path, cache=tmp_path)
    engine = RecordingEngine()
    builds = library_builds(tmp_path / "cache")
    for name, cross in (("libsodium", True), ("curl", True), ("cyrus-sasl", True), ("krb5", False)):
        ensure_library(
            NoCommands(),  # type: ignore[arg-type]
            engine,  # type: ignore[arg-type]
            builds,
            CATALOGUE[name],
            image=arm,
            cxx=cxx,
            cross=cross,
            log=tmp_path / "log",
        )
    cross_build = (mine, platform.machine(), ["WHEELHOUSE_TARGET_ARCH=aarch64"])
    assert engine.runs == [
        cross_build,
        (arm.builder, "aarch64", ["copy /opt/syslibs"]),  # once, for curl and cyrus-sasl
        cross_build,
        cross_build,
        (arm.builder, "aarch64", []),
    ]
    assert engine.baked == [None, "/opt/syslibs", "/opt/syslibs", None]
    assert CATALOGUE["openldap"].cross == "arch-libs"


def test_a_library_built_with_cmake_names_its_release_in_its_identity() -> None:
    mariadb = library_identity(CATALOGUE["mariadb-connector-c"])
    assert f", CMake {CMAKE_RELEASE}" in mariadb
    assert "CMake" not in library_identity(CATALOGUE["libsodium"])
    # netcdf is built against hdf5 and curl, whose identities its own names
    netcdf = library_identity(CATALOGUE["netcdf"])
    assert netcdf.count("; against ") == 2
    assert "hdf5 from Debian" in netcdf
    assert "curl from Debian" in netcdf
