"""Who was in which zone, from stored zone visits: the one reading every report of movement uses.

A move is two consecutive zones of one visitor (`storelens.analytics.zone_paths`); staff-only
zones are left out of shoppers' moves unless asked for: the cashier's hundred trips behind the
counter are not where shoppers go. On a several-camera store the fused visitors (camera ``store``) are the
store's people; each camera's view of the same people is not counted again.
"""

from __future__ import annotations

from collections.abc import Sequence

from storelens.analytics.records import ZoneVisit
from storelens.config import StoreConfig, ZoneKind
from storelens.storage import STORE_CAMERA_ID

__all__ = ["staff_zones", "store_people", "zone_visitors"]


def staff_zones(config: StoreConfig) -> set[str]:
    """Names of the staff-only zones (staff doors included)."""
    return {z.name for z in config.zones if z.kind in (ZoneKind.STAFF_ONLY, ZoneKind.STAFF_DOOR)}


def store_people(visits: Sequence[ZoneVisit], camera: str | None = None) -> list[ZoneVisit]:
    """The zone visits of one camera, or else of the store's visitors: the fused ``store`` ones
    where there are any, every camera's otherwise (each then follows its own people)."""
    if camera is None and any(v.camera_id == STORE_CAMERA_ID for v in visits):
        camera = STORE_CAMERA_ID
    return [v for v in visits if v.camera_id == camera] if camera is not None else list(visits)


def zone_visitors(visits: Sequence[ZoneVisit]) -> dict[str, int]:
    """Distinct people with a visit to each zone."""
    people: dict[str, set[tuple[str, int]]] = {}
    for v in visits:
        people.setdefault(v.zone, set()).add((v.camera_id, v.track_id))
    return {zone: len(ids) for zone, ids in people.items()}
