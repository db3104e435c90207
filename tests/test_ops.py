"""Every primitive's derivatives, proven against central finite differences in float64.

One table, ``CASES``, lists each primitive with a hypothesis strategy for its inputs (shapes,
broadcasting, axes, and values kept away from kinks and domain edges). Two tests walk it:
``test_vjp`` (first derivatives through ``backward``) and ``test_hvp`` (second derivatives
through ``grad(..., create_graph=True)`` then ``grad`` again).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

import autograd_dnn as ad
import autograd_dnn.functional as F
from autograd_dnn import Tensor, ops
from autograd_dnn.ops import Pow

from .strategies import (
    ENGINE,
    arrays,
    axes,
    broadcast_pairs,
    check_hvp,
    check_vjp,
    distinct_arrays,
    matmul_pairs,
    shapes,
)

# A case is (f, inputs, wrt): f maps Tensors to a Tensor, inputs are float64 arrays, wrt
# the indices of the inputs to differentiate (None: all of them).
Case = tuple[Callable[..., Tensor], tuple[np.ndarray, ...], Any]


def _unary(f: Callable[[Tensor], Tensor], **values: Any) -> st.SearchStrategy[Case]:
    min_dims = values.pop("min_dims", 0)
    return (
        shapes(min_dims=min_dims)
        .flatmap(lambda s: arrays(s, **values))
        .map(lambda x: (f, (x,), None))
    )


@st.composite
def _binary(draw: Any, f: Callable, left: dict, right: dict) -> Case:
    sa, sb = draw(broadcast_pairs())
    return f, (draw(arrays(sa, **left)), draw(arrays(sb, **right))), None


@st.composite
def _matmul(draw: Any) -> Case:
    sa, sb = draw(matmul_pairs())
    return (lambda a, b: a @ b), (draw(arrays(sa)), draw(arrays(sb))), None


@st.composite
def _linear(draw: Any) -> Case:
    n, k, m = (draw(st.integers(1, 4)) for _ in range(3))
    b_shape = draw(st.sampled_from([(n, 1), (n, m), (1, m), (1, 1)]))
    inputs = (draw(arrays((n, k))), draw(arrays((k, m))), draw(arrays(b_shape)))
    return F.linear, inputs, None


@st.composite
def _reduction(draw: Any, method: str) -> Case:
    shape = draw(shapes())
    axis = draw(axes(len(shape)))
    keepdims = draw(st.booleans())
    x = draw(distinct_arrays(shape)) if method == "max" else draw(arrays(shape))
    return (lambda t: getattr(t, method)(axis=axis, keepdims=keepdims)), (x,), None


@st.composite
def _transpose(draw: Any) -> Case:
    shape = draw(shapes())
    perm = tuple(draw(st.permutations(range(len(shape)))))
    f = draw(st.sampled_from([lambda t: t.T, lambda t: t.transpose(*perm)]))
    return f, (draw(arrays(shape)),), None


@st.composite
def _reshape(draw: Any) -> Case:
    shape = draw(shapes())
    new = list(draw(st.permutations(shape)))
    if new and draw(st.booleans()):
        new[draw(st.integers(0, len(new) - 1))] = -1
    if draw(st.booleans()):
        new = [1, *new]
    return (lambda t: t.reshape(*new)), (draw(arrays(shape)),), None


@st.composite
def _broadcast_to(draw: Any) -> Case:
    shape = draw(shapes())
    other = draw(hnp.broadcastable_shapes(shape, min_side=1, max_side=4, max_dims=4))
    target = np.broadcast_shapes(shape, other)
    return (lambda t: t.broadcast_to(target)), (draw(arrays(shape)),), None


@st.composite
def _getitem_basic(draw: Any) -> Case:
    shape = draw(shapes(min_dims=1))
    if len(shape) == 1:
        index = draw(st.one_of(st.slices(shape[0]), st.integers(-shape[0], shape[0] - 1)))
    else:
        index = draw(hnp.basic_indices(shape, allow_newaxis=True))
    return (lambda t: t[index]), (draw(arrays(shape)),), None


@st.composite
def _getitem_integer(draw: Any) -> Case:
    shape = draw(shapes(min_dims=1))
    index = draw(
        hnp.integer_array_indices(
            shape, result_shape=hnp.array_shapes(min_dims=1, max_dims=2, max_side=5)
        )
    )
    return (lambda t: t[index]), (draw(arrays(shape)),), None


@st.composite
def _along_axis(draw: Any, method: str) -> Case:
    shape = draw(shapes(min_dims=1))
    axis = draw(st.integers(-len(shape), len(shape) - 1))
    return (lambda t: getattr(t, method)(axis)), (draw(arrays(shape)),), None


@st.composite
def _bce(draw: Any) -> Case:
    n, m = draw(st.integers(1, 3)), draw(st.integers(1, 4))
    # |z| >= 0.1: dJ/dY = -z/m vanishes at z = 0, where the finite difference of the O(1)
    # loss would be all rounding noise
    z = draw(arrays((n, m), lo=0.1, hi=4.0))
    y = draw(arrays((n, m), lo=0.0, hi=1.0, signed=False))
    return F.binary_cross_entropy_with_logits, (z, y), None


@st.composite
def _softmax_ce(draw: Any) -> Case:
    n, m = draw(st.integers(1, 4)), draw(st.integers(1, 4))
    axis = draw(st.sampled_from([0, 1, -1]))
    z = draw(arrays((n, m), lo=0.0, hi=4.0))
    y = draw(arrays((n, m), lo=0.0, hi=1.0, signed=False))
    return (lambda a, b: F.softmax_cross_entropy(a, b, axis=axis)), (z, y), None


@st.composite
def _clip(draw: Any) -> Case:
    shape = draw(shapes())
    lo, hi = draw(st.sampled_from([(-1.0, 1.0), (None, 0.5), (-0.5, None)]))
    # magnitudes 0.05..3, but never within 0.05 of a bound
    x = draw(arrays(shape)).copy()
    for bound in (lo, hi):
        if bound is not None:
            near = np.abs(x - bound) < 0.05
            x[near] += 0.1
    return (lambda t: t.clip(lo, hi)), (x,), None


@st.composite
def _pow_scalar(draw: Any) -> Case:
    shape = draw(shapes())
    p = draw(st.sampled_from([2, 3, -1, 0.5, -1.5, 2.5]))
    x = draw(arrays(shape, lo=0.3, hi=2.5, signed=isinstance(p, int)))
    return (lambda t: t**p), (x,), None


@st.composite
def _rpow(draw: Any) -> Case:
    shape = draw(shapes())
    base = draw(st.sampled_from([0.5, 2.0, np.e]))
    return (lambda t: base**t), (draw(arrays(shape, lo=0.0, hi=2.0)),), None


POS = dict(lo=0.3, hi=3.0, signed=False)
ANY = dict(lo=0.0, hi=3.0)

CASES: dict[str, st.SearchStrategy[Case]] = {
    # arithmetic, with broadcasting pairs
    "add": _binary(lambda a, b: a + b, ANY, ANY),
    "sub": _binary(lambda a, b: a - b, ANY, ANY),
    "mul": _binary(lambda a, b: a * b, ANY, ANY),
    "div": _binary(lambda a, b: a / b, ANY, dict(lo=0.5, hi=3.0)),
    "neg": _unary(lambda t: -t, **ANY),
    "pow_tensor": _binary(lambda a, b: a**b, dict(lo=0.4, hi=2.5, signed=False), ANY),
    "pow_scalar": _pow_scalar(),
    "rpow": _rpow(),
    "matmul": _matmul(),
    "linear": _linear(),
    # reductions and shapes
    "sum": _reduction("sum"),
    "mean": _reduction("mean"),
    "max": _reduction("max"),
    "transpose": _transpose(),
    "reshape": _reshape(),
    "broadcast_to": _broadcast_to(),
    "getitem_basic": _getitem_basic(),
    "getitem_integer": _getitem_integer(),
    # elementwise
    "exp": _unary(lambda t: t.exp(), lo=0.0, hi=2.5),
    "log": _unary(lambda t: t.log(), **POS),
    "sqrt": _unary(lambda t: t.sqrt(), **POS),
    "abs": _unary(lambda t: t.abs()),
    "clip": _clip(),
    "relu": _unary(lambda t: t.relu()),
    "leaky_relu": _unary(lambda t: t.leaky_relu()),
    "leaky_relu_0.2": _unary(lambda t: t.leaky_relu(0.2)),
    "sigmoid": _unary(lambda t: t.sigmoid(), **ANY),
    "tanh": _unary(lambda t: t.tanh(), lo=0.0, hi=2.0),
    "softmax": _along_axis("softmax"),
    "log_softmax": _along_axis("log_softmax"),
    # fused costs, gradients wrt Z and Y
    "bce_with_logits": _bce(),
    "softmax_cross_entropy": _softmax_ce(),
}


@pytest.mark.parametrize("name", sorted(CASES))
@ENGINE
@given(data=st.data())
def test_vjp(name: str, data: st.DataObject) -> None:
    f, inputs, wrt = data.draw(CASES[name], label=name)
    check_vjp(f, *inputs, wrt=wrt)


@pytest.mark.parametrize("name", sorted(CASES))
@ENGINE
@given(data=st.data())
def test_hvp(name: str, data: st.DataObject) -> None:
    f, inputs, wrt = data.draw(CASES[name], label=name)
    check_hvp(f, *inputs, wrt=wrt)


# ----------------------------------------------------------------------------- the checkers
def test_check_vjp_catches_a_wrong_backward() -> None:
    """The checker itself must fail on a wrong rule, or every test above proves nothing."""

    class WrongSquare(ad.Function):
        @staticmethod
        def forward(ctx, x):
            ctx.save_for_backward(x)
            return x * x

        @staticmethod
        def backward(ctx, g):
            (x,) = ctx.saved_tensors
            return g * x  # should be 2 x g

    x = np.array([[0.5, -1.0], [2.0, 1.5]])
    check_vjp(lambda t: t * t, x)
    with pytest.raises(AssertionError, match="VJP of input 0"):
        check_vjp(WrongSquare.apply, x)


def test_check_hvp_catches_a_constant_derivative() -> None:
    """A backward with the right values but no dependence on x has a wrong Hessian."""

    class FrozenSquare(ad.Function):
        @staticmethod
        def forward(ctx, x):
            ctx.save_for_backward(x)
            return x * x

        @staticmethod
        def backward(ctx, g):
            return g * (2 * ctx.saved_arrays[0])  # the array is a constant: d2 lost

    x = np.array([[0.5, -1.0], [2.0, 1.5]])
    check_vjp(FrozenSquare.apply, x)
    check_hvp(lambda t: t * t, x)
    with pytest.raises(AssertionError, match="Hessian-vector product"):
        check_hvp(FrozenSquare.apply, x)


# ----------------------------------------------------------------------------- known values
def test_gradients_by_hand() -> None:
    """A few derivatives worked out on paper, independent of finite differences."""
    x = Tensor([[1.0, -2.0, 3.0]], requires_grad=True)
    (x**3).sum().backward()
    np.testing.assert_allclose(x.grad, [[3.0, 12.0, 27.0]])

    x = Tensor([[2.0, -1.0]], requires_grad=True)
    x.relu().sum().backward()
    np.testing.assert_array_equal(x.grad, [[1.0, 0.0]])

    # relu'(0) = 0 and leaky relu'(0) = slope, as the course
    z = Tensor([[0.0]], requires_grad=True)
    z.relu().sum().backward()
    assert z.grad[0, 0] == 0.0
    z = Tensor([[0.0]], requires_grad=True)
    z.leaky_relu(0.1).sum().backward()
    np.testing.assert_allclose(z.grad, [[0.1]])

    # db = sum of dZ over the m columns
    W = Tensor(np.ones((2, 3)), requires_grad=True)
    A = Tensor(np.arange(12.0).reshape(3, 4), requires_grad=True)
    b = Tensor(np.zeros((2, 1)), requires_grad=True)
    dZ = np.arange(8.0).reshape(2, 4)
    F.linear(W, A, b).backward(dZ)
    np.testing.assert_allclose(b.grad, dZ.sum(axis=1, keepdims=True))
    np.testing.assert_allclose(W.grad, dZ @ A.data.T)
    np.testing.assert_allclose(A.grad, W.data.T @ dZ)


def test_max_splits_ties_equally() -> None:
    x = Tensor([[1.0, 3.0, 3.0], [2.0, 0.0, 1.0]], requires_grad=True)
    x.max(axis=1).sum().backward()
    np.testing.assert_allclose(x.grad, [[0.0, 0.5, 0.5], [1.0, 0.0, 0.0]])


def test_getitem_repeated_indices_accumulate() -> None:
    x = Tensor(np.arange(6.0).reshape(3, 2), requires_grad=True)
    x[[0, 0, 2, 0]].sum().backward()
    np.testing.assert_allclose(x.grad, [[3.0, 3.0], [0.0, 0.0], [1.0, 1.0]])

    x = Tensor(np.arange(6.0).reshape(3, 2), requires_grad=True)
    x[np.array([1, 1]), np.array([0, 0])].sum().backward()
    np.testing.assert_allclose(x.grad, [[0.0, 0.0], [2.0, 0.0], [0.0, 0.0]])


def test_getitem_mixed_slice_and_integer_array() -> None:
    x = np.arange(12.0).reshape(3, 4) / 7
    check_vjp(lambda t: t[[2, 0, 2], 1:3], x)
    check_hvp(lambda t: t[[2, 0, 2], 1:3], x)


def test_getitem_refuses_boolean_masks() -> None:
    x = Tensor(np.arange(4.0), requires_grad=True)
    with pytest.raises(TypeError, match="nonzero"):
        x[np.array([True, False, True, False])]


@pytest.mark.parametrize(
    ("base", "exponent"),
    [(np.array([[0.5, 2.0]]), np.array([[3.0], [-1.5]])), (np.array([[1.7]]), np.array([[2.2]]))],
)
def test_pow_tensor_exponent_broadcast(base: np.ndarray, exponent: np.ndarray) -> None:
    da, db = check_vjp(lambda x, y: x**y, base, exponent)
    assert da.shape == base.shape and db.shape == exponent.shape
    check_hvp(lambda x, y: x**y, base, exponent)


def test_pow_of_constant_base_gives_only_the_exponent_gradient() -> None:
    """Pow.apply(2.0, t): the base is a plain number, no gradient is asked of it."""
    t = Tensor([[0.0, 1.0, 2.0]], requires_grad=True)
    Pow.apply(2.0, t).sum().backward()
    np.testing.assert_allclose(t.grad, np.log(2.0) * 2.0**t.data)


def test_softmax_cross_entropy_one_hot_gradient_is_p_minus_y_over_m() -> None:
    Z = Tensor([[1.0, -1.0, 0.5], [0.0, 2.0, 0.5], [-1.0, 0.3, 0.2]], requires_grad=True)
    Y = np.eye(3)[:, [2, 0, 1]]
    F.softmax_cross_entropy(Z, Y).backward()
    p = np.exp(Z.data) / np.exp(Z.data).sum(axis=0, keepdims=True)
    np.testing.assert_allclose(Z.grad, (p - Y) / 3)


def test_bce_with_logits_gradient_is_a_minus_y_over_m() -> None:
    Z = Tensor([[0.3, -2.0, 4.0, 0.0]], requires_grad=True)
    Y = np.array([[1.0, 0.0, 0.0, 1.0]])
    F.binary_cross_entropy_with_logits(Z, Y).backward()
    A = 1 / (1 + np.exp(-Z.data))
    np.testing.assert_allclose(Z.grad, (A - Y) / 4)


# ----------------------------------------------------------------------------- regressions
@pytest.mark.parametrize("axes", [(-1, 0, 1), (2, -3, -2), (-1, -2, -3)])
def test_transpose_with_negative_axes(axes: tuple[int, ...]) -> None:
    """Regression: backward inverted negative axes with np.argsort(axes), which is not the
    inverse permutation (a silently wrong gradient on a (2, 2, 2) cube)."""
    x = np.arange(8.0).reshape(2, 2, 2) / 3
    check_vjp(lambda t: t.transpose(*axes), x)
    check_hvp(lambda t: t.transpose(*axes), x)


@pytest.mark.parametrize(
    ("f", "inputs"),
    [
        (lambda t: t.exp(), (np.array(0.3),)),
        (lambda t: t.sqrt(), (np.array(1.3),)),
        (lambda t: t.tanh(), (np.array(0.7),)),
        (lambda a, b: a**b, (np.array(1.5), np.array(0.7))),
        (lambda t: 2.0**t, (np.array(0.4),)),
        (lambda t: t.log(), (np.array(1.3),)),
        (lambda t: t.sigmoid(), (np.array(0.7),)),
        (lambda t: t**3, (np.array(-0.7),)),
        (lambda a, b: a / b, (np.array(1.5), np.array(0.7))),
    ],
    ids=["exp", "sqrt", "tanh", "pow_tensor", "rpow", "log", "sigmoid", "pow_scalar", "div"],
)
def test_hvp_on_0d_tensors(f: Callable, inputs: tuple[np.ndarray, ...]) -> None:
    """Regression: numpy ufuncs return scalars on 0-d input, so an op's saved output was not
    recognised as its output and create_graph treated it as a constant (exp, sqrt, tanh, pow
    wrt the exponent had silently wrong second derivatives)."""
    check_hvp(f, *inputs)


# ----------------------------------------------------------------------------- composed op
@st.composite
def _linear_activation(draw: Any) -> tuple:
    n, k, m = (draw(st.integers(1, 4)) for _ in range(3))
    activation = draw(
        st.sampled_from(["relu", "leaky_relu", "tanh", "sigmoid", "softmax", "linear"])
    )
    W, A, b = draw(arrays((n, k))), draw(arrays((k, m))), draw(arrays((n, 1)))
    return activation, W, A, b


def _apply_activation(Z: Tensor, activation: str) -> Tensor:
    if activation == "linear":
        return Z
    if activation == "softmax":
        return Z.softmax(0)
    return getattr(Z, activation)()


@ENGINE
@given(_linear_activation())
def test_linear_activation_vjp(case: tuple) -> None:
    activation, W, A, b = case
    check_vjp(lambda w, a, c: ops.LinearActivation.apply(w, a, c, activation=activation), W, A, b)


@ENGINE
@given(_linear_activation())
def test_linear_activation_equals_linear_then_activation(case: tuple) -> None:
    """The training loop's one-node layer gives the same values and gradients as two ops."""
    activation, W, A, b = case
    results = []
    for fused in (True, False):
        ts = [Tensor(x.copy(), requires_grad=True) for x in (W, A, b)]
        if fused:
            out = ops.LinearActivation.apply(*ts, activation=activation)
        else:
            out = _apply_activation(F.linear(*ts), activation)
        (out * out).sum().backward()
        results.append([out.data] + [t.grad for t in ts])
    for got, want in zip(*results):
        np.testing.assert_allclose(got, want, rtol=1e-12, atol=1e-15)


@pytest.mark.parametrize("activation", ["relu", "leaky_relu", "tanh", "sigmoid", "linear"])
def test_linear_activation_takes_its_activation_by_position_too(activation: str) -> None:
    rng = np.random.default_rng(0)
    W, A, b = rng.standard_normal((3, 2)), rng.standard_normal((2, 4)), rng.standard_normal((3, 1))
    results = []
    for how in ("keyword", "position"):
        ts = [Tensor(x.copy(), requires_grad=True) for x in (W, A, b)]
        if how == "keyword":
            out = ops.LinearActivation.apply(*ts, activation=activation)
        else:
            out = ops.LinearActivation.apply(*ts, activation)
        (out * out).sum().backward()
        results.append([out.data] + [t.grad for t in ts])
    for got, want in zip(*results):
        np.testing.assert_array_equal(got, want)


def test_linear_activation_is_first_order_only() -> None:
    W = Tensor(np.ones((2, 2)), requires_grad=True)
    out = ops.LinearActivation.apply(W, np.ones((2, 3)), np.zeros((2, 1)), activation="tanh")
    with pytest.raises(RuntimeError, match="first-order only"):
        ad.grad(out.sum(), [W], create_graph=True)
