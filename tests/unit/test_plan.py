from __future__ import annotations

import os
from dataclasses import replace
from pathlib import Path
from typing import Any

import pytest
from packaging.version import Version

from builder.errors import InputError
from builder.inputs.recipes import Recipe, SkipRule, parse_recipe
from builder.plan.jobs import BuildJob, ReuseJob, SkipJob, ToolVersions
from builder.plan.planner import build_key, make_plan
from builder.plan.run_modes import choose_executions
from builder.resolve.build_targets import BuildTarget
from builder.resolve.closure import Resolved
from builder.resolve.releases import group_releases
from builder.wheelbuild.cibuildwheel_options import cibuildwheel_env
from builder.wheelbuild.compile import shareable
from builder.wheelbuild.cxx_toolchain import CxxToolchain, cxx_toolchain
from builder.wheelbuild.fortran_toolchain import WRAPPERS, fortran_toolchain
from builder.wheelbuild.openmp_runtime import openmp_runtime
from builder.wheelbuild.rust_toolchain import CrateSource, rust_toolchain
from tests.unit.fakes import IMAGE, sdist, wheel
from tests.unit.test_wheel_checks import evaluated

PY311 = BuildTarget(python="3.11", arch="x86_64")
PY313 = BuildTarget(python="3.13", arch="x86_64")
TOOLS = ToolVersions(cibuildwheel="4.3.3", auditwheel="6.8.2")


def resolved(name: str, files: list, version: str = "1.0") -> Resolved:  # type: ignore[type-arg]
    release = group_releases(name, files)[Version(version)]
    return Resolved(release=release, origin="deps.txt:1", direct=True, extras=frozenset())


C_EXT = resolved(
    "cext", [sdist("cext", "1.0"), wheel("cext-1.0-cp311-cp311-manylinux_2_17_x86_64.whl")]
)
MUSL = resolved(
    "musl", [sdist("musl", "1.0"), wheel("musl-1.0-cp311-cp311-musllinux_1_2_x86_64.whl")]
)
PURE = resolved("pure", [wheel("pure-1.0-py3-none-any.whl")])
NOTHING = resolved("nothing", [wheel("nothing-1.0-cp311-cp311-win_amd64.whl")])


def plan_for(closure: list[Resolved], **kwargs: object):  # type: ignore[no-untyped-def]
    args: dict[str, object] = {
        "resolved": {PY311: closure},
        "recipes": {},
        "images": {"x86_64": IMAGE},
        "tools": TOOLS,
        "present": {},
    }
    args.update(kwargs)
    return make_plan(**args)  # type: ignore[arg-type]


def test_actions_build_mirror_and_fail() -> None:
    plan = plan_for([C_EXT, MUSL, PURE, NOTHING])
    assert [(j.name, j.action) for j in plan.jobs] == [
        ("cext", "build"),
        ("musl", "mirror"),
        ("pure", "mirror"),
        ("nothing", "fail"),
    ]
    assert plan.jobs[1].wheel is not None
    assert plan.jobs[1].wheel.filename == "musl-1.0-cp311-cp311-musllinux_1_2_x86_64.whl"
    assert "no sdist" in plan.jobs[3].reason


def test_json_shape() -> None:
    data = plan_for([C_EXT]).to_json()
    job = data["jobs"][0]
    assert set(job) >= {"name", "version", "python", "arch", "action", "key"}
    assert job["python"] == "3.11"
    assert job["action"] == "build"


def test_present_key_skips_and_forcing_source_builds() -> None:
    first = plan_for([C_EXT, MUSL])
    present = {job.key: f"{job.name}.whl" for job in first.jobs}
    again = plan_for([C_EXT, MUSL], present=present)
    assert [j.action for j in again.jobs] == ["skip", "skip"]
    forced = plan_for([MUSL], force_source=True)
    assert [j.action for j in forced.jobs] == ["build"]
    by_recipe = plan_for([MUSL], recipes={"musl": Recipe(name="musl", build_from_source=True)})
    assert [j.action for j in by_recipe.jobs] == ["build"]


