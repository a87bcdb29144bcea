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
import threading
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, replace
from datetime import datetime, timezone
from functools import partial
from pathlib import Path

import numpy as np

from storelens.analytics import (
    AnalyticsSpec,
    FloorPositions,
    LineSpec,
    StoreAnalytics,
    ZoneSpec,
)
from storelens.analytics.staff import StaffRule, UniformColour
from storelens.analytics.units import UnitRule
from storelens.calibrate import camera_mapper
from storelens.camera_workers import HealthSink, Outbox, StoreSink, Workers, run_in_threads
from storelens.config import StoreConfig
from storelens.config.cameras import CameraConfig
from storelens.config.identity import store_id_of
from storelens.demographics import VisitDemographics
from storelens.demographics.models import face_model_files
from storelens.demographics.observer import DemographicsObserver
from storelens.detect.base import Detector
from storelens.errors import ConfigError, StorageError, first_line
from storelens.fusion import (
    STORE_CAMERA_ID,
    CameraObservations,
    FusedFrame,
    FusionConfig,
    StoreFusion,
    observations_from_tracks,
)
from storelens.geometry.camera import FloorMapper, box_floor_points
from storelens.pipeline import PipelineSettings, track_source
from storelens.recording import CameraRun, RecordWriter, recording
from storelens.sources import FrameSource, ReconnectPolicy, is_live_uri, open_source
from storelens.sources.supervised import LIVE_CAMERA_RETRY, SupervisedSource
from storelens.storage import CameraHealth, CameraInfo, StoreDatabase, StoreInfo, mask_url
from storelens.storage.of_store import open_store_database
from storelens.storage.runs import RunInfo, live_run_id, recorded_run_id
from storelens.track.finalize import FinalizerConfig
from storelens.types import Detections, Frame

