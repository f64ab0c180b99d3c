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
    ["check"],
    ["images", "build"],
]


@pytest.mark.parametrize("command", COMMANDS, ids=lambda c: " ".join(c) or "wheelhouse")
def test_help_renders(command: list[str]) -> None:
    result = CliRunner().invoke(app, [*command, "--help"], env={"COLUMNS": "100"})
    assert result.exit_code == 0, result.output
    assert "Usage:" in result.output


def test_help_keeps_brackets_and_reflows_paragraphs() -> None:
    """Help is plain text: table names in brackets survive, and a paragraph is re-flowed to the
    terminal as a whole (no line broken where the docstring's source line ended)."""
    result = CliRunner().invoke(app, ["build", "--help"], env={"COLUMNS": "200"})
    text = " ".join(result.output.split())
    assert "[tool.wheelhouse]" in text and "[runners]" in text
    # The docstring's source line ends after "A foreign arch": re-flowed, the text runs on.
    assert "A foreign arch (aarch64 on x86_64) runs in its own arch" in result.output
    published = CliRunner().invoke(app, ["publish", "--help"], env={"COLUMNS": "200"})
    assert "s3://BUCKET[/PREFIX]" in published.output
