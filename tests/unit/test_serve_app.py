"""Routing and answers of the `wheelhouse serve` app, called directly as a WSGI app."""

from __future__ import annotations

import base64
import io
import json
import os
import threading
import tracemalloc
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any
from urllib.parse import quote
from wsgiref.util import setup_testing_defaults

import pytest

import index.dist_files
import index.serve.app
from index.serve.app import IndexApp
from index.serve.listing import RACY_NS, DirectoryListing, Snapshot
from index.serve.upload_gate import Upload, find_upload
from index.serve.upload_store import Clash, Stored, UploadStore
from tests.support import make_wheel

if TYPE_CHECKING:
    from _typeshed.wsgi import StartResponse, WSGIEnvironment

JSON = "application/vnd.pypi.simple.v1+json"
USER = "Basic b2s6b2s="  # ok:ok


@dataclass
class Answer:
    status: int
    headers: dict[str, str]
    body: bytes


@dataclass
class Writer:
    """Stands in for pypiserver: records what reached it and writes a wheel on POST."""

    directory: Path
    seen: list[str] = field(default_factory=list)

    def __call__(self, environ: WSGIEnvironment, start_response: StartResponse) -> Iterable[bytes]:
        self.seen.append(f"{environ['REQUEST_METHOD']} {environ['PATH_INFO']}")
        if environ["REQUEST_METHOD"] == "POST":
            make_wheel(self.directory, "uploaded", "1.0")
        start_response("200 OK", [("Content-Type", "text/plain")])
        return [b"writer"]


def call(
    app: IndexApp, path: str, method: str = "GET", body: bytes = b"", **headers: str
) -> Answer:
    environ: dict[str, Any] = {"REQUEST_METHOD": method, "PATH_INFO": path}
    if "?" in path:
        environ["PATH_INFO"], environ["QUERY_STRING"] = path.split("?", 1)
    environ.update({f"HTTP_{key.upper()}": value for key, value in headers.items()})
    if "HTTP_CONTENT_TYPE" in environ:
        environ["CONTENT_TYPE"] = environ.pop("HTTP_CONTENT_TYPE")
    environ["CONTENT_LENGTH"] = str(len(body))
    environ["wsgi.input"] = io.BytesIO(body)
    setup_testing_defaults(environ)
    answer = Answer(status=0, headers={}, body=b"")

    def start_response(status: str, response_headers: list[tuple[str, str]], _: Any = None) -> Any:
        answer.status = int(status.split(maxsplit=1)[0])
        answer.headers = dict(response_headers)
        return lambda _data: None

    answer.body = b"".join(app(environ, start_response))
    return answer


@pytest.fixture
def served(tmp_path: Path) -> tuple[IndexApp, Writer, Path]:
    make_wheel(tmp_path, "Demo_Pkg", "1.0", requires_python=">=3.9")
    make_wheel(tmp_path, "demo-pkg", "1.1")
    writer = Writer(tmp_path)
    clock = lambda: tmp_path.stat().st_mtime_ns + 10 * RACY_NS  # noqa: E731
    app = IndexApp(
        DirectoryListing(tmp_path, clock_ns=clock),
        writer=writer,
        store=UploadStore(tmp_path),
        may_write=lambda authorization: authorization == USER,
    )
    return app, writer, tmp_path


def test_pages_in_both_formats(served: tuple[IndexApp, Writer, Path]) -> None:
    app, writer, _ = served
    html = call(app, "/simple/demo-pkg/")
    assert html.status == 200
    assert html.headers["Content-Type"].startswith("text/html")
    assert b'href="../../files/demo_pkg-1.0-py3-none-any.whl#sha256=' in html.body
    assert b'data-requires-python="&gt;=3.9"' in html.body
    as_json = call(app, "/simple/demo-pkg/", accept=JSON)
    assert as_json.headers["Content-Type"] == JSON
    assert [f["filename"] for f in json.loads(as_json.body)["files"]] == [
        "demo_pkg-1.0-py3-none-any.whl",
        "demo_pkg-1.1-py3-none-any.whl",
    ]
    assert call(app, f"/simple/demo-pkg/?format={quote(JSON)}").headers["Content-Type"] == JSON
    root = call(app, "/simple/")
    assert b'<a href="demo-pkg/">demo-pkg</a>' in root.body
    assert writer.seen == []  # reads never reach pypiserver


