"""Tensor, Function and the reverse-mode engine.

A :class:`Tensor` wraps a numpy array. When an operation runs on tensors that require
grad, :meth:`Function.apply` records a :class:`Context` node: which function ran, on which
input tensors, and what it saved for the backward pass. :meth:`Tensor.backward` walks those
nodes in reverse recording order and calls each function's ``backward`` (its vector-Jacobian
product), reducing every gradient to its input's shape with :func:`reduce_to_shape`.

Safety against in-place edits: an array that backward needs cannot change under it.

- Arrays made by recorded ops (Z[l], A[l], ...) are read-only from birth.
- A leaf's array (W[l], b[l], X, or a constant array argument) is read-only while a
  recorded graph holds it for backward, and writable again once backward has used it or
  the graph is dropped.

``t.data[0, 0] = 5`` then fails at once with numpy's "assignment destination is read-only",
and ``t.data = other`` raises a ``RuntimeError`` naming the tensor and op. We refuse the
write rather than detect it later (a version counter) because numpy writes through
``t.data[...]`` cannot be seen by a counter: only a refused write can never give a silently
wrong gradient. ``fit`` turns this guard off for its own step (``_trusted_step``): it runs
backward straight after the forward pass, with no user code in between.
"""

from __future__ import annotations

import contextlib
import itertools
import operator
import weakref
from collections.abc import Iterator, Sequence
from typing import Any

import numpy as np

__all__ = [
    "Tensor",
    "Function",
    "Context",
    "grad",
    "no_grad",
    "enable_grad",
    "is_grad_enabled",
    "detect_anomaly",
    "reduce_to_shape",
    "AnomalyError",
    "GradientShapeError",
]

_next_id = itertools.count().__next__  # every tensor gets a sequential id: never id()
_new = object.__new__


class _State:
    """Process-wide switches (read on every op, so plain class attributes). Like the rest of
    the engine's state they are not per thread: record and train from one thread at a time."""

    grad_enabled: bool = True
    anomaly: bool = False
    layer: int | None = None  # set by graph.layer_scope; recorded on each node
    kink_log: list | None = None  # set by gradcheck: ops with kinks append their masks
    guard_writes: bool = True  # lock saved leaf arrays, freeze outputs (see _trusted_step)


class AnomalyError(RuntimeError):
    """Raised by :func:`detect_anomaly` at the first op that produces NaN or inf."""


# ----------------------------------------------------------------------------- locks
_LOCKS: dict[int, list] = {}  # id(array) -> [array, count, was_writeable, Function]
_PENDING: list[np.ndarray] = []  # views to make writable again once their base is


def _unlock(arrays: list[np.ndarray]) -> None:
    freed = False
    for arr in reversed(arrays):  # bases (appended last) before their views
        entry = _LOCKS.get(id(arr))
        if entry is None:
            continue
        if entry[1] > 1:
            entry[1] -= 1
            continue
        del _LOCKS[id(arr)]
        if entry[2]:
            try:
                arr.setflags(write=True)
                freed = True
            except ValueError:  # its base is still held by another graph: retry later
                _PENDING.append(arr)
    if freed and _PENDING:
        waiting = _PENDING[:]
        _PENDING.clear()
        _unlock_pending(waiting)


def _unlock_pending(waiting: list[np.ndarray]) -> None:
    for arr in waiting:
        if id(arr) in _LOCKS:
            continue  # locked again meanwhile: its own release will handle it
        try:
            arr.setflags(write=True)
        except ValueError:
            _PENDING.append(arr)


class _Lock:
    """Held by a node while its saved arrays are locked; unlocks them if the graph is dropped
    before backward released them."""

    __slots__ = ("arrays",)

    def __init__(self, arrays: list[np.ndarray]) -> None:
        self.arrays = arrays

    def __del__(self) -> None:
        if self.arrays:
            _unlock(self.arrays)


