"""The FC wrapper drops GNU Fortran's warning switches, which flang 19 refuses, and passes the
rest of a command line as it was (a fake flang records it)."""

from __future__ import annotations

import subprocess
from pathlib import Path

from builder.wheelbuild.fortran_toolchain import FLANG, FLANG_WRAPPER


def test_gnu_fortran_warning_switches_are_dropped_and_the_rest_kept(tmp_path: Path) -> None:
    fake = tmp_path / "flang-new"
    fake.write_text('#!/bin/sh\nprintf "%s\\n" "$@"\n')
    fake.chmod(0o755)
    wrapper = tmp_path / "flang"
    wrapper.write_text(FLANG_WRAPPER.replace(FLANG, str(fake)))
    wrapper.chmod(0o755)
    argv = ["-c", "-Wall", "-Wno-conversion", "-Werror", "-Wl,-x", "a b.f90", "-o", "x.o"]
    called = subprocess.run(
        [str(wrapper), *argv], capture_output=True, text=True, check=True
    ).stdout.splitlines()
    assert called[-6:] == ["-c", "-Werror", "-Wl,-x", "a b.f90", "-o", "x.o"]
    assert not [arg for arg in called if arg in ("-Wall", "-Wno-conversion")]
