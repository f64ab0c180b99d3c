"""The error hierarchy. Each error carries its exit code; only the CLI's top level catches them."""

from __future__ import annotations


class WheelhouseError(Exception):
    """Base of every error the CLI turns into a message and an exit code."""

    exit_code = 1

    def __init__(self, message: str, *, hint: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.hint = hint

    def __str__(self) -> str:
        return self.message if self.hint is None else f"{self.message}\n  hint: {self.hint}"


class InputError(WheelhouseError):
    """The user's input (list, recipe, config, flag) is wrong. Nothing was built."""

    exit_code = 2


class UpstreamError(WheelhouseError):
    """The upstream index could not answer, or has nothing that matches."""

    exit_code = 3


class EnvironmentProblem(WheelhouseError):
    """The machine lacks something the command needs (Docker engine, image, binfmt)."""

    exit_code = 4


class CommandFailed(WheelhouseError):
    """A subprocess exited nonzero; the message carries the tail of its log."""

    exit_code = 1

    def __init__(self, message: str, *, returncode: int, log_tail: str, hint: str | None = None):
        super().__init__(message, hint=hint)
        self.returncode = returncode
        self.log_tail = log_tail


class JobsFailed(WheelhouseError):
    """Some jobs of a build failed; the others completed."""

    exit_code = 1
