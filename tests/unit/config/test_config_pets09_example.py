"""The shipped PETS09-S2L1 example: it loads anywhere, and its geometry matches the ground truth.

Only the checks that read the clip, its calibration or its ground truth need the shared
evaluation data; they skip (through the ``shared_data`` fixture) when it is absent.
"""

from __future__ import annotations

import shutil
from pathlib import Path

import numpy as np
import pytest

from storelens.calibrate import camera_mapper, run_calibrate
from storelens.config import LineKind, StoreConfig, load_config
from storelens.errors import CalibrationError

ROOT = Path(__file__).resolve().parents[3]
EXAMPLE = ROOT / "examples" / "pets09" / "store.yaml"
GT_FPS = 7.0
MAX_CHECK_POINT_ERROR_M = 0.2
"""View_001 puts gt foot points 0.11 m from the gt positions (median); the example's check
points were picked among those at or below the median."""


@pytest.fixture(scope="module")
def config() -> StoreConfig:
    return load_config(EXAMPLE)


@pytest.fixture(scope="module")
def gt_tracks(shared_data: Path) -> dict[int, np.ndarray]:
    """Person id -> (n, 2) world positions in metres, in frame order (scored rows only)."""
    gt = np.loadtxt(shared_data / "PETS09-S2L1" / "gt" / "gt.txt", delimiter=",")
    gt = gt[gt[:, 6] == 1]
    return {int(pid): gt[gt[:, 1] == pid][np.argsort(gt[gt[:, 1] == pid][:, 0])][:, 7:9] for pid in np.unique(gt[:, 1])}


def test_example_loads_and_points_at_the_shared_data(config: StoreConfig) -> None:
    camera = config.cameras["view_001"]
    expected = ROOT.parent / "shared" / "data" / "PETS09-S2L1" / "video.avi"
    assert Path(camera.source).resolve() == expected.resolve()  # ../shared may be a symlink
    assert (camera.fps, camera.analysis_fps) == (7.0, 7.0)
    assert [z.name for z in config.zones] == ["crossroads", "meeting_spot", "front_lawn"]
    assert [line.kind for line in config.lines] == [LineKind.ENTRANCE, LineKind.PASSERBY]


def test_example_without_the_data_loads_but_cannot_calibrate(tmp_path: Path) -> None:
    """Copied where ../../../shared does not exist: loading never touches the files."""
    copy = tmp_path / "a" / "b" / "store.yaml"
    copy.parent.mkdir(parents=True)
    shutil.copy(EXAMPLE, copy)
    config = load_config(copy)
    with pytest.raises(CalibrationError, match=r"^camera view_001: .*calibration\.json: calibration file not found$"):
        run_calibrate(config, None, tmp_path / "out", detector=lambda frame: pytest.fail("no frame expected"))


def test_outline_covers_everyone(config: StoreConfig, gt_tracks: dict[int, np.ndarray]) -> None:
    assert config.floor_plan.outline is not None
    assert all(_inside(track, config.floor_plan.outline).all() for track in gt_tracks.values())


def _inside(points: np.ndarray, polygon: list[tuple[float, float]]) -> np.ndarray:
    """(n,) bool: even-odd test of (n, 2) points against a polygon."""
    x, y = points[:, :1], points[:, 1:]
    v = np.array(polygon)
    x1, y1, x2, y2 = v[:, 0], v[:, 1], np.roll(v[:, 0], -1), np.roll(v[:, 1], -1)
    straddles = (y1 > y) != (y2 > y)
    with np.errstate(divide="ignore", invalid="ignore"):
        x_cross = x1 + (y - y1) * (x2 - x1) / (y2 - y1)
    return (straddles & (x < x_cross)).sum(axis=1) % 2 == 1


def _crossings(track: np.ndarray, a: np.ndarray, b: np.ndarray) -> list[int]:
    """+1 for each step of the track across segment a-b to its left side, -1 to its right."""
    d = b - a
    side = d[0] * (track[:, 1] - a[1]) - d[1] * (track[:, 0] - a[0])  # > 0: left of a -> b
    out = []
    for k in np.flatnonzero(side[:-1] * side[1:] < 0):
        t = side[k] / (side[k] - side[k + 1])
        where = track[k] + t * (track[k + 1] - track[k])
        if 0 <= np.dot(where - a, d) / np.dot(d, d) <= 1:
            out.append(int(np.sign(side[k + 1])))
    return out


def test_people_cross_the_lines(config: StoreConfig, gt_tracks: dict[int, np.ndarray]) -> None:
    for line in config.lines:
        a, b = np.array(line.a), np.array(line.b)
        signs = [s for track in gt_tracks.values() for s in _crossings(track, a, b)]
        if line.kind is LineKind.ENTRANCE:
            inward = 1 if line.in_side == "left" else -1
            assert signs.count(inward) >= 10 and signs.count(-inward) >= 10, line.name
        else:
            assert len(signs) >= 5, line.name


@pytest.mark.parametrize(("zone", "min_people"), [("crossroads", 19), ("meeting_spot", 2), ("front_lawn", 2)])
def test_people_visit_the_zones(
    config: StoreConfig, gt_tracks: dict[int, np.ndarray], zone: str, min_people: int
) -> None:
    spec = next(z for z in config.zones if z.name == zone)
    dwell_s = [_inside(track, spec.polygon).sum() / GT_FPS for track in gt_tracks.values()]
    assert sum(d > spec.min_dwell_s for d in dwell_s) >= min_people


def test_check_points_agree_with_the_calibration(config: StoreConfig, shared_data: Path) -> None:
    camera = config.cameras["view_001"]
    mapper = camera_mapper(camera, EXAMPLE.parent)
    assert camera.calibration is not None and camera.calibration.kind == "opencv_json"
    image_px = np.array([p.image_px for p in camera.calibration.check_points])
    floor_m = np.array([p.floor_m for p in camera.calibration.check_points])
    assert np.linalg.norm(mapper.image_to_floor(image_px) - floor_m, axis=1).max() <= MAX_CHECK_POINT_ERROR_M
