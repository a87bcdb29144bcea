"""Time buckets: exact ticks, waiting for every camera, the latency bound, late frames."""

from __future__ import annotations

from datetime import timedelta

import pytest
from fusion_cases import frame, ts

from storelens.fusion.ticks import TickBuffer, from_us, to_us

TICK_US = 200_000


def _ticks(out):
    return [(from_us(t) - ts(0)) / timedelta(milliseconds=1) for t, _ in out]


def test_time_round_trips_in_microseconds():
    assert from_us(to_us(ts(7, 0.000123))) == ts(7, 0.000123)


def test_a_tick_waits_for_every_camera():
    buf = TickBuffer(["a", "b"], TICK_US, None)
    buf.push(frame("a", 0, {}))
    buf.push(frame("a", 1, {}))
    assert buf.pop_ready() == []  # b has not delivered anything yet
    buf.push(frame("b", 0, {}, offset_s=0.05))  # 50 ms late: belongs to the tick at 200 ms
    assert _ticks(buf.pop_ready()) == [0.0]
    buf.push(frame("b", 1, {}, offset_s=0.05))
    out = buf.pop_ready()
    assert _ticks(out) == [200.0] and [f.camera_id for f in out[0][1]] == ["a", "b"]


def test_latency_bound_releases_ticks_a_silent_camera_holds_back():
    buf = TickBuffer(["a", "b"], TICK_US, 1_000_000)
    for k in range(5):
        buf.push(frame("a", k, {}))
        assert buf.pop_ready() == []
    buf.push(frame("a", 5, {}))  # 1 s after frame 0
    assert _ticks(buf.pop_ready()) == [0.0]
    buf.push(frame("a", 8, {}))
    assert _ticks(buf.pop_ready()) == [200.0, 400.0, 600.0]
    buf.push(frame("b", 1, {}))  # too late: its tick is out
    assert buf.dropped == 1
    buf.end_camera("b")
    assert _ticks(buf.pop_ready()) == [800.0, 1000.0, 1600.0]


def test_frames_going_back_in_time_and_unknown_cameras():
    buf = TickBuffer(["a"], TICK_US, None)
    buf.push(frame("a", 3, {}))
    buf.push(frame("a", 2, {}))
    assert buf.dropped == 1
    with pytest.raises(ValueError, match="unknown camera"):
        buf.push(frame("x", 4, {}))
    assert _ticks(buf.pop_all()) == [600.0]
