"""The training loop: full-batch or mini-batch gradient descent, with History and progress."""

from __future__ import annotations

import math
import time
from dataclasses import dataclass, field
from typing import Any, Protocol

import numpy as np

from autograd_dnn.display import html_table, progress_class
from autograd_dnn.engine import enable_grad, modes, no_grad
from autograd_dnn.graph import release_graph, released_on_error
from autograd_dnn.optim import Optimizer, clip_gradients, make_optimizer, number
from autograd_dnn.tape import Tape
from autograd_dnn.tensor import Tensor


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
        weight_ratios: per layer, ||dW[l]|| / ||W[l]|| at each recorded point (keys "W1", ...),
            measured on up to 512 training samples: how fast each layer learns.
        activation_grads: per layer boundary, ||dA[l]|| at each recorded point (keys "dA1",
            ...): gradients vanishing or exploding as they flow back through the layers.
            Both are empty with ``fit(..., track_gradients=False)``.
    """

    costs: list[float] = field(default_factory=list)
    dev_costs: list[float] = field(default_factory=list)
    iterations: list[int] = field(default_factory=list)
    unit: str = "iteration"
    learning_rate: float = 0.0
    seconds: float = 0.0
    label: str = ""
    weight_ratios: dict[str, list[float]] = field(default_factory=dict)
    activation_grads: dict[str, list[float]] = field(default_factory=dict)

    def to_dict(self) -> dict[str, Any]:
        return {
            "costs": list(self.costs),
            "dev_costs": list(self.dev_costs),
            "iterations": list(self.iterations),
            "unit": self.unit,
            "learning_rate": self.learning_rate,
            "seconds": self.seconds,
            "label": self.label,
            "weight_ratios": {k: list(v) for k, v in self.weight_ratios.items()},
            "activation_grads": {k: list(v) for k, v in self.activation_grads.items()},
        }

    def __repr__(self) -> str:
        if not self.costs:
            return f"History(label={self.label!r}, empty)"
        last = self.iterations[-1] + 1
        dev = f", dev {self.dev_costs[-1]:.4g}" if self.dev_costs else ""
        name = f"{self.label!r}, " if self.label else ""
        return (
            f"History({name}{last} {self.unit}s, cost {self.costs[0]:.4g} -> "
            f"{self.costs[-1]:.4g}{dev}, {self.seconds:.2f} s)"
        )

    def _repr_html_(self) -> str:
        """The recorded costs as an HTML table (every recorded point, at most 12 shown)."""
        points = list(range(len(self.costs)))
        if len(points) > 12:
            points = points[:6] + points[-6:]
        header = [self.unit, "cost"] + (["dev cost"] if self.dev_costs else [])
        rows = []
        for k in points:
            row = [str(self.iterations[k]), f"{self.costs[k]:.6f}"]
            rows.append(row + ([f"{self.dev_costs[k]:.6f}"] if self.dev_costs else []))
        footer = [f"alpha = {self.learning_rate:g}; {self.seconds:.2f} s"]
        return html_table(header, rows, repr(self), footer)


def minibatches(m: int, batch_size: int, rng: np.random.Generator) -> list[np.ndarray]:
    """Column indices of each mini-batch: a seeded permutation of range(m), cut in batches of
    ``batch_size``; the last, partial batch is kept."""
    perm = rng.permutation(m)
    return [perm[k : k + batch_size] for k in range(0, m, batch_size)]


def fit(
    net: Trainable,
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
    time_interval: int | None = None,
    print_cost: bool = False,
    track_gradients: bool = True,
    resume: bool = False,
    clip: float | None = None,
    clip_norm: bool = False,
) -> History:
    """Train ``net`` on X (n[0], m), Y (n[L], m).

    Args:
        learning_rate: alpha > 0.
        iterations: optimizer steps when ``batch_size`` is None (full batch); EPOCHS (passes
            over the m samples) with mini-batches.
        optimizer: "gd", "momentum" (beta = ``momentum``), "rmsprop" (beta2, epsilon) or
            "adam" (beta1, beta2, epsilon); the course's formulas, Adam's t counted from 1.
        batch_size: None for full batch; else 1..m: each epoch one seeded permutation of the
            m columns cut into batches of ``batch_size``, the last one smaller when
            ``batch_size`` does not divide m (the course's ``random_mini_batches``).
        l2: lambda of the L2 penalty (lambda / 2m) sum ||W[l]||_F^2, m the number of
            training samples (also with mini-batches); sets ``net.l2``. None keeps the
            network's own ``l2`` (the constructor's).
        seed: seeds the mini-batch permutations.
        X_dev: (n[0], m_dev) inputs of a dev set whose cost is recorded beside the training
            cost, at test time (``net.evaluation_cost``: no dropout, batch norm's running
            statistics).
        Y_dev: (n[L], m_dev) labels of that dev set.
        print_every: record the cost every this many steps (or epochs), and at the end.
        progress: a progress bar with the current cost (tqdm); False: silent.
        decay_rate: learning-rate decay per epoch: during epoch e (from 0) alpha =
            alpha0 / (1 + decay_rate * e), the course's ``update_lr``.
        time_interval: with ``decay_rate``, the course's scheduled decay
            (``schedule_lr_decay``): alpha0 / (1 + decay_rate * floor(e / time_interval)).
        print_cost: also print "Cost after iteration i: J" at each recorded point.
        track_gradients: record each layer's ||dW[l]|| / ||W[l]|| and ||dA[l]|| at each
            recorded point (``History.weight_ratios``, ``History.activation_grads``; drawn by
            ``viz.plot_gradient_flow``), on up to 512 training samples.
        clip: clip every step's gradients before the update (against exploding gradients,
            as the course does for RNNs): each entry into [-clip, clip], or with
            ``clip_norm=True`` all of them scaled so their global norm is at most ``clip``.
            None: no clipping. See :func:`autograd_dnn.optim.clip_gradients`.
        resume: continue the last ``fit`` of this network (also one saved and loaded):
            the optimizer's state (t, momentum and Adam buffers), the learning-rate decay
            and the mini-batch permutations go on where they stopped, so 100 iterations,
            save, load and 100 more give the parameters of 200 iterations bit for bit.
            Iterations are numbered on from the last one.

    The training cost is the cost of the training steps (``net.batch_cost``: with dropout, the
    masks of that step; with batch norm, each batch's own statistics).

    After training (also when interrupted), ``net.training_state`` holds what ``resume``
    needs: the optimizer's name and state, the iterations done, the mini-batch RNG and, for a
    network with its own ``rng`` (dropout masks), that RNG's state.

    Returns:
        History with costs, dev_costs and iterations.

    Raises:
        TrainingDiverged: the cost became NaN or inf; the message gives the step and the
            network keeps the parameters of the last step whose cost was finite.
    """
    Xt = Tensor(net.check_X(X).data, name="X")  # never X's own grad: fit needs no dA0
    m = net.samples(Xt)
    Yd = net.check_Y(Y, m)
    _check_options(iterations, print_every, batch_size, l2, m)
    _check_batches(net, m, batch_size)
    if time_interval is not None and not decay_rate:
        raise ValueError("time_interval schedules the learning-rate decay: give a decay_rate too")
    if clip_norm and clip is None:
        raise ValueError("clip_norm=True clips by global norm: give the norm as clip=...")
    if isinstance(seed, bool) or not isinstance(seed, (int, np.integer)) or seed < 0:
        raise ValueError(f"seed must be a whole number >= 0, got {seed!r}")
    dev = _dev_set(net, X_dev, Y_dev)
    if l2 is not None:
        net.l2 = float(l2)
    opt = make_optimizer(
        optimizer,
        net.parameters(),
        learning_rate,
        momentum,
        beta1,
        beta2,
        epsilon,
        decay_rate,
        time_interval,
    )
    history = History(
        unit="iteration" if batch_size is None else "epoch", learning_rate=float(learning_rate)
    )
    stepper = Stepper(net, opt, m, history.unit, clip, clip_norm)
    rng = np.random.default_rng(seed)
    settings = {  # what a resumed fit must keep
        "optimizer": optimizer, "learning_rate": float(opt.initial_learning_rate),
        "batch_size": batch_size, "momentum": momentum, "beta1": beta1, "beta2": beta2,
        "epsilon": epsilon, "decay_rate": decay_rate, "time_interval": time_interval,
    }  # fmt: skip
    first = _resume(net, opt, settings, rng) if resume else 0
    bar = _progress_bar(iterations, history.unit, progress)
    probe = net.batch(Xt, Yd, np.arange(min(m, 512))) if track_gradients else None
    start = time.perf_counter()
    done = first  # iterations completed, for net.training_state
    try:
        for i in range(first, first + iterations):
            J = stepper.epoch(Xt, Yd, i, batch_size, rng)
            if decay_rate:
                opt.decay(i + 1)  # every epoch (a full-batch step is one)
            done = i + 1
            if i % print_every == 0 or done == first + iterations:
                _record(net, history, i, J, dev, print_cost, bar, m)
                if probe is not None:
                    _record_gradient_flow(net, history, *probe)
            if bar is not None:
                bar.update(1)
        _check_final_step(stepper, net.batch(Xt, Yd, np.arange(min(m, 512))))
    finally:
        if bar is not None:
            bar.close()
        opt.zero_grad()  # the last step's gradients belong to parameters that are gone
        net.training_state = {
            **settings,
            "optimizer_state": opt.state_dict(),
            "iterations": done,
            "unit": history.unit,
            "rng": rng.bit_generator.state,
            "interrupted": done < first + iterations,
        }
        model_rng = getattr(net, "rng", None)
        if isinstance(model_rng, np.random.Generator):
            net.training_state["model_rng"] = model_rng.bit_generator.state
    history.seconds = time.perf_counter() - start
    return history


def _resume(net: Any, opt: Optimizer, settings: dict[str, Any], rng: np.random.Generator) -> int:
    """Restore what the last fit left in ``net.training_state``; returns its iteration count.
    A resumed run goes on with the same optimizer and settings: any that differ are named."""
    state = getattr(net, "training_state", None)
    if not state:
        raise ValueError(
            "resume=True, but this network has no training state: train it with fit() first, "
            "or load a model saved after training (save keeps the optimizer's state)"
        )
    differ = [k for k, v in settings.items() if k in state and state[k] != v]
    if differ:
        was = ", ".join(f"{k}={state[k]!r}" for k in differ)
        now = ", ".join(f"{k}={settings[k]!r}" for k in differ)
        raise ValueError(
            f"resume=True continues the last fit, which used {was}; this call asks {now}. "
            "Resume with the same settings, or start again with resume=False"
        )
    opt.load_state_dict(state["optimizer_state"])
    rng.bit_generator.state = state["rng"]
    if "model_rng" in state and isinstance(getattr(net, "rng", None), np.random.Generator):
        net.rng.bit_generator.state = state["model_rng"]
    return int(state["iterations"])


def _check_final_step(stepper: Stepper, batch: tuple) -> None:
    """Every step checks the cost before its update; after the last update nothing would. If
    the parameters or the cost (at test time, on up to 512 training samples) are NaN or inf
    there, the update is taken back (:meth:`Stepper.undo`) and reported."""
    net, opt = stepper.net, stepper.opt
    finite = all(np.all(np.isfinite(p.data)) for p in opt.params)
    if finite:
        cost = getattr(net, "evaluation_cost", net.batch_cost)
        with no_grad(), np.errstate(all="ignore"):
            finite = bool(np.isfinite(float(cost(*batch, l2_m=stepper.m).data)))
    if finite:
        return
    stepper.undo()
    raise TrainingDiverged(
        f"the last update ({stepper.unit} {opt.t}) made the cost non-finite; the network keeps "
        f"the parameters from before it. Try a smaller learning rate than {opt.learning_rate:g}."
    )


def _check_batches(net: Any, m: int, batch_size: int | None) -> None:
    """A model that needs at least k samples per batch (batch norm: 2) gets no smaller one,
    the last mini-batch included."""
    need = getattr(net, "min_batch_size", 1)
    sizes = [m] if batch_size is None else [min(batch_size, m), m % batch_size or batch_size]
    if min(sizes) < need:
        what = f"batch_size={batch_size} leaves a last mini-batch of {min(sizes)}" if (
            batch_size is not None) else f"m = {m}"  # fmt: skip
        raise ValueError(
            f"{what} sample(s), and this network needs at least {need} per batch (batch norm "
            "normalizes over the batch): choose another batch_size"
        )


def _check_options(
    iterations: Any, print_every: Any, batch_size: Any, l2: float | None, m: int
) -> None:
    """Refuse options fit cannot use, naming each."""

    def whole(v: Any) -> bool:
        return isinstance(v, (int, np.integer)) and not isinstance(v, bool)

    if not whole(iterations) or iterations < 1:
        raise ValueError(f"iterations must be a whole number >= 1, got {iterations!r}")
    if not whole(print_every) or print_every < 1:
        raise ValueError(f"print_every must be a whole number >= 1, got {print_every!r}")
    if batch_size is not None and (not whole(batch_size) or not 1 <= batch_size <= m):
        raise ValueError(f"batch_size must be between 1 and m = {m}, got {batch_size!r}")
    if l2 is not None and number("l2 (lambda)", l2) < 0:
        raise ValueError(f"l2 (lambda) must be >= 0, got {l2}")


def _dev_set(net: Trainable, X_dev: Any, Y_dev: Any) -> tuple[Tensor, np.ndarray] | None:
    if (X_dev is None) != (Y_dev is None):
        raise ValueError("pass both X_dev and Y_dev, or neither")
    if X_dev is None:
        return None
    Xd = net.check_X(X_dev)
    return Xd, net.check_Y(Y_dev, net.samples(Xd))


class Trainable(Protocol):
    """What ``fit`` needs of a model: dense, convolutional and recurrent models all offer it,
    and ``fit`` uses nothing else (no private method of any model).

    - ``check_X(X) -> Tensor`` and ``check_Y(Y, m) -> ndarray``: validated data, in the
      model's dtype, with errors that name the shape expected;
    - ``samples(X) -> int``: m, the number of samples of a checked X (dense: its columns;
      convolutional: its first axis);
    - ``batch(X, Y, idx) -> (Tensor, ndarray)``: the samples ``idx`` of X and Y;
    - ``parameters() -> {name: Tensor}``: what the optimizer updates;
    - ``batch_cost(X, Y, l2_m) -> Tensor``: the recorded cost J of a checked batch, its L2
      term (if any) with ``l2_m`` as m;
    - ``replayable``: False when user code runs in the forward pass (every step recorded);
    - ``l2``: the L2 strength lambda (``fit(l2=...)`` sets it);
    - ``training_state``: None until ``fit`` leaves there what ``resume`` needs.

    Optional: ``evaluation_cost(X, Y, l2_m) -> Tensor``, the cost at test time when it
    differs from the training cost (dropout off, batch norm's running statistics): ``fit``
    records the dev cost with it, else with ``batch_cost`` under ``no_grad``; and ``rng``, a
    ``np.random.Generator`` the model draws from in training (dropout masks), whose state
    ``fit`` keeps in ``training_state`` for ``resume``; ``running_statistics() -> dict`` and
    ``set_running_statistics(stats)``, state the forward pass updates (batch norm's
    averages), which a step that fails or diverges gives back.
    """

    l2: float
    training_state: dict[str, Any] | None

    @property
    def replayable(self) -> bool: ...
    def check_X(self, X: Any) -> Tensor: ...
    def check_Y(self, Y: Any, m: int) -> np.ndarray: ...
    def samples(self, X: Tensor) -> int: ...
    def batch(self, X: Tensor, Y: np.ndarray, idx: np.ndarray) -> tuple[Tensor, np.ndarray]: ...
    def parameters(self) -> dict[str, Tensor]: ...
    def batch_cost(self, X: Tensor, Y: np.ndarray, l2_m: int | None = None) -> Tensor: ...


class Stepper:
    """The optimizer steps of one ``fit`` call.

    Each step records the cost of a batch, runs backward and lets the optimizer update the
    parameters. The first two steps of each batch shape are recorded by the engine; the
    second is turned into a :class:`~autograd_dnn.tape.Tape`, which replays every later step
    of that shape (the same ops on new values) without recording. A network whose forward
    runs user code (``net.replayable`` False) is recorded at every step.

    Args:
        net: the model (a :class:`Trainable`).  opt: its optimizer.  m: the training set's m
            (the L2 term's).
        unit: "iteration" or "epoch", for messages.
        clip: clip the gradients before each update (see ``fit``).
        clip_norm: clip by global norm instead of elementwise (see ``fit``).
    """

    def __init__(
        self,
        net: Any,
        opt: Optimizer,
        m: int,
        unit: str = "iteration",
        clip: float | None = None,
        clip_norm: bool = False,
    ) -> None:
        if clip is not None:
            clip_gradients([], clip)  # the same check of max_value, before any step
        self.net, self.opt, self.m, self.unit = net, opt, m, unit
        self.clip, self.clip_norm = clip, clip_norm
        self.tapes: dict | None = {} if net.replayable else None
        self.last: float | None = None  # the last finite cost, for the divergence message
        # batch norm's running averages change in forward: a failed step must give them back
        self.stateful = bool(getattr(net, "running_statistics", dict)())
        self.before: dict | None = None  # those averages before this step
        self.updated_from: dict | None = None  # and before the step of the last update

    def epoch(
        self, X: Tensor, Y: np.ndarray, i: int, batch_size: int | None, rng: np.random.Generator
    ) -> float:
        """One full-batch step, or one pass over seeded mini-batches; returns the mean cost."""
        if batch_size is None:
            return self.step(X, Y, i)
        total = 0.0
        for idx in minibatches(self.m, batch_size, rng):
            X_batch, Y_batch = self.net.batch(X, Y, idx)
            total += self.step(X_batch, Y_batch, i) * len(idx)
        return total / self.m

    def step(self, X: Tensor, Y: np.ndarray, i: int) -> float:
        """One optimizer step on the batch (X, Y); returns the cost before the update. A step
        that fails (Ctrl-C, an error) leaves batch norm's running statistics as before it; one
        whose cost is not finite takes back the last update (:meth:`undo`)."""
        if self.stateful:
            self.before = self.net.running_statistics()
        try:
            self.opt.zero_grad()
            tape = self._tape_for(X, Y)
            value = tape.run(X, Y) if tape else self._recorded_step(X, Y)
            if math.isfinite(value):
                if self.clip is not None:
                    clip_gradients(self.opt.params, self.clip, norm=self.clip_norm)
                self.opt.step()
        except BaseException:
            self._set_statistics(self.before)
            raise
        if not math.isfinite(value):
            self.undo()
            last = "" if self.last is None else f" (the last finite cost was {self.last:.6g})"
            raise TrainingDiverged(
                f"the cost became {value} at {self.unit} {i}{last}; the network keeps the "
                "parameters of the last finite step. Try a smaller learning rate than "
                f"{self.opt.learning_rate:g}."
            )
        self.last, self.updated_from = value, self.before
        return value

    def undo(self) -> None:
        """Take back the last update: the parameters, and batch norm's running statistics, as
        they were before the step that made it (before this step, if none was made)."""
        self.opt.rollback()
        self._set_statistics(self.before if self.updated_from is None else self.updated_from)

    def _set_statistics(self, stats: dict | None) -> None:
        if stats is not None:
            self.net.set_running_statistics(stats)

    def _tape_for(self, X: Tensor, Y: np.ndarray) -> Tape | None:
        """This shape's tape, if it has one (None also while detect_anomaly checks every op)."""
        if self.tapes is None or modes.anomaly:
            return None
        return self.tapes.get((X.shape, np.shape(Y))) or None

    def _recorded_step(self, X: Tensor, Y: np.ndarray) -> float:
        """Record the cost and run backward; tape the shape on its second recorded step."""
        with enable_grad(), released_on_error():  # fit works in a user's no_grad() too, and
            J = self.net.batch_cost(X, Y, self.m)  # an interrupted forward locks nothing
        try:
            value = float(J.data)
            if self.tapes is not None and not modes.anomaly:
                key = (X.shape, np.shape(Y))
                if key not in self.tapes:
                    self.tapes[key] = None  # seen once: a one-step fit compiles no tape
                elif self.tapes[key] is None:
                    self.tapes[key] = Tape.record(J, X, Y, self.opt.params) or False
            if math.isfinite(value):
                J.backward()
        finally:
            release_graph(J)  # a traceback kept by Ctrl-C must not keep W locked
        return value


def _record(net, history: History, i: int, J: float, dev, print_cost: bool, bar, m: int) -> None:
    history.iterations.append(i)
    history.costs.append(J)
    line = f"Cost after {history.unit} {i}: {J:.6f}"
    if dev is not None:
        cost = getattr(net, "evaluation_cost", None) or net.batch_cost
        with no_grad():
            dc = float(cost(*dev, l2_m=m).data)  # the same L2 term as the train cost
        history.dev_costs.append(dc)
        line += f"  dev: {dc:.6f}"
    if bar is not None:
        bar.set_postfix_str(f"cost {J:.4f}" + (f" dev {history.dev_costs[-1]:.4f}" if dev else ""))
    if print_cost:
        if bar is not None:
            bar.write(line)
        else:
            print(line)


def _record_gradient_flow(net: Any, history: History, X: Tensor, Y: np.ndarray) -> None:
    """Append ||dW[l]|| / ||W[l]|| and ||dA[l]|| of the current parameters to ``history``."""
    grads = net.gradients(X, Y)  # any model's: dW.. keys and, for layer boundaries, dA..
    params = net.parameters()
    for key, g in grads.items():
        if key.startswith("dW") and key[1:] in params:
            W = params[key[1:]].data
            ratio = float(np.linalg.norm(g) / max(np.linalg.norm(W), np.finfo(float).tiny))
            history.weight_ratios.setdefault(key[1:], []).append(ratio)
        elif key.startswith("dA") and key != "dA0":  # dA0 is the input's
            history.activation_grads.setdefault(key, []).append(float(np.linalg.norm(g)))


def _progress_bar(total: int, unit: str, enabled: bool):
    """A progress bar over the iterations or epochs (see ``display.progress_class``)."""
    if not enabled:
        return None
    return progress_class()(
        total=total,
        unit=unit[:4] if unit == "iteration" else unit,
        leave=True,
        dynamic_ncols=True,
        mininterval=0.25,
    )
