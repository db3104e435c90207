"""The convolution textbook (Course 4, week 1) against the course's published outputs, finite
differences, a second vectorized implementation, and its error messages.

conv_backward and pool_backward carry no 1/m: they are the gradients of ``sum(dZ * Z)`` (and
``sum(dA * A)``), which is what the finite differences below measure, so no factor m appears.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from numpy.lib.stride_tricks import sliding_window_view

from autograd_dnn import textbook as tb
from autograd_dnn.testing import strategies as dnn

FAST = settings(
    max_examples=40,
    deadline=None,
    derandomize=True,
    database=None,
    suppress_health_check=[HealthCheck.too_slow],
)
FD = settings(FAST, max_examples=25)  # finite differences call the loops hundreds of times

# small enough that a finite difference per entry stays fast
SMALL = {"max_m": 2, "max_size": 4, "max_channels": 2, "max_f": 3, "max_stride": 2}


# ----------------------------------------------------------------------------------------------
# The course's published test cases
#
# Source: the expected outputs printed in the course's notebook "Convolutional Neural Networks:
# Step by Step" (Course 4, week 1; Convolution_model_Step_by_Step_v1), each cell starting with
# np.random.seed(1) and drawing with np.random.randn in the order written below. The values are
# the notebook's printed ones (8 significant digits in arrays, 12 in scalars). The second
# conv_forward case (A_prev (2, 5, 7, 4), pad 1, stride 2) is the updated notebook's first unit
# test, as quoted on community.deeplearning.ai ("Course 4 week 1 exercise 3: Make sure you
# include stride in your calculation").
# ----------------------------------------------------------------------------------------------


def close(got, published, digits=8):
    np.testing.assert_allclose(got, published, rtol=0, atol=10.0**-digits)


def test_published_zero_pad():
    np.random.seed(1)
    x = np.random.randn(4, 3, 3, 2)
    x_pad = tb.zero_pad(x, 2)
    assert x.shape == (4, 3, 3, 2)
    assert x_pad.shape == (4, 7, 7, 2)
    published = [[0.90085595, -0.68372786], [-0.12289023, -0.93576943], [-0.26788808, 0.53035547]]
    close(x[1, 1], published)
    np.testing.assert_array_equal(x_pad[1, 1], np.zeros((7, 2)))


def test_published_conv_single_step():
    np.random.seed(1)
    a_slice_prev = np.random.randn(4, 4, 3)
    W = np.random.randn(4, 4, 3)
    b = np.random.randn(1, 1, 1)
    close(tb.conv_single_step(a_slice_prev, W, b), -6.99908945068, digits=11)


def course_conv_case() -> tuple[np.ndarray, tb.ConvCache]:
    np.random.seed(1)
    A_prev = np.random.randn(10, 4, 4, 3)
    W = np.random.randn(2, 2, 3, 8)
    b = np.random.randn(1, 1, 1, 8)
    return tb.conv_forward(A_prev, W, b, {"pad": 2, "stride": 2})


def test_published_conv_forward():
    Z, cache_conv = course_conv_case()
    assert Z.shape == (10, 4, 4, 8)
    close(np.mean(Z), 0.0489952035289, digits=12)
    published = [
        -0.61490741, -6.7439236, -2.55153897, 1.75698377,
        3.56208902, 0.53036437, 5.18531798, 8.75898442,
    ]  # fmt: skip
    close(Z[3, 2, 1], published)
    close(cache_conv[0][1][2][3], [-0.20075807, 0.18656139, 0.41005165])


def test_published_conv_forward_updated_notebook():
    np.random.seed(1)
    A_prev = np.random.randn(2, 5, 7, 4)
    W = np.random.randn(3, 3, 4, 8)
    b = np.random.randn(1, 1, 1, 8)
    Z, cache_conv = tb.conv_forward(A_prev, W, b, {"pad": 1, "stride": 2})
    assert Z.shape == (2, 3, 4, 8)
    close(np.mean(Z), 0.5511276474566768, digits=14)
    published = [
        -2.17796037, 8.07171329, -0.5772704, 3.36286738,
        4.48113645, -2.89198428, 10.99288867, 3.03171932,
    ]  # fmt: skip
    close(Z[0, 2, 1], published)
    close(cache_conv[0][1][2][3], [-1.1191154, 1.9560789, -0.3264995, -1.34267579])


def test_published_conv_backward():
    Z, cache_conv = course_conv_case()
    dA, dW, db = tb.conv_backward(Z, cache_conv)  # the notebook feeds Z itself as dZ
    close(np.mean(dA), 1.45243777754, digits=11)
    close(np.mean(dW), 1.72699145831, digits=11)
    close(np.mean(db), 7.83923256462, digits=11)


def test_published_pool_forward():
    np.random.seed(1)
    A_prev = np.random.randn(2, 4, 4, 3)
    hparameters = {"stride": 2, "f": 3}
    A, _ = tb.pool_forward(A_prev, hparameters)
    close(A, [[[[1.74481176, 0.86540763, 1.13376944]]], [[[1.13162939, 1.51981682, 2.18557541]]]])
    A, _ = tb.pool_forward(A_prev, hparameters, mode="average")
    published = [
        [[[0.02105773, -0.20328806, -0.40389855]]],
        [[[-0.22154621, 0.51716526, 0.48155844]]],
    ]
    close(A, published)


def test_published_create_mask_and_distribute_value():
    np.random.seed(1)
    x = np.random.randn(2, 3)
    close(x, [[1.62434536, -0.61175641, -0.52817175], [-1.07296862, 0.86540763, -2.3015387]])
    mask = tb.create_mask_from_window(x)
    np.testing.assert_array_equal(mask, [[True, False, False], [False, False, False]])
    np.testing.assert_array_equal(tb.distribute_value(2, (2, 2)), [[0.5, 0.5], [0.5, 0.5]])


def test_published_pool_backward():
    np.random.seed(1)
    A_prev = np.random.randn(5, 5, 3, 2)
    A, cache = tb.pool_forward(A_prev, {"stride": 1, "f": 2})
    dA = np.random.randn(5, 4, 2, 2)
    close(np.mean(dA), 0.145713902729, digits=12)
    close(
        tb.pool_backward(dA, cache, mode="max")[1, 1], [[0, 0], [5.05844394, -1.68282702], [0, 0]]
    )
    published = [[0.08485462, 0.2787552], [1.26461098, -0.25749373], [1.17975636, -0.53624893]]
    close(tb.pool_backward(dA, cache, mode="average")[1, 1], published)


# ----------------------------------------------------------------------------------------------
# Finite differences
# ----------------------------------------------------------------------------------------------


def central_difference(J: Callable[[], float], x: np.ndarray, eps: float) -> np.ndarray:
    """dJ/dx by central differences, perturbing ``x`` in place and restoring it."""
    grad = np.zeros_like(x)
    for i in np.ndindex(x.shape):
        old = x[i]
        x[i] = old + eps
        plus = J()
        x[i] = old - eps
        minus = J()
        x[i] = old
        grad[i] = (plus - minus) / (2 * eps)
    return grad


@FD
@given(dnn.conv_cases(**SMALL))
def test_conv_backward_is_the_gradient_of_sum_dZ_times_Z(case):
    """J = sum(dZ * Z) is linear in A_prev, in W and in b separately, so the central difference
    is exact up to rounding and a large eps keeps rounding small."""
    A_prev, W, b, dZ, hp = (case[k].copy() for k in ("A_prev", "W", "b", "dZ", "hparameters"))

    def J() -> float:
        return float(np.sum(dZ * tb.conv_forward(A_prev, W, b, hp)[0]))

    dA_prev, dW, db = tb.conv_backward(dZ, tb.conv_forward(A_prev, W, b, hp)[1])
    for name, x, analytic in (("A_prev", A_prev, dA_prev), ("W", W, dW), ("b", b, db)):
        numeric = central_difference(J, x, eps=0.5)
        np.testing.assert_allclose(analytic, numeric, rtol=0, atol=1e-10, err_msg=f"d{name}")


@FD
@given(dnn.conv_cases(pool=True, **SMALL), st.sampled_from(tb.POOL_MODES))
def test_pool_backward_is_the_gradient_of_sum_dA_times_A(case, mode):
    """A_prev's entries are distinct (conv_cases(pool=True)), at least 2/149 apart, so an eps of
    1e-4 never changes a window's maximum: J is linear around the point, the difference exact."""
    A_prev, dA, hp = case["A_prev"].copy(), case["dA"], case["hparameters"]

    def J() -> float:
        return float(np.sum(dA * tb.pool_forward(A_prev, hp, mode)[0]))

    dA_prev = tb.pool_backward(dA, tb.pool_forward(A_prev, hp, mode)[1], mode)
    numeric = central_difference(J, A_prev, eps=1e-4)
    np.testing.assert_allclose(dA_prev, numeric, rtol=0, atol=1e-9)


