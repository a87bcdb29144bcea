"""Loading: relative paths, camera defaults, the default database, opening hours, the JSON schema."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager, nullcontext
from datetime import datetime
from pathlib import Path
from typing import Any

import pytest
from pydantic import BaseModel, ValidationError
from store_factories import base_config, patched

from storelens.config import (
    CURRENT_SCHEMA_VERSION,
    OpenCvJsonCalibrationConfig,
    OpeningHoursConfig,
    StoreConfig,
    load_config,
    validate_references,
)
from storelens.errors import ConfigError


def test_valid_config_loads_with_defaults(write_store: Callable[[dict[str, Any]], Path]) -> None:
    config = load_config(write_store(base_config()))
    assert config.schema_version == CURRENT_SCHEMA_VERSION
    assert config.analytics.heat.cell_m == 0.25
    assert config.zones[0].inertia_s == 1.0 and config.zones[0].min_dwell_s == 0
    assert config.storage.retention_days.positions == 7
    assert config.opening_hours is None
    assert config.tz.key == "Europe/Paris"


def test_relative_paths_are_relative_to_the_config_file(
    tmp_path: Path, write_store: Callable[[dict[str, Any]], Path], monkeypatch: pytest.MonkeyPatch
) -> None:
    cameras = {
        "door": {"source": "videos/door.mp4"},
        "till": {
            "source": "rtsp://10.0.0.5/stream",
            "calibration": {"kind": "opencv_json", "file": "../calib.json", "view": "v", "world_unit_m": 1},
        },
        "usb": {"source": 0},
        "usb_text": {"source": "1"},
        "abs": {"source": "/data/clip.avi"},
    }
    config_dict = patched(patched(base_config(), "cameras", cameras), "floor_plan.image", "plan.png")
    config_dict["floor_plan"].update(metres_per_pixel=0.05, origin_px=[0, 200])
    path = write_store(config_dict)
    monkeypatch.chdir(tmp_path.parent)  # the config path itself may be relative too
    config = load_config(Path(tmp_path.name) / path.name)
    assert config.cameras["door"].source == str(tmp_path / "videos" / "door.mp4")
    calibration = config.cameras["till"].calibration
    assert isinstance(calibration, OpenCvJsonCalibrationConfig)
    assert calibration.file == tmp_path.parent / "calib.json"
    assert [config.cameras[c].source for c in ("till", "usb", "usb_text", "abs")] == [
        "rtsp://10.0.0.5/stream",
        0,
        "1",
        "/data/clip.avi",
    ]
    assert config.floor_plan.image == tmp_path / "plan.png"
    assert config.storage.url == f"sqlite:///{tmp_path}/storelens.db"


@pytest.mark.parametrize(
    ("url", "expected"),
    [
        ("sqlite:///data/shop.db", "sqlite:///{dir}/data/shop.db"),
        ("sqlite:////var/lib/shop.db", "sqlite:////var/lib/shop.db"),
        ("sqlite:///:memory:", "sqlite:///:memory:"),
        ("postgresql+psycopg://shop@db/shop", "postgresql+psycopg://shop@db/shop"),
    ],
)
def test_database_url_is_resolved_for_sqlite_only(
    tmp_path: Path, write_store: Callable[[dict[str, Any]], Path], url: str, expected: str
) -> None:
    config = load_config(write_store(patched(base_config(), "storage.url", url)))
    assert config.storage.url == expected.format(dir=tmp_path)


def test_camera_defaults_merge_into_each_camera(write_store: Callable[[dict[str, Any]], Path]) -> None:
    config_dict = patched(
        base_config(),
        "camera_defaults",
        {
            "analysis_fps": 5,
            "calibration": {"kind": "opencv_json", "file": "calib.json", "world_unit_m": 0.001},
        },
    )
    config_dict["cameras"] = {
        "left": {"source": "l.mp4", "calibration": {"view": "View_001"}},
        "right": {"source": "r.mp4", "analysis_fps": 2, "calibration": {"view": "View_002"}},
    }
    config = load_config(write_store(config_dict))
    left, right = config.cameras["left"], config.cameras["right"]
    assert (left.analysis_fps, right.analysis_fps) == (5, 2)
    assert isinstance(left.calibration, OpenCvJsonCalibrationConfig)
    assert isinstance(right.calibration, OpenCvJsonCalibrationConfig)
    assert (left.calibration.view, right.calibration.view) == ("View_001", "View_002")
    assert left.calibration.world_unit_m == right.calibration.world_unit_m == 0.001


@pytest.mark.parametrize(
    ("zones", "expectation"),
    [
        (base_config()["zones"], nullcontext()),
        (base_config()["zones"] * 2, pytest.raises(ConfigError, match=r"^zones\.aisle_1: name used 2 times")),
    ],
)
def test_validate_references_on_a_config_built_in_code(
    zones: list[dict[str, Any]], expectation: AbstractContextManager
) -> None:
    config = StoreConfig.model_validate(patched(base_config(), "zones", zones))
    with expectation:
        validate_references(config)


def test_loaded_config_cannot_be_changed(write_store: Callable[[dict[str, Any]], Path]) -> None:
    config = load_config(write_store(base_config()))
    with pytest.raises(ValidationError, match="frozen"):
        config.name = "other"  # type: ignore[misc]


@pytest.mark.parametrize(
    ("local_time", "open_"),
    [
        (datetime(2026, 3, 2, 8, 59), False),  # a Monday
        (datetime(2026, 3, 2, 9, 0), True),
        (datetime(2026, 3, 2, 12, 30), False),  # lunch break
        (datetime(2026, 3, 2, 23, 59), True),
        (datetime(2026, 3, 8, 12, 0), False),  # Sunday: not listed, closed
    ],
)
def test_opening_hours(local_time: datetime, open_: bool) -> None:
    hours = OpeningHoursConfig(monday=["09:00-12:30", "14:00-24:00"])
    assert hours.is_open(local_time) is open_


def _models(model: type[BaseModel], seen: set[type[BaseModel]]) -> Iterator[type[BaseModel]]:
    """Every model reachable from ``model`` through its fields' annotations."""
    if model in seen:
        return
    seen.add(model)
    yield model
    for field in model.model_fields.values():
        stack: list[Any] = [field.annotation]
        while stack:
            tp = stack.pop()
            if isinstance(tp, type) and issubclass(tp, BaseModel):
                yield from _models(tp, seen)
            stack.extend(getattr(tp, "__args__", ()) or ())
            stack.extend(getattr(tp, "__metadata__", ()) or ())
            origin = getattr(tp, "__origin__", None)
            if origin is not None:
                stack.append(origin)


def test_every_field_has_a_title_and_description_for_the_dashboard() -> None:
    models = list(_models(StoreConfig, set()))
    assert len(models) >= 12
    missing = [
        f"{model.__name__}.{name}"
        for model in models
        for name, field in model.model_fields.items()
        if not (field.title and field.description)
    ]
    assert missing == []
    StoreConfig.model_json_schema()  # renders
