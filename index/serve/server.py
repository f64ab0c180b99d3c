"""`wheelhouse serve`: the embedded default index over the local wheelhouse.

- Reads are answered from memory (see serve_app and listing): a project page costs one `stat` of
  the wheelhouse, not a directory scan, so it stays fast at tens of thousands of files.
- Uploads need a user from an htpasswd file (without one, nobody can upload); they are checked
  and stored here, one whole file per name (or equivalent name), never overwritten: a second
  upload of a name gets 409 (see upload_store). Removals go through pypiserver.
- Reads are open by default (`--authenticate-reads` turns that off).
- Unknown projects are 404, never forwarded to PyPI: a private index that forwards unknown names
  lets a public package with the same name as a private one win (dependency confusion). Clients
  add PyPI themselves with `--extra-index-url` if they want it.
- Dot-files and dot-directories of the wheelhouse (logs, staging, caches) are never served.
- With `mirror_to`, a static tree is kept in step for a web server in front (infra/selfhosted).
- A threaded production WSGI server (waitress) answers many clients at once.
"""

from __future__ import annotations

import logging
import signal
import tempfile
import threading
from collections.abc import Callable
from dataclasses import dataclass, replace
from pathlib import Path
from types import FrameType
from typing import TYPE_CHECKING

from index.errors import IndexProblem
from index.publish.dir_storage import DirStorage
from index.serve.app import IndexApp
from index.serve.listing import DirectoryListing
from index.serve.read_access import HtpasswdUsers
from index.serve.static_mirror import StaticMirror
from index.serve.upload_store import UploadStore

if TYPE_CHECKING:
    from _typeshed.wsgi import WSGIApplication
    from waitress.server import BaseWSGIServer

WATCH_INTERVAL_S = 1.0
LISTING_CACHE = Path(".cache") / "listing.json"  # sha256 and METADATA facts, kept across restarts
log = logging.getLogger("wheelhouse.serve")


@dataclass(frozen=True, kw_only=True)
class ServeOptions:
    wheelhouse: Path
    host: str = "127.0.0.1"
    port: int = 8080
    htpasswd: Path | None = None
    authenticate_reads: bool = False
    threads: int = 8
    mirror_to: Path | None = None
    show_logs: bool = False  # the pages for people show build logs' tails


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
        "--backend",
        "simple-dir",  # its cached-dir backend starts a watchdog observer we do not need
        str(options.wheelhouse),
    ]


MAX_PORT = 65535
CONNECTION_LIMIT = 800  # under the usual 1,024 open files, with room for the wheelhouse's own


def index_url(options: ServeOptions) -> str:
    host = "localhost" if options.host in ("0.0.0.0", "::", "127.0.0.1") else options.host  # noqa: S104
    return f"http://{host}:{options.port}/simple/"


def serve(options: ServeOptions, *, announce: Callable[[str], None]) -> int:
    """Serve until SIGTERM/SIGINT; returns the exit code. Raises IndexProblem on bad options."""
    _check(options)
    logging.getLogger("waitress.queue").setLevel(logging.ERROR)  # "task queue depth" chatter
    listing = DirectoryListing(options.wheelhouse, cache_file=options.wheelhouse / LISTING_CACHE)
    snapshot = listing.current()
    announce(f"listed {len(snapshot.files)} files of {len(snapshot.projects)} projects")
    mirror = _mirror(options, announce)
    if mirror is not None:
        mirror.sync(snapshot)
    with tempfile.TemporaryDirectory(prefix="wheelhouse-serve-") as scratch:
        password_file = options.htpasswd
        if password_file is None:
            password_file = Path(scratch) / "nobody.htpasswd"
            password_file.write_text("", encoding="utf-8")  # no users: uploads are refused
        app = IndexApp(
            listing,
            writer=_pypiserver_app(pypiserver_arguments(options, password_file=password_file)),
            store=UploadStore(options.wheelhouse),
            may_read=_readers(options),
            may_write=_writers(options),
            after_write=mirror.sync if mirror is not None else lambda _snapshot: None,
            show_logs=options.show_logs,
        )
        server = _listen(app, options)
        url = index_url(replace(options, port=int(server.effective_port)))  # the real one for 0
        announce(f"serving {options.wheelhouse} at {url}")
        announce(f"install with:  pip install --extra-index-url {url} --only-binary :all: PACKAGE")
        if options.htpasswd is None:
            announce("uploads are disabled (no --htpasswd)")
        watcher = _watch(listing, mirror) if mirror is not None else None
        previous = signal.signal(signal.SIGTERM, _interrupt)
        try:
            server.run()
        except KeyboardInterrupt:
            pass
        finally:
            signal.signal(signal.SIGTERM, previous)
            server.close()
            if watcher is not None:
                watcher.set()
        announce("stopped")
        return 0


