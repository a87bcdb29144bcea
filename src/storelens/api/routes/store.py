"""The store's layout from its config, its floor-plan image, and camera activity."""

from __future__ import annotations

from fastapi import APIRouter, HTTPException
from fastapi.responses import FileResponse

from storelens.api.auth import Viewer
from storelens.api.params import Ctx
from storelens.api.positions import STALE_US
from storelens.api.schemas import CameraOut, CameraStatusOut, LineOut, StoreOut, ZoneOut
from storelens.storage.times import SECOND_US, from_us, to_us

router = APIRouter(prefix="/api", tags=["store"])


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
    now_us = to_us(ctx.now())
    out = []
    for cid in ids:
        last = seen.get(cid)
        configured = ctx.config.cameras.get(cid)
        fps = stored[cid].fps if cid in stored else (configured.analysis_fps or configured.fps)
        if last is None:
            status = "no data"
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
            )
        )
    return out
