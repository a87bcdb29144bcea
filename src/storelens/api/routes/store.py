"""The store's layout from its config, its floor-plan image, camera activity, and how its writes go."""

from __future__ import annotations

from fastapi import APIRouter, HTTPException
from fastapi.responses import FileResponse

from storelens.api.auth import Viewer
from storelens.api.csv_route import CsvRoute
from storelens.api.params import Ctx
from storelens.api.positions import STALE_US
from storelens.api.schemas import (
    CameraOut,
    CameraStatusOut,
    LineOut,
    OutageOut,
    StorageStatusOut,
    StoreOut,
    ZoneOut,
)
from storelens.errors import CalibrationError, SourceError
from storelens.runner import store_id_of
from storelens.sources import has_pixels
from storelens.storage.times import SECOND_US, from_us, to_us

HEALTH_FRESH_US = 30 * SECOND_US
"""A camera whose run reported within this long is running (runs report every 5 s)."""

router = APIRouter(prefix="/api", tags=["store"], route_class=CsvRoute)


@router.get("/store", response_model=StoreOut, summary="Store layout: floor plan, cameras, zones, lines")
def store(_: Viewer, ctx: Ctx) -> StoreOut:
    c = ctx.config
    plan = c.floor_plan
    return StoreOut(
        name=c.name,
        timezone=c.timezone,
        outline=plan.outline,
        floor_plan_image=plan.image is not None,
        metres_per_pixel=plan.metres_per_pixel,
        origin_px=plan.origin_px,
        flip_y=plan.flip_y,
        opening_hours=c.opening_hours.model_dump() if c.opening_hours else None,
        heat_cell_m=ctx.db.heat_cell_m,
        cameras=[
            CameraOut(id=cid, fps=cam.fps, analysis_fps=cam.analysis_fps, calibrated=cam.calibration is not None)
            for cid, cam in c.cameras.items()
        ],
        zones=[
            ZoneOut(
                name=z.name, kind=str(z.kind), polygon=z.polygon, categories=z.categories, min_dwell_s=z.min_dwell_s
            )
            for z in c.zones
        ],
        lines=[LineOut(name=ln.name, kind=str(ln.kind), a=ln.a, b=ln.b, in_side=ln.in_side) for ln in c.lines],
    )


@router.get(
    "/floor-plan",
    response_class=FileResponse,
    summary="The floor-plan image of the config",
    responses={200: {"content": {"image/*": {}}}, 404: {"description": "The config has no plan image"}},
)
def floor_plan(_: Viewer, ctx: Ctx) -> FileResponse:
    image = ctx.config.floor_plan.image
    if image is None or not image.is_file():
        raise HTTPException(404, "the store config has no floor-plan image")
    return FileResponse(image)


@router.get("/cameras", response_model=list[CameraStatusOut], summary="Cameras and when each last saw someone")
def cameras(_: Viewer, ctx: Ctx) -> list[CameraStatusOut]:
    stored = {cam.camera_id: cam for cam in ctx.db.cameras()}
    ids = list(ctx.config.cameras) + sorted(set(stored) - set(ctx.config.cameras))
    seen = ctx.camera_last_seen(ids)
    health = ctx.db.camera_health()
    now_us = to_us(ctx.now())
    out = []
    for cid in ids:
        report = health.get(cid)
        # Stored points, or (a camera of a fused store, whose people are stored as the store's
        # visitors) the newest frame in which its run detected someone.
        candidates = [seen.get(cid), None if report is None or report.last_person_ts is None
                      else to_us(report.last_person_ts)]
        last = max((t for t in candidates if t is not None), default=None)
        configured = ctx.config.cameras.get(cid)
        fps = stored[cid].fps if cid in stored else (configured.analysis_fps or configured.fps)
        if report is not None and report.last_error:
            status = "error"
        elif report is not None and now_us - to_us(report.reported_at) <= HEALTH_FRESH_US:
            status = "active"
        elif last is None and report is None:
            status = "no data"
        elif last is None:
            status = "quiet"
        else:
            status = "active" if now_us - last <= STALE_US else "quiet"
        out.append(
            CameraStatusOut(
                camera_id=cid,
                name=stored[cid].name if cid in stored else cid,
                fps=fps,
                in_config=configured is not None,
                last_position_at=None if last is None else from_us(last).astimezone(ctx.config.tz),
                seconds_since_last_position=None if last is None else max(0.0, (now_us - last) / SECOND_US),
                status=status,
                last_frame_at=None if report is None or report.last_frame_ts is None
                else report.last_frame_ts.astimezone(ctx.config.tz),
                frames_per_s=None if report is None else round(report.fps, 2),
                last_error=None if report is None else report.last_error,
                has_image=configured is not None and has_pixels(configured.source),
            )
        )
    return out


@router.get("/storage", response_model=StorageStatusOut, summary="The database, and how the store's run writes to it")
def storage(_: Viewer, ctx: Ctx) -> StorageStatusOut:
    """From the run's last write report: what waits in its spool (the outbox on the box's disk that
    keeps records while the database is down) and the database's last outage."""
    health = ctx.db.spool_health(store_id_of(ctx.config))
    if health is None:
        return StorageStatusOut(database=ctx.db.url, status="no report")
    tz = ctx.config.tz
    outage = None
    if health.last_outage_start is not None:
        outage = OutageOut(
            start=health.last_outage_start.astimezone(tz), seconds=health.last_outage_s, error=health.last_outage_error
        )
    return StorageStatusOut(
        database=ctx.db.url,
        status="catching up" if health.waiting_batches else "up to date",
        reported_at=health.reported_at.astimezone(tz),
        waiting_batches=health.waiting_batches,
        waiting_mb=round(health.waiting_bytes / 2**20, 3),
        dropped_points=health.dropped_points,
        last_outage=outage,
    )


@router.get(
    "/cameras/{camera_id}/check.png",
    response_class=FileResponse,
    summary="A current frame of the camera with heads pixelated and its floor calibration drawn on it",
    responses={
        200: {"content": {"image/png": {}}},
        404: {"description": "No such camera in the config"},
        503: {"description": "The camera's source cannot be read now"},
    },
)
def camera_check_image(camera_id: str, _: Viewer, ctx: Ctx) -> FileResponse:
    """The same image as ``storelens calibrate``: one frame (the first of a file, the current one
    of a stream), every detected head pixelated, the 1 m floor grid, zones and lines projected.
    Made at most once a minute per camera; the bundled detector is loaded on first use."""
    if camera_id not in ctx.config.cameras:
        raise HTTPException(404, f"no camera {camera_id!r} in the store config")
    try:
        path = ctx.camera_check_image(camera_id)
    except (SourceError, CalibrationError) as err:
        raise HTTPException(503, str(err).splitlines()[0]) from None
    return FileResponse(path, media_type="image/png", headers={"Cache-Control": "no-store"})
