"""Answers for people: stats for a time range, heatmap pictures."""

from storelens.reports.heatmap import HeatmapReport, heatmap_report, render_report, write_heatmap_png
from storelens.reports.stats import StoreStats, store_stats

__all__ = ["HeatmapReport", "StoreStats", "heatmap_report", "render_report", "store_stats", "write_heatmap_png"]
