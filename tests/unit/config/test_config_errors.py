"""Each kind of config mistake gives one line naming the file, the key path and the fix."""

from __future__ import annotations

from collections.abc import Callable
from contextlib import AbstractContextManager, nullcontext
from pathlib import Path
from typing import Any

import pytest
from store_factories import DELETE, base_config, patched

from storelens.config import load_config
from storelens.errors import ConfigError

POINTS = "cameras.door.calibration.points"
BOW_TIE = [[1, 1], [5, 4], [5, 1], [1, 4]]
ROTATION_X_180 = [[1, 0, 0], [0, -1, 0], [0, 0, -1]]  # looking straight down
NOT_A_ROTATION = [[2, 0, 0], [0, -1, 0], [0, 0, -1]]
K = [[800, 0, 320], [0, 800, 240], [0, 0, 1]]


def pinhole(R: list[list[float]], t: list[float]) -> dict[str, Any]:
    return {"kind": "pinhole", "K": K, "R": R, "t": t, "world_unit_m": 1.0}


def error(message: str) -> AbstractContextManager:
    """Expect ConfigError whose message has this line (the file name prefix included)."""
    return pytest.raises(ConfigError, match=f"(?m)^.*store.yaml: {message}")


@pytest.mark.parametrize(
    ("key_path", "value", "expectation"),
    [
        ("name", "Test shop", nullcontext()),
        (
            POINTS,
            base_config()["cameras"]["door"]["calibration"]["points"][:3],
            error(r"cameras\.door\.calibration\.points: need at least 4 point pairs, got 3$"),
        ),
        (
            f"{POINTS}.3.floor_m",
            [2, 0],
            error(r"cameras\.door\.calibration\.points: 3 of the 4 floor_m points lie on one line"),
        ),
        (
            f"{POINTS}.3.image_px",
            [100, 400],
            error(r"cameras\.door\.calibration\.points: image_px \[100.0, 400.0\] appears more than once"),
        ),
        (
            "cameras.door.analysis_fsp",
            2,
            error(
                r"cameras\.door\.analysis_fsp: unknown key \(did you mean 'analysis_fps'\?\); "
                r"valid keys: analysis_fps, calibration, .*fps, .*source$"
            ),
        ),
        ("cameras.door.fps", -1, error(r"cameras\.door\.fps: input should be greater than 0, got -1$")),
        (
            "cameras.door",
            {"source": "door.mp4", "fps": 5, "analysis_fps": 10},
            error(r"cameras\.door: analysis_fps 10 is above fps 5"),
        ),
        ("cameras.door.source", [1, 2], error(r"cameras\.door\.source: source must be a file or folder path")),
        ("cameras.door.source", 0, nullcontext()),
        ("cameras.door.source", "rtsp://cam.local/stream", nullcontext()),
        ("cameras.front door", {"source": 1}, error(r"cameras\.front door: name 'front door' must match")),
        (
            "cameras.door.calibration",
            {"kind": "laser"},
            error(
                r"cameras\.door\.calibration: 'kind' is 'laser'; valid kinds: 'homography', 'opencv_json', 'pinhole'"
            ),
        ),
        (
            "cameras.door.calibration",
            {"view": "View_001"},
            error(r"cameras\.door\.calibration: missing 'kind': one of homography, opencv_json, pinhole$"),
        ),
        (
            "cameras.door.calibration",
            {"kind": "opencv_json", "file": "calib.json", "view": "View_001"},
            error(r"cameras\.door\.calibration\.world_unit_m: required key missing$"),
        ),
        ("cameras.door.calibration", pinhole(ROTATION_X_180, [0, 0, 3]), nullcontext()),
        (
            "cameras.door.calibration",
            pinhole(NOT_A_ROTATION, [0, 0, 3]),
            error(r"cameras\.door\.calibration: R is not a rotation matrix"),
        ),
        (
            "cameras.door.calibration",
            pinhole(ROTATION_X_180, [0, 0, -3]),
            error(r"cameras\.door\.calibration: the camera centre -R\^T t is not above the floor"),
        ),
        ("camera_defaults", {"analysis_fsp": 1}, error(r"camera_defaults: unknown key 'analysis_fsp'")),
        ("timezone", "Europe/Pariss", error(r"timezone: unknown time zone 'Europe/Pariss'; did you mean Europe/Paris")),
        ("schema_version", 2, error(r"schema_version: version 2 was written by a newer storelens")),
        ("floor_plan", {}, error(r"floor_plan: give an outline")),
        (
            "floor_plan",
            {"image": "plan.png", "metres_per_pixel": 0.02},
            error(r"floor_plan: image needs origin_px to place it on the floor"),
        ),
        ("floor_plan", {"image": "plan.png", "metres_per_pixel": 0.02, "origin_px": [10, 500]}, nullcontext()),
        ("zones.0.name", "Aisle 1", error(r"zones\.Aisle 1\.name: value 'Aisle 1' must match \^\[a-z0-9_\]\+\$")),
        ("zones.0.kind", "shelf", error(r"zones\.aisle_1\.kind: input should be 'entrance', .*, got 'shelf'$")),
        ("zones.0.polygon", BOW_TIE, error(r"zones\.aisle_1\.polygon: edges 0 and 2 cross")),
        ("zones.0.polygon", [[1, 1], [2, 2]], error(r"zones\.aisle_1\.polygon: need at least 3 vertices, got 2$")),
        ("zones.0.polygon", [[1, 1], [2, 1], [2, 1], [1, 2]], error(r"zones\.aisle_1\.polygon: vertices 1 and 2")),
        ("zones.0.min_dwell_s", -1, error(r"zones\.aisle_1\.min_dwell_s: input should be greater than or equal")),
        ("zones.0.polygon", [[15, 5], [25, 5], [25, 8]], error(r"zones\.aisle_1\.polygon: not inside floor_plan")),
        ("zones.0.polygon", [[0, 0], [20, 0], [20, 10]], nullcontext()),  # along the walls
        ("zones.1", base_config()["zones"][0], error(r"zones\.aisle_1: name used 2 times")),
        ("lines.0.in_side", DELETE, error(r"lines\.door: an entrance line needs in_side")),
        ("lines.0.kind", "passerby", nullcontext()),
        ("lines.0.in_side", "inside", error(r"lines\.door\.in_side: input should be 'left' or 'right'")),
        ("lines.0.b", [0, 2.1], error(r"lines\.door: a and b are 0\.10 m apart")),
        (
            "lines.0",
            {"name": "door", "kind": "entrance", "a": [30, 2], "b": [30, 5], "in_side": "left"},
            error(r"lines\.door: entrance line does not reach floor_plan\.outline"),
        ),
        ("opening_hours", {"monday": ["9-17"]}, error(r"opening_hours\.monday: '9-17' is not 'HH:MM-HH:MM'")),
        ("opening_hours", {"monday": ["18:00-09:00"]}, error(r"opening_hours\.monday: '18:00-09:00' ends before")),
        (
            "opening_hours",
            {"monday": ["09:00-13:00", "12:00-18:00"]},
            error(r"opening_hours\.monday: intervals overlap"),
        ),
        ("opening_hours", {"funday": []}, error(r"opening_hours\.funday: unknown key \(did you mean 'sunday'\?\)")),
        ("storage.url", "mysql://db/shop", error(r"storage\.url: unsupported database URL 'mysql'")),
        ("storage.retention_days.positions", 0, error(r"storage\.retention_days\.positions: input should be greater")),
        ("storage.retention_days.heat", None, nullcontext()),
        ("analytics.bucket_min", 7, error(r"analytics\.bucket_min: 7 does not divide an hour")),
        ("analytics.heat.cell_m", 0, error(r"analytics\.heat\.cell_m: input should be greater than 0, got 0$")),
    ],
)
def test_config_problem_is_one_line_naming_the_key(
    write_store: Callable[[dict[str, Any]], Path], key_path: str, value: Any, expectation: AbstractContextManager
) -> None:
    path = write_store(patched(base_config(), key_path, value))
    with expectation:
        load_config(path)


