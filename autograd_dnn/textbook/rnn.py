"""Course 5, week 1: recurrent cells (RNN and LSTM) and backprop through time, in plain numpy.

This module imports nothing from the rest of ``autograd_dnn`` except the textbook's own
:mod:`autograd_dnn.textbook.dense` (for ``sigmoid`` and ``softmax``): it is the independent
oracle the engine is checked against. The names, signatures, dict keys and cache layouts are the
course's ("Building your Recurrent Neural Network - Step by Step").

Notation: ``x`` is ``(n_x, m, T_x)`` with ``x<t> = x[:, :, t-1]`` of shape ``(n_x, m)``; the
hidden states ``a`` and the LSTM cell states ``c`` are ``(n_a, m, T_x)``; predictions ``(n_y, m,
T_x)``. Time steps are t = 1..T_x in the course's prose and index ``t - 1`` in the arrays.

RNN cell::

    a<t>     = tanh(Waa a<t-1> + Wax x<t> + ba)
    y_hat<t> = softmax(Wya a<t> + by)

LSTM cell, with ``concat = [a<t-1>; x<t>]`` of shape ``(n_a + n_x, m)``::

    ft  = sigmoid(Wf concat + bf)        cct    = tanh(Wc concat + bc)
    it  = sigmoid(Wi concat + bi)        c<t>   = ft * c<t-1> + it * cct
    ot  = sigmoid(Wo concat + bo)        a<t>   = ot * tanh(c<t>)
    y_hat<t> = softmax(Wy a<t> + by)

Caches (the course's layouts)::

    rnn_cell_forward   cache  = (a_next, a_prev, xt, parameters)
    lstm_cell_forward  cache  = (a_next, c_next, a_prev, c_prev, ft, it, cct, ot, xt, parameters)
    rnn_forward, lstm_forward  caches = (list of the T_x cell caches, x)

What the backward passes compute (no 1/m anywhere). Let J be any scalar that depends on the
hidden states, and let ``da[:, :, t-1]`` be the partial of J with respect to ``a<t>`` through the
paths that do NOT go through later time steps (for the course's softmax output, the gradient
that comes down from ``y_hat<t>``). Then :func:`rnn_backward` and :func:`lstm_backward` return
the exact total partials ``dx = dJ/dx``, ``da0 = dJ/da<0>``, ``dWax = dJ/dWax``, ... . In
particular, for ``J = sum(da * a)`` with ``da`` held fixed, the results equal the finite
differences of J: that is how the tests check them. There is no 1/m because the course assumes
the cost's 1/m is already inside ``da`` (for the cost ``J = (1/m) sum_i L_i``, the upstream
gradient is ``da = (1/m) Wya^T (y_hat - y)``); pass the ``da`` of the summed loss instead and
every result is m times ``dJ/d(.)`` of the averaged cost.

The single-cell functions are the same with one upstream gradient: ``rnn_cell_backward(da_next,
cache)`` returns the partials of ``J = sum(da_next * a_next)``, and ``lstm_cell_backward(da_next,
dc_next, cache)`` those of ``J = sum(da_next * a_next) + sum(dc_next * c_next)``.

Example::

    >>> rng = np.random.RandomState(1)
    >>> n_x, n_a, n_y, m, T_x = 3, 5, 2, 4, 6
    >>> parameters = {"Wax": rng.randn(n_a, n_x), "Waa": rng.randn(n_a, n_a),
    ...               "Wya": rng.randn(n_y, n_a), "ba": rng.randn(n_a, 1), "by": rng.randn(n_y, 1)}
    >>> a, y_pred, caches = rnn_forward(rng.randn(n_x, m, T_x), rng.randn(n_a, m), parameters)
    >>> grads = rnn_backward(np.ones((n_a, m, T_x)), caches)
    >>> sorted(grads), grads["dx"].shape
    (['dWaa', 'dWax', 'da0', 'dba', 'dx'], (3, 4, 6))
"""

from __future__ import annotations

from collections.abc import Mapping, MutableMapping
from typing import Any, overload

import numpy as np

from autograd_dnn.textbook.dense import sigmoid, softmax

__all__ = [
    "LSTM_GATES",
    "LSTM_KEYS",
    "RNN_KEYS",
    "clip",
    "lstm_backward",
    "lstm_cell_backward",
    "lstm_cell_forward",
    "lstm_forward",
    "rnn_backward",
    "rnn_cell_backward",
    "rnn_cell_forward",
    "rnn_forward",
]

