"""Fixtures for config tests."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
import yaml


@pytest.fixture
def write_store(tmp_path: Path) -> Callable[[dict[str, Any]], Path]:
    """Write a config dict as ``<tmp>/store.yaml`` and return the path."""

    def write(config: dict[str, Any]) -> Path:
        path = tmp_path / "store.yaml"
        path.write_text(yaml.safe_dump(config, sort_keys=False))
        return path

    return write
