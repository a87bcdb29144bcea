"""A to-scale picture of the simulated store: pavement, walls, shelves, zones, lines, cameras.

It is the config's floor-plan image, so dashboards and heatmaps have something to draw on,
and a quick way to see the layout by eye.
"""

from __future__ import annotations

from dataclasses import dataclass

import cv2
import numpy as np

from storelens.sim.layout import SimStore

__all__ = ["FloorPlanImage", "draw_floor_plan"]

PX_PER_M = 40
MARGIN_M = 1.0

_ZONE_BGR = {
    "entrance": (60, 160, 60),
    "aisle": (180, 160, 60),
    "display": (40, 140, 230),
    "checkout_queue": (160, 60, 200),
    "staff_only": (90, 90, 90),
    "staff_door": (70, 70, 70),
    "restricted": (40, 40, 220),
}
_OBSTACLE_BGR = {"wall": (60, 60, 60), "shelf": (90, 130, 170), "table": (110, 160, 200), "counter": (70, 90, 130)}


@dataclass(frozen=True, eq=False)
class FloorPlanImage:
    """A BGR plan image and how it sits on the floor: ``pixel = origin_px + (x, -y) / metres_per_pixel``."""

    image: np.ndarray
    metres_per_pixel: float
    origin_px: tuple[float, float]

    def to_px(self, xy_m: np.ndarray) -> np.ndarray:
        """(n, 2) floor metres -> integer pixels (y up the plan, rows down the image)."""
        xy = np.asarray(xy_m, dtype=np.float64).reshape(-1, 2)
        u = self.origin_px[0] + xy[:, 0] / self.metres_per_pixel
        v = self.origin_px[1] - xy[:, 1] / self.metres_per_pixel
        return np.round(np.column_stack([u, v])).astype(np.int32)


def draw_floor_plan(store: SimStore, px_per_m: int = PX_PER_M) -> FloorPlanImage:
    """The store drawn to scale (``px_per_m`` pixels per metre) with a margin around it."""
    corners = np.concatenate([store.outline, store.street.polygon])
    lo, hi = corners.min(axis=0) - MARGIN_M, corners.max(axis=0) + MARGIN_M
    size = np.ceil((hi - lo) * px_per_m).astype(int)
    plan = FloorPlanImage(
        np.full((size[1], size[0], 3), 255, np.uint8), 1.0 / px_per_m, (-lo[0] * px_per_m, hi[1] * px_per_m)
    )
    img = plan.image
    cv2.fillPoly(img, [plan.to_px(store.street.polygon)], (225, 225, 225))
    cv2.fillPoly(img, [plan.to_px(store.outline)], (245, 245, 245))
    for zone in store.zones:
        pts = plan.to_px(zone.polygon)
        colour = _ZONE_BGR.get(zone.kind, (0, 0, 0))
        overlay = img.copy()
        cv2.fillPoly(overlay, [pts], colour)
        cv2.addWeighted(overlay, 0.18, img, 0.82, 0, dst=img)
        cv2.polylines(img, [pts], True, colour, 1, cv2.LINE_AA)
    for obstacle in store.obstacles:
        cv2.fillPoly(img, [plan.to_px(obstacle.polygon)], _OBSTACLE_BGR.get(obstacle.kind, (0, 0, 0)))
    cv2.polylines(img, [plan.to_px(store.outline)], True, (0, 0, 0), 2, cv2.LINE_AA)
    for line in store.lines:
        a, b = plan.to_px(np.array([line.a, line.b]))
        cv2.line(img, tuple(a.tolist()), tuple(b.tolist()), (0, 0, 200) if line.kind == "entrance" else (200, 0, 0), 3)
    for zone in store.zones:
        u, v = plan.to_px(zone.polygon.mean(axis=0, keepdims=True))[0]
        cv2.putText(img, zone.name, (int(u) - 30, int(v)), cv2.FONT_HERSHEY_SIMPLEX, 0.35, (20, 20, 20), 1, cv2.LINE_AA)
    for cid, sim_camera in store.cameras.items():
        cam = sim_camera.camera
        centre = -cam.R.T @ cam.t
        forward = cam.R[2, :2] / np.hypot(*cam.R[2, :2])
        p0, p1 = plan.to_px(np.array([centre[:2], centre[:2] + 0.8 * forward]))
        cv2.circle(img, tuple(p0.tolist()), 5, (0, 0, 0), -1)
        cv2.arrowedLine(img, tuple(p0.tolist()), tuple(p1.tolist()), (0, 0, 0), 2, tipLength=0.3)
        cv2.putText(
            img, cid, (int(p0[0]) + 6, int(p0[1]) - 6), cv2.FONT_HERSHEY_SIMPLEX, 0.4, (0, 0, 0), 1, cv2.LINE_AA
        )
    return plan
