"""`wheelhouse report`'s side effects: read the shards' `build --json` reports (each checked
before use: they come from other machines), write the Markdown and JSON of `run_report`."""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any

from app.console import write_json
from app.run_page import render_run_page
from app.run_report import render_markdown, report_problem, run_report
from builder.errors import InputError


def load_reports(paths: list[Path]) -> list[tuple[str, dict[str, Any]]]:
    """Each report by its file name; one that is not a readable report names its file."""
    loaded: list[tuple[str, dict[str, Any]]] = []
    for path in paths:
        try:
            data = json.loads(path.read_text(encoding="utf-8"))
        except (OSError, ValueError, RecursionError) as exc:
            raise InputError(f"{path}: not a `wheelhouse build --json` report ({exc})") from None
        problem = report_problem(data)
        if problem is not None:
            raise InputError(f"{path}: not a `wheelhouse build --json` report ({problem})")
        loaded.append((path.name, data))
    return loaded


def run_reporting(
    paths: list[Path], *, markdown: Path | None, as_json: bool, html: Path | None = None
) -> None:
    """The run's report: Markdown on stdout (or into `markdown`), or JSON with --json; its
    page for people into `html`."""
    reports = load_reports(paths)
    summary = run_report(reports)
    text = render_markdown(summary)
    if markdown is not None:
        _write(markdown, text, option="--markdown")
    if html is not None:
        _write(html, render_run_page(reports), option="--html")
    if as_json:
        write_json(summary)
    elif markdown is None:
        sys.stdout.write(text)


def _write(path: Path, text: str, *, option: str) -> None:
    try:
        path.write_text(text, encoding="utf-8")
    except OSError as exc:
        raise InputError(
            f"{option} {path}: cannot write it ({exc.strerror})",
            hint="name a file in a directory that exists",
        ) from None
