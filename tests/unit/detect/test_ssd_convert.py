"""The TF-SSD -> ONNX converter on a tiny synthetic graph, checked against numpy TF semantics."""

from __future__ import annotations

import math

import numpy as np
import onnxruntime as ort
import pytest

from storelens.detect.ssd_convert import FeatureMap, SsdModelInfo, convert_ssd
from storelens.detect.tf_graph import TfNode
from storelens.errors import DetectorError

EXPORT_SIZE = 8  # even side + stride 2 + 3x3 kernel: TF pads 0 before, 1 after
ANCHORS = 2
CLASSES = 3
CHANNELS = 4


def _tf_conv(x: np.ndarray, w: np.ndarray, stride: int, depthwise: bool = False) -> np.ndarray:
    """TF Conv2D / DepthwiseConv2dNative, NHWC, 'SAME' padding, batch of one, float64."""
    h, wd, _ = x.shape
    kh, kw = w.shape[:2]
    oh, ow = math.ceil(h / stride), math.ceil(wd / stride)
    ph, pw = max((oh - 1) * stride + kh - h, 0), max((ow - 1) * stride + kw - wd, 0)
    xp = np.pad(x, ((ph // 2, ph - ph // 2), (pw // 2, pw - pw // 2), (0, 0)))
    out = []
    for i in range(oh):
        for j in range(ow):
            patch = xp[i * stride : i * stride + kh, j * stride : j * stride + kw]
            if depthwise:
                out.append(np.einsum("hwc,hwcm->cm", patch, w).reshape(-1))
            else:
                out.append(np.einsum("hwc,hwco->o", patch, w))
    return np.array(out).reshape(oh, ow, -1)


def _const(name: str, value: np.ndarray | int | list) -> TfNode:
    arr = np.asarray(value)
    return TfNode(name, "Const", (), {"value": arr, "dtype": arr.dtype})


def _conv_attrs(stride: int, padding: str = "SAME") -> dict:
    return {
        "strides": [1, stride, stride, 1],
        "padding": padding,
        "data_format": "NHWC",
        "dilations": [1, 1, 1, 1],
    }


def _graph(
    rng: np.random.Generator, extra_op: str | None = None
) -> tuple[list[TfNode], dict[str, np.ndarray]]:
    """A miniature SSD: conv s2 + unfused batch norm + Relu6, depthwise + bias + Relu6, residual,
    then one box head and one class head reshaped through Shape/StridedSlice/Pack like TF does."""
    p = {
        "c1/w": rng.normal(size=(3, 3, 3, CHANNELS)),
        "c1/gamma": rng.uniform(0.5, 1.5, CHANNELS),
        "c1/beta": rng.normal(size=CHANNELS),
        "c1/mean": rng.normal(size=CHANNELS),
        "d/w": rng.normal(size=(3, 3, CHANNELS, 1)),
        "d/b": rng.normal(size=CHANNELS),
        "bh/w": rng.normal(size=(3, 3, CHANNELS, ANCHORS * 4)),
        "bh/b": rng.normal(size=ANCHORS * 4),
        "ch/w": rng.normal(size=(1, 1, CHANNELS, ANCHORS * CLASSES)),
        "ch/b": rng.normal(size=ANCHORS * CLASSES),
    }
    p = {k: v.astype(np.float32) for k, v in p.items()}
    cells = math.ceil(EXPORT_SIZE / 2) ** 2 * ANCHORS
    head_input = "res"
    nodes = [
        *(_const(k, v) for k, v in p.items()),
        _const("Preprocessor/resize/size", np.array([EXPORT_SIZE, EXPORT_SIZE], np.int32)),
        TfNode("Preprocessor/resize", "ResizeBilinear", ("image_tensor", "Preprocessor/resize/size"), {}),
        TfNode("Preprocessor/sub", "Sub", ("Preprocessor/resize", "Preprocessor/mean"), {}),
        TfNode("c1", "Conv2D", ("Preprocessor/sub", "c1/w"), _conv_attrs(2)),
        TfNode("c1/mul", "Mul", ("c1/gamma", "c1"), {}),  # constant first: order must not matter
        TfNode("c1/add", "Add", ("c1/mul", "c1/beta"), {}),
        TfNode("c1/sub", "Sub", ("c1/add", "c1/mean"), {}),
        TfNode("c1/relu", "Relu6", ("c1/sub",), {}),
        TfNode("d", "DepthwiseConv2dNative", ("c1/relu", "d/w"), _conv_attrs(1)),
        TfNode("d/bias", "BiasAdd", ("d", "d/b"), {"data_format": "NHWC"}),
        TfNode("d/relu", "Relu6", ("d/bias",), {}),
        TfNode("res", "Add", ("d/relu", "c1/relu"), {}),
        TfNode("bh", "Conv2D", (head_input, "bh/w"), _conv_attrs(1)),
        TfNode("bh/bias", "BiasAdd", ("bh", "bh/b"), {}),
        TfNode("bh/shape", "Shape", (head_input,), {"out_type": np.dtype(np.int32)}),
        _const("ss/begin", np.array([0], np.int32)),
        _const("ss/end", np.array([1], np.int32)),
        _const("ss/step", np.array([1], np.int32)),
        TfNode(
            "bh/batch", "StridedSlice", ("bh/shape", "ss/begin", "ss/end", "ss/step"), {"shrink_axis_mask": 1}
        ),
        _const("bh/cells", np.int32(cells)),
        _const("one", np.int32(1)),
        _const("four", np.int32(4)),
        TfNode("bh/stack", "Pack", ("bh/batch", "bh/cells", "one", "four"), {"axis": 0}),
        TfNode("bh/reshape", "Reshape", ("bh/bias", "bh/stack"), {}),
        _const("axis", np.int32(1)),
        TfNode("concat", "ConcatV2", ("bh/reshape", "axis"), {}),
        TfNode("ch", "Conv2D", (head_input, "ch/w"), _conv_attrs(1, "VALID")),
        TfNode("ch/bias", "BiasAdd", ("ch", "ch/b"), {}),
        _const("ch/shape", np.array([1, cells, CLASSES], np.int32)),
        TfNode("ch/reshape", "Reshape", ("ch/bias", "ch/shape"), {}),
        TfNode("concat_1", "ConcatV2", ("ch/reshape", "axis"), {}),
    ]
    if extra_op is not None:  # an op the converter does not know, between the trunk and the heads
        nodes.append(TfNode("odd", extra_op, ("res",), {}))
        nodes = [
            TfNode(
                n.name,
                n.op,
                tuple("odd" if (i == "res" and n.name in ("bh", "ch")) else i for i in n.inputs),
                n.attrs,
            )
            for n in nodes
        ]
    return nodes, p


def _reference(image: np.ndarray, p: dict[str, np.ndarray]) -> tuple[np.ndarray, np.ndarray]:
    """(anchors, 4) box encodings and (anchors, classes) logits as TF computes them."""
    p = {k: v.astype(np.float64) for k, v in p.items()}
    c1 = np.clip(_tf_conv(image, p["c1/w"], 2) * p["c1/gamma"] + p["c1/beta"] - p["c1/mean"], 0, 6)
    d = np.clip(_tf_conv(c1, p["d/w"], 1, depthwise=True) + p["d/b"], 0, 6)
    res = d + c1
    boxes = _tf_conv(res, p["bh/w"], 1) + p["bh/b"]
    classes = np.einsum("hwc,co->hwo", res, p["ch/w"][0, 0]) + p["ch/b"]
    return boxes.reshape(-1, 4), classes.reshape(-1, CLASSES)


def _run(model, image: np.ndarray) -> list[np.ndarray]:
    session = ort.InferenceSession(model.SerializeToString(), providers=["CPUExecutionProvider"])
    return session.run(None, {"image": image.transpose(2, 0, 1)[None].astype(np.float32)})


@pytest.mark.parametrize("input_size", [None, EXPORT_SIZE + 1])
def test_matches_tf_semantics(input_size: int | None):
    rng = np.random.default_rng(0)
    nodes, params = _graph(rng)
    side = input_size or EXPORT_SIZE
    image = rng.uniform(-1, 1, size=(side, side, 3))

    model = convert_ssd(nodes, input_size=input_size)
    boxes, logits = _run(model, image)

    want_boxes, want_logits = _reference(image, params)
    np.testing.assert_allclose(boxes[0], want_boxes, rtol=1e-4, atol=1e-4)
    np.testing.assert_allclose(logits[0], want_logits, rtol=1e-4, atol=1e-4)
    meta = {p.key: p.value for p in model.metadata_props}
    grid = math.ceil(side / 2)
    info = SsdModelInfo.from_metadata(meta)
    assert info == SsdModelInfo(side, EXPORT_SIZE, [FeatureMap(grid, grid, ANCHORS)], "all")


def test_keeps_only_requested_classes():
    rng = np.random.default_rng(1)
    nodes, params = _graph(rng)
    image = rng.uniform(-1, 1, size=(EXPORT_SIZE, EXPORT_SIZE, 3))

    model = convert_ssd(nodes, class_ids=[2, 1])
    _, logits = _run(model, image)

    np.testing.assert_allclose(logits[0], _reference(image, params)[1][:, [2, 1]], rtol=1e-4, atol=1e-4)
    assert {p.key: p.value for p in model.metadata_props}["storelens.class_ids"] == "2,1"


def test_batch_norm_and_bias_fold_into_convolutions():
    nodes, _ = _graph(np.random.default_rng(2))
    ops = sorted(n.op_type for n in convert_ssd(nodes).graph.node)
    # c1, depthwise, 2 heads; 2 Clip; residual Add; head transposes/reshapes/concats; output nodes
    assert ops.count("Conv") == 4
    assert not {"Mul", "Sub", "BatchNormalization"} & set(ops)
    assert ops.count("Add") == 1


def test_unsupported_op_is_named():
    nodes, _ = _graph(np.random.default_rng(3), extra_op="Tanh")
    with pytest.raises(DetectorError, match="Tanh"):
        convert_ssd(nodes)


def test_missing_output_node_is_reported():
    nodes, _ = _graph(np.random.default_rng(4))
    nodes = [n for n in nodes if n.name != "concat_1"]
    with pytest.raises(DetectorError, match="concat_1"):
        convert_ssd(nodes)
