"""The simulated store through the full stack, and `storelens demo`, on this machine with no network."""

from __future__ import annotations

import json
import subprocess
import sys
from datetime import datetime, timezone

import sqlalchemy as sa

from storelens.eval.sim_score import evaluate_simulation
from storelens.sim.scenario import make_scenario

START = datetime(2026, 11, 25, 17, 0, tzinfo=timezone.utc)  # a Wednesday's evening peak in London


def test_same_seed_same_result(tmp_path):
    runs = [evaluate_simulation(tmp_path / name, n_cameras=2, duration_s=120, seed=3, start=START) for name in "ab"]
    assert json.dumps(runs[0].to_dict()) == json.dumps(runs[1].to_dict())  # NaN-safe: no stays -> NaN medians
    assert runs[0].line("pavement", "in").truth > 0  # people walked past: the run was not empty


def test_demo_starts_fills_and_stops_on_a_clean_folder(tmp_path):
    """`storelens demo` with no dashboard, no history and a 10-second live feed."""
    done = subprocess.run(
        [sys.executable, "-m", "storelens.cli", "demo", "--dir", str(tmp_path), "--no-serve", "--days", "0",
         "--hours", "0.003", "--cameras", "2"],
        capture_output=True, text=True, timeout=300,
    )
    assert done.returncode == 0, done.stderr
    assert "log in as    : admin / " in done.stdout
    engine = sa.create_engine(f"sqlite:///{tmp_path / 'storelens.db'}")
    with engine.connect() as conn:
        users = conn.execute(sa.text("select name, role from users")).all()
        positions = conn.execute(sa.text("select count(*) from positions where camera_id = 'store'")).scalar()
    assert users == [("admin", "admin")]
    assert positions > 0  # the staff at the till are seen from the first frame


def test_a_stopped_live_scenario_ends_cameras_opened_after_the_stop(tmp_path):
    scenario = make_scenario(tmp_path, n_cameras=2, start=START, duration_s=30, live=True)
    scenario.stop()  # e.g. Ctrl-C in `storelens demo` before the feed's threads opened their cameras
    with scenario.open_camera("entrance", scenario.config.cameras["entrance"], None) as source:
        assert list(source) == []
