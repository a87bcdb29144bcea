"""MOT15 files read back what was written, and bad input fails with the file and line in the message."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

from storelens.errors import EvalError
from storelens.eval import MotTable, read_mot, write_mot

finite = st.floats(-1e5, 1e5, allow_nan=False, width=64)
sizes = st.floats(0, 1e5, width=64)


@st.composite
def tables(draw: st.DrawFn) -> MotTable:
    frame_ids = draw(st.lists(st.tuples(st.integers(1, 10_000), st.integers(-1, 10**9)), max_size=20, unique=True))
    n = len(frame_ids)
    world = draw(hnp.arrays(np.float64, (n, 2), elements=finite))
    world[np.array(draw(st.lists(st.booleans(), min_size=n, max_size=n)), dtype=bool)] = np.nan
    world[(world == -1).all(axis=1)] = np.nan  # MOT15 writes "no position" as -1,-1
    return MotTable(
        frame=np.array([f for f, _ in frame_ids], dtype=np.int64),
        track_id=np.array([i for _, i in frame_ids], dtype=np.int64),
        xywh=np.concatenate(
            [
                draw(hnp.arrays(np.float64, (n, 2), elements=finite)),  # left, top
                draw(hnp.arrays(np.float64, (n, 2), elements=sizes)),  # width, height
            ],
            axis=1,
        ),
        conf=draw(hnp.arrays(np.float64, n, elements=st.floats(0, 1))),
        world_xy=world,
    )


@settings(max_examples=50, deadline=None)
@given(rows=tables())
def test_round_trip_is_exact(tmp_path_factory: pytest.TempPathFactory, rows: MotTable) -> None:
    path = tmp_path_factory.mktemp("mot") / "tracks.txt"
    write_mot(path, rows)
    back = read_mot(path)
    for name in ("frame", "track_id", "xywh", "conf", "world_xy"):
        np.testing.assert_array_equal(getattr(back, name), getattr(rows, name), err_msg=name)


def test_reads_mot15_gt_and_detection_lines(tmp_path: Path) -> None:
    path = tmp_path / "gt.txt"
    path.write_text(
        "1,9,499,158,31.03,75.17,1,-4.1554,-7.3591,0\n"
        "\n"
        "2,-1,649.441,231.502,44.417,86.13,0.995474,-1,-1,-1\n"
        "3, 4, 1, 2, 3, 4, 0\n"
    )
    t = read_mot(path)
    np.testing.assert_array_equal(t.frame, [1, 2, 3])
    np.testing.assert_array_equal(t.track_id, [9, -1, 4])
    np.testing.assert_array_equal(t.xyxy[0], [499, 158, 499 + 31.03, 158 + 75.17])
    np.testing.assert_array_equal(t.world_xy[0], [-4.1554, -7.3591])
    assert np.isnan(t.world_xy[1:]).all()
    np.testing.assert_array_equal(read_mot(path, min_conf=1).track_id, [9])


@pytest.mark.parametrize(
    "line",
    ["1,2,3,4,5,6", "1,2,3,4,5,6,7,8,9,10,11", "1,2,a,4,5,6,1", "1;2;3;4;5;6;1", ",2,3,4,5,6,1"],
)
def test_malformed_line_names_file_and_line(tmp_path: Path, line: str) -> None:
    path = tmp_path / "bad.txt"
    path.write_text("1,1,0,0,10,10,1,-1,-1,-1\n" + line + "\n")
    with pytest.raises(EvalError, match=r"bad\.txt:2: expected 7-10 comma-separated numbers") as info:
        read_mot(path)
    assert "\n" not in str(info.value)


@pytest.mark.parametrize(
    ("line", "problem"),
    [
        ("1,2,3,4,nan,6,1", "every field must be a finite number"),
        ("1,2,3,4,5,6,1,inf,0", "every field must be a finite number"),
        ("1.5,2,3,4,5,6,1", "frame must be a whole number"),
        ("0,2,3,4,5,6,1", "frame must be a whole number from 1"),
        ("1e12,2,3,4,5,6,1", "frame must be a whole number"),
        ("1,2.5,3,4,5,6,1", "id must be a whole number"),
        ("1,-7,3,4,5,6,1", "id must be a whole number, -1 or more"),
        ("1,2,3,4,-5,6,1", "width and height must not be negative"),
        ("1,1,3,4,5,6,1", r"id 1 is in frame 1 twice \(also line 1\)"),
    ],
)
def test_impossible_values_name_file_and_line(tmp_path: Path, line: str, problem: str) -> None:
    path = tmp_path / "bad.txt"
    path.write_text("1,1,0,0,10,10,1,-1,-1,-1\n" + line + "\n")
    with pytest.raises(EvalError, match=rf"bad\.txt:2: {problem}") as info:
        read_mot(path)
    assert "\n" not in str(info.value)


def test_missing_file(tmp_path: Path) -> None:
    with pytest.raises(EvalError, match=r"nope\.txt: cannot read MOT file"):
        read_mot(tmp_path / "nope.txt")


def test_unwritable_path(tmp_path: Path) -> None:
    with pytest.raises(EvalError, match="cannot write MOT file"):
        write_mot(tmp_path / "missing_dir" / "out.txt", MotTable.empty())


def test_columns_must_agree() -> None:
    with pytest.raises(ValueError, match=r"MotTable\.track_id: expected 2 rows, got 1"):
        MotTable([1, 2], [1], np.zeros((2, 4)), [1, 1], np.zeros((2, 2)))