def test_redirects_and_not_found(served: tuple[IndexApp, Writer, Path]) -> None:
    app, _, _ = served
    assert call(app, "/simple/Demo_Pkg/").headers["Location"] == "/simple/demo-pkg/"
    assert call(app, "/simple/demo-pkg").headers["Location"] == "/simple/demo-pkg/"
    assert call(app, "/simple").headers["Location"] == "/simple/"
    assert call(app, "/simple/requests/").status == 404  # never forwarded to PyPI
    assert call(app, "/files/nope-1.0-py3-none-any.whl").status == 404
    assert call(app, "/files/../../etc/passwd").status == 404
    assert call(app, "/Demo_Pkg").headers["Location"] == "/simple/demo-pkg/"  # as pypiserver


def test_only_the_index_is_read_and_only_slash_is_written(
    served: tuple[IndexApp, Writer, Path],
) -> None:
    # pypiserver's JSON API, its RPC2 search and odd paths rescan its directory: never reached.
    app, writer, _ = served
    assert call(app, "/demo-pkg/json").status == 404
    assert call(app, "/RPC2", method="POST", body=b"<xml/>").status == 404
    assert call(app, "/RPC2", method="POST", authorization=USER).status == 404
    odd_names = ("a\r\nSet-Cookie: x=1", "a\tb", "a b", "a\x7fb")
    odd_paths = [f"/{name}" for name in odd_names] + [f"/simple/{name}" for name in odd_names]
    for odd in odd_paths + [f"/simple/{name}/" for name in odd_names]:
        answer = call(app, odd)
        assert answer.status == 404 and "Location" not in answer.headers, odd
    assert writer.seen == []


def test_files_metadata_head_and_revalidation(served: tuple[IndexApp, Writer, Path]) -> None:
    app, _, directory = served
    name = "demo_pkg-1.1-py3-none-any.whl"
    wheel = call(app, f"/files/{name}")
    assert wheel.body == (directory / name).read_bytes()
    assert call(app, f"/packages/{name}").body == wheel.body
    head = call(app, f"/files/{name}", method="HEAD")
    assert head.body == b""
    assert head.headers["Content-Length"] == str(len(wheel.body))
    metadata = call(app, f"/files/{name}.metadata")
    assert metadata.body.startswith(b"Metadata-Version: 2.1\nName: demo-pkg\nVersion: 1.1")
    page = call(app, "/simple/demo-pkg/")
    assert call(app, "/simple/demo-pkg/", if_none_match=page.headers["ETag"]).status == 304
    assert b"demo_pkg-1.1-py3-none-any.whl#sha256=" in call(app, "/packages/").body


def test_a_wheels_metadata_is_read_once_then_answered_from_memory(
    served: tuple[IndexApp, Writer, Path], monkeypatch: pytest.MonkeyPatch
) -> None:
    app, _, _ = served
    name = "demo_pkg-1.1-py3-none-any.whl"
    reads: list[Path] = []
    real = index.dist_files.wheel_metadata

    def counted(path: Path) -> bytes:
        reads.append(path)
        return real(path)

    monkeypatch.setattr(index.serve.app, "wheel_metadata", counted)
    first = call(app, f"/files/{name}.metadata")
    again = call(app, f"/files/{name}.metadata")
    assert first.status == again.status == 200 and first.body == again.body
    assert first.headers["ETag"] == again.headers["ETag"]
    assert len(reads) == 1
    assert call(app, f"/files/{name}.metadata", if_none_match=first.headers["ETag"]).status == 304


