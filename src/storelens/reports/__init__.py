"""Answers for people: stats for a time range, heatmap pictures."""

from storelens.reports.stats import StoreStats, store_stats, write_heatmap_png

__all__ = ["StoreStats", "store_stats", "write_heatmap_png"]
