"""`wheelhouse images build`: the local builder and runtime images, one pair per arch."""

from __future__ import annotations

from pathlib import Path

from app.console import done, say
from builder.host.commands import CommandRunner
from builder.host.containers import Containers
from builder.host.images import build_local_images
from builder.inputs.settings import Settings, default_environ


def run_images_build(settings: Settings, cache_dir: Path) -> None:
    commands = CommandRunner(env=default_environ())
    for arch in settings.archs:
        builder, runtime = build_local_images(
            commands,
            Containers(commands),
            arch=arch,
            policy=settings.musllinux,
            cache_dir=cache_dir,
            log=cache_dir / f"images-{arch}.log",
            progress=say,
        )
        done(f"{arch}: builder {builder}, runtime {runtime}")
