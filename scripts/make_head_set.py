"""Make and check the head-box test set (tests/data/heads/heads.csv) from the footage in ../shared/data.

    .venv/bin/python scripts/make_head_set.py candidates OUT.csv    # candidate boxes to check by eye
    .venv/bin/python scripts/make_head_set.py sheets HEADS.csv DIR  # contact sheets (PNG) to look at

Candidates: on PETS09-S2L1 and TUD-Campus a head is taken from each ground-truth person box
(top 14 % of its height, as wide as 11 % of its height, centred), which is right only where the
box shows the whole, upright person; on one-by-one (no box ground truth) from the bundled
detector's boxes. Every candidate is then checked on the contact sheets and kept, corrected or
removed by hand, and heads with no candidate (missed people) are drawn by hand; the ``check``
column of heads.csv records which.

Sheets: per frame, the frame with every head box and its line number in the CSV, and each head
enlarged on a pixel grid with coordinates along the edges, to read corrections from.
"""

from __future__ import annotations

import argparse
import csv
from pathlib import Path

import cv2
import numpy as np

DATA = Path(__file__).resolve().parents[1].parent / "shared" / "data"
CLIPS = {
    "PETS09-S2L1": DATA / "PETS09-S2L1" / "video.avi",
    "TUD-Campus": DATA / "TUD-Campus" / "video.mp4",
    "one-by-one": DATA / "one-by-one" / "one-by-one-person-detection.mp4",
}
FRAMES = {
    "PETS09-S2L1": list(range(0, 795, 80)),
    "TUD-Campus": list(range(0, 71, 10)),
    # Every 10th frame while someone is in the room, plus frame 62 (entering at the bottom edge).
    "one-by-one": sorted({62, *range(60, 1394, 10)}),
}
GT_HEAD_HEIGHT = 0.14
"""Head height as a share of a whole, upright person's ground-truth box height."""
GT_HEAD_WIDTH = 0.11
"""Head width (hair included) as a share of that box height."""
DETECTOR_MIN_SCORE = 0.3
FIELDS = ["clip", "frame", "x1", "y1", "x2", "y2", "check", "note"]
ZOOM_WIDTH_PX = 240
"""Width a head's crop is enlarged to on the sheets (2x to 12x)."""
OVERVIEW_WIDTH_PX = {"PETS09-S2L1": 640, "TUD-Campus": 640, "one-by-one": 320}
PANELS_PER_SHEET = {"PETS09-S2L1": 1, "TUD-Campus": 1, "one-by-one": 8}
SHEET_WIDTH_PX = 1280


def read_frames(clip: str, wanted: list[int]) -> dict[int, np.ndarray]:
    """Decoded frames of a clip by 0-based index (the index storelens' sources give)."""
    capture = cv2.VideoCapture(str(CLIPS[clip]))
    frames, index, last = {}, 0, max(wanted)
    while index <= last:
        ok, image = capture.read()
        if not ok:
            break
        if index in wanted:
            frames[index] = image
        index += 1
    capture.release()
    return frames


def gt_heads(clip: str, frame: int) -> list[list[float]]:
    """Head candidates from the ground-truth boxes of a MOT15 clip (frame 1 of gt.txt is index 0)."""
    gt = np.loadtxt(DATA / clip / "gt" / "gt.txt", delimiter=",", encoding="latin-1")
    rows = gt[(gt[:, 0] == frame + 1) & (gt[:, 6] != 0)]
    x, y, w, h = rows[:, 2:6].T
    head_w, head_h = GT_HEAD_WIDTH * h, GT_HEAD_HEIGHT * h
    cx = x + w / 2
    return np.stack([cx - head_w / 2, y, cx + head_w / 2, y + head_h], axis=1).round().tolist()


def detector_heads(image: np.ndarray, frame: int, detector: object) -> list[list[float]]:
    """Head candidates from detector boxes: the top of the box, a square as wide as 40 % of it."""
    from datetime import datetime, timezone

    from storelens.types import Frame

    dets = detector(Frame("cam", frame, datetime.now(timezone.utc), image))
    boxes = dets.xyxy_px[dets.confidence >= DETECTOR_MIN_SCORE]
    x1, y1, x2, _ = boxes.T
    side = 0.4 * (x2 - x1)
    cx = (x1 + x2) / 2
    return np.stack([cx - side / 2, y1, cx + side / 2, y1 + side], axis=1).round().tolist()


def candidates(out: Path) -> None:
    from storelens.detect import make_detector

    detector = make_detector()
    rows = []
    for clip, wanted in FRAMES.items():
        for frame, image in read_frames(clip, wanted).items():
            boxes = detector_heads(image, frame, detector) if clip == "one-by-one" else gt_heads(clip, frame)
            origin = "detector" if clip == "one-by-one" else "gt"
            rows += [[clip, frame, *map(int, box), "candidate", origin] for box in boxes]
            if not boxes:  # a frame to look at all the same: draw its heads by hand, or drop it if empty
                rows.append([clip, frame, 0, 0, 0, 0, "candidate", "none found"])
    with out.open("w", newline="") as fh:
        writer = csv.writer(fh)
        writer.writerow(FIELDS)
        writer.writerows(rows)
    print(f"{out}: {len(rows)} candidate heads")


