"""min-release-age against a real upstream: `wheelhouse serve` over two releases of a project,
one uploaded 30 days ago and one yesterday (its PEP 691 JSON pages carry PEP 700 upload times,
the files' mtimes), and `wheelhouse plan` reading it (real CLI, real server; no containers)."""

from __future__ import annotations

import json
import os
from datetime import UTC, datetime, timedelta
from pathlib import Path

from tests.support import background_process, free_port, make_wheel, serve_command, wheelhouse_cli


def test_the_newer_release_is_held_back_with_its_date_and_the_older_one_planned(
    tmp_path: Path,
) -> None:
    upstream = tmp_path / "upstream"
    now = datetime.now(UTC)
    for version, age in (("1.0", timedelta(days=30)), ("1.1", timedelta(days=1))):
        wheel = make_wheel(upstream, "cooled", version)
        moment = (now - age).timestamp()
        os.utime(wheel, (moment, moment))
    port = free_port()
    index = f"http://127.0.0.1:{port}/simple/"
    (tmp_path / "list.txt").write_text("cooled\n")
    common = ("plan", "--list", "list.txt", "--index-url", index, "--json")
    targets = ("--python", "3.11", "--arch", "x86_64", "--wheelhouse", str(tmp_path / "house"))
    with background_process(
        serve_command(upstream, port), ready_url=index, log=tmp_path / "serve.log"
    ):
        cooled = wheelhouse_cli(*common, *targets, "--min-release-age", "7d", cwd=tmp_path)
        plain = wheelhouse_cli(*common, *targets, cwd=tmp_path)
        (tmp_path / "pinned.txt").write_text("cooled==1.1\n")
        refused = wheelhouse_cli(
            "plan",
            "--list",
            "pinned.txt",
            "--index-url",
            index,
            *targets,
            "--min-release-age",
            "7d",
            cwd=tmp_path,
        )
    assert cooled.returncode == 0, cooled.stderr
    report = json.loads(cooled.stdout)
    assert {job["version"] for job in report["due"]} == {"1.0"}
    eligible = (now - timedelta(days=1) + timedelta(days=7)).strftime("%Y-%m-%d")
    (held,) = [w for w in report["warnings"] if "held back" in w]
    assert held.startswith("min-release-age 7d held back cooled 1.1 (uploaded ")
    assert f"eligible from {eligible}" in held
    # without it the newest is planned
    assert plain.returncode == 0, plain.stderr
    assert {job["version"] for job in json.loads(plain.stdout)["due"]} == {"1.1"}
    # a pin on the held release stops the plan and says when it becomes eligible
    assert refused.returncode == 3, refused.stderr
    assert "hint: min-release-age held back cooled 1.1" in refused.stderr
    assert f"eligible from {eligible}" in refused.stderr
