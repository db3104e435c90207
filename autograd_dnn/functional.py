"""The ops as functions: ``relu(t)``, ``sigmoid(t)``, ... Each takes a Tensor or array-like."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np

from autograd_dnn import ops
from autograd_dnn.conv import avg_pool2d, conv2d, flatten, max_pool2d, zero_pad
from autograd_dnn.tensor import Tensor

__all__ = [
    "abs",
    "avg_pool2d",
    "conv2d",
    "flatten",
    "max_pool2d",
    "zero_pad",
    "binary_cross_entropy_with_logits",
    "clip",
    "concatenate",
    "exp",
    "leaky_relu",
    "linear",
    "log",
    "log_softmax",
    "matmul",
    "max",
    "mean",
    "min",
    "relu",
    "reshape",
    "sigmoid",
    "softmax",
    "softmax_cross_entropy",
    "sqrt",
    "stack",
    "sum",
    "tanh",
    "transpose",
    "where",
]


def _t(x: Any) -> Tensor:
    return x if isinstance(x, Tensor) else Tensor(x)


def relu(z: Any) -> Tensor:
    """max(Z, 0), elementwise."""
    return _t(z).relu()


def leaky_relu(z: Any, slope: float = 0.01) -> Tensor:
    """Z where Z > 0, slope * Z elsewhere."""
    return _t(z).leaky_relu(slope)


def sigmoid(z: Any) -> Tensor:
    """1 / (1 + e^-Z), stable for any finite Z."""
    return _t(z).sigmoid()


def tanh(z: Any) -> Tensor:
    return _t(z).tanh()


def softmax(z: Any, axis: int = 0) -> Tensor:
    """Softmax over ``axis`` (0: the n[L] units of each sample column)."""
    return _t(z).softmax(axis)


def log_softmax(z: Any, axis: int = 0) -> Tensor:
    return _t(z).log_softmax(axis)


def exp(x: Any) -> Tensor:
    return _t(x).exp()


def log(x: Any) -> Tensor:
    return _t(x).log()


def sqrt(x: Any) -> Tensor:
    return _t(x).sqrt()


def abs(x: Any) -> Tensor:  # noqa: A001 (mirrors numpy's name)
    return _t(x).abs()


def clip(x: Any, lo: float | None, hi: float | None) -> Tensor:
    return _t(x).clip(lo, hi)


def sum(x: Any, axis: Any = None, keepdims: bool = False) -> Tensor:  # noqa: A001
    return _t(x).sum(axis, keepdims)


def mean(x: Any, axis: Any = None, keepdims: bool = False) -> Tensor:
    return _t(x).mean(axis, keepdims)


def max(x: Any, axis: Any = None, keepdims: bool = False) -> Tensor:  # noqa: A001
    return _t(x).max(axis, keepdims)


def transpose(x: Any, *axes: int) -> Tensor:
    return _t(x).transpose(*axes)


def reshape(x: Any, *shape: int) -> Tensor:
    return _t(x).reshape(*shape)


def matmul(a: Any, b: Any) -> Tensor:
    """a @ b; shapes (n, k) @ (k, m) -> (n, m)."""
    return ops.MatMul.apply(a, b)


def linear(W: Any, A: Any, b: Any) -> Tensor:
    """Z = W A + b in one op. W (n[l], n[l-1]), A (n[l-1], m), b (n[l], 1) -> Z (n[l], m)."""
    return ops.Linear.apply(W, A, b)


def binary_cross_entropy_with_logits(z: Any, y: Any) -> Tensor:
    """The course's cross-entropy J of A = sigmoid(Z), computed stably from Z.

    Z, Y: (n[L], m). Returns a scalar: -(1/m) sum(Y log A + (1 - Y) log(1 - A)).
    """
    return ops.BCEWithLogits.apply(z, y)


def softmax_cross_entropy(z: Any, y: Any, axis: int = 0) -> Tensor:
    """-(1/m) sum(Y * log softmax(Z)), computed through log-sum-exp. Z, Y: (n[L], m)."""
    return ops.SoftmaxCrossEntropy.apply(z, y, axis=axis)


def min(x: Any, axis: Any = None, keepdims: bool = False) -> Tensor:  # noqa: A001
    """Minimum over ``axis``; ties share the gradient."""
    return _t(x).min(axis, keepdims)


def where(cond: Any, a: Any, b: Any) -> Tensor:
    """``a`` where ``cond`` holds, else ``b`` (broadcast as numpy). ``cond`` is a boolean
    array (a comparison such as ``Z > 0``): it gets no gradient."""
    cond = np.asarray(cond.data if isinstance(cond, Tensor) else cond)
    if cond.dtype != bool:
        raise TypeError(f"where: cond must be a boolean array, got dtype {cond.dtype}")
    return ops.Where.apply(cond, a, b)


def concatenate(tensors: Sequence[Any], axis: int = 0) -> Tensor:
    """Join tensors along an existing ``axis`` (as ``np.concatenate``)."""
    if not tensors:
        raise ValueError("concatenate needs at least one tensor")
    return ops.Concatenate.apply(*tensors, axis=axis)


def stack(tensors: Sequence[Any], axis: int = 0) -> Tensor:
    """Join tensors of one shape along a new ``axis`` (as ``np.stack``)."""
    if not tensors:
        raise ValueError("stack needs at least one tensor")
    parts = [_t(t) for t in tensors]
    shapes = {p.shape for p in parts}
    if len(shapes) != 1:
        raise ValueError(f"stack needs tensors of one shape, got {sorted(shapes)}")
    ndim = parts[0].ndim + 1
    if not -ndim <= axis < ndim:
        raise ValueError(f"axis {axis} is out of range for stacking {ndim - 1}-D tensors")
    axis %= ndim
    shape = parts[0].shape[:axis] + (1,) + parts[0].shape[axis:]
    return concatenate([p.reshape(shape) for p in parts], axis=axis)
