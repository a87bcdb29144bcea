"""`storelens run`: every camera of a store, from video to the database.

For each camera: frames -> person boxes -> tracks -> foot points on the floor (through the
camera's calibration) -> analytics (lines, zones, visits, occupancy, restricted-zone alerts) ->
storage. Records are written in batches of about a second of video, so a live camera's results
reach the database (and the dashboard) continuously, and a stop loses at most that batch's delay.
"""

from __future__ import annotations

import logging
import math
import re
import threading
import time
from collections.abc import Callable, Mapping
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
from storelens.config.cameras import CameraConfig
from storelens.detect.base import Detector
from storelens.errors import ConfigError, StorageError
from storelens.geometry.camera import FloorMapper
from storelens.fusion import STORE_CAMERA_ID, CameraObservations, FusedFrame, FusionConfig, StoreFusion
from storelens.fusion import observations_from_tracks
from storelens.pipeline import track_source
from storelens.sources import FrameSource, is_live_uri, open_source
from storelens.storage import CameraHealth, CameraInfo, StoreDatabase, StoreInfo, mask_url, open_database
from storelens.types import Detections, Frame

__all__ = ["CameraRun", "RecordWriter", "analytics_spec", "open_store_database", "run_store", "store_id_of"]

logger = logging.getLogger(__name__)

CameraOpener = Callable[[str, CameraConfig, datetime | None], FrameSource]
"""Opens one camera's frames: (camera id, its config, start time of file sources) -> source."""

HEALTH_EVERY_S = 5.0
"""Wall-clock time between a camera's health reports."""

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
class RecordWriter:
    """Collects one camera's records and writes them every ``every_s`` of stream time (a second:
    live results reach the dashboard at once; a backfill of past days writes in bigger batches).

    ``lock`` serialises writes of cameras running in parallel threads on one database.
    """

    db: StoreDatabase
    run: CameraRun
    lock: threading.Lock
    positions: list[FloorPositions] = field(default_factory=list)
    events: AnalyticsEvents = field(default_factory=AnalyticsEvents)
    every_s: float = WRITE_EVERY_S
    due: datetime | None = None

    def add(self, positions: FloorPositions, events: AnalyticsEvents) -> None:
        self.positions.append(positions)
        self.events.extend(events)
        if self.due is None or positions.ts >= self.due:
            self.flush()
            self.due = positions.ts + timedelta(seconds=self.every_s)

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


class _HealthReporter:
    """Wraps a camera's detector to count the frames analysed, and reports the camera's health
    (newest frame, frames/s, last error) to the database every `HEALTH_EVERY_S` of wall clock,
    so the dashboard can tell a running camera from a stopped one even when nobody is in view."""

    def __init__(self, detector: Detector, camera_id: str, db: StoreDatabase, lock: threading.Lock) -> None:
        self.detector, self.min_score = detector, detector.min_score
        self.camera_id, self.db, self.lock = camera_id, db, lock
        self.frames, self.last_ts = 0, None
        self._started = time.monotonic()
        self._due = self._started

    def __call__(self, frame: Frame) -> Detections:
        self.frames += 1
        self.last_ts = frame.ts
        if time.monotonic() >= self._due:
            self.report()
        return self.detector(frame)

    def report(self, error: str | None = None) -> None:
        now = time.monotonic()
        elapsed = now - self._started
        fps = self.frames / elapsed if elapsed > 0 else 0.0
        health = CameraHealth(self.camera_id, datetime.now(timezone.utc), self.last_ts, self.frames, fps, error)
        with self.lock:
            self.db.set_camera_health(health)
        self._due = now + HEALTH_EVERY_S


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
        open_camera: CameraOpener,
        store: _StoreVisitors | None,
    ) -> None:
        self.camera = config.cameras[camera_id]
        self.mapper = camera_mapper(self.camera, config_dir=Path.cwd())  # load_config made paths absolute
        self.analytics = StoreAnalytics(spec, camera_id)
        self.run = CameraRun(camera_id)
        self.writer = RecordWriter(db, self.run, lock)
        self.detector = _HealthReporter(detector, camera_id, db, lock)
        self.start_time = start_time
        self.open_camera = open_camera
        self.store = store
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
        try:
            self.detector.report(None if self.error is None else str(self.error).splitlines()[0])
        except StorageError as err:
            logger.error("camera %s: cannot record its health: %s", self.run.camera_id, err)

    def stop(self) -> None:
        """Ask the camera to finish (from another thread): its source is closed."""
        self._stopped.set()
        if self._source is not None:
            self._source.close()

    def _process(self) -> None:
        run = self.run
        try:
            with self.open_camera(run.camera_id, self.camera, self.start_time) as source:
                self._source = source
                if self._stopped.is_set():
                    return
                result = track_source(source, self.detector, on_tracks=self._on_tracks, keep=False)
        finally:
            if self.store is not None:
                self.store.end_camera(run.camera_id)
        if self.store is None:
            self.writer.events.extend(self.analytics.flush())
            self.writer.flush()
        run.frames, run.fps = result.times.frames, result.times.fps
        run.interrupted = result.interrupted or self._stopped.is_set()
        run.tracks = len(self._track_ids)
        logger.info("%s", run.summary())

    def _on_tracks(self, tracks: Detections) -> None:
        self.run.first_ts = self.run.first_ts or tracks.ts
        self.run.last_ts = tracks.ts
        self._track_ids.update(tracks.track_id.tolist())
        if self.store is not None:
            self.store.push(observations_from_tracks(tracks, self.mapper))
        else:
            positions = _floor_positions(tracks, self.mapper)
            self.writer.add(positions, self.analytics.update(positions))


