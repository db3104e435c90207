"""autograd_dnn: deep L-layer networks whose gradients are proven, not trusted."""

from autograd_dnn.tensor import (
    AnomalyError,
    Context,
    Function,
    Tensor,
    detect_anomaly,
    enable_grad,
    grad,
    is_grad_enabled,
    no_grad,
    reduce_to_shape,
)

__version__ = "0.1.0"
from autograd_dnn import functional  # noqa: E402
from autograd_dnn.graph import layer_scope, to_networkx  # noqa: E402
