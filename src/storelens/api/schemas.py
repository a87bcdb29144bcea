"""Request and response bodies of the HTTP API (they make its OpenAPI schema).

Times are ISO 8601 with their offset, on the store's clock; distances are floor metres.
"""

from __future__ import annotations

from datetime import datetime
from typing import ClassVar, Literal

from pydantic import BaseModel, ConfigDict, Field

from storelens.analytics.floor_heat import SCALE_PERCENTILE
from storelens.api.accounts import NAME_PATTERN, Role, TokenScope
from storelens.api.tables import Grid, Rows

__all__ = [
    "AlertOut",
    "CameraOut",
    "CameraStatusOut",
    "DwellOut",
    "HeatScaleOut",
    "HeatmapOut",
    "HistogramBin",
    "LineOut",
    "LiveOut",
    "LoginIn",
    "LoginOut",
    "MeOut",
    "NewTokenOut",
    "OccupancyOut",
    "OutageOut",
    "PeakGrid",
    "PositionOut",
    "PositionsOut",
    "SankeyLinkOut",
    "SankeyNodeOut",
    "SankeyOut",
    "SirenIn",
    "SirenOut",
    "StorageStatusOut",
    "StoreOut",
    "SummaryOut",
    "TokenIn",
    "TokenOut",
    "TrafficBucket",
    "TrafficOut",
    "TransitionOut",
    "UserIn",
    "UserOut",
    "VisitorsOut",
    "ZoneHeatOut",
    "ZoneOut",
    "ZoneReportOut",
    "ZonesOut",
]

Point = tuple[float, float]


class _In(BaseModel):
    """Request bodies refuse unknown keys, so a typo is an error rather than silently ignored."""

    model_config = ConfigDict(extra="forbid")


# ------------------------------------------------------------------ store layout


class CameraOut(BaseModel):
    id: str
    fps: float | None = Field(description="Frame rate of the source, if set")
    analysis_fps: float | None = Field(description="Frames analysed per second, if limited")
    calibrated: bool


class ZoneOut(BaseModel):
    name: str
    kind: str
    polygon: list[Point]
    categories: list[str]
    min_dwell_s: float


class LineOut(BaseModel):
    name: str
    kind: str
    a: Point
    b: Point
    in_side: str | None


class StoreOut(BaseModel):
    csv_tables: ClassVar = {"zones": Rows("zones"), "cameras": Rows("cameras"), "lines": Rows("lines")}

    name: str
    timezone: str
    outline: list[Point] | None = Field(description="Store walls, floor metres")
    floor_plan_image: bool = Field(description="Whether GET /api/floor-plan serves a plan image")
    metres_per_pixel: float | None
    origin_px: Point | None
    flip_y: bool
    opening_hours: dict[str, list[str]] | None
    heat_cell_m: float
    cameras: list[CameraOut]
    zones: list[ZoneOut]
    lines: list[LineOut]


class CameraStatusOut(BaseModel):
    camera_id: str
    name: str
    fps: float | None = Field(description="Frames analysed per second, as stored by the last run")
    in_config: bool
    last_position_at: datetime | None = Field(description="Newest stored track point (within the last day)")
    seconds_since_last_position: float | None
    status: str = Field(
        description=(
            "'active': the camera's run reported in the last 30 s or people were seen in the last minute; "
            "'error': its run stopped on an error; 'quiet': neither; 'no data': never reported and nobody seen today"
        )
    )
    last_frame_at: datetime | None = Field(None, description="Capture time of the newest frame analysed")
    frames_per_s: float | None = Field(None, description="Frames analysed per second by the current or last run")
    last_error: str | None = Field(None, description="Why the camera's run stopped, if it stopped on an error")
    has_image: bool = Field(
        True, description="Whether check.png can show a frame (false for a simulated camera, which draws no pixels)"
    )


class OutageOut(BaseModel):
    start: datetime = Field(description="When the database became unavailable to the store's run")
    seconds: float = Field(description="How long it stayed unavailable")
    error: str = Field(description="Why, in one line")


