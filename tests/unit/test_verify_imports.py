"""The import step of the clean-environment verification, run by this machine's Python."""

from __future__ import annotations

import ast
import json
import subprocess
import sys
from pathlib import Path

from builder.verify.runtime import VERIFY_SCRIPT

# Read as the verification script itself reads it: a string literal in that script, so escapes
# in it are taken exactly as they will be in the runtime image.
IMPORTS = ast.literal_eval(
    "'''" + VERIFY_SCRIPT.split("IMPORTS = '''", 1)[1].split("'''", 1)[0] + "'''"
)


def _import(
    tmp_path: Path,
    *modules: str,
    own: tuple[str, ...] = (),
    extensions: dict[str, str] | None = None,
) -> subprocess.CompletedProcess[str]:
    plan = {"modules": modules, "extensions": extensions or {}, "own": own, "site": str(tmp_path)}
    return subprocess.run(
        [sys.executable, "-c", IMPORTS, json.dumps(plan)],
        capture_output=True,
        text=True,
        cwd=tmp_path,
        env={"PYTHONPATH": str(tmp_path)},
        check=False,
    )


def _package(root: Path, files: dict[str, str]) -> None:
    for name, text in files.items():
        path = root / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text)


def test_a_missing_optional_stdlib_module_is_reported_not_failed(tmp_path: Path) -> None:
    # A standard module that is never importable: CPython lists it in stdlib_module_names, and
    # no interpreter on Linux has it.
    (tmp_path / "needs_windows.py").write_text("import winreg\n")
    (tmp_path / "fine.py").write_text("import json\n")
    done = _import(tmp_path, "fine", "needs_windows", own=("fine", "needs_windows"))
    assert done.returncode == 0, done.stderr
    assert "imported fine" in done.stdout
    assert "lacks a standard module: needs_windows (needs winreg)" in done.stdout


def test_a_missing_third_party_dependency_still_fails(tmp_path: Path) -> None:
    (tmp_path / "needs_dep.py").write_text("import surely_not_installed_anywhere\n")
    done = _import(tmp_path, "needs_dep", own=("needs_dep",))
    assert done.returncode != 0
    assert "surely_not_installed_anywhere" in done.stderr


def test_a_tests_subpackage_missing_its_test_dependency_is_reported_not_failed(
    tmp_path: Path,
) -> None:
    # As greenlet's wheel: greenlet/tests/__init__.py imports objgraph, a test-only dependency.
    _package(
        tmp_path,
        {
            "pkg/__init__.py": "VALUE = 1\n",
            "pkg/tests/__init__.py": "import objgraph_not_installed\n",
            "pkg/tests/helper.py": "X = 1\n",
        },
    )
    done = _import(tmp_path, "pkg", "pkg.tests.helper", own=("pkg",))
    assert done.returncode == 0, done.stderr
    assert "imported pkg\n" in done.stdout
    assert "pkg.tests.helper (pkg/tests/__init__.py imports objgraph_not_installed)" in done.stdout


def test_a_top_level_package_missing_a_third_party_import_fails(tmp_path: Path) -> None:
    _package(tmp_path, {"pkg/__init__.py": "import objgraph_not_installed\n"})
    done = _import(tmp_path, "pkg", own=("pkg",))
    assert done.returncode != 0
    assert "No module named 'objgraph_not_installed'" in done.stderr


def test_a_module_of_the_wheel_itself_missing_fails_even_in_an_optional_part(
    tmp_path: Path,
) -> None:
    # The wheel lost one of its own modules: a broken wheel, not an optional dependency.
    _package(
        tmp_path,
        {
            "pkg/__init__.py": "",
            "pkg/tests/__init__.py": "import pkg_helpers_not_shipped\n",
            "pkg/tests/helper.py": "",
        },
    )
    done = _import(tmp_path, "pkg", "pkg.tests.helper", own=("pkg", "pkg_helpers_not_shipped"))
    assert done.returncode != 0
    assert "pkg_helpers_not_shipped" in done.stderr


def test_each_module_is_named_before_it_is_imported(tmp_path: Path) -> None:
    # A crash kills the process mid-import: the last line names the module it happened in.
    _package(
        tmp_path,
        {"fine.py": "", "dies.py": "import os, signal\nos.kill(os.getpid(), signal.SIGSEGV)\n"},
    )
    done = _import(tmp_path, "fine", "dies", own=("fine", "dies"))
    assert done.returncode == -11
    assert done.stdout.splitlines()[-1] == "importing dies"


def test_an_extension_in_an_import_cycle_is_imported_after_the_module_that_imports_it(
    tmp_path: Path,
) -> None:
    # As scipy 1.18's linalg: _matfuncs_sqrtm.py defines what its extension's initialisation
    # imports back, then imports the extension. Imported alone, first, the extension meets
    # itself half-initialised; users always come through the .py module.
    _package(
        tmp_path,
        {
            "pkg/__init__.py": "",
            "pkg/_user.py": "class Error(Exception): pass\nfrom pkg._ext import work\n",
            "pkg/_ext.py": "from pkg._user import Error\ndef work(): return Error\n",
        },
    )
    cycle = {"pkg._ext": "pkg/_ext.py"}  # stands in for the .so (same import machinery)
    done = _import(tmp_path, "pkg", "pkg._ext", own=("pkg",), extensions=cycle)
    assert done.returncode == 0, done.stderr
    assert "an import cycle): pkg._ext (after pkg._user)" in done.stdout
    # A real failure of that second import still fails the wheel.
    (tmp_path / "pkg" / "_user.py").write_text(
        "class Error(Exception): pass\nfrom pkg._ext import work\nraise ImportError('broken')\n"
    )
    assert _import(tmp_path, "pkg", "pkg._ext", own=("pkg",), extensions=cycle).returncode != 0
