"""Visitors per age band and gender per local hour or day, from the door cameras' visit estimates.

Counts come from the database per UTC quarter hour and are placed in local buckets here, as the
traffic report does (`storelens.api.traffic`): every time zone's offset is whole quarters.
"""

from __future__ import annotations

from datetime import datetime
from typing import ClassVar

import numpy as np
from pydantic import BaseModel, Field

from storelens.api.tables import Grid, Rows
from storelens.api.timerange import TimeRange
from storelens.api.traffic import QUARTER_US, bucket_starts
from storelens.config import StoreConfig
from storelens.demographics import AGE_BANDS, GENDERS
from storelens.storage import StoreDatabase
from storelens.storage.times import to_us

__all__ = ["DemographicsBucket", "DemographicsOut", "demographics"]


class DemographicsBucket(BaseModel):
    start: datetime = Field(description="Local start of the hour or day")
    visits: list[list[int]] = Field(description="[age band][gender] visits that began in the bucket")


class DemographicsOut(BaseModel):
    csv_tables: ClassVar = {
        "buckets": Rows("buckets", labels={"visits": ("age_bands", "genders")}),
        "totals": Grid("totals", rows="age_bands", columns="genders"),
    }

    start: datetime
    end: datetime
    bucket: str
    cameras: list[str] = Field(description="Cameras with demographics on in the store config")
    age_bands: list[str]
    genders: list[str]
    buckets: list[DemographicsBucket]
    totals: list[list[int]] = Field(description="[age band][gender] visits over the whole range")
    visits: int = Field(description="Visits with an estimate (a face seen on enough frames)")


def demographics(config: StoreConfig, db: StoreDatabase, r: TimeRange, bucket: str) -> DemographicsOut:
    """Counts per local ``bucket`` ("hour" or "day") over ``r``."""
    starts = bucket_starts(r, bucket)
    starts_us = np.array([to_us(s) for s in starts], dtype=np.int64)
    counts = np.zeros((len(starts), len(AGE_BANDS), len(GENDERS)), dtype=np.int64)
    for c in db.demographic_counts(r.start, r.end, QUARTER_US):
        if c.age_band in AGE_BANDS and c.gender in GENDERS:
            i = max(int(np.searchsorted(starts_us, to_us(c.start), "right")) - 1, 0)
            counts[i, AGE_BANDS.index(c.age_band), GENDERS.index(c.gender)] += c.visits
    return DemographicsOut(
        start=r.start.astimezone(r.tz),
        end=r.end.astimezone(r.tz),
        bucket=bucket,
        cameras=[camera_id for camera_id, camera in config.cameras.items() if camera.demographics],
        age_bands=list(AGE_BANDS),
        genders=list(GENDERS),
        buckets=[DemographicsBucket(start=s.astimezone(r.tz), visits=c.tolist()) for s, c in zip(starts, counts)],
        totals=counts.sum(axis=0).tolist(),
        visits=int(counts.sum()),
    )
