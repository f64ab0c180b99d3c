"""The zig wrappers answer build systems' linker probe (`-Wl,--version`) as the LLD that zig
drives, so a meson that knows no "zig ld" (numpy 1.26's, any before 1.3) detects a GNU-like
linker; a flag the linker rejects still fails the probe. Run on the host with the host's zig
(the wrappers run it the same way inside the builder containers)."""

from __future__ import annotations

import re
import subprocess
from pathlib import Path

import pytest

from builder.wheelbuild.cxx_toolchain import CACHE_MOUNT, MOUNT, wrapper

ziglang = pytest.importorskip("ziglang")


@pytest.fixture
def toolchain(tmp_path: Path) -> Path:
    """The wrappers as the container sees them, with the mounts pointed at tmp_path."""
    work = tmp_path / "cxx"
    work.mkdir()
    (work / "zig").symlink_to(Path(ziglang.__file__).parent)
    for driver in ("cc", "c++"):
        text = wrapper(driver).replace(CACHE_MOUNT, str(tmp_path / "cache"))
        script = work / driver
        script.write_text(text.replace(MOUNT, str(work)))
        script.chmod(0o755)
    return work


def recording_wrapper(tmp_path: Path) -> tuple[Path, Path]:
    """The cc wrapper over a fake zig that records how the wrapper called it: (cc, record)."""
    work = tmp_path / "cxx"
    (work / "zig").mkdir(parents=True)
    record = tmp_path / "argv"
    fake = work / "zig" / "zig"
    fake.write_text(f'#!/bin/sh\nprintf "%s\\n" "$@" > {record}\n')
    fake.chmod(0o755)
    cc = work / "cc"
    cc.write_text(
        wrapper("cc").replace(CACHE_MOUNT, str(tmp_path / "cache")).replace(MOUNT, str(work))
    )
    cc.chmod(0o755)
    return cc, record


