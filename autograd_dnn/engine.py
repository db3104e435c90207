"""Reverse mode in one sitting: Function, Context, backward, grad, and the modes.

Read this module first. Everything else in ``autograd_dnn`` is built on these few names.

1. A :class:`Function` is a primitive: ``forward`` (numpy in, numpy out) and ``backward``
   (its vector-Jacobian product), written side by side.
2. ``Function.apply`` runs ``forward`` on the tensors' arrays. If grad mode is on and an
   input requires grad, it records a :class:`Context`: the graph node that remembers the
   function, its inputs and what ``forward`` saved. The output Tensor points at it.
3. :func:`backward` walks the nodes from the output back to the leaves, in decreasing node
   id (ids come from a counter, so that is a reverse topological order), calls each node's
   ``backward``, sums what every consumer sends to a tensor, reduces broadcast gradients with
   :func:`reduce_to_shape`, and hands leaves their gradient through :func:`accumulate`.
4. :func:`grad` does the same but returns the gradients instead of touching ``.grad``; with
   ``create_graph=True`` the backward pass itself is recorded (second derivatives).

Grad mode (``no_grad``) and the other switches are per thread: :mod:`autograd_dnn.modes`.
The internal API other modules use: :func:`topo_order`, :func:`accumulate`, :func:`new_id`.
"""

from __future__ import annotations

import itertools
import operator
from collections.abc import Sequence
from typing import Any

import numpy as np

from autograd_dnn import errors, locks
from autograd_dnn.errors import GradientShapeError
from autograd_dnn.modes import (  # noqa: F401  (re-exported: with these, the engine's whole API)
    AnomalyError,
    Switch,
    check_finite,
    collect_kinks,
    detect_anomaly,
    enable_grad,
    is_grad_enabled,
    modes,
    no_grad,
    note_kink,
)

# fmt: off
__all__ = [
    "Context", "Function", "backward", "grad", "no_grad", "enable_grad", "is_grad_enabled",
    "detect_anomaly", "AnomalyError", "GradientShapeError", "reduce_to_shape", "accumulate",
    "topo_order", "new_id", "modes", "Switch",
    "note_kink", "collect_kinks",
]
# fmt: on

new_id = itertools.count().__next__  # tensors and nodes are numbered in order: never id()


