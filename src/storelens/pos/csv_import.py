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
import functools
import io
import re
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
_SURROGATE = re.compile("[\udc80-\udcff]")
"""Bytes the configured encoding could not read, kept as lone surrogates by the decoder."""


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
class _Draft:
    """A receipt being read: its first row's line and receipt fields (time, till, total) as written
    and stripped, its rows' lines, its lines so far, and the first disagreement between its rows."""

    line: int
    last_line: int
    raw: tuple[str, str, str]
    head: tuple[str, str, str]
    rows: list[int] | range
    items: list[ReceiptLine]
    clash: RowProblem | None = None


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
    text = _decode(data, pos, name)
    lines = io.StringIO(text, newline="").readlines()
    records = _records(lines, 0, pos.delimiter)
    try:
        _, _, header = next(records)
    except (StopIteration, _RunawayQuote):
        raise PosFileError(f"{name} has no readable header row naming the columns") from None
    index = _column_index(header, pos, name)
    surrogates = _SURROGATE.search(text) is not None
    reader = _Reader(index, len(header), pos, store_tz, surrogates)
    if not surrogates and reader.add_clean(lines):
        receipts, problems = reader.receipts({})
        problems.sort(key=lambda p: p.line)
        return ReadReceipts(receipts, problems, len(lines) - 1)
    reader = _Reader(index, len(header), pos, store_tz, surrogates)  # row by row, each problem named
    problems: list[RowProblem] = []
    broken: dict[str, int] = {}  # receipt id -> first malformed row: the receipt is left out whole
    n_rows = 0
    while records is not None:
        resume, records = records, None
        try:
            for first, last, fields in resume:
                if not "".join(fields).strip():
                    continue  # blank lines between blocks are common in hand-edited exports
                n_rows += 1
                try:
                    reader.add(first, last, fields)
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
    receipts, receipt_problems = reader.receipts(broken)
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
    reader = csv.reader(lines[start:] if start else lines, delimiter=delimiter)
    last = start
    try:
        for fields in reader:
            now = start + reader.line_num
            yield last + 1, now, fields
            last = now
    except csv.Error as err:  # a field over csv's size limit: a quote left open long ago
        message = f"unreadable from here ({err}): an unclosed quote? (read on from line {last + 2})"
        raise _RunawayQuote(message, last + 1) from None


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


