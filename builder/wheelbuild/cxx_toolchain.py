"""C++ for the local musl images: zig's clang and libc++ (from PyPI's `ziglang`), the host's own
binary mounted into the builder container, with libc++ linked statically into each extension.

The local images carry no musl C++ runtime. Rather than build one into them, the host's zig is
bind-mounted read-only: a static binary of the host's architecture, so the kernel runs it
natively even inside a foreign-arch container under QEMU (only the compiler runs natively;
pip, setuptools and auditwheel stay emulated). Its cache is mounted read-write from the
wheelhouse's cache, so libc++ is compiled once per target, not once per build.
"""

from __future__ import annotations

import hashlib
import importlib.util
from dataclasses import dataclass
from importlib.metadata import PackageNotFoundError
from importlib.metadata import version as installed_version
from pathlib import Path

from builder.host.containers import Mount
from builder.inputs.system_libraries import LOCAL_PREFIX

MOUNT = "/opt/wheelhouse-cxx"  # the toolchain, read-only
CACHE_MOUNT = "/opt/wheelhouse-cxx-cache"  # zig's cache, shared by the builds of a wheelhouse


# `cc` and `c++` for musl: zig's clang for this container's arch (`uname -m`: aarch64 inside the
# aarch64 container, where this x86_64 binary still runs natively), or WHEELHOUSE_TARGET_ARCH's
# (a library built on demand for aarch64 in this machine's own builder container). zig links
# against its own libc stub, so an extension would name `libc.so` and auditwheel would graft a
# libc into the wheel; the link's output is pointed at musl's real libc instead, as Alpine's
# toolchain names it.
# clang (16 and newer) rejects C that GCC 12, the images' own C compiler, only warns about:
# Cython 0.29's generated code passes `char *` handlers where libyaml wants `unsigned char *`
# (PyYAML, ruamel.yaml.clib), lxml 4.9 passes one extension type for another. The C driver
# keeps GCC's verdict (a warning) so that a cross build compiles what a native one does; a
# package's own -Werror flags come later on the command line and still win.
GCC_WARNINGS = (
    "-Wno-error=incompatible-function-pointer-types",
    "-Wno-error=incompatible-pointer-types",
    "-Wno-error=int-conversion",
    "-Wno-error=implicit-function-declaration",
    "-Wno-error=implicit-int",
)


def wrapper(driver: str) -> str:
    """The shell wrapper that runs `zig <driver>` (cc or c++) for musl.

    Build systems ask the linker who it is with `-Wl,--version`; zig's answer ("zig ld 0.17.1")
    is known only to recent meson, and the meson that numpy 1.26 vendors (and any before 1.3)
    stops: "Unable to detect linker". zig links ELF with LLD, so the wrapper answers as LLD
    does, naming LLVM's version and zig's: every meson then drives it as the GNU-compatible
    linker it is. A rejected flag in the same probe is still an error. With -fopenmp it links
    the mounted OpenMP runtime, as clang's own driver would."""
    leniency = " ".join(GCC_WARNINGS) + " " if driver == "cc" else ""
    zig = f'"{MOUNT}/zig/zig" {driver} -target "$target-linux-musl" {leniency}'
    return f"""#!/bin/sh
probe=""
openmp=""
compile_only=""
for arg in "$@"; do
  case "$arg" in
    -print-multiarch|--print-multiarch) exit 0 ;;
    -Wl,--version|-Wl,-v) probe=1 ;;
    -fopenmp|-fopenmp=*) openmp=1 ;;
    -c|-S|-E|-M|-MM) compile_only=1 ;;
  esac
done
# -l:/absolute/path (CMake's FindOpenMP writes the runtime it found that way), which zig
# rejects ("cannot use absolute path as a system library"): the path, as GNU ld reads it
for arg in "$@"; do
  shift
  case "$arg" in
    -l:/*) set -- "$@" "${{arg#-l:}}" ;;
    *) set -- "$@" "$arg" ;;
  esac
done
target=${{WHEELHOUSE_TARGET_ARCH:-$(uname -m)}}
export ZIG_GLOBAL_CACHE_DIR="${{ZIG_GLOBAL_CACHE_DIR:-{CACHE_MOUNT}}}"
if [ -d {LOCAL_PREFIX}/include ]; then  # the local images' native libraries, as musl-cc sees them
  set -- -idirafter {LOCAL_PREFIX}/include "$@" -L{LOCAL_PREFIX}/lib
fi
# LIBRARY_PATH, which GCC reads and zig does not: where the libraries built on demand are
# mounted (library_layers.py) and where a build's own environment points
if [ -z "$compile_only" ] && [ -n "$LIBRARY_PATH" ]; then
  saved_ifs=$IFS
  IFS=:
  for dir in $LIBRARY_PATH; do
    [ -z "$dir" ] || set -- "$@" -L"$dir"
  done
  IFS=$saved_ifs
fi
# -fopenmp: clang's own driver links libomp, zig's does not; the runtime is mounted for the jobs
# whose recipe asks for it (openmp_runtime.py)
if [ -n "$openmp" ] && [ -n "$WHEELHOUSE_OPENMP" ]; then
  set -- -I"$WHEELHOUSE_OPENMP/include" "$@"
  [ -n "$compile_only" ] || set -- "$@" -L"$WHEELHOUSE_OPENMP/lib" -lomp
fi
if [ -n "$probe" ]; then
  answer=$({zig}"$@" 2>&1)
  status=$?
  case "$answer" in
    "zig ld "*)
      llvm=$({zig}--version | sed -n 's/^clang version //p' | cut -d' ' -f1)
      echo "LLD $llvm (compatible with GNU linkers; ${{answer%%
*}})" ;;
    *) [ -z "$answer" ] || echo "$answer" ;;
  esac
  exit $status
fi
{zig}"$@" || exit $?
out=""
shared=""
previous=""
for arg in "$@"; do
  [ "$previous" = "-o" ] && out="$arg"
  [ "$arg" = "-shared" ] && shared=1
  previous="$arg"
done
if [ -n "$shared" ] && [ -f "$out" ] && patchelf --print-needed "$out" | grep -qx libc.so; then
  patchelf --replace-needed libc.so "libc.musl-$target.so.1" "$out"
fi
"""


