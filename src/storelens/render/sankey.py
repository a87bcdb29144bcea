"""Zone-to-zone movement as a two-column Sankey diagram: where people came from, where they went next.

Moves between zones form loops (aisle -> display -> aisle), which a many-stage Sankey cannot
draw; two columns can: each move leaves a bar on the left (its zone) for a bar on the right
(the next zone), the ribbon as thick as the people who made it. The layout is plain numbers
(fractions of the diagram's height), so the dashboard draws the same diagram as the PNG.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import cv2
import numpy as np

from storelens.render.labels import LabelBoard, draw_text, text_size

__all__ = ["ZONE_PALETTE", "SankeyLayout", "SankeyLink", "SankeyNode", "draw_sankey", "sankey_layout", "zone_colours"]

ZONE_PALETTE = (
    "#4e79a7", "#f28e2b", "#59a14f", "#e15759", "#76b7b2", "#edc948",
    "#b07aa1", "#ff9da7", "#9c755f", "#bab0ac", "#1f3b73", "#8cd17d",
)  # fmt: skip
"""Zone colours, in config order: Tableau 10 (told apart by most eyes), then two more."""
TOP_MOVES = 12
"""Moves drawn: more ribbons than this tangle into a knot nobody reads."""
GAP = 0.03
"""Space between bars of a column, as a fraction of the diagram's height."""
_CURVE_STEPS = 32
_RIBBON_ALPHA = 0.45


@dataclass(frozen=True, slots=True)
class SankeyNode:
    """A zone's bar: ``side`` "from" (left) or "to" (right), spanning ``y0``-``y1`` (0 = top, 1 = bottom)."""

    zone: str
    side: str
    people: int
    y0: float
    y1: float


@dataclass(frozen=True, slots=True)
class SankeyLink:
    """A move: its ribbon spans ``from_y0``-``from_y1`` at the left bar and ``to_y0``-``to_y1`` at the right."""

    from_zone: str
    to_zone: str
    people: int
    from_y0: float
    from_y1: float
    to_y0: float
    to_y1: float


@dataclass(frozen=True, slots=True)
class SankeyLayout:
    """Bars and ribbons of the busiest moves; ``people`` of ``all_people`` moves are shown."""

    nodes: tuple[SankeyNode, ...]
    links: tuple[SankeyLink, ...]
    people: int
    all_people: int


def zone_colours(names: Sequence[str]) -> dict[str, str]:
    """Hex colour of each zone (by its place in ``names``, cycling through the palette)."""
    return {name: ZONE_PALETTE[i % len(ZONE_PALETTE)] for i, name in enumerate(names)}


def sankey_layout(transitions: Mapping[tuple[str, str], int], top_n: int = TOP_MOVES) -> SankeyLayout:
    """Lay out the ``top_n`` busiest moves: bars sorted busiest first down each column, ribbons
    stacked within a bar in the order of the bars they lead to (so few of them cross).

    >>> lay = sankey_layout({("door", "shelf"): 3, ("shelf", "till"): 1})
    >>> [(n.zone, n.side, n.people) for n in lay.nodes]
    [('door', 'from', 3), ('shelf', 'from', 1), ('shelf', 'to', 3), ('till', 'to', 1)]
    """
    moves = sorted(((ab, n) for ab, n in transitions.items() if n > 0), key=lambda kv: (-kv[1], kv[0]))
    shown = moves[:top_n]
    people = sum(n for _, n in shown)
    if not people:
        return SankeyLayout((), (), 0, 0)
    order: dict[str, list[str]] = {}
    totals: dict[str, dict[str, int]] = {}
    for side, k in (("from", 0), ("to", 1)):
        sums: dict[str, int] = {}
        for ab, n in shown:
            sums[ab[k]] = sums.get(ab[k], 0) + n
        totals[side] = sums
        order[side] = sorted(sums, key=lambda z: (-sums[z], z))
    per_person = (1.0 - GAP * (max(len(order["from"]), len(order["to"])) - 1)) / people
    nodes, top = [], {}
    for side in ("from", "to"):
        y = 0.0
        for zone in order[side]:
            h = totals[side][zone] * per_person
            nodes.append(SankeyNode(zone, side, totals[side][zone], y, y + h))
            top[side, zone] = y
            y += h + GAP
    rank = {side: {z: i for i, z in enumerate(order[side])} for side in order}
    starts = {}
    for (a, b), n in sorted(shown, key=lambda kv: (rank["from"][kv[0][0]], rank["to"][kv[0][1]])):
        starts[a, b] = top["from", a]
        top["from", a] += n * per_person
    links = []
    for (a, b), n in sorted(shown, key=lambda kv: (rank["to"][kv[0][1]], rank["from"][kv[0][0]])):
        h = n * per_person
        links.append(SankeyLink(a, b, n, starts[a, b], starts[a, b] + h, top["to", b], top["to", b] + h))
        top["to", b] += h
    links.sort(key=lambda lk: (-lk.people, lk.from_zone, lk.to_zone))
    return SankeyLayout(tuple(nodes), tuple(links), people, sum(n for _, n in moves))


