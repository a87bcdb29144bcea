"""A long live run: retention purges on schedule while it runs, and memory stays flat."""

from __future__ import annotations

import logging
from datetime import datetime, timedelta, timezone

from storelens.runner import open_store_database, run_store
from storelens.sim.scenario import make_scenario

START = datetime(2026, 11, 25, 15, 0, tzinfo=timezone.utc)
HOURS = 2.0
KEEP_POSITIONS_H = 0.5


def _rss_mb() -> float:
    with open("/proc/self/statm") as f:
        return int(f.read().split()[1]) * 4096 / 2**20


class _Sampler:
    """Wraps the detector to sample this process's resident memory every simulated ten minutes."""

    def __init__(self, detector) -> None:
        self.detector, self.min_score = detector, detector.min_score
        self.samples: dict[int, float] = {}

    def __call__(self, frame):
        minute = int((frame.ts - START).total_seconds() // 600)
        if minute not in self.samples:
            self.samples[minute] = _rss_mb()
        return self.detector(frame)


def test_two_live_hours_purge_on_schedule_with_flat_memory(tmp_path, caplog):
    scenario = make_scenario(tmp_path, n_cameras=2, start=START, duration_s=HOURS * 3600, seed=1, fps=1.0)
    storage = scenario.config.storage.model_copy(
        update={
            "retention_days": scenario.config.storage.retention_days.model_copy(
                update={"positions": KEEP_POSITIONS_H / 24}
            ),
            "purge_every_minutes": 10.0,
        }
    )
    config = scenario.config.model_copy(update={"storage": storage})
    sampler = _Sampler(scenario.detector)
    caplog.set_level(logging.INFO, logger="storelens.recording")
    with open_store_database(config) as db:
        # one camera (no fusion: unpaced simulated cameras would outrun a live fusion's latency)
        camera = next(iter(config.cameras))
        runs = run_store(config, db, sampler, cameras=[camera], open_camera=scenario.open_camera, live=True)
        end = START + timedelta(hours=HOURS)
        kept = db.positions(START - timedelta(days=1), end + timedelta(days=1))
        visits = db.visits(START - timedelta(days=1), end + timedelta(days=1))
    assert runs[0].last_ts >= end - timedelta(seconds=2)
    purges = [r for r in caplog.records if "retention: removed" in r.getMessage()]
    # purged on schedule while running (every 10 stream minutes once positions outlived 30 minutes),
    # not only at the end: positions older than the retention before the last purge are gone
    assert len(purges) >= 8, [r.getMessage() for r in purges]
    oldest = datetime.fromtimestamp(kept.ts_us.min() / 1e6, timezone.utc)
    assert oldest >= end - timedelta(hours=KEEP_POSITIONS_H + 10 / 60 + 0.05)
    assert min(v.start_ts for v in visits) < START + timedelta(minutes=10)  # visits keep 90 days
    # memory: what the last hour adds on top of the first hour's level
    first, last = sampler.samples[6], max(sampler.samples.values())
    assert last - first < 40, sampler.samples
