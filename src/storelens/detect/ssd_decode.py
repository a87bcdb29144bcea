"""SSD anchors and box decoding, as the TF object-detection API defines them.

The exported graph computes anchors with ~700 small ops; reproducing the generator's formula in
numpy is shorter and is checked against OpenCV's PriorBox (generated independently from the same
pipeline config) in the tests.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from storelens.detect.ssd_convert import FeatureMap
from storelens.errors import DetectorError

__all__ = ["AnchorConfig", "BoxCoder", "decode_boxes", "ssd_anchors"]


@dataclass(frozen=True, slots=True)
class AnchorConfig:
    """``ssd_anchor_generator`` settings of a TF OD-API pipeline config.

    Defaults are those of ssd_mobilenet_v2_coco_2018_03_29. The config writes 1/3 as 0.3333 and
    the graph uses exactly that.
    """

    min_scale: float = 0.2
    max_scale: float = 0.95
    aspect_ratios: tuple[float, ...] = (1.0, 2.0, 0.5, 3.0, 0.3333)
    interpolated_scale_aspect_ratio: float = 1.0
    reduce_boxes_in_lowest_layer: bool = True

    def box_specs(self, num_layers: int) -> list[list[tuple[float, float]]]:
        """Per layer, the (scale, aspect ratio) of each anchor in a grid cell, in TF's order."""
        step = (self.max_scale - self.min_scale) / max(num_layers - 1, 1)
        scales = [self.min_scale + step * i for i in range(num_layers)] + [1.0]
        specs = []
        for layer in range(num_layers):
            scale, next_scale = scales[layer], scales[layer + 1]
            if layer == 0 and self.reduce_boxes_in_lowest_layer:
                specs.append([(0.1, 1.0), (scale, 2.0), (scale, 0.5)])
                continue
            layer_specs = [(scale, ar) for ar in self.aspect_ratios]
            if self.interpolated_scale_aspect_ratio > 0:
                layer_specs.append((float(np.sqrt(scale * next_scale)), self.interpolated_scale_aspect_ratio))
            specs.append(layer_specs)
        return specs


@dataclass(frozen=True, slots=True)
class BoxCoder:
    """``faster_rcnn_box_coder`` scale factors: encodings are (ty, tx, th, tw) times these."""

    y_scale: float = 10.0
    x_scale: float = 10.0
    height_scale: float = 5.0
    width_scale: float = 5.0


def ssd_anchors(
    feature_maps: Sequence[FeatureMap], config: AnchorConfig = AnchorConfig(), anchor_scale: float = 1.0
) -> np.ndarray:
    """Anchors of all prediction layers, in the order the box predictor emits its rows.

    Order within a layer is grid row, grid column, anchor (TF's ``tile_anchors``). Anchors are
    in image-normalised units for a square input; grid stride 1/size and offset half a stride.

    Args:
        feature_maps: Prediction layers in output order.
        config: The anchor generator settings.
        anchor_scale: Multiplies anchor heights and widths (TF's ``base_anchor_size``). A
            convolutional net predicts boxes relative to the pixel size of anchors it was
            trained with, so running at input side S instead of the export side E needs E / S.

    Returns:
        (n, 4) float64 anchors as (y_center, x_center, height, width), all in [0, 1] units.

    Raises:
        DetectorError: A feature map's anchor count disagrees with the config.
    """
    parts = []
    for fm, specs in zip(feature_maps, config.box_specs(len(feature_maps)), strict=True):
        if len(specs) != fm.anchors:
            raise DetectorError(
                f"anchor config gives {len(specs)} anchors per cell, the model has {fm.anchors}"
            )
        scales, ratios = np.array(specs).T
        heights = scales / np.sqrt(ratios) * anchor_scale
        widths = scales * np.sqrt(ratios) * anchor_scale
        yc = (np.arange(fm.height) + 0.5) / fm.height
        xc = (np.arange(fm.width) + 0.5) / fm.width
        grid = np.empty((fm.height, fm.width, fm.anchors, 4))
        grid[..., 0] = yc[:, None, None]
        grid[..., 1] = xc[None, :, None]
        grid[..., 2] = heights
        grid[..., 3] = widths
        parts.append(grid.reshape(-1, 4))
    return np.concatenate(parts)


def decode_boxes(encodings: np.ndarray, anchors: np.ndarray, coder: BoxCoder = BoxCoder()) -> np.ndarray:
    """Turn box encodings relative to their anchors into corner boxes.

    Args:
        encodings: (n, 4) float (ty, tx, th, tw) as the network outputs them.
        anchors: (n, 4) float (y_center, x_center, height, width), normalised.

    Returns:
        (n, 4) float64 boxes (x1, y1, x2, y2) in normalised image units (not clipped).
    """
    enc = encodings.astype(np.float64)
    yc = enc[:, 0] / coder.y_scale * anchors[:, 2] + anchors[:, 0]
    xc = enc[:, 1] / coder.x_scale * anchors[:, 3] + anchors[:, 1]
    half_h = 0.5 * np.exp(enc[:, 2] / coder.height_scale) * anchors[:, 2]
    half_w = 0.5 * np.exp(enc[:, 3] / coder.width_scale) * anchors[:, 3]
    return np.stack([xc - half_w, yc - half_h, xc + half_w, yc + half_h], axis=1)
