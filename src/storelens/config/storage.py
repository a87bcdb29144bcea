"""Storage: which database, and how long each kind of record is kept."""

from __future__ import annotations

from urllib.parse import urlsplit

from pydantic import Field, PositiveFloat, PositiveInt, field_validator

from storelens.config.base import StorelensModel

__all__ = ["DEFAULT_DB_NAME", "SUPPORTED_DB_SCHEMES", "RetentionConfig", "StorageConfig", "check_database_url"]

DEFAULT_DB_NAME = "storelens.db"
"""SQLite file created beside the config file when no URL is given."""

SUPPORTED_DB_SCHEMES = ("sqlite", "postgresql", "postgresql+psycopg")
"""SQLAlchemy URL schemes storelens ships migrations for."""


def _days(default: int | None, title: str, why: str) -> object:
    return Field(
        default,
        title=title,
        description=f"Days to keep {why} (fractions allowed); null keeps them forever (default {default})",
    )


class RetentionConfig(StorelensModel):
    """Days each kind of record is kept before it is deleted.

    The finer a record, the more it says about one person and the more room it takes, so raw
    positions go first and hourly aggregates last.
    """

    positions: PositiveFloat | None = _days(
        7, "Positions", "raw floor positions of every track (the most detailed and largest)"
    )
    visits: PositiveFloat | None = _days(90, "Visits", "one record per store visit (entry, exit, path summary)")
    zone_visits: PositiveFloat | None = _days(90, "Zone visits", "one record per zone visit with its dwell time")
    line_crossings: PositiveFloat | None = _days(365, "Line crossings", "entrance and passer-by crossings")
    alerts: PositiveFloat | None = _days(90, "Alerts", "alerts (restricted zones, long queues)")
    demographics: PositiveFloat | None = _days(
        90, "Demographics", "age band and gender per visit (cameras with demographics on)"
    )
    aggregates: PositiveFloat | None = _days(
        730, "Aggregates", "counts per time bucket (two years allow year-on-year comparison)"
    )
    heat: PositiveFloat | None = _days(365, "Heat", "heatmap grids per time bucket")


class StorageConfig(StorelensModel):
    """Where records are written."""

    url: str | None = Field(
        None,
        title="Database URL",
        description=(
            "SQLAlchemy URL: sqlite:///path.db (relative to the config file) or "
            "postgresql+psycopg://user@host/db; default sqlite:///<config folder>/storelens.db"
        ),
    )
    retention_days: RetentionConfig = Field(
        default_factory=RetentionConfig,
        title="Retention",
        description="Days to keep each kind of record",
    )
    purge_every_minutes: PositiveFloat = Field(
        60.0,
        title="Purge period",
        description=(
            "How often a running `storelens run` deletes records older than their retention "
            "(minutes of stream time: the wall clock for live cameras)"
        ),
    )
    spool: str | None = Field(
        None,
        title="Spool file",
        description=(
            "Local SQLite file where records wait while the database is down (relative to the config "
            "file); default: beside an SQLite database (<database>.spool), else "
            "$XDG_STATE_HOME/storelens/<store>.spool"
        ),
    )
    spool_max_mb: PositiveInt = Field(
        1024,
        title="Spool size limit",
        description="MB the spool may hold; beyond it positions are dropped (counts and visits kept) and logged",
    )
    spool_wait_s: float = Field(
        120.0,
        ge=0,
        title="Spool wait at the end of a run",
        description=(
            "How long a run that ends waits for an unavailable database to take what its spool holds; "
            "what is left is written by the next run of the store"
        ),
    )

    @field_validator("url")
    @classmethod
    def _check_url(cls, url: str | None) -> str | None:
        return None if url is None else check_database_url(url)


def check_database_url(url: str) -> str:
    """``url`` if it names a database storelens can open, for the config and ``--db``.

    ``sqlite:///`` with no path is SQLAlchemy's in-memory database: a run would store its
    records there and lose them at exit, without a word.

    Raises:
        ValueError: The scheme is not supported, or a SQLite URL names no file.
    """
    scheme = urlsplit(url).scheme.lower()
    if "://" not in url or scheme not in SUPPORTED_DB_SCHEMES:
        raise ValueError(f"unsupported database URL {url.split('://')[0]!r}...; use {', '.join(SUPPORTED_DB_SCHEMES)}")
    if scheme == "sqlite" and url.partition("://")[2] in ("", "/"):
        raise ValueError(f"{url} names no file; give sqlite:///path/to/file.db")
    return url
