"""The heatmap report as the API serves it: the stored cells, and what the picture shows of them."""

from __future__ import annotations

import numpy as np

from storelens.api.schemas import (
    HeatmapOut,
    HeatScaleOut,
    SankeyLinkOut,
    SankeyNodeOut,
    SankeyOut,
    TransitionOut,
    ZoneHeatOut,
)
from storelens.api.timerange import TimeRange
from storelens.render.heatmap import HEAT_STOPS, colour_bar_ticks
from storelens.render.sankey import SankeyLayout
from storelens.reports.heatmap import HEAT_UNIT, HeatmapReport

__all__ = ["heatmap_out", "sankey_out"]


def sankey_out(layout: SankeyLayout, colours: dict[str, str]) -> SankeyOut:
    """The diagram's layout, for the dashboard to draw as the PNG does."""
    return SankeyOut(
        people=layout.people,
        all_people=layout.all_people,
        nodes=[SankeyNodeOut(zone=n.zone, side=n.side, people=n.people, y0=n.y0, y1=n.y1) for n in layout.nodes],
        links=[
            SankeyLinkOut(
                from_zone=lk.from_zone,
                to_zone=lk.to_zone,
                people=lk.people,
                from_y0=lk.from_y0,
                from_y1=lk.from_y1,
                to_y0=lk.to_y0,
                to_y1=lk.to_y1,
            )
            for lk in layout.links
        ],
        colours={zone: colours[zone] for zone in sorted({n.zone for n in layout.nodes}) if zone in colours},
    )


def heatmap_out(report: HeatmapReport, r: TimeRange, staff: bool) -> HeatmapOut:
    """``report`` for the API, times on the store's clock ``r.tz``."""
    stored, scale = report.stored, report.heat.scale
    rows, cols = stored.seconds.shape
    return HeatmapOut(
        start=report.start.astimezone(r.tz),
        end=report.end.astimezone(r.tz),
        camera=report.camera,
        staff=staff,
        cell_m=stored.cell_m,
        origin_xy_m=stored.origin_xy_m,
        rows=rows,
        cols=cols,
        seconds=np.round(stored.seconds, 3).tolist(),
        flow_dx=np.round(stored.flow_dx, 3).tolist(),
        flow_dy=np.round(stored.flow_dy, 3).tolist(),
        total_person_s=report.total_person_s,
        scale=HeatScaleOut(
            unit=HEAT_UNIT,
            top=scale.top,
            p95=scale.p95,
            p95_share=scale.p95_share,
            peak=scale.peak,
            colours=list(HEAT_STOPS),
            ticks=colour_bar_ticks(scale.top),
        ),
        zones=[
            ZoneHeatOut(
                name=z.name,
                kind=z.kind,
                minutes=z.minutes,
                minutes_per_m2=z.minutes_per_m2,
                visitors=z.visitors,
                share=z.share,
            )
            for z in report.zones
        ],
        left_out=report.left_out,
        visitors=report.visitors,
        routes=[TransitionOut(from_zone=rt.from_zone, to_zone=rt.to_zone, people=rt.people) for rt in report.routes],
        sankey=sankey_out(report.sankey, report.colours),
    )