def _bgr(hex_colour: str) -> tuple[int, int, int]:
    r, g, b = (int(hex_colour[i : i + 2], 16) for i in (1, 3, 5))
    return b, g, r


def draw_sankey(layout: SankeyLayout, colours: Mapping[str, str], width: int, ui: float = 1.0) -> np.ndarray:
    """The diagram as a BGR picture on white ``width`` pixels wide, tall enough for a readable
    label per bar; ``ui`` scales text and bars."""
    scale = 0.45 * ui
    bars = max(sum(n.side == "from" for n in layout.nodes), sum(n.side == "to" for n in layout.nodes))
    height = int(max(160 * ui, 1.6 * (bars + 1) * text_size("0", scale)[1]))
    image = np.full((height, width, 3), 255, np.uint8)
    label_w = max((text_size(f"{n.zone.replace('_', ' ')} {n.people:,}", scale)[0] for n in layout.nodes), default=0)
    bar_w = int(12 * ui)
    x_left, x_right = label_w + 6 * ui, width - label_w - 6 * ui - bar_w
    top, span = 4 * ui, height - 8 * ui

    def y(v: float) -> float:
        return top + v * span

    overlay = image.copy()
    t = np.linspace(0.0, 1.0, _CURVE_STEPS)
    ease = t * t * (3 - 2 * t)
    xs = x_left + bar_w + t * (x_right - x_left - bar_w)
    for link in layout.links:
        upper = y(link.from_y0) + ease * (y(link.to_y0) - y(link.from_y0))
        lower = y(link.from_y1) + ease * (y(link.to_y1) - y(link.from_y1))
        ribbon = np.concatenate([np.stack([xs, upper], 1), np.stack([xs, lower], 1)[::-1]])
        cv2.fillPoly(
            overlay, [np.round(ribbon).astype(np.int32)], _bgr(colours.get(link.from_zone, "#64748b")), cv2.LINE_AA
        )
    cv2.addWeighted(overlay, _RIBBON_ALPHA, image, 1 - _RIBBON_ALPHA, 0, dst=image)
    line_h = text_size("0", scale)[1]
    floor = {"from": 0.0, "to": 0.0}  # labels of a column stack downwards, never on one another
    for node in layout.nodes:
        x0 = x_left if node.side == "from" else x_right
        y0, y1 = y(node.y0), max(y(node.y1), y(node.y0) + 1)
        cv2.rectangle(
            image, (int(x0), int(y0)), (int(x0 + bar_w), int(y1)), _bgr(colours.get(node.zone, "#64748b")), -1
        )
        text = f"{node.zone.replace('_', ' ')} {node.people:,}"
        w = text_size(text, scale)[0]
        cx = x0 - 4 * ui - w / 2 if node.side == "from" else x0 + bar_w + 4 * ui + w / 2
        cy = max((y0 + y1) / 2, floor[node.side] + line_h / 2)
        floor[node.side] = cy + line_h / 2
        draw_text(image, text, (cx, cy), scale, box=None)
    board = LabelBoard(width, height)
    for link in layout.links:  # each count where its ribbon leaves its bar, before ribbons cross
        text = f"{link.people:,}"
        w, h = text_size(text, scale * 0.9)
        if y(link.from_y1) - y(link.from_y0) >= 0.8 * h:
            spot = (x_left + bar_w + 4 * ui + w / 2, (y(link.from_y0) + y(link.from_y1)) / 2)
            if board.place(text, [spot], scale * 0.9) is not None:
                draw_text(image, text, spot, scale * 0.9)
    return image
