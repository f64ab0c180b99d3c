"""What wheelhouse asks of the Docker engine: is it there, does an image exist, what is its id."""

from __future__ import annotations

from builder.errors import CommandFailed, EnvironmentProblem
from builder.host.commands import Runner

ENGINE_HINT = (
    "start the Docker engine (e.g. `dockerd &` or `systemctl start docker`); "
    "`bash .ci/run` shows the full set-up on a Debian machine"
)


def check_engine(runner: Runner) -> None:
    runner.which("docker")
    result = runner.run(
        ["docker", "version", "--format", "{{.Server.APIVersion}}"], check=False, timeout=30
    )
    if result.returncode != 0:
        lines = result.output.strip().splitlines()
        detail = f": {lines[-1]}" if lines else ""
        raise EnvironmentProblem(f"the Docker engine is not reachable{detail}", hint=ENGINE_HINT)


def image_id(runner: Runner, image: str) -> str | None:
    """The image's content id (sha256:...) if it is present locally, else None."""
    result = runner.run(
        ["docker", "image", "inspect", "--format", "{{.Id}}", image], check=False, timeout=60
    )
    if result.returncode != 0:
        return None
    return result.output.strip() or None


def try_pull(runner: Runner, image: str) -> bool:
    try:
        runner.run(["docker", "pull", "--quiet", image], timeout=600, what=f"docker pull {image}")
    except CommandFailed:
        return False
    return True
