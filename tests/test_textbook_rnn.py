"""The recurrent textbook (Course 5, week 1) against the course's published test cases, finite
differences through time, and its error messages.

Published values: the course notebook "Building your Recurrent Neural Network - Step by Step"
(Course 5, week 1, assignment 1, the 2021 version whose test cells build ``parameters_tmp``) and
"Dinosaur Island - Character-Level Language Modeling" (assignment 2) print the results of fixed
``np.random.seed`` draws. Each test below repeats the notebook's draws in the notebook's order
and asserts the printed numbers, to the digits printed. The cached ``ba`` of the old (2018)
notebook's ``rnn_cell_backward`` test and its ``lstm_forward`` (which started from slices of
zeros) are not reconstructed and not asserted.

Finite differences measure exact partials; the course's recurrent backward passes have no 1/m
and return the partials of ``J = sum(da * a)`` (plus ``sum(dc_next * c_next)`` for the LSTM
cell), so they are compared with those partials directly.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from autograd_dnn import textbook as tb

FAST = settings(max_examples=20, deadline=None, derandomize=True, database=None)
PRINTED = {"rtol": 0, "atol": 5e-9}  # the notebooks print 8 decimals or 12 significant digits
GATES = ("f", "i", "c", "o")


def central_difference(J: Callable[[], float], x: np.ndarray, eps: float = 1e-6) -> np.ndarray:
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


def assert_fd(analytic: np.ndarray, J: Callable[[], float], x: np.ndarray, name: str) -> None:
    numeric = central_difference(J, x)
    np.testing.assert_allclose(analytic, numeric, rtol=1e-6, atol=1e-8, err_msg=name)


# ----------------------------------------------------------------------------------------------
# The course's published test cases
# ----------------------------------------------------------------------------------------------


def course_rnn_parameters(order: tuple[str, ...]) -> dict[str, np.ndarray]:
    """``parameters_tmp`` drawn in the notebook's order (it differs between the cells)."""
    shapes = {"Waa": (5, 5), "Wax": (5, 3), "Wya": (2, 5), "ba": (5, 1), "by": (2, 1)}
    return {key: np.random.randn(*shapes[key]) for key in order}


def course_lstm_parameters() -> dict[str, np.ndarray]:
    p = {}
    for g in ("f", "i", "o", "c"):  # the notebook draws Wf, bf, Wi, bi, Wo, bo, Wc, bc
        p[f"W{g}"] = np.random.randn(5, 5 + 3)
        p[f"b{g}"] = np.random.randn(5, 1)
    return p


def test_course_rnn_cell_forward():
    np.random.seed(1)
    xt, a_prev = np.random.randn(3, 10), np.random.randn(5, 10)
    parameters = course_rnn_parameters(("Waa", "Wax", "Wya", "ba", "by"))
    a_next, yt_pred, cache = tb.rnn_cell_forward(xt, a_prev, parameters)
    assert a_next.shape == (5, 10) and yt_pred.shape == (2, 10)
    a4 = [0.59584544, 0.18141802, 0.61311866, 0.99808218, 0.85016201, 0.99980978]
    a4 += [-0.18887155, 0.99815551, 0.6531151, 0.82872037]
    y1 = [0.9888161, 0.01682021, 0.21140899, 0.36817467, 0.98988387, 0.88945212]
    y1 += [0.36920224, 0.9966312, 0.9982559, 0.17746526]
    np.testing.assert_allclose(a_next[4], a4, **PRINTED)
    np.testing.assert_allclose(yt_pred[1], y1, **PRINTED)
    assert len(cache) == 4 and cache[3] is parameters


def test_course_rnn_forward():
    np.random.seed(1)
    x, a0 = np.random.randn(3, 10, 4), np.random.randn(5, 10)
    parameters = course_rnn_parameters(("Waa", "Wax", "Wya", "ba", "by"))
    a, y_pred, caches = tb.rnn_forward(x, a0, parameters)
    assert a.shape == (5, 10, 4) and y_pred.shape == (2, 10, 4) and len(caches) == 2
    a41 = [-0.99999375, 0.77911235, -0.99861469, -0.99833267]
    np.testing.assert_allclose(a[4][1], a41, **PRINTED)
    y13 = [0.79560373, 0.86224861, 0.11118257, 0.81515947]
    np.testing.assert_allclose(y_pred[1][3], y13, **PRINTED)
    x13 = [-1.1425182, -0.34934272, -0.20889423, 0.58662319]
    np.testing.assert_allclose(caches[1][1][3], x13, **PRINTED)
    # the 2018 notebook's rnn_forward started from a[:, :, 0] (zeros) instead of a0; its printed
    # values are those of a0 = 0
    a_old, y_old, _ = tb.rnn_forward(x, np.zeros_like(a0), parameters)
    a41_old = [-0.93013738, 0.991315, -0.98694298, -0.99723276]
    np.testing.assert_allclose(a_old[4][1], a41_old, **PRINTED)
    y13_old = [0.0440187, 0.41032346, 0.01401205, 0.42558194]
    np.testing.assert_allclose(y_old[1][3], y13_old, **PRINTED)