class _StoreVisitors:
    """A store with several cameras: camera tracks -> fusion -> one analytics of the store's
    visitors (camera ``"store"``) -> database, so a person two cameras see counts once.

    Camera threads push their frames; whichever thread completes a tick runs it through the
    analytics, one thread at a time, in tick order.
    """

    def __init__(
        self,
        spec: AnalyticsSpec,
        db: StoreDatabase,
        lock: threading.Lock,
        camera_ids: list[str],
        fusion: FusionConfig,
        coverage_m: Mapping[str, np.ndarray] | None,
    ) -> None:
        self.fusion = StoreFusion(fusion, camera_ids, coverage_m)
        self.analytics = StoreAnalytics(spec, STORE_CAMERA_ID)
        self.run = CameraRun(STORE_CAMERA_ID)
        self.writer = RecordWriter(db, self.run, lock)
        self._lock = threading.Lock()
        self._ids: set[int] = set()

    def push(self, observations: CameraObservations) -> None:
        self.fusion.push(observations)
        self._take(self.fusion.pop_ready)

    def end_camera(self, camera_id: str) -> None:
        self.fusion.end_camera(camera_id)
        self._take(self.fusion.pop_ready)

    def finish(self, interrupted: bool) -> None:
        """Fuse what is still held, close every visit and write the rest."""
        self._take(self.fusion.flush)
        with self._lock:
            self.writer.events.extend(self.analytics.flush())
            self.writer.flush()
        run = self.run
        run.tracks, run.interrupted = len(self._ids), interrupted
        logger.info("%s", run.summary())

    def _take(self, pop: Callable[[], list[FusedFrame]]) -> None:
        with self._lock:
            for frame in pop():
                positions = frame.to_floor_positions()
                run = self.run
                run.frames += 1
                run.first_ts = run.first_ts or positions.ts
                run.last_ts = positions.ts
                self._ids.update(positions.track_id.tolist())
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
    open_camera: CameraOpener | None = None,
    live: bool | None = None,
    fusion: FusionConfig | None = None,
    coverage_m: Mapping[str, np.ndarray] | None = None,
) -> list[CameraRun]:
    """Process every camera (or the named ones) of a store into the database.

    Several cameras run at the same time, one thread each (a live camera never ends, so one
    after another would starve the rest); Ctrl-C stops them all, and each keeps what it had.
    With one camera its tracks are the visitors. With several, fusion makes one visitor of the
    camera tracks that are the same person, and the analytics and database see the store's
    visitors (camera ``"store"``); the returned runs then end with the store's.

    Args:
        config: The store.
        db: Where records go.
        detector: Person detector shared by the cameras.
        start_time: UTC time of the first frame of file sources (live sources use the clock);
            None: now.
        cameras: Camera ids to run; None runs all.
        open_camera: Opens a camera's frame source (default: `open_source` on its config).
        live: Whether the sources are live (fusion then waits at most a second for a lagging
            camera); None: live if any camera's source is a stream or webcam. Files are fused
            waiting for every camera, so a re-run gives the same visitors.
        fusion: Fusion settings; None: defaults, with the store's entrance zones as exits
            (``latency_s`` is then set from ``live``).
        coverage_m: Floor polygon each camera sees well (see `storelens.fusion.floor_coverage`):
            a person inside two cameras' coverage but seen by one is held back as a likely
            false detection.

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
    if live is None:
        live = any(is_live_uri(config.cameras[c].source) for c in wanted)
    if fusion is None:
        exits = tuple(np.asarray(z.polygon, dtype=np.float64) for z in config.zones if str(z.kind) == "entrance")
        fusion = FusionConfig(latency_s=FusionConfig().latency_s if live else math.inf, exits_m=exits)
    store = _StoreVisitors(spec, db, lock, wanted, fusion, coverage_m) if len(wanted) > 1 else None
    opener = open_camera or _open_configured_camera
    jobs = [
        _CameraJob(camera_id, config, spec, db, lock, detector, start_time, opener, store) for camera_id in wanted
    ]
    for job in jobs:
        cam, cam_id = job.camera, job.run.camera_id
        source = mask_url(str(cam.source))
        db.upsert_camera(CameraInfo(cam_id, cam_id, source, cam.analysis_fps or cam.fps, store_id))
    if len(jobs) == 1:
        jobs[0]()
    else:
        _run_concurrently(jobs)
    if store is not None:
        store.finish(interrupted=any(job.run.interrupted for job in jobs))
    for job in jobs:
        if job.error is not None:
            raise job.error
    purged = db.purge(datetime.now(timezone.utc), config.storage.retention_days.model_dump())
    if any(purged.values()):
        logger.info("retention: removed %s", ", ".join(f"{n} {kind.value}" for kind, n in purged.items() if n))
    return [job.run for job in jobs] + ([store.run] if store is not None else [])


def _open_configured_camera(camera_id: str, camera: CameraConfig, start_time: datetime | None) -> FrameSource:
    return open_source(
        camera.source, camera_id=camera_id, fps=camera.fps, analysis_fps=camera.analysis_fps, start_time=start_time
    )

