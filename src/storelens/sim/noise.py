"""How the default person detector errs, as a model to draw simulated detections from.

Every parameter was measured by ``bench/measure_detector_noise.py`` on real footage with ground
truth (see docs/sim-noise-model.md). The model has four parts:

* **People.** Each person in view has a detection *strength* that drifts over time. A person
  is detected while the strength beats a probability set by box height and visible share, and
  the box's score is higher the more it beats it; so small or hidden people are missed more,
  score lower, and misses come in runs, as with the real detector.
* **Box errors.** Detected boxes are off by a bias (the real boxes are shorter than the
  annotated ones) plus heavy-tailed errors that grow on weak detections and drift over time:
  a person keeps the same odd box for a few frames.
* **Extra boxes on people.** Part or duplicate boxes on a person, and one box around two
  people standing close together.
* **Clutter.** Person-sized false boxes at random places each frame, plus a few fixed spots
  where the detector keeps firing, as it does on the same lamp post all day.

Randomness that must persist over time (strengths, box errors, spots) is drawn by hashing its
keys, so any frame of any camera can be simulated on its own, in any order, and still give the
same boxes.
"""

from __future__ import annotations

import functools
import math
from dataclasses import dataclass

import numpy as np
from scipy.special import expit, ndtri

__all__ = [
    "BOX_ERROR_Z_CLIP",
    "CLOSE_GAP",
    "LOGIT_MIN_SCORE",
    "MEASURED_MIN_SCORE",
    "REFERENCE_HEIGHT",
    "DetectorNoise",
    "Drifting",
    "close_pairs",
    "id_keys",
    "move_boxes",
    "persistent_normals",
    "score_from_quantile",
    "stream_salt",
    "tukey_h",
    "uniforms",
]

MEASURED_MIN_SCORE = 0.1
"""Lowest score the model was fitted on: no simulated box scores below it."""

LOGIT_MIN_SCORE = math.log(MEASURED_MIN_SCORE / (1 - MEASURED_MIN_SCORE))
"""The same on the logit scale the score model works on."""

REFERENCE_HEIGHT = 0.2
"""Box height, as a share of the image height, at which the model's intercepts apply.

The default detector shrinks every frame to 300x300 pixels, so what decides whether it can see
a person is the box's share of the image, not its size in the camera's pixels."""

CLOSE_GAP = 0.25
"""Two people are close when the gap between their boxes is under this share of box height."""


# fmt: off
_SCORE_RESIDUALS = (
    -3.056, -2.206, -1.691, -1.303, -0.974, -0.726, -0.505, -0.293, -0.091, 0.073, 0.224,
    0.373, 0.516, 0.662, 0.79, 0.931, 1.073, 1.224, 1.409, 1.663, 2.703,
)
"""Measured on PETS09-S2L1 (see `DetectorNoise.score_residual_quantiles`)."""
# fmt: on


