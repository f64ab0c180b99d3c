"""Publish the built wheelhouse to every target, then install from each with pip in the clean
musl runtime image (no compiler; the container shares the host's loopback and nothing else)."""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Iterator
from contextlib import ExitStack
from pathlib import Path
from typing import Any

import pytest

from tests.e2e.runtime import run_in_runtime
from tests.support import (
    S3_ENV,
    make_wheel,
    moto_s3_server,
    planned_version,
    pypiserver_with_user,
    s3_client,
    selfhosted_index,
    static_server,
    website_proxy,
    wheelhouse_cli,
    write_htpasswd,
    write_simple_tree,
)

WANTED = "simplejson xxhash graftdemo python-dateutil"
CHECK = (
    "import simplejson._speedups, xxhash, graftdemo, dateutil.parser; "
    "print('answer', graftdemo.answer(20))"
)


def venv_pip(arguments: str) -> str:
    """Shell: a fresh venv for CPython 3.13, and pip installing into it."""
    return (
        "py=/opt/python/cp313-cp313/bin/python; $py -m venv --without-pip /tmp/v; "
        "$py -m pip --python /tmp/v/bin/python install --no-cache-dir --disable-pip-version-check "
        f"{arguments}"
    )


@pytest.fixture(scope="module")
def wheelhouse(first_run: dict[str, Any], e2e_project: Path) -> Path:
    return e2e_project / "wheelhouse"


def publish(wheelhouse: Path, target: str, env: dict[str, str], *extra: str) -> None:
    result = wheelhouse_cli(
        "publish",
        "--target",
        target,
        "--wheelhouse",
        str(wheelhouse),
        *extra,
        cwd=wheelhouse.parent,
        env=env,
    )
    assert result.returncode == 0, result.stderr


