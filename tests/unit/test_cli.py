"""Command-line errors: one line, exit status 2, no traceback."""

from __future__ import annotations

import subprocess
import sys

import pytest


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["track", "no/such/video.mp4"], "no/such/video.mp4"),
        (["eval", "--video", "no/such/video.mp4", "--gt", "no/such/gt.txt"], "no/such/gt.txt"),
        (["track", "x.mp4", "--model", "weights.pt"], "x.mp4: no such file"),  # the source opens first
    ],
)
def test_bad_input_prints_one_line_and_exits_2(args, message, tmp_path):
    out = subprocess.run(
        [sys.executable, "-m", "storelens.cli", *args, "-o" if args[0] == "track" else "--json"]
        + ([str(tmp_path)] if args[0] == "track" else []),
        capture_output=True, text=True, cwd=tmp_path,
    )
    assert out.returncode == 2, out.stderr
    lines = out.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("storelens: error:") and message in lines[0], out.stderr
    assert "Traceback" not in out.stderr
