"""Optimizers: gradient descent, momentum and Adam, each a small class with ``step()``.

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

OPTIMIZERS = ("gd", "momentum", "adam")


class Optimizer(ABC):
    """Base class. ``params``: a dict ``{"W1": Tensor, ...}`` or an iterable of Tensors.

    Args:
        learning_rate: alpha > 0.
        decay_rate: learning-rate decay; after :meth:`decay` (epoch), alpha =
            alpha0 / (1 + decay_rate * epoch). 0 turns it off.
    """

    def __init__(
        self,
        params: Mapping[str, Tensor] | Iterable[Tensor],
        learning_rate: float = 0.0075,
        decay_rate: float = 0.0,
    ) -> None:
        if not np.isfinite(learning_rate) or learning_rate <= 0:
            raise ValueError(f"learning_rate must be > 0, got {learning_rate}")
        if decay_rate < 0:
            raise ValueError(f"decay_rate must be >= 0, got {decay_rate}")
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

    def zero_grad(self) -> None:
        for p in self.params:
            p.grad = None

    def decay(self, epoch: int) -> None:
        """alpha = alpha0 / (1 + decay_rate * epoch)."""
        self.learning_rate = self.initial_learning_rate / (1.0 + self.decay_rate * epoch)


class GD(Optimizer):
    """Gradient descent: W := W - alpha dW."""

    def _delta(self, i: int, g: np.ndarray) -> np.ndarray:
        return g * self.learning_rate


class Momentum(Optimizer):
    """v := beta v + (1 - beta) dW;  W := W - alpha v."""

    buffers = ("v",)

    def __init__(self, params, learning_rate=0.0075, beta=0.9, decay_rate=0.0) -> None:
        super().__init__(params, learning_rate, decay_rate)
        if not 0 <= beta < 1:
            raise ValueError(f"momentum beta must be in [0, 1), got {beta}")
        self.beta = beta
        self.v = [np.zeros_like(p._data) for p in self.params]

    def _delta(self, i: int, g: np.ndarray) -> np.ndarray:
        v = self.v[i]
        v *= self.beta
        v += (1 - self.beta) * g
        return v * self.learning_rate


class Adam(Optimizer):
    """Adam with bias correction: v, s moving averages of dW and dW^2;
    W := W - alpha v_hat / (sqrt(s_hat) + epsilon)."""

    buffers = ("v", "s")

    def __init__(
        self, params, learning_rate=0.001, beta1=0.9, beta2=0.999, epsilon=1e-8, decay_rate=0.0
    ) -> None:
        super().__init__(params, learning_rate, decay_rate)
        for name, b in (("beta1", beta1), ("beta2", beta2)):
            if not 0 <= b < 1:
                raise ValueError(f"{name} must be in [0, 1), got {b}")
        if epsilon <= 0:
            raise ValueError(f"epsilon must be > 0, got {epsilon}")
        self.beta1, self.beta2, self.epsilon = beta1, beta2, epsilon
        self.v = [np.zeros_like(p._data) for p in self.params]
        self.s = [np.zeros_like(p._data) for p in self.params]

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
) -> Optimizer:
    """Build an optimizer by name: ``"gd"``, ``"momentum"`` or ``"adam"``."""
    if name == "gd":
        return GD(params, learning_rate, decay_rate=decay_rate)
    if name == "momentum":
        return Momentum(params, learning_rate, beta=momentum, decay_rate=decay_rate)
    if name == "adam":
        return Adam(params, learning_rate, beta1, beta2, epsilon, decay_rate=decay_rate)
    raise ValueError(f"unknown optimizer {name!r}; known: {', '.join(OPTIMIZERS)}")
