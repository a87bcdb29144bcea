"""Analytics on floor tracks: lines, zones, dwell, occupancy, alerts, heatmaps, paths."""

from storelens.analytics.alerts import RESTRICTED_APPROACH, RESTRICTED_ENTRY, ZoneAlerts
from storelens.analytics.engine import STORE_ZONE, AnalyticsEvents, AnalyticsSpec, StoreAnalytics
from storelens.analytics.floor_heat import FloorHeat, HeatScale, ZoneHeat, floor_heat, zone_heat
from storelens.analytics.heatmap import HeatGrid
from storelens.analytics.lines import LineCounter, LineSpec
from storelens.analytics.paths import zone_paths
from storelens.analytics.records import (
    Alert,
    Direction,
    FloorPositions,
    LineCrossing,
    OccupancySample,
    Visit,
    ZoneVisit,
)
from storelens.analytics.zones import ZoneSpec, ZoneTracker

__all__ = [
    "RESTRICTED_APPROACH",
    "RESTRICTED_ENTRY",
    "STORE_ZONE",
    "Alert",
    "AnalyticsEvents",
    "AnalyticsSpec",
    "Direction",
    "FloorHeat",
    "FloorPositions",
    "HeatGrid",
    "HeatScale",
    "LineCounter",
    "LineCrossing",
    "LineSpec",
    "OccupancySample",
    "StoreAnalytics",
    "Visit",
    "ZoneAlerts",
    "ZoneHeat",
    "ZoneSpec",
    "ZoneTracker",
    "ZoneVisit",
    "floor_heat",
    "zone_heat",
    "zone_paths",
]
