"""Rust for builds on the local musl images: Debian's `rustc-web` (an x86_64 glibc program) taken
out of its packages into the wheelhouse's cache the first time a job needs it (a recipe's
`toolchains = ["rust"]`), with std compiled for the job's musl target once, and mounted
read-only into the build containers of those jobs only.

rustc and cargo run natively in both builder images: their ELF interpreter and library path
point into the mount, so they need nothing of the container's own libc. In the aarch64
container, where QEMU runs everything else, the same x86_64 binaries run at native speed; the
build scripts and proc-macros cargo compiles for its x86_64 host find x86_64 glibc where that
container has no libraries of its own (/usr/lib/x86_64-linux-gnu, /lib64). The target's code
is compiled for `<arch>-unknown-linux-musl` and linked by the C++ toolchain's zig
(cxx_toolchain.py), which names musl's real libc in what it links and substitutes its own
unwinder for libgcc_s, so a Rust panic still unwinds into Python as an exception.

Crates come from crates.io, or from what `cargo-registry` / `cargo-vendor` name (a mirror, or
a vendored directory for air-gapped sites); cargo's downloads are kept in the wheelhouse's
cache between builds. This module is pure: it says what is mounted, where, and with which
environment (builder/host/rust_build.py fetches and builds)."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from pathlib import Path

from builder.host.containers import Mount
from builder.wheelbuild.cxx_toolchain import MOUNT as CXX_MOUNT
from builder.wheelbuild.layers import Layer, recipe_digest

MOUNT = "/opt/wheelhouse-rust"  # the toolchain, read-only
CARGO_HOME_MOUNT = "/opt/wheelhouse-cargo"  # cargo's home: its config and download cache
VENDOR_MOUNT = "/opt/wheelhouse-crates"  # a vendored crates directory, read-only
# Debian's rustc-web on bookworm-security, the version the route was measured with (its
# rust-src ships the crates std needs). The security suite keeps only its newest version:
# fetching checks this one, and a newer one is a deliberate change of this line.
RUSTC_VERSION = "1.96.0+dfsg1-1~deb12u2"
HOST_TRIPLE = "x86_64-unknown-linux-gnu"  # rustc's own platform, and its build scripts'
RECIPE_DIR = Path(__file__).resolve().parent.parent / "host" / "rust_recipe"
HOST_LIBRARIES = "usr/lib/x86_64-linux-gnu"  # in the toolchain: glibc and what rustc links

# The target's C compiler and linker for cargo and cc-rs: the C++ toolchain's zig wrapper
# (musl's real libc named in what it links), without the `--target=<rust triple>` that cc-rs
# passes to a clang and zig rejects.
TARGET_WRAPPER = f"""#!/bin/sh
for arg in "$@"; do
  shift
  case "$arg" in --target=*) ;; *) set -- "$@" "$arg" ;; esac
done
exec {CXX_MOUNT}/$(basename "$0" | sed 's/^target-//') "$@"
"""
# The linker of what cargo builds for its host (build scripts, proc-macros): zig for x86_64
# glibc, so the aarch64 container, whose own compilers make aarch64 code, links them too.
HOST_WRAPPER = f"""#!/bin/sh
for arg in "$@"; do
  shift
  case "$arg" in --target=*) ;; *) set -- "$@" "$arg" ;; esac
