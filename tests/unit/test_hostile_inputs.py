"""Generated hostile input against everything a user or a stranger can hand wheelhouse: the
curated list, the config, file names, wheels and uploads. The answer is always a result or a
clear error of ours, never another exception, and the server never answers 500."""

from __future__ import annotations

import zipfile
from datetime import UTC, datetime
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from builder.errors import InputError
from builder.inputs.curated_list import parse_list
from builder.inputs.settings import load_settings
from index.dist_files import filename_problem, inspect_wheel, wheel_metadata
from index.errors import IndexProblem
from index.pages.model import filename_project_version
from index.serve.app import IndexApp
from index.serve.listing import DirectoryListing
from index.serve.upload_store import UploadStore
from tests.unit.test_serve_app import USER, Writer, call, upload_body

HOSTILE = settings(
    max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
lines = st.one_of(
    st.text(max_size=80),
    st.sampled_from(
        ["-r ../x", "-r", "--requirement=", "a[", "a @ http://x", "a==1 ; os_name ==", "\\", "#"]
    ),
    st.from_regex(r"[a-zA-Z0-9_.\[\]<>=!~,; \-]{0,40}", fullmatch=True),
)


@HOSTILE
@given(st.lists(lines, max_size=8))
def test_the_list_parser_answers_or_refuses(tmp_path: Path, text_lines: list[str]) -> None:
    path = tmp_path / "deps.txt"
    path.write_text("\n".join(text_lines), encoding="utf-8", errors="surrogatepass")
    try:
        entries = parse_list(path)
    except InputError as refused:  # a refusal names the file (and the line, where one is at fault)
        assert str(path) in str(refused) or "deps.txt" in str(refused), refused
        return
    text = path.read_text(encoding="utf-8", errors="surrogateescape").lower()
    line_count = max(1, len(text.splitlines()))
    for entry in entries:  # an answer: names from the text, at lines that exist
        assert entry.location.path == path
        assert entry.location.line is not None and 1 <= entry.location.line <= line_count
        assert entry.requirement.name.lower() in text


toml_values = st.recursive(
    st.one_of(st.text(max_size=20), st.integers(), st.booleans(), st.floats(allow_nan=False)),
    lambda inner: (
        st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=10), inner, max_size=3)
    ),
    max_leaves=6,
)
keys = st.sampled_from(
    [
        "pythons",
        "archs",
        "musllinux",
        "images",
        "index-url",
        "extra-index-urls",
        "wheelhouse",
        "recipes",
        "runners",
        "custom-images",
        "build-constraints",
        "tool",
        "bogus",
    ]
)


def as_toml(value: object) -> str:
    """A TOML inline value (strings JSON-quoted), or a table for a dict."""
    import json  # noqa: PLC0415

    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, dict):
        inner = ", ".join(f"{json.dumps(k)} = {as_toml(v)}" for k, v in value.items())
        return "{" + inner + "}"
    if isinstance(value, list):
        return "[" + ", ".join(as_toml(v) for v in value) + "]"
    if isinstance(value, str):
        return json.dumps(value)
    return repr(value)


@HOSTILE
@given(
    st.dictionaries(keys, toml_values, max_size=5),
    st.sampled_from(["wheelhouse.toml", "pyproject table", "pyproject top level"]),
)
def test_the_config_loader_answers_or_refuses(
    tmp_path: Path, table: dict[str, object], where: str
) -> None:
    body = "".join(f"{key} = {as_toml(value)}\n" for key, value in table.items())
    for stale in ("pyproject.toml", "wheelhouse.toml"):
        (tmp_path / stale).unlink(missing_ok=True)
    if where == "wheelhouse.toml":
        (tmp_path / where).write_text(body, encoding="utf-8", errors="surrogatepass")
    else:
        text = "[tool.wheelhouse]\n" + body if where == "pyproject table" else body
        (tmp_path / "pyproject.toml").write_text(text, encoding="utf-8", errors="surrogatepass")
    try:
        settings = load_settings(config=None, cwd=tmp_path, env={})
    except InputError as refused:  # a refusal names the file it read
        assert "wheelhouse.toml" in str(refused) or "pyproject.toml" in str(refused), refused
        return
    # An answer holds only values the rest of the program can use.
    assert settings.pythons and all(p.count(".") == 1 for p in settings.pythons)
    assert set(settings.archs) <= {"x86_64", "aarch64"} and settings.archs
    assert settings.images in ("auto", "local", "pypa")
    assert all(isinstance(url, str) for url in settings.extra_index_urls)
    assert all(mode in ("auto", "cross", "qemu") for mode in settings.execution.values())


@HOSTILE
@given(st.text(max_size=300), st.binary(max_size=300))
def test_file_names_and_wheel_bytes_answer_or_refuse(
    tmp_path: Path, name: str, data: bytes
) -> None:
    problem = filename_problem(name)
    assert problem is None or isinstance(problem, str)
    try:
        project, version = filename_project_version(name)
    except ValueError:
        pass
    else:  # a name that parses gives a normalized project and a version
        assert project and project == project.lower() and str(version)
    if problem is None and name.endswith(".whl"):
        path = tmp_path / name
        path.write_bytes(data)
        # 300 random bytes are never a wheel: refused, with the file named.
        with pytest.raises(IndexProblem, match="not a") as refused:
            inspect_wheel(path, upload_time=datetime(2026, 1, 1, tzinfo=UTC))
        assert name[:20] in str(refused.value) or "wheel" in str(refused.value)


@HOSTILE
@given(
    st.one_of(st.text(max_size=300), st.sampled_from(["x-1.0-py3-none-any.whl", "x-1.0.tar.gz"])),
    st.binary(max_size=400),
    st.booleans(),
)
def test_the_upload_handler_never_answers_500(
    tmp_path: Path, filename: str, content: bytes, multipart: bool
) -> None:
    app = IndexApp(
        DirectoryListing(tmp_path),
        writer=Writer(tmp_path),
        store=UploadStore(tmp_path),
        may_write=USER.__eq__,
    )
    if multipart:
        body, content_type = upload_body(filename.replace('"', ""), content)
    else:
        body, content_type = content, "application/octet-stream"
    before = sorted(tmp_path.iterdir())  # examples share the directory
    answer = call(app, "/", method="POST", body=body, authorization=USER, content_type=content_type)
    assert answer.status in (200, 400), answer
    if answer.status == 400:  # the gate says why, and nothing was stored
        assert answer.body.startswith(b"refused: "), answer
        assert sorted(tmp_path.iterdir()) == before
    else:  # not an upload (pypiserver's), or random bytes that are no wheel could not pass
        assert answer.body == b"writer", answer


def test_a_metadata_zip_bomb_is_refused_without_inflating_it(tmp_path: Path) -> None:
    # 100 MB of METADATA compresses to about 100 kB: it is never read past the cap.
    bomb = tmp_path / "bomb-1.0-py3-none-any.whl"
    with zipfile.ZipFile(bomb, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("bomb/__init__.py", "")
        header = b"Metadata-Version: 2.1\nName: bomb\nVersion: 1.0\nSummary: "
        archive.writestr("bomb-1.0.dist-info/METADATA", header + b" " * 100_000_000)
    with pytest.raises(zipfile.BadZipFile, match="METADATA is larger than 8 MB"):
        wheel_metadata(bomb)
    snapshot = DirectoryListing(tmp_path).current()
    assert snapshot.files == {}  # not listed, so never served