# ----------------------------------------------------------------------------- context
class Context:
    """What one recorded op keeps for its backward pass: also the graph node.

    ``ctx.needs_input_grad`` says, per positional input, whether it needs a gradient.
    ``ctx.save_for_backward(*arrays)`` in ``forward``; ``ctx.saved_tensors`` in ``backward``
    gives them back: numpy arrays on the fast path, Tensors when ``create_graph=True``
    records the backward pass (inputs map to the input tensors, the output to a recomputed
    tensor, anything else stays a constant array). ``ctx.saved_arrays`` is always numpy.
    """

    __slots__ = (
        "fn",
        "inputs",
        "needs_input_grad",
        "kwargs",
        "saved",
        "id",
        "layer",
        "grad_acc",
        "released",
        "lock",
        "out",
        "__dict__",
    )
    # rarely set: class-level defaults keep op recording cheap
    retain: Any = None
    graph_mode: bool = False

    def save_for_backward(self, *arrays: Any) -> None:
        self.saved = arrays

    @property
    def saved_arrays(self) -> tuple:
        self._check_released()
        return self.saved

    @property
    def saved_tensors(self) -> tuple:
        if self.released:
            self._check_released()
        if not self.graph_mode:
            return self.saved
        out = []
        inputs = self.inputs
        for k, s in enumerate(self.saved):
            if s is self.out:  # the op's own output: recompute it as a recorded tensor
                out.append(self.fn.apply(*inputs, **self.kwargs))
                continue
            # an input's array: the input tensor itself. Ops save inputs in input order, so
            # try the same position first: two inputs may share one array (x * x.detach()).
            order = ([inputs[k]] if k < len(inputs) else []) + list(inputs)
            for t in order:
                if isinstance(t, Tensor) and s is t._data:
                    out.append(t)
                    break
            else:
                out.append(s)  # anything else is a constant
        return tuple(out)

    @property
    def name(self) -> str:
        """The op's name: ``op_name`` when the Function sets one, else its class name."""
        return _op_name(self.fn)

    def _check_released(self) -> None:
        if self.released:
            raise RuntimeError(
                f"backward through op '{self.name}' (node {self.id}) a second time: its saved "
                "arrays were released after the first backward. Pass retain_graph=True to the "
                "first backward() if you need to run it twice."
            )

    def _finalize(self, out: np.ndarray, raw: Any) -> None:
        """After forward: keep the output array (to recognise it in ``saved_tensors``) and
        lock the saved arrays of leaves and constants (with the bases of saved views) until
        backward has used them.

        ``raw`` is what forward returned (a numpy scalar for 0-d results), ``out`` the array
        the output tensor holds; a saved ``raw`` is replaced by ``out``."""
        if raw is not out:
            self.saved = tuple(out if s is raw else s for s in self.saved)
        self.out = out
        if not _State.guard_writes:
            return
        saved = self.saved
        owned = []  # leaves' arrays and constant array arguments: op outputs are read-only
        for t in self.inputs:
            if t.__class__ is Tensor:
                if t._node is not None:
                    continue
                t = t._data
            elif t.__class__ is not np.ndarray:
                continue
            for a in saved:
                if a is t:
                    owned.append(t)
                    break
        for a in saved:  # a saved view: its bases too, so writes through them are refused
            if a.__class__ is np.ndarray and a.base is not None:
                base = a.base
                while base is not None and base.__class__ is np.ndarray:
                    owned.append(base)
                    base = base.base
        if owned:  # lock them, counting per array (``id`` is only a key while the entry holds
            locks = _LOCKS  # the array alive), so two graphs saving one array stay consistent
            for arr in owned:
                entry = locks.get(id(arr))
                if entry is None:
                    writeable = arr.flags.writeable
                    locks[id(arr)] = [arr, 1, writeable, self.fn]
                    if writeable:
                        arr.setflags(write=False)
                else:
                    entry[1] += 1
            self.lock = _Lock(owned)

    def _release(self) -> None:
        self.saved = ()
        self.out = None
        self.released = True
        lock = self.lock
        if lock is not None:
            _unlock(lock.arrays)
            lock.arrays = None
            self.lock = None


class _NullContext:
    """The context handed to forward when nothing is recorded: saving is a no-op."""

    needs_input_grad = ()

    def save_for_backward(self, *arrays: Any) -> None:
        """Nothing is recorded, so nothing is kept: backward will never run on this op."""


