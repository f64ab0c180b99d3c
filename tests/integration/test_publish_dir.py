"""`wheelhouse publish --target dir:PATH`: a static tree that plain web servers, file:// and uv read."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from tests.support import logging_static_server, make_wheel, wheelhouse_cli

UV = Path(sys.executable).parent / "uv"


def publish_demo(tmp_path: Path) -> Path:
    wheelhouse = tmp_path / "wheelhouse"
    make_wheel(wheelhouse, "alpha", "1.0", requires=("beta>=1",))
    make_wheel(wheelhouse, "beta", "1.0")
    make_wheel(wheelhouse, "beta", "2.0", requires_python=">=3.99")
    result = wheelhouse_cli(
        "publish",
        "--target",
        f"dir:{tmp_path / 'index'}",
        "--wheelhouse",
        str(wheelhouse),
        cwd=tmp_path,
    )
    assert result.returncode == 0, result.stderr
    return tmp_path / "index"


def test_uv_resolves_from_pep_658_metadata_without_fetching_a_wheel(tmp_path: Path) -> None:
    index = publish_demo(tmp_path)
    (tmp_path / "requirements.in").write_text("alpha\n", encoding="utf-8")
    with logging_static_server(index) as (url, log):
        result = subprocess.run(
            [
                str(UV),
                "pip",
                "compile",
                str(tmp_path / "requirements.in"),
                "--no-config",
                "--no-cache",
                "--index-url",
                f"{url}/simple/",
                "--python-version",
                "3.11",
                "--python-platform",
                "x86_64-unknown-linux-musl",
            ],
            capture_output=True,
            text=True,
            check=False,
            cwd=tmp_path,
        )
    assert result.returncode == 0, result.stderr
    assert "alpha==1.0" in result.stdout
    assert "beta==1.0" in result.stdout  # 2.0 needs Python >= 3.99: data-requires-python read
    assert "/files/alpha-1.0-py3-none-any.whl.metadata" in log
    assert "/files/beta-1.0-py3-none-any.whl.metadata" in log
    fetched_wheels = [path for path in log if path.endswith(".whl")]
    assert fetched_wheels == [], f"uv downloaded wheels to resolve: {fetched_wheels}"


def test_pip_installs_from_the_tree_over_file_urls(tmp_path: Path) -> None:
    index = publish_demo(tmp_path)
    result = subprocess.run(
        [
            sys.executable,
            "-m",
            "pip",
            "download",
            "--isolated",
            "--only-binary",
            ":all:",
            "--index-url",
            f"file://{index}/simple/",
            "--dest",
            str(tmp_path / "out"),
            "alpha",
        ],
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    assert sorted(p.name for p in (tmp_path / "out").iterdir()) == [
        "alpha-1.0-py3-none-any.whl",
        "beta-1.0-py3-none-any.whl",
    ]


def test_uv_pip_install_downloads_wheels_only_after_resolving_from_metadata(
    tmp_path: Path,
) -> None:
    index = publish_demo(tmp_path)
    with logging_static_server(index) as (url, log):
        venv = subprocess.run(
            [str(UV), "venv", "--no-config", "--python", sys.executable, str(tmp_path / "venv")],
            capture_output=True,
            text=True,
            check=False,
        )
        assert venv.returncode == 0, venv.stderr
        result = subprocess.run(
            [
                str(UV),
                "pip",
                "install",
                "--no-config",
                "--no-cache",
                "--python",
                str(tmp_path / "venv" / "bin" / "python"),
                "--index-url",
                f"{url}/simple/",
                "alpha",
            ],
            capture_output=True,
            text=True,
            check=False,
        )
    assert result.returncode == 0, result.stderr
    metadata = [n for n, path in enumerate(log) if path.endswith(".whl.metadata")]
    wheels = [n for n, path in enumerate(log) if path.endswith(".whl")]
    assert len(metadata) == 2 and len(wheels) == 2, log
    assert max(metadata) < min(wheels), f"a wheel was fetched while resolving: {log}"
    assert not any("beta-2.0" in path for path in log if path.startswith("/files/"))
