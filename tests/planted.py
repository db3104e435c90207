"""Planted bugs for the gradient checker: Functions whose backward is wrong in one known way.

Each Linear variant has the forward of ``ops.Linear`` (Z = W A + b) and a backward with one
mistake; plug one into a layer with ``net.layers[l - 1].linear_fn = DoubledDW``. The
activation variants are plugged with ``net.layers[l - 1].activation_fn = ...``. ``Cube`` and
``WrongCube`` are stand-alone Functions for ``check_gradients``.

The mistakes are the classic ones of the course's backprop assignment:

- ``DoubledDW``: dW = 2 dZ A^T (analytic / numeric reads 2).
- ``MissingOneOverM``: dW multiplied by m, as if the 1/m of dW = (1/m) dZ A^T were dropped
  (analytic / numeric reads m).
- ``NoKeepdimsDb``: db = sum(dZ, axis=1) of shape (n[l],) instead of (n[l], 1).
- ``TransposedDW``: dW^T returned for dW (same shape only when W is square).
- ``DoubledDAPrev``: dA[l-1] = 2 W^T dZ.
- ``DoubledDb``: db doubled.
- ``ReLUOneAtNegative``: relu whose derivative is 1 at negative Z too (dZ = dA).
"""

from __future__ import annotations

import numpy as np

from autograd_dnn import ops
from autograd_dnn.engine import Function


def _scale(g, factor):
    return None if g is None else g * factor


class DoubledDW(ops.Linear):
    op_name = "linear_doubled_dW"

    @staticmethod
    def backward(ctx, g):
        dW, dA, db = ops.Linear.backward(ctx, g)
        return _scale(dW, 2.0), dA, db


class MissingOneOverM(ops.Linear):
    op_name = "linear_missing_1_over_m"

    @staticmethod
    def backward(ctx, g):
        dW, dA, db = ops.Linear.backward(ctx, g)
        m = g.shape[-1]  # the number of samples (columns)
        return _scale(dW, float(m)), dA, db


class NoKeepdimsDb(ops.Linear):
    op_name = "linear_no_keepdims"

    @staticmethod
    def backward(ctx, g):
        dW, dA, _ = ops.Linear.backward(ctx, g)
        return dW, dA, g.sum(axis=1)  # shape (n[l],): keepdims=True forgotten


class TransposedDW(ops.Linear):
    op_name = "linear_transposed_dW"

    @staticmethod
    def backward(ctx, g):
        dW, dA, db = ops.Linear.backward(ctx, g)
        return (None if dW is None else dW.T), dA, db


class DoubledDAPrev(ops.Linear):
    op_name = "linear_doubled_dA_prev"

    @staticmethod
    def backward(ctx, g):
        dW, dA, db = ops.Linear.backward(ctx, g)
        return dW, _scale(dA, 2.0), db


class DoubledDb(ops.Linear):
    op_name = "linear_doubled_db"

    @staticmethod
    def backward(ctx, g):
        dW, dA, db = ops.Linear.backward(ctx, g)
        return dW, dA, db * 2.0


class ReLUOneAtNegative(Function):
    """A = max(Z, 0), but dZ = dA everywhere: relu'(z) taken as 1 for z < 0 too."""

    op_name = "relu_one_at_negative"

    @staticmethod
    def forward(ctx, z):
        return np.maximum(z, 0)

    @staticmethod
    def backward(ctx, g):
        return g


class Cube(Function):
    """x^3, with the right derivative 3 x^2."""

    op_name = "cube"

    @staticmethod
    def forward(ctx, x):
        ctx.save_for_backward(x)
        return x**3

    @staticmethod
    def backward(ctx, g):
        (x,) = ctx.saved_arrays
        return 3 * x**2 * g


class WrongCube(Cube):
    """x^3, with a wrong derivative 2 x^2 (analytic / numeric reads 2/3)."""

    op_name = "wrong_cube"

    @staticmethod
    def backward(ctx, g):
        (x,) = ctx.saved_arrays
        return 2 * x**2 * g


# ----------------------------------------------------------------------------- the battery
# Random networks at parameter scales 1e-3, 1 and 1e3 (float32 and float64, m from 1 to 500,
# every hidden and output activation, with and without L2), and the same networks with one
# planted bug. Used by tests/test_checker_battery.py and benchmarks/gradcheck.py.

HIDDEN = ("relu", "leaky_relu", "tanh", "sigmoid", "linear")
OUTPUTS = ("sigmoid", "softmax", "linear", "tanh", "relu", "leaky_relu")
SCALES = (1e-3, 1.0, 1e3)
M_CHOICES = (1, 3, 7, 64, 500)
_ACT_OPS = {
    "relu": ops.ReLU,
    "leaky_relu": ops.LeakyReLU,
    "tanh": ops.Tanh,
    "sigmoid": ops.Sigmoid,
    "softmax": ops.Softmax,
}