def test_course_lstm_cell_forward():
    np.random.seed(1)
    xt, a_prev, c_prev = np.random.randn(3, 10), np.random.randn(5, 10), np.random.randn(5, 10)
    parameters = course_lstm_parameters()
    parameters["Wy"], parameters["by"] = np.random.randn(2, 5), np.random.randn(2, 1)
    a_next, c_next, yt, cache = tb.lstm_cell_forward(xt, a_prev, c_prev, parameters)
    a4 = [-0.66408471, 0.0036921, 0.02088357, 0.22834167, -0.85575339, 0.00138482]
    a4 += [0.76566531, 0.34631421, -0.00215674, 0.43827275]
    c2 = [0.63267805, 1.00570849, 0.35504474, 0.20690913, -1.64566718, 0.11832942]
    c2 += [0.76449811, -0.0981561, -0.74348425, -0.26810932]
    y1 = [0.79913913, 0.15986619, 0.22412122, 0.15606108, 0.97057211, 0.31146381]
    y1 += [0.00943007, 0.12666353, 0.39380172, 0.07828381]
    cache13 = [-0.16263996, 1.03729328, 0.72938082, -0.54101719, 0.02752074, -0.30821874]
    cache13 += [0.07651101, -1.03752894, 1.41219977, -0.37647422]
    np.testing.assert_allclose(a_next[4], a4, **PRINTED)
    np.testing.assert_allclose(c_next[2], c2, **PRINTED)
    np.testing.assert_allclose(yt[1], y1, **PRINTED)
    np.testing.assert_allclose(cache[1][3], cache13, **PRINTED)
    assert len(cache) == 10


def test_course_lstm_forward():
    np.random.seed(1)
    x, a0 = np.random.randn(3, 10, 7), np.random.randn(5, 10)
    parameters = course_lstm_parameters()
    parameters["Wy"], parameters["by"] = np.random.randn(2, 5), np.random.randn(2, 1)
    a, y, c, caches = tb.lstm_forward(x, a0, parameters)
    assert a.shape == c.shape == (5, 10, 7) and y.shape == (2, 10, 7) and len(caches) == 2
    np.testing.assert_allclose(a[4][3][6], 0.172117767533, **PRINTED)
    np.testing.assert_allclose(y[1][4][3], 0.95087346185, **PRINTED)
    x11 = [0.82797464, 0.23009474, 0.76201118, -0.22232814, -0.20075807, 0.18656139, 0.41005165]
    np.testing.assert_allclose(caches[1][1][1], x11, **PRINTED)
    np.testing.assert_allclose(c[1][2][1], -0.855544916718, **PRINTED)


def test_course_rnn_cell_backward():
    np.random.seed(1)
    xt, a_prev = np.random.randn(3, 10), np.random.randn(5, 10)
    parameters = course_rnn_parameters(("Wax", "Waa", "Wya", "ba", "by"))
    _, _, cache = tb.rnn_cell_forward(xt, a_prev, parameters)
    g = tb.rnn_cell_backward(np.random.randn(5, 10), cache)
    assert {k: v.shape for k, v in g.items()} == {
        "dxt": (3, 10),
        "da_prev": (5, 10),
        "dWax": (5, 3),
        "dWaa": (5, 5),
        "dba": (5, 1),
    }
    np.testing.assert_allclose(g["dxt"][1][2], -1.3872130506, **PRINTED)
    np.testing.assert_allclose(g["da_prev"][2][3], -0.152399493774, **PRINTED)
    np.testing.assert_allclose(g["dWax"][3][1], 0.410772824935, **PRINTED)
    np.testing.assert_allclose(g["dWaa"][1][2], 1.15034506685, **PRINTED)
    np.testing.assert_allclose(g["dba"][4], [0.20023491], **PRINTED)