#: the parameter keys of the course's RNN
RNN_KEYS = ("Wax", "Waa", "Wya", "ba", "by")
#: the parameter keys of the course's LSTM
LSTM_KEYS = ("Wf", "bf", "Wi", "bi", "Wc", "bc", "Wo", "bo", "Wy", "by")
#: the LSTM's gates in the course's order: forget, update ("i"), candidate, output
LSTM_GATES = ("f", "i", "c", "o")


# ----------------------------------------------------------------------------------------------
# Input checks: every error names the argument, the expected and the actual shape.
# ----------------------------------------------------------------------------------------------


def _array(value: Any, name: str, ndim: int, meaning: str) -> np.ndarray:
    """``value`` as a float array with ``ndim`` dimensions, or a ValueError naming it."""
    arr = np.asarray(value)
    if arr.dtype == object or not (
        np.issubdtype(arr.dtype, np.floating) or np.issubdtype(arr.dtype, np.integer)
    ):
        raise TypeError(f"{name} must be a numeric numpy array {meaning}, got {type(value)}")
    if arr.ndim != ndim:
        extra = ""
        if arr.ndim == 1:
            extra = " (a rank-1 array is ambiguous: reshape it, e.g. .reshape(-1, 1))"
        raise ValueError(f"{name} must have shape {meaning}, got shape {arr.shape}{extra}")
    return arr if np.issubdtype(arr.dtype, np.floating) else arr.astype(np.float64)


def _shape(arr: np.ndarray, name: str, expected: tuple[int, ...], how: str) -> None:
    if arr.shape != expected:
        raise ValueError(f"{name} must have shape {how} = {expected}, got {arr.shape}")


def _parameters(
    parameters: Any, keys: tuple[str, ...], n_a: int, n_x: int, lstm: bool
) -> dict[str, np.ndarray]:
    """The course's parameter dict, every entry checked against ``n_a`` and ``n_x``."""
    if not isinstance(parameters, Mapping):
        raise TypeError(
            f"parameters must be a dict with keys {', '.join(keys)}, got {type(parameters)}"
        )
    missing = [k for k in keys if k not in parameters]
    if missing:
        raise ValueError(
            f"parameters is missing {', '.join(missing)} (the course's keys are "
            f"{', '.join(keys)}); got keys {sorted(parameters)}"
        )
    out = {k: _array(parameters[k], f"parameters['{k}']", 2, "(rows, columns)") for k in keys}
    W_out = "Wy" if lstm else "Wya"
    n_y = out[W_out].shape[0]
    if lstm:
        expected = {f"W{g}": ((n_a, n_a + n_x), "(n_a, n_a + n_x)") for g in LSTM_GATES}
        expected |= {f"b{g}": ((n_a, 1), "(n_a, 1)") for g in LSTM_GATES}
    else:
        expected = {
            "Wax": ((n_a, n_x), "(n_a, n_x)"),
            "Waa": ((n_a, n_a), "(n_a, n_a)"),
            "ba": ((n_a, 1), "(n_a, 1)"),
        }
    expected[W_out] = ((n_y, n_a), "(n_y, n_a)")
    expected["by"] = ((n_y, 1), "(n_y, 1)")
    for key, (shape, how) in expected.items():
        if out[key].shape != shape:
            raise ValueError(
                f"parameters['{key}'] must have shape {how} = {shape} (n_a = {n_a} from a_prev, "
                f"n_x = {n_x} from xt), got {out[key].shape}"
            )
    return out


@overload
def _cell_inputs(
    xt: Any, a_prev: Any, c_prev: None = None
) -> tuple[np.ndarray, np.ndarray, None]: ...
@overload
def _cell_inputs(
    xt: Any, a_prev: Any, c_prev: np.ndarray
) -> tuple[np.ndarray, np.ndarray, np.ndarray]: ...
def _cell_inputs(
    xt: Any, a_prev: Any, c_prev: Any = None
) -> tuple[np.ndarray, np.ndarray, np.ndarray | None]:
    """Validate ``xt`` and ``a_prev`` (and ``c_prev`` for an LSTM, when given)."""
    xt = _array(xt, "xt", 2, "(n_x, m)")
    a_prev = _array(a_prev, "a_prev", 2, "(n_a, m)")
    if a_prev.shape[1] != xt.shape[1]:
        raise ValueError(
            f"a_prev must have shape (n_a, m) = ({a_prev.shape[0]}, {xt.shape[1]}) "
            f"(m = {xt.shape[1]} from xt), got {a_prev.shape}"
        )
    if c_prev is not None:
        c_prev = _array(c_prev, "c_prev", 2, "(n_a, m)")
        _shape(c_prev, "c_prev", a_prev.shape, "(n_a, m), the shape of a_prev")
    return xt, a_prev, c_prev


