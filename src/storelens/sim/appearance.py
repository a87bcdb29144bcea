"""What the tracker's colour cue would see of simulated people, without drawing any pixels.

Simulated frames are black, so `torso_histograms` would describe every box alike and the
tracker and fusion would lose the cue they use to tell people apart. Instead the simulated
detector describes each box directly, in the same format (per body part, 12 hue x 4
saturation bins, L1-normalised), from a model fitted to the distances measured on real
footage (``bench/measure_appearance.py``, docs/sim-noise-model.md):

* **Clothes.** Each person wears an upper and a lower garment, drawn once from (seed, person):
  most are black, grey or dull (low saturation, a warm or cool tint, as real dark pixels
  have), the rest coloured with the hues clothes come in. Staff wear the uniform (`Uniformed`):
  its coloured top, a little faded or bright from one shirt to the next, and dark trousers.
  What a camera sees of them drifts over time (pose, side, light): the clothes' histogram plus
  fixed per-person deviations weighted by drifting normals.
* **Cameras.** Each camera shifts hue and scales saturation a little (white balance, light)
  and has its own background, part of every torso crop.
* **Observations.** A box shows its person mixed with the background, and with whoever hides
  it as far as they do; then histogram noise that shrinks with the number of pixels described.
  Part boxes show their owner (noisier: fewer pixels), group boxes both people, clutter the scene.

Clothes are hashed from (seed, person) and cached per camera, casts drawn from (seed, camera);
per-frame noise is keyed by (seed, camera, frame, row); the drift weights are `Drifting`
normals the detector draws with its own (``LOOK_TERMS`` per person and camera). So any frame
of any camera can be described alone, in any order, with the same result.
"""

from __future__ import annotations

import zlib
from dataclasses import dataclass

import numpy as np
from scipy.special import ndtri

from storelens.analytics.staff import UniformColour
from storelens.sim.camera_view import CameraView
from storelens.sim.noise import id_keys, stream_salt, uniforms
from storelens.track.appearance import APPEARANCE_DIM, BODY_PARTS

__all__ = ["LOOK_TERMS", "AppearanceModel", "BoxSources", "SimAppearance", "Uniformed"]

LOOK_TERMS = 3
"""Drifting normals per person and camera that weight how their look deviates from their clothes.
Several, so that looks far apart in time differ in several ways at once, as real ones do."""

_HUE_BINS, _SAT_BINS = 12, 4
_PARTS = len(BODY_PARTS)
_PER_PART = _HUE_BINS * _SAT_BINS
assert _PARTS * _PER_PART == APPEARANCE_DIM, "keep in step with storelens.track.appearance"

_HUE_CENTRES = np.arange(_HUE_BINS) + 0.5
_SAT_CENTRES = np.arange(_SAT_BINS) + 0.5
_PART_HEIGHT = np.array([bottom - top for top, bottom in BODY_PARTS])
_CROP_WIDTH = 0.6  # torso_histograms describes the central 60 % of a box's width

_GREY_TINTS = np.array([0.0, 7.5])  # hue (bins) of dark pixels: warm (red-orange) or cool (blue)
_GREY_TINT_P = np.array([0.6, 0.4])
_CLOTH_HUES = np.array([7.5, 0.0, 1.0, 2.0, 4.0, 9.5])  # blue, red, orange-brown, yellow, green, purple
_CLOTH_HUE_P = np.array([0.35, 0.2, 0.15, 0.1, 0.1, 0.1])  # sums to 1

_SCENES = 8
"""Background histograms per camera: clutter boxes show one of them, people their mean."""
_NOISE_BANK = 4096
"""Rows of standard normals that per-frame histogram noise reads, from a start row hashed from
(camera, frame): much cheaper than drawing fresh normals."""
_GARMENT_KEYS = 4  # per part: grey?, tint or hue choice, hue, saturation


