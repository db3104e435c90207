"""The recurrent testing kit: each check passes correct code written in two styles (the course's
loop over cell functions, and a stacked-gates style that recomputes the gates) and rejects each
typical bug with the key, the time step and a hint that names it."""

from __future__ import annotations

import re

import numpy as np
import pytest

from autograd_dnn import textbook as tb
from autograd_dnn.testing import rnn as kit
from autograd_dnn.testing.rnn import (
    check_lstm_backward,
    check_lstm_cell_backward,
    check_rnn_backward,
    check_rnn_cell_backward,
)

N = 20  # max_examples for correct code: small, so that the file stays fast
N_BUGGY = 10  # a planted bug shows on (almost) any example; the time goes into shrinking


# ----------------------------------------------------------------------------------------------
# Style 1: the course's own loop, one keyword switch per planted bug
# ----------------------------------------------------------------------------------------------


def course_rnn_cell_backward(da_next, cache, *, bug=None):
    (a_next, a_prev, xt, parameters) = cache
    Wax, Waa = parameters["Wax"], parameters["Waa"]
    if bug == "1 - a^2 from a_prev":
        dtanh = (1 - a_prev**2) * da_next
    else:
        dtanh = (1 - a_next**2) * da_next
    dxt = np.dot(Wax.T, dtanh)
    dWax = np.dot(dtanh, xt.T)
    da_prev = np.dot(Waa.T, dtanh)
    dWaa = np.dot(dtanh, a_prev.T)
    dba = dtanh if bug == "db without sum" else np.sum(dtanh, axis=1, keepdims=True)
    return {"dxt": dxt, "da_prev": da_prev, "dWax": dWax, "dWaa": dWaa, "dba": dba}


def course_rnn_backward(da, caches, *, bug=None):
    (caches, x) = caches
    (a1, a0, x1, parameters) = caches[0]
    n_a, m, T_x = da.shape
    n_x, m = x1.shape
    dx = np.zeros((n_x, m, T_x))
    dWax = np.zeros((n_a, n_x))
    dWaa = np.zeros((n_a, n_a))
    dba = np.zeros((n_a, 1))
    da_prevt = np.zeros((n_a, m))
    for t in reversed(range(T_x)):
        da_next = da_prevt if bug == "forgot da[:, :, t]" else da[:, :, t] + da_prevt
        cache = caches[t - 1] if bug == "cache of step t-1" else caches[t]
        gradients = course_rnn_cell_backward(da_next, cache, bug=bug)
        dxt, da_prevt = gradients["dxt"], gradients["da_prev"]
        dx[:, :, t] = dxt
        dWax += gradients["dWax"]
        dWaa += gradients["dWaa"]
        dba = dba + gradients["dba"]
    da0 = da_prevt
    return {"dx": dx, "da0": da0, "dWax": dWax, "dWaa": dWaa, "dba": dba}


def course_lstm_cell_backward(da_next, dc_next, cache, *, bug=None):
    (a_next, c_next, a_prev, c_prev, ft, it, cct, ot, xt, parameters) = cache
    n_x, m = xt.shape
    n_a, m = a_next.shape
    tanh_c = c_next if bug == "c_next in dot" else np.tanh(c_next)
    dot = da_next * tanh_c * ot * (1 - ot)
    dc = dc_next + ot * (1 - np.tanh(c_next) ** 2) * da_next
    if bug == "c_next in dc":
        dc = dc_next + ot * (1 - c_next**2) * da_next
    dcct = dc * it * (1 - cct**2)
    dit = dc * cct * it * (1 - it)
    dft = dc * c_prev * ft * (1 - ft)
    concat = np.concatenate((a_prev, xt), axis=0)
    grads = {}
    for name, d in (("f", dft), ("i", dit), ("c", dcct), ("o", dot)):
        grads["dW" + name] = np.dot(d, concat.T)
        grads["db" + name] = d if bug == "db without sum" else np.sum(d, axis=1, keepdims=True)
    a_rows, x_rows = slice(0, n_a), slice(n_a, None)
    if bug == "slices swapped":
        a_rows, x_rows = x_rows, a_rows
    W = parameters
    grads["da_prev"] = (
        np.dot(W["Wf"][:, a_rows].T, dft)
        + np.dot(W["Wi"][:, a_rows].T, dit)
        + np.dot(W["Wc"][:, a_rows].T, dcct)
        + np.dot(W["Wo"][:, a_rows].T, dot)
    )
    grads["dxt"] = (
        np.dot(W["Wf"][:, x_rows].T, dft)
        + np.dot(W["Wi"][:, x_rows].T, dit)
        + np.dot(W["Wc"][:, x_rows].T, dcct)
        + np.dot(W["Wo"][:, x_rows].T, dot)
    )
    grads["dc_prev"] = dc if bug == "dc_prev without ft" else dc * ft
    return grads


