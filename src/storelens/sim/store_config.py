"""Write the simulated store as a storelens config: ``store.yaml`` plus its floor-plan image.

The pipeline then runs on the simulation exactly as on a real shop, with the exact camera
calibrations, so any error it makes is the tracker's and the analytics', not the setup's.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import cv2
import numpy as np
import yaml

from storelens.geometry.polygons import points_in_polygon
from storelens.sim.floor_plan import draw_floor_plan
from storelens.sim.layout import SimStore
from storelens.sources import SIMULATED_SCHEME

__all__ = ["CONFIG_NAME", "PLAN_NAME", "store_config_dict", "write_store_config"]

CONFIG_NAME = "store.yaml"
PLAN_NAME = "floor_plan.png"
DECIMALS = 9
"""Rounding of written numbers: exact to a nanometre, and R stays a rotation to 1e-9."""
OPEN_TILL_AT = 4
"""The simulated store's "open a till" queue length: past the queue barrier (4 places)."""


class _Dumper(yaml.SafeDumper):
    """Lists of numbers and points on one line ([x, y]), as people write them by hand."""


def _represent_list(dumper: yaml.SafeDumper, data: list[Any]) -> yaml.Node:
    flow = not any(isinstance(item, dict) for item in data)
    return dumper.represent_sequence("tag:yaml.org,2002:seq", data, flow_style=flow)


_Dumper.add_representer(list, _represent_list)


def _num(value: float) -> float:
    return round(float(value), DECIMALS) + 0.0  # + 0.0 turns -0.0 into 0.0


def _points(xy: np.ndarray) -> list[list[float]]:
    return [[_num(x), _num(y)] for x, y in np.asarray(xy).reshape(-1, 2)]


def _matrix(m: np.ndarray) -> list[list[float]]:
    return [[_num(v) for v in row] for row in np.asarray(m)]


def default_source(camera_id: str) -> str:
    return f"{SIMULATED_SCHEME}://{camera_id}"


def store_config_dict(
    store: SimStore,
    plan_image: str,
    metres_per_pixel: float,
    origin_px: tuple[float, float],
    source_for: Callable[[str], str | int] = default_source,
) -> dict[str, Any]:
    """The config of ``store`` as plain YAML-ready data."""
    cameras = {}
    for cid, sim_camera in store.cameras.items():
        cam = sim_camera.camera
        cameras[cid] = {
            "source": source_for(cid),
            "fps": _num(sim_camera.fps),
            "calibration": {
                "kind": "pinhole",
                "K": _matrix(cam.K),
                "dist": [_num(v) for v in cam.dist],
                "R": _matrix(cam.R),
                "t": [_num(v) for v in cam.t],
                "world_unit_m": _num(cam.world_unit_m),
            },
        }
    zones = []
    for zone in store.zones:
        entry: dict[str, Any] = {"name": zone.name, "kind": zone.kind, "polygon": _points(zone.polygon)}
        if zone.categories:
            entry["categories"] = list(zone.categories)
        if zone.min_dwell_s:
            entry["min_dwell_s"] = _num(zone.min_dwell_s)
        if zone.inertia_s is not None:
            entry["inertia_s"] = _num(zone.inertia_s)
        if zone.kind == "checkout_queue":
            entry["open_till_at"] = OPEN_TILL_AT  # the queue reaches it in a busy hour
        zones.append(entry)
    inside = points_in_polygon(np.array([o.polygon.mean(axis=0) for o in store.obstacles]), store.outline)
    fixtures = [
        {"name": o.name, "polygon": _points(o.polygon)} for o, keep in zip(store.obstacles, inside) if keep
    ]  # the front walls lie outside the outline: the outline draws them
    lines = []
    for line in store.lines:
        entry = {"name": line.name, "kind": line.kind, "a": _points(line.a)[0], "b": _points(line.b)[0]}
        if line.in_side is not None:
            entry["in_side"] = line.in_side
        lines.append(entry)
    return {
        "schema_version": 1,
        "name": store.name,
        "timezone": store.timezone,
        "floor_plan": {
            "image": plan_image,
            "metres_per_pixel": _num(metres_per_pixel),
            "origin_px": [_num(origin_px[0]), _num(origin_px[1])],
            "outline": _points(store.outline),
            "fixtures": fixtures,
        },
        "cameras": cameras,
        "zones": zones,
        "lines": lines,
        "opening_hours": {day: list(intervals) for day, intervals in store.opening_hours.items()},
        "staff": {"uniform_colours": [store.uniform_colour]},
    }


def write_store_config(
    store: SimStore, directory: Path, source_for: Callable[[str], str | int] = default_source
) -> Path:
    """Write ``store.yaml`` and ``floor_plan.png`` into ``directory`` (created if missing).

    Args:
        store: The simulated store.
        directory: Where to write.
        source_for: Camera id -> the ``source`` written for that camera.

    Returns:
        Path of the written ``store.yaml``.
    """
    directory = Path(directory)
    directory.mkdir(parents=True, exist_ok=True)
    plan = draw_floor_plan(store)
    if not cv2.imwrite(str(directory / PLAN_NAME), plan.image):
        raise OSError(f"cannot write {directory / PLAN_NAME}")
    config = store_config_dict(store, PLAN_NAME, plan.metres_per_pixel, plan.origin_px, source_for)
    path = directory / CONFIG_NAME
    header = f"# {store.name}: written by storelens.sim from the simulated layout; floor metres, y into the shop.\n"
    path.write_text(header + yaml.dump(config, Dumper=_Dumper, sort_keys=False, width=120), encoding="utf-8")
    return path
