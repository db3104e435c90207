"""ad.gradcheck and ad.compare_with_textbook on ad.ConvNetwork (the checkable protocol).

A correct network passes both in float64 and float32 (checked on a float64 copy), on the
SIGNS model's layers and on other layer lists; a planted bug (a doubled dW in the convolution
of layer 2, a max pooling that routes the gradient to another sample's maximum) is named at
its layer with its worst index as (h, w, c_prev, c) or (i, h, w, c). Max pooling reports the
switch of a window's maximum as a kink, so exact ties (images with saturated pixels) keep the
verdict right: without that report, a correct network fails.
"""

from __future__ import annotations

import numpy as np
import pytest

import autograd_dnn as ad
import autograd_dnn.conv as conv_ops
from autograd_dnn.conv import Conv2D, MaxPool2D, max_pool2d
from autograd_dnn.convnet import (
    AvgPool,
    Conv,
    ConvNetwork,
    Dense,
    Flatten,
    MaxPool,
    ReLU,
)
from autograd_dnn.engine import no_grad
from autograd_dnn.gradcheck import Boundary, is_checkable
from autograd_dnn.modes import collect_kinks


def signs_shaped(seed: int = 0, dtype=np.float64, l2: float = 0.0) -> ConvNetwork:
    """The course's SIGNS model on 16 x 16 x 3 images: its layers with the pools scaled
    (f = 4 then 2 instead of 8 then 4), so every parameter has the SIGNS model's shape:
    W1 (4, 4, 3, 8), W2 (2, 2, 8, 16), W3 (6, 64)."""
    layers = [
        Conv(f=4, filters=8, pad="same"),
        ReLU(),
        MaxPool(f=4, stride=4),
        Conv(f=2, filters=16, pad="same"),
        ReLU(),
        MaxPool(f=2, stride=2),
        Flatten(),
        Dense(6, "softmax"),
    ]
    return ConvNetwork(layers, input_shape=(16, 16, 3), seed=seed, dtype=dtype, l2=l2)


def strided_sigmoid(seed: int = 0, dtype=np.float64) -> ConvNetwork:
    """A strided convolution with an int pad, average pooling with overlapping windows, a
    hidden dense relu layer and one sigmoid unit."""
    layers = [
        Conv(f=3, filters=4, stride=2, pad=1),
        ReLU(),
        AvgPool(f=2, stride=1),
        Flatten(),
        Dense(5, "relu"),
        Dense(1, "sigmoid"),
    ]
    return ConvNetwork(layers, input_shape=(9, 9, 2), seed=seed, dtype=dtype)


def pool_first(seed: int = 0, dtype=np.float64, l2: float = 0.0) -> ConvNetwork:
    """Pooling before the first convolution (part of layer 1), overlapping max pooling,
    two convolutions without pooling between them, L2."""
    layers = [
        MaxPool(f=2, stride=1),
        Conv(f=3, filters=3, pad="same"),
        ReLU(),
        Conv(f=2, filters=4, pad=0),
        ReLU(),
        MaxPool(f=3, stride=2),
        Flatten(),
        Dense(4, "softmax"),
    ]
    return ConvNetwork(layers, input_shape=(9, 9, 2), seed=seed, dtype=dtype, l2=l2)


def images(net: ConvNetwork, m: int, seed: int) -> tuple[np.ndarray, np.ndarray]:
    rng = np.random.default_rng(seed)
    X = rng.random((m, *net.input_shape))  # pixels in [0, 1), as the course's X / 255
    n = net.n_classes
    Y = rng.integers(0, 2, (1, m)) if n == 1 else np.eye(n)[:, rng.integers(0, n, m)]
    return X, Y


# ----------------------------------------------------------------------------- the protocol
def test_the_network_is_checkable_and_cut_into_its_layers():
    net = signs_shaped()
    assert is_checkable(net)
    assert net.check_blocks() == [(1, 0, "A0"), (2, 3, "P1"), (3, 6, "P2")]
    assert pool_first().check_blocks() == [(1, 0, "A0"), (2, 3, "A1"), (3, 6, "P2")]
    assert strided_sigmoid().check_blocks() == [(1, 0, "A0"), (2, 3, "P1"), (3, 5, "A2")]
    assert [net.parameter_where(k) for k in net.parameters()] == [1, 1, 2, 2, 3, 3]
    assert net.parameter_where("W9") is None


