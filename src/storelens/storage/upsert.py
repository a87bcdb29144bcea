"""Insert-or-update statements, written once for both engines.

SQLite (3.24+) and PostgreSQL share ``INSERT ... ON CONFLICT (...) DO UPDATE``; SQLAlchemy
spells it through each dialect's own ``insert`` construct, picked here by the connection.
"""

from __future__ import annotations

import sqlalchemy as sa
from sqlalchemy.dialects import postgresql, sqlite

from storelens.storage.downsample import HeatIncrements

__all__ = ["dialect_insert", "executemany", "upsert_heat"]

HEAT_KEY = ("hour_us", "camera_id", "cell_ix", "cell_iy")
HEAT_SUMS = ("seconds", "flow_dx", "flow_dy")
_PG_HEAT_UPSERT = (
    "INSERT INTO {table} (hour_us, camera_id, cell_ix, cell_iy, seconds, flow_dx, flow_dy) "
    "SELECT u.h, %s, u.ix, u.iy, u.s, u.dx, u.dy "
    "FROM unnest(%s::bigint[], %s::int[], %s::int[], %s::float8[], %s::float8[], %s::float8[]) "
    "AS u(h, ix, iy, s, dx, dy) "
    f"ON CONFLICT ({', '.join(HEAT_KEY)}) DO UPDATE SET "
    + ", ".join(f"{c} = {{table}}.{c} + EXCLUDED.{c}" for c in HEAT_SUMS)
)


def dialect_insert(bind: sa.Connection | sa.Engine, table: sa.Table):
    """``insert(table)`` of the connection's or engine's dialect, which offers ``on_conflict_do_update``."""
    if bind.dialect.name == "postgresql":
        return postgresql.insert(table)
    return sqlite.insert(table)


def upsert_heat(conn: sa.Connection, table: sa.Table, increments: HeatIncrements) -> None:
    """Add per-cell seconds and flow to the heat table, creating cells seen for the first time.

    Args:
        conn: Connection inside a transaction.
        table: The heat table (passed in so a migration can use its frozen definition).
        increments: Sums for distinct (hour, cell) keys of one camera.
    """
    if not len(increments):
        return
    n = len(increments)
    columns = {
        "hour_us": increments.hour_us.tolist(),
        "camera_id": [increments.camera_id] * n,
        "cell_ix": increments.cell_ix.tolist(),
        "cell_iy": increments.cell_iy.tolist(),
        "seconds": increments.seconds.tolist(),
        "flow_dx": increments.flow_dx.tolist(),
        "flow_dy": increments.flow_dy.tolist(),
    }
    if conn.dialect.name == "postgresql":
        # One statement over arrays instead of one upsert per cell: psycopg's pipelined
        # executemany costs ~50 us per row, which alone would cap ingest near 30k points/s.
        # The arrays are sent as PostgreSQL array literals built here, several times faster
        # than psycopg's list adaptation; str() of a float is its shortest exact repr.
        name = conn.dialect.identifier_preparer.format_table(table)
        arrays = [_pg_array_literal(values) for key, values in columns.items() if key != "camera_id"]
        conn.exec_driver_sql(_PG_HEAT_UPSERT.format(table=name), (increments.camera_id, *arrays))
        return
    insert = dialect_insert(conn, table)
    statement = insert.on_conflict_do_update(
        index_elements=list(HEAT_KEY),
        set_={name: table.c[name] + insert.excluded[name] for name in HEAT_SUMS},
    )
    executemany(conn, statement, columns)


def _pg_array_literal(values: list[int] | list[float]) -> str:
    """``{1,2,3}``: PostgreSQL's text form of a numeric array."""
    return "{" + ",".join(map(str, values)) + "}"


def executemany(conn: sa.Connection, statement: sa.Executable, columns: dict[str, list]) -> None:
    """Execute ``statement`` once per row of ``columns``, straight through the driver.

    SQLAlchemy's per-row parameter processing costs more than SQLite's insert itself at
    50k rows/s; the statement is still built and compiled by SQLAlchemy for the connection's
    dialect, only the rows bypass it. Values must already be plain Python ints, floats, strs.

    Args:
        conn: Connection inside a transaction.
        statement: An INSERT (or upsert) naming every column in ``columns``.
        columns: Column name -> values, all of one length.
    """
    compiled = statement.compile(dialect=conn.dialect)
    if compiled.positional:
        params = list(zip(*(columns[name] for name in compiled.positiontup)))
    else:
        names = list(columns)
        params = [dict(zip(names, row)) for row in zip(*columns.values())]
    if params:
        conn.exec_driver_sql(str(compiled), params)
