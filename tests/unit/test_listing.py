"""The directory listing behind `wheelhouse serve`: rescans only on change, racy stamps, reuse."""

from __future__ import annotations

import json
import os
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from packaging.utils import canonicalize_name

from index.serve.listing import RACY_NS, DirectoryListing
from tests.support import make_wheel


class Clock:
    def __init__(self, now_ns: int) -> None:
        self.now_ns = now_ns

    def __call__(self) -> int:
        return self.now_ns


def settled(directory: Path) -> Clock:
    """A clock well past the directory's last change: its listing is trusted."""
    return Clock(directory.stat().st_mtime_ns + 10 * RACY_NS)


def test_lists_distributions_only_and_groups_them_by_project(tmp_path: Path) -> None:
    make_wheel(tmp_path, "Alpha.Beta", "1.0")
    make_wheel(tmp_path, "alpha-beta", "1.1", requires_python=">=3.11")
    make_wheel(tmp_path, "gamma", "2.0")
    (tmp_path / "manifest.json").write_text("{}")
    (tmp_path / ".hidden-1.0-py3-none-any.whl").write_bytes(b"x")
    (tmp_path / "broken-1.0-py3-none-any.whl").write_bytes(b"not a zip")
    (tmp_path / ".cache").mkdir()
    snapshot = DirectoryListing(tmp_path, clock_ns=settled(tmp_path)).current()
    assert sorted(snapshot.projects) == ["alpha-beta", "gamma"]
    page = snapshot.projects[canonicalize_name("alpha-beta")]
    assert [str(v) for v in page.versions] == ["1.0", "1.1"]
    assert page.files[1].requires_python == ">=3.11"
    assert page.files[0].metadata_sha256 is not None
    assert "broken-1.0-py3-none-any.whl" not in snapshot.files


def test_an_unchanged_directory_is_not_listed_again(tmp_path: Path) -> None:
    make_wheel(tmp_path, "alpha", "1.0")
    listing = DirectoryListing(tmp_path, clock_ns=settled(tmp_path))
    first = listing.current()
    assert listing.current() is first
    assert listing.scans == 1


def test_a_change_lists_again_and_reads_only_new_files(tmp_path: Path) -> None:
    make_wheel(tmp_path, "alpha", "1.0")
    make_wheel(tmp_path, "beta", "1.0")
    clock = settled(tmp_path)
    listing = DirectoryListing(tmp_path, clock_ns=clock)
    first = listing.current()
    make_wheel(tmp_path, "alpha", "1.1")
    os.utime(tmp_path, ns=(clock.now_ns, clock.now_ns))  # a later tick than the first listing
    clock.now_ns += 10 * RACY_NS
    second = listing.current()
    assert listing.scans == 2
    assert [item.filename for item in second.projects[canonicalize_name("alpha")].files][
        -1
    ].startswith("alpha-1.1")
    kept = "alpha-1.0-py3-none-any.whl"
    assert second.files[kept] is first.files[kept]  # not read again
    beta = canonicalize_name("beta")
    assert second.projects[beta] is first.projects[beta]  # an untouched project keeps its page
    (tmp_path / "beta-1.0-py3-none-any.whl").unlink()
    os.utime(tmp_path, ns=(clock.now_ns, clock.now_ns))
    clock.now_ns += 10 * RACY_NS
    assert beta not in listing.current().projects


