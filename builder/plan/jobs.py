"""What a plan is made of: one job per (package, version, CPython, arch), of one of five kinds,
each holding only what it needs.

- BuildJob:  compile the sdist with cibuildwheel (no compatible upstream wheel, or forced);
- MirrorJob: copy the upstream musllinux / pure-Python wheel in, verified by its sha256;
- SkipJob:   already in the wheelhouse with the same key, or excluded by a recipe;
- ReuseJob:  a pure or abi3 wheel already built from the same sdist installs on this target
             too: verify it there and record it, never build a second file of the same name;
- FailJob:   nothing can be done (no sdist and no compatible wheel); reported, never attempted.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, ClassVar, Literal

from builder.inputs.recipes import Recipe
from builder.resolve.build_targets import BuildTarget
from index.pages.simple_pages import IndexFile

Action = Literal["build", "mirror", "reuse", "skip", "fail"]
ACTIONS: tuple[Action, ...] = ("build", "mirror", "reuse", "skip", "fail")


@dataclass(frozen=True, kw_only=True)
class ImageRef:
    """The images one arch builds and verifies with, as selected by configuration."""

    arch: str
    kind: str  # "local", "pypa" or "custom"
    builder: str  # what cibuildwheel is given (a pinned name, a tag or a digest)
    builder_id: str  # content id, part of every build key ("" when not known: not built yet)
    runtime: str
    runtime_python: str  # template with {python} and {abi}

    def runtime_interpreter(self, target: BuildTarget) -> str:
        return self.runtime_python.format(python=target.python, abi=target.abi_dir)


@dataclass(frozen=True, kw_only=True)
class ToolVersions:
    cibuildwheel: str
    auditwheel: str


@dataclass(frozen=True, kw_only=True)
class JobBase:
    action: ClassVar[Action]
    name: str
    version: str
    target: BuildTarget
    key: str
    reason: str
    recipe: Recipe
    origin: str  # the list line, or "required by <parent> <version>"
    direct: bool
    execution: str = (
        "native"  # "native"; a foreign arch: "qemu" (emulated) or "cross" (execution.py)
    )
    runner: str = "local"  # the CI runner label that executes it, from the config's [runners]
    verify_with: tuple[IndexFile, ...] = ()  # upstream wheels its import test installs beside it

    @property
    def python(self) -> str:
        return self.target.python

    @property
    def arch(self) -> str:
        return self.target.arch

    @property
    def label(self) -> str:
        return f"{self.name} {self.version} cp{self.python} {self.arch}"

    def to_json(self) -> dict[str, Any]:
        return {
            "name": self.name,
            "version": self.version,
            "python": self.python,
            "python_version": self.target.full_version,  # what markers were evaluated for
            "arch": self.arch,
            "action": self.action,
            "key": self.key,
            "reason": self.reason,
            "execution": self.execution,
            "runner": self.runner,
            "recipe": self.recipe.origin,
            "origin": self.origin,  # its list line, "required by ...", "build requirement of ..."
        }


@dataclass(frozen=True, kw_only=True)
class BuildJob(JobBase):
    action: ClassVar[Action] = "build"
    sdist: IndexFile  # as the upstream index lists it (url, digests)
    image: ImageRef  # built in its builder image, verified in its runtime image
    build_constraints: tuple[str, ...] = ()  # the config's, then the recipe's
    cxx: str = ""  # the C++ toolchain mounted for it ("zig 0.17.1"; local images), in the key
    debug_info: str = "strip"  # strip: auditwheel strips every ELF file (in the key); keep
    # what is mounted for it beyond C and C++, by name ("openmp": "llvm-openmp 19.1.7, ...",
    # "rust": "rustc 1.96.0...", "fortran": "flang 1:19.1.7..."), each in the key
    toolchains: tuple[tuple[str, str], ...] = ()
    # those of its recipe's toolchains the sdist showed it needs, with why ("rust", "build-system
    # requires maturin"); the recipe names them (toolchain_hints.py), this says where they came from
    toolchains_found: tuple[tuple[str, str], ...] = ()
    # (name, version, job key) of each release its isolated build environment installs that
    # this wheelhouse builds (pip would compile it there otherwise): waited for, then mounted
    build_requirements: tuple[tuple[str, str, str], ...] = ()

    def toolchain(self, name: str) -> str:
        """The identity of the named toolchain mounted for the job, "" when none is."""
        return dict(self.toolchains).get(name, "")

    @property
    def openmp(self) -> str:
        return self.toolchain("openmp")

    @property
    def rust(self) -> str:
        return self.toolchain("rust")

    @property
    def fortran(self) -> str:
        return self.toolchain("fortran")

    def to_json(self) -> dict[str, Any]:
        found: dict[str, Any] = {}
        if self.toolchains_found:
            found["toolchains_found"] = dict(self.toolchains_found)
        if self.build_requirements:
            found["build_requirements"] = [
                {"name": name, "version": version, "key": key, "from": "wheelhouse"}
                for name, version, key in self.build_requirements
            ]
        return {
            **super().to_json(),
            "debug_info": self.debug_info,
            **dict(self.toolchains),
            **found,
        }


@dataclass(frozen=True, kw_only=True)
class MirrorJob(JobBase):
    action: ClassVar[Action] = "mirror"
    wheel: IndexFile
    image: ImageRef  # verified in its runtime image


@dataclass(frozen=True, kw_only=True)
class ReuseJob(JobBase):
    action: ClassVar[Action] = "reuse"
    sdist: IndexFile  # the sdist the shared wheel was built from
    reused: str  # the wheel's filename in the wheelhouse
    image: ImageRef  # verified in its runtime image


@dataclass(frozen=True, kw_only=True)
class SkipJob(JobBase):
    action: ClassVar[Action] = "skip"
    present_filename: str | None = None  # None when a recipe excludes the target


@dataclass(frozen=True, kw_only=True)
class FailJob(JobBase):
    action: ClassVar[Action] = "fail"


Job = BuildJob | MirrorJob | ReuseJob | SkipJob | FailJob
WorkJob = BuildJob | MirrorJob | ReuseJob  # the kinds that stage a wheel and verify it


@dataclass(frozen=True, kw_only=True)
class Plan:
    jobs: tuple[Job, ...]
    targets: tuple[BuildTarget, ...] = field(default_factory=tuple)
    notes: tuple[str, ...] = ()  # what the planner could not know (an image not built yet)

    def by_action(self, action: Action) -> list[Job]:
        return [job for job in self.jobs if job.action == action]

    def arch_placements(self) -> dict[str, dict[str, str]]:
        """For each arch: the runner its jobs go to and how they run there (an arch that
        compiles cross says so, even when a recipe keeps one of its packages on QEMU)."""
        placements: dict[str, dict[str, str]] = {}
        for job in self.jobs:
            known = placements.get(job.arch)
            if known is None or job.execution == "cross":
                placements[job.arch] = {"runner": job.runner, "execution": job.execution}
        return placements

    def to_json(self) -> dict[str, Any]:
        return {
            "jobs": [job.to_json() for job in self.jobs],
            "archs": self.arch_placements(),
            "notes": list(self.notes),
        }
