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


# ----------------------------------------------------------------------------- registry
@pytest.mark.parametrize("name", list(ops.ACTIVATIONS))
def test_the_activation_registry_is_the_ops_own(name: str) -> None:
    Z = Tensor(np.linspace(-2, 2, 12).reshape(3, 4))
    A = ops.activate(name, Z, slope=0.1)
    expected = {
        "relu": np.maximum(Z.data, 0),
        "leaky_relu": np.where(Z.data > 0, Z.data, 0.1 * Z.data),
        "tanh": np.tanh(Z.data),
        "sigmoid": 1 / (1 + np.exp(-Z.data)),
        "linear": Z.data,
        "softmax": np.exp(Z.data) / np.exp(Z.data).sum(axis=0, keepdims=True),
    }[name]
    np.testing.assert_allclose(A.data, expected, rtol=1e-12)
    assert ad.nn.ACTIVATIONS == tuple(ops.ACTIVATIONS)  # the nets use the same registry


# ----------------------------------------------------------------------------- new ops
@ENGINE
@given(st.data())
def test_where_concatenate_stack_and_min_vjps(data: st.DataObject) -> None:
    shape = data.draw(shapes(min_dims=1, max_dims=3), label="shape")
    a, b = data.draw(arrays(shape), label="a"), data.draw(arrays(shape), label="b")
    cond = data.draw(hnp.arrays(bool, shape), label="cond")
    axis = data.draw(st.integers(0, len(shape) - 1), label="axis")
    check_vjp(lambda x, y: F.where(cond, x, y), a, b)
    check_hvp(lambda x, y: F.where(cond, x * x, y), a, b)
    check_vjp(lambda x, y: F.concatenate([x, y, x], axis=axis), a, b)
    check_hvp(lambda x, y: F.concatenate([x * y, y], axis=axis), a, b)
    check_vjp(lambda x, y: F.stack([x, y], axis=axis), a, b)
    distinct = data.draw(distinct_arrays(shape), label="distinct")  # no ties: a smooth min
    check_vjp(lambda x: x.min(axis=axis), distinct)
    np.testing.assert_array_equal(Tensor(distinct).min(axis=axis).data, distinct.min(axis=axis))


def test_stack_and_concatenate_refuse_what_numpy_refuses() -> None:
    with pytest.raises(ValueError, match="one shape"):
        F.stack([np.ones(2), np.ones(3)])
    with pytest.raises(ValueError, match="at least one"):
        F.concatenate([])
    with pytest.raises(TypeError, match="boolean"):
        F.where(np.ones(2), np.ones(2), np.ones(2))


def test_pow_gradients_at_zero_are_those_of_torch() -> None:
    """Found by an outside battery against PyTorch: d(x**0)/dx at x = 0 and d(0**y)/dy were
    nan; both are 0 (x**0 is the constant 1; 0**y is 0 for y > 0)."""
    x = Tensor(np.array([0.0, 2.0]), requires_grad=True)
    (dx,) = ad.grad((x**0.0).sum(), [x])
    np.testing.assert_array_equal(dx.data, [0.0, 0.0])
    y = Tensor(np.array([1.0, 2.5]), requires_grad=True)
    (dy,) = ad.grad((Tensor(np.zeros(2)) ** y).sum(), [y])
    np.testing.assert_array_equal(dy.data, [0.0, 0.0])
    (dx,) = ad.grad((x ** Tensor(np.zeros(2))).sum(), [x])  # a Tensor exponent of 0 too
    np.testing.assert_array_equal(dx.data, [0.0, 0.0])


@pytest.mark.filterwarnings("ignore:Mean of empty slice:RuntimeWarning")
def test_mean_over_an_empty_axis_is_nan_as_numpy() -> None:
    x = Tensor(np.ones((0, 3)), requires_grad=True)
    with np.errstate(invalid="ignore"):
        out = x.mean(axis=0)
        expected = np.ones((0, 3)).mean(axis=0)
    np.testing.assert_array_equal(out.data, expected)  # three nans
    assert out.shape == (3,)


def test_equality_is_elementwise_so_an_accuracy_is_right() -> None:
    pred = Tensor(np.array([[1.0, 0.0, 1.0, 1.0]]))
    Y = np.array([[1.0, 1.0, 1.0, 0.0]])
    assert np.mean(pred == Y) == 0.5
    np.testing.assert_array_equal(pred != Y, [[False, True, False, True]])
    assert {pred: 1}[pred] == 1  # still hashable by identity