# ----------------------------------------------------------------------------- the node
class Context:
    """One recorded op: the graph node, and what its backward may read.

    In ``forward``: ``ctx.save_for_backward(*arrays)``. In ``backward``: ``ctx.saved_tensors``
    (numpy arrays; Tensors when ``create_graph=True`` records the backward pass),
    ``ctx.saved_arrays`` (always numpy), ``ctx.needs_input_grad`` (a tuple of bools, one per
    positional input) and ``ctx.kwargs`` (the op's options).
    """

    # class-level defaults: a node sets only what differs, so recording stays cheap
    fn: Any = None
    inputs: tuple = ()
    needs_input_grad: tuple = ()
    kwargs: dict = {}  # read only: a node with options gets its own
    saved: tuple = ()
    out: Any = None  # the output array, to recognise it among the saved ones
    id: int = -1
    layer: int | None = None
    grad: Any = None  # the gradient summed so far during backward
    retain: Any = None  # weakref to the output tensor when retain_grad() was called
    token: Any = None  # the write locks on saved arrays (see autograd_dnn.locks)
    released: bool = False
    graph_mode: bool = False  # True while backward runs on Tensors (create_graph)

    def save_for_backward(self, *arrays: Any) -> None:
        self.saved = arrays

    @property
    def saved_arrays(self) -> tuple:
        if self.released:
            self.check_released()
        return self.saved

    @property
    def saved_tensors(self) -> tuple:
        """The saved values; under ``create_graph`` each becomes the Tensor it came from: an
        input's array its input tensor, the output a recomputed output. An array derived in
        forward cannot be differentiated again, so it is refused rather than made a constant."""
        if self.released:
            self.check_released()
        if not self.graph_mode:
            return self.saved
        return tuple(self._as_tensor(k, s) for k, s in enumerate(self.saved))

    def _as_tensor(self, k: int, s: Any) -> Any:
        if s is self.out:
            return self.fn.apply(*self.inputs, **self.kwargs)
        order = ([self.inputs[k]] if k < len(self.inputs) else []) + list(self.inputs)
        for t in order:  # two inputs may share one array (x * x.detach()): same position first
            if t is s or (isinstance(t, Tensor) and t._data is s):
                return t
        if isinstance(s, np.ndarray):
            own = self.inputs[k] if k < len(self.inputs) else None
            if isinstance(own, Tensor) and own._node is None and own.shape == s.shape:
                raise errors.replaced_input(self.name, own.label)
            raise errors.derived_array(self.name, k, s.shape)
        return s  # a number or an option

    @property
    def name(self) -> str:
        """The op's name: ``op_name`` when the Function sets one, else its class name."""
        return self.fn.op_name or self.fn.__name__

    def check_released(self) -> None:
        if self.released:
            raise errors.released(self.name, self.id)

    def release(self) -> None:
        """Drop what forward saved and unlock it: backward has used it."""
        self.saved, self.out, self.released = (), None, True
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

    ``backward`` returns one array (or ``None``) per positional input of ``forward``; a
    gradient may have the broadcast shape, it is reduced to the input's shape for you.
    Non-tensor arguments (numbers, axes) reach ``forward`` unchanged and get no gradient. A
    backward written with ``*, /, +, -, @, .T, .sum(axis, keepdims)`` also runs on Tensors,
    so ``create_graph=True`` gives second derivatives; one that calls numpy functions is
    first-order only, and the engine says so when asked for more.
    """

    op_name: str | None = None

    @staticmethod
    def forward(ctx: Context, *args: Any, **kwargs: Any) -> np.ndarray:  # pragma: no cover
        raise NotImplementedError("a Function subclass must define forward(ctx, *arrays)")

    @staticmethod
    def backward(ctx: Context, grad: Any) -> Any:  # pragma: no cover
        raise NotImplementedError("a Function subclass must define backward(ctx, grad)")

    @classmethod
    def apply(cls, *args: Any, **kwargs: Any) -> Tensor:
        """Run ``forward`` on the arrays of ``args``; record a node if any input needs grad."""
        arrays, needs, record = [], [], False
        for a in args:
            if isinstance(a, Tensor):
                arrays.append(a._data)
                needs.append(a.requires_grad)
                record = record or a.requires_grad
            else:
                arrays.append(a)
                needs.append(False)
        ctx = Context()
        record = record and modes.grad_enabled
        if record:
            ctx.fn, ctx.inputs, ctx.layer = cls, args, modes.layer
            ctx.needs_input_grad = tuple(needs)
            if kwargs:
                ctx.kwargs = kwargs
        try:
            out = cls.forward(ctx, *arrays, **kwargs)
        except ValueError as e:
            name = cls.op_name or cls.__name__
            raise ValueError(f"{name}: {e} (operands: {errors.operands(args)})") from None
        if modes.anomaly:  # before anything is locked: a raised error leaves nothing held
            check_finite(out, cls.op_name or cls.__name__, errors.operands(args), "forward")
        t = Tensor.from_op(np.asarray(out), ctx if record else None)
        if record:
            ctx.id = t._id
            _guard(ctx, t._data, arrays, out)
            if modes.new_nodes is not None:
                modes.new_nodes.append(ctx)
        return t


def _guard(ctx: Context, out: np.ndarray, arrays: list, raw: Any) -> None:
    """Refuse writes that would make this node's gradient wrong: its output is read-only from
    birth, and what it needs unchanged (``locks.needed``) is locked until backward used it."""
    if id(out) not in map(id, arrays):  # forward may hand an input back: not ours
        out.setflags(write=False)
    if raw is not out:  # forward returned a numpy scalar: save the array the tensor holds
        ctx.saved = tuple(out if s is raw else s for s in ctx.saved)
    ctx.out = out
    owned = locks.needed(ctx.inputs, ctx.saved, ctx.kwargs)
    if owned:
        ctx.token = locks.lock(owned, ctx.name)


# ----------------------------------------------------------------------------- backward
def reduce_to_shape(g: Any, shape: tuple[int, ...]) -> Any:
    """Sum a broadcast gradient back to ``shape``: the one unbroadcast helper of the engine.

    Works on numpy arrays and on Tensors (``create_graph``). Leading axes that broadcasting
    added are summed away, and axes where ``shape`` has 1 are summed with keepdims.
    Example: ``db`` of shape (n[l], 1) from ``dZ`` of shape (n[l], m).
    """
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
            p = getattr(t, "_node", None)
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
    if create_graph and not isinstance(g, Tensor):
        g = Tensor(g)
    if root._node is None:  # backward on a leaf: d(root)/d(root), never the caller's array
        return _deliver(root, g, capture, g)
    root._node.grad = g
    order = topo_order(root._node)
    try:
        with Switch("grad_enabled", create_graph):
            for n in order:
                g, n.grad = n.grad, None
                if g is None:
                    continue
                if capture is not None and n.id in capture:  # an intermediate asked for
                    capture[n.id] = g if capture[n.id] is None else capture[n.id] + g
                elif capture is None and n.retain is not None:
                    kept = n.retain()  # retain_grad(): the output tensor, if still alive
                    if kept is not None:
                        accumulate(kept, g, g)  # g flows on: .grad gets its own copy
                if create_graph or n.released or modes.anomaly:
                    grads = _call_backward(n, g, create_graph)
                else:  # the plain case, without a call: numpy arrays in and out
                    grads = n.fn.backward(n, g)
                    if grads.__class__ is not tuple:
                        grads = (grads,)
                for inp, gi in zip(n.inputs, grads):
                    if gi is None or not (isinstance(inp, Tensor) and inp.requires_grad):
                        continue
                    if gi.shape != inp._data.shape:
                        gi = _reduce_checked(gi, n, inp)
                    p = inp._node
                    if p is not None:  # an intermediate: sum what its consumers send
                        p.grad = gi if p.grad is None else p.grad + gi
                    else:
                        _deliver(inp, gi, capture, g)
                if not retain_graph:
                    n.release()
    except BaseException:  # (Ctrl-C included) no gradients left for the next pass, and
        for n in order:  # unless the graph is retained, no arrays left locked by a graph
            n.grad = None  # that a kept traceback would hold
            if not retain_graph:
                n.release()
        raise


def _deliver(t: Tensor, g: Any, capture: dict | None, upstream: Any) -> None:
    if capture is None:
        accumulate(t, g, upstream)
    elif t._id in capture:
        capture[t._id] = g if capture[t._id] is None else capture[t._id] + g


def _call_backward(n: Context, g: Any, create_graph: bool) -> tuple:
    """A node's backward, as a tuple; on Tensors (recorded) when ``create_graph``."""
    n.check_released()
    if not create_graph:
        grads = n.fn.backward(n, g)
    else:
        n.graph_mode = True
        try:
            grads = n.fn.backward(n, g)
        except TypeError as e:
            raise errors.first_order(n.name, e) from None
        finally:
            n.graph_mode = False
        if any(
            gi is not None and not isinstance(gi, Tensor) and getattr(t, "requires_grad", False)
            for gi, t in zip(grads if isinstance(grads, tuple) else (grads,), n.inputs)
        ):
            raise errors.first_order(n.name)
    grads = grads if isinstance(grads, tuple) else (grads,)
    if modes.anomaly:
        for gi in grads:
            if gi is not None:
                check_finite(gi, n.name, errors.operands(n.inputs), "backward")
    return grads


