"""open_till_at / open_till_after_s: checkout queue zones only, whole people, a positive hold time."""

from __future__ import annotations

from contextlib import AbstractContextManager, nullcontext

import pytest
from store_factories import base_config, patched

from storelens.config import load_config
from storelens.errors import ConfigError


def error(message: str) -> AbstractContextManager:
    return pytest.raises(ConfigError, match=rf"store\.yaml: zones\.aisle_1{message}")


@pytest.mark.parametrize(
    ("kind", "key", "value", "expectation"),
    [
        ("checkout_queue", "open_till_at", 4, nullcontext()),
        ("aisle", "open_till_at", 0, nullcontext()),
        ("aisle", "open_till_at", 4, error(": open_till_at applies to checkout_queue zones only, .* kind is aisle")),
        ("checkout_queue", "open_till_at", -1, error(r"\.open_till_at: input should be greater than or equal to 0")),
        ("checkout_queue", "open_till_at", 2.5, error(r"\.open_till_at: input should be a valid integer")),
        ("checkout_queue", "open_till_after_s", 0, error(r"\.open_till_after_s: input should be greater than 0")),
    ],
)
def test_open_till(write_store, kind: str, key: str, value: float, expectation: AbstractContextManager):
    config = patched(patched(base_config(), "zones.0.kind", kind), f"zones.0.{key}", value)
    with expectation:
        assert getattr(load_config(write_store(config)).zones[0], key) == value
