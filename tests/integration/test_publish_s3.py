"""`wheelhouse publish --target s3://...` against moto's S3 in server mode, driven by boto3."""

from __future__ import annotations

import json
import os
import re
import signal
import subprocess
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import pytest
from pypi_simple import ProjectPage as ClientPage
from pypi_simple import PyPISimple

from tests.support import (
    S3_ENV,
    free_port,
    make_wheel,
    moto_s3_server,
    s3_client,
    start_cli,
    static_server,
    website_proxy,
    wheelhouse_cli,
)

BUCKET = "wheels"
PREFIX = "team/index"


@dataclass(frozen=True)
class S3:
    endpoint: str
    client: Any
    env: dict[str, str]

    def object_keys(self) -> set[str]:
        listed = self.client.list_objects_v2(Bucket=BUCKET, Prefix=PREFIX + "/")
        return {item["Key"].removeprefix(PREFIX + "/") for item in listed.get("Contents", [])}

    def read(self, key: str) -> str:
        body = self.client.get_object(Bucket=BUCKET, Key=f"{PREFIX}/{key}")["Body"].read()
        return str(body.decode())

    def publish_arguments(self, wheelhouse: Path) -> list[str]:
        return [
            "publish",
            "--target",
            f"s3://{BUCKET}/{PREFIX}",
            "--endpoint-url",
            self.endpoint,
            "--wheelhouse",
            str(wheelhouse),
        ]

    def publish(self, wheelhouse: Path, *extra: str) -> subprocess.CompletedProcess[str]:
        return wheelhouse_cli(
            *self.publish_arguments(wheelhouse), *extra, cwd=wheelhouse.parent, env=self.env
        )


@pytest.fixture
def s3(tmp_path: Path) -> Iterator[S3]:
    with moto_s3_server(tmp_path) as endpoint:
        env = {**os.environ, **S3_ENV}
        client = s3_client(endpoint)
        client.create_bucket(Bucket=BUCKET)
        yield S3(endpoint=endpoint, client=client, env=env)


def dangling_links(s3: S3) -> list[str]:
    """Every file a page links to must exist: the invariant a reader relies on."""
    keys = s3.object_keys()
    missing = []
    for key in sorted(keys):
        if key.endswith("index.html") and key != "simple/index.html":
            for href in re.findall(r'href="\.\./\.\./(files/[^"#]+)', s3.read(key)):
                if href not in keys:
                    missing.append(f"{key} -> {href}")
    if "simple/index.html" in keys:
        for project in re.findall(r'href="([^"]+)/"', s3.read("simple/index.html")):
            if f"simple/{project}/index.html" not in keys:
                missing.append(f"simple/index.html -> {project}")
    return missing


