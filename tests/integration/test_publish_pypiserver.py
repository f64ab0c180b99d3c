"""`wheelhouse publish --target http://...`: twine uploads to a real pypiserver (`wheelhouse serve`)."""

from __future__ import annotations

import os
import subprocess
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import httpx
import pytest

from tests.support import free_port, make_wheel, pypiserver_with_user, wheelhouse_cli

USER, PASSWORD = "uploader", "correct horse"


@dataclass(frozen=True)
class Server:
    url: str
    served: Path
    home: Path

    def env(self, **extra: str) -> dict[str, str]:
        env = {
            key: value
            for key, value in os.environ.items()
            if not key.startswith("TWINE_") and key != "HOME"
        }
        # No ~/.pypirc or keyring of the machine running the tests leaks in.
        return {
            **env,
            "HOME": str(self.home),
            "PYTHON_KEYRING_BACKEND": "keyring.backends.null.Keyring",
            **extra,
        }

    def publish(
        self, wheelhouse: Path, *extra: str, **env: str
    ) -> subprocess.CompletedProcess[str]:
        return wheelhouse_cli(
            "publish",
            "--target",
            self.url,
            "--wheelhouse",
            str(wheelhouse),
            *extra,
            cwd=wheelhouse.parent,
            env=self.env(**env),
        )


CREDENTIALS = {"TWINE_USERNAME": USER, "TWINE_PASSWORD": PASSWORD}


@pytest.fixture
def server(tmp_path: Path) -> Iterator[Server]:
    home = tmp_path / "home"
    home.mkdir()
    with pypiserver_with_user(tmp_path, user=USER, password=PASSWORD) as (url, served):
        yield Server(url=url, served=served, home=home)


def test_twine_upload_skips_what_is_there_and_refuses_a_different_file(
    server: Server, tmp_path: Path
) -> None:
    wheelhouse = tmp_path / "wheelhouse"
    make_wheel(wheelhouse, "alpha", "1.0")
    make_wheel(wheelhouse, "beta", "1.0")
    first = server.publish(wheelhouse, **CREDENTIALS)
    assert first.returncode == 0, first.stderr
    assert PASSWORD not in first.stderr + first.stdout
    assert sorted(p.name for p in server.served.glob("*.whl")) == [
        "alpha-1.0-py3-none-any.whl",
        "beta-1.0-py3-none-any.whl",
    ]
    page = httpx.get(f"{server.url}simple/alpha/", timeout=10).text
    assert "alpha-1.0-py3-none-any.whl#sha256=" in page

    make_wheel(wheelhouse, "alpha", "2.0")
    second = server.publish(wheelhouse, "--json", **CREDENTIALS)
    assert second.returncode == 0, second.stderr
    assert '"uploaded": [\n    "alpha-2.0-py3-none-any.whl"\n  ]' in second.stdout

    other = tmp_path / "other" / "wheelhouse"
    make_wheel(other, "beta", "1.0", payload="CHANGED = True\n")
    make_wheel(other, "gamma", "1.0")
    refused = server.publish(other, **CREDENTIALS)
    assert refused.returncode == 6  # a publish conflict: refused, nothing sent
    assert "already has a different file named beta-1.0-py3-none-any.whl" in refused.stderr
    assert not (server.served / "gamma-1.0-py3-none-any.whl").exists()  # nothing half-published

    overwrite = server.publish(other, "--overwrite", **CREDENTIALS)
    assert overwrite.returncode == 6
    assert "refused to overwrite" in overwrite.stderr


def test_credentials_missing_or_wrong_are_refused(server: Server, tmp_path: Path) -> None:
    wheelhouse = tmp_path / "wheelhouse"
    make_wheel(wheelhouse, "alpha", "1.0")
    missing = server.publish(wheelhouse)
    assert missing.returncode == 5  # the target refused us
    assert "needs credentials and none were found" in missing.stderr
    wrong = server.publish(wheelhouse, TWINE_USERNAME=USER, TWINE_PASSWORD="not-it-4711")
    assert wrong.returncode == 5
    assert "refused the credentials" in wrong.stderr
    assert "not-it-4711" not in wrong.stderr + wrong.stdout
    assert list(server.served.glob("*.whl")) == []
    for result in (missing, wrong):
        assert "Traceback" not in result.stderr


def test_credentials_from_a_pypirc_section_for_this_url(server: Server, tmp_path: Path) -> None:
    (server.home / ".pypirc").write_text(
        f"[distutils]\nindex-servers = team\n\n[team]\nrepository = {server.url}\n"
        f"username = {USER}\npassword = {PASSWORD}\n",
        encoding="utf-8",
    )
    wheelhouse = tmp_path / "wheelhouse"
    make_wheel(wheelhouse, "alpha", "1.0")
    result = server.publish(wheelhouse)
    assert result.returncode == 0, result.stderr
    assert (server.served / "alpha-1.0-py3-none-any.whl").is_file()


def test_prune_removes_old_versions_and_yank_says_pypiserver_cannot(
    server: Server, tmp_path: Path
) -> None:
    wheelhouse = tmp_path / "wheelhouse"
    for version in ("1.0", "2.0", "3.0"):
        make_wheel(wheelhouse, "alpha", version)
    assert server.publish(wheelhouse, **CREDENTIALS).returncode == 0
    pruned = wheelhouse_cli(
        "prune",
        "--target",
        server.url,
        "--keep",
        "2",
        "--project",
        "alpha",
        cwd=tmp_path,
        env=server.env(**CREDENTIALS),
    )
    assert pruned.returncode == 0, pruned.stderr
    assert sorted(p.name for p in server.served.glob("*.whl")) == [
        "alpha-2.0-py3-none-any.whl",
        "alpha-3.0-py3-none-any.whl",
    ]
    yanked = wheelhouse_cli(
        "yank",
        "alpha",
        "--version",
        "3.0",
        "--target",
        server.url,
        cwd=tmp_path,
        env=server.env(**CREDENTIALS),
    )
    assert yanked.returncode == 2
    assert "pypiserver has no way to mark a file yanked" in yanked.stderr


def test_an_unreachable_server_is_a_clear_error(tmp_path: Path) -> None:
    wheelhouse = tmp_path / "wheelhouse"
    make_wheel(wheelhouse, "alpha", "1.0")
    result = wheelhouse_cli(
        "publish",
        "--target",
        f"http://127.0.0.1:{free_port()}/",
        "--wheelhouse",
        str(wheelhouse),
        cwd=tmp_path,
        env={**os.environ, **CREDENTIALS},
    )
    assert result.returncode == 5
    assert "cannot reach http://127.0.0.1:" in result.stderr
    assert "Traceback" not in result.stderr
