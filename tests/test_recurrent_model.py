"""RNNModel (autograd_dnn.recurrent): its gradients against the course's backward passes and
finite differences, its training through ``fit``, and its error messages.

The oracle for ``gradients()``: the textbook's forward pass from ``a<0> = 0`` gives
``y_hat<t>``; the direct gradient at each hidden state is ``da<t> = Wya^T dZ<t>`` with
``dZ<t> = (y_hat<t> * sum_k y_k<t> - y<t>) / m`` (the 1/m of the averaged cost, put inside
``da`` as the textbook's docstring says; a step without a target has ``dZ = 0``); the
textbook's cell backward passes, looped through time, then give every weight's gradient and
the gradients arriving at each cell (``da_next``, ``dc_next``), which are the model's
``da<t>`` and ``dc<t>``.
"""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from autograd_dnn import Tensor
from autograd_dnn import textbook as tb
from autograd_dnn.optim import make_optimizer
from autograd_dnn.recurrent import LSTM_KEYS, RNN_KEYS, RNNModel
from autograd_dnn.sequences import adding_problem
from autograd_dnn.tape import Tape
from autograd_dnn.train import Stepper
from benchmarks import rnn as bench

from .strategies import ENGINE


def one_hot_targets(
    rng: np.random.Generator, n_y: int, m: int, T_x: int, holes: bool = True
) -> np.ndarray:
    """Y (n_y, m, T_x) one-hot, with some all-zero columns (steps without a target)."""
    Y = np.moveaxis(np.eye(n_y)[rng.integers(n_y, size=(m, T_x))], -1, 0)
    if holes:
        Y[:, rng.random((m, T_x)) < 0.3] = 0.0
    return Y


def textbook_gradients(cell: str, p: dict, X: np.ndarray, Y: np.ndarray) -> dict:
    """The model's gradients rebuilt from the textbook's cells (module docstring)."""
    n_x, m, T_x = X.shape
    W_out = "Wya" if cell == "rnn" else "Wy"
    n_a = p[W_out].shape[1]
    a0 = np.zeros((n_a, m))
    if cell == "rnn":
        a, y_hat, (caches, _) = tb.rnn_forward(X, a0, p)
    else:
        a, y_hat, _, (caches, _) = tb.lstm_forward(X, a0, p)
    dZ = (y_hat * Y.sum(axis=0, keepdims=True) - Y) / m
    out = {f"d{W_out}": np.einsum("ymt,amt->ya", dZ, a), "dby": dZ.sum(axis=(1, 2))[:, None]}
    direct = np.einsum("ya,ymt->amt", p[W_out], dZ)
    keys = ["Wax", "Waa", "ba"] if cell == "rnn" else list(LSTM_KEYS[:8])
    for k in keys:
        out[f"d{k}"] = np.zeros_like(p[k])
    da_prev, dc_prev = np.zeros((n_a, m)), np.zeros((n_a, m))
    for t in reversed(range(T_x)):
        out[f"da{t + 1}"] = da_next = direct[:, :, t] + da_prev
        if cell == "rnn":
            g = tb.rnn_cell_backward(da_next, caches[t])
        else:
            out[f"dc{t + 1}"] = dc_prev
            g = tb.lstm_cell_backward(da_next, dc_prev, caches[t])
            dc_prev = g["dc_prev"]
        da_prev = g["da_prev"]
        for k in keys:
            out[f"d{k}"] += g[f"d{k}"]
    full = tb.rnn_backward(direct, (caches, X)) if cell == "rnn" else None
    if full is None:
        full = tb.lstm_backward(direct, (caches, X))
    out["dx"] = full["dx"]
    return out


def model_case(cell: str, dims, seed: int):
    n_x, n_a, n_y, m, T_x = dims
    rng = np.random.default_rng(seed)
    model = RNNModel(n_x, n_a, n_y, cell=cell, seed=seed)
    for t in model.parameters().values():  # non-zero biases, so every term is exercised
        t.data = t.data + 0.3 * rng.standard_normal(t.shape)
    X = rng.standard_normal((n_x, m, T_x))
    return model, X, one_hot_targets(rng, n_y, m, T_x)


