"""Recurrent networks in the course's notation: ``RNNModel(n_x, n_a, n_y, cell="rnn"|"lstm")``.

A model reads sequences ``X`` of shape ``(n_x, m, T_x)`` (``x<t> = X[:, :, t-1]``), runs its
cell over the ``T_x`` steps from ``a<0> = 0`` (and ``c<0> = 0``), and predicts at every step
``y_hat<t> = softmax(Wya a<t> + by)`` (``Wy`` for the LSTM, as the course names it). The cost
is the cross-entropy summed over time and averaged over the m sequences::

    J = -(1/m) sum_{t=1..T_x} sum_{i=1..m} sum_k y_k<t>(i) log y_hat_k<t>(i)

with ``Y`` one-hot of shape ``(n_y, m, T_x)``; an all-zero column of ``Y`` is a step without a
target (padding, or a sequence labelled only at its last step) and adds nothing.

The model implements the ``Trainable`` protocol of :mod:`autograd_dnn.train`, so
``model.fit(X, Y, ...)`` (or ``train.fit(model, X, Y, ...)``) trains it, mini-batches taking
sequences (axis 1). The cells, layers and cost are the ops of
:mod:`autograd_dnn.recurrent_ops`, re-exported here.

Example::

    >>> import numpy as np
    >>> from autograd_dnn.recurrent import RNNModel
    >>> model = RNNModel(n_x=3, n_a=5, n_y=2, cell="lstm", seed=0)
    >>> sorted(model.parameters())
    ['Wc', 'Wf', 'Wi', 'Wo', 'Wy', 'bc', 'bf', 'bi', 'bo', 'by']
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import TYPE_CHECKING, Any

import numpy as np

from autograd_dnn import losses
from autograd_dnn.display import text_table
from autograd_dnn.engine import Function, enable_grad, grad, no_grad
from autograd_dnn.gradcheck import Boundary
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
from autograd_dnn.tensor import Tensor, as_array

if TYPE_CHECKING:
    from autograd_dnn.train import History

__all__ = [
    "CELLS",
    "LSTMCell",
    "LSTM_KEYS",
    "RNNCell",
    "RNNModel",
    "RNN_KEYS",
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

CELLS = ("rnn", "lstm")
#: the parameter keys of the course's RNN, in this order
RNN_KEYS = ("Wax", "Waa", "Wya", "ba", "by")
#: the parameter keys of the course's LSTM, in this order
LSTM_KEYS = ("Wf", "bf", "Wi", "bi", "Wc", "bc", "Wo", "bo", "Wy", "by")
INITS = ("xavier", "course")


def _parameter_shapes(cell: str, n_x: int, n_a: int, n_y: int) -> dict[str, tuple[int, int]]:
    if cell == "rnn":
        return {
            "Wax": (n_a, n_x),
            "Waa": (n_a, n_a),
            "Wya": (n_y, n_a),
            "ba": (n_a, 1),
            "by": (n_y, 1),
        }
    shapes: dict[str, tuple[int, int]] = {}
    for g in "fico":
        shapes[f"W{g}"] = (n_a, n_a + n_x)
        shapes[f"b{g}"] = (n_a, 1)
    shapes["Wy"], shapes["by"] = (n_y, n_a), (n_y, 1)
    return shapes


def _initialize(
    cell: str, n_x: int, n_a: int, n_y: int, init: str, seed: int
) -> dict[str, np.ndarray]:
    """Biases 0. ``course``: ``randn * 0.01`` drawn from ``np.random.RandomState(seed)`` in the
    key order (the course's ``initialize_parameters`` for the character model draws Wax, Waa,
    Wya with seed 1). ``xavier``: ``randn * sqrt(1 / fan_in)`` from ``default_rng(seed)``."""
    shapes = _parameter_shapes(cell, n_x, n_a, n_y)
    course = np.random.RandomState(seed) if init == "course" else None
    rng = np.random.default_rng(seed)
    out = {}
    for key, shape in shapes.items():
        if key.startswith("b"):
            out[key] = np.zeros(shape)
        elif course is not None:
            out[key] = course.randn(*shape) * 0.01
        else:
            out[key] = rng.standard_normal(shape) * np.sqrt(1.0 / shape[1])
    return out


class RNNModel:
    """A recurrent network with a softmax output at every time step.

    Args:
        n_x: input size (e.g. the vocabulary for one-hot characters).
        n_a: hidden units.
        n_y: output classes.
        cell: ``"rnn"`` (``a<t> = tanh(Wax x<t> + Waa a<t-1> + ba)``) or ``"lstm"`` (the
            course's gates, with ``concat = [a<t-1>; x<t>]``).
        seed: initialization seed.
        init: ``"xavier"`` (``randn * sqrt(1/fan_in)``) or ``"course"`` (``randn * 0.01``).
        l2: lambda of an L2 penalty ``(lambda / 2m) sum ||W||_F^2`` over the weight matrices.

    Parameters (:meth:`parameters`, the course's keys): RNN ``Wax (n_a, n_x)``, ``Waa (n_a,
    n_a)``, ``Wya (n_y, n_a)``, ``ba (n_a, 1)``, ``by (n_y, 1)``; LSTM ``Wf, Wi, Wc, Wo (n_a,
    n_a + n_x)``, ``bf, bi, bc, bo (n_a, 1)``, ``Wy (n_y, n_a)``, ``by (n_y, 1)``.

    ``cell_op`` is the Function run at every step (:class:`RNNCell` or :class:`LSTMCell`);
    assign your own (a subclass with your backward) to have it checked by
    :func:`autograd_dnn.gradcheck.gradcheck`, which locates the first faulty time step and gate.
    The model is *checkable* (see :mod:`autograd_dnn.gradcheck`): :meth:`boundaries`,
    :meth:`parameter_uses`, :meth:`parameter_group` and :meth:`astype`.

    ``training_state`` holds what the last ``fit`` left for ``fit(..., resume=True)`` (None
    before any training).
    """

    #: what :attr:`Boundary.where` counts in this model's reports
    check_unit = "time step"
    training_state: dict | None = None
    seed: int | None  # None: built from given parameters

    def __init__(
        self,
        n_x: int,
        n_a: int,
        n_y: int,
        cell: str = "rnn",
        seed: int = 0,
        init: str = "xavier",
        l2: float = 0.0,
    ) -> None:
        for name, n in (("n_x", n_x), ("n_a", n_a), ("n_y", n_y)):
            if isinstance(n, bool) or not isinstance(n, (int, np.integer)) or n < 1:
                raise ValueError(f"{name} must be a whole number >= 1, got {n!r}")
        if cell not in CELLS:
            raise ValueError(f"unknown cell {cell!r}; known: {', '.join(CELLS)}")
        if init not in INITS:
            raise ValueError(f"unknown init {init!r}; known: {', '.join(INITS)}")
        self.seed, self.init = seed, init
        self._build(cell, _initialize(cell, int(n_x), int(n_a), int(n_y), init, seed), l2)

    @classmethod
    def from_parameters(cls, params: Mapping[str, Any], l2: float = 0.0) -> RNNModel:
        """A model holding copies of the course's parameter dict; the cell is read from the
        keys (``Wax`` ... for the RNN, ``Wf`` ... for the LSTM); shapes are checked."""
        keys = set(params)
        wanted: tuple[str, ...]
        if keys >= set(RNN_KEYS):
            cell, wanted = "rnn", RNN_KEYS
        elif keys >= set(LSTM_KEYS):
            cell, wanted = "lstm", LSTM_KEYS
        else:
            raise ValueError(
                f"params must hold the RNN keys {', '.join(RNN_KEYS)} or the LSTM keys "
                f"{', '.join(LSTM_KEYS)}; got {sorted(keys)}"
            )
        arrays = {k: np.array(as_array(params[k]), dtype=np.float64) for k in wanted}
        W_in = arrays["Wax"] if cell == "rnn" else arrays["Wf"]
        W_out = arrays["Wya"] if cell == "rnn" else arrays["Wy"]
        if W_in.ndim != 2 or W_out.ndim != 2:
            raise ValueError("the weight matrices must be 2-D (rows, columns)")
        n_a, n_y = W_in.shape[0], W_out.shape[0]
        n_x = W_in.shape[1] - (n_a if cell == "lstm" else 0)
        if n_x < 1:
            raise ValueError(f"Wf must have shape (n_a, n_a + n_x) with n_x >= 1, got {W_in.shape}")
        for key, shape in _parameter_shapes(cell, n_x, n_a, n_y).items():
            if arrays[key].shape != shape:
                raise ValueError(
                    f"params['{key}'] must have shape {shape} (n_x = {n_x}, n_a = {n_a}, "
                    f"n_y = {n_y}), got {arrays[key].shape}"
                )
        model = cls.__new__(cls)
        model.seed, model.init = None, "given"
        model._build(cell, arrays, l2)
        return model

    def _build(self, cell: str, arrays: dict[str, np.ndarray], l2: float) -> None:
        if not np.isfinite(l2) or l2 < 0:
            raise ValueError(f"l2 (lambda) must be >= 0, got {l2}")
        self.cell = cell
        self.cell_op: type[Function] = RNNCell if cell == "rnn" else LSTMCell
        self.l2 = float(l2)
        self._params = {k: Tensor(v, requires_grad=True, name=k) for k, v in arrays.items()}
        W_in = self._params["Wax" if cell == "rnn" else "Wf"]
        self.n_a = W_in.shape[0]
        self.n_x = W_in.shape[1] - (self.n_a if cell == "lstm" else 0)
        self.n_y = self._params["by"].shape[0]

    # -- structure ----------------------------------------------------------------------
    @property
    def keys(self) -> tuple[str, ...]:
        """The parameter keys, in the course's order."""
        return RNN_KEYS if self.cell == "rnn" else LSTM_KEYS

    @property
    def cell_keys(self) -> tuple[str, ...]:
        """The keys of the cell's parameters, in the order the cell op takes them: ``Wax, Waa,
        ba`` (RNN) or ``Wf, bf, Wi, bi, Wc, bc, Wo, bo`` (LSTM)."""
        return ("Wax", "Waa", "ba") if self.cell == "rnn" else LSTM_KEYS[:8]

    @property
    def dtype(self) -> np.dtype:
        """The parameters' dtype."""
        return self._params[self.output_key].dtype

    @property
    def output_key(self) -> str:
        """The output weight's key: ``Wya`` (RNN) or ``Wy`` (LSTM)."""
        return "Wya" if self.cell == "rnn" else "Wy"

    def parameters(self) -> dict[str, Tensor]:
        """The live parameter Tensors under the course's keys (what ``fit`` updates)."""
        return dict(self._params)

    def get_parameters(self) -> dict[str, np.ndarray]:
        """The parameters as numpy copies (the course's parameter dict)."""
        return {k: t.data.copy() for k, t in self._params.items()}

    def num_parameters(self) -> int:
        return sum(t.size for t in self._params.values())

    @property
    def replayable(self) -> bool:
        """Whether ``fit`` may replay a recorded step (``autograd_dnn.tape``): True unless a
        subclass or the instance overrides the forward pass or the cost."""
        methods = ("states", "batch_cost", "logits")
        if self.cell_op is not (RNNCell if self.cell == "rnn" else LSTMCell):
            return False
        return not any(
            getattr(type(self), k) is not getattr(RNNModel, k) or k in vars(self) for k in methods
        )

    # -- data ---------------------------------------------------------------------------
    def check_X(self, X: Any) -> Tensor:
        """X (n_x, m, T_x) as a Tensor, or a ValueError naming the shape expected."""
        data = np.asarray(as_array(X))
        if data.dtype.kind not in "fiub":
            raise TypeError(f"X must hold real numbers, got dtype {data.dtype}")
        if data.ndim != 3:
            raise ValueError(
                f"X must be 3-D (n_x, m, T_x) = ({self.n_x}, m, T_x): n_x features, m "
                f"sequences, T_x time steps; got shape {data.shape}"
            )
        if data.shape[0] != self.n_x:
            hint = ""
            if self.n_x in data.shape[1:]:
                hint = " (the features must be axis 0: did you mean X.transpose(...)?)"
            raise ValueError(
                f"X has shape {data.shape}: n_x = {data.shape[0]} features, but the model "
                f"expects n_x = {self.n_x}, i.e. X of shape ({self.n_x}, m, T_x){hint}"
            )
        if data.shape[1] == 0 or data.shape[2] == 0:
            raise ValueError(f"X of shape (n_x, m, T_x) = {data.shape} holds no sequence")
        if not np.all(np.isfinite(data)):
            raise ValueError("X contains NaN or inf; clean the data first")
        if isinstance(X, Tensor) and X.dtype == np.float64:
            return X
        return Tensor(data.astype(np.float64, copy=False), name="X")

    def check_Y(self, Y: Any, m: int, T_x: int | None = None) -> np.ndarray:
        """Y (n_y, m, T_x): each column one-hot, or all zeros for a step without a target."""
        data = np.asarray(as_array(Y))
        if data.dtype.kind not in "fiub":
            raise TypeError(f"Y must hold real numbers, got dtype {data.dtype}")
        T = "T_x" if T_x is None else T_x
        if data.ndim != 3 or data.shape[:2] != (self.n_y, m) or (T_x and data.shape[2] != T_x):
            raise ValueError(
                f"Y must have shape (n_y, m, T_x) = ({self.n_y}, {m}, {T}), one-hot over the "
                f"n_y = {self.n_y} classes for each sequence and step; got {data.shape}"
            )
        sums = data.sum(axis=0)
        if not (np.all((data == 0) | (data == 1)) and np.all((sums == 0) | (sums == 1))):
            raise ValueError(
                "Y must be one-hot: each column Y[:, i, t] a single 1 (or all zeros for a step "
                "without a target); use np.eye(n_y)[labels] moved to axis 0"
            )
        return data.astype(np.float64, copy=False)

    def samples(self, X: Tensor) -> int:
        """m: the number of sequences of a checked X (n_x, m, T_x), its axis 1."""
        return X.shape[1]

    def batch(self, X: Tensor, Y: np.ndarray, idx: np.ndarray) -> tuple[Tensor, np.ndarray]:
        """The sequences ``idx`` (axis 1) of a checked batch."""
        return Tensor(X.data[:, idx, :], name="X"), Y[:, idx, :]

    # -- forward and cost ---------------------------------------------------------------
    def states(self, X: Tensor) -> list[Tensor]:
        """The recorded state of every step: ``a<t>`` (n_a, m) for the RNN, ``[a<t>; c<t>]``
        (2 n_a, m) for the LSTM, t = 1..T_x, from zero initial states. X: checked."""
        return self._unroll(X)

    def _unroll(
        self,
        X: Tensor,
        weights_at: Callable[[int, list[Tensor]], list[Tensor]] | None = None,
        start: int = 0,
        s: Tensor | None = None,
    ) -> list[Tensor]:
        """The states of steps ``start + 1 .. T_x`` (one ``cell_op`` node each) from the state
        ``s`` of step ``start`` (None: zeros). ``weights_at(t, weights)`` may give other cell
        weights for the step of 0-based index t."""
        weights = [self._params[k] for k in self.cell_keys]
        states = []
        for t in range(start, X.shape[2]):
            ws = weights if weights_at is None else weights_at(t, weights)
            s = self.cell_op.apply(X, s, *ws, t=t)
            states.append(s)
        return states

    def _cost_of(self, states: list[Tensor], Y: np.ndarray, m: int) -> Tensor:
        """J (with the L2 term) from the states of every step."""
        J = sequence_cost(self.logits(states), Y)
        if self.l2:
            weights = (t for k, t in self._params.items() if k.startswith("W"))
            J = J + losses.l2_penalty(weights, self.l2, m)
        return J

    def logits(self, states: list[Tensor]) -> Tensor:
        """``Z<t> = W a<t> + by`` for every step: (n_y, m, T_x)."""
        a = stack_steps(states, 0, self.n_a)
        return sequence_logits(a, self._params[self.output_key], self._params["by"])

    def batch_cost(self, X: Tensor, Y: np.ndarray, l2_m: int | None = None) -> Tensor:
        """J of a checked batch (module docstring), plus the L2 term with ``l2_m`` as m."""
        if np.shape(Y)[2] != X.shape[2]:
            raise ValueError(
                f"Y has T_x = {np.shape(Y)[2]} time steps but X has T_x = {X.shape[2]}: "
                "one target column per step of each sequence"
            )
        J = sequence_cost(self.logits(self.states(X)), Y)
        if self.l2:
            m = X.shape[1] if l2_m is None else l2_m
            weights = (t for k, t in self._params.items() if k.startswith("W"))
            J = J + losses.l2_penalty(weights, self.l2, m)
        J.name = "J"
        return J

    def cost(self, X: Any, Y: Any) -> Tensor:
        """J, a recorded scalar Tensor (module docstring)."""
        Xt = self.check_X(X)
        return self.batch_cost(Xt, self.check_Y(Y, Xt.shape[1], Xt.shape[2]))

    # -- prediction ---------------------------------------------------------------------
    def predict_proba(self, X: Any) -> np.ndarray:
        """``y_hat`` (n_y, m, T_x): the softmax of every step, without recording a graph."""
        with no_grad():
            return self.logits(self.states(self.check_X(X))).softmax(axis=0).data

    def predict(self, X: Any) -> np.ndarray:
        """One-hot predictions (n_y, m, T_x): the most likely class of every step."""
        labels = self.predict_proba(X).argmax(axis=0)  # (m, T_x)
        return np.moveaxis(np.eye(self.n_y)[labels], -1, 0)

    def accuracy(self, X: Any, Y: Any) -> float:
        """Fraction of the steps WITH a target (non-zero columns of Y) predicted right."""
        Xt = self.check_X(X)
        Yd = self.check_Y(Y, Xt.shape[1], Xt.shape[2])
        has = Yd.sum(axis=0) == 1
        if not has.any():
            raise ValueError("Y has no target at any step (every column is zero)")
        right = self.predict_proba(Xt).argmax(axis=0) == Yd.argmax(axis=0)
        return float(right[has].mean())

    def step(self, xt: Any, state: Any = None) -> tuple[np.ndarray, np.ndarray]:
        """One step without recording: ``(y_hat<t> (n_y, m), state<t>)`` from ``x<t>`` (n_x, m)
        and the previous state (None: zeros; else what the previous call returned). For
        sampling (:func:`autograd_dnn.sequences.sample`)."""
        p = self._params
        with no_grad():
            x = Tensor(np.asarray(as_array(xt), dtype=np.float64))
            if x.ndim != 2 or x.shape[0] != self.n_x:
                raise ValueError(f"xt must have shape (n_x, m) = ({self.n_x}, m), got {x.shape}")
            s = None if state is None else Tensor(state)
            s_next = self.cell_op.apply(x, s, *(p[k] for k in self.cell_keys))
            a = s_next.data[: self.n_a]
            z = p[self.output_key].data @ a + p["by"].data
        e = np.exp(z - z.max(axis=0, keepdims=True))
        return e / e.sum(axis=0, keepdims=True), s_next.data

    # -- gradients ----------------------------------------------------------------------
    def gradients(self, X: Any, Y: Any, dx: bool = False) -> dict[str, np.ndarray]:
        """Exact partial derivatives of J by reverse-mode autodiff, as numpy arrays.

        Keys: ``d<key>`` for every parameter (``dWax``, ..., or ``dWf``, ...), then
        ``da1`` .. ``da<T_x>`` (n_a, m) and, for the LSTM, ``dc1`` .. ``dc<T_x>``; with
        ``dx=True`` also ``dx`` (n_x, m, T_x). ``da<t>`` and ``dc<t>`` are the partials of J
        with respect to the cell's outputs ``a<t>`` and ``c<t>`` as the rest of the network
        uses them: the course's ``da_next`` and ``dc_next`` arriving at the cell of step t
        during backprop through time (``dc<T_x> = 0``: the last cell state feeds nothing).
        The course's own backward passes have no 1/m: theirs are m times these when fed the
        gradient of the summed loss (see :mod:`autograd_dnn.textbook.rnn`). Parameters'
        ``.grad`` are left as they were.
        """
        Xt = self.check_X(X)
        m, T_x = Xt.shape[1], Xt.shape[2]
        Yd = self.check_Y(Y, m, T_x)
        X_in = Tensor(Xt.data, requires_grad=dx, name="X")
        with enable_grad():
            states = self.states(X_in)
            J = self._cost_of(states, Yd, m)
        wanted = [f"d{k}" for k in self._params]
        tensors = list(self._params.values()) + states + ([X_in] if dx else [])
        values = [v.data for v in grad(J, tensors)]
        out = dict(zip(wanted, values[: len(wanted)]))
        per_step = values[len(wanted) : len(wanted) + T_x]
        n_a = self.n_a
        for t, ds in enumerate(per_step, start=1):
            out[f"da{t}"] = ds[:n_a]
        if self.cell == "lstm":
            for t, ds in enumerate(per_step, start=1):
                out[f"dc{t}"] = ds[n_a:]
        if dx:
            out["dx"] = values[-1]
        return out

    # -- the checkable protocol (autograd_dnn.gradcheck) ----------------------------------
    def _checked(self, X: Any, Y: Any) -> tuple[Tensor, np.ndarray, int, int]:
        Xt = self.check_X(X)
        m, T_x = Xt.shape[1], Xt.shape[2]
        return Xt, self.check_Y(Y, m, T_x), m, T_x

    def _state_parts(self) -> list[tuple[str, slice]]:
        """The parts of a step's state: ``a`` (RNN); ``a`` and ``c`` rows (LSTM)."""
        if self.cell == "rnn":
            return [("a", slice(None))]
        return [("a", slice(0, self.n_a)), ("c", slice(self.n_a, 2 * self.n_a))]

    def boundaries(self, X: Any, Y: Any) -> list[Boundary]:
        """The time-step boundaries ``a<t>`` (and ``c<t>``), t = T_x .. 1, for a gradient check.

        Each :class:`~autograd_dnn.gradcheck.Boundary` holds the state's value (n_a, m), the
        key of its exact partial in :meth:`gradients` (``da3``, ``dc3``), and a function giving
        J with that state replaced (the output at that step and the steps after it rerun).
        ``where`` is the step whose backward computes the partial: ``da<t-1>`` and ``dc<t-1>``
        are step t's ``da_prev`` and ``dc_prev`` (as ``dA[l-1]`` is layer l's), and ``da<T_x>``,
        ``dc<T_x>`` come from the output alone (``where`` None).
        """
        Xt, Yd, m, T_x = self._checked(X, Y)
        with no_grad():
            base = [s.data.copy() for s in self.states(Xt)]
        out = []
        for t in range(T_x, 0, -1):
            for part, rows in self._state_parts():

                def cost(v: np.ndarray, t: int = t, rows: slice = rows) -> Tensor:
                    s = base[t - 1].copy()
                    s[rows] = v
                    states = [Tensor(b) for b in base[: t - 1]] + [Tensor(s)]
                    states += self._unroll(Xt, start=t, s=states[-1])
                    return self._cost_of(states, Yd, m)

                where = t + 1 if t < T_x else None
                value = base[t - 1][rows].copy()
                out.append(Boundary(f"d{part}<{t}>", f"d{part}{t}", where, value, cost))
        return out

    def parameter_uses(self, X: Any, Y: Any) -> tuple[list[Boundary], dict[str, np.ndarray]]:
        """The cell's parameters as used at each step, for locating a faulty time step.

        Returns the probes ``Wf<t>`` (one per cell parameter and step t; ``of`` names the
        parameter, ``where`` is t) and their exact partials ``dWf3``, ...: the gradient of J
        with respect to the copy of the parameter that step t uses (the parameter's gradient
        is their sum over t), computed by the same ``cell_op`` backward on untied copies.
        """
        Xt, Yd, m, T_x = self._checked(X, Y)
        keys = self.cell_keys
        copies = [
            [Tensor(self._params[k].data, requires_grad=True, name=f"{k}<{t + 1}>") for k in keys]
            for t in range(T_x)
        ]
        with enable_grad():
            J = self._cost_of(self._unroll(Xt, lambda t, _: copies[t]), Yd, m)
        flat = [c for step in copies for c in step]
        values = grad(J, flat)
        grads = {
            f"d{k}{t + 1}": values[t * len(keys) + j].data
            for t in range(T_x)
            for j, k in enumerate(keys)
        }
        probes = []
        for t in range(T_x, 0, -1):
            for j, k in enumerate(keys):

                def cost(v: np.ndarray, t: int = t, j: int = j) -> Tensor:
                    def at(s: int, ws: list[Tensor]) -> list[Tensor]:
                        if s != t - 1:
                            return ws
                        return [Tensor(v) if i == j else w for i, w in enumerate(ws)]

                    return self._cost_of(self._unroll(Xt, at), Yd, m)

                value = self._params[k].data.copy()
                probes.append(Boundary(f"{k}<{t}>", f"d{k}{t}", t, value, cost, of=k))
        return probes, grads

    def parameter_group(self, name: str) -> str:
        """What a parameter belongs to, for the checker's summary: ``gate: f`` (LSTM ``Wf``,
        ``bf``), ..., ``cell`` (RNN ``Wax``, ``Waa``, ``ba``) or ``output layer``."""
        if name in (self.output_key, "by"):
            return "output layer"
        if self.cell == "rnn":
            return "cell"
        return f"gate: {name[1:]}"

    def astype(self, dtype: Any) -> RNNModel:
        """A copy with parameters of ``dtype`` (float64 or float32), the same ``cell_op``."""
        dtype = np.dtype(dtype)
        if dtype not in (np.float64, np.float32):
            raise ValueError(f"dtype must be float64 or float32, got {dtype}")
        copy = type(self).from_parameters(self.get_parameters(), l2=self.l2)
        copy._params = {
            k: Tensor(v.data.astype(dtype), requires_grad=True, name=k)
            for k, v in copy._params.items()
        }
        copy.cell_op = self.cell_op
        copy.seed, copy.init = self.seed, self.init
        return copy

    # -- training -----------------------------------------------------------------------
    def fit(self, X: Any, Y: Any, **options: Any) -> History:
        """Train on X (n_x, m, T_x), Y (n_y, m, T_x); returns the History of costs.

        The options are those of :func:`autograd_dnn.train.fit` (``learning_rate``,
        ``iterations``, ``optimizer``, ``batch_size`` (sequences per mini-batch), ...).
        """
        from autograd_dnn.train import fit

        return fit(self, X, Y, **options)

    # -- persistence --------------------------------------------------------------------
    def save(self, path: str, training_state: bool = True) -> str:
        """Write the model to ``path`` (npz, atomic; its metadata says ``RNNModel`` and holds
        cell, n_x, n_a, n_y, l2 and dtype beside the course's arrays). ``training_state``: also
        keep the last fit's optimizer state, so that after :meth:`load`,
        ``fit(..., resume=True)`` continues bit for bit. A custom ``cell_op`` is not saved:
        the loaded model runs the library's cell."""
        from autograd_dnn.serialize import save

        return save(self, path, training_state=training_state)

    @classmethod
    def load(cls, path: str) -> RNNModel:
        """Read a model written by :meth:`save`; a file of another kind is refused."""
        from autograd_dnn.serialize import load

        model = load(path)
        if not isinstance(model, cls):
            raise ValueError(
                f"{path} holds a {type(model).__name__}, not a {cls.__name__}: use "
                f"{type(model).__name__}.load or autograd_dnn.serialize.load"
            )
        return model

    # -- text ---------------------------------------------------------------------------
    def summary(self, m: int | str = "m", T_x: int | str = "T_x") -> str:
        """A table of the parameters and the sequence shapes in the course's notation."""
        n_x, n_a, n_y = self.n_x, self.n_a, self.n_y
        rows = [("x", f"({n_x}, {m}, {T_x})", "")]
        rows.append(("a" if self.cell == "rnn" else "a, c", f"({n_a}, {m}, {T_x})", ""))
        rows.append(("y_hat, Y", f"({n_y}, {m}, {T_x})", ""))
        rows += [(k, str(t.shape), f"{t.size:,}") for k, t in self._params.items()]
        formula = (
            "a<t> = tanh(Wax x<t> + Waa a<t-1> + ba)"
            if self.cell == "rnn"
            else "LSTM gates f, i, c, o on [a<t-1>; x<t>]"
        )
        footer = [
            f"total parameters: {self.num_parameters():,}   {formula}",
            f"y_hat<t> = softmax({self.output_key} a<t> + by); cost: cross-entropy summed "
            "over t, averaged over m" + (f" + L2 (lambda={self.l2})" if self.l2 else ""),
        ]
        title = f"RNNModel cell={self.cell} n_x={n_x} n_a={n_a} n_y={n_y}"
        return text_table(title, ("quantity", "shape", "parameters"), rows, footer)

    def __repr__(self) -> str:
        return (
            f"RNNModel(n_x={self.n_x}, n_a={self.n_a}, n_y={self.n_y}, cell={self.cell!r}, "
            f"{self.num_parameters():,} parameters)"
        )
