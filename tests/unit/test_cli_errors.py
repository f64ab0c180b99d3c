"""Errors become exit codes in one place: a class each, and a last resort for bugs."""

from __future__ import annotations

import pytest
from typer.testing import CliRunner

import app.images
from app.cli import app as cli_app


def explode(*_args: object, **_kwargs: object) -> tuple[str, str]:
    msg = "a bug somewhere deep"
    raise RuntimeError(msg)


def test_an_unexpected_error_is_one_line_and_exit_70(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(app.images, "build_local_images", explode)
    result = CliRunner().invoke(cli_app, ["images", "build", "--arch", "x86_64"])
    assert result.exit_code == 70
    assert "internal error in `wheelhouse images build`: RuntimeError: a bug somewhere deep" in (
        result.output
    )
    assert "wheelhouse --verbose" in result.output
    assert "Traceback" not in result.output


def test_verbose_shows_the_traceback(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(app.images, "build_local_images", explode)
    result = CliRunner().invoke(cli_app, ["--verbose", "images", "build", "--arch", "x86_64"])
    assert result.exit_code == 70
    assert "Traceback" in result.output and "explode" in result.output
