"""Convolution and pooling ops (autograd_dnn.conv), proven three ways.

1. The forward and the backward against the course's loops, written out below in plain
   numpy (``loop_*``: one window at a time, as Course 4 week 1 writes them), to 1e-10.
2. Every op's first derivatives against central finite differences (``check_vjp``) and its
   second derivatives, ``grad(..., create_graph=True)`` differentiated again, against finite
   differences of the gradient (``check_hvp``), on hypothesis-drawn shapes, strides, pads, f.
3. PyTorch, when installed (NHWC here, NCHW there).

Then the bad inputs: each gets a clear error naming the thing.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import autograd_dnn as ad
from autograd_dnn import Tensor, conv
from autograd_dnn.conv import (
    avg_pool2d,
    conv2d,
    conv2d_weight_grad,
    conv_transpose2d,
    flatten,
    max_pool2d,
    same_padding,
    zero_pad,
)

from .strategies import ENGINE, check_hvp, check_vjp

FEW = settings(ENGINE, max_examples=20)


# ----------------------------------------------------------------------------- the loops
def loop_zero_pad(X: np.ndarray, pads: tuple[int, int, int, int]) -> np.ndarray:
    top, bottom, left, right = pads
    m, n_H, n_W, n_C = X.shape
    out = np.zeros((m, n_H + top + bottom, n_W + left + right, n_C))
    out[:, top : top + n_H, left : left + n_W, :] = X
    return out


def loop_conv_forward(A_prev, W, b, stride, pads):
    """The course's conv_forward, one window and one filter at a time."""
    A_pad = loop_zero_pad(A_prev, pads)
    m, H, Wd, _ = A_pad.shape
    f, _, _, n_C = W.shape
    n_H, n_W = (H - f) // stride + 1, (Wd - f) // stride + 1
    Z = np.zeros((m, n_H, n_W, n_C))
    for i in range(m):
        for h in range(n_H):
            for w in range(n_W):
                for c in range(n_C):
                    vs, hs = h * stride, w * stride
                    a_slice = A_pad[i, vs : vs + f, hs : hs + f, :]
                    Z[i, h, w, c] = np.sum(a_slice * W[:, :, :, c])
                    if b is not None:
                        Z[i, h, w, c] += b[0, 0, 0, c]
    return Z


def loop_conv_backward(dZ, A_prev, W, stride, pads):
    """The course's conv_backward: sums over the samples, then removes the padding."""
    top, bottom, left, right = pads
    A_pad = loop_zero_pad(A_prev, pads)
    dA_pad = np.zeros_like(A_pad)
    dW, db = np.zeros_like(W), np.zeros((1, 1, 1, W.shape[3]))
    f = W.shape[0]
    m, n_H, n_W, n_C = dZ.shape
    for i in range(m):
        for h in range(n_H):
            for w in range(n_W):
                for c in range(n_C):
                    vs, hs = h * stride, w * stride
                    a_slice = A_pad[i, vs : vs + f, hs : hs + f, :]
                    dA_pad[i, vs : vs + f, hs : hs + f, :] += W[:, :, :, c] * dZ[i, h, w, c]
                    dW[:, :, :, c] += a_slice * dZ[i, h, w, c]
                    db[:, :, :, c] += dZ[i, h, w, c]
    dA = dA_pad[:, top : A_pad.shape[1] - bottom, left : A_pad.shape[2] - right, :]
    return dA, dW, db


def loop_pool_forward(A_prev, f, stride, mode):
    m, H, Wd, n_C = A_prev.shape
    n_H, n_W = (H - f) // stride + 1, (Wd - f) // stride + 1
    A = np.zeros((m, n_H, n_W, n_C))
    for i in range(m):
        for h in range(n_H):
            for w in range(n_W):
                for c in range(n_C):
                    vs, hs = h * stride, w * stride
                    window = A_prev[i, vs : vs + f, hs : hs + f, c]
                    A[i, h, w, c] = np.max(window) if mode == "max" else np.mean(window)
    return A


def loop_pool_backward(dA, A_prev, f, stride, mode):
    """The course's pool_backward: create_mask_from_window for max, distribute_value for
    average."""
    dA_prev = np.zeros_like(A_prev)
    m, n_H, n_W, n_C = dA.shape
    for i in range(m):
        for h in range(n_H):
            for w in range(n_W):
                for c in range(n_C):
                    vs, hs = h * stride, w * stride
                    if mode == "max":
                        window = A_prev[i, vs : vs + f, hs : hs + f, c]
                        mask = window == np.max(window)
                        dA_prev[i, vs : vs + f, hs : hs + f, c] += mask * dA[i, h, w, c]
                    else:
                        share = dA[i, h, w, c] / (f * f)
                        dA_prev[i, vs : vs + f, hs : hs + f, c] += np.ones((f, f)) * share
    return dA_prev


