"""Reading a POS export (CSV, one row per receipt line) into receipts, row problems reported, not fatal.

The file's columns are named by ``pos.columns``; each row carries its receipt's id, time, till
and total (the same on every row of the receipt) and one line's category and amount. A row the
reader cannot use is reported with its line number and what is wrong, and its whole receipt is
left out (a receipt missing a line would be wrong, not short); every other receipt is kept.
Problems that concern the whole file (unreadable, no header, a mapped column missing) raise.

Line numbers are the file's: the header is line 1, and a row with a quoted line break spans
several lines and is named by its first. A quote left open in a column that never holds a line
break (an id, a time, an amount) is reported on its line, and reading goes on from the next line,
so one stray quote does not swallow the rest of the file.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import datetime
from zoneinfo import ZoneInfo

from storelens.config.pos import PosConfig
from storelens.errors import StorelensError
from storelens.pos.receipts import Receipt, ReceiptLine, parse_amount, parse_time, receipt_problem

__all__ = ["PosFileError", "ReadReceipts", "RowProblem", "read_receipts_csv"]

MAX_FIELD_CHARS = 1000
"""Longer mapped fields are refused: no POS writes a 1000-character id, time or category."""

_UTF16_BOMS = (b"\xff\xfe", b"\xfe\xff")


class PosFileError(StorelensError):
    """The file as a whole cannot be read as the configured export (no row is imported)."""


@dataclass(frozen=True, slots=True)
class RowProblem:
    """A row (or a receipt's rows) left out, and why."""

    line: int
    message: str
    last_line: int | None = None

    def __str__(self) -> str:
        spans = self.last_line is not None and self.last_line > self.line
        return f"{f'lines {self.line}-{self.last_line}' if spans else f'line {self.line}'}: {self.message}"


@dataclass(frozen=True, slots=True)
class ReadReceipts:
    """What a file held: the good receipts in file order, the problems in line order, and its data rows."""

    receipts: list[Receipt]
    problems: list[RowProblem] = field(default_factory=list)
    rows: int = 0


@dataclass(slots=True)
class _Row:
    line: int
    last_line: int
    receipt_id: str
    ts: datetime
    till: str
    total: float | None
    line_item: ReceiptLine | None


def read_receipts_csv(data: bytes, pos: PosConfig, store_tz: ZoneInfo, name: str = "the file") -> ReadReceipts:
    """Parse an export's bytes into receipts (see the module docstring).

    Args:
        data: The file's content.
        pos: The store's ``pos`` section (columns, formats).
        store_tz: The store's time zone, for times without an offset when ``pos.timezone`` is null.
        name: How to call the file in messages.

    Raises:
        PosFileError: The file is empty, in another encoding than configured (UTF-16), or its
            header lacks a mapped column.
    """
    lines = io.StringIO(_decode(data, pos, name), newline="").readlines()
    records = _records(lines, 0, pos.delimiter)
    try:
        _, _, header = next(records)
    except (StopIteration, _RunawayQuote):
        raise PosFileError(f"{name} has no readable header row naming the columns") from None
    index = _column_index(header, pos, name)
    problems: list[RowProblem] = []
    rows: list[_Row] = []
    broken: dict[str, int] = {}  # receipt id -> first malformed row: the receipt is left out whole
    n_rows = 0
    while records is not None:
        resume, records = records, None
        try:
            for first, last, fields in resume:
                if not any(f.strip() for f in fields):
                    continue  # blank lines between blocks are common in hand-edited exports
                n_rows += 1
                try:
                    rows.append(_parse_row(first, last, fields, len(header), index, pos, store_tz))
                except _RunawayQuote as err:
                    err.line = first
                    raise
                except _RowError as err:
                    problems.append(RowProblem(first, str(err), last))
                    if len(fields) == len(header):
                        broken.setdefault(fields[index["receipt_id"]].strip(), first)
        except _RunawayQuote as err:  # read on from the next line, as if the quote had been closed
            problems.append(RowProblem(err.line, str(err)))
            records = _records(lines, err.line, pos.delimiter)
    receipts, receipt_problems = _assemble(rows, pos, broken)
    problems += receipt_problems
    problems.sort(key=lambda p: p.line)
    return ReadReceipts(receipts, problems, n_rows)


class _RowError(ValueError):
    pass


class _RunawayQuote(_RowError):
    """A quote opened in a column that never holds line breaks swallowed the lines after it."""

    def __init__(self, message: str, line: int = 0) -> None:
        super().__init__(message)
        self.line = line


def _decode(data: bytes, pos: PosConfig, name: str) -> str:
    """The text, with a UTF-8 byte-order mark dropped; bytes the encoding cannot read are kept as
    surrogates, so the rows holding them are reported one by one and the others read."""
    if not data.strip():
        raise PosFileError(f"{name} is empty: expected a header row naming the columns")
    if data.startswith(_UTF16_BOMS) and not pos.encoding.lower().replace("-", "").startswith("utf16"):
        raise PosFileError(f"{name} is UTF-16 text (it starts with a UTF-16 byte-order mark): set pos.encoding: utf-16")
    encoding = "utf-8-sig" if pos.encoding.lower().replace("_", "-") in ("utf-8", "utf8") else pos.encoding
    return data.decode(encoding, errors="surrogateescape")


def _records(lines: list[str], start: int, delimiter: str) -> Iterator[tuple[int, int, list[str]]]:
    """(first line, last line, fields) of each CSV record from line ``start`` (0-based) on."""
    reader = csv.reader(iter(lines[start:]), delimiter=delimiter)
    last = start
    while True:
        try:
            fields = next(reader)
        except StopIteration:
            return
        except csv.Error as err:  # a field over csv's size limit: a quote left open long ago
            raise _RunawayQuote(f"unreadable from here ({err}): an unclosed quote? (read on from line {last + 2})",
                                last + 1) from None
        yield last + 1, start + reader.line_num, fields
        last = start + reader.line_num


def _column_index(header: list[str], pos: PosConfig, name: str) -> dict[str, int]:
    """Field -> column index, for every field ``pos.columns`` maps."""
    names = [h.strip() for h in header]
    index = {}
    for field_name, column in pos.columns.model_dump().items():
        if column is None:
            continue
        if names.count(column) > 1:
            raise PosFileError(f"{name}: the header names column {column!r} {names.count(column)} times")
        if column not in names:
            shown = ", ".join(repr(n) for n in names[:12]) + (", ..." if len(names) > 12 else "")
            raise PosFileError(
                f"{name}: the header has no column {column!r} (pos.columns.{field_name}); its columns are {shown}"
            )
        index[field_name] = names.index(column)
    return index


def _parse_row(
    first: int,
    last: int,
    fields: list[str],
    n_columns: int,
    index: dict[str, int],
    pos: PosConfig,
    store_tz: ZoneInfo,
) -> _Row:
    mapped = [fields[i] for i in index.values() if i < len(fields)]
    if last > first and (len(fields) != n_columns or any("\n" in v or "\r" in v for v in mapped)):
        raise _RunawayQuote(
            f"a quoted field runs over {last - first + 1} lines: an unclosed quote? (read on from line {first + 1})"
        )
    if len(fields) != n_columns:
        raise _RowError(f"{len(fields)} fields, but the header has {n_columns} (a stray {pos.delimiter!r}?)")
    values = {}
    for field_name, i in index.items():
        value = fields[i]
        column = getattr(pos.columns, field_name)
        if len(value) > MAX_FIELD_CHARS:
            raise _RowError(f"column {column!r} holds {len(value)} characters, more than {MAX_FIELD_CHARS}")
        if any("\udc80" <= ch <= "\udcff" for ch in value):
            raise _RowError(f"column {column!r} has bytes that are not {pos.encoding} text: set pos.encoding")
        values[field_name] = value.strip()
    receipt_id = values["receipt_id"]
    if not receipt_id:
        raise _RowError(f"no receipt id (column {pos.columns.receipt_id!r} is empty)")
    try:
        ts = parse_time(values["time"], pos, store_tz)
    except ValueError as err:
        fmt = pos.time_format or "ISO 8601, e.g. 2026-03-04T10:15:00"
        raise _RowError(f"bad time {values['time']!r} in column {pos.columns.time!r} (format {fmt}): {err}") from None
    till = values.get("till", pos.default_till) or ""
    if not till:
        raise _RowError(f"no till (column {pos.columns.till!r} is empty)")
    total = _amount(values, "total", pos)
    category, amount = values.get("category", ""), values.get("amount", "")
    if category and not amount:
        raise _RowError(f"line of category {category!r} has no amount (column {pos.columns.amount!r} is empty)")
    if amount and not category:
        raise _RowError(f"line of amount {amount!r} has no category (column {pos.columns.category!r} is empty)")
    line_item = None
    if category:
        line_item = ReceiptLine(pos.category_map.get(category, category), _amount(values, "amount", pos))
    return _Row(first, last, receipt_id, ts, till, total, line_item)


def _amount(values: dict[str, str], field_name: str, pos: PosConfig) -> float | None:
    if field_name not in values:
        return None
    column = getattr(pos.columns, field_name)
    text = values[field_name]
    if not text:
        raise _RowError(f"no {field_name} (column {column!r} is empty)")
    try:
        return parse_amount(text, pos)
    except ValueError:
        example = "1234.50" if pos.decimal_separator == "." else "1234,50"
        raise _RowError(f"bad {field_name} {text!r} in column {column!r}: write amounts like {example}") from None


def _assemble(rows: list[_Row], pos: PosConfig, broken: dict[str, int]) -> tuple[list[Receipt], list[RowProblem]]:
    """Group rows into receipts (by id, in file order); a receipt with a malformed row, whose rows
    disagree, or that fails the receipt checks is left out with the reason."""
    groups: dict[str, list[_Row]] = {}
    for row in rows:
        groups.setdefault(row.receipt_id, []).append(row)
    receipts, problems = [], []
    for receipt_id, group in groups.items():
        head = group[0]
        if receipt_id in broken:
            lines = ", ".join(str(r.line) for r in group)
            problems.append(
                RowProblem(head.line, f"receipt {receipt_id!r} left out: its line {broken[receipt_id]} is malformed "
                           f"(its other rows: line {lines})")
            )
            continue
        clash = _clash(head, group[1:])
        if clash:
            problems.append(clash)
            continue
        lines = tuple(r.line_item for r in group if r.line_item is not None)
        total = head.total if head.total is not None else sum(line.amount for line in lines)
        receipt = Receipt(receipt_id, head.ts, head.till, total, lines)
        problem = receipt_problem(receipt, pos.line_sum_tolerance)
        if problem:
            problems.append(RowProblem(head.line, f"receipt {receipt_id!r}: {problem}", group[-1].last_line))
            continue
        receipts.append(receipt)
    return receipts, problems


def _clash(head: _Row, others: list[_Row]) -> RowProblem | None:
    """The first row of a receipt that gives it another time, till or total than its first row."""
    for row in others:
        for what, mine, theirs in (
            ("time", row.ts, head.ts),
            ("till", row.till, head.till),
            ("total", row.total, head.total),
        ):
            if mine != theirs:
                shown = (lambda v: v.isoformat()) if what == "time" else repr
                return RowProblem(
                    row.line,
                    f"receipt {head.receipt_id!r} has {what} {shown(mine)} here but {shown(theirs)} on line "
                    f"{head.line}: one receipt id must name one receipt (receipt left out)",
                )
    return None