# ----------------------------------------------------------------------------------------------
# A second, vectorized implementation: strided window views and einsum, no loop over samples or
# positions (the backward scatters with one loop over the f x f offsets of the filter instead).
# ----------------------------------------------------------------------------------------------


def windows(A_pad: np.ndarray, f: int, stride: int, n_H: int, n_W: int) -> np.ndarray:
    """``(m, n_H, n_W, n_C_prev, f, f)``: the window of every output position."""
    view = sliding_window_view(A_pad, (f, f), axis=(1, 2))
    return view[:, ::stride, ::stride][:, :n_H, :n_W]


def out_size(n_H_prev, n_W_prev, f, stride, pad):
    return (n_H_prev + 2 * pad - f) // stride + 1, (n_W_prev + 2 * pad - f) // stride + 1


def einsum_conv(A_prev, W, b, dZ, stride, pad):
    f = W.shape[0]
    m, n_H_prev, n_W_prev, _ = A_prev.shape
    n_H, n_W = out_size(n_H_prev, n_W_prev, f, stride, pad)
    A_pad = np.pad(A_prev, ((0, 0), (pad, pad), (pad, pad), (0, 0)))
    win = windows(A_pad, f, stride, n_H, n_W)
    Z = np.einsum("ihwdpq,pqdc->ihwc", win, W) + b
    dW = np.einsum("ihwdpq,ihwc->pqdc", win, dZ)
    db = dZ.sum(axis=(0, 1, 2)).reshape(1, 1, 1, -1)
    dA_pad = np.zeros_like(A_pad)
    for p in range(f):
        for q in range(f):
            rows = slice(p, p + stride * (n_H - 1) + 1, stride)
            cols = slice(q, q + stride * (n_W - 1) + 1, stride)
            dA_pad[:, rows, cols, :] += np.einsum("ihwc,dc->ihwd", dZ, W[p, q])
    dA_prev = dA_pad[:, pad : pad + n_H_prev, pad : pad + n_W_prev, :]
    return Z, dA_prev, dW, db


