"""Pictures for people to look at: annotated video with every face pixelated, floor heatmaps."""

from storelens.render.annotate import TrackAnnotator, VideoWriterSink, track_colors
from storelens.render.anonymiser import Anonymiser
from storelens.render.blur import PrivacyMode, head_regions_px, hide_regions, silhouette_regions_px
from storelens.render.heatmap import FloorCanvas, render_heatmap

__all__ = [
    "Anonymiser",
    "FloorCanvas",
    "PrivacyMode",
    "TrackAnnotator",
    "VideoWriterSink",
    "head_regions_px",
    "hide_regions",
    "silhouette_regions_px",
    "render_heatmap",
    "track_colors",
]
