"""Per-thread modes: grad mode, anomaly mode, the layer label and the kink log.

Every switch lives in a ``threading.local`` (as in PyTorch), so a model can train in one
thread while another predicts under ``no_grad``. The engine reads :data:`modes` on every op.
"""

from __future__ import annotations

import contextlib
import threading
from collections.abc import Callable, Iterator
from typing import Any

import numpy as np

__all__ = [
    "AnomalyError",
    "Switch",
    "check_finite",
    "collect_kinks",
    "detect_anomaly",
    "enable_grad",
    "is_grad_enabled",
    "modes",
    "no_grad",
    "note_kink",
]


class _Modes(threading.local):
    """Per-thread switches; the class attributes are every new thread's defaults."""

    grad_enabled: bool = True  # record ops (off inside no_grad)
    anomaly: bool = False  # check every op's output for NaN/inf (detect_anomaly)
    layer: int | None = None  # stamped on each recorded node (graph.layer_scope)
    kink_log: list | None = None  # ops with kinks append their side masks (collect_kinks)
    new_nodes: list | None = None  # nodes recorded inside released_on_error(), to release


modes = _Modes()


class AnomalyError(RuntimeError):
    """Raised by :func:`detect_anomaly` at the first op that produces NaN or inf."""


class Switch(contextlib.ContextDecorator):
    """Set one of this thread's :data:`modes` for a block (or a decorated function) and
    restore it after; re-entrant, so one instance may decorate a recursive function."""

    def __init__(self, name: str, value: Any) -> None:
        self.name, self.value = name, value
        self.prev: list[Any] = []

    def __enter__(self) -> None:
        self.prev.append(getattr(modes, self.name))
        setattr(modes, self.name, self.value)

    def __exit__(self, *exc: Any) -> None:
        setattr(modes, self.name, self.prev.pop())

    def _recreate_cm(self) -> Switch:
        """As a decorator: a fresh switch per call, so threads calling one decorated
        function never share (and mix up) the values they restore."""
        return Switch(self.name, self.value)


def no_grad() -> Switch:
    """Record nothing inside the block (evaluation, parameter updates). Also a decorator."""
    return Switch("grad_enabled", False)


def enable_grad() -> Switch:
    """Record again inside a ``no_grad`` block. Also a decorator."""
    return Switch("grad_enabled", True)


def is_grad_enabled() -> bool:
    """Whether ops record in this thread."""
    return modes.grad_enabled


@contextlib.contextmanager
def detect_anomaly() -> Iterator[None]:
    """Raise :class:`AnomalyError` at the first op whose forward or backward gives NaN/inf.

    The message names the op, its inputs (by name) and their shapes. Slow: debugging only.
    """
    with Switch("anomaly", True), np.errstate(all="ignore"):
        yield


def note_kink(side: Callable[[], np.ndarray]) -> None:
    """Ops with kinks (relu, abs, max, ...) report which side of the kink each entry is on,
    while a gradient checker listens (:func:`collect_kinks`); ``side`` is only called then."""
    if modes.kink_log is not None:
        modes.kink_log.append(side())


@contextlib.contextmanager
def collect_kinks() -> Iterator[list]:
    """Collect the side masks of every kinked op run in the block (in this thread)."""
    log: list = []
    with Switch("kink_log", log):
        yield log


def check_finite(data: Any, op_name: str, inputs: str, where: str) -> None:
    """Under :func:`detect_anomaly`: raise :class:`AnomalyError` if ``data`` holds NaN/inf."""
    data = getattr(data, "_data", data)
    if not np.all(np.isfinite(data)):
        bad = "NaN" if np.isnan(data).any() else "inf"
        raise AnomalyError(
            f"detect_anomaly: {where} of op '{op_name}' produced {bad} (inputs: {inputs})"
        )
