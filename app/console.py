"""What the command line prints, and the one place where errors become exit codes.

Human output goes to stderr (`err`); stdout carries only what a machine reads (`--json`, a
requirements file, Markdown), so `wheelhouse plan --json > plan.json` stays clean.
"""

from __future__ import annotations

import json
import sys
import threading
from collections.abc import Callable
from dataclasses import dataclass

import typer
from rich.console import Console
from rich.status import Status

from builder.errors import CommandFailed, WheelhouseError
from builder.plan.jobs import Job
from index.clock import Clock
from index.errors import IndexProblem

INTERNAL_ERROR = 70  # EX_SOFTWARE: a bug of ours, not the user's input
LOG_WIDTH = 200
# Long paths and commands stay copy-pasteable; in a log (no terminal) tables get room enough
# that no package name is cut short.
err = Console(stderr=True, soft_wrap=True, width=None if sys.stderr.isatty() else LOG_WIDTH)


def say(line: str) -> None:
    """A step under way."""
    err.print(f"[blue]>[/] {line}", highlight=False)


def warn(line: str) -> None:
    err.print(f"[yellow]warning:[/] {line}", highlight=False)


def note(line: str) -> None:
    err.print(f"[yellow]note:[/] {line}", highlight=False)


def done(line: str) -> None:
    err.print(f"[green]{line}[/]", highlight=False)


def plain(line: str) -> None:
    err.print(line, highlight=False, markup=False)


def write_json(data: object) -> None:
    """The machine-readable answer, on stdout."""
    sys.stdout.write(json.dumps(data, indent=2) + "\n")


def echo_command(line: str) -> None:
    """`build -v`: every command wheelhouse runs, before it runs."""
    err.print(f"[dim]$ {line}[/]", markup=True, highlight=False)


class LiveProgress:
    """A spinner naming what is under way (on a terminal), and a line per job step that says
    which job of how many it is, how long the run has taken and how many jobs are running:
    `[3/12 04:41, 2 running] build numpy ...`. The executor announces every job it will run
    (`queued`) before it starts the first; jobs report from their own threads."""

    def __init__(self, status: Status, clock: Clock) -> None:
        self._status = status
        self._clock = clock
        self._began = clock.monotonic()
        self._total = 0
        self._started = 0
        self._failed = 0
        self._running: dict[str, None] = {}  # labels of the jobs under way, in start order
        self._lock = threading.Lock()

    def note(self, line: str) -> None:
        say(line)
        self._status.update(line)

    def progress(self, job: Job, step: str) -> None:
        with self._lock:
            self._step(job, step)

    def _step(self, job: Job, step: str) -> None:
        if step == "queued":
            self._total += 1
            return
        starting = step in ("build", "mirror", "fail", "reuse")
        self._started += step in ("build", "mirror", "fail")
        if starting:
            self._running[job.label] = None
        elif step in ("done", "failed"):
            self._running.pop(job.label, None)
        minutes, seconds = divmod(int(self._clock.monotonic() - self._began), 60)
        running = f", {len(self._running)} running" if len(self._running) > 1 else ""
        where = f"{self._started}/{self._total} {minutes:02d}:{seconds:02d}{running}"
        if starting and step != "reuse":
            err.print(f"[bold]\\[{where}][/] {step:6} {job.label}", highlight=False)
        elif step == "failed":
            self._failed += 1
            err.print(f"    [red]failed[/] {job.label}", highlight=False)
        elif step == "verify":
            err.print(f"    verify {job.label}", highlight=False)
        failed = f", {self._failed} failed" if self._failed else ""
        under_way = ", ".join(self._running) or f"{step} {job.label}"
        self._status.update(f"{under_way}  ({where}{failed})")


@dataclass
class Tracebacks:
    """`wheelhouse --verbose`: an internal error shows its traceback. Set once per process by
    the global options, read by `guarded`."""

    shown: bool = False


TRACEBACKS = Tracebacks()


def _explain(message: str, hint: str | None, tail: str | None = None) -> None:
    err.print("[red]error:[/] ", end="")
    plain(message)
    if tail:
        plain(tail)
    if hint:
        plain(f"  hint: {hint}")


def guarded(command: str, run: Callable[[], None]) -> None:
    """Run one command: our errors become their exit codes with a message and a hint, a bug
    becomes one line and exit 70 (its traceback with --verbose), Ctrl-C exit 130."""
    try:
        run()
    except WheelhouseError as exc:
        tail = exc.log_tail if isinstance(exc, CommandFailed) else None
        _explain(exc.message, exc.hint, tail)
        raise typer.Exit(exc.exit_code) from None
    except IndexProblem as exc:
        _explain(exc.message, exc.hint)
        raise typer.Exit(exc.exit_code) from None
    except KeyboardInterrupt:
        err.print("[red]interrupted[/]")
        raise typer.Exit(130) from None
    except Exception as exc:  # the last resort: a bug, told in one line
        if TRACEBACKS.shown:
            err.print_exception()
        err.print(
            f"[red]internal error[/] in `wheelhouse {command}`: {type(exc).__name__}: {exc}",
            highlight=False,
        )
        if not TRACEBACKS.shown:
            plain(
                "  hint: run it again as `wheelhouse --verbose ...` for the traceback, and report it"
            )
        raise typer.Exit(INTERNAL_ERROR) from None