# ----------------------------------------------------------------------------- function
class Function:
    """A differentiable primitive: ``forward`` and its vector-Jacobian product side by side.

    Subclass it and define two static methods::

        class Cube(Function):
            @staticmethod
            def forward(ctx, x):            # numpy arrays in, numpy array out
                ctx.save_for_backward(x)
                return x ** 3

            @staticmethod
            def backward(ctx, grad):        # upstream gradient in, one gradient per input
                (x,) = ctx.saved_tensors
                return 3 * x ** 2 * grad

        y = Cube.apply(t)

    ``backward`` returns one array (or ``None``) per positional input of ``forward``; a
    gradient may have the broadcast shape, it is reduced to the input's shape for you.
    Non-tensor arguments (numbers, axes) are passed to ``forward`` unchanged and get no
    gradient. A backward written only with ``*, /, +, -, @, .T, .sum(axis, keepdims)``
    also runs on Tensors, so ``create_graph=True`` gives second derivatives; one that calls
    numpy functions is first-order only, and the engine says so when asked for more.
    """

    op_name: str | None = None

    @staticmethod
    def forward(ctx: Any, *args: Any, **kwargs: Any) -> np.ndarray:  # pragma: no cover
        raise NotImplementedError("a Function subclass must define forward(ctx, *arrays)")

    @staticmethod
    def backward(ctx: Any, grad: Any) -> Any:  # pragma: no cover
        raise NotImplementedError("a Function subclass must define backward(ctx, grad)")

    @classmethod
    def apply(cls, *args: Any, **kwargs: Any) -> Tensor:
        arrays = []
        needs = []
        record = False
        for a in args:
            if isinstance(a, Tensor):
                arrays.append(a._data)
                r = a.requires_grad
                needs.append(r)
                record = record or r
            else:
                arrays.append(a)
                needs.append(False)
        if record and _State.grad_enabled:
            ctx = _new(Context)
            ctx.fn = cls
            ctx.inputs = args
            ctx.needs_input_grad = needs
            ctx.kwargs = kwargs
            ctx.saved = ()
            ctx.layer = _State.layer
            ctx.grad_acc = None
            ctx.released = False
            ctx.lock = None
            ctx.out = None
        else:
            record = False
            ctx = _NULL_CTX
        try:
            out = cls.forward(ctx, *arrays, **kwargs) if kwargs else cls.forward(ctx, *arrays)
        except ValueError as e:
            raise _operand_error(cls, args, e) from None
        raw = out
        if out.__class__ is not np.ndarray:
            out = np.asarray(out)
        t = _new(Tensor)
        t._data = out
        t._id = _next_id()
        t.grad = t.name = None
        if record:
            if _State.guard_writes:
                for a in arrays:
                    if a is out:  # forward handed an input back: not ours to freeze
                        break
                else:
                    out.setflags(write=False)  # recorded outputs are read-only from birth
            ctx.id = t._id
            if ctx.saved:
                ctx._finalize(out, raw)
            t._node = ctx
            t.requires_grad = True
        else:
            t._node = None
            t.requires_grad = False
        if _State.anomaly:
            _check_finite(out, cls, args, "forward")
        return t


_NULL_CTX = _NullContext()


def _op_name(fn: type[Function]) -> str:
    return fn.op_name or fn.__name__


def _describe(a: Any) -> str:
    if isinstance(a, Tensor):
        return f"{a.label} {tuple(a.shape)}"
    if isinstance(a, np.ndarray):
        return f"array {tuple(a.shape)}"
    return repr(a)


def _operand_error(fn: type[Function], args: tuple, err: Exception) -> ValueError:
    operands = ", ".join(_describe(a) for a in args)
    return ValueError(f"{_op_name(fn)}: {err} (operands: {operands})")


def _check_finite(arr: Any, fn: type[Function], args: tuple, where: str) -> None:
    data = arr._data if isinstance(arr, Tensor) else arr
    if data is not None and not np.all(np.isfinite(data)):
        bad = "NaN" if np.isnan(data).any() else "inf"
        operands = ", ".join(_describe(a) for a in args)
        raise AnomalyError(
            f"detect_anomaly: {where} of op '{_op_name(fn)}' produced {bad} (inputs: {operands})"
        )


# ----------------------------------------------------------------------------- reduction
_add_reduce = np.add.reduce  # what ndarray.sum calls, through a Python-level wrapper


def reduce_to_shape(g: Any, shape: tuple[int, ...]) -> Any:
    """Sum a broadcast gradient back to ``shape``: the one unbroadcast helper of the engine.

    Works on numpy arrays and on Tensors (``create_graph``). Leading axes that broadcasting
    added are summed away, and axes where ``shape`` has 1 are summed with keepdims.
    Example: ``db`` of shape (n[l], 1) from ``dZ`` of shape (n[l], m).
    """
    gshape = g.shape
    if gshape == shape:
        return g
    if len(gshape) == 2 and shape == (gshape[0], 1):
        if g.__class__ is np.ndarray:  # db[l] from dZ[l]: the common case, fast
            return _add_reduce(g, 1, keepdims=True)  # g.sum without its Python wrapper
        return g.sum(axis=1, keepdims=True)  # a Tensor (create_graph)
    extra = len(gshape) - len(shape)
    if extra > 0:
        g = g.sum(axis=tuple(range(extra)))
    axes = tuple(i for i, n in enumerate(shape) if n == 1 and g.shape[i] != 1)
    if axes:
        g = g.sum(axis=axes, keepdims=True)
    return g


# ----------------------------------------------------------------------------- tensor
_ALLOWED_KINDS = "fiub"


