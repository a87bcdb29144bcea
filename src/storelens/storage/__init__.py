"""Storage: the embedded default (SQLite, WAL) and PostgreSQL, one schema and one set of queries.

>>> from storelens.storage import open_database
>>> with open_database("sqlite:///store.db") as db:          # doctest: +SKIP
...     db.add_positions(batches)
...     hm = db.heatmap(start, end)
"""

from storelens.storage.downsample import MAX_RATE_HZ
from storelens.storage.engine import mask_url
from storelens.storage.migrations import LATEST_VERSION
from storelens.storage.models import (
    CameraHealth,
    CameraInfo,
    DataKind,
    DemographicCount,
    DenseHeatmap,
    Heatmap,
    HourlyLineCount,
    OccupancySeries,
    SpoolHealth,
    StoredAlert,
    StoreInfo,
    TrackPoints,
    ZoneStats,
)
from storelens.storage.repository import (
    DEFAULT_HEAT_CELL_M,
    STORE_CAMERA_ID,
    WHOLE_FLOOR,
    StoreDatabase,
    open_database,
)

__all__ = [
    "DEFAULT_HEAT_CELL_M",
    "LATEST_VERSION",
    "MAX_RATE_HZ",
    "STORE_CAMERA_ID",
    "WHOLE_FLOOR",
    "CameraHealth",
    "CameraInfo",
    "DataKind",
    "DemographicCount",
    "DenseHeatmap",
    "Heatmap",
    "HourlyLineCount",
    "OccupancySeries",
    "SpoolHealth",
    "StoreDatabase",
    "StoreInfo",
    "StoredAlert",
    "TrackPoints",
    "ZoneStats",
    "mask_url",
    "open_database",
]