class _Reader:
    """Rows into receipts. Each row's line is read as it comes (category and amount); the receipt's
    own fields (time, till, total), repeated on each of its rows, are compared as written and read
    once per receipt, at the end."""

    def __init__(self, index: dict[str, int], n_columns: int, pos: PosConfig, store_tz: ZoneInfo, surrogates: bool):
        self.pos = pos
        self.store_tz = store_tz
        self.n_columns = n_columns
        self.surrogates = surrogates
        self.columns = [(i, getattr(pos.columns, f)) for f, i in index.items()]
        self.i_id, self.i_time = index["receipt_id"], index["time"]
        self.i_till, self.i_total = index.get("till"), index.get("total")
        self.i_category, self.i_amount = index.get("category"), index.get("amount")
        self.drafts: dict[str, _Draft] = {}
        self.amounts: dict[str, float] = {}

    def add(self, first: int, last: int, fields: list[str]) -> None:
        """Read one record (``first`` to ``last``: its lines in the file).

        Raises:
            _RunawayQuote: A quoted field runs over lines where none can (read on from the next line).
            _RowError: The row is malformed.
        """
        pos = self.pos
        if last > first and (
            len(fields) != self.n_columns or any("\n" in fields[i] or "\r" in fields[i] for i, _ in self.columns)
        ):
            raise _RunawayQuote(
                f"a quoted field runs over {last - first + 1} lines: an unclosed quote? (read on from line {first + 1})"
            )
        if len(fields) != self.n_columns:
            raise _RowError(f"{len(fields)} fields, but the header has {self.n_columns} (a stray {pos.delimiter!r}?)")
        if self.surrogates or sum(map(len, fields)) > MAX_FIELD_CHARS:  # the field by field look, when needed
            for i, column in self.columns:
                value = fields[i]
                if len(value) > MAX_FIELD_CHARS:
                    raise _RowError(f"column {column!r} holds {len(value)} characters, more than {MAX_FIELD_CHARS}")
                if _SURROGATE.search(value):
                    raise _RowError(f"column {column!r} has bytes that are not {pos.encoding} text: set pos.encoding")
        receipt_id = fields[self.i_id].strip()
        if not receipt_id:
            raise _RowError(f"no receipt id (column {pos.columns.receipt_id!r} is empty)")
        raw = (
            fields[self.i_time],
            "" if self.i_till is None else fields[self.i_till],
            "" if self.i_total is None else fields[self.i_total],
        )
        item = None
        if self.i_category is not None:
            category, amount = fields[self.i_category].strip(), fields[self.i_amount].strip()
            if category and not amount:
                raise _RowError(f"line of category {category!r} has no amount (column {pos.columns.amount!r} is empty)")
            if amount and not category:
                raise _RowError(f"line of amount {amount!r} has no category (column {pos.columns.category!r} is empty)")
            if category:
                item = ReceiptLine(pos.category_map.get(category, category), self._amount(amount, "amount"))
        draft = self.drafts.get(receipt_id)
        if draft is None:
            draft = self.drafts[receipt_id] = _Draft(first, last, raw, tuple(map(str.strip, raw)), [], [])
        elif raw != draft.raw and draft.clash is None:  # the same as written: nothing to compare
            head = tuple(map(str.strip, raw))
            if head != draft.head:
                draft.clash = self._clash(receipt_id, draft, head, first)
        draft.rows.append(first)
        draft.last_line = last
        if item is not None:
            draft.items.append(item)

    def add_clean(self, lines: list[str]) -> bool:
        """Read a whole file at once, column by column, if every row of it is clean: one line each,
        as many fields as the header, the mapped ones filled as they should be and short, amounts
        readable, each receipt's rows together. Returns False, having read nothing that counts, when
        one is not (the caller then reads it row by row, naming each problem).

        Several times faster than :meth:`add` on the exports tills write; receipt checks (times,
        totals, lines summing to them, rows agreeing) are still made, by :meth:`receipts`.
        """
        if len(lines) < 2 or max(map(len, lines)) > MAX_FIELD_CHARS:
            return False
        rows = list(csv.reader(lines[1:], delimiter=self.pos.delimiter))
        if len(rows) != len(lines) - 1 or set(map(len, rows)) != {self.n_columns}:
            return False  # a record over several lines, a blank line, a row of another length
        strip = str.strip
        ids = [strip(r[self.i_id]) for r in rows]
        if not all(ids):
            return False
        times = [r[self.i_time] for r in rows]
        tills = [r[self.i_till] for r in rows] if self.i_till is not None else [""] * len(rows)
        totals = [r[self.i_total] for r in rows] if self.i_total is not None else [""] * len(rows)
        items: list[ReceiptLine | None] = [None] * len(rows)
        if self.i_category is not None:
            categories = [strip(r[self.i_category]) for r in rows]
            amounts = [strip(r[self.i_amount]) for r in rows]
            if any(bool(c) != bool(a) for c, a in zip(categories, amounts)):
                return False
            try:
                for text in set(amounts) - {""}:
                    self._amount(text, "amount")
            except _RowError:
                return False
            rename, value = self.pos.category_map.get, self.amounts
            new_line = functools.partial(tuple.__new__, ReceiptLine)  # a named tuple, made without its __new__
            items = [new_line((rename(c, c), value[a])) if c else None for c, a in zip(categories, amounts)]
        # Rows of a receipt together, agreeing on its own fields as written (else row by row says where).
        pairs = zip(ids, ids[1:], times, times[1:], tills, tills[1:], totals, totals[1:])
        if any(i0 == i1 and (t0 != t1 or l0 != l1 or o0 != o1) for i0, i1, t0, t1, l0, l1, o0, o1 in pairs):
            return False
        starts = [0] + [k for k in range(1, len(ids)) if ids[k] != ids[k - 1]]
        if len(starts) != len(set(ids)):
            return False
        ends = starts[1:] + [len(ids)]
        for a, b in zip(starts, ends):
            head = (times[a], tills[a], totals[a])
            self.drafts[ids[a]] = _Draft(
                a + 2, b + 1, head, tuple(map(strip, head)), range(a + 2, b + 2),  # the header is line 1
                [item for item in items[a:b] if item is not None],
            )
        return True

    def receipts(self, broken: dict[str, int]) -> tuple[list[Receipt], list[RowProblem]]:
        """The receipts read, in file order; those with a malformed or disagreeing row, or that fail
        the receipt checks, are left out with the reason."""
        receipts, problems = [], []
        for receipt_id, draft in self.drafts.items():
            if receipt_id in broken:
                rows = ", ".join(map(str, draft.rows))
                problems.append(
                    RowProblem(
                        draft.line,
                        f"receipt {receipt_id!r} left out: its line {broken[receipt_id]} is malformed (its other "
                        f"rows: line {rows})",
                    )
                )
                continue
            if draft.clash is not None:
                problems.append(draft.clash)
                continue
            try:
                ts, till, total = self._head(draft.head)
            except _RowError as err:
                problems.append(RowProblem(draft.line, str(err), draft.last_line))
                continue
            items = tuple(draft.items)
            receipt = Receipt(receipt_id, ts, till, sum(i.amount for i in items) if total is None else total, items)
            problem = receipt_problem(receipt, self.pos.line_sum_tolerance)
            if problem:
                problems.append(RowProblem(draft.line, f"receipt {receipt_id!r}: {problem}", draft.last_line))
                continue
            receipts.append(receipt)
        return receipts, problems

    def _head(self, head: tuple[str, str, str]) -> tuple[datetime, str, float | None]:
        """The receipt's time, till and total (None: no total column), from their written form."""
        pos = self.pos
        time_text, till, total_text = head
        try:
            ts = parse_time(time_text, pos, self.store_tz)
        except ValueError as err:
            fmt = pos.time_format or "ISO 8601, e.g. 2026-03-04T10:15:00"
            raise _RowError(f"bad time {time_text!r} in column {pos.columns.time!r} (format {fmt}): {err}") from None
        if self.i_till is None:
            till = pos.default_till
        elif not till:
            raise _RowError(f"no till (column {pos.columns.till!r} is empty)")
        total = None if self.i_total is None else self._amount(total_text, "total")
        return ts, till, total

    def _amount(self, text: str, what: str) -> float:
        value = self.amounts.get(text)  # prices repeat: each written amount is read once
        if value is not None:
            return value
        column = getattr(self.pos.columns, what)
        if not text:
            raise _RowError(f"no {what} (column {column!r} is empty)")
        try:
            value = self.amounts[text] = parse_amount(text, self.pos)
            return value
        except ValueError:
            example = "1234.50" if self.pos.decimal_separator == "." else "1234,50"
            raise _RowError(f"bad {what} {text!r} in column {column!r}: write amounts like {example}") from None

    def _clash(self, receipt_id: str, draft: _Draft, head: tuple[str, str, str], line: int) -> RowProblem | None:
        """Whether a row gives its receipt another time, till or total than its first row did (the same
        value written differently, 3.5 and 3.50, is no clash).

        Raises:
            _RowError: The row's own time or total cannot be read.
        """
        mine = self._head(head)
        try:
            theirs = self._head(draft.head)
        except _RowError:
            return None  # its first row is malformed: the receipt is reported for that
        for what, a, b in zip(("time", "till", "total"), mine, theirs):
            if a != b:
                shown = (lambda v: v.isoformat()) if what == "time" else repr
                return RowProblem(
                    line,
                    f"receipt {receipt_id!r} has {what} {shown(a)} here but {shown(b)} on line {draft.line}: one "
                    "receipt id must name one receipt (receipt left out)",
                )
        return None