dims_strategy = st.tuples(*(st.integers(1, 3) for _ in range(4)), st.integers(1, 4))


# ----------------------------------------------------------------------------- the textbook
@ENGINE
@given(st.sampled_from(["rnn", "lstm"]), dims_strategy, st.integers(0, 2**16))
def test_gradients_match_the_textbook_to_1e10(cell, dims, seed):
    """Every parameter, every da<t> and dc<t>, and dx, on hypothesis-drawn shapes."""
    model, X, Y = model_case(cell, dims, seed)
    got = model.gradients(X, Y, dx=True)
    expected = textbook_gradients(cell, model.get_parameters(), X, Y)
    assert set(got) == set(expected)
    for key, value in expected.items():
        np.testing.assert_allclose(got[key], value, rtol=0, atol=1e-10, err_msg=key)


def test_gradient_keys_are_the_courses():
    X, Y = np.zeros((2, 3, 4)), np.zeros((2, 3, 4))
    rnn = RNNModel(2, 3, 2, cell="rnn").gradients(X, Y)
    assert list(rnn) == [f"d{k}" for k in RNN_KEYS] + [f"da{t}" for t in range(1, 5)]
    lstm = RNNModel(2, 3, 2, cell="lstm").gradients(X, Y)
    per_step = [f"da{t}" for t in range(1, 5)] + [f"dc{t}" for t in range(1, 5)]
    assert list(lstm) == [f"d{k}" for k in LSTM_KEYS] + per_step
    assert not lstm["dc4"].any()  # the last cell state feeds nothing


@pytest.mark.parametrize("cell", ["rnn", "lstm"])
def test_gradients_match_finite_differences_with_l2(cell):
    """The cost J (with an L2 term) differentiated numerically, entry by entry."""
    model, X, Y = model_case(cell, (2, 2, 3, 2, 3), seed=5)
    model.l2 = 0.7
    got = model.gradients(X, Y)
    for key, t in model.parameters().items():
        original = t.data.copy()
        numeric = np.zeros(t.shape)
        for i in np.ndindex(t.shape):
            values = []
            for h in (1e-6, -1e-6):
                moved = original.copy()
                moved[i] += h
                t.data = moved
                values.append(float(model.cost(X, Y).data))
            numeric[i] = (values[0] - values[1]) / 2e-6
        t.data = original
        np.testing.assert_allclose(got[f"d{key}"], numeric, rtol=1e-6, atol=1e-8, err_msg=key)


def test_the_lstm_through_ten_thousand_steps_matches_the_numpy_bptt():
    """T_x = 10,000 LSTM steps through the engine's iterative backward, against the
    hand-written numpy BPTT of benchmarks/rnn.py (itself checked against the model below)."""
    params, X, Y = bench.make_data(n_x=2, n_a=2, m=1, T_x=10_000, seed=1)
    model = RNNModel.from_parameters(params)
    got = model.gradients(X, Y)
    J, expected = bench.numpy_lstm_gradients(params, X, Y)
    assert float(model.cost(X, Y).data) == pytest.approx(J, rel=1e-10)
    for key, value in expected.items():
        np.testing.assert_allclose(got[key], value, rtol=1e-8, atol=1e-10, err_msg=key)
    assert len([k for k in got if k.startswith("da")]) == 10_000


def test_the_benchmark_steps_compute_the_same_costs_step_after_step():
    """numpy BPTT, the taped fit step and the recorded fit step: one cost per step, equal."""
    params, X, Y = bench.make_data(n_x=5, n_a=4, m=3, T_x=6, seed=2)
    makers = {
        "numpy": bench.numpy_step,
        "taped": bench.ours_step,
        "recorded": lambda p, X, Y: bench.ours_step(p, X, Y, tape=False),
    }
    costs = {k: [float(s()) for s in [make(params, X, Y)] * 5] for k, make in makers.items()}
    assert costs["numpy"][0] != pytest.approx(costs["numpy"][-1], rel=1e-4)  # it learns
    for name in ("taped", "recorded"):
        np.testing.assert_allclose(costs[name], costs["numpy"], rtol=1e-10, err_msg=name)


