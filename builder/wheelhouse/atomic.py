"""The one way the wheelhouse writes a file: beside its destination, then renamed into place, so
a reader (or `wheelhouse serve`) never sees half a file."""

from __future__ import annotations

import os
import shutil
from pathlib import Path


def _partial(dest: Path) -> Path:
    return dest.with_name(f".{dest.name}.{os.getpid()}.part")


def write_atomically(dest: Path, data: bytes) -> None:
    partial = _partial(dest)
    partial.write_bytes(data)
    partial.replace(dest)


def copy_atomically(source: Path, dest: Path) -> None:
    partial = _partial(dest)
    shutil.copy2(source, partial)
    partial.replace(dest)
