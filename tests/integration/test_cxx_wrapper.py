"""The zig wrappers answer build systems' linker probe (`-Wl,--version`) as the LLD that zig
drives, so a meson that knows no "zig ld" (numpy 1.26's, any before 1.3) detects a GNU-like
linker; a flag the linker rejects still fails the probe. Run on the host with the host's zig
(the wrappers run it the same way inside the builder containers)."""

from __future__ import annotations

import re
import subprocess
from pathlib import Path

import pytest

from builder.wheelbuild.cxx_toolchain import CACHE_MOUNT, MOUNT, wrapper

ziglang = pytest.importorskip("ziglang")


@pytest.fixture
def toolchain(tmp_path: Path) -> Path:
    """The wrappers as the container sees them, with the mounts pointed at tmp_path."""
    work = tmp_path / "cxx"
    work.mkdir()
    (work / "zig").symlink_to(Path(ziglang.__file__).parent)
    for driver in ("cc", "c++"):
        text = wrapper(driver).replace(CACHE_MOUNT, str(tmp_path / "cache"))
        script = work / driver
        script.write_text(text.replace(MOUNT, str(work)))
        script.chmod(0o755)
    return work


def run(*argv: str | Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run([str(a) for a in argv], capture_output=True, text=True, check=False)


@pytest.mark.parametrize("driver", ["cc", "c++"])
def test_the_linker_probe_is_answered_as_lld(toolchain: Path, driver: str) -> None:
    probe = run(toolchain / driver, "-Wl,--version")
    assert probe.returncode == 0, probe.stderr
    first = probe.stdout.splitlines()[0]
    assert re.fullmatch(r"LLD \d+\.\d+\.\d+ \(compatible with GNU linkers; zig ld [\d.]+\)", first)


def test_a_rejected_flag_still_fails_the_probe(toolchain: Path) -> None:
    probe = run(toolchain / "c++", "-Wl,--no-such-flag", "-Wl,--version")
    assert probe.returncode != 0
    assert "LLD" not in probe.stdout and "no-such-flag" in probe.stdout