@dataclass(frozen=True, slots=True)
class AppearanceModel:
    """Parameters of simulated appearance; fitted in bench/measure_appearance.py.

    Hues are in histogram bins (12 around the circle), saturations in bins (4 from grey to vivid).

    Attributes:
        grey_share: Share of garments that are black, grey, white or dull.
        grey_saturation: Largest saturation centre of a grey garment.
        colour_saturation: Range of saturation centres of coloured garments.
        hue_width: Spread (sd, bins) of a garment's hue around its centre.
        sat_width: Spread (sd, bins) of its saturation.
        hue_floor: Share of a garment's pixels spread over all hues (prints, skin, bags).
        background: Share of a torso crop that is background (the box is wider than a body).
        look_samples: At any instant a person looks like their clothes' histogram resampled
            from this many independent samples (front or back, lit or shaded, arms up or
            down): fewer, more variable.
        look_memory_s: Memory of the drift of the look.
        look_static: Share of that drift's variance fixed per person and camera.
        look_drift: Share that drifts; the rest is new every frame (pose).
        pixels_per_sample: Neighbouring pixels are alike: this many count as one independent sample.
        max_samples: Ceiling on independent samples per part: big boxes still vary with pose.
        cast_hue: Spread (sd, bins) of a camera's hue shift.
        cast_saturation: Spread (sd, log) of a camera's saturation gain.
        occlusion: Share of the hidden part of a box that shows the person hiding it.
    """

    grey_share: float = 0.6
    grey_saturation: float = 0.6
    colour_saturation: tuple[float, float] = (1.0, 3.5)
    hue_width: float = 0.6
    sat_width: float = 0.7
    hue_floor: float = 0.1
    background: float = 0.15
    look_samples: float = 6.5
    look_memory_s: float = 2.0
    look_static: float = 0.0
    look_drift: float = 0.9
    pixels_per_sample: float = 3.0
    max_samples: float = 2000.0
    cast_hue: float = 0.2
    cast_saturation: float = 0.1
    occlusion: float = 1.0


@dataclass(frozen=True, slots=True)
class Uniformed:
    """Who wears the staff uniform, and its top's colour (#rrggbb).

    Attributes:
        person_id: (k,) ids of the people in uniform.
        colour: The top's colour; the trousers are dark.
    """

    person_id: np.ndarray
    colour: str


UNIFORM_HUE_JITTER = 0.2
"""Spread (bins, uniform) of a uniform top's hue from one shirt to the next: dye lots, wear."""
UNIFORM_SATURATION_JITTER = 0.1
"""Spread (share, uniform) of its saturation: faded or new."""


@dataclass(frozen=True, slots=True)
class BoxSources:
    """Whom the boxes of one frame show, in the detector's row order: detected people, part
    boxes, group boxes, then clutter (background only).

    Attributes:
        person: (a,) view rows of the detected people.
        part: (b,) view rows of the owners of part boxes.
        group: (c, 2) view rows of the two people inside each group box.
        clutter: Number of clutter boxes (transient and fixed spots).
    """

    person: np.ndarray
    part: np.ndarray
    group: np.ndarray
    clutter: int


class _CameraLooks:
    """Per-camera constants and each person's clothes and look deviations in this camera (cached)."""

    def __init__(self, model: AppearanceModel, seed: int, camera_id: str, uniformed: Uniformed | None = None) -> None:
        key = zlib.crc32(camera_id.encode())
        self.uniformed = uniformed
        rng = np.random.default_rng([seed, key, 0x6C6F6F6B])
        self.model = model
        self.hue_shift = model.cast_hue * rng.standard_normal()
        self.sat_gain = np.exp(model.cast_saturation * rng.standard_normal())
        hue, sat = _grey_colours(*rng.random((2, _SCENES)), model)
        scenes = _histograms(hue + self.hue_shift, sat * self.sat_gain, model)
        self.scenes = np.concatenate([scenes, scenes], axis=1).astype(np.float32)  # same behind both parts
        background = self.scenes.mean(axis=0)
        self.behind_person = (model.background * background).astype(np.float32)  # around a person in a crop
        self.noise_salt = stream_salt(seed, key, 0x6E6F6973)
        self._garment_salt = stream_salt(seed, 0x636C6F74)  # clothes: the same in every camera
        self._rows: dict[int, int] = {}
        self._looks = np.zeros((0, 1 + LOOK_TERMS, APPEARANCE_DIM), np.float32)

    def looks(self, person_id: np.ndarray) -> np.ndarray:
        """(n, 1 + LOOK_TERMS, 96): each person's clothes in this camera, then the deviations
        that the look normals weight; all scaled by the share of the crop that is not background."""
        ids = person_id.tolist()
        new = list(dict.fromkeys(p for p in ids if p not in self._rows))
        if new:
            used = len(self._rows)
            if used + len(new) > len(self._looks):  # grow by doubling: a day brings thousands of people
                grown = np.zeros((2 * (used + len(new)), *self._looks.shape[1:]), np.float32)
                grown[:used] = self._looks[:used]
                self._looks = grown
            self._looks[used : used + len(new)] = self._render(np.array(new, dtype=np.int64))
            self._rows.update(zip(new, range(used, used + len(new))))
        return self._looks[[self._rows[p] for p in ids]]

    def _render(self, person_id: np.ndarray) -> np.ndarray:
        """Clothes and look deviations of new people (see `looks`)."""
        m = self.model
        n = len(person_id)
        garment_keys = _PARTS * _GARMENT_KEYS
        look_keys = LOOK_TERMS * APPEARANCE_DIM
        per_person = garment_keys + look_keys
        u = uniforms(id_keys(person_id[:, None] * per_person + np.arange(per_person), self._garment_salt), np.uint64(0))
        hue, sat = _garments(u[:, :garment_keys].reshape(n, _PARTS, _GARMENT_KEYS), m)
        if self.uniformed is not None:
            _dress_staff(hue, sat, u[:, :garment_keys].reshape(n, _PARTS, _GARMENT_KEYS), person_id, self.uniformed, m)
        clothes = _histograms(hue + self.hue_shift, sat * self.sat_gain, m).reshape(n, 1, APPEARANCE_DIM)
        # resampling noise, split over the terms so that the weighted sum has the right spread,
        # and made to sum to zero per body part so that a look stays (nearly) normalised
        z = ndtri(u[:, garment_keys:]).reshape(n, LOOK_TERMS, APPEARANCE_DIM)
        dev = (np.sqrt(clothes / (m.look_samples * LOOK_TERMS)) * z).reshape(n, LOOK_TERMS, _PARTS, _PER_PART)
        c3 = clothes.reshape(n, 1, _PARTS, _PER_PART)
        dev = (dev - c3 * dev.sum(axis=3, keepdims=True)).reshape(n, LOOK_TERMS, APPEARANCE_DIM)
        return ((1 - m.background) * np.concatenate([clothes, dev], axis=1)).astype(np.float32)


