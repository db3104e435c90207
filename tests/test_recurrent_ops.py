"""The recurrent ops (autograd_dnn.recurrent_ops) proven three ways.

1. Every op's VJP against central finite differences, on hypothesis-drawn shapes
   (``check_vjp`` perturbs every element of every input).
2. Second derivatives: Hessian-vector products of ``grad(..., create_graph=True)`` against
   finite differences of the gradient (``check_hvp``), for each cell and for a short unrolled
   sequence with its cost.
3. Backprop through time against the course's own functions (``autograd_dnn.textbook``) to
   1e-10: ``rnn_backward(da, caches)`` and ``lstm_backward(da, caches)`` return the exact
   partials of ``J = sum(da * a)`` (the textbook's docstring), which is what the engine is
   asked for here; no 1/m appears on either side.

Plus T_x = 10,000 through the engine's iterative backward, the cost's definition against a
direct numpy computation, clip_gradients against the textbook's clip, and the error messages.
"""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from autograd_dnn import Tensor, grad
from autograd_dnn import textbook as tb
from autograd_dnn.recurrent_ops import (
    LSTMCell,
    RNNCell,
    StackSteps,
    clip_gradients,
    lstm_cell,
    lstm_steps,
    lstm_unroll,
    rnn_cell,
    rnn_steps,
    rnn_unroll,
    sequence_cost,
    sequence_logits,
    stack_steps,
)

from .strategies import ENGINE, check_hvp, check_vjp

GATE_KEYS = ("Wf", "bf", "Wi", "bi", "Wc", "bc", "Wo", "bo")


def small_dims() -> st.SearchStrategy[tuple[int, int, int]]:
    """(n_x, n_a, m), each 1..3."""
    return st.tuples(st.integers(1, 3), st.integers(1, 3), st.integers(1, 3))


def rnn_arrays(rng: np.random.Generator, n_x: int, n_a: int, m: int) -> list[np.ndarray]:
    """xt, a_prev, Wax, Waa, ba; weights scaled so tanh stays off its flat tails."""
    return [
        rng.standard_normal((n_x, m)),
        rng.standard_normal((n_a, m)),
        0.5 * rng.standard_normal((n_a, n_x)),
        0.5 * rng.standard_normal((n_a, n_a)),
        0.5 * rng.standard_normal((n_a, 1)),
    ]


def lstm_weights(rng: np.random.Generator, n_x: int, n_a: int) -> dict[str, np.ndarray]:
    out = {}
    for g in "fico":
        out[f"W{g}"] = 0.5 * rng.standard_normal((n_a, n_a + n_x))
        out[f"b{g}"] = 0.5 * rng.standard_normal((n_a, 1))
    return out


# ----------------------------------------------------------------------------- 1. VJPs
@ENGINE
@given(small_dims(), st.integers(0, 2**16))
def test_rnn_cell_vjp_matches_finite_differences(dims, seed):
    n_x, n_a, m = dims
    arrays = rnn_arrays(np.random.default_rng(seed), n_x, n_a, m)
    check_vjp(lambda *t: RNNCell.apply(*t), *arrays)


@ENGINE
@given(small_dims(), st.integers(1, 3), st.integers(0, 2**16))
def test_rnn_cell_on_a_sequence_step_vjp(dims, T_x, seed):
    """The option t: x is the whole sequence (n_x, m, T_x); its gradient is zero off step t."""
    n_x, n_a, m = dims
    rng = np.random.default_rng(seed)
    x = rng.standard_normal((n_x, m, T_x))
    _, a_prev, Wax, Waa, ba = rnn_arrays(rng, n_x, n_a, m)
    t = int(rng.integers(T_x))
    dx, *_ = check_vjp(lambda *v: RNNCell.apply(*v, t=t), x, a_prev, Wax, Waa, ba)
    assert np.all(np.delete(dx, t, axis=2) == 0)


