"""The tables in API answers, for their CSV form: which list of a response is its table, and its columns.

A response model may name its tables in a ``csv_tables`` class variable (:class:`Rows` or
:class:`Grid` by name, the first the default; empty: none). Without one the table is found from the types: a
list response is its own table; a model with exactly one field holding a list of objects (or a
dict of such lists) has that one; a model with none has no table (its CSV is refused); a model
with several must name them, or :func:`layout_of` raises ``TypeError`` when its route is made,
so the first test that imports the route finds it, never a user.

Columns are named by their path in the JSON with list positions left out: ``buckets.entries`` of
row ``i`` is ``buckets[i].entries``, nested objects give ``zones.dwell_s.p50``. The table's
columns come first, then the response's own scalars (``start``, ``end``, ``bucket``), repeated
on every row: a file stays self-describing when rows of several exports are put together, which
a comment line above the header would not survive. Cells are the JSON's values: text as is,
numbers as JSON writes them, ``true`` / ``false``, null as an empty cell, and a list or object
inside a row (a zone's polygon) as compact JSON.
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from itertools import product
from types import UnionType
from typing import Annotated, Any, Union, get_args, get_origin

from pydantic import BaseModel

__all__ = ["CsvLayout", "Grid", "Rows", "cell_text", "layout_of"]

_LISTS = (list, tuple, set, frozenset, Sequence)
_DICTS = (dict, Mapping)


@dataclass(frozen=True, slots=True)
class Rows:
    """One row per item of the list at ``path`` (dotted field names; ``""``: the response itself).

    Attributes:
        path: Where the list is. A dict of lists (positions per camera) gives one row per item
            of each list, with the dict's key in the column ``<path>.<key>``.
        key: Name of that key column.
        labels: A list-valued field of the items -> dotted paths (from the response) of the
            labels of its axes: one column per label (``buckets.visits.18-29.female``) instead
            of one JSON cell.
    """

    path: str
    key: str = "key"
    labels: Mapping[str, tuple[str, ...]] = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class Grid:
    """A matrix as the dashboard draws it: one row per row label, one column per column label.

    Attributes:
        values: Path of the matrix, ``[row][column]``.
        rows: Path of the row labels (the first column, named by this path).
        columns: Path of the column labels (columns ``<values>.<label>``).
        extra: Paths of lists along the rows, one column each after the labels.
    """

    values: str
    rows: str
    columns: str
    extra: tuple[str, ...] = ()


# ------------------------------------------------------------------ types


def _strip(tp: Any) -> Any:
    """``Annotated[X, ...]`` and ``X | None`` as ``X``."""
    while True:
        origin = get_origin(tp)
        if origin is Annotated:
            tp = get_args(tp)[0]
        elif origin in (Union, UnionType) and len(args := [a for a in get_args(tp) if a is not type(None)]) == 1:
            tp = args[0]
        else:
            return tp


def _is_model(tp: Any) -> bool:
    return isinstance(tp, type) and issubclass(tp, BaseModel)


def _items_of(tp: Any) -> Any | None:
    """The item type of a list (or ``tuple[X, ...]``); None for anything else, fixed tuples included."""
    tp = _strip(tp)
    origin, args = get_origin(tp), get_args(tp)
    if origin is tuple:
        return args[0] if len(args) == 2 and args[1] is Ellipsis else None
    if origin in _LISTS or tp in _LISTS:
        return args[0] if args else Any
    return None


def _dict_values_of(tp: Any) -> Any | None:
    tp = _strip(tp)
    if get_origin(tp) in _DICTS or tp in _DICTS:
        args = get_args(tp)
        return args[1] if len(args) == 2 else Any
    return None


def _is_scalar(tp: Any) -> bool:
    tp = _strip(tp)
    origin = get_origin(tp)
    if _is_model(tp) or origin in _LISTS or origin in _DICTS or tp in _LISTS or tp in _DICTS or origin is tuple:
        return False
    return origin not in (Union, UnionType)


def _fields(model: type[BaseModel]) -> list[tuple[str, Any]]:
    """(JSON name, annotation) of a model's fields, in order."""
    fields = model.model_fields.items()
    return [(info.serialization_alias or info.alias or name, info.annotation) for name, info in fields]


