"""Read a frozen TensorFlow GraphDef without installing TensorFlow.

TensorFlow is several hundred MB; all we need from it is the layout of five protobuf messages.
They are declared here at runtime (field numbers copied from TensorFlow's ``graph.proto``,
``node_def.proto``, ``attr_value.proto``, ``tensor.proto`` and ``tensor_shape.proto``) and
parsed with the ``protobuf`` package we already depend on. Fields we do not declare (function
library, versions, debug info, ...) are skipped by the parser.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path
from typing import Any

import numpy as np
from google.protobuf import descriptor_pb2, descriptor_pool, message_factory
from google.protobuf.message import DecodeError

from storelens.errors import DetectorError

__all__ = ["TfNode", "graph_def_class", "parse_graph_def", "read_graph_def"]

logger = logging.getLogger(__name__)

_DTYPES: dict[int, np.dtype] = {
    1: np.dtype(np.float32),  # DT_FLOAT
    2: np.dtype(np.float64),  # DT_DOUBLE
    3: np.dtype(np.int32),  # DT_INT32
    4: np.dtype(np.uint8),  # DT_UINT8
    5: np.dtype(np.int16),  # DT_INT16
    6: np.dtype(np.int8),  # DT_INT8
    7: np.dtype(object),  # DT_STRING
    9: np.dtype(np.int64),  # DT_INT64
    10: np.dtype(np.bool_),  # DT_BOOL
    17: np.dtype(np.uint16),  # DT_UINT16
    19: np.dtype(np.float16),  # DT_HALF
    22: np.dtype(np.uint32),  # DT_UINT32
    23: np.dtype(np.uint64),  # DT_UINT64
}
"""TensorFlow ``DataType`` enum value -> numpy dtype, for the types a frozen graph can hold."""

_F = descriptor_pb2.FieldDescriptorProto
_OPT, _REP = _F.LABEL_OPTIONAL, _F.LABEL_REPEATED
_PKG = "storelens_tf"

# (message name, [(field name, number, label, type, message type name or None)])
_MESSAGES: list[tuple[str, list[tuple[str, int, int, int, str | None]]]] = [
    ("Dim", [("size", 1, _OPT, _F.TYPE_INT64, None), ("name", 2, _OPT, _F.TYPE_STRING, None)]),
    (
        "TensorShapeProto",
        [("dim", 2, _REP, _F.TYPE_MESSAGE, "Dim"), ("unknown_rank", 3, _OPT, _F.TYPE_BOOL, None)],
    ),
    (
        "TensorProto",
        [
            ("dtype", 1, _OPT, _F.TYPE_INT32, None),  # DataType enum, read as its int value
            ("tensor_shape", 2, _OPT, _F.TYPE_MESSAGE, "TensorShapeProto"),
            ("tensor_content", 4, _OPT, _F.TYPE_BYTES, None),
            ("float_val", 5, _REP, _F.TYPE_FLOAT, None),
            ("double_val", 6, _REP, _F.TYPE_DOUBLE, None),
            ("int_val", 7, _REP, _F.TYPE_INT32, None),
            ("string_val", 8, _REP, _F.TYPE_BYTES, None),
            ("int64_val", 10, _REP, _F.TYPE_INT64, None),
            ("bool_val", 11, _REP, _F.TYPE_BOOL, None),
            ("half_val", 13, _REP, _F.TYPE_INT32, None),
            ("uint32_val", 16, _REP, _F.TYPE_UINT32, None),
            ("uint64_val", 17, _REP, _F.TYPE_UINT64, None),
        ],
    ),
    (
        "ListValue",
        [
            ("s", 2, _REP, _F.TYPE_BYTES, None),
            ("i", 3, _REP, _F.TYPE_INT64, None),
            ("f", 4, _REP, _F.TYPE_FLOAT, None),
            ("b", 5, _REP, _F.TYPE_BOOL, None),
            ("type", 6, _REP, _F.TYPE_INT32, None),
            ("shape", 7, _REP, _F.TYPE_MESSAGE, "TensorShapeProto"),
            ("tensor", 8, _REP, _F.TYPE_MESSAGE, "TensorProto"),
        ],
    ),
    (
        "AttrValue",
        [
            ("list", 1, _OPT, _F.TYPE_MESSAGE, "ListValue"),
            ("s", 2, _OPT, _F.TYPE_BYTES, None),
            ("i", 3, _OPT, _F.TYPE_INT64, None),
            ("f", 4, _OPT, _F.TYPE_FLOAT, None),
            ("b", 5, _OPT, _F.TYPE_BOOL, None),
            ("type", 6, _OPT, _F.TYPE_INT32, None),
            ("shape", 7, _OPT, _F.TYPE_MESSAGE, "TensorShapeProto"),
            ("tensor", 8, _OPT, _F.TYPE_MESSAGE, "TensorProto"),
            ("placeholder", 9, _OPT, _F.TYPE_STRING, None),
        ],
    ),
    # TF declares NodeDef.attr as map<string, AttrValue>; on the wire a map is a repeated
    # {key = 1, value = 2} message, which is what we declare.
    ("AttrEntry", [("key", 1, _OPT, _F.TYPE_STRING, None), ("value", 2, _OPT, _F.TYPE_MESSAGE, "AttrValue")]),
    (
        "NodeDef",
        [
            ("name", 1, _OPT, _F.TYPE_STRING, None),
            ("op", 2, _OPT, _F.TYPE_STRING, None),
            ("input", 3, _REP, _F.TYPE_STRING, None),
            ("device", 4, _OPT, _F.TYPE_STRING, None),
            ("attr", 5, _REP, _F.TYPE_MESSAGE, "AttrEntry"),
        ],
    ),
    ("GraphDef", [("node", 1, _REP, _F.TYPE_MESSAGE, "NodeDef")]),
]


@cache
def graph_def_class() -> type:
    """The GraphDef message class, built once from the declarations above.

    A private descriptor pool keeps these names from clashing with a real TensorFlow install.
    """
    fdp = descriptor_pb2.FileDescriptorProto(name=f"{_PKG}.proto", package=_PKG, syntax="proto3")
    for msg_name, msg_fields in _MESSAGES:
        msg = fdp.message_type.add(name=msg_name)
        if msg_name == "AttrValue":
            # TF wraps all AttrValue fields in ``oneof value``; declaring it gives them presence,
            # so an explicit ``i: 0`` or ``b: false`` is told apart from "no value".
            msg.oneof_decl.add(name="value")
        for name, number, label, ftype, type_name in msg_fields:
            f = msg.field.add(name=name, number=number, label=label, type=ftype)
            if type_name is not None:
                f.type_name = f".{_PKG}.{type_name}"
            if msg_name == "AttrValue":
                f.oneof_index = 0
    pool = descriptor_pool.DescriptorPool()
    pool.Add(fdp)
    return message_factory.GetMessageClass(pool.FindMessageTypeByName(f"{_PKG}.GraphDef"))


@dataclass(frozen=True, slots=True)
class TfNode:
    """One operation of a TensorFlow graph.

    Attributes:
        name: Unique node name, e.g. ``"FeatureExtractor/MobilenetV2/Conv/Conv2D"``.
        op: Operation type, e.g. ``"Conv2D"``.
        inputs: Input tensor names as TF writes them: ``"node"`` (output 0), ``"node:1"``, or
            ``"^node"`` for a control dependency.
        attrs: Attribute values decoded to python: bytes attrs as ``str``, ints, floats, bools,
            dtypes as numpy dtypes (the raw ``DataType`` enum int for TF-only types
            such as resources), shapes as tuples of ints (-1 = unknown), tensors as numpy
            arrays, lists as python lists of those.
    """

    name: str
    op: str
    inputs: tuple[str, ...]
    attrs: dict[str, Any] = field(repr=False)


def read_graph_def(path: Path) -> list[TfNode]:
    """Parse a binary frozen GraphDef file.

    Raises:
        DetectorError: The file cannot be read or is not a GraphDef.
    """
    try:
        data = Path(path).read_bytes()
    except OSError as err:
        raise DetectorError(f"cannot read TensorFlow graph {path}: {err.strerror}") from err
    return parse_graph_def(data, source=str(path))


def parse_graph_def(data: bytes, source: str = "GraphDef bytes") -> list[TfNode]:
    """Decode serialised GraphDef bytes into nodes, in file order.

    Raises:
        DetectorError: ``data`` is not a GraphDef; the message names ``source``.
    """
    graph = graph_def_class()()
    try:
        graph.ParseFromString(data)
    except DecodeError as err:
        raise DetectorError(f"{source} is not a valid frozen TensorFlow GraphDef: {err}") from err
    nodes = [
        TfNode(
            name=n.name,
            op=n.op,
            inputs=tuple(n.input),
            attrs={a.key: _attr_value(a.value) for a in n.attr},
        )
        for n in graph.node
    ]
    logger.debug("parsed GraphDef: %d nodes", len(nodes))
    return nodes


def _attr_value(value: Any) -> Any:
    kind = value.WhichOneof("value")
    if kind is None:
        return None
    if kind == "list":
        lst = value.list
        # A ListValue fills exactly one of its repeated fields, so concatenating them all
        # returns that one without having to ask which.
        return (
            [s.decode("utf-8", "replace") for s in lst.s]
            + list(lst.i)
            + list(lst.f)
            + list(lst.b)
            + [_attr_dtype(t) for t in lst.type]
            + [_shape(s) for s in lst.shape]
            + [_tensor(t) for t in lst.tensor]
        )
    raw = getattr(value, kind)
    if kind == "s":
        return raw.decode("utf-8", "replace")
    if kind == "type":
        return _attr_dtype(raw)
    if kind == "shape":
        return _shape(raw)
    if kind == "tensor":
        return _tensor(raw)
    return raw


def _attr_dtype(enum_value: int) -> np.dtype | int:
    """A type attribute as a numpy dtype, or its raw enum value for TF-only types.

    TF-only types (resource, variant, quantised) occur in the parts of a graph we never convert,
    so they must not stop the parse.
    """
    return _DTYPES.get(enum_value, enum_value)


def _dtype(enum_value: int) -> np.dtype:
    try:
        return _DTYPES[enum_value]
    except KeyError:
        raise DetectorError(f"unsupported TensorFlow dtype enum {enum_value}") from None


def _shape(shape: Any) -> tuple[int, ...] | None:
    if shape.unknown_rank:
        return None
    return tuple(int(d.size) for d in shape.dim)


def _tensor(t: Any) -> np.ndarray:
    """Decode a TensorProto; TF may store a repeated value once and broadcast it to the shape."""
    dtype = _dtype(t.dtype)
    shape = _shape(t.tensor_shape) or ()
    count = int(np.prod(shape, dtype=np.int64))
    if t.tensor_content:
        return np.frombuffer(t.tensor_content, dtype=dtype.newbyteorder("<")).astype(dtype).reshape(shape)
    if dtype == np.float16:
        values = np.asarray(t.half_val, np.uint16).view(np.float16)
    elif dtype.kind == "O":
        values = np.asarray(list(t.string_val), dtype=object)
    else:
        source = {
            np.dtype(np.float32): t.float_val,
            np.dtype(np.float64): t.double_val,
            np.dtype(np.int64): t.int64_val,
            np.dtype(np.bool_): t.bool_val,
            np.dtype(np.uint32): t.uint32_val,
            np.dtype(np.uint64): t.uint64_val,
        }.get(dtype, t.int_val)  # int32, int16, int8, uint8, uint16 all live in int_val
        values = np.asarray(source, dtype=dtype)
    if values.size == count:
        return values.reshape(shape)
    if values.size == 0:
        return np.zeros(shape, dtype)
    # Fewer values than elements: TF repeats the last one.
    out = np.empty(count, dtype)
    out[: values.size] = values
    out[values.size :] = values[-1]
    return out.reshape(shape)
