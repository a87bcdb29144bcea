"""Every kind of mistake in a store's YAML file ends `storelens run` with one line naming the key."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from bad_input_helpers import Fails
from store_factories import DELETE, base_config, patched

HOMOGRAPHY = "cameras.door.calibration"
POINTS = [
    {"image_px": [100, 400], "floor_m": [0, 0]},
    {"image_px": [500, 400], "floor_m": [4, 0]},
    {"image_px": [450, 200], "floor_m": [4, 6]},
    {"image_px": [150, 200], "floor_m": [0, 6]},
]
ROTATION = [[1, 0, 0], [0, -1, 0], [0, 0, -1]]
"""Looking straight down at the floor."""
PINHOLE = {
    "kind": "pinhole",
    "K": [[800, 0, 320], [0, 800, 240], [0, 0, 1]],
    "R": ROTATION,
    "t": [0, 0, 3],
    "world_unit_m": 1,
}
BOW_TIE = [[1, 1], [5, 4], [5, 1], [1, 4]]

CASES: list[tuple[str, Any, str]] = [
    # (key path, value or DELETE, what the one error line says)
    ("name", "", "name: string should have at least 1 character"),
    ("name", DELETE, "name: required key missing"),
    ("name", ["a", "b"], "name: input should be a valid string"),
    ("timezone", "Mars/Olympus", "timezone: unknown time zone 'Mars/Olympus'"),
    ("timezone", "Europe/Pariss", "did you mean Europe/Paris"),
    ("timezone", 5, "timezone: input should be a valid string"),
    ("timezone", DELETE, "timezone: required key missing"),
    ("schema_version", 99, "schema_version: version 99 was written by a newer storelens"),
    ("schema_version", 0, "schema_version: version must be 1 or more"),
    ("schema_version", "one", "schema_version: input should be a valid integer"),
    ("camera", {}, "camera: unknown key (did you mean 'cameras'?)"),
    ("cameras", {}, "cameras: no cameras; give at least one"),
    ("cameras", DELETE, "cameras: required key missing"),
    ("cameras", [], "cameras: input should be a valid dictionary"),
    ("cameras", None, "cameras: input should be a valid dictionary"),
    ("cameras.door", "door.mp4", "cameras.door: input should be a valid dictionary"),
    ("cameras.front door", {"source": "door.mp4"}, "cameras.front door: name 'front door' must match"),
    ("cameras.door.source", "", "cameras.door.source: source is empty"),
    ("cameras.door.source", "   ", "cameras.door.source: source is empty"),
    ("cameras.door.source", -1, "cameras.door.source: webcam number must be 0 or more"),
    ("cameras.door.source", [1, 2], "cameras.door.source: source must be a file or folder path"),
    ("cameras.door.source", True, "cameras.door.source: source must be a file or folder path"),
    ("cameras.door.source", DELETE, "cameras.door.source: required key missing"),
    ("cameras.door.fps", 0, "cameras.door.fps: input should be greater than 0"),
    ("cameras.door.fps", "fast", "cameras.door.fps: input should be a valid number"),
    ("cameras.door.analysis_fps", -2, "cameras.door.analysis_fps: input should be greater than 0"),
    ("cameras.door.fps", float("nan"), "cameras.door.fps: input should be greater than 0"),
    ("cameras.door.lens", "wide", "cameras.door.lens: unknown key"),
    (f"{HOMOGRAPHY}.kind", "magic", "calibration: 'kind' is 'magic'; valid kinds"),
    (f"{HOMOGRAPHY}.kind", DELETE, f"{HOMOGRAPHY}: missing 'kind': one of homography, opencv_json, pinhole"),
    (f"{HOMOGRAPHY}.points", POINTS[:3], f"{HOMOGRAPHY}.points: need at least 4 point pairs, got 3"),
    (f"{HOMOGRAPHY}.points", [], f"{HOMOGRAPHY}.points: need at least 4 point pairs, got 0"),
    (f"{HOMOGRAPHY}.points", [*POINTS[:3], POINTS[0]], "appears more than once"),
    (
        f"{HOMOGRAPHY}.points",
        [{"image_px": [100 * i, 50 * i + 7], "floor_m": [i, i * i]} for i in range(1, 5)],
        "points lie on one line",
    ),
    (f"{HOMOGRAPHY}.points.0.image_px", [100], f"{HOMOGRAPHY}.points[0].image_px"),
    (f"{HOMOGRAPHY}.points.0.floor_m", ["a", 0], f"{HOMOGRAPHY}.points[0].floor_m[0]: input should be a valid number"),
    (f"{HOMOGRAPHY}.points.0.floor_m", [float("inf"), 0], "input should be a finite number"),
    (f"{HOMOGRAPHY}.points.0.pixel", [1, 2], f"{HOMOGRAPHY}.points[0].pixel: unknown key"),
    (f"{HOMOGRAPHY}.points", "four of them", "input should be a valid list"),
    (HOMOGRAPHY, {**PINHOLE, "K": [[800, 0, 320], [0, -800, 240], [0, 0, 1]]}, "K must be"),
    (HOMOGRAPHY, {**PINHOLE, "R": [[1, 0, 0], [0, 1, 0], [0, 0, 2]]}, "R is not a rotation matrix"),
    (HOMOGRAPHY, {**PINHOLE, "dist": [0, 0, 0]}, "dist has 3 coefficients"),
    (HOMOGRAPHY, {**PINHOLE, "t": [0, 0, -3]}, "is not above the floor"),
    (
        HOMOGRAPHY,
        {k: v for k, v in PINHOLE.items() if k != "world_unit_m"},
        f"{HOMOGRAPHY}.world_unit_m: required key missing",
    ),
    (HOMOGRAPHY, {"kind": "opencv_json", "file": "c.json", "view": "v"}, "world_unit_m: required key missing"),
    (HOMOGRAPHY, {"kind": "opencv_json", "file": "c.json", "view": "", "world_unit_m": 1}, "view: string should"),
    (HOMOGRAPHY, {"kind": "opencv_json", "file": "c.json", "view": "v", "world_unit_m": 0}, "greater than 0"),
    ("camera_defaults", {"bogus": 1}, "camera_defaults: unknown key 'bogus'"),
    ("camera_defaults", "fps: 5", "camera_defaults: input should be a valid dictionary"),
    ("floor_plan", {}, "floor_plan: give an outline (floor metres) or an image"),
    ("floor_plan", DELETE, "floor_plan: required key missing"),
    ("floor_plan.outline", [[0, 0], [20, 0]], "floor_plan.outline: need at least 3 vertices, got 2"),
    (
        "floor_plan.outline",
        [[0, 0], [20, 10], [20, 0], [0, 10]],
        "edges 0 and 2 cross; the polygon must not intersect itself",
    ),
    ("floor_plan.outline", [[0, 0], [0.5, 0], [0.5, 0.5], [0, 0.5]], "floor_plan: outline:"),
    ("floor_plan.image", "plan.png", "image needs metres_per_pixel and origin_px"),
    ("floor_plan.metres_per_pixel", 0.01, "metres_per_pixel given without an image"),
    ("floor_plan.metres_per_pixel", -1, "floor_plan.metres_per_pixel: input should be greater than 0"),
    ("floor_plan.flip_y", "sometimes", "floor_plan.flip_y: input should be a valid boolean"),
    ("zones.0.polygon", [[1, 1], [5, 1]], "zones.aisle_1.polygon: need at least 3 vertices, got 2"),
    ("zones.0.polygon", BOW_TIE, "edges 0 and 2 cross; the polygon must not intersect itself"),
    ("zones.0.polygon", [[1, 1], [1.1, 1], [1.1, 1.1]], "zones.aisle_1.polygon"),
    ("zones.0.polygon", [[1, 1], [30, 1], [30, 4], [1, 4]], "zones.aisle_1.polygon: not inside floor_plan.outline"),
    ("zones.0.polygon", DELETE, "zones.aisle_1.polygon: required key missing"),
    ("zones.0.name", "Aisle 1", "zones.Aisle 1.name: value 'Aisle 1' must match"),
    ("zones.0.kind", "shelf", "zones.aisle_1.kind: input should be"),
    ("zones.0.min_dwell_s", -1, "zones.aisle_1.min_dwell_s: input should be greater than or equal to 0"),
    ("zones.0.inertia_s", "slow", "zones.aisle_1.inertia_s: input should be a valid number"),
    ("zones.0.alert_distance_m", 2, "alert_distance_m applies to restricted zones only"),
    ("zones.1", {"name": "aisle_1", "kind": "display", "polygon": [[6, 1], [8, 1], [8, 3]]}, "name used 2 times"),
    ("zones", {"aisle_1": {"kind": "aisle"}}, "zones: input should be a valid list"),
    ("lines.0.b", [0, 2.1], "lines.door: a and b are 0.10 m apart"),
    ("lines.0.in_side", DELETE, "an entrance line needs in_side"),
    ("lines.0.in_side", "up", "lines.door.in_side: input should be 'left' or 'right'"),
    ("lines.0.kind", "door", "lines.door.kind: input should be 'entrance' or 'passerby'"),
    (
        "lines.0",
        {"name": "door", "kind": "entrance", "a": [30, 2], "b": [30, 5], "in_side": "left"},
        "lines.door: entrance line does not reach floor_plan.outline",
    ),
    ("lines.0.debounce_s", -1, "lines.door.debounce_s: input should be greater than or equal to 0"),
    ("lines.0.a", [0], "lines.door.a"),
    ("opening_hours.monday", ["9-5"], "opening_hours.monday: '9-5' is not 'HH:MM-HH:MM'"),
    ("opening_hours.monday", ["25:00-26:00"], "is not 'HH:MM-HH:MM'"),
    ("opening_hours.monday", ["19:00-09:00"], "'19:00-09:00' ends before it starts"),
    ("opening_hours.monday", ["09:00-12:00", "11:00-13:00"], "opening_hours.monday: intervals overlap"),
    ("opening_hours.monday", "09:00-17:00", "opening_hours.monday: input should be a valid list"),
    ("opening_hours.funday", ["09:00-17:00"], "opening_hours.funday: unknown key"),
    ("storage.url", "sqlite:///", "storage.url: sqlite:/// names no file; give sqlite:///path/to/file.db"),
    ("storage.url", "sqlite://", "storage.url: sqlite:// names no file"),
    ("storage.url", "mysql://shop@db/shop", "storage.url: unsupported database URL 'mysql'"),
    ("storage.url", "shop.db", "storage.url: unsupported database URL"),
    ("storage.retention_days.positions", 0, "storage.retention_days.positions: input should be greater than 0"),
    ("storage.retention_days.faces", 1, "storage.retention_days.faces: unknown key"),
    ("analytics.bucket_min", 7, "analytics.bucket_min: 7 does not divide an hour"),
    ("analytics.heat.cell_m", 0, "analytics.heat.cell_m: input should be greater than 0"),
    ("analytics.heat.cell_m", 10, "analytics.heat.cell_m: input should be less than or equal to 5"),
    ("analytics.min_visit_s", -1, "analytics.min_visit_s: input should be greater than or equal to 0"),
]


@pytest.mark.parametrize(("key_path", "value", "expected"), CASES, ids=[f"{k}={v!r}"[:60] for k, v, _ in CASES])
def test_bad_key(
    fails: Fails,
    write_store: Callable[[dict[str, Any]], Path],
    no_detector: list[str],
    key_path: str,
    value: Any,
    expected: str,
) -> None:
    path = write_store(patched(base_config(), key_path, value))
    assert fails("run", path, expected=expected).startswith(f"storelens: error: {path}: ")
    assert not no_detector, "the detector was loaded for a config that is wrong"


@pytest.mark.parametrize(
    ("content", "expected"),
    [
        (None, "config file not found"),
        (b"name: [unclosed\n", "store.yaml:2:1: invalid YAML"),
        (b"- just\n- a list\n", "expected a mapping of settings (name:, timezone:, cameras: ...), got list"),
        (b"", "expected a mapping of settings (name:, timezone:, cameras: ...), got NoneType"),
        (b"name: a\nname: b\n", "store.yaml:2:1: invalid YAML: duplicate key 'name'"),
        (b"name: caf\xe9\n", "cannot read config"),
        (b"\x00\x01\x02", "invalid YAML: unacceptable character #x0000"),
    ],
    ids=["missing", "yaml-syntax", "list", "empty", "duplicate-key", "latin-1", "binary"],
)
def test_bad_file(fails: Fails, tmp_path: Path, content: bytes | None, expected: str) -> None:
    path = tmp_path / "store.yaml"
    if content is not None:
        path.write_bytes(content)
    fails("stats", path, expected=expected)


def test_folder_as_config(fails: Fails, tmp_path: Path) -> None:
    fails("stats", tmp_path, expected=f"{tmp_path}: cannot read config")
