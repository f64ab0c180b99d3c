"""`wheelhouse serve`: pypiserver over the local wheelhouse, the embedded default index.

- Reads are open by default (`--authenticate-reads` turns that off).
- Uploads need a user from an htpasswd file; without one, nobody can upload.
- Overwriting an existing file is refused (pypiserver without `--overwrite`).
- The fallback redirect to PyPI for unknown projects is disabled: a private index that forwards
  unknown names lets a public package with the same name as a private one win (dependency
  confusion). Clients add PyPI themselves with `--extra-index-url` if they want it.
- Dot-directories of the wheelhouse (logs, staging, caches) are never served.
"""

from __future__ import annotations

import signal
import tempfile
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from types import FrameType

from index.errors import IndexProblem


@dataclass(frozen=True, kw_only=True)
class ServeOptions:
    wheelhouse: Path
    host: str = "127.0.0.1"
    port: int = 8080
    htpasswd: Path | None = None
    authenticate_reads: bool = False


def pypiserver_arguments(options: ServeOptions, *, password_file: Path) -> list[str]:
    actions = "update,download,list" if options.authenticate_reads else "update"
    return [
        "run",
        "--host",
        options.host,
        "--port",
        str(options.port),
        "--disable-fallback",
        "--passwords",
        str(password_file),
        "--authenticate",
        actions,
        "--hash-algo",
        "sha256",
        str(options.wheelhouse),
    ]


def index_url(options: ServeOptions) -> str:
    host = "localhost" if options.host in ("0.0.0.0", "::", "127.0.0.1") else options.host  # noqa: S104
    return f"http://{host}:{options.port}/simple/"


def serve(options: ServeOptions, *, announce: Callable[[str], None]) -> int:
    """Run pypiserver in the foreground until SIGTERM/SIGINT; returns its exit code."""
    if not options.wheelhouse.is_dir():
        raise IndexProblem(
            f"no wheelhouse at {options.wheelhouse}",
            hint="run `wheelhouse build --list LIST` first, or pass --wheelhouse",
        )
    if options.htpasswd is not None and not options.htpasswd.is_file():
        raise IndexProblem(f"{options.htpasswd}: no such htpasswd file")
    if options.authenticate_reads and options.htpasswd is None:
        raise IndexProblem("--authenticate-reads needs --htpasswd (who may read?)")
    with tempfile.TemporaryDirectory(prefix="wheelhouse-serve-") as scratch:
        password_file = options.htpasswd
        if password_file is None:
            password_file = Path(scratch) / "nobody.htpasswd"
            password_file.write_text("", encoding="utf-8")  # no users: uploads are refused
        arguments = pypiserver_arguments(options, password_file=password_file)
        url = index_url(options)
        announce(f"serving {options.wheelhouse} at {url}")
        announce(f"install with:  pip install --extra-index-url {url} --only-binary :all: PACKAGE")
        if options.htpasswd is None:
            announce("uploads are disabled (no --htpasswd)")
        # In-process, so there is no child to orphan; SIGTERM ends the server loop like Ctrl-C.
        from pypiserver.__main__ import main as pypiserver_main  # noqa: PLC0415 (heavy import)

        previous = signal.signal(signal.SIGTERM, _interrupt)
        try:
            pypiserver_main(arguments)
        except OSError as exc:
            raise IndexProblem(
                f"cannot listen on {options.host}:{options.port}: {exc.strerror}",
                hint="choose another --port, or stop what is using it",
            ) from None
        finally:
            signal.signal(signal.SIGTERM, previous)
        announce("stopped")
        return 0


def _interrupt(_signum: int, _frame: FrameType | None) -> None:
    raise KeyboardInterrupt