def _dress_staff(
    hue: np.ndarray, sat: np.ndarray, u: np.ndarray, person_id: np.ndarray, uniformed: Uniformed, m: AppearanceModel
) -> None:
    """Put the people in uniform into it, in place: (n, parts) hue and saturation centres, from
    the same uniforms ``u[..., 0:4]`` their own clothes were drawn from."""
    staff = np.isin(person_id, uniformed.person_id)
    if not staff.any():
        return
    top = UniformColour.from_hex(uniformed.colour)
    hue[staff, 0] = top.hue + UNIFORM_HUE_JITTER * (u[staff, 0, 2] - 0.5) * 2
    sat[staff, 0] = top.saturation * (1 + UNIFORM_SATURATION_JITTER * (u[staff, 0, 3] - 0.5) * 2)
    hue[staff, 1], sat[staff, 1] = _grey_colours(u[staff, 1, 1], 0.5 * u[staff, 1, 3], m)


def _garments(u: np.ndarray, m: AppearanceModel) -> tuple[np.ndarray, np.ndarray]:
    """Hue and saturation centres of garments, grey or coloured, from uniforms u[..., 0:4]."""
    grey = u[..., 0] < m.grey_share
    g_hue, g_sat = _grey_colours(u[..., 1], u[..., 3], m)
    pick = np.minimum(np.searchsorted(np.cumsum(_CLOTH_HUE_P), u[..., 1]), len(_CLOTH_HUES) - 1)
    c_hue = _CLOTH_HUES[pick] + (u[..., 2] - 0.5)
    lo, hi = m.colour_saturation
    return np.where(grey, g_hue, c_hue), np.where(grey, g_sat, lo + (hi - lo) * u[..., 3])


def _grey_colours(u_tint: np.ndarray, u_sat: np.ndarray, m: AppearanceModel) -> tuple[np.ndarray, np.ndarray]:
    """Hue (a warm or cool tint, as dark pixels have) and saturation centre of grey things."""
    p = _GREY_TINT_P[0]
    warm = u_tint < p
    jitter = np.where(warm, u_tint / p, (u_tint - p) / (1 - p)) - 0.5
    return np.where(warm, _GREY_TINTS[0], _GREY_TINTS[1]) + jitter, m.grey_saturation * u_sat


def _histograms(hue: np.ndarray, sat: np.ndarray, m: AppearanceModel) -> np.ndarray:
    """(..., 48) hue-saturation histograms around the given centres, summing to 1."""
    d = (_HUE_CENTRES - hue[..., None] + _HUE_BINS / 2) % _HUE_BINS - _HUE_BINS / 2
    h = np.exp(-0.5 * (d / m.hue_width) ** 2)
    h = (1 - m.hue_floor) * h / h.sum(axis=-1, keepdims=True) + m.hue_floor / _HUE_BINS
    s = np.exp(-0.5 * ((_SAT_CENTRES - np.clip(sat, 0.0, _SAT_BINS)[..., None]) / m.sat_width) ** 2)
    s /= s.sum(axis=-1, keepdims=True)
    return (h[..., :, None] * s[..., None, :]).reshape(*hue.shape, _PER_PART)


