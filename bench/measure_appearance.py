"""Measure the tracker's colour cue on real footage and check the simulator's model of it.

The tracker describes each box by `torso_histograms` and compares descriptors with
`appearance_distance`. This script computes both, exactly as the pipeline does, on the
ground-truth boxes of PETS09-S2L1 (View_001, 7 fps) and TUD-Campus (25 fps), and reports the
distance quantiles of:

* the same person in the same camera, consecutive frames, ~2 s and ~10 s apart;
* the same person in the same camera, >= 10 s apart and walking the opposite way (seen from the
  other side, elsewhere in the light): the stand-in for the same person in another camera,
  because Wildtrack ships no images and PETS09 has images of View_001 only;
* different people in the same frame, and in different cameras (PETS09 x TUD-Campus);
* one person's distance from their own mean clear descriptor, against how much of them a
  nearer box hides, and consecutive frames against box height (histogram noise).

Main tables use people at least ``CLEAR`` visible in both observations (visible share as in
measure_detector_noise.py: what boxes with lower feet leave uncovered). Then it simulates the
same pairs with `SimDetector` (perfect boxes, so only the appearance model speaks) and prints
both side by side.

Usage (needs ``../shared/data``)::

    scripts/bench bench/measure_appearance.py [--work bench/out]

Writes ``<work>/appearance.json``.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from dataclasses import asdict, dataclass
from datetime import datetime, timezone
from pathlib import Path

import cv2
import numpy as np

from storelens.sim.appearance import AppearanceModel
from storelens.sim.camera_mounts import CameraMount, mount_camera
from storelens.sim.camera_view import visible_fraction
from storelens.sim.detector import SimDetector
from storelens.sim.model import PeopleFrame
from storelens.sim.noise import DetectorNoise
from storelens.track.appearance import appearance_distance, torso_histograms
from storelens.types import Frame

DATA = Path(__file__).resolve().parents[2] / "shared" / "data"
QUANTILES = (0.1, 0.25, 0.5, 0.75, 0.9)
CLEAR = 0.9
"""Visible share above which an observation counts as unoccluded."""
OCCLUSION_BINS = (0.0, 0.25, 0.5, 0.75, 0.9, 1.01)
HEIGHT_BINS = (0, 70, 90, 120, 200, 1000)
SIM_FPS = 7.0
"""The simulated cameras run at PETS09's rate, so lags in frames mean the same times."""


@dataclass(frozen=True)
class Clip:
    video: str
    gt: str
    fps: float


CLIPS = (
    Clip("PETS09-S2L1/video.avi", "PETS09-S2L1/gt/gt.txt", 7.0),
    Clip("TUD-Campus/video.mp4", "TUD-Campus/gt/gt.txt", 25.0),
)


@dataclass
class Observations:
    """One row per annotated box: frame, id, box, visible share, world position, descriptor."""

    frame: np.ndarray
    pid: np.ndarray
    box: np.ndarray
    visible: np.ndarray
    world: np.ndarray
    hist: np.ndarray


def observe(clip: Clip) -> Observations:
    """Descriptors of every ground-truth box (ignored rows left out), decoding the video once."""
    gt = np.loadtxt(DATA / clip.gt, delimiter=",")
    gt = gt[gt[:, 6] != 0]
    frames = gt[:, 0].astype(int)
    box = np.column_stack([gt[:, 2], gt[:, 3], gt[:, 2] + gt[:, 4], gt[:, 3] + gt[:, 5]])
    visible, hist = np.zeros(len(gt)), np.zeros((len(gt), 96), np.float32)
    cap = cv2.VideoCapture(str(DATA / clip.video))
    k = 0
    while True:
        ok, image = cap.read()
        if not ok:
            break
        k += 1  # gt frames count from 1
        rows = (frames == k).nonzero()[0]
        if len(rows):
            visible[rows] = visible_fraction(box[rows], -box[rows, 3])
            hist[rows] = torso_histograms(image, box[rows])
    cap.release()
    return Observations(frames, gt[:, 1].astype(int), box, visible, gt[:, 7:9], hist)


def pair_distances(a: np.ndarray, b: np.ndarray, chunk: int = 256) -> np.ndarray:
    """appearance_distance of row i of ``a`` with row i of ``b``."""
    out = [np.diag(appearance_distance(a[s : s + chunk], b[s : s + chunk])) for s in range(0, len(a), chunk)]
    return np.concatenate(out) if out else np.zeros(0)


