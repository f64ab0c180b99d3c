"""The users of the htpasswd file: who may write, and who may read when
`wheelhouse serve --authenticate-reads` is on.

Checking a bcrypt hash costs tens of milliseconds, so a credential that passed is remembered (by
the sha256 of its header) until the htpasswd file changes; wrong ones are checked every time.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import logging
import threading
from pathlib import Path
from typing import Any

MAX_REMEMBERED = 1024
MAX_PASSWORD = 4096  # passlib refuses longer ones (with an error, not a False)
log = logging.getLogger("wheelhouse.serve")


class HtpasswdUsers:
    def __init__(self, path: Path) -> None:
        self.path = path
        self._lock = threading.Lock()
        self._version: int | None = None
        self._accepted: set[str] = set()
        self._file: object = None

    def __call__(self, authorization: str | None) -> bool:
        if not authorization or not authorization.lower().startswith("basic "):
            return False
        key = hashlib.sha256(authorization.encode("latin-1", errors="replace")).hexdigest()
        with self._lock:
            self._reload_if_changed()
            if key in self._accepted:
                return True
        user, password = _credentials(authorization)
        if user is None or not self._check(user, password):
            return False
        with self._lock:
            if len(self._accepted) >= MAX_REMEMBERED:
                self._accepted.clear()
            self._accepted.add(key)
        return True

    def _reload_if_changed(self) -> None:
        try:
            version = self.path.stat().st_mtime_ns
        except OSError:
            version = None
        if version != self._version or self._file is None:
            from passlib.apache import HtpasswdFile  # noqa: PLC0415 (pypiserver's own choice)

            try:
                self._file = HtpasswdFile(str(self.path)) if version is not None else None
            except (OSError, ValueError) as exc:  # edited into something else while serving
                log.error("%s: unreadable, so nobody is let in: %s", self.path, exc)  # noqa: TRY400
                self._file = None
            self._version = version
            self._accepted.clear()

    def _check(self, user: str, password: str) -> bool:
        with self._lock:
            htpasswd: Any = self._file
        if htpasswd is None or len(password) > MAX_PASSWORD:
            return False
        try:
            known = htpasswd.check_password(user, password)
            if known is None:  # no such user: the same work as for one, so time tells nothing
                others = htpasswd.users()
                if others:
                    htpasswd.check_password(others[0], password)
                return False
        except ValueError:  # a hash passlib cannot check, or a password it refuses
            return False
        return bool(known)


def _credentials(authorization: str) -> tuple[str | None, str]:
    try:
        decoded = base64.b64decode(authorization[6:].strip(), validate=True).decode("utf-8")
    except (binascii.Error, UnicodeDecodeError):
        return None, ""
    user, separator, password = decoded.partition(":")
    return (user, password) if separator else (None, "")
