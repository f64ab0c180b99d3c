"""The index model rendered as PEP 503 HTML and PEP 691 JSON, against golden files."""

from __future__ import annotations

import json
import os
from datetime import UTC, datetime
from pathlib import Path

import pytest
from pypi_simple import ProjectPage as ClientPage

from index.pages.model import DistFile, ProjectPage, RootPage, project_name
from index.pages.render import (
    parse_project_json,
    parse_root_json,
    render_project_html,
    render_project_json,
    render_root_html,
    render_root_json,
)

GOLDEN = Path(__file__).parent.parent / "fixtures" / "golden"
WHEN = datetime(2026, 11, 21, 9, 30, 5, 123456, tzinfo=UTC)


def demo_page() -> ProjectPage:
    return ProjectPage(
        name=project_name("Demo_Pkg"),
        files=(
            DistFile(
                filename="demo_pkg-1.10.0-cp311-cp311-musllinux_1_2_x86_64.whl",
                sha256="a" * 64,
                size=12345,
                upload_time=WHEN,
                requires_python=">=3.8,<4",
                metadata_sha256="b" * 64,
            ),
            DistFile(
                filename="demo_pkg-1.9.0-py3-none-any.whl",
                sha256="c" * 64,
                size=999,
                upload_time=WHEN,
                yanked="broken <import> on 3.13",
            ),
            DistFile(
                filename="demo_pkg-1.2.0-py3-none-any.whl",
                sha256="d" * 64,
                size=10,
                upload_time=WHEN,
                yanked="",
            ),
        ),
    )


def golden(name: str, rendered: str) -> None:
    path = GOLDEN / name
    if os.environ.get("WHEELHOUSE_UPDATE_GOLDEN"):
        path.write_text(rendered, encoding="utf-8")
    assert rendered == path.read_text(encoding="utf-8"), f"{name} differs from its golden file"


def test_project_html_matches_golden() -> None:
    golden("project.html", render_project_html(demo_page()))


def test_project_json_matches_golden() -> None:
    golden("project.json", render_project_json(demo_page()))


def test_root_pages_match_golden() -> None:
    root = RootPage(projects=(project_name("Zope.Interface"), project_name("demo_pkg")))
    golden("root.html", render_root_html(root))
    golden("root.json", render_root_json(root))


def test_files_are_ordered_by_version_not_text() -> None:
    names = [item.filename for item in demo_page().files]
    assert names[0].startswith("demo_pkg-1.2.0") and names[-1].startswith("demo_pkg-1.10.0")


def test_json_reads_back_to_the_same_model() -> None:
    page = demo_page()
    assert parse_project_json(render_project_json(page)) == page
    root = RootPage(projects=(project_name("b"), project_name("a")))
    assert parse_root_json(render_root_json(root)) == root


def test_json_twin_carries_pep_691_700_714_fields() -> None:
    data = json.loads(render_project_json(demo_page()))
    assert data["meta"] == {"api-version": "1.1"}
    assert data["versions"] == ["1.2.0", "1.9.0", "1.10.0"]
    newest = data["files"][-1]
    assert newest["core-metadata"] == {"sha256": "b" * 64}
    assert newest["upload-time"] == "2026-11-21T09:30:05.123456Z"
    assert newest["size"] == 12345
    assert [f["yanked"] for f in data["files"]] == [True, "broken <import> on 3.13", False]


@pytest.mark.parametrize(
    ("body", "content_type"),
    [
        (render_project_html(demo_page()), "text/html"),
        (render_project_json(demo_page()), "application/vnd.pypi.simple.v1+json"),
    ],
)
def test_pypi_simple_reads_both_formats(body: str, content_type: str) -> None:
    base = "https://index.invalid/simple/demo-pkg/"
    if content_type.endswith("json"):
        page = ClientPage.from_json_data(json.loads(body), base_url=base)
    else:
        page = ClientPage.from_html("demo-pkg", body, base_url=base)
    files = {package.filename: package for package in page.packages}
    newest = files["demo_pkg-1.10.0-cp311-cp311-musllinux_1_2_x86_64.whl"]
    assert newest.url == (
        "https://index.invalid/files/demo_pkg-1.10.0-cp311-cp311-musllinux_1_2_x86_64.whl"
    )
    assert newest.digests == {"sha256": "a" * 64}
    assert newest.requires_python == ">=3.8,<4"
    assert newest.has_metadata is True
    assert newest.metadata_digests == {"sha256": "b" * 64}
    assert newest.is_yanked is False
    assert files["demo_pkg-1.9.0-py3-none-any.whl"].yanked_reason == "broken <import> on 3.13"
    assert files["demo_pkg-1.2.0-py3-none-any.whl"].is_yanked is True