class StorageStatusOut(BaseModel):
    database: str = Field(description="The database's URL, password masked")
    status: str = Field(
        description=(
            "'up to date': nothing waited for the database at the last report; 'catching up': records waited "
            "in the run's spool (the database was down or slow); 'no report': no run of this store reported yet"
        )
    )
    reported_at: datetime | None = Field(
        None, description="When the store's run last reported, after a write (while the database is down it cannot)"
    )
    waiting_batches: int = Field(0, description="Batches of records waiting in the run's spool for the database")
    waiting_mb: float = Field(0.0, description="Their size in the spool, MiB")
    dropped_points: int = Field(0, description="Positions the run dropped because its spool was full")
    last_outage: OutageOut | None = Field(None, description="The database's last unavailability to the run")


# ------------------------------------------------------------------ live


class OccupancyOut(BaseModel):
    store: int = Field(description="People on the floor now (inside the outline)")
    zones: dict[str, int]
    as_of: datetime | None = Field(description="Time of the newest track point counted")


class VisitorsOut(BaseModel):
    entries: int = Field(description="People who came in today (staff left out)")
    exits: int
    units: int = Field(0, description="Buying units among today's entries (groups once)")
    provisional_units: int = Field(
        0, description="Units among them still provisional: their visitors are inside, grouped by the entry gap"
    )
    last_week_entries: int | None = Field(
        description="Same weekday last week, up to the same time of day; null: nothing was recorded then"
    )
    last_week_exits: int | None


class QueueNowOut(BaseModel):
    zone: str
    length: int = Field(description="People in the checkout queue zone now")
    wait_s: float | None = Field(
        description="Estimated wait (seconds) from the last 15 minutes: mean length / people served (Little's law); "
        "null when nobody was served"
    )
    served: int = Field(description="People served in the last 15 minutes (see served_from)")
    served_from: Literal["receipts", "zone exits"] = Field(
        description="receipts: the queue's tills' receipts (one per customer); zone exits: people leaving the zone, "
        "without POS data (a track broken in the queue counts twice)"
    )
    open_till_at: int = Field(description="Queue length that raises the \"open a till\" alert; 0: no alert")


class SummaryOut(BaseModel):
    csv_tables: ClassVar = {}  # a picture of now, not a table (its queues list is one detail of it)

    generated_at: datetime
    day_start: datetime
    day_end: datetime
    occupancy: OccupancyOut
    visitors: VisitorsOut
    passers_by: int
    last_week_passers_by: int | None
    capture_rate: float | None = Field(
        description=(
            "Of the people seen at the front today (crossing a passer-by line or coming in), the share who "
            "came in, each person counted once; null without passers-by"
        )
    )
    open_alerts: int
    siren: bool
    queues: list[QueueNowOut] = Field(default_factory=list, description="Each checkout queue zone")


class PositionOut(BaseModel):
    track_id: int = Field(description="Anonymous id, unique within its camera")
    x_m: float
    y_m: float
    ts: datetime


class PositionsOut(BaseModel):
    csv_tables: ClassVar = {"positions": Rows("cameras", key="camera_id")}

    as_of: datetime | None
    cameras: dict[str, list[PositionOut]]


class AlertOut(BaseModel):
    id: int
    ts: datetime
    kind: str
    zone: str
    camera_id: str
    track_id: int | None
    message: str
    acknowledged: bool


class LiveOut(BaseModel):
    """What GET /api/live pushes on every change."""

    summary: SummaryOut
    alerts: list[AlertOut] = Field(description="Newest open alerts, newest first")
    positions: PositionsOut


# ------------------------------------------------------------------ reports


