"""Files a tracking run leaves behind: MOT tracks, a JSON summary, an annotated video."""

from __future__ import annotations

import json
from collections import deque
from dataclasses import replace
from pathlib import Path

import numpy as np

from storelens.detect import Detector, make_detector
from storelens.errors import StorageError
from storelens.eval.motio import format_mot, tracks_to_mot, write_mot
from storelens.folders import output_folder
from storelens.pipeline import TrackingRun
from storelens.render import Anonymiser, PrivacyMode, TrackAnnotator, VideoWriterSink
from storelens.render.anonymiser import MIN_SCORE as PRIVACY_MIN_SCORE
from storelens.sources.base import FrameSource
from storelens.types import Detections, Frame

__all__ = [
    "VIDEO_PRIVACY_WINDOW",
    "TrackFileWriter",
    "output_folder",
    "write_tracks",
    "write_summary",
    "write_annotated_video",
]

VIDEO_PRIVACY_WINDOW = 1
"""Frames on each side whose people are hidden in a frame of the annotated video too: someone the
detector misses in one frame is found in a neighbour, where their head is a few pixels away."""


def write_tracks(run: TrackingRun, path: Path) -> Path:
    """MOT15 text file of the final tracks (frame, id, left, top, width, height, score, -1, -1, -1)."""
    output_folder(path.parent)
    write_mot(path, run.to_mot())
    return path


class TrackFileWriter:
    """Appends each frame's final tracks to a MOT file as they are released.

    A live camera runs until it is stopped; writing as we go means a crash or a killed process
    loses at most the frames still held back for gap filling, never the whole day.
    """

    def __init__(self, path: Path) -> None:
        output_folder(path.parent)
        try:
            self._fh = open(path, "w", encoding="utf-8")  # noqa: SIM115 - closed in close()
        except OSError as err:
            raise StorageError(f"{path}: cannot write tracks: {err.strerror or err}") from err
        self.path = path

    def write(self, tracks: Detections) -> None:
        if len(tracks):
            self._fh.write(format_mot(tracks_to_mot([tracks])))
            self._fh.flush()

    def close(self) -> None:
        self._fh.close()

    def __enter__(self) -> TrackFileWriter:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def write_summary(summary: dict[str, object], path: Path) -> Path:
    output_folder(path.parent)
    try:
        path.write_text(json.dumps(summary, indent=2) + "\n")
    except OSError as err:
        raise StorageError(f"{path}: cannot write the summary: {err.strerror or err}") from None
    return path


def write_annotated_video(
    run: TrackingRun,
    source: FrameSource,
    path: Path,
    fps: float,
    *,
    privacy: PrivacyMode = "heads",
    detector: Detector | None = None,
) -> Path:
    """Draw the final tracks onto a second pass over the source, everyone anonymised.

    The tracks are only final after the whole clip (gaps filled, short tracks dropped), so the
    video is drawn afterwards from a fresh read of the same frames, up to the last one tracked
    (a partial file is not read into its damage twice). Before anything is drawn, each frame hides
    (``privacy``) everyone the :class:`~storelens.render.Anonymiser` finds in it and in the
    :data:`VIDEO_PRIVACY_WINDOW` frames on each side, and every box the tracker had there and
    every box the detector had that scored as high as the anonymiser's own: no face is written.

    Args:
        detector: Finds people for anonymisation; the bundled detector if None (also when the
            run replayed boxes from a file, which cannot be looked at again on tiles).
    """
    tracks = {d.frame_index: d for d in run.tracks}
    raw = {d.frame_index: d for d in run.detections}
    last = max(tracks, default=-1)
    anonymiser = Anonymiser(detector or make_detector(), privacy)
    annotator = TrackAnnotator()
    sink: VideoWriterSink | None = None
    window: deque[tuple[Frame, np.ndarray]] = deque()
    next_out = 0  # position in ``window`` of the next frame to write

    def write(position: int) -> None:
        nonlocal sink
        frame = window[position][0]
        near = list(window)[max(0, position - VIDEO_PRIVACY_WINDOW) : position + VIDEO_PRIVACY_WINDOW + 1]
        hidden = anonymiser.hide(frame.image, np.concatenate([regions for _, regions in near]))
        if sink is None:
            sink = VideoWriterSink(path, fps=fps, resolution_wh=frame.resolution_wh)
        sink.write(annotator.draw(replace(frame, image=hidden), tracks[frame.index]))

    try:
        for frame in source:
            if frame.index in tracks:
                found = raw[frame.index]
                sure = found.xyxy_px[found.confidence >= PRIVACY_MIN_SCORE]
                known = np.concatenate([sure, tracks[frame.index].xyxy_px])
                window.append((frame, anonymiser.regions(frame, known)))
                if len(window) - 1 - next_out >= VIDEO_PRIVACY_WINDOW:
                    write(next_out)
                    next_out += 1
                    if next_out > VIDEO_PRIVACY_WINDOW:
                        window.popleft()
                        next_out -= 1
            if frame.index >= last:
                break
        while next_out < len(window):
            write(next_out)
            next_out += 1
    finally:
        if sink is not None:
            sink.close()
    return path
