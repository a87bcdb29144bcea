"""Who each counted crossing was: the role and buying unit its visit got when it ended.

A crossing is written the moment it happens, its visit (with the role and unit) when the visitor
leaves, so the two meet here, at read time: a crossing belongs to the visit of the same run,
camera and track that spans its time (a track found again after its visit ended starts another
visit under the same id). Only visits that carry a label are
read (staff, and visitors who came in through an entrance and got a unit), so a month of
fragments of visits that began on the floor costs nothing.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.engine import Engine

from storelens.analytics.records import Direction, LineCrossing
from storelens.storage import schema
from storelens.storage.engine import storage_errors
from storelens.storage.times import DAY_US, from_us, to_us

__all__ = ["MAX_VISIT_US", "LabelledCrossing", "VisitLabel", "label_at", "labelled_crossings"]

MAX_VISIT_US = DAY_US
"""Longest visit looked back for (the cashier's all-day one included)."""


@dataclass(frozen=True, slots=True)
class VisitLabel:
    """What a finished visit was: ``role`` (visitor or staff) and its buying unit (None: none)."""

    role: str
    unit_id: int | None


@dataclass(frozen=True, slots=True)
class LabelledCrossing:
    """A stored crossing with its run and the label of its visit.

    Attributes:
        crossing: The crossing.
        run_id: The run that wrote it (track and unit ids are unique within a run).
        label: Its visit's label; None while the visit is open (a live visitor still inside) or
            when the visit carries none (older records, a visitor who did not come in through an
            entrance).
    """

    crossing: LineCrossing
    run_id: int
    label: VisitLabel | None


def labelled_crossings(engine: Engine, start: datetime, end: datetime) -> list[LabelledCrossing]:
    """Every crossing in ``[start, end)``, in time order, with the label of its visit."""
    c, v = schema.line_crossings, schema.visits
    start_us, end_us = to_us(start), to_us(end)
    crossings = (
        sa.select(c.c.line, c.c.camera_id, c.c.track_id, c.c.ts_us, c.c.direction, c.c.run_id)
        .where(c.c.ts_us >= start_us, c.c.ts_us < end_us)
        .order_by(c.c.ts_us, c.c.id)
    )
    # A crossing at ts lies in its visit (start_us <= ts <= end_us), which began at most a day
    # before: a range scan of the start index, however much history follows the range.
    visits = sa.select(
        v.c.run_id, v.c.camera_id, v.c.track_id, v.c.start_us, v.c.end_us, v.c.role, v.c.unit_id
    ).where(
        v.c.start_us >= start_us - MAX_VISIT_US,
        v.c.start_us < end_us,
        v.c.end_us >= start_us,
        sa.or_(v.c.role != "visitor", v.c.unit_id.is_not(None)),
    )
    with storage_errors(engine.url, "read line crossings and their visits"), engine.connect() as conn:
        labels: dict[tuple[int, str, int], list[tuple[int, int, VisitLabel]]] = {}
        for run, cam, track, start, end, role, unit in conn.execute(visits):
            labels.setdefault((run, cam, track), []).append((start, end, VisitLabel(role, unit)))
        rows = conn.execute(crossings).all()
    return [
        LabelledCrossing(
            LineCrossing(line, cam, track, from_us(ts), Direction(direction)),
            run,
            label_at(labels.get((run, cam, track), []), ts),
        )
        for line, cam, track, ts, direction, run in rows
    ]


def label_at(visits: list[tuple[int, int, VisitLabel]], ts_us: int) -> VisitLabel | None:
    """The label of the visit nearest in time to ``ts_us`` (the one spanning it, if any)."""
    if not visits:
        return None
    return min(visits, key=lambda v: max(v[0] - ts_us, ts_us - v[1], 0))[2]