@ENGINE
@given(small_dims(), st.integers(0, 2**16))
def test_rnn_cell_from_zero_state_vjp(dims, seed):
    """a_prev = None is a<0> = 0: the same values and gradients as passing zeros."""
    n_x, n_a, m = dims
    xt, _, Wax, Waa, ba = rnn_arrays(np.random.default_rng(seed), n_x, n_a, m)
    check_vjp(lambda x, W, b: RNNCell.apply(x, None, W, Waa, b), xt, Wax, ba)
    zeros = RNNCell.apply(Tensor(xt), Tensor(np.zeros((n_a, m))), Wax, Waa, ba)
    np.testing.assert_array_equal(RNNCell.apply(Tensor(xt), None, Wax, Waa, ba).data, zeros.data)


@ENGINE
@given(small_dims(), st.integers(0, 2**16))
def test_lstm_cell_vjp_matches_finite_differences(dims, seed):
    """All ten inputs, with the upstream gradient on both halves [da_next; dc_next]."""
    n_x, n_a, m = dims
    rng = np.random.default_rng(seed)
    W = lstm_weights(rng, n_x, n_a)
    xt, s_prev = rng.standard_normal((n_x, m)), rng.standard_normal((2 * n_a, m))
    check_vjp(lambda *t: LSTMCell.apply(*t), xt, s_prev, *(W[k] for k in GATE_KEYS))


@ENGINE
@given(small_dims(), st.integers(1, 3), st.integers(0, 2**16))
def test_lstm_cell_sequence_step_and_zero_state_vjp(dims, T_x, seed):
    n_x, n_a, m = dims
    rng = np.random.default_rng(seed)
    W = lstm_weights(rng, n_x, n_a)
    x = rng.standard_normal((n_x, m, T_x))
    t = int(rng.integers(T_x))
    dx, *_ = check_vjp(
        lambda x, *w: LSTMCell.apply(x, None, *w, t=t), x, *(W[k] for k in GATE_KEYS)
    )
    assert np.all(np.delete(dx, t, axis=2) == 0)


@ENGINE
@given(small_dims(), st.integers(1, 4), st.integers(0, 2**16))
def test_stack_steps_vjp(dims, T_x, seed):
    n, rows, m = dims[1] + 1, dims[0], dims[2]
    rng = np.random.default_rng(seed)
    steps = [rng.standard_normal((n, m)) for _ in range(T_x)]
    start = int(rng.integers(0, n))
    stop = min(n, start + rows)
    check_vjp(lambda *s: StackSteps.apply(*s, start=start, stop=stop), *steps)
    out = StackSteps.apply(*[Tensor(s) for s in steps], start=start, stop=stop).data
    np.testing.assert_array_equal(out, np.stack([s[start:stop] for s in steps], axis=2))


# ----------------------------------------------------------------------------- 2. second order
@ENGINE
@given(small_dims(), st.integers(0, 2**16))
def test_rnn_cell_second_derivatives(dims, seed):
    n_x, n_a, m = dims
    arrays = rnn_arrays(np.random.default_rng(seed), n_x, n_a, m)
    check_hvp(lambda *t: RNNCell.apply(*t), *arrays)


@ENGINE
@given(small_dims(), st.integers(0, 2**16))
def test_lstm_cell_second_derivatives(dims, seed):
    n_x, n_a, m = dims
    rng = np.random.default_rng(seed)
    W = lstm_weights(rng, n_x, n_a)
    xt, s_prev = rng.standard_normal((n_x, m)), rng.standard_normal((2 * n_a, m))
    check_hvp(lambda *t: LSTMCell.apply(*t), xt, s_prev, *(W[k] for k in GATE_KEYS))


