"""The clock: the one door to time. Passed in wherever time is recorded or waited on
(durations, manifest and upload timestamps, the age of a partial file, a retry's pause), so
tests can hold it still. The builder uses the same one."""

from __future__ import annotations

import time
from datetime import UTC, datetime
from typing import Protocol


class Clock(Protocol):
    def now(self) -> datetime: ...

    def monotonic(self) -> float: ...


class SystemClock:
    def now(self) -> datetime:
        return datetime.now(UTC)

    def monotonic(self) -> float:
        return time.monotonic()

    def time_ns(self) -> int:
        """Wall-clock nanoseconds, comparable with file modification times."""
        return time.time_ns()

    def sleep(self, seconds: float) -> None:
        time.sleep(seconds)


SYSTEM_CLOCK = SystemClock()
