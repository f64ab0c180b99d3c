"""A build compiled for the build machine's own CPU is named, so a wheel that may die with
SIGILL elsewhere does not pass unremarked."""

from __future__ import annotations

import pytest

from builder.checks.native_tuning import native_tuning_note

# What annoy 1.17.3's setup.py printed here (x86_64), shortened.
ANNOY = (
    "/opt/wheelhouse-cxx/c++ -fno-strict-overflow -DNDEBUG -g -O3 -fPIC -c src/annoymodule.cc "
    "-o build/temp/src/annoymodule.o -D_CRT_SECURE_NO_WARNINGS -fpermissive -march=native -O3\n"
)


@pytest.mark.parametrize(
    ("output", "flag"),
    [
        (ANNOY, "-march=native"),
        ("gcc -O2 -mcpu=native -c x.c\n", "-mcpu=native"),
        ("-march=native\n", "-march=native"),
    ],
)
def test_a_build_for_this_machines_cpu_is_named(output: str, flag: str) -> None:
    note = native_tuning_note(output)
    assert note.startswith(f"compiled with {flag}: ")
    assert "recipe can drop the flag" in note and "\n" not in note


@pytest.mark.parametrize(
    "output",
    [
        # FFTW's -mtune=native tunes scheduling only; it uses no other instructions
        "musl-cc -mavx -O3 -mtune=native -c t2fv_5.c\n",
        "gcc -march=x86-64 -O2 -c x.c\n",
        "checking whether the compiler accepts -march=native=no\n",
        "",
    ],
)
def test_other_builds_get_no_note(output: str) -> None:
    assert native_tuning_note(output) == ""