def test_key_changes_with_every_build_input() -> None:
    base = plan_for([C_EXT]).jobs[0].key
    assert plan_for([C_EXT]).jobs[0].key == base  # stable
    other_image = plan_for([C_EXT], images={"x86_64": replace(IMAGE, builder_id="sha256:2")})
    assert other_image.jobs[0].key != base
    other_tools = plan_for([C_EXT], tools=ToolVersions(cibuildwheel="4.3.4", auditwheel="6.8.2"))
    assert other_tools.jobs[0].key != base
    other_recipe = plan_for([C_EXT], recipes={"cext": Recipe(name="cext", before_build="true")})
    assert other_recipe.jobs[0].key != base
    other_python = make_plan(
        resolved={PY313: [C_EXT]}, recipes={}, images={"x86_64": IMAGE}, tools=TOOLS, present={}
    )
    assert other_python.jobs[0].key != base


def test_stripping_is_the_default_and_in_the_key_keeping_has_the_key_of_wheels_before_it() -> None:
    stripped, kept = plan_for([C_EXT]).jobs[0], plan_for([C_EXT], debug_info="keep").jobs[0]
    assert isinstance(stripped, BuildJob) and isinstance(kept, BuildJob)
    assert (stripped.debug_info, kept.debug_info) == ("strip", "keep")
    assert stripped.key != kept.key
    assert stripped.to_json()["debug_info"] == "strip"
    repair = cibuildwheel_env(stripped)["CIBW_REPAIR_WHEEL_COMMAND"]
    assert repair.startswith("auditwheel repair --strip --plat musllinux_1_2_x86_64 ")
    assert "--strip" not in cibuildwheel_env(kept)["CIBW_REPAIR_WHEEL_COMMAND"]
    # a kept wheel has the key every wheel had before stripping existed: those stay present
    unchanged = build_key(
        sdist_sha256=kept.sdist.identity() or "",
        recipe=kept.recipe,
        target=kept.target,
        image=kept.image,
        tools=TOOLS,
    )
    assert kept.key == unchanged


def test_recipe_skip_rule() -> None:
    recipe = Recipe(
        name="cext", skip=(SkipRule(python="3.11", arch=None, reason="broken on 3.11"),)
    )
    plan = plan_for([C_EXT], recipes={"cext": recipe})
    assert plan.jobs[0].action == "skip"
    assert plan.jobs[0].reason == "recipe: broken on 3.11"


def test_aarch64_jobs_record_emulation_and_their_runner_without_changing_keys() -> None:
    arm = BuildTarget(python="3.11", arch="aarch64")
    arm_image = replace(IMAGE, arch="aarch64")
    closure = [
        resolved("cext", [sdist("cext", "1.0")]),
        resolved("musl", [wheel("musl-1.0-cp311-cp311-musllinux_1_2_aarch64.whl")]),
    ]
    common = {
        "resolved": {PY311: closure, arm: closure},
        "images": {"x86_64": IMAGE, "aarch64": arm_image},
    }
    here = plan_for(closure, **common, executions={"x86_64": "native", "aarch64": "qemu"})
    split = plan_for(
        closure, **common, executions={"aarch64": "native"}, runners={"aarch64": "arm64"}
    )
    placed = [(j.arch, j.action, j.execution, j.runner) for j in here.jobs]
    assert placed == [
        ("x86_64", "build", "native", "local"),
        ("x86_64", "fail", "native", "local"),  # no x86_64 wheel and no sdist
        ("aarch64", "build", "qemu", "local"),
        ("aarch64", "mirror", "qemu", "local"),
    ]
    assert [j.key for j in here.jobs] == [j.key for j in split.jobs]
    assert split.to_json()["archs"] == {
        "x86_64": {"runner": "local", "execution": "native"},
        "aarch64": {"runner": "arm64", "execution": "native"},
    }
    assert {j["runner"] for j in split.to_json()["jobs"] if j["arch"] == "aarch64"} == {"arm64"}


def test_build_constraints_reach_the_build_and_its_key_only_when_given() -> None:
    plain = plan_for([C_EXT])
    constrained = plan_for([C_EXT], build_constraints=("cython<3",))
    (job,) = constrained.jobs
    assert isinstance(job, BuildJob)
    assert job.build_constraints == ("cython<3",)
    assert job.key != plain.jobs[0].key
    env = cibuildwheel_env(job)
    assert "PIP_CONSTRAINT=/tmp/wheelhouse-build-constraints.txt" in env["CIBW_ENVIRONMENT"]
    assert env["CIBW_BEFORE_BUILD"] == (
        "{ printf %s 'cython<3\n' > /tmp/wheelhouse-build-constraints.txt; }"
    )
    plain_job = plain.jobs[0]
    assert isinstance(plain_job, BuildJob)
    assert "PIP_CONSTRAINT" not in cibuildwheel_env(plain_job)["CIBW_ENVIRONMENT"]


