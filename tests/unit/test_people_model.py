"""The pages for people, as data and as HTML: which status each cell of a project's grid gets
(built, mirrored, published, yanked, failed last run), the CPython and arch a wheel's tags name,
and the run page's build-time chart."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from app.run_page import build_time_chart, render_run_page
from index.dist_files import wheel_libraries
from index.pages.model import DistFile, ProjectPage
from index.people.model import project_views, wheel_columns
from index.people.render import people_pages, render_project
from tests.support import pack_wheel, report_job

WHEN = datetime(2026, 12, 1, tzinfo=UTC)


def dist(filename: str, *, yanked: str | None = None) -> DistFile:
    return DistFile(filename=filename, sha256="1" * 64, size=2048, upload_time=WHEN, yanked=yanked)


def test_each_cell_says_how_the_index_got_it_or_why_it_has_nothing() -> None:
    page = ProjectPage(
        name="demo",  # type: ignore[arg-type]
        files=(
            dist("demo-1.0-cp313-cp313-musllinux_1_2_x86_64.whl"),
            dist("demo-1.0-cp313-cp313-musllinux_1_2_aarch64.whl"),
            dist("demo-0.9-cp313-cp313-musllinux_1_2_x86_64.whl", yanked="broken"),
            dist("demo-0.9-cp313-cp313-musllinux_1_2_aarch64.whl"),
            dist("demo-0.9.tar.gz"),
        ),
    )
    manifest: dict[str, Any] = {
        "wheels": [
            {
                "filename": "demo-1.0-cp313-cp313-musllinux_1_2_x86_64.whl",
                "action": "build",
                "recipe": "abcd",
                "toolchains": ["fortran: flang 19", "openmp: llvm-openmp 19"],
                "duration_s": 12.5,
                "log": ".logs/demo.log",
            },
            {
                "filename": "demo-1.0-cp313-cp313-musllinux_1_2_aarch64.whl",
                "action": "mirror",
                "grafted": ["demo.libs/libgfortran-0a1b2c3d.so.5"],
            },
            {
                "filename": "demo-0.9-cp313-cp313-musllinux_1_2_aarch64.whl",
                "libraries": ["libpq 15.10", "llvm-flang-runtime 19.1.7"],
            },
        ],
        "runs": [
            {
                "finished": "old",
                "failures": [{"name": "gone", "version": "1", "python": "3.13", "arch": "x86_64"}],
            },
            {
                "finished": "2026-12-07T03:00:00+00:00",
                "failures": [
                    {
                        "name": "Demo",
                        "version": "1.1",
                        "python": "3.13",
                        "arch": "aarch64",
                        "reason": "no Rust",
                        "log": ".logs/demo-1.1.log",
                    },
                    {"name": "newcomer", "version": "0.1", "python": "3.11", "arch": "x86_64"},
                    {"name": "broken-record"},
                ],
            },
        ],
    }
    tails = {".logs/demo.log": "the end", ".logs/demo-1.1.log": "error: cargo"}
    views = project_views(
        [page], manifest, libraries=lambda _name: [("libpq", "15.10")], log_tail=tails.get
    )
    assert [view.name for view in views] == ["demo", "newcomer"]  # only the last run's failures
    demo = views[0]
    assert demo.versions == ["1.1", "1.0", "0.9"]
    assert demo.columns == (("3.13", "aarch64"), ("3.13", "x86_64"))
    grid = {v: [demo.cell(v, c) for c in demo.columns] for v in demo.versions}
    assert grid == {
        "1.1": [["failed"], []],
        "1.0": [["mirrored"], ["built"]],
        "0.9": [["published"], ["yanked"]],
    }
    built = next(w for w in demo.wheels if w.status == "built")
    assert ("recipe", "abcd") in built.how and built.duration_s == 12.5
    assert ("other toolchains", "fortran: flang 19; openmp: llvm-openmp 19") in built.how
    assert built.log_tail == "the end" and built.libraries == (("libpq", "15.10"),)
    assert demo.failures[0].reason == "no Rust" and demo.failures[0].log_tail == "error: cargo"
    html = render_project(demo)
    assert "broken" in html and "libpq 15.10" in html and "error: cargo" in html
    assert "demo==1.1" in html  # the install line names the newest version
    # without log tails asked for, none is shown
    quiet = project_views([page], manifest, libraries=lambda _name: [])
    assert "the end" not in render_project(quiet[0])
    # what the manifest recorded comes first: a static tree's pages need no wheel at hand
    recorded = next(
        w
        for w in quiet[0].wheels
        if w.file.filename.startswith("demo-0.9-cp313-cp313-musllinux_1_2_aarch64")
    )
    assert recorded.libraries == (("libpq", "15.10"), ("llvm-flang-runtime", "19.1.7"))
    # a wheel without an SBOM: what the manifest says was grafted, without versions
    mirrored = next(w for w in quiet[0].wheels if w.status == "mirrored")
    assert mirrored.libraries == (("libgfortran-0a1b2c3d.so.5", ""),)
    assert set(people_pages(views)) == {"index.html", "demo.html", "newcomer.html"}


def test_a_manifest_that_is_missing_or_not_one_leaves_the_wheels_listed() -> None:
    page = ProjectPage(name="demo", files=(dist("demo-1.0-py3-none-any.whl"),))  # type: ignore[arg-type]
    for manifest in (None, {"wheels": "nonsense", "runs": [3]}, {"runs": [{"failures": 7}]}):
        (view,) = project_views([page], manifest, libraries=lambda _name: [])
        assert [w.status for w in view.wheels] == ["published"]


def test_the_columns_a_wheel_s_tags_name() -> None:
    assert wheel_columns("a-1-cp313-cp313-musllinux_1_2_aarch64.whl") == ("3.13", "aarch64")
    assert wheel_columns("a-1-cp39-abi3-musllinux_1_2_x86_64.whl") == ("abi3 3.9+", "x86_64")
    assert wheel_columns("a-1-py3-none-any.whl") == ("any", "any")
    assert wheel_columns("not-a-wheel.whl") == ("any", "any")


def test_the_run_page_charts_build_time_per_package_and_arch() -> None:
    jobs = [
        report_job("lxml", "x86_64", 120.0),
        report_job("lxml", "aarch64", 240.0),
        report_job("ujson", "x86_64", 12.0, ok=False, reason="compile error\nno libxslt"),
        {**report_job("numpy", "x86_64", 0.0), "action": "mirror"},
    ]
    chart = build_time_chart(jobs)
    bars = chart.count("<rect ")
    assert bars == 3  # the mirror took no build time
    assert chart.index("lxml 1.0 cp3.13 aarch64") < chart.index("lxml 1.0 cp3.13 x86_64")
    assert 'fill="#c0392b"' in chart  # the failed job in red
    page = render_run_page([("shard-1.json", {"jobs": jobs, "archs": []})])
    assert "<svg" in page and "no libxslt" in page and "<script" not in page
    assert build_time_chart([]).startswith('<p class="muted">')


def test_the_libraries_a_wheel_carries_come_from_its_sboms(tmp_path: Path) -> None:
    ours = {"components": [{"type": "library", "name": "libxml2", "version": "2.9.14"}]}
    auditwheel = {
        "metadata": {"component": {"bom-ref": "pkg:pypi/lxml@5.3.0"}},
        "components": [
            {"type": "library", "bom-ref": "pkg:pypi/lxml@5.3.0", "name": "lxml"},
            {
                "type": "library",
                "bom-ref": "pkg:apk/libxslt",
                "name": "libxslt",
                "version": "1.1.42",
            },
            {"type": "library", "name": "libxml2", "version": "2.13"},  # ours came first
        ],
    }
    wheel = pack_wheel(
        tmp_path,
        "lxml",
        "5.3.0",
        tag="cp313-cp313-musllinux_1_2_x86_64",
        files={
            "lxml-5.3.0.dist-info/sboms/auditwheel.cdx.json": json.dumps(auditwheel).encode(),
            "lxml-5.3.0.dist-info/sboms/wheelhouse.cdx.json": json.dumps(ours).encode(),
            "lxml-5.3.0.dist-info/sboms/broken.cdx.json": b"{not json",
        },
    )
    assert wheel_libraries(wheel) == [("libxml2", "2.9.14"), ("libxslt", "1.1.42")]
    assert wheel_libraries(tmp_path / "missing.whl") == []
