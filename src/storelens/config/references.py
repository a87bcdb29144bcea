"""Checks across sections: things no single section can know is wrong."""

from __future__ import annotations

from collections import Counter

from storelens.config.lines import LineKind
from storelens.config.store import StoreConfig
from storelens.config.zones import ZoneKind
from storelens.errors import ConfigError
from storelens.geometry.polygons import polygon_within, segment_meets_polygon

__all__ = ["OUTLINE_TOLERANCE_M", "reference_problems", "validate_references"]

OUTLINE_TOLERANCE_M = 0.05
"""A zone drawn along a wall may stick out this far past the outline (drawing slack)."""


def reference_problems(config: StoreConfig) -> list[str]:
    """Every cross-section problem, each as ``"key.path: what is wrong"``.

    Checks that zone names and line names are unique (events and reports are keyed by
    them), that the POS's tills name checkout zones, that zones lie inside the floor outline, and
    that entrance lines reach the outline (a door line nowhere near the store is a coordinate typo).
    """
    problems = []
    for section, items in (("zones", config.zones), ("lines", config.lines)):
        counts = Counter(item.name for item in items)
        problems += [
            f"{section}.{name}: name used {count} times; names must be unique"
            for name, count in counts.items()
            if count > 1
        ]
    checkouts = sorted(z.name for z in config.zones if z.kind is ZoneKind.CHECKOUT_QUEUE)
    for till, zone in config.pos.tills.items():
        if zone not in checkouts:
            problems.append(
                f"pos.tills.{till}: {zone!r} is not a checkout_queue zone; "
                f"checkout_queue zones: {', '.join(checkouts) or 'none'}"
            )
    outline = config.floor_plan.outline
    if outline is None:
        return problems
    for zone in config.zones:
        if not polygon_within(zone.polygon, outline, OUTLINE_TOLERANCE_M):
            problems.append(f"zones.{zone.name}.polygon: not inside floor_plan.outline")
    for line in config.lines:
        if line.kind is LineKind.ENTRANCE and not segment_meets_polygon(line.a, line.b, outline, OUTLINE_TOLERANCE_M):
            problems.append(f"lines.{line.name}: entrance line does not reach floor_plan.outline")
    return problems


def validate_references(config: StoreConfig) -> None:
    """Raise if sections of ``config`` contradict each other.

    Raises:
        ConfigError: One line per problem (see :func:`reference_problems`).
    """
    problems = reference_problems(config)
    if problems:
        raise ConfigError("\n".join(problems))
