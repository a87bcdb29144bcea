"""docs/config.md lists every key of the store config as the models define it."""

from __future__ import annotations

from pathlib import Path

from storelens.config.reference import reference_markdown, reference_rows

DOC = Path(__file__).resolve().parents[3] / "docs" / "config.md"


def test_the_key_reference_in_the_docs_is_current():
    assert reference_markdown() in DOC.read_text(encoding="utf-8"), (
        "docs/config.md is stale: run .venv/bin/python scripts/config_reference.py"
    )


def test_every_key_says_what_it_means():
    rows = list(reference_rows())
    assert len(rows) > 60
    assert [key for key, _, _, meaning in rows if len(meaning) < 15] == []
    keys = [key for key, *_ in rows]
    for expected in ("cameras.<id>.calibration (kind: homography).points[].floor_m", "lines[].in_side",
                     "storage.retention_days.positions", "zones[].polygon"):
        assert expected in keys
