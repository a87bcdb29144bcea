"""The store: the root of the config file, holding every section."""

from __future__ import annotations

import difflib
import zoneinfo
from typing import Any

from pydantic import Field, field_validator, model_validator

from storelens.config.analytics import AnalyticsConfig
from storelens.config.api import ApiConfig
from storelens.config.base import StorelensModel
from storelens.config.cameras import CameraConfig, CameraId
from storelens.config.floor_plan import FloorPlanConfig
from storelens.config.hours import OpeningHoursConfig
from storelens.config.lines import LineConfig
from storelens.config.pos import PosConfig
from storelens.config.reports import ReportsConfig
from storelens.config.staff import StaffConfig, UnitsConfig
from storelens.config.storage import StorageConfig
from storelens.config.zones import ZoneConfig

__all__ = ["CURRENT_SCHEMA_VERSION", "StoreConfig", "deep_merge"]

CURRENT_SCHEMA_VERSION = 1
"""Version of the config layout this storelens reads; bumped with a numbered migration step."""

_CAMERA_DEFAULT_KEYS = frozenset(CameraConfig.model_fields) - {"source"}
"""Keys ``camera_defaults`` may set: everything but the source, which is each camera's own."""


def deep_merge(defaults: dict[str, Any], values: dict[str, Any]) -> dict[str, Any]:
    """``values`` laid over ``defaults``: nested mappings merge key by key, anything else is replaced.

    >>> deep_merge({"fps": 7, "calibration": {"kind": "opencv_json", "world_unit_m": 0.001}},
    ...            {"calibration": {"view": "View_001"}})
    {'fps': 7, 'calibration': {'kind': 'opencv_json', 'world_unit_m': 0.001, 'view': 'View_001'}}
    """
    merged = dict(defaults)
    for key, value in values.items():
        if isinstance(value, dict) and isinstance(merged.get(key), dict):
            merged[key] = deep_merge(merged[key], value)
        else:
            merged[key] = value
    return merged


class StoreConfig(StorelensModel):
    """Everything storelens knows about one store, as written in its YAML file."""

    schema_version: int = Field(
        CURRENT_SCHEMA_VERSION,
        title="Schema version",
        description="Layout version of this file; storelens migrates older versions when loading",
    )
    name: str = Field(min_length=1, title="Store name", description="Shown in the dashboard and reports")
    timezone: str = Field(
        title="Time zone",
        description="IANA time zone of the store (e.g. Europe/London): days, hours and opening times are local",
    )
    floor_plan: FloorPlanConfig = Field(
        title="Floor plan", description="The metric floor frame: a scaled plan image and/or the outline in metres"
    )
    camera_defaults: dict[str, Any] = Field(
        default_factory=dict,
        title="Camera defaults",
        description=(
            "Settings every camera inherits unless it sets them itself; nested settings merge key "
            "by key (e.g. a shared calibration file, each camera giving only its view)"
        ),
    )
    cameras: dict[CameraId, CameraConfig] = Field(
        title="Cameras",
        description="Camera id (letters, digits, _ and -) -> camera; at least one",
    )
    zones: list[ZoneConfig] = Field(
        default_factory=list, title="Zones", description="Named floor areas for visits, dwell and alerts"
    )
    lines: list[LineConfig] = Field(
        default_factory=list, title="Lines", description="Counting lines: entrances and passer-by pavements"
    )
    opening_hours: OpeningHoursConfig | None = Field(
        None,
        title="Opening hours",
        description="Opening intervals per weekday; null: not known (every hour is reported alike)",
    )
    storage: StorageConfig = Field(default_factory=StorageConfig, title="Storage", description="Database and retention")
    analytics: AnalyticsConfig = Field(
        default_factory=AnalyticsConfig, title="Analytics", description="Heatmap, visit and aggregate settings"
    )
    api: ApiConfig = Field(
        default_factory=ApiConfig, title="Web server", description="How `storelens serve` sees its clients"
    )
    pos: PosConfig = Field(
        default_factory=PosConfig,
        title="Point of sale",
        description="Till receipts: the CSV export's columns and formats, and how receipts are matched to visitors",
    )
    staff: StaffConfig = Field(
        default_factory=StaffConfig,
        title="Staff",
        description="How staff are told from shoppers (with staff_only and staff_door zones): they are not visitors",
    )
    units: UnitsConfig = Field(
        default_factory=UnitsConfig,
        title="Buying units",
        description="How visitors who come in and stay together are joined into one buying unit",
    )
    reports: ReportsConfig = Field(
        default_factory=ReportsConfig,
        title="Daily report",
        description="When `storelens serve` makes the daily report, where it keeps it, and whom it mails it to",
    )

    @model_validator(mode="before")
    @classmethod
    def _apply_camera_defaults(cls, data: Any) -> Any:
        """Lay each camera over ``camera_defaults`` before the cameras are validated."""
        if not isinstance(data, dict):
            return data
        defaults, cameras = data.get("camera_defaults"), data.get("cameras")
        if not (isinstance(defaults, dict) and defaults and isinstance(cameras, dict)):
            return data
        # Unknown default keys are reported once, at camera_defaults, not again in every camera.
        known = {key: value for key, value in defaults.items() if key in _CAMERA_DEFAULT_KEYS}
        merged = {
            camera_id: deep_merge(known, camera) if isinstance(camera, dict) else camera
            for camera_id, camera in cameras.items()
        }
        return {**data, "cameras": merged}

    @field_validator("schema_version")
    @classmethod
    def _check_version(cls, version: int) -> int:
        if version > CURRENT_SCHEMA_VERSION:
            raise ValueError(
                f"version {version} was written by a newer storelens (this one reads up to "
                f"{CURRENT_SCHEMA_VERSION}); upgrade storelens"
            )
        if version < 1:
            raise ValueError(f"version must be 1 or more, got {version}")
        return version

    @field_validator("timezone")
    @classmethod
    def _check_timezone(cls, name: str) -> str:
        try:
            zoneinfo.ZoneInfo(name)
        except (zoneinfo.ZoneInfoNotFoundError, ValueError):
            close = difflib.get_close_matches(name, sorted(zoneinfo.available_timezones()), n=3)
            hint = f"did you mean {', '.join(close)}?" if close else "use an IANA name such as Europe/London or UTC"
            raise ValueError(f"unknown time zone {name!r}; {hint}") from None
        return name

    @field_validator("cameras")
    @classmethod
    def _check_cameras(cls, cameras: dict[str, CameraConfig]) -> dict[str, CameraConfig]:
        if not cameras:
            raise ValueError("no cameras; give at least one, e.g. `door: {source: door.mp4}`")
        return cameras

    @field_validator("camera_defaults")
    @classmethod
    def _check_default_keys(cls, defaults: dict[str, Any]) -> dict[str, Any]:
        unknown = sorted(set(defaults) - _CAMERA_DEFAULT_KEYS)
        if unknown:
            raise ValueError(
                f"unknown key {', '.join(map(repr, unknown))}; valid keys: {', '.join(sorted(_CAMERA_DEFAULT_KEYS))}"
            )
        return defaults

    @property
    def tz(self) -> zoneinfo.ZoneInfo:
        """The store's time zone."""
        return zoneinfo.ZoneInfo(self.timezone)
