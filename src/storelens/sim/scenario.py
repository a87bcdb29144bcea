"""A simulated store ready to run: its config on disk, its people, and cameras to open.

`Scenario.open_camera` stands in for `storelens.sources.open_source` and `Scenario.detector`
for the person detector, so `storelens.runner.run_store` runs tracking, fusion, analytics and
storage on the simulation exactly as it does on video.
"""

from __future__ import annotations

import math
import os
import threading
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import numpy as np

from storelens.config import StoreConfig, load_config
from storelens.config.cameras import CameraConfig
from storelens.errors import ConfigError
from storelens.fusion import FusionConfig
from storelens.fusion.coverage import floor_coverage
from storelens.recording import CameraRun
from storelens.runner import run_store
from storelens.sim.appearance import Uniformed
from storelens.sim.arrivals import TrafficProfile
from storelens.sim.detector import SimDetector
from storelens.sim.layout import SimStore, build_store
from storelens.sim.people import simulate_people
from storelens.sim.people_log import PeopleLog
from storelens.sim.source import SimSource
from storelens.sim.store_config import CONFIG_NAME, write_store_config
from storelens.storage import StoreDatabase

__all__ = ["Scenario", "busy_hour_start", "make_scenario"]

SIM_MODEL_SIGMA_M = 0.3
"""Fusion's position error beyond the foot-point model in the simulated store. Its ceiling
cameras see people from 3 m up at 2-20 m, and the simulated detector's box errors (sd 4-9 % of
the height, drifting over seconds, see docs/sim-noise-model.md) put single-camera floor
positions 0.2-0.45 m from the truth (median) where the foot-point model says 0.1-0.25 m;
0.2 m gave more duplicate visitors (busiest hour, seeds 0 / 1, `bench/sim_fusion_replay.py`:
entries +4.8 % / +5.7 % instead of +1.8 % / 0.0 %, dwell error 7.4 % / 9.8 % instead of
6.5 % / 5.8 %)."""

SIM_CONFIRM_AFTER_S = 0.6
"""A visitor one camera has followed this long is reported even where a second camera looks
but does not see them: the second of two people walking in single file through the door is
hidden from the door camera, and at 2 s they were reported only once inside, so their entry
was not counted (busiest hour, seeds 0 / 1, `bench/sim_fusion_replay.py`: entries -6.1 % /
-5.2 % at 2 s, -1.8 % / -2.3 % at 1 s, +1.8 % / 0.0 % at 0.6 s)."""

SIM_HOLD_LOST_S = 2.0
"""A visitor no camera sees for a moment (a quarter of the people on the floor at any instant
are hidden from every camera, mostly behind shelves and each other) still counts this long."""


def busy_hour_start(store: SimStore, profile: TrafficProfile, before: datetime) -> datetime:
    """Start of the profile's busiest hour in the last week before ``before`` (store local time)."""
    weekday, hour = profile.busiest_hour()
    local = before.astimezone(ZoneInfo(store.timezone)).replace(minute=0, second=0, microsecond=0)
    start = local.replace(hour=hour) - timedelta(days=(local.weekday() - weekday) % 7)
    return start if start < local else start - timedelta(days=7)


