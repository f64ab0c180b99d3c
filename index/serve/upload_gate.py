"""Uploads checked before pypiserver stores them: a file the index would never list (random
bytes, a truncated zip, METADATA that disagrees with the name, a hidden or unlinkable name) is
refused with a 400 that says why, and nothing is stored. Pure: works on the request's bytes."""

from __future__ import annotations

import base64
import binascii
import io
import tarfile
import zipfile
from collections.abc import Iterator
from dataclasses import dataclass
from email.message import Message
from email.parser import HeaderParser
from email.policy import compat32

from index.dist_files import filename_problem, read_checked_metadata
from index.errors import IndexProblem
from index.pages.model import filename_project_version


@dataclass(frozen=True, kw_only=True)
class Upload:
    filename: str
    content: bytes


class MalformedUpload(ValueError):
    """A multipart/form-data body this gate cannot read one way only: refused (400), never
    handed on for another parser to read differently."""


IDENTITY_ENCODINGS = {"", "7bit", "8bit", "binary"}


def find_upload(content_type: str, body: bytes) -> Upload | None:
    """The file of a twine/setuptools/uv upload (`:action=file_upload`, part `content`), if the
    request is one. Read straight from the body's bytes, the file a slice of them: a 200 MB
    upload costs about twice its size, not a MIME tree's dozen. Raises MalformedUpload for a
    multipart body that is not well formed or says a field twice."""
    boundary = _boundary(content_type)
    if boundary is None:
        return None
    fields: dict[str, tuple[Message, bytes]] = {}
    for headers, content in _parts(body, boundary):
        _encoding(headers)  # every part's, read or not: none may mean two things
        name = headers.get_param("name", header="content-disposition")
        if not isinstance(name, str):
            continue
        if name in (":action", "content") and name in fields:
            raise MalformedUpload(f"the field {name!r} is given twice")
        fields[name] = (headers, content)
    if ":action" not in fields or "content" not in fields:
        return None
    if _decoded(*fields[":action"]).decode("utf-8", "replace").strip() != "file_upload":
        return None
    headers, content = fields["content"]
    return Upload(filename=headers.get_filename() or "", content=_decoded(headers, content))


def _boundary(content_type: str) -> bytes | None:
    """The boundary of a multipart/form-data body (None: not one)."""
    parsed = HeaderParser(policy=compat32).parsestr(f"Content-Type: {content_type}\n\n")
    if parsed.get_content_maintype() != "multipart" and "multipart" not in content_type.lower():
        return None
    if parsed.get_content_type() != "multipart/form-data":  # another parser might read it
        raise MalformedUpload("a multipart body must be multipart/form-data")
    given = [value for key, value in parsed.get_params() or [] if key.lower() == "boundary"]
    if len(given) != 1 or not isinstance(given[0], str) or not 0 < len(given[0]) <= 200:
        raise MalformedUpload("a multipart/form-data body needs one boundary (of 1-200 characters)")
    return given[0].strip('"').encode("latin-1", "replace")


def _parts(body: bytes, boundary: bytes) -> Iterator[tuple[Message, bytes]]:
    """Each part's headers and content, as RFC 2046 lays them out."""
    delimiter = b"--" + boundary
    if body.startswith(delimiter):
        position = len(delimiter)
    else:
        first = body.find(b"\r\n" + delimiter)
        if first < 0:
            raise MalformedUpload("the body holds no part")
        position = first + 2 + len(delimiter)
    while not body.startswith(b"--", position):
        line_end = body.find(b"\r\n", position)
        if line_end < 0 or body[position:line_end].strip(b" \t"):
            raise MalformedUpload("a boundary line carries more than the boundary")
        headers_end = body.find(b"\r\n\r\n", line_end)
        if headers_end < 0:
            raise MalformedUpload("a part has no end to its headers")
        block = body[line_end + 2 : headers_end + 2].decode("latin-1")
        end = body.find(b"\r\n" + delimiter, headers_end + 4)
        if end < 0:
            raise MalformedUpload("the body ends before its closing boundary")
        yield HeaderParser(policy=compat32).parsestr(block), body[headers_end + 4 : end]
        position = end + 2 + len(delimiter)


def _encoding(headers: Message) -> str:
    encoding = str(headers.get("content-transfer-encoding", "")).strip().lower()
    if encoding not in IDENTITY_ENCODINGS and encoding != "base64":
        raise MalformedUpload(f"Content-Transfer-Encoding {encoding!r} is not accepted")
    return encoding


def _decoded(headers: Message, content: bytes) -> bytes:
    encoding = _encoding(headers)
    if encoding in IDENTITY_ENCODINGS:
        return content
    try:
        return base64.b64decode(content, validate=False)
    except binascii.Error as exc:
        raise MalformedUpload(f"a base64 part does not decode ({exc})") from None


def upload_problem(upload: Upload) -> str | None:
    """Why the index would never list this file (None when it would)."""
    name = upload.filename
    problem = filename_problem(name)
    if problem is not None:
        return problem
    try:
        filename_project_version(name)
    except ValueError:
        return f"{name!r} is not a wheel or sdist file name"
    if name.endswith(".whl"):
        try:
            read_checked_metadata(io.BytesIO(upload.content), shown=name)
        except IndexProblem as exc:
            return exc.message
        return None
    try:
        if name.endswith(".zip"):
            with zipfile.ZipFile(io.BytesIO(upload.content)) as archive:
                archive.testzip()
        else:
            with tarfile.open(fileobj=io.BytesIO(upload.content), mode="r:*") as archive:
                archive.getmembers()
    except (tarfile.TarError, zipfile.BadZipFile, EOFError, OSError) as exc:
        return f"{name}: not a readable sdist ({exc})"
    return None