__all__ = [
    "PerProcessDetector",
    "analytics_spec",
    "default_start_time",
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


def default_start_time(config: StoreConfig, cameras: Sequence[str] | None = None) -> datetime:
    """When a run's first frame was taken, if not told: now for live cameras; for recorded video
    the earliest modification time of the cameras' files, to the second, so that running the same
    files again is the same run (`storelens.storage.runs`) and replaces it instead of adding it."""
    sources = [config.cameras[c].source for c in (cameras or config.cameras)]
    if any(is_live_uri(source) for source in sources):
        return datetime.now(timezone.utc).replace(microsecond=0)
    mtime = min(Path(str(source)).stat().st_mtime for source in sources)
    return datetime.fromtimestamp(int(mtime), timezone.utc)


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
            open_till_at=z.open_till_at,
            open_till_after_s=z.open_till_after_s,
        )
        for z in config.zones
    )
    outline = config.floor_plan.outline
    staff, units = config.staff, config.units
    return AnalyticsSpec(
        lines=lines,
        zones=zones,
        store_polygon_m=None if outline is None else tuple(tuple(p) for p in outline),
        staff=StaffRule(
            staff_zone_s=staff.staff_zone_s,
            uniforms=tuple(UniformColour.from_hex(c) for c in staff.uniform_colours),
            learn_uniform=staff.learn_uniform,
            uniform_match=staff.uniform_match,
            uniform_min_s=staff.uniform_min_s,
            not_uniform=staff.not_uniform,
        ),
        units=UnitRule(
            enter_gap_s=units.enter_gap_s,
            together_m=units.together_m,
            together_share=units.together_share,
            decide_after_s=units.decide_after_s,
            min_common_s=units.min_common_s,
            enabled=units.enabled,
        ),
    )


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
    (newest frame, frames/s, last person seen, last error) every `HEALTH_EVERY_S` of wall clock, so the dashboard
    can tell a running camera from a stopped one even when nobody is in view."""

    def __init__(self, detector: Detector, camera_id: str, send: HealthSink) -> None:
        self.detector, self.camera_id, self.send = detector, camera_id, send
        self.frames, self.last_ts, self.last_person_ts = 0, None, None
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
        detections = self.detector(frame)
        if np.any(detections.confidence >= self.detector.min_score):
            self.last_person_ts = frame.ts  # a camera of a fused store stores no positions of its own
        return detections

    def report(self, error: str | None = None) -> None:
        now = time.monotonic()
        elapsed = now - self._started
        fps = self.frames / elapsed if elapsed > 0 else 0.0
        self.send(
            CameraHealth(
                self.camera_id, datetime.now(timezone.utc), self.last_ts, self.frames, fps, error, self.last_person_ts
            )
        )
        self._due = now + HEALTH_EVERY_S


def _health_writer(db: StoreDatabase, lock: threading.Lock) -> HealthSink:
    """Health reports to the database; while it is unavailable they are skipped (the next report
    supersedes them), said once in the log."""
    failing = threading.Event()

    def write(health: CameraHealth) -> None:
        try:
            with lock:
                db.set_camera_health(health)
        except StorageError as err:
            if not failing.is_set():
                logger.error("camera health not recorded while the database is unavailable: %s", first_line(err))
            failing.set()
        else:
            failing.clear()

    return write


@dataclass(slots=True)
class _CameraVisitors:
    """A store with one camera: its tracks are the visitors."""

    analytics: StoreAnalytics
    writer: RecordWriter

    def add(self, positions: FloorPositions, appearance: np.ndarray | None) -> None:
        events = self.analytics.update(positions, appearance)
        visitors, staff = self.analytics.split_staff(positions)
        self.writer.add(visitors, events, staff=staff)

    def demographics(self, records: list[VisitDemographics]) -> None:
        self.writer.add_demographics(records)

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
        reconnect: ReconnectPolicy,
    ) -> None:
        self.camera = config.cameras[camera_id]
        self.mapper = camera_mapper(self.camera, config_dir=Path.cwd())  # load_config made paths absolute
        self.out = out
        self.run = out.writer.run if isinstance(out, _CameraVisitors) else CameraRun(camera_id)
        if self.camera.demographics:
            face_model_files()  # missing or altered models stop the run before anything is written
        self.faces = DemographicsObserver(detector, camera_id, out.demographics) if self.camera.demographics else None
        self.detector = _HealthReporter(self.faces or detector, camera_id, health)
        self.start_time = start_time
        self.open_camera = open_camera
        self.reconnect = reconnect
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
            with self._open() as source:
                self._source = source
                if self._stopped.is_set():
                    return
                settings = None if source.is_live else RECORDED_PIPELINE
                result = track_source(source, self.detector, settings, on_tracks=self._on_tracks, keep=False)
        finally:
            if self.faces is not None:
                self.faces.finish()
            if not isinstance(out, _CameraVisitors):
                out.end_camera(run.camera_id)
        if isinstance(out, _CameraVisitors):
            out.finish()
        run.frames, run.fps = result.times.frames, result.times.fps
        run.interrupted = result.interrupted or self._stopped.is_set()
        run.tracks = len(self._track_ids)
        logger.info("%s", run.summary())

    def _open(self) -> FrameSource:
        """The camera's source; a live one is retried until the run stops, a file is not (a
        missing file is an error)."""
        open_camera = partial(self.open_camera, self.run.camera_id, self.camera, self.start_time)
        if not is_live_uri(self.camera.source):
            return open_camera()
        return SupervisedSource(open_camera, self.run.camera_id, self.reconnect, self.detector.report)

    def _on_tracks(self, tracks: Detections) -> None:
        self.run.first_ts = self.run.first_ts or tracks.ts
        self.run.last_ts = tracks.ts
        self._track_ids.update(tracks.track_id.tolist())
        if self.faces is not None:
            self.faces.on_tracks(tracks)
        if isinstance(self.out, _CameraVisitors):
            self.out.add(*_floor_positions(tracks, self.mapper))
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

    def demographics(self, records: list[VisitDemographics]) -> None:
        """A door camera's visits with their demographics: by camera track, not fused visitor."""
        with self._lock:
            self.writer.add_demographics(records)

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
                events = self.analytics.update(positions, frame.appearance)
                visitors, staff = self.analytics.split_staff(positions)
                views = frame.camera_views()
                if len(staff):  # each camera's heat of the store's visitors leaves staff out too
                    views = [_without(view, staff.track_id) for view in views]
                self.writer.add(visitors, events, [view for view in views if len(view)], staff)


