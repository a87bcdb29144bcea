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
import multiprocessing as mp
import os
import pickle
import re
import signal
import threading
import time
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass, field
from functools import partial
from datetime import datetime, timedelta, timezone
from multiprocessing import connection as mp_connection
from multiprocessing.connection import Connection
from multiprocessing.process import BaseProcess
from pathlib import Path
from typing import Protocol

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
from storelens.errors import ConfigError, StorageError, StorelensError
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

_RECORDED_SETTINGS = PipelineSettings(finalizer=FinalizerConfig(latency_s=RECORDED_RESULTS_LATENCY_S))
JOIN_POLL_S = 0.5
"""How often the main thread looks up from waiting for cameras (so Ctrl-C is seen)."""

BATCH_FRAMES = 100
"""Camera frames per message from a worker process: few, large messages keep the parent's cost
per message (a wake-up, a pipe read) small beside fusing what they carry."""


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


HealthSink = Callable[[CameraHealth], None]
"""Where a camera's health reports go: the database, or a worker's pipe to the parent."""


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


class _StoreSink(Protocol):
    """Where the cameras of a several-camera store send their frames: the store's visitors
    (`_StoreVisitors`), or a worker process's pipe to them (`_Outbox`)."""

    def push(self, observations: CameraObservations) -> None: ...

    def end_camera(self, camera_id: str) -> None: ...


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
        out: _StoreSink | _CameraVisitors,
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
            self.detector.report(None if self.error is None else _first_line(self.error))
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
                settings = None if source.is_live else _RECORDED_SETTINGS
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
                self.writer.add(positions, self.analytics.update(positions))


class _Flag(Protocol):
    """A stop request (`threading.Event`, or a `multiprocessing` one shared with workers)."""

    def is_set(self) -> bool: ...


def _run_concurrently(jobs: list[_CameraJob], stop: _Flag | None = None) -> None:
    """Run the jobs in threads until they end; Ctrl-C, or ``stop`` set by the parent process,
    ends them early, each keeping what it tracked."""
    threads = [threading.Thread(target=job, name=f"camera-{job.run.camera_id}", daemon=True) for job in jobs]
    for t in threads:
        t.start()
    try:
        while alive := [t for t in threads if t.is_alive()]:
            if stop is not None and stop.is_set():
                break
            alive[0].join(timeout=JOIN_POLL_S)
        else:
            return  # every camera ended by itself
    except KeyboardInterrupt:
        pass  # stopped below, as for ``stop``
    logger.warning("interrupted: stopping %d cameras and saving what they tracked", len(jobs))
    for job in jobs:
        job.stop()
    for t in threads:
        t.join()


def _floor_positions(tracks: Detections, mapper: FloorMapper) -> FloorPositions:
    """Where the tracked people of one frame stand, metres; people off the floor are dropped."""
    assert tracks.track_id is not None
    floor = box_floor_points(mapper, tracks.xyxy_px)[0]
    ok = np.isfinite(floor).all(axis=1)
    return FloorPositions(tracks.camera_id, tracks.ts, tracks.track_id[ok], floor[ok])


_Message = tuple[object, ...]
"""From a worker to the parent: ("frames", [CameraObservations]), ("end", camera id),
("health", CameraHealth) or ("run", CameraRun, error type or None, error message)."""


class _Outbox:
    """A worker process's side of its pipe to the parent, shared by the worker's camera threads.

    Frames go in batches of `BATCH_FRAMES` per camera. The pipe is the bound on what is in
    flight: a send blocks while the parent has not read the previous ones.
    """

    def __init__(self) -> None:
        self.conn: Connection | None = None  # connected just before the worker starts
        self._lock = threading.Lock()
        self._batches: dict[str, list[CameraObservations]] = {}

    def push(self, observations: CameraObservations) -> None:
        batch = self._batches.setdefault(observations.camera_id, [])  # one thread per camera
        batch.append(observations)
        if len(batch) >= BATCH_FRAMES:
            self._send_batch(observations.camera_id)

    def end_camera(self, camera_id: str) -> None:
        self._send_batch(camera_id)
        self.send(("end", camera_id))

    def health(self, health: CameraHealth) -> None:
        self.send(("health", health))

    def send(self, message: _Message) -> None:
        assert self.conn is not None, "_Outbox used before its worker started"
        with self._lock:
            self.conn.send(message)

    def _send_batch(self, camera_id: str) -> None:
        batch = self._batches.pop(camera_id, [])
        if batch:
            self.send(("frames", batch))


def _first_line(err: BaseException) -> str:
    text = str(err).strip()
    return text.splitlines()[0] if text else type(err).__name__


def _portable_error(err: Exception | None) -> tuple[type[Exception] | None, str]:
    """An error as its type and one-line message: the exception itself may not survive pickling."""
    if err is None:
        return None, ""
    try:
        pickle.dumps(type(err))
    except (pickle.PicklingError, AttributeError, TypeError):
        return RuntimeError, f"{type(err).__name__}: {_first_line(err)}"
    return type(err), _first_line(err)


def _rebuilt_error(kind: type[Exception], message: str) -> Exception:
    try:
        return kind(message)
    except Exception:  # an error type that takes more than a message
        return RuntimeError(f"{kind.__name__}: {message}")


