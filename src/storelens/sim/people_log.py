"""The simulated people, stored by column: who they are, where they stood at every frame,
and what the simulator planned for them (stops, queue, door passes), the exact truth.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import datetime, timedelta

import numpy as np

from storelens.sim.model import PeopleFrame

__all__ = ["DoorPasses", "PeopleLog", "Persons", "Plan", "QueueVisits", "Stops"]

ROLES = ("shopper", "passerby", "staff")


@dataclass(frozen=True, eq=False)
class Persons:
    """One row per person; ``id`` is the row index.

    Attributes:
        id: (n,) int64, 0..n-1.
        role: (n,) str: shopper (came into the shop), passerby (walked past) or staff.
        group_id: (n,) int64; people who arrived together share it (staff: -1).
        height_m: (n,) standing height.
        width_m: (n,) shoulder width.
        appear_s: (n,) first moment in the world, seconds from the start.
        leave_s: (n,) last moment in the world (may be past the end of the simulation).
    """

    id: np.ndarray
    role: np.ndarray
    group_id: np.ndarray
    height_m: np.ndarray
    width_m: np.ndarray
    appear_s: np.ndarray
    leave_s: np.ndarray

    def __len__(self) -> int:
        return len(self.id)

    def with_role(self, role: str) -> np.ndarray:
        """Ids of the people with ``role``."""
        return self.id[self.role == role]


@dataclass(frozen=True, eq=False)
class Stops:
    """Planned stops at displays: standing still at a spot in the display's zone."""

    person_id: np.ndarray
    zone: np.ndarray
    start_s: np.ndarray
    end_s: np.ndarray


@dataclass(frozen=True, eq=False)
class QueueVisits:
    """Planned checkout visits, in queue order (FIFO: join order is service order).

    ``join_s`` is reaching the queue's entry, ``service_start_s`` reaching the service point
    with the till free and staffed, ``service_end_s`` paying done.
    """

    person_id: np.ndarray
    join_s: np.ndarray
    service_start_s: np.ndarray
    service_end_s: np.ndarray

    @property
    def wait_s(self) -> np.ndarray:
        return self.service_start_s - self.join_s


@dataclass(frozen=True, eq=False)
class DoorPasses:
    """Planned passes through the door: when each shopper crossed the entrance line in and out."""

    person_id: np.ndarray
    in_s: np.ndarray
    out_s: np.ndarray


@dataclass(frozen=True, eq=False)
class Plan:
    """What the simulator decided, to check the geometric truth against."""

    stops: Stops
    queue: QueueVisits
    doors: DoorPasses


@dataclass(frozen=True, eq=False)
class PeopleLog:
    """Every person's floor position at every frame, rows sorted by frame then person.

    Attributes:
        frame_index: (m,) int64 frame of each row (``frame(k)`` is the method giving frame k).
        person_id: (m,) int64.
        xy_m: (m, 2) float64 floor position, metres.
        persons: Who the ids are.
        plan: The simulator's own events.
        fps: Frames per second.
        start: UTC time of frame 0.
        n_frames: Frames in the simulation (some may be empty).
    """

    frame_index: np.ndarray
    person_id: np.ndarray
    xy_m: np.ndarray
    persons: Persons
    plan: Plan
    fps: float
    start: datetime
    n_frames: int
    _bounds: np.ndarray = field(init=False, repr=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "_bounds", np.searchsorted(self.frame_index, np.arange(self.n_frames + 1)))

    def __len__(self) -> int:
        return len(self.frame_index)

    def ts(self, k: int) -> datetime:
        """UTC time of frame ``k``."""
        return self.start + timedelta(seconds=k / self.fps)

    def frame_rows(self, k: int) -> slice:
        """The rows of frame ``k``."""
        if not 0 <= k < self.n_frames:
            raise IndexError(f"frame {k} outside 0..{self.n_frames - 1}")
        return slice(int(self._bounds[k]), int(self._bounds[k + 1]))

    def frame(self, k: int) -> PeopleFrame:
        """Everyone in the world at frame ``k``."""
        rows = self.frame_rows(k)
        ids = self.person_id[rows]
        return PeopleFrame(
            index=k,
            t_s=k / self.fps,
            person_id=ids,
            xy_m=self.xy_m[rows],
            height_m=self.persons.height_m[ids],
            width_m=self.persons.width_m[ids],
        )

    def frames(self) -> Iterator[PeopleFrame]:
        """Every frame in order, empty ones included."""
        for k in range(self.n_frames):
            yield self.frame(k)

    def by_person(self) -> np.ndarray:
        """Row order grouping each person's rows together, in frame order within a person."""
        return np.argsort(self.person_id, kind="stable")
