"""`wheelhouse merge` of shard wheelhouses, and the manifest a static publish target holds for
`plan --target` (real CLI, real files; no containers)."""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import asdict
from pathlib import Path
from typing import Any

import pytest

from builder.wheelhouse.manifest import Manifest, WheelEntry, load_manifest
from index.dist_files import file_sha256
from tests.support import make_wheel, wheelhouse_cli


def shard(directory: Path, *wheels: tuple[str, str, str], failed: tuple[str, ...] = ()) -> Path:
    """A shard's wheelhouse: the wheels (name, version, payload), a manifest listing them, a
    log each, and one run."""
    manifest = Manifest()
    for name, version, payload in wheels:
        path = make_wheel(directory, name, version, payload=payload)
        log = directory / ".logs" / f"{name}.log"
        log.parent.mkdir(parents=True, exist_ok=True)
        log.write_text(f"built {name}\n")
        manifest.add(
            WheelEntry(
                filename=path.name,
                name=name,
                version=version,
                tags=["py3-none-any"],
                sha256=file_sha256(path),
                size=path.stat().st_size,
                action="build",
                source_sha256="s" + name,
                key=f"key-{name}-{version}",
                python="3.11",
                arch="x86_64",
                duration_s=12.5,
                log=f".logs/{name}.log",
                created="2026-11-30T00:00:00",
            )
        )
    manifest.record_run(finished=f"run-{directory.name}", archs=[], failed=list(failed))
    (directory / "wheelhouse-manifest.json").write_text(json.dumps(manifest.to_json()))
    return directory


def test_merge_combines_shards_and_refuses_a_conflict_without_writing(tmp_path: Path) -> None:
    one = shard(tmp_path / "one", ("alpha", "1.0", ""), failed=("key-gamma-1.0",))
    two = shard(tmp_path / "two", ("beta", "1.0", ""), ("alpha", "1.0", ""))
    merged = tmp_path / "merged"
    done = wheelhouse_cli(
        "merge", str(one), str(two), "--into", str(merged), "--json", cwd=tmp_path
    )
    assert done.returncode == 0, done.stderr
    report = json.loads(done.stdout)
    assert sorted(report["added"]) == ["alpha-1.0-py3-none-any.whl", "beta-1.0-py3-none-any.whl"]
    manifest = load_manifest(merged)
    assert sorted(manifest.wheels) == report["added"]
    assert (merged / ".logs" / "beta.log").read_text() == "built beta\n"
    assert {run["finished"] for run in manifest.runs} == {"run-one", "run-two"}
    assert manifest.failed_last_time() == {"key-gamma-1.0"}

    rival = shard(tmp_path / "rival", ("delta", "1.0", ""), ("beta", "1.0", "DIFFERENT = 1\n"))
    before = sorted(p.name for p in merged.iterdir())
    refused = wheelhouse_cli("merge", str(rival), "--into", str(merged), cwd=tmp_path)
    assert refused.returncode == 6, refused.stderr
    message = " ".join(refused.stderr.split())
    assert "beta-1.0-py3-none-any.whl" in message and "nothing was merged" in message
    assert sorted(p.name for p in merged.iterdir()) == before  # delta did not go in either


def test_merge_refuses_a_damaged_shard(tmp_path: Path) -> None:
    one = shard(tmp_path / "one", ("alpha", "1.0", ""))
    (one / "alpha-1.0-py3-none-any.whl").write_bytes(b"not the wheel")
    done = wheelhouse_cli("merge", str(one), "--into", str(tmp_path / "m"), cwd=tmp_path)
    assert done.returncode == 2
    assert "not the file its manifest lists" in done.stderr
    missing = wheelhouse_cli("merge", str(tmp_path), "--into", str(tmp_path / "m"), cwd=tmp_path)
    assert missing.returncode == 2 and "no wheelhouse-manifest.json" in missing.stderr