def test_writes_go_upstream_and_show_at_once(served: tuple[IndexApp, Writer, Path]) -> None:
    app, writer, _ = served
    assert call(app, "/simple/uploaded/").status == 404
    assert call(app, "/", method="POST", authorization=USER).body == b"writer"
    assert writer.seen == ["POST /"]
    assert call(app, "/simple/uploaded/").status == 200


def test_reads_can_require_credentials(tmp_path: Path) -> None:
    make_wheel(tmp_path, "demo", "1.0")
    app = IndexApp(
        DirectoryListing(tmp_path),
        writer=Writer(tmp_path),
        store=UploadStore(tmp_path),
        may_read=lambda authorization: authorization == "Basic b2s6b2s=",
    )
    refused = call(app, "/simple/demo/")
    assert refused.status == 401
    assert "Basic" in refused.headers["WWW-Authenticate"]
    assert call(app, "/simple/demo/", authorization="Basic b2s6b2s=").status == 200
    assert call(app, "/health").status == 200


def test_snapshot_generation_counts_listings(tmp_path: Path) -> None:
    listing = DirectoryListing(tmp_path)
    first: Snapshot = listing.current()
    listing.invalidate()
    assert listing.current().generation == first.generation + 1


def upload_body(filename: str, content: bytes) -> tuple[bytes, str]:
    """A multipart upload as twine sends it (`:action=file_upload`, the file in `content`)."""
    boundary = "wheelhouse-test-boundary"
    parts = [
        f'--{boundary}\r\nContent-Disposition: form-data; name=":action"\r\n\r\nfile_upload\r\n',
        f'--{boundary}\r\nContent-Disposition: form-data; name="content"; '
        f'filename="{filename}"\r\nContent-Type: application/octet-stream\r\n\r\n',
    ]
    body = "".join(parts).encode("utf-8", "surrogateescape") + content
    body += f"\r\n--{boundary}--\r\n".encode()
    return body, f"multipart/form-data; boundary={boundary}"


@pytest.mark.parametrize(
    ("filename", "content", "why"),
    [
        ("junk-1.0-py3-none-any.whl", b"random bytes", "not a readable wheel"),
        ("demo_pkg-2.0-py3-none-any.whl", None, "METADATA says"),
        (".hidden-1.0-py3-none-any.whl", b"x", "hidden file name"),
        ("nul\x00-1.0-py3-none-any.whl", b"x", "the file name holds"),
        ("x" * 300 + "-1.0-py3-none-any.whl", b"x", "characters (1 to 255 allowed)"),
        ("a b-1.0-py3-none-any.whl", b"x", "the file name holds ' '"),
    ],
)
def test_an_upload_the_index_would_never_list_is_refused_and_not_stored(
    served: tuple[IndexApp, Writer, Path], filename: str, content: bytes | None, why: str
) -> None:
    app, writer, directory = served
    if content is None:  # a real wheel under another version's name
        content = make_wheel(directory / "elsewhere", "demo_pkg", "1.0").read_bytes()
    body, content_type = upload_body(filename, content)
    answer = call(app, "/", method="POST", body=body, authorization=USER, content_type=content_type)
    assert answer.status == 400, answer.body
    assert why in answer.body.decode()
    assert writer.seen == []  # pypiserver never saw it


def test_a_good_upload_is_stored_as_checked_and_listed_at_once(
    served: tuple[IndexApp, Writer, Path],
) -> None:
    app, writer, directory = served
    wheel = make_wheel(directory / "elsewhere", "fresh", "1.0")
    body, content_type = upload_body(wheel.name, wheel.read_bytes())
    answer = call(app, "/", method="POST", body=body, authorization=USER, content_type=content_type)
    assert answer.status == 200, answer.body
    assert writer.seen == []  # stored here, not by pypiserver
    assert (directory / wheel.name).read_bytes() == wheel.read_bytes()
    assert call(app, "/simple/fresh/").status == 200
    assert [p.name for p in directory.iterdir() if p.name.startswith(".upload-")] == []


