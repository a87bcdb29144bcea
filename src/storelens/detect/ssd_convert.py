"""Convert the network part of a TF object-detection-API SSD graph to ONNX, without TensorFlow.

Only the convolutional core is converted: from the normalised image (the output of the
``Preprocessor/`` scope) to the raw box encodings and class logits (``concat`` / ``concat_1``).
Resizing, anchors, box decoding and NMS are cheap and are done in numpy (see ``ssd_decode``),
which keeps the set of TF ops to translate small: what ``SUPPORTED_OPS`` lists, and anything
else on that path is reported by name.

The ONNX graph works in NCHW. Every TF value on the path is one of:

* a numpy array -- anything that does not depend on the image (weights, batch-norm statistics,
  shape arithmetic) is folded at conversion time;
* a ``_PendingConv`` -- a convolution whose weights and bias may still absorb the per-channel
  ``Mul``/``Add``/``Sub``/``BiasAdd`` that follow it (TF's unfused batch norm);
* a ``_Sym`` -- a tensor computed by an emitted ONNX node.

Optionally only some classes' logits are kept: the class-prediction convolutions then compute
just those output channels. With sigmoid scores other classes do not affect the kept ones, and
for SSD-MobileNetV2 the 3x3 class heads over 91 classes cost more than the backbone, so keeping
only "person" more than halves the work per frame.
"""

from __future__ import annotations

import collections
import logging
import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace

import numpy as np
import onnx
from onnx import TensorProto, helper, numpy_helper

from storelens.detect.tf_graph import TfNode
from storelens.errors import DetectorError

__all__ = [
    "CONVERTER_VERSION",
    "SUPPORTED_OPS",
    "FeatureMap",
    "SsdGraphNames",
    "SsdModelInfo",
    "convert_ssd",
]

logger = logging.getLogger(__name__)

CONVERTER_VERSION = 2
"""Bump whenever the emitted ONNX changes, so cached conversions are redone."""

ONNX_OPSET = 17
ONNX_IR_VERSION = 8
"""The IR version that goes with opset 17; newer onnx packages default to IRs older runtimes reject."""
INPUT_NAME = "image"
BOX_OUTPUT = "box_encodings"
CLASS_OUTPUT = "class_logits"
_META_FEATURE_MAPS = "storelens.feature_maps"
_META_INPUT_SIZE = "storelens.input_size"
_META_EXPORT_SIZE = "storelens.export_size"
_META_CLASS_IDS = "storelens.class_ids"


@dataclass(frozen=True, slots=True)
class SsdGraphNames:
    """Where the convertible part of a TF OD-API SSD graph starts and ends.

    Attributes:
        image: Node whose output is the resized image normalised to [-1, 1], NHWC float.
        boxes: Node whose output holds the (1, anchors, 1, 4) box encodings (ty, tx, th, tw).
        classes: Node whose output holds the (1, anchors, classes) class logits, background first.
    """

    image: str = "Preprocessor/sub"
    boxes: str = "concat"
    classes: str = "concat_1"


@dataclass(frozen=True, slots=True)
class FeatureMap:
    """One SSD prediction layer: a height x width grid with ``anchors`` boxes per cell."""

    height: int
    width: int
    anchors: int


@dataclass(frozen=True, slots=True)
class SsdModelInfo:
    """What a converted model needs for decoding, stored in its ONNX metadata.

    Attributes:
        input_size: Side of the square network input, pixels.
        export_size: Input side the TF graph was exported (and trained) for, pixels.
        feature_maps: Prediction layers in output order.
        class_ids: Kept TF class ids as written by the converter ("1", "2,1") or "all".
    """

    input_size: int
    export_size: int
    feature_maps: list[FeatureMap]
    class_ids: str

    def to_metadata(self) -> dict[str, str]:
        return {
            _META_INPUT_SIZE: str(self.input_size),
            _META_EXPORT_SIZE: str(self.export_size),
            _META_FEATURE_MAPS: ";".join(f"{f.height},{f.width},{f.anchors}" for f in self.feature_maps),
            _META_CLASS_IDS: self.class_ids,
        }

    @classmethod
    def from_metadata(cls, meta: dict[str, str]) -> SsdModelInfo:
        """Raises DetectorError if the model was not written by ``convert_ssd``."""
        try:
            maps = [FeatureMap(*map(int, part.split(","))) for part in meta[_META_FEATURE_MAPS].split(";")]
            return cls(int(meta[_META_INPUT_SIZE]), int(meta[_META_EXPORT_SIZE]), maps, meta[_META_CLASS_IDS])
        except (KeyError, ValueError, TypeError) as err:
            raise DetectorError(
                f"converted SSD model lacks storelens metadata ({err}); delete it to reconvert"
            ) from err


