"""Read and write MOTChallenge (MOT15) text files of tracks, ground truth and detections.

MOT15 is the exchange format of the public tracking benchmarks and of most trackers' outputs, so
speaking it lets storelens score against published ground truth and compare with other trackers on
identical input. One line per box::

    frame, id, left, top, width, height, conf, x, y, z

``frame`` is 1-based, ``id`` is -1 in detection files, ``x, y, z`` is a world position (``-1`` when
absent). Only the first seven fields are required; ground-truth ``conf`` 0 marks a box to ignore.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass, fields, replace
from os import PathLike

import numpy as np

from storelens.errors import EvalError
from storelens.types import Detections

__all__ = ["NO_WORLD", "MotTable", "format_mot", "read_mot", "tracks_to_mot", "write_mot"]

NO_WORLD = -1.0
"""Value MOT files put in both world columns when a box has no world position."""

_MIN_FIELDS = 7  # frame, id, left, top, width, height, conf
_MAX_FIELDS = 10  # ... x, y, z
_WORLD_FIELDS = 9  # a line needs x and y to carry a world position
_SHOWN_CHARS = 60  # how much of a bad line an error message quotes

MAX_FRAME = 10**8
"""Frames past this (46 days at 25 frames/s) are a corrupt or misread file, not a video."""


@dataclass(frozen=True, slots=True)
class MotTable:
    """Rows of a MOT file as columns, in file order (one row per box).

    Attributes:
        frame: (n,) int64 frame number, 1-based as in the file.
        track_id: (n,) int64 identity; -1 for detections.
        xywh: (n, 4) float64 box as left, top, width, height in pixels.
        conf: (n,) float64 detection score, or ground-truth flag (0 = ignore).
        world_xy: (n, 2) float64 floor position (units of the file, metres for PETS09), NaN when absent.
    """

    frame: np.ndarray
    track_id: np.ndarray
    xywh: np.ndarray
    conf: np.ndarray
    world_xy: np.ndarray

    def __post_init__(self) -> None:
        object.__setattr__(self, "frame", np.asarray(self.frame, dtype=np.int64).reshape(-1))
        object.__setattr__(self, "track_id", np.asarray(self.track_id, dtype=np.int64).reshape(-1))
        object.__setattr__(self, "xywh", np.asarray(self.xywh, dtype=np.float64).reshape(-1, 4))
        object.__setattr__(self, "conf", np.asarray(self.conf, dtype=np.float64).reshape(-1))
        object.__setattr__(self, "world_xy", np.asarray(self.world_xy, dtype=np.float64).reshape(-1, 2))
        n = len(self.frame)
        for f in fields(self):
            if len(getattr(self, f.name)) != n:
                raise ValueError(f"MotTable.{f.name}: expected {n} rows, got {len(getattr(self, f.name))}")

    @classmethod
    def empty(cls) -> MotTable:
        return cls(np.zeros(0), np.zeros(0), np.zeros((0, 4)), np.zeros(0), np.zeros((0, 2)))

    def __len__(self) -> int:
        return len(self.frame)

    def select(self, index: np.ndarray | slice) -> MotTable:
        """Rows chosen by boolean mask, index array or slice; returns a new table."""
        return replace(self, **{f.name: getattr(self, f.name)[index] for f in fields(self)})

    @property
    def xyxy(self) -> np.ndarray:
        """(n, 4) float64 box corners x1, y1, x2, y2, the layout detectors and trackers use."""
        return np.concatenate([self.xywh[:, :2], self.xywh[:, :2] + self.xywh[:, 2:]], axis=1)


def read_mot(path: str | PathLike[str], *, min_conf: float | None = None) -> MotTable:
    """Parse a MOT15 file, keeping file order.

    Args:
        path: Text file, comma-separated, one box per line; blank lines are skipped.
        min_conf: Drop rows whose conf is below this. Ground truth is read with 1 to skip the boxes
            MOTChallenge marks as ignored (as py-motmetrics' ``eval_motchallenge`` does).

    Raises:
        EvalError: The file cannot be read, a line is not 7 to 10 finite numbers with a frame
            of 1 to `MAX_FRAME`, an integral id of -1 or more, and no negative width or height,
            or an id other than -1 occurs twice in one frame.
    """
    try:
        with open(path, encoding="utf-8") as fh:
            lines = fh.read().splitlines()
    except (OSError, UnicodeDecodeError) as err:
        raise EvalError(f"{path}: cannot read MOT file: {getattr(err, 'strerror', None) or err}") from err

    values = np.full((len(lines), _MAX_FIELDS), NO_WORLD)
    keep = np.zeros(len(lines), dtype=bool)
    line_of: dict[tuple[float, float], int] = {}  # (frame, id) -> line, for ids other than -1
    for lineno, line in enumerate(lines, start=1):
        if not line.strip():
            continue
        parts = line.split(",")
        try:
            if not _MIN_FIELDS <= len(parts) <= _MAX_FIELDS:
                raise ValueError
            row = [float(p) for p in parts]
        except ValueError:
            raise EvalError(
                f"{path}:{lineno}: expected {_MIN_FIELDS}-{_MAX_FIELDS} comma-separated numbers "
                f"(frame,id,left,top,width,height,conf[,x,y,z]), got {line[:_SHOWN_CHARS]!r}"
            ) from None
        problem = _row_problem(row)
        if problem:
            raise EvalError(f"{path}:{lineno}: {problem}, in {line[:_SHOWN_CHARS]!r}")
        frame, track_id = row[0], row[1]
        if track_id >= 0:
            first = line_of.setdefault((frame, track_id), lineno)
            if first != lineno:
                raise EvalError(f"{path}:{lineno}: id {track_id:.0f} is in frame {frame:.0f} twice (also line {first})")
        values[lineno - 1, : len(row)] = row
        keep[lineno - 1] = True

    v = values[keep]
    world = v[:, 7:_WORLD_FIELDS].copy()
    world[(world == NO_WORLD).all(axis=1)] = np.nan
    table = MotTable(frame=v[:, 0], track_id=v[:, 1], xywh=v[:, 2:6], conf=v[:, 6], world_xy=world)
    return table if min_conf is None else table.select(table.conf >= min_conf)


def _row_problem(row: list[float]) -> str | None:
    """What makes a parsed line no box (scoring it would count nonsense), or None."""
    if not all(map(math.isfinite, row)):
        return "every field must be a finite number"
    frame, track_id, _, _, width, height = row[:6]
    if not (frame.is_integer() and 1 <= frame <= MAX_FRAME):
        return f"frame must be a whole number from 1 to {MAX_FRAME}"
    if not (track_id.is_integer() and track_id >= -1):
        return "id must be a whole number, -1 or more"
    if width < 0 or height < 0:
        return "width and height must not be negative"
    return None


def write_mot(path: str | PathLike[str], rows: MotTable) -> None:
    """Write rows as MOT15 lines in their order; numbers use the shortest text that reads back exactly.

    A row without a world position gets ``-1,-1``; z is always written as -1 (MotTable keeps no z).

    Raises:
        EvalError: The file cannot be written.
    """
    text = format_mot(rows)
    try:
        with open(path, "w", encoding="utf-8") as fh:
            fh.write(text)
    except OSError as err:
        raise EvalError(f"{path}: cannot write MOT file: {err.strerror or err}") from err


def tracks_to_mot(frames: Sequence[Detections]) -> MotTable:
    """Tracked boxes of many frames as MOT rows (frame = source index + 1, as in MOTChallenge)."""
    rows = [d for d in frames if len(d)]
    if not rows:
        return MotTable.empty()
    xyxy = np.concatenate([d.xyxy_px for d in rows]).astype(np.float64)
    return MotTable(
        frame=np.concatenate([np.full(len(d), d.frame_index + 1) for d in rows]),
        track_id=np.concatenate([d.track_id if d.track_id is not None else np.full(len(d), -1) for d in rows]),
        xywh=np.concatenate([xyxy[:, :2], xyxy[:, 2:] - xyxy[:, :2]], axis=1),
        conf=np.concatenate([d.confidence for d in rows]),
        world_xy=np.full((len(xyxy), 2), np.nan),
    )


def format_mot(rows: MotTable) -> str:
    """MOT15 text of ``rows``, one line each (see `write_mot`)."""
    world = np.where(np.isnan(rows.world_xy), NO_WORLD, rows.world_xy)
    floats = np.concatenate([rows.xywh, rows.conf[:, None], world], axis=1)
    return "".join(
        f"{f},{i},{','.join(_num(x) for x in vals)},-1\n"
        for f, i, vals in zip(rows.frame.tolist(), rows.track_id.tolist(), floats.tolist(), strict=True)
    )


def _num(x: float) -> str:
    """Shortest decimal that round-trips, without a trailing '.0' (MOT files are mostly integers)."""
    text = repr(x)
    return text[:-2] if text.endswith(".0") else text
