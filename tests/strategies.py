"""Shared hypothesis strategies and derivative checkers for the engine tests.

Two checkers prove the engine's derivatives against central finite differences in float64:

- :func:`check_vjp`: ``f(x).backward(u)`` against ``sum(u * (f(x + h e_i) - f(x - h e_i))) / 2h``
  for every element ``i`` of every input (the full vector-Jacobian product, not one probe).
- :func:`check_hvp`: ``grad(<grad(s, x, create_graph=True), v>, x)`` (a Hessian-vector
  product) against ``(grad s(x + h v) - grad s(x - h v)) / 2h``.

The strategies draw shapes (rank 0 to 3, sides 1 to 4, so the finite differences stay cheap),
broadcast-compatible pairs, batched matmul shapes, and arrays kept away from kinks and from
the edges of domains. Every hypothesis test uses :data:`ENGINE` so runs are deterministic.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

import numpy as np
from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

import autograd_dnn as ad
from autograd_dnn import Tensor

__all__ = [
    "ENGINE",
    "MAX_SIDE",
    "arrays",
    "axes",
    "broadcast_pairs",
    "check_hvp",
    "check_vjp",
    "distinct_arrays",
    "matmul_pairs",
    "rel_error",
    "shapes",
]

MAX_SIDE = 4

ENGINE = settings(
    max_examples=30,
    deadline=None,
    derandomize=True,
    database=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)
"""Settings for every property test of the engine: few examples, no deadline, deterministic."""


# ----------------------------------------------------------------------------- shapes
def shapes(min_dims: int = 0, max_dims: int = 3) -> st.SearchStrategy[tuple[int, ...]]:
    """Array shapes of rank ``min_dims..max_dims`` with sides 1..MAX_SIDE."""
    return hnp.array_shapes(min_dims=min_dims, max_dims=max_dims, min_side=1, max_side=MAX_SIDE)


def broadcast_pairs(max_dims: int = 3) -> st.SearchStrategy[tuple[tuple, tuple]]:
    """Two shapes that broadcast together, e.g. ``((3, 1), (2, 1, 4))``."""
    return hnp.mutually_broadcastable_shapes(
        num_shapes=2, min_dims=0, max_dims=max_dims, min_side=1, max_side=MAX_SIDE
    ).map(lambda b: b.input_shapes)


def matmul_pairs(max_batch_dims: int = 2) -> st.SearchStrategy[tuple[tuple, tuple]]:
    """Shapes ``(..., n, k)`` and ``(..., k, p)`` whose batch dimensions broadcast.

    With no batch dimension this is the course's ``(n[l], n[l-1]) @ (n[l-1], m)``.
    """
    return hnp.mutually_broadcastable_shapes(
        signature="(n,k),(k,p)->(n,p)",
        min_dims=0,
        max_dims=max_batch_dims,
        min_side=1,
        max_side=MAX_SIDE,
    ).map(lambda b: b.input_shapes)


@st.composite
def axes(draw: Any, ndim: int) -> int | tuple[int, ...] | None:
    """An ``axis`` argument for a rank-``ndim`` array: None, an int (maybe negative), or a
    tuple of distinct axes."""
    if ndim == 0:
        return None
    kind = draw(st.sampled_from(["none", "int", "tuple"]))
    if kind == "none":
        return None
    if kind == "int":
        return draw(st.integers(-ndim, ndim - 1))
    return tuple(draw(st.lists(st.integers(0, ndim - 1), min_size=1, max_size=ndim, unique=True)))


# ----------------------------------------------------------------------------- values
def arrays(
    shape: tuple[int, ...], lo: float = 0.05, hi: float = 3.0, signed: bool = True
) -> st.SearchStrategy[np.ndarray]:
    """float64 arrays whose entries have magnitude in ``[lo, hi]``.

    ``signed=True`` allows both signs but never ``|x| < lo``: this keeps relu, abs and leaky
    relu away from their kink at 0 (and division away from a zero denominator).
    ``signed=False`` gives positive entries (log, sqrt, the base of a power).
    """
    mag = st.floats(lo, hi, allow_nan=False, allow_infinity=False)
    elements = st.one_of(mag, mag.map(lambda v: -v)) if signed else mag
    return hnp.arrays(np.float64, shape, elements=elements)


@st.composite
def distinct_arrays(draw: Any, shape: tuple[int, ...], gap: float = 0.25) -> np.ndarray:
    """float64 arrays whose entries differ pairwise by at least ``gap`` (no ties for max)."""
    size = int(np.prod(shape, dtype=np.int64))
    perm = np.array(draw(st.permutations(range(size))), dtype=np.float64)
    return ((perm - size / 2) * gap).reshape(shape)


# ----------------------------------------------------------------------------- checkers
def rel_error(a: np.ndarray, b: np.ndarray) -> float:
    """The course's gradient-check distance ||a - b|| / (||a|| + ||b||) (0 when both are 0)."""
    a = np.asarray(a, dtype=np.float64)
    b = np.asarray(b, dtype=np.float64)
    den = np.linalg.norm(a) + np.linalg.norm(b)
    return 0.0 if den == 0 else float(np.linalg.norm(a - b) / den)


def _evaluate(f: Callable[..., Tensor], arrays_: Sequence[np.ndarray]) -> np.ndarray:
    with ad.no_grad():
        return np.array(f(*[Tensor(a.copy()) for a in arrays_]).data, dtype=np.float64)


