"""A person detector for simulated cameras: the boxes the default detector would report.

`SimDetector` plugs into the pipeline where a real detector goes. For each frame it looks up
the simulated people at that instant, projects them into the camera (`camera_view`) and draws
misses, box errors, extra boxes on people and clutter from a `DetectorNoise` model measured on
the real detector, so the tracker and analytics meet the same kind of mistakes as on video.
Each box also gets the colour descriptor the tracker would compute from its pixels
(`storelens.sim.appearance`), since the simulated frames themselves are black.

Every number drawn depends only on (seed, camera, frame, person): cameras and frames can be
simulated in any order, in parallel or again, and give the same boxes.
"""

from __future__ import annotations

import threading
import zlib
from dataclasses import dataclass, field
from typing import Protocol

import numpy as np
from scipy.special import expit, ndtr

from storelens.sim.appearance import LOOK_TERMS, AppearanceModel, BoxSources, SimAppearance, Uniformed
from storelens.sim.camera_view import MIN_INSIDE_FRACTION, CameraView, Projector
from storelens.sim.model import PeopleFrame, SimCamera
from storelens.sim.noise import (
    BOX_ERROR_Z_CLIP,
    LOGIT_MIN_SCORE,
    MEASURED_MIN_SCORE,
    DetectorNoise,
    Drifting,
    close_pairs,
    id_keys,
    move_boxes,
    score_from_quantile,
    stream_salt,
    tukey_h,
)
from storelens.types import Detections, Frame

__all__ = ["CLUTTER_PERSON_M", "PeopleLogLike", "SimDetector"]

CLUTTER_PERSON_M = (1.7, 0.45)
"""Height and width of the person whose box at a floor point sizes clutter there."""

_CLUTTER_CANDIDATES = 512
"""Clutter boxes drawn once per camera, at random floor points, for frames to pick from."""

_MIN_BOX_PX = 1.0
"""Boxes narrower or shorter than this after clipping to the image are dropped."""

_PEOPLE, _SPOTS, _LAYOUT, _FRAMES, _LOOKS = 1, 2, 3, 4, 5
"""Purposes of the random streams of a camera."""

_COMPONENTS = 5
"""Per person: detection strength, then the errors of centre x, top, bottom and log width.
``LOOK_TERMS`` more drifting normals, keyed apart, shape their look (`SimAppearance`)."""


class PeopleLogLike(Protocol):
    """The simulated people over time (`storelens.sim.people.PeopleLog` or a stand-in)."""

    @property
    def fps(self) -> float: ...

    def frame(self, k: int) -> PeopleFrame: ...


@dataclass(frozen=True, slots=True)
class _CameraState:
    projector: Projector
    people_salt: int
    look_salt: int
    clutter: np.ndarray  # (m, 4) clutter boxes standing where people could, sizes drawn once
    spot_boxes: np.ndarray  # (s, 4)
    spot_keys: np.ndarray  # (s, 5 + LOOK_TERMS) uint64; only the first column is used (the spot's strength)
    spot_logit: np.ndarray  # (s,) mean score logit of each spot
    frame_key: np.ndarray  # (2,) uint64 Philox key of the per-frame white noise
    bits: np.random.Philox = field(repr=False)
    rng: np.random.Generator = field(repr=False)
    lock: threading.Lock = field(repr=False)
    limits: np.ndarray = field(repr=False)  # (4,) image width, height, width, height

    def frame_rng(self, k: int) -> np.random.Generator:
        """The generator of frame ``k``: a Philox counter set to k (cheaper than seeding anew)."""
        self.bits.state = {
            "bit_generator": "Philox",
            "state": {"counter": np.array([0, 0, 0, k], dtype=np.uint64), "key": self.frame_key},
            "buffer": np.zeros(4, dtype=np.uint64),
            "buffer_pos": 4,
            "has_uint32": 0,
            "uinteger": 0,
        }
        return self.rng


