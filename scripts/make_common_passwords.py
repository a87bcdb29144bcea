"""Write ``src/storelens/api/common-passwords.txt.gz``, the common-password list new passwords are checked against.

The list is Django's (``django/contrib/auth/common-passwords.txt.gz``, BSD licence): the 20,000
passwords most often found in breach dumps, collected by Royce Williams. It is taken once from a
Django wheel and shipped inside storelens, so the check needs no download and no Django at run
time. Entries are lower-cased (the check ignores case), those under 4 characters dropped (a new
password has at least 10, and shorter words are no meaningful stem), then deduplicated and sorted.
Made with (from the project root)::

    .venv/bin/python -m pip download --no-deps 'django==5.2.20' -d /tmp/django-wheel
    .venv/bin/python scripts/make_common_passwords.py /tmp/django-wheel/django-5.2.20-py3-none-any.whl
"""

from __future__ import annotations

import gzip
import sys
import zipfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
OUT = ROOT / "src" / "storelens" / "api" / "common-passwords.txt.gz"
MEMBER = "django/contrib/auth/common-passwords.txt.gz"
MIN_LENGTH = 4


def main() -> int:
    if len(sys.argv) != 2:
        print(f"usage: {sys.argv[0]} DJANGO_WHEEL", file=sys.stderr)
        return 2
    with zipfile.ZipFile(sys.argv[1]) as wheel:
        text = gzip.decompress(wheel.read(MEMBER)).decode()
    words = sorted({line.strip().casefold() for line in text.splitlines() if len(line.strip()) >= MIN_LENGTH})
    # mtime=0: the same list gives the same bytes, so a rerun shows no diff.
    OUT.write_bytes(gzip.compress(("\n".join(words) + "\n").encode(), compresslevel=9, mtime=0))
    print(f"wrote {len(words)} passwords to {OUT.relative_to(ROOT)} ({OUT.stat().st_size} bytes)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