def lag_pairs(obs: Observations, lag: int, clear: bool = True) -> tuple[np.ndarray, np.ndarray]:
    """Row pairs of the same person ``lag`` frames apart (both clear unless ``clear`` is False)."""
    index = {(f, p): r for r, (f, p) in enumerate(zip(obs.frame.tolist(), obs.pid.tolist()))}
    i = np.arange(len(obs.frame))
    j = np.array([index.get((f + lag, p), -1) for f, p in zip(obs.frame.tolist(), obs.pid.tolist())])
    ok = j >= 0
    if clear:
        ok &= (obs.visible >= CLEAR) & (obs.visible[np.maximum(j, 0)] >= CLEAR)
    return i[ok], j[ok]


def heading(obs: Observations, half: int = 3) -> np.ndarray:
    """Walking direction (radians) of each row from the world track ``half`` frames either side."""
    index = {(f, p): r for r, (f, p) in enumerate(zip(obs.frame.tolist(), obs.pid.tolist()))}
    out = np.full(len(obs.frame), np.nan)
    for r, (f, p) in enumerate(zip(obs.frame.tolist(), obs.pid.tolist())):
        a, b = index.get((f - half, p)), index.get((f + half, p))
        if a is not None and b is not None:
            d = obs.world[b] - obs.world[a]
            if np.hypot(*d) > 0.3:
                out[r] = np.arctan2(d[1], d[0])
    return out


def other_side_pairs(obs: Observations, fps: float, rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray]:
    """Same person >= 10 s apart walking the opposite way (headings > 120 degrees apart), both clear."""
    h = heading(obs)
    rows_i, rows_j = [], []
    for p in np.unique(obs.pid):
        r = ((obs.pid == p) & np.isfinite(h) & (obs.visible >= CLEAR)).nonzero()[0]
        a, b = np.meshgrid(r, r, indexing="ij")
        far = obs.frame[b] - obs.frame[a] >= 10 * fps
        turned = np.abs(np.angle(np.exp(1j * (h[a] - h[b])))) > np.deg2rad(120)
        ok = far & turned
        rows_i.append(a[ok])
        rows_j.append(b[ok])
    i, j = np.concatenate(rows_i), np.concatenate(rows_j)
    pick = rng.choice(len(i), size=min(len(i), 20000), replace=False)
    return i[pick], j[pick]


def same_frame_pairs(obs: Observations) -> tuple[np.ndarray, np.ndarray]:
    """Row pairs of different clear people in the same frame."""
    rows_i, rows_j = [], []
    for f in np.unique(obs.frame):
        r = ((obs.frame == f) & (obs.visible >= CLEAR)).nonzero()[0]
        a, b = np.triu_indices(len(r), k=1)
        rows_i.append(r[a])
        rows_j.append(r[b])
    return np.concatenate(rows_i), np.concatenate(rows_j)


def from_own_mean(obs: Observations) -> dict[str, np.ndarray]:
    """Each row's visible share and distance from its person's mean clear descriptor (people
    with >= 5 clear rows): occlusion measured without mixing in time apart."""
    vis, dist = [], []
    for p in np.unique(obs.pid):
        rows = (obs.pid == p).nonzero()[0]
        clear = rows[obs.visible[rows] >= CLEAR]
        if len(clear) >= 5:
            vis.append(obs.visible[rows])
            dist.append(appearance_distance(obs.hist[rows], obs.hist[clear].mean(axis=0, keepdims=True))[:, 0])
    return {"visible": np.concatenate(vis), "distance": np.concatenate(dist)}


def by_height(obs: Observations) -> dict[str, np.ndarray]:
    """Box height and distance of clear consecutive-frame pairs."""
    i, j = lag_pairs(obs, 1)
    return {"height": obs.box[i, 3] - obs.box[i, 1], "distance": pair_distances(obs.hist[i], obs.hist[j])}


def quantiles(d: np.ndarray) -> list[float]:
    return [round(float(v), 3) for v in np.quantile(d, QUANTILES)] if len(d) else []


def measure_real(rng: np.random.Generator) -> tuple[dict[str, np.ndarray], dict, dict]:
    """Distances per category on the real clips; the occlusion and box-height curves' points."""
    pets, tud = (observe(c) for c in CLIPS)
    d = {}
    for name, obs, lag in (
        ("same person, same camera, next frame (PETS09, 0.14 s)", pets, 1),
        ("same person, same camera, next frame (TUD, 0.04 s)", tud, 1),
        ("same person, same camera, 2 s (PETS09)", pets, 14),
        ("same person, same camera, 2 s (TUD)", tud, 50),
        ("same person, same camera, 10 s (PETS09)", pets, 70),
    ):
        i, j = lag_pairs(obs, lag)
        d[name] = pair_distances(obs.hist[i], obs.hist[j])
    i, j = other_side_pairs(pets, CLIPS[0].fps, rng)
    d["same person, other side >= 10 s (PETS09; cross-camera stand-in)"] = pair_distances(pets.hist[i], pets.hist[j])
    for name, obs in (("PETS09", pets), ("TUD", tud)):
        i, j = same_frame_pairs(obs)
        d[f"different people, same frame ({name})"] = pair_distances(obs.hist[i], obs.hist[j])
    pc, tc = (o.visible >= CLEAR for o in (pets, tud))
    i = rng.choice(pc.nonzero()[0], 20000)
    j = rng.choice(tc.nonzero()[0], 20000)
    d["different people, different cameras (PETS09 x TUD)"] = pair_distances(pets.hist[i], tud.hist[j])
    return d, _pooled(from_own_mean(pets), from_own_mean(tud)), _pooled(by_height(pets), by_height(tud))


