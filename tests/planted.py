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
