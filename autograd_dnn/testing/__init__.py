"""Property-based testing kit: check your own course-style backprop against the textbook.

``strategies`` holds hypothesis strategies for layer_dims, activations, parameters, batches and
caches; the ``check_*`` functions compare your functions with :mod:`autograd_dnn.textbook`::

    from autograd_dnn.testing import check_linear_backward, check_model_backward
    check_linear_backward(linear_backward)     # (dZ, linear_cache) -> (dA_prev, dW, db)
    check_model_backward(L_model_backward)     # (AL, Y, caches) -> grads

Course 2's dropout, L2, batch norm and optimizer updates (:mod:`autograd_dnn.testing.course2`),
Course 4's convolution and pooling (:mod:`autograd_dnn.testing.conv`) and Course 5's RNN and
LSTM cells through time (:mod:`autograd_dnn.testing.rnn`) have kits of their own, exported
here too.
"""

from autograd_dnn.testing import conv, course2, rnn, strategies
from autograd_dnn.testing.checks import (
    M_VALUES,
    check_activation_backward,
    check_linear_backward,
    check_model_backward,
    check_model_forward,
)
from autograd_dnn.testing.conv import (
    check_conv_backward,
    check_conv_forward,
    check_pool_backward,
    check_pool_forward,
)
from autograd_dnn.testing.rnn import (
    check_lstm_backward,
    check_lstm_cell_backward,
    check_rnn_backward,
    check_rnn_cell_backward,
)

__all__ = [
    "M_VALUES",
    "check_activation_backward",
    "check_conv_backward",
    "check_conv_forward",
    "check_linear_backward",
    "check_lstm_backward",
    "check_lstm_cell_backward",
    "check_model_backward",
    "check_model_forward",
    "check_pool_backward",
    "check_pool_forward",
    "check_rnn_backward",
    "check_rnn_cell_backward",
    "conv",
    "course2",
    "rnn",
    "strategies",
]
