"""The ways the wheelhouse writes a file: beside its destination, then moved into place, so a
reader (or `wheelhouse serve`) never sees half a file; and a lock for read-modify-write."""

from __future__ import annotations

import contextlib
import fcntl
import os
import shutil
from collections.abc import Callable, Iterator
from pathlib import Path


def _partial(dest: Path) -> Path:
    return dest.with_name(f".{dest.name}.{os.getpid()}.part")


def write_atomically(dest: Path, data: bytes) -> None:
    partial = _partial(dest)
    partial.write_bytes(data)
    partial.replace(dest)


def install_new(source: Path, dest: Path) -> bool:
    """Copy source to dest only if dest does not exist yet, atomically (a hard link of a
    complete copy). False when a file of that name is already there: it is never replaced."""
    dest.parent.mkdir(parents=True, exist_ok=True)
    partial = _partial(dest)
    shutil.copy2(source, partial)
    try:
        os.link(partial, dest)
    except FileExistsError:
        return False
    finally:
        partial.unlink(missing_ok=True)
    return True


@contextlib.contextmanager
def locked(path: Path, *, waiting: Callable[[], None] | None = None) -> Iterator[None]:
    """An exclusive flock on `path` (created if needed) for the duration of the block;
    `waiting` is called first when another process holds it."""
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("a") as handle:
        try:
            fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            if waiting is not None:
                waiting()
            fcntl.flock(handle, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)
