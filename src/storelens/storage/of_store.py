"""Opening a store's database as its config describes it: a light module, so that reading reports
from the command line does not load the pipeline (`storelens.runner` re-exports it)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from storelens.storage.repository import StoreDatabase, open_database

if TYPE_CHECKING:
    from storelens.config import StoreConfig

__all__ = ["open_store_database"]


def open_store_database(config: StoreConfig, url: str | None = None) -> StoreDatabase:
    """The store's database (``url`` or the config's ``storage.url``) on the config's heat grid."""
    return open_database(url or config.storage.url, heat_cell_m=config.analytics.heat.cell_m)
