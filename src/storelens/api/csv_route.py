"""CSV answers of the API's GET routes: ``Accept: text/csv``, or ``.csv`` after the path.

:class:`CsvRoute` is the route class of every API router. A GET route that answers JSON with a
table in it (see :mod:`storelens.api.tables`) also answers that table as CSV, with the same
authentication (the middleware runs first, as for JSON), the same query parameters and the same
handler: the CSV is made from the JSON the handler returns, so the two cannot disagree. A route
whose answer has no table says so with a 406 when CSV is all the client takes. Pictures, files and
event streams are left alone (their ``.csv`` path is a 404). Each CSV answer is an attachment
named ``<store>-<endpoint>-<range>.csv``.
"""

from __future__ import annotations

import csv
import io
import json
import re
import unicodedata
from collections.abc import Callable, Coroutine
from datetime import time, timedelta
from typing import Any
from urllib.parse import quote

from fastapi import HTTPException, Request, Response
from fastapi.concurrency import run_in_threadpool
from fastapi.datastructures import DefaultPlaceholder
from fastapi.responses import JSONResponse
from fastapi.routing import APIRoute
from starlette.routing import Match
from starlette.types import Scope

from storelens.api.context import ApiContext, get_context
from storelens.api.tables import CsvLayout, layout_of
from storelens.api.timerange import TimeRange

__all__ = ["CSV_MEDIA_TYPE", "CSV_SUFFIX", "TABLE_PARAM", "CsvRoute", "csv_filename", "prefers_csv"]

CSV_MEDIA_TYPE = "text/csv"
JSON_MEDIA_TYPE = "application/json"
CSV_SUFFIX = ".csv"
TABLE_PARAM = "table"
_CSV_PATH = "storelens.csv_path"
"""Scope key: the request came in on the route's path + ``.csv``."""
_NOT_COPIED = frozenset({"content-type", "content-length"})
"""Headers of the JSON answer that the CSV one does not take over."""


def _quality(accept: str, media: str) -> float:
    """The q an Accept header gives ``media``: that of its most specific matching range (RFC 9110, 12.5.1)."""
    kind = media.split("/")[0]
    rank, quality = -1, 0.0
    for part in accept.split(","):
        token, *params = (p.strip() for p in part.split(";"))
        token = token.lower()
        found = 2 if token == media else 1 if token == f"{kind}/*" else 0 if token == "*/*" else -1
        if found <= rank:
            continue
        q = 1.0
        for param in params:
            name, _, value = param.partition("=")
            if name.strip().lower() == "q":
                try:
                    q = float(value)
                except ValueError:
                    q = 0.0
        rank, quality = found, (q if 0.0 <= q <= 1.0 else 0.0)
    return quality


def prefers_csv(accept: str | None) -> tuple[bool, bool]:
    """(CSV wanted, JSON acceptable) for an Accept header.

    CSV only when the client ranks it above JSON (``text/csv``, or ``text/csv, */*;q=0.1``):
    a browser's ``*/*`` and a missing header keep the JSON they always had.

    >>> prefers_csv("text/csv"), prefers_csv("*/*"), prefers_csv("text/csv;q=0.5, application/json")
    ((True, False), (False, True), (False, True))
    """
    if not accept:
        return False, True
    csv_q, json_q = _quality(accept, CSV_MEDIA_TYPE), _quality(accept, JSON_MEDIA_TYPE)
    return csv_q > json_q, json_q > 0


def _name_part(text: str) -> str:
    """Lower-case words joined by '-', letters of every script kept ("Café Zürich" -> "café-zürich")."""
    return "-".join(re.findall(r"[^\W_]+", text.lower()))


def _range_part(r: TimeRange | None, now_local) -> str:
    """Local days (``2026-03-04``, ``2026-03-01_2026-03-07``, last day included), times when the
    range is not whole days (``2026-03-04T0900_2026-03-04T1700``), or the moment of a snapshot."""
    if r is None:
        return f"{now_local:%Y-%m-%dT%H%M}"
    start, end = r.start.astimezone(r.tz), r.end.astimezone(r.tz)
    if start.time() == end.time() == time():
        first, last = start.date(), (end - timedelta(microseconds=1)).date()
        return f"{first}" if first == last else f"{first}_{last}"
    return f"{start:%Y-%m-%dT%H%M}_{end:%Y-%m-%dT%H%M}"


def csv_filename(store: str, endpoint: str, r: TimeRange | None, now_local) -> tuple[str, str]:
    """(ASCII name, full name) of a CSV download: ``<store>-<endpoint>-<range>.csv``.

    The ASCII name (accents dropped, for ``filename=``) falls back to ``store`` for a name in
    another script; the full one keeps the store's own letters (``filename*=``).
    """
    tail = f"-{_name_part(endpoint)}-{_range_part(r, now_local)}.csv"
    ascii_store = _name_part(unicodedata.normalize("NFKD", store).encode("ascii", "ignore").decode())
    return f"{ascii_store or 'store'}{tail}", f"{_name_part(store) or 'store'}{tail}"