@dataclass(frozen=True, slots=True)
class _Sym:
    """A tensor produced by the ONNX graph.

    Attributes:
        name: ONNX tensor name.
        shape: Static shape in TF terms (NHWC for 4-D).
        nchw: True if a 4-D tensor is stored transposed to NCHW in ONNX.
    """

    name: str
    shape: tuple[int, ...]
    nchw: bool


@dataclass(frozen=True, slots=True)
class _PendingConv:
    """A convolution not emitted yet, so following per-channel affine ops fold into it.

    Attributes:
        x: NCHW input.
        w: (out, in / group, kh, kw) float64 weights.
        b: (out,) float64 bias.
        shape: Output shape in TF terms, (1, h, w, out).
    """

    name: str
    x: _Sym
    w: np.ndarray
    b: np.ndarray
    strides: tuple[int, int]
    pads: tuple[int, int, int, int]
    group: int
    shape: tuple[int, ...]


_Value = np.ndarray | _Sym | _PendingConv


def _shape_of(v: _Value) -> tuple[int, ...]:
    return tuple(v.shape)


class _Builder:
    """Collects ONNX nodes and initializers and converts values between representations."""

    def __init__(self) -> None:
        self.nodes: list[onnx.NodeProto] = []
        self.initializers: list[onnx.TensorProto] = []
        self._emitted: dict[int, _Sym] = {}  # id(_PendingConv) -> its emitted output
        self._names: set[str] = set()

    def unique(self, name: str) -> str:
        base, i = name, 1
        while name in self._names:
            name, i = f"{base}_{i}", i + 1
        self._names.add(name)
        return name

    def constant(self, name: str, array: np.ndarray) -> str:
        name = self.unique(name)
        self.initializers.append(numpy_helper.from_array(np.ascontiguousarray(array), name))
        return name

    def emit(self, op: str, inputs: Sequence[str], name: str, **attrs: object) -> str:
        out = self.unique(name)
        self.nodes.append(helper.make_node(op, list(inputs), [out], name=out, **attrs))
        return out

    def materialise(self, v: _Value) -> _Sym:
        if isinstance(v, _Sym):
            return v
        if isinstance(v, np.ndarray):
            raise DetectorError("internal: a constant reached a tensor-only position in the SSD graph")
        if id(v) not in self._emitted:
            w = self.constant(f"{v.name}/W", v.w.astype(np.float32))
            b = self.constant(f"{v.name}/B", v.b.astype(np.float32))
            out = self.emit(
                "Conv",
                [v.x.name, w, b],
                v.name,
                kernel_shape=list(v.w.shape[2:]),
                strides=list(v.strides),
                pads=list(v.pads),
                group=v.group,
            )
            self._emitted[id(v)] = _Sym(out, v.shape, nchw=True)
        return self._emitted[id(v)]

    def nchw(self, v: _Value) -> _Sym:
        s = self.materialise(v)
        if s.nchw or len(s.shape) != 4:
            return s
        return _Sym(self.emit("Transpose", [s.name], f"{s.name}/nchw", perm=[0, 3, 1, 2]), s.shape, True)

    def tf_layout(self, v: _Value) -> _Sym:
        s = self.materialise(v)
        if not s.nchw:
            return s
        return _Sym(self.emit("Transpose", [s.name], f"{s.name}/nhwc", perm=[0, 2, 3, 1]), s.shape, False)


# --- ops on constants (folded at conversion time) -------------------------------------------


