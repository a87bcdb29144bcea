"""`storelens run`: every camera of a store, from video to the database.

For each camera: frames -> person boxes -> tracks -> foot points on the floor (through the
camera's calibration) -> analytics (lines, zones, visits, occupancy, restricted-zone alerts) ->
storage. A live camera's records are written in batches of about a second of video, so its
results reach the database (and the dashboard) continuously and a stop loses at most that
batch's delay; recorded video writes every half minute of video.
Recorded video of several cameras can be spread over worker processes (``processes``): one
Python process only ever keeps one core busy.
"""

from __future__ import annotations

import logging
import math
import os
import re
import threading
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from functools import partial
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
from storelens.camera_workers import HealthSink, Outbox, StoreSink, Workers, run_in_threads
from storelens.config import StoreConfig
from storelens.config.cameras import CameraConfig
from storelens.detect.base import Detector
from storelens.errors import ConfigError, StorageError, first_line
from storelens.geometry.camera import FloorMapper, box_floor_points
from storelens.fusion import STORE_CAMERA_ID, CameraObservations, FusedFrame, FusionConfig, StoreFusion
from storelens.fusion import observations_from_tracks
from storelens.pipeline import PipelineSettings, track_source
from storelens.sources import FrameSource, is_live_uri, open_source
from storelens.storage import CameraHealth, CameraInfo, StoreDatabase, StoreInfo, mask_url, open_database
from storelens.track.finalize import FinalizerConfig
from storelens.types import Detections, Frame

__all__ = [
    "CameraRun",
    "PerProcessDetector",
    "RecordWriter",
    "analytics_spec",
    "open_store_database",
    "run_store",
    "store_id_of",
]

logger = logging.getLogger(__name__)

CameraOpener = Callable[[str, CameraConfig, datetime | None], FrameSource]
"""Opens one camera's frames: (camera id, its config, start time of file sources) -> source."""

HEALTH_EVERY_S = 5.0
"""Wall-clock time between a camera's health reports."""

WRITE_EVERY_S = 1.0
"""Stream time between database writes of live cameras: results reach the dashboard at once."""

RECORDED_WRITE_EVERY_S = 30.0
"""The same for recorded video, which nobody watches arrive: fewer, bigger writes (on a
simulated 4-camera hour, storage was 28 % of the fusing process's time at 1 s)."""

RECORDED_RESULTS_LATENCY_S = 10.0
"""How long a recorded camera's tracks are held back for gap filling and short-track checks
(`TrackFinalizer`); longer than its longest gap (3 s) and shortest track (0.5 s), so results are
those of unlimited hindsight, while tracks flow on to fusion and storage during the run instead
of all at the end (and a day of video is not held in memory)."""

RECORDED_PIPELINE = PipelineSettings(finalizer=FinalizerConfig(latency_s=RECORDED_RESULTS_LATENCY_S))
"""How a store run tracks each camera of recorded video."""


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
    camera_heat: list[FloorPositions] = field(default_factory=list)
    """The cameras' views of a fused store's visitors: heat per camera, no positions of their own."""

    def add(
        self, positions: FloorPositions, events: AnalyticsEvents, camera_views: Sequence[FloorPositions] = ()
    ) -> None:
        self.positions.append(positions)
        self.events.extend(events)
        self.camera_heat += camera_views
        if self.due is None or positions.ts >= self.due:
            self.flush()
            self.due = positions.ts + timedelta(seconds=self.every_s)

    def flush(self) -> None:
        r, e = self.run, self.events
        with self.lock:
            r.positions += self.db.add_positions(self.positions)
            if self.camera_heat:  # several cameras only: no empty transaction for one camera
                self.db.add_positions(self.camera_heat, heat_only=True)
            self.db.add_line_crossings(e.crossings)
            self.db.add_zone_visits(e.zone_visits)
            self.db.add_visits(e.visits)
            self.db.add_alerts(e.alerts)
        r.crossings += len(e.crossings)
        r.zone_visits += len(e.zone_visits)
        r.visits += len(e.visits)
        r.alerts += len(e.alerts)
        self.positions, self.events, self.camera_heat = [], AnalyticsEvents(), []


class PerProcessDetector:
    """A detector built on first use in each process that uses it, for `run_store`'s worker
    processes: they are forked, and a built ONNX Runtime session is not documented to survive a
    fork (nor worth sharing: each worker runs inferences of its own).

    Args:
        build: Makes the detector, e.g. ``functools.partial(make_detector, threads=1)``.
    """

    def __init__(self, build: Callable[[], Detector]) -> None:
        self._build = build
        self._built: tuple[int, Detector] | None = None
        self._lock = threading.Lock()

    @property
    def min_score(self) -> float:
        return self._detector().min_score

    def __call__(self, frame: Frame) -> Detections:
        return self._detector()(frame)

    def _detector(self) -> Detector:
        with self._lock:  # the cameras of a process share one
            if self._built is None or self._built[0] != os.getpid():
                self._built = (os.getpid(), self._build())
            return self._built[1]


