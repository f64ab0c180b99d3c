"""The import step of the clean-environment verification, run by this machine's Python."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from builder.verify.runtime import VERIFY_SCRIPT

IMPORTS = VERIFY_SCRIPT.split("IMPORTS = '''", 1)[1].split("'''", 1)[0]


def _import(tmp_path: Path, *modules: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-c", IMPORTS, *modules],
        capture_output=True,
        text=True,
        cwd=tmp_path,
        env={"PYTHONPATH": str(tmp_path)},
        check=False,
    )


def test_a_missing_optional_stdlib_module_is_reported_not_failed(tmp_path: Path) -> None:
    # A standard module that is never importable: CPython lists it in stdlib_module_names, and
    # no interpreter on Linux has it.
    (tmp_path / "needs_windows.py").write_text("import winreg\n")
    (tmp_path / "fine.py").write_text("import json\n")
    done = _import(tmp_path, "fine", "needs_windows")
    assert done.returncode == 0, done.stderr
    assert "imported fine" in done.stdout
    assert "lacks a standard module: needs_windows (needs winreg)" in done.stdout


def test_a_missing_third_party_dependency_still_fails(tmp_path: Path) -> None:
    (tmp_path / "needs_dep.py").write_text("import surely_not_installed_anywhere\n")
    done = _import(tmp_path, "needs_dep")
    assert done.returncode != 0
    assert "surely_not_installed_anywhere" in done.stderr