def _reduce_checked(gi: Any, n: Context, inp: Tensor) -> Any:
    shape = inp._data.shape
    try:
        out = reduce_to_shape(gi, shape)
    except (IndexError, ValueError):
        out = gi
    if out.shape != shape:
        raise errors.gradient_shape(n.name, n.layer, gi.shape, inp.label, shape)
    return out


def _initial_grad(t: Tensor, grad: Any, create_graph: bool = False) -> Any:
    if not t.requires_grad:
        raise RuntimeError(
            f"{t.label} does not require grad and has no recorded graph: create its inputs "
            "with requires_grad=True (and not under no_grad())"
        )
    if grad is None:
        if t._data.size != 1:
            raise ValueError(
                f"backward() on {t.label} of shape {t.shape} needs grad=: pass an upstream "
                "gradient of that shape, or reduce to a scalar first (e.g. t.sum())"
            )
        return np.ones_like(t._data)
    g: Tensor | np.ndarray
    if create_graph and isinstance(grad, Tensor):
        g = grad  # a recorded upstream gradient stays recorded (double backward through it)
    else:
        g = np.asarray(grad._data if isinstance(grad, Tensor) else grad, dtype=t.dtype)
    if g.shape != t.shape:
        raise ValueError(f"backward(): grad has shape {g.shape}, {t.label} has {t.shape}")
    return g


def grad(
    output: Tensor,
    inputs: Tensor | Sequence[Tensor],
    grad_output: Any = None,
    create_graph: bool = False,
    retain_graph: bool | None = None,
) -> list[Tensor]:
    """Gradients of ``output`` with respect to ``inputs``, without touching ``.grad``.

    Args:
        output: the tensor to differentiate (a scalar unless ``grad_output`` is given).
        inputs: one tensor or a sequence; leaves or intermediates.
        grad_output: upstream gradient of ``output``'s shape (default 1 for a scalar).
        create_graph: record the backward pass, so the returned gradients can be
            differentiated again (second derivatives, Hessian-vector products).
        retain_graph: keep the graph's saved arrays (default: ``create_graph``).

    Returns:
        A list of Tensors, one per input, each of its input's shape. An input that
        ``output`` does not depend on gets zeros.

    Example::

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
    if not output.requires_grad:
        raise RuntimeError(
            f"grad(): {output.label} does not require grad; none of its inputs was recorded"
        )
    capture: dict[int, Any] = {t._id: None for t in inputs}  # a node's id is its output's
    retain = create_graph if retain_graph is None else retain_graph
    backward(output, grad_output, retain, create_graph, capture)
    result = []
    for t in inputs:
        g = capture[t._id]
        if g is None:
            g = np.zeros_like(t._data)
        result.append(g if isinstance(g, Tensor) else Tensor(np.array(g)))  # never shared
    return result


from autograd_dnn.tensor import Tensor  # noqa: E402  (the sugar class, built on this module)
