"""The store config: one YAML file describing a store, validated with pydantic.

Use :func:`load_config`; it returns a :class:`StoreConfig` with absolute paths or raises a
:class:`~storelens.errors.ConfigError` with one line per problem.
"""

from storelens.config.analytics import AnalyticsConfig, HeatConfig
from storelens.config.api import ApiConfig
from storelens.config.base import FloorPoint, ImagePoint, StorelensModel
from storelens.config.cameras import (
    CalibrationConfig,
    CameraConfig,
    HomographyCalibrationConfig,
    OpenCvJsonCalibrationConfig,
    PinholeCalibrationConfig,
    PointPairConfig,
)
from storelens.config.floor_plan import FixtureConfig, FloorPlanConfig
from storelens.config.hours import WEEKDAYS, OpeningHoursConfig
from storelens.config.lines import LineConfig, LineKind
from storelens.config.load import format_validation_error, load_config, resolve_paths
from storelens.config.pos import PosColumnsConfig, PosConfig
from storelens.config.reports import EmailConfig, ReportsConfig
from storelens.config.references import reference_problems, validate_references
from storelens.config.staff import StaffConfig, UnitsConfig
from storelens.config.storage import DEFAULT_DB_NAME, RetentionConfig, StorageConfig
from storelens.config.store import CURRENT_SCHEMA_VERSION, StoreConfig, deep_merge
from storelens.config.zones import ZoneConfig, ZoneKind

__all__ = [
    "CURRENT_SCHEMA_VERSION",
    "DEFAULT_DB_NAME",
    "WEEKDAYS",
    "AnalyticsConfig",
    "ApiConfig",
    "CalibrationConfig",
    "CameraConfig",
    "EmailConfig",
    "FixtureConfig",
    "FloorPlanConfig",
    "FloorPoint",
    "HeatConfig",
    "HomographyCalibrationConfig",
    "ImagePoint",
    "LineConfig",
    "LineKind",
    "OpenCvJsonCalibrationConfig",
    "OpeningHoursConfig",
    "PinholeCalibrationConfig",
    "PointPairConfig",
    "PosColumnsConfig",
    "PosConfig",
    "ReportsConfig",
    "RetentionConfig",
    "StaffConfig",
    "StorageConfig",
    "StoreConfig",
    "StorelensModel",
    "UnitsConfig",
    "ZoneConfig",
    "ZoneKind",
    "deep_merge",
    "format_validation_error",
    "load_config",
    "reference_problems",
    "resolve_paths",
    "validate_references",
]
