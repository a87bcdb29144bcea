"""`stats` on a several-camera store: its records are the fused visitors of camera "store"."""

from __future__ import annotations

from datetime import timedelta

from factories import EPOCH

from storelens.analytics import Visit
from storelens.config import StoreConfig
from storelens.reports import store_stats
from storelens.runner import open_store_database
from storelens.storage import STORE_CAMERA_ID


def _config(tmp_path) -> StoreConfig:
    return StoreConfig.model_validate(
        {
            "name": "Two-camera shop",
            "timezone": "UTC",
            "floor_plan": {"outline": [[0, 0], [8, 0], [8, 8], [0, 8]]},
            "cameras": {"door": {"source": "door.mp4"}, "aisle": {"source": "aisle.mp4"}},
            "storage": {"url": f"sqlite:///{tmp_path / 'store.db'}"},
        }
    )


def _visit(track_id: int, start_s: float, end_s: float, entered: bool) -> Visit:
    start, end = EPOCH + timedelta(seconds=start_s), EPOCH + timedelta(seconds=end_s)
    return Visit(STORE_CAMERA_ID, track_id, start, end, entered)


def test_fused_store_has_peak_occupancy_and_visitors_apart_from_passers_by(tmp_path):
    config = _config(tmp_path)
    with open_store_database(config) as db:
        db.add_visits(
            [
                _visit(1, 0, 100, True),
                _visit(2, 10, 50, True),
                _visit(3, 20, 40, True),  # three inside at once from 20 s to 40 s
                _visit(4, 0, 8, False),  # walked past the window
                _visit(5, 60, 66, False),
            ]
        )
        stats = store_stats(config, db, EPOCH, EPOCH + timedelta(hours=1))
    assert stats.peak_occupancy == {STORE_CAMERA_ID: 3}
    assert (stats.visits, stats.entered_visits, stats.median_visit_s) == (5, 3, 40.0)
    text = stats.to_text().splitlines()
    assert "peak occupancy (store): 3" in text
    assert "visits into the store: 3, median 40 s on the floor" in text
    assert "people seen only outside (passers-by): 2" in text
