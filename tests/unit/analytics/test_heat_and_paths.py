from __future__ import annotations

from datetime import timedelta

import numpy as np
import pytest
from factories import EPOCH

from storelens.analytics import FloorPositions, HeatGrid, HeatmapAccumulator, zone_presence


def test_presence_adds_up_to_the_time_people_were_seen():
    grid = HeatGrid((0.0, 0.0), (8, 8), 0.5)
    heat = HeatmapAccumulator(grid)
    for i in range(50):  # one person standing at (1.1, 1.1) for 5 s at 10 fps
        heat.update(FloorPositions("c", EPOCH + timedelta(seconds=i / 10), [1], [(1.1, 1.1)]))
    assert heat.presence_s.sum() == pytest.approx(4.9)
    assert heat.presence_s[2, 2] == pytest.approx(4.9)


def test_a_long_unseen_gap_counts_at_most_max_step():
    heat = HeatmapAccumulator(HeatGrid((0.0, 0.0), (4, 4), 1.0), max_step_s=1.0)
    heat.update(FloorPositions("c", EPOCH, [1], [(0.5, 0.5)]))
    heat.update(FloorPositions("c", EPOCH + timedelta(seconds=60), [1], [(0.5, 0.5)]))
    assert heat.presence_s.sum() == pytest.approx(1.0)


def test_zone_presence_is_per_square_metre():
    grid = HeatGrid((0.0, 0.0), (4, 4), 1.0)
    presence = np.zeros((4, 4))
    presence[0, 0] = 8.0  # 8 s in the 1 m2 cell at (0.5, 0.5)
    zones = {"small": np.array([[0, 0], [1, 0], [1, 1], [0, 1]]), "big": np.array([[0, 0], [4, 0], [4, 4], [0, 4]])}
    assert zone_presence(grid, presence, zones) == {"small": 8.0, "big": 0.5}
