"""Draw docs/config-floor.png: the floor axes, which side of a line is `in_side: left`, and what a
homography calibration pairs, as the store config means them.

    scripts/bench scripts/config_figure.py     (matplotlib is in the bench lock)
"""

from __future__ import annotations

from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import cv2  # noqa: E402
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
from matplotlib.patches import FancyArrowPatch, Polygon  # noqa: E402

OUT = Path(__file__).resolve().parents[1] / "docs" / "config-floor.png"
OUTLINE = np.array([[0, 0], [8, 0], [8, 6], [0, 6]], float)
DOOR_A, DOOR_B = np.array([3.0, 0.0]), np.array([5.0, 0.0])
LANDMARKS_M = np.array([[1, 1], [7, 1], [7, 5], [1, 5]], float)
LANDMARKS_PX = np.array([[380, 480], [900, 480], [770, 250], [510, 250]], float)


def floor_panel(ax) -> None:
    ax.add_patch(Polygon(OUTLINE, closed=True, fill=False, lw=2, color="0.3"))
    ax.add_patch(Polygon([[2.6, 0], [5.4, 0], [5.4, 1.2], [2.6, 1.2]], closed=True, color="#9ecae1", alpha=0.6))
    ax.text(3.7, 0.6, "left of a -> b:\ninside\n(in_side: left)", ha="center", va="center", fontsize=8)
    ax.text(6.5, -1.0, "pavement (outside)", ha="center", va="center", fontsize=9, color="0.4")
    ax.plot(*np.c_[DOOR_A, DOOR_B], color="#d62728", lw=3)
    ax.annotate("", DOOR_B, DOOR_A, arrowprops={"arrowstyle": "->", "color": "#d62728", "lw": 2})
    ax.text(*(DOOR_A + [0, -0.45]), "a [3, 0]", ha="center", color="#d62728", fontsize=9)
    ax.text(*(DOOR_B + [0, -0.45]), "b [5, 0]", ha="center", color="#d62728", fontsize=9)
    ax.add_patch(FancyArrowPatch((4.7, -1.5), (4.7, 2.0), arrowstyle="->", mutation_scale=14, color="#2ca02c", lw=1.5))
    ax.text(4.85, 1.7, "counted 'in'", color="#2ca02c", fontsize=9)
    ax.add_patch(FancyArrowPatch((0, 0), (1.5, 0), arrowstyle="->", mutation_scale=14, lw=2))
    ax.add_patch(FancyArrowPatch((0, 0), (0, 1.5), arrowstyle="->", mutation_scale=14, lw=2))
    ax.text(1.0, -0.45, "x (m)", fontsize=9)
    ax.text(-0.15, 1.6, "y (m)", fontsize=9, ha="right")
    ax.text(0.1, 5.6, "floor_plan.outline: [[0,0], [8,0], [8,6], [0,6]]", fontsize=8, color="0.3")
    ax.plot(*LANDMARKS_M.T, "o", color="#ff7f0e")
    for i, p in enumerate(LANDMARKS_M, 1):
        ax.text(p[0] + 0.15, p[1] + 0.15, str(i), color="#ff7f0e", fontsize=10, weight="bold")
    ax.set_xlim(-1, 9)
    ax.set_ylim(-2, 7)
    ax.set_aspect("equal")
    ax.set_title("Floor plan, metres: x to the right, y up the plan", fontsize=10)
    ax.axis("off")


def camera_panel(ax) -> None:
    h = cv2.getPerspectiveTransform(LANDMARKS_M.astype(np.float32), LANDMARKS_PX.astype(np.float32))  # floor -> image
    grid = [np.c_[np.full(25, x), np.linspace(0, 6, 25)] for x in range(9)]
    grid += [np.c_[np.linspace(0, 8, 25), np.full(25, y)] for y in range(7)]
    for line in grid:
        px = _apply(h, line)
        ax.plot(*px.T, color="0.8", lw=0.8)
    ax.plot(*_apply(h, np.vstack([OUTLINE, OUTLINE[:1]])).T, color="0.3", lw=2)
    ax.plot(*_apply(h, np.vstack([DOOR_A, DOOR_B])).T, color="#d62728", lw=3)
    ax.plot(*LANDMARKS_PX.T, "o", color="#ff7f0e")
    for i, p in enumerate(LANDMARKS_PX, 1):
        right = p[0] > 640
        ax.text(p[0] + (20 if right else -20), p[1] - 15, f"{i}: image_px {p.astype(int).tolist()}",
                color="#ff7f0e", fontsize=8, ha="left" if right else "right")
    ax.set_xlim(0, 1280)
    ax.set_ylim(720, 0)  # image rows grow downwards
    ax.set_aspect("equal")
    ax.set_title("Camera image, pixels: x to the right, y down\n(1 m floor grid through the homography)", fontsize=10)
    ax.add_patch(Polygon([[0, 0], [1280, 0], [1280, 720], [0, 720]], closed=True, fill=False, color="0.5"))
    ax.axis("off")


def _apply(h: np.ndarray, xy: np.ndarray) -> np.ndarray:
    p = np.c_[xy, np.ones(len(xy))] @ h.T
    return p[:, :2] / p[:, 2:]


def main() -> None:
    fig, (left, right) = plt.subplots(1, 2, figsize=(12, 5), dpi=100)
    floor_panel(left)
    camera_panel(right)
    fig.suptitle(
        "homography: points i = {image_px, floor_m}: the same landmark in the frame and on the plan", fontsize=10
    )
    fig.tight_layout()
    fig.savefig(OUT)
    print(OUT)


if __name__ == "__main__":
    main()