# ----------------------------------------------------------------------------- strategies
@st.composite
def conv_cases(draw: Any, max_side: int = 5) -> dict:
    """A small convolution: shapes, f, stride and a pad (an int, 'same' or a 4-tuple)."""
    f = draw(st.integers(1, 3))
    stride = draw(st.integers(1, 3))
    kind = draw(st.sampled_from(["int", "same", "tuple"] if stride == 1 else ["int", "tuple"]))
    if kind == "int":
        pad: Any = draw(st.integers(0, 2))
        pads = (pad,) * 4
    elif kind == "same":
        pad, pads = "same", same_padding(f)
    else:
        pad = pads = tuple(draw(st.lists(st.integers(0, 2), min_size=4, max_size=4)))
    n_H_prev = draw(st.integers(max(1, f - pads[0] - pads[1]), max_side))
    n_W_prev = draw(st.integers(max(1, f - pads[2] - pads[3]), max_side))
    m = draw(st.integers(1, 2))
    n_C_prev, n_C = draw(st.integers(1, 3)), draw(st.integers(1, 3))
    rng = np.random.default_rng(draw(st.integers(0, 2**16)))
    return {
        "A_prev": rng.standard_normal((m, n_H_prev, n_W_prev, n_C_prev)),
        "W": rng.standard_normal((f, f, n_C_prev, n_C)),
        "b": rng.standard_normal((1, 1, 1, n_C)),
        "stride": stride,
        "pad": pad,
        "pads": pads,
    }


@st.composite
def pool_cases(draw: Any, max_side: int = 6) -> dict:
    """A small pooling: A_prev with distinct entries (no ties, so max is differentiable)."""
    f = draw(st.integers(1, 3))
    stride = draw(st.integers(1, 3))
    m, n_C = draw(st.integers(1, 2)), draw(st.integers(1, 3))
    n_H_prev, n_W_prev = draw(st.integers(f, max_side)), draw(st.integers(f, max_side))
    shape = (m, n_H_prev, n_W_prev, n_C)
    rng = np.random.default_rng(draw(st.integers(0, 2**16)))
    size = int(np.prod(shape))
    A_prev = (rng.permutation(size) - size / 2).reshape(shape) * 0.1  # gaps of 0.1
    return {"A_prev": A_prev.astype(np.float64), "f": f, "stride": stride}


def _conv_fn(case: dict):
    return lambda A, W, b: conv2d(A, W, b, stride=case["stride"], pad=case["pad"])


# ----------------------------------------------------------------------------- conv2d
@FEW
@given(conv_cases())
def test_conv2d_forward_matches_the_course_loops(case):
    Z = conv2d(case["A_prev"], case["W"], case["b"], case["stride"], case["pad"]).data
    expected = loop_conv_forward(case["A_prev"], case["W"], case["b"], case["stride"], case["pads"])
    assert Z.shape == expected.shape
    np.testing.assert_allclose(Z, expected, rtol=1e-10, atol=1e-12)


@FEW
@given(conv_cases())
def test_conv2d_backward_matches_the_course_loops(case):
    A = Tensor(case["A_prev"], requires_grad=True)
    W = Tensor(case["W"], requires_grad=True)
    b = Tensor(case["b"], requires_grad=True)
    Z = conv2d(A, W, b, case["stride"], case["pad"])
    dZ = np.random.default_rng(1).standard_normal(Z.shape)
    Z.backward(dZ)
    dA, dW, db = loop_conv_backward(dZ, case["A_prev"], case["W"], case["stride"], case["pads"])
    for got, want in ((A.grad, dA), (W.grad, dW), (b.grad, db)):
        assert got.shape == want.shape
        np.testing.assert_allclose(got, want, rtol=1e-10, atol=1e-12)


@FEW
@given(conv_cases(max_side=4))
def test_conv2d_vjp_matches_finite_differences(case):
    check_vjp(_conv_fn(case), case["A_prev"], case["W"], case["b"])


@FEW
@given(conv_cases(max_side=4))
def test_conv2d_second_derivatives_match_finite_differences_of_the_gradient(case):
    check_hvp(_conv_fn(case), case["A_prev"], case["W"], case["b"])


@FEW
@given(conv_cases(max_side=4))
def test_conv_transpose2d_is_the_adjoint_of_conv2d_and_both_its_derivatives_hold(case):
    A, W, s, pad = case["A_prev"], case["W"], case["stride"], case["pad"]
    Z = conv2d(A, W, None, s, pad).data
    dZ = np.random.default_rng(2).standard_normal(Z.shape)
    back = conv_transpose2d(dZ, W, s, pad, in_hw=A.shape[1:3]).data
    assert back.shape == A.shape
    assert np.sum(Z * dZ) == pytest.approx(np.sum(A * back), rel=1e-10, abs=1e-12)

    def fn(dz, w):
        return conv_transpose2d(dz, w, s, pad, in_hw=A.shape[1:3])

    check_vjp(fn, dZ, W)
    check_hvp(fn, dZ, W)


