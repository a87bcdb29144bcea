"""Bad input through the real command line, in-process: exit 2, one `storelens: error:` line naming
the problem, nothing else on stderr (no traceback, no usage text, no native library noise)."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from bad_input_helpers import Fails, make_video
from store_factories import base_config

import storelens.detect
from storelens.cli import main
from storelens.detect.replay import ReplayDetector
from storelens.eval.motio import MotTable


@pytest.fixture
def fails(capfd: pytest.CaptureFixture[str]) -> Fails:
    """Run ``storelens ARGS...`` and check it fails cleanly with ``expected`` in its one line."""

    def run(*args: object, expected: str) -> str:
        code = main([str(a) for a in args])
        out, err = capfd.readouterr()
        assert "Traceback" not in out + err
        assert code == 2, f"exit {code}; stdout {out!r}; stderr {err!r}"
        lines = err.strip().splitlines()
        assert len(lines) == 1 and lines[0].startswith("storelens: error: "), err
        assert expected in lines[0], lines[0]
        return lines[0]

    return run


@pytest.fixture
def no_detector(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """Stands in for the bundled detector (a person-free one): runs stay fast, and a test can
    tell whether the command got as far as loading it (the list of models asked for)."""
    loaded: list[str] = []

    def make_detector(model: str | None = None, **_: object) -> ReplayDetector:
        loaded.append(model or "default")
        return ReplayDetector(MotTable.empty())

    monkeypatch.setattr(storelens.detect, "make_detector", make_detector)
    return loaded


@pytest.fixture
def video(tmp_path: Path) -> Path:
    """A good clip: a bright block crossing a dark frame."""
    return make_video(tmp_path / "clip.avi")


@pytest.fixture
def store_of(write_store: Callable[[dict[str, Any]], Path]) -> Callable[[Path | str], Path]:
    """A valid store config whose one camera records the given source; returns its path."""

    def write(source: Path | str) -> Path:
        camera = {**base_config()["cameras"]["door"], "source": str(source)}
        return write_store({**base_config(), "cameras": {"door": camera}})

    return write