def test_a_racy_listing_is_checked_again_once_the_tick_is_over(tmp_path: Path) -> None:
    make_wheel(tmp_path, "alpha", "1.0")
    mtime = tmp_path.stat().st_mtime_ns
    clock = Clock(mtime + RACY_NS // 4)  # listed while the directory's stamp is this fresh
    listing = DirectoryListing(tmp_path, clock_ns=clock)
    listing.current()
    make_wheel(tmp_path, "alpha", "1.1")  # a second change inside the same tick:
    os.utime(tmp_path, ns=(mtime, mtime))  # the directory's stamp does not move
    assert "alpha-1.1-py3-none-any.whl" not in listing.current().files
    clock.now_ns = mtime + RACY_NS + 1
    assert "alpha-1.1-py3-none-any.whl" in listing.current().files
    scans = listing.scans
    listing.current()
    assert listing.scans == scans  # trusted from now on


def test_invalidate_lists_again_even_with_the_same_stamp(tmp_path: Path) -> None:
    make_wheel(tmp_path, "alpha", "1.0")
    listing = DirectoryListing(tmp_path, clock_ns=settled(tmp_path))
    listing.current()
    listing.invalidate()
    listing.current()
    assert listing.scans == 2


def test_a_restart_uses_the_cache_instead_of_reading_files_again(tmp_path: Path) -> None:
    wheels, cache = tmp_path / "wheels", tmp_path / "wheels" / ".cache" / "listing.json"
    path = make_wheel(wheels, "alpha", "1.0")
    first = DirectoryListing(wheels, cache_file=cache, clock_ns=settled(wheels)).current()
    assert cache.is_file()
    learned = first.files[path.name].entry
    # Same size, mtime and inode, different bytes: only a re-read would notice.
    status = path.stat()
    with path.open("r+b") as stream:
        stream.write(b"\0" * status.st_size)
    os.utime(path, ns=(status.st_atime_ns, status.st_mtime_ns))
    restarted = DirectoryListing(wheels, cache_file=cache, clock_ns=settled(wheels)).current()
    assert restarted.files[path.name].entry == learned
    assert restarted.projects[canonicalize_name("alpha")].files == (learned,)
    # A changed mtime means the entry no longer applies: the file is read, and it is now broken.
    os.utime(path, ns=(status.st_atime_ns, status.st_mtime_ns + 1))
    again = DirectoryListing(wheels, cache_file=cache, clock_ns=settled(wheels)).current()
    assert path.name not in again.files


def test_an_unreadable_cache_costs_only_time(tmp_path: Path) -> None:
    cache = tmp_path / ".cache" / "listing.json"
    cache.parent.mkdir()
    cache.write_text("{not json")
    make_wheel(tmp_path, "alpha", "1.0")
    snapshot = DirectoryListing(tmp_path, cache_file=cache, clock_ns=settled(tmp_path)).current()
    assert list(snapshot.files) == ["alpha-1.0-py3-none-any.whl"]
    assert cache.read_text().startswith('{"version":1')


@pytest.mark.parametrize(
    "damage",
    [
        lambda fields: [*fields[:3], "not hex", *fields[4:]],  # sha256
        lambda fields: [*fields[:4], 3.9, fields[5]],  # requires_python, a number
        lambda fields: [*fields[:4], ">=3.9,,<", fields[5]],  # no specifier
        lambda fields: [fields[0], 1e999, *fields[2:]],  # an mtime no date can hold
        lambda fields: [fields[0], 10**30, *fields[2:]],
        lambda fields: [-1, *fields[1:]],
        lambda _fields: "x",
        lambda _fields: None,
    ],
)
def test_a_damaged_cache_entry_is_discarded_never_trusted(
    tmp_path: Path, damage: Callable[[list[Any]], Any]
) -> None:
    wheels, cache = tmp_path / "wheels", tmp_path / "wheels" / ".cache" / "listing.json"
    path = make_wheel(wheels, "alpha", "1.0", requires_python=">=3.9")
    truth = DirectoryListing(wheels, cache_file=cache, clock_ns=settled(wheels)).current()
    data = json.loads(cache.read_text())
    data["files"][path.name] = damage(data["files"][path.name])
    cache.write_text(json.dumps(data).replace("Infinity", "1e999"))
    snapshot = DirectoryListing(wheels, cache_file=cache, clock_ns=settled(wheels)).current()
    assert snapshot.files[path.name].entry == truth.files[path.name].entry  # read again


@pytest.mark.parametrize("text", ["[]", '"x"', "null", '{"version": 1, "files": []}', "[" * 5000])
def test_a_cache_that_is_no_mapping_is_discarded(tmp_path: Path, text: str) -> None:
    cache = tmp_path / ".cache" / "listing.json"
    cache.parent.mkdir()
    cache.write_text(text)
    make_wheel(tmp_path, "alpha", "1.0")
    snapshot = DirectoryListing(tmp_path, cache_file=cache, clock_ns=settled(tmp_path)).current()
    assert list(snapshot.files) == ["alpha-1.0-py3-none-any.whl"]