@FEW
@given(conv_cases(max_side=4))
def test_conv2d_weight_grad_is_dW_and_both_its_derivatives_hold(case):
    A, W, s, pad = case["A_prev"], case["W"], case["stride"], case["pad"]
    f = W.shape[0]
    Z = conv2d(A, W, None, s, pad).data
    dZ = np.random.default_rng(3).standard_normal(Z.shape)
    _, dW, _ = loop_conv_backward(dZ, A, W, s, case["pads"])
    np.testing.assert_allclose(conv2d_weight_grad(A, dZ, f, s, pad).data, dW, rtol=1e-10)

    def fn(a, dz):
        return conv2d_weight_grad(a, dz, f, s, pad)

    check_vjp(fn, A, dZ)
    check_hvp(fn, A, dZ)


def test_conv2d_without_bias_and_with_some_inputs_constant():
    rng = np.random.default_rng(4)
    A, W = rng.standard_normal((2, 5, 4, 2)), rng.standard_normal((3, 3, 2, 3))
    check_vjp(lambda a, w: conv2d(a, w, None, stride=2, pad=1), A, W, wrt=[1])
    check_vjp(lambda a, w: conv2d(a, w, None, stride=2, pad=1), A, W, wrt=[0])
    check_hvp(lambda a, w: conv2d(a, w, None, stride=2, pad=1), A, W, wrt=[0])


def test_the_first_derivative_of_a_conv_net_is_differentiable_in_its_weights():
    """grad(cost, W1, create_graph=True) through conv -> relu -> pool -> conv -> flatten,
    then d/dW of <dW1, V>: the whole chain of recorded backward ops, against finite
    differences of the first gradient."""
    rng = np.random.default_rng(5)
    X = rng.standard_normal((2, 6, 6, 2))
    W1, W2 = rng.standard_normal((3, 3, 2, 3)), rng.standard_normal((2, 2, 3, 2))

    def net(w1, w2):
        A1 = avg_pool2d(conv2d(X, w1, None, 1, "same").tanh(), f=2, stride=2)
        return flatten(conv2d(A1, w2, None, 1, "same"))

    check_hvp(net, W1, W2)


# ----------------------------------------------------------------------------- the course
# The printed outputs of Course 4 week 1's "Convolutional Model: step by step" notebook
# (reconstructed from its seeds: np.random.seed(1), then the draws in the same order).
def test_conv_forward_and_backward_reproduce_the_course_test_case():
    np.random.seed(1)
    A_prev = np.random.randn(10, 4, 4, 3)
    W = np.random.randn(2, 2, 3, 8)
    b = np.random.randn(1, 1, 1, 8)
    a, w, bb = (Tensor(x, requires_grad=True) for x in (A_prev, W, b))
    Z = conv2d(a, w, bb, stride=2, pad=2)
    assert np.mean(Z.data) == pytest.approx(0.0489952035289, abs=1e-12)
    np.testing.assert_allclose(
        Z.data[3, 2, 1],
        [-0.61490741, -6.7439236, -2.55153897, 1.75698377, 3.56208902, 0.53036437, 5.18531798,
         8.75898442],
        atol=1e-8,
    )  # fmt: skip
    Z.backward(Z.data)  # the course runs conv_backward(Z, cache): dZ = Z, summed over samples
    assert np.mean(a.grad) == pytest.approx(1.45243777754, abs=1e-10)
    assert np.mean(w.grad) == pytest.approx(1.72699145831, abs=1e-10)
    assert np.mean(bb.grad) == pytest.approx(7.83923256462, abs=1e-10)


def test_conv_forward_reproduces_the_newer_course_test_case():
    np.random.seed(1)
    A_prev = np.random.randn(2, 5, 7, 4)
    W = np.random.randn(3, 3, 4, 8)
    b = np.random.randn(1, 1, 1, 8)
    Z = conv2d(A_prev, W, b, stride=2, pad=1).data
    assert Z.shape == (2, 3, 4, 8)
    assert np.mean(Z) == pytest.approx(0.5511276474566768, abs=1e-12)
    np.testing.assert_allclose(
        Z[0, 2, 1],
        [-2.17796037, 8.07171329, -0.5772704, 3.36286738, 4.48113645, -2.89198428, 10.99288867,
         3.03171932],
        atol=1e-8,
    )  # fmt: skip