def test_course_rnn_backward():
    np.random.seed(1)
    x, a0 = np.random.randn(3, 10, 4), np.random.randn(5, 10)
    parameters = course_rnn_parameters(("Wax", "Waa", "Wya", "ba", "by"))
    _, _, caches = tb.rnn_forward(x, a0, parameters)
    g = tb.rnn_backward(np.random.randn(5, 10, 4), caches)
    assert g["dx"].shape == (3, 10, 4) and g["da0"].shape == (5, 10)
    dx12 = [-2.07101689, -0.59255627, 0.02466855, 0.01483317]
    np.testing.assert_allclose(g["dx"][1][2], dx12, **PRINTED)
    np.testing.assert_allclose(g["da0"][2][3], -0.314942375127, **PRINTED)
    np.testing.assert_allclose(g["dWax"][3][1], 11.2641044965, **PRINTED)
    np.testing.assert_allclose(g["dWaa"][1][2], 2.30333312658, **PRINTED)
    np.testing.assert_allclose(g["dba"][4], [-0.74747722], **PRINTED)


def test_course_lstm_cell_backward():
    np.random.seed(1)
    xt, a_prev, c_prev = np.random.randn(3, 10), np.random.randn(5, 10), np.random.randn(5, 10)
    parameters = course_lstm_parameters()
    parameters["Wy"], parameters["by"] = np.random.randn(2, 5), np.random.randn(2, 1)
    _, _, _, cache = tb.lstm_cell_forward(xt, a_prev, c_prev, parameters)
    da_next, dc_next = np.random.randn(5, 10), np.random.randn(5, 10)
    g = tb.lstm_cell_backward(da_next, dc_next, cache)
    assert g["dxt"].shape == (3, 10) and g["dc_prev"].shape == (5, 10)
    assert all(g[f"dW{k}"].shape == (5, 8) and g[f"db{k}"].shape == (5, 1) for k in GATES)
    printed = {
        ("dxt", 1, 2): 3.23055911511,
        ("da_prev", 2, 3): -0.0639621419711,
        ("dc_prev", 2, 3): 0.797522038797,
        ("dWf", 3, 1): -0.147954838164,
        ("dWi", 1, 2): 1.05749805523,
        ("dWc", 3, 1): 2.30456216369,
        ("dWo", 1, 2): 0.331311595289,
        ("dbf", 4, 0): 0.18864637,
        ("dbi", 4, 0): -0.40142491,
        ("dbc", 4, 0): 0.25587763,
        ("dbo", 4, 0): 0.13893342,
    }
    for (key, i, j), value in printed.items():
        np.testing.assert_allclose(g[key][i][j], value, err_msg=key, **PRINTED)


def test_course_lstm_backward_with_da_for_the_first_4_of_7_steps():
    """The notebook runs a 7-step forward pass (with ``Wy``, ``by`` zero) and passes ``da`` of 4
    steps; like its loop, ``lstm_backward`` goes back from step 4."""
    np.random.seed(1)
    x, a0 = np.random.randn(3, 10, 7), np.random.randn(5, 10)
    parameters = course_lstm_parameters()
    parameters["Wy"], parameters["by"] = np.zeros((2, 5)), np.zeros((2, 1))
    _, _, _, caches = tb.lstm_forward(x, a0, parameters)
    g = tb.lstm_backward(np.random.randn(5, 10, 4), caches)
    assert g["dx"].shape == (3, 10, 4) and g["da0"].shape == (5, 10)
    dx12 = [0.00218254, 0.28205375, -0.48292508, -0.43281115]
    np.testing.assert_allclose(g["dx"][1][2], dx12, **PRINTED)
    printed = {
        ("da0", 2, 3): 0.312770310257,
        ("dWf", 3, 1): -0.0809802310938,
        ("dWi", 1, 2): 0.40512433093,
        ("dWc", 3, 1): -0.0793746735512,
        ("dWo", 1, 2): 0.038948775763,
        ("dbf", 4, 0): -0.15745657,
        ("dbi", 4, 0): -0.50848333,
        ("dbc", 4, 0): -0.42510818,
        ("dbo", 4, 0): -0.17958196,
    }
    for (key, i, j), value in printed.items():
        np.testing.assert_allclose(g[key][i][j], value, err_msg=key, **PRINTED)