def _sequence_inputs(x: Any, a0: Any) -> tuple[np.ndarray, np.ndarray]:
    x = _array(x, "x", 3, "(n_x, m, T_x)")
    a0 = _array(a0, "a0", 2, "(n_a, m)")
    if a0.shape[1] != x.shape[1]:
        raise ValueError(
            f"a0 must have shape (n_a, m) = ({a0.shape[0]}, {x.shape[1]}) "
            f"(m = {x.shape[1]} from x), got {a0.shape}"
        )
    if x.shape[2] == 0:
        raise ValueError("x must hold at least one time step: T_x = x.shape[2] is 0")
    return x, a0


def _unpack(cache: Any, size: int, layout: str, where: str) -> tuple:
    if not isinstance(cache, (tuple, list)) or len(cache) != size:
        got = f"{len(cache)} entries" if isinstance(cache, (tuple, list)) else type(cache)
        raise ValueError(f"{where} must have the course layout {layout}, got {got}")
    return tuple(cache)


_RNN_CACHE = "(a_next, a_prev, xt, parameters)"
_LSTM_CACHE = "(a_next, c_next, a_prev, c_prev, ft, it, cct, ot, xt, parameters)"


def _upstream(value: Any, name: str, shape: tuple[int, ...], how: str) -> np.ndarray:
    arr = _array(value, name, len(shape), how)
    _shape(arr, name, shape, how)
    return arr


def _sequence_caches(caches: Any, size: int, layout: str) -> tuple[list, np.ndarray]:
    """``(list of cell caches, x)`` as returned by rnn_forward / lstm_forward."""
    ok = isinstance(caches, (tuple, list)) and len(caches) == 2
    ok = ok and isinstance(caches[0], (tuple, list)) and len(caches[0]) > 0
    if not ok:
        raise ValueError(
            f"caches must be (list of cell caches, x), as returned by the forward pass, each "
            f"cell cache {layout}"
        )
    cells, x = caches
    x = _array(x, "caches[1] (x)", 3, "(n_x, m, T_x)")
    for t, cache in enumerate(cells):
        _unpack(cache, size, layout, f"caches[0][{t}] (time step {t + 1})")
    if x.shape[2] != len(cells):
        raise ValueError(
            f"caches holds {len(cells)} cell caches but x (caches[1]) has T_x = {x.shape[2]} "
            "time steps; pass the caches of one forward pass unchanged"
        )
    return list(cells), x


def _da_sequence(da: Any, n_a: int, m: int, T_x: int) -> np.ndarray:
    da = _array(da, "da", 3, "(n_a, m, T_x)")
    if da.shape[:2] != (n_a, m) or not 1 <= da.shape[2] <= T_x:
        raise ValueError(
            f"da must have shape (n_a, m, T) = ({n_a}, {m}, T) with 1 <= T <= T_x = {T_x} "
            f"(the forward pass's shapes), got {da.shape}"
        )
    return da


# ----------------------------------------------------------------------------------------------
# RNN
# ----------------------------------------------------------------------------------------------


def rnn_cell_forward(
    xt: np.ndarray, a_prev: np.ndarray, parameters: Mapping[str, np.ndarray]
) -> tuple[np.ndarray, np.ndarray, tuple]:
    """One step of the RNN: ``a_next = tanh(Waa a_prev + Wax xt + ba)``, ``yt_pred =
    softmax(Wya a_next + by)``.

    Args:
        xt: ``x<t>``, ``(n_x, m)``.
        a_prev: ``a<t-1>``, ``(n_a, m)``.
        parameters: ``Wax (n_a, n_x)``, ``Waa (n_a, n_a)``, ``Wya (n_y, n_a)``, ``ba (n_a, 1)``,
            ``by (n_y, 1)``.

    Returns:
        ``a_next`` ``(n_a, m)``, ``yt_pred`` ``(n_y, m)`` (each column sums to 1) and ``cache =
        (a_next, a_prev, xt, parameters)``.
    """
    xt, a_prev, _ = _cell_inputs(xt, a_prev)
    p = _parameters(parameters, RNN_KEYS, a_prev.shape[0], xt.shape[0], lstm=False)
    a_next = np.tanh(p["Waa"] @ a_prev + p["Wax"] @ xt + p["ba"])
    yt_pred = softmax(p["Wya"] @ a_next + p["by"])
    return a_next, yt_pred, (a_next, a_prev, xt, parameters)