def _strided_slice(
    node: TfNode, x: np.ndarray, begin: np.ndarray, end: np.ndarray, step: np.ndarray
) -> np.ndarray:
    a = node.attrs
    if a.get("ellipsis_mask") or a.get("new_axis_mask"):
        raise DetectorError(f"{node.name}: StridedSlice with ellipsis/new-axis masks is not supported")
    index: list[int | slice] = []
    for i in range(len(begin)):
        if (a.get("shrink_axis_mask", 0) >> i) & 1:
            index.append(int(begin[i]))
            continue
        b = None if (a.get("begin_mask", 0) >> i) & 1 else int(begin[i])
        e = None if (a.get("end_mask", 0) >> i) & 1 else int(end[i])
        index.append(slice(b, e, int(step[i])))
    return np.asarray(x[tuple(index)])


_FOLD: dict[str, Callable[..., np.ndarray]] = {
    "Const": lambda node: np.asarray(node.attrs["value"]),
    "Identity": lambda node, x: x,
    "Rsqrt": lambda node, x: (1.0 / np.sqrt(x)).astype(x.dtype),
    "Mul": lambda node, x, y: np.multiply(x, y),
    "Add": lambda node, x, y: np.add(x, y),
    "AddV2": lambda node, x, y: np.add(x, y),
    "Sub": lambda node, x, y: np.subtract(x, y),
    "StridedSlice": _strided_slice,
    "Pack": lambda node, *xs: np.stack(xs, axis=node.attrs.get("axis", 0)),
}
"""Ops evaluated with numpy when all their inputs are constants."""


# --- ops on image-dependent tensors (emitted as ONNX) ---------------------------------------


def _same_pads(size: int, kernel: int, stride: int) -> tuple[int, int]:
    """TF 'SAME' padding for one axis: (before, after); the odd pixel goes after."""
    out = math.ceil(size / stride)
    total = max((out - 1) * stride + kernel - size, 0)
    return total // 2, total - total // 2


def _conv(builder: _Builder, node: TfNode, x: _Value, w_tf: np.ndarray, depthwise: bool) -> _PendingConv:
    a = node.attrs
    if a.get("data_format", "NHWC") != "NHWC":
        raise DetectorError(f"{node.name}: data_format {a['data_format']} is not supported")
    if any(d != 1 for d in a.get("dilations", [1, 1, 1, 1])):
        raise DetectorError(f"{node.name}: dilated convolutions are not supported")
    if not isinstance(w_tf, np.ndarray):
        raise DetectorError(f"{node.name}: convolution weights computed from the image are not supported")
    xs = builder.nchw(x)
    _, h, w, c = xs.shape
    kh, kw = w_tf.shape[:2]
    sh, sw = a["strides"][1:3]
    if a["padding"] == "SAME":
        (top, bottom), (left, right) = _same_pads(h, kh, sh), _same_pads(w, kw, sw)
    elif a["padding"] == "VALID":
        top = bottom = left = right = 0
    else:
        raise DetectorError(f"{node.name}: padding {a['padding']} is not supported")
    if depthwise:  # TF (kh, kw, in, mult) -> ONNX (in * mult, 1, kh, kw), output i*mult + m
        weights = w_tf.reshape(kh, kw, -1).transpose(2, 0, 1)[:, None].astype(np.float64)
        group = c
    else:  # TF HWIO -> ONNX OIHW
        weights = w_tf.transpose(3, 2, 0, 1).astype(np.float64)
        group = 1
    out_h = (h + top + bottom - kh) // sh + 1
    out_w = (w + left + right - kw) // sw + 1
    return _PendingConv(
        name=node.name,
        x=xs,
        w=weights,
        b=np.zeros(len(weights)),
        strides=(sh, sw),
        pads=(top, left, bottom, right),
        group=group,
        shape=(xs.shape[0], out_h, out_w, len(weights)),
    )


def _channel_vector(c: np.ndarray, channels: int) -> np.ndarray | None:
    """``c`` as a (channels,) float64 vector if it broadcasts over the channel axis only."""
    if c.size == 1:
        return np.full(channels, float(c.reshape(())))
    if c.shape[-1:] == (channels,) and c.size == channels:
        return c.reshape(channels).astype(np.float64)
    return None


