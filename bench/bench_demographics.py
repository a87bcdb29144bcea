"""Demographics: accuracy on labelled faces, per-visit vote stability, and cost per door-camera frame.

Three measurements (see docs/benchmarks.md, "Demographics"):

1. Labelled faces. The footage in ../shared/data has no age or gender labels, and (below) almost
   no frontal face. The only labelled faces to be had here are the sample photos two PyPI
   source packages ship: insightface 2.1 (``t1.jpg``, six people; ``Tom_Hanks_54745.png``) and
   face_recognition 1.3.0 (``biden.jpg``, ``obama.jpg``, ``obama2.jpg``, ``obama3.jpg``; the
   partial faces and the duplicate ``32bit.png`` are left out). They are fetched with
   ``pip download`` into ``bench/out/faces``. Gender is labelled by eye; the age band from the
   person's public year of birth and the photo's likely year, so it is given as the bands it
   can be in. Each face is scored at its own size and rescaled to 64, 48 and 32 px wide (what a
   door camera sees), and as a synthetic walk-in: 15 frames whose face grows from 30 to 100 px,
   jittered and JPEG-compressed, voted as a visit.
2. Footage: one-by-one, TUD-Campus and PETS09-S2L1 through the real pipeline with demographics
   on: faces found, visits decided, and how often a visit's frames agree with its answer.
3. Cost: milliseconds of face work per camera frame (faces are searched on at most 5 frames a
   second), against the camera's frame budget (1 / fps), beside the person detector's.

Usage:
    scripts/bench bench/bench_demographics.py [--json]
"""

from __future__ import annotations

import argparse
import json
import platform
import subprocess
import sys
import tarfile
from dataclasses import dataclass
from pathlib import Path

import cv2
import numpy as np

from storelens.demographics import AGE_BANDS
from storelens.demographics.estimator import FaceEstimator
from storelens.demographics.observer import DemographicsObserver
from storelens.demographics.votes import TrackVotes
from storelens.detect import make_detector
from storelens.pipeline import track_source
from storelens.sources import open_source

ROOT = Path(__file__).resolve().parents[1]
DATA = ROOT.parent / "shared" / "data"
CACHE = ROOT / "bench" / "out" / "faces"
SDISTS = {"insightface==2.1": "insightface-2.1", "face_recognition==1.3.0": "face_recognition-1.3.0"}
ADULT = ("18-29", "30-44")


@dataclass(frozen=True)
class Face:
    """One labelled face: its image, which face in it (by x order), gender, and the bands it can be in."""

    image: str
    index: int
    gender: str
    bands: tuple[str, ...]
    who: str


FACES = [  # t1.jpg: a 1990s promotional photo of the Friends cast (born 1964-1969), left to right
    Face("insightface-2.1/insightface/data/images/t1.jpg", 0, "female", ADULT, "woman, left"),
    Face("insightface-2.1/insightface/data/images/t1.jpg", 1, "female", ADULT, "woman, standing"),
    Face("insightface-2.1/insightface/data/images/t1.jpg", 2, "male", ADULT, "man, grey shirt"),
    Face("insightface-2.1/insightface/data/images/t1.jpg", 3, "male", ADULT, "man, red shirt"),
    Face("insightface-2.1/insightface/data/images/t1.jpg", 4, "male", ADULT, "man, standing"),
    Face("insightface-2.1/insightface/data/images/t1.jpg", 5, "female", ADULT, "woman, right"),
    Face("insightface-2.1/insightface/data/images/Tom_Hanks_54745.png", 0, "male", ("30-44", "45-59"), "Tom Hanks"),
    Face("face_recognition-1.3.0/tests/test_images/biden.jpg", 0, "male", ("60+",), "Joe Biden (b. 1942)"),
    Face("face_recognition-1.3.0/tests/test_images/obama.jpg", 0, "male", ("45-59",), "Barack Obama (b. 1961)"),
    Face("face_recognition-1.3.0/tests/test_images/obama2.jpg", 0, "male", ("45-59",), "Barack Obama"),
    Face("face_recognition-1.3.0/tests/test_images/obama3.jpg", 0, "male", ("45-59",), "Barack Obama"),
]
SIZES_PX = (64, 48, 32)
WALK_FRAMES = 15
CLIPS = [  # name, video, true fps
    ("one-by-one", DATA / "one-by-one" / "one-by-one-person-detection.mp4", 10.0),
    ("TUD-Campus", DATA / "TUD-Campus" / "video.mp4", 25.0),
    ("PETS09-S2L1", DATA / "PETS09-S2L1" / "video.avi", 7.0),
]


