"""Errors of the index library, each with the exit code the CLI turns it into."""

from __future__ import annotations


class IndexProblem(Exception):
    exit_code = 2

    def __init__(self, message: str, *, hint: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.hint = hint


class TargetUnavailable(IndexProblem):
    """The target could not be reached, or refused the credentials."""

    exit_code = 3
