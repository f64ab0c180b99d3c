"""The pages for people in a real browser: headless Chromium (Debian's `chromium`) loads them from
`wheelhouse serve` and from a static tree `wheelhouse publish` wrote, the filter narrows the
project list, and a project page shows the grid of a two-CPython, two-arch wheelhouse (built,
mirrored, failed in the last run), what each wheel carries and, with publish-logs, a log's tail.
Screenshots (a phone's width) are written to build/test-artifacts/people-pages/."""

from __future__ import annotations

import hashlib
import json
import re
import shutil
import subprocess
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.support import (
    background_process,
    free_port,
    pack_wheel,
    report_job,
    serve_command,
    wheelhouse_cli,
)

ARTIFACTS = Path(__file__).resolve().parents[2] / "build" / "test-artifacts" / "people-pages"
PYTHONS = ("3.11", "3.13")
ARCHS = ("x86_64", "aarch64")
SBOM = {
    "bomFormat": "CycloneDX",
    "specVersion": "1.6",
    "components": [{"type": "library", "name": "libxml2", "version": "2.9.14"}],
}


def chromium(*args: str) -> str:
    assert shutil.which("chromium"), "needs Debian's chromium: `make tools` installs it"
    done = subprocess.run(
        [
            "chromium",
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--disable-dev-shm-usage",
            "--user-data-dir=/tmp/wheelhouse-chromium-profile",
            *args,
        ],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert done.returncode == 0, done.stderr[-2000:]
    return done.stdout


def dom(url: str) -> str:
    """The page's DOM after its script ran (the filter applied, the install line completed)."""
    return chromium("--dump-dom", url)


def screenshot(url: str, name: str) -> Path:
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    path = ARTIFACTS / name
    chromium(f"--screenshot={path}", "--window-size=412,915", "--hide-scrollbars", url)
    assert path.is_file() and path.stat().st_size > 1000
    return path


def _entry(path: Path, python: str, arch: str, action: str) -> dict[str, Any]:
    return {
        "filename": path.name,
        "name": "lxmlish",
        "version": path.name.split("-")[1],
        "tags": [],
        "sha256": hashlib.sha256(path.read_bytes()).hexdigest(),
        "size": path.stat().st_size,
        "action": action,
        "source_sha256": "ab" * 32,
        "key": f"{path.name}-key",
        "python": python,
        "arch": arch,
        "image": f"wheelhouse-local/musllinux_1_2_{arch}-builder:547073b5504ed60c",
        "recipe": "1a2b3c4d",
        "execution": "cross" if arch == "aarch64" else "native",
        "toolchain": "zig 0.17.1",
        "duration_s": 42.0,
        "log": f".logs/{path.stem}.log" if action == "build" else "",
        "grafted": ["lxmlish.libs/libxml2-1a2b3c4d.so.2"] if action == "build" else [],
    }


@pytest.fixture(scope="module")
def wheelhouse(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """lxmlish 1.0 built for 3.11 and 3.13 on both arches, 1.1 mirrored on x86_64 and failed on
    aarch64 for 3.13 in the last run; tinypure 2.0, pure; a config that shows log tails."""
    project = tmp_path_factory.mktemp("people")
    house = project / "wheelhouse"
    (house / ".logs").mkdir(parents=True)
    entries = []
    for python in PYTHONS:
        abi = "cp" + python.replace(".", "")
        for arch in ARCHS:
            wheel = pack_wheel(
                house,
                "lxmlish",
                "1.0",
                tag=f"{abi}-{abi}-musllinux_1_2_{arch}",
                files={
                    "lxmlish/__init__.py": b"",
                    "lxmlish-1.0.dist-info/sboms/wheelhouse.cdx.json": json.dumps(SBOM).encode(),
                },
            )
            entries.append(_entry(wheel, python, arch, "build"))
            (house / f".logs/{wheel.stem}.log").write_text(
                f"building {wheel.name}\ncompiled etree.c for {arch}\n"
            )
    mirrored = pack_wheel(
        house, "lxmlish", "1.1", tag="cp313-cp313-musllinux_1_2_x86_64", files={"lxmlish/a.py": b""}
    )
    entries.append(_entry(mirrored, "3.13", "x86_64", "mirror"))
    pack_wheel(house, "tinypure", "2.0", tag="py3-none-any", files={"tinypure.py": b""})
    (house / ".logs/lxmlish-1.1-cp3.13-aarch64.log").write_text("error: libxslt not found\n")
    failure = {
        "name": "lxmlish",
        "version": "1.1",
        "python": "3.13",
        "arch": "aarch64",
        "reason": "build failed: libxslt not found",
        "log": ".logs/lxmlish-1.1-cp3.13-aarch64.log",
    }
    manifest = {
        "format": 1,
        "wheels": entries,
        "runs": [{"finished": "2026-12-07T03:00:00+00:00", "archs": [], "failures": [failure]}],
    }
    (house / "wheelhouse-manifest.json").write_text(json.dumps(manifest))
    (project / "wheelhouse.toml").write_text('publish-logs = "tail"\n')
    return project


@pytest.fixture(scope="module")
def served(wheelhouse: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    port = free_port()
    url = f"http://127.0.0.1:{port}"
    log = tmp_path_factory.mktemp("serve-log") / "serve.log"
    command = serve_command(
        wheelhouse / "wheelhouse", port, "--config", str(wheelhouse / "wheelhouse.toml")
    )
    with background_process(command, ready_url=f"{url}/health", log=log):
        yield url


@pytest.fixture(scope="module")
def published(wheelhouse: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    tree = tmp_path_factory.mktemp("static") / "index"
    result = wheelhouse_cli("publish", "--target", f"dir:{tree}", cwd=wheelhouse)
    assert result.returncode == 0, result.stderr
    assert "pages for people under /-/" in result.stderr
    return tree


def test_a_yank_shows_on_the_static_tree_s_pages(
    wheelhouse: Path, tmp_path_factory: pytest.TempPathFactory
) -> None:
    """Yank and prune change what a static tree offers: its pages for people follow."""
    tree = tmp_path_factory.mktemp("yanked") / "index"
    assert wheelhouse_cli("publish", "--target", f"dir:{tree}", cwd=wheelhouse).returncode == 0
    result = wheelhouse_cli(
        "yank", "lxmlish", "--target", f"dir:{tree}", "--version", "1.0", "--reason", "broken",
        cwd=wheelhouse,
    )  # fmt: skip
    assert result.returncode == 0, result.stderr
    page = (tree / "-" / "lxmlish.html").read_text()
    rows = dict(re.findall(r'<tr><th><a href="#v[^"]+">([^<]+)</a></th>(.*?)</tr>', page))
    assert re.findall(r'<td class="(\w*)">', rows["1.0"]) == ["yanked"] * 4
    assert "yanked (broken)" in page
    assert "libxml2 2.9.14" in page and "compiled etree.c for aarch64" in page


def _visible_projects(html: str) -> list[str]:
    return re.findall(r'<li data-name="([^"]+)"(?! hidden)>', html)


@pytest.mark.parametrize("where", ["serve", "static"])
def test_the_filter_narrows_the_project_list(served: str, published: Path, where: str) -> None:
    base = f"{served}/-/" if where == "serve" else f"file://{published}/-/index.html"
    everything = dom(base)
    assert _visible_projects(everything) == ["lxmlish", "tinypure"]
    narrowed = dom(f"{base}?q=LXML")
    assert _visible_projects(narrowed) == ["lxmlish"]
    assert '<li data-name="tinypure" hidden="">' in narrowed
    assert '<span id="shown">1</span> of 2 projects' in narrowed
    screenshot(f"{base}?q=lxml", f"{where}-list-filtered.png")


@pytest.mark.parametrize("where", ["serve", "static"])
def test_a_project_page_shows_the_grid_of_two_pythons_on_two_arches(
    served: str, published: Path, where: str
) -> None:
    url = f"{served}/-/lxmlish.html" if where == "serve" else f"file://{published}/-/lxmlish.html"
    html = dom(url)
    header = re.search(r'<table id="grid"><thead><tr>(.*?)</tr></thead>', html)
    assert header is not None
    columns = re.findall(r"<th>([^<]+)<br>([^<]+)</th>", header.group(1))
    assert columns == [(p, a) for p in PYTHONS for a in sorted(ARCHS)]
    rows = dict(re.findall(r'<tr><th><a href="#v[^"]+">([^<]+)</a></th>(.*?)</tr>', html))
    assert re.findall(r'<td class="(\w*)">', rows["1.0"]) == ["built"] * 4
    # 1.1: mirrored on 3.13 x86_64, failed on 3.13 aarch64, nothing for 3.11
    assert re.findall(r'<td class="(\w*)">', rows["1.1"]) == ["", "", "failed", "mirrored"]
    assert "libxml2 2.9.14" in html  # from the wheel's SBOM
    assert "compiled etree.c for aarch64" in html  # publish-logs = "tail"
    assert "build failed: libxslt not found" in html
    assert "wheelhouse-local/musllinux_1_2_aarch64-builder:547073b5504ed60c" in html
    install = re.search(r'<pre data-index="../simple/">([^<]+)</pre>', html)
    assert install is not None
    if where == "serve":  # the script made the index URL absolute, for copying
        assert install.group(1).startswith(f"pip install --extra-index-url {served}/simple/ ")
    assert install.group(1).endswith("lxmlish==1.1")
    screenshot(url, f"{where}-project.png")


def test_pages_are_not_on_the_simple_api(served: str, published: Path) -> None:
    """The simple index pip and uv read is what it was: no page of the people's in it."""
    root = (published / "simple" / "index.html").read_text()
    assert "/-/" not in root and "lxmlish" in root
    assert sorted(p.name for p in (published / "-").iterdir()) == [
        "index.html",
        "lxmlish.html",
        "tinypure.html",
    ]
    listing = subprocess.run(
        ["curl", "-sf", f"{served}/simple/"], capture_output=True, text=True, check=True
    ).stdout
    assert "/-/" not in listing


FORTRAN_REASON = "the build needs a Fortran compiler"


def test_report_writes_the_run_page_with_its_build_time_chart(tmp_path: Path) -> None:
    shard = {
        "shard": "1/1",
        "jobs": [
            report_job("lxmlish", "x86_64", 95.0),
            report_job("lxmlish", "aarch64", 180.0),
            report_job("fortranish", "x86_64", 20.0, ok=False, reason=FORTRAN_REASON),
        ],
        "archs": [{"arch": "x86_64", "wall_s": 120.0, "execution": "native"}],
    }
    (tmp_path / "report-1.json").write_text(json.dumps(shard))
    result = wheelhouse_cli("report", "report-1.json", "--html", "run.html", cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    html = dom(f"file://{tmp_path}/run.html")
    assert html.count("<rect ") == 3 and "lxmlish 1.0 cp3.13 aarch64" in html
    assert FORTRAN_REASON in html
    screenshot(f"file://{tmp_path}/run.html", "run-page.png")