def fetch_faces() -> Path:
    """The sample photos, from the two source packages (downloaded once into bench/out/faces)."""
    CACHE.mkdir(parents=True, exist_ok=True)
    for requirement, folder in SDISTS.items():
        if (CACHE / folder).is_dir():
            continue
        subprocess.run(
            [sys.executable, "-m", "pip", "download", "--quiet", "--no-deps", "--no-binary", ":all:",
             requirement, "-d", str(CACHE)],
            check=True,
        )
        with tarfile.open(CACHE / f"{folder}.tar.gz") as tar:
            tar.extractall(CACHE, members=[m for m in tar.getmembers() if m.name.endswith((".jpg", ".png"))],
                           filter="data")
    return CACHE


def person_box(face: np.ndarray) -> np.ndarray:
    """A person box around a face rectangle (x1, y1, x2, y2) as the detector would give it."""
    x1, y1, x2, y2 = face
    w = (x2 - x1) / 0.4
    cx = (x1 + x2) / 2
    return np.array([cx - w / 2, y1 - 0.3 * (y2 - y1), cx + w / 2, y1 + 3 * w])


def locate(estimator: FaceEstimator, image: np.ndarray) -> list[np.ndarray]:
    """Face rectangles in a photo, left to right (dlib, upsampled once)."""
    rgb = cv2.cvtColor(image, cv2.COLOR_BGR2RGB)
    rects = estimator._detector(rgb, 1)
    boxes = [np.array([r.left(), r.top(), r.right(), r.bottom()], float) for r in rects]
    return sorted(boxes, key=lambda b: b[0])


def one_frame(estimator: FaceEstimator, image: np.ndarray, face: np.ndarray, width_px: float | None):
    """(found, band, male probability) for one face, the photo scaled so the face is ``width_px`` wide."""
    scale = 1.0 if width_px is None else width_px / (face[2] - face[0])
    scaled = cv2.resize(image, None, fx=scale, fy=scale, interpolation=cv2.INTER_AREA) if scale != 1 else image
    votes = estimator.estimate(scaled, person_box(face * scale)[None, :])
    if not len(votes):
        return None
    return AGE_BANDS[int(np.argmax(votes.band_prob[0]))], float(votes.male_prob[0]), votes.band_prob[0]


def walk_in(estimator: FaceEstimator, image: np.ndarray, face: np.ndarray, rng: np.random.Generator) -> TrackVotes:
    """A synthetic visit: the face grows from 30 to 100 px over 15 frames, jittered and JPEG-compressed."""
    votes = TrackVotes("sample", 0, None, None)
    for width in np.linspace(30, 100, WALK_FRAMES):
        scale = width / (face[2] - face[0])
        frame = cv2.resize(image, None, fx=scale, fy=scale, interpolation=cv2.INTER_AREA)
        frame = np.clip(frame.astype(np.float32) * rng.uniform(0.85, 1.15), 0, 255).astype(np.uint8)
        shift = rng.integers(-3, 4, size=2)
        frame = np.roll(frame, tuple(shift), axis=(0, 1))
        ok, jpeg = cv2.imencode(".jpg", frame, [cv2.IMWRITE_JPEG_QUALITY, 60])
        frame = cv2.imdecode(jpeg, cv2.IMREAD_COLOR)
        box = person_box(face * scale + np.array([shift[1], shift[0], shift[1], shift[0]]))
        found = estimator.estimate(frame, box[None, :])
        if len(found):
            votes.add(found.band_prob[0], float(found.male_prob[0]))
    return votes