done
export ZIG_GLOBAL_CACHE_DIR="${{ZIG_GLOBAL_CACHE_DIR:-{CXX_MOUNT}-cache}}"
exec {CXX_MOUNT}/zig/zig $(basename "$0" | sed 's/^host-//') -target x86_64-linux-gnu.2.36 "$@"
"""
WRAPPERS = {
    "target-cc": TARGET_WRAPPER,
    "target-c++": TARGET_WRAPPER,
    "host-cc": HOST_WRAPPER,
    "host-c++": HOST_WRAPPER,
}


def target_triple(arch: str) -> str:
    return f"{arch}-unknown-linux-musl"


def rust_version() -> str:
    """What a job's key records ("rustc 1.96.0+dfsg1-1~deb12u2, recipe 1a2b3c4d"): the recipe's
    hash covers the fetch script and the wrappers."""
    digest = recipe_digest(sorted(RECIPE_DIR.iterdir()), WRAPPERS)
    return f"rustc {RUSTC_VERSION}, recipe {digest}"


@dataclass(frozen=True)
class CrateSource:
    """Where cargo takes crates from: crates.io (registry and directory empty), a registry
    that replaces it (a mirror's index URL), or a vendored directory (offline)."""

    registry: str = ""
    directory: Path | None = None

    def describe(self) -> str:
        """For the key: a different source can resolve different versions."""
        if self.directory is not None:
            return "vendored directory"
        return f"registry {self.registry}" if self.registry else "crates.io"

    def cargo_config(self) -> str:
        """cargo's config.toml (in its home, inside the container)."""
        if self.directory is not None:
            return (
                '[source.crates-io]\nreplace-with = "wheelhouse-vendored"\n\n'
                f'[source.wheelhouse-vendored]\ndirectory = "{VENDOR_MOUNT}"\n\n'
                "[net]\noffline = true\n"
            )
        if self.registry:
            return (
                '[source.crates-io]\nreplace-with = "wheelhouse-mirror"\n\n'
                f'[source.wheelhouse-mirror]\nregistry = "{self.registry}"\n'
            )
        return "# crates from crates.io\n"


@dataclass(frozen=True)
class RustToolchain:
    """Where the toolchain of one identity lives on this machine, and cargo's home."""

    root: Path  # <cache>/rust/<identity key>: toolchain/ (mounted at MOUNT), bin wrappers in it
    cargo_home: Path  # <cache>/rust/cargo-home, shared by identities: config and downloads
    downloads: Path  # <cache>/rust/debs: apt's state and the packages, kept
    crates: CrateSource

    @property
    def toolchain(self) -> Path:
        return self.root / "toolchain"

    def fetched(self) -> bool:
        return (self.toolchain / "usr" / "bin" / "rustc").is_file()

    def std_directory(self, arch: str) -> Path:
        return self.toolchain / "usr" / "lib" / "rustlib" / target_triple(arch) / "lib"

    def ready(self, arch: str) -> bool:
        return self.fetched() and (self.std_directory(arch) / ".complete").is_file()

    def mounts(self, arch: str) -> list[Mount]:
        """The toolchain, cargo's home and a vendored crates directory; in a foreign-arch
        container also the x86_64 glibc that the build scripts cargo compiles for its host
        load (that container has no x86_64 libraries of its own)."""
        mounts = [
            Mount(source=self.toolchain, target=MOUNT),
            Mount(source=self.cargo_home, target=CARGO_HOME_MOUNT, read_only=False),
        ]
        if self.crates.directory is not None:
            mounts.append(Mount(source=self.crates.directory, target=VENDOR_MOUNT))
        if arch != "x86_64":
            libraries = self.toolchain / HOST_LIBRARIES
            mounts += [
                Mount(source=libraries, target="/usr/lib/x86_64-linux-gnu"),
                Mount(
                    source=libraries / "ld-linux-x86-64.so.2",
                    target="/lib64/ld-linux-x86-64.so.2",
                ),
            ]
        return mounts

    def layer(self, arch: str, python: str, abi_dir: str) -> Layer:
        """The mounts and the build environment of a job for `arch` and that CPython."""
        return Layer(
            name="rust",
            mounts=tuple(self.mounts(arch)),
            environment=tuple(rust_environment(arch, python, abi_dir).items()),
        )


def rust_environment(arch: str, python: str, abi_dir: str) -> dict[str, str]:
    """The build environment of a job that has the toolchain mounted (cibuildwheel evaluates it
    in the container: $PATH is the container's).

    cargo builds for the musl target; rustc's own platform is x86_64 glibc, so maturin and
    PyO3 treat every such build as a cross build and read the target interpreter's
    configuration from its sysconfigdata (PYO3_CROSS_LIB_DIR). Rust's musl targets link the C
    runtime statically unless told not to, and then refuse to make a shared library."""
    triple = target_triple(arch)
    upper = triple.upper().replace("-", "_")
    lower = triple.replace("-", "_")
    host_upper = HOST_TRIPLE.upper().replace("-", "_")
    host_lower = HOST_TRIPLE.replace("-", "_")
    return {
        "PATH": f"{MOUNT}/usr/bin:$PATH",
        "CARGO_HOME": CARGO_HOME_MOUNT,
        "CARGO_BUILD_TARGET": triple,
        f"CARGO_TARGET_{upper}_LINKER": f"{MOUNT}/bin/target-cc",
        f"CARGO_TARGET_{upper}_RUSTFLAGS": "-C target-feature=-crt-static",
        f"CARGO_TARGET_{host_upper}_LINKER": f"{MOUNT}/bin/host-cc",
        f"CC_{lower}": f"{MOUNT}/bin/target-cc",
        f"CXX_{lower}": f"{MOUNT}/bin/target-c++",
        f"CC_{host_lower}": f"{MOUNT}/bin/host-cc",
        f"CXX_{host_lower}": f"{MOUNT}/bin/host-c++",
        "PYO3_CROSS_LIB_DIR": f"/opt/python/{abi_dir}/lib/python{python}",
    }


def rust_toolchain(
    cache_dir: Path, crates: CrateSource, version: str | None = None
) -> RustToolchain:
    identity = version or rust_version()
    key = hashlib.sha256(identity.encode()).hexdigest()[:16]
    base = cache_dir / "rust"
    return RustToolchain(
        root=base / key,
        cargo_home=base / "cargo-home",
        downloads=base / "debs",
        crates=crates,
    )