class SimAppearance:
    """Appearance descriptors for the boxes of simulated cameras.

    Args:
        model: The appearance model.
        seed: Seed of all randomness (clothes, casts, noise).
        camera_ids: The cameras to describe for.
        uniformed: Who wears the staff uniform; None: nobody.
    """

    def __init__(
        self, model: AppearanceModel, seed: int, camera_ids: list[str], uniformed: Uniformed | None = None
    ) -> None:
        self.model = model
        self._cameras = {c: _CameraLooks(model, seed, c, uniformed) for c in camera_ids}
        rng = np.random.default_rng([seed, 0x62616E6B])
        self._bank = rng.standard_normal((_NOISE_BANK, _PARTS, _PER_PART), dtype=np.float32)
        self._per_area = model.pixels_per_sample / (_CROP_WIDTH * _PART_HEIGHT)  # samples = area / this

    def describe(
        self, camera_id: str, view: CameraView, look: np.ndarray, sources: BoxSources, boxes: np.ndarray, k: int
    ) -> np.ndarray:
        """(m, 96) float32 descriptors of the boxes of frame ``k``, formatted like `torso_histograms`.

        Args:
            camera_id: The camera.
            view: Everyone in view (true boxes, visible share, depth).
            look: (n, LOOK_TERMS) drifting standard normals per person in view: how their look
                deviates from their clothes now.
            sources: Whom each box shows (``boxes`` rows in that order).
            boxes: (m, 4) the reported boxes in pixels: their size sets the histogram noise.
            k: Frame index (keys the noise).
        """
        cam = self._cameras[camera_id]
        looks = cam.looks(view.person_id)
        drift = (look.astype(np.float32)[:, None, :] @ looks[:, 1:])[:, 0]
        own = np.maximum(looks[:, 0] + drift, 0.0) + cam.behind_person
        seen = self._occluded(own, view)
        g = sources.group
        salt = stream_salt(cam.noise_salt, k)
        clean = np.concatenate(
            [
                seen[np.concatenate([sources.person, sources.part])],
                0.5 * (seen[g[:, 0]] + seen[g[:, 1]]),
                cam.scenes[id_keys(np.arange(sources.clutter), salt) % np.uint64(_SCENES)],
            ]
        )
        return self._noisy(clean, boxes, salt)

    def _occluded(self, own: np.ndarray, view: CameraView) -> np.ndarray:
        """Each person's look with the hidden share showing who hides them: the nearer person
        whose box centre is closest (cheaper than overlaps, and the same person but for odd
        crowds)."""
        hid = (view.visible < 1.0).nonzero()[0]
        if not len(hid):
            return own
        b, d = view.xyxy_px, view.depth_m
        cx = b[:, 0] + b[:, 2]
        apart = np.abs(cx[hid, None] - cx) + np.where(d < d[hid, None], 0.0, np.inf)
        share = np.float32(self.model.occlusion) * (1.0 - view.visible[hid, None]).astype(np.float32)
        seen = own.copy()
        seen[hid] += share * (own[apart.argmin(axis=1)] - own[hid])
        return seen

    def _noisy(self, p: np.ndarray, boxes: np.ndarray, salt: int) -> np.ndarray:
        """Histograms resampled from ``p`` as from the pixels of each box's parts, renormalised."""
        wh = boxes[:, 2:] - boxes[:, :2]
        area = np.maximum(wh[:, 0] * wh[:, 1], 1.0)
        spread = np.sqrt(self._per_area / area[:, None] + 1.0 / self.model.max_samples)  # 1 / sqrt(samples)
        start = salt % _NOISE_BANK
        q = np.take(self._bank, np.arange(start, start + len(p)), axis=0, mode="wrap")  # a copy, so in place below
        p3 = p.reshape(len(p), _PARTS, _PER_PART)
        q *= spread[:, :, None].astype(np.float32)
        q *= np.sqrt(p3)
        q += p3
        np.maximum(q, 0.0, out=q)
        q /= np.maximum(q.sum(axis=2, keepdims=True), 1e-12)
        return q.reshape(len(p), APPEARANCE_DIM)
