"""Counting lines: a door to count visitors through, or a pavement to count passers-by on."""

from __future__ import annotations

import math
from enum import StrEnum
from typing import Literal, Self

from pydantic import Field, model_validator

from storelens.config.base import FloorPoint, StorelensModel
from storelens.config.zones import NAME_PATTERN

__all__ = ["MIN_LINE_LENGTH_M", "LineConfig", "LineKind"]

MIN_LINE_LENGTH_M = 0.3
"""Narrower than a person: nobody could be seen crossing it."""


class LineKind(StrEnum):
    """What crossing a line means."""

    ENTRANCE = "entrance"
    PASSERBY = "passerby"


class LineConfig(StorelensModel):
    """A directed segment a -> b on the floor; crossing it is an event.

    Sides follow the floor frame (x right, y up the plan): walking from ``a`` to ``b``,
    "left" is the side on your left as drawn on the plan.
    """

    name: str = Field(pattern=NAME_PATTERN, title="Line name", description="Unique name: a-z, 0-9 and _")
    kind: LineKind = Field(
        title="Kind",
        description=(
            "entrance: crossings into / out of the store are visits; passerby: people walking "
            "past outside (compared with entrances, gives the share of passers-by who come in)"
        ),
    )
    a: FloorPoint = Field(title="Start", description="First end of the line, floor metres")
    b: FloorPoint = Field(title="End", description="Second end of the line, floor metres")
    in_side: Literal["left", "right"] | None = Field(
        None,
        title="Inside",
        description=(
            "Which side of a -> b is inside the store; required for entrance lines, optional "
            "for passer-by lines (then only crossings are counted, not their direction)"
        ),
    )
    debounce_s: float = Field(
        2.0,
        ge=0,
        title="Debounce",
        description=(
            "A crossing reversed within this many seconds cancels both (someone stepping in and "
            "straight back out); longer suppresses more false counts but delays every count"
        ),
    )

    @model_validator(mode="after")
    def _check_line(self) -> Self:
        length = math.dist(self.a, self.b)
        if length < MIN_LINE_LENGTH_M:
            raise ValueError(f"a and b are {length:.2f} m apart; a counting line needs at least {MIN_LINE_LENGTH_M} m")
        if self.kind is LineKind.ENTRANCE and self.in_side is None:
            raise ValueError("an entrance line needs in_side: 'left' or 'right' of a -> b, the store side")
        return self
