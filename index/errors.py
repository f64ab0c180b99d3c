"""Errors of the index library, each with the exit code the CLI turns it into. The codes are the
README's table, shared with the builder's errors (builder/errors.py): one code per class."""

from __future__ import annotations


class IndexProblem(Exception):
    """What the index was given is wrong: a bad wheel, destination, page or option."""

    exit_code = 2

    def __init__(self, message: str, *, hint: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.hint = hint


class TargetUnavailable(IndexProblem):
    """The publish target could not be reached, or refused the credentials."""

    exit_code = 5


class PublishConflict(IndexProblem):
    """The target already holds a different file under a name being published: refused."""

    exit_code = 6
