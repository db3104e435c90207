"""Check YOUR recurrent backward passes (Course 5, week 1) against :mod:`autograd_dnn.textbook`.

Each ``check_*`` draws small recurrent networks with hypothesis, runs your function and the
textbook's on the same inputs, and returns None when they agree on every example. Otherwise it
raises one ``AssertionError`` that names the key that differs (``dWf``, ``dc_prev``, ``da0``,
...), the time step where backprop through time first goes wrong, a hint, and a few lines that
rebuild the (shrunk) counterexample::

    from autograd_dnn.testing.rnn import check_lstm_backward
    check_lstm_backward(lstm_backward)      # your function (da, caches) -> gradients

The four checks and the functions they take (the course's signatures, keys and caches):

- :func:`check_rnn_cell_backward`: ``rnn_cell_backward(da_next, cache)`` -> ``dxt, da_prev,
  dWax, dWaa, dba``
- :func:`check_rnn_backward`: ``rnn_backward(da, caches)`` -> ``dx, da0, dWax, dWaa, dba``
- :func:`check_lstm_cell_backward`: ``lstm_cell_backward(da_next, dc_next, cache)`` -> ``dxt,
  da_prev, dc_prev, dWf, dbf, dWi, dbi, dWc, dbc, dWo, dbo``
- :func:`check_lstm_backward`: ``lstm_backward(da, caches)`` -> ``dx, da0, dWf, dbf, ..., dbo``

Caches come from the textbook's forward passes, in the course's layouts (see
:mod:`autograd_dnn.textbook.rnn`). Extra keys in your dict are ignored.

Where it goes wrong in time: when a through-time check finds a difference, it runs your
function again on the last 1, 2, ... steps of the same sequence (the caches of steps s..T_x are
themselves a valid forward pass that starts from ``a<s-1>``) and reports the first time step,
in the order backprop visits them (t = T_x first), whose addition makes your results differ.

Drawn cases: ``n_x``, ``n_a`` in 1..3 (so ``n_a = n_x`` happens, and swapped slices show as
wrong values, not only wrong shapes), ``n_y`` in 1..2, ``m`` in ``M_VALUES`` (no m = 2, so that
a doubled result cannot be read as "times m"), ``T_x`` in 1..4. The arrays come from
``np.random.RandomState(seed)`` (see :func:`rnn_case`), with weights scaled by 0.5 so that tanh
and the gates stay away from their flat tails. The checks are deterministic and write nothing
to disk.
"""

from __future__ import annotations

import copy
import traceback
from collections.abc import Callable, Mapping, Sequence
from typing import Any

import numpy as np
from hypothesis import strategies as st

from autograd_dnn import textbook as tb
from autograd_dnn.testing import runner

__all__ = [
    "LOOP_BUGS",
    "LSTM_CELL_BUGS",
    "M_VALUES",
    "RNN_CELL_BUGS",
    "check_lstm_backward",
    "check_lstm_cell_backward",
    "check_rnn_backward",
    "check_rnn_cell_backward",
    "lstm_case",
    "planted",
    "rnn_case",
]

#: batch sizes the checks draw (no 2: "doubled" and "times m" would look the same)
M_VALUES = (1, 3, 4)

RNN_CELL_KEYS = ("dxt", "da_prev", "dWax", "dWaa", "dba")
RNN_KEYS = ("dx", "da0", "dWax", "dWaa", "dba")
_GATE_KEYS = tuple(f"d{w}{g}" for g in tb.LSTM_GATES for w in ("W", "b"))
LSTM_CELL_KEYS = ("dxt", "da_prev", "dc_prev", *_GATE_KEYS)
LSTM_KEYS = ("dx", "da0", *_GATE_KEYS)


# ----------------------------------------------------------------------------------------------
# Cases
# ----------------------------------------------------------------------------------------------


def rnn_case(seed: int, n_x: int, n_a: int, n_y: int, m: int, T_x: int) -> dict[str, Any]:
    """A deterministic RNN example: ``parameters`` (the course's keys), ``x (n_x, m, T_x)``,
    ``a0 (n_a, m)`` and upstream gradients ``da (n_a, m, T_x)``.

    The cell checks use ``x[:, :, 0]`` as ``xt``, ``a0`` as ``a_prev`` and ``da[:, :, 0]`` as
    ``da_next``.
    """
    rng = np.random.RandomState(seed)
    parameters = {
        "Wax": rng.randn(n_a, n_x) * 0.5,
        "Waa": rng.randn(n_a, n_a) * 0.5,
        "Wya": rng.randn(n_y, n_a) * 0.5,
        "ba": rng.randn(n_a, 1) * 0.5,
        "by": rng.randn(n_y, 1) * 0.5,
    }
    x, a0 = rng.randn(n_x, m, T_x), rng.randn(n_a, m) * 0.5
    return {"parameters": parameters, "x": x, "a0": a0, "da": rng.randn(n_a, m, T_x)}


