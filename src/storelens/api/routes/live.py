"""The live view: summary, positions now, and the server-sent event stream that pushes both."""

from __future__ import annotations

from collections.abc import AsyncIterable

from fastapi import APIRouter
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import Response
from fastapi.sse import EventSourceResponse, ServerSentEvent

from storelens.api.auth import Viewer
from storelens.api.csv_route import CsvRoute
from storelens.api.params import Ctx
from storelens.api.schemas import LiveOut, PositionsOut, SummaryOut

router = APIRouter(prefix="/api", tags=["live"], route_class=CsvRoute)

RECONNECT_MS = 2000
"""How soon a browser reconnects a dropped event stream."""


# These two are what dashboards poll: a fresh cached answer is sent as is, already encoded,
# from the event loop; only a stale cache costs a worker thread (and the queries).


@router.get("/summary", response_model=SummaryOut, summary="Now and today: occupancy, visitors vs last week, alerts")
async def summary(_: Viewer, ctx: Ctx) -> Response:
    view = ctx.fresh_live() or await run_in_threadpool(ctx.live)
    return Response(view.summary_json, media_type="application/json")


@router.get("/positions/live", response_model=PositionsOut, summary="Where people stand now, per camera")
async def positions(_: Viewer, ctx: Ctx) -> Response:
    view = ctx.fresh_live() or await run_in_threadpool(ctx.live)
    return Response(view.positions_json, media_type="application/json")


@router.get(
    "/live",
    response_class=EventSourceResponse,
    summary="Server-sent events: a 'live' event (LiveOut JSON) whenever what the dashboard shows changes",
    responses={200: {"model": LiveOut}},
)
async def live(_: Viewer, ctx: Ctx) -> AsyncIterable[ServerSentEvent]:
    async for view in ctx.feed.updates():
        yield ServerSentEvent(raw_data=view.live_json, event="live", retry=RECONNECT_MS)