def labelled(estimator: FaceEstimator) -> dict:
    folder = fetch_faces()
    rng = np.random.default_rng(0)
    rows = []
    for face in FACES:
        image = cv2.imread(str(folder / face.image))
        found = locate(estimator, image)
        if face.index >= len(found):
            rows.append({"who": face.who, "located": False})
            continue
        rect = found[face.index]
        row = {"who": face.who, "located": True, "face_px": int(rect[2] - rect[0])}
        for name, width in [("native", None), *((f"{px}px", px) for px in SIZES_PX)]:
            answer = one_frame(estimator, image, rect, width)
            row[name] = None if answer is None else {
                "band": answer[0],
                "band_ok": answer[0] in face.bands,
                "gender_ok": (answer[1] >= 0.5) == (face.gender == "male"),
                "male_prob": round(answer[1], 3),
            }
        visit = walk_in(estimator, image, rect, rng)
        decided = visit.decide()
        agree_band, agree_gender = visit.agreement()
        row["walk_in"] = {
            "faces": visit.faces,
            "band": decided and decided.age_band,
            "band_ok": bool(decided and decided.age_band in face.bands),
            "gender_ok": bool(decided and decided.gender == face.gender),
            "frames_agree_band": round(agree_band, 3),
            "frames_agree_gender": round(agree_gender, 3),
        }
        rows.append(row)
    summary = {}
    for name in ["native", *(f"{px}px" for px in SIZES_PX), "walk_in"]:
        answers = [r[name] for r in rows if r.get("located") and r[name] is not None]
        if name == "walk_in":
            answers = [a for a in answers if a["band"] is not None]
        summary[name] = {
            "faces": len(FACES),
            "answered": len(answers),
            "gender_correct": sum(a["gender_ok"] for a in answers),
            "band_plausible": sum(a["band_ok"] for a in answers),
        }
    walks = [r["walk_in"] for r in rows if r.get("located") and r["walk_in"]["faces"]]
    summary["walk_in"]["frames_agree_band"] = round(float(np.mean([w["frames_agree_band"] for w in walks])), 3)
    summary["walk_in"]["frames_agree_gender"] = round(float(np.mean([w["frames_agree_gender"] for w in walks])), 3)
    return {"summary": summary, "faces": rows}


def footage(detector) -> list[dict]:
    results = []
    for name, video, fps in CLIPS:
        if not video.exists():
            continue
        sent = []
        observer = DemographicsObserver(detector, name, sent.extend)
        tracks: dict[int, TrackVotes] = {}

        def keep(batch, observer=observer, tracks=tracks):
            tracks.update(observer._tracks)
            observer.on_tracks(batch)

        with open_source(video, fps=fps) as source:
            run = track_source(source, observer, on_tracks=keep)
        tracks.update(observer._tracks)
        observer.finish()
        times = run.times.to_dict()
        face_ms = 1000 * observer.seconds / max(run.times.frames, 1)
        with_faces = [t for t in tracks.values() if t.faces]
        agreement = [t.agreement() for t in with_faces]
        results.append({
            "clip": name,
            "fps": fps,
            "frames": run.times.frames,
            "frames_searched": observer.frames,
            "tracks": len(tracks),
            "tracks_with_a_face": len(with_faces),
            "face_frames": int(sum(t.faces for t in with_faces)),
            "visits_decided": len(sent),
            "frames_agree_band": round(float(np.mean([a[0] for a in agreement])), 3) if agreement else None,
            "frames_agree_gender": round(float(np.mean([a[1] for a in agreement])), 3) if agreement else None,
            "face_ms_per_frame": round(face_ms, 2),
            "face_ms_per_searched_frame": round(1000 * observer.seconds / max(observer.frames, 1), 2),
            "person_detector_ms_per_frame": round(times["detect_ms"] - face_ms, 2),
            "pipeline_ms_per_frame": times["total_ms"],
            "budget_ms": round(1000 / fps, 1),
            "face_share_of_budget": round(face_ms / (1000 / fps), 3),
        })
    return results


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args(argv)
    estimator = FaceEstimator()
    result = {
        "labelled": labelled(estimator),
        "footage": footage(make_detector(threads=2)),
        "machine": f"{platform.machine()}, {platform.processor() or 'cpu'}, Python {platform.python_version()}",
    }
    if args.json:
        print(json.dumps(result))
        return 0
    for name, s in result["labelled"]["summary"].items():
        print(f"labelled faces, {name}: {s}")
    for row in result["labelled"]["faces"]:
        print(f"  {row}")
    for row in result["footage"]:
        print(f"footage: {row}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