class Tensor:
    """An n-dimensional array that records the operations applied to it.

    Args:
        data: array-like. float32 arrays stay float32; everything else numeric becomes
            float64 (ints and bools included). Object, complex and string data are refused.
        requires_grad: record operations on this tensor so that backward reaches it.
        name: a label used in error messages and pictures, e.g. ``"W1"``.

    Example::

        >>> x = Tensor([[1.0, 2.0]], requires_grad=True, name="x")
        >>> y = (x * x).sum()
        >>> y.backward()
        >>> x.grad
        array([[2., 4.]])
    """

    __slots__ = (
        "_data",
        "requires_grad",
        "_node",
        "_id",
        "grad",
        "name",
        "__dict__",
        "__weakref__",
    )
    # class-level defaults, overridden per tensor only when set
    _layer: int | None = None
    _version: int = 0
    __array_ufunc__ = None  # numpy defers to our reflected operators: array + Tensor works
    __array_priority__ = 1000

    def __init__(self, data: Any, requires_grad: bool = False, name: str | None = None) -> None:
        self._data = _as_float_array(data, name)
        self.requires_grad = bool(requires_grad)
        self.name = name
        self.grad: np.ndarray | None = None
        self._node: Context | None = None
        self._id = _next_id()

    # -- data and metadata -------------------------------------------------------------
    @property
    def data(self) -> np.ndarray:
        """The numpy array. Read-only while a recorded graph holds it for backward."""
        return self._data

    @data.setter
    def data(self, value: Any) -> None:
        if self._node is not None:
            raise RuntimeError(
                f"cannot replace the data of {self.label}: it was made by op "
                f"'{self._node.name}' of a recorded graph; use t.detach() or a copy instead"
            )
        entry = _LOCKS.get(id(self._data))
        if entry is not None:
            raise RuntimeError(
                f"cannot replace the data of {self.label}: op '{_op_name(entry[3])}' of a "
                "recorded graph saved it for backward. Call backward() first, or drop the graph."
            )
        arr = _as_float_array(value, self.name)
        if arr.shape != self._data.shape:
            raise ValueError(
                f"new data for {self.label} has shape {arr.shape}, expected {self._data.shape}"
            )
        self._data = arr
        self._version += 1

    @property
    def layer(self) -> int | None:
        """The layer l this tensor belongs to: set on parameters (W1.layer == 1), and taken
        from ``layer_scope`` for tensors made by recorded ops."""
        node = self._node
        return node.layer if node is not None else self._layer

    @layer.setter
    def layer(self, value: int | None) -> None:
        if self._node is not None:
            self._node.layer = value
        else:
            self._layer = value

    @property
    def version(self) -> int:
        """How many times ``data`` was replaced through the setter."""
        return self._version

    @property
    def shape(self) -> tuple[int, ...]:
        return self._data.shape

    @property
    def dtype(self) -> np.dtype:
        return self._data.dtype

    @property
    def ndim(self) -> int:
        return self._data.ndim

    @property
    def size(self) -> int:
        return self._data.size

    @property
    def is_leaf(self) -> bool:
        """True for tensors made by the user (not by a recorded op)."""
        return self._node is None

    @property
    def label(self) -> str:
        """``name`` when set, else ``tensor#<id>``: how errors refer to this tensor."""
        return self.name if self.name else f"tensor#{self._id}"

    def __len__(self) -> int:
        return len(self._data)

    def __repr__(self) -> str:
        body = np.array2string(self._data, separator=", ", prefix="Tensor(")
        extra = ""
        if self.name:
            extra += f", name={self.name!r}"
        if self._node is not None:
            extra += f", op={self._node.name!r}"
        elif self.requires_grad:
            extra += ", requires_grad=True"
        return f"Tensor({body}{extra})"

    def numpy(self) -> np.ndarray:
        """The data as a numpy array (no copy)."""
        return self._data

    def item(self) -> float:
        """The value of a one-element tensor as a Python float."""
        return self._data.item()

    def __float__(self) -> float:
        return float(self._data)

    def __bool__(self) -> bool:
        raise TypeError(
            f"the truth value of {self.label} is ambiguous; compare t.data or use t.item()"
        )

    __hash__ = object.__hash__

    # -- graph --------------------------------------------------------------------------
    def detach(self) -> Tensor:
        """A tensor sharing this data, with no history and requires_grad False."""
        t = _new(Tensor)
        t._data = self._data
        t.requires_grad = False
        t._node = None
        t._id = _next_id()
        t.grad = None
        t.name = self.name
        t._layer = self.layer
        return t

    def requires_grad_(self, flag: bool = True) -> Tensor:
        """Set ``requires_grad`` in place (leaves only) and return self."""
        if self._node is not None and not flag:
            raise RuntimeError(
                f"{self.label} was made by op '{self._node.name}': use detach() instead"
            )
        self.requires_grad = flag
        return self

    def retain_grad(self) -> Tensor:
        """Keep the gradient of this intermediate tensor in ``.grad`` after backward."""
        if self._node is not None:
            self._node.retain = weakref.ref(self)
        elif not self.requires_grad:
            raise RuntimeError(f"{self.label} does not require grad; nothing to retain")
        return self

    def zero_grad(self) -> None:
        """Forget the accumulated gradient (``.grad = None``)."""
        self.grad = None

    def backward(
        self, grad: Any = None, retain_graph: bool = False, create_graph: bool = False
    ) -> None:
        """Accumulate d(self)/d(leaf) into ``.grad`` of every leaf that requires grad.

        Args:
            grad: the upstream gradient, same shape as self. May be omitted for a scalar
                (one-element) tensor, where it is 1.
            retain_graph: keep saved arrays so backward can run again through this graph.
            create_graph: record the backward pass itself (for second derivatives);
                implies retain_graph. ``.grad`` stays a numpy array; use :func:`grad` to get
                differentiable gradients.
        """
        if not self.requires_grad:
            raise RuntimeError(
                f"{self.label} does not require grad and has no recorded graph: create its "
                "inputs with requires_grad=True (and not under no_grad())"
            )
        g = _initial_grad(self, grad)
        _backprop(self, g, retain_graph or create_graph, create_graph, None)

    # -- operators ----------------------------------------------------------------------
    def __add__(self, other: Any) -> Tensor:
        return _ops.Add.apply(self, other)

    def __radd__(self, other: Any) -> Tensor:
        return _ops.Add.apply(other, self)

    def __sub__(self, other: Any) -> Tensor:
        return _ops.Sub.apply(self, other)

    def __rsub__(self, other: Any) -> Tensor:
        return _ops.Sub.apply(other, self)

    def __mul__(self, other: Any) -> Tensor:
        return _ops.Mul.apply(self, other)

    def __rmul__(self, other: Any) -> Tensor:
        return _ops.Mul.apply(other, self)

    def __truediv__(self, other: Any) -> Tensor:
        return _ops.Div.apply(self, other)

    def __rtruediv__(self, other: Any) -> Tensor:
        return _ops.Div.apply(other, self)

    def __pow__(self, other: Any) -> Tensor:
        return _ops.Pow.apply(self, other)

    def __rpow__(self, other: Any) -> Tensor:
        return _ops.Pow.apply(other, self)

    def __matmul__(self, other: Any) -> Tensor:
        return _ops.MatMul.apply(self, other)

    def __rmatmul__(self, other: Any) -> Tensor:
        return _ops.MatMul.apply(other, self)

    def __neg__(self) -> Tensor:
        return _ops.Neg.apply(self)

    def __pos__(self) -> Tensor:
        return self

    def __getitem__(self, index: Any) -> Tensor:
        return _ops.GetItem.apply(self, index=_freeze_index(index))

    def __setitem__(self, index: Any, value: Any) -> None:
        raise TypeError(
            f"{self.label} does not support item assignment: tensors are read-only in the "
            "graph. Build a new tensor, or edit t.data under no_grad() before recording."
        )

    # comparisons give plain boolean arrays: they have no gradient
    def __gt__(self, other: Any) -> np.ndarray:
        return self._data > _raw(other)

    def __ge__(self, other: Any) -> np.ndarray:
        return self._data >= _raw(other)

    def __lt__(self, other: Any) -> np.ndarray:
        return self._data < _raw(other)

    def __le__(self, other: Any) -> np.ndarray:
        return self._data <= _raw(other)

    # -- methods ------------------------------------------------------------------------
    def sum(self, axis: int | tuple[int, ...] | None = None, keepdims: bool = False) -> Tensor:
        """Sum over ``axis`` (all axes by default)."""
        return _ops.Sum.apply(self, axis=_norm_axis(axis, self.ndim), keepdims=keepdims)

    def mean(self, axis: int | tuple[int, ...] | None = None, keepdims: bool = False) -> Tensor:
        """Mean over ``axis``: the sum times 1/count."""
        ax = _norm_axis(axis, self.ndim)
        count = self.size if ax is None else int(np.prod([self.shape[i] for i in ax]))
        return self.sum(ax, keepdims) * (1.0 / count)

    def max(self, axis: int | tuple[int, ...] | None = None, keepdims: bool = False) -> Tensor:
        """Maximum over ``axis``; ties share the gradient equally."""
        return _ops.Max.apply(self, axis=_norm_axis(axis, self.ndim), keepdims=keepdims)

    @property
    def T(self) -> Tensor:
        """The transpose (reversed axes): ``A.T`` of shape (m, n[l]) for A (n[l], m)."""
        return _ops.Transpose.apply(self, axes=None)

    def transpose(self, *axes: int) -> Tensor:
        """Permute axes (reverse them when none are given)."""
        if len(axes) == 1 and isinstance(axes[0], (tuple, list)):
            axes = tuple(axes[0])
        return _ops.Transpose.apply(self, axes=tuple(axes) if axes else None)

    def swapaxes(self, a: int, b: int) -> Tensor:
        perm = list(range(self.ndim))
        perm[a], perm[b] = perm[b], perm[a]
        return _ops.Transpose.apply(self, axes=tuple(perm))

    def reshape(self, *shape: int) -> Tensor:
        """Same data, new shape (one entry may be -1)."""
        if len(shape) == 1 and isinstance(shape[0], (tuple, list)):
            shape = tuple(shape[0])
        return _ops.Reshape.apply(self, shape=tuple(int(s) for s in shape))

    def broadcast_to(self, shape: tuple[int, ...]) -> Tensor:
        return _ops.BroadcastTo.apply(self, shape=tuple(shape))

    def exp(self) -> Tensor:
        return _ops.Exp.apply(self)

    def log(self) -> Tensor:
        return _ops.Log.apply(self)

    def sqrt(self) -> Tensor:
        return _ops.Sqrt.apply(self)

    def abs(self) -> Tensor:
        return _ops.Abs.apply(self)

    def clip(self, lo: float | None, hi: float | None) -> Tensor:
        """Clamp to [lo, hi]; the gradient is 0 where the value was clipped."""
        return _ops.Clip.apply(self, lo=lo, hi=hi)

    def relu(self) -> Tensor:
        """max(z, 0); derivative 1 for z > 0 and 0 otherwise (0 at z = 0, as the course)."""
        return _ops.ReLU.apply(self)

    def leaky_relu(self, slope: float = 0.01) -> Tensor:
        """z for z > 0, slope * z otherwise."""
        return _ops.LeakyReLU.apply(self, slope=float(slope))

    def sigmoid(self) -> Tensor:
        """1 / (1 + e^-z), computed without overflow for any finite z."""
        return _ops.Sigmoid.apply(self)

    def tanh(self) -> Tensor:
        return _ops.Tanh.apply(self)

    def softmax(self, axis: int = 0) -> Tensor:
        """exp(z) / sum(exp(z)) along ``axis`` (0: over the units of each column)."""
        return _ops.Softmax.apply(self, axis=axis)

    def log_softmax(self, axis: int = 0) -> Tensor:
        """z - logsumexp(z) along ``axis``, stable for large z."""
        return _ops.LogSoftmax.apply(self, axis=axis)


