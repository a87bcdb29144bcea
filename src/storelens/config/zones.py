"""Zones: named floor areas whose visits, dwell and occupancy the analytics measure."""

from __future__ import annotations

from enum import StrEnum
from typing import Self

from pydantic import Field, field_validator, model_validator

from storelens.config.base import FloorPoint, StorelensModel
from storelens.geometry.polygons import polygon_problem

__all__ = ["MIN_ZONE_AREA_M2", "NAME_PATTERN", "ZoneConfig", "ZoneKind"]

NAME_PATTERN = r"^[a-z0-9_]+$"
"""Zone and line names become database keys, metric labels and URL parts."""

MIN_ZONE_AREA_M2 = 0.05
"""Smaller than a standing person's footprint: no one can be counted inside it."""


class ZoneKind(StrEnum):
    """What a zone is for; the analytics and alerts treat the kinds differently."""

    ENTRANCE = "entrance"
    AISLE = "aisle"
    DISPLAY = "display"
    CHECKOUT_QUEUE = "checkout_queue"
    STAFF_ONLY = "staff_only"
    STAFF_DOOR = "staff_door"
    RESTRICTED = "restricted"


class ZoneConfig(StorelensModel):
    """A named area of the floor."""

    name: str = Field(pattern=NAME_PATTERN, title="Zone name", description="Unique name: a-z, 0-9 and _")
    kind: ZoneKind = Field(
        title="Kind",
        description=(
            "entrance, aisle, display, checkout_queue, staff_only (only staff go there: time in it makes a "
            "visit staff), staff_door (the floor just inside a door only staff use: a visit that begins or "
            "ends there is staff) or restricted (any presence raises an alert)"
        ),
    )
    polygon: list[FloorPoint] = Field(
        min_length=3,
        title="Polygon",
        description="Vertices on the floor plan in metres, in order around the zone, not self-intersecting",
    )
    categories: list[str] = Field(
        default_factory=list,
        title="Categories",
        description="Product categories shown in the zone, for reports by category",
    )
    min_dwell_s: float = Field(
        0.0,
        ge=0,
        title="Minimum dwell",
        description="Visits shorter than this (seconds) are passing through, not dwelling, and are not reported",
    )
    inertia_s: float = Field(
        1.0,
        ge=0,
        title="Inertia",
        description=(
            "Seconds a person must stay inside (or outside) before an enter (or exit) counts: "
            "longer ignores people brushing the edge and position jitter, but delays events"
        ),
    )
    alert_distance_m: float = Field(
        0.0,
        ge=0,
        title="Alert distance",
        description=(
            "Restricted zones only: a person coming this close (metres) raises an approach alert, once "
            "per approach, before they enter; 0 alerts on entry only. Entry always alerts, after the inertia"
        ),
    )

    open_till_at: int = Field(
        0,
        ge=0,
        title="Open a till at",
        description=(
            "Checkout queue zones only: a queue of this many people or more for open_till_after_s raises an "
            "\"open a till\" alert, once until the queue is shorter again; 0 never alerts"
        ),
    )
    open_till_after_s: float = Field(
        60.0,
        gt=0,
        title="Open a till after",
        description=(
            "Seconds the queue must stay at open_till_at or longer before the alert, and shorter before it re-arms"
        ),
    )

    @field_validator("polygon")
    @classmethod
    def _check_polygon(cls, polygon: list[tuple[float, float]]) -> list[tuple[float, float]]:
        problem = polygon_problem(polygon, MIN_ZONE_AREA_M2)
        if problem:
            raise ValueError(problem)
        return polygon

    @model_validator(mode="after")
    def _check_alert_distance(self) -> Self:
        if self.alert_distance_m > 0 and self.kind is not ZoneKind.RESTRICTED:
            raise ValueError(
                f"alert_distance_m applies to restricted zones only, and this zone's kind is {self.kind.value}: "
                "remove it, or set kind: restricted"
            )
        return self

    @model_validator(mode="after")
    def _check_open_till(self) -> Self:
        if self.open_till_at > 0 and self.kind is not ZoneKind.CHECKOUT_QUEUE:
            raise ValueError(
                f"open_till_at applies to checkout_queue zones only, and this zone's kind is {self.kind.value}: "
                "remove it, or set kind: checkout_queue"
            )
        return self
