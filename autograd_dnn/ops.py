"""The primitives: each op's forward and its vector-Jacobian product side by side.

Conventions (read one op, and you can check the chain rule against the forward):

- ``forward(ctx, *arrays, **options)`` gets numpy arrays and returns one array.
- ``backward(ctx, g)`` gets the upstream gradient ``g`` (the output's shape) and returns one
  gradient per positional input. Gradients may keep a broadcast shape: the engine reduces
  them with the single helper ``engine.reduce_to_shape``.
- Backward rules use only operations that numpy arrays and Tensors share (``*``, ``/``,
  ``@``, ``.T``, ``.sum(axis, keepdims)``, ``.reshape``) or the dual helpers below, so the
  same rule runs on arrays (fast path) and on Tensors (``create_graph=True``).
- Masks (relu, abs, clip, max) come from ``ctx.saved_arrays``: they are constants.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from autograd_dnn.engine import Function, modes
from autograd_dnn.modes import note_kink
from autograd_dnn.tensor import Tensor


# ---------------------------------------------------------------- helpers for both speeds
def _exp(a: Any) -> Any:
    return a.exp() if isinstance(a, Tensor) else np.exp(a)


def _log(a: Any) -> Any:
    return a.log() if isinstance(a, Tensor) else np.log(a)


def _sigmoid(a: Any) -> Any:
    return a.sigmoid() if isinstance(a, Tensor) else _stable_sigmoid(a)


def _softmax(a: Any, axis: int) -> Any:
    return a.softmax(axis) if isinstance(a, Tensor) else _stable_softmax(a, axis)


def _log_softmax(a: Any, axis: int) -> Any:
    return a.log_softmax(axis) if isinstance(a, Tensor) else _stable_log_softmax(a, axis)


def _where(cond: np.ndarray, a: Any, b: Any) -> Any:
    if isinstance(a, Tensor) or isinstance(b, Tensor):
        return Where.apply(cond, a, b)
    return np.where(cond, a, b)


def _swap_last(a: Any) -> Any:
    return a.swapaxes(-1, -2)


def _broadcast_to(a: Any, shape: tuple[int, ...]) -> Any:
    return a.broadcast_to(shape) if isinstance(a, Tensor) else np.broadcast_to(a, shape)


def _keepdims_shape(shape: tuple[int, ...], axis: tuple[int, ...] | None) -> tuple[int, ...]:
    if axis is None:
        return (1,) * len(shape)
    return tuple(1 if i in axis else n for i, n in enumerate(shape))


def _stable_sigmoid(z: np.ndarray) -> np.ndarray:
    e = np.exp(-np.abs(z))  # in (0, 1]: never overflows
    return (np.where(z >= 0, 1.0, e) / (1.0 + e)).astype(z.dtype, copy=False)


def _stable_softmax(z: np.ndarray, axis: int) -> np.ndarray:
    e = np.exp(z - z.max(axis=axis, keepdims=True))
    return e / e.sum(axis=axis, keepdims=True)


def _stable_log_softmax(z: np.ndarray, axis: int) -> np.ndarray:
    shifted = z - z.max(axis=axis, keepdims=True)
    return shifted - np.log(np.exp(shifted).sum(axis=axis, keepdims=True))


def _read_only_view(out: np.ndarray) -> np.ndarray:
    """A view shares its input's memory: writing through it would change a value the graph may
    have saved, unseen. Views made by ops are therefore read-only (copies stay writable)."""
    if isinstance(out, np.ndarray) and out.base is not None:
        out.setflags(write=False)
    return out


def _samples(z: np.ndarray) -> int:
    """m: the number of samples, i.e. columns (the last axis)."""
    return z.shape[-1] if z.ndim else 1


# ---------------------------------------------------------------- arithmetic
class Add(Function):
    op_name = "add"

    @staticmethod
    def forward(ctx, a, b):
        return a + b

    @staticmethod
    def backward(ctx, g):
        return g, g


class Sub(Function):
    op_name = "sub"

    @staticmethod
    def forward(ctx, a, b):
        return a - b

    @staticmethod
    def backward(ctx, g):
        return g, -g


class Mul(Function):
    op_name = "mul"

    @staticmethod
    def forward(ctx, a, b):
        ctx.save_for_backward(a, b)
        return a * b

    @staticmethod
    def backward(ctx, g):
        a, b = ctx.saved_tensors
        return g * b, g * a


class Div(Function):
    op_name = "div"

    @staticmethod
    def forward(ctx, a, b):
        ctx.save_for_backward(a, b)
        return a / b

    @staticmethod
    def backward(ctx, g):
        a, b = ctx.saved_tensors
        ga = g / b
        return ga, -ga * a / b


class Neg(Function):
    op_name = "neg"

    @staticmethod
    def forward(ctx, a):
        return -a

    @staticmethod
    def backward(ctx, g):
        return -g


class Pow(Function):
    op_name = "pow"

    @staticmethod
    def forward(ctx, a, b):
        out = np.power(a, b)
        ctx.save_for_backward(a, b, out)
        return out

    @staticmethod
    def backward(ctx, g):
        a, b, out = ctx.saved_tensors
        a_arr, b_arr = ctx.saved_arrays[:2]
        need_a, need_b = ctx.needs_input_grad
        # d/da a^b = b a^(b-1), which is 0 for b = 0 even at a = 0 (no 0 * inf): there, and
        # only there, a is replaced by 1. d/db a^b = a^b log a, 0 at a = 0 (as torch).
        at_zero = np.equal(a_arr, 0)
        ga = g * b * _where(at_zero & np.equal(b_arr, 0), 1.0, a) ** (b - 1) if need_a else None
        gb = g * out * _log(_where(at_zero, 1.0, a)) if need_b else None
        return ga, gb


class MatMul(Function):
    op_name = "matmul"

    @staticmethod
    def forward(ctx, a, b):
        if a.__class__ is not np.ndarray or b.__class__ is not np.ndarray:
            a, b = np.asarray(a), np.asarray(b)  # constants may come as lists
        if a.ndim < 2 or b.ndim < 2:  # numpy takes a 1-D operand; a layer never does
            raise ValueError(_matmul_problem(a.shape, b.shape))
        try:
            out = a @ b
        except ValueError:  # inner sizes that disagree get our message
            problem = _matmul_problem(a.shape, b.shape)
            if problem:
                raise ValueError(problem) from None
            raise  # numpy's own, for batch axes that do not broadcast
        ctx.save_for_backward(a, b)
        return out

    @staticmethod
    def backward(ctx, g):
        a, b = ctx.saved_tensors
        need_a, need_b = ctx.needs_input_grad
        return (g @ _swap_last(b) if need_a else None, _swap_last(a) @ g if need_b else None)


def _matmul_problem(a_shape: tuple[int, ...], b_shape: tuple[int, ...]) -> str | None:
    """What is wrong with these operands in the course's terms (an operand not 2-D, inner
    sizes that disagree), or None."""
    for side, shape in (("left", a_shape), ("right", b_shape)):
        if len(shape) < 2:
            n = shape[0] if shape else 1
            return (
                f"the {side} operand has shape {shape}; matmul needs 2-D arrays "
                f"(use ({n}, 1) or (1, {n}))"
            )
    if a_shape[-1] != b_shape[-2]:
        return (
            f"inner dimensions disagree: the left operand {a_shape} has {a_shape[-1]} "
            f"columns but the right operand {b_shape} has {b_shape[-2]} rows"
        )
    return None


class Linear(Function):
    """Z = W @ A + b for one dense layer, fused: one node, one temporary less.

    Shapes: W (n[l], n[l-1]), A (n[l-1], m), b (n[l], 1) -> Z (n[l], m).
    """

    op_name = "linear"
    reads_inputs = False

    @staticmethod
    def forward(ctx, W, A, b):
        if W.ndim != 2 or A.ndim != 2:  # this op's backward is written for one layer
            raise ValueError(
                f"linear needs W (n[l], n[l-1]) and A (n[l-1], m), got {np.shape(W)} and "
                f"{np.shape(A)}"
            )
        try:
            Z = W @ A
        except ValueError:  # inner sizes that disagree get the course's words
            raise ValueError(_matmul_problem(W.shape, A.shape)) from None
        ctx.save_for_backward(W, A)
        Z += b
        return Z

    @staticmethod
    def backward(ctx, g):
        W, A = ctx.saved_tensors  # both 2-D: (n[l], n[l-1]) and (n[l-1], m)
        need_w, need_a = ctx.needs_input_grad[:2]
        dW = g @ A.T if need_w else None
        dA = W.T @ g if need_a else None
        return dW, dA, g  # db: g summed over the m columns by the engine's reduction


# ---------------------------------------------------------------- reductions and shapes
class Sum(Function):
    op_name = "sum"

    @staticmethod
    def forward(ctx, a, axis=None, keepdims=False):
        return np.sum(a, axis=axis, keepdims=keepdims)

    @staticmethod
    def backward(ctx, g):
        shape = ctx.inputs[0].shape
        if not ctx.kwargs["keepdims"]:
            g = g.reshape(_keepdims_shape(shape, ctx.kwargs["axis"]))
        return _broadcast_to(g, shape)


class Max(Function):
    op_name = "max"

    @staticmethod
    def forward(ctx, a, axis=None, keepdims=False):
        out = np.max(a, axis=axis, keepdims=True)
        ctx.save_for_backward(a, out)
        note_kink(lambda: a == out)
        return out if keepdims else out.reshape(np.max(a, axis=axis).shape)

    @staticmethod
    def backward(ctx, g):
        a, out = ctx.saved_arrays
        mask = a == out
        share = mask / mask.sum(axis=ctx.kwargs["axis"], keepdims=True)  # ties split g
        return g.reshape(out.shape) * share


class Transpose(Function):
    op_name = "transpose"

    @staticmethod
    def forward(ctx, a, axes=None):
        return _read_only_view(np.transpose(a, axes))

    @staticmethod
    def backward(ctx, g):
        axes = ctx.kwargs["axes"]
        if axes is None:
            return g.transpose()
        ndim = len(axes)
        return g.transpose(tuple(int(i) for i in np.argsort([a % ndim for a in axes])))


class Reshape(Function):
    op_name = "reshape"

    @staticmethod
    def forward(ctx, a, shape):
        return _read_only_view(np.reshape(a, shape))

    @staticmethod
    def backward(ctx, g):
        return g.reshape(ctx.inputs[0].shape)


class BroadcastTo(Function):
    op_name = "broadcast_to"

    @staticmethod
    def forward(ctx, a, shape):
        return np.broadcast_to(a, shape)

    @staticmethod
    def backward(ctx, g):
        return g  # the engine sums it back to the input's shape


class GetItem(Function):
    op_name = "getitem"

    @staticmethod
    def forward(ctx, a, index):
        return _read_only_view(a[index])

    @staticmethod
    def backward(ctx, g):
        return _scatter_add(g, ctx.kwargs["index"], ctx.inputs[0].shape)


class IndexAdd(Function):
    """zeros(shape) with g added at ``index`` (repeated indices accumulate)."""

    op_name = "index_add"

    @staticmethod
    def forward(ctx, g, index, shape):
        out = np.zeros(shape, dtype=g.dtype)
        np.add.at(out, index, g)
        return out

    @staticmethod
    def backward(ctx, g):
        return g[ctx.kwargs["index"]]


def _scatter_add(g: Any, index: Any, shape: tuple[int, ...]) -> Any:
    if isinstance(g, Tensor):
        return IndexAdd.apply(g, index=index, shape=shape)
    return IndexAdd.forward(None, g, index, shape)


# ---------------------------------------------------------------- elementwise functions
class Exp(Function):
    op_name = "exp"

    @staticmethod
    def forward(ctx, a):
        out = np.exp(a)
        ctx.save_for_backward(out)
        return out

    @staticmethod
    def backward(ctx, g):
        (out,) = ctx.saved_tensors
        return g * out


class Log(Function):
    op_name = "log"

    @staticmethod
    def forward(ctx, a):
        ctx.save_for_backward(a)
        return np.log(a)

    @staticmethod
    def backward(ctx, g):
        (a,) = ctx.saved_tensors
        return g / a


class Sqrt(Function):
    op_name = "sqrt"

    @staticmethod
    def forward(ctx, a):
        out = np.sqrt(a)
        ctx.save_for_backward(out)
        return out

    @staticmethod
    def backward(ctx, g):
        (out,) = ctx.saved_tensors
        return g * 0.5 / out


class Abs(Function):
    op_name = "abs"

    @staticmethod
    def forward(ctx, a):
        ctx.save_for_backward(a)
        note_kink(lambda: a > 0)
        return np.abs(a)

    @staticmethod
    def backward(ctx, g):
        (a,) = ctx.saved_arrays
        return g * np.sign(a)  # 0 at the kink


class Clip(Function):
    op_name = "clip"

    @staticmethod
    def forward(ctx, a, lo=None, hi=None):
        ctx.save_for_backward(a)
        note_kink(lambda: np.clip(a, lo, hi) == a)
        return np.clip(a, lo, hi)

    @staticmethod
    def backward(ctx, g):
        (a,) = ctx.saved_arrays
        lo, hi = ctx.kwargs.get("lo"), ctx.kwargs.get("hi")
        inside = np.ones(a.shape, dtype=bool)
        if lo is not None:
            inside &= a >= lo
        if hi is not None:
            inside &= a <= hi
        return g * inside


class ReLU(Function):
    op_name = "relu"
    reads_inputs = False

    @staticmethod
    def forward(ctx, z):
        active = z > 0  # a private mask: nothing for the user to edit, nothing to lock
        ctx.save_for_backward(active)
        if modes.kink_log is not None:  # note_kink, without a call on the training path
            modes.kink_log.append(active)
        return np.maximum(z, 0)

    @staticmethod
    def backward(ctx, g):
        (active,) = ctx.saved_arrays
        return g * active  # g'(z) = 1 for z > 0, 0 otherwise (0 at z = 0, as the course)


class LeakyReLU(Function):
    op_name = "leaky_relu"
    reads_inputs = False

    @staticmethod
    def forward(ctx, z, slope=0.01):
        ctx.save_for_backward(z)
        note_kink(lambda: z > 0)
        return np.where(z > 0, z, z * slope)

    @staticmethod
    def backward(ctx, g):
        (z,) = ctx.saved_arrays
        one, slope = z.dtype.type(1), z.dtype.type(ctx.kwargs.get("slope", 0.01))
        return g * np.where(z > 0, one, slope)


class Sigmoid(Function):
    op_name = "sigmoid"
    reads_inputs = False

    @staticmethod
    def forward(ctx, z):
        out = _stable_sigmoid(z)
        ctx.save_for_backward(out)
        return out

    @staticmethod
    def backward(ctx, g):
        (a,) = ctx.saved_tensors
        return g * a * (1 - a)  # g'(z) = a (1 - a)


class Tanh(Function):
    op_name = "tanh"
    reads_inputs = False

    @staticmethod
    def forward(ctx, z):
        out = np.tanh(z)
        ctx.save_for_backward(out)
        return out

    @staticmethod
    def backward(ctx, g):
        (a,) = ctx.saved_tensors
        return g * (1 - a * a)  # g'(z) = 1 - a^2


class Softmax(Function):
    op_name = "softmax"
    reads_inputs = False

    @staticmethod
    def forward(ctx, z, axis=0):
        out = _stable_softmax(z, axis)
        ctx.save_for_backward(out)
        return out

    @staticmethod
    def backward(ctx, g):
        (s,) = ctx.saved_tensors
        gs = g * s
        return gs - s * gs.sum(axis=ctx.kwargs.get("axis", 0), keepdims=True)


class LogSoftmax(Function):
    op_name = "log_softmax"

    @staticmethod
    def forward(ctx, z, axis=0):
        out = _stable_log_softmax(z, axis)
        ctx.save_for_backward(out)
        return out

    @staticmethod
    def backward(ctx, g):
        (logp,) = ctx.saved_tensors
        return g - _exp(logp) * g.sum(axis=ctx.kwargs.get("axis", 0), keepdims=True)


# ---------------------------------------------------------------- the activation registry
ACTIVATIONS: dict[str, type[Function] | None] = {
    "relu": ReLU,
    "leaky_relu": LeakyReLU,
    "tanh": Tanh,
    "sigmoid": Sigmoid,
    "linear": None,  # A = Z
    "softmax": Softmax,  # output layers only
}
HIDDEN_ACTIVATIONS = tuple(name for name in ACTIVATIONS if name != "softmax")


def activate(name: str, Z: Tensor, slope: float = 0.01) -> Tensor:
    """A = g(Z) for the activation ``name`` of :data:`ACTIVATIONS` (softmax over units, axis 0;
    ``slope`` for leaky relu). Z (n[l], m) -> A (n[l], m)."""
    fn = ACTIVATIONS[name]
    if fn is None:
        return Z
    if fn is LeakyReLU:
        return fn.apply(Z, slope=slope)
    return fn.apply(Z)


# ---------------------------------------------------------------- fused, stable costs
class BCEWithLogits(Function):
    """J = (1/m) sum( max(z,0) - z y + log(1 + e^-|z|) ): the course's cross-entropy of
    A = sigmoid(Z), computed from Z so that A of exactly 0 or 1 never gives inf or NaN.

    Shapes: Z, Y (n[L], m) -> scalar. dJ/dZ = (sigmoid(Z) - Y) / m.
    """

    op_name = "bce_with_logits"
    reads_inputs = False

    @staticmethod
    def forward(ctx, z, y):
        ctx.save_for_backward(z, y)
        loss = np.maximum(z, 0) - z * y + np.log1p(np.exp(-np.abs(z)))
        return np.sum(loss) / _samples(z)

    @staticmethod
    def backward(ctx, g):
        z, y = ctx.saved_tensors
        need_z, need_y = ctx.needs_input_grad
        scale = g / _samples(ctx.saved_arrays[0])
        return (scale * (_sigmoid(z) - y) if need_z else None, -scale * z if need_y else None)


class SoftmaxCrossEntropy(Function):
    """J = -(1/m) sum( Y * log_softmax(Z) ) over units (``axis``) and samples.

    Shapes: Z, Y (n[L], m), Y one-hot columns -> scalar. dJ/dZ = (softmax(Z) - Y) / m.
    """

    op_name = "softmax_cross_entropy"
    reads_inputs = False

    @staticmethod
    def forward(ctx, z, y, axis=0):
        ctx.save_for_backward(z, y)
        return -np.sum(y * _stable_log_softmax(z, axis)) / _samples(z)

    @staticmethod
    def backward(ctx, g):
        z, y = ctx.saved_tensors
        need_z, need_y = ctx.needs_input_grad
        axis = ctx.kwargs.get("axis", 0)
        scale = g / _samples(ctx.saved_arrays[0])
        gz = scale * (_softmax(z, axis) * y.sum(axis=axis, keepdims=True) - y) if need_z else None
        return gz, -scale * _log_softmax(z, axis) if need_y else None


# ---------------------------------------------------------------- selection and joining
class Where(Function):
    """``cond ? a : b`` elementwise; ``cond`` is a constant boolean array (no gradient)."""

    op_name = "where"

    @staticmethod
    def forward(ctx, cond, a, b):
        return np.where(cond, a, b)

    @staticmethod
    def backward(ctx, g):
        cond = np.asarray(ctx.inputs[0], dtype=bool)
        need_a, need_b = ctx.needs_input_grad[1:]
        return None, g * cond if need_a else None, g * ~cond if need_b else None


class Concatenate(Function):
    """Join tensors along ``axis``; each input's gradient is its slice of g."""

    op_name = "concatenate"

    @staticmethod
    def forward(ctx, *parts, axis=0):
        return np.concatenate(parts, axis=axis)

    @staticmethod
    def backward(ctx, g):
        axis, grads, start = ctx.kwargs.get("axis", 0), [], 0
        for part in ctx.inputs:
            stop = start + np.shape(part.data if isinstance(part, Tensor) else part)[axis]
            index = [slice(None)] * g.ndim
            index[axis] = slice(start, stop)
            grads.append(g[tuple(index)])
            start = stop
        return tuple(grads)


