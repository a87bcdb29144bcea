"""Which visitor each camera track is bound to, as sorted arrays (lookups for a whole tick at once).

A camera track is keyed by ``track_id * 64 + camera index`` (at most 64 cameras), so a tick's
observations are looked up, re-bound and dated with a few vectorised searches instead of one
dictionary access each.
"""

from __future__ import annotations

import numpy as np

__all__ = ["Bindings", "track_keys"]

CAMERA_BITS = 6


def track_keys(camera: np.ndarray, track_id: np.ndarray) -> np.ndarray:
    """(n,) int64 key of each (camera index, track id)."""
    return np.left_shift(np.asarray(track_id, dtype=np.int64), CAMERA_BITS) | np.asarray(camera, dtype=np.int64)


class Bindings:
    """Camera track -> visitor id, with when the track was last used."""

    def __init__(self) -> None:
        self.keys = np.zeros(0, np.int64)  # sorted
        self.gid = np.zeros(0, np.int64)
        self.last_s = np.zeros(0)

    def __len__(self) -> int:
        return len(self.keys)

    def _find(self, keys: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        pos = np.searchsorted(self.keys, keys)
        hit = pos < len(self.keys)
        hit[hit] = self.keys[pos[hit]] == keys[hit]
        return pos, hit

    def lookup(self, keys: np.ndarray) -> np.ndarray:
        """(n,) visitor id of each key, -1 where unbound."""
        pos, hit = self._find(keys)
        out = np.full(len(keys), -1, np.int64)
        out[hit] = self.gid[pos[hit]]
        return out

    def bind(self, keys: np.ndarray, gid: np.ndarray, t: float) -> None:
        """Bind (or re-date) each key to its visitor at time ``t``; keys must be distinct."""
        pos, hit = self._find(keys)
        self.gid[pos[hit]] = gid[hit]
        self.last_s[pos[hit]] = t
        if not hit.all():
            new = ~hit
            keys = np.concatenate([self.keys, keys[new]])
            order = np.argsort(keys, kind="stable")
            self.keys = keys[order]
            self.gid = np.concatenate([self.gid, gid[new]])[order]
            self.last_s = np.concatenate([self.last_s, np.full(int(new.sum()), t)])[order]

    def unbind(self, keys: np.ndarray) -> None:
        if len(keys):
            pos, hit = self._find(keys)
            mask = np.ones(len(self.keys), bool)
            mask[pos[hit]] = False
            self.keep(mask)

    def relabel(self, old: np.ndarray, new: np.ndarray) -> None:
        """Move every track of visitor ``old[i]`` to visitor ``new[i]``."""
        sorter = np.argsort(old)
        pos = np.minimum(np.searchsorted(old, self.gid, sorter=sorter), len(old) - 1)
        moved = old[sorter[pos]] == self.gid
        self.gid[moved] = new[sorter[pos[moved]]]

    def keep(self, mask: np.ndarray) -> None:
        self.keys, self.gid, self.last_s = self.keys[mask], self.gid[mask], self.last_s[mask]
