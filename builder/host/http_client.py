"""The one door to upstream indexes over HTTP: timeouts, retries, and errors that name the URL."""

from __future__ import annotations

import hashlib
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import httpx

from builder.errors import UpstreamError
from index.dist_files import file_sha256

RETRY_STATUSES = frozenset({429, 500, 502, 503, 504})


@dataclass(frozen=True, kw_only=True)
class Response:
    url: str
    status: int
    content_type: str
    body: bytes


class HttpClient:
    """GET with bounded retries on connection errors and 429/5xx; everything else is final."""

    def __init__(
        self,
        *,
        timeout: float = 30.0,
        retries: int = 3,
        backoff: float = 0.5,
        sleep: Callable[[float], None] = time.sleep,
        transport: httpx.BaseTransport | None = None,
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

    def close(self) -> None:
        self._client.close()

    def __enter__(self) -> HttpClient:
        return self

    def __exit__(self, *_: object) -> None:
        self.close()

    def get(self, url: str, *, accept: str | None = None, allow_404: bool = False) -> Response:
        headers = {"Accept": accept} if accept else {}
        last_error = ""
        for attempt in range(self._retries + 1):
            try:
                reply = self._client.get(url, headers=headers)
            except httpx.TransportError as exc:
                last_error = f"{type(exc).__name__}: {exc}"
            else:
                if reply.status_code == 404 and allow_404:
                    return Response(url=url, status=404, content_type="", body=b"")
                if reply.status_code < 400:
                    return Response(
                        url=str(reply.url),
                        status=reply.status_code,
                        content_type=reply.headers.get("content-type", ""),
                        body=reply.content,
                    )
                last_error = f"HTTP {reply.status_code}"
                if reply.status_code not in RETRY_STATUSES:
                    break
            if attempt < self._retries:
                self._sleep(self._backoff * (2**attempt))
        raise UpstreamError(
            f"GET {url} failed: {last_error}",
            hint="check the index URL (index-url / WHEELHOUSE_INDEX_URL) and the network",
        )

    def download(self, url: str, dest: Path, *, sha256: str | None) -> Path:
        """Download to dest atomically; verify sha256 when known. Reuses a verified copy."""
        if dest.exists() and sha256 is not None and file_sha256(dest) == sha256:
            return dest
        response = self.get(url)
        digest = hashlib.sha256(response.body).hexdigest()
        if sha256 is not None and digest != sha256:
            raise UpstreamError(
                f"{url}: sha256 mismatch (index says {sha256}, file has {digest})",
                hint="the upstream file changed or was corrupted in transit; nothing was built",
            )
        dest.parent.mkdir(parents=True, exist_ok=True)
        partial = dest.with_name(dest.name + ".part")
        partial.write_bytes(response.body)
        partial.replace(dest)
        return dest
