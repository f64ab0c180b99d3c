"""The executor's own logic, with the doors to the outside faked (the real ones are driven by
the e2e tier): a job's unexpected failure stays that job's, and a run stopped late keeps every
wheel that passed before it stopped."""

from __future__ import annotations

import json
import shutil
from collections.abc import Mapping, Sequence
from dataclasses import replace
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, cast

import pytest

from builder.errors import UpstreamError
from builder.host.commands import CommandRunner, Result
from builder.host.containers import Containers, Mount
from builder.host.http_client import HttpClient
from builder.inputs.recipes import empty_recipe
from builder.plan.jobs import MirrorJob, Plan, ToolVersions
from builder.resolve.build_targets import BuildTarget
from builder.run.executor import Executor
from builder.wheelhouse.manifest import load_manifest
from builder.wheelhouse.store import Wheelhouse
from index.pages.simple_pages import IndexFile
from tests.support import make_wheel
from tests.unit.fakes import IMAGE

PY311 = BuildTarget(python="3.11", arch="x86_64")
PY313 = BuildTarget(python="3.13", arch="x86_64")


class Clock:
    def now(self) -> datetime:
        return datetime(2026, 11, 30, tzinfo=UTC)

    def monotonic(self) -> float:
        return 0.0


class Upstream:
    """Downloads from a directory of wheels; a name with 'broken' in it hits a full disk."""

    def __init__(self, wheels: Path) -> None:
        self.wheels = wheels

    def download(self, url: str, dest: Path, *, digests: Mapping[str, str]) -> Path:  # noqa: ARG002
        if "broken" in url:
            raise OSError(28, "No space left on device")
        if "unreachable" in url:
            raise UpstreamError(f"GET {url} failed: HTTP 503")
        dest.parent.mkdir(parents=True, exist_ok=True)
        shutil.copy2(self.wheels / url, dest)
        return dest


class Runtime:
    """The clean runtime image: every wheel imports; the `stop_at`-th container is a kill."""

    def __init__(self, stop_at: int | None = None) -> None:
        self.calls = 0
        self.stop_at = stop_at
        self.specs: list[dict[str, Any]] = []  # what each container was asked to verify

    def run(self, image: str, argv: Sequence[str], **options: Any) -> Result:  # noqa: ARG002
        self.calls += 1
        if self.calls == self.stop_at:
            raise KeyboardInterrupt
        mounts: list[Mount] = options["mounts"]
        spec = json.loads((mounts[0].source / "spec.json").read_text())
        self.specs.append(spec)
        lines = [json.dumps({**item, "ok": True, "output": "imported"}) for item in spec["items"]]
        return Result(returncode=0, output="\n".join(lines))


def mirror(name: str, target: BuildTarget) -> MirrorJob:
    filename = f"{name}-1.0-py3-none-any.whl"
    return MirrorJob(
        name=name,
        version="1.0",
        target=target,
        key=f"{name}-{target.python}",
        reason="",
        recipe=empty_recipe(name),
        origin="deps.txt:1",
        direct=True,
        wheel=IndexFile(filename=filename, url=filename, digests={}),
        image=IMAGE,
    )


def executor(tmp_path: Path, runtime: Runtime) -> Executor:
    for name in ("alpha", "beta"):
        make_wheel(tmp_path / "upstream", name, "1.0")
    return Executor(
        commands=CommandRunner(env={}),
        containers=cast(Containers, runtime),
        client=cast(HttpClient, Upstream(tmp_path / "upstream")),
        wheelhouse=Wheelhouse(tmp_path / "wheelhouse", clock=Clock()),
        tools=ToolVersions(cibuildwheel="4.3.3", auditwheel="6.8.2"),
        clock=Clock(),
        progress=lambda _job, _step: None,
    )


def test_an_unexpected_error_fails_its_job_alone(tmp_path: Path) -> None:
    plan = Plan(jobs=(mirror("broken", PY311), mirror("alpha", PY311)), targets=(PY311,))
    result = executor(tmp_path, Runtime()).run(plan)
    by_name = {outcome.job.name: outcome for outcome in result.outcomes}
    assert not by_name["broken"].ok
    assert "unexpected OSError" in by_name["broken"].message
    assert by_name["alpha"].ok
    assert "alpha-1.0-py3-none-any.whl" in load_manifest(tmp_path / "wheelhouse").wheels


def test_a_run_stopped_late_keeps_what_passed(tmp_path: Path) -> None:
    plan = Plan(jobs=(mirror("alpha", PY311), mirror("beta", PY313)), targets=(PY311, PY313))
    with pytest.raises(KeyboardInterrupt):  # killed while verifying the second target
        executor(tmp_path, Runtime(stop_at=2)).run(plan)
    kept = load_manifest(tmp_path / "wheelhouse").wheels
    assert list(kept) == ["alpha-1.0-py3-none-any.whl"]
    assert (tmp_path / "wheelhouse" / "alpha-1.0-py3-none-any.whl").is_file()


def test_verify_with_companions_are_installed_beside_the_wheel_or_fail_it_alone(
    tmp_path: Path,
) -> None:
    runtime = Runtime()
    make_wheel(tmp_path / "upstream", "companion", "2.0")
    good = IndexFile(
        filename="companion-2.0-py3-none-any.whl", url="companion-2.0-py3-none-any.whl"
    )
    gone = IndexFile(filename="gone-1.0-py3-none-any.whl", url="unreachable/gone.whl")
    alpha = replace(mirror("alpha", PY311), verify_with=(good,))
    beta = replace(mirror("beta", PY311), verify_with=(gone,))
    result = executor(tmp_path, runtime).run(Plan(jobs=(alpha, beta), targets=(PY311,)))
    by_name = {outcome.job.name: outcome for outcome in result.outcomes}
    assert by_name["alpha"].ok
    assert not by_name["beta"].ok
    assert "verify-with gone-1.0-py3-none-any.whl: GET unreachable/gone.whl failed" in (
        by_name["beta"].message
    )
    (spec,) = runtime.specs
    assert [(item["name"], item["with"]) for item in spec["items"]] == [
        ("alpha", ["companion==2.0"])
    ]
    kept = load_manifest(tmp_path / "wheelhouse").wheels
    assert list(kept) == ["alpha-1.0-py3-none-any.whl"]  # the companion is not kept