def test_course_clip():
    """Dinosaur Island's ``clip`` test: seed 3, five gradients times 10, maxValue = 10."""
    np.random.seed(3)
    shapes = {"dWax": (5, 3), "dWaa": (5, 5), "dWya": (2, 5), "db": (5, 1), "dby": (2, 1)}
    gradients = {key: np.random.randn(*shape) * 10 for key, shape in shapes.items()}
    out = tb.clip(gradients, 10)
    assert out["dWaa"][1][2] == 10.0
    assert out["dWax"][3][1] == -10.0
    np.testing.assert_allclose(out["dWya"][1][2], 0.29713815361, **PRINTED)
    np.testing.assert_array_equal(out["db"][4], [10.0])
    np.testing.assert_allclose(out["dby"][1], [8.45833407], **PRINTED)


# ----------------------------------------------------------------------------------------------
# Drawn cases: small shapes, weights scaled so that tanh and sigmoid stay off their flat tails
# ----------------------------------------------------------------------------------------------


@st.composite
def shapes(draw, max_T: int = 4) -> dict[str, int]:
    return {
        "n_x": draw(st.integers(1, 3)),
        "n_a": draw(st.integers(1, 3)),
        "n_y": draw(st.integers(1, 3)),
        "m": draw(st.integers(1, 3)),
        "T_x": draw(st.integers(1, max_T)),
        "seed": draw(st.integers(0, 2**31 - 1)),
    }


def rnn_parameters(rng: np.random.RandomState, n_x: int, n_a: int, n_y: int) -> dict:
    return {
        "Wax": rng.randn(n_a, n_x) * 0.5,
        "Waa": rng.randn(n_a, n_a) * 0.5,
        "Wya": rng.randn(n_y, n_a),
        "ba": rng.randn(n_a, 1) * 0.5,
        "by": rng.randn(n_y, 1),
    }


def lstm_parameters(rng: np.random.RandomState, n_x: int, n_a: int, n_y: int) -> dict:
    p = {}
    for g in GATES:
        p[f"W{g}"] = rng.randn(n_a, n_a + n_x) * 0.5
        p[f"b{g}"] = rng.randn(n_a, 1) * 0.5
    p["Wy"], p["by"] = rng.randn(n_y, n_a), rng.randn(n_y, 1)
    return p


@FAST
@given(shapes())
def test_rnn_forward_is_the_formula_step_by_step(s):
    rng = np.random.RandomState(s["seed"])
    p = rnn_parameters(rng, s["n_x"], s["n_a"], s["n_y"])
    x, a0 = rng.randn(s["n_x"], s["m"], s["T_x"]), rng.randn(s["n_a"], s["m"])
    a, y_pred, (cells, x_cached) = tb.rnn_forward(x, a0, p)
    assert x_cached is x and len(cells) == s["T_x"]
    a_prev = a0
    for t in range(s["T_x"]):
        a_t = np.tanh(p["Waa"] @ a_prev + p["Wax"] @ x[:, :, t] + p["ba"])
        z = p["Wya"] @ a_t + p["by"]
        y_t = np.exp(z) / np.exp(z).sum(axis=0)
        np.testing.assert_allclose(a[:, :, t], a_t, rtol=1e-12, atol=1e-14)
        np.testing.assert_allclose(y_pred[:, :, t], y_t, rtol=1e-12, atol=1e-14)
        a_next, cached_prev, xt, params = cells[t]
        np.testing.assert_array_equal(a_next, a[:, :, t])
        np.testing.assert_array_equal(cached_prev, a_prev)
        np.testing.assert_array_equal(xt, x[:, :, t])
        assert params is p
        a_prev = a_t


@FAST
@given(shapes())
def test_lstm_forward_is_the_formula_step_by_step(s):
    rng = np.random.RandomState(s["seed"])
    p = lstm_parameters(rng, s["n_x"], s["n_a"], s["n_y"])
    x, a0 = rng.randn(s["n_x"], s["m"], s["T_x"]), rng.randn(s["n_a"], s["m"])
    a, y, c, (cells, _) = tb.lstm_forward(x, a0, p)

    def sig(z):
        return 1 / (1 + np.exp(-z))

    a_prev, c_prev = a0, np.zeros_like(a0)
    for t in range(s["T_x"]):
        concat = np.vstack([a_prev, x[:, :, t]])
        f, i = sig(p["Wf"] @ concat + p["bf"]), sig(p["Wi"] @ concat + p["bi"])
        cc, o = np.tanh(p["Wc"] @ concat + p["bc"]), sig(p["Wo"] @ concat + p["bo"])
        c_t = f * c_prev + i * cc
        a_t = o * np.tanh(c_t)
        z = p["Wy"] @ a_t + p["by"]
        y_t = np.exp(z) / np.exp(z).sum(axis=0)
        for got, want in [(a[:, :, t], a_t), (c[:, :, t], c_t), (y[:, :, t], y_t)]:
            np.testing.assert_allclose(got, want, rtol=1e-12, atol=1e-14)
        cache = cells[t]
        for got, want in zip(cache[:9], (a_t, c_t, a_prev, c_prev, f, i, cc, o, x[:, :, t])):
            np.testing.assert_allclose(got, want, rtol=1e-12, atol=1e-14)
        assert cache[9] is p
        a_prev, c_prev = a_t, c_t


