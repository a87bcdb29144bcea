"""Typed rows that go into and come out of storage, besides the analytics records themselves.

Lists of small records (line counts, alerts) are dataclasses with named fields; bulk results
(track points, heat cells, minute series) are columnar numpy dataclasses, the way the pipeline
exchanges data. Columnar times are int64 microseconds since the epoch, UTC (``*_us``), which is
what the database stores; :func:`storelens.storage.times.from_us` turns one into a datetime.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from enum import Enum

import numpy as np

from storelens.analytics.records import Alert, Direction

__all__ = [
    "CameraInfo",
    "DataKind",
    "DemographicCount",
    "DenseHeatmap",
    "Heatmap",
    "HourlyLineCount",
    "OccupancySeries",
    "SpoolHealth",
    "StoreInfo",
    "StoredAlert",
    "TrackPoints",
    "ZoneStats",
]


class DataKind(str, Enum):
    """Kinds of stored data, each with its own retention in :meth:`StoreDatabase.purge`."""

    POSITIONS = "positions"
    VISITS = "visits"
    ZONE_VISITS = "zone_visits"
    LINE_CROSSINGS = "line_crossings"
    ALERTS = "alerts"
    DEMOGRAPHICS = "demographics"
    AGGREGATES = "aggregates"
    HEAT = "heat"


@dataclass(frozen=True, slots=True)
class StoreInfo:
    """The store this box watches.

    Attributes:
        store_id: Stable key, e.g. ``"berlin-mitte"``.
        name: Display name.
        timezone: IANA zone (``"Europe/Berlin"``) that reports use for local opening hours;
            stored times stay UTC.
    """

    store_id: str
    name: str
    timezone: str


@dataclass(frozen=True, slots=True)
class CameraHealth:
    """How a camera's run is going, as its runner last reported it.

    Attributes:
        camera_id: The camera.
        reported_at: Wall-clock time of the report, UTC (a stopped camera stops reporting).
        last_frame_ts: Capture time of the newest frame analysed, UTC, or None.
        frames: Frames analysed by the current run.
        fps: Frames analysed per second of wall clock, over the current run.
        last_error: One line on why the camera stopped, or None.
        last_person_ts: Capture time of the newest frame in which the camera detected someone.
    """

    camera_id: str
    reported_at: datetime
    last_frame_ts: datetime | None
    frames: int
    fps: float
    last_error: str | None = None
    last_person_ts: datetime | None = None


@dataclass(frozen=True, slots=True)
class SpoolHealth:
    """How a store's writes to the database are going, as its run's spool last reported (after a
    write: while the database is down nothing can be reported to it).

    Attributes:
        store_id: The store.
        reported_at: Wall-clock time of the report, UTC.
        waiting_batches / waiting_bytes: What still waited in the spool.
        dropped_points: Positions the run dropped because the spool was full.
        last_outage_start: When the database last became unavailable to the run, or None.
        last_outage_s: How long that lasted.
        last_outage_error: Why, in one line.
    """

    store_id: str
    reported_at: datetime
    waiting_batches: int
    waiting_bytes: int
    dropped_points: int = 0
    last_outage_start: datetime | None = None
    last_outage_s: float | None = None
    last_outage_error: str | None = None


@dataclass(frozen=True, slots=True)
class CameraInfo:
    """One camera of the store.

    Attributes:
        camera_id: Key used by every record the camera produces.
        name: Display name.
        source: What the camera is read from (file, ``rtsp://`` URL, webcam index). Stored as
            given: mask credentials before calling if the database is shared.
        fps: Frame rate analysed, or None when unknown.
        store_id: Store the camera belongs to (must have been upserted), or None.
    """

    camera_id: str
    name: str
    source: str
    fps: float | None = None
    store_id: str | None = None


@dataclass(frozen=True, slots=True)
class HourlyLineCount:
    """Crossings of one counting line in one direction during one UTC hour."""

    hour: datetime
    line: str
    direction: Direction
    count: int


@dataclass(frozen=True, slots=True)
class DemographicCount:
    """Visits of one age band and gender that began in one time bucket (UTC start)."""

    start: datetime
    age_band: str
    gender: str
    visits: int


@dataclass(frozen=True, slots=True)
class ZoneStats:
    """Visits to one zone that began in a time range, and how long they lasted.

    Attributes:
        zone: Zone name.
        visits: Number of zone visits.
        mean_dwell_s / median_dwell_s / p90_dwell_s: Dwell statistics in seconds (p90: linear
            interpolation between order statistics, as ``numpy.percentile``).
    """

    zone: str
    visits: int
    mean_dwell_s: float
    median_dwell_s: float
    p90_dwell_s: float


@dataclass(frozen=True, slots=True)
class OccupancySeries:
    """Per-minute counts for one (camera or "store", zone or "") pair, minutes in time order.

    Minutes absent from the series had no visit overlapping them (zero), or predate what was
    recorded.

    Attributes:
        minute_us: (m,) int64 minute starts, microseconds since the epoch, UTC.
        entries: (m,) int64 visits that began in the minute.
        exits: (m,) int64 visits that ended in the minute.
        max_occupancy: (m,) int64 most people present at once during the minute.
        mean_occupancy: (m,) float64 time-averaged number of people present.
    """

    minute_us: np.ndarray
    entries: np.ndarray
    exits: np.ndarray
    max_occupancy: np.ndarray
    mean_occupancy: np.ndarray

    def __len__(self) -> int:
        return len(self.minute_us)


@dataclass(frozen=True, slots=True)
class DenseHeatmap:
    """A heatmap as dense arrays, ready to draw.

    Attributes:
        origin_xy_m: Floor coordinates (metres) of the corner of cell ``[0, 0]``.
        cell_m: Cell edge, metres.
        seconds: (h, w) float64 person-seconds per cell, indexed ``[iy, ix]`` (row = floor y).
        flow_dx / flow_dy: (h, w) float64 summed motion through the cell, metres; divide by
            ``seconds`` for the mean velocity (m/s).
    """

    origin_xy_m: tuple[float, float]
    cell_m: float
    seconds: np.ndarray
    flow_dx: np.ndarray
    flow_dy: np.ndarray


@dataclass(frozen=True, slots=True)
class Heatmap:
    """Time spent and motion per floor cell over a time range (sparse: visited cells only).

    Cell ``(ix, iy)`` covers floor ``[ix * cell_m, (ix + 1) * cell_m) x [iy * cell_m, ...)``.

    Attributes:
        cell_m: Cell edge, metres (the database's grid).
        cell_ix / cell_iy: (k,) int64 cell indices, sorted by (ix, iy).
        seconds: (k,) float64 person-seconds spent in the cell.
        flow_dx / flow_dy: (k,) float64 summed displacement of people in the cell, metres.
    """

    cell_m: float
    cell_ix: np.ndarray
    cell_iy: np.ndarray
    seconds: np.ndarray
    flow_dx: np.ndarray
    flow_dy: np.ndarray

    def __len__(self) -> int:
        return len(self.cell_ix)

    def dense(self) -> DenseHeatmap:
        """The same cells as a dense grid covering the visited bounding box.

        >>> h = Heatmap(0.5, np.array([2, 3]), np.array([-1, 0]), np.array([1.0, 2.0]), np.zeros(2), np.zeros(2))
        >>> g = h.dense(); g.origin_xy_m, g.seconds.tolist()
        ((1.0, -0.5), [[1.0, 0.0], [0.0, 2.0]])
        """
        if len(self) == 0:
            empty = np.zeros((0, 0))
            return DenseHeatmap((0.0, 0.0), self.cell_m, empty, empty.copy(), empty.copy())
        ix0, iy0 = int(self.cell_ix.min()), int(self.cell_iy.min())
        shape = (int(self.cell_iy.max()) - iy0 + 1, int(self.cell_ix.max()) - ix0 + 1)
        rows, cols = self.cell_iy - iy0, self.cell_ix - ix0
        grids = []
        for values in (self.seconds, self.flow_dx, self.flow_dy):
            grid = np.zeros(shape)
            grid[rows, cols] = values
            grids.append(grid)
        return DenseHeatmap((ix0 * self.cell_m, iy0 * self.cell_m), self.cell_m, *grids)


@dataclass(frozen=True, slots=True)
class TrackPoints:
    """Stored track points (columnar), ordered by time, then camera, then track.

    Attributes:
        camera_id: (n,) object array of camera ids (str).
        track_id: (n,) int64 track ids, unique within their camera.
        ts_us: (n,) int64 capture times, microseconds since the epoch, UTC.
        floor_xy_m: (n, 2) float64 floor coordinates, metres.
    """

    camera_id: np.ndarray
    track_id: np.ndarray
    ts_us: np.ndarray
    floor_xy_m: np.ndarray

    def __len__(self) -> int:
        return len(self.track_id)


@dataclass(frozen=True, slots=True)
class StoredAlert:
    """An alert as stored: its id (for :meth:`StoreDatabase.acknowledge_alert`) and its state."""

    id: int
    alert: Alert
    acknowledged: bool
