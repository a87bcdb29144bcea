"""Alert wiring: config -> analytics spec, runner's writer -> database -> `stats`."""

from __future__ import annotations

import json
import threading
from datetime import timedelta

from factories import EPOCH

from storelens.analytics import RESTRICTED_APPROACH, RESTRICTED_ENTRY, Alert, AnalyticsEvents, FloorPositions
from storelens.config import StoreConfig
from storelens.recording import CameraRun, recording
from storelens.reports import store_stats
from storelens.runner import analytics_spec, open_store_database
from storelens.storage.runs import RunInfo, recorded_run_id

LAB = [[1, 1], [3, 1], [3, 3], [1, 3]]


def _config(tmp_path) -> StoreConfig:
    return StoreConfig.model_validate(
        {
            "name": "Test shop",
            "timezone": "UTC",
            "floor_plan": {"outline": [[0, 0], [8, 0], [8, 8], [0, 8]]},
            "cameras": {"cam": {"source": "clip.mp4"}},
            "zones": [
                {"name": "lab", "kind": "restricted", "polygon": LAB, "alert_distance_m": 1.5, "inertia_s": 2},
                {"name": "shelf", "kind": "display", "polygon": [[5, 5], [6, 5], [6, 6], [5, 6]]},
            ],
            "storage": {"url": f"sqlite:///{tmp_path / 'store.db'}"},
        }
    )


def test_analytics_spec_carries_zone_kind_inertia_and_alert_distance(tmp_path):
    lab, shelf = analytics_spec(_config(tmp_path)).zones
    assert (lab.kind, lab.inertia_s, lab.alert_distance_m) == ("restricted", 2.0, 1.5)
    assert (shelf.kind, shelf.alert_distance_m) == ("display", 0.0)


def test_writer_stores_and_counts_alerts(tmp_path):
    alert = Alert(EPOCH, RESTRICTED_ENTRY, "lab", "cam", 7, "person 7 entered restricted zone lab")
    config = _config(tmp_path)
    with open_store_database(config) as db:
        run = CameraRun("cam")
        info = RunInfo(recorded_run_id("s", ["cam"], EPOCH), "s", ("cam",), False, EPOCH)
        with recording(db, info, config.storage, threading.Lock(), run, 1.0, purge=False) as writer:
            writer.add(FloorPositions("cam", EPOCH, [7], [(2.0, 2.0)]), AnalyticsEvents(alerts=[alert]))
            writer.flush()
        assert [stored.alert for stored in db.alerts(EPOCH, EPOCH + timedelta(days=1))] == [alert]
    assert run.alerts == 1 and ", 1 alerts," in run.summary()


def test_stats_count_alerts_in_the_range_by_zone_and_kind(tmp_path):
    config = _config(tmp_path)
    at = [EPOCH + timedelta(seconds=s) for s in range(4)]
    with open_store_database(config) as db:
        db.add_alerts(
            [
                Alert(at[0], RESTRICTED_APPROACH, "lab", "cam", 1, "near"),
                Alert(at[1], RESTRICTED_ENTRY, "lab", "cam", 1, "in"),
                Alert(at[2], RESTRICTED_ENTRY, "lab", "cam", 2, "in"),
                Alert(at[3], RESTRICTED_ENTRY, "lab", "cam", 3, "in, after the range"),
            ]
        )
        stats = store_stats(config, db, at[0], at[3])
    assert stats.alerts == {"lab": {RESTRICTED_APPROACH: 1, RESTRICTED_ENTRY: 2}}
    assert "alerts lab: 1 restricted_approach, 2 restricted_entry" in stats.to_text().splitlines()
    assert json.loads(json.dumps(stats.to_dict()))["alerts"] == stats.alerts
