"""Build one wheel: cibuildwheel compiles the sdist in the builder container and repairs it with
auditwheel there (the repair command comes from the plan); the repaired wheel is then checked on
the host (tag, `auditwheel show`, no grafted platform library).

An sdist whose build turns out pure Python (cibuildwheel refuses those, exit 5) is built again
as a plain PEP 517 wheel (`pip wheel`) in the same builder image: a py3-none-any wheel, which
every target then shares."""

from __future__ import annotations

import json
import sys
from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from functools import partial
from importlib.metadata import PackageNotFoundError
from importlib.metadata import version as installed_version
from pathlib import Path

from packaging.utils import parse_wheel_filename

from builder.checks.native_tuning import native_tuning_note
from builder.checks.sbom import AUDITWHEEL_SBOM, SBOM_NAME, wheel_sbom
from builder.checks.wheel_checks import (
    auditwheel_show_problems,
    graft_problems,
    grafted_libraries,
    tag_problems,
)
from builder.host.commands import CommandRunner, Result, tail
from builder.host.containers import Containers, Mount
from builder.host.library_versions import LibraryVersions
from builder.plan.jobs import BuildJob
from builder.wheelbuild.cibuildwheel_options import (
    CONFIG_FILE_TEXT,
    cibuildwheel_env,
    version_specific,
)
from builder.wheelbuild.cxx_toolchain import CxxToolchain
from builder.wheelbuild.layers import Layer
from builder.wheelbuild.wheel_members import add_member, dist_info, read_member

CIBW_PURE_WHEEL = 5  # cibuildwheel's exit code when the build produced a pure-Python wheel
REPRODUCIBLE_EPOCH = 315532800  # 1980-01-01, the earliest time a zip can record


@dataclass(frozen=True, kw_only=True)
class Built:
    wheel: Path | None
    problems: list[str] = field(default_factory=list)
    grafted: list[str] = field(default_factory=list)
    abi3_rejected: bool = False  # abi3audit's verdict is its only problem
    note: str = ""  # what the build did besides the plain one (a version-specific fallback)


def build_wheel(
    commands: CommandRunner,
    containers: Containers,
    job: BuildJob,
    *,
    sdist: Path,
    work: Path,
    log: Path,
    cxx: CxxToolchain | None = None,
    layers: Sequence[Layer] = (),
    versions: LibraryVersions | None = None,
) -> Built:
    """Raises CommandFailed when cibuildwheel fails; a wheel that fails a check comes back with
    its problems (and is logged). A wheel that passes gets its SBOM (checks/sbom.py), the
    versions of what it grafted asked of the builder image (`versions`). An abi3 wheel that
    abi3audit rejects (symbols outside the stable ABI it claims) is built again for the
    target's CPython only (`version_specific`), and the outcome says so."""
    build = partial(
        _build_and_check,
        commands,
        containers,
        sdist=sdist,
        work=work,
        log=log,
        cxx=cxx,
        layers=layers,
        versions=versions,
    )
    built = build(job, out=work / "out")
    if not built.abi3_rejected or built.wheel is None:
        return built
    note = (
        f"abi3audit rejects {built.wheel.name} (symbols outside the stable ABI): built again "
        f"for CPython {job.python} only"
    )
    with log.open("a", encoding="utf-8") as handle:
        handle.write(f"# {note}, with setuptools' py_limited_api switched off\n")
    again = build(version_specific(job), out=work / "version-specific")
    if again.wheel is not None and not again.problems and not is_abi3(again.wheel.name):
        return replace(again, note="; ".join(filter(None, [note, again.note])))
    tried = (
        "a version-specific build was tried and made "
        f"{again.wheel.name if again.wheel else 'no wheel'} (a build system other than "
        "setuptools' decides the abi3 tag itself: a recipe can switch it off there)"
    )
    return replace(built, problems=[*built.problems, tried], abi3_rejected=False)


def _build_and_check(
    commands: CommandRunner,
    containers: Containers,
    job: BuildJob,
    *,
    out: Path,
    sdist: Path,
    work: Path,
    log: Path,
    cxx: CxxToolchain | None,
    layers: Sequence[Layer],
    versions: LibraryVersions | None,
) -> Built:
    """One cibuildwheel run into `out`, and the checks of what it made."""
    config = work / "cibuildwheel.toml"
    out.mkdir(parents=True, exist_ok=True)
    config.write_text(CONFIG_FILE_TEXT, encoding="utf-8")
    built = commands.run(
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
        env=cibuildwheel_env(job, cxx, layers),
        log=log,
        cwd=work,
        timeout=3600,
        check=False,
        what=f"cibuildwheel for {job.label}",
    )
    if built.returncode == CIBW_PURE_WHEEL and "pure Python wheel" in built.output:
        pure = build_pure_wheel(containers, job, sdist=sdist, out=work / "pure", log=log)
        if pure.wheel is not None and not pure.problems:
            add_sbom(job, pure.wheel, grafted=[], versions={})
        return pure
    wheel = _the_wheel(built, out, what=f"cibuildwheel for {job.label}", log=log)
    if isinstance(wheel, Built):
        return wheel
    show = commands.run(
        [sys.executable, "-m", "auditwheel", "show", "--json", str(wheel)],
        log=log,
        check=False,
        what=f"auditwheel show {wheel.name}",
    )
    abi3 = abi3_problems(commands, wheel, log=log)
    problems = [
        *tag_problems(wheel.name, job.target),
        *auditwheel_show_problems(show.output, job.target),
        *graft_problems(wheel),
        *abi3,
    ]
    if problems:
        with log.open("a", encoding="utf-8") as handle:
            handle.write("wheel checks failed:\n" + "\n".join(problems) + "\n")
        return Built(wheel=wheel, problems=problems, abi3_rejected=problems == abi3)
    grafted = grafted_libraries(wheel)
    found = versions.of(job.image, log=log) if versions is not None and grafted else {}
    found |= {layer.name: layer.release for layer in layers if layer.release}  # built on demand
    add_sbom(job, wheel, grafted=grafted, versions=found)
    return Built(wheel=wheel, grafted=grafted, note=native_tuning_note(built.output))


