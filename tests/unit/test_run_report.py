from __future__ import annotations

from app.run_report import render_markdown, run_report


def job(name: str, action: str, ok: bool, **extra: object) -> dict[str, object]:
    return {
        "name": name,
        "version": "1.0",
        "python": "3.11",
        "arch": "x86_64",
        "action": action,
        "ok": ok,
        **extra,
    }


def test_a_run_report_counts_every_shard_and_shows_failures_with_their_tail() -> None:
    one = {
        "shard": "1/2",
        "jobs": [job("a", "build", True, size=2_000_000), job("b", "skip", True)],
        "archs": [{"arch": "x86_64", "wall_s": 61.2, "execution": "native"}],
    }
    log = "\n".join(f"line {i}" for i in range(40)) + "\nerror: it broke"
    two = {
        "shard": "2/2",
        "jobs": [job("c", "mirror", True, size=500), job("d", "build", False, error=log)],
        "archs": [{"arch": "aarch64", "wall_s": 90.0, "execution": "cross"}],
    }
    summary = run_report([("r1.json", one), ("r2.json", two)])
    assert summary["totals"] == {
        "due": 3,
        "built": 1,
        "mirrored": 1,
        "reused": 0,
        "skipped": 1,
        "failed": 1,
        "bytes": 2_000_500,
    }
    text = render_markdown(summary)
    assert "| 1/2 | 1 | 1 | 0 | 0 | 0 | x86_64 61 s (native) | 2.0 MB |" in text
    assert "aarch64 90 s (cross)" in text
    assert "### d 1.0 cp3.11 x86_64" in text and "error: it broke" in text
    assert "line 10" not in text  # only the tail


def test_a_log_tail_with_a_code_fence_stays_inside_its_block() -> None:
    # An untrusted sdist's build output closes the fence and writes its own Markdown.
    hostile = "compiling\n```\n# Injected heading\n[click](http://example.invalid)\n````x"
    shard = {"shard": "1/1", "jobs": [job("evil", "build", False, error=hostile)], "archs": []}
    text = render_markdown(run_report([("r.json", shard)]))
    lines = text.splitlines()
    opening = lines.index("### evil 1.0 cp3.11 x86_64") + 2
    fence = lines[opening]
    assert set(fence) == {"`"} and len(fence) == 5  # longer than the longest run inside (4)
    closing = lines.index(fence, opening + 1)
    assert "# Injected heading" in lines[opening + 1 : closing]
    assert all(not line.startswith(fence) for line in lines[opening + 1 : closing])
