"""Property-based testing kit: check your own course-style backprop against the textbook.

``strategies`` holds hypothesis strategies for layer_dims, activations, parameters, batches and
caches; the ``check_*`` functions compare your functions with :mod:`autograd_dnn.textbook`::

    from autograd_dnn.testing import check_linear_backward, check_model_backward
    check_linear_backward(linear_backward)     # (dZ, linear_cache) -> (dA_prev, dW, db)
    check_model_backward(L_model_backward)     # (AL, Y, caches) -> grads
"""

from autograd_dnn.testing import strategies
from autograd_dnn.testing.checks import (
    M_VALUES,
    check_activation_backward,
    check_linear_backward,
    check_model_backward,
    check_model_forward,
)

__all__ = [
    "M_VALUES",
    "check_activation_backward",
    "check_linear_backward",
    "check_model_backward",
    "check_model_forward",
    "strategies",
]
