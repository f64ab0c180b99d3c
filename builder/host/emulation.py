"""Which architectures this machine runs natively, and whether binfmt_misc runs the others.

A foreign-arch container (aarch64 on x86_64) runs only if the kernel hands that arch's ELF
binaries to an emulator (QEMU) registered in binfmt_misc with the F (fix-binary) flag: without F,
the emulator's path is looked up inside each container, where it does not exist.

The decisions are pure (`parse_entry`, `emulation_problem`); `check_emulation` reads the kernel's
files and raises with the exact commands that fix what is missing.
"""

from __future__ import annotations

import platform
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

from builder.errors import EnvironmentProblem

BINFMT_DIR = Path("/proc/sys/fs/binfmt_misc")
Execution = Literal["native", "qemu"]

# ELF e_machine of each arch, and the name Docker uses for it (QEMU's is the wheel tag's).
_E_MACHINE = {"x86_64": 0x3E, "aarch64": 0xB7}
_DOCKER_NAME = {"x86_64": "amd64", "aarch64": "arm64"}
_MACHINE_ALIASES = {"amd64": "x86_64", "arm64": "aarch64"}


@dataclass(frozen=True, kw_only=True)
class BinfmtEntry:
    name: str
    enabled: bool
    flags: str
    offset: int
    magic: bytes
    mask: bytes

    def matches(self, header: bytes) -> bool:
        window = header[self.offset : self.offset + len(self.magic)]
        if len(window) < len(self.magic):
            return False
        mask = self.mask or b"\xff" * len(self.magic)
        return all((h & m) == (g & m) for h, g, m in zip(window, self.magic, mask, strict=False))


def machine_arch(machine: str | None = None) -> str:
    """This machine's arch in wheel-tag spelling (x86_64, aarch64)."""
    name = (machine or platform.machine()).lower()
    return _MACHINE_ALIASES.get(name, name)


def execution_for(machine: str, arch: str) -> Execution:
    return "native" if machine == arch else "qemu"


def executions_here(archs: Sequence[str], machine: str | None = None) -> dict[str, Execution]:
    """How each arch runs on this machine (or on `machine`), whether or not it can."""
    host = machine_arch(machine)
    return {arch: execution_for(host, arch) for arch in archs}


def docker_platform(arch: str) -> str:
    return f"linux/{_DOCKER_NAME[arch]}"


def elf_header(arch: str) -> bytes:
    """The first 20 bytes of a little-endian 64-bit ELF executable for arch."""
    return (
        b"\x7fELF\x02\x01\x01" + b"\x00" * 9 + b"\x02\x00" + _E_MACHINE[arch].to_bytes(2, "little")
    )


def parse_entry(name: str, text: str) -> BinfmtEntry:
    """One /proc/sys/fs/binfmt_misc/<name> file, as the kernel prints it."""
    fields: dict[str, str] = {}
    enabled = False
    for raw in text.splitlines():
        line = raw.strip()
        if line in ("enabled", "disabled"):
            enabled = line == "enabled"
        elif " " in line:
            key, value = line.split(" ", 1)
            fields[key] = value.strip()
    flags = fields.get("flags:", "")
    return BinfmtEntry(
        name=name,
        enabled=enabled,
        flags=flags,
        offset=int(fields.get("offset", "0") or 0),
        magic=bytes.fromhex(fields.get("magic", "")),
        mask=bytes.fromhex(fields.get("mask", "")),
    )


def enable_hint(arch: str) -> str:
    return (
        "enable QEMU emulation through binfmt_misc (as root), e.g. on Debian/Ubuntu:\n"
        "  mount -t binfmt_misc binfmt_misc /proc/sys/fs/binfmt_misc   # if not mounted\n"
        "  apt-get install qemu-user-static binfmt-support\n"
        f"  update-binfmts --enable qemu-{arch}\n"
        "(`make emulation` does exactly this), or where a registry is reachable:\n"
        f"  docker run --privileged --rm tonistiigi/binfmt --install {_DOCKER_NAME[arch]}\n"
        f"or build {arch} on a native {arch} machine (--arch limits a run to this machine's arch)"
    )


def emulation_problem(
    arch: str, *, mounted: bool, globally_enabled: bool, entries: Sequence[BinfmtEntry]
) -> str | None:
    """Why this machine cannot run arch's binaries in containers, or None when it can."""
    if not mounted:
        return f"{arch} needs emulation, and binfmt_misc is not mounted"
    if not globally_enabled:
        return f"{arch} needs emulation, and binfmt_misc is disabled (its status file)"
    header = elf_header(arch)
    handlers = [entry for entry in entries if entry.matches(header)]
    if not handlers:
        return f"{arch} needs emulation, and no binfmt_misc entry handles {arch} executables"
    enabled = [entry for entry in handlers if entry.enabled]
    if not enabled:
        names = ", ".join(entry.name for entry in handlers)
        return f"{arch} needs emulation, and its binfmt_misc entry is disabled ({names})"
    if not any("F" in entry.flags for entry in enabled):
        names = ", ".join(entry.name for entry in enabled)
        return (
            f"{arch} needs emulation, and its binfmt_misc entry ({names}) lacks the F "
            "(fix-binary) flag, so containers cannot reach the emulator"
        )
    return None


def read_binfmt(directory: Path = BINFMT_DIR) -> tuple[bool, bool, list[BinfmtEntry]]:
    """(mounted, globally enabled, entries) as the kernel shows them."""
    status = directory / "status"
    if not status.is_file():
        return False, False, []
    entries = [
        parse_entry(path.name, path.read_text(encoding="utf-8", errors="replace"))
        for path in sorted(directory.iterdir())
        if path.name not in ("status", "register") and path.is_file()
    ]
    return True, status.read_text(encoding="utf-8").strip() == "enabled", entries


def check_emulation(
    archs: Sequence[str], *, machine: str | None = None, directory: Path = BINFMT_DIR
) -> dict[str, Execution]:
    """How each arch will run here; raises when a foreign arch cannot run at all."""
    executions = executions_here(archs, machine)
    foreign = [arch for arch, how in executions.items() if how == "qemu"]
    if not foreign:
        return executions
    mounted, enabled, entries = read_binfmt(directory)
    for arch in foreign:
        problem = emulation_problem(
            arch, mounted=mounted, globally_enabled=enabled, entries=entries
        )
        if problem is not None:
            raise EnvironmentProblem(
                f"cannot build {arch} on this {machine_arch(machine)} machine: {problem}",
                hint=enable_hint(arch),
            )
    return executions
