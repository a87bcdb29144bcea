"""The heatmap report for a time range: time per area, zones ranked, moves between zones, main routes.

Built once from the database and read by every picture and answer of it: the PNG of
`storelens heatmap`, ``GET /api/heatmap`` and ``/api/heatmap.png``, and the dashboard's pages.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

import cv2
import numpy as np

from storelens.analytics import zone_paths
from storelens.analytics.floor_heat import FloorHeat, floor_heat, zone_heat
from storelens.analytics.heatmap import HeatGrid
from storelens.analytics.routes import Route, main_routes
from storelens.analytics.staff import Role
from storelens.config import StoreConfig
from storelens.errors import ConfigError, StorageError
from storelens.folders import output_folder
from storelens.render.heatmap import FloorCanvas, PlanShapes, draw_colour_bar, render_heatmap, stack_panels
from storelens.render.labels import draw_text, text_size
from storelens.render.sankey import SankeyLayout, draw_sankey, sankey_layout, zone_colours
from storelens.reports.flows import staff_zones, store_people, zone_visitors
from storelens.storage import DenseHeatmap, StoreDatabase

__all__ = [
    "HEAT_UNIT",
    "ROUTES",
    "HeatmapReport",
    "ZoneRank",
    "heatmap_report",
    "render_report",
    "write_heatmap_png",
]

HEAT_UNIT = "visitor-minutes per m²"
"""Time spent per area: one person standing on a square metre for a minute is 1."""
ROUTES = 6
"""Main routes drawn on the plan: the busiest moves; more lines hide the heat under them."""
PNG_WIDTH = 1000


@dataclass(frozen=True, slots=True)
class ZoneRank:
    """A zone's heat and reach.

    Attributes:
        name / kind: The zone.
        minutes: Visitor-minutes spent in it.
        minutes_per_m2: ``minutes`` per m2 of its walkable floor: what it is ranked by.
        visitors: People with a visit to it (a visit lasts the zone's ``min_dwell_s`` or more).
        share: ``visitors`` over the visitors who came into the store, or None if none did.
    """

    name: str
    kind: str
    minutes: float
    minutes_per_m2: float
    visitors: int
    share: float | None


@dataclass(frozen=True, eq=False)
class HeatmapReport:
    """Everything the heatmap shows for a range.

    Attributes:
        start / end: The range, UTC (whole hours: heat is kept per hour).
        camera: One camera's view, or None for the store's visitors.
        store_name: For the picture's title.
        plan: Shapes drawn.
        stored: The stored cells, as they are (the API serves them too).
        heat: Time per area on the walkable floor, and its colour scale.
        zones: Zones whose time is shown, hottest per m2 first.
        left_out: Staff-only zones, not shown and not ranked (empty when staff is included).
        visitors: People who came into the store in the range.
        moves: People who went from zone a straight to zone b, by (a, b), left-out zones skipped.
        routes: The main routes, busiest first.
        sankey: The moves as a two-column diagram.
        colours: Hex colour of each zone in the diagram.
    """

    start: datetime
    end: datetime
    camera: str | None
    store_name: str
    plan: PlanShapes
    stored: DenseHeatmap
    heat: FloorHeat
    zones: list[ZoneRank]
    left_out: list[str]
    visitors: int
    moves: Counter[tuple[str, str]]
    routes: list[Route]
    sankey: SankeyLayout
    colours: dict[str, str]

    @property
    def total_person_s(self) -> float:
        """Person-seconds stored in the range (everywhere, left-out areas too)."""
        return float(self.stored.seconds.sum())


def _polygon(points) -> np.ndarray:
    return np.asarray(points, dtype=np.float64)


def heatmap_report(
    config: StoreConfig,
    db: StoreDatabase,
    start: datetime,
    end: datetime,
    camera: str | None = None,
    staff: bool = False,
) -> HeatmapReport:
    """Read and work out the heatmap of ``[start, end)``.

    Args:
        camera: One camera's view (its heat and zone visits), or None for the store's visitors.
        staff: Show staff-only zones and the staff's own time too (their heat, ranking and moves);
            left out by default.
    """
    skip = set() if staff else staff_zones(config)
    plan = PlanShapes(
        outline=_polygon(config.floor_plan.outline) if config.floor_plan.outline else None,
        fixtures=tuple(_polygon(f.polygon) for f in config.floor_plan.fixtures),
        zones=tuple((z.name, _polygon(z.polygon)) for z in config.zones if z.name not in skip),
        left_out=tuple((z.name, _polygon(z.polygon)) for z in config.zones if z.name in skip),
        lines=tuple((ln.name, str(ln.kind), _polygon(ln.a), _polygon(ln.b)) for ln in config.lines),
    )
    stored = db.heatmap(start, end, camera_id=camera, staff=staff).dense()
    extent = plan.outline if plan.outline is not None else _stored_extent(stored)
    grid = HeatGrid.on_lattice(extent, stored.cell_m)
    heat = floor_heat(
        grid, grid.take(stored.seconds, stored.origin_xy_m), plan.outline, plan.fixtures, [p for _, p in plan.left_out]
    )
    visits = store_people(db.zone_visits(start, end), camera)
    came_in = sum(
        v.entered and v.role != Role.STAFF for v in db.visits(start, end) if camera is None or v.camera_id == camera
    )
    reached = zone_visitors(visits)
    kinds = {z.name: str(z.kind) for z in config.zones}
    ranked = []
    for name, zh in zone_heat(heat, dict(plan.zones)).items():
        people = reached.get(name, 0)
        ranked.append(
            ZoneRank(name, kinds[name], zh.minutes, zh.minutes_per_m2, people, people / came_in if came_in else None)
        )
    ranked.sort(key=lambda z: (-z.minutes_per_m2, z.name))
    moves, _ = zone_paths(visits, skip)
    return HeatmapReport(
        start=start,
        end=end,
        camera=camera,
        store_name=config.name,
        plan=plan,
        stored=stored,
        heat=heat,
        zones=ranked,
        left_out=sorted(skip),
        visitors=came_in,
        moves=moves,
        routes=main_routes(heat, dict(plan.zones), moves, ROUTES),
        sankey=sankey_layout(moves),
        colours=zone_colours([z.name for z in config.zones]),
    )


def _stored_extent(stored: DenseHeatmap) -> np.ndarray:
    rows, cols = stored.seconds.shape
    x0, y0 = stored.origin_xy_m
    return np.array([[x0, y0], [x0 + max(cols, 1) * stored.cell_m, y0 + max(rows, 1) * stored.cell_m]])


def _canvas(config: StoreConfig, plan: PlanShapes, width: int) -> FloorCanvas:
    """A drawn plan ``width`` pixels wide; without an outline, the plan image scaled to it."""
    image_path = config.floor_plan.image
    if plan.outline is not None or image_path is None:
        return FloorCanvas.fitting(plan.extent_m(), width)
    image = cv2.imread(str(image_path))
    if image is None:
        raise ConfigError(f"floor_plan.image: cannot read {image_path} as an image")
    k = width / image.shape[1]
    image = cv2.resize(image, (width, max(1, round(image.shape[0] * k))), interpolation=cv2.INTER_AREA)
    origin = config.floor_plan.origin_px
    return FloorCanvas(
        image, (origin[0] * k, origin[1] * k), k / config.floor_plan.metres_per_pixel, config.floor_plan.flip_y
    )


def render_report(
    report: HeatmapReport,
    config: StoreConfig,
    width: int = PNG_WIDTH,
    ui: float = 1.0,
    routes: bool = True,
    legend: bool = True,
) -> np.ndarray:
    """The report as a BGR picture ``width`` pixels wide.

    Args:
        routes: Draw the main routes on the plan.
        legend: Add a title, the colour bar (in :data:`HEAT_UNIT`) and the zone-to-zone diagram
            under the plan (the dashboard draws its own, from the same numbers).
    """
    plan = render_heatmap(
        _canvas(config, report.plan, width), report.plan, report.heat, report.routes if routes else (), ui
    )
    if not legend:
        return plan
    scale = 0.45 * ui
    start, end = report.start.astimezone(config.tz), report.end.astimezone(config.tz)
    dates = f"{start:%a %d %b %Y %H:%M} to {end:%a %d %b %Y %H:%M} ({config.timezone})"
    view = f", camera {report.camera}" if report.camera else ""
    panels = [_title(f"{report.store_name}: where people spent time, {dates}{view}", width, ui), plan]
    unit = HEAT_UNIT.replace("²", "2")  # the picture's font has no superscripts
    caption = f"Time spent on the floor, {unit} over the range (shelves and fixtures grey)"
    panels.append(draw_colour_bar(report.heat.scale, caption, width, ui))
    notes = []
    if routes and report.routes:
        notes.append(
            f"Lines: the {len(report.routes)} busiest moves between zones, as thick as the people who made them"
        )
    if report.left_out:
        notes.append(f"Staff-only zones left out: {', '.join(n.replace('_', ' ') for n in report.left_out)}")
    panels += [_title(note, width, ui, scale) for note in notes]
    if report.sankey.links:
        shown = f"{report.sankey.people:,} of {report.sankey.all_people:,}"
        panels.append(_title(f"Where people went next: the busiest moves between zones ({shown} moves)", width, ui))
        panels.append(draw_sankey(report.sankey, report.colours, width, ui=ui))
    return stack_panels(panels)


def _title(text: str, width: int, ui: float, scale: float | None = None) -> np.ndarray:
    scale = scale or 0.55 * ui
    w, h = text_size(text, scale)
    strip = np.full((h + int(8 * ui), width, 3), 255, np.uint8)
    draw_text(strip, text, (8 * ui + w / 2, strip.shape[0] / 2), scale, box=None)
    return strip


def write_heatmap_png(
    config: StoreConfig,
    db: StoreDatabase,
    start: datetime,
    end: datetime,
    out: Path,
    camera: str | None = None,
    flow: bool = True,
    staff: bool = False,
) -> tuple[Path, HeatmapReport]:
    """Draw the heatmap of a range (with its legend and the moves between zones) into ``out``.

    Raises:
        ConfigError: ``camera`` is not one of the store's, or ``out`` does not name a PNG.
        StorageError: ``out`` cannot be written.
    """
    if camera is not None and camera not in config.cameras:
        raise ConfigError(f"no camera {camera!r}; the config has {', '.join(config.cameras)}")
    if out.suffix.lower() != ".png":
        raise ConfigError(f"{out}: the heatmap is a PNG image; give a file name ending in .png")
    report = heatmap_report(config, db, start, end, camera, staff)
    image = render_report(report, config, routes=flow)
    output_folder(out.parent)
    if not cv2.imwrite(str(out), image):
        raise StorageError(f"{out}: cannot write the heatmap image")
    return out, report
