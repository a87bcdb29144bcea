"""Ceiling cameras placed like an installer would: position, pan, tilt and lens, as exact pinholes.

An installer thinks in "3 m up, pointing at the door, tilted 45 degrees down", not in rotation
matrices, so the simulated store is described that way and converted here. The same
conversion tells which floor points a camera sees, so the layout can be checked for cameras
that look at the ceiling or at nothing.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from storelens.geometry.camera import PinholeCamera
from storelens.sim.model import SimCamera

__all__ = ["CameraMount", "mount_camera", "sees_floor"]

MAX_VIEW_DISTANCE_M = 20.0
"""Farther than this a person is a few pixels tall: the floor there is not usefully seen."""


@dataclass(frozen=True, slots=True)
class CameraMount:
    """How a camera hangs.

    Attributes:
        camera_id: Name in the store config.
        position: (x, y, z) metres; z is the mounting height.
        pan_deg: Floor direction the camera faces, degrees counter-clockwise from +x.
        tilt_deg: Angle below the horizon of the optical axis.
        hfov_deg: Horizontal field of view of the (distortion-free) lens.
        width: Image width, pixels.
        height: Image height, pixels.
    """

    camera_id: str
    position: tuple[float, float, float]
    pan_deg: float
    tilt_deg: float
    hfov_deg: float
    width: int = 1280
    height: int = 720


def mount_camera(mount: CameraMount, fps: float) -> SimCamera:
    """The exact pinhole camera of a mount (square pixels, principal point at the centre).

    Camera axes follow OpenCV (x right, y down, z forward); the rows of R are those axes in
    floor coordinates (x right, y up the plan, z up), so the image has no roll.
    """
    pan, tilt = np.deg2rad(mount.pan_deg), np.deg2rad(mount.tilt_deg)
    forward = np.array([np.cos(tilt) * np.cos(pan), np.cos(tilt) * np.sin(pan), -np.sin(tilt)])
    right = np.array([np.sin(pan), -np.cos(pan), 0.0])
    down = np.cross(forward, right)
    R = np.stack([right, down, forward])
    f = (mount.width / 2) / np.tan(np.deg2rad(mount.hfov_deg) / 2)
    K = np.array([[f, 0.0, mount.width / 2], [0.0, f, mount.height / 2], [0.0, 0.0, 1.0]])
    centre = np.asarray(mount.position, dtype=np.float64)
    camera = PinholeCamera(K=K, dist=np.zeros(5), R=R, t=-R @ centre, world_unit_m=1.0)
    return SimCamera(mount.camera_id, camera, mount.width, mount.height, fps)


def sees_floor(camera: SimCamera, floor_xy_m: np.ndarray) -> np.ndarray:
    """(n,) bool: which floor points fall inside the image, in front of the lens, in range.

    Occlusion by shelves is not considered: that is the camera view's business.
    """
    xy = np.asarray(floor_xy_m, dtype=np.float64).reshape(-1, 2)
    cam = camera.camera
    world = np.column_stack([xy, np.zeros(len(xy))])
    in_cam = world @ cam.R.T + cam.t
    centre = -cam.R.T @ cam.t
    near = np.hypot(xy[:, 0] - centre[0], xy[:, 1] - centre[1]) <= MAX_VIEW_DISTANCE_M
    with np.errstate(divide="ignore", invalid="ignore"):
        px = (in_cam @ cam.K.T)[:, :2] / in_cam[:, 2:3]
    in_image = (px[:, 0] >= 0) & (px[:, 0] < camera.width) & (px[:, 1] >= 0) & (px[:, 1] < camera.height)
    return (in_cam[:, 2] > 0) & in_image & near