# ----------------------------------------------------------------------------------------------
# Every backward against finite differences
# ----------------------------------------------------------------------------------------------


@FAST
@given(shapes())
def test_rnn_cell_backward_is_the_gradient_of_sum_da_next_a_next(s):
    rng = np.random.RandomState(s["seed"])
    p = rnn_parameters(rng, s["n_x"], s["n_a"], s["n_y"])
    xt, a_prev = rng.randn(s["n_x"], s["m"]), rng.randn(s["n_a"], s["m"])
    da_next = rng.randn(s["n_a"], s["m"])
    _, _, cache = tb.rnn_cell_forward(xt, a_prev, p)
    g = tb.rnn_cell_backward(da_next, cache)

    def J() -> float:
        return float(np.sum(da_next * tb.rnn_cell_forward(xt, a_prev, p)[0]))

    for key, arr in [("dxt", xt), ("da_prev", a_prev)]:
        assert_fd(g[key], J, arr, key)
    for key in ("Wax", "Waa", "ba"):
        assert_fd(g["d" + key], J, p[key], "d" + key)


@FAST
@given(shapes(), st.data())
def test_rnn_backward_is_the_gradient_of_sum_da_a_through_time(s, data):
    rng = np.random.RandomState(s["seed"])
    p = rnn_parameters(rng, s["n_x"], s["n_a"], s["n_y"])
    x, a0 = rng.randn(s["n_x"], s["m"], s["T_x"]), rng.randn(s["n_a"], s["m"])
    T = data.draw(st.integers(1, s["T_x"]), label="T (steps of da)")
    da = rng.randn(s["n_a"], s["m"], T)
    _, _, caches = tb.rnn_forward(x, a0, p)
    g = tb.rnn_backward(da, caches)
    assert g["dx"].shape == (s["n_x"], s["m"], T)

    def J() -> float:
        return float(np.sum(da * tb.rnn_forward(x, a0, p)[0][:, :, :T]))

    assert_fd(g["dx"], J, x[:, :, :T], "dx")  # a view: perturbing it perturbs x
    assert_fd(g["da0"], J, a0, "da0")
    for key in ("Wax", "Waa", "ba"):
        assert_fd(g["d" + key], J, p[key], "d" + key)


@FAST
@given(shapes())
def test_lstm_cell_backward_is_the_gradient_of_sum_da_a_plus_dc_c(s):
    rng = np.random.RandomState(s["seed"])
    p = lstm_parameters(rng, s["n_x"], s["n_a"], s["n_y"])
    n_a, m = s["n_a"], s["m"]
    xt, a_prev, c_prev = rng.randn(s["n_x"], m), rng.randn(n_a, m), rng.randn(n_a, m)
    da_next, dc_next = rng.randn(n_a, m), rng.randn(n_a, m)
    cache = tb.lstm_cell_forward(xt, a_prev, c_prev, p)[3]
    g = tb.lstm_cell_backward(da_next, dc_next, cache)

    def J() -> float:
        a_next, c_next, _, _ = tb.lstm_cell_forward(xt, a_prev, c_prev, p)
        return float(np.sum(da_next * a_next) + np.sum(dc_next * c_next))

    for key, arr in [("dxt", xt), ("da_prev", a_prev), ("dc_prev", c_prev)]:
        assert_fd(g[key], J, arr, key)
    for gate in GATES:
        for key in (f"W{gate}", f"b{gate}"):
            assert_fd(g["d" + key], J, p[key], "d" + key)


