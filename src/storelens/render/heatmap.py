"""Drawing the floor heatmap: the plan, time spent as colour, the main routes, labels, legends.

One renderer for every picture of it (`storelens heatmap`, ``GET /api/heatmap.png``, the
dashboard), so a number read off one is the number on the others. A store with an outline is
drawn from its config (walls, fixtures, zones, lines, each once, labelled where its label fits
without covering another; a zone whose name does not fit gets a numbered marker and a key); a
store known only by its plan image is drawn over that image.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import cv2
import numpy as np

from storelens.analytics.floor_heat import FloorHeat, HeatScale
from storelens.analytics.routes import Route
from storelens.render.labels import LabelBoard, draw_text, text_size

__all__ = [
    "HEAT_STOPS",
    "FloorCanvas",
    "PlanShapes",
    "colour_bar_ticks",
    "draw_colour_bar",
    "heat_bgr",
    "render_heatmap",
    "stack_panels",
]

HEAT_STOPS = ((0.0, "#2c7bb6"), (0.25, "#00a6ca"), (0.5, "#90eb9d"), (0.75, "#f9d057"), (0.9, "#f29e2e"),
              (1.0, "#d7191c"))  # fmt: skip
"""Colour scale, low to high: blue, green, yellow, red, as retail heatmaps use (and the dashboard's bar)."""
MIN_LEVEL = 0.02
"""Floor below this share of the scale is left uncoloured: nobody spent time there to speak of."""
LABEL_SCALE = 0.45
"""Text size (OpenCV font scale) at ``ui`` 1: about 12 px tall."""
ROUTE_FULL_PX_PER_M = 45.0
"""Route lines are drawn full width (2-10 px) at this scale and thinner on smaller plans."""
_MARGIN_M = 0.8
_PAGE_BGR = (243, 240, 238)
_FLOOR_BGR = (255, 255, 255)
_WALL_BGR = (55, 41, 31)
_FIXTURE_BGR, _FIXTURE_EDGE_BGR = (204, 211, 214), (158, 162, 168)
_LEFT_OUT_BGR = (226, 226, 226)
_ZONE_BGR = (139, 116, 100)
_LINE_BGR = {"entrance": (74, 163, 22), "passerby": (235, 99, 37)}
_ROUTE_BGR = (39, 24, 17)
_TEXT_BGR = (39, 24, 17)


@dataclass(frozen=True, slots=True)
class FloorCanvas:
    """Where floor metres land on the picture drawn.

    Attributes:
        image: (h, w, 3) uint8 BGR background (the floor plan image, or a blank page).
        origin_px: (u, v) pixel of floor point (0, 0).
        px_per_m: Scale.
        flip_y: True when floor y grows upwards on the picture (image rows grow downwards).
    """

    image: np.ndarray
    origin_px: tuple[float, float]
    px_per_m: float
    flip_y: bool = True

    @classmethod
    def blank(cls, extent_m: np.ndarray, px_per_m: float = 40.0) -> FloorCanvas:
        """A page just large enough for (n, 2) floor points and a margin, y up."""
        p = np.asarray(extent_m, dtype=np.float64).reshape(-1, 2)
        lo, hi = p.min(axis=0) - _MARGIN_M, p.max(axis=0) + _MARGIN_M
        w, h = np.ceil((hi - lo) * px_per_m - 1e-6).astype(int)
        image = np.full((h, w, 3), _PAGE_BGR, np.uint8)
        return cls(image, (-lo[0] * px_per_m, hi[1] * px_per_m), px_per_m, flip_y=True)

    @classmethod
    def fitting(cls, extent_m: np.ndarray, width_px: int) -> FloorCanvas:
        """A blank page ``width_px`` wide for (n, 2) floor points and a margin."""
        p = np.asarray(extent_m, dtype=np.float64).reshape(-1, 2)
        return cls.blank(p, width_px / (float(np.ptp(p[:, 0])) + 2 * _MARGIN_M))

    def to_px(self, points_m: np.ndarray) -> np.ndarray:
        """(n, 2) floor metres -> (n, 2) float pixel coordinates."""
        p = np.asarray(points_m, dtype=np.float64).reshape(-1, 2)
        u = self.origin_px[0] + p[:, 0] * self.px_per_m
        v = self.origin_px[1] + (-p[:, 1] if self.flip_y else p[:, 1]) * self.px_per_m
        return np.stack([u, v], axis=1)

    def pixels_m(self) -> tuple[np.ndarray, np.ndarray]:
        """Floor x and y (metres) of every pixel centre, each (h, w)."""
        h, w = self.image.shape[:2]
        u, v = np.meshgrid(np.arange(w, dtype=np.float64), np.arange(h, dtype=np.float64))
        y = (v - self.origin_px[1]) / self.px_per_m
        return (u - self.origin_px[0]) / self.px_per_m, -y if self.flip_y else y


@dataclass(frozen=True, slots=True, eq=False)
class PlanShapes:
    """What the plan shows, in floor metres.

    Attributes:
        outline: (n, 2) walls, or None (the canvas is the plan image).
        fixtures: Footprints of shelves, tables, counters.
        zones: (name, polygon) of the zones drawn and labelled.
        left_out: (name, polygon) of areas whose time is not shown (staff only), greyed.
        lines: (name, kind, a, b) counting lines, kind "entrance" or "passerby".
    """

    outline: np.ndarray | None
    fixtures: tuple[np.ndarray, ...] = ()
    zones: tuple[tuple[str, np.ndarray], ...] = ()
    left_out: tuple[tuple[str, np.ndarray], ...] = ()
    lines: tuple[tuple[str, str, np.ndarray, np.ndarray], ...] = ()

    def extent_m(self) -> np.ndarray:
        """Every point drawn: outline, zones and lines (a pavement line lies outside the walls)."""
        parts = [p for p in (self.outline,) if p is not None] + [p for _, p in self.zones + self.left_out]
        parts += [np.stack([a, b]) for _, _, a, b in self.lines]
        return np.concatenate(parts) if parts else np.zeros((1, 2))


def _hex_bgr(colour: str) -> tuple[int, int, int]:
    r, g, b = (int(colour[i : i + 2], 16) for i in (1, 3, 5))
    return b, g, r


def heat_bgr(levels: np.ndarray) -> np.ndarray:
    """Levels 0-1 -> (..., 3) uint8 BGR colours of the scale (:data:`HEAT_STOPS`, linear between stops)."""
    at = np.array([s for s, _ in HEAT_STOPS])
    bgr = np.array([_hex_bgr(c) for _, c in HEAT_STOPS], dtype=np.float64)
    lv = np.clip(np.asarray(levels, dtype=np.float64), 0, 1)
    return np.stack([np.interp(lv, at, bgr[:, k]) for k in range(3)], axis=-1).round().astype(np.uint8)


def _poly(canvas: FloorCanvas, polygon: np.ndarray) -> np.ndarray:
    return np.round(canvas.to_px(polygon)).astype(np.int32)


def render_heatmap(
    canvas: FloorCanvas,
    plan: PlanShapes,
    heat: FloorHeat | None,
    routes: Sequence[Route] = (),
    ui: float = 1.0,
) -> np.ndarray:
    """The plan with time spent coloured on its walkable floor, routes and labels.

    Args:
        canvas: Background and scale (a blank page when ``plan.outline`` is given).
        plan: Shapes to draw.
        heat: Smoothed time per area and its colour scale, or None for the plan alone.
        routes: Main routes to draw over it, busiest first.
        ui: Size of text and strokes (2 for a screen of twice the pixel density).

    Returns:
        (h, w, 3) uint8 BGR picture; zones whose name did not fit are numbered, with a key
        under the plan.
    """
    out = canvas.image.copy()
    if plan.outline is not None:
        cv2.fillPoly(out, [_poly(canvas, plan.outline)], _FLOOR_BGR)
    for _, polygon in plan.left_out:
        _hatch(out, _poly(canvas, polygon), ui)
    if heat is not None and heat.scale.top > 0:
        _paint_heat(out, canvas, plan, heat)
    for polygon in plan.fixtures:
        cv2.fillPoly(out, [_poly(canvas, polygon)], _FIXTURE_BGR)
        cv2.polylines(out, [_poly(canvas, polygon)], True, _FIXTURE_EDGE_BGR, 1, cv2.LINE_AA)
    for _, polygon in plan.zones + plan.left_out:
        cv2.polylines(out, [_poly(canvas, polygon)], True, _ZONE_BGR, max(1, round(ui)), cv2.LINE_AA)
    if plan.outline is not None:
        cv2.polylines(out, [_poly(canvas, plan.outline)], True, _WALL_BGR, max(2, round(3 * ui)), cv2.LINE_AA)
    for _, kind, a, b in plan.lines:
        pa, pb = np.round(canvas.to_px(np.stack([a, b]))).astype(int)
        cv2.line(out, tuple(pa), tuple(pb), _LINE_BGR.get(kind, _TEXT_BGR), max(2, round(4 * ui)), cv2.LINE_AA)
    board = LabelBoard(out.shape[1], out.shape[0])
    widest = max((r.people for r in routes), default=1)
    stroke = ui * min(1.0, canvas.px_per_m / ROUTE_FULL_PX_PER_M)
    drawn = [_draw_route(out, canvas, r, widest, stroke) for r in routes]
    key = _label_zones(out, canvas, plan, board, ui)
    _label_lines(out, canvas, plan, board, ui)
    for route, px in zip(routes, drawn):
        _label_route(out, route, px, board, ui)
    return stack_panels([out, _key_strip(key, out.shape[1], ui)]) if key else out


def _hatch(out: np.ndarray, polygon_px: np.ndarray, ui: float) -> None:
    """Grey fill with diagonal stripes: an area left out."""
    mask = np.zeros(out.shape[:2], np.uint8)
    cv2.fillPoly(mask, [polygon_px], 255)
    h, w = mask.shape
    stripes = (np.add.outer(np.arange(h), np.arange(w)) // max(1, round(4 * ui))) % 3 == 0
    out[mask > 0] = _LEFT_OUT_BGR
    out[(mask > 0) & stripes] = (200, 200, 200)


def _paint_heat(out: np.ndarray, canvas: FloorCanvas, plan: PlanShapes, heat: FloorHeat) -> None:
    """Colour every walkable pixel by its time per area, sampled smoothly from the cells."""
    x, y = canvas.pixels_m()
    grid = heat.grid
    col = ((x - grid.origin_m[0]) / grid.cell_m - 0.5).astype(np.float32)
    row = ((y - grid.origin_m[1]) / grid.cell_m - 0.5).astype(np.float32)
    walk = heat.walkable.astype(np.float32)
    # Interpolate time over walkable cells only, so the floor by a wall is not dimmed by it.
    summed = cv2.remap((heat.minutes_per_m2 * walk).astype(np.float32), col, row, cv2.INTER_LINEAR, borderValue=0)
    weight = cv2.remap(walk, col, row, cv2.INTER_LINEAR, borderValue=0)
    value = np.divide(summed, weight, out=np.zeros_like(summed), where=weight > 0.05)
    level = heat.scale.level(value)
    mask = np.zeros(out.shape[:2], np.uint8)
    if plan.outline is not None:
        cv2.fillPoly(mask, [_poly(canvas, plan.outline)], 1)
        for polygon in plan.fixtures + tuple(p for _, p in plan.left_out):
            cv2.fillPoly(mask, [_poly(canvas, polygon)], 0)
    else:
        mask[:] = weight > 0.5
    show = (mask > 0) & (level >= MIN_LEVEL)
    alpha = (0.45 + 0.4 * level[show])[:, None]
    out[show] = (out[show] * (1 - alpha) + heat_bgr(level[show]) * alpha).round().astype(np.uint8)


def _draw_route(out: np.ndarray, canvas: FloorCanvas, route: Route, widest: int, ui: float) -> np.ndarray:
    """The route as a line as thick as its share of the busiest, kept to its right so the way
    back runs beside it, with arrowheads along it; returns its pixels."""
    width = (2.0 + 8.0 * route.people / widest) * ui
    px = canvas.to_px(route.path_m)
    if len(px) >= 2:
        tangent = np.gradient(px, axis=0)
        norm = np.hypot(*tangent.T)[:, None]
        right = np.divide(
            np.stack([-tangent[:, 1], tangent[:, 0]], 1), norm, out=np.zeros_like(tangent), where=norm > 0
        )
        px = px + right * (width / 2 + 3 * ui)
    pts = np.round(px).astype(np.int32)
    cv2.polylines(out, [pts], False, (255, 255, 255), int(round(width + 3 * ui)), cv2.LINE_AA)
    cv2.polylines(out, [pts], False, _ROUTE_BGR, max(1, int(round(width))), cv2.LINE_AA)
    along = np.concatenate([[0.0], np.cumsum(np.hypot(*np.diff(px, axis=0).T))])
    if along[-1] <= 0:
        return px
    every = 90.0 * ui
    for d in [*np.arange(every, along[-1] - every / 2, every), along[-1] * 0.999]:
        k = int(np.searchsorted(along, d))
        k = min(max(k, 1), len(px) - 1)
        direction = px[k] - px[k - 1]
        if np.hypot(*direction) > 0:
            _arrowhead(out, px[k], direction / np.hypot(*direction), width, ui)
    return px


def _arrowhead(out: np.ndarray, tip: np.ndarray, direction: np.ndarray, width: float, ui: float) -> None:
    size = width + 6 * ui
    side = np.array([-direction[1], direction[0]])
    base = tip - direction * size
    tri = np.stack([tip + direction * 2 * ui, base + side * size * 0.7, base - side * size * 0.7])
    cv2.fillConvexPoly(out, np.round(tri).astype(np.int32), (255, 255, 255), cv2.LINE_AA)
    cv2.fillConvexPoly(
        out, np.round(tip - direction * 1.5 * ui + (tri - tip) * 0.8).astype(np.int32), _ROUTE_BGR, cv2.LINE_AA
    )


def _pretty(name: str) -> str:
    return name.replace("_", " ")


def _label_zones(out: np.ndarray, canvas: FloorCanvas, plan: PlanShapes, board: LabelBoard, ui: float) -> list[str]:
    """Each zone's name inside it, largest zones first; returns the names given numbers instead."""
    scale = LABEL_SCALE * ui
    shapes = [(name, polygon, False) for name, polygon in plan.zones] + [(n, p, True) for n, p in plan.left_out]
    shapes.sort(key=lambda s: -float(np.prod(np.ptp(s[1], axis=0))))
    key, markers = [], []
    for name, polygon, left_out in shapes:
        px = canvas.to_px(polygon)
        (x0, y0), (x1, y1) = px.min(axis=0), px.max(axis=0)
        cx, cy = (x0 + x1) / 2, (y0 + y1) / 2
        spot = None
        for text in _wordings(_pretty(name) + (" (staff, not shown)" if left_out else "")):
            w, h = text_size(text, scale)
            if w > 2 * (x1 - x0):  # a name may stick out of its zone a little, not lie across others
                continue
            spots = [(cx, cy + k * h / 2) for k in (0, -1, 1, -2, 2, -3, 3) if y0 <= cy + k * h / 2 <= y1]
            spot = board.place(text, spots, scale)
            if spot is not None:
                draw_text(out, text, spot, scale, _TEXT_BGR)
                break
        if spot is None:
            markers.append((name, left_out, (cx, cy), (x1 - x0, y1 - y0)))
    for name, left_out, (cx, cy), (zw, zh) in markers:
        tag = str(len(key) + 1)
        step = text_size(tag, scale)[1]  # from the zone's middle outwards, a marker's height at a time
        spots = [(cx + dx * step, cy + dy * step) for r in range(4) for dx, dy in _ring(r)]
        spot = board.place(tag, spots, scale) or (cx, cy)
        draw_text(out, tag, spot, scale, (255, 255, 255), box=_TEXT_BGR)
        key.append(f"{tag} {_pretty(name)}" + (" (staff, not shown)" if left_out else ""))
    return key


def _ring(r: int) -> list[tuple[int, int]]:
    """Grid steps at distance ``r`` (the square ring), nearest the vertical first."""
    ring = [(dx, dy) for dx in range(-r, r + 1) for dy in range(-r, r + 1) if max(abs(dx), abs(dy)) == r]
    return sorted(ring, key=lambda d: (abs(d[0]), abs(d[1]))) or [(0, 0)]


def _wordings(text: str) -> list[str]:
    """``text`` on one line, then split over two at its most central space (leaving no line
    shorter than 3 characters).

    >>> _wordings("personal care")
    ['personal care', 'personal\\ncare']
    """
    gaps = [i for i, c in enumerate(text) if c == " " and 3 <= i <= len(text) - 4]  # no line of a word or two
    if not gaps:
        return [text]
    cut = min(gaps, key=lambda i: abs(i - len(text) / 2))
    return [text, text[:cut] + "\n" + text[cut + 1 :]]


def _label_lines(out: np.ndarray, canvas: FloorCanvas, plan: PlanShapes, board: LabelBoard, ui: float) -> None:
    """Each counting line's name beside it, on whichever side is clear."""
    scale = LABEL_SCALE * ui
    for name, kind, a, b in plan.lines:
        pa, pb = canvas.to_px(np.stack([a, b]))
        mid, d = (pa + pb) / 2, pb - pa
        normal = np.array([-d[1], d[0]]) / max(float(np.hypot(*d)), 1e-9)
        text = f"{_pretty(name)} ({'entrance line' if kind == 'entrance' else 'passers-by line'})"
        w, h = text_size(text, scale)
        reach = abs(normal[0]) * w / 2 + abs(normal[1]) * h / 2 + 6 * ui
        spots = [tuple(mid + s * normal * reach + t * d) for t in (0, -0.3, 0.3) for s in (-1, 1)]
        spot = board.place(text, spots, scale)
        if spot is not None:
            draw_text(out, text, spot, scale, _LINE_BGR.get(kind, _TEXT_BGR))


def _label_route(out: np.ndarray, route: Route, px: np.ndarray, board: LabelBoard, ui: float) -> None:
    """The route's people count on it, near its middle where that is clear."""
    text = f"{route.people:,}"
    spots = [tuple(px[int(f * (len(px) - 1))]) for f in (0.5, 0.4, 0.6, 0.3, 0.7, 0.2, 0.8)]
    spot = board.place(text, spots, LABEL_SCALE * ui)
    if spot is not None:
        draw_text(out, text, spot, LABEL_SCALE * ui, (255, 255, 255), box=_ROUTE_BGR)


def _key_strip(key: list[str], width: int, ui: float) -> np.ndarray:
    """The numbered zones' names, as many to a row as fit."""
    scale = LABEL_SCALE * ui
    rows, row, used = [], [], 0
    for item in key:
        w = text_size(item, scale)[0] + 12 * ui
        if row and used + w > width - 16 * ui:
            rows.append(row)
            row, used = [], 0
        row.append(item)
        used += w
    rows.append(row)
    h = text_size("0", scale)[1]
    strip = np.full((int(len(rows) * (h + 4 * ui) + 8 * ui), width, 3), 255, np.uint8)
    for i, items in enumerate(rows):
        x = 8 * ui
        for item in items:
            w = text_size(item, scale)[0]
            draw_text(strip, item, (x + w / 2, 4 * ui + i * (h + 4 * ui) + h / 2), scale, _TEXT_BGR, box=None)
            x += w + 12 * ui
    return strip


def draw_colour_bar(scale: HeatScale, caption: str, width: int, ui: float = 1.0) -> np.ndarray:
    """The colour scale as a strip: caption, the bar, and its values in ``caption``'s unit."""
    text_scale = LABEL_SCALE * ui
    h = text_size("0", text_scale)[1]
    bar_h, pad = int(14 * ui), int(8 * ui)
    bar_w = int(min(width - 2 * pad - 40 * ui, 520 * ui))
    strip = np.full((pad + h + 4 + bar_h + 4 + h + pad, width, 3), 255, np.uint8)
    x0, y0 = pad, pad + h + 4
    draw_text(strip, caption, (x0 + text_size(caption, text_scale)[0] / 2 - 3, pad + h / 2), text_scale, box=None)
    strip[y0 : y0 + bar_h, x0 : x0 + bar_w] = heat_bgr(np.linspace(0, 1, bar_w))[None, :, :]
    for value, text in colour_bar_ticks(scale.top):
        x = x0 + value / scale.top * (bar_w - 1) if scale.top > 0 else x0
        cv2.line(strip, (int(x), y0 + bar_h), (int(x), y0 + bar_h + 3), _TEXT_BGR, 1)
        half = text_size(text, text_scale)[0] / 2  # the end marks stay on the picture
        draw_text(strip, text, (min(max(x, half), width - half), y0 + bar_h + 4 + h / 2), text_scale, box=None)
    return strip


def colour_bar_ticks(top: float) -> list[tuple[float, str]]:
    """Round values along a bar from 0 to ``top`` (1, 2 or 5 times a power of ten apart, at
    most 5 of them, none crowding the top), then ``top`` itself marked "+" (hotter is drawn alike).

    >>> colour_bar_ticks(705.5)
    [(0.0, '0'), (200.0, '200'), (400.0, '400'), (600.0, '600'), (705.5, '706+')]
    """
    if top <= 0:
        return [(0.0, "0")]
    step = next(
        m * 10**e for e in range(int(np.floor(np.log10(top))) - 1, 99) for m in (1, 2, 5) if top / (m * 10**e) <= 5
    )
    values = np.arange(0.0, top * 0.88, step)
    return [(float(v), f"{v:,.{_decimals(step)}f}") for v in values] + [(top, f"{top:,.{_decimals(step)}f}+")]


def _decimals(step: float) -> int:
    return max(0, -int(np.floor(np.log10(step))))


def stack_panels(panels: Sequence[np.ndarray]) -> np.ndarray:
    """Pictures one under another, each padded with white to the widest."""
    width = max(p.shape[1] for p in panels)
    padded = [np.pad(p, ((0, 0), (0, width - p.shape[1]), (0, 0)), constant_values=255) for p in panels]
    return np.concatenate(padded, axis=0)