# ---------------------------------------------------------------- dropout and batch norm
def check_keep_prob(keep_prob: Any, name: str = "keep_prob") -> float:
    """``keep_prob`` as a float, or a clear error: it must be a number in (0, 1]."""
    if isinstance(keep_prob, bool) or not isinstance(keep_prob, (int, float, np.number)):
        raise TypeError(f"{name} must be a number in (0, 1], got {keep_prob!r}")
    if not 0 < keep_prob <= 1:
        raise ValueError(
            f"{name} must be in (0, 1] (the probability of KEEPING a unit; 1 turns dropout "
            f"off), got {keep_prob}"
        )
    return float(keep_prob)


def draw_mask(shape: tuple[int, ...], keep_prob: float, seed: Any = None) -> np.ndarray:
    """``D = rand(*shape) < keep_prob``: a boolean dropout mask, the course's draw.

    ``seed``: a ``np.random.Generator`` (its ``random``: what a network passes, its own
    seeded stream), an int (``np.random.RandomState(seed).rand``: bit for bit the course's
    ``np.random.seed(seed); np.random.rand(...)``), or None (numpy's global ``np.random.rand``,
    which the course seeds with ``np.random.seed``).
    """
    if isinstance(seed, np.random.Generator):
        return seed.random(shape) < keep_prob
    if seed is None:
        return np.random.rand(*shape) < keep_prob
    return np.random.RandomState(seed).rand(*shape) < keep_prob


