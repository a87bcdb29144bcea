"""Zone-to-zone movement: how people move between areas, from their zone visits."""

from __future__ import annotations

from collections import Counter
from collections.abc import Collection, Iterable

from storelens.analytics.records import ZoneVisit

__all__ = ["zone_paths"]


def zone_paths(
    visits: Iterable[ZoneVisit], skip_zones: Collection[str] = ()
) -> tuple[Counter[tuple[str, str]], Counter[tuple[str, ...]]]:
    """Transitions between zones and whole paths, per person, in the order they entered.

    Repeated visits to the same zone in a row (in, out for a moment, back in) are one stop.
    Zones in ``skip_zones`` (staff-only areas, for shoppers' flows) are left out, as if the
    person had not been there.

    Returns:
        ``transitions[(a, b)]``: people who went from zone a to zone b next;
        ``paths[(a, b, ...)]``: people whose whole sequence of zones was that.

    >>> from datetime import datetime, timezone
    >>> t = lambda s: datetime.fromtimestamp(s, timezone.utc)
    >>> v = [ZoneVisit("door", "c", 1, t(0), t(5)), ZoneVisit("shelf", "c", 1, t(9), t(30)),
    ...      ZoneVisit("till", "c", 1, t(40), t(60)), ZoneVisit("door", "c", 2, t(3), t(8))]
    >>> trans, paths = zone_paths(v)
    >>> sorted(trans.items()), sorted(paths.items())
    ([(('door', 'shelf'), 1), (('shelf', 'till'), 1)], [(('door',), 1), (('door', 'shelf', 'till'), 1)])
    """
    sequences: dict[tuple[str, int], list[str]] = {}
    for v in sorted(visits, key=lambda v: (v.enter_ts, v.zone)):
        if v.zone in skip_zones:
            continue
        seq = sequences.setdefault((v.camera_id, v.track_id), [])
        if not seq or seq[-1] != v.zone:
            seq.append(v.zone)
    transitions: Counter[tuple[str, str]] = Counter()
    paths: Counter[tuple[str, ...]] = Counter()
    for seq in sequences.values():
        transitions.update(zip(seq, seq[1:]))
        paths[tuple(seq)] += 1
    return transitions, paths
