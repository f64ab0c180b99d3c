from __future__ import annotations

import hashlib
from pathlib import Path

import pytest
from packaging.specifiers import SpecifierSet
from packaging.version import Version

from builder.resolve.build_targets import BuildTarget
from builder.resolve.releases import choose_release, group_releases
from index.errors import IndexProblem
from index.pages.simple_pages import (
    PEP691_JSON,
    digest_problem,
    parse_project_page,
    parse_root_page,
)
from tests.unit.fakes import sdist, wheel

PAGE_URL = "https://index.invalid/simple/demo/"
PY311 = BuildTarget(python="3.11", arch="x86_64")


def test_html_page_gives_urls_hashes_requires_python_yanked_and_metadata(fixtures: Path) -> None:
    files = parse_project_page(
        (fixtures / "pages" / "demo.html").read_bytes(),
        content_type="text/html",
        page_url=PAGE_URL,
        project="demo",
    )
    assert [f.filename for f in files] == [
        "demo-1.0.tar.gz",
        "demo-1.0-cp311-cp311-musllinux_1_2_x86_64.whl",
        "demo-2.0.tar.gz",
        "demo-1.5.tar.gz",
    ]
    first = files[0]
    assert first.url == "https://index.invalid/files/demo-1.0.tar.gz"
    assert first.sha256 == "aaaa"
    assert first.requires_python == ">=3.8"
    assert files[1].has_metadata
    assert files[2].yanked
    assert not files[0].yanked


def test_json_page_is_used_when_offered(fixtures: Path) -> None:
    files = parse_project_page(
        (fixtures / "pages" / "demo.json").read_bytes(),
        content_type=PEP691_JSON,
        page_url=PAGE_URL,
        project="demo",
    )
    assert [f.sha256 for f in files] == ["aaaa", "ffff", "dddd"]
    assert files[1].url == "https://files.example.invalid/demo-1.0-py3-none-any.whl"
    assert files[1].has_metadata
    assert files[2].yanked


def test_choose_skips_yanked_unless_pinned_and_honours_requires_python(fixtures: Path) -> None:
    files = parse_project_page(
        (fixtures / "pages" / "demo.html").read_bytes(),
        content_type="text/html",
        page_url=PAGE_URL,
        project="demo",
    )
    releases = group_releases("demo", files)
    chosen = choose_release(releases, SpecifierSet(), PY311)
    assert chosen is not None
    assert chosen.version == Version("1.0")  # 2.0 is yanked, 1.5 needs Python >= 3.12
    newer = choose_release(releases, SpecifierSet(), BuildTarget(python="3.13", arch="x86_64"))
    assert newer is not None
    assert newer.version == Version("1.5")
    pinned = choose_release(releases, SpecifierSet("==2.0"), PY311)
    assert pinned is not None
    assert pinned.version == Version("2.0")


def test_arbitrary_equality_pins_by_string_and_an_empty_one_matches_nothing() -> None:
    releases = group_releases("demo", [sdist("demo", "1.0"), sdist("demo", "2.0")])
    exact = choose_release(releases, SpecifierSet("===1.0"), PY311)
    assert exact is not None
    assert exact.version == Version("1.0")
    assert choose_release(releases, SpecifierSet("==="), PY311) is None  # was InvalidVersion
    assert choose_release(releases, SpecifierSet("===not-a-version"), PY311) is None


def test_prereleases_only_when_asked() -> None:
    releases = group_releases("demo", [sdist("demo", "1.0"), sdist("demo", "2.0rc1")])
    stable = choose_release(releases, SpecifierSet(), PY311)
    assert stable is not None
    assert stable.version == Version("1.0")
    pre = choose_release(releases, SpecifierSet(">=2.0rc1"), PY311)
    assert pre is not None
    assert pre.version == Version("2.0rc1")


