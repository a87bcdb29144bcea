"""`storelens stats` counts visits per age band and gender, in band order, text and JSON."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

from storelens.config import StoreConfig
from storelens.demographics import VisitDemographics
from storelens.reports.stats import store_stats
from storelens.storage import open_database

T0 = datetime(2026, 11, 20, 10, tzinfo=timezone.utc)
CONFIG = StoreConfig.model_validate({
    "name": "Shop",
    "timezone": "UTC",
    "floor_plan": {"outline": [[0, 0], [5, 0], [5, 5], [0, 5]]},
    "cameras": {"door": {"source": "door.mp4", "demographics": True}},
})


def test_stats_count_visits_per_band_and_gender(tmp_path):
    with open_database(f"sqlite:///{tmp_path / 's.db'}") as db:
        db.add_demographics([
            VisitDemographics("door", i, T0 + timedelta(minutes=i), T0 + timedelta(minutes=i, seconds=30),
                              band, 0.6, gender, 0.9, 8)
            for i, (band, gender) in enumerate([("60+", "male"), ("18-29", "female"), ("18-29", "male"),
                                                ("18-29", "female")])
        ])
        stats = store_stats(CONFIG, db, T0, T0 + timedelta(hours=1))
    assert stats.demographics == {"18-29": {"female": 2, "male": 1}, "60+": {"male": 1}}
    assert list(stats.to_dict()["demographics"]) == ["18-29", "60+"]
    text = stats.to_text()
    assert "visits with an age and gender estimate: 4" in text and "age 18-29: 2 female, 1 male" in text
