"""Frames for people to look at: annotated video with every face pixelated."""

from storelens.render.annotate import TrackAnnotator, VideoWriterSink, track_colors
from storelens.render.blur import blur_heads, head_regions_px

__all__ = ["TrackAnnotator", "VideoWriterSink", "blur_heads", "head_regions_px", "track_colors"]
