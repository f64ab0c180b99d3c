"""The `s3://bucket/prefix` target, through boto3 with the standard credential chain.

Conditional writes use S3's own: `If-Match` on the ETag that was read, `If-None-Match: *` to create.
Each object records its sha256 in its metadata, so re-publishing compares without downloading.
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from index.dist_files import sha256_of
from index.errors import IndexProblem, TargetUnavailable
from index.publish.storage import Blob, Conflict

_CONFLICT_CODES = {"PreconditionFailed", "ConditionalRequestConflict", "412", "409"}
_MISSING_CODES = {"NoSuchKey", "404", "NotFound"}


class _NotFound(Exception):
    """No object under the key (the caller decides whether that is an answer or a problem)."""


def connect_s3(endpoint_url: str | None) -> Any:
    import boto3  # noqa: PLC0415 (heavy import, only for S3 targets)
    from botocore.config import Config  # noqa: PLC0415

    config = Config(retries={"max_attempts": 5, "mode": "standard"}, connect_timeout=10)
    try:
        return boto3.client("s3", endpoint_url=endpoint_url, config=config)
    except ValueError as exc:  # botocore's answer to a malformed endpoint URL
        raise IndexProblem(
            f"--endpoint-url {endpoint_url!r}: {exc}",
            hint="give the full URL, e.g. http://127.0.0.1:9000",
        ) from None


def connect_sts(endpoint_url: str | None, s3: Any) -> Any:
    """The STS client that tells a denial from credentials that authenticate nowhere (in the
    S3 client's region). Made here, with the S3 client, never inside the storage."""
    import boto3  # noqa: PLC0415

    return boto3.client(
        "sts", endpoint_url=endpoint_url, region_name=s3.meta.region_name or "us-east-1"
    )


class S3Storage:
    def __init__(
        self,
        client: Any,
        *,
        bucket: str,
        prefix: str,
        endpoint_url: str | None,
        sts: Any | None = None,  # without it, a denial is a denial (no identity asked)
    ) -> None:
        self.client = client
        self.sts = sts
        self.bucket = bucket
        self.prefix = prefix.strip("/")
        self.endpoint_url = endpoint_url
        self._identity_ok: bool | None = None  # do these credentials authenticate at all?

    @property
    def description(self) -> str:
        where = f"s3://{self.bucket}/{self.prefix}".rstrip("/")
        return where if self.endpoint_url is None else f"{where} at {self.endpoint_url}"

    def _key(self, key: str) -> str:
        return f"{self.prefix}/{key}" if self.prefix else key

    def get(self, key: str) -> Blob | None:
        try:
            with self._errors(key, read=True):
                response = self.client.get_object(Bucket=self.bucket, Key=self._key(key))
                return Blob(data=response["Body"].read(), etag=response["ETag"])
        except _NotFound:
            return None

    def file_sha256(self, key: str) -> str | None:
        try:
            with self._errors(key, read=True):
                head = self.client.head_object(Bucket=self.bucket, Key=self._key(key))
        except _NotFound:
            return None
        recorded = head.get("Metadata", {}).get("sha256")
        if recorded:
            return str(recorded)
        blob = self.get(key)  # written by something else: hash what is there
        return None if blob is None else sha256_of(blob.data)

    def put(
        self,
        key: str,
        data: bytes,
        *,
        content_type: str,
        cache_control: str,
        if_match: str | None = None,
        create_only: bool = False,
        sha256: str | None = None,
    ) -> None:
        arguments: dict[str, Any] = {
            "Bucket": self.bucket,
            "Key": self._key(key),
            "Body": data,
            "ContentType": content_type,
            "CacheControl": cache_control,
            "Metadata": {"sha256": sha256 or sha256_of(data)},
        }
        if if_match is not None:
            arguments["IfMatch"] = if_match
        if create_only:
            arguments["IfNoneMatch"] = "*"
        with self._errors(key, conflict=True):
            self.client.put_object(**arguments)

    def put_file(
        self,
        key: str,
        path: Path,
        *,
        content_type: str,
        cache_control: str,
        create_only: bool,
        sha256: str,
    ) -> None:
        data = path.read_bytes()
        if sha256_of(data) != sha256:
            raise IndexProblem(f"{path} changed while publishing; run the publish again")
        self.put(
            key,
            data,
            content_type=content_type,
            cache_control=cache_control,
            create_only=create_only,
            sha256=sha256,
        )

    def delete(self, key: str) -> None:
        with contextlib.suppress(_NotFound), self._errors(key):  # already gone is fine
            self.client.delete_object(Bucket=self.bucket, Key=self._key(key))

    def sweep_partials(self) -> list[str]:
        return []  # a PutObject is whole or absent

    def keys(self, prefix: str) -> list[str]:
        found: list[str] = []
        start = self._key(prefix)
        strip = f"{self.prefix}/" if self.prefix else ""
        with contextlib.suppress(_NotFound), self._errors(prefix):
            paginator = self.client.get_paginator("list_objects_v2")
            for page in paginator.paginate(Bucket=self.bucket, Prefix=start):
                found.extend(item["Key"].removeprefix(strip) for item in page.get("Contents", []))
        return sorted(found)

    @contextlib.contextmanager
    def _errors(self, key: str, *, conflict: bool = False, read: bool = False) -> Iterator[None]:
        """Turn botocore's exceptions into Conflict, _NotFound or IndexProblem. A read that S3
        denies is a missing key when the credentials are good: without s3:ListBucket (the
        least-privilege publisher policy) S3 answers 403, not 404, for a key that is not there."""
        from botocore.exceptions import (  # noqa: PLC0415
            BotoCoreError,
            ClientError,
            EndpointConnectionError,
            NoCredentialsError,
        )

        try:
            yield
        except ClientError as exc:
            code = str(exc.response.get("Error", {}).get("Code", ""))
            if conflict and code in _CONFLICT_CODES:
                raise Conflict(key) from None
            if code in _MISSING_CODES:
                raise _NotFound(key) from None
            if read and code in {"AccessDenied", "403"} and self._credentials_authenticate():
                raise _NotFound(key) from None
            raise self._client_problem(code, exc) from None
        except NoCredentialsError:
            raise TargetUnavailable(
                f"{self.description}: no AWS credentials found",
                hint="set AWS_ACCESS_KEY_ID/AWS_SECRET_ACCESS_KEY, AWS_PROFILE, or use an "
                "instance role",
            ) from None
        except EndpointConnectionError:
            raise TargetUnavailable(
                f"cannot reach the S3 endpoint for {self.description}",
                hint="check --endpoint-url and that the service is up",
            ) from None
        except BotoCoreError as exc:
            raise IndexProblem(f"{self.description}: {exc}") from None

    def _credentials_authenticate(self) -> bool:
        """Whether STS accepts these credentials (asked once; no permission is needed for it).
        Where there is no STS (some S3-compatible stores), a denial stays a denial."""
        if self._identity_ok is None:
            from botocore.exceptions import BotoCoreError, ClientError  # noqa: PLC0415

            try:
                if self.sts is None:
                    self._identity_ok = False
                else:
                    self.sts.get_caller_identity()
                    self._identity_ok = True
            except (BotoCoreError, ClientError):
                self._identity_ok = False
        return self._identity_ok

    def _client_problem(self, code: str, exc: Exception) -> IndexProblem:
        if code == "NoSuchBucket":
            return IndexProblem(
                f"bucket {self.bucket!r} does not exist ({self.description})",
                hint=f"create it first: aws s3 mb s3://{self.bucket}",
            )
        if code in {"AccessDenied", "InvalidAccessKeyId", "SignatureDoesNotMatch", "403"}:
            return TargetUnavailable(
                f"{self.description} refused the credentials ({code})",
                hint="check AWS_PROFILE / AWS_ACCESS_KEY_ID and the bucket policy",
            )
        if code.isdigit():  # an HTTP status with no S3 error document: not an S3 service
            return TargetUnavailable(
                f"{self.description}: the endpoint answered HTTP {code} without an S3 error; "
                "is it an S3 service?",
                hint="check --endpoint-url (MinIO, Ceph and moto speak S3; a web server does not)",
            )
        return IndexProblem(f"{self.description}: {exc}")