class TrafficBucket(BaseModel):
    start: datetime
    entries: int = Field(description="People who came in (staff left out)")
    exits: int
    passers_by: int
    capture_rate: float | None
    units: int = Field(
        0,
        description=(
            "Buying units that came in: people who came in together and stayed together count once "
            "(units of visitors still inside are provisional, grouped by the entry gap)"
        ),
    )
    staff_hours: float = Field(0.0, description="Staff-hours on the floor (visits recognised as staff)")
    staff_on_duty: float = Field(0.0, description="Mean staff on the floor over the minutes any was")
    visitors_per_staff: float | None = Field(
        None, description="Entries per member of staff on duty; null without staff"
    )


class PeakGrid(BaseModel):
    weekdays: list[str]
    hours: list[int]
    mean_entries: list[list[float]] = Field(description="[weekday][hour] mean entries per day of that weekday")
    days: list[int] = Field(
        description="How many days of each weekday the range holds with any counts (the means are over these)"
    )


class TrafficOut(BaseModel):
    csv_tables: ClassVar = {
        "buckets": Rows("buckets"),
        "peak_grid": Grid(
            "peak_grid.mean_entries", rows="peak_grid.weekdays", columns="peak_grid.hours", extra=("peak_grid.days",)
        ),
    }

    start: datetime
    end: datetime
    bucket: str
    buckets: list[TrafficBucket]
    totals: TrafficBucket
    previous: TrafficBucket | None = Field(
        None,
        description=(
            "Totals of the period of the same length just before (this week against last week); "
            "null: nothing was counted then"
        ),
    )
    peak_grid: PeakGrid


class HistogramBin(BaseModel):
    from_s: float
    to_s: float | None = Field(description="null: no upper bound")
    visits: int


class DwellOut(BaseModel):
    mean: float
    p25: float
    p50: float
    p75: float
    p90: float
    p95: float
    max: float


class ZoneReportOut(BaseModel):
    name: str
    kind: str | None = Field(description="null for zones no longer in the config")
    visits: int
    dwell_s: DwellOut | None
    histogram: list[HistogramBin]


class TransitionOut(BaseModel):
    from_zone: str
    to_zone: str
    people: int


class SankeyNodeOut(BaseModel):
    zone: str
    side: Literal["from", "to"] = Field(description="from: the left column (where moves start); to: the right")
    people: int
    y0: float = Field(description="Top of the bar, as a fraction of the diagram's height (0 = top)")
    y1: float


class SankeyLinkOut(BaseModel):
    from_zone: str
    to_zone: str
    people: int
    from_y0: float = Field(description="The ribbon at the left bar, fractions of the height")
    from_y1: float
    to_y0: float = Field(description="The ribbon at the right bar")
    to_y1: float


class SankeyOut(BaseModel):
    """Moves between zones as a two-column Sankey diagram, laid out as the PNG draws it."""

    people: int = Field(description="Moves shown (the busiest ones)")
    all_people: int = Field(description="Moves in all")
    nodes: list[SankeyNodeOut]
    links: list[SankeyLinkOut]
    colours: dict[str, str] = Field(description="Zone -> colour (#rrggbb)")


class QueueRowOut(BaseModel):
    zone: str
    start: datetime
    mean_length: float = Field(description="Mean people in the queue zone, sampled each second")
    max_length: int
    served: int = Field(description="People served in the bucket (see served_from)")
    served_from: Literal["receipts", "zone exits"]
    wait_s: float | None = Field(description="Mean wait by Little's law (mean length / served); null: nobody served")


class QueueOut(BaseModel):
    csv_tables: ClassVar = {"buckets": Rows("buckets"), "totals": Rows("totals")}

    start: datetime
    end: datetime
    bucket: Literal["hour", "day"]
    open_till_at: dict[str, int] = Field(description="Per queue zone, the length that raises \"open a till\"")
    buckets: list[QueueRowOut]
    totals: list[QueueRowOut] = Field(description="Per queue zone, the whole range")


class ZonesOut(BaseModel):
    csv_tables: ClassVar = {"zones": Rows("zones"), "transitions": Rows("transitions")}

    start: datetime
    end: datetime
    zones: list[ZoneReportOut]
    transitions: list[TransitionOut] = Field(
        description="People who went from one zone straight to the next, busiest first; staff-only zones left out"
    )
    sankey: SankeyOut
    left_out: list[str] = Field(description="Staff-only zones, left out of the moves")