def _work(jobs: list[_CameraJob], outbox: _Outbox, stop: _Flag) -> None:
    """A worker process: its cameras in threads, everything they produce to the parent."""
    try:
        _run_concurrently(jobs, stop)
        for job in jobs:
            outbox.send(("run", job.run, *_portable_error(job.error)))
    finally:
        assert outbox.conn is not None
        outbox.conn.close()


@dataclass(slots=True)
class _Worker:
    process: BaseProcess
    conn: Connection
    cameras: list[str]


class _Workers:
    """Worker processes, each running a share of the cameras, feeding the store's visitors here.

    Detection, tracking and the floor mapping run in the workers; fusion, analytics and
    storage stay in this process, which alone touches the database.
    """

    def __init__(self, store: _StoreVisitors, write_health: HealthSink) -> None:
        self.store, self.write_health = store, write_health
        self.runs: dict[str, CameraRun] = {}
        self.errors: list[Exception] = []
        self._context = mp.get_context("fork")
        self.stop = self._context.Event()

    def run(self, jobs: list[_CameraJob], outboxes: list[_Outbox]) -> tuple[list[CameraRun], list[Exception]]:
        """Start a worker per outbox, running the jobs that send to it, and take in what they
        send until all have ended; the cameras' runs (in the jobs' order) and errors."""
        with _ctrl_c_sets(self.stop):
            workers = [self._start([j for j in jobs if j.out is box], box) for box in outboxes]
            try:
                self._receive(workers)
            finally:
                for worker in workers:
                    if worker.process.is_alive():
                        worker.process.terminate()
                    worker.process.join()
        return [self.runs[job.run.camera_id] for job in jobs], self.errors

    def _start(self, jobs: list[_CameraJob], outbox: _Outbox) -> _Worker:
        receive, send = self._context.Pipe(duplex=False)
        outbox.conn = send
        cameras = [job.run.camera_id for job in jobs]
        process = self._context.Process(
            target=_work, args=(jobs, outbox, self.stop), name=f"cameras-{'-'.join(cameras)}", daemon=True
        )
        process.start()
        send.close()  # the worker's end: when it exits, the parent reads EOF
        return _Worker(process, receive, cameras)

    def _receive(self, workers: list[_Worker]) -> None:
        open_ = {worker.conn: worker for worker in workers}
        while open_:
            for conn in mp_connection.wait(list(open_), timeout=JOIN_POLL_S):
                try:
                    self._take(conn.recv())
                except EOFError:
                    self._ended(open_.pop(conn))

    def _take(self, message: _Message) -> None:
        kind = message[0]
        if kind == "frames":
            for observations in message[1]:
                self.store.push(observations)
        elif kind == "end":
            self.store.end_camera(message[1])
        elif kind == "health":
            self.write_health(message[1])
        else:
            run, error, text = message[1:]
            self.runs[run.camera_id] = run
            if error is not None:
                self.errors.append(_rebuilt_error(error, text))

    def _ended(self, worker: _Worker) -> None:
        """A worker closed its pipe: normally after its cameras' runs; if not, it died."""
        worker.process.join()
        lost = [c for c in worker.cameras if c not in self.runs]
        if not lost:
            return
        self.stop.set()
        for camera_id in lost:
            self.store.end_camera(camera_id)  # an end already sent is harmless: fusion ignores a second
            self.runs[camera_id] = CameraRun(camera_id, interrupted=True)
        self.errors.append(
            StorelensError(
                f"the process running camera {', '.join(lost)} ended unexpectedly "
                f"(exit code {worker.process.exitcode}); the other cameras were stopped"
            )
        )


@contextmanager
def _ctrl_c_sets(stop: _Flag) -> Iterator[None]:
    """Ctrl-C asks the workers to stop (they inherit this handler) instead of interrupting the
    parent mid-fusion; a second Ctrl-C to the same process interrupts it at once. Only the main
    thread can do this."""
    if threading.current_thread() is not threading.main_thread():
        yield
        return
    pressed = False  # per process: a forked worker counts its own

    def handle(signum: int, frame: object) -> None:
        nonlocal pressed
        if pressed:
            raise KeyboardInterrupt
        pressed = True
        stop.set()

    previous = signal.signal(signal.SIGINT, handle)
    try:
        yield
    finally:
        signal.signal(signal.SIGINT, previous)


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

    def make_job(camera_id: str, health: HealthSink, out: _StoreSink | _CameraVisitors) -> _CameraJob:
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
    purged = db.purge(datetime.now(timezone.utc), config.storage.retention_days.model_dump())
    if any(purged.values()):
        logger.info("retention: removed %s", ", ".join(f"{n} {kind.value}" for kind, n in purged.items() if n))
    return runs


def _run_several(
    make_job: Callable[[str, HealthSink, _StoreSink], _CameraJob],
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
        _run_concurrently(jobs)
        return [job.run for job in jobs], _errors_of(jobs)
    outboxes = [_Outbox() for _ in range(n_workers)]
    jobs = [make_job(c, outboxes[i % n_workers].health, outboxes[i % n_workers]) for i, c in enumerate(camera_ids)]
    register()
    return _Workers(store, write_health).run(jobs, outboxes)


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