def lstm_case(seed: int, n_x: int, n_a: int, n_y: int, m: int, T_x: int) -> dict[str, Any]:
    """A deterministic LSTM example: ``parameters`` (the course's keys), ``x (n_x, m, T_x)``,
    ``a0`` and ``c0 (n_a, m)``, upstream gradients ``da (n_a, m, T_x)`` and ``dc (n_a, m)``.

    The cell checks use ``x[:, :, 0]``, ``a0``, ``c0`` as ``xt, a_prev, c_prev`` and
    ``da[:, :, 0]``, ``dc`` as ``da_next, dc_next``; the sequence checks start from ``a0`` and,
    like the course's ``lstm_forward``, ``c<0> = 0``.
    """
    rng = np.random.RandomState(seed)
    parameters = {}
    for g in tb.LSTM_GATES:
        parameters[f"W{g}"] = rng.randn(n_a, n_a + n_x) * 0.5
        parameters[f"b{g}"] = rng.randn(n_a, 1) * 0.5
    parameters["Wy"], parameters["by"] = rng.randn(n_y, n_a) * 0.5, rng.randn(n_y, 1) * 0.5
    x, a0, c0 = rng.randn(n_x, m, T_x), rng.randn(n_a, m) * 0.5, rng.randn(n_a, m)
    da, dc = rng.randn(n_a, m, T_x), rng.randn(n_a, m)
    return {"parameters": parameters, "x": x, "a0": a0, "c0": c0, "da": da, "dc": dc}


def _sizes(max_T: int) -> st.SearchStrategy[dict[str, int]]:
    return st.fixed_dictionaries(
        {
            "seed": st.integers(0, 2**16),
            "n_x": st.integers(1, 3),
            "n_a": st.integers(1, 3),
            "n_y": st.integers(1, 2),
            "m": st.sampled_from(M_VALUES),
            "T_x": st.integers(1, max_T),
        }
    )


def _describe(builder: str, sizes: Mapping[str, int], lines: Sequence[str]) -> list[str]:
    head = ", ".join(f"{k} = {v}" for k, v in sizes.items() if k != "seed")
    args = ", ".join(f"{k}={v}" for k, v in sizes.items())
    return [
        head,
        "rebuild it with:",
        "  from autograd_dnn import textbook",
        f"  from autograd_dnn.testing.rnn import {builder}",
        f"  case = {builder}({args})",
        *[f"  {line}" for line in lines],
    ]


# ----------------------------------------------------------------------------------------------
# Running a check (autograd_dnn.testing.runner), once fn is known to be callable
# ----------------------------------------------------------------------------------------------


def _run(
    check: str,
    strategy: st.SearchStrategy,
    compare: Callable[[Any], runner.Report | None],
    max_examples: int,
    fn: Any,
    signature: str,
) -> None:
    if not callable(fn):
        raise TypeError(f"fn must be your function {signature}, got {type(fn).__name__}")
    runner.run(check, strategy, compare, max_examples)


def _call(fn: Callable, args: dict[str, Any], keys: Sequence[str]) -> tuple[Any, str | None]:
    """``fn(*args)`` on deep copies: (result, problem) where problem describes an exception, an
    input modified in place, a result that is not a dict, or missing keys."""
    copies = copy.deepcopy(args)
    try:
        result = fn(*copies.values())
    except Exception as exc:  # the learner's bug, reported with its place
        frame = traceback.extract_tb(exc.__traceback__)[-1]
        what = "".join(traceback.format_exception_only(type(exc), exc)).strip()
        lines = [f"your function raised {what}", f"  at {frame.filename}:{frame.lineno}"]
        if "broadcast" in str(exc):
            lines.append(
                "  hint: a shape mismatch; every gradient has the shape of its parameter, e.g. "
                "db is (n_a, 1): np.sum(..., axis=1, keepdims=True) sums over the m examples"
            )
        return None, "\n".join(lines)
    for name, value in args.items():
        if not runner.same(value, copies[name]):
            return None, (
                f"your function modified its input {name} in place; copy before editing "
                "(e.g. da_next = da[:, :, t] + da_prevt makes a new array), since the caller "
                "may still need it"
            )
    if not isinstance(result, Mapping):
        return None, f"your function must return a dict of gradients, got {type(result).__name__}"
    missing = [k for k in keys if k not in result]
    if missing:
        return None, (
            f"missing key(s) {', '.join(missing)} in the returned dict (got {sorted(result)}; "
            f"the course's keys are {', '.join(keys)})"
        )
    return result, None