def _without(positions: FloorPositions, track_ids: np.ndarray) -> FloorPositions:
    keep = ~np.isin(positions.track_id, track_ids)
    return FloorPositions(positions.camera_id, positions.ts, positions.track_id[keep], positions.floor_xy_m[keep])


def _floor_positions(tracks: Detections, mapper: FloorMapper) -> tuple[FloorPositions, np.ndarray | None]:
    """Where the tracked people of one frame stand, metres, and their colour descriptors (if
    any); people off the floor are dropped."""
    assert tracks.track_id is not None
    floor = box_floor_points(mapper, tracks.xyxy_px)[0]
    ok = np.isfinite(floor).all(axis=1)
    appearance = None if tracks.appearance is None or not tracks.appearance.shape[1] else tracks.appearance[ok]
    return FloorPositions(tracks.camera_id, tracks.ts, tracks.track_id[ok], floor[ok]), appearance


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
    accept_partial: bool = False,
    reconnect: ReconnectPolicy = LIVE_CAMERA_RETRY,
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
        enforce_retention: Delete records older than the config's retention while the run goes
            (every ``storage.purge_every_minutes`` of stream time) and after it (by the wall
            clock; a recorded run's own records are kept, however old). False for an evaluation,
            which scores every record of a past it simulated or replayed.
        accept_partial: A truncated or corrupt video file ends its camera with a warning instead
            of an error (default opener only).
        reconnect: Waits between attempts to open a live camera (stream or webcam) that is down
            or dropped; it is retried until the run stops, reported down in its health meanwhile.

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
    opener = open_camera or partial(
        _open_configured_camera, accept_partial=accept_partial, reconnect=replace(reconnect, max_reconnects=0)
    )
    write_health = _health_writer(db, lock)
    write_every_s = WRITE_EVERY_S if live else RECORDED_WRITE_EVERY_S

    def make_job(camera_id: str, health: HealthSink, out: StoreSink | _CameraVisitors) -> _CameraJob:
        return _CameraJob(camera_id, config, detector, start_time, opener, health, out, reconnect)

    register = partial(_add_cameras, db, config, wanted, store_id)  # once every job is made
    run_id = live_run_id() if live else recorded_run_id(store_id, wanted, start_time)
    info = RunInfo(run_id, store_id, tuple(wanted), live, start_time)
    run = CameraRun(wanted[0] if len(wanted) == 1 else STORE_CAMERA_ID)
    with recording(db, info, config.storage, lock, run, write_every_s, purge=enforce_retention) as writer:
        if len(wanted) == 1:
            visitors = _CameraVisitors(StoreAnalytics(spec, wanted[0]), writer)
            job = make_job(wanted[0], write_health, visitors)
            register()
            run_in_threads([job])  # Ctrl-C and SIGTERM then stop it between frames, never mid-write
            runs, errors = [job.run], _errors_of([job])
        else:
            if live and (processes or 1) > 1:
                logger.info("live cameras run in threads: a worker process's batches would delay their results")
            n_workers = 1 if live else min(processes or 1, len(wanted))
            store = _StoreVisitors(spec, writer, wanted, fusion, coverage_m)
            runs, errors = _run_several(make_job, wanted, store, write_health, register, n_workers)
            store.finish(interrupted=any(run.interrupted for run in runs))
            runs.append(store.run)
        if errors:
            raise errors[0]
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


def _open_configured_camera(
    camera_id: str,
    camera: CameraConfig,
    start_time: datetime | None,
    accept_partial: bool = False,
    reconnect: ReconnectPolicy | None = None,
) -> FrameSource:
    return open_source(
        camera.source,
        camera_id=camera_id,
        fps=camera.fps,
        analysis_fps=camera.analysis_fps,
        start_time=start_time,
        reconnect=reconnect,
        accept_partial=accept_partial,
    )

