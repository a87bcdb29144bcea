"""Rewrite the key reference in docs/config.md from the config models (`storelens.config.reference`).

    .venv/bin/python scripts/config_reference.py          # rewrite
    .venv/bin/python scripts/config_reference.py --check  # exit 1 if the file is stale
"""

from __future__ import annotations

import sys
from pathlib import Path

from storelens.config.reference import BEGIN, END, reference_markdown

DOC = Path(__file__).resolve().parents[1] / "docs" / "config.md"


def updated(text: str) -> str:
    """``text`` with its reference section replaced by a fresh one (appended if it has none)."""
    if BEGIN in text and END in text:
        head, rest = text.split(BEGIN, 1)
        return head + reference_markdown() + rest.split(END, 1)[1]
    return text.rstrip("\n") + "\n\n## Every key\n\n" + reference_markdown() + "\n"


def main() -> int:
    text = DOC.read_text(encoding="utf-8")
    fresh = updated(text)
    if "--check" in sys.argv[1:]:
        if fresh != text:
            print(f"{DOC} is stale: run scripts/config_reference.py", file=sys.stderr)
            return 1
        return 0
    DOC.write_text(fresh, encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
