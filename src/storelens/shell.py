"""Commands storelens prints for the user to run next, spelt so they run as printed."""

from __future__ import annotations

import shlex
import shutil
import sys
from pathlib import Path

__all__ = ["storelens_command"]


def storelens_command(*args: str | Path) -> str:
    """``storelens ARGS`` as this process was started: the virtual environment's script by its
    path when it is not on PATH (a venv that is not activated), quoted for a POSIX shell."""
    found = shutil.which("storelens")
    here = Path(sys.argv[0]).resolve() if sys.argv and sys.argv[0] else None
    if here is not None and here.name == "storelens" and (found is None or Path(found).resolve() != here):
        head = shlex.quote(str(here))
    else:
        head = "storelens" if found else f"{shlex.quote(sys.executable)} -m storelens.cli"
    return " ".join([head, *(shlex.quote(str(a)) for a in args)])