def rnn_forward(
    x: np.ndarray, a0: np.ndarray, parameters: Mapping[str, np.ndarray]
) -> tuple[np.ndarray, np.ndarray, tuple[list, np.ndarray]]:
    """The RNN over ``T_x`` steps, starting from ``a<0> = a0``.

    Args:
        x: ``(n_x, m, T_x)``.
        a0: ``(n_a, m)``.
        parameters: as in :func:`rnn_cell_forward`.

    Returns:
        ``a`` ``(n_a, m, T_x)``, ``y_pred`` ``(n_y, m, T_x)`` and ``caches = (list of the T_x
        cell caches, x)``.
    """
    x, a0 = _sequence_inputs(x, a0)
    n_x, m, T_x = x.shape
    p = _parameters(parameters, RNN_KEYS, a0.shape[0], n_x, lstm=False)
    n_y, n_a = p["Wya"].shape
    a = np.zeros((n_a, m, T_x))
    y_pred = np.zeros((n_y, m, T_x))
    caches = []
    a_next = a0
    for t in range(T_x):
        a_next, yt_pred, cache = rnn_cell_forward(x[:, :, t], a_next, parameters)
        a[:, :, t] = a_next
        y_pred[:, :, t] = yt_pred
        caches.append(cache)
    return a, y_pred, (caches, x)


def rnn_cell_backward(da_next: np.ndarray, cache: tuple) -> dict[str, np.ndarray]:
    """One RNN step backwards, as the course writes it (no 1/m).

    ``dtanh = (1 - a_next^2) * da_next``; ``dxt = Wax^T dtanh``; ``da_prev = Waa^T dtanh``;
    ``dWax = dtanh xt^T``; ``dWaa = dtanh a_prev^T``; ``dba = sum(dtanh, axis=1, keepdims=True)``.
    These are the exact partials of ``J = sum(da_next * a_next)``.

    Args:
        da_next: the gradient arriving at ``a<t>``, ``(n_a, m)``.
        cache: ``(a_next, a_prev, xt, parameters)`` from :func:`rnn_cell_forward`.

    Returns:
        ``dxt`` ``(n_x, m)``, ``da_prev`` ``(n_a, m)``, ``dWax`` ``(n_a, n_x)``, ``dWaa``
        ``(n_a, n_a)``, ``dba`` ``(n_a, 1)``.
    """
    a_next, a_prev, xt, parameters = _unpack(cache, 4, _RNN_CACHE, "cache")
    xt, a_prev, _ = _cell_inputs(xt, a_prev)
    p = _parameters(parameters, RNN_KEYS, a_prev.shape[0], xt.shape[0], lstm=False)
    a_next = _upstream(a_next, "a_next (cache[0])", a_prev.shape, "(n_a, m)")
    da_next = _upstream(da_next, "da_next", a_next.shape, "(n_a, m), the shape of a_next")
    dtanh = (1 - a_next**2) * da_next
    return {
        "dxt": p["Wax"].T @ dtanh,
        "da_prev": p["Waa"].T @ dtanh,
        "dWax": dtanh @ xt.T,
        "dWaa": dtanh @ a_prev.T,
        "dba": np.sum(dtanh, axis=1, keepdims=True),
    }