def run(*argv: str | Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run([str(a) for a in argv], capture_output=True, text=True, check=False)


@pytest.mark.parametrize("driver", ["cc", "c++"])
def test_the_linker_probe_is_answered_as_lld(toolchain: Path, driver: str) -> None:
    probe = run(toolchain / driver, "-Wl,--version")
    assert probe.returncode == 0, probe.stderr
    first = probe.stdout.splitlines()[0]
    assert re.fullmatch(r"LLD \d+\.\d+\.\d+ \(compatible with GNU linkers; zig ld [\d.]+\)", first)


def test_a_rejected_flag_still_fails_the_probe(toolchain: Path) -> None:
    probe = run(toolchain / "c++", "-Wl,--no-such-flag", "-Wl,--version")
    assert probe.returncode != 0
    assert "LLD" not in probe.stdout and "no-such-flag" in probe.stdout


def test_openmp_links_the_mounted_runtime_when_it_links_and_only_then(tmp_path: Path) -> None:
    """zig's driver does not link an OpenMP runtime for -fopenmp as clang's does: the wrapper
    adds the mounted one (WHEELHOUSE_OPENMP) to a link, never to a compile-only step."""
    cc, record = recording_wrapper(tmp_path)

    def called(*argv: str, openmp: str | None = "/omp") -> list[str]:
        env = {"PATH": "/usr/bin:/bin", **({"WHEELHOUSE_OPENMP": openmp} if openmp else {})}
        subprocess.run([str(cc), *argv], env=env, check=True, capture_output=True)
        return record.read_text().splitlines()

    compiled = called("-fopenmp", "-c", "x.c", "-o", "x.o")
    assert "-I/omp/include" in compiled and "-lomp" not in compiled
    linked = called("-fopenmp", "-shared", "x.o", "-o", "x.so")
    assert linked[-2:] == ["-L/omp/lib", "-lomp"]
    assert "-lomp" not in called("-shared", "x.o", "-o", "x.so")  # no -fopenmp: nothing added
    assert "-lomp" not in called("-fopenmp", "x.o", "-o", "x", openmp=None)  # nothing mounted


def test_library_path_reaches_zig_s_links_as_it_reaches_gcc_s(tmp_path: Path) -> None:
    """zig reads CPATH but not LIBRARY_PATH, where the libraries built on demand are mounted
    (library_layers.py): the wrapper turns each of its directories into -L when it links, and
    leaves a compile alone; a real zig link then finds a library only there."""
    cc, record = recording_wrapper(tmp_path)

    def called(*argv: str, library_path: str) -> list[str]:
        env = {"PATH": "/usr/bin:/bin", "LIBRARY_PATH": library_path}
        subprocess.run([str(cc), *argv], env=env, check=True, capture_output=True)
        return record.read_text().splitlines()

    linked = called("-shared", "x.o", "-lsodium", "-o", "x.so", library_path="/a/lib::/b lib")
    assert linked[-2:] == ["-L/a/lib", "-L/b lib"]
    assert not [a for a in called("-c", "x.c", library_path="/a/lib") if a.startswith("-L")]


def test_a_real_zig_link_finds_a_library_on_library_path(toolchain: Path, tmp_path: Path) -> None:
    lib = tmp_path / "lib"
    lib.mkdir()
    (tmp_path / "g.c").write_text("int g(void) { return 1; }\n")
    (tmp_path / "m.c").write_text("int g(void);\nint f(void) { return g(); }\n")
    cc = str(toolchain / "cc")

    def link(*argv: str | Path, **env: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [cc, *(str(a) for a in argv)],
            env={"PATH": "/usr/bin:/bin", **env},
            capture_output=True,
            text=True,
            check=False,
        )

    made = link("-shared", tmp_path / "g.c", "-o", lib / "libwhg.so")
    assert made.returncode == 0, made.stderr
    argv = ("-shared", tmp_path / "m.c", "-lwhg", "-o", tmp_path / "m.so")
    without = link(*argv)
    assert without.returncode != 0 and "whg" in without.stderr
    found = link(*argv, LIBRARY_PATH=str(lib))
    assert found.returncode == 0, found.stderr


def test_the_target_is_the_container_s_arch_unless_wheelhouse_names_another(tmp_path: Path) -> None:
    """A library built on demand for aarch64 compiles in this machine's own builder container,
    configure included: WHEELHOUSE_TARGET_ARCH points the wrappers at aarch64 there."""
    cc, record = recording_wrapper(tmp_path)
    machine = subprocess.run(["uname", "-m"], capture_output=True, text=True, check=True)
    for env, expected in (
        ({}, machine.stdout.strip()),
        ({"WHEELHOUSE_TARGET_ARCH": "aarch64"}, "aarch64"),
    ):
        subprocess.run([str(cc), "-c", "x.c"], env={"PATH": "/usr/bin:/bin", **env}, check=True)
        assert record.read_text().splitlines()[1:3] == ["-target", f"{expected}-linux-musl"]


def test_an_absolute_library_path_after_l_colon_reaches_zig_as_a_path(tmp_path: Path) -> None:
    """CMake's FindOpenMP (implicit's build, here) links the runtime it found as
    `-l:/opt/wheelhouse-openmp/lib/libomp.so`, which zig rejects: the wrapper passes the path,
    as GNU ld reads that spelling; other arguments, spaces included, pass as they were."""
    cc, record = recording_wrapper(tmp_path)
    argv = ["-shared", "a b.o", "-l:/opt/omp/lib/libomp.so", "-l:libfoo.a", "-o", "x.so"]
    subprocess.run([str(cc), *argv], env={"PATH": "/usr/bin:/bin"}, check=True)
    called = record.read_text().splitlines()
    assert "/opt/omp/lib/libomp.so" in called and "-l:/opt/omp/lib/libomp.so" not in called
    assert [a for a in called if a in ("a b.o", "-l:libfoo.a")] == ["a b.o", "-l:libfoo.a"]