def test_compatible_wheel_prefers_musllinux_then_pure_and_rejects_glibc() -> None:
    releases = group_releases(
        "demo",
        [
            sdist("demo", "1.0"),
            wheel("demo-1.0-cp311-cp311-manylinux_2_17_x86_64.whl"),
            wheel("demo-1.0-py3-none-any.whl"),
            wheel("demo-1.0-cp311-cp311-musllinux_1_1_x86_64.whl"),
            wheel("demo-1.0-cp313-cp313-musllinux_1_2_x86_64.whl"),
        ],
    )
    release = releases[Version("1.0")]
    best = release.compatible_wheel(PY311)
    assert best is not None
    assert best.filename == "demo-1.0-cp311-cp311-musllinux_1_1_x86_64.whl"
    glibc_only = group_releases(
        "demo", [sdist("demo", "1.0"), wheel("demo-1.0-cp311-cp311-manylinux_2_17_x86_64.whl")]
    )[Version("1.0")]
    assert glibc_only.compatible_wheel(PY311) is None
    newer_policy = group_releases("demo", [wheel("demo-1.0-cp311-cp311-musllinux_1_3_x86_64.whl")])[
        Version("1.0")
    ]
    assert newer_policy.compatible_wheel(PY311) is None


def test_metadata_hashes_other_algorithms_and_a_newer_api_are_read(fixtures: Path) -> None:
    page = b"""{"meta": {"api-version": "1.4"}, "name": "demo", "files": [
     {"filename": "demo-1.0-py3-none-any.whl", "url": "../../files/x/demo-1.0-py3-none-any.whl",
      "hashes": {"sha512": "ab"}, "core-metadata": {"sha256": "cc"}}]}"""
    (only,) = parse_project_page(page, content_type=PEP691_JSON, page_url=PAGE_URL, project="demo")
    assert only.sha256 is None and only.identity() == "sha512:ab"
    assert only.metadata_digests == {"sha256": "cc"}
    assert digest_problem(b"x", {"sha256": hashlib.sha256(b"x").hexdigest()}) is None
    assert "sha512 mismatch" in (digest_problem(b"x", only.digests) or "")


@pytest.mark.parametrize(
    ("body", "content_type", "message"),
    [
        (b'{"meta": {"api-version": "2.0"}, "name": "demo", "files": []}', PEP691_JSON, "2.0"),
        (b'{"meta": {"api-version": "1.0"}, "files": [{"url": "x"}]}', PEP691_JSON, "not a valid"),
        (b"{not json", PEP691_JSON, "not a valid"),
        (
            b'<html><head><meta name="pypi:repository-version" content="2.0"></head></html>',
            "text/html",
            "newer than",
        ),
    ],
)
def test_a_malformed_or_too_new_page_is_a_clear_problem(
    body: bytes, content_type: str, message: str
) -> None:
    with pytest.raises(IndexProblem, match=message):
        parse_project_page(body, content_type=content_type, page_url=PAGE_URL, project="demo")


def test_a_release_keeps_only_wheels_a_musl_target_could_use_or_one_for_its_metadata() -> None:
    files = [
        wheel("demo-1.0-cp311-cp311-macosx_11_0_arm64.whl"),
        wheel("demo-1.0-cp311-cp311-win_amd64.whl"),
        wheel("demo-1.0-cp311-cp311-manylinux_2_17_x86_64.manylinux2014_x86_64.whl"),
        wheel("demo-1.0-cp311-cp311-musllinux_1_2_x86_64.whl"),
        wheel("demo-1.0-py3-none-any.whl"),
        wheel("demo-1.0-cp311-cp311-linux_x86_64.whl"),
        wheel("demo-2.0-cp311-cp311-win_amd64.whl"),
        wheel("demo-2.0-cp311-cp311-macosx_11_0_arm64.whl"),
        sdist("demo", "2.0"),
    ]
    releases = group_releases("demo", files)
    assert [w.filename for w in releases[Version("1.0")].wheels] == [
        "demo-1.0-cp311-cp311-musllinux_1_2_x86_64.whl",
        "demo-1.0-py3-none-any.whl",
        "demo-1.0-cp311-cp311-linux_x86_64.whl",
    ]
    assert [w.filename for w in releases[Version("2.0")].wheels] == [
        "demo-2.0-cp311-cp311-win_amd64.whl"
    ]
    assert releases[Version("2.0")].compatible_wheel(PY311) is None


@pytest.mark.parametrize("parse", ["project", "root"])
def test_deeply_nested_json_is_a_bad_page_not_a_crash(parse: str) -> None:
    body = b'{"meta": {"api-version": "1.0"}, "files": ' + b"[" * 100_000 + b"]" * 100_000 + b"}"
    with pytest.raises(IndexProblem, match="not a"):
        if parse == "project":
            parse_project_page(body, content_type=PEP691_JSON, page_url="u/", project="x")
        else:
            parse_root_page(body, content_type=PEP691_JSON, page_url="u/")
