"""Static publishing through the Storage seam, on a directory: order, increments, conflicts."""

from __future__ import annotations

import json
import shutil
import threading
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest

from index.dist_files import LocalDist, inspect_wheel
from index.errors import IndexProblem
from index.publish.dir_storage import DirStorage
from index.publish.static_tree import prune, publish_static, read_index, yank
from index.publish.storage import Blob
from tests.support import make_wheel

WHEN = datetime(2026, 11, 21, tzinfo=UTC)


def dist(path: Path) -> LocalDist:
    return inspect_wheel(path, upload_time=WHEN)


class Recording(DirStorage):
    """A directory store that remembers the order of its writes."""

    def __init__(self, root: Path) -> None:
        super().__init__(root)
        self.writes: list[str] = []

    def put(self, key: str, data: bytes, **kwargs: Any) -> None:
        super().put(key, data, **kwargs)
        self.writes.append(key)

    def put_file(self, key: str, path: Path, **kwargs: Any) -> None:
        super().put_file(key, path, **kwargs)
        self.writes.append(key)


def test_files_then_project_pages_then_root(tmp_path: Path) -> None:
    storage = Recording(tmp_path / "index")
    wheels = [
        dist(make_wheel(tmp_path / "in", "alpha", "1.0")),
        dist(make_wheel(tmp_path / "in", "Beta_Pkg", "2.0", requires_python=">=3.9")),
    ]
    report = publish_static(storage, wheels)
    assert sorted(report.uploaded) == [
        "alpha-1.0-py3-none-any.whl",
        "beta_pkg-2.0-py3-none-any.whl",
    ]
    kinds = [
        "file" if key.startswith("files/") else "root" if key.startswith("simple/index") else "page"
        for key in storage.writes
    ]
    assert kinds == sorted(kinds, key=["file", "page", "root"].index)
    assert set(storage.keys("")) == {
        "files/alpha-1.0-py3-none-any.whl",
        "files/alpha-1.0-py3-none-any.whl.metadata",
        "files/beta_pkg-2.0-py3-none-any.whl",
        "files/beta_pkg-2.0-py3-none-any.whl.metadata",
        "simple/alpha/index.html",
        "simple/alpha/index.json",
        "simple/beta-pkg/index.html",
        "simple/beta-pkg/index.json",
        "simple/index.html",
        "simple/index.json",
    }
    page = json.loads((tmp_path / "index/simple/beta-pkg/index.json").read_text())
    assert page["files"][0]["requires-python"] == ">=3.9"
    html = (tmp_path / "index/simple/beta-pkg/index.html").read_text()
    assert 'data-requires-python="&gt;=3.9"' in html
    assert (
        (tmp_path / "index/files/alpha-1.0-py3-none-any.whl.metadata")
        .read_text()
        .startswith("Metadata-Version: 2.1")
    )


def test_publishing_one_wheel_rewrites_only_its_pages_and_the_root_only_when_new(
    tmp_path: Path,
) -> None:
    storage = Recording(tmp_path / "index")
    publish_static(storage, [dist(make_wheel(tmp_path / "a", "alpha", "1.0"))])
    publish_static(storage, [dist(make_wheel(tmp_path / "b", "beta", "1.0"))])
    storage.writes.clear()
    report = publish_static(storage, [dist(make_wheel(tmp_path / "c", "alpha", "2.0"))])
    assert report.pages == ["simple/alpha/index.json", "simple/alpha/index.html"]
    assert storage.writes == [
        "files/alpha-2.0-py3-none-any.whl",
        "files/alpha-2.0-py3-none-any.whl.metadata",
        "simple/alpha/index.json",
        "simple/alpha/index.html",
    ]
    storage.writes.clear()
    again = publish_static(storage, [dist(make_wheel(tmp_path / "d", "alpha", "2.0"))])
    assert again.uploaded == [] and again.pages == [] and storage.writes == []


def test_a_different_file_under_a_published_name_is_refused_before_anything_is_written(
    tmp_path: Path,
) -> None:
    storage = Recording(tmp_path / "index")
    publish_static(storage, [dist(make_wheel(tmp_path / "a", "alpha", "1.0"))])
    storage.writes.clear()
    batch = [
        dist(make_wheel(tmp_path / "b", "gamma", "1.0")),
        dist(make_wheel(tmp_path / "b", "alpha", "1.0", payload="CHANGED = True\n")),
    ]
    with pytest.raises(IndexProblem, match=r"already has a different file named alpha-1\.0"):
        publish_static(storage, batch)
    assert storage.writes == []
    report = publish_static(storage, batch, overwrite=True)
    assert sorted(report.uploaded) == ["alpha-1.0-py3-none-any.whl", "gamma-1.0-py3-none-any.whl"]


