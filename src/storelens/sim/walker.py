"""One person's movement as keyframes: (time, position) pairs joined by straight walking.

Plans are written leg by leg (walk this route, stand until then); positions at the camera
frames are interpolated from the keyframes afterwards, for everyone at once.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

__all__ = ["Track", "Walker"]

MIN_STEP_S = 1e-6
"""Keyframes closer in time than this are merged (interpolation needs increasing times)."""


class Walker:
    """Keyframes of one person, written in time order."""

    def __init__(self, t0: float, xy0: np.ndarray, speed: float) -> None:
        self.speed = speed
        self._t: list[np.ndarray] = [np.array([t0], dtype=np.float64)]
        self._xy: list[np.ndarray] = [np.asarray(xy0, dtype=np.float64).reshape(1, 2)]

    @property
    def now(self) -> float:
        return float(self._t[-1][-1])

    @property
    def here(self) -> np.ndarray:
        return self._xy[-1][-1]

    def walk(self, route: np.ndarray, speed: float | None = None) -> float:
        """Walk ``route`` (its first point is where the person is) at ``speed``; returns the arrival time."""
        route = np.asarray(route, dtype=np.float64).reshape(-1, 2)
        s = np.cumsum(np.hypot(*np.diff(route, axis=0).T))
        keep = np.diff(np.concatenate([[0.0], s])) > 0
        if keep.any():
            self._t.append(self.now + s[keep] / (speed or self.speed))
            self._xy.append(route[1:][keep])
        return self.now

    def walk_to(self, xy: np.ndarray, speed: float | None = None) -> float:
        """Walk straight to ``xy``; returns the arrival time."""
        return self.walk(np.stack([self.here, np.asarray(xy, dtype=np.float64)]), speed)

    def stay_until(self, t: float) -> None:
        """Stand where the person is until ``t`` (nothing if ``t`` is not later)."""
        if t > self.now + MIN_STEP_S:
            self._t.append(np.array([t]))
            self._xy.append(self.here[None].copy())

    def append(self, times: np.ndarray, xy: np.ndarray) -> None:
        """Keyframes computed elsewhere (the queue), starting at or after ``now``."""
        later = times > self.now + MIN_STEP_S
        self._t.append(np.asarray(times, dtype=np.float64)[later])
        self._xy.append(np.asarray(xy, dtype=np.float64).reshape(-1, 2)[later])

    def keyframes(self) -> tuple[np.ndarray, np.ndarray]:
        """(times, positions) with strictly increasing times."""
        t, xy = np.concatenate(self._t), np.concatenate(self._xy)
        keep = np.concatenate([[True], np.diff(t) > MIN_STEP_S])
        return t[keep], xy[keep]


@dataclass(eq=False)
class Track:
    """A planned person: who, their keyframes, and the events the plan fixed.

    ``stops`` are (zone, start_s, end_s); ``door`` is (in_s, out_s) through the entrance;
    ``queue`` is (join_s, service_start_s, service_end_s).
    """

    role: str
    group_id: int
    t: np.ndarray
    xy: np.ndarray
    stops: list[tuple[str, float, float]] = field(default_factory=list)
    door: tuple[float, float] | None = None
    queue: tuple[float, float, float] | None = None