class SimDetector:
    """Simulated detections for the cameras of a simulated store.

    Args:
        log: The simulated people; ``log.frame(k)`` is everyone at simulation frame k.
        cameras: The simulated cameras by camera id.
        noise: How the detector errs (defaults: measured on the bundled SSD-MobileNetV2).
        seed: Seed of all randomness.
        min_score: Lowest score a returned box may have, as for a real detector. The model
            draws no score below ``MEASURED_MIN_SCORE`` (0.1), so lower values change nothing.
        appearance: How people look to the colour cue (defaults: fitted on real footage).
        uniformed: Who wears the staff uniform (None: nobody).

    A frame's ``index`` counts that camera's frames at ``camera.fps``; it is mapped to the
    nearest simulation frame at ``log.fps`` (the same index when the rates are equal).
    """

    def __init__(
        self,
        log: PeopleLogLike,
        cameras: dict[str, SimCamera],
        noise: DetectorNoise = DetectorNoise(),
        seed: int = 0,
        min_score: float = MEASURED_MIN_SCORE,
        appearance: AppearanceModel = AppearanceModel(),
        uniformed: Uniformed | None = None,
    ) -> None:
        self.min_score = min_score
        self._log = log
        self._noise = noise
        self._seed = seed
        n, a = noise, appearance
        self._latent = Drifting(
            *(
                np.array([strength] + [box] * 4 + [look] * LOOK_TERMS)
                for strength, box, look in (
                    (n.strength_memory_s, n.box_memory_s, a.look_memory_s),
                    (n.strength_static, n.box_static, a.look_static),
                    (n.strength_drift, n.box_drift, a.look_drift),
                )
            )
        )
        self._box = tuple(
            np.asarray(v, dtype=np.float64) for v in (n.box_bias, n.box_scale, n.box_tail, n.box_weak_growth)
        )
        self._extra = (np.array([n.part_bias, n.group_bias]), np.array([n.part_scale, n.group_scale]))
        self._cameras = {cid: self._prepare(cam) for cid, cam in cameras.items()}
        self._appearance = SimAppearance(appearance, seed, list(cameras), uniformed)

    def __call__(self, frame: Frame) -> Detections:
        state = self._state(frame.camera_id)
        people = self._people(frame, state)
        view = state.projector.view(people)
        with state.lock:
            boxes, scores, keep, sources, look = self._detect(state, view, people.index, people.t_s)
            described = self._appearance.describe(frame.camera_id, view, look, sources, boxes, people.index)
        return Detections(
            camera_id=frame.camera_id,
            frame_index=frame.index,
            ts=frame.ts,
            xyxy_px=boxes[keep],
            confidence=scores[keep],
            class_id=np.zeros(int(keep.sum()), np.int32),
            appearance=described[keep],
        )

    def detect_view(self, camera_id: str, view: CameraView, k: int, t_s: float) -> tuple[np.ndarray, np.ndarray]:
        """Boxes and scores the detector reports for a given view (e.g. ground-truth boxes).

        Args:
            camera_id: One of the detector's cameras (image size, clutter, random streams).
            view: The true boxes; ``person_id`` keys each person's drifting randomness.
            k: Simulation frame index.
            t_s: Simulation time, seconds.

        Returns:
            (m, 4) float64 boxes clipped to the image and (m,) float64 scores >= ``min_score``.
        """
        state = self._state(camera_id)
        with state.lock:
            boxes, scores, keep, _, _ = self._detect(state, view, k, t_s)
        return boxes[keep], scores[keep]

    def true_boxes(self, frame: Frame) -> CameraView:
        """The exact boxes of the people this camera sees in ``frame``, before any noise."""
        state = self._state(frame.camera_id)
        return state.projector.view(self._people(frame, state))

    def _detect(
        self, state: _CameraState, view: CameraView, k: int, t_s: float
    ) -> tuple[np.ndarray, np.ndarray, np.ndarray, BoxSources, np.ndarray]:
        """All boxes clipped to the image, their scores, which to report, whom they show, and
        each person's look normals (see `SimAppearance.describe`)."""
        boxes, scores, sources, look = self._draw(state, view, t_s, k)
        boxes = np.minimum(np.maximum(boxes, 0.0), state.limits)
        keep = (
            (boxes[:, 2] - boxes[:, 0] >= _MIN_BOX_PX)
            & (boxes[:, 3] - boxes[:, 1] >= _MIN_BOX_PX)
            & (scores >= self.min_score)
        )
        return boxes, scores, keep, sources, look

    def _state(self, camera_id: str) -> _CameraState:
        try:
            return self._cameras[camera_id]
        except KeyError:
            raise KeyError(f"SimDetector has no camera {camera_id!r} (has {sorted(self._cameras)})") from None

    def _people(self, frame: Frame, state: _CameraState) -> PeopleFrame:
        return self._log.frame(round(frame.index * self._log.fps / state.projector.camera.fps))

    def _prepare(self, camera: SimCamera) -> _CameraState:
        """Per-camera constants: random salts, where clutter can appear, and the clutter spots."""
        noise = self._noise
        projector = Projector(camera)
        key = zlib.crc32(camera.camera_id.encode())
        rng = np.random.default_rng([self._seed, key, _LAYOUT])
        size = [camera.width, camera.height]
        floor = camera.camera.image_to_floor(rng.random((_CLUTTER_CANDIDATES, 2)) * size)
        floor = floor[np.isfinite(floor).all(axis=1)]
        height_m, width_m = CLUTTER_PERSON_M
        boxes, _, usable = projector.boxes(floor, np.full(len(floor), height_m), np.full(len(floor), width_m))
        clipped = np.clip(boxes, 0.0, size * 2)
        inside = (clipped[:, 2] - clipped[:, 0]) * (clipped[:, 3] - clipped[:, 1])
        area = (boxes[:, 2] - boxes[:, 0]) * (boxes[:, 3] - boxes[:, 1])
        b = boxes[usable & (area > 0) & (inside >= MIN_INSIDE_FRACTION * area)]
        feet = np.stack([(b[:, 0] + b[:, 2]) / 2, b[:, 3], b[:, 3] - b[:, 1]], axis=1)
        spots = noise.spots if len(feet) else 0
        frame_key = np.array([stream_salt(self._seed, key, _FRAMES, i) for i in range(2)], dtype=np.uint64)
        bits = np.random.Philox(key=frame_key)
        return _CameraState(
            projector=projector,
            people_salt=stream_salt(self._seed, key, _PEOPLE),
            look_salt=stream_salt(self._seed, key, _LOOKS),
            clutter=self._clutter_boxes(feet, rng),
            spot_boxes=self._clutter_boxes(feet[rng.integers(len(feet), size=spots)] if spots else feet[:0], rng),
            spot_keys=id_keys(
                np.arange(spots * _COMPONENTS).reshape(-1, _COMPONENTS)[:, [*range(_COMPONENTS)] + [0] * LOOK_TERMS],
                stream_salt(self._seed, key, _SPOTS),
            ),
            spot_logit=noise.spot_score_logit + noise.spot_score_logit_spread * rng.standard_normal(spots),
            frame_key=frame_key,
            bits=bits,
            rng=np.random.Generator(bits),
            lock=threading.Lock(),
            limits=np.array(size * 2, dtype=np.float64),
        )

    def _clutter_boxes(self, feet: np.ndarray, rng: np.random.Generator) -> np.ndarray:
        """Clutter boxes standing on the given foot points, sized like the measured clutter."""
        noise = self._noise
        h = feet[:, 2] * noise.clutter_height * np.exp(noise.clutter_height_log_std * rng.standard_normal(len(feet)))
        half_w = 0.5 * noise.clutter_aspect * h
        return np.stack([feet[:, 0] - half_w, feet[:, 1] - h, feet[:, 0] + half_w, feet[:, 1]], axis=1)

    def _draw(
        self, state: _CameraState, view: CameraView, t_s: float, k: int
    ) -> tuple[np.ndarray, np.ndarray, BoxSources, np.ndarray]:
        """All boxes and scores of one frame, before clipping and the score threshold; whom
        they show; and the people's look normals."""
        noise = self._noise
        rng = state.frame_rng(k)
        true = view.xyxy_px
        n = len(true)
        rel_h = (true[:, 3] - true[:, 1]) / state.projector.camera.height

        # drifting randomness of people (detection, box errors, looks) and spots in one draw
        pid = view.person_id[:, None]
        box_keys = id_keys(pid * _COMPONENTS + np.arange(_COMPONENTS), state.people_salt)
        look_keys = id_keys(pid * LOOK_TERMS + np.arange(LOOK_TERMS), state.look_salt)
        keys = np.concatenate([box_keys, look_keys], axis=1)
        z = self._latent.normals(np.concatenate([keys, state.spot_keys]), t_s, k)

        # people: detected while their strength beats the probability; the margin sets the score
        u = ndtr(z[:n, 0])
        p = noise.detect_probability(rel_h, view.visible)
        hit = u < p
        person_scores = score_from_quantile(
            noise.score_logit_mean(rel_h[hit], view.visible[hit]), noise.score_residual_quantiles, 1 - u[hit] / p[hit]
        )
        bias, scale, tail, growth = self._box
        spread = scale * np.exp(growth * (1 - person_scores[:, None]))
        found_err = bias + spread * tukey_h(
            np.minimum(np.maximum(z[:n][hit, 1:_COMPONENTS], -BOX_ERROR_Z_CLIP), BOX_ERROR_Z_CLIP), tail
        )

        # part boxes of people and group boxes around close pairs
        owner = np.repeat(np.arange(n), rng.poisson(noise.part_rate, n))
        i, j = close_pairs(true)
        pair = np.repeat(np.arange(len(i)), rng.poisson(noise.group_rate, len(i)))
        i, j = i[pair], j[pair]
        union = np.concatenate([np.minimum(true[i, :2], true[j, :2]), np.maximum(true[i, 2:], true[j, 2:])], axis=1)
        rows = np.repeat([0, 1], [len(owner), len(pair)])
        extra_bias, extra_scale = self._extra[0][rows], self._extra[1][rows]
        moved = move_boxes(
            np.concatenate([true[hit], true[owner], union]),
            np.concatenate([found_err, extra_bias + extra_scale * rng.standard_normal(extra_bias.shape)]),
        )
        part_scores = _beta_scores(rng, len(owner), noise.part_score_beta)
        group_scores = _beta_scores(rng, len(pair), noise.group_score_beta)

        # clutter: transient boxes where a person could stand, and fixed spots
        n_clutter = rng.poisson(noise.clutter_rate) if len(state.clutter) else 0
        clutter = state.clutter[rng.integers(len(state.clutter), size=n_clutter)] if n_clutter else state.clutter[:0]
        clutter_scores = _beta_scores(rng, n_clutter, noise.clutter_score_beta)
        spot_logit = state.spot_logit + noise.spot_score_logit_std * z[n:, 0]
        fired = spot_logit >= LOGIT_MIN_SCORE

        boxes = np.concatenate([moved, clutter, state.spot_boxes[fired]])
        scores = np.concatenate([person_scores, part_scores, group_scores, clutter_scores, expit(spot_logit[fired])])
        sources = BoxSources(hit.nonzero()[0], owner, np.stack([i, j], axis=1), n_clutter + int(fired.sum()))
        return boxes, scores, sources, z[:n, _COMPONENTS:]


def _beta_scores(rng: np.random.Generator, n: int, ab: tuple[float, float]) -> np.ndarray:
    return MEASURED_MIN_SCORE + (1 - MEASURED_MIN_SCORE) * rng.beta(ab[0], ab[1], n)
