from __future__ import annotations

import numpy as np

from storelens.analytics import HeatGrid, zone_presence


def test_zone_presence_is_per_square_metre():
    grid = HeatGrid((0.0, 0.0), (4, 4), 1.0)
    presence = np.zeros((4, 4))
    presence[0, 0] = 8.0  # 8 s in the 1 m2 cell at (0.5, 0.5)
    zones = {"small": np.array([[0, 0], [1, 0], [1, 1], [0, 1]]), "big": np.array([[0, 0], [4, 0], [4, 4], [0, 4]])}
    assert zone_presence(grid, presence, zones) == {"small": 8.0, "big": 0.5}
