"""Where `wheelhouse publish` sends the wheels (and `export`, `yank`, `prune` read or change),
parsed from one string once. Pure: opening a destination is `index.publish.publishers.open_publisher`."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from index.errors import IndexProblem

DESTINATION_HELP = "dir:PATH, s3://BUCKET[/PREFIX], or the http(s):// URL of a pypiserver"


@dataclass(frozen=True, kw_only=True)
class DirDestination:
    path: Path

    def __str__(self) -> str:
        return f"dir:{self.path}"


@dataclass(frozen=True, kw_only=True)
class S3Destination:
    bucket: str
    prefix: str

    def __str__(self) -> str:
        return f"s3://{self.bucket}/{self.prefix}".rstrip("/")


@dataclass(frozen=True, kw_only=True)
class PypiserverDestination:
    url: str  # the upload URL, e.g. http://host:8080/ ; pages are under <url>simple/

    def __str__(self) -> str:
        return self.url


@dataclass(frozen=True, kw_only=True)
class WheelhouseDestination:
    """A local wheelhouse directory (a plain path): what it holds can be planned against, but
    it is not a published index (publish, export, yank and prune refuse it)."""

    path: Path

    def __str__(self) -> str:
        return str(self.path)


Destination = DirDestination | S3Destination | PypiserverDestination | WheelhouseDestination


def not_an_index(destination: WheelhouseDestination) -> IndexProblem:
    return IndexProblem(
        f"{destination}: a wheelhouse directory, not a published index",
        hint=f"a static index there is dir:{destination} (or use s3:// or a pypiserver URL); "
        "a wheelhouse is read with --wheelhouse",
    )


def parse_published(text: str) -> Destination:
    """A published index (dir:, s3://, a pypiserver); a plain path is refused."""
    destination = parse_destination(text)
    if isinstance(destination, WheelhouseDestination):
        raise not_an_index(destination)
    return destination


def parse_destination(text: str) -> Destination:
    if text.startswith("dir:"):
        path = text.removeprefix("dir:")
        if not path:
            raise IndexProblem(f"{text!r}: no directory", hint="write it as dir:PATH")
        return DirDestination(path=Path(path).expanduser())
    if text.startswith("s3://"):
        bucket, _, prefix = text.removeprefix("s3://").partition("/")
        if not bucket:
            raise IndexProblem(f"{text!r}: no bucket", hint="write it as s3://BUCKET[/PREFIX]")
        return S3Destination(bucket=bucket, prefix=prefix.strip("/"))
    if text.startswith(("http://", "https://")):
        url = text if text.endswith("/") else text + "/"
        url = url.removesuffix("simple/")  # people paste the index URL; uploads go to the root
        return PypiserverDestination(url=url)
    if text and "://" not in text:
        return WheelhouseDestination(path=Path(text).expanduser())
    scheme = text.split(":", 1)[0] if ":" in text else text
    raise IndexProblem(
        f"unknown publish target {text!r} (scheme {scheme!r})",
        hint=f"use {DESTINATION_HELP}",
    )
