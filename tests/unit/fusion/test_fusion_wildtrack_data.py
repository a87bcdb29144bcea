"""The Wildtrack loader agrees with the dataset's own geometry (skips without ../shared/data)."""

from __future__ import annotations

import numpy as np

from storelens.eval.wildtrack import VIEWS, load_wildtrack


def test_wildtrack_boxes_stand_on_their_ground_positions(shared_data):
    ann = load_wildtrack(shared_data / "Wildtrack")
    assert len(np.unique(ann.frame)) == 400 and len(np.unique(ann.person_id)) == 313
    for v, view in enumerate(VIEWS):
        rows = np.flatnonzero(~np.isnan(ann.boxes[:, v, 0]))[::50]
        b = ann.boxes[rows, v]
        floor = ann.cameras[view].image_to_floor(np.stack([(b[:, 0] + b[:, 2]) / 2, b[:, 3]], axis=1))
        assert np.median(np.linalg.norm(floor - ann.xy_m[rows], axis=1)) < 0.2, view