def rnn_backward(da: np.ndarray, caches: tuple[list, np.ndarray]) -> dict[str, np.ndarray]:
    """Backprop through time for the RNN, as the course writes it (no 1/m).

    For t = T, ..., 1 the cell at step t receives ``da[:, :, t-1] + da_prevt``: the upstream
    gradient of that step plus what flows back from step t+1 (zero at the last step). The
    parameter gradients are summed over the steps. The results are the exact partials of any J
    whose direct partials with respect to ``a<t>`` are ``da[:, :, t-1]`` (module docstring), for
    example ``J = sum(da * a)``.

    Args:
        da: upstream gradients ``(n_a, m, T)``. Usually ``T = T_x``; like the course's loop
            (which takes T from ``da.shape``) a shorter ``da`` covers the first T steps only,
            which is exact for a J that does not depend on the later states.
        caches: ``(list of cell caches, x)`` from :func:`rnn_forward`.

    Returns:
        ``dx`` ``(n_x, m, T)``, ``da0`` ``(n_a, m)``, ``dWax`` ``(n_a, n_x)``, ``dWaa``
        ``(n_a, n_a)``, ``dba`` ``(n_a, 1)``.
    """
    cells, x = _sequence_caches(caches, 4, _RNN_CACHE)
    n_x, m, T_x = x.shape
    n_a = np.shape(cells[0][1])[0]
    da = _da_sequence(da, n_a, m, T_x)
    T = da.shape[2]
    dx = np.zeros((n_x, m, T))
    dWax = np.zeros((n_a, n_x))
    dWaa = np.zeros((n_a, n_a))
    dba = np.zeros((n_a, 1))
    da_prevt = np.zeros((n_a, m))
    for t in reversed(range(T)):
        g = rnn_cell_backward(da[:, :, t] + da_prevt, cells[t])
        dx[:, :, t] = g["dxt"]
        da_prevt = g["da_prev"]
        dWax += g["dWax"]
        dWaa += g["dWaa"]
        dba += g["dba"]
    return {"dx": dx, "da0": da_prevt, "dWax": dWax, "dWaa": dWaa, "dba": dba}


# ----------------------------------------------------------------------------------------------
# LSTM
# ----------------------------------------------------------------------------------------------


def lstm_cell_forward(
    xt: np.ndarray, a_prev: np.ndarray, c_prev: np.ndarray, parameters: Mapping[str, np.ndarray]
) -> tuple[np.ndarray, np.ndarray, np.ndarray, tuple]:
    """One LSTM step (formulas in the module docstring), with ``concat = [a_prev; xt]``.

    Args:
        xt: ``x<t>``, ``(n_x, m)``.
        a_prev: ``a<t-1>``, ``(n_a, m)``.
        c_prev: ``c<t-1>``, ``(n_a, m)``.
        parameters: ``Wf, Wi, Wc, Wo`` ``(n_a, n_a + n_x)``; ``bf, bi, bc, bo`` ``(n_a, 1)``;
            ``Wy`` ``(n_y, n_a)``; ``by`` ``(n_y, 1)``.

    Returns:
        ``a_next`` ``(n_a, m)``, ``c_next`` ``(n_a, m)``, ``yt_pred`` ``(n_y, m)`` and ``cache =
        (a_next, c_next, a_prev, c_prev, ft, it, cct, ot, xt, parameters)``.
    """
    xt, a_prev, c_prev = _cell_inputs(xt, a_prev, c_prev)
    p = _parameters(parameters, LSTM_KEYS, a_prev.shape[0], xt.shape[0], lstm=True)
    concat = np.concatenate((a_prev, xt), axis=0)
    ft = sigmoid(p["Wf"] @ concat + p["bf"])
    it = sigmoid(p["Wi"] @ concat + p["bi"])
    cct = np.tanh(p["Wc"] @ concat + p["bc"])
    c_next = ft * c_prev + it * cct
    ot = sigmoid(p["Wo"] @ concat + p["bo"])
    a_next = ot * np.tanh(c_next)
    yt_pred = softmax(p["Wy"] @ a_next + p["by"])
    cache = (a_next, c_next, a_prev, c_prev, ft, it, cct, ot, xt, parameters)
    return a_next, c_next, yt_pred, cache


def lstm_forward(
    x: np.ndarray, a0: np.ndarray, parameters: Mapping[str, np.ndarray]
) -> tuple[np.ndarray, np.ndarray, np.ndarray, tuple[list, np.ndarray]]:
    """The LSTM over ``T_x`` steps from ``a<0> = a0`` and, as in the course, ``c<0> = 0``.

    Args:
        x: ``(n_x, m, T_x)``.
        a0: ``(n_a, m)``.
        parameters: as in :func:`lstm_cell_forward`.

    Returns:
        ``a`` ``(n_a, m, T_x)``, ``y`` ``(n_y, m, T_x)``, ``c`` ``(n_a, m, T_x)`` and ``caches =
        (list of the T_x cell caches, x)``.
    """
    x, a0 = _sequence_inputs(x, a0)
    n_x, m, T_x = x.shape
    p = _parameters(parameters, LSTM_KEYS, a0.shape[0], n_x, lstm=True)
    n_y, n_a = p["Wy"].shape
    a = np.zeros((n_a, m, T_x))
    c = np.zeros((n_a, m, T_x))
    y = np.zeros((n_y, m, T_x))
    caches = []
    a_next, c_next = a0, np.zeros((n_a, m))
    for t in range(T_x):
        a_next, c_next, yt, cache = lstm_cell_forward(x[:, :, t], a_next, c_next, parameters)
        a[:, :, t] = a_next
        c[:, :, t] = c_next
        y[:, :, t] = yt
        caches.append(cache)
    return a, y, c, (caches, x)


