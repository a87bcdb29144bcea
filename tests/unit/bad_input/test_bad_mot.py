"""Malformed MOT ground truth and detection files: one line naming the file (and line), never a score."""

from __future__ import annotations

from pathlib import Path

import pytest
from bad_input_helpers import VIDEO_FRAMES, Fails

GOOD_ROW = "1,1,10,10,20,40,1,-1,-1,-1"

# (file content, what the one line says after the file's name)
BAD_FILES = [
    ("", ": no boxes"),
    ("\n\n  \n", ": no boxes"),
    ("1,1,10,10,20,40,1,nan,-1,-1\n", ":1: every field must be a finite number"),
    ("1,1,10,10,nan,40,1\n", ":1: every field must be a finite number"),
    ("1,1,10,10,20,inf,1\n", ":1: every field must be a finite number"),
    (f"{GOOD_ROW}\n1,2,10,10,-20,40,1\n", ":2: width and height must not be negative"),
    ("1,1,10,10,20,-40,1\n", ":1: width and height must not be negative"),
    ("0,1,10,10,20,40,1\n", ":1: frame must be a whole number from 1"),
    ("-3,1,10,10,20,40,1\n", ":1: frame must be a whole number from 1"),
    ("1e15,1,10,10,20,40,1\n", ":1: frame must be a whole number from 1"),
    ("99999999999999999999,1,10,10,20,40,1\n", ":1: frame must be a whole number from 1"),
    ("2.5,1,10,10,20,40,1\n", ":1: frame must be a whole number"),
    ("1,1.5,10,10,20,40,1\n", ":1: id must be a whole number"),
    ("1,-5,10,10,20,40,1\n", ":1: id must be a whole number, -1 or more"),
    ("1,1,10,10,20,40\n", ":1: expected 7-10 comma-separated numbers"),
    ("1,1,10,10,20,40,1,-1,-1,-1,7\n", ":1: expected 7-10 comma-separated numbers"),
    ("frame,id,left,top,width,height,conf\n", ":1: expected 7-10 comma-separated numbers"),
    ("1 1 10 10 20 40 1\n", ":1: expected 7-10 comma-separated numbers"),
    ("1;1;10;10;20;40;1\n", ":1: expected 7-10 comma-separated numbers"),
    (f"{GOOD_ROW}\n2,1,10,10,20,40,1\n3,1,10,x,20,40,1\n", ":3: expected 7-10 comma-separated numbers"),
]
GT_ONLY = [
    ("1,1,10,10,20,40,0\n2,1,10,10,20,40,0\n", "no boxes with conf >= 1"),
    (f"{GOOD_ROW}\n500,1,10,10,20,40,1\n", f"has boxes up to frame 500, {{video}} only {VIDEO_FRAMES} frames"),
    (f"{GOOD_ROW}\n1,1,30,30,20,40,1\n", ":2: id 1 is in frame 1 twice (also line 1)"),
]


@pytest.fixture
def detections(tmp_path: Path) -> Path:
    path = tmp_path / "dets.txt"
    path.write_text("".join(f"{i},-1,{4 * i},10,20,40,0.9,-1,-1,-1\n" for i in range(1, VIDEO_FRAMES + 1)))
    return path


@pytest.mark.parametrize(
    ("content", "expected"), BAD_FILES + GT_ONLY, ids=[c[:30] or "empty" for c, _ in BAD_FILES + GT_ONLY]
)
def test_bad_ground_truth(
    fails: Fails, tmp_path: Path, video: Path, detections: Path, content: str, expected: str
) -> None:
    gt = tmp_path / "gt.txt"
    gt.write_text(content)
    line = fails(
        "eval", "--video", video, "--gt", gt, "--detections", detections, expected=expected.format(video=video)
    )
    assert str(gt) in line


@pytest.mark.parametrize(("content", "expected"), BAD_FILES, ids=[c[:30] or "empty" for c, _ in BAD_FILES])
def test_bad_detections(fails: Fails, tmp_path: Path, video: Path, content: str, expected: str) -> None:
    dets = tmp_path / "dets.txt"
    dets.write_text(content)
    fails("track", video, "--detections", dets, "-o", tmp_path / "out", expected=f"{dets}{expected}")


def latin_1(path: Path) -> Path:
    path.write_bytes(b"1,1,10,10,20,40,1 # caf\xe9\n")
    return path


@pytest.mark.parametrize(
    ("make", "expected"),
    [
        (lambda tmp: tmp / "missing.txt", "missing.txt: cannot read MOT file: No such file or directory"),
        (lambda tmp: tmp, "cannot read MOT file: Is a directory"),
        (lambda tmp: latin_1(tmp / "gt.txt"), "gt.txt: cannot read"),
    ],
    ids=["missing", "directory", "not-utf8"],
)
def test_unreadable_ground_truth(fails: Fails, tmp_path: Path, video: Path, make, expected: str) -> None:
    fails("eval", "--video", video, "--gt", make(tmp_path), expected=expected)


@pytest.mark.parametrize(
    ("out", "expected"),
    [
        ("/proc/storelens/tracks.txt", "/proc/storelens: cannot make the output folder"),
        ("{tmp}", "cannot write MOT file: Is a directory"),
    ],
)
def test_tracks_out_cannot_be_written(
    fails: Fails, tmp_path: Path, video: Path, detections: Path, out: str, expected: str
) -> None:
    gt = tmp_path / "gt.txt"
    gt.write_text(GOOD_ROW + "\n")
    args = ["--video", video, "--gt", gt, "--detections", detections, "--tracks-out", out.format(tmp=tmp_path)]
    fails("eval", *args, expected=expected)
