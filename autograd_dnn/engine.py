"""Reverse mode in one sitting. Read this module first; in order:

1. :class:`Function`: a primitive, ``forward`` (numpy in and out) beside ``backward`` (its
   vector-Jacobian product). ``apply`` runs forward and, if grad mode is on and an input
   requires grad, records a :class:`Context`: the graph node (function, inputs, saved arrays).
2. :func:`backward` visits nodes in decreasing id (ids come from a counter: a reverse
   topological order), sums what each tensor's consumers send it, reduces broadcast
   gradients (:func:`reduce_to_shape`) and hands each leaf its own (:func:`accumulate`).
3. :func:`grad` returns gradients instead; with ``create_graph=True`` it records the
   backward pass itself (second derivatives).

Elsewhere: the per-thread switches (:mod:`autograd_dnn.modes`), the write locks
(:mod:`autograd_dnn.locks`), backward's checked path for ``create_graph`` and
``detect_anomaly`` (:mod:`autograd_dnn.careful`) and the messages (:mod:`autograd_dnn.errors`).
:func:`topo_order`, :func:`accumulate` and :func:`new_id` are the internal API of the others.
"""

from __future__ import annotations

import itertools
import operator
from collections.abc import Sequence
from typing import Any

import numpy as np

from autograd_dnn import errors, locks
from autograd_dnn.errors import GradientShapeError
from autograd_dnn.modes import Switch, check_finite, enable_grad, modes, no_grad

__all__ = [
    "Context", "Function", "backward", "grad", "no_grad", "enable_grad", "modes", "Switch",
    "GradientShapeError", "reduce_to_shape", "accumulate", "topo_order", "new_id",
]  # fmt: skip

new_id = itertools.count().__next__  # tensors and nodes are numbered in order: never id()
_new_tensor = object.__new__


# ----------------------------------------------------------------------------- the node
class Context:
    """One recorded op. ``forward`` calls ``ctx.save_for_backward(*arrays)``; ``backward`` reads
    ``ctx.saved_tensors`` (Tensors under ``create_graph``), ``ctx.saved_arrays`` (numpy),
    ``ctx.needs_input_grad`` (a bool per positional input) and ``ctx.kwargs`` (options)."""

    # class-level defaults: a node sets only what differs, so recording stays cheap
    fn: Any = None
    inputs: tuple = ()
    kwargs: dict = {}  # read only: a node with options gets its own
    saved: tuple = ()
    out: Any = None  # the output array, to recognise it among the saved ones
    id: int = -1
    layer: int | None = None
    grad: Any = None  # the gradient summed so far during backward
    retain: Any = None  # weakref to the output tensor when retain_grad() was called
    token: Any = None  # the write locks on what backward needs (see autograd_dnn.locks)
    released: bool = False
    graph_mode: bool = False  # True while backward runs on Tensors (create_graph)

    def save_for_backward(self, *arrays: Any) -> None:
        self.saved = arrays

    @property
    def needs_input_grad(self) -> tuple[bool, ...]:
        return tuple([isinstance(t, Tensor) and t.requires_grad for t in self.inputs])

    @property
    def saved_arrays(self) -> tuple:
        if self.released:
            raise errors.released(self.name, self.id)
        return self.saved

    @property
    def saved_tensors(self) -> tuple:
        """The saved values; under ``create_graph`` the Tensors they came from (see
        :func:`autograd_dnn.careful.saved_as_tensors`)."""
        if self.released:
            raise errors.released(self.name, self.id)
        return careful.saved_as_tensors(self) if self.graph_mode else self.saved

    @property
    def name(self) -> str:
        """The op's name: ``op_name`` when the Function sets one, else its class name."""
        return self.fn.op_name or self.fn.__name__

    def release(self) -> None:
        """Drop what forward saved and unlock it: backward has used it."""
        self.released = True
        if self.saved:
            self.saved = ()
        if self.token is not None:
            locks.release(self.token)
            self.token = None


