"""The same records stored in SQLite and PostgreSQL give the same answers to every query."""

from __future__ import annotations

from datetime import timedelta

import numpy as np
import pytest
import sqlalchemy as sa
from storage_helpers import T0, at

from storelens.analytics.records import Alert, Direction, FloorPositions, LineCrossing, Visit, ZoneVisit
from storelens.storage import open_database

FPS = 5.0
N_TRACKS = 12
DURATION_S = 15 * 60


def _records(seed: int = 3):
    """Random walks that start and end at random, with their crossings, visits and alerts."""
    rng = np.random.default_rng(seed)
    starts = rng.uniform(0, DURATION_S * 0.7, N_TRACKS)
    lengths = rng.uniform(60, DURATION_S * 0.3, N_TRACKS)
    paths = np.cumsum(rng.normal(0, 0.15, (N_TRACKS, int(DURATION_S * FPS), 2)), axis=1) + rng.uniform(
        2, 18, (N_TRACKS, 1, 2)
    )
    batches = []
    for i in range(int(DURATION_S * FPS)):
        t = i / FPS
        ids = np.flatnonzero((starts <= t) & (t < starts + lengths))
        batches.append(FloorPositions("floor", at(t), ids, paths[ids, i]))
    crossings, visits, zone_visits, alerts = [], [], [], []
    for tid, (s, d) in enumerate(zip(starts, lengths)):
        crossings += [
            LineCrossing("entrance", "floor", tid, at(s), Direction.IN),
            LineCrossing("entrance", "floor", tid, at(s + d), Direction.OUT),
        ]
        visits.append(Visit("store", tid, at(s), at(s + d), entered=bool(tid % 4)))
        zone_visits.append(ZoneVisit(["fruit", "bakery"][tid % 2], "floor", tid, at(s + 10), at(s + 10 + d / 3)))
        if tid % 3 == 0:
            alerts.append(Alert(at(s + 1), "restricted", "stockroom", "floor", tid, f"track {tid} in stockroom"))
    return batches, crossings, visits, zone_visits, alerts


def _answers(url: str) -> dict:
    batches, crossings, visits, zone_visits, alerts = _records()
    with open_database(url) as db:
        kept = sum(db.add_positions(batches[k : k + 300]) for k in range(0, len(batches), 300))
        db.add_line_crossings(crossings)
        db.add_visits(visits)
        db.add_zone_visits(zone_visits)
        db.acknowledge_alert(db.add_alerts(alerts)[1])
        start, end = T0, T0 + timedelta(hours=1)
        heat = db.heatmap(start, end)
        points = db.positions(at(100), at(400))
        answers = {
            "kept": kept,
            "positions": (
                points.camera_id.tolist(),
                points.track_id.tolist(),
                points.ts_us.tolist(),
                points.floor_xy_m.tolist(),
            ),
            "heat_cells": (heat.cell_ix.tolist(), heat.cell_iy.tolist()),
            "heat_values": np.stack([heat.seconds, heat.flow_dx, heat.flow_dy]),
            "line_counts": db.line_counts_by_hour(start, end),
            "line_counts_entrance": db.line_counts_by_hour(at(120), at(600), line="entrance"),
            "zone_stats": db.zone_stats(start, end),
            "occupancy": {
                zone: [a.tolist() for a in (s.minute_us, s.entries, s.exits, s.max_occupancy, s.mean_occupancy)]
                for zone, camera in (("", "store"), ("fruit", "floor"), ("bakery", "floor"))
                for s in [db.occupancy(start, end, zone, camera)]
            },
            "alerts": db.alerts(start, end),
            "visits": db.visits(start, end),
            "zone_visits": db.zone_visits(start, end),
            "crossings": db.line_crossings(start, end),
            "purged": db.purge(at(DURATION_S / 2) + timedelta(days=1), {"positions": 1, "heat": 1, "visits": 1}),
            "heat_after_purge": len(db.heatmap(start, end)),
        }
    return answers


def test_sqlite_and_postgres_answer_identically(sqlite_url, pg_schema_url):
    lite, pg = _answers(sqlite_url), _answers(pg_schema_url)
    assert lite["kept"] > 1000 and len(lite["heat_cells"][0]) > 100 and len(lite["line_counts"]) > 0
    # Sums of floats may be added in another order by each engine's GROUP BY.
    np.testing.assert_allclose(lite.pop("heat_values"), pg.pop("heat_values"), rtol=1e-12, atol=1e-12)
    for key in lite:
        assert lite[key] == pg[key], key
    assert lite["occupancy"][""][0], "whole-floor minutes expected"


@pytest.mark.parametrize("engine", ["sqlite", "postgres"])
def test_range_query_of_a_day_uses_an_index(engine, sqlite_url, request):
    """Range queries must not scan whole tables (the day-query budget depends on it)."""
    url = sqlite_url if engine == "sqlite" else request.getfixturevalue("pg_schema_url")
    explain = "EXPLAIN QUERY PLAN " if engine == "sqlite" else "EXPLAIN "
    with open_database(url) as db, db.engine.connect() as conn:
        if engine == "postgres":
            conn.execute(sa.text("SET enable_seqscan = off"))  # empty tables: make the planner show its index choice
        for table, column in (("positions", "ts_us"), ("line_crossings", "ts_us"), ("heat", "hour_us")):
            plan = " ".join(
                str(r[-1])
                for r in conn.execute(sa.text(f"{explain}SELECT * FROM {table} WHERE {column} >= 0 AND {column} < 10"))
            )
            # SQLite: "SEARCH ... USING INDEX / PRIMARY KEY", never "SCAN"; PostgreSQL: an index scan.
            assert ("search" in plan.lower() or "index" in plan.lower()) and "seq scan" not in plan.lower(), plan