def test_pool_forward_and_backward_reproduce_the_course_test_cases():
    np.random.seed(1)
    A_prev = np.random.randn(2, 4, 4, 3)
    np.testing.assert_allclose(
        max_pool2d(A_prev, f=3, stride=2).data.ravel(),
        [1.74481176, 0.86540763, 1.13376944, 1.13162939, 1.51981682, 2.18557541],
        atol=1e-8,
    )
    np.testing.assert_allclose(
        avg_pool2d(A_prev, f=3, stride=2).data.ravel(),
        [0.02105773, -0.20328806, -0.40389855, -0.22154621, 0.51716526, 0.48155844],
        atol=1e-8,
    )
    np.random.seed(1)
    A_prev = np.random.randn(5, 5, 3, 2)
    dA = np.random.randn(5, 4, 2, 2)
    assert np.mean(dA) == pytest.approx(0.145713902729, abs=1e-12)
    expected = {
        max_pool2d: [[0.0, 0.0], [5.05844394, -1.68282702], [0.0, 0.0]],
        avg_pool2d: [[0.08485462, 0.2787552], [1.26461098, -0.25749373], [1.17975636, -0.53624893]],
    }
    for pool, dA_prev_1_1 in expected.items():
        a = Tensor(A_prev, requires_grad=True)
        pool(a, f=2, stride=1).backward(dA)
        np.testing.assert_allclose(a.grad[1, 1], dA_prev_1_1, atol=1e-8)


# ----------------------------------------------------------------------------- 'same'
@pytest.mark.parametrize(
    "f, pads",
    [(1, (0, 0, 0, 0)), (2, (0, 1, 0, 1)), (3, (1, 1, 1, 1)), (4, (1, 2, 1, 2)), (5, (2, 2, 2, 2))],
)
def test_same_padding_splits_f_minus_1_with_the_extra_row_and_column_at_bottom_right(f, pads):
    assert same_padding(f) == pads
    rng = np.random.default_rng(f)
    A, W = rng.standard_normal((1, 5, 6, 2)), rng.standard_normal((f, f, 2, 1))
    Z = conv2d(A, W, None, 1, "same").data
    np.testing.assert_allclose(Z, loop_conv_forward(A, W, None, 1, pads), rtol=1e-10)


@pytest.mark.parametrize("f, n_C", [(4, 8), (2, 16)])
def test_the_signs_model_same_layers_keep_64_by_64(f, n_C):
    A = np.zeros((1, 64, 64, 3))
    W = np.zeros((f, f, 3, n_C))
    assert conv2d(A, W, np.zeros((1, 1, 1, n_C)), 1, "same").shape == (1, 64, 64, n_C)


# ----------------------------------------------------------------------------- zero_pad
@FEW
@given(
    st.tuples(*[st.integers(1, 3)] * 4),
    st.one_of(st.integers(0, 2), st.tuples(*[st.integers(0, 2)] * 4)),
)
def test_zero_pad_matches_a_plain_copy_and_its_derivatives_hold(shape, pad):
    X = np.random.default_rng(6).standard_normal(shape)
    pads = (pad,) * 4 if isinstance(pad, int) else pad
    np.testing.assert_array_equal(zero_pad(X, pad).data, loop_zero_pad(X, pads))
    check_vjp(lambda x: zero_pad(x, pad), X)
    check_hvp(lambda x: zero_pad(x, pad), X)


def test_zero_pad_reproduces_the_course_test_case():
    """The course's zero_pad test: seed 1, x (4, 3, 3, 2) padded by 3 is (4, 9, 9, 2); row 1 of
    sample 1 is printed as x[1, 1], and x_pad[1, 1] (a padding row) is all zeros."""
    np.random.seed(1)
    x = np.random.randn(4, 3, 3, 2)
    x_pad = zero_pad(x, 3).data
    assert x_pad.shape == (4, 9, 9, 2)
    row = [[0.90085595, -0.68372786], [-0.12289023, -0.93576943], [-0.26788808, 0.53035547]]
    np.testing.assert_allclose(x_pad[1, 1 + 3, 3:6], row, atol=1e-8)
    np.testing.assert_array_equal(x_pad[1, 1], np.zeros((9, 2)))
    np.testing.assert_array_equal(x_pad[:, 3:6, 3:6, :], x)
    assert np.count_nonzero(x_pad) == np.count_nonzero(x)


