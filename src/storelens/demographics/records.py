"""What demographics stores: one small record per visit, never a face, crop or embedding."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

__all__ = ["AGE_BANDS", "GENDERS", "VisitDemographics"]

AGE_BANDS = ("0-17", "18-29", "30-44", "45-59", "60+")
"""Age bands reported: few and wide, because the model's age error on camera faces is about
a decade (docs/benchmarks.md), so finer bands would mostly report noise."""

GENDERS = ("female", "male")
"""The model's two classes (it knows no other; see the README's bias note)."""


@dataclass(frozen=True, slots=True)
class VisitDemographics:
    """The estimate for one visitor of a demographics camera, decided when their track ended.

    Attributes:
        camera_id: The door camera.
        track_id: The camera's anonymous track id.
        start_ts / end_ts: When the track began and ended, UTC.
        age_band: One of `AGE_BANDS`.
        age_confidence: Mean probability of that band over the visit's face frames (0-1).
        gender: One of `GENDERS`.
        gender_confidence: Mean probability of that gender over the face frames (0.5-1).
        faces: How many frames gave a face vote.
    """

    camera_id: str
    track_id: int
    start_ts: datetime
    end_ts: datetime
    age_band: str
    age_confidence: float
    gender: str
    gender_confidence: float
    faces: int
