"""A small valid store config, and patched copies of it, for config and bad-input tests."""

from __future__ import annotations

import copy
from typing import Any

DELETE = object()
"""Patch value meaning "remove this key"."""


def base_config() -> dict[str, Any]:
    """A valid store: a 20 x 10 m floor, one camera with a homography, one zone, one door."""
    return {
        "name": "Test shop",
        "timezone": "Europe/Paris",
        "floor_plan": {"outline": [[0, 0], [20, 0], [20, 10], [0, 10]]},
        "cameras": {
            "door": {
                "source": "door.mp4",
                "calibration": {
                    "kind": "homography",
                    "points": [
                        {"image_px": [100, 400], "floor_m": [0, 0]},
                        {"image_px": [500, 400], "floor_m": [4, 0]},
                        {"image_px": [450, 200], "floor_m": [4, 6]},
                        {"image_px": [150, 200], "floor_m": [0, 6]},
                    ],
                },
            }
        },
        "zones": [{"name": "aisle_1", "kind": "aisle", "polygon": [[1, 1], [5, 1], [5, 4], [1, 4]]}],
        # Walking a -> b (+y) along the wall x = 0, the store (x > 0) is on the right.
        "lines": [{"name": "door", "kind": "entrance", "a": [0, 2], "b": [0, 5], "in_side": "right"}],
    }


def patched(config: dict[str, Any], key_path: str, value: Any) -> dict[str, Any]:
    """A copy of ``config`` with ``value`` at dotted ``key_path`` (list items by index; the
    index one past the end appends)."""
    out = copy.deepcopy(config)
    *parents, last = key_path.split(".")
    node: Any = out
    for part in parents:
        node = node[int(part)] if isinstance(node, list) else node.setdefault(part, {})
    key: Any = int(last) if isinstance(node, list) else last
    if value is DELETE:
        del node[key]
    elif isinstance(node, list) and key == len(node):
        node.append(value)
    else:
        node[key] = value
    return out