class HeatScaleOut(BaseModel):
    unit: str
    top: float = Field(
        description=f"Top of the colour scale: the visited floor's {SCALE_PERCENTILE:.0f}th-percentile cell"
    )
    p95: float = Field(description="The visited floor's 95th-percentile cell")
    p95_share: float = Field(description="p95 / top: where it sits on the scale")
    peak: float = Field(description="The hottest cell; cells above top are drawn in the top colour")
    colours: list[tuple[float, str]] = Field(description="(position 0-1, #rrggbb) stops of the scale")
    ticks: list[tuple[float, str]] = Field(description="(value, label) marks along the bar, as the PNG's")


class ZoneHeatOut(BaseModel):
    name: str
    kind: str
    minutes: float = Field(description="Visitor-minutes spent in the zone")
    minutes_per_m2: float = Field(description="Per m2 of its walkable floor: zones are ranked by it")
    visitors: int = Field(description="People with a visit to the zone (lasting its min_dwell_s or more)")
    share: float | None = Field(description="visitors / people who came into the store; null when none did")


class HeatmapOut(BaseModel):
    csv_tables: ClassVar = {"zones": Rows("zones"), "routes": Rows("routes")}

    start: datetime = Field(description="Heat is kept per hour: the range widened to whole hours")
    end: datetime
    camera: str | None
    staff: bool = Field(description="Staff-only zones shown (otherwise left out of heat, ranking and moves)")
    cell_m: float
    origin_xy_m: Point = Field(description="Floor corner of cell [0][0]")
    rows: int
    cols: int
    seconds: list[list[float]] = Field(description="[row = floor y][col = floor x] person-seconds, as stored")
    flow_dx: list[list[float]] = Field(description="Summed movement along x through the cell, metres")
    flow_dy: list[list[float]]
    total_person_s: float
    scale: HeatScaleOut = Field(description="The colour scale of the picture (``/api/heatmap.png``)")
    zones: list[ZoneHeatOut] = Field(description="Zones shown, hottest per m2 first")
    left_out: list[str] = Field(description="Staff-only zones left out")
    visitors: int = Field(description="People who came into the store in the range")
    routes: list[TransitionOut] = Field(description="The moves drawn as lines on the plan, busiest first")
    sankey: SankeyOut


# ------------------------------------------------------------------ actions


class SirenIn(_In):
    on: bool


class SirenOut(BaseModel):
    on: bool
    changed_at: datetime | None
    changed_by: str | None


# ------------------------------------------------------------------ accounts


class LoginIn(_In):
    username: str = Field(min_length=1, max_length=64)
    password: str = Field(min_length=1, max_length=1024)


class LoginOut(BaseModel):
    user: str
    role: Role
    csrf_token: str = Field(description="Send as the X-CSRF-Token header with every POST, PUT and DELETE")
    expires_at: datetime


class MeOut(BaseModel):
    user: str
    role: Role
    auth: str = Field(description="'session' (cookie) or 'token' (bearer)")


class UserIn(_In):
    name: str = Field(pattern=NAME_PATTERN)
    role: Role
    password: str = Field(max_length=1024)


class UserOut(BaseModel):
    name: str
    role: Role
    created: datetime


class TokenIn(_In):
    name: str = Field(pattern=NAME_PATTERN)
    user: str = Field(pattern=NAME_PATTERN)
    scope: TokenScope = Field(
        TokenScope.FULL,
        description="full: what the user's role allows; pos: post till receipts only (a manager's or admin's token)",
    )


class TokenOut(BaseModel):
    id: int
    name: str
    user: str
    created: datetime
    scope: TokenScope


class NewTokenOut(TokenOut):
    token: str = Field(description="The bearer token; shown this once, only its hash is kept")