WRAPPERS = {"cc": wrapper("cc"), "c++": wrapper("c++")}


@dataclass(frozen=True, kw_only=True)
class CxxToolchain:
    zig_dir: Path  # the ziglang package: zig and its lib/
    version: str
    work: Path  # host directory mounted at MOUNT (the wrapper, a link to zig_dir)
    cache: Path  # host directory mounted at CACHE_MOUNT

    def mounts(self) -> tuple[Mount, ...]:
        """The wrappers and zig read-only, zig's cache read-write."""
        return (
            Mount(source=self.work, target=MOUNT),
            Mount(source=self.zig_dir, target=f"{MOUNT}/zig"),
            Mount(source=self.cache, target=CACHE_MOUNT, read_only=False),
        )

    def create_args(self) -> str:
        """cibuildwheel's container-engine `create_args` mounting the toolchain and its cache."""
        return " ".join(f"--volume {mount.option()}" for mount in self.mounts())

    def environment(self) -> dict[str, str]:
        """C++ for a build whose C compiler is the image's own."""
        return {"CXX": f"{MOUNT}/c++", "ZIG_GLOBAL_CACHE_DIR": CACHE_MOUNT}

    def cross_environment(self) -> dict[str, str]:
        """Every compiler and linker a build calls, for a cross build: setuptools takes CC and
        LDSHARED (its default, the interpreter's own `musl-cc -shared`, would run emulated)."""
        return {
            "CC": f"{MOUNT}/cc",
            "CXX": f"{MOUNT}/c++",
            "LDSHARED": f"{MOUNT}/cc -shared",
            "LDCXXSHARED": f"{MOUNT}/c++ -shared",
            "ZIG_GLOBAL_CACHE_DIR": CACHE_MOUNT,
        }


def toolchain_version() -> str:
    """What the build keys record ("zig 0.17.1, wrappers 1a2b3c4d": a change to the wrappers
    changes the keys too), or "" without `ziglang`. Writes nothing."""
    try:
        version = installed_version("ziglang")
    except PackageNotFoundError:
        return ""
    wrappers = hashlib.sha256("".join(WRAPPERS.values()).encode()).hexdigest()[:8]
    return f"zig {version}, wrappers {wrappers}"


def cxx_toolchain(cache_dir: Path, zig_cache: Path | None = None) -> CxxToolchain | None:
    """The toolchain, its wrapper written under `cache_dir` (None without `ziglang`); zig's
    compile cache in `zig_cache` (shared by several wheelhouses) or under `cache_dir`."""
    spec = importlib.util.find_spec("ziglang")
    if spec is None or spec.origin is None or not toolchain_version():
        return None
    version = installed_version("ziglang")
    zig_dir = Path(spec.origin).resolve().parent
    work = cache_dir / "cxx-toolchain"
    (work / "zig").mkdir(parents=True, exist_ok=True)  # the mount point of zig_dir
    for name, text in WRAPPERS.items():
        path = work / name
        if not path.is_file() or path.read_text() != text:
            path.write_text(text)
        path.chmod(0o755)
    cache = zig_cache or cache_dir / "zig-cache"
    cache.mkdir(parents=True, exist_ok=True)
    return CxxToolchain(zig_dir=zig_dir, version=version, work=work, cache=cache)