def course_lstm_backward(da, caches, *, bug=None):
    (caches, x) = caches
    (a1, c1, a0, c0, f1, i1, cc1, o1, x1, parameters) = caches[0]
    n_a, m, T_x = da.shape
    n_x, m = x1.shape
    dx = np.zeros((n_x, m, T_x))
    da_prevt = np.zeros((n_a, m))
    dc_prevt = np.zeros((n_a, m))
    grads = {}
    for g in "fico":
        grads["dW" + g] = np.zeros((n_a, n_a + n_x))
        grads["db" + g] = np.zeros((n_a, 1))
    for t in reversed(range(T_x)):
        da_next = da_prevt if bug == "forgot da[:, :, t]" else da[:, :, t] + da_prevt
        dc_next = np.zeros((n_a, m)) if bug == "dc not carried" else dc_prevt
        gradients = course_lstm_cell_backward(da_next, dc_next, caches[t], bug=bug)
        da_prevt, dc_prevt = gradients["da_prev"], gradients["dc_prev"]
        dx[:, :, t] = gradients["dxt"]
        for key in grads:
            grads[key] += gradients[key]
    return {"dx": dx, "da0": da_prevt, **grads}


# ----------------------------------------------------------------------------------------------
# Style 2: one matrix for all gates ([Waa Wax] for the RNN, [Wf; Wi; Wc; Wo] for the LSTM),
# gates recomputed from the cache's inputs, time counted from len(caches)
# ----------------------------------------------------------------------------------------------


def stacked_rnn_cell_backward(da_next, cache):
    a_next, a_prev, xt, p = cache
    n_a = a_prev.shape[0]
    W = np.hstack([p["Waa"], p["Wax"]])
    dz = da_next * (1.0 - a_next * a_next)
    d_concat = W.T @ dz
    dW = dz @ np.vstack([a_prev, xt]).T
    return {
        "da_prev": d_concat[:n_a],
        "dxt": d_concat[n_a:],
        "dWaa": dW[:, :n_a],
        "dWax": dW[:, n_a:],
        "dba": dz.sum(axis=1).reshape(-1, 1),
        "dz": dz,  # extra keys are ignored
    }


def stacked_rnn_backward(da, caches):
    cells, x = caches
    total, carry = {}, np.zeros_like(da[:, :, 0])
    dx = np.empty_like(x)
    for t in range(len(cells) - 1, -1, -1):
        g = stacked_rnn_cell_backward(da[..., t] + carry, cells[t])
        dx[..., t], carry = g.pop("dxt"), g.pop("da_prev")
        total = {k: total.get(k, 0) + v for k, v in g.items() if k != "dz"}
    return {"dx": dx, "da0": carry, **total}


def stacked_lstm_cell_backward(da_next, dc_next, cache):
    _, _, a_prev, c_prev, _, _, _, _, xt, p = cache
    n_a = a_prev.shape[0]
    W = np.vstack([p["Wf"], p["Wi"], p["Wc"], p["Wo"]])
    b = np.vstack([p["bf"], p["bi"], p["bc"], p["bo"]])
    concat = np.vstack([a_prev, xt])
    z = W @ concat + b
    f, i, o = (1 / (1 + np.exp(-z[k * n_a : (k + 1) * n_a])) for k in (0, 1, 3))
    cc = np.tanh(z[2 * n_a : 3 * n_a])
    c = f * c_prev + i * cc
    tc = np.tanh(c)
    dc = dc_next + da_next * o * (1 - tc * tc)
    dz = np.vstack([dc * c_prev * f * (1 - f), dc * cc * i * (1 - i), dc * i * (1 - cc * cc)])
    dz = np.vstack([dz, da_next * tc * o * (1 - o)])
    d_concat, dW, db = W.T @ dz, dz @ concat.T, dz.sum(axis=1, keepdims=True)
    out = {"da_prev": d_concat[:n_a], "dxt": d_concat[n_a:], "dc_prev": dc * f}
    for k, g in enumerate("fico"):
        out["dW" + g] = dW[k * n_a : (k + 1) * n_a]
        out["db" + g] = db[k * n_a : (k + 1) * n_a]
    return out