@pytest.mark.parametrize("cell", ["rnn", "lstm"])
def test_fit_tapes_the_unrolled_step(cell):
    """fit's Stepper can replay the recorded graph of the model (a Tape is built)."""
    model, X, Y = model_case(cell, (2, 3, 2, 4, 5), seed=1)
    opt = make_optimizer("gd", model.parameters(), 0.1, 0.9, 0.9, 0.999, 1e-8, 0.0)
    stepper = Stepper(model, opt, 4)
    Xt, Yd = model.check_X(X), model.check_Y(Y, 4)
    for i in range(4):
        stepper.step(Xt, Yd, i)
    assert any(isinstance(t, Tape) for t in stepper.tapes.values())


# ----------------------------------------------------------------------------- training
@pytest.mark.parametrize("cell", ["rnn", "lstm"])
def test_fit_learns_the_adding_problem(cell):
    """Mini-batch Adam lowers the cost well below its start, and below the best a model
    without memory can reach (the entropy of the label frequencies)."""
    X, Y = adding_problem(m=256, T_x=6, n_classes=4, seed=0)
    model = RNNModel(2, 16, 4, cell=cell, seed=0)
    history = model.fit(
        X, Y, learning_rate=0.02, iterations=25, optimizer="adam", batch_size=64, progress=False
    )
    freq = Y[:, :, -1].mean(axis=1)
    no_memory = -float(np.sum(freq * np.log(freq)))  # J of predicting the frequencies
    final = float(model.cost(X, Y).data)
    assert history.costs[0] > final
    assert final < 0.8 * no_memory
    assert model.accuracy(X, Y) > 0.6


def test_fit_options_reach_train_fit():
    X, Y = adding_problem(m=16, T_x=4, seed=1)
    model = RNNModel(2, 3, 4, seed=0)
    h = model.fit(X, Y, iterations=3, learning_rate=0.01, progress=False, print_every=1)
    assert h.iterations == [0, 1, 2] and h.unit == "iteration"
    with pytest.raises(ValueError, match="batch_size must be between 1 and m = 16"):
        model.fit(X, Y, iterations=1, batch_size=17, progress=False)


# ----------------------------------------------------------------------------- prediction
@pytest.mark.parametrize("cell", ["rnn", "lstm"])
def test_step_by_step_prediction_matches_the_unrolled_one(cell):
    model, X, _ = model_case(cell, (3, 4, 5, 2, 6), seed=4)
    proba = model.predict_proba(X)
    state = None
    for t in range(X.shape[2]):
        y_hat, state = model.step(X[:, :, t], state)
        np.testing.assert_allclose(y_hat, proba[:, :, t], rtol=1e-12, atol=1e-15)
    np.testing.assert_allclose(proba.sum(axis=0), 1.0, rtol=1e-12)
    P = model.predict(X)
    assert P.shape == proba.shape
    np.testing.assert_array_equal(P.argmax(axis=0), proba.argmax(axis=0))
    np.testing.assert_array_equal(P.sum(axis=0), 1.0)


def test_accuracy_counts_only_steps_with_a_target():
    model = RNNModel(2, 3, 2, seed=0)
    X = np.random.default_rng(0).standard_normal((2, 5, 3))
    labels = model.predict_proba(X).argmax(axis=0)
    Y = np.zeros((2, 5, 3))
    Y[labels[:, 2], np.arange(5), 2] = 1.0  # right at the last step, no target elsewhere
    assert model.accuracy(X, Y) == 1.0
    Y[:, 0, 2] = Y[::-1, 0, 2]  # one of the five made wrong
    assert model.accuracy(X, Y) == pytest.approx(0.8)
    with pytest.raises(ValueError, match="no target"):
        model.accuracy(X, np.zeros((2, 5, 3)))