def linear_bug(kind: str, factor: float = 1.0, coord: tuple | None = None) -> type:
    """An ops.Linear whose backward (only) is wrong: the forward stays the built-in one.

    kind: "dW", "db", "dA" (multiplied by ``factor``), "dW_T" (dW transposed), "dW_coord" (one
    coordinate of dW times ``factor``), "no_db" (db dropped: zeros).
    """

    def backward(ctx, g):
        dW, dA, db = ops.Linear.backward(ctx, g)
        if kind == "dW":
            dW = _scale(dW, factor)
        elif kind == "db":
            db = db * factor
        elif kind == "dA":
            dA = _scale(dA, factor)
        elif kind == "dW_T":
            dW = None if dW is None else dW.T
        elif kind == "dW_coord" and dW is not None:
            dW = np.array(dW, copy=True)
            dW[coord] *= factor
        elif kind == "no_db":
            db = g * 0.0
        return dW, dA, db

    name = f"linear_bug_{kind}_{factor:g}"
    return type(name, (ops.Linear,), {"op_name": name, "backward": staticmethod(backward)})


def activation_bug(activation: str, kind: str, factor: float = 1.0) -> type:
    """The built-in activation op with a wrong backward: "missing" (dZ = dA, g' forgotten) or
    "factor" (g' times ``factor``)."""
    base = _ACT_OPS[activation]

    def backward(ctx, g):
        if kind == "missing":
            return g
        return base.backward(ctx, g) * factor

    name = f"{activation}_bug_{kind}_{factor:g}"
    return type(name, (base,), {"op_name": name, "backward": staticmethod(backward)})


def battery_net(i: int, m_max: int = 500):
    """Case i of the battery: (net, X, Y, description), seeded by i.

    Cycles through scales, dtypes, L2 and every (hidden, output) pair; m from M_CHOICES."""
    from autograd_dnn.nn import DeepNetwork

    rng = np.random.default_rng(1000 + i)
    scale = SCALES[i % 3]
    dtype = (np.float64, np.float32)[(i // 3) % 2]
    l2 = (0.0, 0.7)[(i // 6) % 2]
    hidden = HIDDEN[i % 5]
    output = OUTPUTS[i % 6]
    ms = [c for c in M_CHOICES if c <= m_max]
    m = ms[int(rng.integers(len(ms)))]
    L = int(rng.integers(1, 5))
    dims = [int(rng.integers(1, 5)) for _ in range(L + 1)]
    if L >= 2:
        dims[2] = dims[1]  # W2 square: the transpose bug has a place to live
    if output == "softmax":
        dims[-1] = max(dims[-1], 2)
    acts = [hidden] * (L - 1) + [output]
    params = {}
    for l in range(1, L + 1):
        params[f"W{l}"] = scale * rng.standard_normal((dims[l], dims[l - 1]))
        b = scale * rng.standard_normal((dims[l], 1))
        params[f"b{l}"] = b if (i // 5) % 3 else np.zeros_like(b)  # course init: b = 0
    net = DeepNetwork.from_parameters(params, activations=acts, l2=l2)
    if dtype == np.float32:
        net = DeepNetwork.from_parameters(
            {k: v.astype(np.float32) for k, v in params.items()}, activations=acts, l2=l2
        )
    X = rng.standard_normal((dims[0], m)).astype(dtype)
    if output == "softmax":
        Y = np.eye(dims[-1])[:, rng.integers(0, dims[-1], m)]
    elif output == "sigmoid":
        Y = (rng.random((dims[-1], m)) > 0.5).astype(float)
    else:
        Y = rng.standard_normal((dims[-1], m))
    what = (
        f"case {i}: dims {dims}, {hidden}/{output}, scale {scale:g}, {np.dtype(dtype).name}, "
        f"l2 {l2}, m {m}"
    )
    return net, X, Y.astype(dtype), what


BUGS = (
    ("dW x1.001", "dW", 1.001),
    ("dW x1.01", "dW", 1.01),
    ("db x1.1", "db", 1.1),
    ("dA_prev x2", "dA", 2.0),
    ("dW sign flip", "dW", -1.0),
    ("dW transposed", "dW_T", 1.0),
    ("one dW coordinate x1.01", "dW_coord", 1.01),
    ("db dropped", "no_db", 0.0),
    ("g' missing", "missing", 1.0),
    ("g' x1.01", "factor", 1.01),
)


def plant(net, bug: tuple, layer: int, X, Y) -> str:
    """Plug ``bug`` (an entry of BUGS) into ``layer`` of ``net``; returns a description.
    The one-coordinate bug picks the dW coordinate with the largest |dJ/dW|."""
    label, kind, factor = bug
    target = net.layers[layer - 1]
    if kind in ("missing", "factor"):
        target.activation_fn = activation_bug(target.activation, kind, factor)
    else:
        coord = None
        if kind == "dW_coord":
            g = net.gradients(X, Y)[f"dW{layer}"]
            coord = tuple(int(c) for c in np.unravel_index(np.argmax(np.abs(g)), g.shape))
        target.linear_fn = linear_bug(kind, factor, coord)
    return f"{label} in layer {layer}"


def bug_layer(net, bug: tuple, i: int) -> int | None:
    """A layer where ``bug`` can live in ``net`` (None when none): the transpose needs a square
    W; g' bugs need a hidden layer or a non-fused output whose g is not linear."""
    _, kind, _ = bug
    L = net.L
    choices = []
    for l in range(1, L + 1):
        layer = net.layers[l - 1]
        if kind == "dW_T" and layer.W.shape[0] != layer.W.shape[1]:
            continue
        if kind in ("missing", "factor"):
            if layer.activation in ("linear", "softmax"):
                continue
            if l == L and layer.activation == "sigmoid":
                continue  # fused with the cost: an activation_fn would change the cost's path
        choices.append(l)
    return choices[i % len(choices)] if choices else None
