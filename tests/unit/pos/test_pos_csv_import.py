"""Reading POS exports: malformed rows reported with their line and left out, the good receipts kept."""

from __future__ import annotations

from contextlib import nullcontext
from datetime import UTC, datetime
from zoneinfo import ZoneInfo

import pytest

from storelens.config import PosConfig
from storelens.pos import PosFileError, ReceiptLine, read_receipts_csv

LONDON = ZoneInfo("Europe/London")
HEADER = "receipt_id,time,till,total,category,amount"
BEFORE = [
    "A1,2026-03-04T10:00:00,t1,3.50,snacks,1.50",
    "A1,2026-03-04T10:00:00,t1,3.50,drinks,2.00",
    "A2,2026-03-04T10:05:00+01:00,t2,9.99,electronics,9.99",
]
AFTER = ["Z1,2026-03-04T11:00:00Z,t1,1.00,snacks,1.00"]
GOOD = {"A1", "A2", "Z1"}


def export(*bad: str | bytes) -> bytes:
    """Header, two good receipts (lines 2-4), the bad rows (from line 5), one good receipt after them."""
    rows = [HEADER.encode(), *(r.encode() for r in BEFORE)]
    rows += [r if isinstance(r, bytes) else r.encode() for r in bad]
    rows += [r.encode() for r in AFTER]
    return b"\n".join(rows) + b"\n"


def problems(data: bytes, pos: PosConfig | None = None) -> tuple[list[str], set[str]]:
    read = read_receipts_csv(data, pos or PosConfig(), LONDON)
    return [str(p) for p in read.problems], {r.receipt_id for r in read.receipts}


# (case, bad rows from line 5, expected problems as (line, text in the message), receipts kept)
MALFORMED = [
    ("missing field", ["B1,2026-03-04T10:10:00,t1,2.00,snacks"], [(5, "5 fields, but the header has 6")], GOOD),
    ("extra field", ["B1,2026-03-04T10:10:00,t1,2.00,snacks,2.00,x"], [(5, "7 fields")], GOOD),
    ("no receipt id", [",2026-03-04T10:10:00,t1,2.00,snacks,2.00"], [(5, "no receipt id")], GOOD),
    ("impossible date", ["B1,2026-13-04T10:10:00,t1,2.00,snacks,2.00"], [(5, "bad time '2026-13-04T10:10:00'")], GOOD),
    ("time in words", ["B1,yesterday noon,t1,2.00,snacks,2.00"], [(5, "bad time 'yesterday noon'")], GOOD),
    ("empty time", ["B1,,t1,2.00,snacks,2.00"], [(5, "bad time ''")], GOOD),
    ("two decimal points", ["B1,2026-03-04T10:10:00,t1,2.00,snacks,1.2.3"], [(5, "bad amount '1.2.3'")], GOOD),
    ("currency sign", ["B1,2026-03-04T10:10:00,t1,€2.00,snacks,2.00"], [(5, "bad total '€2.00'")], GOOD),
    ("comma decimals", ["B1,2026-03-04T10:10:00,t1,\"2,00\",snacks,2.00"], [(5, "bad total '2,00'")], GOOD),
    ("not a number", ["B1,2026-03-04T10:10:00,t1,nan,snacks,2.00"], [(5, "bad total 'nan'")], GOOD),
    ("empty total", ["B1,2026-03-04T10:10:00,t1,,snacks,2.00"], [(5, "no total")], GOOD),
    ("category without amount", ["B1,2026-03-04T10:10:00,t1,2.00,snacks,"], [(5, "has no amount")], GOOD),
    ("amount without category", ["B1,2026-03-04T10:10:00,t1,2.00,,2.00"], [(5, "has no category")], GOOD),
    (
        "lines not summing to the total",
        ["B1,2026-03-04T10:10:00,t1,5.00,snacks,2.00", "B1,2026-03-04T10:10:00,t1,5.00,drinks,2.00"],
        [(5, "lines 5-6: receipt 'B1': lines sum to 4.00 but the total is 5.00")],
        GOOD,
    ),
    (
        "duplicate id, another time",
        ["A1,2026-03-04T10:30:00,t1,3.50,snacks,1.50"],
        [(5, "receipt 'A1' has time 2026-03-04T10:30:00+00:00 here but 2026-03-04T10:00:00+00:00 on line 2")],
        {"A2", "Z1"},
    ),
    (
        "duplicate id, another till",
        ["A2,2026-03-04T10:05:00+01:00,t9,9.99,electronics,9.99"],
        [(5, "receipt 'A2' has till 't9' here but 't2' on line 4")],
        {"A1", "Z1"},
    ),
    ("id with a space", ["B 1,2026-03-04T10:10:00,t1,2.00,snacks,2.00"], [(5, "receipt id 'B 1' must be")], GOOD),
    ("latin-1 bytes in a utf-8 file", [b"B1,2026-03-04T10:10:00,t1,2.00,caf\xe9,2.00"], [(5, "not utf-8 text")], GOOD),
    ("exponent notation", ["B1,2026-03-04T10:10:00,t1,4e3,snacks,4e3"], [(5, "bad amount '4e3'")], GOOD),
    (
        "beyond any amount",
        ["B1,2026-03-04T10:10:00,t1,12345678901234,snacks,12345678901234"],
        [(5, "total 1.23457e+13 is beyond")],
        GOOD,
    ),
    (
        "unclosed quote",
        ['B1,"2026-03-04T10:10:00,t1,2.00,snacks,2.00', "B2,2026-03-04T10:11:00,t1,1.00,snacks,1.00"],
        [(5, "a quoted field runs over 3 lines: an unclosed quote? (read on from line 6)")],
        GOOD | {"B2"},
    ),
    (
        "one bad line of a receipt",
        ["B1,2026-03-04T10:10:00,t1,3.00,snacks,1.00", "B1,2026-03-04T10:10:00,t1,3.00,drinks,two"],
        [(5, "receipt 'B1' left out: its line 6 is malformed"), (6, "bad amount 'two'")],
        GOOD,
    ),
    ("control character", ["B1,2026-03-04T10:10:00,t1,2.00,snack\x01s,2.00"], [(5, "category 'snack\\x01s'")], GOOD),
]


