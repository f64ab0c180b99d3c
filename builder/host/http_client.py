"""The one door to HTTP servers (upstream indexes, a pypiserver): timeouts, retries, errors that
name the URL, and answers of its own type (`Response`, `Unreachable`): httpx stays in here.

Every answer is read within bounds, whatever the server does: at most `limit` bytes after
decompression (a gzip bomb stops there), no slower than MIN_RATE on average once GRACE_S has
passed (a server dripping a byte every few seconds never trips a per-read timeout), and within
DEADLINE_S in all. A redirect loop is an answer too: an error naming the URL.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx

from builder.errors import UpstreamError
from index.pages.simple_pages import digest_problem, strongest

RETRY_STATUSES = frozenset({429, 500, 502, 503, 504})
PAGE_LIMIT = 64 << 20  # an index page or a metadata file: PyPI's largest pages are a few MB
FILE_LIMIT = 2 << 30  # a wheel or an sdist
MIN_RATE = 1024  # bytes per second, on average, once GRACE_S has passed
GRACE_S = 30.0
DEADLINE_S = 3600.0


class BoundExceeded(httpx.TransportError):
    """An answer too large, too slow or too long in coming: retried like a broken connection,
    then reported."""


class Unreachable(ConnectionError):
    """Every attempt at a request failed before an answer came (connection, TLS, a redirect
    loop, an answer out of bounds). A ConnectionError, so that the index library's pypiserver
    client, which does not import this module, catches it too."""


@dataclass(frozen=True, kw_only=True)
class Response:
    url: str
    status: int
    content_type: str
    body: bytes
    etag: str = ""  # the validators the server gave, for a conditional request next time
    last_modified: str = ""
    reason: str = ""
    headers: Mapping[str, str] = field(default_factory=dict)  # names in lower case

    @property
    def not_modified(self) -> bool:
        return self.status == 304

    @property
    def text(self) -> str:
        return self.body.decode("utf-8", "replace")


def _response(reply: httpx.Response) -> Response:
    return Response(
        url=str(reply.url),
        status=reply.status_code,
        content_type=reply.headers.get("content-type", ""),
        body=reply.content,
        etag=reply.headers.get("etag", ""),
        last_modified=reply.headers.get("last-modified", ""),
        reason=reply.reason_phrase,
        headers={name.lower(): value for name, value in reply.headers.items()},
    )


class HttpClient:
    """The one HTTP client: bounded retries on connection errors (and, for GET, on 429/5xx);
    everything else is final. Upstream indexes are read with `get`; other servers (pypiserver)
    are spoken to with `send`."""

    def __init__(
        self,
        *,
        timeout: float = 30.0,
        retries: int = 3,
        backoff: float = 0.5,
        sleep: Callable[[float], None] = time.sleep,
        transport: httpx.BaseTransport | None = None,
        monotonic: Callable[[], float] = time.monotonic,
        grace_s: float = GRACE_S,
    ) -> None:
        self._client = httpx.Client(
            timeout=timeout,
            follow_redirects=True,
            headers={"User-Agent": "wheelhouse/0.1"},
            transport=transport,
        )
        self._retries = retries
        self._backoff = backoff
        self._sleep = sleep
        self._monotonic = monotonic
        self._grace_s = grace_s

    def close(self) -> None:
        self._client.close()

    def __enter__(self) -> HttpClient:
        return self

    def __exit__(self, *_: object) -> None:
        self.close()

    def send(
        self,
        method: str,
        url: str,
        *,
        data: Mapping[str, str] | None = None,
        auth: tuple[str, str] | None = None,
        headers: Mapping[str, str] | None = None,
        limit: int = PAGE_LIMIT,
    ) -> Response:
        """One request, retried only when the connection failed; raises Unreachable when every
        attempt did. Any status is an answer, read to at most `limit` bytes (a page's, unless
        the caller expects a file)."""
        for attempt in range(self._retries + 1):
            try:
                return _response(
                    self._bounded(
                        method, url, limit, data=data, auth=auth, headers=dict(headers or {})
                    )
                )
            except httpx.TooManyRedirects as exc:
                raise Unreachable(f"redirect loop at {url}") from exc
            except httpx.TransportError as exc:
                if attempt == self._retries:
                    raise Unreachable(f"{type(exc).__name__}: {exc}") from exc
                self._sleep(self._backoff * (2**attempt))
        raise AssertionError  # pragma: no cover  (the loop returns or raises)

    def get(
        self,
        url: str,
        *,
        accept: str | None = None,
        allow_404: bool = False,
        validators: Mapping[str, str] | None = None,
        limit: int = PAGE_LIMIT,
    ) -> Response:
        """GET with retries, at most `limit` bytes. With `validators` (If-None-Match /
        If-Modified-Since) a 304 is an answer too: `not_modified`, no body."""
        headers = {"Accept": accept} if accept else {}
        headers.update(validators or {})
        last_error = ""
        for attempt in range(self._retries + 1):
            try:
                reply = self._bounded("GET", url, limit, headers=headers)
            except httpx.TooManyRedirects:
                last_error = "a redirect loop (more than 20 redirects)"
                break
            except httpx.TransportError as exc:
                last_error = f"{type(exc).__name__}: {exc}"
            else:
                if reply.status_code == 404 and allow_404:
                    return Response(url=url, status=404, content_type="", body=b"")
                if reply.status_code == 304 and validators:
                    return Response(url=str(reply.url), status=304, content_type="", body=b"")
                if reply.status_code < 300:
                    return _response(reply)
                last_error = f"HTTP {reply.status_code}"
                if reply.status_code not in RETRY_STATUSES:
                    break
            if attempt < self._retries:
                self._sleep(self._backoff * (2**attempt))
        raise UpstreamError(
            f"GET {url} failed: {last_error}",
            hint="check the index URL (index-url / WHEELHOUSE_INDEX_URL) and the network",
        )

    def download(self, url: str, dest: Path, *, digests: Mapping[str, str]) -> Path:
        """Download to dest atomically, verified against the strongest digest the index gave.
        Reuses a copy already there that verifies."""
        if (
            dest.exists()
            and strongest(digests)
            and digest_problem(dest.read_bytes(), digests) is None
        ):
            return dest
        body = self.get_verified(url, digests)
        dest.parent.mkdir(parents=True, exist_ok=True)
        partial = dest.with_name(dest.name + ".part")
        partial.write_bytes(body)
        partial.replace(dest)
        return dest

    def get_verified(self, url: str, digests: Mapping[str, str]) -> bytes:
        body = self.get(url, limit=FILE_LIMIT).body
        problem = digest_problem(body, digests)
        if problem is not None:
            raise UpstreamError(
                f"{url}: {problem}",
                hint="the upstream file changed or was corrupted in transit; nothing was built",
            )
        return body

    def _bounded(self, method: str, url: str, limit: int, **options: Any) -> httpx.Response:
        """One request, its body read within the bounds above (BoundExceeded otherwise)."""
        started = self._monotonic()
        with self._client.stream(method, url, **options) as reply:
            chunks: list[bytes] = []
            total = 0
            for chunk in reply.iter_bytes():
                total += len(chunk)
                elapsed = self._monotonic() - started
                if total > limit:
                    raise BoundExceeded(f"the answer is larger than {limit >> 20} MB")
                if elapsed > DEADLINE_S:
                    raise BoundExceeded(f"no whole answer after {DEADLINE_S:.0f} s")
                if elapsed > self._grace_s and total < MIN_RATE * elapsed:
                    raise BoundExceeded(f"{total} bytes in {elapsed:.0f} s: too slow")
                chunks.append(chunk)
            reply._content = b"".join(chunks)  # as httpx's own read() keeps it
        return reply
