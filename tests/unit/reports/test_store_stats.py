"""`stats` on a several-camera store: its records are the fused visitors of camera "store"."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

from factories import EPOCH

from storelens.analytics import Direction, LineCrossing, Visit
from storelens.config import StoreConfig
from storelens.reports import store_stats
from storelens.runner import open_store_database
from storelens.storage import STORE_CAMERA_ID

LINES = [
    {"name": "door", "kind": "entrance", "a": [0, 2], "b": [0, 5], "in_side": "right"},
    {"name": "pavement", "kind": "passerby", "a": [-2, 0], "b": [-2, 8]},
]


def _config(tmp_path, **extra) -> StoreConfig:
    return StoreConfig.model_validate(
        {
            "name": "Two-camera shop",
            "timezone": "UTC",
            "floor_plan": {"outline": [[0, 0], [8, 0], [8, 8], [0, 8]]},
            "cameras": {"door": {"source": "door.mp4"}, "aisle": {"source": "aisle.mp4"}},
            "storage": {"url": f"sqlite:///{tmp_path / 'store.db'}"},
            **extra,
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


def test_text_gives_local_times_with_the_zone_named_once_and_json_gives_offsets(tmp_path):
    """A London shop in summer (UTC+1): the range and hourly rows read in shop time, not UTC."""
    config = _config(tmp_path, timezone="Europe/London", lines=LINES)
    start = datetime(2026, 6, 10, 8, tzinfo=timezone.utc)  # 09:00 in London
    with open_store_database(config) as db:
        db.add_line_crossings(
            [
                LineCrossing("door", "door", 1, start + timedelta(minutes=5), Direction.IN),
                LineCrossing("door", "door", 1, start + timedelta(minutes=70), Direction.OUT),
                LineCrossing("pavement", "door", 2, start + timedelta(minutes=80), Direction.IN),
            ]
        )
        stats = store_stats(config, db, start, start + timedelta(hours=3))
    text = stats.to_text()
    lines = text.splitlines()
    assert lines[0] == "2026-06-10 09:00 to 12:00 (Europe/London time)"
    assert "hour 09:00: door 1 in, 0 out" in lines
    assert "hour 10:00: door 0 in, 1 out; pavement 1 passers-by" in lines
    assert "UTC" not in text and text.count("Europe/London") == 1
    data = stats.to_dict()
    assert (data["start"], data["end"]) == ("2026-06-10T09:00:00+01:00", "2026-06-10T12:00:00+01:00")
    assert data["timezone"] == "Europe/London"
    assert [row[0] for row in data["hourly"]] == ["2026-06-10T09:00:00+01:00"] + ["2026-06-10T10:00:00+01:00"] * 2
    assert datetime.fromisoformat(data["hourly"][0][0]) == start  # the same instant, machine-readable


def test_text_dates_the_hours_of_a_range_over_several_days(tmp_path):
    config = _config(tmp_path, lines=LINES)
    with open_store_database(config) as db:
        db.add_line_crossings([LineCrossing("door", "door", 1, EPOCH + timedelta(hours=30), Direction.IN)])
        stats = store_stats(config, db, EPOCH, EPOCH + timedelta(days=2))
    lines = stats.to_text().splitlines()
    assert lines[0] == "2026-01-01 00:00 to 2026-01-03 00:00 (UTC time)"
    assert "hour 2026-01-02 06:00: door 1 in, 0 out" in lines