# ----------------------------------------------------------------------------------------------
# Comparing and explaining
# ----------------------------------------------------------------------------------------------

Tol = tuple[float, float]
#: (hint, the gradients a given wrong formula would return)
Mutants = list[tuple[str, Mapping[str, np.ndarray]]]


def _as_float(value: Any) -> np.ndarray | None:
    try:
        return np.asarray(value, dtype=np.float64)
    except (TypeError, ValueError):
        return None


def _close(expected: np.ndarray, got: Any, tol: Tol) -> bool:
    arr = _as_float(got)
    return (
        arr is not None
        and arr.shape == expected.shape
        and bool(np.allclose(arr, expected, rtol=tol[0], atol=tol[1]))
    )


def _bad_keys(expected: Mapping[str, np.ndarray], got: Mapping[str, Any], tol: Tol) -> list[str]:
    return [k for k in expected if not _close(expected[k], got[k], tol)]


def _show(a: np.ndarray) -> str:
    text = np.array2string(a, precision=6, threshold=30, max_line_width=96)
    return text.replace("\n", "\n      ")


def _ratio_hint(key: str, expected: np.ndarray, got: np.ndarray, m: int, tol: Tol) -> str | None:
    big = np.abs(expected) > 1e-12
    if not big.any():
        return None
    r = float(np.median(got[big] / expected[big]))
    if not _close(r * expected, got, tol):
        return None

    def near(value: float) -> bool:
        return abs(r - value) <= 1e-6 * max(1.0, abs(value))

    if near(0.0):
        return f"{key} is all zeros where the textbook's is not"
    if m > 1 and near(1.0 / m):
        return (
            f"divided by m: {key} is 1/m = 1/{m} of the textbook's; the course's recurrent "
            "backward has no 1/m (the cost's 1/m is already inside da)"
        )
    if m > 1 and near(float(m)):
        return f"{key} is m = {m} times the textbook's"
    if near(2.0):
        return f"doubled: {key} is 2 times the textbook's"
    if near(-1.0):
        return f"sign flipped: {key} is minus the textbook's"
    if near(0.5):
        return f"halved: {key} is half the textbook's"
    return f"{key} is {r:.6g} times the textbook's"


def _shape_hint(key: str, expected: Mapping[str, np.ndarray], got: np.ndarray, lstm: bool) -> str:
    want = expected[key].shape
    n_a, m = expected["da0" if "da0" in expected else "da_prev"].shape
    if key.startswith("db"):
        if got.shape == (n_a, m) and m > 1:
            return (
                f"{key} was not summed over m: it has shape (n_a, m) = {got.shape}; sum over the "
                "m examples with np.sum(..., axis=1, keepdims=True) to get (n_a, 1)"
            )
        if got.shape == (n_a,):
            return (
                f"missing keepdims=True: {key} has shape {got.shape}; use np.sum(..., axis=1, "
                "keepdims=True) to keep (n_a, 1)"
            )
        if got.shape in {(1, m), (1, 1), ()}:
            return f"{key} was summed over the wrong axis; sum over the examples only: axis=1"
    partner = {"dxt": "da_prev", "da_prev": "dxt"}.get(key)
    if partner and got.shape == expected[partner].shape:
        if lstm:
            return (
                f"{key} has the shape of {partner}: the slices look swapped. With concat = "
                "[a_prev; xt], da_prev takes W[:, :n_a] (the a_prev columns) and dxt takes "
                "W[:, n_a:] (the xt columns), for each gate"
            )
        return (
            f"{key} has the shape of {partner}: Wax and Waa look swapped; dxt = Wax^T dtanh and "
            "da_prev = Waa^T dtanh"
        )
    if len(want) == 2 and got.shape == want[::-1]:
        return f"transposed: {key} has shape {got.shape}, the transpose of {want}"
    if key == "dx" and got.shape == want[:2]:
        return "dx must hold every time step: dx[:, :, t] = the dxt of step t"
    return f"{key} must have shape {want}"