# ----------------------------------------------------------------------------- the op
class Function:
    """A differentiable primitive: ``forward`` and its vector-Jacobian product side by side.

    Subclass it with two static methods, then call ``Cube.apply(t)``::

        class Cube(Function):
            def forward(ctx, x):  # numpy in, numpy out (both @staticmethod)
                ctx.save_for_backward(x)
                return x ** 3

            def backward(ctx, grad):  # upstream gradient in, one gradient per input
                (x,) = ctx.saved_tensors
                return 3 * x ** 2 * grad

    ``backward`` returns a gradient (or None) per positional input, of its shape or a
    broadcast one. Other arguments reach ``forward`` as they are. A backward written with
    ``*, /, +, -, @, .T, .sum`` also runs on Tensors (``create_graph``: second derivatives);
    one calling numpy functions is first-order only, and the engine says so.
    """

    op_name: str | None = None
    reads_inputs = True  # False: backward never reads ctx.inputs (the tape then keeps none)

    @staticmethod
    def forward(ctx: Context, *args: Any, **kwargs: Any) -> np.ndarray:  # pragma: no cover
        raise NotImplementedError("a Function subclass must define forward(ctx, *arrays)")

    @staticmethod
    def backward(ctx: Context, grad: Any) -> Any:  # pragma: no cover
        raise NotImplementedError("a Function subclass must define backward(ctx, grad)")

    @classmethod
    def apply(cls, *args: Any, **kwargs: Any) -> Tensor:
        """Run ``forward`` on the arrays of ``args``; record a node if any input needs grad."""
        arrays, record, constant = [], False, False
        for a in args:
            if isinstance(a, Tensor):
                arrays.append(a._data)
                record = record or a.requires_grad
            else:
                arrays.append(a)
                constant = constant or a.__class__ is np.ndarray
        ctx = Context()
        if record and modes.grad_enabled:
            ctx.fn, ctx.inputs, ctx.layer = cls, args, modes.layer
            if kwargs:
                ctx.kwargs = kwargs
        else:
            record = False
        try:
            out = cls.forward(ctx, *arrays, **kwargs)
        except ValueError as e:
            raise errors.in_op(cls.op_name or cls.__name__, e, args) from None
        if modes.anomaly:  # before anything is locked: a raised error leaves nothing held
            check_finite(out, cls.op_name or cls.__name__, errors.operands(args), "forward")
        t = _new_tensor(Tensor)  # the output: its array, its node, its number
        t._data = data = out if out.__class__ is np.ndarray else np.asarray(out)
        t._id, t.grad, t.name = new_id(), None, None
        t._node, t.requires_grad = (ctx, True) if record else (None, False)
        if record:
            ctx.id = t._id
            _guard(ctx, data, out, arrays, constant)
        return t


def _guard(ctx: Context, out: np.ndarray, raw: Any, arrays: list, constant: bool) -> None:
    """Refuse writes that would make this node's gradient wrong: its output is read-only from
    birth, and what it needs unchanged (``locks.needed``) is locked until backward used it."""
    for a in arrays:
        if a is out:
            break  # forward handed an input back: not ours to freeze
    else:
        out.setflags(write=False)
    if raw is not out and ctx.saved:  # a numpy scalar: save the array the tensor holds
        ctx.saved = tuple(out if s is raw else s for s in ctx.saved)
    ctx.out = out
    if ctx.saved or constant or ctx.kwargs:
        owned = locks.needed(ctx.inputs, ctx.saved, ctx.kwargs)
        if owned:
            ctx.token = locks.lock(owned, ctx.name)
    if modes.new_nodes is not None:
        modes.new_nodes.append(ctx)