def _raw(x: Any) -> Any:
    return x._data if isinstance(x, Tensor) else x


def _norm_axis(axis: Any, ndim: int) -> tuple[int, ...] | None:
    if axis is None:
        return None
    if isinstance(axis, (int, np.integer)):
        axis = (int(axis),)
    out = []
    for a in axis:
        if not -ndim <= a < max(ndim, 1):
            raise ValueError(f"axis {a} is out of range for a tensor with {ndim} dimensions")
        out.append(a % ndim if ndim else 0)
    return tuple(sorted(out))


def _freeze_index(index: Any) -> Any:
    """Validate a read-only index: basic slices, ints, None, Ellipsis, integer arrays."""
    items = index if isinstance(index, tuple) else (index,)
    for it in items:
        if isinstance(it, (slice, int, np.integer)) or it is None or it is Ellipsis:
            continue
        arr = np.asarray(it._data if isinstance(it, Tensor) else it)
        if arr.dtype.kind not in "iu":
            raise TypeError(
                f"tensor indexing takes ints, slices and integer arrays, got {arr.dtype} "
                "(boolean masks: use np.nonzero(mask) first)"
            )
    return index


def _as_float_array(data: Any, name: str | None = None) -> np.ndarray:
    if isinstance(data, Tensor):
        data = data._data
    arr = np.asarray(data)
    kind = arr.dtype.kind
    if kind not in _ALLOWED_KINDS:
        what = {"c": "complex", "O": "object", "U": "string", "S": "bytes"}.get(
            kind, str(arr.dtype)
        )
        raise TypeError(
            f"Tensor{' ' + name if name else ''}: {what} data ({arr.dtype}) is not supported; "
            "pass real numbers (they become float64, float32 arrays stay float32)"
        )
    if arr.dtype != np.float64 and arr.dtype != np.float32:
        arr = arr.astype(np.float64)
    return arr


