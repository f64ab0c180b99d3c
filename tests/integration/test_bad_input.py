"""A careless user's input: one line that says what is wrong, the exit code of its class, and
never a traceback. Each case failed with a traceback (or a misleading answer) before."""

from __future__ import annotations

import json
import os
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from tests.support import make_wheel, wheelhouse_cli


@pytest.fixture
def project(tmp_path: Path) -> Path:
    """A wheelhouse with one wheel, published to a static index, and a small list."""
    (tmp_path / "deps.txt").write_text("alpha==1.0\n")
    (tmp_path / "wheelhouse.toml").write_text('pythons = ["3.11"]\narchs = ["x86_64"]\n')
    make_wheel(tmp_path / "wheelhouse", "alpha", "1.0")
    published = wheelhouse_cli("publish", "--target", f"dir:{tmp_path / 'index'}", cwd=tmp_path)
    assert published.returncode == 0, published.stderr
    (tmp_path / "a-directory").mkdir()
    (tmp_path / "bad.htpasswd").write_text("not a valid line\n")
    (tmp_path / "long-name.txt").write_text("a" * 1_000_000 + "\n")
    job = {"name": "a", "version": "1", "python": "3.11", "arch": "x86_64", "action": "build"}
    damaged = {
        "jobs-text": {"jobs": "x"},
        "job-null": {"jobs": [None]},
        "ok-text": {"jobs": [{**job, "ok": "yes"}]},
        "size-huge": {"jobs": [{**job, "ok": True, "size": 1e999}]},
        "name-null": {"jobs": [{**job, "name": None, "ok": False}]},
        "archs-text": {"jobs": [], "archs": "x"},
        "wall-text": {"jobs": [], "archs": [{"arch": "x86_64", "wall_s": "long"}]},
        "nested": {"jobs": [], "x": []},
    }
    for name, report in damaged.items():
        text = json.dumps(report).replace("Infinity", "1e999")
        if name == "nested":
            text = "[" * 100_000 + "]" * 100_000
        (tmp_path / f"{name}.json").write_text(text)
    (tmp_path / "good.json").write_text(json.dumps({"jobs": [{**job, "ok": True}]}))
    return tmp_path


CASES = [
    (["yank", "alpha", "--target", "dir:index", "--version", "notaversion"], 2, "is not a version"),
    (["yank", "alpha", "--target", "dir:index", "--version", ""], 2, "is not a version"),
    (["prune", "--target", "dir:nowhere", "--keep", "1"], 2, "no index at"),
    (["prune", "--target", "dir:index", "--keep", "1", "-P", "nope"], 2, "has no project nope"),
    (["build", "--config", "a-directory", "--list", "deps.txt"], 2, "not a file"),
    (["build", "--list", "/dev/zero", "--dry-run"], 2, "not a regular file"),
    (["build", "--list", "deps.txt", "--python", "3.99", "--dry-run"], 2, "Python 3.99: the"),
    (["export", "-o", "missing/req.txt"], 2, "no directory"),
    (["export", "-o", "a-directory"], 2, "is a directory"),
    (
        ["export", "--index-url", "http://x/simple/\n--extra-index-url http://evil/"],
        2,
        "not one URL",
    ),
    (["serve", "--port", "99999"], 2, "a port is a number from 1 to 65535"),
    (["serve", "--host", "999.1.1.1", "--port", "1"], 2, "cannot listen on 999.1.1.1:1"),
    (["serve", "--htpasswd", "bad.htpasswd"], 2, "bad.htpasswd: not an htpasswd file"),
    (["serve", "--threads", "100000"], 2, "less than or equal to 256"),
    (["build", "--list", "long-name.txt", "--dry-run"], 2, "a project name of 1000000 char"),
    (["report", "good.json", "--markdown", "a-directory"], 2, "cannot write it"),
    (["report", "good.json", "--html", "a-directory"], 2, "--html a-directory: cannot write it"),
    *(
        (["report", f"{name}.json"], 2, "not a `wheelhouse build --json` report")
        for name in (
            "jobs-text",
            "job-null",
            "ok-text",
            "size-huge",
            "name-null",
            "archs-text",
            "wall-text",
            "nested",
        )
    ),
]


@pytest.mark.parametrize(("args", "code", "message"), CASES, ids=lambda c: str(c)[:40])
def test_bad_input_is_one_clear_line(
    project: Path, args: list[str], code: int, message: str
) -> None:
    env = {**os.environ, "DOCKER_HOST": f"unix://{project}/no-engine.sock"}
    result = wheelhouse_cli(*args, cwd=project, env=env)
    assert result.returncode == code, result.stderr
    assert message in result.stderr
    assert "Traceback" not in result.stderr
    assert "internal error" not in result.stderr


DAMAGED_PAGES: dict[str, Callable[[dict[str, Any]], dict[str, Any] | None]] = {
    "files-text": lambda page: {**page, "files": "x"},
    "size-inf": lambda page: {**page, "files": [{**page["files"][0], "size": float("inf")}]},
    "name-null": lambda page: {**page, "name": None},
    "deep": lambda _page: None,
}
COMMANDS_READING_A_TARGET = [
    ["publish", "--target", "dir:index"],
    ["export", "--target", "dir:index", "-o", "out.txt"],
    ["yank", "alpha", "--target", "dir:index", "--version", "1.0"],
    ["prune", "--target", "dir:index", "--keep", "1"],
    ["check", "-r", "deps.txt", "--target", "dir:index"],
]


@pytest.mark.parametrize("damage", sorted(DAMAGED_PAGES))
def test_a_damaged_published_page_is_a_clear_error_for_every_command(
    project: Path, damage: str
) -> None:
    page_file = project / "index" / "simple" / "alpha" / "index.json"
    page = DAMAGED_PAGES[damage](json.loads(page_file.read_text()))
    text = "[" * 100_000 + "]" * 100_000 if page is None else json.dumps(page)
    page_file.write_text(text.replace("Infinity", "1e999"))
    for args in COMMANDS_READING_A_TARGET:
        result = wheelhouse_cli(*args, cwd=project)
        assert result.returncode == 2, (args, result.stderr)
        assert "simple/alpha/index.json is not a page wheelhouse wrote" in result.stderr, args
        assert "Traceback" not in result.stderr and "internal error" not in result.stderr