@pytest.mark.parametrize(("bad", "expected", "kept"), [c[1:] for c in MALFORMED], ids=[c[0] for c in MALFORMED])
def test_a_malformed_row_is_reported_with_its_line_and_the_good_receipts_are_kept(bad, expected, kept):
    messages, receipts = problems(export(*bad))
    assert len(messages) == len(expected), messages
    for message, (line, text) in zip(messages, expected):
        assert message.startswith(f"line {line}:") or message.startswith(f"lines {line}-"), message
        assert text in message, message
    assert receipts == kept


def test_good_rows_become_receipts_in_the_stores_time_zone_unless_they_name_one():
    read = read_receipts_csv(export(), PosConfig(), LONDON)
    assert read.problems == [] and read.rows == 4
    a1, a2, z1 = read.receipts
    assert a1.lines == (ReceiptLine("snacks", 1.5), ReceiptLine("drinks", 2.0)) and a1.total == 3.5
    assert a1.ts.astimezone(UTC) == datetime(2026, 3, 4, 10, 0, tzinfo=UTC)  # London is on GMT in March
    assert a2.ts.astimezone(UTC) == datetime(2026, 3, 4, 9, 5, tzinfo=UTC)  # its own +01:00
    assert z1.ts.astimezone(UTC) == datetime(2026, 3, 4, 11, 0, tzinfo=UTC) and z1.till == "t1"


