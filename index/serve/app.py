"""The WSGI app of `wheelhouse serve`: reads from memory; uploads stored here, other writes
through pypiserver.

Reads (`/simple/`, `/simple/<project>/`, `/files/<file>`, `/packages/<file>`, PEP 658
`<file>.metadata`) are answered from the directory listing and pages rendered once; a project page
costs one `stat` of the wheelhouse and a dict lookup. An upload from a user of the htpasswd file
is parsed once, checked by the upload gate, and exactly those bytes are stored by the
UploadStore (one whole file per name, never replaced). Everything else (`remove_pkg`,
pypiserver's JSON API, anyone else's write) goes to pypiserver unchanged, with its own
authentication. After a write that succeeded the listing is invalidated, so an upload is on its
page for the very next request.
"""

from __future__ import annotations

import io
import logging
import re
from collections.abc import Callable, Iterable
from html import escape
from typing import TYPE_CHECKING, Any, BinaryIO
from urllib.parse import parse_qs

from packaging.utils import canonicalize_name

from index.dist_files import wheel_metadata
from index.errors import IndexProblem
from index.pages.negotiation import Format, choose_format
from index.pages.render import HTML
from index.pages.simple_pages import PEP691_JSON
from index.people.render import INDEX_PAGE
from index.people.render import PREFIX as PEOPLE_PREFIX
from index.publish.storage import IMMUTABLE, REVALIDATE
from index.serve.listing import DirectoryListing, Snapshot
from index.serve.people_pages import PeoplePages
from index.serve.rendered_pages import PagePair, Rendered, RenderedPages, rendered
from index.serve.upload_gate import MalformedUpload, Upload, find_upload, upload_problem
from index.serve.upload_store import Clash, UploadStore

if TYPE_CHECKING:
    from _typeshed.wsgi import StartResponse, WSGIApplication, WSGIEnvironment

log = logging.getLogger("wheelhouse.serve")

Headers = list[tuple[str, str]]
PROJECT_NAME = re.compile(r"[A-Za-z0-9]([A-Za-z0-9._-]*[A-Za-z0-9])?")  # PEP 508, ASCII only
READS = ("GET", "HEAD")