@FAST
@given(shapes(), st.data())
def test_lstm_backward_is_the_gradient_of_sum_da_a_through_time(s, data):
    rng = np.random.RandomState(s["seed"])
    p = lstm_parameters(rng, s["n_x"], s["n_a"], s["n_y"])
    x, a0 = rng.randn(s["n_x"], s["m"], s["T_x"]), rng.randn(s["n_a"], s["m"])
    T = data.draw(st.integers(1, s["T_x"]), label="T (steps of da)")
    da = rng.randn(s["n_a"], s["m"], T)
    _, _, _, caches = tb.lstm_forward(x, a0, p)
    g = tb.lstm_backward(da, caches)
    assert list(g) == ["dx", "da0"] + [f"d{w}{k}" for k in GATES for w in ("W", "b")]

    def J() -> float:
        return float(np.sum(da * tb.lstm_forward(x, a0, p)[0][:, :, :T]))

    assert_fd(g["dx"], J, x[:, :, :T], "dx")
    assert_fd(g["da0"], J, a0, "da0")
    for gate in GATES:
        for key in (f"W{gate}", f"b{gate}"):
            assert_fd(g["d" + key], J, p[key], "d" + key)


@FAST
@given(shapes())
def test_with_the_softmax_cost_the_course_da_gives_dJ(s):
    """The docstring's mapping: for J = (1/m) sum over examples and steps of the cross-entropy
    of y_hat<t>, the course's da[:, :, t-1] = Wya^T (y_hat<t> - y<t>) / m, and rnn_backward then
    returns dJ/dWax, dJ/dWaa, dJ/dba, dJ/dx and dJ/da0 exactly (no further 1/m)."""
    rng = np.random.RandomState(s["seed"])
    n_y, m, T_x = max(s["n_y"], 2), s["m"], s["T_x"]
    p = rnn_parameters(rng, s["n_x"], s["n_a"], n_y)
    x, a0 = rng.randn(s["n_x"], m, T_x), rng.randn(s["n_a"], m)
    y = np.eye(n_y)[:, rng.randint(n_y, size=(m, T_x))]  # one-hot, (n_y, m, T_x)

    def J() -> float:
        y_hat = tb.rnn_forward(x, a0, p)[1]
        return float(-np.sum(y * np.log(y_hat)) / m)

    _, y_hat, caches = tb.rnn_forward(x, a0, p)
    da = np.einsum("ya,ymt->amt", p["Wya"], y_hat - y) / m
    g = tb.rnn_backward(da, caches)
    assert_fd(g["dx"], J, x, "dx")
    assert_fd(g["da0"], J, a0, "da0")
    for key in ("Wax", "Waa", "ba"):
        assert_fd(g["d" + key], J, p[key], "d" + key)


def test_lstm_backward_carries_dc_through_time():
    """Over 6 steps with forget gates near 1, much of da0 comes through the cell state: zeroing
    the carried dc (a typical bug) changes da0; finite differences side with the textbook."""
    rng = np.random.RandomState(7)
    n_x, n_a, m, T_x = 2, 3, 2, 6
    p = lstm_parameters(rng, n_x, n_a, 2)
    p["bf"] = np.full((n_a, 1), 3.0)
    x, a0 = rng.randn(n_x, m, T_x), rng.randn(n_a, m)
    da = np.zeros((n_a, m, T_x))
    da[:, :, -1] = rng.randn(n_a, m)  # only the last state matters
    caches = tb.lstm_forward(x, a0, p)[3]
    g = tb.lstm_backward(da, caches)

    def J() -> float:
        return float(np.sum(da * tb.lstm_forward(x, a0, p)[0]))

    assert_fd(g["da0"], J, a0, "da0")
    cells, _ = caches
    da_prevt, without_dc = np.zeros((n_a, m)), None
    for t in reversed(range(T_x)):
        step = tb.lstm_cell_backward(da[:, :, t] + da_prevt, np.zeros((n_a, m)), cells[t])
        da_prevt = without_dc = step["da_prev"]
    assert not np.allclose(without_dc, g["da0"], rtol=1e-3)


@pytest.mark.parametrize("T_x", [1, 2, 5])
def test_backward_of_zero_da_is_zero(T_x):
    rng = np.random.RandomState(T_x)
    x, a0 = rng.randn(2, 3, T_x), rng.randn(4, 3)
    for forward, backward, params in [
        (tb.rnn_forward, tb.rnn_backward, rnn_parameters(rng, 2, 4, 2)),
        (tb.lstm_forward, tb.lstm_backward, lstm_parameters(rng, 2, 4, 2)),
    ]:
        caches = forward(x, a0, params)[-1]
        for value in backward(np.zeros((4, 3, T_x)), caches).values():
            assert not value.any()


# ----------------------------------------------------------------------------------------------
# clip
# ----------------------------------------------------------------------------------------------


