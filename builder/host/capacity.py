"""How many build jobs this machine runs side by side (the `jobs` setting, `build --jobs`)."""

from __future__ import annotations

import os

GIB = 1024**3
MEMORY_PER_JOB = 3 * GIB  # what one compile of a big C++ project is given room for


def jobs_for(setting: str, *, cores: int, memory: int) -> int:
    """A number as given; "auto": one job per core, at most one per 3 GiB of memory."""
    if setting != "auto":
        return max(1, int(setting))
    return max(1, min(cores, memory // MEMORY_PER_JOB))


def machine_capacity() -> tuple[int, int]:
    """(cores this process may use, physical memory in bytes)."""
    cores = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count()
    memory = os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES")
    return cores or 1, memory