class Dropout(Function):
    """Inverted dropout: ``A * D / keep_prob`` with the mask ``D = rand < keep_prob``.

    Shapes: A, D (n[l], m). The mask is drawn in forward (options ``seed``, see
    :func:`draw_mask`) unless given (``mask``), and recorded on the node: ``ctx.mask``, and
    saved for backward, which applies the SAME mask: ``dA = g * D / keep_prob``. A replayed
    step (the tape) calls forward again, so it draws a new mask from the same Generator.
    """

    op_name = "dropout"
    reads_inputs = False

    @staticmethod
    def forward(ctx, A, keep_prob=0.5, mask=None, seed=None):
        D = draw_mask(A.shape, keep_prob, seed) if mask is None else mask
        ctx.save_for_backward(D)
        ctx.mask = D
        return A * D / keep_prob

    @staticmethod
    def backward(ctx, g):
        (D,) = ctx.saved_arrays  # a constant: also right under create_graph
        return g * D / ctx.kwargs["keep_prob"]


class RunningStats:
    """The exponentially weighted averages of one batch-norm layer's mu and sigma2 over the
    training mini-batches, with the course's bias correction.

    Each training step ``update(mu, sigma2, beta)`` does ``v = beta v + (1 - beta) mu`` (the
    same for sigma2), v starting at 0; :meth:`estimates` divides by ``1 - beta^t`` (t updates;
    with a beta that varies, by 1 minus the product of the betas), so the first steps are not
    biased toward 0. Before any update the estimates are mu = 0, sigma2 = 1 (no
    normalization). Arrays (n[l], 1).

    Attributes:
        mu, sigma2: the raw averages v (n[l], 1).  t: updates so far.
        decay: the product of the betas so far (beta^t).
    """

    def __init__(self, n: int, dtype: Any = np.float64) -> None:
        self.mu = np.zeros((n, 1), dtype=dtype)
        self.sigma2 = np.zeros((n, 1), dtype=dtype)
        self.t = 0
        self.decay = 1.0

    def update(self, mu: np.ndarray, sigma2: np.ndarray, beta: float) -> None:
        """Fold one mini-batch's mu and sigma2 (n[l], 1) into the averages."""
        self.mu = beta * self.mu + (1 - beta) * mu
        self.sigma2 = beta * self.sigma2 + (1 - beta) * sigma2
        self.t += 1
        self.decay *= beta

    def estimates(self) -> tuple[np.ndarray, np.ndarray]:
        """(mu, sigma2) for test time, bias-corrected; (0, 1) before any update."""
        if self.t == 0:
            return np.zeros_like(self.mu), np.ones_like(self.sigma2)
        c = 1.0 - self.decay
        if c <= 0:  # beta = 1 throughout: nothing was averaged in
            return np.zeros_like(self.mu), np.ones_like(self.sigma2)
        return self.mu / c, self.sigma2 / c

    def state(self) -> dict[str, Any]:
        """Copies of the state, for saving: ``{"mu", "sigma2", "t", "decay"}``."""
        return {
            "mu": self.mu.copy(),
            "sigma2": self.sigma2.copy(),
            "t": self.t,
            "decay": self.decay,
        }

    def load(self, state: dict[str, Any]) -> None:
        """Restore :meth:`state` (shapes must match)."""
        for key in ("mu", "sigma2"):
            value = np.asarray(state[key], dtype=self.mu.dtype)
            if value.shape != self.mu.shape:
                raise ValueError(
                    f"running statistics: {key} must have shape {self.mu.shape}, got {value.shape}"
                )
            setattr(self, key, value.copy())
        self.t, self.decay = int(state["t"]), float(state["decay"])

    def __repr__(self) -> str:
        return f"RunningStats(n={self.mu.shape[0]}, t={self.t})"