def test_another_name_of_a_published_file_is_refused_even_with_overwrite(
    tmp_path: Path,
) -> None:
    # FOO_BAR-2.0, foo_bar-2.0 and foo_bar-2.0.0 of the same tags are one file to pip.
    storage = Recording(tmp_path / "index")
    publish_static(storage, [dist(make_wheel(tmp_path / "a", "foo_bar", "2.0"))])
    storage.writes.clear()
    other = make_wheel(tmp_path / "b", "foo_bar", "2.0.0", payload="OTHER = 1\n")
    shouting = make_wheel(tmp_path / "c", "FOO_BAR", "2.0", payload="OTHER = 2\n")
    shouting = shouting.rename(shouting.with_name("FOO_BAR-2.0-py3-none-any.whl"))
    for wheel in (other, shouting):
        for overwrite in (False, True):
            with pytest.raises(IndexProblem, match="another name of the same file"):
                publish_static(storage, [dist(wheel)], overwrite=overwrite)
    assert storage.writes == []
    (page,) = read_index(storage)
    assert [item.filename for item in page.files] == ["foo_bar-2.0-py3-none-any.whl"]


def test_a_rerun_after_files_without_pages_links_them(tmp_path: Path) -> None:
    storage = DirStorage(tmp_path / "index")
    wheel = dist(make_wheel(tmp_path / "a", "alpha", "1.0"))
    storage.put_file(
        "files/" + wheel.entry.filename,
        wheel.path,
        content_type="",
        cache_control="",
        create_only=True,
        sha256=wheel.entry.sha256,
    )  # what a publish killed after its uploads leaves behind
    report = publish_static(storage, [wheel])
    assert report.unchanged == [wheel.entry.filename]
    assert [page.name for page in read_index(storage)] == ["alpha"]


def test_concurrent_publishers_keep_each_others_entries(tmp_path: Path) -> None:
    storage = DirStorage(tmp_path / "index")
    batches = [[dist(make_wheel(tmp_path / f"w{n}", "shared", f"{n}.0"))] for n in range(1, 9)]
    errors: list[BaseException] = []

    def run(batch: list[LocalDist]) -> None:
        try:
            publish_static(DirStorage(tmp_path / "index"), batch)
        except BaseException as exc:
            errors.append(exc)

    threads = [threading.Thread(target=run, args=(batch,)) for batch in batches]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    (page,) = read_index(storage)
    assert len(page.files) == 8
    html = (tmp_path / "index/simple/shared/index.html").read_text()
    assert all(f"shared-{n}.0-py3-none-any.whl" in html for n in range(1, 9))


def test_yank_shows_in_html_and_json_and_prune_removes_pages_then_files(tmp_path: Path) -> None:
    storage = DirStorage(tmp_path / "index")
    publish_static(
        storage, [dist(make_wheel(tmp_path / "w", "alpha", v)) for v in ("1.0", "2.0", "3.0")]
    )
    assert yank(storage, "Alpha", version="3.0", filename=None, reason="broken") == [
        "alpha-3.0-py3-none-any.whl"
    ]
    html = (tmp_path / "index/simple/alpha/index.html").read_text()
    assert 'data-yanked="broken">alpha-3.0' in html
    data = json.loads((tmp_path / "index/simple/alpha/index.json").read_text())
    assert [f["yanked"] for f in data["files"]] == [False, False, "broken"]
    with pytest.raises(IndexProblem, match=r"has no alpha 9\.0"):
        yank(storage, "alpha", version="9.0", filename=None, reason="")

    assert prune(storage, keep=1) == ["alpha-1.0-py3-none-any.whl"]
    assert not (tmp_path / "index/files/alpha-1.0-py3-none-any.whl").exists()
    assert not (tmp_path / "index/files/alpha-1.0-py3-none-any.whl.metadata").exists()
    assert "alpha-1.0" not in (tmp_path / "index/simple/alpha/index.html").read_text()
    assert "alpha-2.0" in (tmp_path / "index/simple/alpha/index.html").read_text()