# ----------------------------------------------------------------------------- pooling
@FEW
@given(pool_cases(), st.sampled_from(["max", "average"]))
def test_pool_forward_and_backward_match_the_course_loops(case, mode):
    op = max_pool2d if mode == "max" else avg_pool2d
    A = Tensor(case["A_prev"], requires_grad=True)
    out = op(A, case["f"], case["stride"])
    expected = loop_pool_forward(case["A_prev"], case["f"], case["stride"], mode)
    np.testing.assert_allclose(out.data, expected, rtol=1e-12)
    dA = np.random.default_rng(7).standard_normal(out.shape)
    out.backward(dA)
    want = loop_pool_backward(dA, case["A_prev"], case["f"], case["stride"], mode)
    np.testing.assert_allclose(A.grad, want, rtol=1e-10, atol=1e-12)


@FEW
@given(pool_cases(max_side=5), st.sampled_from(["max", "average"]))
def test_pool_derivatives_match_finite_differences(case, mode):
    op = max_pool2d if mode == "max" else avg_pool2d

    def fn(a):
        return op(a, case["f"], case["stride"])

    check_vjp(fn, case["A_prev"], h=1e-6)
    check_hvp(fn, case["A_prev"], h=1e-6)


def test_max_pool_gives_the_gradient_to_every_tied_maximum_as_the_course_mask():
    A_prev = np.array([[1.0, 3.0], [3.0, 2.0]]).reshape(1, 2, 2, 1)
    A = Tensor(A_prev, requires_grad=True)
    max_pool2d(A, f=2, stride=2).backward(np.full((1, 1, 1, 1), 5.0))
    np.testing.assert_array_equal(A.grad[0, :, :, 0], [[0.0, 5.0], [5.0, 0.0]])
    np.testing.assert_array_equal(
        A.grad, loop_pool_backward(np.full((1, 1, 1, 1), 5.0), A_prev, 2, 2, "max")
    )


def test_overlapping_max_windows_add_their_gradients():
    A_prev = np.array([[0.0, 9.0, 0.0], [0.0, 0.0, 0.0], [0.0, 0.0, 0.0]]).reshape(1, 3, 3, 1)
    A = Tensor(A_prev, requires_grad=True)
    max_pool2d(A, f=2, stride=1).backward(np.ones((1, 2, 2, 1)))
    assert A.grad[0, 0, 1, 0] == 2.0  # the max of both top windows
    assert A.grad[0, 1, 1, 0] == 2.0  # a tie at 0 in both bottom windows


def test_the_signs_model_pool_shapes():
    A = np.zeros((2, 64, 64, 8))
    assert max_pool2d(A, f=8, stride=8).shape == (2, 8, 8, 8)
    assert max_pool2d(np.zeros((2, 8, 8, 16)), f=4, stride=4).shape == (2, 2, 2, 16)


# ----------------------------------------------------------------------------- windows
@FEW
@given(pool_cases(max_side=5))
def test_windows_and_add_windows_are_adjoint_and_differentiable(case):
    A, f, s = case["A_prev"], case["f"], case["stride"]
    cols = conv.windows(A, f, s).data
    G = np.random.default_rng(8).standard_normal(cols.shape)
    back = conv.add_windows(G, s, A.shape).data
    assert np.sum(cols * G) == pytest.approx(np.sum(A * back), rel=1e-10)
    check_vjp(lambda a: conv.windows(a, f, s), A)
    check_vjp(lambda g: conv.add_windows(g, s, A.shape), G)
    check_hvp(lambda g: conv.add_windows(g, s, A.shape), G)


# ----------------------------------------------------------------------------- flatten
def test_flatten_gives_one_column_per_sample_in_c_order():
    A = np.arange(2 * 2 * 3 * 4, dtype=float).reshape(2, 2, 3, 4)
    out = flatten(A).data
    assert out.shape == (24, 2)
    np.testing.assert_array_equal(out[:, 1], A[1].ravel())
    np.testing.assert_array_equal(out, A.reshape(2, -1).T)
    assert not out.flags.writeable  # a view of A: writing through it would change A
    check_vjp(flatten, A)
    check_hvp(flatten, A)


# ----------------------------------------------------------------------------- dtypes
def test_float32_stays_float32_through_forward_and_backward():
    rng = np.random.default_rng(9)
    A = Tensor(rng.standard_normal((2, 8, 8, 3)).astype(np.float32), requires_grad=True)
    W = Tensor(rng.standard_normal((4, 4, 3, 8)).astype(np.float32), requires_grad=True)
    b = Tensor(np.zeros((1, 1, 1, 8), np.float32), requires_grad=True)
    out = flatten(max_pool2d(conv2d(A, W, b, 1, "same").relu(), 4, 4))
    assert out.dtype == np.float32
    out.sum().backward()
    assert A.grad.dtype == W.grad.dtype == b.grad.dtype == np.float32


# ----------------------------------------------------------------------------- bad inputs
def _conv_error(A_shape, W_shape, b_shape=None, stride=1, pad=0) -> str:
    b = None if b_shape is None else np.zeros(b_shape)
    with pytest.raises(ValueError) as err:
        conv2d(np.zeros(A_shape), np.zeros(W_shape), b, stride=stride, pad=pad)
    return str(err.value)