class IndexApp:
    def __init__(
        self,
        listing: DirectoryListing,
        *,
        writer: WSGIApplication,
        store: UploadStore,
        may_read: Callable[[str | None], bool] = lambda _authorization: True,
        may_write: Callable[[str | None], bool] = lambda _authorization: False,
        after_write: Callable[[Snapshot], object] = lambda _snapshot: None,
        show_logs: bool = False,
    ) -> None:
        self.listing = listing
        self.pages = RenderedPages()
        self.people = PeoplePages(listing.root, show_logs=show_logs)
        self._writer = writer
        self._store = store
        self._may_read = may_read
        self._may_write = may_write
        self._after_write = after_write

    def __call__(self, environ: WSGIEnvironment, start_response: StartResponse) -> Iterable[bytes]:
        method = environ.get("REQUEST_METHOD", "GET")
        path = environ.get("PATH_INFO", "/") or "/"
        if method not in READS:
            if path != "/":  # pypiserver's only write route; its RPC2 search rescans the disk
                return _answer(start_response, environ, "404 Not Found", [], b"not found\n")
            return self._write(environ, start_response)
        if path == "/health":
            return _answer(
                start_response, environ, "200 OK", [("Content-Type", "text/plain")], b"Ok"
            )
        if not self._may_read(environ.get("HTTP_AUTHORIZATION")):
            return _unauthorized(start_response, environ)
        try:
            snapshot = self.listing.current()
        except IndexProblem as exc:
            log.error("%s", exc.message)  # noqa: TRY400 (a message, not a traceback)
            return _answer(
                start_response, environ, "503 Service Unavailable", [], b"index unavailable\n"
            )
        if path == "/simple/":
            return self._page(environ, start_response, self.pages.root(snapshot.root))
        if path == "/packages/":
            flat = self.pages.flat(snapshot.generation, list(snapshot.projects.values()))
            return _send(start_response, environ, flat, HTML)
        parts = path.split("/")  # "/simple/x/" -> ["", "simple", "x", ""]
        if path in ("/simple", "/packages") or (
            len(parts) == 3 and parts[1] == "simple" and PROJECT_NAME.fullmatch(parts[2])
        ):
            return _redirect(start_response, environ, path + "/")
        if len(parts) == 4 and parts[1] == "simple" and parts[2] and not parts[3]:
            return self._project(environ, start_response, snapshot, parts[2])
        if len(parts) == 3 and parts[1] in ("files", "packages") and parts[2]:
            return self._file(environ, start_response, snapshot, parts[2])
        if parts[1] in ("simple", "files"):
            return _answer(start_response, environ, "404 Not Found", [], b"not found\n")
        if path == "/":
            return self._welcome(environ, start_response, snapshot)
        if parts[1] == PEOPLE_PREFIX:
            return self._people_page(environ, start_response, snapshot, parts)
        name = parts[1] if len(parts) == 2 or (len(parts) == 3 and not parts[2]) else ""
        if PROJECT_NAME.fullmatch(name):  # `/<project>/`, as pypiserver answers it
            return _redirect(start_response, environ, f"/simple/{canonicalize_name(name)}/")
        # Nothing else is read here: pypiserver's JSON API and listings rescan the directory.
        return _answer(start_response, environ, "404 Not Found", [], b"not found\n")

    def _people_page(
        self,
        environ: WSGIEnvironment,
        start_response: StartResponse,
        snapshot: Snapshot,
        parts: list[str],
    ) -> Iterable[bytes]:
        """`/-/` (the project list) and `/-/<project>.html`: the pages for people."""
        if len(parts) == 2:  # "/-"
            return _redirect(start_response, environ, f"/{PEOPLE_PREFIX}/")
        name = "/".join(parts[2:]) or INDEX_PAGE
        page = self.people.page(snapshot, name) if "/" not in name else None
        if page is None:
            return _answer(start_response, environ, "404 Not Found", [], b"not found\n")
        return _send(start_response, environ, page, HTML)

    def _write(self, environ: WSGIEnvironment, start_response: StartResponse) -> Iterable[bytes]:
        """A write from a stranger is refused here (401 without credentials, 403 with wrong ones,
        whoever the user) and costs no disk work. A user's upload is checked (400, nothing
        stored, when the index would never list it) and stored here; their other writes go to
        pypiserver. Only a write that succeeded makes the listing look again."""
        authorization = environ.get("HTTP_AUTHORIZATION")
        if not self._may_write(authorization):  # the same answer for every stranger
            if not authorization:
                return _unauthorized(start_response, environ)
            return _text(start_response, environ, "403 Forbidden", "not allowed to write here\n")
        try:
            length = int(environ.get("CONTENT_LENGTH") or 0)
        except ValueError:
            length = 0
        body = environ["wsgi.input"].read(length) if length > 0 else b""
        try:
            upload = find_upload(environ.get("CONTENT_TYPE", ""), body)
            problem = None if upload is None else upload_problem(upload)
        except MalformedUpload as exc:
            upload, problem = None, str(exc)
        if problem is not None:
            log.warning("upload refused: %s", problem)
            return _text(start_response, environ, "400 Bad Request", f"refused: {problem}\n")
        if upload is not None:
            return self._upload(environ, start_response, upload)
        environ["wsgi.input"] = io.BytesIO(body)
        status: list[str] = []

        def recording(
            code: str, headers: list[tuple[str, str]], exc_info: Any = None
        ) -> Callable[[bytes], object]:
            status.append(code)
            return start_response(code, headers, exc_info)

        answer = list(self._writer(environ, recording))
        if status and status[0].startswith("2"):
            self._written(environ)
        return answer

    def _upload(
        self, environ: WSGIEnvironment, start_response: StartResponse, upload: Upload
    ) -> Iterable[bytes]:
        try:
            stored = self._store.store(upload)
        except OSError as exc:
            log.error("upload %s not stored: %s", upload.filename, exc)  # noqa: TRY400
            return _text(
                start_response, environ, "507 Insufficient Storage", "the upload was not stored\n"
            )
        if isinstance(stored, Clash):
            log.warning("upload %s refused: %s is there", upload.filename, stored.existing)
            return _text(
                start_response,
                environ,
                "409 Conflict",
                f"{stored.existing} is already here; a file is never replaced\n",
            )
        log.info("stored %s", upload.filename)
        self._written(environ)
        return _text(start_response, environ, "200 OK", f"stored {upload.filename}\n")

    def _written(self, environ: WSGIEnvironment) -> None:
        self.listing.invalidate()
        try:
            self._after_write(self.listing.current())
        except IndexProblem as exc:
            log.error("after %s: %s", environ.get("PATH_INFO"), exc.message)  # noqa: TRY400

    def _project(
        self,
        environ: WSGIEnvironment,
        start_response: StartResponse,
        snapshot: Snapshot,
        requested: str,
    ) -> Iterable[bytes]:
        if not PROJECT_NAME.fullmatch(requested):  # not a name (PEP 508): no redirect for it
            return _answer(start_response, environ, "404 Not Found", [], b"no such project here\n")
        name = canonicalize_name(requested)
        if name != requested:
            return _redirect(start_response, environ, f"/simple/{name}/")
        page = snapshot.projects.get(name)
        if page is None:
            return _answer(
                start_response,
                environ,
                "404 Not Found",
                [("Content-Type", "text/plain")],
                f"no project {name} here\n".encode(),
            )
        return self._page(environ, start_response, self.pages.project(page))

    def _page(
        self, environ: WSGIEnvironment, start_response: StartResponse, pair: PagePair
    ) -> Iterable[bytes]:
        query = parse_qs(environ.get("QUERY_STRING", ""))
        wanted = choose_format(environ.get("HTTP_ACCEPT"), (query.get("format") or [None])[0])
        if wanted is Format.JSON:
            return _send(start_response, environ, pair.json, PEP691_JSON)
        return _send(start_response, environ, pair.html, HTML)

    def _file(
        self,
        environ: WSGIEnvironment,
        start_response: StartResponse,
        snapshot: Snapshot,
        filename: str,
    ) -> Iterable[bytes]:
        metadata = filename.endswith(".metadata")
        listed = snapshot.files.get(filename.removesuffix(".metadata"))
        metadata_sha256 = None if listed is None else listed.entry.metadata_sha256
        if listed is None or (metadata and metadata_sha256 is None):
            return _answer(start_response, environ, "404 Not Found", [], b"no such file\n")
        try:
            if metadata and metadata_sha256 is not None:
                path = listed.path
                return _send(
                    start_response,
                    environ,
                    self.pages.metadata(metadata_sha256, lambda: wheel_metadata(path)),
                    "text/plain; charset=utf-8",
                    cache_control=IMMUTABLE,
                )
            stream = listed.path.open("rb")
        except OSError:
            self.listing.invalidate()  # removed since it was listed
            return _answer(start_response, environ, "404 Not Found", [], b"no such file\n")
        headers = [
            ("Content-Type", "application/octet-stream"),
            ("Content-Length", str(listed.entry.size)),
            ("ETag", f'"{listed.entry.sha256}"'),
            ("Cache-Control", IMMUTABLE),
        ]
        start_response("200 OK", headers)
        if environ.get("REQUEST_METHOD") == "HEAD":
            stream.close()
            return []
        wrapper = environ.get("wsgi.file_wrapper")
        if wrapper is not None:
            return wrapper(stream, 1 << 16)  # type: ignore[no-any-return]
        return _chunks(stream)

    def _welcome(
        self, environ: WSGIEnvironment, start_response: StartResponse, snapshot: Snapshot
    ) -> Iterable[bytes]:
        host = escape(environ.get("HTTP_HOST") or environ.get("SERVER_NAME", "localhost"))
        body = (
            "<!DOCTYPE html>\n<html><head><title>wheelhouse</title></head><body>\n"
            f"<h1>wheelhouse</h1><p>{len(snapshot.files)} files of "
            f"{len(snapshot.projects)} projects.</p>\n"
            f"<pre>pip install --extra-index-url http://{host}/simple/ --only-binary :all: PACKAGE"
            '</pre>\n<p><a href="/simple/">simple index</a> · '
            f'<a href="/{PEOPLE_PREFIX}/">projects, wheels and how they were made</a></p>\n'
            "</body></html>\n"
        )
        return _send(start_response, environ, rendered(body), HTML)