@dataclass(frozen=True, slots=True)
class DetectorNoise:
    """Parameters of the detector model; defaults were measured on the real default detector.

    A detected person's score logit (``log(s / (1 - s))``) is a mean set by box height and
    visible share plus a residual drawn from measured quantiles (real scores are skewed: a long
    tail of weak boxes, a sharp ceiling), truncated below at ``MEASURED_MIN_SCORE``; extra boxes
    score ``0.1 + 0.9 * Beta(a, b)``. Box errors and sizes are shares of the person's true box
    height; "hidden" is 1 minus the visible share. The drifting randomness (a person's detection
    strength, their box errors, a spot's score) is a standard normal made of a constant part, an
    Ornstein-Uhlenbeck drift with the given memory and a part new every frame; ``*_static`` and
    ``*_drift`` are the variance shares of the first two.

    Attributes:
        detect_logit: logit of the probability that a fully visible person whose box is
            ``REFERENCE_HEIGHT`` of the image tall is detected (a box of score >= 0.1 overlaps
            them at IoU >= 0.3).
        detect_logit_per_log_height: Change of that logit per unit of log(height / reference).
        detect_logit_per_hidden: Change of that logit from fully visible to fully hidden.
        score_logit: Mean score logit of a detected, fully visible person at reference height.
        score_logit_per_log_height: Change of the mean score logit per unit of log height.
        score_logit_per_hidden: Change of the mean score logit from fully visible to hidden.
        score_residual_quantiles: Residual of a detected person's score logit about that mean
            at evenly spaced probabilities from 0.5 % to 99.5 %; residuals are drawn between the
            first and the last, interpolating linearly.
        strength_memory_s: Memory, seconds, of the drift of people's (and spots') strength.
        strength_static: Share of the strength's variance fixed per person (some people are
            simply hard to see).
        strength_drift: Share of the strength's variance that drifts.
        box_bias: Median error of (centre x, top, bottom, log width ratio) of a detected box.
        box_scale: Spread of those errors (standard deviation of their normal core).
        box_tail: Tukey h of each error: 0 is normal, larger gives heavier tails (the odd box
            that covers half a person).
        box_weak_growth: How much each error grows on weak detections: the spread is
            multiplied by ``exp(growth * (1 - score))`` (a box the detector barely believes is
            often a poor one).
        box_memory_s: Memory, seconds, of the drift of box errors.
        box_static: Share of the box errors' variance fixed per person.
        box_drift: Share of the box errors' variance that drifts.
        part_rate: Part or duplicate boxes per person in view per frame.
        part_bias: Median (centre x, top, bottom, log width ratio) of a part box vs the person's.
        part_scale: Spread of those (normal).
        group_rate: Boxes around two people per pair of close people per frame.
        group_bias: Median (centre x, top, bottom, log width ratio) of a group box vs the
            union of the two people's boxes.
        group_scale: Spread of those (normal).
        part_score_beta: (a, b) of the scores of part boxes.
        group_score_beta: (a, b) of the scores of group boxes.
        clutter_rate: False boxes at random places per frame.
        clutter_score_beta: (a, b) of their scores.
        clutter_height: Median height of a clutter box, as a share of a person's standing there.
        clutter_height_log_std: Spread of log(clutter height share).
        clutter_aspect: Width / height of clutter and spot boxes.
        spots: Fixed places per camera where the detector keeps firing.
        spot_score_logit: Mean over spots of a spot's mean score logit.
        spot_score_logit_spread: Standard deviation between spots of their mean score logit.
        spot_score_logit_std: Frame-to-frame spread of one spot's score logit; a spot fires
            when its score reaches ``MEASURED_MIN_SCORE``.
    """

    detect_logit: float = 3.67
    detect_logit_per_log_height: float = 1.663
    detect_logit_per_hidden: float = -3.107
    score_logit: float = 1.048
    score_logit_per_log_height: float = 0.255
    score_logit_per_hidden: float = -3.032
    score_residual_quantiles: tuple[float, ...] = _SCORE_RESIDUALS
    strength_memory_s: float = 0.25
    strength_static: float = 0.3
    strength_drift: float = 0.6
    box_bias: tuple[float, float, float, float] = (-0.014, 0.016, -0.029, 0.058)
    box_scale: tuple[float, float, float, float] = (0.056, 0.04, 0.039, 0.169)
    box_tail: tuple[float, float, float, float] = (0.037, 0.127, 0.214, 0.01)
    box_weak_growth: tuple[float, float, float, float] = (0.161, 1.285, 1.09, 0.306)
    box_memory_s: float = 0.5
    box_static: float = 0.15
    box_drift: float = 0.6
    part_rate: float = 0.437
    part_bias: tuple[float, float, float, float] = (-0.009, 0.067, -0.193, -0.196)
    part_scale: tuple[float, float, float, float] = (0.14, 0.104, 0.255, 0.334)
    group_rate: float = 1.05
    group_bias: tuple[float, float, float, float] = (-0.216, -0.657, 0.056, 1.116)
    group_scale: tuple[float, float, float, float] = (0.831, 0.692, 0.233, 0.766)
    part_score_beta: tuple[float, float] = (0.506, 2.332)
    group_score_beta: tuple[float, float] = (0.463, 5.616)
    clutter_rate: float = 0.995
    clutter_score_beta: tuple[float, float] = (0.435, 1.985)
    clutter_height: float = 0.398
    clutter_height_log_std: float = 0.516
    clutter_aspect: float = 0.686
    spots: int = 13
    spot_score_logit: float = -2.942
    spot_score_logit_spread: float = 0.622
    spot_score_logit_std: float = 0.509

    def __post_init__(self) -> None:
        for name in ("strength", "box"):
            memory, static, drift = (getattr(self, f"{name}_{p}") for p in ("memory_s", "static", "drift"))
            if not memory > 0:
                raise ValueError(f"DetectorNoise.{name}_memory_s must be positive, got {memory}")
            if not (static >= 0 and drift >= 0 and static + drift <= 1):
                raise ValueError(f"DetectorNoise.{name}_static and _drift must be shares summing to <= 1")
        r = self.score_residual_quantiles
        if len(r) < 2 or any(b < a for a, b in zip(r, r[1:])):
            raise ValueError("DetectorNoise.score_residual_quantiles must be two or more increasing numbers")
        for name in ("part_rate", "group_rate", "clutter_rate", "spots"):
            if not getattr(self, name) >= 0:
                raise ValueError(f"DetectorNoise.{name} must be >= 0, got {getattr(self, name)}")

    @classmethod
    def perfect(cls) -> DetectorNoise:
        """A detector that finds everyone in view, boxes them exactly and sees nothing else."""
        zero = (0.0, 0.0, 0.0, 0.0)
        return cls(
            detect_logit=math.inf,
            detect_logit_per_log_height=0.0,
            detect_logit_per_hidden=0.0,
            score_logit=math.inf,
            score_logit_per_log_height=0.0,
            score_logit_per_hidden=0.0,
            score_residual_quantiles=(0.0, 0.0),
            box_bias=zero,
            box_scale=zero,
            box_weak_growth=zero,
            part_rate=0.0,
            group_rate=0.0,
            clutter_rate=0.0,
            spots=0,
        )

    def detect_probability(self, rel_height: np.ndarray, visible: np.ndarray) -> np.ndarray:
        """Probability that each person is detected (box height as a share of image height)."""
        return expit(
            self._linear(
                self.detect_logit, self.detect_logit_per_log_height, self.detect_logit_per_hidden, rel_height, visible
            )
        )

    def score_logit_mean(self, rel_height: np.ndarray, visible: np.ndarray) -> np.ndarray:
        """Mean score logit (before truncation) of each person when detected."""
        return self._linear(
            self.score_logit, self.score_logit_per_log_height, self.score_logit_per_hidden, rel_height, visible
        )

    @staticmethod
    def _linear(
        base: float, per_log_height: float, per_hidden: float, rel_height: np.ndarray, visible: np.ndarray
    ) -> np.ndarray:
        log_h = np.log(np.maximum(np.asarray(rel_height, dtype=np.float64), 1e-6) / REFERENCE_HEIGHT)
        hidden = 1.0 - np.asarray(visible, dtype=np.float64)
        return base + per_log_height * log_h + per_hidden * hidden


