"""Insert-or-update statements, written once for both engines.

SQLite (3.24+) and PostgreSQL share ``INSERT ... ON CONFLICT (...) DO UPDATE``; SQLAlchemy
spells it through each dialect's own ``insert`` construct, picked here by the connection.
"""

from __future__ import annotations

import sqlalchemy as sa
from sqlalchemy.dialects import postgresql, sqlite

from storelens.storage.downsample import HeatIncrements

__all__ = ["dialect_insert", "executemany", "upsert_heat"]

HEAT_SUMS = ("seconds", "flow_dx", "flow_dy")
_PG_TYPES = {"hour_us": "bigint", "cell_ix": "int", "cell_iy": "int"}


def dialect_insert(bind: sa.Connection | sa.Engine, table: sa.Table):
    """``insert(table)`` of the connection's or engine's dialect, which offers ``on_conflict_do_update``."""
    if bind.dialect.name == "postgresql":
        return postgresql.insert(table)
    return sqlite.insert(table)


def upsert_heat(conn: sa.Connection, table: sa.Table, increments: HeatIncrements, run_id: int = 0) -> None:
    """Add per-cell seconds and flow to the heat table, creating cells seen for the first time.

    Args:
        conn: Connection inside a transaction.
        table: The heat table (passed in so a migration can use its frozen definition; one
            without a ``run_id`` column, before version 4, ignores ``run_id``).
        increments: Sums for distinct (hour, cell) keys of one camera.
        run_id: The run the heat belongs to (part of the key).
    """
    if not len(increments):
        return
    n = len(increments)
    columns = {
        "hour_us": increments.hour_us.tolist(),
        "cell_ix": increments.cell_ix.tolist(),
        "cell_iy": increments.cell_iy.tolist(),
        "seconds": increments.seconds.tolist(),
        "flow_dx": increments.flow_dx.tolist(),
        "flow_dy": increments.flow_dy.tolist(),
    }
    constants = {"camera_id": increments.camera_id}
    if "run_id" in table.c:
        constants["run_id"] = int(run_id)
    key = [c.name for c in table.primary_key.columns]
    if conn.dialect.name == "postgresql":
        # One statement over arrays instead of one upsert per cell: psycopg's pipelined
        # executemany costs ~50 us per row, which alone would cap ingest near 30k points/s.
        # The arrays are sent as PostgreSQL array literals built here, several times faster
        # than psycopg's list adaptation; str() of a float is its shortest exact repr.
        name = conn.dialect.identifier_preparer.format_table(table)
        unnest = ", ".join(f"%s::{_PG_TYPES.get(c, 'float8')}[]" for c in columns)
        sql = (
            f"INSERT INTO {name} ({', '.join([*constants, *columns])}) "
            f"SELECT {', '.join(['%s'] * len(constants) + [f'u.{c}' for c in columns])} "
            f"FROM unnest({unnest}) AS u({', '.join(columns)}) "
            f"ON CONFLICT ({', '.join(key)}) DO UPDATE SET "
            + ", ".join(f"{c} = {name}.{c} + EXCLUDED.{c}" for c in HEAT_SUMS)
        )
        conn.exec_driver_sql(sql, (*constants.values(), *(_pg_array_literal(v) for v in columns.values())))
        return
    insert = dialect_insert(conn, table)
    statement = insert.on_conflict_do_update(
        index_elements=key,
        set_={name: table.c[name] + insert.excluded[name] for name in HEAT_SUMS},
    )
    executemany(conn, statement, {**{c: [v] * n for c, v in constants.items()}, **columns})


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
