"""Anonymous demographics, opt-in per camera: age band and gender per visit, never a face.

Only `records` is imported here: building a `FaceEstimator` (dlib, the face models) happens when
a camera with ``demographics: true`` analyses its first frame, and never otherwise.
"""

from storelens.demographics.records import AGE_BANDS, GENDERS, VisitDemographics

__all__ = ["AGE_BANDS", "GENDERS", "VisitDemographics"]
