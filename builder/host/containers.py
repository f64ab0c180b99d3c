"""The one door to the container engine: every `docker` command line wheelhouse runs itself is
built here (cibuildwheel drives its own containers; the image recipe's scripts build images)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from builder.errors import CommandFailed, EnvironmentProblem
from builder.host.commands import CommandRunner, Result
from builder.host.emulation import docker_platform

ENGINE_HINT = (
    "start the Docker engine (e.g. `dockerd &` or `systemctl start docker`); "
    "`bash .ci/run` shows the full set-up on a Debian machine"
)


@dataclass(frozen=True, kw_only=True)
class Mount:
    source: Path
    target: str
    read_only: bool = True

    def option(self) -> str:
        suffix = ":ro" if self.read_only else ""
        return f"{self.source.resolve()}:{self.target}{suffix}"


class Containers:
    def __init__(self, commands: CommandRunner) -> None:
        self._commands = commands

    def engine_problem(self) -> str | None:
        """Why the engine cannot be used (None when it answers)."""
        try:
            self._commands.which("docker")
        except EnvironmentProblem as problem:
            return problem.message
        result = self._commands.run(
            ["docker", "version", "--format", "{{.Server.APIVersion}}"], check=False, timeout=30
        )
        if result.returncode == 0:
            return None
        lines = result.output.strip().splitlines()
        detail = f": {lines[-1]}" if lines else ""
        return f"the Docker engine is not reachable{detail}"

    def check_engine(self) -> None:
        problem = self.engine_problem()
        if problem is not None:
            raise EnvironmentProblem(problem, hint=ENGINE_HINT)

    def image_id(self, image: str) -> str | None:
        """The image's content id (sha256:...) if it is present locally, else None."""
        result = self._commands.run(
            ["docker", "image", "inspect", "--format", "{{.Id}}", image], check=False, timeout=60
        )
        if result.returncode != 0:
            return None
        return result.output.strip() or None

    def copy_out(self, image: str, path: str, dest: Path, *, arch: str) -> None:
        """Copy `path` of the image (for `arch`) to `dest` on this machine, without running it.
        Raises CommandFailed."""
        created = self._commands.run(
            ["docker", "create", "--platform", docker_platform(arch), image, "true"],
            timeout=120,
            what=f"docker create {image}",
        )
        container = created.output.strip().splitlines()[-1]
        try:
            self._commands.run(
                ["docker", "cp", f"{container}:{path}", str(dest)],
                timeout=600,
                what=f"copying {path} out of {image}",
            )
        finally:
            self._commands.run(["docker", "rm", container], check=False, timeout=120)

    def pull(self, image: str) -> bool:
        try:
            self._commands.run(
                ["docker", "pull", "--quiet", image], timeout=600, what=f"docker pull {image}"
            )
        except CommandFailed:
            return False
        return True

    def run(
        self,
        image: str,
        argv: Sequence[str],
        *,
        arch: str,
        mounts: Sequence[Mount] = (),
        network: str | None = "none",
        log: Path | None = None,
        timeout: float | None = None,
    ) -> Result:
        """Run argv in a throw-away container of `image` for `arch` (no network by default);
        the exit code is the caller's to read."""
        options = ["--rm", "--platform", docker_platform(arch)]
        if network is not None:
            options += ["--network", network]
        for mount in mounts:
            options += ["--volume", mount.option()]
        return self._commands.run(
            ["docker", "run", *options, image, *argv], log=log, check=False, timeout=timeout
        )