def windowed_pool(A_prev, dA, f, stride, mode):
    m, n_H_prev, n_W_prev, _ = A_prev.shape
    n_H, n_W = out_size(n_H_prev, n_W_prev, f, stride, 0)
    win = windows(A_prev, f, stride, n_H, n_W)
    A = win.max(axis=(-2, -1)) if mode == "max" else win.mean(axis=(-2, -1))
    dA_prev = np.zeros_like(A_prev)
    for p in range(f):
        for q in range(f):
            rows = slice(p, p + stride * (n_H - 1) + 1, stride)
            cols = slice(q, q + stride * (n_W - 1) + 1, stride)
            if mode == "max":
                dA_prev[:, rows, cols, :] += (A_prev[:, rows, cols, :] == A) * dA
            else:
                dA_prev[:, rows, cols, :] += dA / (f * f)
    return A, dA_prev


@FAST
@given(dnn.conv_cases(max_m=3, max_size=6, max_channels=3, max_f=4, max_stride=3, max_pad=2))
def test_conv_loops_agree_with_einsum(case):
    A_prev, W, b, dZ, hp = (case[k] for k in ("A_prev", "W", "b", "dZ", "hparameters"))
    Z, cache = tb.conv_forward(A_prev, W, b, hp)
    got = (Z, *tb.conv_backward(dZ, cache))
    want = einsum_conv(A_prev, W, b, dZ, hp["stride"], hp["pad"])
    for name, g, w in zip(("Z", "dA_prev", "dW", "db"), got, want, strict=True):
        assert g.shape == w.shape, name
        np.testing.assert_allclose(g, w, rtol=1e-12, atol=1e-12, err_msg=name)


@FAST
@given(
    dnn.conv_cases(pool=True, max_size=6, max_f=4, max_stride=3, distinct=False),
    st.sampled_from(tb.POOL_MODES),
)
def test_pool_loops_agree_with_sliding_windows(case, mode):
    """Grid values (distinct=False) give ties: both sides route to every maximum, as the
    course's mask does."""
    A_prev, dA, hp = case["A_prev"], case["dA"], case["hparameters"]
    A, cache = tb.pool_forward(A_prev, hp, mode)
    want_A, want_dA_prev = windowed_pool(A_prev, dA, hp["f"], hp["stride"], mode)
    np.testing.assert_allclose(A, want_A, rtol=1e-12, atol=1e-12)
    np.testing.assert_allclose(tb.pool_backward(dA, cache, mode), want_dA_prev, atol=1e-12)


