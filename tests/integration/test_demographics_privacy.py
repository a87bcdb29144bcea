"""A run with demographics on leaves no face behind: database, logs, API answer and files hold
labels and counts only (issue 14: "no face pixels, crops or embeddings", scanned here)."""

from __future__ import annotations

import json
import logging
import re
from datetime import datetime, timedelta, timezone

import pytest
import sqlalchemy as sa

from storelens.api.demographics import demographics
from storelens.api.timerange import TimeRange
from storelens.cli import main
from storelens.config import load_config
from storelens.demographics import observer
from storelens.demographics.estimator import FaceEstimator
from storelens.demographics.models import face_model_files
from storelens.errors import DetectorError
from storelens.runner import open_store_database

pytestmark = pytest.mark.integration

T0 = datetime(2026, 11, 20, 10, 0, tzinfo=timezone.utc)
MAX_NUMBERS = 16
"""Longest run of numbers any output may hold: a 32x32 chip is 3072, a face embedding 128+."""
IMAGE_SUFFIXES = {".png", ".jpg", ".jpeg", ".bmp", ".npy", ".npz", ".pgm", ".ppm", ".webp"}


def _models_or_skip() -> None:
    try:
        face_model_files()
    except DetectorError as err:
        pytest.skip(str(err))


class _Counting(FaceEstimator):
    """The real estimator, counting the faces it found (to show the scan covers a run that saw faces)."""

    faces = 0

    def estimate(self, image_bgr, boxes_xyxy):
        votes = super().estimate(image_bgr, boxes_xyxy)
        _Counting.faces += len(votes)
        return votes


def _is_image(path) -> bool:
    with open(path, "rb") as f:
        head = f.read(4)
    return head.startswith((b"\x89PNG", b"\xff\xd8\xff", b"\x93NUMPY"[:4]))


def _numbers_runs(value) -> int:
    """Longest list of numbers inside a JSON value."""
    if isinstance(value, dict):
        return max((_numbers_runs(v) for v in value.values()), default=0)
    if isinstance(value, list):
        own = len(value) if value and all(isinstance(v, int | float) for v in value) else 0
        return max([own, *(_numbers_runs(v) for v in value)])
    return 0


def test_a_demographics_run_stores_logs_and_serves_no_face(shared_data, tmp_path, monkeypatch, caplog):
    _models_or_skip()
    monkeypatch.setattr(observer, "FaceEstimator", _Counting)
    video = shared_data / "TUD-Campus" / "video.mp4"
    (tmp_path / "store.yaml").write_text(f"""
name: Street door
timezone: UTC
floor_plan:
  outline: [[0, 0], [10, 0], [10, 8], [0, 8]]
cameras:
  door:
    source: {video}
    fps: 25
    demographics: true
    calibration:
      kind: homography
      points:
        - {{image_px: [0, 480], floor_m: [0, 0]}}
        - {{image_px: [640, 480], floor_m: [10, 0]}}
        - {{image_px: [640, 250], floor_m: [10, 8]}}
        - {{image_px: [0, 250], floor_m: [0, 8]}}
""")
    url = f"sqlite:///{tmp_path / 'store.db'}"
    monkeypatch.chdir(tmp_path)
    with caplog.at_level(logging.DEBUG):
        assert main(["run", str(tmp_path / "store.yaml"), "--start", T0.isoformat(), "--db", url]) == 0
    assert _Counting.faces >= 1  # the estimator did see faces in this run

    config = load_config(tmp_path / "store.yaml")
    with open_store_database(config, url) as db:
        inspector = sa.inspect(db.engine)
        with db.engine.connect() as conn:
            for table in inspector.get_table_names():
                types = {c["name"]: c["type"] for c in inspector.get_columns(table)}
                assert not [n for n, t in types.items() if isinstance(t, sa.LargeBinary | sa.ARRAY | sa.JSON)]
                for row in conn.execute(sa.text(f"SELECT * FROM {table}")):
                    for value in row:
                        assert not isinstance(value, bytes | bytearray | memoryview), table
                        assert not (isinstance(value, str) and len(value) > 256), table
        answer = demographics(config, db, TimeRange(T0, T0 + timedelta(hours=1), config.tz), "hour")
    body = json.loads(answer.model_dump_json())
    assert _numbers_runs(body) <= MAX_NUMBERS

    numbers = re.compile(r"(?:-?\d+(?:\.\d+)?[,\s]+){%d,}" % MAX_NUMBERS)
    for record in caplog.records:
        text = record.getMessage()
        assert len(text) < 2000 and not numbers.search(text), text[:200]
    written = [p for p in tmp_path.rglob("*") if p.is_file()]
    assert not [p for p in written if p.suffix.lower() in IMAGE_SUFFIXES or _is_image(p)]
