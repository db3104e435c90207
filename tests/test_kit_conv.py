"""The convolution testing kit: each check passes correct code written in two styles (the
course's four loops, and loops over positions only, vectorized over samples and channels) and
rejects each planted bug with the output's name, the worst index and a hint."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from autograd_dnn import textbook as tb
from autograd_dnn.testing import strategies as dnn
from autograd_dnn.testing.conv import (
    check_conv_backward,
    check_conv_forward,
    check_pool_backward,
    check_pool_forward,
)

N = 25  # max_examples for correct code: the learner's loops are slow, keep the file fast
N_BUG = 15  # for planted bugs: every one is found well within this many examples

# ----------------------------------------------------------------------------------------------
# Style 1: a student's course-style loops, written independently of the textbook. Keyword
# switches plant one bug each.
# ----------------------------------------------------------------------------------------------


def pad_images(X, pad):
    return np.pad(X, ((0, 0), (pad, pad), (pad, pad), (0, 0)), mode="constant")


def corners(h, w, f, stride, bug):
    """vert_start, vert_end, horiz_start, horiz_end of the window at (h, w)."""
    if bug == "no stride":
        return h, h + f, w, w + f
    if bug == "end h + f":  # the classic slip: vert_end = h + f instead of vert_start + f
        return h * stride, h + f, w * stride, w + f
    return h * stride, h * stride + f, w * stride, w * stride + f


def loop_conv_forward(A_prev, W, b, hparameters, *, bug=None):
    m, n_H_prev, n_W_prev, _ = A_prev.shape
    f, _, _, n_C = W.shape
    stride, pad = hparameters["stride"], hparameters["pad"]
    n_H = int((n_H_prev - f + 2 * pad) / stride) + 1
    n_W = int((n_W_prev - f + 2 * pad) / stride) + 1
    Z = np.zeros((m, n_H, n_W, n_C))
    A_prev_pad = pad_images(A_prev, pad)
    for i in range(m):
        a_prev_pad = A_prev_pad[i]
        for h in range(n_H):
            for w in range(n_W):
                for c in range(n_C):
                    vs, ve, hs, he = corners(h, w, f, stride, bug)
                    a_slice = a_prev_pad[vs:ve, hs:he, :]
                    weights = W[:, :, :, 0] if bug == "W channel 0" else W[:, :, :, c]
                    bias = b[:, :, :, 0] if bug == "b channel 0" else b[:, :, :, c]
                    Z[i, h, w, c] = np.sum(a_slice * weights) + float(bias.item())
    return Z, (A_prev, W, b, hparameters)


def loop_conv_backward(dZ, cache, *, bug=None):
    A_prev, W, b, hparameters = cache
    m, n_H_prev, n_W_prev, n_C_prev = A_prev.shape
    f, _, _, n_C = W.shape
    stride, pad = hparameters["stride"], hparameters["pad"]
    _, n_H, n_W, _ = dZ.shape
    dA_prev = np.zeros(A_prev.shape)
    dW = np.zeros(W.shape)
    db = np.zeros(b.shape)
    A_prev_pad = pad_images(A_prev, pad)
    dA_prev_pad = pad_images(dA_prev, pad)
    for i in range(m):
        a_prev_pad = A_prev_pad[i]
        da_prev_pad = dA_prev_pad[i]
        for h in range(n_H):
            for w in range(n_W):
                for c in range(n_C):
                    vs, ve, hs, he = corners(h, w, f, stride, bug)
                    a_slice = a_prev_pad[vs:ve, hs:he, :]
                    g = dZ[i, h, w, c]
                    weights = W[:, :, :, 0] if bug == "W channel 0" else W[:, :, :, c]
                    if bug == "dA =":
                        da_prev_pad[vs:ve, hs:he, :] = weights * g
                    else:
                        da_prev_pad[vs:ve, hs:he, :] += weights * g
                    if bug == "dW =":
                        dW[:, :, :, c] = a_slice * g
                    else:
                        dW[:, :, :, c] += a_slice * g
                    if bug == "db =":
                        db[:, :, :, c] = g
                    elif bug == "b channel 0":
                        db[:, :, :, 0] += g
                    else:
                        db[:, :, :, c] += g
        if bug == "pad:-pad":  # the course's hint, empty when pad = 0
            dA_prev[i, :, :, :] = da_prev_pad[pad:-pad, pad:-pad, :]
        else:
            dA_prev[i, :, :, :] = da_prev_pad[pad : pad + n_H_prev, pad : pad + n_W_prev, :]
    if bug == "not unpadded":
        dA_prev = dA_prev_pad
    elif bug == "dW / m":
        dW = dW / m
    elif bug == "db rank 1":
        db = np.sum(dZ, axis=(0, 1, 2))
    elif bug == "db per sample":
        db = np.sum(dZ, axis=(1, 2), keepdims=True)
    elif bug == "db over all axes":
        db = np.sum(dZ) * np.ones(b.shape)
    return dA_prev, dW, db


def loop_pool_forward(A_prev, hparameters, mode="max", *, bug=None):
    m, n_H_prev, n_W_prev, n_C = A_prev.shape
    f, stride = hparameters["f"], hparameters["stride"]
    n_H = int(1 + (n_H_prev - f) / stride)
    n_W = int(1 + (n_W_prev - f) / stride)
    A = np.zeros((m, n_H, n_W, n_C))
    for i in range(m):
        for h in range(n_H):
            for w in range(n_W):
                for c in range(n_C):
                    vs, ve, hs, he = corners(h, w, f, stride, bug)
                    if bug == "all channels":
                        a_slice = A_prev[i, vs:ve, hs:he, :]
                    else:
                        a_slice = A_prev[i, vs:ve, hs:he, c]
                    if mode == "max":
                        A[i, h, w, c] = np.max(a_slice)
                    elif bug == "sum":
                        A[i, h, w, c] = np.sum(a_slice)
                    else:
                        A[i, h, w, c] = np.mean(a_slice)
    return A, (A_prev, hparameters)


def loop_pool_backward(dA, cache, mode="max", *, bug=None):
    A_prev, hparameters = cache
    f, stride = hparameters["f"], hparameters["stride"]
    m, n_H, n_W, n_C = dA.shape
    dA_prev = np.zeros(A_prev.shape)
    for i in range(m):
        a_prev = A_prev[0] if bug == "mask from sample 0" else A_prev[i]
        for h in range(n_H):
            for w in range(n_W):
                for c in range(n_C):
                    vs, ve, hs, he = corners(h, w, f, stride, bug)
                    if mode == "max":
                        if bug == "mask over all channels":
                            block = a_prev[vs:ve, hs:he, :]
                            mask = (block == np.max(block))[:, :, c]
                        elif bug == "no mask":
                            mask = np.ones((f, f))
                        else:
                            window = a_prev[vs:ve, hs:he, c]
                            mask = window == np.max(window)
                        grad = mask * dA[i, h, w, c]
                    else:
                        divisor = {"sum": 1, "divided by f": f}.get(bug, f * f)
                        grad = np.ones((f, f)) * dA[i, h, w, c] / divisor
                    if bug == "=":
                        dA_prev[i, vs:ve, hs:he, c] = grad
                    else:
                        dA_prev[i, vs:ve, hs:he, c] += grad
    return dA_prev


# ----------------------------------------------------------------------------------------------
# Style 2: loops over output positions only, vectorized over samples and channels.
# ----------------------------------------------------------------------------------------------


def positions(n_H, n_W, f, stride):
    for h in range(n_H):
        for w in range(n_W):
            yield h, w, slice(h * stride, h * stride + f), slice(w * stride, w * stride + f)


def vec_conv_forward(A_prev, W, b, hparameters):
    f, stride, pad = W.shape[0], hparameters["stride"], hparameters["pad"]
    A_pad = pad_images(A_prev, pad)
    n_H = (A_pad.shape[1] - f) // stride + 1
    n_W = (A_pad.shape[2] - f) // stride + 1
    Z = np.empty((A_prev.shape[0], n_H, n_W, W.shape[3]))
    for h, w, rows, cols in positions(n_H, n_W, f, stride):
        Z[:, h, w, :] = np.tensordot(A_pad[:, rows, cols, :], W, axes=([1, 2, 3], [0, 1, 2]))
    return Z + b, (A_prev, W, b, hparameters)


def vec_conv_backward(dZ, cache):
    A_prev, W, b, hparameters = cache
    f, stride, pad = W.shape[0], hparameters["stride"], hparameters["pad"]
    A_pad = pad_images(A_prev, pad)
    dA_pad = np.zeros_like(A_pad)
    dW = np.zeros_like(W)
    for h, w, rows, cols in positions(dZ.shape[1], dZ.shape[2], f, stride):
        g = dZ[:, h, w, :]  # (m, n_C)
        dA_pad[:, rows, cols, :] += np.tensordot(g, W, axes=([1], [3]))
        dW += np.tensordot(A_pad[:, rows, cols, :], g, axes=([0], [0]))
    n_H_prev, n_W_prev = A_prev.shape[1:3]
    dA_prev = dA_pad[:, pad : pad + n_H_prev, pad : pad + n_W_prev, :]
    db = dZ.sum(axis=(0, 1, 2), keepdims=True)
    return dA_prev, dW, db


def vec_pool_forward(A_prev, hparameters, mode="max"):
    f, stride = hparameters["f"], hparameters["stride"]
    n_H = (A_prev.shape[1] - f) // stride + 1
    n_W = (A_prev.shape[2] - f) // stride + 1
    A = np.empty((A_prev.shape[0], n_H, n_W, A_prev.shape[3]))
    reduce = np.max if mode == "max" else np.mean
    for h, w, rows, cols in positions(n_H, n_W, f, stride):
        A[:, h, w, :] = reduce(A_prev[:, rows, cols, :], axis=(1, 2))
    return A, (A_prev, hparameters)


def vec_pool_backward(dA, cache, mode="max"):
    A_prev, hparameters = cache
    f, stride = hparameters["f"], hparameters["stride"]
    dA_prev = np.zeros_like(A_prev)
    for h, w, rows, cols in positions(dA.shape[1], dA.shape[2], f, stride):
        g = dA[:, h, w, :][:, None, None, :]
        window = A_prev[:, rows, cols, :]
        if mode == "max":
            dA_prev[:, rows, cols, :] += (window == window.max(axis=(1, 2), keepdims=True)) * g
        else:
            dA_prev[:, rows, cols, :] += g / (f * f)
    return dA_prev


# ----------------------------------------------------------------------------------------------
# Correct code passes, in both styles
# ----------------------------------------------------------------------------------------------


@pytest.mark.parametrize("style", ["loops", "vectorized"])
def test_correct_code_passes(style):
    if style == "loops":
        fns = (loop_conv_forward, loop_conv_backward, loop_pool_forward, loop_pool_backward)
    else:
        fns = (vec_conv_forward, vec_conv_backward, vec_pool_forward, vec_pool_backward)
    check_conv_forward(fns[0], max_examples=N)
    check_conv_backward(fns[1], max_examples=N)
    check_pool_forward(fns[2], max_examples=N)
    check_pool_backward(fns[3], max_examples=N)


# ----------------------------------------------------------------------------------------------
# Each planted bug is caught, named, located and explained
# ----------------------------------------------------------------------------------------------


def planted(fn, bug):
    return lambda *args: fn(*args, bug=bug)


def rejected(check, fn, *needles, **options):
    with pytest.raises(AssertionError) as info:
        check(fn, max_examples=N_BUG, **options)
    message = str(info.value)
    for needle in needles:
        assert needle in message, f"{needle!r} not in:\n{message}"
    assert "counterexample (shrunk by hypothesis):" in message
    return message


@pytest.mark.parametrize(
    "bug, needles",
    [
        ("no stride", ["Z differs", "(i, h, w, c) = (", "the slice corners ignore the stride"]),
        ("end h + f", ["vert_end = vert_start + f"]),  # a crash or a wrong Z, per example
        ("W channel 0", ["Z differs", "(i, h, w, c) = (", "uses the filter W[:, :, :, 0]"]),
        ("b channel 0", ["Z differs", "(i, h, w, c) = (", "uses the bias b[:, :, :, 0]"]),
    ],
)
def test_conv_forward_bugs(bug, needles):
    rejected(check_conv_forward, planted(loop_conv_forward, bug), "check_conv_forward", *needles)


@pytest.mark.parametrize(
    "bug, needles",
    [
        ("not unpadded", ["dA_prev differs", "dA_prev still has its padding"]),
        ("pad:-pad", ["with pad = 0, X[pad:-pad] is X[0:0]"]),
        ("dA =", ["dA_prev differs", "(i, h, w, c) = (", "'+=' written as '=' for da_prev_pad"]),
        ("dW =", ["dW differs", "(h, w, c_prev, c) = (", "'+=' written as '=' for dW"]),
        ("db =", ["db differs", "(0, 0, 0, c) = (", "'+=' written as '=' for db"]),
        ("no stride", ["the slice corners ignore the stride"]),
        ("end h + f", ["vert_end = vert_start + f"]),
        ("W channel 0", ["dA_prev differs", "dA_prev uses W[:, :, :, 0] for every c"]),
        ("b channel 0", ["db differs", "(0, 0, 0, c) = (", "db[:, :, :, 0] collects the dZ"]),
        ("dW / m", ["dW differs", "the course's conv_backward sums over the samples"]),
        ("db rank 1", ["db differs", "a rank-1 array; keep (1, 1, 1, n_C)"]),
        ("db per sample", ["db differs", "db was kept per sample"]),
        ("db over all axes", ["db differs", "db was summed over the channels as well"]),
    ],
)
def test_conv_backward_bugs(bug, needles):
    rejected(check_conv_backward, planted(loop_conv_backward, bug), "check_conv_backward", *needles)


@pytest.mark.parametrize(
    "bug, mode, needles",
    [
        ("sum", "average", ["A differs", "average pooling not divided by f * f"]),
        ("all channels", "max", ["A differs", "the window spans all channels"]),
        ("all channels", "average", ["A differs", "the window spans all channels"]),
        ("no stride", "max", ["A differs", "the slice corners ignore the stride"]),
    ],
)
def test_pool_forward_bugs(bug, mode, needles):
    fn = planted(loop_pool_forward, bug)
    rejected(check_pool_forward, fn, f"check_pool_forward(mode={mode!r})", *needles, modes=[mode])


@pytest.mark.parametrize(
    "bug, mode, needles",
    [
        ("mask from sample 0", "max", ["the windows come from sample 0"]),
        ("mask over all channels", "max", ["the window spans all channels"]),
        ("no mask", "max", ["the whole window received dA"]),
        ("sum", "average", ["average pooling not divided by f * f"]),
        ("divided by f", "average", ["divided by f instead of f * f"]),
        ("=", "max", ["'+=' written as '=' for dA_prev"]),
        ("=", "average", ["'+=' written as '=' for dA_prev"]),
        ("no stride", "average", ["the slice corners ignore the stride"]),
    ],
)
def test_pool_backward_bugs(bug, mode, needles):
    fn = planted(loop_pool_backward, bug)
    name = f"check_pool_backward(mode={mode!r})"
    rejected(
        check_pool_backward, fn, name, "dA_prev differs", "(i, h, w, c) = (", *needles, modes=[mode]
    )


def test_a_report_reads_well():
    """One whole message, for the eye: the output, the worst index with both values, the hint,
    the shrunk counterexample with its hyperparameters."""
    message = rejected(check_conv_backward, planted(loop_conv_backward, "dA ="))
    lines = message.splitlines()
    assert lines[0] == "check_conv_backward: dA_prev differs from the textbook"
    assert any(
        line.startswith("  largest absolute difference: ") and "expected" in line for line in lines
    )
    assert any("hparameters = {'stride': " in line for line in lines)


def test_in_place_edits_and_wrong_returns_are_reported():
    def edits_dZ(dZ, cache):
        dZ *= 1.0  # harmless value, but the caller's array is written to
        dZ[...] = dZ
        out = loop_conv_backward(dZ, cache)
        dZ += 1.0
        return out

    rejected(check_conv_backward, edits_dZ, "modified its input dZ in place")
    rejected(
        check_conv_backward,
        lambda dZ, cache: loop_conv_backward(dZ, cache)[:2],
        "must return (dA_prev, dW, db)",
    )
    rejected(check_conv_forward, lambda *a: loop_conv_forward(*a)[0], "must return (Z, cache)")
    rejected(
        check_conv_forward,
        lambda A_prev, W, b, hp: (loop_conv_forward(A_prev, W, b, hp)[0], (A_prev, W, b)),
        "Z is right, but cache must have the course layout (A_prev, W, b, hparameters)",
    )


def test_unknown_mode_is_refused():
    with pytest.raises(ValueError, match="modes must be taken from"):
        check_pool_forward(loop_pool_forward, modes=["mean"])


# ----------------------------------------------------------------------------------------------
# conv_cases draws what it promises
# ----------------------------------------------------------------------------------------------


@settings(max_examples=40, deadline=None, derandomize=True, database=None)
@given(st.data(), st.booleans())
def test_conv_cases_draw_consistent_layers(data, pool):
    limits = {"max_m": 2, "max_size": 4, "max_channels": 3, "max_f": 3, "max_stride": 3}
    case = data.draw(dnn.conv_cases(pool=pool, max_pad=1, **limits))
    A_prev, hp = case["A_prev"], case["hparameters"]
    m, n_H_prev, n_W_prev, n_C_prev = A_prev.shape
    assert 1 <= m <= 2 and 1 <= n_H_prev <= 4 and 1 <= n_W_prev <= 4 and 1 <= n_C_prev <= 3
    assert 1 <= hp["stride"] <= 3
    if pool:
        assert set(case) == {"A_prev", "dA", "hparameters"} and set(hp) == {"f", "stride"}
        A, _ = tb.pool_forward(A_prev, hp)
        assert case["dA"].shape == A.shape
        assert len(np.unique(A_prev)) == A_prev.size  # distinct: one maximum per window
        assert A_prev.min() >= -1 and A_prev.max() <= 1
    else:
        assert set(case) == {"A_prev", "W", "b", "dZ", "hparameters"} and hp["pad"] <= 1
        Z, _ = tb.conv_forward(A_prev, case["W"], case["b"], hp)
        assert case["dZ"].shape == Z.shape and case["b"].shape == (1, 1, 1, Z.shape[3])
        for name in ("A_prev", "W", "b", "dZ"):  # the grid k/8 in [-1, 1]
            values = case[name] * 8
            assert np.array_equal(values, np.round(values)) and np.abs(values).max() <= 8, name


def test_conv_cases_refuses_limits_that_cannot_fit():
    with pytest.raises(ValueError, match="max_f = 5 cannot fit in max_size = 2"):
        dnn.conv_cases(max_f=5, max_size=2, max_pad=1)
    with pytest.raises(ValueError, match="limits >= 1"):
        dnn.conv_cases(max_m=0)
