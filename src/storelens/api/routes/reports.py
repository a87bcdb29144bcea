"""Reports over a time range: traffic per hour or day, zone dwell and paths, heatmaps."""

from __future__ import annotations

from typing import Annotated, Literal

import cv2
from fastapi import APIRouter, HTTPException, Query
from fastapi.responses import Response

from storelens.api.auth import Viewer
from storelens.api.context import ApiContext
from storelens.api.csv_route import CsvRoute
from storelens.api.demographics import DemographicsOut, demographics
from storelens.api.dwell import zone_report
from storelens.api.heatmap import heatmap_out
from storelens.api.params import Ctx, Range
from storelens.api.queue import queue_out
from storelens.api.schemas import HeatmapOut, QueueOut, TrafficOut, ZonesOut
from storelens.api.timerange import TimeRange
from storelens.api.traffic import MAX_HOURLY_DAYS, traffic
from storelens.reports import heatmap_report, render_report
from storelens.reports.heatmap import PNG_WIDTH
from storelens.storage.times import HOUR_US, floor_to, from_us, to_us

router = APIRouter(prefix="/api", tags=["reports"], route_class=CsvRoute)

CameraParam = Annotated[str | None, Query(max_length=64, description="One camera only (default: all)")]


@router.get(
    "/traffic", response_model=TrafficOut, summary="Entries, exits, passers-by and capture rate per hour or day"
)
def get_traffic(
    _: Viewer, ctx: Ctx, r: Range, bucket: Annotated[Literal["hour", "day"], Query()] = "hour"
) -> TrafficOut:
    if bucket == "hour" and r.days > MAX_HOURLY_DAYS:
        raise HTTPException(422, f"bucket=hour covers at most {MAX_HOURLY_DAYS} days; use bucket=day")
    out = traffic(ctx.config, ctx.db.engine, r, bucket)
    before = TimeRange(r.start - (r.end - r.start), r.start, r.tz)
    if ctx.db.recorded(before.start, before.end):
        out.previous = traffic(ctx.config, ctx.db.engine, before, "day").totals
    return out


@router.get(
    "/demographics",
    response_model=DemographicsOut,
    summary="Visitors per age band and gender per hour or day (cameras with demographics on)",
)
def get_demographics(
    _: Viewer, ctx: Ctx, r: Range, bucket: Annotated[Literal["hour", "day"], Query()] = "hour"
) -> DemographicsOut:
    if bucket == "hour" and r.days > MAX_HOURLY_DAYS:
        raise HTTPException(422, f"bucket=hour covers at most {MAX_HOURLY_DAYS} days; use bucket=day")
    return demographics(ctx.config, ctx.db, r, bucket)


@router.get(
    "/queue", response_model=QueueOut, summary="Checkout queues: length, people served and wait per hour or day"
)
def get_queue(_: Viewer, ctx: Ctx, r: Range, bucket: Annotated[Literal["hour", "day"], Query()] = "hour") -> QueueOut:
    if bucket == "hour" and r.days > MAX_HOURLY_DAYS:
        raise HTTPException(422, f"bucket=hour covers at most {MAX_HOURLY_DAYS} days; use bucket=day")
    return queue_out(ctx.config, ctx.db, r, bucket)


@router.get("/zones", response_model=ZonesOut, summary="Zone visits, dwell distribution and transitions")
def get_zones(_: Viewer, ctx: Ctx, r: Range) -> ZonesOut:
    return zone_report(ctx.config, ctx.db, r)


def _hours(r: TimeRange) -> TimeRange:
    """The range widened to whole UTC hours, the heat table's buckets."""
    start = floor_to(to_us(r.start), HOUR_US)
    end = -floor_to(-to_us(r.end), HOUR_US)
    return TimeRange(from_us(start), from_us(end), r.tz)


def _check_camera(ctx: ApiContext, camera: str | None) -> None:
    if camera is None:
        return
    known = set(ctx.config.cameras) | {c.camera_id for c in ctx.db.cameras()}
    if camera not in known:
        raise HTTPException(422, f"unknown camera {camera!r}; cameras: {', '.join(sorted(known)) or 'none'}")


StaffParam = Annotated[bool, Query(description="Show staff-only zones too (left out by default)")]


@router.get(
    "/heatmap",
    response_model=HeatmapOut,
    summary="Time spent per floor cell, zones ranked, moves between zones and the main routes",
)
def get_heatmap(_: Viewer, ctx: Ctx, r: Range, camera: CameraParam = None, staff: StaffParam = False) -> HeatmapOut:
    _check_camera(ctx, camera)
    hours = _hours(r)
    return heatmap_out(heatmap_report(ctx.config, ctx.db, hours.start, hours.end, camera, staff), hours, staff)


@router.get(
    "/heatmap.png",
    response_class=Response,
    summary="The heatmap drawn on the floor plan: time spent, main routes, and (with legend) its colour bar and moves",
    responses={200: {"content": {"image/png": {}}}},
)
def get_heatmap_png(
    _: Viewer,
    ctx: Ctx,
    r: Range,
    camera: CameraParam = None,
    staff: StaffParam = False,
    flow: Annotated[bool, Query(description="Draw the main routes")] = True,
    legend: Annotated[bool, Query(description="Add title, colour bar and the zone-to-zone diagram")] = True,
    width: Annotated[int, Query(ge=240, le=2400, description="Picture width, CSS pixels")] = PNG_WIDTH,
    dpr: Annotated[float, Query(ge=1, le=3, description="Device pixels per CSS pixel (sharp on phones)")] = 1.0,
) -> Response:
    _check_camera(ctx, camera)
    hours = _hours(r)
    report = heatmap_report(ctx.config, ctx.db, hours.start, hours.end, camera, staff)
    image = render_report(report, ctx.config, width=round(width * dpr), ui=dpr, routes=flow, legend=legend)
    ok, png = cv2.imencode(".png", image)
    if not ok:
        raise HTTPException(500, "cannot encode the heatmap picture")
    return Response(png.tobytes(), media_type="image/png")