class _HealthReporter:
    """Wraps a camera's detector to count the frames analysed, and reports the camera's health
    (newest frame, frames/s, last error) every `HEALTH_EVERY_S` of wall clock, so the dashboard
    can tell a running camera from a stopped one even when nobody is in view."""

    def __init__(self, detector: Detector, camera_id: str, send: HealthSink) -> None:
        self.detector, self.camera_id, self.send = detector, camera_id, send
        self.frames, self.last_ts = 0, None
        self._started = time.monotonic()
        self._due = self._started

    @property
    def min_score(self) -> float:
        return self.detector.min_score

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
        self.send(CameraHealth(self.camera_id, datetime.now(timezone.utc), self.last_ts, self.frames, fps, error))
        self._due = now + HEALTH_EVERY_S


def _health_writer(db: StoreDatabase, lock: threading.Lock) -> HealthSink:
    def write(health: CameraHealth) -> None:
        with lock:
            db.set_camera_health(health)

    return write


@dataclass(slots=True)
class _CameraVisitors:
    """A store with one camera: its tracks are the visitors."""

    analytics: StoreAnalytics
    writer: RecordWriter

    def add(self, positions: FloorPositions) -> None:
        self.writer.add(positions, self.analytics.update(positions))

    def finish(self) -> None:
        self.writer.events.extend(self.analytics.flush())
        self.writer.flush()


class _CameraJob:
    """One camera's run: source -> tracks -> floor -> its visitors (one camera) or the store's."""

    def __init__(
        self,
        camera_id: str,
        config: StoreConfig,
        detector: Detector,
        start_time: datetime | None,
        open_camera: CameraOpener,
        health: HealthSink,
        out: StoreSink | _CameraVisitors,
    ) -> None:
        self.camera = config.cameras[camera_id]
        self.mapper = camera_mapper(self.camera, config_dir=Path.cwd())  # load_config made paths absolute
        self.out = out
        self.run = out.writer.run if isinstance(out, _CameraVisitors) else CameraRun(camera_id)
        self.detector = _HealthReporter(detector, camera_id, health)
        self.start_time = start_time
        self.open_camera = open_camera
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
            self.detector.report(None if self.error is None else first_line(self.error))
        except StorageError as err:
            logger.error("camera %s: cannot record its health: %s", self.run.camera_id, err)

    def stop(self) -> None:
        """Ask the camera to finish (from another thread): its source is closed."""
        self._stopped.set()
        if self._source is not None:
            self._source.close()

    def _process(self) -> None:
        run, out = self.run, self.out
        try:
            with self.open_camera(run.camera_id, self.camera, self.start_time) as source:
                self._source = source
                if self._stopped.is_set():
                    return
                settings = None if source.is_live else RECORDED_PIPELINE
                result = track_source(source, self.detector, settings, on_tracks=self._on_tracks, keep=False)
        finally:
            if not isinstance(out, _CameraVisitors):
                out.end_camera(run.camera_id)
        if isinstance(out, _CameraVisitors):
            out.finish()
        run.frames, run.fps = result.times.frames, result.times.fps
        run.interrupted = result.interrupted or self._stopped.is_set()
        run.tracks = len(self._track_ids)
        logger.info("%s", run.summary())

    def _on_tracks(self, tracks: Detections) -> None:
        self.run.first_ts = self.run.first_ts or tracks.ts
        self.run.last_ts = tracks.ts
        self._track_ids.update(tracks.track_id.tolist())
        if isinstance(self.out, _CameraVisitors):
            self.out.add(_floor_positions(tracks, self.mapper))
        else:
            self.out.push(observations_from_tracks(tracks, self.mapper))


class _StoreVisitors:
    """A store with several cameras: camera tracks -> fusion -> one analytics of the store's
    visitors (camera ``"store"``) -> database, so a person two cameras see counts once.

    Camera threads push their frames (or, with worker processes, the parent pushes what they
    send); whichever thread completes a tick runs it through the analytics, one thread at a
    time, in tick order.
    """

    def __init__(
        self,
        spec: AnalyticsSpec,
        writer: RecordWriter,
        camera_ids: list[str],
        fusion: FusionConfig,
        coverage_m: Mapping[str, np.ndarray] | None,
    ) -> None:
        self.fusion = StoreFusion(fusion, camera_ids, coverage_m)
        self.analytics = StoreAnalytics(spec, STORE_CAMERA_ID)
        self.run = writer.run
        self.writer = writer
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
                self.writer.add(positions, self.analytics.update(positions), frame.camera_views())