def _explain(
    key: str,
    expected: Mapping[str, np.ndarray],
    got_all: Mapping[str, Any],
    tol: Tol,
    mutants: Mutants,
    lstm: bool,
) -> list[str]:
    """Lines on how ``got_all[key]`` differs from ``expected[key]``, with a hint: first a wrong
    formula that reproduces every key you returned, else one that reproduces this key."""
    want, got_raw = expected[key], got_all[key]
    everywhere = [t for t, g in mutants if all(_close(g[k], got_all[k], tol) for k in expected)]
    here = [t for t, g in mutants if _close(g[key], got_raw, tol)]
    matching = [*everywhere, *here]
    got = _as_float(got_raw)
    if got is None:
        return [
            f"{key} differs from the textbook",
            f"  expected: an array of shape {want.shape}",
            f"  got:      {type(got_raw).__name__} {got_raw!r:.80}",
        ]
    lines = [
        f"{key} differs from the textbook",
        f"  expected shape: {want.shape}",
        f"  got shape:      {got.shape}",
    ]
    hints = []
    if got.shape != want.shape:
        hints.append(_shape_hint(key, expected, got, lstm))
    else:
        diff = np.abs(got - want)
        if np.isnan(diff).any():
            lines.append("  largest absolute difference: nan (yours contains nan)")
        else:
            at = tuple(int(i) for i in np.unravel_index(int(np.argmax(diff)), diff.shape))
            lines.append(f"  largest absolute difference: {diff.max():.6g} at index {at}")
        m = expected["da0" if "da0" in expected else "da_prev"].shape[1]
        hints += matching[:1]  # the wrong formulas that reproduce your results, best first
        if not hints:
            ratio = _ratio_hint(key, want, got, m, tol)
            hints += [ratio] if ratio else []
    lines += [f"  hint: {h}" for h in hints]
    if got.size <= 40 and want.size <= 40:
        lines += [f"  expected {key} = {_show(want)}", f"  got {key}      = {_show(got)}"]
    return lines


# ----------------------------------------------------------------------------------------------
# Wrong formulas: the usual bugs, each as the gradients it would return (for the hints)
# ----------------------------------------------------------------------------------------------

#: bugs of ``rnn_cell_backward`` the kit recognises: name -> the hint it gives
RNN_CELL_BUGS = {
    "tanh from a_prev": "1 - a^2 looks taken from the wrong time step: tanh' at step t is "
    "1 - a_next^2 with a_next = a<t> (cache[0]), not 1 - a_prev^2",
    "no tanh'": "tanh' looks missing: dtanh = (1 - a_next^2) * da_next",
    "1 - a": "tanh' looks like 1 - a; it is 1 - a^2: dtanh = (1 - a_next^2) * da_next",
    "W swapped": "Wax and Waa look swapped: dxt = Wax^T dtanh, da_prev = Waa^T dtanh",
    "dW swapped": "dWax and dWaa look swapped: dWax = dtanh xt^T, dWaa = dtanh a_prev^T",
}

#: bugs of ``lstm_cell_backward`` the kit recognises: name -> the hint it gives
LSTM_CELL_BUGS = {
    "dc_prev without ft": "dc_prev looks missing the factor ft: dc_prev = dc * ft, with dc = "
    "dc_next + da_next * ot * (1 - tanh(c_next)^2)",
    "c_next in dot": "c_next looks used where tanh(c_next) belongs: dot = da_next * "
    "tanh(c_next) * ot * (1 - ot)",
    "c_next in dc": "c_next looks used where tanh(c_next) belongs: dc = dc_next + da_next * ot * "
    "(1 - tanh(c_next)^2)",
    "c_next in dot and dc": "c_next looks used where tanh(c_next) belongs, in dot and in dc: "
    "a_next = ot * tanh(c_next)",
    "slices swapped": "the slices look swapped: with concat = [a_prev; xt], da_prev takes "
    "W[:, :n_a] (the a_prev columns) and dxt takes W[:, n_a:], for each gate",
    "dc without da_next": "dc looks missing the path through a_next: dc = dc_next + da_next * "
    "ot * (1 - tanh(c_next)^2)",
    "dc without dc_next": "dc looks missing dc_next: dc = dc_next + da_next * ot * "
    "(1 - tanh(c_next)^2)",
    "dcct without tanh'": "dcct looks missing the candidate's tanh': dcct = dc * it * (1 - cct^2)",
    "no sigmoid'": "a gate's sigmoid' looks missing: dft = dc * c_prev * ft "
    "* (1 - ft), and likewise dit, dot",
}

#: bugs of the loop over time (``rnn_backward``, ``lstm_backward``): name -> hint
LOOP_BUGS = {
    "no da": "the upstream gradient da[:, :, t] looks missing: the cell at step t receives "
    "da[:, :, t] + da_prevt (da_prevt = the da_prev of step t+1, zero at the last step)",
    "no carry": "the gradient carried back through time looks missing: the cell at step t "
    "receives da[:, :, t] + da_prevt, where da_prevt is the da_prev that step t+1 returned",
    "no dc carry": "the cell-state gradient looks not carried: pass dc_prevt (the dc_prev that "
    "step t+1 returned, zero at the last step) as dc_next",
    "cache t-1": "the cache looks taken from the wrong time step: step t (index t) uses "
    "caches[t], whose a_next is a<t>",
    "overwritten": "the parameter gradients look overwritten at each step instead of summed "
    "over time: dWax += the dWax of step t (start from zeros)",
}


