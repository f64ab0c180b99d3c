"""`wheelhouse export` pins one consistent set of the index's versions, with every hash."""

from __future__ import annotations

import hashlib
from datetime import UTC, datetime

import pytest

from app.exporting import export_pins
from builder.errors import InputError, UpstreamError
from builder.resolve.build_targets import BuildTarget
from index.errors import IndexProblem
from index.pages.model import DistFile, ProjectPage, project_name
from index.publish.export import render_requirements

WHEN = datetime(2026, 11, 21, tzinfo=UTC)
PY311 = BuildTarget(python="3.11", arch="x86_64")
PY313 = BuildTarget(python="3.13", arch="x86_64")


def entry(filename: str, sha: str = "0", *, yanked: str | None = None) -> DistFile:
    known = METADATA.get(filename)  # the page vouches for the .metadata file, as ours do
    return DistFile(
        filename=filename,
        sha256=sha * 64,
        size=1,
        upload_time=WHEN,
        yanked=yanked,
        metadata_sha256=hashlib.sha256(known).hexdigest() if known else None,
    )


def page(name: str, *files: DistFile) -> ProjectPage:
    return ProjectPage(name=project_name(name), files=files)


def metadata_text(lines: list[str]) -> bytes:
    return (
        "Metadata-Version: 2.1\nName: x\nVersion: 1\n"
        + "".join(f"Requires-Dist: {line}\n" for line in lines)
    ).encode()


METADATA = {
    "app-2.0-py3-none-any.whl": metadata_text(["lib<2"]),
    "app-1.0-py3-none-any.whl": metadata_text(["absent"]),
}


def test_pins_agree_with_each_others_requirements() -> None:
    """Newest-of-each would pin lib 2.0, which app 2.0 excludes: the set stays consistent."""
    pages = [
        page("app", entry("app-2.0-py3-none-any.whl", "a")),
        page("lib", entry("lib-1.0-py3-none-any.whl", "b"), entry("lib-2.0-py3-none-any.whl", "c")),
    ]
    pins = export_pins(pages, [PY311, PY313], only=[], metadata=METADATA.get)
    assert [(p.name, p.version) for p in pins] == [("app", "2.0"), ("lib", "1.0")]
    text = render_requirements(pins, index_url="http://idx/simple/")
    assert "lib==1.0 \\\n    --hash=sha256:" + "b" * 64 in text


def test_every_live_file_of_the_version_and_no_yanked_one() -> None:
    pages = [
        page(
            "demo",
            entry("demo-1.0-py3-none-any.whl", "a"),
            entry("demo-2.0-cp311-cp311-musllinux_1_2_x86_64.whl", "b"),
            entry("demo-2.0-cp313-cp313-musllinux_1_2_x86_64.whl", "c"),
            entry("demo-3.0-py3-none-any.whl", "d", yanked="broken"),
        )
    ]
    pins = export_pins(pages, [PY311, PY313], only=["Demo"], metadata=dict[str, bytes]().get)
    text = render_requirements(pins)
    body = [line for line in text.splitlines() if not line.startswith("#")]
    assert body == [
        "demo==2.0 \\",
        f"    --hash=sha256:{'b' * 64} \\",
        f"    --hash=sha256:{'c' * 64}",
    ]


def test_a_missing_dependency_or_project_and_diverging_targets_are_errors() -> None:
    app = page("app", entry("app-1.0-py3-none-any.whl", "a"))
    with pytest.raises(Exception, match="absent: not in the index"):
        export_pins([app], [PY311], only=[], metadata=METADATA.get)
    with pytest.raises(IndexProblem, match="not in the index: nope"):
        export_pins([app], [PY311], only=["Nope"], metadata=METADATA.get)
    split = page(
        "demo",
        entry("demo-1.0-py3-none-any.whl", "a"),
        entry("demo-2.0-cp313-cp313-musllinux_1_2_x86_64.whl", "b"),
    )
    with pytest.raises(InputError, match=r"demo 1\.0 for cp3\.11/x86_64, 2\.0 for cp3\.13"):
        export_pins([split], [PY311, PY313], only=[], metadata=dict[str, bytes]().get)


def test_a_metadata_file_that_is_not_what_its_page_vouches_for_is_refused() -> None:
    app = page("app", entry("app-2.0-py3-none-any.whl", "a"))
    swapped = {"app-2.0-py3-none-any.whl": metadata_text(["evil-package"])}
    with pytest.raises(UpstreamError, match="its sha256 is not the one its project page gives"):
        export_pins([app], [PY311], only=[], metadata=swapped.get)
