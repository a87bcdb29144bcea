"""`storelens run` end to end on real footage: counts, dwell, and both database engines."""

from __future__ import annotations

import json
import subprocess
import sys
from collections import Counter
from dataclasses import replace
from datetime import datetime, timedelta, timezone
from pathlib import Path

import cv2
import numpy as np
import pytest

from storelens.analytics import RESTRICTED_ENTRY, FloorPositions, StoreAnalytics
from storelens.config import load_config
from storelens.detect import make_detector
from storelens.reports import store_stats
from storelens.runner import analytics_spec, open_store_database, run_store

pytestmark = pytest.mark.integration

EXAMPLES = Path(__file__).resolve().parents[2] / "examples"
T0 = datetime(2026, 11, 20, 10, 0, tzinfo=timezone.utc)
ALL_TIME = (datetime(2000, 1, 1, tzinfo=timezone.utc), datetime(2100, 1, 1, tzinfo=timezone.utc))

# Standing at the table in one-by-one, frames at 10 fps, read off contact sheets of every 5th
# frame (0.5 s): first frame with the feet stopped beside the table, last frame before the
# first step away. See docs/benchmarks.md.
TABLE_TRUTH = [(83, 182), (243, 432), (523, 679), (766, 847), (942, 1177), (1256, 1340)]
MAX_DWELL_ERROR_S = 2.0


class MemoDetector:
    """The bundled detector, computed once per (camera, frame index), replayed on later runs."""

    def __init__(self) -> None:
        self.detector = make_detector()
        self.min_score = self.detector.min_score
        self.memo = {}

    def __call__(self, frame):
        key = (frame.camera_id, frame.index)
        if key not in self.memo:
            self.memo[key] = self.detector(frame)
        return replace(self.memo[key], ts=frame.ts)


@pytest.fixture(scope="module")
def detector():
    return MemoDetector()


def test_one_by_one_dwell_at_the_table(shared_data, detector, tmp_path):
    config = load_config(EXAMPLES / "one-by-one/store.yaml")
    with open_store_database(config, f"sqlite:///{tmp_path / 'obo.db'}") as db:
        run_store(config, db, detector, start_time=T0)
        visits = sorted(db.zone_visits(*ALL_TIME), key=lambda v: v.enter_ts)
    assert len(visits) == len(TABLE_TRUTH), [(v.enter_ts, v.exit_ts) for v in visits]
    for v, (a, b) in zip(visits, TABLE_TRUTH):
        truth_s = (b - a) / 10.0
        overlap = min(v.exit_ts, T0 + timedelta(seconds=b / 10)) - max(v.enter_ts, T0 + timedelta(seconds=a / 10))
        assert overlap.total_seconds() > 0.5 * truth_s
        assert abs(v.dwell_s - truth_s) <= MAX_DWELL_ERROR_S, (v.dwell_s, truth_s)


@pytest.fixture(scope="module")
def pets_runs(shared_data, detector, tmp_path_factory, request):
    """The PETS09 example run into SQLite and, if the server is up, PostgreSQL."""
    config = load_config(EXAMPLES / "pets09/store.yaml")
    urls = {"sqlite": f"sqlite:///{tmp_path_factory.mktemp('pets') / 'pets.db'}"}
    try:
        urls["postgres"] = request.getfixturevalue("pg_schemas")()
    except pytest.skip.Exception:
        pass
    stats = {}
    for engine, url in urls.items():
        with open_store_database(config, url) as db:
            run_store(config, db, detector, start_time=T0)
            stats[engine] = (store_stats(config, db, *ALL_TIME), db.heatmap(*ALL_TIME), db.line_crossings(*ALL_TIME))
    return config, stats, urls


def _gt_counts(config, shared_data) -> Counter:
    """Line crossings the same analytics count on the ground-truth trajectories."""
    gt = np.loadtxt(shared_data / "PETS09-S2L1/gt/gt.txt", delimiter=",")
    engine = StoreAnalytics(analytics_spec(config), "gt")
    crossings = []
    for frame in np.unique(gt[:, 0]):
        rows = gt[gt[:, 0] == frame]
        ts = T0 + timedelta(seconds=(frame - 1) / 7.0)
        crossings += engine.update(FloorPositions("gt", ts, rows[:, 1].astype(int), rows[:, 7:9])).crossings
    crossings += engine.flush().crossings
    return Counter((c.line, c.direction.value) for c in crossings)