def test_truncated_and_misnamed_wheels_are_refused(tmp_path: Path) -> None:
    good = make_wheel(tmp_path / "w", "alpha", "1.0")
    truncated = tmp_path / "alpha-2.0-py3-none-any.whl"
    truncated.write_bytes(good.read_bytes()[:-40])
    with pytest.raises(IndexProblem, match="truncated or corrupt"):
        inspect_wheel(truncated, upload_time=WHEN)
    renamed = tmp_path / "beta-1.0-py3-none-any.whl"
    renamed.write_bytes(good.read_bytes())
    with pytest.raises(IndexProblem, match=r"filename says beta 1\.0, but its METADATA says alpha"):
        inspect_wheel(renamed, upload_time=WHEN)
    bad_name = tmp_path / "alpha.whl"
    bad_name.write_bytes(good.read_bytes())
    with pytest.raises(IndexProblem, match="not a valid wheel filename"):
        inspect_wheel(bad_name, upload_time=WHEN)
    with pytest.raises(IndexProblem, match="differs from the manifest"):
        inspect_wheel(good, upload_time=WHEN, expected_sha256="0" * 64)


def test_blob_etags_change_with_content(tmp_path: Path) -> None:
    storage = DirStorage(tmp_path)
    storage.put("k", b"1", content_type="", cache_control="")
    first = storage.get("k")
    storage.put("k", b"2", content_type="", cache_control="")
    assert isinstance(first, Blob) and first.etag != storage.get("k").etag  # type: ignore[union-attr]


def test_a_directory_target_that_cannot_be_created_is_a_clear_error(tmp_path: Path) -> None:
    blocker = tmp_path / "a-file"
    blocker.write_text("")
    storage = DirStorage(blocker / "index")
    with pytest.raises(IndexProblem, match="cannot write under"):
        publish_static(storage, [dist(make_wheel(tmp_path / "w", "alpha", "1.0"))])


def test_prune_and_yank_say_what_they_could_not_find(tmp_path: Path) -> None:
    storage = DirStorage(tmp_path / "index")
    with pytest.raises(IndexProblem, match=r"no index at .*nothing to prune"):
        prune(storage, keep=1)
    publish_static(storage, [dist(make_wheel(tmp_path / "a", "alpha", "1.0"))])
    with pytest.raises(IndexProblem, match="has no project nope"):
        prune(storage, keep=1, projects=["nope"])
    for version in ("notaversion", ""):
        with pytest.raises(IndexProblem, match="is not a version"):
            yank(storage, "alpha", version=version, filename=None, reason="x")


@pytest.mark.parametrize(
    "damage", ["index-json-is-a-directory", "link-out-of-tree", "files-is-a-file"]
)
def test_a_damaged_index_directory_is_a_clear_error(tmp_path: Path, damage: str) -> None:
    storage = DirStorage(tmp_path / "index")
    publish_static(storage, [dist(make_wheel(tmp_path / "a", "alpha", "1.0"))])
    root = tmp_path / "index"
    if damage == "index-json-is-a-directory":
        (root / "simple" / "index.json").unlink()
        (root / "simple" / "index.json").mkdir()
    elif damage == "link-out-of-tree":
        elsewhere = tmp_path / "elsewhere"
        elsewhere.mkdir()
        shutil.rmtree(root / "simple" / "alpha")
        (root / "simple" / "alpha").symlink_to(elsewhere)
    else:
        shutil.rmtree(root / "files")
        (root / "files").write_text("not a directory")
    with pytest.raises(
        IndexProblem, match=r"(cannot use|leads out of the tree|cannot write under)"
    ):
        publish_static(storage, [dist(make_wheel(tmp_path / "b", "alpha", "2.0"))])


@pytest.mark.parametrize("name", ["demo-1.0-py3-none-an#y.whl", "demo-1.0-py3-none-a?ny.whl"])
def test_a_wheel_whose_name_cannot_be_linked_is_refused(tmp_path: Path, name: str) -> None:
    wheel = make_wheel(tmp_path / "w", "demo", "1.0")
    odd = wheel.rename(wheel.with_name(name))
    with pytest.raises(IndexProblem, match="the file name holds"):
        dist(odd)
