"""A build target (CPython version x arch x musllinux policy): its tags and marker environment."""

from __future__ import annotations

from dataclasses import dataclass
from functools import cached_property

from packaging import tags
from packaging.utils import parse_wheel_filename


@dataclass(frozen=True, kw_only=True)
class BuildTarget:
    python: str  # "3.11"
    arch: str  # "x86_64"
    musllinux: str = "musllinux_1_2"
    python_full: str = ""  # the runtime image's own version, e.g. "3.11.2"; "" when unknown

    @property
    def full_version(self) -> str:
        """What markers and requires-python are evaluated against: the image's full version,
        or X.Y.0 when it could not be asked (a dry run without an engine)."""
        return self.python_full or f"{self.python}.0"

    @property
    def version_tuple(self) -> tuple[int, int]:
        major, minor = self.python.split(".")
        return int(major), int(minor)

    @property
    def interpreter(self) -> str:
        """cibuildwheel's and the pypa images' interpreter tag, e.g. cp311."""
        major, minor = self.version_tuple
        return f"cp{major}{minor}"

    @property
    def abi_dir(self) -> str:
        """The pypa image's interpreter directory, e.g. cp311-cp311."""
        return f"{self.interpreter}-{self.interpreter}"

    @property
    def platform_tag(self) -> str:
        return f"{self.musllinux}_{self.arch}"

    @property
    def cibw_identifier(self) -> str:
        return f"{self.interpreter}-musllinux_{self.arch}"

    def __str__(self) -> str:
        return f"cp{self.python}/{self.arch}"

    @cached_property
    def _platforms(self) -> list[str]:
        minor_max = int(self.musllinux.rsplit("_", 1)[1])
        return [f"musllinux_1_{minor}_{self.arch}" for minor in range(minor_max, -1, -1)]

    @cached_property
    def supported_tags(self) -> list[tags.Tag]:
        """Wheel tags this target installs, best first (what pip on that Alpine image accepts)."""
        version = self.version_tuple
        return [
            *tags.cpython_tags(version, platforms=self._platforms),
            *tags.compatible_tags(version, interpreter=self.interpreter, platforms=self._platforms),
        ]

    def installs(self, filename: str) -> bool:
        """Whether pip on this target would install the wheel of this name."""
        supported = set(self.supported_tags)
        return any(tag in supported for tag in parse_wheel_filename(filename)[3])

    def marker_environment(self) -> dict[str, str]:
        return {
            "implementation_name": "cpython",
            "implementation_version": self.full_version,
            "os_name": "posix",
            "platform_machine": self.arch,
            "platform_python_implementation": "CPython",
            "platform_release": "",
            "platform_system": "Linux",
            "platform_version": "",
            "python_full_version": self.full_version,
            "python_version": self.python,
            "sys_platform": "linux",
        }