def test_boundaries_rerun_the_network_from_the_replaced_volume():
    net = signs_shaped(1, l2=0.3)
    X, Y = images(net, 3, 1)
    with no_grad():
        J = float(net.cost(X, Y).data)
    bounds = net.boundaries(X, Y)
    assert all(isinstance(b, Boundary) for b in bounds)
    assert [(b.name, b.key, b.where, b.value.shape) for b in bounds] == [
        ("dP2", "dP2", 3, (3, 2, 2, 16)),
        ("dP1", "dP1", 2, (3, 4, 4, 8)),
        ("dA0", "dA0", 1, (3, 16, 16, 3)),
    ]
    assert all(b.axes == "i, h, w, c" for b in bounds)
    grads = net.gradients(X, Y)
    for b in bounds:
        assert grads[b.key].shape == b.value.shape
        with no_grad():
            assert float(b.cost(b.value).data) == pytest.approx(J, rel=1e-14)
            assert float(b.cost(b.value + 0.1).data) != pytest.approx(J, rel=1e-6)


def test_astype_copies_parameters_and_keeps_a_planted_op():
    net = signs_shaped(2)
    net.layers[3].op = Conv2DDoubledDW
    copy = net.astype(np.float32)
    assert copy.dtype == np.float32 and net.dtype == np.float64
    assert all(p.dtype == np.float32 for p in copy.parameters().values())
    assert copy.layers[3].op is Conv2DDoubledDW and copy.layers[0].op is Conv2D
    assert [p.layer for p in copy.parameters().values()] == [1, 1, 2, 2, 3, 3]
    copy.parameters()["W1"].data[...] = 0.0
    assert np.any(net.parameters()["W1"].data != 0)  # a copy, not a view
    assert net.replayable is False and signs_shaped().replayable is True
    with pytest.raises(ValueError, match="float64 or float32"):
        net.astype(np.int32)


# ----------------------------------------------------------------------------- correct networks
@pytest.mark.parametrize("dtype", [np.float64, np.float32])
def test_signs_shaped_network_passes_both_checks(dtype):
    net = signs_shaped(0, dtype)
    X, Y = images(net, 4, 0)
    report = ad.gradcheck(net, X, Y)
    assert report.passed, str(report)
    names = ["W3", "b3", "dP2", "W2", "b2", "dP1", "W1", "b1", "dA0"]
    assert [r.name for r in report.rows] == names
    assert [r.layer for r in report.rows] == [3, 3, 3, 2, 2, 2, 1, 1, 1]
    assert report.row("W2").axes == "h, w, c_prev, c" and report.row("dP1").axes == "i, h, w, c"
    if dtype == np.float32:
        assert "checked on a float64 copy" in str(report)
    textbook = ad.compare_with_textbook(net, X, Y)
    assert textbook.passed, str(textbook)
    assert [r.name for r in textbook.rows] == names
    assert textbook.row("dA0").checked == 4 * 16 * 16 * 3


@pytest.mark.parametrize("make", [strided_sigmoid, pool_first])
@pytest.mark.parametrize("dtype", [np.float64, np.float32])
def test_other_layer_lists_pass_both_checks(make, dtype):
    net = make(3, dtype)
    X, Y = images(net, 3, 3)
    report = ad.gradcheck(net, X, Y)
    assert report.passed, str(report)
    textbook = ad.compare_with_textbook(net, X, Y)
    assert textbook.passed, str(textbook)
    assert [r.name for r in textbook.rows] == [r.name for r in report.rows]


def test_l2_is_in_both_checks():
    net = pool_first(4, l2=0.7)
    X, Y = images(net, 3, 4)
    assert ad.gradcheck(net, X, Y, mode="sampled", k=5).passed
    assert ad.compare_with_textbook(net, X, Y).passed
    plain = pool_first(4)
    grads, with_l2 = plain.gradients(X, Y), net.gradients(X, Y)
    np.testing.assert_allclose(
        with_l2["dW2"] - grads["dW2"], 0.7 / 3 * net.parameters()["W2"].data, rtol=1e-10
    )


# ----------------------------------------------------------------------------- planted bugs
class Conv2DDoubledDW(Conv2D):
    op_name = "conv2d_dW_x2"

    @staticmethod
    def backward(ctx, g):
        dA, dW, db = Conv2D.backward(ctx, g)
        return dA, None if dW is None else dW * 2, db


class MaxPoolMaskOfNextSample(MaxPool2D):
    """The classic pool_backward bug: the mask of sample i + 1's window routes sample i's
    gradient (to where the OTHER sample has its maximum)."""

    op_name = "max_pool2d_mask_of_next_sample"

    @staticmethod
    def backward(ctx, g):
        (mask,) = ctx.saved_arrays
        m, n_H, n_W, n_C = g.shape
        routed = g.reshape(m, n_H, n_W, 1, 1, n_C) * np.roll(mask, -1, axis=0)
        return conv_ops.add_windows(routed, ctx.kwargs["stride"], ctx.inputs[0].shape).data