# ----------------------------------------------------------------------------- backward
def reduce_to_shape(g: Any, shape: tuple[int, ...]) -> Any:
    """Sum a broadcast gradient (array or Tensor) back to ``shape``: leading axes that
    broadcasting added are summed away, axes where ``shape`` has 1 are summed with keepdims.
    The one unbroadcast helper; e.g. ``db`` (n[l], 1) from ``dZ`` (n[l], m)."""
    gshape = g.shape
    if gshape == shape:
        return g
    if len(gshape) == 2 and shape == (gshape[0], 1):  # db[l] from dZ[l]: the common case
        if g.__class__ is np.ndarray:
            return np.add.reduce(g, 1, keepdims=True)  # ndarray.sum without its wrapper
        return g.sum(axis=1, keepdims=True)
    extra = len(gshape) - len(shape)
    if extra > 0:
        g = g.sum(axis=tuple(range(extra)))
    axes = tuple([i for i, n in enumerate(shape) if n == 1 and g.shape[i] != 1])
    return g.sum(axis=axes, keepdims=True) if axes else g


def topo_order(root: Context) -> list[Context]:
    """The nodes ``root`` depends on (itself included), outputs first: decreasing node id, a
    reverse topological order since every input was recorded before its consumer. Iterative,
    so a graph 100,000 ops deep is fine."""
    seen, stack = {root}, [root]
    while stack:
        for t in stack.pop().inputs:
            p = getattr(t, "_node", None)  # inputs may be numbers or arrays too
            if p is not None and p not in seen:
                seen.add(p)
                stack.append(p)
    return sorted(seen, key=operator.attrgetter("id"), reverse=True)


def accumulate(t: Tensor, g: Any, upstream: Any = None) -> None:
    """The one rule that adds a gradient to a leaf's ``.grad``: cast to the leaf's dtype, keep
    the array when it is fresh, copy it when it may be shared (``upstream`` passed through
    unchanged, or a view), add when ``.grad`` already holds one."""
    if g.__class__ is not np.ndarray:  # create_graph's Tensor, or a 0-d op's numpy scalar
        g = g._data if isinstance(g, Tensor) else np.asarray(g)
    dtype = t._data.dtype
    if t.grad is None:
        if g.dtype is not dtype and g.dtype != dtype:
            t.grad = g.astype(dtype)  # a fresh array
        else:
            t.grad = g.copy() if (g is upstream or g.base is not None) else g
    else:
        total = t.grad + (g if g.dtype == dtype else g.astype(dtype))
        t.grad = total if total.__class__ is np.ndarray else np.asarray(total)  # 0-d stays


def backward(
    root: Tensor,
    grad_output: Any = None,
    retain_graph: bool = False,
    create_graph: bool = False,
    capture: dict[int, Any] | None = None,
) -> None:
    """The reverse pass from ``root``. Gradients reach leaves' ``.grad``; with ``capture`` (a
    dict of tensor ids, as :func:`grad` passes) they are collected there instead."""
    g = _initial_grad(root, grad_output, create_graph)
    if root._node is None:  # backward on a leaf: d(root)/d(root), never the caller's array
        return _deliver(root, root._id, g, capture, g)
    root._node.grad = g
    order = topo_order(root._node)
    plain = not (create_graph or modes.anomaly)  # numpy in and out, else the careful path
    try:
        with Switch("grad_enabled", create_graph):
            for n in order:
                g, n.grad = n.grad, None
                if g is None:
                    continue
                if capture is not None or n.retain is not None:
                    kept = n.retain() if n.retain is not None else None  # retain_grad()
                    _deliver(kept, n.id, g, capture, g)  # a copy: g flows on
                if plain and not n.released:
                    grads = n.fn.backward(n, g)
                    if grads.__class__ is not tuple:
                        grads = (grads,)
                else:
                    grads = careful.call_backward(n, g, create_graph)
                for inp, gi in zip(n.inputs, grads):
                    if gi is None or not getattr(inp, "requires_grad", False):
                        continue
                    if gi.shape != inp._data.shape:
                        gi = _reduce_checked(gi, n, inp)
                    p = inp._node
                    if p is None:  # a leaf keeps gi, unless gi is shared (g, or given twice)
                        twice = len(grads) > 1 and sum(o is gi for o in grads) > 1
                        _deliver(inp, inp._id, gi, capture, gi if twice else g)
                    else:  # an intermediate: sum what its consumers send
                        p.grad = gi if p.grad is None else p.grad + gi
                if not retain_graph:
                    n.release()
    except BaseException:  # (Ctrl-C included) no gradients left for the next pass, and
        for n in order:  # unless the graph is retained, no arrays left locked by a graph
            n.grad = None  # that a kept traceback would hold
            if not retain_graph:
                n.release()
        raise


