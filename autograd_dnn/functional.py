"""The ops as functions: ``relu(t)``, ``sigmoid(t)``, ... Each takes a Tensor or array-like."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np

from autograd_dnn import ops
from autograd_dnn.conv import avg_pool2d, conv2d, flatten, max_pool2d, zero_pad
from autograd_dnn.recurrent_ops import lstm_cell, rnn_cell
from autograd_dnn.tensor import Tensor

__all__ = [
    "abs",
    "avg_pool2d",
    "conv2d",
    "flatten",
    "max_pool2d",
    "zero_pad",
    "batch_norm",
    "binary_cross_entropy_with_logits",
    "clip",
    "concatenate",
    "dropout",
    "dropout_mask",
    "exp",
    "leaky_relu",
    "linear",
    "log",
    "log_softmax",
    "lstm_cell",
    "matmul",
    "max",
    "mean",
    "min",
    "relu",
    "reshape",
    "rnn_cell",
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
    if not isinstance(axis, (int, np.integer)) or isinstance(axis, bool):
        raise TypeError(f"concatenate: axis must be an int, got {axis!r}")
    return ops.Concatenate.apply(*tensors, axis=int(axis))


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


def dropout(A: Any, keep_prob: float, mask: Any = None, seed: Any = None) -> Tensor:
    """Inverted dropout, the course's: ``D = rand(*A.shape) < keep_prob``, ``A * D / keep_prob``.

    Args:
        A: ``A[l]`` (n[l], m), a Tensor or array.
        keep_prob: the probability of keeping each unit, in (0, 1]; 1 returns A itself.
        mask: a boolean ``D[l]`` of A's shape to apply instead of drawing one (a frozen mask:
            what a gradient check replays).
        seed: where a drawn mask comes from: an int (``np.random.RandomState(seed).rand``,
            the numbers of the course's ``np.random.seed(seed)``), a ``np.random.Generator``
            (its ``random``), or None (numpy's global ``np.random.rand``).

    Returns:
        ``A * D / keep_prob``, (n[l], m). The mask is recorded on the node:
        :func:`dropout_mask` of the result gives it back; backward applies the same mask.

    Example::

        >>> out = dropout(Tensor(np.ones((2, 3)), requires_grad=True), 0.5, seed=1)
        >>> dropout_mask(out)  # np.random.RandomState(1).rand(2, 3) < 0.5
        array([[ True, False,  True],
               [ True,  True,  True]])
    """
    kp = ops.check_keep_prob(keep_prob)
    A = _t(A)
    if mask is not None:
        mask = np.asarray(mask.data if isinstance(mask, Tensor) else mask)
        if mask.shape != A.shape:
            raise ValueError(
                f"dropout: mask has shape {mask.shape}, but {A.label} has shape {A.shape}; "
                "a mask D[l] has the shape of A[l], (n[l], m)"
            )
        if mask.dtype != bool:
            if not np.all((mask == 0) | (mask == 1)):
                raise ValueError("dropout: mask must hold only 0/1 (True/False) values")
            mask = mask.astype(bool)
    if kp == 1.0:
        if mask is not None and not mask.all():
            raise ValueError("dropout: keep_prob = 1 keeps every unit, but the mask drops some")
        return A
    if mask is None and not (
        seed is None or isinstance(seed, (int, np.integer, np.random.Generator))
    ):
        raise TypeError(
            f"dropout: seed must be an int, a np.random.Generator or None, got {seed!r}"
        )
    return ops.Dropout.apply(A, keep_prob=kp, mask=mask, seed=seed)


def dropout_mask(out: Tensor) -> np.ndarray:
    """The mask ``D[l]`` that :func:`dropout` applied to make ``out`` (recorded on its node).

    Raises a ValueError when ``out`` was not made by a recorded dropout op (nothing required
    grad, or it came from another op)."""
    node = getattr(out, "_node", None)
    if node is None or node.fn is not ops.Dropout:
        raise ValueError(
            "dropout_mask: this tensor was not made by a recorded dropout op (record it with "
            "an input that requires grad, or pass mask= to dropout yourself)"
        )
    return node.mask


def batch_norm(
    Z: Any,
    gamma: Any,
    beta: Any,
    eps: float = 1e-8,
    running: ops.RunningStats | None = None,
    momentum: float = 0.9,
    training: bool = True,
) -> Tensor:
    """Batch norm of one layer over the m columns: ``Z_tilde = gamma * Z_norm + beta``.

    ``mu = (1/m) sum_i Z(i)``, ``sigma2 = (1/m) sum_i (Z(i) - mu)^2``, ``Z_norm = (Z - mu) /
    sqrt(sigma2 + eps)``, each (n[l], 1) but Z_norm (n[l], m).

    Args:
        Z: ``Z[l]`` (n[l], m).  gamma, beta: (n[l], 1), the learned scale and shift.
        eps: > 0, keeps the division finite for a unit constant over the batch.
        running: an :class:`autograd_dnn.ops.RunningStats`. Training mode: the batch's mu and
            sigma2 are folded into its exponentially weighted averages (weight ``momentum``,
            the course's beta). Evaluation mode: its (bias-corrected) averages replace the
            batch's statistics, as at test time.
        momentum: beta of the running averages, in [0, 1).
        training: True: the batch's statistics (needs m >= 2); False: ``running``'s.

    Returns:
        ``Z_tilde`` (n[l], m). Its backward is one closed-form VJP (see
        :class:`autograd_dnn.ops.BatchNorm`), differentiable again under ``create_graph``.
    """
    Z, gamma, beta = _t(Z), _t(gamma), _t(beta)
    if Z.ndim != 2:
        raise ValueError(f"batch_norm: Z must be 2-D (n[l], m), got shape {Z.shape}")
    n = Z.shape[0]
    for name, value in (("gamma", gamma), ("beta", beta)):
        if value.shape != (n, 1):
            raise ValueError(
                f"batch_norm: {name} must have shape (n[l], 1) = ({n}, 1), one per unit (row "
                f"of Z), got {value.shape}"
            )
    if not (isinstance(eps, (int, float, np.number)) and eps > 0):
        raise ValueError(f"batch_norm: eps must be > 0, got {eps!r}")
    if not 0 <= momentum < 1:
        raise ValueError(f"batch_norm: momentum must be in [0, 1), got {momentum}")
    if running is not None and not isinstance(running, ops.RunningStats):
        raise TypeError(f"batch_norm: running must be a RunningStats, got {type(running).__name__}")
    if running is not None and running.mu.shape != (n, 1):
        raise ValueError(
            f"batch_norm: running statistics are for {running.mu.shape[0]} units, Z has {n}"
        )
    if not training and running is None:
        raise ValueError(
            "batch_norm(training=False) normalizes with running statistics: pass running= "
            "(an autograd_dnn.ops.RunningStats updated during training)"
        )
    return ops.BatchNorm.apply(
        Z, gamma, beta, eps=float(eps), running=running, momentum=momentum, training=training
    )