@FAST
@given(st.integers(0, 2**31 - 1), st.floats(0.1, 10.0))
def test_clip_is_elementwise_and_in_place(seed, max_value):
    rng = np.random.RandomState(seed)
    grads = {"dWax": rng.randn(3, 2) * 10, "dba": rng.randn(3, 1) * 10, "anything": rng.randn(4)}
    before = {k: v.copy() for k, v in grads.items()}
    arrays = dict(grads)
    out = tb.clip(grads, max_value)
    assert out is grads
    for key, value in out.items():
        assert value is arrays[key]  # the caller's arrays, clipped in place
        expected = np.minimum(np.maximum(before[key], -max_value), max_value)
        np.testing.assert_array_equal(value, expected)
        inside = np.abs(before[key]) <= max_value
        np.testing.assert_array_equal(value[inside], before[key][inside])


@pytest.mark.parametrize("bad", [0, -1.0, float("inf"), float("nan"), "10", None, True])
def test_clip_refuses_a_bad_max_value(bad):
    with pytest.raises(ValueError, match="maxValue must be a positive finite number"):
        tb.clip({"dW": np.ones((2, 2))}, bad)


@pytest.mark.parametrize(
    "grads, match",
    [
        ({"db": [[1.0], [2.0]]}, r"gradients\['db'\] must be a float numpy array .* got list"),
        ({"dW": np.ones((2, 2), dtype=int)}, r"gradients\['dW'\] must be a float numpy array"),
    ],
)
def test_clip_refuses_what_it_cannot_clip_in_place(grads, match):
    with pytest.raises(TypeError, match=match):
        tb.clip(grads, 5)


def test_clip_refuses_a_non_dict():
    with pytest.raises(TypeError, match="gradients must be a dict"):
        tb.clip([np.ones(2)], 5)


# ----------------------------------------------------------------------------------------------
# Clear errors
# ----------------------------------------------------------------------------------------------

R = np.random.RandomState(0)
RNN_P = rnn_parameters(R, 3, 5, 2)
LSTM_P = lstm_parameters(R, 3, 5, 2)
XT, A_PREV, C_PREV = R.randn(3, 4), R.randn(5, 4), R.randn(5, 4)
X, A0 = R.randn(3, 4, 6), R.randn(5, 4)
RNN_CACHE = tb.rnn_cell_forward(XT, A_PREV, RNN_P)[2]
LSTM_CACHE = tb.lstm_cell_forward(XT, A_PREV, C_PREV, LSTM_P)[3]
RNN_CACHES = tb.rnn_forward(X, A0, RNN_P)[2]
LSTM_CACHES = tb.lstm_forward(X, A0, LSTM_P)[3]


def without(params, key):
    return {k: v for k, v in params.items() if k != key}


def changed(params, **changes):
    return {**params, **changes}


