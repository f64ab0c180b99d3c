"""What an sdist's build needs, from what the sdist shows: its build requirements (which the
plan builds first when pip would have to compile them in the isolated build environment), and
the toolchains beyond C and C++: Rust for a build backend that compiles it (maturin,
setuptools-rust), Fortran for Fortran sources a build file compiles, OpenMP for a build file
that asks for it. Pure: `builder/resolve/sdist_facts.py` reads the archive; the planner adds the
toolchains found to the job's recipe, so the plan names them, the key records them and each
is set up only for the jobs that need it.

A recipe's `toolchains` still applies as it is; detection only adds (a build that needs what
nothing here shows still fails with a reason that names the recipe key). Files under test,
doc, example and benchmark directories do not count."""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from packaging.requirements import InvalidRequirement, Requirement
from packaging.utils import canonicalize_name

from builder.resolve.sdist_facts import SdistFacts, counted, is_build_file

# Build backends (and plugins) that compile Rust: their presence in build-system.requires.
RUST_REQUIREMENTS = ("maturin", "setuptools-rust")
FORTRAN_SUFFIXES = (".f", ".for", ".ftn", ".f77", ".f90", ".f95", ".f03", ".f08")
# Asking for OpenMP, not naming it: meson's dependency('openmp'), CMake's find_package(OpenMP)
# and its OpenMP:: targets, the compiler flag (numpy's meson.build names OpenMP in a comment,
# scipy's passes -U_OPENMP).
_OPENMP = re.compile(
    r"""dependency\s*\(\s*['"]openmp['"]|find_package\s*\(\s*openmp\b|openmp::|-fopenmp\b""",
    re.IGNORECASE,
)
_FORTRAN = re.compile(r"fortran|f2py", re.IGNORECASE)


@dataclass(frozen=True)
class SdistNeeds:
    """What one sdist's build needs (kept per sdist in the manifest: `sdists`)."""

    toolchains: Mapping[str, str] = field(default_factory=dict)  # name -> why
    build_requires: tuple[str, ...] = ()  # build-system.requires, as the sdist writes them

    def to_json(self) -> dict[str, Any]:
        return {
            "toolchains": dict(sorted(self.toolchains.items())),
            "build_requires": list(self.build_requires),
        }


def needs_of(facts: SdistFacts) -> SdistNeeds:
    return SdistNeeds(toolchains=toolchains_needed(facts), build_requires=facts.requires)


def toolchains_needed(facts: SdistFacts) -> dict[str, str]:
    """The toolchains the sdist's build needs, each with why ("rust": "build-system requires
    maturin")."""
    found: dict[str, str] = {}
    rust = _rust_requirement(facts.requires)
    if rust:
        found["rust"] = f"build-system requires {rust}"
    openmp = _first_mention(facts, _OPENMP)
    if openmp:
        found["openmp"] = f"{openmp} asks for OpenMP"
    fortran = next(
        (f for f in facts.files if counted(f) and f.lower().endswith(FORTRAN_SUFFIXES)), ""
    )
    compiles = _first_mention(facts, _FORTRAN)
    if fortran and compiles:
        found["fortran"] = f"Fortran sources ({fortran}) and {compiles} names Fortran"
    return found


def _rust_requirement(requires: tuple[str, ...]) -> str:
    for line in requires:
        try:
            name = canonicalize_name(Requirement(line).name)
        except InvalidRequirement:
            continue
        if name in RUST_REQUIREMENTS:
            return name
    return ""


def _first_mention(facts: SdistFacts, pattern: re.Pattern[str]) -> str:
    """The first build file (shallowest, then by name) whose text matches."""
    for path in sorted(facts.build_files, key=lambda p: (p.count("/"), p)):
        if is_build_file(path) and pattern.search(facts.build_files[path]):
            return path
    return ""
