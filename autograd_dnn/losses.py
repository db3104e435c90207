"""Costs J over m samples (columns), computed stably, and the L2 penalty.

The output activation decides the cost:

| output g[L] | cost J (Y of shape (n[L], m)) |
|---|---|
| sigmoid | binary cross-entropy -(1/m) sum(Y log A + (1 - Y) log(1 - A)), from Z[L] |
| softmax | categorical cross-entropy -(1/m) sum(Y log A), from Z[L] (Y one-hot) |
| linear  | mean squared error / 2: (1/2m) sum((A - Y)^2) |
| others  | mean squared error / 2 on A[L] |

Cross-entropies are fused with their activation (computed from Z[L]), so an A[L] of exactly
0 or 1 never gives inf or NaN; where the course's formula is finite, they agree with it.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from autograd_dnn import ops
from autograd_dnn.tensor import Tensor

FUSED = ("sigmoid", "softmax", "linear")


def cross_entropy(ZL: Tensor, Y: Any) -> Tensor:
    """Binary cross-entropy of A[L] = sigmoid(Z[L]). Z[L], Y: (n[L], m) -> scalar."""
    return ops.BCEWithLogits.apply(ZL, Y)


def softmax_cross_entropy(ZL: Tensor, Y: Any) -> Tensor:
    """Categorical cross-entropy of A[L] = softmax(Z[L]) over the units. -> scalar."""
    return ops.SoftmaxCrossEntropy.apply(ZL, Y, axis=0)


def mse(AL: Tensor, Y: Any) -> Tensor:
    """(1/2m) sum((A[L] - Y)^2). A[L], Y: (n[L], m) -> scalar."""
    diff = AL - Y
    return (diff * diff).sum() * (0.5 / AL.shape[-1])


def cross_entropy_from_probs(AL: Tensor, Y: Any) -> Tensor:
    """The course's formula on A[L] itself: -(1/m) sum(Y log A + (1 - Y) log(1 - A)).

    Used when a custom output activation gives A[L] directly; inf where A[L] hits 0 or 1.
    """
    return -(Y * AL.log() + (1 - Y) * (1 - AL).log()).sum() * (1.0 / AL.shape[-1])


def cost(output_activation: str, ZL: Tensor, AL: Tensor | None, Y: Any) -> Tensor:
    """The cost that belongs to ``output_activation`` (see the module table).

    With ``AL`` given for a sigmoid or softmax output (a custom output Function), the
    cross-entropy is computed from A[L]; otherwise from Z[L], fused and stable.
    """
    if AL is None:  # fused: the output activation is part of the cost
        if output_activation == "sigmoid":
            return cross_entropy(ZL, Y)
        if output_activation == "softmax":
            return softmax_cross_entropy(ZL, Y)
        return mse(ZL, Y)
    if output_activation == "sigmoid":
        return cross_entropy_from_probs(AL, Y)
    if output_activation == "softmax":
        return -(Y * AL.log()).sum() * (1.0 / AL.shape[-1])
    return mse(AL, Y)


def l2_penalty(weights: Iterable[Tensor], lambd: float, m: int) -> Tensor:
    """(lambda / 2m) sum_l ||W[l]||_F^2, the course's L2 regularization term."""
    total: Tensor | None = None
    for W in weights:
        sq = (W * W).sum()
        total = sq if total is None else total + sq
    if total is None:
        raise ValueError("l2_penalty needs at least one weight matrix W[l], got none")
    return total * (lambd / (2.0 * m))