def test_a_channel_mismatch_names_both_shapes():
    msg = _conv_error((2, 5, 5, 3), (3, 3, 4, 8))
    assert "A_prev (2, 5, 5, 3)" in msg and "W (3, 3, 4, 8)" in msg
    assert "n_C_prev = 3" in msg and "n_C_prev = 4" in msg


def test_a_filter_larger_than_the_padded_input_is_refused():
    msg = _conv_error((1, 3, 3, 1), (5, 5, 1, 1), pad=0)
    assert "f = 5" in msg and "larger than the padded input" in msg and "3 x 3" in msg
    assert conv2d(np.zeros((1, 3, 3, 1)), np.zeros((5, 5, 1, 1)), pad=1).shape == (1, 1, 1, 1)


@pytest.mark.parametrize("stride", [0, -1, 1.5, True])
def test_a_stride_that_is_not_a_positive_int_is_refused(stride):
    assert "stride" in _conv_error((1, 4, 4, 1), (2, 2, 1, 1), stride=stride)
    with pytest.raises(ValueError, match="stride"):
        max_pool2d(np.zeros((1, 4, 4, 1)), f=2, stride=stride)


@pytest.mark.parametrize("shape", [(5, 5, 3), (1, 2, 5, 5, 3), (5,)])
def test_an_input_that_is_not_4d_is_refused(shape):
    msg = _conv_error(shape, (3, 3, 3, 1))
    assert "A_prev must be 4-D" in msg and str(shape) in msg
    for pool in (max_pool2d, avg_pool2d):
        with pytest.raises(ValueError, match="A_prev must be 4-D"):
            pool(np.zeros(shape), f=2, stride=2)
    with pytest.raises(ValueError, match="A must be 4-D"):
        zero_pad(np.zeros(shape), 1)


def test_a_bias_of_the_wrong_shape_is_refused():
    msg = _conv_error((1, 4, 4, 3), (3, 3, 3, 8), b_shape=(8,))
    assert "b must have shape (1, 1, 1, n_C) = (1, 1, 1, 8)" in msg and "(8,)" in msg
    assert "(1, 1, 1, 4)" in _conv_error((1, 4, 4, 3), (3, 3, 3, 8), b_shape=(1, 1, 1, 4))


def test_a_filter_that_is_not_square_or_not_4d_or_empty_is_refused():
    assert "square" in _conv_error((1, 4, 4, 3), (3, 2, 3, 8))
    assert "W must be 4-D" in _conv_error((1, 4, 4, 3), (3, 3, 3))
    assert "f >= 1" in _conv_error((1, 4, 4, 3), (0, 0, 3, 8))


def test_conv_output_size_is_the_course_formula():
    """n_H = floor((n_H_prev + 2 pad - f) / stride) + 1; the course's conv_forward test case
    (A_prev (10, 5, 7, 4), W (3, 3, 4, 8), pad 1, stride 2) gives Z (10, 3, 4, 8)."""
    assert conv.conv_output_size(5, 3, 2, 2) == 3
    assert conv.conv_output_size(7, 3, 2, 2) == 4
    Z = conv2d(np.zeros((10, 5, 7, 4)), np.zeros((3, 3, 4, 8)), np.zeros((1, 1, 1, 8)), 2, 1)
    assert Z.shape == (10, 3, 4, 8)


@pytest.mark.parametrize("pad", [-1, "valid", (1, 2), 1.0])
def test_a_bad_pad_is_refused(pad):
    assert "pad" in _conv_error((1, 4, 4, 1), (2, 2, 1, 1), pad=pad)


def test_same_padding_with_a_stride_is_refused():
    assert "stride 1 only" in _conv_error((1, 4, 4, 1), (2, 2, 1, 1), stride=2, pad="same")


def test_a_pool_window_larger_than_the_input_is_refused():
    with pytest.raises(ValueError, match=r"window \(f = 5\) is larger than A_prev's 4 x 6"):
        max_pool2d(np.zeros((1, 4, 6, 1)), f=5, stride=1)
    with pytest.raises(ValueError, match="f must be >= 1"):
        avg_pool2d(np.zeros((1, 4, 6, 1)), f=0, stride=1)


def test_flatten_refuses_a_vector():
    with pytest.raises(ValueError, match=r"\(m, \.\.\.\)"):
        flatten(np.zeros(5))


