"""The one place where the application opens a published index: a destination parsed once
(`index.publish.destinations`), its publisher built with this process's doors (HTTP client,
command runner, environment), which live as long as it does."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from builder.host.commands import CommandRunner
from builder.host.http_client import HttpClient
from builder.inputs.settings import default_environ
from index.publish.destinations import Destination, parse_published
from index.publish.publishers import Publisher, open_publisher


@contextmanager
def opened(destination: Destination | str, endpoint_url: str | None) -> Iterator[Publisher]:
    """The publisher of a destination (or of its text, e.g. `dir:/srv/index`)."""
    if isinstance(destination, str):
        destination = parse_published(destination)
    env = default_environ()
    with HttpClient() as http:
        yield open_publisher(
            destination,
            endpoint_url=endpoint_url,
            env=env,
            http=http,
            commands=CommandRunner(env=env),
            pypirc=Path(env["HOME"]) / ".pypirc" if env.get("HOME") else None,
        )
