"""The upstream wheels a recipe's `verify-with` names, per package and target.

Some extensions import the package that depends on them (ruamel.yaml.clib's imports
ruamel.yaml): tested alone, they cannot import. Their recipe names what the import test
installs beside them; each requirement becomes the newest upstream wheel the target installs.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from packaging.requirements import Requirement

from builder.errors import InputError
from builder.inputs.recipes import Recipe
from builder.resolve.build_targets import BuildTarget
from builder.resolve.closure import ReleaseSource, Resolved
from builder.resolve.releases import choose_release
from index.pages.simple_pages import IndexFile


def verify_with_wheels(
    resolved: Mapping[BuildTarget, Sequence[Resolved]],
    recipes: Mapping[str, Recipe],
    source: ReleaseSource,
) -> dict[tuple[str, BuildTarget], tuple[IndexFile, ...]]:
    found: dict[tuple[str, BuildTarget], tuple[IndexFile, ...]] = {}
    for target, closure in resolved.items():
        for item in closure:
            recipe = recipes.get(item.release.name)
            if recipe is None or not recipe.verify_with:
                continue
            found[(item.release.name, target)] = tuple(
                _wheel(line, recipe, target, source) for line in recipe.verify_with
            )
    return found


def _wheel(line: str, recipe: Recipe, target: BuildTarget, source: ReleaseSource) -> IndexFile:
    requirement = Requirement(line)
    release = choose_release(source.releases(requirement.name), requirement.specifier, target)
    wheel = None if release is None else release.compatible_wheel(target)
    if wheel is None:
        raise InputError(
            f"{recipe.path}: verify-with {line!r}: no upstream wheel of it installs on {target}",
            hint="name a pure-Python package, or a version with a musllinux wheel",
        )
    return wheel
