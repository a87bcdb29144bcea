"""Shared fixtures: where the evaluation data lives, and skipping when it does not."""

from __future__ import annotations

import os
import sys
import uuid
from collections.abc import Callable
from pathlib import Path
from typing import Any
from urllib.parse import quote

import pytest
import sqlalchemy as sa
import yaml

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "tests"))
SHARED_DATA = (ROOT.parent / "shared" / "data").resolve()


@pytest.fixture(scope="session")
def shared_data() -> Path:
    """``../shared/data`` beside the checkout; tests that need it skip when it is absent."""
    if not SHARED_DATA.is_dir():
        pytest.skip(f"evaluation data not found at {SHARED_DATA} (only on developer machines and CI)")
    return SHARED_DATA


from factories import PG_URL  # noqa: E402 - tests/ is put on sys.path above


@pytest.fixture
def write_store(tmp_path: Path) -> Callable[[dict[str, Any]], Path]:
    """Write a store config dict as ``<tmp>/store.yaml`` and return the path."""

    def write(config: dict[str, Any]) -> Path:
        path = tmp_path / "store.yaml"
        path.write_text(yaml.safe_dump(config, sort_keys=False))
        return path

    return write


@pytest.fixture(scope="session")
def pg_schemas():
    """Make URLs of fresh PostgreSQL schemas on the local server, dropped at the end.

    Skips (saying why) when the server cannot be reached. Each schema is private to the test
    run, so nothing else in the database is touched.
    """
    pytest.importorskip("psycopg", reason="psycopg not installed: pip install 'psycopg[binary]'")
    engine = sa.create_engine(PG_URL, connect_args={"connect_timeout": 3})
    try:
        with engine.connect() as conn:
            conn.execute(sa.text("SELECT 1"))
    except sa.exc.OperationalError as err:
        engine.dispose()
        pytest.skip(f"PostgreSQL not reachable at {PG_URL} ({str(err.orig).splitlines()[0]})")
    made: list[str] = []

    def make() -> str:
        schema = f"storelens_test_{os.getpid()}_{uuid.uuid4().hex[:8]}"
        with engine.begin() as conn:
            conn.execute(sa.text(f'CREATE SCHEMA "{schema}"'))
        made.append(schema)
        return f"{PG_URL}?options={quote(f'-csearch_path={schema}')}"

    yield make
    with engine.begin() as conn:
        for schema in made:
            conn.execute(sa.text(f'DROP SCHEMA "{schema}" CASCADE'))
    engine.dispose()
