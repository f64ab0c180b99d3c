"""The one door to subprocesses: resolves the executable, echoes the command, keeps the log,
and raises CommandFailed with the log's tail."""

from __future__ import annotations

import shlex
import shutil
import subprocess
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import IO

from builder.errors import CommandFailed, EnvironmentProblem

TAIL_LINES = 25


@dataclass(frozen=True, kw_only=True)
class Result:
    returncode: int
    output: str

    def check(self, what: str, log: Path | None = None) -> Result:
        """This result when it succeeded; otherwise CommandFailed naming `what`, the exit code,
        the log and the output's tail."""
        if self.returncode != 0:
            where = f" (log: {log})" if log is not None else ""
            raise CommandFailed(
                f"{what} failed with exit code {self.returncode}{where}",
                returncode=self.returncode,
                log_tail=tail(self.output),
            )
        return self


class CommandRunner:
    def __init__(
        self,
        *,
        env: Mapping[str, str],
        echo: Callable[[str], None] | None = None,
    ) -> None:
        self._env = dict(env)
        self._echo = echo

    @property
    def env(self) -> Mapping[str, str]:
        return self._env

    def which(self, program: str) -> str:
        found = shutil.which(program, path=self._env.get("PATH"))
        if found is None:
            raise EnvironmentProblem(
                f"'{program}' is not on PATH", hint=f"install {program}, or fix PATH"
            )
        return found

    def run(
        self,
        argv: Sequence[str],
        *,
        env: Mapping[str, str] | None = None,
        log: Path | None = None,
        cwd: Path | None = None,
        timeout: float | None = None,
        check: bool = True,
        what: str | None = None,
    ) -> Result:
        """Run argv with this runner's environment (plus env). Output goes to log (appended) and is
        returned; with check, a nonzero exit raises CommandFailed naming `what`."""
        executable = self.which(argv[0])
        command = [executable, *argv[1:]]
        merged = {**self._env, **(env or {})}
        printable = shlex.join(argv)
        if self._echo is not None:
            self._echo(printable)
        if log is None:
            returncode, output = _run(command, merged, cwd, timeout, subprocess.PIPE)
        else:
            # Streamed into the log as it comes, so that long work (image builds, emulated
            # compiles) can be followed with `tail -f`; the output is read back from the log.
            log.parent.mkdir(parents=True, exist_ok=True)
            with log.open("ab") as handle:
                handle.write(f"$ {printable}\n".encode())
                handle.flush()
                start = handle.tell()
                returncode, _ = _run(command, merged, cwd, timeout, handle)
            with log.open("rb") as handle:
                handle.seek(start)
                output = handle.read().decode("utf-8", errors="replace")
            with log.open("a", encoding="utf-8") as handle:
                handle.write(f"\n[exit {returncode}]\n")
        result = Result(returncode=returncode, output=output)
        return result.check(what or Path(argv[0]).name, log) if check else result


def _run(
    command: list[str],
    env: Mapping[str, str],
    cwd: Path | None,
    timeout: float | None,
    stdout: int | IO[bytes],
) -> tuple[int, str]:
    """(exit code, captured output); output is empty when it went to a file."""
    try:
        completed = subprocess.run(
            command,
            env=env,
            cwd=cwd,
            stdout=stdout,
            stderr=subprocess.STDOUT,
            stdin=subprocess.DEVNULL,
            timeout=timeout,
            check=False,
        )
    except subprocess.TimeoutExpired as exc:
        partial = exc.stdout.decode("utf-8", errors="replace") if exc.stdout else ""
        message = f"\n[wheelhouse] timed out after {timeout} s\n"
        if not isinstance(stdout, int):
            stdout.write(message.encode())
        return -1, partial + message
    captured = completed.stdout.decode("utf-8", errors="replace") if completed.stdout else ""
    return completed.returncode, captured


def tail(text: str, lines: int = TAIL_LINES) -> str:
    return "\n".join(text.rstrip().splitlines()[-lines:])
