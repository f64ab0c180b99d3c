"""The self-hosted deployment (infra/selfhosted/run.sh): nginx answers reads from the static tree,
uploads go through it to wheelhouse (pypiserver), and the touched project's pages are re-rendered
before the upload is answered."""

from __future__ import annotations

import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import httpx
import pytest

from tests.support import (
    make_wheel,
    many_wheels,
    selfhosted_index,
    twine_upload,
    write_htpasswd,
)

pytestmark = pytest.mark.integration

JSON = "application/vnd.pypi.simple.v1+json"


@dataclass
class Deployment:
    url: str
    packages: Path
    static: Path
    work: Path


@pytest.fixture(scope="module")
def deployment(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Deployment]:
    work = tmp_path_factory.mktemp("selfhosted")
    packages, static = work / "packages", work / "static"
    many_wheels(packages, projects=40, versions=3)
    htpasswd = write_htpasswd(work / "htpasswd", user="ci", password="ci-secret")
    with selfhosted_index(packages=packages, static=static, work=work, htpasswd=htpasswd) as url:
        yield Deployment(url=url, packages=packages, static=static, work=work)


def test_reads_are_static_files_in_both_formats(deployment: Deployment) -> None:
    page = httpx.get(f"{deployment.url}simple/proj-0003/", timeout=10)
    assert page.status_code == 200
    assert page.headers["server"].startswith("nginx")
    assert page.text.count("#sha256=") == 3
    assert page.text == (deployment.static / "simple" / "proj-0003" / "index.html").read_text()
    as_json = httpx.get(f"{deployment.url}simple/proj-0003/", headers={"Accept": JSON}, timeout=10)
    assert as_json.headers["content-type"] == JSON
    assert len(as_json.json()["files"]) == 3
    link = page.text.split('href="', 1)[1].split("#", 1)[0]  # ../../files/<name>
    wheel = httpx.get(f"{deployment.url}simple/proj-0003/{link}", timeout=10)
    assert wheel.content == (deployment.packages / link.rsplit("/", 1)[1]).read_bytes()
    metadata = httpx.get(f"{deployment.url}files/{link.rsplit('/', 1)[1]}.metadata", timeout=10)
    assert metadata.text.startswith("Metadata-Version:")
    assert httpx.get(f"{deployment.url}simple/nope/", timeout=10).status_code == 404


def test_an_upload_is_readable_from_nginx_when_twine_returns(deployment: Deployment) -> None:
    other_page = deployment.static / "simple" / "proj-0004" / "index.html"
    other_before = other_page.stat().st_mtime_ns
    new = make_wheel(deployment.work / "new", "proj-0005", "9.0.0")
    result = twine_upload(deployment.url, new)
    assert result.returncode == 0, result.stdout + result.stderr
    page = httpx.get(f"{deployment.url}simple/proj-0005/", timeout=10)
    assert f"{new.name}#sha256=" in page.text
    as_json = httpx.get(f"{deployment.url}simple/proj-0005/", headers={"Accept": JSON}, timeout=10)
    assert new.name in [item["filename"] for item in as_json.json()["files"]]
    assert httpx.get(f"{deployment.url}files/{new.name}", timeout=10).content == new.read_bytes()
    assert other_page.stat().st_mtime_ns == other_before  # only the touched project re-rendered

    brand_new = make_wheel(deployment.work / "new", "fresh-project", "1.0")
    assert twine_upload(deployment.url, brand_new).returncode == 0
    root = httpx.get(f"{deployment.url}simple/", timeout=10).text
    assert 'href="fresh-project/"' in root


def test_uploads_keep_pypiserver_rules(deployment: Deployment, tmp_path: Path) -> None:
    denied = twine_upload(deployment.url, make_wheel(tmp_path, "proj-0006", "5.0"), password="no")
    assert denied.returncode != 0
    assert "403" in denied.stdout + denied.stderr or "401" in denied.stdout + denied.stderr
    assert "proj_0006-5.0" not in httpx.get(f"{deployment.url}simple/proj-0006/", timeout=10).text

    existing = deployment.packages / "proj_0007-1.0.0-py3-none-any.whl"
    original = existing.read_bytes()
    impostor = make_wheel(tmp_path / "impostor", "proj-0007", "1.0.0", payload="IMPOSTOR = 1\n")
    refused = twine_upload(deployment.url, impostor)
    assert refused.returncode != 0
    assert existing.read_bytes() == original
    assert (deployment.static / "files" / existing.name).read_bytes() == original


def test_a_wheel_dropped_into_the_packages_directory_reaches_the_static_tree(
    deployment: Deployment,
) -> None:
    """A build writing straight into the packages directory is picked up by the watcher."""
    made = make_wheel(deployment.work / "built", "proj-0010", "7.0.0")
    (deployment.packages / ".incoming").write_bytes(made.read_bytes())
    (deployment.packages / ".incoming").rename(deployment.packages / made.name)
    for _ in range(50):
        page = httpx.get(f"{deployment.url}simple/proj-0010/", timeout=10).text
        if made.name in page:
            break
        time.sleep(0.2)
    assert made.name in page
