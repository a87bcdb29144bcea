"""Videos that are missing, empty, damaged or not videos, and where results cannot go: `track` and
`run` stop with one line naming the file, before the detector loads wherever the file can tell."""

from __future__ import annotations

import logging
from collections.abc import Callable
from pathlib import Path

import cv2
import factories
import numpy as np
import pytest
from bad_input_helpers import Fails, make_video

from storelens.cli import main

VideoMaker = Callable[[Path], Path]


def missing(tmp: Path) -> Path:
    return tmp / "gone.avi"


def empty_file(tmp: Path) -> Path:
    (tmp / "empty.mp4").touch()
    return tmp / "empty.mp4"


def text_file(tmp: Path) -> Path:
    (tmp / "notes.mp4").write_text("these are not the frames you are looking for\n" * 50)
    return tmp / "notes.mp4"


def random_bytes(tmp: Path) -> Path:
    (tmp / "noise.avi").write_bytes(bytes(range(256)) * 64)
    return tmp / "noise.avi"


def png_named_avi(tmp: Path) -> Path:
    (tmp / "frame.avi").write_bytes(b"\x89PNG\r\n\x1a\n" + bytes(100))
    return tmp / "frame.avi"


def truncated_mp4(tmp: Path) -> Path:
    """An mp4 whose index (written last) was cut off."""
    return factories.truncate(make_video(tmp / "cut.mp4", n_frames=30, fourcc="mp4v"))


def truncated_avi(tmp: Path) -> Path:
    return factories.truncate(make_video(tmp / "cut.avi", n_frames=30))


def headers_only_avi(tmp: Path) -> Path:
    """A tenth of the file: little more than its headers."""
    return factories.truncate(make_video(tmp / "start.avi", n_frames=30), keep=0.1)


def zeroed_avi(tmp: Path) -> Path:
    return factories.zero_middle(make_video(tmp / "zeroed.avi", n_frames=30))


def zeroed_mp4(tmp: Path) -> Path:
    return factories.zero_middle(make_video(tmp / "zeroed.mp4", n_frames=30, fourcc="mp4v"))


def empty_folder(tmp: Path) -> Path:
    (tmp / "frames").mkdir()
    return tmp / "frames"


def folder_of_text(tmp: Path) -> Path:
    (tmp / "frames").mkdir()
    (tmp / "frames" / "readme.txt").write_text("no images")
    return tmp / "frames"


def folder_with_bad_first_image(tmp: Path) -> Path:
    (tmp / "frames").mkdir()
    (tmp / "frames" / "000001.jpg").write_bytes(b"not a jpeg")
    return tmp / "frames"


def folder_with_bad_later_image(tmp: Path) -> Path:
    (tmp / "frames").mkdir()
    for i in range(1, 4):
        cv2.imwrite(str(tmp / "frames" / f"{i:06d}.png"), np.full((48, 64, 3), 30 * i, np.uint8))
    (tmp / "frames" / "000002.png").write_bytes(b"broken")
    return tmp / "frames"


# (maker, extra arguments, what the one line says)
VIDEOS: list[tuple[VideoMaker, list[str], str]] = [
    (missing, [], "gone.avi: no such file or directory"),
    (empty_file, [], "empty.mp4: empty file, not a video"),
    (text_file, [], "notes.mp4: cannot decode as video"),
    (random_bytes, [], "noise.avi: cannot decode as video"),
    (png_named_avi, [], "frame.avi: no frame could be decoded"),
    (truncated_mp4, [], "cut.mp4: cannot decode as video"),
    (truncated_avi, [], "(truncated or corrupt?); pass --accept-partial to keep what was read"),
    (headers_only_avi, [], "start.avi: cannot decode as video"),
    (zeroed_avi, [], "zeroed.avi: decoding failed at frame"),
    (zeroed_mp4, [], "zeroed.mp4: decoding failed at frame"),
    (empty_folder, ["--fps", "5"], "frames: no image files"),
    (folder_of_text, ["--fps", "5"], "frames: no image files"),
    (folder_of_text, [], "frames: images carry no frame rate; pass fps"),
    (folder_with_bad_first_image, ["--fps", "5"], "000001.jpg: cannot read image"),
    (folder_with_bad_later_image, ["--fps", "5"], "000002.png: cannot read image (frame 1); pass --accept-partial"),
]
EARLY = {missing, empty_file, text_file, random_bytes, truncated_mp4, headers_only_avi, empty_folder, folder_of_text}
"""Inputs refused when opened: the detector must not have been loaded."""


