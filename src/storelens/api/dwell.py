"""Zone visits over a range: how many, how long (percentiles and a histogram), and where shoppers went next."""

from __future__ import annotations

from collections import defaultdict

import numpy as np

from storelens.analytics import zone_paths
from storelens.api.heatmap import sankey_out
from storelens.api.schemas import DwellOut, HistogramBin, TransitionOut, ZoneReportOut, ZonesOut
from storelens.api.timerange import TimeRange
from storelens.config import StoreConfig
from storelens.render.sankey import sankey_layout, zone_colours
from storelens.reports.flows import staff_zones, store_people
from storelens.storage import StoreDatabase

__all__ = ["HISTOGRAM_EDGES_S", "zone_report"]

HISTOGRAM_EDGES_S = (0.0, 5.0, 15.0, 30.0, 60.0, 120.0, 300.0, 600.0, 1800.0)
"""Dwell bins: passing through (< 5 s), glancing, browsing, ... staying (30 min and more, open-ended)."""


def _dwell(seconds: np.ndarray) -> DwellOut | None:
    if not len(seconds):
        return None
    p25, p50, p75, p90, p95 = (float(v) for v in np.percentile(seconds, [25, 50, 75, 90, 95]))
    return DwellOut(mean=float(seconds.mean()), p25=p25, p50=p50, p75=p75, p90=p90, p95=p95, max=float(seconds.max()))


def _histogram(seconds: np.ndarray) -> list[HistogramBin]:
    edges = np.array([*HISTOGRAM_EDGES_S, np.inf])
    counts, _ = np.histogram(seconds, bins=edges)
    uppers = [*HISTOGRAM_EDGES_S[1:], None]
    return [HistogramBin(from_s=lo, to_s=hi, visits=int(n)) for lo, hi, n in zip(HISTOGRAM_EDGES_S, uppers, counts)]


def zone_report(config: StoreConfig, db: StoreDatabase, r: TimeRange) -> ZonesOut:
    """Every configured zone (and any other zone with stored visits), for visits that began in ``r``."""
    visits = db.zone_visits(r.start, r.end)
    dwell: dict[str, list[float]] = defaultdict(list)
    for v in visits:
        dwell[v.zone].append(v.dwell_s)
    kinds = {z.name: str(z.kind) for z in config.zones}
    names = list(kinds) + sorted(set(dwell) - set(kinds))
    zones = []
    for name in names:
        seconds = np.array(dwell.get(name, []), dtype=np.float64)
        zones.append(
            ZoneReportOut(
                name=name,
                kind=kinds.get(name),
                visits=len(seconds),
                dwell_s=_dwell(seconds),
                histogram=_histogram(seconds),
            )
        )
    skip = staff_zones(config)
    transitions, _ = zone_paths(store_people(visits), skip)
    return ZonesOut(
        start=r.start.astimezone(r.tz),
        end=r.end.astimezone(r.tz),
        zones=zones,
        transitions=[TransitionOut(from_zone=a, to_zone=b, people=n) for (a, b), n in transitions.most_common()],
        sankey=sankey_out(sankey_layout(transitions), zone_colours([z.name for z in config.zones])),
        left_out=sorted(skip),
    )