def _check(options: ServeOptions) -> None:
    if not options.wheelhouse.is_dir():
        raise IndexProblem(
            f"no wheelhouse at {options.wheelhouse}",
            hint="run `wheelhouse build --list LIST` first, or pass --wheelhouse",
        )
    if not 0 <= options.port <= MAX_PORT:
        raise IndexProblem(
            f"--port {options.port}: a port is a number from 1 to {MAX_PORT}",
            hint="or 0 for any free port (the one taken is announced)",
        )
    if options.htpasswd is not None and not options.htpasswd.is_file():
        raise IndexProblem(f"{options.htpasswd}: no such htpasswd file")
    if options.htpasswd is not None:
        _check_htpasswd(options.htpasswd)
    if options.authenticate_reads and options.htpasswd is None:
        raise IndexProblem("--authenticate-reads needs --htpasswd (who may read?)")
    if options.threads < 1:
        raise IndexProblem(f"--threads {options.threads}: need at least 1")


def _check_htpasswd(path: Path) -> None:
    from passlib.apache import HtpasswdFile  # noqa: PLC0415 (pypiserver's own choice)

    try:
        HtpasswdFile(str(path))
    except (ValueError, UnicodeDecodeError) as exc:
        raise IndexProblem(
            f"{path}: not an htpasswd file ({str(exc).splitlines()[0][:80]})",
            hint="one USER:HASH line per user, e.g. from `htpasswd -B -c FILE USER`",
        ) from None


def _pypiserver_app(arguments: list[str]) -> WSGIApplication:
    import pypiserver  # noqa: PLC0415 (heavy import)
    from pypiserver.config import Config  # noqa: PLC0415

    config = Config.from_args(arguments)
    return pypiserver.setup_routes_from_config(pypiserver.app_from_config(config), config)  # type: ignore[no-any-return]


def _readers(options: ServeOptions) -> Callable[[str | None], bool]:
    if options.authenticate_reads and options.htpasswd is not None:
        return HtpasswdUsers(options.htpasswd)
    return lambda _authorization: True


def _writers(options: ServeOptions) -> Callable[[str | None], bool]:
    """Who may write: the htpasswd file's users (pypiserver checks again)."""
    if options.htpasswd is not None:
        return HtpasswdUsers(options.htpasswd)
    return lambda _authorization: False


def _mirror(options: ServeOptions, announce: Callable[[str], None]) -> StaticMirror | None:
    if options.mirror_to is None:
        return None
    try:
        options.mirror_to.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise IndexProblem(
            f"--mirror-to {options.mirror_to}: cannot create it ({exc.strerror})"
        ) from None
    announce(f"keeping the static tree {options.mirror_to} in step")
    return StaticMirror(DirStorage(options.mirror_to), progress=announce)


def _listen(app: IndexApp, options: ServeOptions) -> BaseWSGIServer:
    from waitress.server import create_server  # noqa: PLC0415

    try:
        return create_server(
            app,
            host=options.host,
            port=options.port,
            threads=options.threads,
            ident="wheelhouse",
            clear_untrusted_proxy_headers=True,
            # Idle and trickling clients hold no thread (a request is read whole before one
            # takes it), only a connection: waitress's default of 100 let ~110 idle clients
            # lock out everyone else. Silent ones are dropped after a minute.
            connection_limit=CONNECTION_LIMIT,
            channel_timeout=60,
        )
    except (OSError, ValueError) as exc:
        reason = getattr(exc, "strerror", None) or str(exc)
        raise IndexProblem(
            f"cannot listen on {options.host}:{options.port}: {reason}",
            hint="check --host (an address or name of this machine) and --port",
        ) from None


def _watch(listing: DirectoryListing, mirror: StaticMirror) -> threading.Event:
    """Files written into the wheelhouse by other processes (a build) reach the static tree too:
    one stat of the directory a second, a sync when it changed."""
    stop = threading.Event()

    def loop() -> None:
        while not stop.wait(WATCH_INTERVAL_S):
            try:
                mirror.sync(listing.current())
            except IndexProblem as exc:
                log.error("static tree: %s", exc.message)  # noqa: TRY400 (a message, not a traceback)

    threading.Thread(target=loop, name="wheelhouse-mirror", daemon=True).start()
    return stop


def _interrupt(_signum: int, _frame: FrameType | None) -> None:
    raise KeyboardInterrupt