def lstm_cell_backward(
    da_next: np.ndarray, dc_next: np.ndarray, cache: tuple
) -> dict[str, np.ndarray]:
    """One LSTM step backwards, as the course writes it (equations 7 to 21, no 1/m).

    With ``dc = dc_next + da_next * ot * (1 - tanh(c_next)^2)``::

        dot  = da_next * tanh(c_next) * ot * (1 - ot)
        dcct = dc * it * (1 - cct^2)
        dit  = dc * cct * it * (1 - it)
        dft  = dc * c_prev * ft * (1 - ft)
        dW{g} = d{g}t concat^T,  db{g} = sum(d{g}t, axis=1, keepdims=True)   for g in f, i, c, o
        da_prev = sum over gates of W{g}[:, :n_a]^T d{g}t     (the a_prev rows of concat)
        dxt     = sum over gates of W{g}[:, n_a:]^T d{g}t     (the xt rows of concat)
        dc_prev = dc * ft

    (``dcct`` pairs with ``Wc``.) These are the exact partials of ``J = sum(da_next * a_next) +
    sum(dc_next * c_next)``.

    Args:
        da_next: the gradient arriving at ``a<t>``, ``(n_a, m)``.
        dc_next: the gradient arriving at ``c<t>``, ``(n_a, m)``.
        cache: ``(a_next, c_next, a_prev, c_prev, ft, it, cct, ot, xt, parameters)``.

    Returns:
        ``dxt`` ``(n_x, m)``, ``da_prev`` and ``dc_prev`` ``(n_a, m)``, ``dWf, dWi, dWc, dWo``
        ``(n_a, n_a + n_x)``, ``dbf, dbi, dbc, dbo`` ``(n_a, 1)``.
    """
    a_next, c_next, a_prev, c_prev, ft, it, cct, ot, xt, parameters = _unpack(
        cache, 10, _LSTM_CACHE, "cache"
    )
    xt, a_prev, c_prev = _cell_inputs(xt, a_prev, c_prev)
    n_a = a_prev.shape[0]
    p = _parameters(parameters, LSTM_KEYS, n_a, xt.shape[0], lstm=True)
    names = ("a_next", "c_next", "ft", "it", "cct", "ot")
    values = (a_next, c_next, ft, it, cct, ot)
    positions = (0, 1, 4, 5, 6, 7)
    a_next, c_next, ft, it, cct, ot = (
        _upstream(v, f"{name} (cache[{i}])", a_prev.shape, "(n_a, m)")
        for name, v, i in zip(names, values, positions)
    )
    da_next = _upstream(da_next, "da_next", a_prev.shape, "(n_a, m), the shape of a_next")
    dc_next = _upstream(dc_next, "dc_next", a_prev.shape, "(n_a, m), the shape of c_next")

    tanh_c = np.tanh(c_next)
    dc = dc_next + da_next * ot * (1 - tanh_c**2)
    gates = {
        "o": da_next * tanh_c * ot * (1 - ot),
        "c": dc * it * (1 - cct**2),
        "i": dc * cct * it * (1 - it),
        "f": dc * c_prev * ft * (1 - ft),
    }
    concat = np.concatenate((a_prev, xt), axis=0)
    grads: dict[str, np.ndarray] = {
        "dxt": sum(p[f"W{g}"][:, n_a:].T @ gates[g] for g in LSTM_GATES),
        "da_prev": sum(p[f"W{g}"][:, :n_a].T @ gates[g] for g in LSTM_GATES),
        "dc_prev": dc * ft,
    }
    for g in LSTM_GATES:
        grads[f"dW{g}"] = gates[g] @ concat.T
        grads[f"db{g}"] = np.sum(gates[g], axis=1, keepdims=True)
    return grads