def test_an_abi3_or_pure_wheel_already_built_is_reused_where_it_installs() -> None:
    abi3 = "cext-1.0-cp311-abi3-musllinux_1_2_x86_64.whl"
    identity = C_EXT.release.sdist.identity() if C_EXT.release.sdist else None
    assert identity is not None
    arm = replace(IMAGE, arch="aarch64")
    plan = plan_for(
        [C_EXT],
        resolved={
            PY311: [C_EXT],
            PY313: [C_EXT],
            BuildTarget(python="3.13", arch="aarch64"): [C_EXT],
        },
        images={"x86_64": IMAGE, "aarch64": arm},
        shared_wheels={identity: [abi3]},
    )
    by_target = {(job.python, job.arch): job for job in plan.jobs}
    for python in ("3.11", "3.13"):  # cp311-abi3 installs on 3.11 and every newer CPython
        reuse = by_target[(python, "x86_64")]
        assert isinstance(reuse, ReuseJob) and reuse.reused == abi3, reuse
    assert isinstance(by_target[("3.13", "aarch64")], BuildJob)  # another arch builds its own


def test_a_shared_wheel_held_by_the_target_serves_a_new_python_without_a_second_file() -> None:
    """A scheduled run's wheelhouse starts empty: an abi3 wheel the target holds (built for
    3.11) must not be built again for a newly added 3.13, which would publish a second,
    different file under the same name."""
    abi3 = "cext-1.0-cp311-abi3-musllinux_1_2_x86_64.whl"
    identity = C_EXT.release.sdist.identity() if C_EXT.release.sdist else None
    assert identity is not None
    plan = plan_for(
        [C_EXT], resolved={PY313: [C_EXT]}, held_shared={identity: [abi3]}, shared_wheels={}
    )
    (job,) = plan.jobs
    assert isinstance(job, SkipJob) and job.present_filename == abi3, job
    assert "present in the target" in job.reason
    local = plan_for(
        [C_EXT],
        resolved={PY313: [C_EXT]},
        held_shared={identity: [abi3]},
        shared_wheels={identity: [abi3]},
    )
    assert isinstance(local.jobs[0], ReuseJob)  # here too: reused and verified for 3.13
    other = plan_for([C_EXT], resolved={PY313: [C_EXT]}, held_shared={"other": [abi3]})
    assert isinstance(other.jobs[0], BuildJob)  # another sdist's wheel serves nothing


def test_which_wheels_one_build_shares() -> None:
    assert shareable("x-1.0-py3-none-any.whl")
    assert shareable("x-1.0-cp311-abi3-musllinux_1_2_x86_64.whl")
    assert not shareable("x-1.0-cp311-cp311-musllinux_1_2_x86_64.whl")
    assert PY313.installs("x-1.0-cp311-abi3-musllinux_1_2_x86_64.whl")
    assert not PY311.installs("x-1.0-cp312-abi3-musllinux_1_2_x86_64.whl")


def test_local_images_get_the_cxx_toolchain_in_the_key_and_the_container(tmp_path: Path) -> None:
    plain = plan_for([C_EXT])
    with_cxx = plan_for([C_EXT], cxx="zig 0.17.1")
    (job,) = with_cxx.jobs
    assert isinstance(job, BuildJob) and job.cxx == "zig 0.17.1"
    assert job.key != plain.jobs[0].key  # a new toolchain makes new wheels
    pypa = plan_for([C_EXT], cxx="zig 0.17.1", images={"x86_64": replace(IMAGE, kind="pypa")})
    assert isinstance(pypa.jobs[0], BuildJob) and pypa.jobs[0].cxx == ""  # they have g++
    toolchain = cxx_toolchain(tmp_path)
    assert toolchain is not None and toolchain.cache == tmp_path / "zig-cache"
    shared = cxx_toolchain(tmp_path, tmp_path / "shared" / "zig")  # the zig-cache setting
    assert shared is not None and shared.cache.is_dir()
    assert f"--volume {shared.cache}:/opt/wheelhouse-cxx-cache" in shared.create_args()
    env = cibuildwheel_env(job, toolchain)
    assert env["CIBW_CONTAINER_ENGINE"].startswith("docker; create_args: --volume ")
    assert f"{toolchain.zig_dir}:/opt/wheelhouse-cxx/zig:ro" in env["CIBW_CONTAINER_ENGINE"]
    assert "CXX=/opt/wheelhouse-cxx/c++" in env["CIBW_ENVIRONMENT"]
    assert (tmp_path / "cxx-toolchain" / "c++").stat().st_mode & 0o111
    assert cibuildwheel_env(plain.jobs[0], toolchain)["CIBW_CONTAINER_ENGINE"] == "docker"