def stacked_lstm_backward(da, caches):
    cells, x = caches
    dx = np.zeros_like(x)
    carry_a, carry_c, total = np.zeros_like(da[:, :, 0]), np.zeros_like(da[:, :, 0]), {}
    for t in reversed(range(len(cells))):
        g = stacked_lstm_cell_backward(da[:, :, t] + carry_a, carry_c, cells[t])
        dx[:, :, t], carry_a, carry_c = g.pop("dxt"), g.pop("da_prev"), g.pop("dc_prev")
        total = {k: total.get(k, 0) + v for k, v in g.items()}
    return {"dx": dx, "da0": carry_a, **total}


# ----------------------------------------------------------------------------------------------
# Correct code passes
# ----------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "check, fn",
    [
        (check_rnn_cell_backward, tb.rnn_cell_backward),
        (check_rnn_cell_backward, course_rnn_cell_backward),
        (check_rnn_cell_backward, stacked_rnn_cell_backward),
        (check_rnn_backward, tb.rnn_backward),
        (check_rnn_backward, course_rnn_backward),
        (check_rnn_backward, stacked_rnn_backward),
        (check_lstm_cell_backward, tb.lstm_cell_backward),
        (check_lstm_cell_backward, course_lstm_cell_backward),
        (check_lstm_cell_backward, stacked_lstm_cell_backward),
        (check_lstm_backward, tb.lstm_backward),
        (check_lstm_backward, course_lstm_backward),
        (check_lstm_backward, stacked_lstm_backward),
    ],
    ids=lambda v: getattr(v, "__name__", str(v)),
)
def test_correct_code_passes(check, fn):
    assert check(fn, max_examples=N) is None


@pytest.mark.parametrize(
    "function, check",
    [
        ("rnn_cell_backward", check_rnn_cell_backward),
        ("rnn_backward", check_rnn_backward),
        ("lstm_cell_backward", check_lstm_cell_backward),
        ("lstm_backward", check_lstm_backward),
    ],
)
def test_the_kit_formulas_without_a_bug_are_the_textbook(function, check):
    """The kit words its hints with its own copy of the course's formulas; without a planted
    bug that copy agrees with the textbook, so a matching hint really names the difference."""
    assert check(kit.planted(function, None), max_examples=N) is None
    case = kit.lstm_case(5, 2, 3, 2, 3, 4)
    caches = tb.lstm_forward(case["x"], case["a0"], case["parameters"])[-1]
    mine = kit.planted("lstm_backward", None)(case["da"], caches)
    for key, value in tb.lstm_backward(case["da"], caches).items():
        np.testing.assert_allclose(mine[key], value, rtol=1e-12, atol=1e-14)


SWEEP = [
    (f, check, bug)
    for f, check, bugs in [
        ("rnn_cell_backward", check_rnn_cell_backward, kit.RNN_CELL_BUGS),
        ("lstm_cell_backward", check_lstm_cell_backward, kit.LSTM_CELL_BUGS),
        ("rnn_backward", check_rnn_backward, [b for b in kit.LOOP_BUGS if b != "no dc carry"]),
        ("lstm_backward", check_lstm_backward, kit.LOOP_BUGS),
    ]
    for bug in bugs
]


@pytest.mark.parametrize("function, check, bug", SWEEP, ids=[f"{f}-{b}" for f, _, b in SWEEP])
def test_every_recognised_bug_is_rejected_with_its_hint(function, check, bug):
    message = failure(check, kit.planted(function, bug))
    hint = {**kit.RNN_CELL_BUGS, **kit.LSTM_CELL_BUGS, **kit.LOOP_BUGS}[bug]
    assert f"hint: {hint}" in message
    if function.endswith("_backward") and not function.endswith("cell_backward"):
        assert "backprop first goes wrong at time step t = " in message


@pytest.mark.parametrize("bug", ["tanh from a_prev", "W swapped", "no tanh'"])
def test_cell_bugs_are_named_through_time_too(bug):
    message = failure(check_rnn_backward, kit.planted("rnn_backward", bug))
    assert f"hint: in the cell: {kit.RNN_CELL_BUGS[bug]}" in message


def test_planted_refuses_unknown_names():
    with pytest.raises(ValueError, match="function must be one of rnn_cell_backward"):
        kit.planted("gru_backward", None)
    with pytest.raises(ValueError, match="unknown bug 'no dc carry' for rnn_backward"):
        kit.planted("rnn_backward", "no dc carry")


# ----------------------------------------------------------------------------------------------
# Each planted bug is caught, with the key, the time step and a hint
# ----------------------------------------------------------------------------------------------


def failure(check, fn):
    with pytest.raises(AssertionError) as info:
        check(fn, max_examples=N_BUGGY)
    return str(info.value)


