"""The training loop: full-batch or mini-batch gradient descent, with History and progress."""

from __future__ import annotations

import contextlib
import math
import time
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import numpy as np

from autograd_dnn.optim import make_optimizer
from autograd_dnn.tape import Tape
from autograd_dnn.tensor import Tensor, _State, _trusted_step, enable_grad, no_grad

if TYPE_CHECKING:
    from autograd_dnn.nn import DeepNetwork


class TrainingDiverged(FloatingPointError):
    """The cost became NaN or inf; the network keeps the parameters of the last finite step."""


@dataclass
class History:
    """What ``fit`` recorded, one entry per recorded point (every ``print_every`` steps).

    Attributes:
        costs: training cost J at each recorded point (the mean over an epoch's
            mini-batches when training with mini-batches).
        dev_costs: cost on the dev set at the same points (empty without a dev set), with
            the same L2 term as the training cost, so the two curves compare.
        iterations: the step (full batch) or epoch (mini-batch) of each point.
        unit: ``"iteration"`` or ``"epoch"``.
        learning_rate: the initial alpha.  seconds: wall time of the whole run.
    """

    costs: list[float] = field(default_factory=list)
    dev_costs: list[float] = field(default_factory=list)
    iterations: list[int] = field(default_factory=list)
    unit: str = "iteration"
    learning_rate: float = 0.0
    seconds: float = 0.0
    label: str = ""

    def to_dict(self) -> dict[str, Any]:
        return {
            "costs": list(self.costs),
            "dev_costs": list(self.dev_costs),
            "iterations": list(self.iterations),
            "unit": self.unit,
            "learning_rate": self.learning_rate,
            "seconds": self.seconds,
            "label": self.label,
        }


def minibatches(m: int, batch_size: int, rng: np.random.Generator) -> list[np.ndarray]:
    """Column indices of each mini-batch: a seeded permutation of range(m), cut in batches of
    ``batch_size``; the last, partial batch is kept."""
    perm = rng.permutation(m)
    return [perm[k : k + batch_size] for k in range(0, m, batch_size)]


def fit(
    net: DeepNetwork,
    X: Any,
    Y: Any,
    learning_rate: float = 0.0075,
    iterations: int = 2500,
    optimizer: str = "gd",
    batch_size: int | None = None,
    l2: float | None = None,
    momentum: float = 0.9,
    beta1: float = 0.9,
    beta2: float = 0.999,
    epsilon: float = 1e-8,
    seed: int = 0,
    X_dev: Any = None,
    Y_dev: Any = None,
    print_every: int = 100,
    progress: bool = True,
    decay_rate: float = 0.0,
    print_cost: bool = False,
) -> History:
    """Train ``net`` on X (n[0], m), Y (n[L], m).

    Args:
        learning_rate: alpha > 0.
        iterations: optimizer steps when ``batch_size`` is None (full batch); EPOCHS (passes
            over the m samples) with mini-batches.
        optimizer: "gd", "momentum" (beta = ``momentum``) or "adam" (beta1, beta2, epsilon).
        batch_size: None for full batch; else 1..m (a seeded permutation each epoch, the last
            partial batch kept).
        l2: lambda of the L2 penalty (lambda / 2m) sum ||W[l]||_F^2, m the number of
            training samples (also with mini-batches); sets ``net.l2``. None keeps the
            network's own ``l2`` (the constructor's).
        seed: seeds the mini-batch permutations.
        X_dev, Y_dev: a dev set whose cost is recorded beside the training cost.
        print_every: record the cost every this many steps (or epochs), and at the end.
        progress: a progress bar with the current cost (tqdm); False: silent.
        decay_rate: learning-rate decay per epoch: alpha0 / (1 + decay_rate * epoch).
        print_cost: also print "Cost after iteration i: J" at each recorded point.

    Returns:
        History with costs, dev_costs and iterations.

    Raises:
        TrainingDiverged: the cost became NaN or inf; the message gives the step and the
            network keeps the parameters of the last step whose cost was finite.
    """
    Xt = Tensor(net.check_X(X).data, name="X")  # never X's own grad: fit needs no dA0
    m = Xt.shape[1]
    Yd = net.check_Y(Y, m)
    if not isinstance(iterations, (int, np.integer)) or iterations < 1:
        raise ValueError(f"iterations must be a whole number >= 1, got {iterations!r}")
    if not isinstance(print_every, (int, np.integer)) or print_every < 1:
        raise ValueError(f"print_every must be a whole number >= 1, got {print_every!r}")
    if batch_size is not None:
        if not isinstance(batch_size, (int, np.integer)) or not 1 <= batch_size <= m:
            raise ValueError(f"batch_size must be between 1 and m = {m}, got {batch_size!r}")
    if l2 is not None and (l2 < 0 or not np.isfinite(l2)):
        raise ValueError(f"l2 (lambda) must be >= 0, got {l2}")
    dev = None
    if (X_dev is None) != (Y_dev is None):
        raise ValueError("pass both X_dev and Y_dev, or neither")
    if X_dev is not None:
        Xd = net.check_X(X_dev)
        dev = (Xd, net.check_Y(Y_dev, Xd.shape[1]))
    if l2 is not None:
        net.l2 = float(l2)
    opt = make_optimizer(
        optimizer, net.parameters(), learning_rate, momentum, beta1, beta2, epsilon, decay_rate
    )
    unit = "iteration" if batch_size is None else "epoch"
    history = History(unit=unit, learning_rate=float(learning_rate))
    rng = np.random.default_rng(seed)
    bar = _progress_bar(iterations, unit, progress)
    start = time.perf_counter()
    last_finite = None
    trusted = not net._has_custom_ops()
    tapes: dict = {}  # one tape per batch shape, replayed while this call lasts
    try:
        for i in range(iterations):
            if batch_size is None:
                J = _step(net, opt, Xt, Yd, i, unit, last_finite, m, trusted, tapes)
                last_finite = J
                if decay_rate:
                    opt.decay(i + 1)  # a full batch: every step is an epoch
            else:
                total = 0.0
                for idx in minibatches(m, batch_size, rng):
                    Xb = Tensor(Xt.data[:, idx], name="X")
                    Jb = _step(net, opt, Xb, Yd[:, idx], i, unit, last_finite, m, trusted, tapes)
                    last_finite = Jb
                    total += Jb * len(idx)
                J = total / m
                if decay_rate:
                    opt.decay(i + 1)
            if i % print_every == 0 or i == iterations - 1:
                _record(net, history, i, J, dev, print_cost, bar, m)
            if bar is not None:
                bar.update(1)
    finally:
        if bar is not None:
            bar.close()
    history.seconds = time.perf_counter() - start
    return history


