"""Errors that the command line turns into a one-line message and a non-zero exit status."""

from __future__ import annotations


class UserError(Exception):
    """A problem the user can fix: bad input path, bad configuration, a stage that has not run yet.

    The message is one line that says what is wrong and what to do about it.
    """

    exit_code: int = 2


class ConfigError(UserError):
    """The configuration file or a ``--set`` override is invalid."""


class MissingTableError(UserError):
    """A Delta table that this stage reads does not exist, because an earlier stage never ran."""


class ModelNotFoundError(UserError):
    """No registered model, or no version under the requested alias."""


class ConcurrentWriteError(UserError):
    """Another run kept committing to the same Delta table while this one retried its write."""
