"""One spelling for the published index: `--target`; the old ones still work, with a warning."""

from __future__ import annotations

from pathlib import Path

import pytest
from typer.testing import CliRunner

from app.cli import app


def run(*args: str) -> tuple[int, str]:
    result = CliRunner().invoke(app, list(args))
    return result.exit_code, " ".join(result.output.split())


def test_plan_names_a_missing_target_directory(tmp_path: Path) -> None:
    code, output = run("plan", "--list", "deps.txt", "--target", str(tmp_path / "nowhere"))
    assert code == 2
    assert f"--target {tmp_path / 'nowhere'}: no such wheelhouse directory" in output


@pytest.mark.parametrize(
    ("old", "args"),
    [
        ("--against", ["plan", "--list", "deps.txt"]),
        ("--against", ["build", "--list", "deps.txt", "--dry-run"]),
    ],
)
def test_the_old_spelling_still_works_with_a_warning(
    tmp_path: Path, old: str, args: list[str]
) -> None:
    code, output = run(*args, old, str(tmp_path / "nowhere"))
    assert f"warning: {old} is now spelled --target" in output
    assert code == 2  # it was read as the target: the same error as with --target
    assert "no such wheelhouse directory" in output


def test_publish_with_the_old_spelling(tmp_path: Path) -> None:
    code, output = run("publish", "--to", "dir:index", "--wheelhouse", str(tmp_path / "none"))
    assert "warning: --to is now spelled --target" in output
    assert code == 2 and f"no wheelhouse at {tmp_path / 'none'}" in output


def test_both_spellings_at_once_are_refused() -> None:
    code, output = run("export", "--target", "dir:a", "--from", "dir:b")
    assert code == 2
    assert "--target and --from name the same thing; give only --target" in output


def test_publish_without_a_target_says_what_to_give() -> None:
    code, output = run("publish")
    assert code == 2
    assert "publish needs --target" in output


def test_the_old_spellings_are_not_in_the_help() -> None:
    for command in ("publish", "export", "plan", "build", "check"):
        code, output = run(command, "--help")
        assert code == 0 and "--target" in output
        assert not any(old in output.split() for old in ("--to", "--from", "--against"))


def test_build_echoes_commands_with_echo_commands_and_the_old_v_still_works(
    tmp_path: Path,
) -> None:
    code, output = run("build", "--list", str(tmp_path / "none.txt"), "-v", "--dry-run")
    assert "warning: `build -v` is now `build --echo-commands`" in output
    assert code == 2  # the missing list, as without -v
    code, output = run("build", "--list", str(tmp_path / "none.txt"), "--echo-commands")
    assert "warning" not in output and code == 2
