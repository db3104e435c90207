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
from autograd_dnn import functional, ops  # noqa: E402
from autograd_dnn.graph import layer_scope, to_networkx  # noqa: E402
from autograd_dnn import datasets, init, losses, optim  # noqa: E402
from autograd_dnn.nn import DeepNetwork, Dense  # noqa: E402
from autograd_dnn.train import History, TrainingDiverged  # noqa: E402
from autograd_dnn.gradcheck import (  # noqa: E402
    Report,
    check_gradients,
    compare_with_textbook,
    gradcheck,
)
from autograd_dnn.tensor import GradientShapeError  # noqa: E402
