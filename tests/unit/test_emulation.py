from __future__ import annotations

from pathlib import Path

import pytest

from builder.errors import EnvironmentProblem
from builder.host.emulation import (
    check_emulation,
    elf_header,
    emulation_problem,
    execution_for,
    machine_arch,
    parse_entry,
)

# As Debian's qemu-user-static registers it (update-binfmts), printed by the kernel.
QEMU_AARCH64 = """enabled
interpreter /usr/libexec/qemu-binfmt/aarch64-binfmt-P
flags: PF
offset 0
magic 7f454c460201010000000000000000000200b700
mask ffffffffffffff00fffffffffffffffffeffffff
"""


def binfmt_dir(
    tmp_path: Path, *, entry: str | None = QEMU_AARCH64, status: str = "enabled"
) -> Path:
    directory = tmp_path / "binfmt_misc"
    directory.mkdir()
    (directory / "status").write_text(status + "\n")
    (directory / "register").write_text("")
    if entry is not None:
        (directory / "qemu-aarch64").write_text(entry)
    return directory


def test_machine_names_and_executions() -> None:
    assert machine_arch("AMD64") == "x86_64"
    assert machine_arch("arm64") == "aarch64"
    assert execution_for("x86_64", "aarch64") == "qemu"
    assert execution_for("aarch64", "aarch64") == "native"


def test_the_qemu_entry_handles_aarch64_executables_only() -> None:
    entry = parse_entry("qemu-aarch64", QEMU_AARCH64)
    assert entry.enabled and entry.flags == "PF"
    assert entry.matches(elf_header("aarch64"))
    assert not entry.matches(elf_header("x86_64"))


@pytest.mark.parametrize(
    ("entry", "status", "expected"),
    [
        (QEMU_AARCH64, "enabled", None),
        (None, "enabled", "no binfmt_misc entry handles aarch64"),
        (QEMU_AARCH64.replace("enabled", "disabled"), "enabled", "entry is disabled"),
        (QEMU_AARCH64.replace("flags: PF", "flags: P"), "enabled", "lacks the F"),
        (QEMU_AARCH64, "disabled", "binfmt_misc is disabled"),
    ],
)
def test_what_is_missing_is_named(
    tmp_path: Path, entry: str | None, status: str, expected: str | None
) -> None:
    directory = binfmt_dir(tmp_path, entry=entry, status=status)
    if expected is None:
        assert check_emulation(["x86_64", "aarch64"], machine="x86_64", directory=directory) == {
            "x86_64": "native",
            "aarch64": "qemu",
        }
        return
    with pytest.raises(EnvironmentProblem, match=expected) as caught:
        check_emulation(["aarch64"], machine="x86_64", directory=directory)
    assert "update-binfmts --enable qemu-aarch64" in str(caught.value)
    assert caught.value.exit_code == 4


def test_not_mounted_says_how_to_mount(tmp_path: Path) -> None:
    with pytest.raises(EnvironmentProblem, match="not mounted") as caught:
        check_emulation(["aarch64"], machine="x86_64", directory=tmp_path / "absent")
    assert "mount -t binfmt_misc binfmt_misc /proc/sys/fs/binfmt_misc" in str(caught.value)


def test_native_arches_need_no_binfmt(tmp_path: Path) -> None:
    absent = tmp_path / "absent"
    assert check_emulation(["aarch64"], machine="aarch64", directory=absent) == {
        "aarch64": "native"
    }
    problem = emulation_problem("aarch64", mounted=True, globally_enabled=True, entries=[])
    assert problem is not None and "no binfmt_misc entry" in problem
