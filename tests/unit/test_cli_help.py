"""Every command's --help renders (help text is rich markup: a stray bracket breaks it)."""

from __future__ import annotations

import pytest
from typer.testing import CliRunner

from app.cli import app

COMMANDS = [
    [],
    ["build"],
    ["serve"],
    ["publish"],
    ["export"],
    ["yank"],
    ["prune"],
    ["images", "build"],
]


@pytest.mark.parametrize("command", COMMANDS, ids=lambda c: " ".join(c) or "wheelhouse")
def test_help_renders(command: list[str]) -> None:
    result = CliRunner().invoke(app, [*command, "--help"], env={"COLUMNS": "100"})
    assert result.exit_code == 0, result.output
    assert "Usage:" in result.output
