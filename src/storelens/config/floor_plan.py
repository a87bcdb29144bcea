"""The floor plan: the metric frame every camera, zone and line is placed in."""

from __future__ import annotations

from pathlib import Path
from typing import Self

from pydantic import Field, PositiveFloat, field_validator, model_validator

from storelens.config.base import FloorPoint, ImagePoint, StorelensModel
from storelens.geometry.polygons import polygon_problem

__all__ = ["MIN_FIXTURE_AREA_M2", "MIN_OUTLINE_AREA_M2", "FixtureConfig", "FloorPlanConfig"]

MIN_OUTLINE_AREA_M2 = 1.0
"""A store floor smaller than this is a typo (centimetres for metres), not a store."""
MIN_FIXTURE_AREA_M2 = 0.01
"""A 10 cm square: a pillar is the smallest thing worth drawing."""


class FixtureConfig(StorelensModel):
    """Something on the floor nobody walks on: a shelf, a table, a counter, a pillar.

    The heatmap spreads time over the walkable floor only, so heat never lies on a shelf, and
    draws fixtures so a manager recognises the plan.
    """

    name: str | None = Field(None, title="Name", description="What it is (e.g. gondola_1), for people reading the file")
    polygon: list[FloorPoint] = Field(
        min_length=3,
        title="Polygon",
        description="Its footprint on the floor plan in metres, in order around it, not self-intersecting",
    )

    @field_validator("polygon")
    @classmethod
    def _check_polygon(cls, polygon: list[tuple[float, float]]) -> list[tuple[float, float]]:
        problem = polygon_problem(polygon, MIN_FIXTURE_AREA_M2)
        if problem:
            raise ValueError(problem)
        return polygon


class FloorPlanConfig(StorelensModel):
    """Where floor metres come from: a scaled plan image, a measured outline, or both.

    The floor frame has x to the right and y *up* the plan, like a map, so "left of the line
    a -> b" means what it looks like on the plan. A plan image ties that frame to its pixels
    with a scale and the pixel of the floor origin; an outline (the walls, in metres) lets
    zones and lines be checked against the store's shape and bounds the heatmap.
    """

    image: Path | None = Field(
        None,
        title="Plan image",
        description="Floor plan image (PNG/JPEG) drawn to scale; relative to the config file",
    )
    metres_per_pixel: PositiveFloat | None = Field(
        None,
        title="Scale",
        description="Floor metres per plan-image pixel (measure a known wall length on the plan)",
    )
    origin_px: ImagePoint | None = Field(
        None,
        title="Origin pixel",
        description="Pixel [x, y] of the plan image where the floor origin (0, 0) lies",
    )
    flip_y: bool = Field(
        True,
        title="Flip y",
        description=(
            "True (usual): floor y grows up the plan image while image rows grow down. "
            "False: floor y follows image rows downwards (the floor frame is then mirrored)"
        ),
    )
    outline: list[FloorPoint] | None = Field(
        None,
        min_length=3,
        title="Outline",
        description="The store's walls as a polygon of floor points in metres, in order, not self-intersecting",
    )
    fixtures: list[FixtureConfig] = Field(
        default_factory=list,
        title="Fixtures",
        description="Shelves, tables, counters: floor nobody walks on, left out of the heatmap and drawn on it",
    )

    @model_validator(mode="after")
    def _check_plan(self) -> Self:
        has_image = self.image is not None
        scale_given = {"metres_per_pixel": self.metres_per_pixel, "origin_px": self.origin_px}
        if not has_image and self.outline is None:
            raise ValueError("give an outline (floor metres) or an image with metres_per_pixel and origin_px")
        missing = [key for key, value in scale_given.items() if value is None]
        if has_image and missing:
            raise ValueError(f"image needs {' and '.join(missing)} to place it on the floor in metres")
        unused = [key for key, value in scale_given.items() if value is not None]
        if not has_image and unused:
            raise ValueError(f"{' and '.join(unused)} given without an image; add image or remove them")
        if self.outline is not None:
            problem = polygon_problem(self.outline, MIN_OUTLINE_AREA_M2)
            if problem:
                raise ValueError(f"outline: {problem}")
        return self