def step_of(message):
    """(t, T_x) from 'backprop first goes wrong at time step t = ...' and the counterexample."""
    t = int(re.search(r"first goes wrong at time step t = (\d+)", message).group(1))
    T_x = int(re.search(r"T_x = (\d+)", message.split("counterexample")[1]).group(1))
    return t, T_x


def test_forgetting_da_t_is_caught_at_the_last_step():
    for check, fn in [
        (check_rnn_backward, lambda da, c: course_rnn_backward(da, c, bug="forgot da[:, :, t]")),
        (check_lstm_backward, lambda da, c: course_lstm_backward(da, c, bug="forgot da[:, :, t]")),
    ]:
        message = failure(check, fn)
        assert "dx differs from the textbook" in message or "dx," in message
        assert "the upstream gradient da[:, :, t] looks missing" in message
        t, T_x = step_of(message)
        assert t == T_x  # the very first step backprop visits
        assert "already differs on that step alone" in message


def test_one_minus_a_squared_from_the_previous_step_is_caught():
    def cell(da_next, cache):
        return course_rnn_cell_backward(da_next, cache, bug="1 - a^2 from a_prev")

    message = failure(check_rnn_cell_backward, cell)
    assert "differs from the textbook" in message
    assert "1 - a^2 looks taken from the wrong time step" in message

    def loop(da, caches):
        return course_rnn_backward(da, caches, bug="1 - a^2 from a_prev")

    message = failure(check_rnn_backward, loop)
    assert "in the cell: 1 - a^2 looks taken from the wrong time step" in message
    t, T_x = step_of(message)
    assert t == T_x


def test_the_cache_of_the_wrong_time_step_is_caught_one_step_in():
    def loop(da, caches):
        return course_rnn_backward(da, caches, bug="cache of step t-1")

    message = failure(check_rnn_backward, loop)
    assert "the cache looks taken from the wrong time step" in message
    t, T_x = step_of(message)
    # alone, the last step's "previous" cache is itself (caches[-1]); the bug shows one step in
    assert t == T_x - 1
    assert "agrees with the textbook on the last 1 step(s) alone" in message


def test_dc_prev_without_ft_is_caught():
    def cell(da_next, dc_next, cache):
        return course_lstm_cell_backward(da_next, dc_next, cache, bug="dc_prev without ft")

    message = failure(check_lstm_cell_backward, cell)
    assert message.startswith("check_lstm_cell_backward: dc_prev differs from the textbook")
    assert "dc_prev looks missing the factor ft" in message

    def loop(da, caches):
        return course_lstm_backward(da, caches, bug="dc_prev without ft")

    message = failure(check_lstm_backward, loop)
    assert "in the cell: dc_prev looks missing the factor ft" in message
    t, T_x = step_of(message)
    assert t == T_x - 1  # the last step's dc_prev goes nowhere; the step before receives it


def test_swapped_gate_slices_are_caught():
    def cell(da_next, dc_next, cache):
        return course_lstm_cell_backward(da_next, dc_next, cache, bug="slices swapped")

    message = failure(check_lstm_cell_backward, cell)
    assert re.search(r"(dxt|da_prev) differs from the textbook", message)
    assert "the slices look swapped" in message

    def loop(da, caches):
        return course_lstm_backward(da, caches, bug="slices swapped")

    message = failure(check_lstm_backward, loop)
    assert "the slices look swapped" in message
    assert step_of(message)[0] >= 1


def test_swapped_slices_with_n_a_equal_to_n_x_are_named_by_value():
    """Shrinking goes to n_a = n_x = 1, where the shapes agree and only the values tell; the
    hint still names the swap."""

    def cell(da_next, dc_next, cache):
        return course_lstm_cell_backward(da_next, dc_next, cache, bug="slices swapped")

    message = failure(check_lstm_cell_backward, cell)
    assert "n_x = 1, n_a = 1" in message
    expected = re.search(r"expected shape: (\(.*\))", message).group(1)
    assert f"got shape:      {expected}" in message
    assert "the slices look swapped" in message


@pytest.mark.parametrize("where", ["c_next in dot", "c_next in dc"])
def test_c_next_instead_of_tanh_c_next_is_caught(where):
    def cell(da_next, dc_next, cache):
        return course_lstm_cell_backward(da_next, dc_next, cache, bug=where)

    message = failure(check_lstm_cell_backward, cell)
    assert "c_next looks used where tanh(c_next) belongs" in message
    assert ("dot = da_next * tanh(c_next)" in message) == (where == "c_next in dot")

    def loop(da, caches):
        return course_lstm_backward(da, caches, bug=where)

    message = failure(check_lstm_backward, loop)
    assert "in the cell: c_next looks used where tanh(c_next) belongs" in message
    t, T_x = step_of(message)
    assert t == T_x


