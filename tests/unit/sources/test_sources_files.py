"""Files and image folders: timestamps, fps override, analysis rate, errors."""

from __future__ import annotations

import logging
import struct
from collections.abc import Callable
from contextlib import AbstractContextManager, nullcontext
from datetime import datetime, timedelta, timezone
from pathlib import Path

import cv2
import factories
import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from storelens.errors import ConfigError, SourceError
from storelens.sources import EPOCH, FrameSource, ImageFolderSource, VideoFileSource, open_source
from storelens.sources.base import StreamTimeRate

SIZE_WH = (64, 48)
GREY_STEP = 8
"""Frame i is a flat grey of level i * GREY_STEP, so a decoded frame tells which it is."""


def grey(index: int) -> np.ndarray:
    return np.full((SIZE_WH[1], SIZE_WH[0], 3), index * GREY_STEP % 256, np.uint8)


def write_video(path: Path, n_frames: int, fps: float, fourcc: str = "MJPG") -> Path:
    return factories.write_video(path, (grey(i) for i in range(n_frames)), fps, fourcc)


def frame_number(image: np.ndarray) -> int:
    return round(float(image.mean()) / GREY_STEP)


def test_file_frames_have_index_and_stream_time(tmp_path: Path) -> None:
    path = write_video(tmp_path / "clip.avi", n_frames=10, fps=25)
    with open_source(path, camera_id="door") as source:
        assert isinstance(source, FrameSource)
        assert isinstance(source, VideoFileSource)
        assert (source.nominal_fps, source.resolution_wh, source.is_live) == (25.0, SIZE_WH, False)
        frames = list(source)
    assert [f.index for f in frames] == list(range(10))
    assert [frame_number(f.image) for f in frames] == list(range(10))
    assert all(f.camera_id == "door" for f in frames)
    assert [f.ts for f in frames] == [EPOCH + timedelta(seconds=i / 25) for i in range(10)]
    assert source.stats.frames_read == 10


def test_mp4v_mp4_is_read(tmp_path: Path) -> None:
    path = write_video(tmp_path / "clip.mp4", n_frames=12, fps=12, fourcc="mp4v")
    with open_source(path) as source:
        assert len(list(source)) == 12


def test_fps_override_sets_timestamps(tmp_path: Path) -> None:
    path = write_video(tmp_path / "pets.avi", n_frames=8, fps=10)
    start = datetime(2024, 5, 1, 9, 0, tzinfo=timezone(timedelta(hours=2)))
    with open_source(path, fps=7, start_time=start) as source:
        assert source.nominal_fps == 7
        frames = list(source)
    assert frames[0].ts == datetime(2024, 5, 1, 7, 0, tzinfo=timezone.utc)
    assert frames[0].ts.tzinfo == timezone.utc
    assert frames[7].ts - frames[0].ts == timedelta(seconds=1)


def test_naive_start_time_is_refused(tmp_path: Path) -> None:
    path = write_video(tmp_path / "clip.avi", n_frames=2, fps=10)
    with pytest.raises(ConfigError, match="time zone"):
        open_source(path, start_time=datetime(2024, 5, 1, 9, 0))


def write_avi_with_rate(path: Path, rate: int) -> Path:
    """An MJPG AVI whose stream header claims ``rate`` frames per second."""
    write_video(path, n_frames=5, fps=25)
    data = bytearray(path.read_bytes())
    strh = data.index(b"strh")
    # strh payload: fccType, fccHandler, dwFlags (4 each), wPriority, wLanguage (2 each),
    # dwInitialFrames (4), then dwScale and dwRate.
    scale_offset = strh + 8 + 4 + 4 + 4 + 2 + 2 + 4
    data[scale_offset : scale_offset + 8] = struct.pack("<II", 1, rate)
    path.write_bytes(bytes(data))
    return path


def test_implausible_container_fps_needs_override(tmp_path: Path) -> None:
    path = write_avi_with_rate(tmp_path / "timebase.avi", rate=90000)
    with pytest.raises(SourceError, match="pass fps"):
        open_source(path)
    with open_source(path, fps=7) as source:
        assert [f.ts - EPOCH for f in source][-1] == timedelta(seconds=4 / 7)


