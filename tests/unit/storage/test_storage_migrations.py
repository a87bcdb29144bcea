"""Schema versions: fresh databases match schema.py, v1 databases are migrated, newer ones refused."""

from __future__ import annotations

import pytest
import sqlalchemy as sa
from storage_helpers import T0, at

from storelens.errors import StorageError
from storelens.storage import LATEST_VERSION, open_database, schema
from storelens.storage.engine import create_storage_engine
from storelens.storage.migrations import MIGRATIONS, current_version, upgrade
from storelens.storage.times import HOUR_US, to_us


def _reflected(url: str) -> dict:
    engine = create_storage_engine(url)
    try:
        with engine.connect() as conn:
            inspector = sa.inspect(conn)
            return {
                name: {
                    "columns": {c["name"]: c["nullable"] for c in inspector.get_columns(name)},
                    "primary_key": inspector.get_pk_constraint(name)["constrained_columns"],
                    "indexes": {i["name"]: i["column_names"] for i in inspector.get_indexes(name)},
                }
                for name in inspector.get_table_names()
            }
    finally:
        engine.dispose()


def test_fresh_database_is_built_by_migrations_to_exactly_the_current_schema(fresh_db_url):
    db_url = fresh_db_url
    open_database(db_url).close()
    expected = {
        table.name: {
            "columns": {c.name: c.nullable for c in table.columns},
            "primary_key": [c.name for c in table.primary_key.columns],
            "indexes": {i.name: [c.name for c in i.columns] for i in table.indexes},
        }
        for table in schema.metadata.sorted_tables
    }
    assert _reflected(db_url) == expected
    engine = create_storage_engine(db_url)
    with engine.connect() as conn:
        assert current_version(conn) == LATEST_VERSION == max(MIGRATIONS) + 1
    engine.dispose()


def _make_v1_database(url: str) -> None:
    """A version-1 database holding a walk at 2 Hz and an alert, written as v1 code would."""
    engine = create_storage_engine(url)
    assert upgrade(engine, heat_cell_m=0.25, target=1) == 1
    with engine.begin() as conn:
        conn.execute(
            sa.text("INSERT INTO positions (camera_id, track_id, ts_us, x_m, y_m) VALUES ('cam', 1, :ts, :x, 0.1)"),
            [{"ts": to_us(at(0.5 * i)), "x": 0.25 * i} for i in range(21)],
        )
        # The same track again after the hour: a new heat bucket.
        conn.execute(
            sa.text("INSERT INTO positions (camera_id, track_id, ts_us, x_m, y_m) VALUES ('cam', 1, :ts, 3.0, 3.0)"),
            {"ts": to_us(T0) + HOUR_US},
        )
        conn.execute(
            sa.text(
                "INSERT INTO alerts (ts_us, kind, zone, camera_id, track_id, message) "
                "VALUES (:ts, 'restricted', 'stockroom', 'cam', 1, 'in stockroom')"
            ),
            {"ts": to_us(at(1))},
        )
    engine.dispose()


def test_version_1_database_is_migrated_and_its_heat_back_filled(fresh_db_url):
    db_url = fresh_db_url
    _make_v1_database(db_url)
    assert "heat" not in _reflected(db_url)
    with open_database(db_url) as db:
        (alert,) = db.alerts(T0, at(10))
        assert alert.acknowledged is False and alert.alert.message == "in stockroom"
        db.acknowledge_alert(alert.id)
        assert len(db.positions(T0, at(7200))) == 22
        heat = db.heatmap(T0, at(3600))
        # Exactly what ingesting the walk would have added: 21 cells of 0.5 s, 0.25 m of flow each but the first.
        assert heat.cell_ix.tolist() == list(range(21)) and set(heat.cell_iy.tolist()) == {0}
        assert heat.seconds.tolist() == [0.5] * 21
        assert heat.flow_dx.tolist() == [0.0] + [0.25] * 20
        assert db.heatmap(at(3600), at(7200)).seconds.tolist() == [0.5]
    with open_database(db_url) as db:  # reopening at the latest version changes nothing
        assert db.alerts(T0, at(10))[0].acknowledged is True
        assert len(db.heatmap(T0, at(3600))) == 21


def test_failed_migration_leaves_the_database_at_its_version(sqlite_url, monkeypatch):
    _make_v1_database(sqlite_url)

    def half_done(conn, heat_cell_m):
        conn.execute(sa.text("CREATE TABLE heat (x INTEGER)"))
        raise OSError("disk full")

    monkeypatch.setitem(MIGRATIONS, 1, half_done)
    with pytest.raises(StorageError, match="disk full"):
        open_database(sqlite_url)
    assert "heat" not in _reflected(sqlite_url)  # DDL rolled back with the step
    monkeypatch.undo()
    with open_database(sqlite_url) as db:
        assert len(db.heatmap(T0, at(3600))) == 21


def test_database_from_a_newer_storelens_is_refused(sqlite_url):
    open_database(sqlite_url).close()
    engine = create_storage_engine(sqlite_url)
    with engine.begin() as conn:
        conn.execute(sa.text("UPDATE schema_version SET version = 99"))
    engine.dispose()
    with pytest.raises(StorageError, match="schema version 99, newer than this storelens supports"):
        open_database(sqlite_url)


def test_heat_cell_size_is_fixed_when_the_database_is_created(sqlite_url):
    open_database(sqlite_url, heat_cell_m=0.5).close()
    with open_database(sqlite_url) as db:
        assert db.heat_cell_m == 0.5
    with pytest.raises(StorageError, match="has a 0.5 m heat grid, not 0.25 m"):
        open_database(sqlite_url, heat_cell_m=0.25)
