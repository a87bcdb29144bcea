"""Reports over a time range: traffic per hour or day, zone dwell and paths, heatmaps."""

from __future__ import annotations

import tempfile
from pathlib import Path
from typing import Annotated, Literal

import numpy as np
from fastapi import APIRouter, HTTPException, Query
from fastapi.responses import Response

from storelens.api.auth import Viewer
from storelens.api.context import ApiContext
from storelens.api.demographics import DemographicsOut, demographics
from storelens.api.dwell import zone_report
from storelens.api.params import Ctx, Range
from storelens.api.schemas import HeatmapOut, TrafficOut, ZonesOut
from storelens.api.timerange import TimeRange
from storelens.api.traffic import MAX_HOURLY_DAYS, traffic
from storelens.reports import write_heatmap_png
from storelens.storage.times import HOUR_US, floor_to, from_us, to_us

router = APIRouter(prefix="/api", tags=["reports"])

CameraParam = Annotated[str | None, Query(max_length=64, description="One camera only (default: all)")]


@router.get(
    "/traffic", response_model=TrafficOut, summary="Entries, exits, passers-by and capture rate per hour or day"
)
def get_traffic(
    _: Viewer, ctx: Ctx, r: Range, bucket: Annotated[Literal["hour", "day"], Query()] = "hour"
) -> TrafficOut:
    if bucket == "hour" and r.days > MAX_HOURLY_DAYS:
        raise HTTPException(422, f"bucket=hour covers at most {MAX_HOURLY_DAYS} days; use bucket=day")
    return traffic(ctx.config, ctx.db.engine, r, bucket)


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


@router.get("/heatmap", response_model=HeatmapOut, summary="Presence (person-seconds) and flow per floor cell")
def get_heatmap(_: Viewer, ctx: Ctx, r: Range, camera: CameraParam = None) -> HeatmapOut:
    _check_camera(ctx, camera)
    hours = _hours(r)
    dense = ctx.db.heatmap(hours.start, hours.end, camera_id=camera).dense()
    rows, cols = dense.seconds.shape
    return HeatmapOut(
        start=hours.start.astimezone(r.tz),
        end=hours.end.astimezone(r.tz),
        camera=camera,
        cell_m=dense.cell_m,
        origin_xy_m=dense.origin_xy_m,
        rows=rows,
        cols=cols,
        seconds=np.round(dense.seconds, 3).tolist(),
        flow_dx=np.round(dense.flow_dx, 3).tolist(),
        flow_dy=np.round(dense.flow_dy, 3).tolist(),
        total_person_s=float(dense.seconds.sum()),
    )


@router.get(
    "/heatmap.png",
    response_class=Response,
    summary="The heatmap drawn on the floor plan",
    responses={200: {"content": {"image/png": {}}}},
)
def get_heatmap_png(
    _: Viewer, ctx: Ctx, r: Range, camera: CameraParam = None, flow: Annotated[bool, Query()] = True
) -> Response:
    _check_camera(ctx, camera)
    hours = _hours(r)
    with tempfile.TemporaryDirectory(prefix="storelens-heatmap-") as tmp:
        path, _seconds = write_heatmap_png(
            ctx.config, ctx.db, hours.start, hours.end, Path(tmp) / "heatmap.png", camera=camera, flow=flow
        )
        return Response(path.read_bytes(), media_type="image/png")
