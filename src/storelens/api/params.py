"""Parameters shared by routes: the server context and the ``from`` / ``to`` time range."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, HTTPException, Query, Request

from storelens.api.context import ApiContext, get_context
from storelens.api.timerange import RangeError, TimeRange, parse_range

__all__ = ["Ctx", "Range", "time_range"]

Ctx = Annotated[ApiContext, Depends(get_context)]

_FROM = Query(
    alias="from",
    description="Start, ISO date or time; without a zone it is the store's local time. Default: the day of `to`",
)
_TO = Query(
    alias="to", description="End (excluded), ISO date or time, local unless a zone is given. Default: end of today"
)


async def time_range(
    request: Request, ctx: Ctx, start: Annotated[str | None, _FROM] = None, end: Annotated[str | None, _TO] = None
) -> TimeRange:
    """The request's range on the store's clock (422 with the reason when malformed); kept in
    ``request.state.time_range`` too, where the CSV answer finds it for its file name."""
    try:
        request.state.time_range = parse_range(start, end, ctx.config.tz, ctx.now())
    except RangeError as err:
        raise HTTPException(422, str(err)) from None
    return request.state.time_range


Range = Annotated[TimeRange, Depends(time_range)]
