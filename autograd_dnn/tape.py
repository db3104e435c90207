"""Replay a recorded training step without recording it again.

``fit`` runs the same computation at every step: same ops, same order, same shapes. The
first step of each batch shape is recorded as usual; :meth:`Tape.record` then keeps, per
node, its Function, its options and where each input comes from (a parameter, the batch X
or Y, a constant, or an earlier node). :meth:`Tape.run` calls those Functions' own
``forward`` and ``backward`` in the recorded order and routes the gradients the way the
engine's reverse pass does, into the parameters' ``.grad``, without making a Tensor or a
graph node per op. The numbers are the recorded graph's, bit for bit (tested).

Only for library code that knows the computation cannot change between steps (``fit``
within one call), with built-in ops; gradient checks and pictures always record.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np

from autograd_dnn.ops import _Part
from autograd_dnn.tensor import Tensor, _accumulate_grad_attr, _topo_order, reduce_to_shape

_NODE, _LEAF, _X, _Y, _CONST = range(5)  # where a node's input comes from


class _ReplayContext(_Part):
    """What a Function's forward and backward use of their context (a ``_Part`` that also
    knows its inputs and which need a gradient), and room for what forward adds to it."""

    def __init__(self, inputs: list, needs: tuple, kwargs: dict) -> None:
        super().__init__(kwargs)
        self.inputs = inputs
        self.needs_input_grad = needs


class Tape:
    """The ops of one recorded step, in recording order, ready to run again."""

    def __init__(self, nodes: list[tuple]) -> None:
        self.nodes = nodes  # (fn, kwargs, needs, [(kind, ref), ...]) per op

    @classmethod
    def record(cls, J: Tensor, X: Tensor, Y: Any, params: list[Tensor]) -> Tape | None:
        """The tape of the graph that computed ``J`` from the batch (X, Y) and ``params``
        (leaf tensors whose arrays the optimizer swaps between steps), or None when the
        graph holds anything else that could go stale: another array or node-less tensor
        (a frozen layer's output, a mask made by user code), or a parameter computed by an op.
        The graph must depend on the batch only through its shape, as built-in ops do."""
        if J._node is None or any(p._node is not None for p in params):
            return None
        param_ids = {id(p) for p in params}
        order = sorted(_topo_order(J._node), key=lambda n: n.id)  # recording order
        index = {id(n): k for k, n in enumerate(order)}
        nodes = []
        for n in order:
            sources = []
            for t in n.inputs:
                if isinstance(t, Tensor):
                    if t._node is not None:
                        sources.append((_NODE, index[id(t._node)]))
                    elif t is X:
                        sources.append((_X, None))
                    elif id(t) in param_ids:
                        sources.append((_LEAF, t))  # read t._data at run time: updates swap it
                    else:
                        return None
                elif t is Y:
                    sources.append((_Y, None))
                elif isinstance(t, np.ndarray):
                    return None
                else:
                    sources.append((_CONST, t))  # a number or an option
            nodes.append((n.fn, n.kwargs, tuple(n.needs_input_grad), sources))
        return cls(nodes)

    def run(self, X: Tensor, Y: Any) -> float:
        """Forward, then (if the cost is finite) backward into the parameters' ``.grad``.
        Returns the cost."""
        values: list[Any] = []
        contexts = []
        for fn, kwargs, needs, sources in self.nodes:
            args = []
            for kind, ref in sources:
                if kind == _NODE:
                    args.append(values[ref])
                elif kind == _LEAF:
                    args.append(ref._data)
                elif kind == _X:
                    args.append(X._data)
                elif kind == _Y:
                    args.append(Y)
                else:
                    args.append(ref)
            ctx = _ReplayContext(args, needs, kwargs)
            out = fn.forward(ctx, *args, **kwargs) if kwargs else fn.forward(ctx, *args)
            values.append(out if out.__class__ is np.ndarray else np.asarray(out))
            contexts.append(ctx)
        value = float(values[-1])
        if math.isfinite(value):
            self._backward(values, contexts)
        return value

    def _backward(self, values: list, contexts: list) -> None:
        grads: list[Any] = [None] * len(values)
        grads[-1] = np.ones_like(values[-1])
        for k in range(len(values) - 1, -1, -1):
            g = grads[k]
            if g is None:
                continue
            grads[k] = values[k] = None  # free as we go, as the engine releases nodes
            fn, _, needs, sources = self.nodes[k]
            ctx = contexts[k]
            contexts[k] = None
            out = fn.backward(ctx, g)
            if out.__class__ is not tuple:
                out = (out,)
            for (kind, ref), gi, need, arg in zip(sources, out, needs, ctx.inputs):
                if gi is None or not need:
                    continue
                if gi.shape != arg.shape:
                    gi = reduce_to_shape(gi, arg.shape)
                if kind == _NODE:
                    grads[ref] = gi if grads[ref] is None else grads[ref] + gi
                elif kind == _LEAF:
                    _accumulate_grad_attr(ref, gi, g)