@ENGINE
@given(small_dims(), st.integers(1, 2), st.integers(0, 2**16))
def test_lstm_cell_second_derivatives_on_a_sequence_from_zero_state(dims, T_x, seed):
    n_x, n_a, m = dims
    rng = np.random.default_rng(seed)
    W = lstm_weights(rng, n_x, n_a)
    x = rng.standard_normal((n_x, m, T_x))
    t = T_x - 1
    # from c<0> = 0 the forget gate has no effect: Wf and bf (inputs 1, 2) get a constant zero
    f = lambda x, *w: LSTMCell.apply(x, None, *w, t=t)  # noqa: E731
    check_hvp(f, x, *(W[k] for k in GATE_KEYS), wrt=[0, 3, 4, 5, 6, 7, 8])
    leaves = [Tensor(W[k], requires_grad=True) for k in GATE_KEYS]
    dWf, dbf = grad(f(Tensor(x), *leaves).sum(), leaves[:2], create_graph=True)
    assert not dWf.data.any() and not dbf.data.any()


@pytest.mark.parametrize("cell", ["rnn", "lstm"])
def test_second_derivatives_of_an_unrolled_cost(cell):
    """Through three steps, the stacked output, the logits and the cost: the Hessian-vector
    product of J with respect to every weight, against finite differences of the gradient."""
    rng = np.random.default_rng(3)
    n_x, n_a, n_y, m, T_x = 2, 3, 3, 2, 3
    x = rng.standard_normal((n_x, m, T_x))
    Y = np.moveaxis(np.eye(n_y)[rng.integers(n_y, size=(m, T_x))], -1, 0)
    Wy, by = 0.5 * rng.standard_normal((n_y, n_a)), 0.5 * rng.standard_normal((n_y, 1))
    if cell == "rnn":
        weights = rnn_arrays(rng, n_x, n_a, m)[2:]

        def states(*w):
            return rnn_steps(x, None, *w), n_a
    else:
        W = lstm_weights(rng, n_x, n_a)
        weights = [W[k] for k in GATE_KEYS]

        def states(*w):
            return lstm_steps(x, None, *w), n_a

    def J(*w):
        s, n = states(*w[:-2])
        return sequence_cost(sequence_logits(stack_steps(s, 0, n), w[-2], w[-1]), Y)

    check_hvp(J, *weights, Wy, by)


# ----------------------------------------------------------------------------- 3. textbook
@ENGINE
@given(small_dims(), st.integers(1, 4), st.integers(0, 2**16))
def test_rnn_unroll_matches_textbook_to_1e10(dims, T_x, seed):
    n_x, n_a, m = dims
    rng = np.random.default_rng(seed)
    xt, a0, Wax, Waa, ba = rnn_arrays(rng, n_x, n_a, m)
    x = rng.standard_normal((n_x, m, T_x))
    da = rng.standard_normal((n_a, m, T_x))
    p = {"Wax": Wax, "Waa": Waa, "ba": ba, "Wya": np.zeros((1, n_a)), "by": np.zeros((1, 1))}
    a_tb, _, caches = tb.rnn_forward(x, a0, p)
    expected = tb.rnn_backward(da, caches)
    leaves = [Tensor(v, requires_grad=True) for v in (x, a0, Wax, Waa, ba)]
    a = rnn_unroll(*leaves)
    np.testing.assert_allclose(a.data, a_tb, rtol=0, atol=1e-12)
    got = grad((a * Tensor(da)).sum(), leaves)
    for key, g in zip(("dx", "da0", "dWax", "dWaa", "dba"), got):
        np.testing.assert_allclose(g.data, expected[key], rtol=0, atol=1e-10, err_msg=key)


@ENGINE
@given(small_dims(), st.integers(1, 4), st.integers(0, 2**16))
def test_lstm_unroll_matches_textbook_to_1e10(dims, T_x, seed):
    n_x, n_a, m = dims
    rng = np.random.default_rng(seed)
    W = lstm_weights(rng, n_x, n_a)
    x = rng.standard_normal((n_x, m, T_x))
    a0 = rng.standard_normal((n_a, m))
    da = rng.standard_normal((n_a, m, T_x))
    p = dict(W, Wy=np.zeros((1, n_a)), by=np.zeros((1, 1)))
    a_tb, _, c_tb, caches = tb.lstm_forward(x, a0, p)
    expected = tb.lstm_backward(da, caches)
    leaves = [Tensor(v, requires_grad=True) for v in [x, a0] + [W[k] for k in GATE_KEYS]]
    a, c = lstm_unroll(*leaves)
    np.testing.assert_allclose(a.data, a_tb, rtol=0, atol=1e-12)
    np.testing.assert_allclose(c.data, c_tb, rtol=0, atol=1e-12)
    got = grad((a * Tensor(da)).sum(), leaves)
    keys = ["dx", "da0"] + [f"d{k}" for k in GATE_KEYS]
    for key, g in zip(keys, got):
        np.testing.assert_allclose(g.data, expected[key], rtol=0, atol=1e-10, err_msg=key)