def _rnn_cell(da_next: np.ndarray, cache: tuple, bug: str | None = None) -> dict:
    a_next, a_prev, xt, p = cache
    a = a_prev if bug == "tanh from a_prev" else a_next
    dtanh = {"no tanh'": da_next, "1 - a": (1 - a) * da_next}.get(bug or "", (1 - a**2) * da_next)
    Wx, Wa = (p["Waa"], p["Wax"]) if bug == "W swapped" else (p["Wax"], p["Waa"])
    g = {
        "dxt": Wx.T @ dtanh,
        "da_prev": Wa.T @ dtanh,
        "dWax": dtanh @ xt.T,
        "dWaa": dtanh @ a_prev.T,
        "dba": np.sum(dtanh, axis=1, keepdims=True),
    }
    if bug == "dW swapped":
        g["dWax"], g["dWaa"] = dtanh @ a_prev.T, dtanh @ xt.T
    return g


def _lstm_cell(da_next: np.ndarray, dc_next: np.ndarray, cache: tuple, bug: str | None = None):
    a_next, c_next, a_prev, c_prev, ft, it, cct, ot, xt, p = cache
    n_a = a_prev.shape[0]
    tanh_c = np.tanh(c_next)
    in_dot = c_next if bug in ("c_next in dot", "c_next in dot and dc") else tanh_c
    in_dc = c_next if bug in ("c_next in dc", "c_next in dot and dc") else tanh_c
    through_a = 0.0 if bug == "dc without da_next" else da_next * ot * (1 - in_dc**2)
    dc = (0.0 if bug == "dc without dc_next" else dc_next) + through_a
    plain = bug == "no sigmoid'"
    gates = {
        "o": da_next * in_dot * (1.0 if plain else ot * (1 - ot)),
        "c": dc * it * (1.0 if bug == "dcct without tanh'" else 1 - cct**2),
        "i": dc * cct * (1.0 if plain else it * (1 - it)),
        "f": dc * c_prev * (1.0 if plain else ft * (1 - ft)),
    }
    a_cols, x_cols = slice(None, n_a), slice(n_a, None)  # concat = [a_prev; xt]
    if bug == "slices swapped":
        a_cols, x_cols = x_cols, a_cols
    concat = np.concatenate((a_prev, xt), axis=0)
    g = {
        "dxt": sum(p[f"W{k}"][:, x_cols].T @ gates[k] for k in tb.LSTM_GATES),
        "da_prev": sum(p[f"W{k}"][:, a_cols].T @ gates[k] for k in tb.LSTM_GATES),
        "dc_prev": dc if bug == "dc_prev without ft" else dc * ft,
    }
    for k in tb.LSTM_GATES:
        g[f"dW{k}"] = gates[k] @ concat.T
        g[f"db{k}"] = np.sum(gates[k], axis=1, keepdims=True)
    return g


def _through_time(
    da: np.ndarray,
    caches: tuple,
    lstm: bool,
    cell_bug: str | None = None,
    loop_bug: str | None = None,
) -> dict[str, np.ndarray]:
    """The course's loop, with at most one planted bug (in the cell or in the loop)."""
    cells, x = caches
    n_x, m, T = x.shape
    n_a = da.shape[0]
    keys = LSTM_KEYS if lstm else RNN_KEYS
    out: dict[str, np.ndarray] = {"dx": np.zeros((n_x, m, T))}
    da_prevt, dc_prevt = np.zeros((n_a, m)), np.zeros((n_a, m))
    for t in reversed(range(T)):
        cache = cells[t - 1] if loop_bug == "cache t-1" else cells[t]
        da_next = {"no da": da_prevt, "no carry": da[:, :, t]}.get(
            loop_bug or "", da[:, :, t] + da_prevt
        )
        if lstm:
            dc_next = np.zeros((n_a, m)) if loop_bug == "no dc carry" else dc_prevt
            g = _lstm_cell(da_next, dc_next, cache, cell_bug)
            dc_prevt = g["dc_prev"]
        else:
            g = _rnn_cell(da_next, cache, cell_bug)
        out["dx"][:, :, t] = g["dxt"]
        da_prevt = g["da_prev"]
        for key in keys[2:]:
            add = key in out and loop_bug != "overwritten"
            out[key] = out[key] + g[key] if add else g[key]
    out["da0"] = da_prevt
    return out