def test_publish_is_read_by_pypi_simple_and_increments_touch_only_their_project(
    s3: S3, tmp_path: Path
) -> None:
    wheelhouse = tmp_path / "wheelhouse"
    make_wheel(wheelhouse, "alpha", "1.0", requires_python=">=3.9")
    make_wheel(wheelhouse, "beta", "1.0")
    first = s3.publish(wheelhouse)
    assert first.returncode == 0, first.stderr
    assert {
        "files/alpha-1.0-py3-none-any.whl",
        "files/alpha-1.0-py3-none-any.whl.metadata",
        "simple/alpha/index.html",
        "simple/alpha/index.json",
        "simple/index.html",
        "simple/index.json",
    } <= s3.object_keys()
    head = s3.client.head_object(Bucket=BUCKET, Key=f"{PREFIX}/simple/alpha/index.json")
    assert head["ContentType"] == "application/vnd.pypi.simple.v1+json"
    assert head["CacheControl"] == "no-cache"
    # the pages for people, beside the simple index and never in it
    assert {"-/index.html", "-/alpha.html", "-/beta.html"} <= s3.object_keys()
    page = s3.client.head_object(Bucket=BUCKET, Key=f"{PREFIX}/-/alpha.html")
    assert page["ContentType"].startswith("text/html") and page["CacheControl"] == "no-cache"
    assert 'data-name="alpha"' in s3.read("-/index.html")
    assert "/-/" not in s3.read("simple/index.html")
    wheel_head = s3.client.head_object(
        Bucket=BUCKET, Key=f"{PREFIX}/files/alpha-1.0-py3-none-any.whl"
    )
    assert "immutable" in wheel_head["CacheControl"]

    with (
        website_proxy(s3.endpoint, BUCKET, PREFIX) as (url, _),
        PyPISimple(endpoint=f"{url}/simple/") as client,
    ):
        assert list(client.get_index_page().projects) == ["alpha", "beta"]
        page = client.get_project_page("alpha")
        (package,) = page.packages
        assert package.requires_python == ">=3.9"
        assert package.has_metadata
        assert package.digests["sha256"]
        metadata = client.get_package_metadata(package)
        assert "Name: alpha" in metadata
        as_json = ClientPage.from_json_data(
            httpx.get(f"{url}/simple/alpha/index.json", timeout=10).json(),
            base_url=f"{url}/simple/alpha/",
        )
    assert as_json.packages[0].size == (wheelhouse / "alpha-1.0-py3-none-any.whl").stat().st_size
    assert as_json.packages[0].upload_time is not None

    beta_before = s3.client.head_object(Bucket=BUCKET, Key=f"{PREFIX}/simple/beta/index.html")
    root_before = s3.client.head_object(Bucket=BUCKET, Key=f"{PREFIX}/simple/index.json")
    make_wheel(wheelhouse, "alpha", "2.0")
    second = s3.publish(wheelhouse, "--json")
    assert second.returncode == 0, second.stderr
    report = json.loads(second.stdout)
    assert report["uploaded"] == ["alpha-2.0-py3-none-any.whl"]
    assert sorted(report["unchanged"]) == [
        "alpha-1.0-py3-none-any.whl",
        "beta-1.0-py3-none-any.whl",
    ]
    assert report["pages"] == ["simple/alpha/index.json", "simple/alpha/index.html"]
    beta_after = s3.client.head_object(Bucket=BUCKET, Key=f"{PREFIX}/simple/beta/index.html")
    root_after = s3.client.head_object(Bucket=BUCKET, Key=f"{PREFIX}/simple/index.json")
    assert beta_after["ETag"] == beta_before["ETag"]
    assert beta_after["LastModified"] == beta_before["LastModified"]
    assert root_after["LastModified"] == root_before["LastModified"]
    assert "alpha-2.0-py3-none-any.whl" in s3.read("simple/alpha/index.html")


def test_concurrent_publishers_both_land(s3: S3, tmp_path: Path) -> None:
    publishers = []
    for n in range(4):
        wheelhouse = tmp_path / f"publisher{n}" / "wheelhouse"
        for project in ("shared-one", "shared-two", "shared-three"):
            make_wheel(wheelhouse, project, f"{n}.0")
        make_wheel(wheelhouse, f"own{n}", "1.0")
        publishers.append(start_cli(*s3.publish_arguments(wheelhouse), env=s3.env))
    for process in publishers:
        _, stderr = process.communicate(timeout=300)
        assert process.returncode == 0, stderr
    for project in ("shared-one", "shared-two", "shared-three"):
        page = json.loads(s3.read(f"simple/{project}/index.json"))
        assert sorted(f["filename"] for f in page["files"]) == [
            f"{project.replace('-', '_')}-{n}.0-py3-none-any.whl" for n in range(4)
        ]
        html = s3.read(f"simple/{project}/index.html")
        assert all(f"-{n}.0-py3-none-any.whl" in html for n in range(4))
    root = s3.read("simple/index.html")
    assert all(f'href="own{n}/"' in root for n in range(4))
    assert dangling_links(s3) == []


def test_a_publish_killed_between_files_and_pages_leaves_no_dangling_link(
    s3: S3, tmp_path: Path
) -> None:
    wheelhouse = tmp_path / "wheelhouse"
    for n in range(20):
        make_wheel(wheelhouse, f"project{n:02}", "1.0")
    process = start_cli(*s3.publish_arguments(wheelhouse), env={**s3.env, "COLUMNS": "200"})
    assert process.stderr is not None
    uploads = 0
    for line in process.stderr:
        if "uploaded files/" in line:
            uploads += 1
            if uploads == 3:
                process.send_signal(signal.SIGKILL)
                break
    process.wait(timeout=60)
    process.stderr.close()
    assert process.returncode == -signal.SIGKILL
    keys = s3.object_keys()
    assert any(key.startswith("files/") for key in keys)
    assert "simple/index.html" not in keys  # killed before the pages: the window under test
    assert dangling_links(s3) == []

    again = s3.publish(wheelhouse)
    assert again.returncode == 0, again.stderr
    assert dangling_links(s3) == []
    assert len(re.findall(r"<a ", s3.read("simple/index.html"))) == 20