def test_cross_execution_is_chosen_per_arch_and_only_where_it_can_run() -> None:
    host = {"x86_64": "native", "aarch64": "qemu"}
    local = {"x86_64": True, "aarch64": True}
    assert choose_executions(host, {}, zig=True, local=local) == {
        "x86_64": "native",
        "aarch64": "cross",
    }
    assert choose_executions(host, {}, zig=False, local=local)["aarch64"] == "qemu"
    # auto stays on QEMU for the pypa images (their compilers were never measured cross here)
    pypa = {"x86_64": False, "aarch64": False}
    assert choose_executions(host, {}, zig=True, local=pypa)["aarch64"] == "qemu"
    assert choose_executions(host, {"aarch64": "cross"}, zig=True, local=pypa)["aarch64"] == "cross"
    assert choose_executions(host, {"aarch64": "qemu"}, zig=True, local=local)["aarch64"] == "qemu"
    with pytest.raises(InputError, match='aarch64 = "cross" needs the cross toolchain'):
        choose_executions(host, {"aarch64": "cross"}, zig=False, local=local)
    on_arm = {"x86_64": "qemu", "aarch64": "native"}
    assert choose_executions(on_arm, {"aarch64": "qemu"}, zig=True, local=local)["aarch64"] == (
        "native"
    )


def test_a_cross_build_has_its_own_key_and_every_compiler_points_at_zig(tmp_path: Path) -> None:
    arm = replace(IMAGE, arch="aarch64")
    target = BuildTarget(python="3.11", arch="aarch64")
    common: dict[str, Any] = {
        "resolved": {target: [C_EXT]},
        "images": {"aarch64": arm},
        "cxx": "zig 0.17.1",
    }
    qemu = plan_for([C_EXT], **common, executions={"aarch64": "qemu"})
    cross = plan_for([C_EXT], **common, executions={"aarch64": "cross"})
    (job,) = cross.jobs
    assert isinstance(job, BuildJob) and job.execution == "cross"
    assert job.key != qemu.jobs[0].key  # never confused with a wheel built under QEMU
    toolchain = cxx_toolchain(tmp_path)
    assert toolchain is not None
    env = cibuildwheel_env(job, toolchain)
    for setting in ("CC=/opt/wheelhouse-cxx/cc", "CXX=/opt/wheelhouse-cxx/c++"):
        assert setting in env["CIBW_ENVIRONMENT"]
    assert "LDSHARED='/opt/wheelhouse-cxx/cc -shared'" in env["CIBW_ENVIRONMENT"]
    cc = (tmp_path / "cxx-toolchain" / "cc").read_text()
    assert 'zig" cc -target "$target-linux-musl"' in cc and 'zig" c++' not in cc
    forced = plan_for(
        [C_EXT],
        **common,
        executions={"aarch64": "cross"},
        recipes={"cext": Recipe(name="cext", execution="qemu")},
    )
    assert forced.jobs[0].execution == "qemu" and forced.jobs[0].key == qemu.jobs[0].key


