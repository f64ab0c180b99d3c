"""Render the index model as PEP 503 HTML and its PEP 691 JSON twin, and read the JSON back. Pure.

Links are relative (`../../files/<name>`), so the same tree works from any web server, S3 website
hosting behind a CDN, or `file://`. Both formats carry the sha256, requires-python, yank state and
PEP 658 core metadata (under the PEP 714 name and the older one, for older pip); the JSON also has
size and PEP 700 upload-time.
"""

from __future__ import annotations

import json
from datetime import UTC, datetime
from html import escape
from typing import Any
from urllib.parse import quote

from index.pages.model import DistFile, ProjectPage, RootPage, project_name

HTML = "text/html; charset=utf-8"
API_VERSION = "1.1"
FILES_FROM_PROJECT_PAGE = "../../files/"
_TIME_FORMAT = "%Y-%m-%dT%H:%M:%S.%fZ"


class MalformedPage(ValueError):
    """A JSON page that is not one this module wrote."""


def format_upload_time(moment: datetime) -> str:
    return moment.astimezone(UTC).strftime(_TIME_FORMAT)


def parse_upload_time(text: str) -> datetime:
    return datetime.strptime(text, _TIME_FORMAT).replace(tzinfo=UTC)


def file_url(filename: str) -> str:
    return FILES_FROM_PROJECT_PAGE + quote(filename)  # names are checked; quoting is the rule


def render_project_html(page: ProjectPage) -> str:
    lines = [
        "<!DOCTYPE html>",
        "<html>",
        "  <head>",
        f'    <meta name="pypi:repository-version" content="{API_VERSION}">',
        f"    <title>Links for {escape(page.name)}</title>",
        "  </head>",
        "  <body>",
        f"    <h1>Links for {escape(page.name)}</h1>",
    ]
    for item in page.files:
        attributes = [f'href="{escape(file_url(item.filename))}#sha256={item.sha256}"']
        if item.requires_python:
            attributes.append(f'data-requires-python="{escape(item.requires_python)}"')
        if item.metadata_sha256:
            value = f"sha256={item.metadata_sha256}"
            attributes.append(f'data-core-metadata="{value}"')
            attributes.append(f'data-dist-info-metadata="{value}"')
        if item.yanked is not None:
            attributes.append(f'data-yanked="{escape(item.yanked)}"')
        lines.append(f"    <a {' '.join(attributes)}>{escape(item.filename)}</a><br>")
    lines += ["  </body>", "</html>", ""]
    return "\n".join(lines)


def project_json(page: ProjectPage) -> dict[str, Any]:
    files: list[dict[str, Any]] = []
    for item in page.files:
        entry: dict[str, Any] = {
            "filename": item.filename,
            "url": file_url(item.filename),
            "hashes": {"sha256": item.sha256},
        }
        if item.requires_python:
            entry["requires-python"] = item.requires_python
        metadata: dict[str, str] | bool = (
            {"sha256": item.metadata_sha256} if item.metadata_sha256 else False
        )
        # PEP 714: only `core-metadata`. The old JSON key makes pip 22.3-23.1 crash (it reads
        # the value as HTML's string), and that pip is what `python -m venv` installs from
        # CPython 3.11's bundled copy. HTML keeps both attributes: there a string is right.
        entry["core-metadata"] = metadata
        entry["yanked"] = (item.yanked or True) if item.yanked is not None else False
        entry["size"] = item.size
        entry["upload-time"] = format_upload_time(item.upload_time)
        files.append(entry)
    return {
        "meta": {"api-version": API_VERSION},
        "name": page.name,
        "versions": [str(version) for version in page.versions],
        "files": files,
    }


def render_project_json(page: ProjectPage) -> str:
    return json.dumps(project_json(page), indent=1, sort_keys=False) + "\n"


def parse_project_json(text: str | bytes) -> ProjectPage:
    """A project page we wrote, read back; MalformedPage for anything that is not one (a
    published tree can be damaged: every field is checked before it is used)."""
    data = _load(text)
    if not isinstance(data, dict) or not isinstance(data.get("files"), list):
        raise MalformedPage("no list of files")
    try:
        files = tuple(_file_entry(entry) for entry in data["files"])
        return ProjectPage(name=project_name(data["name"]), files=files)
    except (ValueError, KeyError, TypeError, AttributeError) as exc:
        raise MalformedPage(str(exc) or type(exc).__name__) from None


def _load(text: str | bytes) -> object:
    try:
        return json.loads(text)
    except (ValueError, RecursionError) as exc:
        raise MalformedPage(str(exc) or type(exc).__name__) from None


def _file_entry(entry: object) -> DistFile:
    if not isinstance(entry, dict) or not isinstance(entry.get("hashes"), dict):
        raise MalformedPage(f"a file entry that is not one: {str(entry)[:80]}")
    size = entry["size"]
    if type(size) is not int or size < 0:
        raise MalformedPage(f"size {str(size)[:40]} is not a number of bytes")
    texts = (entry["filename"], entry["hashes"]["sha256"], entry.get("requires-python"))
    if not all(isinstance(value, str | None) for value in texts) or not texts[0]:
        raise MalformedPage("a file name, digest or requires-python that is not text")
    metadata = entry.get("core-metadata", False)
    yanked = entry.get("yanked", False)
    return DistFile(
        filename=entry["filename"],
        sha256=entry["hashes"]["sha256"],
        size=size,
        upload_time=parse_upload_time(entry["upload-time"]),
        requires_python=entry.get("requires-python") or None,
        metadata_sha256=metadata["sha256"] if isinstance(metadata, dict) else None,
        yanked=None if yanked is False else ("" if yanked is True else str(yanked)),
    )


def render_root_html(root: RootPage) -> str:
    lines = [
        "<!DOCTYPE html>",
        "<html>",
        "  <head>",
        f'    <meta name="pypi:repository-version" content="{API_VERSION}">',
        "    <title>Simple index</title>",
        "  </head>",
        "  <body>",
    ]
    lines += [f'    <a href="{escape(name)}/">{escape(name)}</a><br>' for name in root.projects]
    lines += ["  </body>", "</html>", ""]
    return "\n".join(lines)


def render_root_json(root: RootPage) -> str:
    data = {
        "meta": {"api-version": API_VERSION},
        "projects": [{"name": name} for name in root.projects],
    }
    return json.dumps(data, indent=1) + "\n"


def parse_root_json(text: str | bytes) -> RootPage:
    data = _load(text)
    if not isinstance(data, dict) or not isinstance(data.get("projects"), list):
        raise MalformedPage("no list of projects")
    try:
        return RootPage(projects=tuple(project_name(item["name"]) for item in data["projects"]))
    except (KeyError, TypeError, AttributeError) as exc:
        raise MalformedPage(str(exc) or type(exc).__name__) from None
