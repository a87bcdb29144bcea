"""`storelens pos import`: receipts stored once, re-imports change nothing, corrections update, bad rows named."""

from __future__ import annotations

import json
from datetime import UTC, datetime

from store_factories import base_config

from storelens.cli import main
from storelens.config import load_config
from storelens.runner import open_store_database, store_id_of
from storelens.storage.receipts import load_receipts

EXPORT = """receipt_id,time,till,total,category,amount
R1,2026-03-04T10:00:00,t1,3.50,snacks,1.50
R1,2026-03-04T10:00:00,t1,3.50,drinks,2.00
R2,2026-03-04T10:05:00,t1,2.00,snacks,2.00
R3,2026-03-04T10:07:00,t2,-2.00,snacks,-2.00
"""


def test_import_is_idempotent_and_reports_new_unchanged_updated(write_store, tmp_path, capsys):
    config_path = write_store(base_config())
    export = tmp_path / "receipts.csv"
    export.write_text(EXPORT)
    assert main(["pos", "import", str(config_path), str(export)]) == 0
    assert f"{export}: 4 rows, 3 receipts: 3 new, 0 unchanged, 0 updated; 0 problems" in capsys.readouterr().out
    assert main(["pos", "import", str(config_path), str(export)]) == 0
    assert "3 receipts: 0 new, 3 unchanged, 0 updated" in capsys.readouterr().out
    export.write_text(EXPORT.replace("t1,2.00,snacks,2.00", "t1,2.5,snacks,2.5"))  # R2 corrected
    assert main(["pos", "import", str(config_path), str(export), "--json"]) == 0
    report = json.loads(capsys.readouterr().out)
    assert (report["new"], report["unchanged"], report["updated"], report["problems"]) == (0, 2, 1, [])
    config = load_config(config_path)
    day = datetime(2026, 3, 4, tzinfo=UTC), datetime(2026, 3, 5, tzinfo=UTC)
    with open_store_database(config) as db:
        table = load_receipts(db, store_id_of(config), *day)
    assert table.receipt_id.tolist() == ["R1", "R2", "R3"] and table.total.tolist() == [3.5, 2.5, -2.0]


def test_bad_rows_are_named_the_rest_stored_and_the_exit_code_says_so(write_store, tmp_path, capsys):
    config_path = write_store(base_config())
    export = tmp_path / "receipts.csv"
    export.write_text(EXPORT + "R4,2026-03-04T25:00:00,t1,1.00,snacks,1.00\n")
    assert main(["pos", "import", str(config_path), str(export)]) == 1
    out = capsys.readouterr().out
    assert "5 rows, 3 receipts: 3 new" in out and "1 problem (those rows were left out" in out
    assert "  line 6: bad time '2026-03-04T25:00:00' in column 'time'" in out


def test_a_file_that_cannot_be_read_is_one_error_line(write_store, tmp_path, capsys):
    config_path = write_store(base_config())
    missing = tmp_path / "nope.csv"
    assert main(["pos", "import", str(config_path), str(missing)]) == 2
    assert capsys.readouterr().err == f"storelens: error: cannot read {missing}: No such file or directory\n"
    empty = tmp_path / "empty.csv"
    empty.write_bytes(b"")
    assert main(["pos", "import", str(config_path), str(empty)]) == 2
    err = capsys.readouterr().err
    assert err == f"storelens: error: {empty} is empty: expected a header row naming the columns\n"
