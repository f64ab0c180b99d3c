"""The subprocess runner: output reaches the log while the command runs, and is returned."""

from __future__ import annotations

import shlex
from pathlib import Path

import pytest

from builder.errors import CommandFailed
from builder.host.commands import CommandRunner


def test_output_is_in_the_log_while_the_command_still_runs(tmp_path: Path) -> None:
    log = tmp_path / "job.log"
    log.write_text("# header\n")
    script = f"echo early; grep -c '^early$' {log}; echo late"
    result = CommandRunner(env={"PATH": "/usr/bin:/bin"}).run(["sh", "-c", script], log=log)
    assert result.output == "early\n1\nlate\n"  # grep saw the first line already in the file
    command = shlex.join(["sh", "-c", script])
    assert log.read_text() == f"# header\n$ {command}\nearly\n1\nlate\n\n[exit 0]\n"


def test_a_failure_carries_the_tail_of_this_run_only(tmp_path: Path) -> None:
    log = tmp_path / "job.log"
    runner = CommandRunner(env={"PATH": "/usr/bin:/bin"})
    runner.run(["sh", "-c", "echo first run"], log=log)
    with pytest.raises(CommandFailed) as caught:
        runner.run(["sh", "-c", "echo boom >&2; exit 3"], log=log, what="the step")
    assert caught.value.returncode == 3
    assert caught.value.log_tail == "boom"
    assert "the step failed with exit code 3" in caught.value.message
    timed_out = runner.run(["sleep", "5"], log=log, timeout=0.5, check=False)
    assert timed_out.returncode == -1
    assert "timed out after 0.5 s" in timed_out.output
