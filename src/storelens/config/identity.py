"""The store's stable key, derived from its config: what every stored record of the store is filed under."""

from __future__ import annotations

import re

from storelens.config.store import StoreConfig

__all__ = ["store_id_of"]


def store_id_of(config: StoreConfig) -> str:
    """Stable key of the store: its name, lower-case, non-alphanumerics as '-'.

    >>> store_id_of(StoreConfig.model_construct(name="Corner Shop #2"))
    'corner-shop-2'
    """
    return re.sub(r"[^a-z0-9]+", "-", config.name.lower()).strip("-") or "store"
