"""Runs and batches: what makes writing the same records twice change nothing.

Every `storelens run` is a run with an id, and every record it stores carries that id. A
recorded run's id is a hash of its store, cameras and start time (the stream time of the video's
first frame), so the same video run again (after a crash, or on purpose) gets the same id, and
`StoreDatabase.begin_run` first removes what the earlier run stored: counts are never doubled.
A live run's id is drawn at random: its stream time is the wall clock, and records of two live
runs never overlap.

A run's records are written in numbered batches (`RecordBatch`); the database keeps the number
of the last batch it applied per run, so a batch written again (a commit whose acknowledgement was
lost, a spool replayed after a crash) is skipped.
"""

from __future__ import annotations

import hashlib
import secrets
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime

from storelens.analytics.records import Alert, FloorPositions, LineCrossing, Visit, ZoneVisit
from storelens.demographics.records import VisitDemographics

__all__ = ["RecordBatch", "RunInfo", "live_run_id", "recorded_run_id"]

_ID_BITS = 62
"""Run ids are positive BIGINTs below 2**62 (0 marks records written outside any run)."""


@dataclass(frozen=True, slots=True)
class RunInfo:
    """One run of a store's cameras.

    Attributes:
        run_id: See `recorded_run_id` / `live_run_id`.
        store_id: The store.
        cameras: Its cameras in this run.
        live: Live sources (the wall clock) or recorded video (placed at ``start``).
        start: Stream time of the first frame, UTC.
    """

    run_id: int
    store_id: str
    cameras: tuple[str, ...]
    live: bool
    start: datetime


def recorded_run_id(store_id: str, cameras: Sequence[str], start: datetime) -> int:
    """The same id for the same store, cameras and start time: a rerun replaces the earlier run."""
    key = "\n".join([store_id, ",".join(sorted(cameras)), f"{start.timestamp():.6f}"])
    digest = hashlib.sha256(key.encode()).digest()
    return int.from_bytes(digest[:8], "big") >> (64 - _ID_BITS) or 1


def live_run_id() -> int:
    """A fresh id: live runs never replace one another."""
    return secrets.randbits(_ID_BITS) or 1


@dataclass(slots=True)
class RecordBatch:
    """Everything a run writes at one flush, stored in one transaction.

    Attributes:
        run_id: The run.
        seq: 1, 2, 3, ... within the run: batches are applied in this order, each once.
        positions: Track positions (downsampled and added to the heat on write).
        camera_heat: The cameras' views of a fused store's visitors: heat only.
        crossings / zone_visits / visits / alerts: The analytics' records.
        demographics: Age band and gender of visits that ended (cameras with demographics on).
    """

    run_id: int
    seq: int
    positions: list[FloorPositions] = field(default_factory=list)
    camera_heat: list[FloorPositions] = field(default_factory=list)
    crossings: list[LineCrossing] = field(default_factory=list)
    zone_visits: list[ZoneVisit] = field(default_factory=list)
    visits: list[Visit] = field(default_factory=list)
    alerts: list[Alert] = field(default_factory=list)
    demographics: list[VisitDemographics] = field(default_factory=list)

    @property
    def last_ts(self) -> datetime | None:
        """Newest stream time the batch holds (None when it holds nothing timed)."""
        times = [p.ts for p in self.positions] + [p.ts for p in self.camera_heat]
        times += [c.ts for c in self.crossings] + [v.exit_ts for v in self.zone_visits]
        times += [v.end_ts for v in self.visits] + [a.ts for a in self.alerts]
        times += [d.end_ts for d in self.demographics]
        return max(times, default=None)

    def __len__(self) -> int:
        """Records in the batch (positions as points)."""
        points = sum(len(p) for p in self.positions)
        records = len(self.crossings) + len(self.zone_visits) + len(self.visits) + len(self.alerts)
        return points + records + len(self.demographics)