# fmt: off
@pytest.mark.parametrize(
    "call, error, match",
    [
        (lambda: tb.rnn_cell_forward(XT[0], A_PREV, RNN_P), ValueError,
         r"xt must have shape \(n_x, m\), got shape \(4,\) \(a rank-1 array"),
        (lambda: tb.rnn_cell_forward(XT, A_PREV[:, :3], RNN_P), ValueError,
         r"a_prev must have shape \(n_a, m\) = \(5, 4\) \(m = 4 from xt\), got \(5, 3\)"),
        (lambda: tb.rnn_cell_forward(XT, A_PREV, without(RNN_P, "Wya")), ValueError,
         r"parameters is missing Wya"),
        (lambda: tb.rnn_cell_forward(XT, A_PREV, changed(RNN_P, Wax=RNN_P["Wax"].T)), ValueError,
         r"parameters\['Wax'\] must have shape \(n_a, n_x\) = \(5, 3\) .* got \(3, 5\)"),
        (lambda: tb.rnn_cell_forward(XT, A_PREV, changed(RNN_P, ba=np.zeros(5))), ValueError,
         r"parameters\['ba'\] must have shape \(rows, columns\), got shape \(5,\)"),
        (lambda: tb.rnn_cell_forward(XT, A_PREV, changed(RNN_P, by=np.zeros((3, 1)))), ValueError,
         r"parameters\['by'\] must have shape \(n_y, 1\) = \(2, 1\)"),
        (lambda: tb.rnn_cell_forward(XT, A_PREV, [RNN_P]), TypeError,
         r"parameters must be a dict with keys Wax, Waa, Wya, ba, by"),
        (lambda: tb.rnn_forward(X[:, :, 0], A0, RNN_P), ValueError,
         r"x must have shape \(n_x, m, T_x\), got shape \(3, 4\)"),
        (lambda: tb.rnn_forward(X[:, :, :0], A0, RNN_P), ValueError,
         r"x must hold at least one time step"),
        (lambda: tb.rnn_forward(X, A0[:, :2], RNN_P), ValueError,
         r"a0 must have shape \(n_a, m\) = \(5, 4\) \(m = 4 from x\), got \(5, 2\)"),
        (lambda: tb.rnn_forward(X, A0, LSTM_P), ValueError, r"parameters is missing Wax, Waa"),
        (lambda: tb.lstm_cell_forward(XT, A_PREV, C_PREV[:3], LSTM_P), ValueError,
         r"c_prev must have shape \(n_a, m\), the shape of a_prev = \(5, 4\), got \(3, 4\)"),
        (lambda: tb.lstm_cell_forward(XT, A_PREV, C_PREV, changed(LSTM_P, Wf=LSTM_P["Wf"][:, :5])),
         ValueError, r"parameters\['Wf'\] must have shape \(n_a, n_a \+ n_x\) = \(5, 8\)"),
        (lambda: tb.lstm_forward(X, A0, without(LSTM_P, "bo")), ValueError,
         r"parameters is missing bo"),
        (lambda: tb.rnn_cell_backward(A_PREV, RNN_CACHE[:3]), ValueError,
         r"cache must have the course layout \(a_next, a_prev, xt, parameters\), got 3 entries"),
        (lambda: tb.rnn_cell_backward(A_PREV.T, RNN_CACHE), ValueError,
         r"da_next must have shape \(n_a, m\), the shape of a_next = \(5, 4\), got \(4, 5\)"),
        (lambda: tb.rnn_backward(np.ones((5, 4, 7)), RNN_CACHES), ValueError,
         r"da must have shape \(n_a, m, T\) = \(5, 4, T\) with 1 <= T <= T_x = 6 "
         r".* got \(5, 4, 7\)"),
        (lambda: tb.rnn_backward(np.ones((5, 4)), RNN_CACHES), ValueError,
         r"da must have shape \(n_a, m, T_x\), got shape \(5, 4\)"),
        (lambda: tb.rnn_backward(np.ones((5, 4, 6)), RNN_CACHES[0]), ValueError,
         r"caches must be \(list of cell caches, x\)"),
        (lambda: tb.rnn_backward(np.ones((5, 4, 6)), LSTM_CACHES), ValueError,
         r"caches\[0\]\[0\] \(time step 1\) must have the course layout "
         r"\(a_next, a_prev, xt, parameters\), got 10 entries"),
        (lambda: tb.rnn_backward(np.ones((5, 4, 5)), (RNN_CACHES[0][:5], X)), ValueError,
         r"caches holds 5 cell caches but x \(caches\[1\]\) has T_x = 6"),
        (lambda: tb.lstm_cell_backward(A_PREV, C_PREV[:, :2], LSTM_CACHE), ValueError,
         r"dc_next must have shape \(n_a, m\), the shape of c_next = \(5, 4\), got \(5, 2\)"),
        (lambda: tb.lstm_cell_backward(A_PREV, C_PREV, RNN_CACHE), ValueError,
         r"cache must have the course layout \(a_next, c_next, a_prev, c_prev, ft, it, cct, ot, "
         r"xt, parameters\), got 4 entries"),
        (lambda: tb.lstm_backward(np.ones((4, 4, 6)), LSTM_CACHES), ValueError,
         r"da must have shape \(n_a, m, T\) = \(5, 4, T\)"),
        (lambda: tb.lstm_backward(np.ones((5, 4, 6)), RNN_CACHES), ValueError,
         r"caches\[0\]\[0\] \(time step 1\) must have the course layout \(a_next, c_next"),
        (lambda: tb.rnn_cell_forward(np.array([["a"]]), A_PREV, RNN_P), TypeError,
         r"xt must be a numeric numpy array"),
    ],
)
# fmt: on
def test_bad_inputs_name_the_argument_and_the_shape(call, error, match):
    with pytest.raises(error, match=match):
        call()


def test_integer_inputs_are_accepted_as_floats():
    a_next, _, _ = tb.rnn_cell_forward(np.ones((3, 4), dtype=int), A_PREV, RNN_P)
    expected, _, _ = tb.rnn_cell_forward(np.ones((3, 4)), A_PREV, RNN_P)
    np.testing.assert_array_equal(a_next, expected)