def _floor_positions(tracks: Detections, mapper: FloorMapper) -> FloorPositions:
    """Where the tracked people of one frame stand, metres; people off the floor are dropped."""
    assert tracks.track_id is not None
    floor = box_floor_points(mapper, tracks.xyxy_px)[0]
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
    processes: int | None = None,
    enforce_retention: bool = True,
) -> list[CameraRun]:
    """Process every camera (or the named ones) of a store into the database.

    Several cameras run at the same time, one thread each (a live camera never ends, so one
    after another would starve the rest), or spread over worker processes (``processes``);
    Ctrl-C stops them all, and each keeps what it had.
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
        processes: Worker processes for the cameras of a store with several file (not live)
            cameras; None or 1: threads in this process. Detection and tracking then use that
            many cores, with the same result; fusion, analytics and storage stay here. The
            workers are forked, inheriting ``detector`` (wrap one that must not be shared
            across processes, such as an ONNX Runtime session, in `PerProcessDetector`).
        enforce_retention: Delete records older than the config's retention after the run (by
            the wall clock). False for an evaluation, which scores every record of a past it
            simulated or replayed.

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
    opener = open_camera or _open_configured_camera
    write_health = _health_writer(db, lock)
    write_every_s = WRITE_EVERY_S if live else RECORDED_WRITE_EVERY_S

    def make_job(camera_id: str, health: HealthSink, out: StoreSink | _CameraVisitors) -> _CameraJob:
        return _CameraJob(camera_id, config, detector, start_time, opener, health, out)

    register = partial(_add_cameras, db, config, wanted, store_id)  # once every job is made
    if len(wanted) == 1:
        writer = RecordWriter(db, CameraRun(wanted[0]), lock, every_s=write_every_s)
        visitors = _CameraVisitors(StoreAnalytics(spec, wanted[0]), writer)
        job = make_job(wanted[0], write_health, visitors)
        register()
        job()
        runs, errors = [job.run], _errors_of([job])
    else:
        if live and (processes or 1) > 1:
            logger.info("live cameras run in threads: a worker process's batches would delay their results")
        n_workers = 1 if live else min(processes or 1, len(wanted))
        writer = RecordWriter(db, CameraRun(STORE_CAMERA_ID), lock, every_s=write_every_s)
        store = _StoreVisitors(spec, writer, wanted, fusion, coverage_m)
        runs, errors = _run_several(make_job, wanted, store, write_health, register, n_workers)
        store.finish(interrupted=any(run.interrupted for run in runs))
        runs.append(store.run)
    if errors:
        raise errors[0]
    if enforce_retention:
        purged = db.purge(datetime.now(timezone.utc), config.storage.retention_days.model_dump())
        if any(purged.values()):
            logger.info("retention: removed %s", ", ".join(f"{n} {kind.value}" for kind, n in purged.items() if n))
    return runs


def _run_several(
    make_job: Callable[[str, HealthSink, StoreSink], _CameraJob],
    camera_ids: list[str],
    store: _StoreVisitors,
    write_health: HealthSink,
    register: Callable[[], None],
    n_workers: int,
) -> tuple[list[CameraRun], list[Exception]]:
    """The cameras of a store with several, in threads here or spread over ``n_workers`` worker
    processes (round robin); their runs and errors. ``register`` records the cameras once all
    jobs are made, so a bad calibration stops the run before anything is written."""
    if n_workers == 1:
        jobs = [make_job(c, write_health, store) for c in camera_ids]
        register()
        run_in_threads(jobs)
        return [job.run for job in jobs], _errors_of(jobs)
    outboxes = [Outbox() for _ in range(n_workers)]
    jobs = [make_job(c, outboxes[i % n_workers].health, outboxes[i % n_workers]) for i, c in enumerate(camera_ids)]
    register()
    return Workers(store, write_health, lambda camera_id: CameraRun(camera_id, interrupted=True)).run(jobs, outboxes)


def _add_cameras(db: StoreDatabase, config: StoreConfig, camera_ids: list[str], store_id: str) -> None:
    for camera_id in camera_ids:
        cam = config.cameras[camera_id]
        fps = cam.analysis_fps or cam.fps
        db.upsert_camera(CameraInfo(camera_id, camera_id, mask_url(str(cam.source)), fps, store_id))


def _errors_of(jobs: list[_CameraJob]) -> list[Exception]:
    return [job.error for job in jobs if job.error is not None]


def _open_configured_camera(camera_id: str, camera: CameraConfig, start_time: datetime | None) -> FrameSource:
    return open_source(
        camera.source, camera_id=camera_id, fps=camera.fps, analysis_fps=camera.analysis_fps, start_time=start_time
    )

