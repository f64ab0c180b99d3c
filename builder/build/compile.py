"""Build one wheel: cibuildwheel compiles the sdist in the builder container and repairs it with
auditwheel there (the repair command comes from the plan); the repaired wheel is then checked on
the host (tag, `auditwheel show`, no grafted platform library)."""

from __future__ import annotations

import sys
from dataclasses import dataclass, field
from pathlib import Path

from builder.build.cibuildwheel_options import CONFIG_FILE_TEXT, cibuildwheel_env
from builder.host.commands import CommandRunner
from builder.plan.jobs import BuildJob
from builder.repair.wheel_checks import (
    auditwheel_show_problems,
    graft_problems,
    grafted_libraries,
    tag_problems,
)


@dataclass(frozen=True, kw_only=True)
class Built:
    wheel: Path | None
    problems: list[str] = field(default_factory=list)
    grafted: list[str] = field(default_factory=list)


def build_wheel(
    commands: CommandRunner, job: BuildJob, *, sdist: Path, work: Path, log: Path
) -> Built:
    """Raises CommandFailed when cibuildwheel fails; a wheel that fails a check comes back with
    its problems (and is logged)."""
    config = work / "cibuildwheel.toml"
    out = work / "out"
    out.mkdir(parents=True, exist_ok=True)
    config.write_text(CONFIG_FILE_TEXT, encoding="utf-8")
    commands.run(
        [
            sys.executable,
            "-m",
            "cibuildwheel",
            "--platform",
            "linux",
            "--config-file",
            str(config),
            "--output-dir",
            str(out),
            str(sdist),
        ],
        env=cibuildwheel_env(job),
        log=log,
        cwd=work,
        timeout=3600,
        what=f"cibuildwheel for {job.label}",
    )
    wheels = sorted(out.glob("*.whl"))
    if len(wheels) != 1:
        names = ", ".join(w.name for w in wheels) or "none"
        return Built(wheel=None, problems=[f"expected one wheel, got {names}"])
    wheel = wheels[0]
    show = commands.run(
        [sys.executable, "-m", "auditwheel", "show", "--json", str(wheel)],
        log=log,
        check=False,
        what=f"auditwheel show {wheel.name}",
    )
    problems = [
        *tag_problems(wheel.name, job.target),
        *auditwheel_show_problems(show.output, job.target),
        *graft_problems(wheel),
    ]
    if problems:
        with log.open("a", encoding="utf-8") as handle:
            handle.write("wheel checks failed:\n" + "\n".join(problems) + "\n")
        return Built(wheel=wheel, problems=problems)
    return Built(wheel=wheel, grafted=grafted_libraries(wheel))
