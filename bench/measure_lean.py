"""Where a person's feet are in their box: the lean of upright people in tilted wide-angle views.

A camera tilted down sees vertical lines converge, so a standing person off the image centre
leans: the image of their head is to the side of the image of their feet, and the box's
centre lies between the two. This script measures that on Wildtrack, whose annotated boxes
come with ground positions fixed from all seven views (`../shared/data/Wildtrack`):

* ``share``: least-squares fit of (box centre x - feet x) = share * (head x - feet x) + c per
  view, with the feet and the head (1.7 m up) of each ground position projected through the
  view's calibration (boxes are in undistorted pixels, so no lens distortion);
* the median floor error of the box's bottom centre, and of `box_floor_points` (the bottom
  edge, with `LEAN_SHARE` of the lean taken out), against the ground positions.

Usage: ``scripts/bench bench/measure_lean.py`` (a few seconds; needs ``../shared/data``).
"""

from __future__ import annotations

import sys
from pathlib import Path

import numpy as np

from storelens.eval.wildtrack import VIEWS, load_wildtrack
from storelens.geometry import PinholeCamera, box_floor_points
from storelens.geometry.camera import PERSON_HEIGHT_M

DATA = Path(__file__).resolve().parents[1].parent / "shared" / "data" / "Wildtrack"


def main() -> int:
    if not DATA.is_dir():
        print(f"evaluation data not found at {DATA}", file=sys.stderr)
        return 2
    ann = load_wildtrack(DATA)
    print("| view | boxes | median lean px | fitted share | bottom-centre error m | lean taken out m |")
    print("|---|---|---|---|---|---|")
    for v, view in enumerate(VIEWS):
        cam = ann.cameras[view]
        flat = PinholeCamera(cam.K, np.zeros(5), cam.R, cam.t, cam.world_unit_m)  # boxes are undistorted
        boxes = ann.boxes[:, v]
        seen = np.isfinite(boxes).all(axis=1)
        boxes, xy = boxes[seen], ann.xy_m[seen]
        feet, head = flat.floor_to_image(xy), flat.floor_to_image(xy, PERSON_HEIGHT_M)
        lean = head[:, 0] - feet[:, 0]
        centre = (boxes[:, 0] + boxes[:, 2]) / 2
        share, _ = np.linalg.lstsq(np.column_stack([lean, np.ones(len(lean))]), centre - feet[:, 0], rcond=None)[0]
        bottom = flat.image_to_floor(np.column_stack([centre, boxes[:, 3]]))
        corrected, _ = box_floor_points(flat, boxes)
        err_bottom = np.median(np.linalg.norm(bottom - xy, axis=1))
        err_corrected = np.median(np.linalg.norm(corrected - xy, axis=1))
        print(
            f"| {view} | {len(boxes)} | {np.median(np.abs(lean)):.0f} | {share:.2f} | "
            f"{err_bottom:.3f} | {err_corrected:.3f} |"
        )
    return 0


if __name__ == "__main__":
    sys.exit(main())
