"""Reverse mode in one sitting: Function, Context, backward, grad, no_grad.

(Being moved here from ``tensor.py``; the names below are the engine's public API and
their import path stays ``autograd_dnn.engine``.)
"""

from autograd_dnn.tensor import (
    AnomalyError,
    Context,
    Function,
    GradientShapeError,
    detect_anomaly,
    enable_grad,
    grad,
    is_grad_enabled,
    no_grad,
    reduce_to_shape,
)

__all__ = [
    "AnomalyError",
    "Context",
    "Function",
    "GradientShapeError",
    "detect_anomaly",
    "enable_grad",
    "grad",
    "is_grad_enabled",
    "no_grad",
    "reduce_to_shape",
]
