"""Pictures for people to look at: annotated video with every face pixelated, floor heatmaps."""

from storelens.render.annotate import TrackAnnotator, VideoWriterSink, track_colors
from storelens.render.blur import blur_heads, head_regions_px
from storelens.render.heatmap import FloorCanvas, render_heatmap

__all__ = [
    "FloorCanvas",
    "TrackAnnotator",
    "VideoWriterSink",
    "blur_heads",
    "head_regions_px",
    "render_heatmap",
    "track_colors",
]
