"""Alerts (list, acknowledge) and the siren switch."""

from __future__ import annotations

from typing import Annotated, Literal

from fastapi import APIRouter, HTTPException, Path, Query

from storelens.api.auth import Manager, Viewer
from storelens.api.context import ApiContext
from storelens.api.csv_route import CsvRoute
from storelens.api.params import Ctx, Range
from storelens.api.schemas import AlertOut, SirenIn, SirenOut
from storelens.api.siren import SirenState, read_siren, write_siren
from storelens.api.summary import alert_out

router = APIRouter(prefix="/api", tags=["alerts"], route_class=CsvRoute)

AlertId = Annotated[int, Path(ge=1, le=2**63 - 1)]


@router.get("/alerts", response_model=list[AlertOut], summary="Alerts raised in the range, newest first")
def list_alerts(
    _: Viewer,
    ctx: Ctx,
    r: Range,
    state: Annotated[Literal["open", "acknowledged", "all"], Query()] = "all",
    limit: Annotated[int, Query(ge=1, le=1000)] = 200,
) -> list[AlertOut]:
    wanted = {"open": {False}, "acknowledged": {True}, "all": {False, True}}[state]
    stored = [a for a in reversed(ctx.db.alerts(r.start, r.end)) if a.acknowledged in wanted]
    return [alert_out(a, ctx.config) for a in stored[:limit]]


@router.post("/alerts/{alert_id}/ack", response_model=AlertOut, summary="Acknowledge an alert (manager)")
def acknowledge(alert_id: AlertId, _: Manager, ctx: Ctx) -> AlertOut:
    if ctx.db.alert(alert_id) is None:
        raise HTTPException(404, f"no alert with id {alert_id}")
    ctx.db.acknowledge_alert(alert_id)
    ctx.data_changed()
    return alert_out(ctx.db.alert(alert_id), ctx.config)


def _siren_out(state: SirenState, ctx: ApiContext) -> SirenOut:
    changed_at = state.changed_at.astimezone(ctx.config.tz) if state.changed_at else None
    return SirenOut(on=state.on, changed_at=changed_at, changed_by=state.changed_by)


@router.get("/siren", response_model=SirenOut, summary="Whether the siren is on")
def get_siren(_: Viewer, ctx: Ctx) -> SirenOut:
    return _siren_out(read_siren(ctx.db.engine), ctx)


@router.put("/siren", response_model=SirenOut, summary="Switch the siren on or off (manager)")
def put_siren(body: SirenIn, who: Manager, ctx: Ctx) -> SirenOut:
    state = write_siren(ctx.db.engine, body.on, who.user.name)
    ctx.data_changed()
    return _siren_out(state, ctx)
