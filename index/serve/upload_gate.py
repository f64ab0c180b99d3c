"""Uploads checked before pypiserver stores them: a file the index would never list (random
bytes, a truncated zip, METADATA that disagrees with the name, a hidden or unlinkable name) is
refused with a 400 that says why, and nothing is stored. Pure: works on the request's bytes."""

from __future__ import annotations

import io
import tarfile
import zipfile
from dataclasses import dataclass
from email.message import EmailMessage
from email.parser import BytesParser
from email.policy import HTTP

from index.dist_files import filename_problem, read_checked_metadata
from index.errors import IndexProblem
from index.pages.model import filename_project_version


@dataclass(frozen=True, kw_only=True)
class Upload:
    filename: str
    content: bytes


def find_upload(content_type: str, body: bytes) -> Upload | None:
    """The file of a twine/setuptools upload (`:action=file_upload`, part `content`), if the
    request is one."""
    if not content_type.lower().startswith("multipart/form-data"):
        return None
    head = f"Content-Type: {content_type}\r\nMIME-Version: 1.0\r\n\r\n".encode("latin-1")
    message = BytesParser(policy=HTTP).parsebytes(head + body)
    if not isinstance(message, EmailMessage) or not message.is_multipart():
        return None
    fields: dict[str, EmailMessage] = {}
    for part in message.iter_parts():
        if isinstance(part, EmailMessage):
            name = part.get_param("name", header="content-disposition")
            if isinstance(name, str):
                fields[name] = part
    action = fields.get(":action")
    content = fields.get("content")
    if action is None or content is None or _text(action) != "file_upload":
        return None
    payload = content.get_payload(decode=True)
    return Upload(
        filename=content.get_filename() or "",
        content=payload if isinstance(payload, bytes) else b"",
    )


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


def _text(part: EmailMessage) -> str:
    payload = part.get_payload(decode=True)
    return payload.decode("utf-8", errors="replace").strip() if isinstance(payload, bytes) else ""