def _affine(builder: _Builder, node: TfNode, x: _Value, y: _Value) -> _Value:
    """Mul / Add / Sub / BiasAdd with at least one image-dependent input."""
    op = node.op
    if op in ("Add", "AddV2") and not isinstance(x, np.ndarray) and not isinstance(y, np.ndarray):
        xs, ys = builder.nchw(x), builder.nchw(y)
        if xs.shape != ys.shape:
            raise DetectorError(f"{node.name}: broadcasting Add {xs.shape} + {ys.shape} is not supported")
        return _Sym(builder.emit("Add", [xs.name, ys.name], node.name), xs.shape, xs.nchw)
    if isinstance(x, np.ndarray) and op in ("Mul", "Add", "AddV2"):
        x, y = y, x  # commutative: put the tensor first
    if isinstance(x, _PendingConv) and isinstance(y, np.ndarray):
        vec = _channel_vector(y, len(x.b))
        if vec is not None:
            if op == "Mul":
                return replace(x, name=node.name, w=x.w * vec[:, None, None, None], b=x.b * vec)
            return replace(x, name=node.name, b=x.b - vec if op == "Sub" else x.b + vec)
    raise DetectorError(
        f"{node.name}: {op} of {type(x).__name__} and {type(y).__name__} cannot be folded into a "
        "convolution; this converter only handles per-channel affine ops after Conv2D"
    )


def _relu6(builder: _Builder, node: TfNode, x: _Value) -> _Sym:
    s = builder.materialise(x)
    lo = builder.constant(f"{node.name}/min", np.array(0.0, np.float32))
    hi = builder.constant(f"{node.name}/max", np.array(6.0, np.float32))
    return replace(s, name=builder.emit("Clip", [s.name, lo, hi], node.name))


def _reshape(builder: _Builder, node: TfNode, x: _Value, shape: np.ndarray) -> _Sym:
    if not isinstance(shape, np.ndarray):
        raise DetectorError(f"{node.name}: Reshape to an image-dependent shape is not supported")
    s = builder.tf_layout(x)
    target = [int(d) for d in shape]
    if target.count(-1) == 1:
        target[target.index(-1)] = math.prod(s.shape) // -math.prod(target)
    if math.prod(target) != math.prod(s.shape):
        raise DetectorError(f"{node.name}: cannot reshape {s.shape} to {tuple(target)}")
    shape_name = builder.constant(f"{node.name}/shape", np.array(target, np.int64))
    return _Sym(builder.emit("Reshape", [s.name, shape_name], node.name), tuple(target), False)


def _concat(builder: _Builder, node: TfNode, *args: _Value) -> _Sym:
    *xs, axis = args
    if not isinstance(axis, np.ndarray):
        raise DetectorError(f"{node.name}: ConcatV2 axis must be a constant")
    parts = [builder.tf_layout(x) for x in xs]
    rank = len(parts[0].shape)
    ax = int(axis) % rank
    shape = list(parts[0].shape)
    shape[ax] = sum(p.shape[ax] for p in parts)
    out = builder.emit("Concat", [p.name for p in parts], node.name, axis=ax)
    return _Sym(out, tuple(shape), False)


_EMIT: dict[str, Callable[..., _Value]] = {
    "Identity": lambda b, node, x: x,
    "Shape": lambda b, node, x: np.array(_shape_of(x), dtype=node.attrs.get("out_type", np.int32)),
    "Conv2D": lambda b, node, x, w: _conv(b, node, x, w, depthwise=False),
    "DepthwiseConv2dNative": lambda b, node, x, w: _conv(b, node, x, w, depthwise=True),
    "BiasAdd": _affine,
    "Mul": _affine,
    "Add": _affine,
    "AddV2": _affine,
    "Sub": _affine,
    "Relu6": _relu6,
    "Reshape": _reshape,
    "ConcatV2": _concat,
}
"""Ops with an image-dependent input, translated to ONNX (or folded into a convolution)."""