@pytest.mark.parametrize(("make", "extra", "expected"), VIDEOS, ids=[f"{m.__name__}{''.join(e)}" for m, e, _ in VIDEOS])
def test_track_bad_video(
    fails: Fails,
    no_detector: list[str],
    tmp_path: Path,
    make: VideoMaker,
    extra: list[str],
    expected: str,
) -> None:
    fails("track", make(tmp_path), *extra, "-o", tmp_path / "out", expected=expected)
    if make in EARLY:
        assert not no_detector, "the detector was loaded before the source was opened"


@pytest.mark.parametrize(
    "make", [missing, empty_file, text_file, truncated_avi, zeroed_mp4, folder_with_bad_first_image]
)
def test_run_bad_video(
    fails: Fails,
    no_detector: list[str],
    tmp_path: Path,
    store_of: Callable[[Path], Path],
    make: VideoMaker,
) -> None:
    source = make(tmp_path)
    fails("run", store_of(source), "--db", f"sqlite:///{tmp_path}/s.db", expected=source.name)
    if make in EARLY:
        assert not no_detector, "the detector was loaded before the camera's file was opened"


@pytest.mark.parametrize(
    ("args", "expected"),
    [
        (["--fps", "0"], "fps must be a positive number of frames per second, got 0"),
        (["--fps", "-5"], "fps must be a positive number of frames per second, got -5"),
        (["--fps", "nan"], "fps must be a positive number of frames per second, got nan"),
        (["--fps", "ten"], "track: argument --fps: invalid float value: 'ten'"),
        (["--analysis-fps", "-1"], "analysis_fps must be a positive number"),
        (["--analysis-fps", "inf"], "analysis_fps must be a positive number"),
        (["--threads", "0"], "detector threads must be >= 1, got 0"),
        (["--threads", "two"], "track: argument --threads: invalid int value: 'two'"),
        (["--detections", "no/such/dets.txt"], "no/such/dets.txt: cannot read MOT file"),
        (["--camera-id"], "track: argument --camera-id: expected one argument"),
    ],
)
def test_track_bad_option(fails: Fails, video: Path, tmp_path: Path, args: list[str], expected: str) -> None:
    fails("track", video, *args, "-o", tmp_path / "out", expected=expected)


def test_unknown_model_is_named_once_the_source_opens(fails: Fails, video: Path, tmp_path: Path) -> None:
    fails(
        "track", video, "--model", "weights.pt", "-o", tmp_path / "out", expected="unknown detector model 'weights.pt'"
    )


def test_missing_model_file(fails: Fails, video: Path, tmp_path: Path) -> None:
    fails("track", video, "--model", tmp_path / "yolo.onnx", "-o", tmp_path / "out", expected="yolo.onnx")


def test_output_folder_is_a_file(fails: Fails, no_detector: list[str], video: Path, tmp_path: Path) -> None:
    (tmp_path / "out.txt").write_text("keep me")
    fails("track", video, "-o", tmp_path / "out.txt", expected="out.txt: is a file, not a folder")
    assert (tmp_path / "out.txt").read_text() == "keep me"
    assert not no_detector


@pytest.mark.parametrize(
    ("out", "expected"),
    [
        ("/proc/storelens-out", "/proc/storelens-out: cannot make the output folder"),
        ("{tmp}/file.txt/out", "file.txt/out: cannot make the output folder: Not a directory"),
    ],
)
def test_output_folder_cannot_be_made(
    fails: Fails, no_detector: list[str], video: Path, tmp_path: Path, out: str, expected: str
) -> None:
    (tmp_path / "file.txt").write_text("")
    fails("track", video, "-o", out.format(tmp=tmp_path), expected=expected)
    assert not no_detector


@pytest.mark.parametrize("make", [truncated_avi, zeroed_mp4])
def test_partial_file_is_kept_with_accept_partial(
    capfd: pytest.CaptureFixture[str],
    caplog: pytest.LogCaptureFixture,
    no_detector: list[str],
    tmp_path: Path,
    make: VideoMaker,
) -> None:
    source = make(tmp_path)
    with caplog.at_level(logging.WARNING):
        code = main(["track", str(source), "--accept-partial", "-o", str(tmp_path / "out")])
    out, err = capfd.readouterr()
    assert code == 0, err
    assert err == ""
    assert "tracks in" in out
    warnings = [r.getMessage() for r in caplog.records if r.levelno >= logging.WARNING]
    assert len(warnings) == 1 and "decoding failed at frame" in warnings[0], warnings
    assert (tmp_path / "out" / "annotated.mp4").exists()


def test_run_keeps_a_partial_file_with_accept_partial(
    capfd: pytest.CaptureFixture[str], no_detector: list[str], tmp_path: Path, store_of: Callable[[Path], Path]
) -> None:
    store = store_of(truncated_avi(tmp_path))
    assert main(["run", str(store), "--db", f"sqlite:///{tmp_path}/s.db", "--accept-partial"]) == 0
    out, _ = capfd.readouterr()
    assert "door: " in out and "frames" in out