def test_analysis_rate_yields_every_fifth_frame_of_25fps(tmp_path: Path) -> None:
    path = write_video(tmp_path / "clip.avi", n_frames=30, fps=25)
    with open_source(path, analysis_fps=5) as source:
        frames = list(source)
    assert [f.index for f in frames] == [0, 5, 10, 15, 20, 25]
    assert [frame_number(f.image) for f in frames] == [0, 5, 10, 15, 20, 25]
    assert [f.ts - EPOCH for f in frames] == [timedelta(seconds=s / 5) for s in range(6)]
    assert (source.stats.frames_read, source.stats.frames_skipped) == (6, 24)


@given(
    source_fps=st.floats(min_value=1, max_value=120),
    analysis_fps=st.floats(min_value=0.5, max_value=120),
    n_frames=st.integers(min_value=1, max_value=500),
)
def test_stream_time_rate_keeps_the_requested_share(source_fps: float, analysis_fps: float, n_frames: int) -> None:
    rate = StreamTimeRate(source_fps, analysis_fps)
    kept = [i for i in range(n_frames) if rate.keep(i)]
    expected = n_frames * min(1.0, analysis_fps / source_fps)
    assert kept[0] == 0
    assert abs(len(kept) - expected) <= 1
    gaps = np.diff(kept)
    if len(gaps):
        assert gaps.max() - gaps.min() <= 1, "kept frames should be as evenly spaced as whole frames allow"


def write_pngs(folder: Path, names: list[str]) -> None:
    folder.mkdir(exist_ok=True)
    for i, name in enumerate(names):
        cv2.imwrite(str(folder / name), grey(i))


def test_image_folder_is_sorted_naturally_and_skips_unread_files(tmp_path: Path) -> None:
    names = [f"frame{i}.png" for i in range(1, 13)]
    write_pngs(tmp_path / "seq", names)
    (tmp_path / "seq" / "seqinfo.ini").write_text("[Sequence]\n")
    with open_source(tmp_path / "seq", fps=4, analysis_fps=2) as source:
        assert isinstance(source, ImageFolderSource)
        assert source.frame_count == 12
        frames = list(source)
    assert [f.index for f in frames] == [0, 2, 4, 6, 8, 10]
    assert [frame_number(f.image) for f in frames] == [0, 2, 4, 6, 8, 10]
    assert frames[-1].ts - frames[0].ts == timedelta(seconds=10 / 4)