def planted(function: str, bug: str | None) -> Callable:
    """A course-style function with one typical bug planted, to see what the checks say.

    Args:
        function: ``"rnn_cell_backward"``, ``"rnn_backward"``, ``"lstm_cell_backward"`` or
            ``"lstm_backward"``.
        bug: a key of :data:`RNN_CELL_BUGS` / :data:`LSTM_CELL_BUGS` (planted in the cell, also
            for the loops), of :data:`LOOP_BUGS` (loops only; ``"no dc carry"`` for the LSTM
            only), or None for the correct function.

    Example::

        from autograd_dnn.testing.rnn import check_lstm_backward, planted
        check_lstm_backward(planted("lstm_backward", None))    # passes: returns None
        check_lstm_backward(planted("lstm_backward", "dc_prev without ft"))
        # AssertionError: check_lstm_backward: dx, da0, ... differ from the textbook ...
        #   backprop first goes wrong at time step t = 1 ...
        #   hint: in the cell: dc_prev looks missing the factor ft: ...
    """
    lstm = function.startswith("lstm")
    cell_bugs = LSTM_CELL_BUGS if lstm else RNN_CELL_BUGS
    loop_bugs = [k for k in LOOP_BUGS if lstm or k != "no dc carry"]
    known = {
        "rnn_cell_backward": list(RNN_CELL_BUGS),
        "lstm_cell_backward": list(LSTM_CELL_BUGS),
        "rnn_backward": [*RNN_CELL_BUGS, *loop_bugs],
        "lstm_backward": [*LSTM_CELL_BUGS, *loop_bugs],
    }
    if function not in known:
        raise ValueError(f"function must be one of {', '.join(known)}, got {function!r}")
    if bug is not None and bug not in known[function]:
        raise ValueError(
            f"unknown bug {bug!r} for {function}; known: {', '.join(map(repr, known[function]))}"
        )
    cell_bug = bug if bug in cell_bugs else None
    loop_bug = None if bug in cell_bugs else bug
    if function == "rnn_cell_backward":
        return lambda da_next, cache: _rnn_cell(da_next, cache, cell_bug)
    if function == "lstm_cell_backward":
        return lambda da_next, dc_next, cache: _lstm_cell(da_next, dc_next, cache, cell_bug)
    return lambda da, caches: _through_time(da, caches, lstm, cell_bug, loop_bug)


def _cell_mutants(run: Callable[[str], dict], bugs: Mapping[str, str]) -> Mutants:
    out: Mutants = []
    for bug, hint in bugs.items():
        try:
            out.append((hint, run(bug)))
        except ValueError:  # a swap that the shapes do not allow (n_a != n_x)
            continue
    return out


# ----------------------------------------------------------------------------------------------
# The checks
# ----------------------------------------------------------------------------------------------


def _cell_report(
    expected: dict,
    got: Mapping,
    bad: list[str],
    tol: Tol,
    mutants: Callable[[], Mutants],
    lstm: bool,
    describe: Callable[[], list[str]],
) -> runner.Report:
    def report() -> str:
        lines = _explain(bad[0], expected, got, tol, mutants(), lstm)
        if len(bad) > 1:
            lines.append(f"  also differ: {', '.join(bad[1:])}")
        return runner.with_example(lines, describe())

    return report


def check_rnn_cell_backward(
    fn: Callable, *, max_examples: int = 25, rtol: float = 1e-6, atol: float = 1e-9
) -> None:
    """Check ``fn(da_next, cache) -> gradients`` against ``textbook.rnn_cell_backward``.

    ``cache = (a_next, a_prev, xt, parameters)`` comes from ``textbook.rnn_cell_forward``;
    ``gradients`` must hold ``dxt (n_x, m)``, ``da_prev (n_a, m)``, ``dWax (n_a, n_x)``, ``dWaa
    (n_a, n_a)``, ``dba (n_a, 1)``: the course's formulas, with no 1/m. Raises AssertionError
    on the first (shrunk) disagreement, naming the key and a hint; returns None otherwise.
    """
    tol = (rtol, atol)

    def compare(sizes: dict[str, int]) -> runner.Report | None:
        case = rnn_case(**{**sizes, "T_x": 1})
        xt, a_prev, da_next = case["x"][:, :, 0], case["a0"], case["da"][:, :, 0]
        cache = tb.rnn_cell_forward(xt, a_prev, case["parameters"])[2]
        expected = tb.rnn_cell_backward(da_next, cache)

        def describe() -> list[str]:
            return _describe(
                "rnn_case",
                {**sizes, "T_x": 1},
                [
                    'xt, a_prev, da_next = case["x"][:, :, 0], case["a0"], case["da"][:, :, 0]',
                    'cache = textbook.rnn_cell_forward(xt, a_prev, case["parameters"])[2]',
                    "your_rnn_cell_backward(da_next, cache)",
                ],
            )

        got, problem = _call(fn, {"da_next": da_next, "cache": cache}, RNN_CELL_KEYS)
        if problem is not None:
            return lambda: runner.with_example([problem], describe())
        bad = _bad_keys(expected, got, tol)
        if not bad:
            return None

        def mutants() -> Mutants:
            return _cell_mutants(lambda bug: _rnn_cell(da_next, cache, bug), RNN_CELL_BUGS)

        return _cell_report(expected, got, bad, tol, mutants, False, describe)

    signature = "rnn_cell_backward(da_next, cache) -> gradients"
    _run("check_rnn_cell_backward", _sizes(1), compare, max_examples, fn, signature)