@dataclass(frozen=True, eq=False)
class Scenario:
    """One simulation: the store, its written config, everyone's positions and the detector.

    Attributes:
        store: Layout and cameras.
        config: The store config the pipeline reads (written to ``config_path``).
        config_path: Where it was written.
        log: Everyone's floor position at every frame.
        detector: Boxes each camera's detector would report.
        live: Cameras deliver frames at wall-clock pace.
    """

    store: SimStore
    config: StoreConfig
    config_path: Path
    log: PeopleLog
    detector: SimDetector
    live: bool = False
    _opened: list[SimSource] = field(default_factory=list, init=False, repr=False)
    _stopped: threading.Event = field(default_factory=threading.Event, init=False, repr=False)
    _lock: threading.Lock = field(default_factory=threading.Lock, init=False, repr=False)

    def open_camera(self, camera_id: str, camera: CameraConfig, start_time: datetime | None) -> SimSource:
        """The simulated camera's frames (its own clock: frame 0 is the simulation's start)."""
        try:
            sim_camera = self.store.cameras[camera_id]
        except KeyError:
            raise ConfigError(f"camera {camera_id}: not a camera of the simulated store") from None
        source = SimSource(sim_camera, self.log.n_frames, self.log.start, fps=self.log.fps, live=self.live)
        with self._lock:
            self._opened.append(source)
            if self._stopped.is_set():  # stopped before this camera opened: it ends at once, as the others
                source.close()
        return source

    def stop(self) -> None:
        """End every camera, opened or still to open (from any thread): a live run then finishes and saves."""
        with self._lock:
            self._stopped.set()
            for source in self._opened:
                source.close()

    def fusion_config(self) -> FusionConfig:
        """Fusion for this store: people leave the cameras' world only along the street."""
        latency = FusionConfig().latency_s if self.live else math.inf
        return FusionConfig(
            latency_s=latency,
            model_sigma_m=SIM_MODEL_SIGMA_M,
            confirm_after_s=SIM_CONFIRM_AFTER_S,
            hold_lost_s=SIM_HOLD_LOST_S,
            exits_m=(np.asarray(self.store.street.polygon, dtype=np.float64),),
        )

    def coverage_m(self) -> dict[str, np.ndarray]:
        """Floor each camera sees well, from its exact calibration."""
        return {cid: floor_coverage(cam.camera, cam.width, cam.height) for cid, cam in self.store.cameras.items()}

    def run(self, db: StoreDatabase, processes: int | None = None, evaluate: bool = False) -> list[CameraRun]:
        """Every camera through tracking, fusion, analytics and into ``db``.

        Args:
            db: Where records go.
            processes: Worker processes for the cameras of a recorded (not live) run; None: one
                per core. 1 runs them in threads here; the result is the same.
            evaluate: Keep every record for scoring, however old the simulated time (no
                retention after the run).
        """
        if processes is None and not self.live:
            processes = os.cpu_count() or 2
        return run_store(
            self.config,
            db,
            self.detector,
            open_camera=self.open_camera,
            live=self.live,
            fusion=self.fusion_config(),
            coverage_m=self.coverage_m(),
            processes=processes,
            enforce_retention=not evaluate,
        )


def make_scenario(
    directory: Path,
    n_cameras: int = 4,
    start: datetime | None = None,
    duration_s: float = 3600.0,
    seed: int = 0,
    profile: TrafficProfile | None = None,
    fps: float = 5.0,
    live: bool = False,
    keep_config: bool = False,
) -> Scenario:
    """Build the store, simulate its people and write its config (and floor plan) to ``directory``.

    Args:
        directory: Folder for ``store.yaml`` and the floor-plan image (created if needed).
        n_cameras: 2 to 8.
        start: UTC time of the first frame; None: the start of the busiest hour of the past week.
        duration_s: Simulated seconds.
        seed: Same seed, same people, same detections.
        profile: Traffic by weekday and hour; None: the default shop.
        fps: Frame rate of the simulation and its cameras.
        live: Cameras pace frames to the wall clock.
        keep_config: Use ``store.yaml`` (and its plan) if the folder has one, with the user's
            edits, instead of writing them afresh.
    """
    profile = profile or TrafficProfile()
    store = build_store(n_cameras)
    if start is None:
        start = busy_hour_start(store, profile, datetime.now(ZoneInfo("UTC")))
    directory.mkdir(parents=True, exist_ok=True)
    path = directory / CONFIG_NAME
    if not (keep_config and path.exists()):
        path = write_store_config(store, directory)
    config = load_config(path)
    if set(config.cameras) != set(store.cameras):
        raise ConfigError(
            f"{path} describes cameras {', '.join(config.cameras)}, but a {n_cameras}-camera simulated shop has "
            f"{', '.join(store.cameras)}: use another folder, or remove that store.yaml to have it written again"
        )
    log = simulate_people(store, start, duration_s, fps=fps, seed=seed, profile=profile)
    uniformed = Uniformed(log.persons.with_role("staff"), store.uniform_colour)
    detector = SimDetector(log, store.cameras, seed=seed, uniformed=uniformed)
    return Scenario(store, config, path, log, detector, live)