def _send(
    start_response: StartResponse,
    environ: WSGIEnvironment,
    page: Rendered,
    content_type: str,
    *,
    cache_control: str = REVALIDATE,
) -> Iterable[bytes]:
    headers = [("ETag", page.etag), ("Cache-Control", cache_control), ("Vary", "Accept")]
    if page.etag in environ.get("HTTP_IF_NONE_MATCH", ""):
        start_response("304 Not Modified", headers)
        return []
    return _answer(
        start_response, environ, "200 OK", [("Content-Type", content_type), *headers], page.body
    )


def _answer(
    start_response: StartResponse,
    environ: WSGIEnvironment,
    status: str,
    headers: Headers,
    body: bytes,
) -> list[bytes]:
    start_response(status, [*headers, ("Content-Length", str(len(body)))])
    return [] if environ.get("REQUEST_METHOD") == "HEAD" else [body]


def _text(
    start_response: StartResponse, environ: WSGIEnvironment, status: str, text: str
) -> list[bytes]:
    return _answer(
        start_response,
        environ,
        status,
        [("Content-Type", "text/plain; charset=utf-8")],
        text.encode("utf-8", "replace"),
    )


def _unauthorized(start_response: StartResponse, environ: WSGIEnvironment) -> list[bytes]:
    """The one answer to a request without credentials where they are needed (read or write)."""
    return _answer(
        start_response,
        environ,
        "401 Unauthorized",
        [("WWW-Authenticate", 'Basic realm="wheelhouse"'), ("Content-Type", "text/plain")],
        b"authentication required\n",
    )


def _redirect(
    start_response: StartResponse, environ: WSGIEnvironment, location: str
) -> list[bytes]:
    query = environ.get("QUERY_STRING")
    target = f"{location}?{query}" if query else location
    return _answer(start_response, environ, "301 Moved Permanently", [("Location", target)], b"")


def _chunks(stream: BinaryIO) -> Iterable[bytes]:
    with stream:
        yield from iter(lambda: stream.read(1 << 16), b"")
