"""The build's progress lines: which job of how many, and how long the run has taken."""

from __future__ import annotations

from typing import Any

from app.console import LiveProgress, err
from builder.inputs.recipes import Recipe
from tests.unit.test_wheel_checks import job_with


class _Status:
    def __init__(self) -> None:
        self.shown = ""

    def update(self, text: str) -> None:
        self.shown = text


class _Clock:
    def __init__(self) -> None:
        self.seconds = 100.0

    def now(self) -> Any:
        raise AssertionError

    def monotonic(self) -> float:
        return self.seconds


def test_each_job_line_says_which_of_how_many_and_the_time_so_far() -> None:
    status, clock = _Status(), _Clock()
    live = LiveProgress(status, clock)  # type: ignore[arg-type]
    jobs = [job_with(Recipe(name="demo")) for _ in range(3)]
    with err.capture() as captured:
        for job in jobs:
            live.progress(job, "queued")
        clock.seconds += 65
        live.progress(jobs[0], "build")
        live.progress(jobs[0], "done")
        clock.seconds += 3600
        live.progress(jobs[1], "build")
        live.progress(jobs[1], "failed")
    lines = captured.get().splitlines()
    assert lines[0].startswith("[1/3 01:05] build  demo 1.0")
    assert lines[1].startswith("[2/3 61:05] build  demo 1.0")
    assert lines[2].strip().startswith("failed demo 1.0")
    assert status.shown.endswith("(2/3 61:05, 1 failed)")