def score_from_quantile(mean: np.ndarray, residual_quantiles: tuple[float, ...], q: np.ndarray) -> np.ndarray:
    """Score whose logit is ``mean`` plus a residual with the given quantiles, truncated below
    at ``MEASURED_MIN_SCORE``.

    Args:
        mean: Logit means.
        residual_quantiles: Residual at evenly spaced probabilities (see `DetectorNoise`).
        q: Quantiles in (0, 1): 0 is the lowest score, 1 the highest.
    """
    r, probs = _quantile_table(residual_quantiles)
    low = np.interp(LOGIT_MIN_SCORE - mean, r, probs)
    return expit(mean + np.interp(low + q * (1 - low), probs, r))


@functools.lru_cache(maxsize=16)
def _quantile_table(residual_quantiles: tuple[float, ...]) -> tuple[np.ndarray, np.ndarray]:
    r = np.asarray(residual_quantiles, dtype=np.float64)
    return r, np.linspace(0.0, 1.0, len(r))


def tukey_h(z: np.ndarray, tail: np.ndarray | float) -> np.ndarray:
    """Tukey's h transform of standard normals: heavier tails, same median and core."""
    return z * np.exp(0.5 * np.asarray(tail) * z * z)


def move_boxes(xyxy: np.ndarray, err: np.ndarray) -> np.ndarray:
    """Boxes shifted by errors (centre x, top, bottom, log width ratio) in shares of box height.

    Edges move by exact increments, so zero error returns the boxes bit for bit; a bottom that
    would cross the top is kept one pixel below it.
    """
    h = xyxy[:, 3] - xyxy[:, 1]
    dx = err[:, 0] * h
    grow = 0.5 * (xyxy[:, 2] - xyxy[:, 0]) * np.expm1(err[:, 3])
    top = xyxy[:, 1] + err[:, 1] * h
    bottom = np.maximum(xyxy[:, 3] + err[:, 2] * h, top + 1.0)
    return np.stack([xyxy[:, 0] + dx - grow, top, xyxy[:, 2] + dx + grow, bottom], axis=1)