# ----------------------------------------------------------------------------- PyTorch
def test_agrees_with_pytorch_nhwc_against_nchw():
    torch = pytest.importorskip("torch")
    tF = torch.nn.functional
    rng = np.random.default_rng(10)
    A = rng.standard_normal((2, 9, 8, 3))
    W, b = rng.standard_normal((4, 4, 3, 5)), rng.standard_normal((1, 1, 1, 5))
    dZ = rng.standard_normal((2, 9, 8, 5))

    a = Tensor(A, requires_grad=True)
    w, bb = Tensor(W, requires_grad=True), Tensor(b, requires_grad=True)
    Z = conv2d(a, w, bb, 1, "same")
    P = max_pool2d(Z, f=3, stride=2)
    Q = avg_pool2d(Z, f=2, stride=3)
    dP = rng.standard_normal(P.shape)
    dQ = rng.standard_normal(Q.shape)
    ((P * Tensor(dP)).sum() + (Q * Tensor(dQ)).sum() + (Z * Tensor(dZ)).sum()).backward()

    def nchw(x):
        return torch.tensor(np.ascontiguousarray(x.transpose(0, 3, 1, 2)))

    ta = nchw(A).requires_grad_()
    tw = torch.tensor(W.transpose(3, 2, 0, 1).copy(), requires_grad=True)  # (n_C, n_C_prev, f, f)
    tb = torch.tensor(b.ravel(), requires_grad=True)
    tZ = tF.conv2d(tF.pad(ta, (1, 2, 1, 2)), tw, tb)  # (left, right, top, bottom): 'same', f=4
    tP = tF.max_pool2d(tZ, 3, 2)
    tQ = tF.avg_pool2d(tZ, 2, 3)
    ((tP * nchw(dP)).sum() + (tQ * nchw(dQ)).sum() + (tZ * nchw(dZ)).sum()).backward()

    def nhwc(t):
        return t.detach().numpy().transpose(0, 2, 3, 1)

    for ours, theirs in ((Z, tZ), (P, tP), (Q, tQ)):
        np.testing.assert_allclose(ours.data, nhwc(theirs), rtol=1e-10, atol=1e-12)
    np.testing.assert_allclose(a.grad, nhwc(ta.grad), rtol=1e-10, atol=1e-12)
    np.testing.assert_allclose(w.grad, tw.grad.numpy().transpose(2, 3, 1, 0), rtol=1e-10)
    np.testing.assert_allclose(bb.grad.ravel(), tb.grad.numpy(), rtol=1e-10)


class FlippedFilterConv(conv.Conv2D):
    """A planted bug: dA_prev computed with W rotated by 180 degrees (a true convolution's
    rule applied to the course's cross-correlation)."""

    @staticmethod
    def backward(ctx, g):
        _, dW, db = conv.Conv2D.backward(ctx, g)
        A_prev, W = ctx.saved_tensors[:2]
        s, pads = ctx.kwargs["stride"], ctx.kwargs["pads"]
        dA = conv_transpose2d(g, W[::-1, ::-1].copy(), s, pads, A_prev.shape[1:3]).data
        return dA, dW, db


def test_the_finite_difference_check_catches_a_flipped_filter_in_the_backward():
    rng = np.random.default_rng(11)
    A, W = rng.standard_normal((1, 4, 4, 1)), rng.standard_normal((3, 3, 1, 1))

    def buggy(a):
        return FlippedFilterConv.apply(a, W, None, stride=1, pads=(1, 1, 1, 1))

    with pytest.raises(AssertionError, match="VJP of input 0"):
        check_vjp(buggy, A)
    check_vjp(lambda a: conv2d(a, W, None, 1, 1), A)  # the real op passes the same check


def test_grad_of_grad_through_max_pool_is_recorded():
    A = Tensor(np.arange(16.0).reshape(1, 4, 4, 1), requires_grad=True)
    (g,) = ad.grad((max_pool2d(A, 2, 2) ** 2).sum(), [A], create_graph=True)
    assert g.requires_grad
    (h,) = ad.grad(g.sum(), [A])
    want = np.zeros((1, 4, 4, 1))
    want[0, 1::2, 1::2, 0] = 2.0  # d/dA of 2 * max: 2 at each window's maximum
    np.testing.assert_array_equal(h.data, want)


# ----------------------------------------------------------------------------- benchmark
@pytest.mark.parametrize("dtype", [np.float64, np.float32])
def test_the_benchmark_times_steps_that_compute_the_same_thing(dtype):
    from benchmarks import conv as bench

    x = bench.make_inputs(2, dtype, side=7)
    rtol = 1e-10 if dtype == np.float64 else 1e-4
    loops = bench.loop_step(x)
    timed = {"ours": bench.ours_step(x, need_dA=True)()}
    torch_step = bench.torch_step(x, need_dA=True)
    if torch_step is not None:
        timed["pytorch"] = bench.torch_as_course(torch_step())
    for name, out in timed.items():
        for got, want, what in zip(out, loops, ("Z", "dA_prev", "dW", "db"), strict=True):
            assert got.dtype == dtype, (name, what)
            np.testing.assert_allclose(got, want, rtol=rtol, atol=rtol, err_msg=f"{name} {what}")
    assert bench.loop_step(x, need_dA=False)[1] is None
    assert bench.ours_step(x, need_dA=False)()[1] is None