@ENGINE
@given(small_dims(), st.integers(0, 2**16))
def test_lstm_cell_function_matches_textbook_cell(dims, seed):
    """lstm_cell (the course's signature) against lstm_cell_forward / lstm_cell_backward,
    with upstream gradients on both a_next and c_next."""
    n_x, n_a, m = dims
    rng = np.random.default_rng(seed)
    W = lstm_weights(rng, n_x, n_a)
    xt, a_prev, c_prev = (rng.standard_normal((n, m)) for n in (n_x, n_a, n_a))
    da_next, dc_next = rng.standard_normal((n_a, m)), rng.standard_normal((n_a, m))
    p = dict(W, Wy=np.zeros((1, n_a)), by=np.zeros((1, 1)))
    a_tb, c_tb, _, cache = tb.lstm_cell_forward(xt, a_prev, c_prev, p)
    expected = tb.lstm_cell_backward(da_next, dc_next, cache)
    leaves = [Tensor(v, requires_grad=True) for v in [xt, a_prev, c_prev]]
    leaves += [Tensor(W[k], requires_grad=True) for k in GATE_KEYS]
    a, c = lstm_cell(*leaves)
    np.testing.assert_allclose(a.data, a_tb, rtol=0, atol=1e-12)
    np.testing.assert_allclose(c.data, c_tb, rtol=0, atol=1e-12)
    J = (a * Tensor(da_next)).sum() + (c * Tensor(dc_next)).sum()
    keys = ["dxt", "da_prev", "dc_prev"] + [f"d{k}" for k in GATE_KEYS]
    for key, g in zip(keys, grad(J, leaves)):
        np.testing.assert_allclose(g.data, expected[key], rtol=0, atol=1e-10, err_msg=key)


@ENGINE
@given(small_dims(), st.integers(0, 2**16))
def test_rnn_cell_function_matches_textbook_cell(dims, seed):
    n_x, n_a, m = dims
    rng = np.random.default_rng(seed)
    xt, a_prev, Wax, Waa, ba = rnn_arrays(rng, n_x, n_a, m)
    da_next = rng.standard_normal((n_a, m))
    p = {"Wax": Wax, "Waa": Waa, "ba": ba, "Wya": np.zeros((1, n_a)), "by": np.zeros((1, 1))}
    a_tb, _, cache = tb.rnn_cell_forward(xt, a_prev, p)
    expected = tb.rnn_cell_backward(da_next, cache)
    leaves = [Tensor(v, requires_grad=True) for v in (xt, a_prev, Wax, Waa, ba)]
    a = rnn_cell(*leaves)
    np.testing.assert_allclose(a.data, a_tb, rtol=0, atol=1e-12)
    keys = ("dxt", "da_prev", "dWax", "dWaa", "dba")
    for key, g in zip(keys, grad((a * Tensor(da_next)).sum(), leaves)):
        np.testing.assert_allclose(g.data, expected[key], rtol=0, atol=1e-10, err_msg=key)


