"""Publishing under infra/terraform's publisher policy: s3:GetObject and s3:PutObject only.
Without s3:ListBucket, AWS answers 403 AccessDenied (not 404) for a key that does not exist.
moto does not model that, so a proxy in front of moto's real S3 server answers as AWS does:
a missing object is 403, listing the bucket is 403, and an unknown access key is refused by
STS too."""

from __future__ import annotations

import http.server
import json
import os
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from app.held import MANIFEST_KEY, published_held
from index.publish.publishers import StaticPublisher
from index.publish.s3_storage import S3Storage, connect_s3, connect_sts
from tests.support import S3_ENV, http_server, make_wheel, moto_s3_server, s3_client, wheelhouse_cli

BUCKET = "wheels"
DENIED = (
    b'<?xml version="1.0" encoding="UTF-8"?><Error><Code>AccessDenied</Code>'
    b"<Message>Access Denied</Message></Error>"
)


def without_list_bucket(upstream: str) -> http.server.BaseHTTPRequestHandler:
    class Handler(http.server.BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def _forward(self) -> None:
            length = int(self.headers.get("Content-Length") or 0)
            body = self.rfile.read(length) if length else b""
            authorization = self.headers.get("Authorization", "")
            bucket_listing = self.command == "GET" and self.path.split("?")[0].rstrip("/") in (
                f"/{BUCKET}",
                "",
            )
            if "Credential=wrong/" in authorization or bucket_listing:
                self._answer(403, DENIED)
                return
            headers = {k: v for k, v in self.headers.items() if k.lower() != "host"}
            answer = httpx.request(
                self.command, upstream + self.path, headers=headers, content=body, timeout=30
            )
            if answer.status_code == 404 and self.command in ("GET", "HEAD"):
                self._answer(403, DENIED)  # what AWS says without s3:ListBucket
                return
            self._answer(answer.status_code, answer.content, dict(answer.headers.items()))

        def _answer(self, status: int, body: bytes, headers: dict[str, str] | None = None) -> None:
            self.send_response(status)
            for name, value in (headers or {"Content-Type": "application/xml"}).items():
                if name.lower() not in ("content-length", "transfer-encoding", "connection"):
                    self.send_header(name, value)
            self.send_header("Content-Length", str(0 if self.command == "HEAD" else len(body)))
            self.end_headers()
            if self.command != "HEAD":
                self.wfile.write(body)

        do_GET = do_HEAD = do_PUT = do_POST = do_DELETE = _forward

        def log_message(self, format: str, *args: object) -> None:
            pass

    return Handler  # type: ignore[return-value]


@pytest.fixture
def least_privilege(tmp_path: Path) -> Iterator[str]:
    with moto_s3_server(tmp_path) as endpoint:
        s3_client(endpoint).create_bucket(Bucket=BUCKET)
        with http_server(without_list_bucket(endpoint)) as proxy:  # type: ignore[arg-type]
            yield proxy


def publish(wheelhouse: Path, endpoint: str, env: dict[str, str]) -> tuple[int, str]:
    done = wheelhouse_cli(
        "publish",
        "--target",
        f"s3://{BUCKET}/alpine",
        "--endpoint-url",
        endpoint,
        "--wheelhouse",
        str(wheelhouse),
        cwd=wheelhouse.parent,
        env=env,
    )
    return done.returncode, done.stderr


def test_publish_works_without_list_bucket_and_bad_keys_are_still_refused(
    least_privilege: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    env = {**os.environ, **S3_ENV}
    wheelhouse = tmp_path / "wheelhouse"
    make_wheel(wheelhouse, "alpha", "1.0")
    code, errors = publish(wheelhouse, least_privilege, env)
    assert code == 0, errors  # every "is it there yet?" was a 403, read as absent
    make_wheel(wheelhouse, "beta", "1.0")
    code, errors = publish(wheelhouse, least_privilege, env)
    assert code == 0, errors
    for key, value in S3_ENV.items():
        monkeypatch.setenv(key, value)
    s3 = connect_s3(least_privilege)
    storage = S3Storage(
        s3,
        bucket=BUCKET,
        prefix="alpine",
        endpoint_url=least_privilege,
        sts=connect_sts(least_privilege, s3),
    )
    assert storage.get("simple/no-such-project/index.json") is None  # a 403, read as absent
    page = storage.get("simple/index.json")
    assert page is not None
    assert [p["name"] for p in json.loads(page.data)["projects"]] == ["alpha", "beta"]
    # The target's manifest was created by the first publish (create-only after a 403) and
    # updated by the second: plan --target reads it under the same policy.
    assert storage.get(MANIFEST_KEY) is not None
    assert published_held(StaticPublisher(storage)).manifest.wheels == {}

    wrong = {**env, "AWS_ACCESS_KEY_ID": "wrong"}
    code, errors = publish(wheelhouse, least_privilege, wrong)
    assert code == 5, errors
    assert "refused the credentials" in errors
