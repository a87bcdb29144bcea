"""What analytics produces and storage keeps: small typed records, all times UTC.

Identities are anonymous: ``track_id`` is unique within its ``camera_id`` (or, for fused
visitors, within the store with camera_id ``"store"``). Positions are floor metres.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from enum import Enum

import numpy as np

__all__ = [
    "Direction",
    "FloorPositions",
    "LineCrossing",
    "ZoneVisit",
    "Visit",
    "OccupancySample",
    "Alert",
]


class Direction(str, Enum):
    """Which way a counting line was crossed, as the line's config defines "in"."""

    IN = "in"
    OUT = "out"


@dataclass(frozen=True, slots=True)
class FloorPositions:
    """Where tracked people stand at one instant, seen by one camera (columnar).

    Attributes:
        camera_id: Camera (or "store" for fused visitors).
        ts: Capture time, UTC.
        track_id: (n,) int64 anonymous identities.
        floor_xy_m: (n, 2) float64 floor coordinates, metres.
    """

    camera_id: str
    ts: datetime
    track_id: np.ndarray
    floor_xy_m: np.ndarray

    def __post_init__(self) -> None:
        object.__setattr__(self, "track_id", np.asarray(self.track_id, dtype=np.int64).reshape(-1))
        object.__setattr__(self, "floor_xy_m", np.asarray(self.floor_xy_m, dtype=np.float64).reshape(-1, 2))
        if len(self.track_id) != len(self.floor_xy_m):
            raise ValueError(
                f"FloorPositions: {len(self.track_id)} track ids but {len(self.floor_xy_m)} positions"
            )

    def __len__(self) -> int:
        return len(self.track_id)


@dataclass(frozen=True, slots=True)
class LineCrossing:
    """One counted crossing of a counting line (debounced: one per visit and direction)."""

    line: str
    camera_id: str
    track_id: int
    ts: datetime
    direction: Direction


@dataclass(frozen=True, slots=True)
class ZoneVisit:
    """One stay of a person in a zone, from entering to leaving (after inertia)."""

    zone: str
    camera_id: str
    track_id: int
    enter_ts: datetime
    exit_ts: datetime

    @property
    def dwell_s(self) -> float:
        return (self.exit_ts - self.enter_ts).total_seconds()


@dataclass(frozen=True, slots=True)
class Visit:
    """One person's whole presence on the floor: first to last sighting."""

    camera_id: str
    track_id: int
    start_ts: datetime
    end_ts: datetime
    entered: bool
    """True when the person came into the store (a visitor, not a passer-by): crossed an entrance
    line inwards, or stood inside the store's floor outline when it has one."""
    role: str = "visitor"
    """``visitor`` or ``staff`` (`storelens.analytics.staff`): staff are left out of visitor counts,
    dwell, heatmaps and conversion."""
    unit_id: int | None = None
    """Buying unit (`storelens.analytics.units`) of a visitor who came in through an entrance: the
    lowest track id among the people who came in and stayed together. None for everyone else."""

    @property
    def duration_s(self) -> float:
        return (self.end_ts - self.start_ts).total_seconds()


@dataclass(frozen=True, slots=True)
class OccupancySample:
    """How many people were in the store (zone ``""``) or in a zone at an instant."""

    ts: datetime
    zone: str
    count: int


@dataclass(frozen=True, slots=True)
class Alert:
    """Something a person should look at: restricted-zone entry, crowding, camera down."""

    ts: datetime
    kind: str
    zone: str
    camera_id: str
    track_id: int | None
    message: str