# ----------------------------------------------------------------------------- long sequences
def test_ten_thousand_steps_backward_matches_textbook():
    """T_x = 10,000 RNN steps, one node each: the engine's backward is iterative (no recursion
    limit), and its gradients still agree with the textbook's loop. (The LSTM at 10,000 steps
    is in test_recurrent_model.py, against the numpy BPTT of benchmarks/rnn.py.)"""
    rng = np.random.default_rng(0)
    n_x, n_a, m, T_x = 1, 2, 1, 10_000
    x = rng.standard_normal((n_x, m, T_x))
    da = rng.standard_normal((n_a, m, T_x))
    _, _, Wax, Waa, ba = rnn_arrays(rng, n_x, n_a, m)
    weights = {"Wax": Wax, "Waa": Waa, "ba": ba}
    leaves = {k: Tensor(v, requires_grad=True) for k, v in weights.items()}
    a = stack_steps(rnn_steps(x, None, leaves["Wax"], leaves["Waa"], leaves["ba"]))
    assert a.shape == (n_a, m, T_x)
    (a * Tensor(da)).sum().backward()
    p = dict(weights, Wya=np.zeros((1, n_a)), by=np.zeros((1, 1)))
    _, _, caches = tb.rnn_forward(x, np.zeros((n_a, m)), p)
    expected = tb.rnn_backward(da, caches)
    for key, t in leaves.items():
        np.testing.assert_allclose(t.grad, expected[f"d{key}"], rtol=1e-9, atol=1e-9)


# ----------------------------------------------------------------------------- the cost
def test_sequence_cost_is_summed_over_time_and_averaged_over_m():
    """J against a direct numpy computation, with a step that has no target (zero column)."""
    rng = np.random.default_rng(1)
    n_a, n_y, m, T_x = 3, 4, 5, 6
    a = rng.standard_normal((n_a, m, T_x))
    Wy, by = rng.standard_normal((n_y, n_a)), rng.standard_normal((n_y, 1))
    Y = np.moveaxis(np.eye(n_y)[rng.integers(n_y, size=(m, T_x))], -1, 0)
    Y[:, 2, 4:] = 0  # sequence 2 has no targets after step 4
    J = sequence_cost(sequence_logits(Tensor(a), Wy, by), Y)
    expected = 0.0
    for t in range(T_x):
        z = Wy @ a[:, :, t] + by
        y_hat = np.exp(z) / np.exp(z).sum(axis=0, keepdims=True)
        expected -= np.sum(Y[:, :, t] * np.log(y_hat))
    np.testing.assert_allclose(float(J.data), expected / m, rtol=1e-12)


def test_sequence_cost_rejects_a_y_of_another_shape():
    Z = Tensor(np.zeros((3, 2, 4)))
    with pytest.raises(ValueError, match=r"\(n_y, m, T_x\) = \(3, 2, 4\), got \(3, 2, 5\)"):
        sequence_cost(Z, np.zeros((3, 2, 5)))


# ----------------------------------------------------------------------------- clipping
def test_elementwise_clip_is_the_textbooks_clip():
    rng = np.random.default_rng(2)
    grads = {k: 20 * rng.standard_normal((3, 4)) for k in ("dWaa", "dWax", "dWya", "db", "dby")}
    expected = tb.clip({k: v.copy() for k, v in grads.items()}, 5.0)
    norm = float(np.sqrt(sum(np.sum(v**2) for v in grads.values())))
    assert clip_gradients(grads, 5.0) == pytest.approx(norm, rel=1e-12)
    for k in grads:
        np.testing.assert_array_equal(grads[k], expected[k])


def test_global_norm_clip_keeps_the_direction_and_sets_the_norm():
    rng = np.random.default_rng(3)
    params = {k: Tensor(rng.standard_normal((2, 3)), requires_grad=True) for k in "ab"}
    before = {k: 10 * rng.standard_normal((2, 3)) for k in "ab"}
    for k, p in params.items():
        p.grad = before[k].copy()
    norm = clip_gradients(params, 1.0, norm=True)
    assert norm == pytest.approx(np.sqrt(sum(np.sum(v**2) for v in before.values())))
    after = np.sqrt(sum(np.sum(p.grad**2) for p in params.values()))
    assert after == pytest.approx(1.0, rel=1e-12)
    for k, p in params.items():
        np.testing.assert_allclose(p.grad, before[k] / norm, rtol=1e-12)
    small = {"a": np.full((2, 2), 0.1)}
    assert clip_gradients(small, 1.0, norm=True) == pytest.approx(0.2)
    np.testing.assert_array_equal(small["a"], np.full((2, 2), 0.1))  # below: unchanged


