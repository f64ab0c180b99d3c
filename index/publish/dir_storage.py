"""The `dir:PATH` target: a static index tree on a filesystem.

Writes go to a temporary name and are renamed into place, so a reader sees the old file or the new
one, never half of one. Conditional writes hold an flock on `PATH/.publish.lock` only for the
compare-and-replace itself.
"""

from __future__ import annotations

import contextlib
import fcntl
import hashlib
import os
import shutil
import tempfile
from collections.abc import Iterator
from pathlib import Path

from index.clock import SYSTEM_CLOCK, Clock
from index.dist_files import file_sha256
from index.errors import IndexProblem
from index.publish.storage import Blob, Conflict

LOCK_NAME = ".publish.lock"
PARTIAL_AGE_S = 600  # a temporary file this old belongs to no live publisher


class DirStorage:
    def __init__(self, root: Path, *, clock: Clock = SYSTEM_CLOCK) -> None:
        self.root = root
        self._clock = clock

    @property
    def description(self) -> str:
        return f"dir:{self.root}"

    def _path(self, key: str) -> Path:
        path = (self.root / key).resolve()
        if not path.is_relative_to(self.root.resolve()):
            raise IndexProblem(
                f"{self.description}: {key} leads out of the tree (a symbolic link?) to {path}",
                hint="an index tree holds its own files; remove the link",
            )
        return path

    @contextlib.contextmanager
    def _guard(self, key: str) -> Iterator[None]:
        """Filesystem failures (no permission, a directory where a file belongs, a full disk)
        become one line naming the file."""
        try:
            yield
        except OSError as exc:
            raise IndexProblem(
                f"{self.description}: cannot use {key}: {exc.strerror or exc}",
                hint="check the permissions and the layout of the index directory",
            ) from None

    def get(self, key: str) -> Blob | None:
        path = self._path(key)
        with self._guard(key):
            try:
                data = path.read_bytes()
            except (FileNotFoundError, NotADirectoryError):
                return None
        return Blob(data=data, etag=hashlib.sha256(data).hexdigest())

    def file_sha256(self, key: str) -> str | None:
        path = self._path(key)
        with self._guard(key):
            return file_sha256(path) if path.is_file() else None

    def put(
        self,
        key: str,
        data: bytes,
        *,
        content_type: str,  # noqa: ARG002 (a web server derives it from the name)
        cache_control: str,  # noqa: ARG002
        if_match: str | None = None,
        create_only: bool = False,
        sha256: str | None = None,  # noqa: ARG002
    ) -> None:
        path = self._path(key)
        with self._guard(key), self._temporary(path) as partial:
            partial.write_bytes(data)
            self._install(key, path, partial, if_match=if_match, create_only=create_only)

    def put_file(
        self,
        key: str,
        path: Path,
        *,
        content_type: str,  # noqa: ARG002
        cache_control: str,  # noqa: ARG002
        create_only: bool,
        sha256: str,  # noqa: ARG002
    ) -> None:
        final = self._path(key)
        with self._guard(key), self._temporary(final) as partial:
            shutil.copyfile(path, partial)
            self._install(key, final, partial, if_match=None, create_only=create_only)

    def delete(self, key: str) -> None:
        path = self._path(key)
        with self._guard(key):
            path.unlink(missing_ok=True)

    def sweep_partials(self) -> list[str]:
        if not self.root.is_dir():
            return []
        cutoff = self._clock.now().timestamp() - PARTIAL_AGE_S
        swept: list[str] = []
        for path in self.root.rglob(".*.partial"):
            with contextlib.suppress(OSError):
                if path.is_file() and path.stat().st_mtime < cutoff:
                    path.unlink()
                    swept.append(path.relative_to(self.root).as_posix())
        return sorted(swept)

    def keys(self, prefix: str) -> list[str]:
        base = self._path(prefix) if prefix else self.root
        if not base.exists():
            return []
        return sorted(
            path.relative_to(self.root).as_posix()
            for path in base.rglob("*")
            if path.is_file() and not path.name.startswith(".")
        )

    @contextlib.contextmanager
    def _temporary(self, final: Path) -> Iterator[Path]:
        try:
            final.parent.mkdir(parents=True, exist_ok=True)
        except OSError as exc:
            raise IndexProblem(f"cannot write under {self.root}: {exc.strerror}") from None
        if final.is_dir():
            raise IsADirectoryError(21, "a directory stands where the file belongs")
        handle, name = tempfile.mkstemp(
            prefix=f".{final.name}.", suffix=".partial", dir=final.parent
        )
        os.close(handle)
        partial = Path(name)
        partial.chmod(0o644)  # readable by the web server that serves the tree
        try:
            yield partial
        finally:
            partial.unlink(missing_ok=True)

    def _install(
        self, key: str, final: Path, partial: Path, *, if_match: str | None, create_only: bool
    ) -> None:
        if create_only:
            try:
                os.link(partial, final)  # atomic: fails if the name exists
            except FileExistsError:
                raise Conflict(key) from None
            return
        if if_match is None:
            partial.replace(final)
            return
        with self._lock():
            current = self.get(key)
            if current is None or current.etag != if_match:
                raise Conflict(key)
            partial.replace(final)

    @contextlib.contextmanager
    def _lock(self) -> Iterator[None]:
        with (self.root / LOCK_NAME).open("a") as handle:
            fcntl.flock(handle, fcntl.LOCK_EX)
            try:
                yield
            finally:
                fcntl.flock(handle, fcntl.LOCK_UN)
