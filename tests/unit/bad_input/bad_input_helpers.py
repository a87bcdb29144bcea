"""What the bad-input tests share besides fixtures: the good clip they damage, and the type of `fails`."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import numpy as np
from factories import write_video

VIDEO_FRAMES = 12
SIZE_WH = (96, 64)

Fails = Callable[..., str]
"""The `fails` fixture: ``fails(*args, expected=...)`` runs ``storelens ARGS`` and returns its one error line."""


def make_video(path: Path, n_frames: int = VIDEO_FRAMES, fourcc: str = "MJPG") -> Path:
    """A good clip, a bright block crossing a noisy dark frame, for the tests to damage."""

    def frame(i: int) -> np.ndarray:
        image = np.random.default_rng(i).integers(0, 40, (SIZE_WH[1], SIZE_WH[0], 3), dtype=np.uint8)
        image[10:50, 4 * i : 4 * i + 20] = 220
        return image

    return write_video(path, (frame(i) for i in range(n_frames)), fps=10, fourcc=fourcc)