def test_a_european_export_with_its_own_columns_formats_and_time_zone():
    pos = PosConfig.model_validate(
        {
            "columns": {"receipt_id": "Bon", "time": "Zeit", "till": None, "total": "Summe", "category": "Warengruppe",
                        "amount": "Betrag"},
            "delimiter": ";",
            "encoding": "cp1252",
            "time_format": "%d.%m.%Y %H:%M",
            "timezone": "Europe/Berlin",
            "decimal_separator": ",",
            "thousands_separator": ".",
            "default_till": "kasse_1",
            "category_map": {"GETR": "drinks"},
        }
    )
    data = "Bon;Zeit;Summe;Warengruppe;Betrag;Notiz\n".encode("cp1252")
    data += "7;04.03.2026 10:15;1.002,50;GETR;2,50;\"zwei\nZeilen\"\n".encode("cp1252")
    data += "7;04.03.2026 10:15;1.002,50;Käse;1.000,00;\n".encode("cp1252")
    read = read_receipts_csv(data, pos, LONDON)
    assert read.problems == []
    (receipt,) = read.receipts
    assert receipt.till == "kasse_1" and receipt.total == 1002.5
    assert receipt.lines == (ReceiptLine("drinks", 2.5), ReceiptLine("Käse", 1000.0))
    assert receipt.ts.astimezone(UTC) == datetime(2026, 3, 4, 9, 15, tzinfo=UTC)  # CET


def test_a_totals_only_export_and_a_lines_only_export():
    totals_only = PosConfig.model_validate({"columns": {"category": None, "amount": None}})
    read = read_receipts_csv(b"receipt_id,time,till,total\nR1,2026-03-04T10:00,t1,12.00\n", totals_only, LONDON)
    assert [(r.receipt_id, r.total, r.lines) for r in read.receipts] == [("R1", 12.0, ())]
    lines_only = PosConfig.model_validate({"columns": {"total": None}})
    data = b"receipt_id,time,till,category,amount\nR1,2026-03-04T10:00,t1,a,1.25\nR1,2026-03-04T10:00,t1,b,2.5\n"
    (receipt,) = read_receipts_csv(data, lines_only, LONDON).receipts
    assert receipt.total == 3.75


def test_a_byte_order_mark_and_blank_lines_are_not_problems():
    data = b"\xef\xbb\xbf" + export().replace(b"\nA2", b"\n\n\nA2")
    read = read_receipts_csv(data, PosConfig(), LONDON)
    assert read.problems == [] and len(read.receipts) == 3
    # Line numbers still count the blank lines.
    bad = b"\xef\xbb\xbf" + export("B1,never,t1,1,a,1").replace(b"\nA2", b"\n\nA2")
    assert [p.line for p in read_receipts_csv(bad, PosConfig(), LONDON).problems] == [6]


@pytest.mark.parametrize(
    ("data", "expectation"),
    [
        (b"", pytest.raises(PosFileError, match="the file is empty")),
        (b"\n  \n", pytest.raises(PosFileError, match="the file is empty")),
        ("receipt_id,time\n".encode("utf-16"), pytest.raises(PosFileError, match="set pos.encoding: utf-16")),
        (
            b"receipt,time,till,total,category,amount\n",
            pytest.raises(PosFileError, match=r"no column 'receipt_id' \(pos.columns.receipt_id\); its columns are"),
        ),
        (
            b"receipt_id,time,time,till,total,category,amount\n",
            pytest.raises(PosFileError, match="names column 'time' 2 times"),
        ),
        (HEADER.encode() + b"\n", nullcontext()),
    ],
    ids=["empty", "blank", "utf-16", "column missing", "column twice", "header only"],
)
def test_a_file_that_cannot_be_read_at_all_is_one_error(data, expectation):
    with expectation:
        read = read_receipts_csv(data, PosConfig(), LONDON)
        assert read.receipts == [] and read.rows == 0


@pytest.mark.parametrize(
    "extra",
    [[], ["A1,2026-03-04T10:00:00,t1,3.50,snacks,0"]],  # the second: a receipt's rows apart (read row by row)
    ids=["clean", "rows apart"],
)
def test_the_whole_file_reading_and_the_row_by_row_reading_agree(monkeypatch, extra):
    pos = PosConfig.model_validate({"category_map": {"snacks": "crisps"}})
    data = export(*[f"C{i},2026-03-04T12:{i:02d}:00,t2,{i}.50,snacks,{i}.50" for i in range(30)], *extra)
    whole = read_receipts_csv(data, pos, LONDON)
    monkeypatch.setattr("storelens.pos.csv_import._Reader.add_clean", lambda self, lines: False)
    by_row = read_receipts_csv(data, pos, LONDON)
    assert whole == by_row and len(whole.receipts) == 33 and whole.problems == []
    assert whole.receipts[0].lines[0].category == "crisps"