SUPPORTED_OPS = frozenset(_FOLD) | frozenset(_EMIT)


# --- graph walk -----------------------------------------------------------------------------


def _source(tensor: str) -> str:
    """Node name of a TF tensor reference; only output 0 is ever needed on the SSD path."""
    name, _, index = tensor.partition(":")
    if index not in ("", "0"):
        raise DetectorError(f"tensor {tensor}: only the first output of a node is supported")
    return name


def _needed_nodes(by_name: dict[str, TfNode], outputs: Sequence[str], stop: str) -> list[TfNode]:
    """Nodes ``outputs`` depend on, not looking past ``stop``, in dependency order."""
    order: list[TfNode] = []
    state: dict[str, bool] = {}  # False: being visited, True: done
    stack: list[tuple[str, bool]] = [(o, False) for o in reversed(outputs)]
    while stack:
        name, expanded = stack.pop()
        if expanded:
            state[name] = True
            order.append(by_name[name])
            continue
        if name in state:
            continue
        if name not in by_name:
            raise DetectorError(f"graph has no node {name!r}; is this a TF object-detection SSD graph?")
        state[name] = False
        stack.append((name, True))
        if name == stop:
            continue
        for inp in by_name[name].inputs:
            if not inp.startswith("^") and _source(inp) not in state:
                stack.append((_source(inp), False))
    return order


def _input_size(by_name: dict[str, TfNode]) -> int:
    """Side of the square image the preprocessor resizes to, read from its resize op."""
    for node in by_name.values():
        if node.op == "ResizeBilinear" and node.name.startswith("Preprocessor/"):
            size_node = by_name.get(_source(node.inputs[1]))
            if size_node is not None and size_node.op == "Const":
                h, w = (int(v) for v in size_node.attrs["value"])
                if h != w:
                    raise DetectorError(f"SSD graph resizes to {h}x{w}; only square inputs are supported")
                return h
    raise DetectorError("SSD graph has no constant-size Preprocessor resize; cannot tell its input size")


def _head_reshape_args(
    node: TfNode, conv: _Value, shape: np.ndarray, class_ids: Sequence[int] | None
) -> tuple[_Value, np.ndarray]:
    """Adapt the Reshape that flattens one prediction head to (1, grid cells x anchors, ...).

    TF bakes the anchor count of the export size into the target shape; it is recomputed (-1) so
    the graph also converts for other input sizes. For a class head with ``class_ids``, the conv
    (whose channels are anchors x classes, class fastest) computes only those classes.
    """
    shape = shape.copy()
    shape[1] = -1
    if class_ids is None:
        return conv, shape
    num_classes = int(shape[-1])
    if not isinstance(conv, _PendingConv) or len(conv.b) % num_classes:
        raise DetectorError(
            f"{node.name}: class selection needs a convolution with anchors x {num_classes} outputs"
        )
    anchors = len(conv.b) // num_classes
    keep = (np.arange(anchors)[:, None] * num_classes + np.asarray(class_ids)[None, :]).ravel()
    shape[-1] = len(class_ids)
    return replace(conv, w=conv.w[keep], b=conv.b[keep], shape=(*conv.shape[:3], len(keep))), shape


