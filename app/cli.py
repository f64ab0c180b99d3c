"""The `wheelhouse` command: the typer application and its commands (written in
`app.build_commands` and `app.index_commands`; each reads its options and calls one function).
Errors become exit codes in `app.console.guarded` and only there."""

from __future__ import annotations

from collections.abc import Callable
from typing import Annotated

import typer

from app import build_commands, index_commands
from app.console import TRACEBACKS

app = typer.Typer(
    name="wheelhouse",
    help=(
        "Build musllinux wheels ahead of time and serve them from a private index, so that "
        "Alpine images install in seconds instead of compiling.\n\n"
        "Typical use:  wheelhouse images build;  wheelhouse build --list configs/deps.txt;  "
        "wheelhouse serve"
    ),
    no_args_is_help=True,
    pretty_exceptions_enable=False,
    add_completion=False,
    # Help is plain text: [tool.wheelhouse] and [runners] stay as written, and each docstring
    # paragraph is re-flowed to the terminal's width as a whole.
    rich_markup_mode=None,
)
images_app = typer.Typer(
    help="Builder and runtime images.", no_args_is_help=True, rich_markup_mode=None
)
app.add_typer(images_app, name="images")


@app.callback()
def _global_options(
    verbose: Annotated[
        bool,
        typer.Option(
            "--verbose", "-v", help="Show the traceback when wheelhouse fails on an internal error."
        ),
    ] = False,
) -> None:
    """Options for every command (give them before the command's name)."""
    TRACEBACKS.shown = verbose


COMMANDS: dict[str, Callable[..., None]] = {
    "build": build_commands.build_command,
    "plan": build_commands.plan_command,
    "check": build_commands.check_command,
    "serve": index_commands.serve_command,
    "publish": index_commands.publish_command,
    "export": index_commands.export_command,
    "merge": index_commands.merge_command,
    "report": index_commands.report_command,
    "yank": index_commands.yank_command,
    "prune": index_commands.prune_command,
}
for _name, _command in COMMANDS.items():
    app.command(_name)(_command)
images_app.command("build")(build_commands.images_build_command)


def main() -> None:
    app()