def test_a_second_upload_of_a_name_or_an_equivalent_name_is_409_and_changes_nothing(
    served: tuple[IndexApp, Writer, Path],
) -> None:
    app, _, directory = served
    first = make_wheel(directory / "elsewhere", "Foo_Bar", "2.0", payload="FIRST = 1\n")
    body, content_type = upload_body(first.name, first.read_bytes())
    assert call(app, "/", "POST", body, authorization=USER, content_type=content_type).status == 200
    stored = (directory / first.name).read_bytes()
    for name, version in (("foo_bar", "2.0"), ("foo_bar", "2.0.0"), ("FOO_BAR", "2.0")):
        other = make_wheel(directory / "elsewhere" / name / version, name, version, payload="X=1")
        renamed = other.parent / other.name.replace("foo_bar", name)
        other.rename(renamed)
        body, content_type = upload_body(renamed.name, renamed.read_bytes())
        answer = call(app, "/", "POST", body, authorization=USER, content_type=content_type)
        assert answer.status == 409, (renamed.name, answer.body)
        assert first.name in answer.body.decode()
    assert (directory / first.name).read_bytes() == stored
    assert sorted(p.name for p in directory.glob("*oo_bar*.whl")) == [first.name]


def test_the_bytes_stored_are_the_bytes_checked(served: tuple[IndexApp, Writer, Path]) -> None:
    # A base64 part: the gate decodes it, and the decoded wheel is what lands on disk.
    app, _, directory = served
    wheel = make_wheel(directory / "elsewhere", "encoded", "1.0")
    boundary = "b64-boundary"
    body = (
        (
            f'--{boundary}\r\nContent-Disposition: form-data; name=":action"\r\n\r\nfile_upload\r\n'
            f'--{boundary}\r\nContent-Disposition: form-data; name="content"; filename="{wheel.name}"'
            "\r\nContent-Transfer-Encoding: base64\r\n\r\n"
        ).encode()
        + base64.encodebytes(wheel.read_bytes())
        + f"\r\n--{boundary}--\r\n".encode()
    )
    content_type = f"multipart/form-data; boundary={boundary}"
    answer = call(app, "/", "POST", body, authorization=USER, content_type=content_type)
    assert answer.status == 200, answer.body
    assert (directory / wheel.name).read_bytes() == wheel.read_bytes()


def test_a_multipart_body_without_a_boundary_is_400(served: tuple[IndexApp, Writer, Path]) -> None:
    app, writer, _ = served
    answer = call(app, "/", "POST", b"x", authorization=USER, content_type="multipart/form-data")
    assert answer.status == 400
    assert b"boundary" in answer.body
    assert writer.seen == []


def test_same_name_uploads_at_once_store_one_whole_file(tmp_path: Path) -> None:
    # Many threads race to store different bytes under one name: one wins, whole.
    store = UploadStore(tmp_path)
    contents = [
        make_wheel(tmp_path / "src" / str(i), "race", "1.0", payload=f"N = {i}\n")
        for i in range(16)
    ]
    name = contents[0].name
    results: list[object] = [None] * len(contents)
    barrier = threading.Barrier(len(contents))

    def upload(index: int) -> None:
        barrier.wait()
        results[index] = store.store(Upload(filename=name, content=contents[index].read_bytes()))

    threads = [threading.Thread(target=upload, args=(i,)) for i in range(len(contents))]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    winners = [i for i, result in enumerate(results) if isinstance(result, Stored)]
    assert len(winners) == 1
    assert all(isinstance(r, Clash) for i, r in enumerate(results) if i != winners[0])
    assert (tmp_path / name).read_bytes() == contents[winners[0]].read_bytes()
    assert [p.name for p in tmp_path.iterdir() if p.name.startswith(".")] == []