def _type_at(tp: Any, path: str, owner: str) -> Any:
    """The type at a dotted path of field names below ``tp``."""
    for name in filter(None, path.split(".")):
        tp = _strip(tp)
        found = dict(_fields(tp)) if _is_model(tp) else {}
        if name not in found:
            raise TypeError(f"{owner}.csv_tables: {path!r} is not a path of fields ({name!r} not found)")
        tp = found[name]
    return _strip(tp)


def _table_rows_of(tp: Any) -> tuple[Any, bool] | None:
    """(item type, keyed) when ``tp`` is a list of objects or a dict of such lists."""
    items = _items_of(tp)
    if items is not None and _is_model(_strip(items)):
        return _strip(items), False
    values = _dict_values_of(tp)
    items = None if values is None else _items_of(values)
    if items is not None and _is_model(_strip(items)):
        return _strip(items), True
    return None


# ------------------------------------------------------------------ values


def _path(text: str) -> tuple[str, ...]:
    return tuple(filter(None, text.split(".")))


def _get(value: Any, path: Sequence[str | int]) -> Any:
    """The JSON value at ``path`` (keys and list positions); None where anything is missing."""
    for step in path:
        if isinstance(step, int):
            value = value[step] if isinstance(value, list) and 0 <= step < len(value) else None
        else:
            value = value.get(step) if isinstance(value, dict) else None
    return value


def cell_text(value: Any) -> str:
    """A JSON value as a CSV cell (see the module doc)."""
    kind = type(value)  # exact types, most common first: this runs once per cell
    if kind is str:
        return value
    if kind is float or kind is int:
        return repr(value)  # as JSON writes it (json.dumps uses repr), several times faster
    if value is None:
        return ""
    if kind is bool:
        return "true" if value else "false"
    return json.dumps(value, separators=(",", ":"), ensure_ascii=False)


@dataclass(frozen=True, slots=True)
class _Column:
    name: str
    path: tuple[str | int, ...]
    """Below the row's item."""
    labels: tuple[str, ...] = ()
    """Response paths of the label lists, for a labelled list (expanded into one column per label)."""


def _columns(tp: Any, name: str, path: tuple[str, ...], labels: Mapping[str, tuple[str, ...]]) -> list[_Column]:
    """The columns of a value of type ``tp``: one per scalar, objects flattened with dotted names."""
    tp = _strip(tp)
    if not _is_model(tp):
        return [_Column(name or "value", path)]
    columns = []
    for key, annotation in _fields(tp):
        below = path + (key,)
        full = f"{name}.{key}" if name else key
        if ".".join(below) in labels:
            columns.append(_Column(full, below, labels[".".join(below)]))
        else:
            columns += _columns(annotation, full, below, labels)
    return columns


def _expanded(columns: list[_Column], data: Any) -> list[_Column]:
    """Labelled columns replaced by one column per label (labels read from the response)."""
    out = []
    for column in columns:
        if not column.labels:
            out.append(column)
            continue
        axes = [_get(data, _path(p)) or [] for p in column.labels]
        for picks in product(*(list(enumerate(axis)) for axis in axes)):
            name = ".".join([column.name, *(cell_text(label) for _, label in picks)])
            out.append(_Column(name, column.path + tuple(i for i, _ in picks)))
    return out


@dataclass(frozen=True, slots=True)
class _RowsTable:
    path: tuple[str, ...]
    key: str | None
    columns: list[_Column]

    def render(self, data: Any) -> tuple[list[str], list[list[Any]]]:
        found = _get(data, self.path)
        columns = _expanded(self.columns, data)
        header = [c.name for c in columns]
        if self.key is None:
            items = [(None, item) for item in found or []]
        else:
            header.insert(0, ".".join([*self.path, self.key]))
            items = [(key, item) for key, values in (found or {}).items() for item in values]
        # A field of the item itself (most columns) is read directly, a deeper path walked.
        direct = [c.path[0] if len(c.path) == 1 else None for c in columns]
        rows = []
        for key, item in items:
            if not isinstance(item, dict):  # a list of scalars: its one column is the item
                row = [_get(item, c.path) for c in columns]
            else:
                row = [item.get(d) if d is not None else _get(item, c.path) for d, c in zip(direct, columns)]
            rows.append(row if self.key is None else [key, *row])
        return header, rows