def test_yank_and_prune_show_in_html_and_json(s3: S3, tmp_path: Path) -> None:
    wheelhouse = tmp_path / "wheelhouse"
    for version in ("1.0", "2.0", "3.0"):
        make_wheel(wheelhouse, "alpha", version)
    assert s3.publish(wheelhouse).returncode == 0
    common = ["--target", f"s3://{BUCKET}/{PREFIX}", "--endpoint-url", s3.endpoint]
    yanked = wheelhouse_cli(
        "yank",
        "alpha",
        "--version",
        "3.0",
        "--reason",
        "segfaults",
        *common,
        cwd=tmp_path,
        env=s3.env,
    )
    assert yanked.returncode == 0, yanked.stderr
    assert 'data-yanked="segfaults">alpha-3.0' in s3.read("simple/alpha/index.html")
    files = json.loads(s3.read("simple/alpha/index.json"))["files"]
    assert [f["yanked"] for f in files] == [False, False, "segfaults"]

    pruned = wheelhouse_cli("prune", "--keep", "1", "--json", *common, cwd=tmp_path, env=s3.env)
    assert pruned.returncode == 0, pruned.stderr
    assert json.loads(pruned.stdout)["removed"] == ["alpha-1.0-py3-none-any.whl"]
    assert "files/alpha-1.0-py3-none-any.whl" not in s3.object_keys()
    assert "alpha-1.0" not in s3.read("simple/alpha/index.html")
    assert "alpha-1.0" not in s3.read("simple/alpha/index.json")
    assert dangling_links(s3) == []

    export = wheelhouse_cli(
        "export",
        "--target",
        f"s3://{BUCKET}/{PREFIX}",
        "--endpoint-url",
        s3.endpoint,
        cwd=tmp_path,
        env=s3.env,
    )
    assert export.returncode == 0, export.stderr
    assert "alpha==2.0 \\" in export.stdout  # 3.0 is yanked


def test_bad_inputs_are_clear_errors_and_publish_nothing(s3: S3, tmp_path: Path) -> None:
    wheelhouse = tmp_path / "wheelhouse"
    make_wheel(wheelhouse, "alpha", "1.0")
    (wheelhouse / "beta-1.0-py3-none-any.whl").write_bytes(
        (wheelhouse / "alpha-1.0-py3-none-any.whl").read_bytes()[:-30]
    )
    truncated = s3.publish(wheelhouse)
    assert truncated.returncode == 2
    assert "beta-1.0-py3-none-any.whl: not a readable wheel" in truncated.stderr
    assert s3.object_keys() == set()

    (wheelhouse / "beta-1.0-py3-none-any.whl").write_bytes(
        (wheelhouse / "alpha-1.0-py3-none-any.whl").read_bytes()
    )
    misnamed = s3.publish(wheelhouse)
    assert misnamed.returncode == 2
    assert "the filename says beta 1.0, but its METADATA says alpha 1.0" in misnamed.stderr
    assert s3.object_keys() == set()
    (wheelhouse / "beta-1.0-py3-none-any.whl").unlink()

    no_bucket = wheelhouse_cli(
        "publish",
        "--target",
        "s3://missing-bucket",
        "--endpoint-url",
        s3.endpoint,
        "--wheelhouse",
        str(wheelhouse),
        cwd=tmp_path,
        env=s3.env,
    )
    assert no_bucket.returncode == 2
    assert "bucket 'missing-bucket' does not exist" in no_bucket.stderr

    nowhere = f"http://127.0.0.1:{free_port()}"
    unreachable = wheelhouse_cli(
        "publish",
        "--target",
        f"s3://{BUCKET}",
        "--endpoint-url",
        nowhere,
        "--wheelhouse",
        str(wheelhouse),
        cwd=tmp_path,
        env=s3.env,
    )
    assert unreachable.returncode == 5
    assert "cannot reach the S3 endpoint" in unreachable.stderr

    with static_server(tmp_path) as web_server:  # answers HTTP, but is no S3 service
        not_s3 = wheelhouse_cli(
            "publish",
            "--target",
            f"s3://{BUCKET}",
            "--endpoint-url",
            web_server,
            "--wheelhouse",
            str(wheelhouse),
            cwd=tmp_path,
            env=s3.env,
        )
    assert not_s3.returncode == 5
    assert "is it an S3 service?" in not_s3.stderr

    scheme = wheelhouse_cli("publish", "--target", "gs://bucket", cwd=tmp_path, env=s3.env)
    assert scheme.returncode == 2
    assert "unknown publish target 'gs://bucket'" in scheme.stderr
    for result in (truncated, misnamed, no_bucket, unreachable, not_s3, scheme):
        assert "Traceback" not in result.stderr
