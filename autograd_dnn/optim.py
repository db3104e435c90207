"""Optimizers: gradient descent, momentum, RMSprop and Adam, each a small class with ``step()``.

The formulas are the course's (``autograd_dnn.textbook.update_parameters_with_*`` is the
oracle they are tested against), for every parameter W[l], b[l], gamma[l], beta[l]::

    momentum  v = beta v + (1 - beta) dW                     W -= alpha v
    RMSprop   s = beta2 s + (1 - beta2) dW^2                 W -= alpha dW / (sqrt(s) + eps)
    Adam      v, s as above (beta1, beta2); t counts updates from 1
              W -= alpha (v / (1 - beta1^t)) / (sqrt(s / (1 - beta2^t)) + eps)

Learning-rate decay (:meth:`Optimizer.decay`, once per epoch): during epoch e, counted from
0, alpha = alpha0 / (1 + decay_rate * e) (the course's ``update_lr``), or with a
``time_interval`` alpha0 / (1 + decay_rate * floor(e / time_interval)) (``schedule_lr_decay``).

Each optimizer computes the amount to subtract from every parameter and installs
``W[l] - delta`` as a new array: the array of the previous step is never written to, so
:meth:`Optimizer.rollback` can restore it when a step produced a non-finite cost, and an
array you created a parameter from or kept from an earlier step never changes under you.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Iterable, Mapping
from typing import Any

import numpy as np

from autograd_dnn.tensor import Tensor

OPTIMIZERS = ("gd", "momentum", "rmsprop", "adam")


def number(name: str, value: Any) -> float:
    """``value`` as a finite Python float (so a float32 network stays float32), or an error
    naming ``name``."""
    if isinstance(value, bool) or not isinstance(value, (int, float, np.integer, np.floating)):
        raise TypeError(f"{name} must be a number, got {value!r}")
    if not np.isfinite(value):
        raise ValueError(f"{name} must be a finite number, got {value}")
    return float(value)


def _fraction(name: str, value: Any) -> float:
    value = number(name, value)
    if not 0 <= value < 1:
        raise ValueError(f"{name} must be in [0, 1), got {value:g}")
    return value


def _positive(name: str, value: Any) -> float:
    value = number(name, value)
    if value <= 0:
        raise ValueError(f"{name} must be > 0, got {value:g}")
    return value


class Optimizer(ABC):
    """Base class. ``params``: a dict ``{"W1": Tensor, ...}`` or an iterable of Tensors.

    Args:
        learning_rate: alpha > 0.
        decay_rate: learning-rate decay; after :meth:`decay` (epoch), alpha =
            alpha0 / (1 + decay_rate * epoch). 0 turns it off.
        time_interval: None for that continuous decay; an int k > 0 for the scheduled one,
            alpha0 / (1 + decay_rate * floor(epoch / k)): alpha changes every k epochs.
    """

    def __init__(
        self,
        params: Mapping[str, Tensor] | Iterable[Tensor],
        learning_rate: float = 0.0075,
        decay_rate: float = 0.0,
        time_interval: int | None = None,
    ) -> None:
        learning_rate = number("learning_rate", learning_rate)
        if learning_rate <= 0:
            raise ValueError(f"learning_rate must be > 0, got {learning_rate}")
        decay_rate = number("decay_rate", decay_rate)
        if decay_rate < 0:
            raise ValueError(f"decay_rate must be >= 0, got {decay_rate}")
        if time_interval is not None and (
            isinstance(time_interval, bool)
            or not isinstance(time_interval, (int, np.integer))
            or time_interval < 1
        ):
            raise ValueError(
                f"time_interval must be a whole number of epochs >= 1 (or None), got "
                f"{time_interval!r}"
            )
        self.time_interval = None if time_interval is None else int(time_interval)
        if isinstance(params, Mapping):
            self.names = list(params)
            self.params = list(params.values())
        else:
            self.params = list(params)
            self.names = [p.label for p in self.params]
        self.learning_rate = float(learning_rate)
        self.initial_learning_rate = float(learning_rate)
        self.decay_rate = float(decay_rate)
        self.t = 0
        self._previous: list[np.ndarray | None] = [None] * len(self.params)  # for rollback

    @abstractmethod
    def _delta(self, i: int, g: np.ndarray) -> np.ndarray:
        """The amount to subtract from parameter i given its gradient g (same shape), as a
        fresh array: ``step`` writes the new parameter into it."""

    def step(self) -> None:
        """W[l] := W[l] - delta[l] for every parameter that has a gradient."""
        self.t += 1
        previous, delta, subtract = self._previous, self._delta, np.subtract
        for i, p in enumerate(self.params):
            g = p.grad
            if g is None:
                previous[i] = None  # unchanged by this step: rollback leaves it alone
                continue
            d = delta(i, g)
            previous[i] = live = p._data
            p._data = subtract(live, d, d)  # W - delta, written into the delta's fresh array

    def rollback(self) -> None:
        """Restore the parameters from before the last :meth:`step`."""
        for i, p in enumerate(self.params):
            if self._previous[i] is not None:
                p._data, self._previous[i] = self._previous[i], None

    buffers: tuple[str, ...] = ()  # per-parameter state (lists of arrays), e.g. ("v", "s")

    def state_dict(self) -> dict[str, Any]:
        """Everything a later ``fit(..., resume=True)`` needs to continue exactly: the step
        count t, the learning rates, and copies of the per-parameter buffers by name
        (``{"v": {"W1": array, ...}, ...}``)."""
        return {
            "kind": type(self).__name__,
            "t": self.t,
            "learning_rate": self.learning_rate,
            "initial_learning_rate": self.initial_learning_rate,
            "decay_rate": self.decay_rate,
            "time_interval": self.time_interval,
            "buffers": {
                b: {n: a.copy() for n, a in zip(self.names, getattr(self, b))} for b in self.buffers
            },
        }

    def load_state_dict(self, state: Mapping[str, Any]) -> None:
        """Continue from :meth:`state_dict`; the kind, parameter names and shapes must match."""
        if state.get("kind") != type(self).__name__:
            raise ValueError(
                f"the saved optimizer state is {state.get('kind')!r}, this optimizer is "
                f"{type(self).__name__}: resume with the optimizer you trained with"
            )
        for b in self.buffers:
            saved = state["buffers"][b]
            for i, (n, p) in enumerate(zip(self.names, self.params)):
                if n not in saved or np.shape(saved[n]) != p.shape:
                    raise ValueError(
                        f"the saved optimizer state has no {b}[{n}] of shape {p.shape}"
                    )
                getattr(self, b)[i] = np.array(saved[n], dtype=p.dtype)
        self.t = int(state["t"])
        self.learning_rate = float(state["learning_rate"])
        self.initial_learning_rate = float(state["initial_learning_rate"])
        self.decay_rate = float(state["decay_rate"])
        self.time_interval = state.get("time_interval")

    def zero_grad(self) -> None:
        for p in self.params:
            p.grad = None

    def decay(self, epoch: int) -> None:
        """Set alpha for ``epoch`` (counted from 0): alpha0 / (1 + decay_rate * epoch), or with
        ``time_interval`` alpha0 / (1 + decay_rate * floor(epoch / time_interval))."""
        if self.time_interval is not None:
            epoch = epoch // self.time_interval
        self.learning_rate = self.initial_learning_rate / (1.0 + self.decay_rate * epoch)


class GD(Optimizer):
    """Gradient descent: W := W - alpha dW."""

    def _delta(self, i: int, g: np.ndarray) -> np.ndarray:
        return g * self.learning_rate


class Momentum(Optimizer):
    """v := beta v + (1 - beta) dW;  W := W - alpha v."""

    buffers = ("v",)

    def __init__(
        self, params, learning_rate=0.0075, beta=0.9, decay_rate=0.0, time_interval=None
    ) -> None:
        super().__init__(params, learning_rate, decay_rate, time_interval)
        self.beta = _fraction("momentum beta", beta)
        self.v = [np.zeros_like(p.data) for p in self.params]

    def _delta(self, i: int, g: np.ndarray) -> np.ndarray:
        v = self.v[i]
        v *= self.beta
        v += (1 - self.beta) * g
        return v * self.learning_rate


class RMSprop(Optimizer):
    """RMSprop: s := beta2 s + (1 - beta2) dW^2;  W := W - alpha dW / (sqrt(s) + epsilon)."""

    buffers = ("s",)

    def __init__(
        self,
        params,
        learning_rate=0.001,
        beta2=0.999,
        epsilon=1e-8,
        decay_rate=0.0,
        time_interval=None,
    ) -> None:
        super().__init__(params, learning_rate, decay_rate, time_interval)
        self.beta2, self.epsilon = _fraction("beta2", beta2), _positive("epsilon", epsilon)
        self.s = [np.zeros_like(p.data) for p in self.params]

    def _delta(self, i: int, g: np.ndarray) -> np.ndarray:
        s = self.s[i]
        s *= self.beta2
        s += (1 - self.beta2) * (g * g)
        return self.learning_rate * g / (np.sqrt(s) + self.epsilon)


class Adam(Optimizer):
    """Adam with bias correction: v, s moving averages of dW and dW^2;
    W := W - alpha v_hat / (sqrt(s_hat) + epsilon)."""

    buffers = ("v", "s")

    def __init__(
        self,
        params,
        learning_rate=0.001,
        beta1=0.9,
        beta2=0.999,
        epsilon=1e-8,
        decay_rate=0.0,
        time_interval=None,
    ) -> None:
        super().__init__(params, learning_rate, decay_rate, time_interval)
        self.beta1, self.beta2 = _fraction("beta1", beta1), _fraction("beta2", beta2)
        self.epsilon = _positive("epsilon", epsilon)
        self.v = [np.zeros_like(p.data) for p in self.params]
        self.s = [np.zeros_like(p.data) for p in self.params]

    def _delta(self, i: int, g: np.ndarray) -> np.ndarray:
        v, s = self.v[i], self.s[i]
        v *= self.beta1
        v += (1 - self.beta1) * g
        s *= self.beta2
        s += (1 - self.beta2) * (g * g)
        v_hat = v / (1 - self.beta1**self.t)
        s_hat = s / (1 - self.beta2**self.t)
        return self.learning_rate * v_hat / (np.sqrt(s_hat) + self.epsilon)


def make_optimizer(
    name: str,
    params: Mapping[str, Tensor],
    learning_rate: float,
    momentum: float = 0.9,
    beta1: float = 0.9,
    beta2: float = 0.999,
    epsilon: float = 1e-8,
    decay_rate: float = 0.0,
    time_interval: int | None = None,
) -> Optimizer:
    """Build an optimizer by name: ``"gd"``, ``"momentum"``, ``"rmsprop"`` (beta2, epsilon)
    or ``"adam"``."""
    if name == "gd":
        return GD(params, learning_rate, decay_rate=decay_rate, time_interval=time_interval)
    if name == "momentum":
        return Momentum(
            params, learning_rate, beta=momentum, decay_rate=decay_rate, time_interval=time_interval
        )
    if name == "rmsprop":
        return RMSprop(
            params,
            learning_rate,
            beta2,
            epsilon,
            decay_rate=decay_rate,
            time_interval=time_interval,
        )
    if name == "adam":
        return Adam(
            params,
            learning_rate,
            beta1,
            beta2,
            epsilon,
            decay_rate=decay_rate,
            time_interval=time_interval,
        )
    raise ValueError(f"unknown optimizer {name!r}; known: {', '.join(OPTIMIZERS)}")


def clip_gradients(
    params: Mapping[str, Any] | Iterable[Any], max_value: float, norm: bool = False
) -> float:
    """Clip gradients in place against exploding gradients; returns their global norm before.

    Args:
        params: a dict name -> Tensor (its ``.grad`` is clipped; a None grad is skipped) or
            name -> numpy float array (clipped in place, as the course's ``clip``), or an
            iterable of Tensors.
        max_value: a positive number.
        norm: False: the course's elementwise clip, every entry into ``[-max_value,
            max_value]``. True: clip by global norm: if ``G = sqrt(sum of every squared
            entry of every gradient)`` exceeds ``max_value``, every gradient is multiplied by
            ``max_value / G`` (the direction is kept).

    Returns:
        ``G``, the global L2 norm of the gradients before clipping.
    """
    ok = isinstance(max_value, (int, float, np.integer, np.floating))
    if not ok or isinstance(max_value, bool) or not np.isfinite(max_value) or max_value <= 0:
        raise ValueError(f"max_value must be a positive finite number, got {max_value!r}")
    items = list(params.items()) if isinstance(params, Mapping) else list(enumerate(params))
    grads: list[tuple[Any, np.ndarray]] = []
    for key, p in items:
        g = p.grad if isinstance(p, Tensor) else p
        if g is None:
            continue
        if not isinstance(g, np.ndarray) or g.dtype.kind != "f":
            what = g.dtype if isinstance(g, np.ndarray) else type(g).__name__
            raise TypeError(
                f"clip_gradients: the gradient of {key!r} must be a float numpy array (or a "
                f"Tensor with one in .grad), got {what}"
            )
        grads.append((p, g))
    total = float(np.sqrt(sum(float(np.vdot(g, g)) for _, g in grads)))
    for p, g in grads:
        if norm:
            if total <= max_value:
                break
            new = g * (max_value / total)
        else:
            new = np.clip(g, -max_value, max_value)
        if isinstance(p, Tensor):
            p.grad = new
        else:
            p[...] = new
    return total
