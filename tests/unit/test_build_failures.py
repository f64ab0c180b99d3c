"""A build that downloads sources while it builds, and cannot, says so in one line."""

from __future__ import annotations

import pytest

from builder.checks.build_failures import failure_reason, network_fetch_reason

# What CMake 3.31 printed for FetchContent_Declare(libfoo URL http://127.0.0.1:9/...) here.
FETCH_CONTENT = """\
[ 11%] Performing download step (download, verify and extract) for 'libfoo-populate'
-- Downloading...
          error: downloading 'http://127.0.0.1:9/libfoo-1.0.tar.gz' failed
          status_code: 7
          status_string: "Could not connect to server"
CMake Error at /usr/share/cmake-3.31/Modules/FetchContent.cmake:1918 (message):
  Build step for libfoo failed: 2
"""
EXTERNAL_PROJECT = """\
-- Downloading...
   dst='/project/build/zstd-prefix/src/zstd-1.5.5.tar.gz'
          error: downloading 'https://example.invalid/zstd-1.5.5.tar.gz' failed
CMake Error at zstd-stamp/download-zstd.cmake:170 (message):
  Each download failed!
make[2]: *** [CMakeFiles/zstd.dir/build.make:99: zstd-prefix/src/zstd-stamp/zstd-download] Error 1
ExternalProject_Add(zstd ...)
"""
GIT = """\
Cloning into 'bundled/libzmq'...
fatal: unable to access 'https://example.invalid/zeromq/libzmq.git/': Could not resolve host: example.invalid
error: command 'git' failed with exit code 128
"""
# What blosc2 4.x's build printed here (CMake 4.4 from the cmake wheel, no git in the image).
NO_GIT = """\
CMake Error at /tmp/build-env-x/lib/python3.13/site-packages/cmake/data/share/cmake-4.4/Modules/ExternalProject/shared_internal_commands.cmake:932 (message):
  error: could not find git for clone of miniexpr-populate
CMake Error at /tmp/build-env-x/lib/python3.13/site-packages/cmake/data/share/cmake-4.4/Modules/FetchContent.cmake:1921 (message):
"""
CURL = "curl: (6) Could not resolve host: example.invalid\nmake: *** [Makefile:12: deps] Error 6\n"


@pytest.mark.parametrize(
    ("log", "named"),
    [
        (FETCH_CONTENT, "(CMake FetchContent: http://127.0.0.1:9/libfoo-1.0.tar.gz)"),
        (EXTERNAL_PROJECT, "(CMake ExternalProject: https://example.invalid/zstd-1.5.5.tar.gz)"),
        (GIT, "(git: https://example.invalid/zeromq/libzmq.git/)"),
        (CURL, "(curl: (6) Could not resolve host: example.invalid)"),
        (NO_GIT, "(CMake FetchContent: a git clone of miniexpr, and no git to clone with)"),
    ],
)
def test_the_reason_names_what_downloaded_and_what_to_do(log: str, named: str) -> None:
    reason = network_fetch_reason(log)
    assert reason is not None and "\n" not in reason
    assert reason.startswith("the build downloads sources while it builds " + named)
    assert "recipe (system-libraries, before-all)" in reason


@pytest.mark.parametrize(
    "log",
    [
        "src/x.c:3:10: fatal error: zlib.h: No such file or directory\nerror: command failed\n",
        # pip retrying the package index is not a build downloading its sources
        "WARNING: Retrying (Retry(total=4)) after connection broken by 'NewConnectionError': /simple/x/\n",
        "",
    ],
)
def test_other_failures_get_no_such_reason(log: str) -> None:
    assert network_fetch_reason(log) is None


# What maturin 1.16's PEP 517 backend printed here for rpds-py 0.21.0 built without Rust (it then
# tried to download rustup, which failed: no network beyond the package index).
MATURIN_WITHOUT_RUST = """\
Computed rustc target triple: x86_64-unknown-linux-musl
Downloading rustup-init from https://static.rust-lang.org/rustup/dist/x86_64-unknown-linux-musl/rustup-init
Rust not found, installing into a temporary directory
Traceback (most recent call last):
httpx.ConnectError: [Errno -2] Name does not resolve
"""


@pytest.mark.parametrize(
    "log",
    [
        MATURIN_WITHOUT_RUST,
        "error: can't find Rust compiler\n",  # setuptools-rust
        "sh: 1: cargo: not found\n",
    ],
)
def test_a_rust_build_without_rust_names_the_recipe_key_to_add(log: str) -> None:
    reason = failure_reason(log)
    assert reason is not None and 'toolchains = ["rust"]' in reason


# What meson 1.9 printed here for tests/fixtures/packages/fortrandemo built without Fortran.
MESON_WITHOUT_FORTRAN = """\
../meson.build:1:0: ERROR: Unknown compiler(s): [['gfortran'], ['flang-new'], ['flang'], \
['nvfortran'], ['pgfortran'], ['ifort'], ['ifx'], ['g95']]
The following exception(s) were encountered:
Running `gfortran --help` gave "[Errno 2] No such file or directory: 'gfortran'"
"""


@pytest.mark.parametrize(
    "log",
    [
        MESON_WITHOUT_FORTRAN,
        "-- No CMAKE_Fortran_COMPILER could be found.\n",
        "error: library dfftpack has Fortran sources but no Fortran compiler found\n",
    ],
)
def test_a_fortran_build_without_fortran_names_the_recipe_key_to_add(log: str) -> None:
    reason = failure_reason(log)
    assert reason is not None and 'toolchains = ["fortran"]' in reason
    assert "Rust" not in reason


def test_a_download_failure_is_named_before_anything_else() -> None:
    assert failure_reason(FETCH_CONTENT) == network_fetch_reason(FETCH_CONTENT)
    assert failure_reason("error: linking with `cc` failed\n") is None
