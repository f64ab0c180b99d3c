"""The pure plan: turn each target's resolved closure into jobs, each with a content key.

A key hashes everything that changes a job's output (sdist sha256, recipe, Python, arch, policy,
builder image id, tool versions), so a job whose key is already in the wheelhouse is skipped.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping, Sequence
from typing import Any

from builder.inputs.recipes import Recipe, empty_recipe
from builder.plan.jobs import (
    BuildJob,
    FailJob,
    ImageRef,
    Job,
    MirrorJob,
    Plan,
    SkipJob,
    ToolVersions,
)
from builder.resolve.build_targets import BuildTarget
from builder.resolve.closure import Resolved


def build_key(
    *,
    sdist_sha256: str,
    recipe: Recipe,
    target: BuildTarget,
    image: ImageRef,
    tools: ToolVersions,
    constraints: Sequence[str] = (),
) -> str:
    extra = {"build_constraints": "\n".join(constraints)} if constraints else {}
    return _digest(
        {
            **extra,
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


def mirror_key(*, wheel_sha256: str, target: BuildTarget) -> str:
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
    resolved: Mapping[BuildTarget, Sequence[Resolved]],
    recipes: Mapping[str, Recipe],
    images: Mapping[str, ImageRef],
    tools: ToolVersions,
    present: Mapping[str, str],
    force_source: bool = False,
    build_constraints: Sequence[str] = (),
    executions: Mapping[str, str] | None = None,
    runners: Mapping[str, str] | None = None,
    notes: Sequence[str] = (),
) -> Plan:
    """Turn each target's resolved closure into jobs. `present` maps job keys to wheel filenames
    already in the wheelhouse (and verified). `executions` says how each arch runs on this
    machine (native or qemu) and `runners` which runner takes it; neither changes a job's key:
    the same image makes the same wheel either way."""
    jobs: list[Job] = []
    for target, closure in resolved.items():
        for item in closure:
            recipe = recipes.get(item.release.name) or empty_recipe(item.release.name)
            shared: dict[str, Any] = {
                "name": item.release.name,
                "version": str(item.release.version),
                "target": target,
                "recipe": recipe,
                "origin": item.origin,
                "direct": item.direct,
                "execution": (executions or {}).get(target.arch, "native"),
                "runner": (runners or {}).get(target.arch, "local"),
            }
            constraints = (*build_constraints, *recipe.build_constraints)
            jobs.append(
                _job_for(
                    item,
                    shared,
                    images[target.arch],
                    tools,
                    present,
                    force_source=force_source,
                    constraints=constraints,
                )
            )
    return Plan(jobs=tuple(jobs), targets=tuple(resolved), notes=tuple(notes))


def _job_for(
    item: Resolved,
    shared: dict[str, Any],
    image: ImageRef,
    tools: ToolVersions,
    present: Mapping[str, str],
    *,
    force_source: bool,
    constraints: tuple[str, ...],
) -> Job:
    """The one job for a resolved item; `shared` holds the fields every kind of job has."""
    release, target, recipe = item.release, shared["target"], shared["recipe"]
    skip_reason = recipe.skip_reason(python=target.python, arch=target.arch)
    if skip_reason is not None:
        return SkipJob(**shared, key="", reason=f"recipe: {skip_reason}")

    forced = force_source or recipe.build_from_source
    upstream = None if forced else release.compatible_wheel(target)
    mirrored = None if upstream is None else upstream.identity()
    if upstream is not None and mirrored is not None:
        key = mirror_key(wheel_sha256=mirrored, target=target)
        if key in present:
            return SkipJob(
                **shared, key=key, reason="present (mirrored)", present_filename=present[key]
            )
        reason = f"upstream wheel {upstream.filename}"
        return MirrorJob(**shared, key=key, reason=reason, wheel=upstream, image=image)

    source = None if release.sdist is None else release.sdist.identity()
    if release.sdist is None or source is None:
        what = "no sdist" if release.sdist is None else "an sdist without a digest on the index"
        reason = f"{what} and no compatible upstream wheel for {target.platform_tag}"
        return FailJob(**shared, key="", reason=reason)
    key = build_key(
        sdist_sha256=source,
        recipe=recipe,
        target=target,
        image=image,
        tools=tools,
        constraints=constraints,
    )
    if key in present:
        return SkipJob(**shared, key=key, reason="present (built)", present_filename=present[key])
    reason = "forced source build" if forced else "no compatible upstream wheel"
    return BuildJob(
        **shared,
        key=key,
        reason=reason,
        sdist=release.sdist,
        image=image,
        build_constraints=constraints,
    )
