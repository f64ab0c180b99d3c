"""The pure plan: turn each target's resolved closure into jobs, each with a content key.

A key hashes everything that changes a job's output (sdist sha256, recipe, Python, arch, policy,
builder image id, tool versions), so a job whose key is already in the wheelhouse is skipped.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping, Sequence
from dataclasses import replace
from typing import Any

from builder.inputs.recipes import Recipe, empty_recipe
from builder.inputs.system_libraries import with_requirements
from builder.plan.jobs import (
    BuildJob,
    FailJob,
    ImageRef,
    Job,
    MirrorJob,
    Plan,
    ReuseJob,
    SkipJob,
    ToolVersions,
)
from builder.plan.run_modes import job_execution
from builder.plan.sdist_needs import SdistNeeds
from builder.resolve.build_targets import BuildTarget
from builder.resolve.closure import Resolved
from index.pages.simple_pages import IndexFile


def build_key(
    *,
    sdist_sha256: str,
    recipe: Recipe,
    target: BuildTarget,
    image: ImageRef,
    tools: ToolVersions,
    constraints: Sequence[str] = (),
    cxx: str = "",
    execution: str = "native",
    debug_info: str = "keep",
    toolchains: Sequence[tuple[str, str]] = (),
    build_requirements: Sequence[tuple[str, str, str]] = (),
) -> str:
    """Native and QEMU builds of a job share a key (the same image's compiler makes the same
    wheel); a cross build has its own, naming the cross toolchain. A stripped wheel has its own
    key; a kept one the key wheels had before stripping existed (they were all kept)."""
    extra = {"build_constraints": "\n".join(constraints)} if constraints else {}
    if cxx:
        extra["cxx"] = cxx
    if execution == "cross":
        extra["execution"] = "cross"
    if debug_info != "keep":
        extra["debug_info"] = debug_info
    for name, identity in toolchains:  # "openmp": its identity, as keys have named it
        extra[name] = identity
    if build_requirements:  # the jobs whose wheels its build environment installs
        extra["build_requirements"] = "; ".join(" ".join(item) for item in build_requirements)
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
    shared_wheels: Mapping[str, Sequence[str]] | None = None,
    cxx: str = "",
    executions: Mapping[str, str] | None = None,
    runners: Mapping[str, str] | None = None,
    notes: Sequence[str] = (),
    verify_with: Mapping[tuple[str, BuildTarget], tuple[IndexFile, ...]] | None = None,
    held_shared: Mapping[str, Sequence[str]] | None = None,
    debug_info: str = "strip",
    toolchains: Mapping[str, str] | None = None,
    libraries: Mapping[str, str] | None = None,
    sdist_needs: Mapping[str, SdistNeeds] | None = None,
    build_requirements: Mapping[tuple[str, str, BuildTarget], Sequence[tuple[str, str]]]
    | None = None,
) -> Plan:
    """Turn each target's resolved closure into jobs. `present` maps job keys to wheel filenames
    already in the wheelhouse (and verified). `executions` says how each arch's compiler runs
    on this machine (native, qemu or cross; execution.py) and `runners` which runner takes it;
    only cross changes a job's key. `shared_wheels` maps an sdist's identity to the
    pure or abi3 wheels already built from it: a target that installs one reuses it;
    `held_shared` the same for the publish target (--target): such a wheel there serves a new
    target as it is, since building it again would make a second file of the same name.
    `toolchains` names the toolchains beyond C and C++ that wheelhouse can mount (the OpenMP
    runtime, Rust) by their identities: a job gets one (and its key records it) when its recipe
    asks for it and its compiler is one wheelhouse mounts (local images, cross).
    `libraries` names the system libraries the local images build on demand, by their
    identities: a job on the local images whose recipe names one has it mounted the same way
    (with its identity in the key); the pypa images install theirs with apk.
    `sdist_needs` maps an sdist's identity to what its files show its build needs
    (sdist_needs.py): the toolchains found are added to the job's recipe, so its key, its
    set-up (mount or apk) and its plan line name them as if the recipe had.
    `build_requirements` maps (name, version, target) to the releases its isolated build
    environment installs that this run builds (or has built) for the same target, which come
    earlier in that target's closure: the job's key records their jobs' keys, and the executor
    gives the build their wheels."""
    jobs: list[Job] = []
    for target, closure in resolved.items():
        keys: dict[tuple[str, str], str] = {}  # (name, version) -> key of its job here
        for item in closure:
            recipe = recipes.get(item.release.name) or empty_recipe(item.release.name)
            found = _found_toolchains(item, recipe, sdist_needs or {})
            if found:
                recipe = replace(recipe, toolchains=(*recipe.toolchains, *sorted(found)))
            common: dict[str, Any] = {
                "name": item.release.name,
                "version": str(item.release.version),
                "target": target,
                "recipe": recipe,
                "origin": item.origin,
                "direct": item.direct,
                "execution": job_execution(
                    (executions or {}).get(target.arch, "native"), recipe.execution
                ),
                "runner": (runners or {}).get(target.arch, "local"),
                "verify_with": (verify_with or {}).get((item.release.name, target), ()),
            }
            constraints = (*build_constraints, *recipe.build_constraints)
            mounted = images[target.arch].kind == "local" or common["execution"] == "cross"
            jobs.append(
                _job_for(
                    item,
                    common,
                    images[target.arch],
                    tools,
                    present,
                    force_source=force_source,
                    constraints=constraints,
                    shared_wheels=(shared_wheels or {}),
                    held_shared=(held_shared or {}),
                    cxx=cxx if mounted else "",
                    debug_info=debug_info,
                    toolchains=_mounted(
                        recipe,
                        toolchains=(toolchains or {}) if mounted else {},
                        libraries=(libraries or {}) if images[target.arch].kind == "local" else {},
                    ),
                    found=found,
                    build_requirements=tuple(
                        (name, version, keys[(name, version)])
                        for name, version in (build_requirements or {}).get(
                            (item.release.name, common["version"], target), ()
                        )
                        if keys.get((name, version))
                    ),
                )
            )
            keys[(item.release.name, common["version"])] = jobs[-1].key
    return Plan(jobs=tuple(jobs), targets=tuple(resolved), notes=tuple(notes))


def _job_for(
    item: Resolved,
    common: dict[str, Any],
    image: ImageRef,
    tools: ToolVersions,
    present: Mapping[str, str],
    *,
    force_source: bool,
    constraints: tuple[str, ...],
    shared_wheels: Mapping[str, Sequence[str]],
    held_shared: Mapping[str, Sequence[str]],
    cxx: str,
    debug_info: str,
    toolchains: tuple[tuple[str, str], ...],
    found: Mapping[str, str],
    build_requirements: tuple[tuple[str, str, str], ...],
) -> Job:
    """The one job for a resolved item; `common` holds the fields every kind of job has."""
    release, target, recipe = item.release, common["target"], common["recipe"]
    skip_reason = recipe.skip_reason(python=target.python, arch=target.arch)
    if skip_reason is not None:
        return SkipJob(**common, key="", reason=f"recipe: {skip_reason}")

    forced = force_source or recipe.build_from_source
    upstream = None if forced else release.compatible_wheel(target)
    mirrored = None if upstream is None else upstream.identity()
    if upstream is not None and mirrored is not None:
        key = mirror_key(wheel_sha256=mirrored, target=target)
        if key in present:
            return SkipJob(
                **common, key=key, reason="present (mirrored)", present_filename=present[key]
            )
        reason = f"upstream wheel {upstream.filename}"
        return MirrorJob(**common, key=key, reason=reason, wheel=upstream, image=image)

    source = None if release.sdist is None else release.sdist.identity()
    if release.sdist is None or source is None:
        what = "no sdist" if release.sdist is None else "an sdist without a digest on the index"
        reason = f"{what} and no compatible upstream wheel for {target.platform_tag}"
        return FailJob(**common, key="", reason=reason)
    key = build_key(
        sdist_sha256=source,
        recipe=recipe,
        target=target,
        image=image,
        tools=tools,
        constraints=constraints,
        cxx=cxx,
        execution=common["execution"],
        debug_info=debug_info,
        toolchains=toolchains,
        build_requirements=build_requirements,
    )
    if key in present:
        return SkipJob(**common, key=key, reason="present (built)", present_filename=present[key])
    for filename in shared_wheels.get(source, ()):
        if target.installs(filename):
            reason = f"{filename} (built from the same sdist) installs on {target}"
            return ReuseJob(
                **common,
                key=key,
                reason=reason,
                sdist=release.sdist,
                reused=filename,
                image=image,
            )
    for filename in held_shared.get(source, ()):
        if target.installs(filename):
            reason = f"present in the target ({filename}, built from the same sdist)"
            return SkipJob(**common, key=key, reason=reason, present_filename=filename)
    reason = "forced source build" if forced else "no compatible upstream wheel"
    if found:
        reason += "; the sdist needs " + ", ".join(
            f"{n} ({why})" for n, why in sorted(found.items())
        )
    if build_requirements:
        made = ", ".join(f"{name} {version}" for name, version, _ in build_requirements)
        reason += f"; build requirements from this wheelhouse: {made}"
    return BuildJob(
        **common,
        key=key,
        reason=reason,
        sdist=release.sdist,
        image=image,
        build_constraints=constraints,
        cxx=cxx,
        debug_info=debug_info,
        toolchains=toolchains,
        toolchains_found=tuple(sorted(found.items())),
        build_requirements=build_requirements,
    )


def _mounted(
    recipe: Recipe, *, toolchains: Mapping[str, str], libraries: Mapping[str, str]
) -> tuple[tuple[str, str], ...]:
    """(name, identity) of each toolchain and library built on demand the recipe names, in
    the order keys have recorded them (by name)."""
    needed = with_requirements(recipe.system_libraries)
    named = {
        **{name: identity for name, identity in toolchains.items() if name in recipe.toolchains},
        **{n: identity for n, identity in libraries.items() if n in needed},
    }
    return tuple(sorted(named.items()))


def _found_toolchains(
    item: Resolved, recipe: Recipe, sdist_needs: Mapping[str, SdistNeeds]
) -> dict[str, str]:
    """The toolchains the item's sdist shows it needs that its recipe does not name."""
    sdist = item.release.sdist
    identity = sdist.identity() if sdist is not None else None
    needs = sdist_needs.get(identity) if identity else None
    found = needs.toolchains if needs is not None else {}
    return {name: why for name, why in found.items() if name not in recipe.toolchains}