def test_unreadable_image_in_folder_fails_or_is_skipped_with_warning(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    write_pngs(tmp_path / "seq", ["000001.png", "000002.png", "000003.png"])
    (tmp_path / "seq" / "000002.png").write_bytes(b"not a png")
    with pytest.raises(SourceError, match=r"000002.png: cannot read image \(frame 1\); pass --accept-partial"):
        list(open_source(tmp_path / "seq", fps=10))
    with caplog.at_level(logging.WARNING), open_source(tmp_path / "seq", fps=10, accept_partial=True) as source:
        indices = [f.index for f in source]
    assert indices == [0, 2]
    assert "000002.png: cannot read image (frame 1)" in caplog.text


def test_gif_is_read_by_opencv(tmp_path: Path) -> None:
    animation = cv2.Animation()
    animation.frames = [grey(i) for i in range(6)]
    animation.durations = [100] * 6
    assert cv2.imwriteanimation(str(tmp_path / "walk.gif"), animation)
    with open_source(tmp_path / "walk.gif") as source:
        assert source.nominal_fps == pytest.approx(10)
        frames = list(source)
    assert [frame_number(f.image) for f in frames] == list(range(6))


@pytest.mark.parametrize(
    ("name", "damage"),
    [("cut.avi", factories.truncate), ("zeroed.avi", factories.zero_middle), ("zeroed.mp4", factories.zero_middle)],
)
def test_damaged_file_fails_naming_the_frame(
    tmp_path: Path, capfd: pytest.CaptureFixture[str], name: str, damage: Callable[[Path], Path]
) -> None:
    path = damage(write_video(tmp_path / name, n_frames=40, fps=25, fourcc="mp4v" if name.endswith("mp4") else "MJPG"))
    frames = []
    with pytest.raises(SourceError, match=r"decoding failed at frame (\d+) of 40 \(truncated or corrupt\?\)") as info:
        frames.extend(open_source(path))
    assert f"at frame {len(frames)} of 40" in str(info.value)
    assert "pass --accept-partial" in str(info.value)
    assert 0 < len(frames) < 40
    assert capfd.readouterr().err == "", "FFmpeg's own messages reach the terminal"


def test_damaged_file_is_kept_with_a_warning_when_partial_is_accepted(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    path = factories.truncate(write_video(tmp_path / "cut.avi", n_frames=40, fps=25))
    with caplog.at_level(logging.WARNING), open_source(path, accept_partial=True) as source:
        n_frames = len(list(source))
    assert 0 < n_frames < 40
    assert f"decoding failed at frame {n_frames} of 40" in caplog.text
    assert f"keeping the {n_frames} frames before it" in caplog.text
    assert source.stats.last_error is not None


def make_random_mp4(tmp_path: Path) -> Path:
    path = tmp_path / "noise.mp4"
    path.write_bytes(np.random.default_rng(0).integers(0, 256, 4096, dtype=np.uint8).tobytes())
    return path


def make_empty_file(tmp_path: Path) -> Path:
    (tmp_path / "empty.mp4").touch()
    return tmp_path / "empty.mp4"


def make_headless_mp4(tmp_path: Path) -> Path:
    """An mp4 cut before its index (written last): nothing in it can be found."""
    return factories.truncate(write_video(tmp_path / "cut.mp4", n_frames=10, fps=10, fourcc="mp4v"))


def make_empty_folder(tmp_path: Path) -> Path:
    (tmp_path / "empty").mkdir()
    (tmp_path / "empty" / "notes.txt").write_text("no frames here")
    return tmp_path / "empty"


def make_good_video(tmp_path: Path) -> Path:
    return write_video(tmp_path / "ok.avi", n_frames=3, fps=10)


def make_png_folder(tmp_path: Path) -> Path:
    write_pngs(tmp_path / "pngs", ["a.png"])
    return tmp_path / "pngs"


@pytest.mark.parametrize(
    ("make_uri", "kwargs", "expectation"),
    [
        pytest.param(lambda p: p / "gone.mp4", {}, pytest.raises(SourceError, match="gone.mp4: no such"), id="missing"),
        pytest.param(make_random_mp4, {}, pytest.raises(SourceError, match="noise.mp4: cannot decode"), id="noise"),
        pytest.param(make_empty_file, {}, pytest.raises(SourceError, match="empty.mp4: empty file"), id="empty"),
        pytest.param(make_headless_mp4, {}, pytest.raises(SourceError, match="cut.mp4: cannot decode"), id="no-index"),
        pytest.param(make_empty_folder, {"fps": 5}, pytest.raises(SourceError, match="no image files"), id="empty-dir"),
        pytest.param(make_png_folder, {}, pytest.raises(SourceError, match="pass fps"), id="dir-without-fps"),
        pytest.param(make_png_folder, {"fps": 5}, nullcontext(), id="dir-with-fps"),
        pytest.param(make_good_video, {}, nullcontext(), id="good-video"),
        pytest.param(make_good_video, {"fps": 0}, pytest.raises(ConfigError, match="fps"), id="zero-fps"),
        pytest.param(make_good_video, {"analysis_fps": -1}, pytest.raises(ConfigError), id="negative-rate"),
        pytest.param(lambda p: "ftp://cam/stream", {}, pytest.raises(SourceError, match="scheme"), id="ftp"),
        pytest.param(lambda p: "/dev/video99", {}, pytest.raises(SourceError, match="webcam 99"), id="no-webcam"),
    ],
)
def test_open_errors(
    tmp_path: Path,
    make_uri: Callable[[Path], Path | str],
    kwargs: dict[str, float],
    expectation: AbstractContextManager[object],
) -> None:
    uri = make_uri(tmp_path)
    with expectation:
        with open_source(uri, **kwargs) as source:
            assert len(list(source)) > 0


def test_error_messages_are_one_line(tmp_path: Path) -> None:
    with pytest.raises(SourceError) as info:
        open_source(make_random_mp4(tmp_path))
    assert "\n" not in str(info.value)


def test_close_stops_iteration_and_second_pass_is_refused(tmp_path: Path) -> None:
    path = write_video(tmp_path / "clip.avi", n_frames=20, fps=25)
    source = open_source(path)
    seen = []
    for frame in source:
        seen.append(frame.index)
        if frame.index == 3:
            source.close()
    assert seen == [0, 1, 2, 3]
    with pytest.raises(RuntimeError, match="only once"):
        iter(source)
    source.close()
