"""Read the files of a project from any PEP 503 (HTML) or PEP 691 (JSON) simple page, with
pypi-simple: filenames from the URLs, every hash algorithm, PEP 658/714 core-metadata and its
hashes, and the repository API version checked. Pure.

Used by the builder to read upstream indexes and by publishers to read what a server holds."""

from __future__ import annotations

import hashlib
import json
import warnings
from collections.abc import Mapping
from dataclasses import dataclass, field

from pypi_simple import (
    IndexPage,
    ProjectPage,
    UnexpectedRepoVersionWarning,
    UnsupportedRepoVersionError,
)

from index.errors import IndexProblem

PEP691_JSON = "application/vnd.pypi.simple.v1+json"
ACCEPT = f"{PEP691_JSON}, application/vnd.pypi.simple.v1+html;q=0.2, text/html;q=0.01"
# Digests we verify, strongest first; an index may offer any hashlib algorithm.
VERIFIABLE = ("sha512", "sha384", "sha256", "sha3_512", "sha3_256", "blake2b", "sha224")


@dataclass(frozen=True, kw_only=True)
class IndexFile:
    filename: str
    url: str
    digests: Mapping[str, str] = field(default_factory=dict)
    requires_python: str | None = None
    yanked: bool = False
    has_metadata: bool = False
    metadata_digests: Mapping[str, str] = field(default_factory=dict)
    upload_time: str | None = None  # PEP 700 (JSON pages only), ISO 8601 with its offset

    @property
    def sha256(self) -> str | None:
        return self.digests.get("sha256")

    def identity(self) -> str | None:
        """A content identity from the index: the sha256, else the strongest digest given."""
        if self.sha256:
            return self.sha256
        chosen = strongest(self.digests)
        return None if chosen is None else f"{chosen[0]}:{chosen[1]}"


def strongest(digests: Mapping[str, str]) -> tuple[str, str] | None:
    for algorithm in VERIFIABLE:
        if digests.get(algorithm):
            return algorithm, digests[algorithm]
    return None


def digest_problem(data: bytes, digests: Mapping[str, str]) -> str | None:
    """Why `data` does not match the strongest digest offered (None when it does, or when no
    verifiable digest was offered)."""
    chosen = strongest(digests)
    if chosen is None:
        return None
    algorithm, expected = chosen
    actual = hashlib.new(algorithm, data).hexdigest()
    if actual != expected.lower():
        return f"{algorithm} mismatch (index says {expected}, file has {actual})"
    return None


def parse_root_page(body: bytes, *, content_type: str, page_url: str) -> list[str]:
    """The project names a simple index's root page lists (PEP 503 HTML or PEP 691 JSON)."""
    media_type = content_type.split(";", maxsplit=1)[0].strip()
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", UnexpectedRepoVersionWarning)
            if media_type == PEP691_JSON:
                page = IndexPage.from_json_data(json.loads(body))
            else:
                page = IndexPage.from_html(body)
    except (UnsupportedRepoVersionError, ValueError, RecursionError) as exc:
        first = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
        raise IndexProblem(f"{page_url}: not a simple index root page ({first})") from None
    return list(page.projects)


def parse_project_page(
    body: bytes, *, content_type: str, page_url: str, project: str
) -> list[IndexFile]:
    """Raises IndexProblem naming the page when it is malformed or of an unsupported API
    version."""
    media_type = content_type.split(";", maxsplit=1)[0].strip()
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", UnexpectedRepoVersionWarning)  # a newer minor is fine
            if media_type == PEP691_JSON:
                page = ProjectPage.from_json_data(json.loads(body), base_url=page_url)
            else:
                page = ProjectPage.from_html(project, body, base_url=page_url)
    except UnsupportedRepoVersionError as exc:
        raise IndexProblem(
            f"{page_url}: the index speaks simple API {exc.declared_version}, newer than this "
            f"wheelhouse reads ({exc.supported_version})",
            hint="upgrade wheelhouse, or point it at another index",
        ) from None
    except (ValueError, RecursionError) as exc:  # bad or too deep JSON, or not PEP 691
        first = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
        raise IndexProblem(f"{page_url}: not a valid simple-API page ({first})") from None
    return [
        IndexFile(
            filename=package.filename,
            url=package.url,
            digests=dict(package.digests),
            requires_python=package.requires_python or None,
            yanked=package.is_yanked,
            has_metadata=bool(package.has_metadata),
            metadata_digests=dict(package.metadata_digests or {}),
            upload_time=package.upload_time.isoformat() if package.upload_time else None,
        )
        for package in page.packages
    ]