def check_lstm_cell_backward(
    fn: Callable, *, max_examples: int = 25, rtol: float = 1e-6, atol: float = 1e-9
) -> None:
    """Check ``fn(da_next, dc_next, cache) -> gradients`` against
    ``textbook.lstm_cell_backward``.

    ``cache = (a_next, c_next, a_prev, c_prev, ft, it, cct, ot, xt, parameters)`` comes from
    ``textbook.lstm_cell_forward``; ``gradients`` must hold ``dxt (n_x, m)``, ``da_prev`` and
    ``dc_prev (n_a, m)``, ``dWf, dWi, dWc, dWo (n_a, n_a + n_x)`` and ``dbf, dbi, dbc, dbo (n_a,
    1)``: the course's equations 7 to 21, with no 1/m.
    """
    tol = (rtol, atol)

    def compare(sizes: dict[str, int]) -> runner.Report | None:
        case = lstm_case(**{**sizes, "T_x": 1})
        xt, a_prev, c_prev = case["x"][:, :, 0], case["a0"], case["c0"]
        da_next, dc_next = case["da"][:, :, 0], case["dc"]
        cache = tb.lstm_cell_forward(xt, a_prev, c_prev, case["parameters"])[3]
        expected = tb.lstm_cell_backward(da_next, dc_next, cache)

        def describe() -> list[str]:
            return _describe(
                "lstm_case",
                {**sizes, "T_x": 1},
                [
                    'xt, a_prev, c_prev = case["x"][:, :, 0], case["a0"], case["c0"]',
                    'cache = textbook.lstm_cell_forward(xt, a_prev, c_prev, case["parameters"])[3]',
                    'your_lstm_cell_backward(case["da"][:, :, 0], case["dc"], cache)',
                ],
            )

        args = {"da_next": da_next, "dc_next": dc_next, "cache": cache}
        got, problem = _call(fn, args, LSTM_CELL_KEYS)
        if problem is not None:
            return lambda: runner.with_example([problem], describe())
        bad = _bad_keys(expected, got, tol)
        if not bad:
            return None

        def mutants() -> Mutants:
            def run(bug: str) -> dict:
                return _lstm_cell(da_next, dc_next, cache, bug)

            return _cell_mutants(run, LSTM_CELL_BUGS)

        return _cell_report(expected, got, bad, tol, mutants, True, describe)

    signature = "lstm_cell_backward(da_next, dc_next, cache) -> gradients"
    _run("check_lstm_cell_backward", _sizes(1), compare, max_examples, fn, signature)