def test_doubled_dW_in_layer_2_is_named_with_its_filter_index():
    net = signs_shaped(0)
    net.layers[3].op = Conv2DDoubledDW  # the convolution of layer 2
    X, Y = images(net, 4, 0)
    report = ad.gradcheck(net, X, Y, max_escalate=40)  # 40 coordinates of a failing tensor
    assert report.first_faulty_layer == 2
    assert [r.name for r in report.failures] == ["W2"]
    row = report.row("W2")
    assert row.ratio == pytest.approx(2.0, abs=1e-3) and len(row.worst_index) == 4
    assert "(h, w, c_prev, c) = (" in str(report)
    assert "the first faulty layer is layer 2 (failing there: W2)" in report.summary()
    assert "(a doubled gradient)" in report.summary()
    textbook = ad.compare_with_textbook(net, X, Y)
    assert [r.name for r in textbook.failures] == ["W2"]
    assert textbook.row("W2").ratio == pytest.approx(2.0)
    f32 = net.astype(np.float32)  # checked on a float64 copy: the planted op survives it
    f32 = ad.gradcheck(f32, X, Y, max_escalate=10)
    assert [r.name for r in f32.failures] == ["W2"]


def test_pooling_routed_to_the_wrong_max_is_named_at_its_layer():
    net = signs_shaped(1)
    net.layers[5].op = MaxPoolMaskOfNextSample  # the pooling of layer 2
    X, Y = images(net, 4, 1)
    report = ad.gradcheck(net, X, Y, max_escalate=30)
    assert report.first_faulty_layer == 2, str(report)
    assert all(r.passed for r in report.rows if r.layer == 3)
    failing = {r.name for r in report.failures if r.layer == 2}
    assert {"W2", "dP1"} <= failing
    row = report.row("dP1")
    assert row.axes == "i, h, w, c" and len(row.worst_index) == 4
    assert "(i, h, w, c) = (" in str(report)
    assert "the first faulty layer is layer 2" in report.summary()
    textbook = ad.compare_with_textbook(net, X, Y)
    assert not textbook.row("dP1").passed and not textbook.row("W2").passed
    assert all(r.passed for r in textbook.rows if r.layer == 3)


# ----------------------------------------------------------------------------- ties in max pooling
def test_max_pooling_reports_its_window_maxima_as_a_kink():
    A = np.array([[1.0, 1.0], [0.0, 2.0]]).reshape(1, 2, 2, 1)
    with collect_kinks() as log, no_grad():
        max_pool2d(A, f=2, stride=1)
    assert len(log) == 1
    np.testing.assert_array_equal(log[0].reshape(-1), [False, False, False, True])
    with collect_kinks() as log, no_grad():
        max_pool2d(np.ones((1, 2, 2, 1)), f=2, stride=2)  # a tie: every entry is a maximum
    assert log[0].all()


def test_exact_ties_keep_the_verdict_right(monkeypatch):
    """Images of 0s and 1s: most windows have tied maxima. The one-sided derivatives at a tie
    differ (the gradient goes to the max on one side, nowhere on the other); the course's
    mask gives every tied maximum the full gradient, a valid one-sided value. With the kink
    reported the check passes; if MaxPool2D did not report it, the central differences would
    average the two sides and a correct network would be called faulty."""
    net = ConvNetwork([MaxPool(2, 2), Flatten(), Dense(3, "softmax")], input_shape=(4, 4, 2))
    rng = np.random.default_rng(0)
    X = rng.integers(0, 2, (3, 4, 4, 2)).astype(float)
    Y = np.eye(3)[:, rng.integers(0, 3, 3)]
    report = ad.gradcheck(net, X, Y, mode="full")
    assert report.passed, str(report)
    assert report.row("dA0").kinks > 0
    assert ad.compare_with_textbook(net, X, Y).passed
    monkeypatch.setattr(conv_ops, "note_kink", lambda side: None)
    assert not ad.gradcheck(net, X, Y, mode="full").row("dA0").passed


# ----------------------------------------------------------------------------- clear errors
def test_a_non_relu_activation_is_named_by_compare_with_textbook():
    from autograd_dnn.convnet import Activation

    layers = [Conv(3, 2, pad=1), Activation("tanh"), Flatten(), Dense(3, "softmax")]
    net = ConvNetwork(layers, input_shape=(4, 4, 1))
    X, Y = images(net, 2, 0)
    with pytest.raises(ValueError, match=r"layer 2 \(TANH\) uses tanh: check it with ad.grad"):
        ad.compare_with_textbook(net, X, Y)
    assert ad.gradcheck(net, X, Y).passed  # gradcheck checks any activation