def close_pairs(xyxy: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Index pairs (i < j) of boxes standing side by side with a gap under ``CLOSE_GAP``.

    Side by side: their vertical extents overlap by at least half the shorter box, so a group
    box around both is plausible; people one behind the other are an occlusion, not a group.
    """
    b = np.asarray(xyxy, dtype=np.float64).reshape(-1, 4)
    i, j = _pairs(len(b))
    bi, bj = b[i], b[j]
    hi, hj = bi[:, 3] - bi[:, 1], bj[:, 3] - bj[:, 1]
    gap = np.maximum(bi[:, 0], bj[:, 0]) - np.minimum(bi[:, 2], bj[:, 2])
    overlap_y = np.minimum(bi[:, 3], bj[:, 3]) - np.maximum(bi[:, 1], bj[:, 1])
    ok = (gap < (0.5 * CLOSE_GAP) * (hi + hj)) & (overlap_y >= 0.5 * np.minimum(hi, hj))
    return i[ok], j[ok]


@functools.lru_cache(maxsize=256)
def _pairs(n: int) -> tuple[np.ndarray, np.ndarray]:
    return np.triu_indices(n, k=1)


# --- Counter-based randomness: numbers that depend only on their keys --------------------

_MASK64 = (1 << 64) - 1
_C1, _C2 = 0xFF51AFD7ED558CCD, 0xC4CEB9FE1A85EC53  # MurmurHash3's 64-bit finaliser
_U33, _U11 = np.uint64(33), np.uint64(11)
_UC1, _UC2 = np.uint64(_C1), np.uint64(_C2)
_STATIC_TAG, _KNOT_TAG, _FRAME_TAG = np.uint64(0x737461746963), np.uint64(0x6B6E6F74), np.uint64(0x6672616D)

BOX_ERROR_Z_CLIP = 3.5
"""Box-error normals are clipped here: the heavy tails would otherwise make absurd boxes."""

_DRIFT_TERMS = 5
"""Moving-average terms of the drift at each knot; the weight of the last is exp(-4)."""

_PHI = math.exp(-1.0)  # drift correlation from one knot to the next: knots are one memory apart
_DRIFT_WEIGHTS = _PHI ** np.arange(_DRIFT_TERMS) * math.sqrt((1 - _PHI**2) / (1 - _PHI ** (2 * _DRIFT_TERMS)))
_AHEAD = np.append(_DRIFT_WEIGHTS, 0.0)[:, None, None]  # the drift at knot + 1 from hashed normals
_NOW = np.append(0.0, _DRIFT_WEIGHTS)[:, None, None]  # the drift at knot
_DRIFT_LAGS = np.arange(-1, _DRIFT_TERMS)[:, None, None]
_TWO_PHI = 2 * _PHI
_FRAME_INT = int(_FRAME_TAG)


def _fmix_int(x: int) -> int:
    x &= _MASK64
    x ^= x >> 33
    x = (x * _C1) & _MASK64
    x ^= x >> 33
    x = (x * _C2) & _MASK64
    return x ^ (x >> 33)


def _fmix(x: np.ndarray) -> np.ndarray:
    x = x ^ (x >> _U33)
    x *= _UC1
    x ^= x >> _U33
    x *= _UC2
    x ^= x >> _U33
    return x


def _salts(values: np.ndarray, tag: np.uint64) -> np.ndarray:
    return _fmix(np.atleast_1d(np.asarray(values, dtype=np.int64)).astype(np.uint64) ^ tag)


def stream_salt(*keys: int) -> int:
    """A 64-bit salt naming one random stream, e.g. (seed, camera, purpose)."""
    h = 0x9E3779B97F4A7C15
    for key in keys:
        h = _fmix_int(h ^ (int(key) & _MASK64))
    return h


def id_keys(ids: np.ndarray, salt: int) -> np.ndarray:
    """uint64 key of each id (person, spot, box component) within a stream."""
    return _fmix(np.asarray(ids, dtype=np.int64).astype(np.uint64) ^ np.uint64(salt))


def uniforms(keys: np.ndarray, salts: np.ndarray | np.uint64) -> np.ndarray:
    """Uniform numbers in (0, 1), one per element of ``keys ^ salts`` (broadcast)."""
    return (_fmix(keys ^ salts) >> _U11) * 2.0**-53 + 2.0**-54


class Drifting:
    """Standard normals per key made of a constant, a drifting and a per-frame part.

    The drift is an Ornstein-Uhlenbeck process (correlation ``exp(-dt / memory_s)``) computed
    at knots one memory apart as a moving average of hashed normals and interpolated between
    them, so any instant can be drawn without the ones before it.

    Args:
        memory_s: (c,) time constant of the drift, seconds; column j of the keys uses entry j.
        static: (c,) share of variance that never changes for a key.
        drift: (c,) share of variance that drifts; the rest is new every frame.
    """

    def __init__(self, memory_s: np.ndarray, static: np.ndarray, drift: np.ndarray) -> None:
        s, d = np.asarray(static, dtype=np.float64), np.asarray(drift, dtype=np.float64)
        self._per_memory = 1.0 / np.asarray(memory_s, dtype=np.float64)
        self._drift, self._static, self._fresh = d, np.sqrt(s), np.sqrt(1 - s - d)

    def normals(self, keys: np.ndarray, t_s: float | np.ndarray, frame: int | np.ndarray) -> np.ndarray:
        """(n, c) normals of (n, c) uint64 keys (from `id_keys`) at time ``t_s`` and frame
        index ``frame`` (numbers, or (n, 1) arrays)."""
        pos = np.atleast_2d(np.asarray(t_s, dtype=np.float64) * self._per_memory)
        knot = np.floor(pos)
        a = pos - knot
        salts = np.empty((_DRIFT_TERMS + 3, *pos.shape), dtype=np.uint64)
        salts[: _DRIFT_TERMS + 1] = _salts(knot - _DRIFT_LAGS, _KNOT_TAG)  # knot + 1, knot, knot - 1, ...
        salts[-2] = _STATIC_TAG
        salts[-1] = np.uint64(_fmix_int(int(frame) ^ _FRAME_INT)) if np.ndim(frame) == 0 else _salts(frame, _FRAME_TAG)
        z = ndtri(uniforms(keys, salts))
        # one weighted sum: drift (interpolated between the knots' moving averages), static, fresh
        weights = np.empty(salts.shape)
        b = 1 - a
        weights[: _DRIFT_TERMS + 1] = (a * _AHEAD + b * _NOW) * np.sqrt(
            self._drift / (b * b + a * a + _TWO_PHI * a * b)
        )
        weights[-2] = self._static
        weights[-1] = self._fresh
        return (weights * z).sum(axis=0)


def persistent_normals(
    keys: np.ndarray,
    t_s: float | np.ndarray,
    frame: int | np.ndarray,
    memory_s: np.ndarray,
    static: np.ndarray,
    drift: np.ndarray,
) -> np.ndarray:
    """`Drifting` normals in one call (see there for the arguments)."""
    return Drifting(memory_s, static, drift).normals(keys, t_s, frame)
