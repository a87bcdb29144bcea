"""What the simulator's parts hand each other: the people at one instant, and a camera.

The world simulation (`storelens.sim.people`) produces `PeopleFrame`s; the camera model
(`storelens.sim.detector`) turns each into the boxes one camera's detector would report.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from storelens.geometry.camera import PinholeCamera

__all__ = ["PeopleFrame", "SimCamera"]


@dataclass(frozen=True, slots=True)
class PeopleFrame:
    """Everyone in the simulated world at one instant (one row per person).

    Attributes:
        index: Frame index from the start of the simulation (0-based, at the simulation's fps).
        t_s: Seconds since the start of the simulation.
        person_id: (n,) int64 identity, unique over the whole simulation.
        xy_m: (n, 2) float64 floor position in metres (store coordinates).
        height_m: (n,) float64 standing height.
        width_m: (n,) float64 shoulder width.
    """

    index: int
    t_s: float
    person_id: np.ndarray
    xy_m: np.ndarray
    height_m: np.ndarray
    width_m: np.ndarray

    def __len__(self) -> int:
        return len(self.person_id)


@dataclass(frozen=True, slots=True)
class SimCamera:
    """A simulated camera: an exact pinhole model and its image size.

    Attributes:
        camera_id: Name in the store config.
        camera: Exact calibration (world units are metres).
        width: Image width, pixels.
        height: Image height, pixels.
        fps: Frames per second the camera records.
    """

    camera_id: str
    camera: PinholeCamera = field(repr=False)
    width: int
    height: int
    fps: float
