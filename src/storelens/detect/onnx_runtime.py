"""ONNX Runtime sessions configured the way every storelens detector runs them."""

from __future__ import annotations

import logging
from pathlib import Path

import onnxruntime as ort
from onnxruntime.capi import onnxruntime_pybind11_state as ort_state

from storelens.errors import DetectorError, first_line

__all__ = ["make_session"]

logger = logging.getLogger(__name__)

_LOAD_ERRORS = (
    ort_state.Fail,
    ort_state.InvalidArgument,
    ort_state.InvalidGraph,
    ort_state.InvalidProtobuf,
    ort_state.NoSuchFile,
    ort_state.NotImplemented,
    ort_state.RuntimeException,
)
"""What ONNX Runtime raises for a missing, corrupt or unsupported model (none are RuntimeError)."""


def make_session(model_path: Path, threads: int) -> ort.InferenceSession:
    """Open a CPU session with full graph optimisation and a fixed thread count.

    Args:
        model_path: The .onnx file.
        threads: Intra-op threads; one inference runs on this many cores. The pipeline runs one
            detector per process, so inter-op parallelism stays off.

    Raises:
        DetectorError: ``threads`` < 1, or the file is missing or not a model ONNX Runtime can run.
    """
    if threads < 1:
        raise DetectorError(f"detector threads must be >= 1, got {threads}")
    options = ort.SessionOptions()
    options.intra_op_num_threads = threads
    options.inter_op_num_threads = 1
    options.execution_mode = ort.ExecutionMode.ORT_SEQUENTIAL
    options.graph_optimization_level = ort.GraphOptimizationLevel.ORT_ENABLE_ALL
    options.log_severity_level = 3  # errors only; ORT's warnings are about its own graph rewrites
    try:
        session = ort.InferenceSession(str(model_path), options, providers=["CPUExecutionProvider"])
    except _LOAD_ERRORS as err:
        raise DetectorError(f"cannot load ONNX model {model_path}: {first_line(err)}") from err
    logger.debug("ONNX Runtime session for %s with %d threads", model_path, threads)
    return session