# ----------------------------------------------------------------------------- engine
def _initial_grad(t: Tensor, grad: Any) -> np.ndarray:
    if grad is None:
        if t._data.size != 1:
            raise ValueError(
                f"backward() on {t.label} of shape {t.shape} needs grad=: pass an upstream "
                "gradient of that shape, or reduce to a scalar first (e.g. t.sum())"
            )
        return np.ones_like(t._data)
    g = np.asarray(grad._data if isinstance(grad, Tensor) else grad, dtype=t.dtype)
    if g.shape != t.shape:
        raise ValueError(f"backward(): grad has shape {g.shape}, {t.label} has {t.shape}")
    return g


def _topo_order(root: Context) -> list[Context]:
    """Nodes reachable from ``root``, outputs before inputs, iteratively (no recursion).

    Node ids increase in recording order and every input was recorded before its consumer,
    so descending id is a reverse topological order, and a deterministic one.
    """
    if not any(isinstance(t, Tensor) and t._node is not None for t in root.inputs):
        return [root]
    seen = {root}
    stack = [root]
    nodes = []
    while stack:
        n = stack.pop()
        nodes.append(n)
        for t in n.inputs:
            if isinstance(t, Tensor):
                p = t._node
                if p is not None and p not in seen:
                    seen.add(p)
                    stack.append(p)
    if len(nodes) > 1:
        nodes.sort(key=_NODE_ID, reverse=True)
    return nodes