def _step(
    net,
    opt,
    X: Tensor,
    Y: np.ndarray,
    i: int,
    unit: str,
    last: float | None,
    m: int,
    trusted: bool | None = None,
    tapes: dict | None = None,
) -> float:
    """One optimizer step on (X, Y), a batch of the m training samples; returns the cost
    before the update.

    ``trusted``: no user code runs inside the forward pass (None: ask the network); then the
    step records without the write guard. ``tapes`` (trusted steps only): this ``fit``
    call's taped steps by batch shape. A shape's second step is recorded and taped, and
    from the third on its tape is replayed instead of recording the same graph again (see
    ``autograd_dnn.tape``); None marks a shape seen once, False one the tape refused."""
    opt.zero_grad()
    if trusted is None:
        trusted = not net._has_custom_ops()
    if not trusted or _State.anomaly:
        tapes = None  # user code, or detect_anomaly checking every op: record each step
    key = (X.shape, np.shape(Y))
    tape = tapes.get(key) if tapes is not None else None  # False: this graph is not taped
    if tape:
        value = tape.run(X, Y)
    else:
        # a layer's own Function or forward keeps the write guard, which turns a stray
        # in-place write into an error; otherwise nothing can write between the two passes
        guard = _trusted_step() if trusted else contextlib.nullcontext()
        with enable_grad(), guard:  # fit works inside a user's no_grad() block too
            J = net._cost(X, Y, fused=True, l2_m=m)
            value = float(J.data)
            if tapes is not None:  # a shape that repeats is taped on its second step
                if key not in tapes:
                    tapes[key] = None  # seen once (a one-step fit compiles no tape)
                elif tapes[key] is None:
                    tapes[key] = Tape.record(J, X, Y, opt.params) or False
            if math.isfinite(value):
                J.backward()
        J = None  # drop the graph now: a kept traceback must not keep X and W locked
    if not math.isfinite(value):
        opt.rollback()
        before = f" (the last finite cost was {last:.6g})" if last is not None else ""
        raise TrainingDiverged(
            f"the cost became {value} at {unit} {i}{before}; the network keeps the parameters "
            f"of the last finite step. Try a smaller learning rate than {opt.learning_rate:g}."
        )
    opt.step()
    return value


def _record(net, history: History, i: int, J: float, dev, print_cost: bool, bar, m: int) -> None:
    history.iterations.append(i)
    history.costs.append(J)
    line = f"Cost after {history.unit} {i}: {J:.6f}"
    if dev is not None:
        with no_grad():
            dc = float(net._cost(*dev, l2_m=m).data)  # the same L2 term as the train cost
        history.dev_costs.append(dc)
        line += f"  dev: {dc:.6f}"
    if bar is not None:
        bar.set_postfix_str(f"cost {J:.4f}" + (f" dev {history.dev_costs[-1]:.4f}" if dev else ""))
    if print_cost:
        if bar is not None:
            bar.write(line)
        else:
            print(line)


def _progress_bar(total: int, unit: str, enabled: bool):
    if not enabled:
        return None
    from tqdm.auto import tqdm

    return tqdm(
        total=total,
        unit=unit[:4] if unit == "iteration" else unit,
        leave=True,
        dynamic_ncols=True,
        mininterval=0.25,
    )
