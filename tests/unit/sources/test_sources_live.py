"""Live sources against a real local MJPEG-over-HTTP server that is stopped and restarted."""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Iterator

import numpy as np
import pytest
from mjpeg_server import MjpegServer

from storelens.errors import SourceError
from storelens.sources import LiveSource, ReconnectPolicy, open_source

FAST_RETRY = ReconnectPolicy(initial_delay_s=0.05, max_delay_s=0.2, open_timeout_s=2, read_timeout_s=1)


@pytest.fixture
def camera() -> Iterator[MjpegServer]:
    server = MjpegServer(port=0)
    yield server
    if not server.stopping.is_set():
        server.stop()


def test_stream_drop_is_logged_and_reconnected(camera: MjpegServer, caplog: pytest.LogCaptureFixture) -> None:
    port = camera.server_address[1]
    restarted: list[MjpegServer] = []
    restart = threading.Timer(0.3, lambda: restarted.append(MjpegServer(port)))
    indices = []
    try:
        with (
            caplog.at_level(logging.WARNING),
            open_source(camera.url, camera_id="till", reconnect=FAST_RETRY) as source,
        ):
            assert isinstance(source, LiveSource)
            assert source.is_live and source.resolution_wh == (64, 48)
            for frame in source:
                indices.append(frame.index)
                if len(indices) == 5:
                    camera.stop()
                    restart.start()
                if len(indices) == 10:
                    break
    finally:
        restart.join()
        for server in restarted:
            server.stop()
    assert indices == sorted(set(indices))
    assert source.stats.drops == 1
    assert source.stats.reconnects >= 1
    assert source.stats.frames_read == 10
    warnings = [r for r in caplog.records if r.levelno == logging.WARNING]
    assert len(warnings) == 1
    assert "camera till" in warnings[0].getMessage() and "reconnecting" in warnings[0].getMessage()


def test_gives_up_after_max_reconnects(camera: MjpegServer) -> None:
    policy = ReconnectPolicy(initial_delay_s=0.01, max_delay_s=0.02, max_reconnects=3, open_timeout_s=1)
    source = open_source(camera.url, reconnect=policy)
    camera.stop()
    with pytest.raises(SourceError, match="gave up after 3 reconnect attempts"):
        for _ in source:
            pass
    assert source.stats.reconnects == 3


def test_without_reconnects_a_drop_is_raised_at_once_for_the_caller_to_say(
    camera: MjpegServer, caplog: pytest.LogCaptureFixture
) -> None:
    """max_reconnects=0 is how `storelens run` opens live cameras: its supervisor reopens them."""
    source = open_source(camera.url, reconnect=ReconnectPolicy(initial_delay_s=30, max_reconnects=0))
    started = time.monotonic()
    with caplog.at_level(logging.WARNING), pytest.raises(SourceError, match=r"^http://.*: stream read failed at frame"):
        for frame in source:
            if frame.index == 2:
                camera.stop()
    assert time.monotonic() - started < 5 and source.stats.drops == 1 and source.stats.reconnects == 0
    assert not caplog.records


def test_close_from_another_thread_ends_iteration(camera: MjpegServer) -> None:
    source = open_source(camera.url, reconnect=FAST_RETRY)
    camera.stop()
    closer = threading.Timer(0.2, source.close)
    closer.start()
    started = time.monotonic()
    buffered = list(source)
    closer.join()
    assert time.monotonic() - started < 2
    assert len(buffered) < 10, "only frames already buffered before the drop"
    assert source.stats.drops == 1


def test_live_analysis_rate_follows_wall_clock(camera: MjpegServer) -> None:
    with open_source(camera.url, analysis_fps=10, reconnect=FAST_RETRY) as source:
        frames = []
        for frame in source:
            frames.append(frame)
            if len(frames) == 4:
                break
    gaps_s = np.diff([f.ts.timestamp() for f in frames])
    assert np.all(gaps_s > 0.06), gaps_s
    assert source.stats.frames_skipped >= 6


def test_unreachable_stream_fails_at_start() -> None:
    with pytest.raises(SourceError, match="http://127.0.0.1:9/stream.mjpg: cannot open"):
        open_source("http://127.0.0.1:9/stream.mjpg", reconnect=FAST_RETRY)