def lstm_backward(da: np.ndarray, caches: tuple[list, np.ndarray]) -> dict[str, np.ndarray]:
    """Backprop through time for the LSTM, as the course writes it (no 1/m).

    For t = T, ..., 1 the cell at step t receives ``da_next = da[:, :, t-1] + da_prevt`` and
    ``dc_next = dc_prevt``, both carried back from step t+1 (zero at the last step); the
    parameter gradients are summed over the steps. The course's LSTM has no upstream gradient
    for the cell states (c does not feed the output), so the results are the exact partials of
    any J of the hidden states whose direct partials are ``da`` (module docstring), for example
    ``J = sum(da * a)``.

    Args:
        da: upstream gradients ``(n_a, m, T)``. Usually ``T = T_x``; like the course's loop
            (which takes T from ``da.shape``; its published test passes ``T = 4`` for a forward
            pass of 7 steps) a shorter ``da`` covers the first T steps, which is exact for a J
            that does not depend on the later states.
        caches: ``(list of cell caches, x)`` from :func:`lstm_forward`.

    Returns:
        ``dx`` ``(n_x, m, T)``, ``da0`` ``(n_a, m)``, ``dWf, dWi, dWc, dWo`` ``(n_a, n_a +
        n_x)``, ``dbf, dbi, dbc, dbo`` ``(n_a, 1)``.
    """
    cells, x = _sequence_caches(caches, 10, _LSTM_CACHE)
    n_x, m, T_x = x.shape
    n_a = np.shape(cells[0][2])[0]
    da = _da_sequence(da, n_a, m, T_x)
    T = da.shape[2]
    grads = {"dx": np.zeros((n_x, m, T))}
    for g in LSTM_GATES:
        grads[f"dW{g}"] = np.zeros((n_a, n_a + n_x))
        grads[f"db{g}"] = np.zeros((n_a, 1))
    da_prevt = np.zeros((n_a, m))
    dc_prevt = np.zeros((n_a, m))
    for t in reversed(range(T)):
        step = lstm_cell_backward(da[:, :, t] + da_prevt, dc_prevt, cells[t])
        grads["dx"][:, :, t] = step["dxt"]
        da_prevt, dc_prevt = step["da_prev"], step["dc_prev"]
        for key in grads:
            if key != "dx":
                grads[key] += step[key]
    ordered = {"dx": grads["dx"], "da0": da_prevt}
    for g in LSTM_GATES:
        ordered[f"dW{g}"] = grads[f"dW{g}"]
        ordered[f"db{g}"] = grads[f"db{g}"]
    return ordered


# ----------------------------------------------------------------------------------------------
# Exploding gradients
# ----------------------------------------------------------------------------------------------


def clip(
    gradients: MutableMapping[str, np.ndarray], maxValue: float
) -> MutableMapping[str, np.ndarray]:
    """The course's ``clip``: every entry of every gradient into ``[-maxValue, maxValue]``.

    Elementwise and in place, as the course writes it (``np.clip(g, -maxValue, maxValue,
    out=g)``), so the arrays the caller holds are clipped too. The course's dict holds ``dWaa,
    dWax, dWya, db, dby``; here every array in ``gradients`` is clipped, whatever its key.

    Args:
        gradients: name -> float numpy array (any shape).
        maxValue: a positive number.

    Returns:
        ``gradients`` itself (a dict), after clipping.
    """
    if not isinstance(gradients, MutableMapping):
        raise TypeError(f"gradients must be a dict of numpy arrays, got {type(gradients)}")
    ok = isinstance(maxValue, (int, float, np.integer, np.floating)) and not isinstance(
        maxValue, bool
    )
    if not ok or not np.isfinite(maxValue) or maxValue <= 0:
        raise ValueError(f"maxValue must be a positive finite number, got {maxValue!r}")
    for key, value in gradients.items():
        if not isinstance(value, np.ndarray) or not np.issubdtype(value.dtype, np.floating):
            what = value.dtype if isinstance(value, np.ndarray) else type(value).__name__
            raise TypeError(
                f"gradients['{key}'] must be a float numpy array to be clipped in place, got "
                f"{what}; convert it with np.asarray(..., dtype=float)"
            )
    for value in gradients.values():
        np.clip(value, -maxValue, maxValue, out=value)
    return gradients