@pytest.fixture(scope="module", params=["wheelhouse-serve", "selfhosted", "dir-over-http", "s3"])
def published_index(
    request: pytest.FixtureRequest, wheelhouse: Path, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[str]:
    """The built wheelhouse published to one target; yields the URL pip uses."""
    work = tmp_path_factory.mktemp(str(request.param))
    env = {**os.environ, **S3_ENV, "PYTHON_KEYRING_BACKEND": "keyring.backends.null.Keyring"}
    with ExitStack() as stack:
        uploader = {**env, "TWINE_USERNAME": "ci", "TWINE_PASSWORD": "ci-secret"}
        if request.param == "wheelhouse-serve":  # uploads with twine through pypiserver
            url, _ = stack.enter_context(
                pypiserver_with_user(work, user="ci", password="ci-secret")
            )
            publish(wheelhouse, url, uploader)
            yield f"{url}simple/"
        elif request.param == "selfhosted":  # nginx reads, uploads through it to wheelhouse
            url = stack.enter_context(
                selfhosted_index(
                    packages=work / "packages",
                    static=work / "static",
                    work=work,
                    htpasswd=write_htpasswd(work / "htpasswd", user="ci", password="ci-secret"),
                )
            )
            publish(wheelhouse, url, uploader)
            yield f"{url}simple/"
        elif request.param == "dir-over-http":
            publish(wheelhouse, f"dir:{work / 'index'}", env)
            yield stack.enter_context(static_server(work / "index")) + "/simple/"
        else:
            endpoint = stack.enter_context(moto_s3_server(work))
            s3_client(endpoint).create_bucket(Bucket="wheels")
            publish(wheelhouse, "s3://wheels/alpine", env, "--endpoint-url", endpoint)
            url, _ = stack.enter_context(website_proxy(endpoint, "wheels", "alpine"))
            yield f"{url}/simple/"


def test_pip_installs_binary_only_from_the_published_index(
    published_index: str, first_run: dict[str, Any]
) -> None:
    result = run_in_runtime(
        "set -e; "
        + venv_pip(f"--index-url {published_index} --only-binary :all: {WANTED}")
        + f'; /tmp/v/bin/python -c "{CHECK}"'
    )
    assert result.returncode == 0, result.stdout + result.stderr
    output = result.stdout
    assert "answer 42" in output
    assert "Building wheel" not in output  # nothing compiled on the client
    six = planned_version(first_run["report"], "six")  # the closure came along
    assert f"six-{six}" in output


def test_the_pip_that_venv_installs_reads_every_index(published_index: str) -> None:
    """pip as `python -m venv` puts it in the runtime image (CPython 3.11.2's bundled 22.3.1,
    not upgraded): it asks for PEP 691 JSON, and crashed on the legacy `dist-info-metadata`
    key before the pages followed PEP 714."""
    result = run_in_runtime(
        "set -e; /opt/python/cp311-cp311/bin/python -m venv /tmp/old; /tmp/old/bin/pip --version; "
        f"/tmp/old/bin/pip install --index-url {published_index} --only-binary :all: "
        f"--no-cache-dir --disable-pip-version-check {WANTED}; "
        f'/tmp/old/bin/python -c "{CHECK}"'
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert result.stdout.startswith("pip 22.3"), result.stdout[:200]
    assert "answer 42" in result.stdout


PIP_CLIENTS = ("22.3.1", "23.0.1", "23.3.2", "24.3.1", "newest")
UV_VERSION = "0.13.9"


@pytest.fixture(scope="module")
def clients(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The clients under test, fetched on the host (the runtime image has no network)."""
    directory = tmp_path_factory.mktemp("clients")
    wanted = [f"pip=={v}" if v != "newest" else "pip" for v in PIP_CLIENTS]
    for requirement in wanted:
        subprocess.run(
            [
                sys.executable,
                "-m",
                "pip",
                "download",
                "-q",
                "--no-deps",
                "-d",
                str(directory),
                requirement,
            ],
            check=True,
            capture_output=True,
        )
    subprocess.run(
        [
            sys.executable,
            "-m",
            "pip",
            "download",
            "-q",
            "--no-deps",
            "--only-binary",
            ":all:",
            "--platform",
            "musllinux_1_1_x86_64",
            "--python-version",
            "3.11",
            "-d",
            str(directory),
            f"uv=={UV_VERSION}",
        ],
        check=True,
        capture_output=True,
    )
    return directory


def client_script(client: str, index: str) -> str:
    """Shell for the runtime image: the client in a venv of its own, installing from `index`."""
    setup = "set -e; py=/opt/python/cp311-cp311/bin/python; $py -m venv --without-pip /tmp/c; "
    local = "$py -m pip --python /tmp/c/bin/python install -q --no-index --find-links /clients "
    if client == "uv":
        return (
            setup
            + local
            + f"uv=={UV_VERSION}; /tmp/c/bin/uv --version; /tmp/c/bin/uv venv -q --python $py "
            f"/tmp/u; /tmp/c/bin/uv pip install --python /tmp/u/bin/python --index-url {index} "
            f'--only-binary :all: --no-cache {WANTED}; /tmp/u/bin/python -c "{CHECK}"'
        )
    pin = "pip" if client == "newest" else f"pip=={client}"
    return (
        setup
        + local
        + f"{pin}; /tmp/c/bin/python -m pip --version; /tmp/c/bin/python -m pip install "
        f"--index-url {index} --only-binary :all: --no-cache-dir --disable-pip-version-check "
        f'{WANTED}; /tmp/c/bin/python -c "{CHECK}"'
    )


@pytest.mark.parametrize("client", [*PIP_CLIENTS, "uv"])
def test_every_client_installs_from_every_index(
    published_index: str, clients: Path, client: str
) -> None:
    """Real clients as users have them, each from its own venv in the musl runtime image, from
    every kind of index: serve, a static tree with and without JSON negotiation, S3."""
    result = run_in_runtime(
        client_script(client, published_index), mount=clients, mount_at="/clients"
    )
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-3000:]
    if client not in ("uv", "newest"):
        assert f"pip {client} " in result.stdout
    assert "answer 42" in result.stdout


def test_exported_hashes_defeat_dependency_confusion(wheelhouse: Path, tmp_path: Path) -> None:
    """PyPI-as-primary, played by a local index holding an impostor `simplejson 99.0` wheel:
    without hashes pip takes the impostor; with `wheelhouse export`'s requirements it installs
    exactly our wheels from the extra index."""
    impostor = make_wheel(tmp_path / "impostor", "simplejson", "99.0", payload="IMPOSTOR = True\n")
    write_simple_tree([impostor], tmp_path / "primary")
    export = wheelhouse_cli(
        "export",
        "--wheelhouse",
        str(wheelhouse),
        "--project",
        "simplejson",
        "--project",
        "six",
        "--output",
        str(tmp_path / "requirements.txt"),
        cwd=wheelhouse.parent,
    )
    assert export.returncode == 0, export.stderr
    requirements = (tmp_path / "requirements.txt").read_text()
    assert "simplejson==3.17.2 \\" in requirements
    assert requirements.count("--hash=sha256:") >= 3  # cp311 + cp313 simplejson, six

    index_dir = tmp_path / "ours"
    publish(wheelhouse, f"dir:{index_dir}", dict(os.environ))
    with static_server(tmp_path / "primary") as primary, static_server(index_dir) as ours:
        indexes = f"--index-url {primary}/simple/ --extra-index-url {ours}/simple/"
        confused = run_in_runtime(
            venv_pip(f"-q --only-binary :all: {indexes} simplejson")
            + " && /tmp/v/bin/python -c 'import simplejson; print(\"impostor\", simplejson.IMPOSTOR)'"
        )
        assert "impostor True" in confused.stdout, confused.stdout + confused.stderr
        result = run_in_runtime(
            "set -e; "
            + venv_pip(f"--only-binary :all: {indexes} -r /work/requirements.txt")
            + "; /tmp/v/bin/python -c 'import simplejson._speedups, simplejson; "
            'print("version", simplejson.__version__, hasattr(simplejson, "IMPOSTOR"))\'',
            mount=tmp_path,
        )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "version 3.17.2 False" in result.stdout
