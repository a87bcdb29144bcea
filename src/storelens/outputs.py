"""Files a tracking run leaves behind: MOT tracks, a JSON summary, an annotated video."""

from __future__ import annotations

import json
from dataclasses import replace
from pathlib import Path

import numpy as np

from storelens.errors import StorageError
from storelens.eval.motio import format_mot, tracks_to_mot, write_mot
from storelens.pipeline import TrackingRun
from storelens.render import PrivacyMode, TrackAnnotator, VideoWriterSink, anonymise
from storelens.sources.base import FrameSource
from storelens.types import Detections

__all__ = ["TrackFileWriter", "output_folder", "write_tracks", "write_summary", "write_annotated_video"]


def output_folder(path: Path) -> Path:
    """``path``, made a folder if it is not one yet.

    Raises:
        StorageError: It is an existing file (never replaced), or cannot be made.
    """
    try:
        path.mkdir(parents=True, exist_ok=True)
    except FileExistsError:
        raise StorageError(f"{path}: is a file, not a folder; give a folder for the outputs") from None
    except OSError as err:
        raise StorageError(f"{path}: cannot make the output folder: {err.strerror or err}") from None
    return path


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
    run: TrackingRun, source: FrameSource, path: Path, fps: float, *, privacy: PrivacyMode = "heads"
) -> Path:
    """Draw the final tracks onto a second pass over the source.

    The tracks are only final after the whole clip (gaps filled, short tracks dropped), so the
    video is drawn afterwards from a fresh read of the same frames, up to the last one tracked
    (a partial file is not read into its damage twice). People are anonymised (``privacy``) for
    every box the detector found and every final track, confirmed or not: no face is ever written.
    """
    tracks = {d.frame_index: d for d in run.tracks}
    raw = {d.frame_index: d for d in run.detections}
    last = max(tracks, default=-1)
    annotator = TrackAnnotator(privacy=privacy)
    sink: VideoWriterSink | None = None
    try:
        for frame in source:
            if frame.index in tracks:
                if sink is None:
                    sink = VideoWriterSink(path, fps=fps, resolution_wh=frame.resolution_wh)
                boxes = np.concatenate([raw[frame.index].xyxy_px, tracks[frame.index].xyxy_px])
                blurred = replace(frame, image=anonymise(frame.image, boxes, mode=privacy))
                sink.write(annotator.draw(blurred, tracks[frame.index]))
            if frame.index >= last:
                break
    finally:
        if sink is not None:
            sink.close()
    return path
