"""Capture rate: of the people who passed the shop front, the share who came in.

A passer-by line on the pavement counts everyone who walks past it, and some of them then turn
in at the door; the door's inward crossings count those who came in, some of whom never crossed
the pavement line (they came from the other side). Dividing entries by passers-by therefore
passes 100 % whenever the door is busier than the pavement line (PETS09: 9 in, 2 passers-by,
450 %). Counting people instead, one track once whichever lines it crossed, the front is everyone
who crossed the passer-by line or came in, and the rate cannot pass 100 %.
"""

from __future__ import annotations

from collections.abc import Collection, Iterable

from storelens.analytics.records import Direction, LineCrossing

__all__ = ["capture_rate"]


def capture_rate(crossings: Iterable[LineCrossing], passerby_lines: Collection[str]) -> float | None:
    """People who came in (an inward crossing of a line that is not a passer-by line) over people
    seen at the front (that, or any crossing of a passer-by line); None when nobody crossed a
    passer-by line (there is none, or it saw nobody: the front is not counted)."""
    came_in, passed = set(), set()
    for c in crossings:
        person = (c.camera_id, int(c.track_id))
        if c.line in passerby_lines:
            passed.add(person)
        elif Direction(c.direction) is Direction.IN:
            came_in.add(person)
    return len(came_in) / len(came_in | passed) if passed else None
