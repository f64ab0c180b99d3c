"""The wheelhouse: what enters it, and a manifest no concurrent build can lose entries of."""

from __future__ import annotations

import threading
from datetime import UTC, datetime
from pathlib import Path

from builder.inputs.recipes import empty_recipe
from builder.plan.jobs import BuildJob, ToolVersions
from builder.plan.sdist_needs import SdistNeeds
from builder.resolve.build_targets import BuildTarget
from builder.wheelhouse.manifest import load_manifest
from builder.wheelhouse.store import Made, Refused, Wheelhouse
from index.pages.simple_pages import IndexFile
from tests.support import make_wheel
from tests.unit.fakes import IMAGE

TOOLS = ToolVersions(cibuildwheel="4.3.3", auditwheel="6.8.2")
MADE = Made(duration_s=1.0, log=None, grafted=[])


class FixedClock:
    def now(self) -> datetime:
        return datetime(2026, 11, 30, tzinfo=UTC)

    def monotonic(self) -> float:
        return 0.0


def job(name: str) -> BuildJob:
    return BuildJob(
        name=name,
        version="1.0",
        target=BuildTarget(python="3.11", arch="x86_64"),
        key=f"key-{name}",
        reason="",
        recipe=empty_recipe(name),
        origin="deps.txt:1",
        direct=True,
        sdist=IndexFile(filename=f"{name}-1.0.tar.gz", url="http://x.invalid/", digests={}),
        image=IMAGE,
    )


def test_two_builds_into_one_wheelhouse_keep_each_others_entries(tmp_path: Path) -> None:
    house = tmp_path / "wheelhouse"
    first = Wheelhouse(house, clock=FixedClock())
    second = Wheelhouse(house, clock=FixedClock())  # read the same (empty) manifest
    first.accept(job("alpha"), make_wheel(tmp_path / "a", "alpha", "1.0"), MADE, TOOLS)
    second.accept(job("beta"), make_wheel(tmp_path / "b", "beta", "1.0"), MADE, TOOLS)
    first.manifest.sdists["sha-a"] = SdistNeeds(toolchains={"rust": "maturin"})
    second.manifest.sdists["sha-b"] = SdistNeeds(build_requires=("setuptools",))
    first.record_run([])
    first.save()
    second.record_run([])
    second.save()
    manifest = load_manifest(house)
    assert sorted(manifest.wheels) == ["alpha-1.0-py3-none-any.whl", "beta-1.0-py3-none-any.whl"]
    assert len(manifest.runs) == 2
    assert manifest.sdists == {
        "sha-a": SdistNeeds(toolchains={"rust": "maturin"}),
        "sha-b": SdistNeeds(build_requires=("setuptools",)),
    }


def test_a_different_file_under_a_name_in_the_wheelhouse_is_refused(tmp_path: Path) -> None:
    house = Wheelhouse(tmp_path / "wheelhouse", clock=FixedClock())
    original = make_wheel(tmp_path / "a", "alpha", "1.0")
    house.accept(job("alpha"), original, MADE, TOOLS)
    other = make_wheel(tmp_path / "b", "alpha", "1.0", payload="CHANGED = 1\n")
    refused = house.accept(job("alpha"), other, MADE, TOOLS)
    assert isinstance(refused, Refused)
    assert (tmp_path / "wheelhouse" / original.name).read_bytes() == original.read_bytes()


def test_a_wheelhouse_of_the_previous_release_keeps_its_entries_under_the_new_name(
    tmp_path: Path,
) -> None:
    house = tmp_path / "wheelhouse"
    first = Wheelhouse(house, clock=FixedClock())
    first.accept(job("alpha"), make_wheel(tmp_path / "a", "alpha", "1.0"), MADE, TOOLS)
    first.save()
    (house / "wheelhouse-manifest.json").rename(house / "manifest.json")  # as 0.1 wrote it
    assert list(load_manifest(house).wheels) == ["alpha-1.0-py3-none-any.whl"]
    second = Wheelhouse(house, clock=FixedClock())
    second.accept(job("beta"), make_wheel(tmp_path / "b", "beta", "1.0"), MADE, TOOLS)
    second.save()
    assert not (house / "manifest.json").exists()
    assert sorted(load_manifest(house).wheels) == [
        "alpha-1.0-py3-none-any.whl",
        "beta-1.0-py3-none-any.whl",
    ]


def test_a_second_run_on_the_same_wheelhouse_waits_for_the_first_and_says_so(
    tmp_path: Path,
) -> None:
    """Each run clears and refills the staging directory: a second run (another process: flock
    locks conflict between open files, as here) waits until the first has ended."""
    first, second = (Wheelhouse(tmp_path, clock=FixedClock()) for _ in range(2))
    said: list[str] = []
    events: list[str] = []
    with first.running(lambda: said.append("first waited")):

        def later() -> None:
            with second.running(lambda: said.append("second waits")):
                events.append("second runs")

        thread = threading.Thread(target=later)
        thread.start()
        thread.join(timeout=0.5)
        assert thread.is_alive(), "the second run must wait while the first holds the lock"
        events.append("first ends")
    thread.join(timeout=10)
    assert events == ["first ends", "second runs"]
    assert said == ["second waits"]
