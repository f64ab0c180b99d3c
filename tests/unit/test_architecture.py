"""ARCHITECTURE.md's rules of the house, checked against the code: who imports whom, and which
modules are the doors to the machine (subprocess, HTTP, time, S3)."""

from __future__ import annotations

import ast
from collections.abc import Iterator
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
PACKAGES = ("app", "builder", "index")
# What builder may read of index: simple pages, wheel files, their errors, and the clock.
BUILDER_READS_OF_INDEX = {
    "index.pages.simple_pages",
    "index.dist_files",
    "index.errors",
    "index.clock",
}
# Each door, and the only modules that may import what it wraps.
DOORS = {
    "subprocess": {"builder/host/commands.py"},
    "httpx": {"builder/host/http_client.py"},
    "time": {"index/clock.py", "builder/host/http_client.py"},
    "boto3": {"index/publish/s3_storage.py"},
    "botocore": {"index/publish/s3_storage.py"},
}
CLI_LINES = 400
FUNCTION_LINES = 60


def modules() -> Iterator[tuple[str, ast.Module]]:
    for package in PACKAGES:
        for path in sorted((ROOT / package).rglob("*.py")):
            relative = path.relative_to(ROOT).as_posix()
            yield relative, ast.parse(path.read_text(encoding="utf-8"), relative)


def imported(tree: ast.Module) -> Iterator[str]:
    """Every module name an import statement names (anywhere in the module)."""
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            yield from (alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            yield node.module


def test_index_never_imports_builder_or_app_and_builder_never_imports_app() -> None:
    wrong = [
        f"{path} imports {name}"
        for path, tree in modules()
        for name in imported(tree)
        if (path.startswith("index/") and name.split(".")[0] in ("builder", "app"))
        or (path.startswith("builder/") and name.split(".")[0] == "app")
    ]
    assert wrong == []


def test_builder_reads_index_only_through_its_pages_files_errors_and_clock() -> None:
    wrong = [
        f"{path} imports {name}"
        for path, tree in modules()
        if path.startswith("builder/")
        for name in imported(tree)
        if name.startswith("index") and name not in BUILDER_READS_OF_INDEX
    ]
    assert wrong == []


@pytest.mark.parametrize("library", sorted(DOORS))
def test_each_door_is_opened_in_its_own_modules_only(library: str) -> None:
    wrong = [
        f"{path} imports {name}"
        for path, tree in modules()
        for name in imported(tree)
        if name.split(".")[0] == library and path not in DOORS[library]
    ]
    assert wrong == []


def test_the_wall_clock_is_read_through_the_clock() -> None:
    wrong = [
        f"{path}:{node.lineno}"
        for path, tree in modules()
        if path != "index/clock.py"
        for node in ast.walk(tree)
        if isinstance(node, ast.Attribute)
        and node.attr in ("now", "utcnow", "today")
        and isinstance(node.value, ast.Name)
        and node.value.id in ("datetime", "date")
    ]
    assert wrong == []


def test_the_command_line_is_thin() -> None:
    cli = (ROOT / "app" / "cli.py").read_text(encoding="utf-8")
    assert len(cli.splitlines()) < CLI_LINES
    long = [
        f"{path}:{node.lineno} {node.name} ({node.end_lineno - node.lineno + 1} lines)"
        for path, tree in modules()
        if path.startswith("app/")
        for node in ast.walk(tree)
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef)
        and node.end_lineno is not None
        and node.end_lineno - node.lineno + 1 > FUNCTION_LINES
    ]
    assert long == []