def test_a_recipe_that_names_openmp_gets_the_runtime_mounted_and_in_its_key(
    tmp_path: Path,
) -> None:
    recipes = {"cext": Recipe(name="cext", toolchains=("openmp",))}
    plain = plan_for(
        [C_EXT], recipes={"cext": Recipe(name="cext")}, toolchains={"openmp": "llvm-openmp 19"}
    )
    asked = plan_for([C_EXT], recipes=recipes, toolchains={"openmp": "llvm-openmp 19"})
    (job,) = asked.jobs
    assert isinstance(job, BuildJob) and job.openmp == "llvm-openmp 19"
    assert isinstance(plain.jobs[0], BuildJob) and plain.jobs[0].openmp == ""
    assert (
        job.key
        != plan_for([C_EXT], recipes=recipes, toolchains={"openmp": "llvm-openmp 20"}).jobs[0].key
    )
    assert job.to_json()["openmp"] == "llvm-openmp 19"
    # Alpine's GCC on the pypa images carries libgomp: nothing is mounted there
    pypa = {"x86_64": replace(IMAGE, kind="pypa")}
    on_pypa = plan_for(
        [C_EXT], recipes=recipes, toolchains={"openmp": "llvm-openmp 19"}, images=pypa
    )
    assert isinstance(on_pypa.jobs[0], BuildJob) and on_pypa.jobs[0].openmp == ""

    runtime = openmp_runtime(tmp_path, "llvm-openmp 19")
    env = cibuildwheel_env(job, None, [runtime.layer("x86_64")])
    mount = f"--volume {runtime.directory('x86_64')}:/opt/wheelhouse-openmp:ro"
    assert env["CIBW_CONTAINER_ENGINE"] == f"docker; create_args: {mount}"
    build_env = evaluated(env["CIBW_ENVIRONMENT"])
    assert build_env["CPATH"] == "/opt/wheelhouse-openmp/include"
    assert build_env["LIBRARY_PATH"] == build_env["LD_LIBRARY_PATH"] == "/opt/wheelhouse-openmp/lib"
    # a job that did not ask gets neither the mount nor the environment
    other = cibuildwheel_env(plain.jobs[0], None, [runtime.layer("x86_64")])
    assert other["CIBW_CONTAINER_ENGINE"] == "docker" and "CPATH" not in other["CIBW_ENVIRONMENT"]
    assert runtime != openmp_runtime(tmp_path, "llvm-openmp 20")  # one directory per identity
    assert not runtime.ready("x86_64")


def test_a_recipe_that_names_rust_gets_the_toolchain_mounted_and_in_its_key(
    tmp_path: Path,
) -> None:
    mountable = {"openmp": "llvm-openmp 19", "rust": "rustc 1.96; crates.io"}
    recipes = {"cext": Recipe(name="cext", toolchains=("rust",))}
    (job,) = plan_for([C_EXT], recipes=recipes, toolchains=mountable).jobs
    assert isinstance(job, BuildJob) and job.rust == "rustc 1.96; crates.io" and not job.openmp
    assert job.to_json()["rust"] == "rustc 1.96; crates.io" and "openmp" not in job.to_json()
    vendored = {**mountable, "rust": "rustc 1.96; vendored directory"}
    assert job.key != plan_for([C_EXT], recipes=recipes, toolchains=vendored).jobs[0].key
    plain = plan_for([C_EXT], recipes={"cext": Recipe(name="cext")}, toolchains=mountable).jobs[0]
    assert isinstance(plain, BuildJob) and not plain.rust

    vendor = tmp_path / "crates"
    rust = rust_toolchain(tmp_path / "cache", CrateSource(directory=vendor), "rustc 1.96")
    env = cibuildwheel_env(job, None, [rust.layer("x86_64", "3.11", "cp311-cp311")])
    engine = env["CIBW_CONTAINER_ENGINE"]
    assert f"--volume {rust.toolchain}:/opt/wheelhouse-rust:ro" in engine
    assert f"--volume {rust.cargo_home}:/opt/wheelhouse-cargo " in f"{engine} "
    assert f"--volume {vendor}:/opt/wheelhouse-crates:ro" in engine
    assert "/usr/lib/x86_64-linux-gnu" not in engine  # x86_64: the container's own glibc
    build_env = evaluated(env["CIBW_ENVIRONMENT"])
    assert build_env["PATH"].startswith("/opt/wheelhouse-rust/usr/bin:")
    assert build_env["PATH"].endswith(os.environ["PATH"])
    assert build_env["CARGO_BUILD_TARGET"] == "x86_64-unknown-linux-musl"
    linker = "CARGO_TARGET_X86_64_UNKNOWN_LINUX_MUSL_LINKER"
    assert build_env[linker] == "/opt/wheelhouse-rust/bin/target-cc"
    assert build_env["PYO3_CROSS_LIB_DIR"] == "/opt/python/cp311-cp311/lib/python3.11"
    assert 'directory = "/opt/wheelhouse-crates"' in rust.crates.cargo_config()
    assert "apk add" not in env["CIBW_BEFORE_ALL"]
    # a foreign-arch container also gets x86_64 glibc for the host's build scripts
    aarch64 = cibuildwheel_env(
        replace(job, target=replace(job.target, arch="aarch64")),
        None,
        [rust.layer("aarch64", "3.11", "cp311-cp311")],
    )
    assert ":/lib64/ld-linux-x86-64.so.2:ro" in aarch64["CIBW_CONTAINER_ENGINE"]
    # the pypa images: Alpine's cargo, nothing mounted
    pypa = {"x86_64": replace(IMAGE, kind="pypa")}
    (on_pypa,) = plan_for([C_EXT], recipes=recipes, toolchains=mountable, images=pypa).jobs
    assert isinstance(on_pypa, BuildJob) and not on_pypa.rust
    pypa_env = cibuildwheel_env(on_pypa, None, [rust.layer("x86_64", "3.11", "cp311-cp311")])
    assert "apk add --no-cache cargo" in pypa_env["CIBW_BEFORE_ALL"]
    assert pypa_env["CIBW_CONTAINER_ENGINE"] == "docker"