def test_merge_never_follows_a_manifests_paths_out_of_its_tree(tmp_path: Path) -> None:
    # A hostile shard: its log is a symlink to a host file, or a path out of the wheelhouse.
    secret = tmp_path / "host-secret.txt"
    secret.write_text("host data\n")
    merged = tmp_path / "merged"
    for name, log in (("linked", ".logs/linked.log"), ("escaping", "../../escaped.log")):
        source = shard(tmp_path / name, (name, "1.0", ""))
        data = json.loads((source / "wheelhouse-manifest.json").read_text())
        (entry,) = data["wheels"]
        entry["log"] = log
        (source / "wheelhouse-manifest.json").write_text(json.dumps(data))
        if name == "linked":
            (source / ".logs" / "linked.log").unlink()
            (source / ".logs" / "linked.log").symlink_to(secret)
        done = wheelhouse_cli("merge", str(source), "--into", str(merged), cwd=tmp_path)
        assert done.returncode == 2, (name, done.stderr)
        assert "leaves the wheelhouse or passes through a symlink" in " ".join(done.stderr.split())
    assert not merged.exists() or not any(merged.rglob("*.log"))
    assert not (tmp_path / "escaped.log").exists()


def test_a_static_target_keeps_the_published_entries_for_plan_against(tmp_path: Path) -> None:
    one = shard(tmp_path / "one", ("alpha", "1.0", ""))
    two = shard(tmp_path / "two", ("beta", "1.0", ""), failed=("key-gamma-1.0",))
    index = tmp_path / "index"
    for wheelhouse in (one, two):  # two publishes: the second merges into the first's record
        done = wheelhouse_cli(
            "publish", "--target", f"dir:{index}", "--wheelhouse", str(wheelhouse), cwd=tmp_path
        )
        assert done.returncode == 0, done.stderr
        assert "wheelhouse-manifest.json" in done.stderr
    held = json.loads((index / "wheelhouse-manifest.json").read_text())
    assert sorted(w["filename"] for w in held["wheels"]) == [
        "alpha-1.0-py3-none-any.whl",
        "beta-1.0-py3-none-any.whl",
    ]
    entry = next(w for w in held["wheels"] if w["name"] == "alpha")
    assert entry == asdict(load_manifest(one).wheels["alpha-1.0-py3-none-any.whl"])
    assert ["key-gamma-1.0"] in [run.get("failed") for run in held["runs"]]


@pytest.mark.parametrize(
    ("damage", "why"),
    [
        (lambda data: {**data, "wheels": "x"}, "no list of wheels"),
        (lambda data: {**data, "wheels": [{**data["wheels"][0], "size": "big"}]}, "size is not"),
        (lambda data: {**data, "wheels": [{**data["wheels"][0], "tags": "x"}]}, "tags is not"),
        (lambda data: {**data, "wheels": [{**data["wheels"][0], "extra": 1}]}, "unknown field"),
        (lambda data: {**data, "runs": [1]}, "runs is not a list of objects"),
        (lambda data: [data], "no list of wheels"),
    ],
)
def test_merge_and_plan_against_refuse_a_manifest_of_wrong_types(
    tmp_path: Path, damage: Callable[[Any], Any], why: str
) -> None:
    source = shard(tmp_path / "one", ("alpha", "1.0", ""))
    manifest = source / "wheelhouse-manifest.json"
    manifest.write_text(json.dumps(damage(json.loads(manifest.read_text()))))
    merged = wheelhouse_cli("merge", str(source), "--into", str(tmp_path / "m"), cwd=tmp_path)
    assert merged.returncode == 2, merged.stderr
    assert why in merged.stderr and "Traceback" not in merged.stderr
    (tmp_path / "deps.txt").write_text("alpha\n")
    (tmp_path / "wheelhouse.toml").write_text('pythons = ["3.11"]\narchs = ["x86_64"]\n')
    planned = wheelhouse_cli(
        "plan", "--list", "deps.txt", "--target", str(source), "--json", cwd=tmp_path
    )
    assert planned.returncode == 2, planned.stderr
    assert why in planned.stderr and "internal error" not in planned.stderr


@pytest.mark.parametrize("into", ["a-file", "/proc/wheelhouse-merge"])
def test_merge_into_what_is_no_directory_is_a_clear_error(tmp_path: Path, into: str) -> None:
    source = shard(tmp_path / "one", ("alpha", "1.0", ""))
    (tmp_path / "a-file").write_text("not a directory\n")
    merged = wheelhouse_cli("merge", str(source), "--into", into, cwd=tmp_path)
    assert merged.returncode == 2, merged.stderr
    assert "--into" in merged.stderr and "internal error" not in merged.stderr