def _pooled(*curves: dict[str, np.ndarray]) -> dict[str, np.ndarray]:
    return {k: np.concatenate([c[k] for c in curves]) for k in curves[0]}


# --- simulation ------------------------------------------------------------------------------


class WalkLog:
    """People walking slow loops (0.5-2.5 m radius) spread over a 14 x 6 m patch of floor.

    One camera sees a person from changing sides over time; two cameras facing each other see
    them from opposite sides at the same instant. Some pass in front of others.
    """

    fps = SIM_FPS

    def __init__(self, n: int = 16) -> None:
        rng = np.random.default_rng(0)
        self.n = n
        self.centre = np.column_stack([rng.uniform(-7, 7, n), rng.uniform(5, 11, n)])
        self.radius = rng.uniform(0.5, 2.5, n)
        self.phase = rng.uniform(0, 2 * np.pi, n)
        self.speed = rng.choice([-1, 1], n) * rng.uniform(0.5, 1.2, n) / self.radius  # rad/s

    def frame(self, k: int) -> PeopleFrame:
        a = self.phase + self.speed * k / SIM_FPS
        xy = self.centre + self.radius[:, None] * np.column_stack([np.cos(a), np.sin(a)])
        return PeopleFrame(k, k / SIM_FPS, np.arange(self.n), xy, np.full(self.n, 1.75), np.full(self.n, 0.5))


def sim_cameras() -> dict:
    """PETS09-like cameras (768x576, 8 m up, people about 80 px tall) facing each other across
    the scene, and a closer one (people about 180 px) for the box-height curve."""
    mounts = (
        ("a", (0.0, 0.0, 8.0), 90.0, 60.0),
        ("b", (0.0, 16.0, 8.0), -90.0, 60.0),
        ("c", (0.0, 1.0, 5.0), 90.0, 40.0),
    )
    return {c: mount_camera(CameraMount(c, xyz, pan, 35.0, fov, 768, 576), SIM_FPS) for c, xyz, pan, fov in mounts}


def measure_sim(model: AppearanceModel, seeds: int = 4, frames: int = 300) -> tuple[dict, dict, dict]:
    """The same categories on simulated descriptors, pooled over seeds (each seed dresses the
    people and casts the cameras anew)."""
    runs = [_measure_seed(model, seed, frames) for seed in range(seeds)]
    return tuple(_pooled(*(run[part] for run in runs)) for part in range(3))


def _measure_seed(model: AppearanceModel, seed: int, frames: int) -> tuple[dict, dict, dict]:
    """One seed's categories (perfect boxes, so rows are the people in view)."""
    log, cams = WalkLog(), sim_cameras()
    det = SimDetector(log, cams, DetectorNoise.perfect(), seed=seed, appearance=model)
    start = datetime(2026, 11, 30, 9, tzinfo=timezone.utc)
    rows = {c: [] for c in cams}
    for k in range(frames):
        for c, cam in cams.items():
            frame = Frame(c, k, start, np.broadcast_to(np.zeros((1, 1, 3), np.uint8), (cam.height, cam.width, 3)))
            view, dets = det.true_boxes(frame), det(frame)
            rows[c].append((k, view, dets.appearance))
    a, b, c = (_flatten(rows[c]) for c in cams)
    d = {}
    for name, lag in (("next frame", 1), ("2 s", 14), ("10 s", 70)):
        i, j = lag_pairs(a, lag)
        d[f"same person, same camera, {name}"] = pair_distances(a.hist[i], a.hist[j])
    i, j = _cross_pairs(a, b)
    d["same person, other camera, same instant"] = pair_distances(a.hist[i], b.hist[j])
    i, j = same_frame_pairs(a)
    d["different people, same frame"] = pair_distances(a.hist[i], a.hist[j])
    i, j = _cross_pairs(a, b, same=False)
    d["different people, different cameras"] = pair_distances(a.hist[i], b.hist[j])
    return d, from_own_mean(a), _pooled(by_height(a), by_height(c))


