"""Check that the running environment holds exactly the packages and versions of a lock file.

Usage: ``python scripts/lockcheck.py requirements/lock.txt [requirements/models.txt ...]`` (scripts/venv.sh
runs it after each install; the later files list packages installed beside the lock without dependencies).
Prints one line per difference and exits 1 when there is any, so a venv that drifted from the lock
(a package upgraded or added by hand, a lock refreshed without reinstalling) is caught before tests run.
"""

from __future__ import annotations

import re
import sys
from importlib import metadata
from pathlib import Path

from packaging.markers import Marker
from packaging.utils import canonicalize_name

REQUIREMENT = re.compile(r"^([A-Za-z0-9][A-Za-z0-9._-]*)==([^\s;\\]+)\s*(?:;\s*([^\\]+?))?\s*\\?$")
NOT_LOCKED = {"pip", "storelens"}
"""The installer itself, and the project installed in editable mode beside the lock."""


def locked_versions(lock: Path) -> dict[str, str]:
    """Name -> version of the lock's requirements whose environment markers hold here."""
    wanted = {}
    for line in lock.read_text().splitlines():
        match = REQUIREMENT.match(line)
        if match and (match[3] is None or Marker(match[3]).evaluate()):
            wanted[canonicalize_name(match[1])] = match[2]
    return wanted


def installed_versions() -> dict[str, str]:
    return {canonicalize_name(d.metadata["Name"]): d.version for d in metadata.distributions()}


def differences(wanted: dict[str, str], have: dict[str, str]) -> list[str]:
    lines = [f"{name}: locked {version}, installed {have.get(name, 'nothing')}"
             for name, version in sorted(wanted.items()) if have.get(name) != version]
    lines += [f"{name}: installed {version}, not in the lock"
              for name, version in sorted(have.items()) if name not in wanted and name not in NOT_LOCKED]
    return lines


def main() -> int:
    locks = [Path(arg) for arg in sys.argv[1:]]
    if not locks or not all(lock.is_file() for lock in locks):
        print("storelens: error: usage: lockcheck.py LOCK_FILE... (existing requirements locks)", file=sys.stderr)
        return 2
    lock = locks[0]
    wanted = {name: version for extra in locks for name, version in locked_versions(extra).items()}
    lines = differences(wanted, installed_versions())
    for line in lines:
        print(f"storelens: lock drift ({lock.name}): {line}", file=sys.stderr)
    if lines:
        print(f"storelens: error: {sys.prefix} differs from {lock}; remove it and rerun to reinstall", file=sys.stderr)
        return 1
    print(f"storelens: {len(wanted)} packages installed exactly as {lock.name} locks them", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