def test_a_recipe_that_names_fortran_gets_flang_its_runtime_and_compiler_wrappers(
    tmp_path: Path,
) -> None:
    mountable = {"openmp": "llvm-openmp 19", "fortran": "flang 19.1.7"}
    recipes = {"cext": Recipe(name="cext", toolchains=("fortran", "openmp"))}
    (job,) = plan_for([C_EXT], recipes=recipes, toolchains=mountable).jobs
    assert isinstance(job, BuildJob) and job.fortran == "flang 19.1.7"
    assert job.to_json()["fortran"] == "flang 19.1.7"
    newer = {**mountable, "fortran": "flang 20.1.0"}
    assert job.key != plan_for([C_EXT], recipes=recipes, toolchains=newer).jobs[0].key

    fortran = fortran_toolchain(tmp_path / "cache", "flang 19.1.7")
    openmp = openmp_runtime(tmp_path / "cache", "llvm-openmp 19")
    cxx = CxxToolchain(zig_dir=tmp_path / "zig", version="0.17", work=tmp_path, cache=tmp_path)
    job = replace(job, cxx="zig 0.17")  # planned with the C++ toolchain, as local jobs are
    env = cibuildwheel_env(job, cxx, [openmp.layer("x86_64"), fortran.layer("x86_64")])
    engine = env["CIBW_CONTAINER_ENGINE"]
    assert f"--volume {fortran.toolchain}:/opt/wheelhouse-fortran:ro" in engine
    assert f"--volume {fortran.runtime('x86_64')}:/opt/wheelhouse-fortran-runtime:ro" in engine
    build_env = evaluated(env["CIBW_ENVIRONMENT"], {"LD_LIBRARY_PATH": "/usr/lib"})
    assert build_env["FC"] == "/opt/wheelhouse-fortran/bin/flang"
    # CC and CXX wrap the compilers the job has otherwise (the image's cc, zig's c++)
    assert build_env["CC"] == "/opt/wheelhouse-fortran/bin/cc"
    assert build_env["WHEELHOUSE_FORTRAN_CC"] == ""
    assert build_env["WHEELHOUSE_FORTRAN_CXX"] == "/opt/wheelhouse-cxx/c++"
    assert build_env["CXX"] == "/opt/wheelhouse-fortran/bin/c++"
    # both runtimes where auditwheel looks, the container's own path kept after them
    assert build_env["LD_LIBRARY_PATH"] == (
        "/opt/wheelhouse-fortran-runtime/lib:/opt/wheelhouse-openmp/lib"
    )
    # a cross build wraps zig's cc too
    cross = replace(job, execution="cross")
    cross_env = evaluated(
        cibuildwheel_env(cross, cxx, [fortran.layer("x86_64")])["CIBW_ENVIRONMENT"]
    )
    assert cross_env["WHEELHOUSE_FORTRAN_CC"] == "/opt/wheelhouse-cxx/cc"
    assert fortran.runtime("aarch64") != fortran.runtime("x86_64") and not fortran.ready("x86_64")
    # the wrappers: a link through CC gets the runtime last, --as-needed; a compile does not
    assert WRAPPERS["cc"].rstrip().endswith("-Wl,--as-needed -lFortranRuntime")
    assert 'exec $real "$@" ;;' in WRAPPERS["cc"]


def test_an_unknown_toolchain_in_a_recipe_is_an_input_error(tmp_path: Path) -> None:
    path = tmp_path / "cext.toml"
    path.write_text('toolchains = ["cuda"]\n')
    with pytest.raises(InputError, match=r"cext\.toml: key 'toolchains': no toolchain 'cuda'"):
        parse_recipe(path)
    path.write_text('toolchains = ["openmp", "openmp"]\n')
    assert parse_recipe(path).toolchains == ("openmp",)