def convert_ssd(
    nodes: Sequence[TfNode],
    names: SsdGraphNames = SsdGraphNames(),
    class_ids: Sequence[int] | None = None,
    input_size: int | None = None,
) -> onnx.ModelProto:
    """Translate the SSD network core to an ONNX model.

    Args:
        nodes: The frozen graph, from ``tf_graph.read_graph_def``.
        names: Where the part to convert starts and ends.
        class_ids: Class logits to keep (TF label space, 0 = background); None keeps all.
        input_size: Side S of the square network input; None uses the size the graph was
            exported for (its preprocessor's resize). Feature-map grids follow from S.

    Returns:
        A model with input ``image`` (1, 3, S, S) float32 RGB normalised to [-1, 1] and outputs
        ``box_encodings`` (1, anchors, 4) float32 (ty, tx, th, tw) and ``class_logits``
        (1, anchors, classes kept) float32. Its metadata holds an ``SsdModelInfo``.

    Raises:
        DetectorError: The graph has ops or patterns this converter does not handle.
    """
    by_name = {n.name: n for n in nodes}
    export_size = _input_size(by_name)
    size = input_size or export_size
    order = _needed_nodes(by_name, [names.boxes, names.classes], stop=names.image)
    path = [n for n in order if n.name != names.image]
    histogram = collections.Counter(n.op for n in path)
    logger.info("SSD core: %d TF nodes, ops %s", len(path), dict(histogram.most_common()))
    unsupported = sorted(set(histogram) - SUPPORTED_OPS)
    if unsupported:
        raise DetectorError(f"SSD graph uses ops this converter does not support: {', '.join(unsupported)}")

    builder = _Builder()
    values: dict[str, _Value] = {names.image: _Sym(INPUT_NAME, (1, size, size, 3), nchw=True)}
    box_heads = [_source(i) for i in by_name[names.boxes].inputs[:-1]]
    class_heads = {_source(i) for i in by_name[names.classes].inputs[:-1]}
    for node in path:
        args = [values[_source(i)] for i in node.inputs if not i.startswith("^")]
        if node.op == "Reshape" and (node.name in class_heads or node.name in box_heads):
            keep = class_ids if node.name in class_heads else None
            args = list(_head_reshape_args(node, *args, class_ids=keep))
        if all(isinstance(a, np.ndarray) for a in args) and node.op in _FOLD:
            values[node.name] = _FOLD[node.op](node, *args)
        elif node.op in _EMIT:
            values[node.name] = _EMIT[node.op](builder, node, *args)
        else:
            raise DetectorError(f"{node.name}: {node.op} on an image-dependent tensor is not supported")

    boxes = builder.tf_layout(values[names.boxes])
    classes = builder.tf_layout(values[names.classes])
    anchors = boxes.shape[1]
    box_shape = builder.constant("box_shape", np.array([1, anchors, boxes.shape[-1]], np.int64))
    builder.nodes.append(helper.make_node("Reshape", [boxes.name, box_shape], [BOX_OUTPUT], name=BOX_OUTPUT))
    builder.nodes.append(helper.make_node("Identity", [classes.name], [CLASS_OUTPUT], name=CLASS_OUTPUT))

    feature_maps = [_feature_map(values, by_name[h]) for h in box_heads]
    if sum(f.height * f.width * f.anchors for f in feature_maps) != anchors:
        raise DetectorError("SSD box heads do not add up to the concatenated anchors")
    graph = helper.make_graph(
        builder.nodes,
        "ssd_core",
        [helper.make_tensor_value_info(INPUT_NAME, TensorProto.FLOAT, [1, 3, size, size])],
        [
            helper.make_tensor_value_info(BOX_OUTPUT, TensorProto.FLOAT, [1, anchors, boxes.shape[-1]]),
            helper.make_tensor_value_info(CLASS_OUTPUT, TensorProto.FLOAT, list(classes.shape)),
        ],
        initializer=builder.initializers,
    )
    model = helper.make_model(
        graph,
        opset_imports=[helper.make_opsetid("", ONNX_OPSET)],
        ir_version=ONNX_IR_VERSION,
        producer_name="storelens",
    )
    info = SsdModelInfo(
        input_size=size,
        export_size=export_size,
        feature_maps=feature_maps,
        class_ids="all" if class_ids is None else ",".join(map(str, class_ids)),
    )
    helper.set_model_props(model, info.to_metadata())
    onnx.checker.check_model(model)
    logger.info(
        "SSD core converted: %d ONNX nodes, input %dx%d, %d anchors", len(builder.nodes), size, size, anchors
    )
    return model


def _feature_map(values: dict[str, _Value], head: TfNode) -> FeatureMap:
    """Grid and anchors per cell of one box head, from the conv its Reshape flattens."""
    if head.op != "Reshape":
        raise DetectorError(f"{head.name}: expected a Reshape of a box-encoding convolution")
    _, h, w, channels = _shape_of(values[_source(head.inputs[0])])
    code_size = _shape_of(values[head.name])[-1]
    return FeatureMap(h, w, channels // code_size)
