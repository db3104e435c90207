"""Batch norm: ops.BatchNorm against the textbook's closed form, finite differences (first and
second derivatives), its running statistics, and DeepNetwork(batch_norm=True)."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import autograd_dnn as ad
from autograd_dnn import functional as F
from autograd_dnn import ops
from autograd_dnn import textbook as tb
from autograd_dnn.testing import strategies as ads
from tests.strategies import check_hvp, check_vjp, rel_error


def agree(a: np.ndarray, b: np.ndarray, scale: float) -> bool:
    """a equals b to 1e-10 relative, or (when the true value cancels to about 0, as dZ does for
    a constant upstream gradient) to 1e-12 of ``scale``, the size of the terms summed."""
    return rel_error(a, b) < 1e-10 or float(np.abs(a - b).max()) < 1e-12 * scale


@st.composite
def bn_cases(draw, min_m: int = 2):
    """Z (n, m) with distinct-enough columns, gamma, beta (n, 1), an upstream gradient."""
    n = draw(st.integers(1, 4))
    m = draw(st.integers(min_m, 6))
    Z = draw(ads.matrices((n, m)))
    Z = Z + np.arange(m) * 0.37  # no unit constant over the batch: sigma2 well above eps
    gamma = draw(ads.matrices((n, 1))) + 1.5
    beta = draw(ads.matrices((n, 1)))
    up = draw(ads.matrices((n, m)))
    return Z, gamma, beta, up


@settings(max_examples=40, deadline=None)
@given(bn_cases())
def test_forward_and_vjp_agree_with_the_textbook(case):
    Z, gamma, beta, up = case
    tensors = [ad.Tensor(a, requires_grad=True) for a in (Z, gamma, beta)]
    out = F.batch_norm(*tensors)
    out.backward(up)
    ref, cache = tb.batchnorm_forward(Z, gamma, beta, 1e-8)
    dZ, dgamma, dbeta = tb.batchnorm_backward(up, cache)
    assert rel_error(out.data, ref) < 1e-12
    scale = float(np.abs(gamma).max() * np.abs(up).max() * Z.shape[1] / np.sqrt(cache[3]).min())
    for t, expected, name in zip(tensors, (dZ, dgamma, dbeta), ("dZ", "dgamma", "dbeta")):
        assert t.grad.shape == expected.shape, name
        assert agree(t.grad, expected, scale), name


@settings(max_examples=15, deadline=None)
@given(bn_cases(min_m=3))
def test_vjp_agrees_with_finite_differences(case):
    Z, gamma, beta, _ = case
    check_vjp(lambda z, g, b: F.batch_norm(z, g, b, eps=1e-3), Z, gamma, beta, tol=1e-6)


@settings(max_examples=10, deadline=None)
@given(bn_cases(min_m=3))
def test_second_derivatives_agree_with_finite_differences_of_the_gradient(case):
    """create_graph records the closed-form VJP (Z_norm and s recomputed from Z as Tensors):
    the Hessian-vector product matches central differences of the gradient."""
    Z, gamma, beta, _ = case
    check_hvp(lambda z, g, b: F.batch_norm(z, g, b, eps=1e-3), Z, gamma, beta, tol=1e-5)


def test_evaluation_mode_vjp_and_second_derivatives():
    rng = np.random.default_rng(0)
    running = ops.RunningStats(3)
    running.update(rng.normal(size=(3, 1)), rng.uniform(0.5, 2, size=(3, 1)), 0.9)
    Z, gamma, beta = rng.normal(size=(3, 4)), rng.normal(size=(3, 1)), rng.normal(size=(3, 1))

    def f(z, g, b):
        return F.batch_norm(z, g, b, running=running, training=False)

    check_vjp(f, Z, gamma, beta)
    check_hvp(f, Z, gamma, beta)
    assert running.t == 1  # evaluation never updates the averages


def test_backward_is_one_node_not_a_chain_of_primitives():
    Z = ad.Tensor(np.arange(6.0).reshape(2, 3), requires_grad=True)
    out = F.batch_norm(Z, np.ones((2, 1)), np.zeros((2, 1)))
    assert out._node.fn is ops.BatchNorm and out._node.inputs[0] is Z


def test_running_statistics_are_the_courses_bias_corrected_averages():
    rng = np.random.default_rng(1)
    running = ops.RunningStats(2)
    batches = [rng.normal(size=(2, 5)) * (k + 1) for k in range(4)]
    gamma, beta = np.ones((2, 1)), np.zeros((2, 1))
    for Zb in batches:
        F.batch_norm(Zb, gamma, beta, running=running, momentum=0.8)
    # independent: v_t = 0.8 v + 0.2 x, then v_t / (1 - 0.8^t)
    v_mu = v_var = 0.0
    for Zb in batches:
        v_mu = 0.8 * v_mu + 0.2 * Zb.mean(axis=1, keepdims=True)
        v_var = 0.8 * v_var + 0.2 * Zb.var(axis=1, keepdims=True)  # 1/m
    mu, sigma2 = running.estimates()
    np.testing.assert_allclose(mu, v_mu / (1 - 0.8**4), rtol=1e-12)
    np.testing.assert_allclose(sigma2, v_var / (1 - 0.8**4), rtol=1e-12)
    # test time normalizes with them
    Zt = rng.normal(size=(2, 3))
    out = F.batch_norm(Zt, gamma, beta, running=running, training=False)
    np.testing.assert_allclose(out.data, (Zt - mu) / np.sqrt(sigma2 + 1e-8), rtol=1e-12)


@pytest.mark.parametrize(
    "call, match",
    [
        (lambda: F.batch_norm(np.ones((2, 1)), np.ones((2, 1)), np.zeros((2, 1))), "m >= 2"),
        (
            lambda: F.batch_norm(np.ones((2, 3)), np.ones((3, 1)), np.zeros((2, 1))),
            r"gamma .*\(2, 1\)",
        ),
        (
            lambda: F.batch_norm(np.ones((2, 3)), np.ones((2, 1)), np.zeros((2,))),
            r"beta .*\(2, 1\)",
        ),
        (lambda: F.batch_norm(np.ones(3), np.ones((1, 1)), np.zeros((1, 1))), "2-D"),
        (lambda: F.batch_norm(np.ones((2, 3)), np.ones((2, 1)), np.zeros((2, 1)), eps=0), "eps"),
        (
            lambda: F.batch_norm(np.ones((2, 3)), np.ones((2, 1)), np.zeros((2, 1)), momentum=1.0),
            "momentum",
        ),
        (
            lambda: F.batch_norm(
                np.ones((2, 3)), np.ones((2, 1)), np.zeros((2, 1)), training=False
            ),
            "running",
        ),
        (
            lambda: F.batch_norm(
                np.ones((2, 3)), np.ones((2, 1)), np.zeros((2, 1)), running=ops.RunningStats(3)
            ),
            "3 units",
        ),
    ],
)
def test_bad_inputs_are_named(call, match):
    with pytest.raises(ValueError, match=match):
        call()


# ------------------------------------------------------------------------- the network
def _bn_net(dims, seed=0, **kw):
    return ad.DeepNetwork(dims, seed=seed, batch_norm=True, **kw)


def test_a_batch_norm_network_names_gamma_and_beta_and_drops_b():
    net = _bn_net([3, 4, 2, 1])
    assert list(net.parameters()) == ["W1", "gamma1", "beta1", "W2", "gamma2", "beta2", "W3", "b3"]
    assert net.num_parameters() == 12 + 4 + 4 + 8 + 2 + 2 + 2 + 1
    X, Y = ad.datasets.flower(8, seed=0)
    X = np.vstack([X, X[:1] * 0.5])
    g = net.gradients(X, Y)
    assert {"dgamma1", "dbeta1", "dgamma2", "dbeta2", "dZ_tilde1", "db3"} <= set(g)
    assert "db1" not in g
    text = net.summary(8)
    assert "gamma, beta (4, 1) each" in text and "Z_tilde[l] = gamma[l] * Z_norm[l]" in text
    assert "batch norm" in str(net)


@settings(max_examples=25, deadline=None)
@given(data=st.data())
def test_network_gradients_agree_with_the_closed_form(data):
    """Each batch-norm layer's dZ, dgamma, dbeta from autodiff equal textbook.batchnorm_backward
    fed the autodiff dZ_tilde, and dW[l] = dZ[l] A[l-1]^T (course dW) to 1e-10."""
    dims = data.draw(ads.layer_dims(min_layers=2, max_layers=4, max_units=5))
    m = data.draw(st.integers(3, 6))
    net = _bn_net(dims, seed=data.draw(st.integers(0, 100)))
    X, Y = data.draw(ads.batches(net, m=m))
    X = X + np.arange(m) * 0.3  # no feature constant over the batch
    grads = net.gradients(X, Y)
    params = net.get_parameters()
    A_prev = X
    for l in range(1, net.L):
        Z = params[f"W{l}"] @ A_prev
        Z_tilde, cache = tb.batchnorm_forward(Z, params[f"gamma{l}"], params[f"beta{l}"], 1e-8)
        up = grads[f"dZ_tilde{l}"]
        dZ, dgamma, dbeta = tb.batchnorm_backward(up, cache)
        s = np.sqrt(cache[3] + 1e-8)
        scale = float(np.abs(params[f"gamma{l}"] * up / s).max() * m + 1e-300)
        assert agree(grads[f"dZ{l}"], dZ, scale)
        assert agree(grads[f"dgamma{l}"], dgamma, scale)
        assert agree(grads[f"dbeta{l}"], dbeta, scale)
        dW = grads[f"dZ{l}"] @ A_prev.T
        assert agree(grads[f"dW{l}"], dW, scale * float(np.abs(A_prev).max() + 1e-300))
        A_prev = np.maximum(Z_tilde, 0)


def test_network_gradients_agree_with_finite_differences_in_training_mode():
    X, Y = ad.datasets.flower(12, seed=2)
    net = _bn_net([2, 4, 3, 1], seed=1, activations=["tanh", "tanh", "sigmoid"])
    grads = net.gradients(X, Y)
    h = 1e-6
    for name, p in net.parameters().items():
        numeric = np.zeros_like(p.data)
        original = p.data.copy()
        for idx in np.ndindex(p.shape):
            values = []
            for sign in (1, -1):
                moved = original.copy()
                moved[idx] += sign * h
                p.data = moved
                values.append(float(net.cost(X, Y, training=True).data))
            numeric[idx] = (values[0] - values[1]) / (2 * h)
        p.data = original
        assert rel_error(grads[f"d{name}"], numeric) < 1e-7, name


def test_fit_updates_running_statistics_and_predict_uses_them():
    X, Y = ad.datasets.flower(64, seed=0)
    net = _bn_net([2, 5, 1], seed=0)
    net.fit(X, Y, learning_rate=0.05, iterations=30, batch_size=16, progress=False)
    running = net.layers[0].running
    assert running.t == 30 * 4  # one update per step
    stats = net.running_statistics()
    assert set(stats) == {"mu1", "sigma2_1", "t1", "decay1"}
    # evaluation: batch-size independent (the running statistics), so one sample works
    p_all = net.predict_proba(X)
    p_one = net.predict_proba(X[:, :1])
    np.testing.assert_allclose(p_all[:, :1], p_one, rtol=1e-12)
    # a copy restored from the statistics predicts the same
    copy = ad.DeepNetwork.from_parameters(net.get_parameters(), activations=net.activations)
    copy.set_running_statistics(stats)
    np.testing.assert_array_equal(copy.predict_proba(X), p_all)


def test_fit_with_a_one_sample_batch_says_why():
    X, Y = ad.datasets.flower(9, seed=0)
    net = _bn_net([2, 3, 1])
    with pytest.raises(ValueError, match="batch_size=4 leaves a last mini-batch of 1 sample"):
        net.fit(X, Y, iterations=1, batch_size=4, progress=False)  # refused before any step


def test_from_parameters_refuses_batch_norm_on_the_output_and_half_pairs():
    net = _bn_net([2, 3, 1])
    p = net.get_parameters()
    with pytest.raises(ValueError, match="missing beta1"):
        ad.DeepNetwork.from_parameters({k: v for k, v in p.items() if k != "beta1"})
    bad = dict(p, gamma2=np.ones((1, 1)), beta2=np.zeros((1, 1)))
    with pytest.raises(ValueError, match="hidden layers"):
        ad.DeepNetwork.from_parameters(bad)
    with pytest.raises(ValueError, match=r"gamma\[1\] must have shape"):
        ad.DeepNetwork.from_parameters(dict(p, gamma1=np.ones((2, 1))))
    with pytest.raises(TypeError, match="batch_norm must be True or False"):
        ad.DeepNetwork([2, 3, 1], batch_norm="yes")


def test_copy_keeps_everything_a_check_needs():
    X, Y = ad.datasets.flower(32, seed=0)
    net = ad.DeepNetwork([2, 5, 4, 1], batch_norm=True, keep_prob=[0.7, 0.9], seed=3)
    net.fit(X, Y, learning_rate=0.05, iterations=5, batch_size=16, progress=False)
    copy = net.copy(np.float32)
    assert copy.dtype == np.float32 and copy.keep_prob == [0.7, 0.9] and copy.batch_norm
    back = copy.copy(np.float64)
    np.testing.assert_allclose(back.predict_proba(X), net.predict_proba(X), rtol=1e-5)
    same = net.copy()
    np.testing.assert_array_equal(same.predict_proba(X), net.predict_proba(X))
    masks = net.dropout_masks(32, seed=1)
    assert float(same.cost(X, Y, training=True, masks=masks).data) == float(
        net.cost(X, Y, training=True, masks=masks).data
    )
    assert same.rng.bit_generator.state == net.rng.bit_generator.state
    same.layers[0].running.update(np.ones((5, 1)), np.ones((5, 1)), 0.5)
    assert net.layers[0].running.t == same.layers[0].running.t - 1  # independent
