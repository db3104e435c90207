"""Recurrent cells as ops: the RNN and LSTM cells of Course 5, week 1, forward beside VJP.

Shapes are the course's: a sequence ``x`` is ``(n_x, m, T_x)`` with ``x<t> = x[:, :, t-1]`` of
shape ``(n_x, m)``; hidden states ``a<t>`` and cell states ``c<t>`` are ``(n_a, m)``.

RNN cell (:class:`RNNCell`, :func:`rnn_cell`)::

    a<t> = tanh(Wax x<t> + Waa a<t-1> + ba)

LSTM cell (:class:`LSTMCell`, :func:`lstm_cell`), with ``concat = [a<t-1>; x<t>]``::

    ft = sigmoid(Wf concat + bf)    it = sigmoid(Wi concat + bi)    ot = sigmoid(Wo concat + bo)
    cct = tanh(Wc concat + bc)      c<t> = ft * c<t-1> + it * cct   a<t> = ot * tanh(c<t>)

An op of this engine has one output, so the LSTM op returns the cell's whole state stacked
along axis 0, ``s<t> = [a<t>; c<t>]`` of shape ``(2 n_a, m)``, and takes the previous state in
the same form: one op per time step, and a chain of them needs no slicing in between.
:func:`lstm_cell` is the course's signature around it (it joins ``a_prev`` and ``c_prev`` and
slices the result).

Each backward is the course's closed form (``rnn_cell_backward``, ``lstm_cell_backward``).
With ``create_graph=True`` it runs on Tensors and is recorded, so second derivatives work: the
RNN's backward uses only its inputs and output; the LSTM's recomputes its gates from the input
tensors with Tensor operations (the first-order path reads the gates saved by forward).

Over time: :func:`rnn_steps` and :func:`lstm_steps` unroll a cell over ``T_x`` steps and
return the state of each step (one recorded node each: backprop through time is the engine's
iterative backward, so ``T_x = 10,000`` works); :func:`stack_steps` joins states into
``(n_a, m, T_x)``; :func:`sequence_logits` and :func:`sequence_cost` give the softmax output of
every step and the cost

    J = -(1/m) sum_{t=1..T_x} sum_{i=1..m} sum_k y_k<t>(i) log y_hat_k<t>(i)

summed over time, averaged over the m sequences. A column of ``Y`` that is all zeros is a
step without a target (padding, or a sequence labelled only at its end): it adds nothing.

:func:`clip_gradients` is the course's ``clip`` (elementwise) and a clip by global norm.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any

import numpy as np

from autograd_dnn import ops
from autograd_dnn.engine import Function
from autograd_dnn.optim import clip_gradients  # noqa: F401  (re-exported: fit's option too)
from autograd_dnn.tensor import Tensor

__all__ = [
    "LSTMCell",
    "RNNCell",
    "StackSteps",
    "clip_gradients",
    "lstm_cell",
    "lstm_steps",
    "lstm_unroll",
    "rnn_cell",
    "rnn_steps",
    "rnn_unroll",
    "sequence_cost",
    "sequence_logits",
    "stack_steps",
]

_ALL = slice(None)


# ----------------------------------------------------------------------------- dual helpers
# The same formula runs on numpy arrays (first order) and on Tensors (create_graph).
def _sigmoid(z: Any) -> Any:
    if isinstance(z, Tensor):
        return z.sigmoid()
    return 0.5 * (1.0 + np.tanh(0.5 * z))  # = 1 / (1 + e^-z), with no overflow for z << 0


def _tanh(z: Any) -> Any:
    return z.tanh() if isinstance(z, Tensor) else np.tanh(z)


def _join(a: Any, b: Any) -> Any:
    """``[a; b]`` along axis 0."""
    if isinstance(a, Tensor) or isinstance(b, Tensor):
        return ops.Concatenate.apply(a, b, axis=0)
    return np.concatenate((a, b), axis=0)


def _embed(g: Any, index: tuple, shape: tuple[int, ...]) -> Any:
    """zeros(shape) with ``g`` at ``index``: the gradient of a slice, as its whole input."""
    if isinstance(g, Tensor):
        return ops.IndexAdd.apply(g, index=index, shape=shape)
    out = np.zeros(shape, dtype=g.dtype)
    out[index] = g
    return out


def _zeros(shape: tuple[int, ...], like: Any) -> Any:
    """A zero gradient, as a constant Tensor when ``like`` is one (create_graph)."""
    z = np.zeros(shape)
    return Tensor(z) if isinstance(like, Tensor) else z


def _step_input(x: Any, t: int | None) -> Any:
    """``x<t>``: ``x`` itself (n_x, m) when ``t`` is None, else ``x[:, :, t]`` of (n_x, m, T_x)."""
    return x if t is None else x[:, :, t]


def _input_grad(dxt: Any, x: Any, t: int | None) -> Any:
    return dxt if t is None else _embed(dxt, (_ALL, _ALL, t), x.shape)


# ----------------------------------------------------------------------------- the RNN cell
class RNNCell(Function):
    """``a_next = tanh(Wax xt + Waa a_prev + ba)``: one RNN step, one node.

    Inputs: ``x`` (n_x, m), or a whole sequence (n_x, m, T_x) with the option ``t`` (0-based)
    choosing ``x<t+1> = x[:, :, t]``; ``a_prev`` (n_a, m) or None for ``a<0> = 0``; ``Wax``
    (n_a, n_x); ``Waa`` (n_a, n_a); ``ba`` (n_a, 1). Output ``a_next`` (n_a, m).

    Backward (the course's ``rnn_cell_backward``): ``dtanh = (1 - a_next^2) * da_next``,
    ``dxt = Wax^T dtanh``, ``da_prev = Waa^T dtanh``, ``dWax = dtanh xt^T``, ``dWaa = dtanh
    a_prev^T``, ``dba = sum(dtanh, axis=1, keepdims=True)``. Unchecked: use :func:`rnn_cell`.
    """

    op_name = "rnn_cell"

    @staticmethod
    def forward(ctx, x, a_prev, Wax, Waa, ba, t=None):
        z = Wax @ _step_input(x, t)
        if a_prev is not None:
            z += Waa @ a_prev
        z += ba
        a_next = np.tanh(z, out=z)
        ctx.save_for_backward(x, a_prev, Wax, Waa, a_next)
        return a_next

    @staticmethod
    def backward(ctx, da_next):
        x, a_prev, Wax, Waa, a_next = ctx.saved_tensors
        need_x, need_a, need_wax, need_waa, need_b = ctx.needs_input_grad
        t = ctx.kwargs.get("t")
        dtanh = (1 - a_next * a_next) * da_next
        dx = _input_grad(Wax.T @ dtanh, x, t) if need_x else None
        da_prev = Waa.T @ dtanh if need_a else None
        dWax = dtanh @ _step_input(x, t).T if need_wax else None
        dWaa = None
        if need_waa:  # from a<0> = 0 (a_prev None) Waa has no effect: its gradient is zero
            dWaa = _zeros(Waa.shape, dtanh) if a_prev is None else dtanh @ a_prev.T
        dba = dtanh.sum(axis=1, keepdims=True) if need_b else None
        return dx, da_prev, dWax, dWaa, dba


# ----------------------------------------------------------------------------- the LSTM cell
def _lstm_forward_arrays(x, s_prev, Wf, bf, Wi, bi, Wc, bc, Wo, bo, t):
    """The gates as numpy arrays, written into one block ``gates (5, n_a, m)`` holding ft, it,
    cct, ot and tanh(c_next); returns (state_next, concat, gates, c_prev)."""
    xt = _step_input(x, t)
    n_a, m = Wf.shape[0], xt.shape[1]
    if s_prev is None:  # a<0> = c<0> = 0
        a_prev, c_prev = np.zeros((n_a, m), dtype=xt.dtype), None
    else:
        a_prev, c_prev = s_prev[:n_a], s_prev[n_a:]
    concat = np.concatenate((a_prev, xt), axis=0)
    gates = np.empty((5, n_a, m), dtype=np.result_type(Wf, concat))
    ft, it, cct, ot, tanh_c = gates
    for out, W, b in ((ft, Wf, bf), (it, Wi, bi), (ot, Wo, bo)):
        np.matmul(W, concat, out=out)
        out += b
        out *= 0.5  # sigmoid(z) = (1 + tanh(z / 2)) / 2
        np.tanh(out, out=out)
        out += 1.0
        out *= 0.5
    np.matmul(Wc, concat, out=cct)
    cct += bc
    np.tanh(cct, out=cct)
    state = np.empty((2 * n_a, m), dtype=gates.dtype)
    a_next, c_next = state[:n_a], state[n_a:]
    np.multiply(it, cct, out=c_next)
    if c_prev is not None:
        c_next += ft * c_prev
    np.tanh(c_next, out=tanh_c)
    np.multiply(ot, tanh_c, out=a_next)
    return state, concat, gates, c_prev


def _lstm_vjp(
    g: Any,
    n_a: int,
    x: Any,
    Ws: Sequence[Any],
    concat: Any,
    gates: Sequence[Any],
    c_prev: Any,
    need: Sequence[bool],
    t: int | None,
) -> tuple:
    """The course's ``lstm_cell_backward`` for the upstream ``g = [da_next; dc_next]``, on
    arrays or on Tensors. ``Ws = (Wf, Wi, Wc, Wo)``, ``gates = (ft, it, cct, ot, tanh_c)``;
    returns the gradients of (x, s_prev, Wf, bf, Wi, bi, Wc, bc, Wo, bo)."""
    ft, it, cct, ot, tanh_c = gates
    da_next, dc_next = g[:n_a], g[n_a:]
    dc = dc_next + da_next * ot * (1 - tanh_c * tanh_c)
    d = {  # the gates' gradients, d{g}t, in the order of Ws
        "f": dc * c_prev * ft * (1 - ft) if c_prev is not None else None,
        "i": dc * cct * it * (1 - it),
        "c": dc * it * (1 - cct * cct),
        "o": da_next * tanh_c * ot * (1 - ot),
    }
    pairs = [(W, dg) for W, dg in zip(Ws, d.values()) if dg is not None]
    grads: list[Any] = [None, None]
    for k, (W, dg) in enumerate(zip(Ws, d.values())):
        wanted_w, wanted_b = need[2 + 2 * k], need[3 + 2 * k]
        if dg is None:  # from c<0> = 0 (no c_prev) the forget gate has no effect: zeros
            grads.append(_zeros(W.shape, dc) if wanted_w else None)
            grads.append(_zeros((W.shape[0], 1), dc) if wanted_b else None)
            continue
        grads.append(dg @ concat.T if wanted_w else None)
        grads.append(dg.sum(axis=1, keepdims=True) if wanted_b else None)
    if need[0] and need[1]:  # both halves of dconcat = sum_g W{g}^T d{g}t
        dconcat = _sum_of(W.T @ dg for W, dg in pairs)
        grads[0] = _input_grad(dconcat[n_a:], x, t)
        grads[1] = _join(dconcat[:n_a], dc * ft)
    elif need[0]:
        grads[0] = _input_grad(_sum_of(W[:, n_a:].T @ dg for W, dg in pairs), x, t)
    elif need[1]:
        da_prev = _sum_of(W[:, :n_a].T @ dg for W, dg in pairs)
        grads[1] = _join(da_prev, dc * ft)
    return tuple(grads)


def _sum_of(terms: Iterable[Any]) -> Any:
    """The sum of a non-empty iterable of arrays or Tensors (no leading ``0 +``)."""
    it = iter(terms)
    total = next(it)
    for term in it:
        total = total + term
    return total


class LSTMCell(Function):
    """One LSTM step, one node: ``s_next = [a_next; c_next]`` of shape (2 n_a, m).

    Inputs: ``x`` (n_x, m), or a sequence (n_x, m, T_x) with the option ``t`` (0-based);
    ``s_prev = [a_prev; c_prev]`` (2 n_a, m) or None for ``a<0> = c<0> = 0``; ``Wf, Wi, Wc,
    Wo`` (n_a, n_a + n_x); ``bf, bi, bc, bo`` (n_a, 1). Gates as the course (module docstring)
    with ``concat = [a_prev; xt]``.

    Backward (the course's ``lstm_cell_backward``), with ``[da_next; dc_next]`` the upstream
    gradient and ``dc = dc_next + da_next * ot * (1 - tanh(c_next)^2)``: ``dot = da_next *
    tanh(c_next) * ot (1 - ot)``, ``dcct = dc * it (1 - cct^2)``, ``dit = dc * cct * it (1 -
    it)``, ``dft = dc * c_prev * ft (1 - ft)``; ``dW{g} = d{g}t concat^T``, ``db{g} = sum over
    m``; ``da_prev = sum_g W{g}[:, :n_a]^T d{g}t``, ``dxt`` the same with ``[:, n_a:]``,
    ``dc_prev = dc * ft``. Unchecked: use :func:`lstm_cell` or :func:`lstm_steps`.
    """

    op_name = "lstm_cell"

    @staticmethod
    def forward(ctx, x, s_prev, Wf, bf, Wi, bi, Wc, bc, Wo, bo, t=None):
        state, concat, gates, _ = _lstm_forward_arrays(x, s_prev, Wf, bf, Wi, bi, Wc, bc, Wo, bo, t)
        ctx.save_for_backward(x, s_prev, Wf, Wi, Wc, Wo, concat, gates)
        return state

    @staticmethod
    def backward(ctx, g):
        t = ctx.kwargs.get("t")
        if isinstance(g, Tensor):  # create_graph: the gates again, recorded from the inputs
            x, s_prev, Wf, bf, Wi, bi, Wc, bc, Wo, bo = ctx.inputs
            n_a = Wf.shape[0]
            xt = _step_input(x, t)
            if s_prev is None:
                a_prev, c_prev = np.zeros((n_a, xt.shape[1])), None
            else:
                a_prev, c_prev = s_prev[:n_a], s_prev[n_a:]
            concat = _join(a_prev, xt)
            ft = _sigmoid(Wf @ concat + bf)
            it = _sigmoid(Wi @ concat + bi)
            cct = _tanh(Wc @ concat + bc)
            ot = _sigmoid(Wo @ concat + bo)
            c_next = it * cct if c_prev is None else ft * c_prev + it * cct
            gates = (ft, it, cct, ot, _tanh(c_next))
        else:
            x, s_prev, Wf, Wi, Wc, Wo, concat, gates = ctx.saved_arrays
            n_a = Wf.shape[0]
            c_prev = None if s_prev is None else s_prev[n_a:]
        Ws = (Wf, Wi, Wc, Wo)
        return _lstm_vjp(g, n_a, x, Ws, concat, tuple(gates), c_prev, ctx.needs_input_grad, t)


# ----------------------------------------------------------------------------- joining steps
class StackSteps(Function):
    """The rows ``start:stop`` of T_x step outputs, each (n, m), joined into (rows, m, T_x).

    For the LSTM's states ``[a<t>; c<t>]`` (2 n_a, m), rows ``0:n_a`` give ``a`` and rows
    ``n_a:2 n_a`` give ``c``, both (n_a, m, T_x). Backward: step t gets ``g[:, :, t]`` in its
    rows, zero elsewhere.
    """

    op_name = "stack_steps"

    @staticmethod
    def forward(ctx, *steps, start=0, stop=None):
        first = steps[0]
        rows = range(first.shape[0])[start:stop]
        out = np.empty((len(rows), first.shape[1], len(steps)), dtype=first.dtype)
        for k, s in enumerate(steps):
            out[:, :, k] = s[start:stop]
        return out

    @staticmethod
    def backward(ctx, g):
        start, stop = ctx.kwargs.get("start", 0), ctx.kwargs.get("stop")
        grads = []
        for k, (s, wanted) in enumerate(zip(ctx.inputs, ctx.needs_input_grad)):
            if not wanted:
                grads.append(None)
                continue
            shape = s.shape
            gk = g[:, :, k]
            whole = (start in (0, None)) and (stop is None or stop >= shape[0])
            grads.append(gk if whole else _embed(gk, (slice(start, stop),), shape))
        return tuple(grads)


# ----------------------------------------------------------------------------- input checks
def _array_of(value: Any) -> np.ndarray:
    return value.data if isinstance(value, Tensor) else np.asarray(value)


def _shape_of(value: Any, name: str, ndim: int, how: str) -> tuple[int, ...]:
    if value is None:
        raise TypeError(f"{name} must be an array or Tensor of shape {how}, got None")
    arr = _array_of(value)
    if arr.dtype.kind not in "fiu":
        raise TypeError(f"{name} must hold real numbers, got dtype {arr.dtype}")
    if arr.ndim != ndim:
        hint = " (a rank-1 array: reshape it, e.g. .reshape(-1, 1))" if arr.ndim == 1 else ""
        raise ValueError(f"{name} must have shape {how}, got shape {arr.shape}{hint}")
    return arr.shape


def _expect(value: Any, name: str, shape: tuple[int, ...], how: str, why: str) -> None:
    got = _shape_of(value, name, len(shape), how)
    if got != shape:
        raise ValueError(f"{name} must have shape {how} = {shape} ({why}), got {got}")


def _check_rnn(n_x_m: tuple[int, int], a_prev: Any, Wax: Any, Waa: Any, ba: Any, where: str) -> int:
    """Shapes of an RNN cell's arguments; returns n_a. ``n_x_m``: (n_x, m) of x<t>."""
    n_x, m = n_x_m
    n_a = _shape_of(Wax, f"{where}: Wax", 2, "(n_a, n_x)")[0]
    _expect(Wax, f"{where}: Wax", (n_a, n_x), "(n_a, n_x)", f"n_x = {n_x} from the input")
    _expect(Waa, f"{where}: Waa", (n_a, n_a), "(n_a, n_a)", f"n_a = {n_a} from Wax")
    _expect(ba, f"{where}: ba", (n_a, 1), "(n_a, 1)", f"n_a = {n_a} from Wax")
    if a_prev is not None:
        why = f"n_a = {n_a} from Wax, m = {m} from the input"
        _expect(a_prev, f"{where}: a_prev", (n_a, m), "(n_a, m)", why)
    return n_a


def _check_lstm(n_x_m: tuple[int, int], weights: Sequence[Any], where: str) -> int:
    """Shapes of ``Wf, bf, Wi, bi, Wc, bc, Wo, bo``; returns n_a."""
    n_x, _ = n_x_m
    Wf = weights[0]
    n_a = _shape_of(Wf, f"{where}: Wf", 2, "(n_a, n_a + n_x)")[0]
    why = f"n_a = {n_a} from Wf's rows, n_x = {n_x} from the input"
    for k, gate in enumerate("fico"):
        W, b = weights[2 * k], weights[2 * k + 1]
        _expect(W, f"{where}: W{gate}", (n_a, n_a + n_x), "(n_a, n_a + n_x)", why)
        _expect(b, f"{where}: b{gate}", (n_a, 1), "(n_a, 1)", f"n_a = {n_a} from Wf")
    return n_a


def _check_sequence(x: Any, where: str) -> tuple[int, int, int]:
    n_x, m, T_x = _shape_of(x, f"{where}: x", 3, "(n_x, m, T_x)")
    if 0 in (n_x, m, T_x):
        raise ValueError(f"{where}: x of shape (n_x, m, T_x) = {(n_x, m, T_x)} is empty")
    return n_x, m, T_x


def _as_input(value: Any) -> Any:
    """A Tensor stays one (it may carry a graph); anything else becomes a constant array."""
    if value is None or isinstance(value, Tensor):
        return value
    return np.asarray(value, dtype=np.float64)


# ----------------------------------------------------------------------------- the functions
def rnn_cell(xt: Any, a_prev: Any, Wax: Any, Waa: Any, ba: Any) -> Tensor:
    """``a<t> = tanh(Wax x<t> + Waa a<t-1> + ba)``, one recorded op (:class:`RNNCell`).

    Args:
        xt: ``x<t>`` (n_x, m).  a_prev: ``a<t-1>`` (n_a, m), or None for zeros.
        Wax: (n_a, n_x).  Waa: (n_a, n_a).  ba: (n_a, 1).

    Returns:
        ``a_next`` (n_a, m), a Tensor. Shapes are checked; errors name the argument.
    """
    n_x, m = _shape_of(xt, "rnn_cell: xt", 2, "(n_x, m)")
    _check_rnn((n_x, m), a_prev, Wax, Waa, ba, "rnn_cell")
    args = [_as_input(v) for v in (xt, a_prev, Wax, Waa, ba)]
    return RNNCell.apply(*args)


def lstm_cell(
    xt: Any,
    a_prev: Any,
    c_prev: Any,
    Wf: Any,
    bf: Any,
    Wi: Any,
    bi: Any,
    Wc: Any,
    bc: Any,
    Wo: Any,
    bo: Any,
) -> tuple[Tensor, Tensor]:
    """One LSTM step with the course's ``concat = [a_prev; xt]`` and gates; ``(a_next, c_next)``.

    Args:
        xt: (n_x, m), the input at this step.
        a_prev: (n_a, m), the previous hidden state.
        c_prev: (n_a, m), the previous cell state.
        Wf: (n_a, n_a + n_x), the forget gate's weights (Wi, Wc, Wo alike).
        bf: (n_a, 1), the forget gate's bias (bi, bc, bo alike).
        Wi: the update gate's weights.  bi: its bias.
        Wc: the candidate's weights.  bc: its bias.
        Wo: the output gate's weights.  bo: its bias.

    Returns:
        ``a_next`` and ``c_next``, Tensors (n_a, m): the two halves of one :class:`LSTMCell`
        node's output ``[a_next; c_next]``.
    """
    weights = (Wf, bf, Wi, bi, Wc, bc, Wo, bo)
    n_x, m = _shape_of(xt, "lstm_cell: xt", 2, "(n_x, m)")
    n_a = _check_lstm((n_x, m), weights, "lstm_cell")
    why = f"n_a = {n_a} from Wf, m = {m} from xt"
    _expect(a_prev, "lstm_cell: a_prev", (n_a, m), "(n_a, m)", why)
    _expect(c_prev, "lstm_cell: c_prev", (n_a, m), "(n_a, m)", why)
    a_prev, c_prev = _as_input(a_prev), _as_input(c_prev)
    s_prev = _join(a_prev, c_prev)
    state = LSTMCell.apply(_as_input(xt), s_prev, *[_as_input(w) for w in weights])
    return state[:n_a], state[n_a:]


def rnn_steps(x: Any, a0: Any, Wax: Any, Waa: Any, ba: Any) -> list[Tensor]:
    """The RNN unrolled over ``T_x`` steps: ``[a<1>, ..., a<T_x>]``, each (n_a, m).

    One :class:`RNNCell` node per step (it reads ``x[:, :, t]`` itself, so a constant x adds
    no node). Args: ``x`` (n_x, m, T_x); ``a0`` (n_a, m) or None for zeros; ``Wax, Waa, ba``
    as :func:`rnn_cell`. When ``x`` itself requires grad (to get ``dx``), each step sends it
    a whole (n_x, m, T_x) gradient that is zero off its step: right, but O(T_x^2) work, meant
    for checks on short sequences (training never needs dx).
    """
    n_x, m, T_x = _check_sequence(x, "rnn_steps")
    _check_rnn((n_x, m), a0, Wax, Waa, ba, "rnn_steps")
    x, a, Wax, Waa, ba = (_as_input(v) for v in (x, a0, Wax, Waa, ba))
    states = []
    for t in range(T_x):
        a = RNNCell.apply(x, a, Wax, Waa, ba, t=t)
        states.append(a)
    return states


def lstm_steps(
    x: Any,
    a0: Any,
    Wf: Any,
    bf: Any,
    Wi: Any,
    bi: Any,
    Wc: Any,
    bc: Any,
    Wo: Any,
    bo: Any,
    c0: Any = None,
) -> list[Tensor]:
    """The LSTM unrolled over ``T_x`` steps: the states ``[s<1>, ..., s<T_x>]``, each
    ``s<t> = [a<t>; c<t>]`` of shape (2 n_a, m).

    Args: ``x`` (n_x, m, T_x); ``a0`` (n_a, m) or None for zeros; ``c0`` (n_a, m) or None for
    zeros (the course starts from ``c<0> = 0``); the gates' weights as :func:`lstm_cell`.
    One :class:`LSTMCell` node per step.
    """
    weights = (Wf, bf, Wi, bi, Wc, bc, Wo, bo)
    n_x, m, T_x = _check_sequence(x, "lstm_steps")
    n_a = _check_lstm((n_x, m), weights, "lstm_steps")
    for name, v in (("a0", a0), ("c0", c0)):
        if v is not None:
            why = f"n_a = {n_a} from Wf, m = {m} from x"
            _expect(v, f"lstm_steps: {name}", (n_a, m), "(n_a, m)", why)
    x = _as_input(x)
    weights = tuple(_as_input(w) for w in weights)
    s = None
    if a0 is not None or c0 is not None:
        zeros = np.zeros((n_a, m))
        s = _join(zeros if a0 is None else _as_input(a0), zeros if c0 is None else _as_input(c0))
    states = []
    for t in range(T_x):
        s = LSTMCell.apply(x, s, *weights, t=t)
        states.append(s)
    return states


def stack_steps(steps: Sequence[Tensor], start: int = 0, stop: int | None = None) -> Tensor:
    """Rows ``start:stop`` of each step's output, joined over time: (rows, m, T_x).

    ``stack_steps(rnn_steps(...))`` is ``a`` (n_a, m, T_x); for LSTM states use ``stop=n_a``
    for ``a`` and ``start=n_a`` for ``c``. One :class:`StackSteps` node.
    """
    if not steps:
        raise ValueError("stack_steps needs at least one step (T_x >= 1)")
    shapes = {tuple(s.shape) for s in steps}
    if len(shapes) != 1:
        raise ValueError(f"stack_steps needs steps of one shape (n, m), got {sorted(shapes)}")
    return StackSteps.apply(*steps, start=start, stop=stop)


def rnn_unroll(x: Any, a0: Any, Wax: Any, Waa: Any, ba: Any) -> Tensor:
    """The hidden states ``a`` (n_a, m, T_x) of the RNN over ``x`` (n_x, m, T_x)."""
    return stack_steps(rnn_steps(x, a0, Wax, Waa, ba))


def lstm_unroll(
    x: Any,
    a0: Any,
    Wf: Any,
    bf: Any,
    Wi: Any,
    bi: Any,
    Wc: Any,
    bc: Any,
    Wo: Any,
    bo: Any,
    c0: Any = None,
) -> tuple[Tensor, Tensor]:
    """The hidden and cell states ``(a, c)``, each (n_a, m, T_x), of the LSTM over ``x``."""
    states = lstm_steps(x, a0, Wf, bf, Wi, bi, Wc, bc, Wo, bo, c0=c0)
    n_a = states[0].shape[0] // 2
    return stack_steps(states, 0, n_a), stack_steps(states, n_a)


def sequence_logits(a: Tensor, Wya: Any, by: Any) -> Tensor:
    """``Z<t> = Wya a<t> + by`` for every step at once: a (n_a, m, T_x) -> Z (n_y, m, T_x).

    ``y_hat<t> = softmax(Z<t>)`` over axis 0. Three nodes (reshape, linear, reshape) whatever
    T_x, one matrix product over all m T_x columns.
    """
    n_a, m, T_x = a.shape
    W_shape = _shape_of(Wya, "sequence_logits: Wya", 2, "(n_y, n_a)")
    _expect(Wya, "sequence_logits: Wya", (W_shape[0], n_a), "(n_y, n_a)", f"n_a = {n_a} from a")
    _expect(by, "sequence_logits: by", (W_shape[0], 1), "(n_y, 1)", "n_y from Wya")
    Z = ops.Linear.apply(_as_input(Wya), a.reshape(n_a, m * T_x), _as_input(by))
    return Z.reshape(W_shape[0], m, T_x)


def sequence_cost(Z: Tensor, Y: Any) -> Tensor:
    """``J = -(1/m) sum_t sum_i sum_k Y log softmax(Z)``: summed over time, averaged over m.

    Args:
        Z: logits (n_y, m, T_x).  Y: (n_y, m, T_x), each column one-hot, or all zeros for a
            step without a target (it adds nothing to J nor to its gradient).

    Returns:
        A scalar Tensor. (Two nodes: the fused softmax cross-entropy, whose own average is
        over the last axis, and the factor ``T_x / m``.)
    """
    if tuple(np.shape(Y)) != tuple(Z.shape):
        raise ValueError(
            f"Y must have the shape of the logits (n_y, m, T_x) = {tuple(Z.shape)}, "
            f"got {np.shape(Y)}"
        )
    _, m, T_x = Z.shape
    return ops.SoftmaxCrossEntropy.apply(Z, Y, axis=0) * (T_x / m)


# ----------------------------------------------------------------------------- clipping
