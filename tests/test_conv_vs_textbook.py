"""The engine's convolution and pooling against the course's own loops (``textbook.conv``):
two implementations written apart, agreeing to 1e-10 on hypothesis-drawn shapes, strides and
pads. The factor m: the course's conv_backward sums over samples with no 1/m, which is exactly
the VJP of Z with upstream dZ (no cost is involved here)."""

from __future__ import annotations

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

import autograd_dnn as ad
from autograd_dnn import textbook as tb
from autograd_dnn.testing.strategies import conv_cases

SETTINGS = settings(max_examples=25, deadline=None)


@SETTINGS
@given(conv_cases())
def test_conv2d_forward_and_backward_equal_the_course_loops(case):
    A_prev, W, b = case["A_prev"], case["W"], case["b"]
    stride, pad = case["hparameters"]["stride"], case["hparameters"]["pad"]
    Z_tb, cache = tb.conv_forward(A_prev, W, b, {"stride": stride, "pad": pad})
    tensors = [ad.Tensor(a, requires_grad=True) for a in (A_prev, W, b)]
    Z = ad.functional.conv2d(*tensors, stride=stride, pad=pad)
    np.testing.assert_allclose(Z.data, Z_tb, rtol=1e-10, atol=1e-12)
    dZ = np.random.default_rng(0).standard_normal(Z_tb.shape)
    dA_tb, dW_tb, db_tb = tb.conv_backward(dZ, cache)
    Z.backward(dZ)
    for t, expected in zip(tensors, (dA_tb, dW_tb, db_tb)):
        np.testing.assert_allclose(t.grad, expected, rtol=1e-10, atol=1e-10)


@SETTINGS
@given(conv_cases(pool=True), st.sampled_from(["max", "average"]))
def test_pooling_forward_and_backward_equal_the_course_loops(case, mode):
    A_prev, hp = case["A_prev"], case["hparameters"]
    f, stride = hp["f"], hp["stride"]
    A_tb, cache = tb.pool_forward(A_prev, {"f": f, "stride": stride}, mode=mode)
    x = ad.Tensor(A_prev, requires_grad=True)
    pool = ad.functional.max_pool2d if mode == "max" else ad.functional.avg_pool2d
    A = pool(x, f, stride)
    np.testing.assert_allclose(A.data, A_tb, rtol=1e-12, atol=1e-12)
    dA = np.random.default_rng(1).standard_normal(A_tb.shape)
    A.backward(dA)
    np.testing.assert_allclose(x.grad, tb.pool_backward(dA, cache, mode=mode), atol=1e-10)