# ----------------------------------------------------------------------------- structure
def test_parameters_shapes_and_from_parameters_round_trip():
    lstm = RNNModel(3, 5, 2, cell="lstm", seed=1)
    shapes = {k: t.shape for k, t in lstm.parameters().items()}
    assert shapes["Wf"] == (5, 8) and shapes["bo"] == (5, 1) and shapes["Wy"] == (2, 5)
    copy = RNNModel.from_parameters(lstm.get_parameters())
    assert copy.cell == "lstm" and (copy.n_x, copy.n_a, copy.n_y) == (3, 5, 2)
    for k, v in lstm.get_parameters().items():
        np.testing.assert_array_equal(copy.parameters()[k].data, v)
    rnn = RNNModel(3, 5, 2, cell="rnn", init="course", seed=1)
    expected = np.random.RandomState(1).randn(5, 3) * 0.01  # Wax, the course's first draw
    np.testing.assert_array_equal(rnn.parameters()["Wax"].data, expected)
    assert not rnn.parameters()["ba"].data.any()


def test_summary_names_every_shape():
    text = RNNModel(27, 50, 27, cell="rnn").summary(m=32, T_x=20)
    for piece in ("(27, 32, 20)", "(50, 32, 20)", "Wax", "(50, 27)", "Waa", "(50, 50)"):
        assert piece in text
    assert "averaged over m" in text
    lstm = RNNModel(3, 5, 2, cell="lstm")
    assert f"{lstm.num_parameters():,}" in lstm.summary()
    assert lstm.num_parameters() == 4 * (5 * 8 + 5) + 2 * 5 + 2
    assert "lstm" in repr(lstm)


# ----------------------------------------------------------------------------- errors
def test_check_X_errors_name_the_shape():
    model = RNNModel(3, 4, 2)
    with pytest.raises(ValueError, match=r"X must be 3-D \(n_x, m, T_x\) = \(3, m, T_x\)"):
        model.check_X(np.zeros((3, 5)))
    with pytest.raises(ValueError, match=r"expects n_x = 3.*did you mean X.transpose"):
        model.check_X(np.zeros((5, 3, 7)))
    with pytest.raises(ValueError, match="holds no sequence"):
        model.check_X(np.zeros((3, 0, 2)))
    with pytest.raises(ValueError, match="NaN"):
        model.check_X(np.full((3, 1, 1), np.nan))
    with pytest.raises(TypeError, match="real numbers"):
        model.check_X(np.array([["a"]]))


def test_check_Y_and_cost_errors_name_the_shape():
    model = RNNModel(3, 4, 2)
    X = np.zeros((3, 5, 7))
    with pytest.raises(ValueError, match=r"Y must have shape \(n_y, m, T_x\) = \(2, 5, 7\)"):
        model.cost(X, np.zeros((2, 5, 6)))
    with pytest.raises(ValueError, match=r"Y must have shape \(n_y, m, T_x\) = \(2, 5, T_x\)"):
        model.check_Y(np.zeros((3, 5, 7)), 5)
    with pytest.raises(ValueError, match="one-hot"):
        model.cost(X, np.full((2, 5, 7), 0.5))
    with pytest.raises(ValueError, match="T_x = 6 time steps but X has T_x = 7"):
        model.batch_cost(model.check_X(X), np.zeros((2, 5, 6)))


def test_constructor_errors():
    with pytest.raises(ValueError, match="unknown cell 'gru'"):
        RNNModel(2, 3, 2, cell="gru")
    with pytest.raises(ValueError, match="n_a must be a whole number >= 1"):
        RNNModel(2, 0, 2)
    with pytest.raises(ValueError, match="unknown init"):
        RNNModel(2, 3, 2, init="he")
    with pytest.raises(ValueError, match="RNN keys"):
        RNNModel.from_parameters({"W1": np.zeros((2, 2))})
    p = RNNModel(2, 3, 2).get_parameters()
    p["Waa"] = np.zeros((3, 2))
    with pytest.raises(ValueError, match=r"params\['Waa'\] must have shape \(3, 3\)"):
        RNNModel.from_parameters(p)
    with pytest.raises(ValueError, match=r"xt must have shape \(n_x, m\) = \(2, m\)"):
        RNNModel(2, 3, 2).step(np.zeros((3, 1)))


def test_replayable_unless_the_forward_is_overridden():
    class Custom(RNNModel):
        def states(self, X: Tensor) -> list[Tensor]:
            return super().states(X)

    assert RNNModel(2, 3, 2).replayable
    assert not Custom(2, 3, 2).replayable