def test_db_without_the_sum_over_m_is_caught():
    def rnn_cell(da_next, cache):
        return course_rnn_cell_backward(da_next, cache, bug="db without sum")

    message = failure(check_rnn_cell_backward, rnn_cell)
    assert "dba differs from the textbook" in message
    assert "dba was not summed over m" in message and "keepdims=True" in message

    def rnn_loop(da, caches):  # the course loop adds dba = dba + ..., which broadcasts to (n_a, m)
        return course_rnn_backward(da, caches, bug="db without sum")

    message = failure(check_rnn_backward, rnn_loop)
    assert "dba was not summed over m" in message
    assert step_of(message)[0] == step_of(message)[1]

    def lstm_cell(da_next, dc_next, cache):
        return course_lstm_cell_backward(da_next, dc_next, cache, bug="db without sum")

    message = failure(check_lstm_cell_backward, lstm_cell)
    assert re.search(r"db[fico] was not summed over m", message)

    def lstm_loop(da, caches):  # the course loop adds in place, +=, which cannot broadcast
        return course_lstm_backward(da, caches, bug="db without sum")

    message = failure(check_lstm_backward, lstm_loop)
    assert "your function raised ValueError" in message
    assert "np.sum(..., axis=1, keepdims=True) sums over the m examples" in message


def test_a_cell_state_gradient_that_is_not_carried_is_caught():
    def loop(da, caches):
        return course_lstm_backward(da, caches, bug="dc not carried")

    message = failure(check_lstm_backward, loop)
    assert "the cell-state gradient looks not carried" in message
    t, T_x = step_of(message)
    assert t == T_x - 1


# ----------------------------------------------------------------------------------------------
# What the reports say about other mistakes
# ----------------------------------------------------------------------------------------------


def test_report_for_a_crash_names_the_place():
    def crash(da_next, cache):
        raise KeyError("Wya")

    message = failure(check_rnn_cell_backward, crash)
    assert "your function raised KeyError: 'Wya'" in message
    assert "test_kit_rnn.py" in message


def test_report_for_missing_keys_and_wrong_types():
    message = failure(check_rnn_cell_backward, lambda da_next, cache: {"dxt": da_next})
    assert "missing key(s) da_prev, dWax, dWaa, dba" in message
    message = failure(check_rnn_backward, lambda da, caches: (da, caches))
    assert "must return a dict of gradients, got tuple" in message


def test_report_for_an_input_modified_in_place():
    def in_place(da, caches):
        result = tb.rnn_backward(da, caches)
        da *= 0
        return result

    message = failure(check_rnn_backward, in_place)
    assert "modified its input da in place" in message


def test_report_for_a_1_over_m_the_course_does_not_have():
    def averaged(da_next, cache):
        g = tb.rnn_cell_backward(da_next, cache)
        m = da_next.shape[1]
        return {k: v / m if k.startswith("dW") else v for k, v in g.items()}

    message = failure(check_rnn_cell_backward, averaged)
    assert "divided by m" in message and "has no 1/m" in message


def test_report_rebuilds_the_counterexample():
    """The lines under 'rebuild it with:' run and reproduce the difference."""

    def wrong(da_next, dc_next, cache):
        return course_lstm_cell_backward(da_next, dc_next, cache, bug="dc_prev without ft")

    message = failure(check_lstm_cell_backward, wrong)
    code = message.split("rebuild it with:\n")[1]
    code = "\n".join(line[4:] for line in code.splitlines())
    code = code.replace("your_lstm_cell_backward(", "got = wrong(")
    namespace = {"wrong": wrong}
    exec(code, namespace)  # noqa: S102  (the kit's own text)
    case = namespace["case"]
    expected = tb.lstm_cell_backward(case["da"][:, :, 0], case["dc"], namespace["cache"])
    assert not np.allclose(namespace["got"]["dc_prev"], expected["dc_prev"])


def test_checks_are_deterministic():
    def wrong(da, caches):
        return course_rnn_backward(da, caches, bug="cache of step t-1")

    assert failure(check_rnn_backward, wrong) == failure(check_rnn_backward, wrong)


@pytest.mark.parametrize(
    "check",
    [check_rnn_cell_backward, check_rnn_backward, check_lstm_cell_backward, check_lstm_backward],
)
def test_a_check_refuses_what_is_not_a_function(check):
    with pytest.raises(TypeError, match=r"fn must be your function .*, got dict"):
        check({"dx": 0})