def _deliver(t: Tensor | None, key: int, g: Any, capture: dict | None, upstream: Any) -> None:
    """A gradient reaching a tensor: into ``capture[key]`` if :func:`grad` asked for it, else
    into ``t.grad`` (a leaf, or after ``retain_grad()``; t is None if no longer alive)."""
    if capture is not None:
        if key in capture:
            capture[key] = g if capture[key] is None else capture[key] + g
    elif t is not None:
        accumulate(t, g, upstream)


def _reduce_checked(gi: Any, n: Context, inp: Tensor) -> Any:
    shape = inp._data.shape
    try:
        out = reduce_to_shape(gi, shape)
    except (IndexError, ValueError):
        out = gi
    if out.shape != shape:
        raise errors.gradient_shape(n.name, n.layer, gi.shape, inp.label, shape)
    return out


def _initial_grad(t: Tensor, grad: Any, create_graph: bool) -> Any:
    """The upstream gradient backward starts from: 1 for a scalar, else ``grad`` checked."""
    if not t.requires_grad:
        raise errors.no_graph(t.label)
    g: Any
    if grad is None:
        if t._data.size != 1:
            raise errors.needs_grad_output(t.label, t.shape)
        g = np.ones_like(t._data)
    elif create_graph and isinstance(grad, Tensor):
        g = grad  # a recorded upstream gradient stays recorded (double backward through it)
    else:
        g = np.asarray(grad._data if isinstance(grad, Tensor) else grad, dtype=t.dtype)
    if g.shape != t.shape:
        raise ValueError(f"backward(): grad has shape {g.shape}, {t.label} has {t.shape}")
    return Tensor(g) if create_graph and not isinstance(g, Tensor) else g


def grad(
    output: Tensor,
    inputs: Tensor | Sequence[Tensor],
    grad_output: Any = None,
    create_graph: bool = False,
    retain_graph: bool | None = None,
) -> list[Tensor]:
    """Gradients of ``output`` with respect to ``inputs`` (leaves or intermediates) as a list
    of Tensors of their shapes, zeros where ``output`` does not depend on one; ``.grad`` is
    untouched. ``grad_output``: the upstream gradient (default 1 for a scalar);
    ``create_graph``: record the backward pass, to differentiate the gradients again;
    ``retain_graph``: keep the saved arrays (default: ``create_graph``). Example::

        >>> x = Tensor([[3.0]], requires_grad=True)
        >>> (dx,) = grad(x ** 3, [x], create_graph=True)   # 3 x^2 = 27
        >>> (d2x,) = grad(dx, [x])                          # 6 x = 18
    """
    inputs = [inputs] if isinstance(inputs, Tensor) else list(inputs)
    for t in inputs:
        if not isinstance(t, Tensor):
            raise TypeError(f"grad(): inputs must be Tensors, got {type(t).__name__}")
        if not t.requires_grad:
            raise errors.not_requiring_grad(t.label)
    capture: dict[int, Any] = {t._id: None for t in inputs}  # a node's id is its output's
    retain = create_graph if retain_graph is None else retain_graph
    backward(output, grad_output, retain, create_graph, capture)
    grads = [capture[t._id] for t in inputs]
    return [  # each its own array, never shared with another input's or a leaf's
        g if isinstance(g, Tensor) else Tensor(np.zeros_like(t._data) if g is None else np.array(g))
        for g, t in zip(grads, inputs)
    ]


from autograd_dnn import careful  # noqa: E402  (the checked path of backward)
from autograd_dnn.tensor import Tensor  # noqa: E402  (the sugar class, built on this module)
