"""Per-visit decision: many frames' face votes for one track become one answer at its end.

A single frame's estimate swings with pose, blur and light; the visit's answer is the band and
gender with the highest probability averaged over its face frames (a soft vote), and a visit
needs `MIN_FACES` of them before it is counted at all.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

import numpy as np

from storelens.demographics.records import AGE_BANDS, GENDERS, VisitDemographics

__all__ = ["MIN_FACES", "TrackVotes"]

MIN_FACES = 3
"""Face frames a visit needs for an answer: one or two are too often a poster, a profile or a
false face (a door camera sees a walking-in face on 10-30 frames)."""


@dataclass(slots=True)
class TrackVotes:
    """The face votes of one track so far (sums and counts only: no image, no per-frame list)."""

    camera_id: str
    track_id: int
    start_ts: datetime
    end_ts: datetime
    band_sum: np.ndarray = field(default_factory=lambda: np.zeros(len(AGE_BANDS)))
    male_sum: float = 0.0
    band_hard: np.ndarray = field(default_factory=lambda: np.zeros(len(AGE_BANDS), np.int64))
    male_hard: int = 0
    faces: int = 0

    def add(self, band_prob: np.ndarray, male_prob: float) -> None:
        """One frame's vote."""
        self.band_sum += band_prob
        self.male_sum += male_prob
        self.band_hard[int(np.argmax(band_prob))] += 1
        self.male_hard += int(male_prob >= 0.5)
        self.faces += 1

    def decide(self) -> VisitDemographics | None:
        """The visit's answer, or None with fewer than `MIN_FACES` face frames."""
        if self.faces < MIN_FACES:
            return None
        band = self.band_sum / self.faces
        male = self.male_sum / self.faces
        best = int(np.argmax(band))
        return VisitDemographics(
            self.camera_id,
            self.track_id,
            self.start_ts,
            self.end_ts,
            AGE_BANDS[best],
            round(float(band[best]), 3),
            GENDERS[int(male >= 0.5)],
            round(float(max(male, 1.0 - male)), 3),
            self.faces,
        )

    def agreement(self) -> tuple[float, float]:
        """Share of face frames whose own (hard) answer equals the visit's: age band, gender."""
        if self.faces == 0:
            return float("nan"), float("nan")
        best = int(np.argmax(self.band_sum))
        male = self.male_sum / self.faces >= 0.5
        same_gender = self.male_hard if male else self.faces - self.male_hard
        return float(self.band_hard[best] / self.faces), float(same_gender / self.faces)