_NODE_ID = operator.attrgetter("id")


def _backprop(
    root: Tensor,
    g: Any,
    retain_graph: bool,
    create_graph: bool,
    capture: dict[int, Any] | None,
) -> None:
    """The reverse pass. ``capture`` (``ad.grad``) maps tensor ids to collected gradients and
    leaves ``.grad`` untouched; otherwise gradients accumulate into leaves' ``.grad``."""
    if create_graph and not isinstance(g, Tensor):
        g = Tensor(g)
    node = root._node
    if node is None:  # backward on a leaf: d(self)/d(self)
        _accumulate_leaf(root, g, capture)
        return
    anomaly = _State.anomaly
    node.grad_acc = g
    order = _topo_order(node)
    prev_mode = _State.grad_enabled
    _State.grad_enabled = create_graph
    try:
        for n in order:
            g = n.grad_acc
            if g is None:
                continue
            n.grad_acc = None
            if n.released:
                n._check_released()
            if capture is None:
                if n.retain is not None and (t := n.retain()) is not None:
                    _accumulate_grad_attr(t, g)
            elif n.id in capture:
                capture[n.id] = g if capture[n.id] is None else capture[n.id] + g
            if create_graph:
                grads = _call_backward_recorded(n, g)
            else:
                grads = n.fn.backward(n, g)
                if grads.__class__ is not tuple:
                    grads = (grads,)
            if anomaly:
                for gi in grads:
                    if gi is not None:
                        _check_finite(gi, n.fn, n.inputs, "backward")
            for inp, gi in zip(n.inputs, grads):
                if gi is None or not isinstance(inp, Tensor) or not inp.requires_grad:
                    continue
                shape = inp._data.shape
                if gi.shape != shape:
                    gi = _reduce_checked(gi, shape, n, inp)
                p = inp._node
                if p is not None:  # an intermediate: sum what its consumers send
                    p.grad_acc = gi if p.grad_acc is None else p.grad_acc + gi
                elif capture is not None:
                    if inp._id in capture:
                        c = capture[inp._id]
                        capture[inp._id] = gi if c is None else c + gi
                elif (
                    inp.grad is None
                    and gi is not g
                    and gi.__class__ is np.ndarray
                    and gi.base is None
                    and gi.dtype is inp._data.dtype
                ):
                    inp.grad = gi  # a fresh array of the leaf's dtype: keep it, no copy
                else:
                    _accumulate_grad_attr(inp, gi, g)
            if not retain_graph:
                n.saved = ()
                n.out = None
                n.released = True
                if n.lock is not None:
                    n._release()
    except BaseException:
        for n in order:  # a failed pass must not leave gradients for the next one
            n.grad_acc = None
        raise
    finally:
        _State.grad_enabled = prev_mode


class GradientShapeError(RuntimeError):
    """A backward returned a gradient that cannot be reduced to its input's shape."""

    def __init__(self, message: str, tensor_name: str, layer: int | None) -> None:
        super().__init__(message)
        self.tensor_name = tensor_name
        self.layer = layer


def _reduce_checked(gi: Any, shape: tuple[int, ...], n: Context, inp: Tensor) -> Any:
    try:
        out = reduce_to_shape(gi, shape)
    except (IndexError, ValueError):
        out = gi
    if out.shape != shape:
        where = f" in layer {n.layer}" if n.layer is not None else ""
        hint = " (a missing keepdims=True?)" if len(gi.shape) < len(shape) else ""
        raise GradientShapeError(
            f"backward of op '{n.name}'{where} returned a gradient of shape {gi.shape} for "
            f"{inp.label}, whose shape is {shape}{hint}",
            inp.label,
            n.layer,
        )
    return out


