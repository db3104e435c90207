"""Property tests of the course's formulas, written with the project's own testing kit.

On every drawn network (autograd_dnn.testing.strategies.networks) and batch:
dZ = dA * g'(Z), dW = dZ A_prev^T / m, db = sum(dZ, axis=1, keepdims=True) / m,
dA_prev = W^T dZ, dZ[L] = AL - Y for a sigmoid output with cross-entropy, every gradient has
the shape of what it differentiates, and reverse-mode autodiff equals the closed form to
1e-10 relative (with the factor m on dZ and dA).
"""

from __future__ import annotations

import numpy as np
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from autograd_dnn import textbook as tb
from autograd_dnn.testing import strategies as dnn

SETTINGS = settings(
    max_examples=40, deadline=None, derandomize=True, suppress_health_check=list(HealthCheck)
)
DERIVATIVES = {
    "relu": lambda Z, A: (Z > 0).astype(float),
    "leaky_relu": lambda Z, A: np.where(Z > 0, 1.0, 0.01),
    "tanh": lambda Z, A: 1 - A**2,
    "sigmoid": lambda Z, A: A * (1 - A),
}


def close(a: np.ndarray, b: np.ndarray, rtol: float = 1e-10) -> bool:
    scale = max(np.abs(a).max(initial=0), np.abs(b).max(initial=0), 1e-300)
    return a.shape == b.shape and bool(np.all(np.abs(a - b) <= rtol * scale))


@st.composite
def network_and_batch(draw):
    net = draw(dnn.networks(max_layers=4, max_units=5))
    X, Y = draw(dnn.batches(net))
    return net, X, Y


@SETTINGS
@given(network_and_batch())
def test_course_formulas_hold_layer_by_layer(case):
    net, X, Y = case
    params = net.get_parameters()
    acts = net.activations
    AL, caches = tb.model_forward(X, params, acts)
    grads = tb.model_backward(AL, Y, caches, acts)
    m = X.shape[1]
    L = net.L
    assert np.allclose(grads[f"dZ{L}"], AL - Y, rtol=1e-12, atol=1e-14)  # sigmoid + CE
    for l in range(L, 0, -1):
        (A_prev, W, b), Z = caches[l - 1]
        dZ = grads[f"dZ{l}"]
        if l < L:
            A = caches[l][0][0]  # A[l] is the next layer's A_prev
            assert close(dZ, grads[f"dA{l}"] * DERIVATIVES[acts[l - 1]](Z, A))
        assert close(grads[f"dW{l}"], dZ @ A_prev.T / m)
        assert close(grads[f"db{l}"], np.sum(dZ, axis=1, keepdims=True) / m)
        assert close(grads[f"dA{l - 1}"], W.T @ dZ)
        assert grads[f"dW{l}"].shape == W.shape and grads[f"db{l}"].shape == b.shape
        assert grads[f"dA{l - 1}"].shape == A_prev.shape and dZ.shape == Z.shape


@SETTINGS
@given(network_and_batch())
def test_autodiff_equals_the_closed_form(case):
    net, X, Y = case
    m = X.shape[1]
    AL, caches = tb.model_forward(X, net.get_parameters(), net.activations)
    course = tb.model_backward(AL, Y, caches, net.activations)
    auto = net.gradients(X, Y)
    assert np.allclose(net.predict_proba(X), AL, rtol=1e-12, atol=0)
    for l in range(1, net.L + 1):
        assert close(auto[f"dW{l}"], course[f"dW{l}"]), f"dW{l}"
        assert close(auto[f"db{l}"], course[f"db{l}"]), f"db{l}"
        assert close(m * auto[f"dZ{l}"], course[f"dZ{l}"]), f"dZ{l}"  # the factor m
        assert close(m * auto[f"dA{l - 1}"], course[f"dA{l - 1}"]), f"dA{l - 1}"


@SETTINGS
@given(st.data())
def test_caches_of_a_network_use_its_own_parameters(data):
    net = data.draw(dnn.networks(max_layers=3))
    AL, Y, caches = data.draw(dnn.caches(net))
    (_, W1, b1), _ = caches[0]
    assert np.array_equal(W1, net.get_parameters()["W1"])
    assert AL.shape == Y.shape == (net.layer_dims[-1], AL.shape[1])
