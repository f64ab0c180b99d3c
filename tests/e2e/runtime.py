"""Running a script in the clean musl runtime image, for tests that check what a user gets."""

from __future__ import annotations

import subprocess
from pathlib import Path

from builder.images import local_tags, recipe_hash


def runtime_image() -> str:
    return local_tags("x86_64", "musllinux_1_2", recipe_hash())[2]


def run_in_runtime(
    script: str, *, network: str = "host", mount: Path | None = None, mount_at: str = "/work"
) -> subprocess.CompletedProcess[str]:
    """sh -c SCRIPT in the runtime image. network "host" shares the host's loopback (and nothing
    else reachable here); "none" cuts it off. mount is bind-mounted read-only at mount_at."""
    volume = ["-v", f"{mount}:{mount_at}:ro"] if mount is not None else []
    return subprocess.run(
        [
            "docker",
            "run",
            "--rm",
            "--network",
            network,
            *volume,
            runtime_image(),
            "sh",
            "-c",
            script,
        ],
        capture_output=True,
        text=True,
        check=False,
    )