def _wrt(wrt: Sequence[int] | None, n: int) -> list[int]:
    return list(range(n)) if wrt is None else list(wrt)


def check_vjp(
    f: Callable[..., Tensor],
    *inputs: np.ndarray,
    wrt: Sequence[int] | None = None,
    h: float = 1e-6,
    tol: float = 1e-6,
    seed: int = 0,
) -> list[np.ndarray]:
    """Assert that backward's vector-Jacobian product of ``f`` matches central differences.

    Draws an upstream gradient ``u`` of the output's shape, runs ``f(*x).backward(u)`` and
    compares each ``x[i].grad`` (for ``i`` in ``wrt``, default all) element by element with
    ``sum(u * (f(x + h e) - f(x - h e))) / 2h``: the derivative of the scalar
    ``sum(f(x) * u)``. Returns the analytic gradients.
    """
    xs = [np.array(a, dtype=np.float64) for a in inputs]
    wrt = _wrt(wrt, len(xs))
    tensors = [Tensor(a.copy(), requires_grad=i in wrt, name=f"x{i}") for i, a in enumerate(xs)]
    out = f(*tensors)
    assert isinstance(out, Tensor) and out.requires_grad
    u = np.random.default_rng(seed).standard_normal(out.shape)
    out.backward(u)
    grads = []
    for i in wrt:
        analytic = tensors[i].grad
        assert analytic is not None, f"input {i} got no gradient"
        assert analytic.shape == xs[i].shape, (analytic.shape, xs[i].shape)
        numeric = np.zeros_like(xs[i])
        for idx in np.ndindex(xs[i].shape):
            plus = [a.copy() for a in xs]
            minus = [a.copy() for a in xs]
            plus[i][idx] += h
            minus[i][idx] -= h
            diff = _evaluate(f, plus) - _evaluate(f, minus)
            numeric[idx] = np.sum(u * diff) / (2 * h)
        err = rel_error(analytic, numeric)
        assert err < tol, (
            f"VJP of input {i} (shape {xs[i].shape}) is off: relative error {err:.3g}\n"
            f"analytic:\n{analytic}\nnumeric:\n{numeric}"
        )
        grads.append(analytic)
    return grads


def _first_grads(
    f: Callable[..., Tensor],
    xs: Sequence[np.ndarray],
    wrt: list[int],
    u: np.ndarray,
    w: np.ndarray,
    create_graph: bool,
) -> tuple[list[Tensor], list[Tensor]]:
    tensors = [Tensor(a.copy(), requires_grad=i in wrt) for i, a in enumerate(xs)]
    y = f(*tensors)
    # s = <u, y> + <w, y*y>: the square makes grad s depend on y itself, so the HVP also
    # runs every op's backward on recorded tensors, linear ops included.
    s = (y * Tensor(u)).sum() + (y * y * Tensor(w)).sum()
    gs = ad.grad(s, [tensors[i] for i in wrt], create_graph=create_graph)
    return tensors, gs


def check_hvp(
    f: Callable[..., Tensor],
    *inputs: np.ndarray,
    wrt: Sequence[int] | None = None,
    h: float = 1e-5,
    tol: float = 1e-6,
    seed: int = 0,
) -> list[np.ndarray]:
    """Assert that differentiating ``grad(..., create_graph=True)`` again is right.

    With ``s(x) = sum(u * f(x)) + sum(w * f(x)**2)`` and a random direction ``v`` over all
    inputs in ``wrt``, compares the Hessian-vector product ``grad(<grad s, v>, x)`` with
    ``(grad s(x + h v) - grad s(x - h v)) / 2h``. Returns the HVP per input.
    """
    xs = [np.array(a, dtype=np.float64) for a in inputs]
    wrt = _wrt(wrt, len(xs))
    rng = np.random.default_rng(seed)
    shape = _evaluate(f, xs).shape
    u = rng.standard_normal(shape)
    w = rng.standard_normal(shape)
    v = [rng.standard_normal(xs[i].shape) for i in wrt]

    tensors, gs = _first_grads(f, xs, wrt, u, w, create_graph=True)
    for g, i in zip(gs, wrt, strict=True):
        assert isinstance(g, Tensor) and g.shape == xs[i].shape
        assert g.requires_grad, f"first gradient of input {i} was not recorded"
    inner = sum((g * Tensor(vi)).sum() for g, vi in zip(gs, v, strict=True))
    hvp = [t.data for t in ad.grad(inner, [tensors[i] for i in wrt])]

    def shifted(sign: float) -> list[np.ndarray]:
        moved = [a.copy() for a in xs]
        for vi, i in zip(v, wrt, strict=True):
            moved[i] = moved[i] + sign * h * vi
        return [g.data for g in _first_grads(f, moved, wrt, u, w, create_graph=False)[1]]

    plus, minus = shifted(1.0), shifted(-1.0)
    for k, i in enumerate(wrt):
        numeric = (plus[k] - minus[k]) / (2 * h)
        err = rel_error(hvp[k], numeric)
        assert err < tol, (
            f"Hessian-vector product of input {i} (shape {xs[i].shape}) is off: relative "
            f"error {err:.3g}\nanalytic:\n{hvp[k]}\nnumeric:\n{numeric}"
        )
    return hvp
