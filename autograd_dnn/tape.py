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
from operator import itemgetter
from typing import Any

import numpy as np

from autograd_dnn.ops import _Part
from autograd_dnn.tensor import Tensor, _accumulate_grad_attr, _topo_order, reduce_to_shape


class _ReplayContext(_Part):
    """What a Function's forward and backward use of their context: a ``_Part`` that also
    knows its inputs and which need a gradient, and has room for what forward adds."""

    inputs: Any = ()


class Tape:
    """The ops of one recorded step, in recording order, ready to run again.

    Every value of the step lives in one list of slots: the batch X and Y, the parameters'
    arrays (read afresh at each run: the optimizer swaps them), the constants, then one
    slot per op's output. Each op is kept with the slots of its inputs, and for the reverse
    pass with the slots its gradients go to: no per-op dispatch on where an input came from.
    """

    def __init__(self, params: list[Tensor], consts: list, forward: list, edges: list) -> None:
        self.params = params  # slots 2 .. 2 + len(params)
        self.consts = consts  # the slots after them
        self.forward = forward  # per op: (its forward, kwargs, needs, get_inputs)
        self.edges = edges  # per op: (its backward, ((input position, slot, shape), ...)),
        # one triple per input that needs a gradient

    @classmethod
    def record(cls, J: Tensor, X: Tensor, Y: Any, params: list[Tensor]) -> Tape | None:
        """The tape of the graph that computed ``J`` from the batch (X, Y) and ``params``
        (leaf tensors whose arrays the optimizer swaps between steps), or None when the
        graph holds anything else that could go stale: another array or node-less tensor
        (a frozen layer's output, a mask made by user code), or a parameter computed by an op.
        The graph must depend on the batch only through its shape, as built-in ops do."""
        if J._node is None or any(p._node is not None for p in params):
            return None
        order = sorted(_topo_order(J._node), key=lambda n: n.id)  # recording order
        slot_of = {id(X): 0, id(Y): 1}
        slot_of.update((id(p), 2 + k) for k, p in enumerate(params))
        consts: list = []
        first_out = (
            2
            + len(params)
            + sum(  # constants: numbers and options, in order
                1 for n in order for t in n.inputs if not isinstance(t, (Tensor, np.ndarray))
            )
        )
        node_slot = {id(n): first_out + k for k, n in enumerate(order)}
        forward, edges = [], []
        for n in order:
            idx, out_edges = [], []
            for j, t in enumerate(n.inputs):
                if isinstance(t, Tensor) and t._node is not None:
                    slot = node_slot[id(t._node)]
                elif isinstance(t, Tensor) or t is Y:
                    if id(t) not in slot_of:
                        return None  # a node-less tensor that is not X or a parameter
                    slot = slot_of[id(t)]
                elif isinstance(t, np.ndarray):
                    return None
                else:
                    slot = 2 + len(params) + len(consts)
                    consts.append(t)
                idx.append(slot)
                if n.needs_input_grad[j] and (2 <= slot < 2 + len(params) or slot >= first_out):
                    out_edges.append((j, slot, t.shape))  # a parameter or an op's output
            get = itemgetter(*idx) if len(idx) > 1 else itemgetter(slice(idx[0], idx[0] + 1))
            forward.append((n.fn.forward, n.kwargs, tuple(n.needs_input_grad), get))
            edges.append((n.fn.backward, tuple(out_edges)))
        return cls(list(params), consts, forward, edges)

    def run(self, X: Tensor, Y: Any) -> float:
        """Forward, then (if the cost is finite) backward into the parameters' ``.grad``.
        Returns the cost."""
        slots = [X._data, Y]
        slots += [p._data for p in self.params]
        slots += self.consts
        contexts = []
        for forward, kwargs, needs, get in self.forward:
            args = get(slots)
            ctx = _ReplayContext()
            ctx.inputs, ctx.needs_input_grad = args, needs
            if kwargs:
                ctx.kwargs = kwargs
                out = forward(ctx, *args, **kwargs)
            else:
                out = forward(ctx, *args)
            slots.append(out if out.__class__ is np.ndarray else np.asarray(out))
            contexts.append(ctx)
        value = float(slots[-1])
        if math.isfinite(value):
            self._backward(slots, contexts)
        return value

    def _backward(self, slots: list, contexts: list) -> None:
        first_out = len(slots) - len(contexts)
        grads: list[Any] = [None] * len(slots)  # the slots' gradients
        grads[-1] = np.ones_like(slots[-1])
        edges, params = self.edges, self.params
        for k in range(len(contexts) - 1, -1, -1):
            g = grads[first_out + k]
            if g is None:
                continue
            grads[first_out + k] = slots[first_out + k] = None  # free as the engine does
            ctx = contexts[k]
            contexts[k] = None
            backward, to = edges[k]
            out = backward(ctx, g)
            if out.__class__ is not tuple:
                out = (out,)
            for j, slot, shape in to:
                gi = out[j]
                if gi is None:
                    continue
                if gi.shape != shape:
                    gi = reduce_to_shape(gi, shape)
                if slot >= first_out:
                    grads[slot] = gi if grads[slot] is None else grads[slot] + gi
                    continue
                p = params[slot - 2]
                if p.grad is None and gi.base is None and gi is not g and gi.dtype == p._data.dtype:
                    p.grad = gi  # the common case of _accumulate_grad_attr, without the call
                else:
                    _accumulate_grad_attr(p, gi, g)
