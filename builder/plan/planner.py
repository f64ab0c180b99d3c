"""The pure plan: one job per (package, version, CPython, arch), each with a content key.

Actions:
- build:  compile the sdist with cibuildwheel (no compatible upstream wheel, or forced);
- mirror: copy the upstream musllinux / pure-Python wheel in, verified by its sha256;
- skip:   already present in the wheelhouse with the same key, or excluded by a recipe;
- fail:   nothing can be done (no sdist and no compatible wheel); reported, never attempted.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, replace
from typing import Any, Literal

from builder.inputs.recipes import Recipe, empty_recipe
from builder.resolve.build_targets import Target
from builder.resolve.closure import Resolved

Action = Literal["build", "mirror", "skip", "fail"]


@dataclass(frozen=True, kw_only=True)
class ImageRef:
    """The images one arch builds and verifies with, as selected by configuration."""

    arch: str
    kind: str  # "local", "pypa" or "custom"
    builder: str  # what cibuildwheel is given (a pinned name, a tag or a digest)
    builder_id: str  # content id, part of every build key
    runtime: str
    runtime_python: str  # template with {python} and {abi}

    def runtime_interpreter(self, target: Target) -> str:
        return self.runtime_python.format(python=target.python, abi=target.abi_dir)


@dataclass(frozen=True, kw_only=True)
class ToolVersions:
    cibuildwheel: str
    auditwheel: str


@dataclass(frozen=True, kw_only=True)
class SourceFile:
    filename: str
    url: str
    sha256: str | None


@dataclass(frozen=True, kw_only=True)
class Job:
    name: str
    version: str
    target: Target
    action: Action
    key: str
    reason: str
    recipe: Recipe
    origin: str
    direct: bool
    sdist: SourceFile | None = None
    wheel: SourceFile | None = None  # the upstream wheel to mirror
    present_filename: str | None = None  # for skip: the wheel already in the wheelhouse
    image: ImageRef | None = None
    execution: str = "native"  # "native", or "qemu" (a foreign arch under binfmt emulation)
    runner: str = "local"  # the runner that executes it, from the config's [runners]

    @property
    def python(self) -> str:
        return self.target.python

    @property
    def arch(self) -> str:
        return self.target.arch

    @property
    def label(self) -> str:
        return f"{self.name} {self.version} cp{self.python} {self.arch}"

    def require_sdist(self) -> SourceFile:
        if self.sdist is None:
            msg = f"{self.label}: a build job without an sdist"
            raise ValueError(msg)
        return self.sdist

    def require_wheel(self) -> SourceFile:
        if self.wheel is None:
            msg = f"{self.label}: a mirror job without an upstream wheel"
            raise ValueError(msg)
        return self.wheel

    def require_image(self) -> ImageRef:
        if self.image is None:
            msg = f"{self.label}: a job without images"
            raise ValueError(msg)
        return self.image

    def to_json(self) -> dict[str, str]:
        return {
            "name": self.name,
            "version": self.version,
            "python": self.python,
            "arch": self.arch,
            "action": self.action,
            "key": self.key,
            "reason": self.reason,
            "execution": self.execution,
            "runner": self.runner,
        }


@dataclass(frozen=True, kw_only=True)
class Plan:
    jobs: tuple[Job, ...]
    targets: tuple[Target, ...] = field(default_factory=tuple)

    def by_action(self, action: Action) -> list[Job]:
        return [job for job in self.jobs if job.action == action]

    def arch_placements(self) -> dict[str, dict[str, str]]:
        """For each arch: the runner its jobs go to and how they run there."""
        return {job.arch: {"runner": job.runner, "execution": job.execution} for job in self.jobs}

    def to_json(self) -> dict[str, Any]:
        return {
            "jobs": [job.to_json() for job in self.jobs],
            "archs": self.arch_placements(),
        }


def build_key(
    *, sdist_sha256: str, recipe: Recipe, target: Target, image: ImageRef, tools: ToolVersions
) -> str:
    return _digest(
        {
            "action": "build",
            "sdist_sha256": sdist_sha256,
            "recipe": recipe.digest(),
            "python": target.python,
            "arch": target.arch,
            "policy": target.musllinux,
            "image": image.builder_id,
            "cibuildwheel": tools.cibuildwheel,
            "auditwheel": tools.auditwheel,
        }
    )


def mirror_key(*, wheel_sha256: str, target: Target) -> str:
    return _digest(
        {
            "action": "mirror",
            "wheel_sha256": wheel_sha256,
            "python": target.python,
            "arch": target.arch,
            "policy": target.musllinux,
        }
    )


def _digest(data: Mapping[str, str]) -> str:
    return hashlib.sha256(json.dumps(data, sort_keys=True).encode()).hexdigest()[:32]


def make_plan(
    *,
    resolved: Mapping[Target, Sequence[Resolved]],
    recipes: Mapping[str, Recipe],
    images: Mapping[str, ImageRef],
    tools: ToolVersions,
    present: Mapping[str, str],
    force_source: bool = False,
    executions: Mapping[str, str] | None = None,
    runners: Mapping[str, str] | None = None,
) -> Plan:
    """Turn each target's resolved closure into jobs. `present` maps job keys to wheel filenames
    already in the wheelhouse (and verified). `executions` says how each arch runs on this
    machine (native or qemu) and `runners` which runner takes it; neither changes a job's key:
    the same image makes the same wheel either way."""
    jobs: list[Job] = []
    for target, closure in resolved.items():
        image = images[target.arch]
        execution = (executions or {}).get(target.arch, "native")
        runner = (runners or {}).get(target.arch, "local")
        for item in closure:
            recipe = recipes.get(item.release.name) or empty_recipe(item.release.name)
            job = _job_for(item, target, recipe, image, tools, present, force_source=force_source)
            jobs.append(replace(job, execution=execution, runner=runner))
    return Plan(jobs=tuple(jobs), targets=tuple(resolved))


def _job_for(
    item: Resolved,
    target: Target,
    recipe: Recipe,
    image: ImageRef,
    tools: ToolVersions,
    present: Mapping[str, str],
    *,
    force_source: bool,
) -> Job:
    release = item.release
    base = Job(
        name=release.name,
        version=str(release.version),
        target=target,
        action="skip",
        key="",
        reason="",
        recipe=recipe,
        origin=item.origin,
        direct=item.direct,
        image=image,
    )
    skip_reason = recipe.skip_reason(python=target.python, arch=target.arch)
    if skip_reason is not None:
        return replace(base, reason=f"recipe: {skip_reason}")

    forced = force_source or recipe.build_from_source
    upstream = None if forced else release.compatible_wheel(target)
    if upstream is not None and upstream.file.sha256:
        key = mirror_key(wheel_sha256=upstream.file.sha256, target=target)
        wheel = SourceFile(
            filename=upstream.file.filename, url=upstream.file.url, sha256=upstream.file.sha256
        )
        if key in present:
            return replace(
                base,
                key=key,
                reason="present (mirrored)",
                wheel=wheel,
                present_filename=present[key],
            )
        return replace(
            base, action="mirror", key=key, reason=f"upstream wheel {wheel.filename}", wheel=wheel
        )

    if release.sdist is None or not release.sdist.sha256:
        what = "no sdist" if release.sdist is None else "an sdist without a sha256 on the index"
        return replace(
            base,
            action="fail",
            reason=f"{what} and no compatible upstream wheel for {target.platform_tag}",
        )
    sdist = SourceFile(
        filename=release.sdist.filename, url=release.sdist.url, sha256=release.sdist.sha256
    )
    key = build_key(
        sdist_sha256=release.sdist.sha256, recipe=recipe, target=target, image=image, tools=tools
    )
    if key in present:
        return replace(
            base, key=key, reason="present (built)", sdist=sdist, present_filename=present[key]
        )
    reason = "forced source build" if forced else "no compatible upstream wheel"
    return replace(base, action="build", key=key, reason=reason, sdist=sdist)