def _call_backward_recorded(n: Context, g: Any) -> tuple:
    """Run a node's backward on Tensors, so that the backward pass is itself recorded."""
    first_order = (
        f"op '{n.name}' is first-order only: its backward works on numpy arrays, so "
        "create_graph=True cannot record it. Write its backward with Tensor operations "
        "(*, /, +, -, @, .T, .sum) to get higher derivatives."
    )
    n.graph_mode = True
    try:
        grads = n.fn.backward(n, g)
    except TypeError as e:
        raise RuntimeError(f"{first_order} ({e})") from None
    finally:
        n.graph_mode = False
    grads = grads if isinstance(grads, tuple) else (grads,)
    for gi, inp in zip(grads, n.inputs):
        if gi is not None and isinstance(inp, Tensor) and inp.requires_grad:
            if not isinstance(gi, Tensor):
                raise RuntimeError(first_order)
    return grads


def _accumulate_leaf(t: Tensor, gi: Any, capture: dict | None, upstream: Any = None) -> None:
    if capture is not None:
        if t._id in capture:
            capture[t._id] = gi if capture[t._id] is None else capture[t._id] + gi
        return
    _accumulate_grad_attr(t, gi, upstream)


def _accumulate_grad_attr(t: Tensor, gi: Any, upstream: Any = None) -> None:
    if isinstance(gi, Tensor):
        gi = gi._data
    if gi.dtype != t._data.dtype:
        gi = gi.astype(t._data.dtype)
    if t.grad is None:
        # never alias an array another tensor may also receive (pass-through ops, views)
        t.grad = gi.copy() if (gi is upstream or gi.base is not None) else gi
    else:
        t.grad = t.grad + gi


class _Switch(contextlib.ContextDecorator):
    """Set one process-wide switch of ``_State`` for a block (or a decorated function) and
    restore it after. A class, not a generator: ``fit`` enters a few of these every step."""

    def __init__(self, name: str, value: Any) -> None:
        self.name, self.value = name, value
        self.prev: list = []  # a stack, so one instance may be re-entered (as a decorator)

    def __enter__(self) -> None:
        self.prev.append(getattr(_State, self.name))
        setattr(_State, self.name, self.value)

    def __exit__(self, *exc: Any) -> None:
        setattr(_State, self.name, self.prev.pop())


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
    single = isinstance(inputs, Tensor)
    inputs = [inputs] if single else list(inputs)
    for t in inputs:
        if not isinstance(t, Tensor):
            raise TypeError(f"grad(): inputs must be Tensors, got {type(t).__name__}")
    if not output.requires_grad:
        raise RuntimeError(
            f"grad(): {output.label} does not require grad; none of its inputs was recorded"
        )
    retain = create_graph if retain_graph is None else retain_graph
    capture: dict[int, Any] = {t._id: None for t in inputs}
    g = _initial_grad(output, grad_output)
    _backprop(output, g, retain, create_graph, capture)
    result = []
    for t in inputs:
        gi = capture[t._id]
        if gi is None:
            gi = np.zeros_like(t._data)
        if isinstance(gi, Tensor):
            result.append(gi)
        else:
            result.append(Tensor(gi))
    return result


def no_grad() -> _Switch:
    """Record nothing inside the block (evaluation, parameter updates). Also a decorator."""
    return _Switch("grad_enabled", False)


def enable_grad() -> _Switch:
    """Record again inside a ``no_grad`` block. Also a decorator."""
    return _Switch("grad_enabled", True)


def _trusted_step() -> _Switch:
    """Record without the write guard: saved leaf arrays are not locked and outputs are not
    frozen. Only for library code that runs a forward and its backward back to back with
    built-in ops (``fit``'s step), where no user code can write in between; the guard costs
    several microseconds per node, a fifth or more of a small layer's step."""
    return _Switch("guard_writes", False)


def is_grad_enabled() -> bool:
    return _State.grad_enabled


@contextlib.contextmanager
def detect_anomaly() -> Iterator[None]:
    """Raise :class:`AnomalyError` at the first op whose forward or backward gives NaN/inf.

    The message names the op, its inputs (by name) and their shapes. Slow: debugging only.
    """
    prev = _State.anomaly
    _State.anomaly = True
    try:
        with np.errstate(all="ignore"):
            yield
    finally:
        _State.anomaly = prev


from autograd_dnn import ops as _ops  # noqa: E402  (ops subclass Function, defined above)
