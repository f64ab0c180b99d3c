"""Where `wheelhouse publish` sends the wheels, parsed from one string. Pure."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from index.errors import IndexProblem

TARGET_HELP = "dir:PATH, s3://BUCKET[/PREFIX], or the http(s):// URL of a pypiserver"


@dataclass(frozen=True, kw_only=True)
class DirTarget:
    path: Path


@dataclass(frozen=True, kw_only=True)
class S3Target:
    bucket: str
    prefix: str


@dataclass(frozen=True, kw_only=True)
class PypiserverTarget:
    url: str  # the upload URL, e.g. http://host:8080/ ; pages are under <url>simple/


Target = DirTarget | S3Target | PypiserverTarget


def parse_target(text: str) -> Target:
    if text.startswith("dir:"):
        path = text.removeprefix("dir:")
        if not path:
            raise IndexProblem(f"{text!r}: no directory", hint="write it as dir:PATH")
        return DirTarget(path=Path(path).expanduser())
    if text.startswith("s3://"):
        bucket, _, prefix = text.removeprefix("s3://").partition("/")
        if not bucket:
            raise IndexProblem(f"{text!r}: no bucket", hint="write it as s3://BUCKET[/PREFIX]")
        return S3Target(bucket=bucket, prefix=prefix.strip("/"))
    if text.startswith(("http://", "https://")):
        url = text if text.endswith("/") else text + "/"
        url = url.removesuffix("simple/")  # people paste the index URL; uploads go to the root
        return PypiserverTarget(url=url)
    scheme = text.split(":", 1)[0] if ":" in text else text
    raise IndexProblem(
        f"unknown publish target {text!r} (scheme {scheme!r})",
        hint=f"use {TARGET_HELP}",
    )