def test_every_problem_is_reported_at_once(write_store: Callable[[dict[str, Any]], Path]) -> None:
    config = patched(patched(base_config(), "timezone", "Nowhere"), "zones.0.kind", "shelf")
    config = patched(config, "cameras.door.fps", 0)
    path = write_store(config)
    with pytest.raises(ConfigError) as info:
        load_config(path)
    lines = str(info.value).splitlines()
    assert [line.split(": ")[:2] for line in lines] == [
        [str(path), key] for key in ("timezone", "cameras.door.fps", "zones.aisle_1.kind")
    ]


@pytest.mark.parametrize(
    ("text", "expectation"),
    [
        ("name: [unclosed\n", pytest.raises(ConfigError, match=r"store\.yaml:2:1: invalid YAML")),
        (
            "name: a\ncameras:\n  door: {source: 0}\n  door: {source: 1}\n",
            pytest.raises(ConfigError, match=r"store\.yaml:4:3: invalid YAML: duplicate key 'door'$"),
        ),
        ("- a list\n", pytest.raises(ConfigError, match="expected a mapping of settings")),
        ("", pytest.raises(ConfigError, match="got NoneType")),
    ],
    ids=["syntax", "duplicate-key", "list", "empty"],
)
def test_unreadable_yaml_is_one_line(tmp_path: Path, text: str, expectation: AbstractContextManager) -> None:
    path = tmp_path / "store.yaml"
    path.write_text(text)
    with expectation:
        load_config(path)


def test_missing_file_names_the_path(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="nope.yaml: config file not found"):
        load_config(tmp_path / "nope.yaml")