def test_pets_line_counts_against_the_ground_truth(pets_runs, shared_data):
    """Entrance counts per direction within 10 % of the same analytics on the gt trajectories.

    The passer-by line crosses the far footpath (30+ m from the camera), where identities are
    least stable: measured 10 against 9 (5/5 against 6/3 by direction); its total is gated at
    25 % until that is fixed (docs/benchmarks.md).
    """
    config, stats, _ = pets_runs
    truth = _gt_counts(config, shared_data)
    got = Counter((c.line, c.direction.value) for c in stats["sqlite"][2])
    for line in config.lines:
        if str(line.kind) == "entrance":
            for direction in ("in", "out"):
                n = truth[(line.name, direction)]
                assert n >= 5 and abs(got[(line.name, direction)] - n) <= 0.1 * n, (line.name, direction, got, truth)
        else:
            n = truth[(line.name, "in")] + truth[(line.name, "out")]
            m = got[(line.name, "in")] + got[(line.name, "out")]
            assert n >= 5 and abs(m - n) <= 0.25 * n, (line.name, m, n)


def test_sqlite_and_postgres_give_identical_stats(pets_runs):
    _, stats, _ = pets_runs
    if "postgres" not in stats:
        pytest.skip("PostgreSQL not reachable")
    lite, pg = stats["sqlite"], stats["postgres"]
    assert lite[0].to_dict() == pg[0].to_dict()
    for name in ("cell_ix", "cell_iy", "seconds", "flow_dx", "flow_dy"):
        np.testing.assert_allclose(getattr(lite[1], name), getattr(pg[1], name), rtol=1e-9, atol=1e-9)
    assert lite[2] == pg[2]


def test_pets_people_on_the_restricted_lawn_raise_one_alert_per_entry(pets_runs):
    """front_lawn is restricted (gt ids 3 and 4 wander onto it): every counted entry, and only
    those, raised an alert, during that track's visit to the lawn and after the inertia.

    Where the tracks were is read from their zone visits, not their positions: the run is dated
    2026-11-20 and the example keeps positions 7 days, so they may already be purged."""
    config, stats, urls = pets_runs
    lawn = next(z for z in config.zones if z.name == "front_lawn")
    with open_store_database(config, urls["sqlite"]) as db:
        alerts = [stored.alert for stored in db.alerts(*ALL_TIME)]
        visits = [v for v in db.zone_visits(*ALL_TIME) if v.zone == lawn.name]
    assert len(alerts) >= 2 and {(a.kind, a.zone) for a in alerts} == {(RESTRICTED_ENTRY, lawn.name)}
    assert stats["sqlite"][0].alerts == {lawn.name: {RESTRICTED_ENTRY: len(alerts)}}
    assert sorted(a.track_id for a in alerts) == sorted(v.track_id for v in visits)
    for a in alerts:
        visit = next(v for v in visits if v.track_id == a.track_id and v.enter_ts <= a.ts <= v.exit_ts)
        assert a.ts - visit.enter_ts >= timedelta(seconds=lawn.inertia_s)


def test_stats_and_heatmap_commands_read_the_run(pets_runs, tmp_path):
    _, _, urls = pets_runs
    config = str(EXAMPLES / "pets09/store.yaml")
    window = ["--from", "2026-11-20T09:00", "--to", "2026-11-20T12:00", "--db", urls["sqlite"]]
    out = subprocess.run(
        [sys.executable, "-m", "storelens.cli", "stats", config, *window, "--json"], capture_output=True, text=True
    )
    assert out.returncode == 0, out.stderr
    stats = json.loads(out.stdout)
    assert stats["entries"]["road_entrance"] >= 15 and stats["visits"] > 0
    assert stats["zones"]["crossroads"]["visits"] > 10 and stats["transitions"]
    assert stats["alerts"]["front_lawn"]["restricted_entry"] >= 2
    png = tmp_path / "heat.png"
    out = subprocess.run(
        [sys.executable, "-m", "storelens.cli", "heatmap", config, *window, "-o", str(png)],
        capture_output=True, text=True, check=True,
    )
    image = cv2.imread(str(png))
    assert image is not None and (image != 255).any(axis=2).mean() > 0.05  # something is drawn
