"""Tensor: a numpy array that records what is computed from it (the engine's sugar).

The engine (:mod:`autograd_dnn.engine`) holds the reverse mode; this module gives tensors
their operators, methods and properties, each a call of one op in :mod:`autograd_dnn.ops`.

Safety against in-place edits: an array that backward needs cannot change under it.

- Arrays made by recorded ops (Z[l], A[l], ...) are read-only from birth.
- A leaf's array (W[l], b[l], X, or a constant array argument) is read-only while a
  recorded graph holds it for backward (:mod:`autograd_dnn.locks`), and writable again once
  backward has used it or the graph is dropped.

``t.data[0, 0] = 5`` then fails at once with numpy's "assignment destination is read-only",
and ``t.data = other`` raises a ``RuntimeError`` naming the tensor and op. We refuse the
write rather than detect it later (a version counter) because numpy writes through
``t.data[...]`` cannot be seen by a counter: only a refused write can never give a silently
wrong gradient.
"""

from __future__ import annotations

import weakref
from collections.abc import Sequence
from typing import Any, overload

import numpy as np

from autograd_dnn import engine, locks

__all__ = ["Tensor", "as_array"]

_new = object.__new__

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
        self._node: engine.Context | None = None
        self._id = engine.new_id()

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
        holder = locks.owner(self._data)
        if holder is not None:
            raise RuntimeError(
                f"cannot replace the data of {self.label}: op '{holder}' of a "
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
    def grad_fn(self) -> engine.Context | None:
        """The recorded op that made this tensor (its graph node: ``.name``, ``.inputs``,
        ``.layer``), or None for a leaf and for what was computed without recording."""
        return self._node

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
        t._id = engine.new_id()
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
        engine.backward(self, grad, retain_graph or create_graph, create_graph)

    # -- operators ----------------------------------------------------------------------
    def __add__(self, other: Any) -> Tensor:
        return ops.Add.apply(self, other)

    def __radd__(self, other: Any) -> Tensor:
        return ops.Add.apply(other, self)

    def __sub__(self, other: Any) -> Tensor:
        return ops.Sub.apply(self, other)

    def __rsub__(self, other: Any) -> Tensor:
        return ops.Sub.apply(other, self)

    def __mul__(self, other: Any) -> Tensor:
        return ops.Mul.apply(self, other)

    def __rmul__(self, other: Any) -> Tensor:
        return ops.Mul.apply(other, self)

    def __truediv__(self, other: Any) -> Tensor:
        return ops.Div.apply(self, other)

    def __rtruediv__(self, other: Any) -> Tensor:
        return ops.Div.apply(other, self)

    def __pow__(self, other: Any) -> Tensor:
        return ops.Pow.apply(self, other)

    def __rpow__(self, other: Any) -> Tensor:
        return ops.Pow.apply(other, self)

    def __matmul__(self, other: Any) -> Tensor:
        return ops.MatMul.apply(self, other)

    def __rmatmul__(self, other: Any) -> Tensor:
        return ops.MatMul.apply(other, self)

    def __neg__(self) -> Tensor:
        return ops.Neg.apply(self)

    def __pos__(self) -> Tensor:
        return self

    def __getitem__(self, index: Any) -> Tensor:
        return ops.GetItem.apply(self, index=_freeze_index(index))

    def __setitem__(self, index: Any, value: Any) -> None:
        raise TypeError(
            f"{self.label} does not support item assignment: tensors are read-only in the "
            "graph. Build a new tensor, or edit t.data under no_grad() before recording."
        )

    # comparisons give plain boolean arrays, elementwise (as numpy): they have no gradient.
    # So np.mean(pred == Y) is an accuracy; ``t is u`` asks whether two tensors are one.
    def __eq__(self, other: Any) -> np.ndarray:  # type: ignore[override]
        return self._data == as_array(other)

    def __ne__(self, other: Any) -> np.ndarray:  # type: ignore[override]
        return self._data != as_array(other)

    def __gt__(self, other: Any) -> np.ndarray:
        return self._data > as_array(other)

    def __ge__(self, other: Any) -> np.ndarray:
        return self._data >= as_array(other)

    def __lt__(self, other: Any) -> np.ndarray:
        return self._data < as_array(other)

    def __le__(self, other: Any) -> np.ndarray:
        return self._data <= as_array(other)

    # -- methods ------------------------------------------------------------------------
    def sum(self, axis: int | tuple[int, ...] | None = None, keepdims: bool = False) -> Tensor:
        """Sum over ``axis`` (all axes by default)."""
        return ops.Sum.apply(self, axis=_norm_axis(axis, self.ndim), keepdims=keepdims)

    def mean(self, axis: int | tuple[int, ...] | None = None, keepdims: bool = False) -> Tensor:
        """Mean over ``axis``: the sum divided by the count (NaN over an empty axis, as numpy)."""
        ax = _norm_axis(axis, self.ndim)
        count = self.size if ax is None else int(np.prod([self.shape[i] for i in ax]))
        if count == 0:
            with np.errstate(invalid="ignore"):
                return self.sum(ax, keepdims) * np.float64(np.nan)
        return self.sum(ax, keepdims) * (1.0 / count)

    def max(self, axis: int | tuple[int, ...] | None = None, keepdims: bool = False) -> Tensor:
        """Maximum over ``axis``; ties share the gradient equally."""
        return ops.Max.apply(self, axis=_norm_axis(axis, self.ndim), keepdims=keepdims)

    def min(self, axis: int | tuple[int, ...] | None = None, keepdims: bool = False) -> Tensor:
        """Minimum over ``axis``: ``-max(-t)``; ties share the gradient equally."""
        return -((-self).max(axis, keepdims))

    @property
    def T(self) -> Tensor:
        """The transpose (reversed axes): ``A.T`` of shape (m, n[l]) for A (n[l], m)."""
        return ops.Transpose.apply(self, axes=None)

    @overload
    def transpose(self, axes: Sequence[int], /) -> Tensor: ...
    @overload
    def transpose(self, *axes: int) -> Tensor: ...
    def transpose(self, *axes: Any) -> Tensor:
        """Permute axes (reverse them when none are given)."""
        if len(axes) == 1 and isinstance(axes[0], (tuple, list)):
            axes = tuple(axes[0])
        return ops.Transpose.apply(self, axes=tuple(axes) if axes else None)

    def swapaxes(self, a: int, b: int) -> Tensor:
        perm = list(range(self.ndim))
        perm[a], perm[b] = perm[b], perm[a]
        return ops.Transpose.apply(self, axes=tuple(perm))

    @overload
    def reshape(self, shape: Sequence[int], /) -> Tensor: ...
    @overload
    def reshape(self, *shape: int) -> Tensor: ...
    def reshape(self, *shape: Any) -> Tensor:
        """Same data, new shape (one entry may be -1): ``t.reshape(2, 3)`` or
        ``t.reshape((2, 3))``."""
        if len(shape) == 1 and isinstance(shape[0], (tuple, list)):
            shape = tuple(shape[0])
        return ops.Reshape.apply(self, shape=tuple(int(s) for s in shape))

    def broadcast_to(self, shape: tuple[int, ...]) -> Tensor:
        return ops.BroadcastTo.apply(self, shape=tuple(shape))

    def exp(self) -> Tensor:
        return ops.Exp.apply(self)

    def log(self) -> Tensor:
        return ops.Log.apply(self)

    def sqrt(self) -> Tensor:
        return ops.Sqrt.apply(self)

    def abs(self) -> Tensor:
        return ops.Abs.apply(self)

    def clip(self, lo: float | None, hi: float | None) -> Tensor:
        """Clamp to [lo, hi]; the gradient is 0 where the value was clipped."""
        return ops.Clip.apply(self, lo=lo, hi=hi)

    def relu(self) -> Tensor:
        """max(z, 0); derivative 1 for z > 0 and 0 otherwise (0 at z = 0, as the course)."""
        return ops.ReLU.apply(self)

    def leaky_relu(self, slope: float = 0.01) -> Tensor:
        """z for z > 0, slope * z otherwise."""
        return ops.LeakyReLU.apply(self, slope=float(slope))

    def sigmoid(self) -> Tensor:
        """1 / (1 + e^-z), computed without overflow for any finite z."""
        return ops.Sigmoid.apply(self)

    def tanh(self) -> Tensor:
        return ops.Tanh.apply(self)

    def softmax(self, axis: int = 0) -> Tensor:
        """exp(z) / sum(exp(z)) along ``axis`` (0: over the units of each column)."""
        return ops.Softmax.apply(self, axis=axis)

    def log_softmax(self, axis: int = 0) -> Tensor:
        """z - logsumexp(z) along ``axis``, stable for large z."""
        return ops.LogSoftmax.apply(self, axis=axis)


def as_array(x: Any) -> Any:
    """The numpy array of a Tensor; anything else unchanged."""
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


from autograd_dnn import ops  # noqa: E402  (ops build on Tensor, defined above)
