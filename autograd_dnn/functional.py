"""The ops as functions: ``relu(t)``, ``sigmoid(t)``, ... Each takes a Tensor or array-like."""

from __future__ import annotations

from typing import Any

from autograd_dnn import ops
from autograd_dnn.tensor import Tensor

__all__ = [
    "abs",
    "binary_cross_entropy_with_logits",
    "clip",
    "exp",
    "leaky_relu",
    "linear",
    "log",
    "log_softmax",
    "matmul",
    "max",
    "mean",
    "relu",
    "reshape",
    "sigmoid",
    "softmax",
    "softmax_cross_entropy",
    "sqrt",
    "sum",
    "tanh",
    "transpose",
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