# ----------------------------------------------------------------------------------------------
# Properties worth naming
# ----------------------------------------------------------------------------------------------


@FAST
@given(dnn.conv_cases(), st.integers(0, 3))
def test_zero_pad_adds_zeros_around_and_keeps_the_middle(case, pad):
    X = case["A_prev"]
    m, n_H, n_W, n_C = X.shape
    X_pad = tb.zero_pad(X, pad)
    assert X_pad.shape == (m, n_H + 2 * pad, n_W + 2 * pad, n_C)
    np.testing.assert_array_equal(X_pad[:, pad : pad + n_H, pad : pad + n_W, :], X)
    assert np.abs(X_pad).sum() == np.abs(X).sum()


@pytest.mark.parametrize("f", [1, 3, 5])
def test_same_padding_keeps_the_size(f):
    rng = np.random.RandomState(0)
    A_prev, W, b = rng.randn(2, 6, 5, 3), rng.randn(f, f, 3, 2), rng.randn(1, 1, 1, 2)
    Z, _ = tb.conv_forward(A_prev, W, b, {"stride": 1, "pad": (f - 1) // 2})
    assert Z.shape == (2, 6, 5, 2)


def test_pad_zero_backward_is_not_emptied():
    """The course's hint ``da_prev_pad[pad:-pad, pad:-pad, :]`` is empty when pad = 0; the
    textbook crops with ``pad : pad + n_H_prev`` instead."""
    rng = np.random.RandomState(2)
    A_prev, W, b = rng.randn(1, 3, 3, 1), rng.randn(2, 2, 1, 1), rng.randn(1, 1, 1, 1)
    Z, cache = tb.conv_forward(A_prev, W, b, {"stride": 1, "pad": 0})
    dA_prev, _, _ = tb.conv_backward(np.ones_like(Z), cache)
    assert dA_prev.shape == (1, 3, 3, 1)
    assert dA_prev[0, 1, 1, 0] == pytest.approx(W.sum())  # the centre sits in all 4 windows


def test_mask_marks_every_maximum_on_a_tie():
    x = np.array([[1.0, 3.0], [3.0, 2.0]])
    np.testing.assert_array_equal(tb.create_mask_from_window(x), [[False, True], [True, False]])


def test_conv_backward_sums_over_samples_without_one_over_m():
    """Two copies of one sample give twice its dW and db: a sum, not a mean."""
    rng = np.random.RandomState(3)
    a, W, b = rng.randn(1, 4, 4, 2), rng.randn(3, 3, 2, 2), rng.randn(1, 1, 1, 2)
    hp = {"stride": 1, "pad": 1}
    Z1, cache1 = tb.conv_forward(a, W, b, hp)
    dZ1 = rng.randn(*Z1.shape)
    _, dW1, db1 = tb.conv_backward(dZ1, cache1)
    _, cache2 = tb.conv_forward(np.concatenate([a, a]), W, b, hp)
    _, dW2, db2 = tb.conv_backward(np.concatenate([dZ1, dZ1]), cache2)
    np.testing.assert_allclose(dW2, 2 * dW1, rtol=1e-13)
    np.testing.assert_allclose(db2, 2 * db1, rtol=1e-13)


def test_textbook_names_are_reachable():
    for name in (
        "zero_pad", "conv_single_step", "conv_forward", "conv_backward", "pool_forward",
        "create_mask_from_window", "distribute_value", "pool_backward",
    ):  # fmt: skip
        assert callable(getattr(tb, name)) and name in tb.__all__


# ----------------------------------------------------------------------------------------------
# Clear errors
# ----------------------------------------------------------------------------------------------

R = np.random.RandomState(0)
A4, W4, B4 = R.randn(2, 5, 5, 3), R.randn(3, 3, 3, 4), R.randn(1, 1, 1, 4)
HP = {"stride": 1, "pad": 1}
Z4, CACHE = tb.conv_forward(A4, W4, B4, HP)
P4, PCACHE = tb.pool_forward(A4, {"f": 2, "stride": 2})


@pytest.mark.parametrize(
    "call, match",
    [
        (
            lambda: tb.zero_pad(np.ones((5, 5, 3)), 1),
            r"X must be a 4-D array .* got shape \(5, 5, 3\)",
        ),
        (lambda: tb.zero_pad(A4, -1), r"^pad must be an int >= 0, got -1"),
        (lambda: tb.zero_pad(A4, 1.5), r"^pad must be an int >= 0, got 1.5"),
        (
            lambda: tb.conv_forward(A4[0], W4, B4, HP),
            r"A_prev must be a 4-D array \(m, n_H_prev, n_W_prev, n_C_prev\)"
            r".*got shape \(5, 5, 3\)",
        ),
        (
            lambda: tb.conv_forward(A4, R.randn(3, 3, 2, 4), B4, HP),
            r"W must have shape \(f, f, n_C_prev, n_C\) = \(3, 3, 3, 4\), got \(3, 3, 2, 4\): "
            r"A_prev \(2, 5, 5, 3\) has n_C_prev = 3",
        ),
        (
            lambda: tb.conv_forward(A4, R.randn(3, 2, 3, 4), B4, HP),
            r"square f x f filter, got \(3, 2, 3, 4\)",
        ),
        (
            lambda: tb.conv_forward(A4, W4, np.zeros((4, 1)), HP),
            r"b must be a 4-D array \(1, 1, 1, n_C\).*got shape \(4, 1\)",
        ),
        (
            lambda: tb.conv_forward(A4, W4, np.zeros((1, 1, 1, 3)), HP),
            r"b must have shape \(1, 1, 1, n_C\) = \(1, 1, 1, 4\), got \(1, 1, 1, 3\)",
        ),
        (lambda: tb.conv_forward(A4, W4, B4, {"pad": 1}), r"hparameters is missing 'stride'"),
        (
            lambda: tb.conv_forward(A4, W4, B4, {"stride": 0, "pad": 1}),
            r"hparameters\['stride'\] must be an int >= 1, got 0",
        ),
        (lambda: tb.conv_forward(A4, W4, B4, [1, 1]), r"hparameters must be a dict"),
        (
            lambda: tb.conv_forward(A4, W4, B4, {"stride": 1, "pad": 1, "f": 2}),
            r"hparameters\['f'\] = 2 disagrees with W, whose filters are 3 x 3",
        ),
        (
            lambda: tb.conv_forward(A4[:, :2, :2], W4, B4, {"stride": 1, "pad": 0}),
            r"the 3 x 3 window does not fit in the padded input",
        ),
        (
            lambda: tb.conv_backward(Z4[:, :4], CACHE),
            r"dZ must have shape \(m, n_H, n_W, n_C\) = \(2, 5, 5, 4\), got \(2, 4, 5, 4\)",
        ),
        (
            lambda: tb.conv_backward(Z4, CACHE[:3]),
            r"cache must have the course layout \(A_prev, W, b, hparameters\)",
        ),
        (
            lambda: tb.conv_single_step(A4[0, :3, :3], W4[:, :, :2, 0], B4[..., 0]),
            r"a_slice_prev \(3, 3, 3\) and W \(3, 3, 2\) must have the same shape",
        ),
        (lambda: tb.pool_forward(A4, {"f": 2}), r"hparameters is missing 'stride'"),
        (
            lambda: tb.pool_forward(A4, {"f": 2, "stride": 2}, "mean"),
            r"mode must be 'max' or 'average', got 'mean'",
        ),
        (
            lambda: tb.pool_forward(A4, {"f": 2, "stride": 2, "pad": 1}),
            r"the course's pooling has no padding",
        ),
        (lambda: tb.pool_forward(A4, {"f": 6, "stride": 1}), r"the 6 x 6 window does not fit"),
        (
            lambda: tb.pool_backward(P4[..., :2], PCACHE),
            r"dA must have shape \(m, n_H, n_W, n_C\) = \(2, 2, 2, 3\), got \(2, 2, 2, 2\)",
        ),
        (
            lambda: tb.pool_backward(P4, (A4,)),
            r"cache must have the course layout \(A_prev, hparameters\)",
        ),
        (lambda: tb.distribute_value(1.0, (2,)), r"shape must be the window's \(n_H, n_W\)"),
        (lambda: tb.create_mask_from_window(np.ones((0, 2))), r"x must be a non-empty window"),
    ],
)
def test_bad_inputs_are_named(call, match):
    with pytest.raises((ValueError, TypeError), match=match):
        call()