def add_sbom(job: BuildJob, wheel: Path, *, grafted: list[str], versions: dict[str, str]) -> None:
    """The wheel's SBOM, beside what auditwheel (or maturin) wrote in its sboms/ directory."""
    sboms = f"{dist_info(wheel)}/sboms"
    recorded = read_member(wheel, f"{sboms}/{AUDITWHEEL_SBOM}")
    try:
        ours = installed_version("wheelhouse")
    except PackageNotFoundError:
        ours = "unknown"
    document = wheel_sbom(
        job,
        wheel.name,
        grafted=grafted,
        versions=versions,
        wheelhouse_version=ours,
        auditwheel_sbom=json.loads(recorded) if recorded else None,
    )
    add_member(wheel, f"{sboms}/{SBOM_NAME}", (json.dumps(document, indent=2) + "\n").encode())


def build_pure_wheel(
    containers: Containers, job: BuildJob, *, sdist: Path, out: Path, log: Path
) -> Built:
    """A PEP 517 build of a pure-Python sdist in the builder image (network for its build
    dependencies, a fixed SOURCE_DATE_EPOCH so that the same sdist gives the same bytes)."""
    out.mkdir(parents=True, exist_ok=True)
    with log.open("a", encoding="utf-8") as handle:
        handle.write("\n# the build is pure Python: building it as a plain wheel\n")
    interpreter = f"/opt/python/{job.target.abi_dir}/bin/python"
    settings = out.parent / "pure-build"
    settings.mkdir(parents=True, exist_ok=True)
    (settings / "constraints.txt").write_text("".join(f"{c}\n" for c in job.build_constraints))
    result = containers.run(
        job.image.builder,
        [
            "env",
            f"SOURCE_DATE_EPOCH={REPRODUCIBLE_EPOCH}",
            "PIP_CONSTRAINT=/settings/constraints.txt",
            interpreter,
            "-m",
            "pip",
            "wheel",
            "--no-deps",
            "--no-cache-dir",
            "--disable-pip-version-check",
            "--wheel-dir",
            "/out",
            f"/sdist/{sdist.name}",
        ],
        arch=job.arch,
        mounts=[
            Mount(source=sdist.parent, target="/sdist"),
            Mount(source=settings, target="/settings"),
            Mount(source=out, target="/out", read_only=False),
        ],
        network=None,  # the engine's default network: the build dependencies come from the index
        log=log,
        timeout=3600,
    )
    wheel = _the_wheel(result, out, what=f"the pure-Python build of {job.label}", log=log)
    if isinstance(wheel, Built):
        return wheel
    if not is_pure(wheel.name):
        return Built(wheel=wheel, problems=[f"{wheel.name}: not a pure-Python wheel"])
    return Built(wheel=wheel)


def _the_wheel(result: Result, out: Path, *, what: str, log: Path) -> Path | Built:
    """The one wheel a build left in `out`; a failed build raises CommandFailed with its log's
    tail, and anything but one wheel is a problem."""
    result.check(what, log)
    wheels = sorted(out.glob("*.whl"))
    if len(wheels) != 1:
        names = ", ".join(w.name for w in wheels) or "none"
        return Built(wheel=None, problems=[f"expected one wheel, got {names}"])
    return wheels[0]


def is_pure(filename: str) -> bool:
    return all(
        tag.abi == "none" and tag.platform == "any" for tag in parse_wheel_filename(filename)[3]
    )


def is_abi3(filename: str) -> bool:
    return any(tag.abi == "abi3" for tag in parse_wheel_filename(filename)[3])


def shareable(filename: str) -> bool:
    """A wheel one build makes for several targets: pure Python, or the stable ABI (abi3)."""
    return is_pure(filename) or is_abi3(filename)


def abi3_problems(commands: CommandRunner, wheel: Path, *, log: Path) -> list[str]:
    """abi3audit on an abi3 wheel, on the host. (cibuildwheel's own audit step would first
    download virtualenv from outside the package registries; it is switched off.)"""
    if not is_abi3(wheel.name):
        return []
    audit = commands.run(
        [sys.executable, "-m", "abi3audit", "--strict", "--report", str(wheel)],
        log=log,
        check=False,
        what=f"abi3audit {wheel.name}",
    )
    if audit.returncode == 0:
        return []
    return [f"{wheel.name}: abi3audit finds symbols outside the stable ABI\n{tail(audit.output)}"]
