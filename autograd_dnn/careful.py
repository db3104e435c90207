"""Backward's careful path: one node's backward with its checks, for the engine.

The reverse pass (:func:`autograd_dnn.engine.backward`) calls a node's ``backward`` straight
on numpy arrays. It comes here instead when that is not enough:

- under ``create_graph=True`` the backward runs on Tensors, so that it is itself recorded
  (second derivatives): ``ctx.saved_tensors`` hands out the Tensors the saved arrays came
  from (:func:`saved_as_tensors`), and a backward that can only return numpy arrays is
  refused as first-order only;
- under :func:`~autograd_dnn.modes.detect_anomaly`, every gradient is checked for NaN/inf;
- a node an earlier backward released raises a clear error instead of a wrong gradient.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import numpy as np

from autograd_dnn import errors
from autograd_dnn.modes import check_finite, modes

if TYPE_CHECKING:
    from autograd_dnn.engine import Context

__all__ = ["call_backward", "saved_as_tensors"]


def call_backward(n: Context, g: Any, create_graph: bool) -> tuple:
    """``n``'s backward as a tuple of gradients, one per input: on Tensors (recorded) when
    ``create_graph``, each checked for NaN/inf under ``detect_anomaly``."""
    if n.released:
        raise errors.released(n.name, n.id)
    n.graph_mode = create_graph  # saved_tensors hands out Tensors
    try:
        grads = n.fn.backward(n, g)
    except TypeError as e:  # a numpy function given a Tensor
        if create_graph:
            raise errors.first_order(n.name, e) from None
        raise
    finally:
        n.graph_mode = False
    grads = grads if isinstance(grads, tuple) else (grads,)
    for gi, t in zip(grads, n.inputs):
        if gi is None:
            continue
        if create_graph and not isinstance(gi, Tensor) and getattr(t, "requires_grad", False):
            raise errors.first_order(n.name)  # an array: the recording would stop here
        if modes.anomaly:
            check_finite(gi, n.name, errors.operands(n.inputs), "backward")
    return grads


def saved_as_tensors(ctx: Context) -> tuple:
    """What ``ctx``'s forward saved, each as the Tensor it came from: an input's array as that
    input, the output as a recomputed output (so its own graph is recorded), numbers and
    options as they are. An array derived in forward cannot be differentiated again, so it
    is refused rather than silently made a constant."""
    return tuple(_as_tensor(ctx, k, s) for k, s in enumerate(ctx.saved))


def _as_tensor(ctx: Context, k: int, s: Any) -> Any:
    if s is ctx.out:
        return ctx.fn.apply(*ctx.inputs, **ctx.kwargs)
    own = ctx.inputs[k] if k < len(ctx.inputs) else None
    for t in (own, *ctx.inputs):  # inputs may share an array (x * x.detach()): own first
        if t is s or (isinstance(t, Tensor) and t._data is s):
            return t
    if not isinstance(s, np.ndarray):
        return s  # a number or an option
    if isinstance(own, Tensor) and own._node is None and own.shape == s.shape:
        raise errors.replaced_input(ctx.name, own.label)
    raise errors.derived_array(ctx.name, k, s.shape)


from autograd_dnn.tensor import Tensor  # noqa: E402  (imported by the engine, after Tensor)
