"""`wheelhouse serve` at 10,000 files: after warm-up a project page opens no file and lists no
directory (observed through an audit hook in the server process), and an upload is on its page at
once, costing one listing and one read of the new file only."""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import httpx
import pytest

from tests.support import (
    background_process,
    free_port,
    make_wheel,
    many_wheels,
    serve_command,
    twine_upload,
    write_htpasswd,
)

pytestmark = pytest.mark.integration

PROJECTS, VERSIONS = 1000, 10
AUDITED_CLI = Path(__file__).with_name("audited_cli.py")
JSON = "application/vnd.pypi.simple.v1+json"


@dataclass
class Served:
    url: str
    wheelhouse: Path
    audit: Path
    work: Path

    def events_since(self, offset: int) -> list[str]:
        with self.audit.open(encoding="utf-8") as log:
            log.seek(offset)
            return log.read().splitlines()

    def mark(self) -> int:
        return self.audit.stat().st_size


@pytest.fixture(scope="module")
def served(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Served]:
    work = tmp_path_factory.mktemp("scale")
    wheelhouse = work / "wheelhouse"
    many_wheels(wheelhouse, projects=PROJECTS, versions=VERSIONS)
    (wheelhouse / "manifest.json").write_text("{}", encoding="utf-8")  # not a distribution
    audit = work / "audit.log"
    audit.touch()
    port = free_port()
    htpasswd = write_htpasswd(work / "htpasswd", user="ci", password="ci-secret")
    command = serve_command(
        wheelhouse, port, "--htpasswd", str(htpasswd), launcher=(str(AUDITED_CLI), str(audit))
    )
    url = f"http://127.0.0.1:{port}/"
    with background_process(command, ready_url=f"{url}health", log=work / "serve.log", timeout=120):
        yield Served(url=url, wheelhouse=wheelhouse, audit=audit, work=work)


def wheelhouse_events(events: list[str], wheelhouse: Path) -> list[str]:
    """Events that touch the wheelhouse: listing it, or opening anything in it."""
    return [event for event in events if str(wheelhouse) in event]


def test_project_pages_after_warm_up_open_no_file_and_list_no_directory(
    served: Served,
) -> None:
    chosen = range(3, PROJECTS, 20)  # 50 projects across the index
    with httpx.Client(base_url=served.url, timeout=30) as client:
        for number in chosen:  # warm-up: the listing is read once at start; pages render once
            assert client.get(f"simple/proj-{number:04d}/").status_code == 200
        assert client.get("simple/").status_code == 200
        before = served.mark()
        for number in chosen:
            html = client.get(f"simple/proj-{number:04d}/")
            json = client.get(f"simple/proj-{number:04d}/", headers={"Accept": JSON})
            assert html.status_code == json.status_code == 200
            assert html.text.count("#sha256=") == VERSIONS
            assert len(json.json()["files"]) == VERSIONS
            assert json.headers["content-type"] == JSON
        root = client.get("simple/")
        assert root.text.count("<a href=") == PROJECTS
    touched = wheelhouse_events(served.events_since(before), served.wheelhouse)
    assert touched == [], touched[:10]


def test_an_upload_is_on_its_page_at_once_and_costs_one_listing_and_one_file(
    served: Served,
) -> None:
    new = make_wheel(served.work / "new", "proj-0007", "2.0.0")
    before = served.mark()
    upload = twine_upload(served.url, new)
    assert upload.returncode == 0, upload.stdout + upload.stderr
    page = httpx.get(f"{served.url}simple/proj-0007/", timeout=30)
    assert f"{new.name}#sha256=" in page.text
    events = wheelhouse_events(served.events_since(before), served.wheelhouse)
    # The observer sees listings and opens when they happen (this is what the first test relies on):
    assert f"list {served.wheelhouse}" in events
    opened = {
        Path(event.split(" ", 1)[1]).name
        for event in events
        if event.startswith("open ") and event.endswith(".whl")
    }
    assert new.name in opened
    old_wheels_read = opened - {new.name}
    assert old_wheels_read == set(), sorted(old_wheels_read)[:5]  # pypiserver's checks list only

    download = httpx.get(f"{served.url}files/{new.name}", timeout=30)
    assert download.content == new.read_bytes()


def test_a_wheel_written_by_another_process_appears_and_a_removed_one_goes(
    served: Served,
) -> None:
    """`wheelhouse build` writes into the wheelhouse with a rename: the next request sees it."""
    made = make_wheel(served.work / "other", "proj-0008", "3.0.0")
    shutil.copy(made, served.wheelhouse / ".incoming")
    (served.wheelhouse / ".incoming").rename(served.wheelhouse / made.name)
    page = httpx.get(f"{served.url}simple/proj-0008/", timeout=30)
    assert made.name in page.text
    (served.wheelhouse / made.name).unlink()
    page = httpx.get(f"{served.url}simple/proj-0008/", timeout=30)
    assert made.name not in page.text
    assert httpx.get(f"{served.url}files/{made.name}", timeout=30).status_code == 404


def test_a_second_upload_of_the_same_name_is_refused(served: Served, tmp_path: Path) -> None:
    existing = served.wheelhouse / "proj_0009-1.0.0-py3-none-any.whl"
    impostor = make_wheel(tmp_path, "proj-0009", "1.0.0", payload="IMPOSTOR = 1\n")
    assert impostor.name == existing.name
    original = existing.read_bytes()
    response = httpx.post(
        served.url,
        data={":action": "file_upload", "name": "proj-0009", "version": "1.0.0"},
        files={"content": (impostor.name, impostor.read_bytes())},
        auth=("ci", "ci-secret"),
        timeout=30,
    )
    assert response.status_code == 409
    assert existing.read_bytes() == original
