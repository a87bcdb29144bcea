"""Pictures for people to look at: annotated video with every face pixelated, floor heatmaps.

Names are imported on first use (PEP 562): the anonymiser loads the detector and ONNX (a second
and a half), which drawing a heatmap or a report never needs.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
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

_MODULES = {
    "TrackAnnotator": "annotate",
    "VideoWriterSink": "annotate",
    "track_colors": "annotate",
    "Anonymiser": "anonymiser",
    "PrivacyMode": "blur",
    "head_regions_px": "blur",
    "hide_regions": "blur",
    "silhouette_regions_px": "blur",
    "FloorCanvas": "heatmap",
    "render_heatmap": "heatmap",
}


def __getattr__(name: str) -> Any:
    module = _MODULES.get(name)
    if module is None:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    value = getattr(importlib.import_module(f"{__name__}.{module}"), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted(__all__)
