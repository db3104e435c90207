"""autograd_dnn: deep L-layer networks whose gradients are proven, not trusted.

Example::

    import autograd_dnn as ad
    net = ad.DeepNetwork([2, 3, 5, 4, 2, 1], seed=0)  # L = 5; samples are columns
    X, Y = ad.datasets.flower(64, seed=0)              # X (2, 64), Y (1, 64)
    print(ad.gradcheck(net, X, Y))                     # one row per tensor, per layer
"""

from autograd_dnn import engine  # noqa: I001  (first: the engine, then what builds on it)
from autograd_dnn import (
    conv,
    convnet,
    datasets,
    functional,
    init,
    losses,
    ops,
    optim,
    recurrent,
    sequences,
    serialize,
    textbook,
    train,
)
from autograd_dnn.gradcheck import (
    Report,
    check_batch_consistency,
    check_gradients,
    compare_with_textbook,
    error_bounds,
    gradcheck,
    gradgradcheck,
)
from autograd_dnn.graph import layer_scope, to_networkx
from autograd_dnn.nn import DeepNetwork, Dense
from autograd_dnn.recurrent import RNNModel
from autograd_dnn.convnet import ConvNetwork
from autograd_dnn.sweep import SweepResult, sweep
from autograd_dnn.engine import (
    Context,
    Function,
    GradientShapeError,
    enable_grad,
    grad,
    no_grad,
    reduce_to_shape,
)
from autograd_dnn.modes import AnomalyError, detect_anomaly, is_grad_enabled
from autograd_dnn.functional import concatenate, stack, where
from autograd_dnn.tensor import Tensor
from autograd_dnn.train import History, TrainingDiverged

__version__ = "0.1.0"

__all__ = [
    "AnomalyError",
    "Context",
    "ConvNetwork",
    "DeepNetwork",
    "Dense",
    "Function",
    "GradientShapeError",
    "History",
    "RNNModel",
    "Report",
    "SweepResult",
    "Tensor",
    "TrainingDiverged",
    "check_batch_consistency",
    "check_gradients",
    "compare_with_textbook",
    "conv",
    "convnet",
    "concatenate",
    "datasets",
    "detect_anomaly",
    "enable_grad",
    "engine",
    "error_bounds",
    "functional",
    "grad",
    "gradcheck",
    "gradgradcheck",
    "init",
    "is_grad_enabled",
    "layer_scope",
    "losses",
    "no_grad",
    "ops",
    "optim",
    "recurrent",
    "reduce_to_shape",
    "sequences",
    "serialize",
    "stack",
    "sweep",
    "textbook",
    "to_networkx",
    "train",
    "where",
]