def _sqrt(a: Any) -> Any:
    return a.sqrt() if isinstance(a, Tensor) else np.sqrt(a)


def batch_statistics(Z: Any, eps: float) -> tuple[Any, Any, Any, Any]:
    """mu, sigma2 (1/m, not 1/(m-1)), s = sqrt(sigma2 + eps) and Z_norm = (Z - mu) / s over
    the m columns of Z (n[l], m); on arrays or on Tensors (recorded), one rule for both."""
    m = Z.shape[1]
    mu = Z.sum(axis=1, keepdims=True) * (1.0 / m)
    d = Z - mu
    sigma2 = (d * d).sum(axis=1, keepdims=True) * (1.0 / m)
    s = _sqrt(sigma2 + eps)
    return mu, sigma2, s, d / s


class BatchNorm(Function):
    """Batch norm of one layer: ``Z_tilde = gamma * Z_norm + beta``, Z_norm = (Z - mu) / s.

    Shapes: Z (n[l], m); gamma, beta (n[l], 1). In training mode mu and sigma2 are the
    batch's (over the m columns), and with ``running`` (a :class:`RunningStats`) they are also
    folded into its averages with ``momentum``; in evaluation mode (``training=False``) they
    are ``running``'s estimates, constants. s = sqrt(sigma2 + eps).

    Backward, one closed-form VJP (exact partials, sums over the columns, keepdims)::

        dbeta   = sum(g)                     dgamma = sum(g * Z_norm)
        dZ_norm = gamma * g
        dZ      = (m dZ_norm - sum(dZ_norm) - Z_norm sum(dZ_norm * Z_norm)) / (m s)

    (evaluation mode: dZ = dZ_norm / s). On arrays it reuses forward's Z_norm and s; under
    ``create_graph`` it recomputes them from the input Tensor Z with recorded ops, so the VJP
    is differentiable again (second derivatives).
    """

    op_name = "batch_norm"
    reads_inputs = False  # only under create_graph, which a tape never runs

    @staticmethod
    def forward(ctx, Z, gamma, beta, eps=1e-8, running=None, momentum=0.9, training=True):
        if training:
            if Z.shape[1] < 2:
                raise ValueError(
                    f"training mode needs m >= 2 samples (columns) to normalize over; got "
                    f"m = {Z.shape[1]} (sigma2 of one sample is 0). Use a larger (mini-)batch, "
                    "or evaluation mode (training=False) with running statistics"
                )
            mu, sigma2, s, Z_norm = batch_statistics(Z, eps)
            if running is not None:
                running.update(mu, sigma2, momentum)
        else:
            mu, sigma2 = running.estimates()
            s = np.sqrt(sigma2 + eps)
            Z_norm = (Z - mu) / s
        ctx.save_for_backward(Z_norm, s, gamma, mu)
        return gamma * Z_norm + beta

    @staticmethod
    def backward(ctx, g):
        Z_norm, s, gamma, mu = ctx.saved_arrays
        training = ctx.kwargs.get("training", True)
        if isinstance(g, Tensor):  # create_graph: Z_norm and s as functions of Z, recorded
            Z, gamma = ctx.inputs[0], ctx.inputs[1]
            if training:
                _, _, s, Z_norm = batch_statistics(Z, ctx.kwargs.get("eps", 1e-8))
            else:
                Z_norm = (Z - mu) / s
        need_z, need_gamma, need_beta = ctx.needs_input_grad
        dbeta = g.sum(axis=1, keepdims=True) if need_beta else None
        dgamma = (g * Z_norm).sum(axis=1, keepdims=True) if need_gamma else None
        if not need_z:
            return None, dgamma, dbeta
        dZ_norm = gamma * g
        if not training:
            return dZ_norm / s, dgamma, dbeta
        m = g.shape[1]
        dZ = (
            dZ_norm * m
            - dZ_norm.sum(axis=1, keepdims=True)
            - Z_norm * (dZ_norm * Z_norm).sum(axis=1, keepdims=True)
        ) / (s * m)
        return dZ, dgamma, dbeta
