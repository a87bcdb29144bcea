"""Analytics parameters shared by every camera of the store."""

from __future__ import annotations

from pydantic import Field, field_validator

from storelens.config.base import StorelensModel

__all__ = ["AnalyticsConfig", "HeatConfig"]

MINUTES_PER_HOUR = 60


class HeatConfig(StorelensModel):
    """The occupancy heatmap."""

    cell_m: float = Field(
        0.25,
        gt=0,
        le=5,
        title="Cell size",
        description=(
            "Side of a heatmap cell, metres: smaller shows finer paths but needs better "
            "calibration (a 0.1 m cell is below most floor-position errors) and more storage"
        ),
    )


class AnalyticsConfig(StorelensModel):
    """How tracks become visits, dwell and aggregates."""

    heat: HeatConfig = Field(default_factory=HeatConfig, title="Heatmap", description="Heatmap settings")
    min_visit_s: float = Field(
        3.0,
        ge=0,
        title="Minimum visit",
        description=(
            "Tracks shorter than this many seconds are not visits: drops false tracks from "
            "reflections and brief detector errors, but also someone who only peeks in"
        ),
    )
    bucket_min: int = Field(
        15,
        gt=0,
        title="Aggregate bucket",
        description="Minutes per aggregate bucket (counts, dwell, heat); must divide an hour",
    )

    @field_validator("bucket_min")
    @classmethod
    def _divides_hour(cls, minutes: int) -> int:
        if MINUTES_PER_HOUR % minutes:
            raise ValueError(f"{minutes} does not divide an hour; use 1, 5, 10, 15, 20, 30 or 60")
        return minutes