def _check_through_time(
    name: str, fn: Callable, lstm: bool, max_examples: int, max_T: int, tol: Tol
) -> None:
    keys = LSTM_KEYS if lstm else RNN_KEYS
    builder = "lstm_case" if lstm else "rnn_case"
    forward = "lstm_forward" if lstm else "rnn_forward"
    backward = tb.lstm_backward if lstm else tb.rnn_backward
    cell_bugs = LSTM_CELL_BUGS if lstm else RNN_CELL_BUGS
    loop_bugs = {k: v for k, v in LOOP_BUGS.items() if lstm or k != "no dc carry"}

    def compare(sizes: dict[str, int]) -> runner.Report | None:
        case = (lstm_case if lstm else rnn_case)(**sizes)
        x, a0, da = case["x"], case["a0"], case["da"]
        caches = getattr(tb, forward)(x, a0, case["parameters"])[-1]
        expected = backward(da, caches)
        T_x = x.shape[2]

        def describe() -> list[str]:
            lines = [
                f'caches = textbook.{forward}(case["x"], case["a0"], case["parameters"])[-1]',
                f'your_{name.removeprefix("check_")}(case["da"], caches)',
            ]
            return _describe(builder, sizes, lines)

        got, problem = _call(fn, {"da": da, "caches": caches}, keys)
        if problem is not None:
            return lambda: runner.with_example([problem], describe())
        bad = _bad_keys(expected, got, tol)
        if not bad:
            return None

        def report() -> str:
            cells, _ = caches
            for s in reversed(range(T_x)):  # the suffix t = s+1..T_x (1-indexed), in BPTT order
                sub_caches, sub_da = (cells[s:], x[:, :, s:]), da[:, :, s:]
                sub_expected = backward(sub_da, sub_caches)
                sub_got, sub_problem = _call(fn, {"da": sub_da, "caches": sub_caches}, keys)
                sub_bad = [] if sub_problem else _bad_keys(sub_expected, sub_got, tol)
                if sub_problem or sub_bad:
                    break
            else:  # only the full call differs: the function does not depend on the input alone
                s, sub_problem, sub_bad = 0, None, bad
                sub_da, sub_caches, sub_expected, sub_got = da, caches, expected, got
            agree = [k for k in keys if k not in bad]
            lines = [
                f"{', '.join(bad)} differ{'s' if len(bad) == 1 else ''} from the textbook "
                f"(T_x = {T_x}{'; ' + ', '.join(agree) + ' agree' if agree else ''})",
                _where(s, T_x),
            ]
            if sub_problem:
                return runner.with_example([*lines, sub_problem], describe())

            def mutants() -> Mutants:
                out: Mutants = []
                for bug, hint in loop_bugs.items():
                    out.append((hint, _through_time(sub_da, sub_caches, lstm, loop_bug=bug)))
                for bug, hint in cell_bugs.items():
                    try:
                        grads = _through_time(sub_da, sub_caches, lstm, cell_bug=bug)
                    except ValueError:
                        continue
                    out.append((f"in the cell: {hint}", grads))
                return out

            if s > 0:
                lines.append(
                    f"  on the last {T_x - s} steps alone (caches[0][{s}:], da[:, :, {s}:]; "
                    f"there da0 is the gradient carried into a<{s}>):"
                )
            lines += _explain(sub_bad[0], sub_expected, sub_got, tol, mutants(), lstm)
            if len(sub_bad) > 1:
                lines.append(f"  also differ: {', '.join(sub_bad[1:])}")
            return runner.with_example(lines, describe())

        return report

    signature = f"{name.removeprefix('check_')}(da, caches) -> gradients"
    _run(name, _sizes(max_T), compare, max_examples, fn, signature)


def _where(s: int, T_x: int) -> str:
    t = s + 1
    if s == T_x - 1:
        return (
            f"  backprop first goes wrong at time step t = {t} = T_x (x<{t}>, index [:, :, {s}]), "
            "the first step it visits: your function already differs on that step alone"
        )
    return (
        f"  backprop first goes wrong at time step t = {t} (x<{t}>, index [:, :, {s}]): your "
        f"function agrees with the textbook on the last {T_x - s - 1} step(s) alone "
        f"(t = {t + 1}..{T_x}) and differs once step {t} is added"
    )


def check_rnn_backward(
    fn: Callable,
    *,
    max_examples: int = 25,
    max_T: int = 4,
    rtol: float = 1e-6,
    atol: float = 1e-9,
) -> None:
    """Check ``fn(da, caches) -> gradients`` against ``textbook.rnn_backward``.

    ``da`` is ``(n_a, m, T_x)``; ``caches = (list of T_x cell caches, x)`` comes from
    ``textbook.rnn_forward``. ``gradients`` must hold ``dx (n_x, m, T_x)``, ``da0 (n_a, m)``,
    ``dWax``, ``dWaa``, ``dba``. On a difference the AssertionError names the keys, the time
    step where backprop first goes wrong (module docstring) and a hint.
    """
    _check_through_time("check_rnn_backward", fn, False, max_examples, max_T, (rtol, atol))


def check_lstm_backward(
    fn: Callable,
    *,
    max_examples: int = 25,
    max_T: int = 4,
    rtol: float = 1e-6,
    atol: float = 1e-9,
) -> None:
    """Check ``fn(da, caches) -> gradients`` against ``textbook.lstm_backward``.

    ``da`` is ``(n_a, m, T_x)``; ``caches = (list of T_x cell caches, x)`` comes from
    ``textbook.lstm_forward`` (which starts from ``c<0> = 0``). ``gradients`` must hold ``dx
    (n_x, m, T_x)``, ``da0 (n_a, m)``, ``dWf, dWi, dWc, dWo (n_a, n_a + n_x)`` and ``dbf, dbi,
    dbc, dbo (n_a, 1)``. On a difference the AssertionError names the keys, the time step where
    backprop first goes wrong (module docstring) and a hint.
    """
    _check_through_time("check_lstm_backward", fn, True, max_examples, max_T, (rtol, atol))
