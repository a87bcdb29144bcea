"""`storelens run` with and without ``demographics: true``: records per visit, or no face model at all."""

from __future__ import annotations

from datetime import datetime, timezone

import numpy as np
import pytest
from room_store import write_clip, write_room
from test_demographics_votes import _OneFace

from storelens.demographics import models, observer
from storelens.detect.boxes import person_detections
from storelens.errors import DetectorError
from storelens.runner import open_store_database, run_store
from storelens.storage import schema

T0 = datetime(2026, 11, 20, 10, 0, tzinfo=timezone.utc)
ALL = (datetime(2000, 1, 1, tzinfo=timezone.utc), datetime(2100, 1, 1, tzinfo=timezone.utc))
N_FRAMES, FPS = 40, 10.0


class _Walker:
    min_score = 0.1

    def __call__(self, frame):
        x = 20 + 5 * frame.index
        return person_detections(frame, np.array([[x, 60, x + 60, 220]], np.float32), np.array([0.9]))


def _store(tmp_path, cameras: dict[str, bool]):
    video = write_clip(tmp_path / "clip.avi", N_FRAMES, FPS)
    keys = {cid: {"source": str(video), "fps": FPS, "demographics": on} for cid, on in cameras.items()}
    return write_room(tmp_path, keys, layout=False), f"sqlite:///{tmp_path / 'store.db'}"


def _stored(db) -> list[tuple]:
    table = schema.visit_demographics
    with db.engine.connect() as conn:
        return [tuple(r) for r in conn.execute(table.select().with_only_columns(
            table.c.camera_id, table.c.age_band, table.c.gender, table.c.faces))]


class _NoModel:
    def __init__(self) -> None:
        raise AssertionError("a face model was loaded with demographics off")


def test_with_demographics_off_no_face_model_is_loaded(tmp_path, monkeypatch):
    monkeypatch.setattr(observer, "FaceEstimator", _NoModel)
    config, url = _store(tmp_path, {"door": False})
    with open_store_database(config, url) as db:
        (run,) = run_store(config, db, _Walker(), start_time=T0)
        assert run.frames == N_FRAMES and _stored(db) == []


@pytest.mark.parametrize("processes", [1, 2])
def test_a_door_camera_stores_one_record_per_visit_and_the_other_camera_none(tmp_path, monkeypatch, processes):
    monkeypatch.setattr(observer, "FaceEstimator", _OneFace)
    config, url = _store(tmp_path, {"door": True, "aisle": False})
    with open_store_database(config, url) as db:
        runs = run_store(config, db, _Walker(), start_time=T0, processes=processes)
        assert _stored(db) == [("door", "18-29", "female", N_FRAMES // 2)]  # 5 of the 10 frames a second
        assert [c.visits for c in db.demographic_counts(*ALL)] == [1]
    assert runs[-1].demographics == 1


def test_running_the_same_video_again_replaces_its_demographics(tmp_path, monkeypatch):
    monkeypatch.setattr(observer, "FaceEstimator", _OneFace)
    config, url = _store(tmp_path, {"door": True})
    with open_store_database(config, url) as db:
        for _ in range(2):
            run_store(config, db, _Walker(), start_time=T0)
        assert len(_stored(db)) == 1


def test_missing_face_models_stop_the_run_before_anything_is_written(tmp_path, monkeypatch):
    monkeypatch.setattr(models, "PACKAGE", "no_such_package_here")
    models.face_model_files.cache_clear()
    config, url = _store(tmp_path, {"door": True})
    try:
        with open_store_database(config, url) as db:
            with pytest.raises(DetectorError, match="requirements/models.txt"):
                run_store(config, db, _Walker(), start_time=T0)
            assert db.visits(*ALL) == [] and db.cameras() == []
    finally:
        models.face_model_files.cache_clear()
