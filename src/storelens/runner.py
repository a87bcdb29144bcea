"""`storelens run`: every camera of a store, from video to the database.

For each camera: frames -> person boxes -> tracks -> foot points on the floor (through the
camera's calibration) -> analytics (lines, zones, visits, occupancy, restricted-zone alerts) ->
storage. Records are written in batches of about a second of video, so a live camera's results
reach the database (and the dashboard) continuously, and a stop loses at most that batch's delay.
"""

from __future__ import annotations

import logging
import re
import threading
from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone
from pathlib import Path

import numpy as np

from storelens.analytics import (
    AnalyticsEvents,
    AnalyticsSpec,
    FloorPositions,
    LineSpec,
    StoreAnalytics,
    ZoneSpec,
)
from storelens.calibrate import camera_mapper
from storelens.config import StoreConfig
from storelens.detect.base import Detector
from storelens.errors import ConfigError
from storelens.geometry.camera import FloorMapper
from storelens.pipeline import track_source
from storelens.sources import open_source
from storelens.storage import CameraInfo, StoreDatabase, StoreInfo, mask_url, open_database
from storelens.types import Detections

__all__ = ["CameraRun", "analytics_spec", "open_store_database", "run_store", "store_id_of"]

logger = logging.getLogger(__name__)

WRITE_EVERY_S = 1.0
"""Stream time between database writes."""
JOIN_POLL_S = 0.5
"""How often the main thread looks up from waiting for cameras (so Ctrl-C is seen)."""


def store_id_of(config: StoreConfig) -> str:
    """Stable key of the store: its name, lower-case, non-alphanumerics as '-'."""
    return re.sub(r"[^a-z0-9]+", "-", config.name.lower()).strip("-") or "store"


def open_store_database(config: StoreConfig, url: str | None = None) -> StoreDatabase:
    """The store's database (``url`` or the config's ``storage.url``) on the config's heat grid."""
    return open_database(url or config.storage.url, heat_cell_m=config.analytics.heat.cell_m)


def analytics_spec(config: StoreConfig) -> AnalyticsSpec:
    """The analytics a store config asks for (heat is left to storage, which aggregates it)."""
    lines = tuple(
        LineSpec(
            name=line.name,
            a_m=tuple(line.a),
            b_m=tuple(line.b),
            in_side=line.in_side or "left",
            kind=str(line.kind),
            debounce_s=line.debounce_s,
        )
        for line in config.lines
    )
    zones = tuple(
        ZoneSpec(
            name=z.name,
            polygon_m=tuple(tuple(p) for p in z.polygon),
            kind=str(z.kind),
            inertia_s=z.inertia_s,
            min_dwell_s=z.min_dwell_s,
            alert_distance_m=z.alert_distance_m,
        )
        for z in config.zones
    )
    outline = config.floor_plan.outline
    return AnalyticsSpec(
        lines=lines,
        zones=zones,
        store_polygon_m=None if outline is None else tuple(tuple(p) for p in outline),
    )


@dataclass(slots=True)
class CameraRun:
    """What one camera's run produced (counts of records written)."""

    camera_id: str
    frames: int = 0
    fps: float = 0.0
    tracks: int = 0
    positions: int = 0
    crossings: int = 0
    zone_visits: int = 0
    visits: int = 0
    alerts: int = 0
    first_ts: datetime | None = None
    last_ts: datetime | None = None
    interrupted: bool = False

    def summary(self) -> str:
        span = f"{self.first_ts:%Y-%m-%d %H:%M:%S} to {self.last_ts:%H:%M:%S} UTC" if self.first_ts else "no frames"
        return (
            f"{self.camera_id}: {self.frames} frames ({self.fps:.1f} frames/s), {self.tracks} tracks, "
            f"{self.crossings} line crossings, {self.zone_visits} zone visits, {self.visits} visits, "
            f"{self.alerts} alerts, {self.positions} positions stored; {span}"
        )


@dataclass(slots=True)
class _Writer:
    """Collects one camera's records and writes them about once a second of stream time.

    ``lock`` serialises writes of cameras running in parallel threads on one database.
    """

    db: StoreDatabase
    run: CameraRun
    lock: threading.Lock
    positions: list[FloorPositions] = field(default_factory=list)
    events: AnalyticsEvents = field(default_factory=AnalyticsEvents)
    due: datetime | None = None

    def add(self, positions: FloorPositions, events: AnalyticsEvents) -> None:
        self.positions.append(positions)
        self.events.extend(events)
        if self.due is None or positions.ts >= self.due:
            self.flush()
            self.due = positions.ts + timedelta(seconds=WRITE_EVERY_S)

    def flush(self) -> None:
        r, e = self.run, self.events
        with self.lock:
            r.positions += self.db.add_positions(self.positions)
            self.db.add_line_crossings(e.crossings)
            self.db.add_zone_visits(e.zone_visits)
            self.db.add_visits(e.visits)
            self.db.add_alerts(e.alerts)
        r.crossings += len(e.crossings)
        r.zone_visits += len(e.zone_visits)
        r.visits += len(e.visits)
        r.alerts += len(e.alerts)
        self.positions, self.events = [], AnalyticsEvents()


