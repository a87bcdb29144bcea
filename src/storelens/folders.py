"""Output folders, made on demand: a light module, so that writing a report does not load the detectors."""

from __future__ import annotations

from pathlib import Path

from storelens.errors import StorageError

__all__ = ["output_folder"]


def output_folder(path: Path) -> Path:
    """``path``, made a folder if it is not one yet.

    Raises:
        StorageError: It is an existing file (never replaced), or cannot be made.
    """
    try:
        path.mkdir(parents=True, exist_ok=True)
    except FileExistsError:
        raise StorageError(f"{path}: is a file, not a folder; give a folder for the outputs") from None
    except OSError as err:
        raise StorageError(f"{path}: cannot make the output folder: {err.strerror or err}") from None
    return path
