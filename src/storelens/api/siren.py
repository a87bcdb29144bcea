"""The siren switch, kept in the database's settings table so every server process agrees on it."""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import UTC, datetime

import sqlalchemy as sa
from sqlalchemy.engine import Engine

from storelens.storage import schema
from storelens.storage.engine import storage_errors
from storelens.storage.upsert import dialect_insert

__all__ = ["SIREN_SETTING", "SirenState", "read_siren", "write_siren"]

SIREN_SETTING = "siren"
"""Settings key; the value is JSON ``{"on": bool, "changed_at": iso, "changed_by": user}``."""


@dataclass(frozen=True, slots=True)
class SirenState:
    on: bool = False
    changed_at: datetime | None = None
    changed_by: str | None = None


def read_siren(engine: Engine) -> SirenState:
    """The siren's state; off when it was never switched."""
    table = schema.settings
    with storage_errors(engine.url, "read the siren state"), engine.connect() as conn:
        value = conn.execute(sa.select(table.c.value).where(table.c.key == SIREN_SETTING)).scalar()
    if value is None:
        return SirenState()
    data = json.loads(value)
    return SirenState(bool(data["on"]), datetime.fromisoformat(data["changed_at"]), data["changed_by"])


def write_siren(engine: Engine, on: bool, user: str) -> SirenState:
    """Switch the siren on or off, recording who did it and when."""
    state = SirenState(on, datetime.now(UTC), user)
    value = json.dumps({"on": on, "changed_at": state.changed_at.isoformat(), "changed_by": user})
    insert = dialect_insert(engine, schema.settings)
    statement = insert.on_conflict_do_update(index_elements=["key"], set_={"value": insert.excluded.value})
    with storage_errors(engine.url, "save the siren state"), engine.begin() as conn:
        conn.execute(statement, {"key": SIREN_SETTING, "value": value})
    return state