class _CameraJob:
    """One camera's run: source -> tracks -> floor -> analytics -> database."""

    def __init__(
        self,
        camera_id: str,
        config: StoreConfig,
        spec: AnalyticsSpec,
        db: StoreDatabase,
        lock: threading.Lock,
        detector: Detector,
        start_time: datetime | None,
    ) -> None:
        self.camera = config.cameras[camera_id]
        self.mapper = camera_mapper(self.camera, config_dir=Path.cwd())  # load_config made paths absolute
        self.analytics = StoreAnalytics(spec, camera_id)
        self.run = CameraRun(camera_id)
        self.writer = _Writer(db, self.run, lock)
        self.detector = detector
        self.start_time = start_time
        self.error: Exception | None = None
        self._track_ids: set[int] = set()
        self._source = None
        self._stopped = threading.Event()

    def __call__(self) -> None:
        try:
            self._process()
        except Exception as err:  # handed to the caller, who re-raises it after the others end
            logger.error("camera %s stopped: %s", self.run.camera_id, err)
            self.error = err

    def stop(self) -> None:
        """Ask the camera to finish (from another thread): its source is closed."""
        self._stopped.set()
        if self._source is not None:
            self._source.close()

    def _process(self) -> None:
        run, camera = self.run, self.camera
        with open_source(
            camera.source, camera_id=run.camera_id, fps=camera.fps, analysis_fps=camera.analysis_fps,
            start_time=self.start_time,
        ) as source:
            self._source = source
            if self._stopped.is_set():
                return
            result = track_source(source, self.detector, on_tracks=self._on_tracks, keep=False)
        self.writer.events.extend(self.analytics.flush())
        self.writer.flush()
        run.frames, run.fps = result.times.frames, result.times.fps
        run.interrupted = result.interrupted or self._stopped.is_set()
        run.tracks = len(self._track_ids)
        logger.info("%s", run.summary())

    def _on_tracks(self, tracks: Detections) -> None:
        positions = _floor_positions(tracks, self.mapper)
        self.run.first_ts = self.run.first_ts or tracks.ts
        self.run.last_ts = tracks.ts
        self._track_ids.update(tracks.track_id.tolist())
        self.writer.add(positions, self.analytics.update(positions))


def _run_concurrently(jobs: list[_CameraJob]) -> None:
    threads = [threading.Thread(target=job, name=f"camera-{job.run.camera_id}", daemon=True) for job in jobs]
    for t in threads:
        t.start()
    try:
        while any(t.is_alive() for t in threads):
            for t in threads:
                t.join(timeout=JOIN_POLL_S)
    except KeyboardInterrupt:
        logger.warning("interrupted: stopping %d cameras and saving what they tracked", len(jobs))
        for job in jobs:
            job.stop()
        for t in threads:
            t.join()


def _floor_positions(tracks: Detections, mapper: FloorMapper) -> FloorPositions:
    """Where the tracked people of one frame stand, metres; people off the floor are dropped."""
    assert tracks.track_id is not None
    floor = mapper.image_to_floor(tracks.foot_px) if len(tracks) else np.zeros((0, 2))
    ok = np.isfinite(floor).all(axis=1)
    return FloorPositions(tracks.camera_id, tracks.ts, tracks.track_id[ok], floor[ok])


def run_store(
    config: StoreConfig,
    db: StoreDatabase,
    detector: Detector,
    start_time: datetime | None = None,
    cameras: list[str] | None = None,
) -> list[CameraRun]:
    """Process every camera (or the named ones) of a store into the database.

    Several cameras run at the same time, one thread each (a live camera never ends, so one
    after another would starve the rest); Ctrl-C stops them all, and each keeps what it had.

    Args:
        config: The store.
        db: Where records go.
        detector: Person detector shared by the cameras.
        start_time: UTC time of the first frame of file sources (live sources use the clock);
            None: now.
        cameras: Camera ids to run; None runs all.

    Raises:
        ConfigError: An unknown camera id.
        CalibrationError, SourceError, StorageError: as raised by the stages.
    """
    start_time = start_time or datetime.now(timezone.utc)
    wanted = list(config.cameras) if cameras is None else cameras
    unknown = [c for c in wanted if c not in config.cameras]
    if unknown:
        raise ConfigError(f"unknown camera {', '.join(unknown)}; the config has {', '.join(config.cameras)}")
    uncalibrated = [c for c in wanted if config.cameras[c].calibration is None]
    if uncalibrated:
        raise ConfigError(
            f"camera {', '.join(uncalibrated)} has no calibration, so its tracks have no floor position "
            "for lines, zones and heatmaps; add one (see `storelens calibrate`) or run other cameras with --camera"
        )
    spec = analytics_spec(config)
    store_id = store_id_of(config)
    db.upsert_store(StoreInfo(store_id, config.name, config.timezone))
    lock = threading.Lock()
    jobs = [_CameraJob(camera_id, config, spec, db, lock, detector, start_time) for camera_id in wanted]
    for job in jobs:
        cam, cam_id = job.camera, job.run.camera_id
        source = mask_url(str(cam.source))
        db.upsert_camera(CameraInfo(cam_id, cam_id, source, cam.analysis_fps or cam.fps, store_id))
    if len(jobs) == 1:
        jobs[0]()
    else:
        _run_concurrently(jobs)
    for job in jobs:
        if job.error is not None:
            raise job.error
    purged = db.purge(datetime.now(timezone.utc), config.storage.retention_days.model_dump())
    if any(purged.values()):
        logger.info("retention: removed %s", ", ".join(f"{n} {kind.value}" for kind, n in purged.items() if n))
    return [job.run for job in jobs]