@pytest.mark.parametrize("bad", [0, -1.0, float("inf"), True, "5"])
def test_clip_rejects_a_bad_max_value(bad):
    with pytest.raises(ValueError, match="max_value must be a positive finite number"):
        clip_gradients({"a": np.ones((2, 2))}, bad)


def test_clip_names_a_gradient_that_is_not_a_float_array():
    with pytest.raises(TypeError, match="gradient of 'dW'"):
        clip_gradients({"dW": [1, 2]}, 1.0)


# ----------------------------------------------------------------------------- errors
def test_rnn_cell_errors_name_the_argument_and_the_shape():
    xt, a_prev = np.zeros((3, 4)), np.zeros((5, 4))
    Wax, Waa, ba = np.zeros((5, 3)), np.zeros((5, 5)), np.zeros((5, 1))
    with pytest.raises(ValueError, match=r"Waa must have shape \(n_a, n_a\) = \(5, 5\)"):
        rnn_cell(xt, a_prev, Wax, np.zeros((5, 4)), ba)
    with pytest.raises(ValueError, match=r"Wax must have shape \(n_a, n_x\) = \(5, 3\).*\(5, 2\)"):
        rnn_cell(xt, a_prev, np.zeros((5, 2)), Waa, ba)
    with pytest.raises(ValueError, match=r"a_prev must have shape \(n_a, m\) = \(5, 4\)"):
        rnn_cell(xt, np.zeros((5, 3)), Wax, Waa, ba)
    with pytest.raises(ValueError, match=r"ba must have shape \(n_a, 1\).*rank-1"):
        rnn_cell(xt, a_prev, Wax, Waa, np.zeros(5))
    with pytest.raises(ValueError, match=r"xt must have shape \(n_x, m\)"):
        rnn_cell(np.zeros((3, 4, 2)), a_prev, Wax, Waa, ba)


def test_lstm_errors_name_the_argument_and_the_shape():
    n_x, n_a, m = 3, 2, 4
    W = lstm_weights(np.random.default_rng(0), n_x, n_a)
    args = [W[k] for k in GATE_KEYS]
    with pytest.raises(ValueError, match=r"c_prev must have shape \(n_a, m\) = \(2, 4\)"):
        lstm_cell(np.zeros((n_x, m)), np.zeros((n_a, m)), np.zeros((n_a, 3)), *args)
    bad = list(args)
    bad[4] = np.zeros((n_a, n_x))  # Wc without the a_prev columns
    with pytest.raises(ValueError, match=r"Wc must have shape \(n_a, n_a \+ n_x\) = \(2, 5\)"):
        lstm_steps(np.zeros((n_x, m, 5)), None, *bad)
    with pytest.raises(ValueError, match=r"x must have shape \(n_x, m, T_x\), got shape \(3, 4\)"):
        lstm_steps(np.zeros((n_x, m)), None, *args)
    with pytest.raises(ValueError, match=r"a0 must have shape \(n_a, m\) = \(2, 4\)"):
        lstm_unroll(np.zeros((n_x, m, 5)), np.zeros((n_a, 1)), *args)
    with pytest.raises(ValueError, match=r"is empty"):
        rnn_steps(np.zeros((n_x, m, 0)), None, np.zeros((2, 3)), np.zeros((2, 2)), np.zeros((2, 1)))


def test_stack_steps_refuses_steps_of_different_shapes():
    with pytest.raises(ValueError, match="one shape"):
        stack_steps([Tensor(np.zeros((2, 3))), Tensor(np.zeros((2, 4)))])
    with pytest.raises(ValueError, match="at least one step"):
        stack_steps([])
