"""Staff and buying units: how staff are told from shoppers without faces, and how groups are joined.

Both sections only tune `storelens.analytics.staff` and `storelens.analytics.units`; the zones
that give the strongest staff evidence (``kind: staff_only`` and ``kind: staff_door``) are zones.
See docs/staff-and-groups.md.
"""

from __future__ import annotations

import re

from pydantic import Field, field_validator

from storelens.config.base import StorelensModel

__all__ = ["HEX_COLOUR", "StaffConfig", "UnitsConfig"]

HEX_COLOUR = r"^#[0-9a-fA-F]{6}$"
"""A colour as the web writes it: ``#rrggbb``."""


class StaffConfig(StorelensModel):
    """Which visits are staff: time in staff-only zones, a staff door, the uniform."""

    uniform_colours: list[str] = Field(
        default_factory=list,
        title="Uniform colours",
        description=(
            "Colours of the staff uniform's top, as #rrggbb (e.g. '#2e7d32' for a green polo shirt): a visit "
            "whose upper-body colours are mostly one of these is staff. Empty: no uniform cue (unless learned)"
        ),
    )
    learn_uniform: bool = Field(
        False,
        title="Learn the uniform",
        description=(
            "Learn what the uniform looks like on these cameras from the people seen in staff-only zones, and "
            "take visitors who look the same for staff; only for stores where every member of staff wears it"
        ),
    )
    staff_zone_s: float = Field(
        20.0,
        gt=0,
        title="Time in staff zones",
        description="Seconds in staff-only zones that make a visit staff (shorter: a shopper at the counter's edge)",
    )
    uniform_match: float = Field(
        0.25,
        gt=0,
        le=1,
        title="Uniform match",
        description=(
            "Share of a visit's upper-body colours that must match a uniform colour: higher takes fewer shoppers "
            "in similar clothes for staff, and misses more staff seen in poor light"
        ),
    )
    not_uniform: float = Field(
        0.2,
        ge=0,
        le=1,
        title="Out of uniform",
        description=(
            "With a uniform, a visit matching it less than this is out of uniform: its time in staff-only zones "
            "makes it staff only when that is most of the visit (an identity that moved from the cashier to a "
            "customer at the till)"
        ),
    )
    uniform_min_s: float = Field(
        4.0,
        ge=0,
        title="Uniform seen for",
        description="Seconds a visit's colours must have been seen before the uniform cue counts",
    )

    @field_validator("uniform_colours")
    @classmethod
    def _check_colours(cls, colours: list[str]) -> list[str]:
        for colour in colours:
            if not re.match(HEX_COLOUR, colour):
                raise ValueError(f"{colour!r} is not a colour: write it as #rrggbb, e.g. '#2e7d32'")
        return colours


class UnitsConfig(StorelensModel):
    """Groups as buying units: people who come in together and stay together buy as one."""

    enabled: bool = Field(
        True, title="Group visitors", description="Join visitors into buying units; false: every visitor is a unit"
    )
    enter_gap_s: float = Field(
        4.0,
        ge=0,
        title="Entry gap",
        description="People crossing the entrance within this many seconds of each other may have come together",
    )
    together_m: float = Field(
        3.0,
        gt=0,
        title="Together within",
        description="Metres apart at most for two visitors to count as together at an instant",
    )
    together_share: float = Field(
        0.5,
        gt=0,
        le=1,
        title="Together for",
        description="Share of their common time two visitors who came in together must be together to be one unit",
    )
    decide_after_s: float = Field(
        60.0,
        gt=0,
        title="Decide after",
        description=(
            "Seconds of common time after which two visitors are judged (or earlier, when one leaves): a unit is "
            "final this long after its last member came in, at most"
        ),
    )
    min_common_s: float = Field(
        30.0,
        ge=0,
        title="Apart after",
        description=(
            "Seconds two visitors who came in together must be seen on the floor at the same time before they "
            "can be told apart; with less (an identity broken at the door) they stay one unit"
        ),
    )
