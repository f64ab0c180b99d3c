"""The static tree the self-hosted deployment serves follows the wheelhouse: adds and removals."""

from __future__ import annotations

from pathlib import Path

from index.publish.dir_storage import DirStorage
from index.publish.static_tree import read_project, read_root
from index.serve.listing import DirectoryListing
from index.serve.static_mirror import StaticMirror
from tests.support import make_wheel


def test_follows_additions_and_removals_touching_only_changed_projects(tmp_path: Path) -> None:
    packages, tree = tmp_path / "packages", tmp_path / "tree"
    make_wheel(packages, "alpha", "1.0")
    make_wheel(packages, "beta", "1.0")
    listing = DirectoryListing(packages)

    mirror = StaticMirror(DirStorage(tree))
    first = mirror.sync(listing.current())
    assert sorted(first.published) == ["alpha-1.0-py3-none-any.whl", "beta-1.0-py3-none-any.whl"]
    assert (tree / "files" / "alpha-1.0-py3-none-any.whl.metadata").is_file()

    assert mirror.sync(listing.current()).pages == []  # nothing changed, nothing written

    make_wheel(packages, "alpha", "1.1")
    listing.invalidate()
    added = mirror.sync(listing.current())
    assert added.published == ["alpha-1.1-py3-none-any.whl"]
    assert sorted(added.pages) == ["simple/alpha/index.html", "simple/alpha/index.json"]

    (packages / "beta-1.0-py3-none-any.whl").unlink()
    listing.invalidate()
    removed = mirror.sync(listing.current())
    assert removed.removed == ["beta-1.0-py3-none-any.whl"]
    assert not (tree / "files" / "beta-1.0-py3-none-any.whl").exists()
    storage = DirStorage(tree)
    assert list(read_root(storage).projects) == ["alpha"]
    assert [f.filename for f in read_project(storage, "alpha").files] == [
        "alpha-1.0-py3-none-any.whl",
        "alpha-1.1-py3-none-any.whl",
    ]

    # a new mirror (a restart) reads what the tree lists and writes nothing when it matches
    assert StaticMirror(DirStorage(tree)).sync(listing.current()).pages == []
