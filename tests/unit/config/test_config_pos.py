"""The pos section: column pairs, number format, encoding, time format and zone, till zones."""

from __future__ import annotations

from contextlib import AbstractContextManager, nullcontext

import pytest
from store_factories import base_config, patched

from storelens.config import load_config
from storelens.errors import ConfigError


def error(message: str) -> AbstractContextManager:
    return pytest.raises(ConfigError, match=rf"store\.yaml: pos{message}")


@pytest.mark.parametrize(
    ("key", "value", "expectation"),
    [
        ("pos.columns.category", None, error(r"\.columns: .*category and amount name the line's two columns")),
        ("pos.columns", {"total": None, "category": None, "amount": None}, error(r"\.columns: .*give category and")),
        ("pos.columns.till", "time", error(r"\.columns: .*column 'time' is named for two fields")),
        ("pos.columns.till", None, nullcontext()),
        ("pos.encoding", "klingon", error(r"\.encoding: .*unknown encoding 'klingon'")),
        ("pos.encoding", "cp1252", nullcontext()),
        ("pos.timezone", "Mars/Olympus", error(r"\.timezone: .*unknown time zone 'Mars/Olympus'")),
        ("pos.time_format", "%H:%M", error(r"\.time_format: .*has no year")),
        ("pos.time_format", "%d.%m.%Y %H:%M", nullcontext()),
        ("pos.decimal_separator", ";", error(r"\.decimal_separator: ")),
        ("pos", {"decimal_separator": ",", "thousands_separator": ","}, error(r": .*thousands_separator and decimal")),
        ("pos.default_till", "till one", error(r"\.default_till: ")),
        ("pos.category_map", {"SNK": "\x01"}, error(r"\.category_map: .*1-64 printable")),
        ("pos.match_window_s", 0, error(r"\.match_window_s: input should be greater than 0")),
        ("pos.checkout_zone_covers", "door", error(r"\.checkout_zone_covers: ")),
        ("pos.tills", {"t1": "aisle_1"}, error(r"\.tills\.t1: 'aisle_1' is not a checkout_queue zone; .*: none")),
        ("pos.colums", {}, error(r"\.colums: unknown key \(did you mean 'columns'\?\)")),
    ],
)
def test_pos_section(write_store, key: str, value, expectation: AbstractContextManager):
    with expectation:
        load_config(write_store(patched(base_config(), key, value)))
