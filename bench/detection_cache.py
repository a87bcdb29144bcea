"""The bundled detector's boxes for a clip, computed once and cached as a MOT detection file.

Shared by the benchmarks that replay the same detections (tracking side by side, the tracker
ablation and overhead, the detector-noise measurement), so each clip is detected once.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np

from storelens.detect import make_detector
from storelens.eval import MotTable, read_mot, write_mot
from storelens.sources import open_source


def detect_clip(video: Path, fps: float, cache: Path) -> MotTable:
    """Every box the bundled detector returns (score >= its default 0.1) for each frame of ``video``."""
    if cache.exists():
        return read_mot(cache)
    detector = make_detector()
    rows: list[tuple[int, np.ndarray, np.ndarray]] = []
    with open_source(video, fps=fps) as source:
        for frame in source:
            d = detector(frame)
            rows.append((frame.index + 1, d.xyxy_px.astype(np.float64), d.confidence.astype(np.float64)))
    xyxy = np.concatenate([r[1] for r in rows])
    table = MotTable(
        frame=np.concatenate([np.full(len(r[1]), r[0]) for r in rows]),
        track_id=np.full(len(xyxy), -1),
        xywh=np.concatenate([xyxy[:, :2], xyxy[:, 2:] - xyxy[:, :2]], axis=1),
        conf=np.concatenate([r[2] for r in rows]),
        world_xy=np.full((len(xyxy), 2), np.nan),
    )
    cache.parent.mkdir(parents=True, exist_ok=True)
    write_mot(cache, table)
    return table