@dataclass(frozen=True, slots=True)
class _GridTable:
    grid: Grid

    def render(self, data: Any) -> tuple[list[str], list[list[Any]]]:
        g = self.grid
        labels = _get(data, _path(g.rows)) or []
        columns = _get(data, _path(g.columns)) or []
        matrix = _get(data, _path(g.values))
        extra = [_get(data, _path(p)) for p in g.extra]
        header = [g.rows, *g.extra, *(f"{g.values}.{cell_text(c)}" for c in columns)]
        rows = [
            [label, *(_get(e, [i]) for e in extra), *(_get(matrix, [i, j]) for j in range(len(columns)))]
            for i, label in enumerate(labels)
        ]
        return header, rows


@dataclass(frozen=True, slots=True)
class CsvLayout:
    """How a response model's JSON becomes CSV rows: its tables by name (the first the default)
    and its own scalars, repeated on every row."""

    tables: Mapping[str, _RowsTable | _GridTable]
    scalars: tuple[str, ...]

    @property
    def default(self) -> str:
        return next(iter(self.tables))

    def render(self, data: Any, table: str | None = None) -> list[list[str]]:
        """The header and the rows of ``table`` (default: the first) of the JSON ``data``, as cell text."""
        header, rows = self.tables[table or self.default].render(data)
        own = [_get(data, [name]) for name in self.scalars]
        return [header + list(self.scalars)] + [[cell_text(v) for v in row + own] for row in rows]


def _resolve(model: type[BaseModel], name: str, spec: Rows | Grid) -> _RowsTable | _GridTable:
    owner = model.__name__
    if isinstance(spec, Grid):
        for path in (spec.values, spec.rows, spec.columns, *spec.extra):
            if _items_of(_type_at(model, path, owner)) is None:
                raise TypeError(f"{owner}.csv_tables[{name!r}]: {path!r} is not a list")
        return _GridTable(spec)
    found = _table_rows_of(_type_at(model, spec.path, owner))
    if found is None:
        raise TypeError(f"{owner}.csv_tables[{name!r}]: {spec.path!r} is not a list of objects or a dict of such lists")
    items, keyed = found
    return _RowsTable(_path(spec.path), spec.key if keyed else None, _columns(items, spec.path, (), spec.labels))


def layout_of(response_model: Any) -> CsvLayout | None:
    """The CSV layout of answers of ``response_model``; None when they have no table.

    Raises:
        TypeError: the model has several tables and names none, or names one that is not there.
    """
    tp = _strip(response_model)
    items = _items_of(tp)
    if items is not None:  # a list answer is its own table
        return CsvLayout({"items": _RowsTable((), None, _columns(items, "", (), {}))}, ())
    if not _is_model(tp):
        return None
    declared: Mapping[str, Rows | Grid] | None = getattr(tp, "csv_tables", None)
    if declared == {}:  # declared table-less: a list in it is a detail, not its content (the live summary)
        return None
    if declared is None:
        found = [key for key, annotation in _fields(tp) if _table_rows_of(annotation) is not None]
        if not found:
            return None
        if len(found) > 1:
            raise TypeError(
                f"{tp.__name__} has several tables ({', '.join(found)}): name them, the default first, "
                "in a csv_tables class variable (storelens.api.tables)"
            )
        declared = {found[0]: Rows(found[0])}
    tables = {name: _resolve(tp, name, spec) for name, spec in declared.items()}
    scalars = tuple(key for key, annotation in _fields(tp) if _is_scalar(annotation))
    return CsvLayout(tables, scalars)
