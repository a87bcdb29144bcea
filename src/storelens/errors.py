"""Exception hierarchy: every error the user can cause is a StorelensError with a one-line message."""

from __future__ import annotations

__all__ = [
    "StorelensError",
    "ConfigError",
    "SourceError",
    "DetectorError",
    "CalibrationError",
    "StorageError",
    "EvalError",
    "DeliveryError",
    "first_line",
]


def first_line(err: BaseException) -> str:
    """The first line of an error's message (its type's name if it has none): one-line reports."""
    text = str(err).strip()
    return text.splitlines()[0] if text else type(err).__name__


class StorelensError(Exception):
    """Base class; the CLI prints ``str(err)`` on one line and exits non-zero."""


class ConfigError(StorelensError):
    """A configuration value is missing, malformed or inconsistent."""


class SourceError(StorelensError):
    """A video source cannot be opened or read."""


class DetectorError(StorelensError):
    """A detector model cannot be found, verified, converted or run."""


class CalibrationError(StorelensError):
    """A camera calibration is missing or unusable."""


class StorageError(StorelensError):
    """The database cannot be reached or written."""


class EvalError(StorelensError):
    """Ground truth or results to score are missing or malformed."""


class DeliveryError(StorelensError):
    """A report cannot be delivered: the mail server is unreachable or refuses it."""