def _disposition(ascii_name: str, full_name: str) -> str:
    value = f'attachment; filename="{ascii_name}"'
    return value if full_name == ascii_name else f"{value}; filename*=UTF-8''{quote(full_name, safe='')}"


def _csv_text(rows: list[list[str]]) -> str:
    """RFC 4180: CRLF line ends, fields quoted when they hold a comma, quote or line break."""
    out = io.StringIO()
    csv.writer(out, lineterminator="\r\n").writerows(rows)
    return out.getvalue()


class CsvRoute(APIRoute):
    """An API route that also answers CSV when its JSON has a table (see the module doc).

    Attributes:
        answers_json: Whether the route answers JSON (a GET with a response model, not a stream).
        csv_layout: Its answer's tables; None when it has none (or does not answer JSON).
    """

    def __init__(self, path: str, endpoint: Callable[..., Any], **kwargs: Any) -> None:
        super().__init__(path, endpoint, **kwargs)
        json_class = isinstance(self.response_class, DefaultPlaceholder) or issubclass(
            self.response_class, JSONResponse
        )
        self.answers_json = (
            "GET" in self.methods
            and self.response_model is not None
            and json_class
            and not (self.is_sse_stream or self.is_json_stream)
        )
        self.csv_layout: CsvLayout | None = layout_of(self.response_model) if self.answers_json else None
        if self.csv_layout is not None:
            self._document_csv(self.csv_layout)
        elif self.answers_json:
            self.responses = {
                **self.responses,
                406: {"description": "CSV asked for (text/csv or a .csv path), but this answer has no table"},
            }

    def _document_csv(self, layout: CsvLayout) -> None:
        """The CSV media type on the success answer, and the ``table`` parameter when there is a choice."""
        status = self.status_code or 200
        success = dict(self.responses.get(status, {}))
        success["content"] = {**success.get("content", {}), CSV_MEDIA_TYPE: {"schema": {"type": "string"}}}
        self.responses = {**self.responses, status: success}
        if len(layout.tables) > 1:
            param = {
                "name": TABLE_PARAM,
                "in": "query",
                "required": False,
                "description": "CSV only: which table of the answer (default: the first)",
                "schema": {"type": "string", "enum": list(layout.tables), "default": layout.default},
            }
            extra = dict(self.openapi_extra or {})
            extra["parameters"] = [*extra.get("parameters", []), param]
            self.openapi_extra = extra

    def matches(self, scope: Scope) -> tuple[Match, Scope]:
        path = scope.get("path", "")
        if scope["type"] == "http" and path.endswith(CSV_SUFFIX) and self.answers_json:
            match, child = super().matches({**scope, "path": path.removesuffix(CSV_SUFFIX)})
            if match is not Match.NONE:
                return match, {**child, _CSV_PATH: True}
        return super().matches(scope)

    def get_route_handler(self) -> Callable[[Request], Coroutine[Any, Any, Response]]:
        # Called while the route is made, before answers_json is known: decided per request.
        handler = super().get_route_handler()

        async def negotiated(request: Request) -> Response:
            if not self.answers_json:
                return await handler(request)
            if request.scope.get(_CSV_PATH):
                wanted, json_ok = True, False
            else:
                wanted, json_ok = prefers_csv(request.headers.get("accept"))
            layout = self.csv_layout
            table = request.query_params.get(TABLE_PARAM) if wanted else None
            if wanted and layout is None and not json_ok:
                raise HTTPException(406, f"GET {self.path} has no table to give as CSV; ask for {JSON_MEDIA_TYPE}")
            if layout is not None and table is not None and table not in layout.tables:
                tables = ", ".join(layout.tables)
                message = f"{TABLE_PARAM}: {table!r} is not a table of GET {self.path}; its tables: {tables}"
                raise HTTPException(422, message)
            response = await handler(request)
            response.headers.append("Vary", "Accept")
            if not wanted or layout is None or not 200 <= response.status_code < 300 or not hasattr(response, "body"):
                return response  # JSON, an error, or a streamed answer (never made into a table)
            # In a worker thread: a long table takes milliseconds the event loop owes the live feed.
            return await run_in_threadpool(_as_csv, request, response, layout, table, await get_context(request))

        return negotiated


def _as_csv(request: Request, response: Response, layout: CsvLayout, table: str | None, ctx: ApiContext) -> Response:
    """The JSON answer's table as a CSV attachment, with the JSON answer's other headers."""
    rows = layout.render(json.loads(response.body), table)
    endpoint = request.scope["path"].removesuffix(CSV_SUFFIX).removeprefix("/api/").replace("/", "-")
    r: TimeRange | None = getattr(request.state, "time_range", None)
    names = csv_filename(ctx.config.name, endpoint, r, ctx.now().astimezone(ctx.config.tz))
    csv_response = Response(_csv_text(rows), status_code=response.status_code, media_type=CSV_MEDIA_TYPE)
    for name, value in response.headers.items():
        if name not in _NOT_COPIED:
            csv_response.headers.append(name, value)
    csv_response.headers["Content-Disposition"] = _disposition(*names)
    return csv_response