def _zoom(image: np.ndarray, box: list[int], number: int) -> np.ndarray:
    """An enlarged crop around one head, its box in red, a pixel grid with coordinates along the edges."""
    x1, y1, x2, y2 = box
    pad = max(8, (x2 - x1) // 2)
    height, width = image.shape[:2]
    cx1, cy1 = max(0, x1 - pad), max(0, y1 - pad)
    cx2, cy2 = min(width, x2 + pad), min(height, y2 + pad)
    zoom = int(np.clip(ZOOM_WIDTH_PX // max(1, cx2 - cx1), 2, 12))
    crop = cv2.resize(image[cy1:cy2, cx1:cx2], None, fx=zoom, fy=zoom, interpolation=cv2.INTER_NEAREST)
    step = 5 if (cx2 - cx1) < 80 else 10
    for x in range(cx1 - cx1 % step + step, cx2, step):
        crop[:, (x - cx1) * zoom] = (255, 255, 0)
    for y in range(cy1 - cy1 % step + step, cy2, step):
        crop[(y - cy1) * zoom, :] = (255, 255, 0)
    cv2.rectangle(crop, ((x1 - cx1) * zoom, (y1 - cy1) * zoom), ((x2 - cx1) * zoom, (y2 - cy1) * zoom), (0, 0, 255), 1)
    canvas = cv2.copyMakeBorder(crop, 16, 4, 30, 4, cv2.BORDER_CONSTANT, value=(255, 255, 255))
    for x in range(cx1 - cx1 % step + step, cx2, step):
        cv2.putText(canvas, str(x), (30 + (x - cx1) * zoom - 9, 12), 0, 0.33, (0, 0, 0), 1)
    for y in range(cy1 - cy1 % step + step, cy2, step):
        cv2.putText(canvas, str(y), (1, 16 + (y - cy1) * zoom + 4), 0, 0.33, (0, 0, 0), 1)
    cv2.putText(canvas, f"#{number}", (1, 10), 0, 0.33, (0, 0, 255), 1)
    return canvas


def _tile(images: list[np.ndarray], width: int) -> np.ndarray:
    """Images laid out left to right in rows no wider than ``width`` (wider images get a row each)."""
    rows, row, row_w = [], [], 0
    for image in images:
        if row and row_w + image.shape[1] > width:
            rows.append(row)
            row, row_w = [], 0
        row.append(image)
        row_w += image.shape[1]
    rows.append(row)
    strips = []
    for row in rows:
        h = max(im.shape[0] for im in row)
        padded = [cv2.copyMakeBorder(im, 0, h - im.shape[0], 0, 0, cv2.BORDER_CONSTANT, value=(255, 255, 255))
                  for im in row]
        strip = np.hstack(padded)
        strips.append(cv2.copyMakeBorder(strip, 0, 2, 0, max(0, width - strip.shape[1]), cv2.BORDER_CONSTANT,
                                         value=(255, 255, 255)))
    return np.vstack(strips)


def sheets(heads_csv: Path, out_dir: Path) -> None:
    with heads_csv.open() as fh:
        rows = list(csv.DictReader(fh))
    out_dir.mkdir(parents=True, exist_ok=True)
    for clip in CLIPS:
        mine = [(i, r) for i, r in enumerate(rows, start=2) if r["clip"] == clip]  # numbered as lines of the file
        if not mine:
            continue
        frames = read_frames(clip, sorted({int(r["frame"]) for _, r in mine}))
        panels = []
        for frame, image in frames.items():
            heads = [(i, [int(r[k]) for k in ("x1", "y1", "x2", "y2")]) for i, r in mine if int(r["frame"]) == frame]
            heads = [(number, box) for number, box in heads if box[2] > box[0]]
            scale = OVERVIEW_WIDTH_PX[clip] / image.shape[1]
            overview = cv2.resize(image, None, fx=scale, fy=scale, interpolation=cv2.INTER_AREA)
            for number, box in heads:
                x1, y1, x2, y2 = (round(v * scale) for v in box)
                cv2.rectangle(overview, (x1, y1), (x2, y2), (0, 0, 255), 1)
                cv2.putText(overview, str(number), (x1, max(10, y1 - 2)), 0, 0.4, (0, 0, 255), 1)
            cv2.putText(overview, f"{clip} frame {frame}", (4, 14), 0, 0.5, (0, 255, 255), 1)
            panels.append(_tile([overview, *(_zoom(image, box, number) for number, box in heads)], SHEET_WIDTH_PX))
        for n, start in enumerate(range(0, len(panels), PANELS_PER_SHEET[clip])):
            sheet = _tile(panels[start : start + PANELS_PER_SHEET[clip]], SHEET_WIDTH_PX)
            cv2.imwrite(str(out_dir / f"{clip}_{n:02d}.png"), sheet)
    print(f"{out_dir}: sheets of {len(rows)} rows")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    sub = parser.add_subparsers(dest="command", required=True)
    sub.add_parser("candidates").add_argument("out", type=Path)
    sheet = sub.add_parser("sheets")
    sheet.add_argument("heads", type=Path)
    sheet.add_argument("out_dir", type=Path)
    args = parser.parse_args()
    if args.command == "candidates":
        candidates(args.out)
    else:
        sheets(args.heads, args.out_dir)


if __name__ == "__main__":
    main()