def _flatten(rows: list) -> Observations:
    """One camera's simulated rows as `Observations` (perfect boxes: rows are the view's people)."""
    views = [v for _, v, _ in rows]
    return Observations(
        np.concatenate([np.full(len(v), k) for k, v, _ in rows]),
        np.concatenate([v.person_id for v in views]),
        np.concatenate([v.xyxy_px for v in views]),
        np.concatenate([v.visible for v in views]),
        np.zeros((sum(map(len, views)), 2)),
        np.concatenate([h for *_, h in rows]),
    )


def _cross_pairs(a: Observations, b: Observations, same: bool = True) -> tuple[np.ndarray, np.ndarray]:
    """Clear rows of camera a and camera b: same instant and person, or different people anywhere."""
    index = {(f, p): r for r, (f, p) in enumerate(zip(b.frame.tolist(), b.pid.tolist())) if b.visible[r] >= CLEAR}
    if same:
        j = np.array([index.get((f, p), -1) for f, p in zip(a.frame.tolist(), a.pid.tolist())])
        ok = (j >= 0) & (a.visible >= CLEAR)
        return ok.nonzero()[0], j[ok]
    rng = np.random.default_rng(1)
    i = rng.choice((a.visible >= CLEAR).nonzero()[0], 40000)
    j = rng.choice((b.visible >= CLEAR).nonzero()[0], 40000)
    ok = a.pid[i] != b.pid[j]
    return i[ok], j[ok]


def binned(curve: dict[str, np.ndarray], key: str, edges: tuple[float, ...]) -> list[tuple[str, int, float]]:
    """(bin, n, median distance) of a curve's points binned on ``key``."""
    out = []
    for lo, hi in zip(edges, edges[1:]):
        ok = (curve[key] >= lo) & (curve[key] < hi)
        med = float(np.median(curve["distance"][ok])) if ok.any() else float("nan")
        out.append((f"{lo:g}-{hi:g}", int(ok.sum()), round(med, 3)))
    return out


def print_curves(title: str, real: list, sim: list) -> None:
    print(f"\n{title}\n| bin | real n | real | sim n | sim |\n|---|---|---|---|---|")
    for (b, n, m), (_, sn, sm) in zip(real, sim):
        print(f"| {b} | {n} | {m:.3f} | {sn} | {sm:.3f} |")


def print_table(title: str, d: dict[str, np.ndarray]) -> None:
    print(f"\n{title}\n| pairs | n | " + " | ".join(f"{int(q * 100)} %" for q in QUANTILES) + " |")
    print("|---|---|" + "---|" * len(QUANTILES))
    for name, v in d.items():
        print(f"| {name} | {len(v)} | " + " | ".join(f"{x:.3f}" for x in quantiles(v)) + " |")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--work", type=Path, default=Path(__file__).parent / "out")
    args = parser.parse_args()
    if not DATA.is_dir():
        sys.exit(f"no evaluation data at {DATA}")
    t0 = time.perf_counter()
    real, real_occ, real_height = measure_real(np.random.default_rng(0))
    t1 = time.perf_counter()
    model = AppearanceModel()
    sim, sim_occ, sim_height = measure_sim(model)
    t2 = time.perf_counter()
    occlusion = binned(real_occ, "visible", OCCLUSION_BINS), binned(sim_occ, "visible", OCCLUSION_BINS)
    height = binned(real_height, "height", HEIGHT_BINS), binned(sim_height, "height", HEIGHT_BINS)
    print_table("Real footage (torso_histograms on ground-truth boxes; both sides >= 0.9 visible)", real)
    print_table("Simulated (SimDetector, perfect boxes, default AppearanceModel)", sim)
    print_curves("Occlusion: median distance from the person's mean clear descriptor, by visible share", *occlusion)
    print_curves("Box height (px): median distance between consecutive clear frames", *height)
    print(f"\nreal {t1 - t0:.1f} s, sim {t2 - t1:.1f} s")
    args.work.mkdir(parents=True, exist_ok=True)
    out = {
        "quantiles": QUANTILES,
        "clear_visible_share": CLEAR,
        "real": {k: {"n": len(v), "q": quantiles(v)} for k, v in real.items()},
        "sim": {k: {"n": len(v), "q": quantiles(v)} for k, v in sim.items()},
        "occlusion": dict(zip(("real", "sim"), occlusion)),
        "height": dict(zip(("real", "sim"), height)),
        "model": asdict(model),
    }
    (args.work / "appearance.json").write_text(json.dumps(out, indent=1))


if __name__ == "__main__":
    main()
