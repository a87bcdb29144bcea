"""alert_distance_m: restricted zones only, never negative, 0 (entry alerts only) by default."""

from __future__ import annotations

from contextlib import AbstractContextManager, nullcontext

import pytest
from store_factories import base_config, patched

from storelens.config import load_config
from storelens.errors import ConfigError


def error(message: str) -> AbstractContextManager:
    return pytest.raises(ConfigError, match=rf"store\.yaml: zones\.aisle_1{message}")


@pytest.mark.parametrize(
    ("kind", "distance", "expectation"),
    [
        ("restricted", 1.5, nullcontext()),
        ("restricted", 0, nullcontext()),
        ("aisle", 0, nullcontext()),
        ("aisle", 1.0, error(": alert_distance_m applies to restricted zones only, and this zone's kind is aisle")),
        ("staff_only", 1.0, error(": .* kind is staff_only")),
        ("restricted", -1, error(r"\.alert_distance_m: input should be greater than or equal to 0, got -1")),
    ],
)
def test_alert_distance(write_store, kind: str, distance: float, expectation: AbstractContextManager):
    config = patched(patched(base_config(), "zones.0.kind", kind), "zones.0.alert_distance_m", distance)
    with expectation:
        assert load_config(write_store(config)).zones[0].alert_distance_m == distance


def test_alert_distance_defaults_to_entry_only(write_store):
    assert load_config(write_store(base_config())).zones[0].alert_distance_m == 0.0