def test_the_benchmark_runs_quick(capsys):
    from benchmarks import conv as bench

    bench.main(["--quick", "--m", "2", "--side", "8", "--rounds", "2"])
    out = capsys.readouterr().out
    assert "BLAS:" in out and "loops / ours" in out
    rows = [r for r in out.splitlines() if r.startswith("| float")]
    assert len(rows) == 4


def test_inputs_that_are_strided_views_give_the_same_numbers():
    rng = np.random.default_rng(12)
    base = rng.standard_normal((3, 6, 2, 7))  # A_prev (2, 7, 6, 3) as a transposed view
    A = base.transpose(2, 3, 1, 0)
    W = rng.standard_normal((3, 3, 3, 2))[::-1]  # a negative-stride view
    assert not A.flags.c_contiguous and not W.flags.c_contiguous
    a, ac = Tensor(A, requires_grad=True), Tensor(A.copy(), requires_grad=True)
    for t in (a, ac):
        out = max_pool2d(conv2d(t, W, None, 2, 1), 2, 1)
        out.backward(np.ones(out.shape))
    np.testing.assert_allclose(a.grad, ac.grad, rtol=1e-12)
    z = conv2d(A, W, None, 2, 1).data
    np.testing.assert_allclose(z, loop_conv_forward(A, W, None, 2, (1, 1, 1, 1)), rtol=1e-10)


@pytest.mark.parametrize("stride, pads", [(1, (1, 2, 1, 2)), (2, (1, 1, 0, 1))])
def test_convolutions_run_in_chunks_of_samples_give_the_loops_numbers(monkeypatch, stride, pads):
    """The convolutions run over the samples a few at a time (conv._CHUNK_ENTRIES im2col
    entries per chunk); with a limit so small that every chunk is ONE sample, Z, dA_prev, dW
    and db still match the course's loops, and so do the transposed and weight-gradient
    convolutions on their own."""
    rng = np.random.default_rng(21)
    A = rng.standard_normal((5, 7, 6, 3))
    W, b = rng.standard_normal((4, 4, 3, 2)), rng.standard_normal((1, 1, 1, 2))
    monkeypatch.setattr(conv, "_CHUNK_ENTRIES", 1)
    a, w, bb = (Tensor(x, requires_grad=True) for x in (A, W, b))
    Z = conv2d(a, w, bb, stride, pads)
    assert len(conv._sample_chunks(5, 4 * 4 * 3 * Z.shape[1] * Z.shape[2])) == 5
    dZ = rng.standard_normal(Z.shape)
    Z.backward(dZ)
    dA, dW, db = loop_conv_backward(dZ, A, W, stride, pads)
    np.testing.assert_allclose(Z.data, loop_conv_forward(A, W, b, stride, pads), rtol=1e-10)
    np.testing.assert_allclose(a.grad, dA, rtol=1e-10, atol=1e-12)
    np.testing.assert_allclose(w.grad, dW, rtol=1e-10)
    np.testing.assert_allclose(bb.grad, db, rtol=1e-10)
    back = conv_transpose2d(dZ, W, stride, pads, in_hw=A.shape[1:3]).data
    np.testing.assert_allclose(back, dA, rtol=1e-10, atol=1e-12)
    np.testing.assert_allclose(conv2d_weight_grad(A, dZ, 4, stride, pads).data, dW, rtol=1e-10)


def test_float32_convolutions_stay_float32_in_every_chunk(monkeypatch):
    rng = np.random.default_rng(22)
    A = rng.standard_normal((3, 6, 6, 2)).astype(np.float32)
    W = rng.standard_normal((3, 3, 2, 4)).astype(np.float32)
    monkeypatch.setattr(conv, "_CHUNK_ENTRIES", 1)
    a, w = Tensor(A, requires_grad=True), Tensor(W, requires_grad=True)
    Z = conv2d(a, w, None, 1, "same")
    Z.backward(np.ones(Z.shape, dtype=np.float32))
    assert Z.data.dtype == a.grad.dtype == w.grad.dtype == np.float32
    dA, dW, _ = loop_conv_backward(
        np.ones(Z.shape), A.astype(float), W.astype(float), 1, (1, 1, 1, 1)
    )
    np.testing.assert_allclose(a.grad, dA, rtol=1e-4, atol=1e-5)
    np.testing.assert_allclose(w.grad, dW, rtol=1e-4, atol=1e-4)