@dataclass
class Refuser:
    """pypiserver refusing a stranger."""

    def __call__(self, _environ: WSGIEnvironment, start_response: StartResponse) -> Iterable[bytes]:
        start_response("401 Unauthorized", [("Content-Type", "text/plain")])
        return [b"no"]


def test_a_strangers_post_costs_no_rescan_and_bad_files_are_read_once(tmp_path: Path) -> None:
    make_wheel(tmp_path, "demo", "1.0")
    (tmp_path / "broken-1.0-py3-none-any.whl").write_bytes(b"not a zip")
    clock = lambda: tmp_path.stat().st_mtime_ns + 10 * RACY_NS  # noqa: E731
    listing = DirectoryListing(tmp_path, clock_ns=clock)
    app = IndexApp(
        listing, writer=Refuser(), store=UploadStore(tmp_path), may_write=lambda _auth: False
    )
    assert call(app, "/simple/demo/").status == 200
    scans, inspections = listing.scans, listing.inspections
    for _ in range(5):
        assert call(app, "/", method="POST").status == 401
        assert call(app, "/simple/demo/").status == 200
    assert (listing.scans, listing.inspections) == (scans, inspections)
    (tmp_path / "other-1.0-py3-none-any.whl").write_bytes(b"also not a zip")  # a real change
    listing.invalidate()
    assert call(app, "/simple/demo/").status == 200
    assert listing.inspections == inspections + 1  # the new file only; the broken one is known


def test_a_non_ascii_project_is_not_found_not_redirected(
    served: tuple[IndexApp, Writer, Path],
) -> None:
    app, _, _ = served
    answer = call(app, "/simple/caf\u00c3\u00a9/")  # PATH_INFO as WSGI gives it (latin-1)
    assert answer.status == 404 and "Location" not in answer.headers


def test_an_upload_costs_about_its_size_in_memory() -> None:
    content = os.urandom(20 << 20)
    body, content_type = upload_body("big-1.0-py3-none-any.whl", content)
    tracemalloc.start()
    try:
        upload = find_upload(content_type, body)
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert upload is not None and upload.content == content
    assert peak < 1.5 * len(content)  # the file's slice, not a MIME tree of copies


@pytest.mark.parametrize(
    ("content_type", "extra", "why"),
    [
        ("multipart/mixed; boundary=B", b"", b"must be multipart/form-data"),
        ("multipart/form-data; boundary=B; boundary=C", b"", b"one boundary"),
        (
            "multipart/form-data; boundary=B",
            b'--B\r\nContent-Disposition: form-data; name="content"; filename="x-1.0.tar.gz"\r\n\r\n'
            b"other\r\n",
            b"given twice",
        ),
        (
            "multipart/form-data; boundary=B",
            b'--B\r\nContent-Disposition: form-data; name="note"\r\n'
            b"Content-Transfer-Encoding: quoted-printable\r\n\r\nx=3D1\r\n",
            b"not accepted",
        ),
    ],
)
def test_a_multipart_body_read_one_way_only_or_refused(
    served: tuple[IndexApp, Writer, Path], content_type: str, extra: bytes, why: bytes
) -> None:
    app, writer, directory = served
    wheel = make_wheel(directory / "elsewhere", "twice", "1.0")
    body = (
        b'--B\r\nContent-Disposition: form-data; name=":action"\r\n\r\nfile_upload\r\n'
        + b'--B\r\nContent-Disposition: form-data; name="content"; filename="'
        + wheel.name.encode()
        + b'"\r\n\r\n'
        + wheel.read_bytes()
        + b"\r\n"
        + extra
        + b"--B--\r\n"
    )
    answer = call(app, "/", "POST", body, authorization=USER, content_type=content_type)
    assert answer.status == 400 and why in answer.body, answer.body
    assert writer.seen == [] and not (directory / wheel.name).exists()
