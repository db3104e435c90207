"""Dense layers and the L-layer network, in the course's notation.

``DeepNetwork([n0, n1, ..., nL])`` holds ``W1, b1, ..., WL, bL`` as Tensors. Forward
propagation runs, for l = 1..L, ``Z[l] = W[l] A[l-1] + b[l]`` and ``A[l] = g[l](Z[l])``,
with samples as columns: X = A[0] has shape (n[0], m).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, Any

import numpy as np

from autograd_dnn import losses, ops
from autograd_dnn.display import html_table, text_table
from autograd_dnn.engine import Function, enable_grad, grad, modes, no_grad
from autograd_dnn.init import INITS, initialize
from autograd_dnn.tensor import Tensor, as_array

if TYPE_CHECKING:
    from autograd_dnn.train import History

ACTIVATIONS = tuple(ops.ACTIVATIONS)  # the one registry: autograd_dnn.ops.ACTIVATIONS
HIDDEN_ACTIVATIONS = ops.HIDDEN_ACTIVATIONS


def _check_activation(name: str, where: str) -> None:
    if name not in ACTIVATIONS:
        raise ValueError(
            f"unknown activation {name!r} for {where}; known: {', '.join(ACTIVATIONS)}"
        )
    if name == "softmax" and where != "the output layer":
        raise ValueError(f"softmax is for the output layer only, not {where}")


def _shape_hint(shape: tuple[int, ...]) -> str:
    """The line that fixes a rank-1 array (``(n, 1)`` or ``(1, n)``); for more axes, say so."""
    if len(shape) > 2:
        return f"got {len(shape)}-D shape {shape}; flatten each sample into a column first"
    n = shape[0] if shape else 1
    return f"got shape {shape}, use ({n}, 1) or (1, {n})"


class Dense:
    """One layer l: ``Z[l] = W[l] A[l-1] + b[l]``, ``A[l] = g[l](Z[l])``; with batch norm
    ``Z[l] = W[l] A[l-1]`` (no b[l]), ``Z_tilde[l] = gamma[l] * Z_norm[l] + beta[l]`` and
    ``A[l] = g[l](Z_tilde[l])``; with dropout (training only) ``A[l] = g(..) * D[l] / keep_prob``.

    Attributes:
        W: Tensor (n[l], n[l-1]), named ``W{l}``.  b: Tensor (n[l], 1), named ``b{l}``, or
            None with batch norm.
        gamma, beta: Tensors (n[l], 1) named ``gamma{l}``, ``beta{l}`` with batch norm, else None.
        running: the batch-norm layer's :class:`~autograd_dnn.ops.RunningStats` (test-time
            mu and sigma2), else None.  eps, momentum: batch norm's eps and beta.
        keep_prob: the dropout keep probability (1: no dropout).
        rng: the ``np.random.Generator`` dropout masks are drawn from (the network's).
        activation: g[l] by name.  l: the layer index (1..L).
        linear_fn: the Function computing Z = W A + b (default ``ops.Linear``).
        activation_fn: a Function computing A = g(Z), or None for the built-in one.

    ``linear_fn`` and ``activation_fn`` let you plug your own forward/backward into one
    layer (a :class:`~autograd_dnn.Function`), and the gradient checker finds it if wrong.
    """

    linear_fn: type[Function] = ops.Linear
    activation_fn: type[Function] | None = None
    b: Tensor | None
    gamma: Tensor | None
    beta: Tensor | None
    running: ops.RunningStats | None

    def __init__(
        self,
        W: np.ndarray,
        b: np.ndarray | None,
        activation: str,
        l: int,
        slope: float = 0.01,
        keep_prob: float = 1.0,
        gamma: np.ndarray | None = None,
        beta: np.ndarray | None = None,
        rng: np.random.Generator | None = None,
    ) -> None:
        self.l = l
        self.W = Tensor(W, requires_grad=True, name=f"W{l}")
        self.W.layer = l
        self.b = self.gamma = self.beta = self.running = None
        if gamma is None:
            self.b = Tensor(b, requires_grad=True, name=f"b{l}")
            self.b.layer = l
        else:
            self.gamma = Tensor(gamma, requires_grad=True, name=f"gamma{l}")
            self.beta = Tensor(beta, requires_grad=True, name=f"beta{l}")
            self.gamma.layer = self.beta.layer = l
            self.running = ops.RunningStats(self.W.shape[0], self.W.dtype)
        self.eps, self.momentum = 1e-8, 0.9
        self.keep_prob = float(keep_prob)
        self.rng = rng if rng is not None else np.random.default_rng(0)
        self.activation = activation
        self.slope = slope
        self.z_name, self.a_name = f"Z{l}", f"A{l}"

    @property
    def batch_norm(self) -> bool:
        """Whether this layer normalizes Z[l] (and has gamma, beta instead of b)."""
        return self.gamma is not None

    @property
    def plain(self) -> bool:
        """Neither dropout nor batch norm: forward(A_prev) is the whole story."""
        return self.gamma is None and self.keep_prob == 1.0

    def parameters(self) -> dict[str, Tensor]:
        """This layer's parameters by name: ``W{l}, b{l}`` or ``W{l}, gamma{l}, beta{l}``."""
        tensors = (self.W, self.b) if self.gamma is None else (self.W, self.gamma, self.beta)
        return {t.label: t for t in tensors if t is not None}  # label: the name given above

    def linear(self, A_prev: Tensor) -> Tensor:
        """Z[l] = W[l] A[l-1] + b[l] (with batch norm, W[l] A[l-1]): (n[l-1], m) -> (n[l], m),
        named ``Z{l}``."""
        prev, modes.layer = modes.layer, self.l  # layer_scope(l), without a generator
        try:
            if self.b is not None:
                Z = self.linear_fn.apply(self.W, A_prev, self.b)
            elif self.linear_fn is ops.Linear:
                Z = ops.MatMul.apply(self.W, A_prev)
            else:  # your own linear Function, with a b of 0
                Z = self.linear_fn.apply(self.W, A_prev, 0.0)
        finally:
            modes.layer = prev
        Z.name = self.z_name
        return Z

    def forward(
        self,
        A_prev: Tensor,
        training: bool = False,
        mask: np.ndarray | None = None,
        update_running: bool = False,
        named: dict[str, Tensor] | None = None,
    ) -> tuple[Tensor, Tensor]:
        """A[l-1] (n[l-1], m) -> (Z[l], A[l]), both (n[l], m), named ``Z{l}``, ``A{l}``.

        Args:
            training: dropout on (mask ``mask``, else drawn from ``rng``) and batch norm with
                the batch's statistics; False (test time): no dropout, running statistics.
            update_running: fold the batch's mu and sigma2 into ``running`` (fit's steps).
            named: a dict that receives ``Z_tilde{l}`` (batch norm) and ``g(Z{l})`` (the
                activation before dropout), if given.
        """
        Z = self.linear(A_prev)
        prev, modes.layer = modes.layer, self.l
        try:
            Zt = Z
            if self.gamma is not None:
                use_running = update_running or not training
                Zt = ops.BatchNorm.apply(
                    Z,
                    self.gamma,
                    self.beta,
                    eps=self.eps,
                    running=self.running if use_running else None,
                    momentum=self.momentum,
                    training=training,
                )
                Zt.name = f"Z_tilde{self.l}"
                if named is not None:
                    named[Zt.name] = Zt
            if self.activation_fn is not None:
                A = self.activation_fn.apply(Zt)
            else:
                A = ops.activate(self.activation, Zt, self.slope)
            if A is not Zt:
                A.name = self.a_name
            if training and self.keep_prob < 1.0:
                if named is not None:
                    named[f"g({Zt.name})"] = A
                if A is not Zt:
                    A.name = f"g({Zt.name})"
                seed = self.rng if mask is None else None
                A = ops.Dropout.apply(A, keep_prob=self.keep_prob, mask=mask, seed=seed)
                A.name = self.a_name
        finally:
            modes.layer = prev
        return Z, A

    def __repr__(self) -> str:
        n, n_prev = self.W.shape
        extra = ", batch_norm" if self.gamma is not None else ""
        extra += f", keep_prob={self.keep_prob:g}" if self.keep_prob < 1 else ""
        return f"Dense(l={self.l}, W{self.l}=({n}, {n_prev}), g={self.activation}{extra})"


class DeepNetwork:
    """An L-layer network ``layer_dims = [n[0], n[1], ..., n[L]]``.

    Args:
        layer_dims: units per layer, input first; L = len(layer_dims) - 1.
        hidden_activation: g[1..L-1]: relu, leaky_relu, tanh, sigmoid or linear.
        output_activation: g[L]: sigmoid (binary cross-entropy), softmax (categorical
            cross-entropy, Y one-hot), linear (mean squared error / 2), or another one
            (mean squared error / 2 on A[L]).
        init: he, xavier, course or zeros (see ``autograd_dnn.init``).
        seed: initialization seed.
        dtype: np.float64 (default) or np.float32.
        activations: the L activations by name, overriding hidden/output.
        l2: L2 regularization strength lambda, added to the cost.
        leaky_slope: slope of leaky_relu for z < 0.
        keep_prob: inverted dropout on the hidden layers 1..L-1 (never the input, never the
            output): one probability of keeping a unit for all, or a list of L - 1. 1 (the
            default) turns it off. Dropout acts only in training (``fit``, ``gradients``),
            never in ``predict``, ``cost`` or ``accuracy``.
        batch_norm: batch norm on the hidden layers: ``b[l]`` is dropped (it is redundant)
            and ``gamma[l]`` (ones), ``beta[l]`` (zeros) are parameters; test time uses the
            running averages of mu and sigma2 over the training mini-batches.

    Modes: *training* (``fit``'s steps, and ``gradients`` by default) draws dropout masks
    and normalizes with each batch's statistics; *evaluation* (``forward``, ``predict``,
    ``cost``, ``accuracy``, the dev cost of ``fit``) applies no dropout and normalizes with
    the running statistics. ``cost_from(..., training=...)`` is the one definition of both.

    Dropout masks are drawn from the network's own ``rng`` (``np.random.default_rng(seed)``),
    so ``fit`` is deterministic. To evaluate with fixed ("frozen") masks, as a gradient check
    must, draw them with :meth:`dropout_masks` and pass them back: ``gradients(X, Y,
    masks=masks)``, ``cost_from(..., training=True, masks=masks)``.

    Attributes:
        training_state: what the last ``fit`` left for ``fit(..., resume=True)`` (None
            before any training).
        rng: the ``np.random.Generator`` of the dropout masks.

    Example:
        >>> net = DeepNetwork([2, 3, 5, 4, 2, 1], seed=0)
        >>> net.L, net.activations[-1]
        (5, 'sigmoid')
    """

    training_state: dict | None = None

    def __init__(
        self,
        layer_dims: Sequence[int],
        hidden_activation: str = "relu",
        output_activation: str = "sigmoid",
        init: str = "he",
        seed: int = 0,
        dtype: Any = np.float64,
        activations: Sequence[str] | None = None,
        l2: float = 0.0,
        leaky_slope: float = 0.01,
        keep_prob: float | Sequence[float] = 1.0,
        batch_norm: bool = False,
    ) -> None:
        dims = _check_layer_dims(layer_dims)
        L = len(dims) - 1
        if activations is None:
            activations = [hidden_activation] * (L - 1) + [output_activation]
        if init not in INITS:
            raise ValueError(f"unknown init {init!r}; known: {', '.join(INITS)}")
        dtype = _check_dtype(dtype)
        if seed is not None and (
            isinstance(seed, bool) or not isinstance(seed, (int, np.integer)) or seed < 0
        ):
            raise ValueError(f"seed must be a whole number >= 0 (or None), got {seed!r}")
        if L == 1 and (batch_norm is True or np.any(np.asarray(keep_prob) != 1)):
            raise ValueError(
                "keep_prob and batch_norm act on hidden layers, and this network has none "
                f"(layer_dims {dims}, L = 1): add a hidden layer or leave them out"
            )
        params = initialize(dims, init, seed, dtype.type)
        if not isinstance(batch_norm, (bool, np.bool_)):
            raise TypeError(f"batch_norm must be True or False, got {batch_norm!r}")
        if batch_norm:
            for l in range(1, L):  # hidden layers: b[l] is redundant with beta[l]
                n = params.pop(f"b{l}").shape[0]
                params[f"gamma{l}"] = np.ones((n, 1), dtype=dtype)
                params[f"beta{l}"] = np.zeros((n, 1), dtype=dtype)
        self._build(params, list(activations), l2, leaky_slope, keep_prob, seed)
        self.init = init
        self.seed: int | None = seed  # None: built from given parameters

    @classmethod
    def from_parameters(
        cls,
        params: Mapping[str, Any],
        activations: Sequence[str] | None = None,
        l2: float = 0.0,
        leaky_slope: float = 0.01,
        keep_prob: float | Sequence[float] = 1.0,
        seed: int = 0,
    ) -> DeepNetwork:
        """A network with given parameters ``{"W1": (n[1], n[0]), "b1": (n[1], 1), ...}``.

        A hidden layer with ``gamma{l}`` and ``beta{l}`` (n[l], 1) instead of ``b{l}`` uses
        batch norm. The arrays are copied. ``activations`` defaults to relu ... relu, sigmoid;
        ``keep_prob`` and ``seed`` (of the dropout masks) are as in the constructor.
        """
        layers = sorted(
            int(k[len(p) :])
            for k in params
            for p in ("W", "b", "gamma", "beta")
            if k.startswith(p) and k[len(p) :].isdigit()
        )
        if "W1" not in params:
            raise ValueError("params has no W1: expected keys W1, b1, ..., WL, bL")
        L = layers[-1]
        expected: list[str] = []
        for l in range(1, L + 1):
            bn = f"gamma{l}" in params or f"beta{l}" in params
            if bn and l == L:
                raise ValueError(
                    f"params has gamma{L}/beta{L}: batch norm acts on the hidden layers "
                    f"1..L-1 only; the output layer keeps b{L}"
                )
            keys = (f"W{l}", f"gamma{l}", f"beta{l}") if bn else (f"W{l}", f"b{l}")
            for key in keys:
                if key not in params:
                    raise ValueError(
                        f"params is missing {key} (expected W1, b1, ..., W{L}, b{L}; a batch-norm "
                        "layer has gamma{l}, beta{l} instead of b{l})"
                    )
            expected += keys
        extra = sorted(set(params) - set(expected))
        if extra:
            raise ValueError(
                f"params has unexpected keys {extra}; expected W1, b1, ..., W{L}, b{L} (a "
                "batch-norm layer: gamma{l}, beta{l} instead of b{l})"
            )
        arrays = {k: np.array(as_array(params[k]), copy=True) for k in params}
        for k, v in arrays.items():
            if v.dtype.kind not in "fiu":
                raise TypeError(f"{k} must hold real numbers, got dtype {v.dtype}")
            if not np.all(np.isfinite(v)):
                raise ValueError(f"{k} contains NaN or inf; give finite parameters")
        for l in range(1, L + 1):
            if arrays[f"W{l}"].ndim != 2:
                raise ValueError(
                    f"W[{l}] must be 2-D (n[{l}], n[{l - 1}]); {_shape_hint(arrays[f'W{l}'].shape)}"
                )
        W1 = arrays["W1"]
        dims = [W1.shape[1]] + [arrays[f"W{l}"].shape[0] for l in range(1, L + 1)]
        check_param_shapes(arrays, dims)
        dtype = np.float32 if W1.dtype == np.float32 else np.float64
        arrays = {k: v.astype(dtype, copy=False) for k, v in arrays.items()}
        if activations is None:
            activations = ["relu"] * (L - 1) + ["sigmoid"]
        net = cls.__new__(cls)
        net._build(arrays, list(activations), l2, leaky_slope, keep_prob, seed)
        net.init = "given"
        net.seed = None
        return net

    def _build(
        self,
        params: dict[str, np.ndarray],
        activations: list[str],
        l2: float,
        slope: float,
        keep_prob: Any = 1.0,
        seed: int = 0,
    ) -> None:
        L = sum(1 for k in params if k[:1] == "W")
        if len(activations) != L:
            raise ValueError(
                f"activations has {len(activations)} entries, the network has L = {L} layers"
            )
        for l, a in enumerate(activations, start=1):
            _check_activation(a, "the output layer" if l == L else f"hidden layer {l}")
        if activations[-1] == "softmax" and params[f"W{L}"].shape[0] < 2:
            raise ValueError(
                "a softmax output needs n[L] >= 2 units (one per class); its cost is always 0 "
                "with one unit. For two classes use one sigmoid unit, or n[L] = 2 with softmax"
            )
        if isinstance(slope, bool) or not isinstance(slope, (int, float, np.number)):
            raise TypeError(f"leaky_slope must be a number, got {slope!r}")
        if not np.isfinite(slope):
            raise ValueError(f"leaky_slope must be finite, got {slope}")
        if isinstance(l2, bool) or not isinstance(l2, (int, float, np.number)):
            raise TypeError(f"l2 (lambda) must be a number, got {l2!r}")
        if l2 < 0 or not np.isfinite(l2):
            raise ValueError(f"l2 (lambda) must be >= 0, got {l2}")
        probs = _check_keep_probs(keep_prob, L)
        self.rng = np.random.default_rng(seed)
        self.layers = [
            Dense(
                params[f"W{l}"],
                params.get(f"b{l}"),
                activations[l - 1],
                l,
                slope,
                keep_prob=probs[l - 1],
                gamma=params.get(f"gamma{l}"),
                beta=params.get(f"beta{l}"),
                rng=self.rng,
            )
            for l in range(1, L + 1)
        ]
        self.l2 = float(l2)
        self.leaky_slope = float(slope)

    # -- structure ----------------------------------------------------------------------
    @property
    def L(self) -> int:
        """Number of layers, not counting the input."""
        return len(self.layers)

    @property
    def layer_dims(self) -> list[int]:
        """[n[0], n[1], ..., n[L]]."""
        return [self.layers[0].W.shape[1]] + [layer.W.shape[0] for layer in self.layers]

    @property
    def activations(self) -> list[str]:
        return [layer.activation for layer in self.layers]

    @property
    def output_activation(self) -> str:
        return self.layers[-1].activation

    @property
    def dtype(self) -> np.dtype:
        return self.layers[0].W.dtype

    @property
    def rng(self) -> np.random.Generator:
        """The ``np.random.Generator`` dropout masks are drawn from (every layer shares it);
        assigning a new one hands it to every layer."""
        return self._rng

    @rng.setter
    def rng(self, value: np.random.Generator) -> None:
        if not isinstance(value, np.random.Generator):
            raise TypeError(f"rng must be a np.random.Generator, got {type(value).__name__}")
        self._rng = value
        for layer in getattr(self, "layers", []):
            layer.rng = value

    @property
    def keep_prob(self) -> list[float]:
        """The dropout keep probability of each hidden layer 1..L-1 (1: no dropout)."""
        return [layer.keep_prob for layer in self.layers[:-1]]

    @property
    def batch_norm(self) -> bool:
        """Whether the hidden layers use batch norm (gamma[l], beta[l] instead of b[l])."""
        return any(layer.gamma is not None for layer in self.layers)

    def parameters(self) -> dict[str, Tensor]:
        """``{"W1": Tensor, "b1": Tensor, ..., "WL", "bL"}`` (the live tensors); a batch-norm
        layer l has ``W{l}, gamma{l}, beta{l}`` instead."""
        out: dict[str, Tensor] = {}
        for layer in self.layers:
            out.update(layer.parameters())
        return out

    def copy(self, dtype: Any = None) -> DeepNetwork:
        """An independent copy (of ``dtype``, default the network's): parameters, activations,
        l2, leaky slope, keep_prob, batch norm's eps, momentum and running statistics, the
        dropout RNG's state, and each layer's own ``linear_fn``/``activation_fn``. What a
        gradient check evaluates (a float64 copy) without touching the network."""
        dtype = _check_dtype(self.dtype if dtype is None else dtype)
        params = {k: v.astype(dtype) for k, v in self.get_parameters().items()}
        net = DeepNetwork.from_parameters(
            params,
            activations=self.activations,
            l2=self.l2,
            leaky_slope=self.leaky_slope,
            keep_prob=self.keep_prob,
        )
        net.rng.bit_generator.state = self.rng.bit_generator.state
        net.init, net.seed = self.init, self.seed
        for src, dst in zip(self.layers, net.layers):
            dst.linear_fn, dst.activation_fn = src.linear_fn, src.activation_fn
            dst.eps, dst.momentum = src.eps, src.momentum
        net.set_running_statistics(self.running_statistics())
        return net

    def get_parameters(self) -> dict[str, np.ndarray]:
        """The same keys, as numpy copies."""
        return {k: t.data.copy() for k, t in self.parameters().items()}

    def set_parameters(self, params: Mapping[str, Any]) -> None:
        """Replace W and b values (shapes must match)."""
        live = self.parameters()
        arrays = {k: np.asarray(as_array(v)) for k, v in params.items()}
        check_param_shapes({**{k: t.data for k, t in live.items()}, **arrays}, self.layer_dims)
        unknown = sorted(set(arrays) - set(live))
        if unknown:
            raise ValueError(f"unknown parameters {unknown}; this network has {list(live)}")
        for k, v in arrays.items():
            live[k].data = v.astype(self.dtype, copy=True)

    def num_parameters(self) -> int:
        return sum(t.size for t in self.parameters().values())

    # -- forward and cost ---------------------------------------------------------------
    def check_X(self, X: Any) -> Tensor:
        """Validate X (n[0], m) and return it as a Tensor of the network's dtype."""
        data = as_array(X)
        data = np.asarray(data)
        if data.dtype.kind not in "fiub":
            raise TypeError(f"X must hold real numbers, got dtype {data.dtype}")
        if data.ndim != 2:
            raise ValueError(
                f"X must be 2-D (n[0], m) with samples as columns; {_shape_hint(data.shape)}"
            )
        n0 = self.layer_dims[0]
        if data.shape[0] != n0:
            hint = " (samples must be columns: did you mean X.T?)" if data.shape[1] == n0 else ""
            raise ValueError(
                f"X has shape {data.shape}: n[0] = {data.shape[0]} rows, but the network expects "
                f"n[0] = {n0} input features, i.e. X of shape ({n0}, m){hint}"
            )
        if data.shape[1] == 0:
            raise ValueError("X has m = 0 samples (columns)")
        if not np.all(np.isfinite(data)):
            raise ValueError("X contains NaN or inf; clean the data first")
        if isinstance(X, Tensor) and X.dtype == self.dtype:
            return X
        return Tensor(data.astype(self.dtype, copy=False), name="X")

    def check_Y(self, Y: Any, m: int) -> np.ndarray:
        """Validate Y (n[L], m) for this network's output and cost."""
        data = np.asarray(as_array(Y))
        if data.dtype.kind not in "fiub":
            raise TypeError(f"Y must hold real numbers, got dtype {data.dtype}")
        nL = self.layer_dims[-1]
        out = self.output_activation
        if data.ndim != 2 or data.shape != (nL, m):
            raise ValueError(_Y_shape_problem(data, nL, m, out))
        if not np.all(np.isfinite(data)):
            raise ValueError("Y contains NaN or inf")
        if out == "sigmoid" and not np.all((data == 0) | (data == 1)):
            raise ValueError("Y must hold only 0 and 1 for a sigmoid output (binary labels)")
        if out == "softmax":
            if not (np.all((data == 0) | (data == 1)) and np.allclose(data.sum(axis=0), 1)):
                raise ValueError(
                    "Y must be one-hot for a softmax output: shape (n[L], m), each column a "
                    "single 1 (use np.eye(n_classes)[:, labels])"
                )
        return data.astype(self.dtype, copy=False)

    def forward(self, X: Any, training: bool = False, masks: Mapping | None = None) -> Tensor:
        """A[L] = the prediction, a Tensor (n[L], m). X: ndarray or Tensor (n[0], m).

        Evaluation mode by default (no dropout, batch norm's running statistics);
        ``training=True`` as in :meth:`cost_from` (running statistics are not updated)."""
        A = self.check_X(X)
        masks = self.check_masks(masks, A.shape[1]) if training else None
        for layer in self.layers:
            _, A = self._layer_forward(layer, A, training, masks, False, None)
        return A

    def dropout_masks(self, m: int, seed: int | None = None) -> dict[str, np.ndarray]:
        """Draw one set of dropout masks for a batch of m samples: ``{"D1": (n[1], m), ...}``,
        booleans ``rand < keep_prob``, for each hidden layer with keep_prob < 1, in layer order.

        ``seed``: None draws from the network's ``rng`` (as ``fit`` does, advancing it); an
        int draws from ``np.random.default_rng(seed)`` (the same masks every time). Pass the
        result back as ``masks=`` to evaluate with these masks frozen."""
        rng = self.rng if seed is None else np.random.default_rng(seed)
        dims = self.layer_dims
        return {
            f"D{layer.l}": ops.draw_mask((dims[layer.l], m), layer.keep_prob, rng)
            for layer in self.layers[:-1]
            if layer.keep_prob < 1.0
        }

    def check_masks(self, masks: Mapping | None, m: int) -> dict[str, np.ndarray] | None:
        """Validate frozen dropout masks ``{"D1": (n[1], m), ...}`` for a batch of m samples:
        one boolean (or 0/1) array per hidden layer with dropout, of A[l]'s shape."""
        if masks is None:
            return None
        if not isinstance(masks, Mapping):
            raise TypeError(
                f"masks must be a dict {{'D1': array, ...}}, got {type(masks).__name__}"
            )
        dims = self.layer_dims
        wanted = [f"D{ly.l}" for ly in self.layers[:-1] if ly.keep_prob < 1.0]
        extra = sorted(set(masks) - set(wanted))
        if extra:
            raise ValueError(
                f"masks has keys {extra} for layers without dropout; expected {wanted} "
                f"(keep_prob = {self.keep_prob})"
            )
        out = {}
        for key in wanted:
            if key not in masks:
                raise ValueError(f"masks is missing {key}: expected one mask per layer {wanted}")
            D = np.asarray(as_array(masks[key]))
            l = int(key[1:])
            if D.shape != (dims[l], m):
                raise ValueError(
                    f"mask {key} has shape {D.shape}; D[{l}] has the shape of A[{l}], "
                    f"(n[{l}], m) = ({dims[l]}, {m})"
                )
            if D.dtype != bool:
                if not np.all((D == 0) | (D == 1)):
                    raise ValueError(f"mask {key} must hold only 0/1 (True/False) values")
                D = D.astype(bool)
            out[key] = D
        return out

    @staticmethod
    def _layer_forward(
        layer: Dense,
        A: Tensor,
        training: bool,
        masks: Mapping | None,
        update_running: bool,
        named: dict | None,
    ) -> tuple[Tensor, Tensor]:
        """One layer's forward: ``forward(A)`` for a plain layer (so a Dense subclass with its
        own ``forward(A_prev)`` keeps working), the mode for dropout and batch norm."""
        if layer.plain:
            return layer.forward(A)
        mask = masks.get(f"D{layer.l}") if masks else None
        return layer.forward(A, training, mask, update_running, named)

    def cost_from(
        self,
        l: int,
        A_prev: Any,
        Y: np.ndarray,
        l2_m: int | None = None,
        cache: list | None = None,
        training: bool = False,
        masks: Mapping | None = None,
        update_running: bool = False,
        named: dict | None = None,
    ) -> Tensor:
        """J computed from layer l on, given A[l-1] (n[l-1], m): the one definition of the cost.

        The output layer's activation is fused into its cost (see ``losses``), so ``cache``
        (a list, if given) receives (Z[k], A[k]) for k = l..L with A[L] None when fused. The
        L2 term covers every W[1..L] with ``l2_m`` as its m (default A[l-1]'s m): pass the
        whole training set's m for a mini-batch, so the penalty does not grow as batches
        shrink. Unchecked: Y must come from :meth:`check_Y`.

        Args:
            training: False (evaluation): no dropout, batch norm with the running statistics.
                True: dropout (the ``masks``, else masks drawn from ``rng``) and batch norm
                with this batch's mu and sigma2.
            masks: frozen dropout masks ``{"D1": (n[1], m), ...}`` (see :meth:`dropout_masks`).
            update_running: also fold this batch's mu, sigma2 into the running averages
                (what ``fit``'s steps do, through :meth:`batch_cost`).
            named: a dict receiving the intermediate tensors ``Z_tilde{k}`` (batch norm) and
                ``g(Z{k})`` (an activation before dropout).
        """
        A = A_prev if isinstance(A_prev, Tensor) else Tensor(A_prev)
        if training and masks is not None:
            masks = self.check_masks(masks, A.shape[1])
        for layer in self.layers[l - 1 : -1]:
            Z, A = self._layer_forward(layer, A, training, masks, update_running, named)
            if cache is not None:
                cache.append((Z, A))
        last = self.layers[-1]
        if last.activation in losses.FUSED and last.activation_fn is None:
            ZL, AL = last.linear(A), None
        else:
            ZL, AL = last.forward(A)
        if cache is not None:
            cache.append((ZL, AL))
        J = losses.cost(last.activation, ZL, AL, Y)
        if self.l2:
            m = A.shape[1] if l2_m is None else l2_m
            J = J + losses.l2_penalty((layer.W for layer in self.layers), self.l2, m)
        J.name = "J"
        return J

    def samples(self, X: Tensor) -> int:
        """m: the number of samples of a checked X (n[0], m), its columns."""
        return X.shape[1]

    def batch(self, X: Tensor, Y: np.ndarray, idx: np.ndarray) -> tuple[Tensor, np.ndarray]:
        """The samples ``idx`` of a checked batch: those columns of X (n[0], m) and Y."""
        return Tensor(X.data[:, idx], name="X"), Y[:, idx]

    def batch_cost(self, X: Tensor, Y: np.ndarray, l2_m: int | None = None) -> Tensor:
        """J of a batch already checked by :meth:`check_X` and :meth:`check_Y`: what ``fit``
        records at each step (``l2_m``: the training set's m, see :meth:`cost_from`), in
        training mode: dropout masks drawn from ``rng``, batch norm with the batch's
        statistics, folded into the running averages."""
        return self.cost_from(1, X, Y, l2_m, training=True, update_running=True)

    def evaluation_cost(self, X: Tensor, Y: np.ndarray, l2_m: int | None = None) -> Tensor:
        """J of a checked batch at test time (no dropout, batch norm's running statistics):
        what ``fit`` records as the dev cost. The same as :meth:`batch_cost` for a network
        with neither dropout nor batch norm."""
        return self.cost_from(1, X, Y, l2_m)

    def cost(self, X: Any, Y: Any, training: bool = False, masks: Mapping | None = None) -> Tensor:
        """J, a scalar Tensor: the output's cost (see ``losses``) plus L2 if ``l2`` is set.

        Evaluation mode by default; ``training=True`` (with frozen ``masks`` if given) is the
        cost ``fit`` descends, without touching the running statistics. Backward from it
        reaches every parameter.
        """
        Xt = self.check_X(X)
        Yd = self.check_Y(Y, Xt.shape[1])
        return self.cost_from(1, Xt, Yd, training=training, masks=masks)

    @property
    def min_batch_size(self) -> int:
        """The fewest samples a training batch may have: 2 with batch norm (it normalizes
        over the batch), else 1. ``fit`` refuses a batch_size that leaves fewer."""
        return 2 if any(layer.batch_norm for layer in self.layers) else 1

    @property
    def replayable(self) -> bool:
        """Whether ``fit`` may replay this network's recorded step (``autograd_dnn.tape``):
        False when user code runs in the forward pass (a layer's own ``linear_fn`` or
        ``activation_fn``, or an overridden forward or cost), which then records every step
        under the engine's write guard."""
        methods = ("forward", "cost_from", "batch_cost")
        return not (
            any(getattr(type(self), k) is not getattr(DeepNetwork, k) for k in methods)
            or any(k in vars(self) for k in methods)
            or any(
                type(layer).forward is not Dense.forward
                or type(layer).linear is not Dense.linear
                or "forward" in vars(layer)
                or "linear" in vars(layer)
                or layer.linear_fn is not ops.Linear
                or layer.activation_fn is not None
                for layer in self.layers
            )
        )

    def gradients(
        self,
        X: Any,
        Y: Any,
        dA0: bool = True,
        training: bool = True,
        masks: Mapping | None = None,
    ) -> dict[str, np.ndarray]:
        """Exact partial derivatives of the cost J by reverse-mode autodiff.

        Returns ``{"dW1".., "db1".., "dZ1".., "dA0".., "dA(L-1)"}`` as numpy arrays, each of
        the shape of what it differentiates. These are dJ/dW[l], dJ/db[l], dJ/dZ[l] and
        dJ/dA[l]: the course's dZ[l] and dA[l] (derivatives of the summed loss) are m times
        dJ/dZ[l] and m times dJ/dA[l] (docs/notation.md). Parameters' ``.grad`` are left as
        they were. ``dA0=False`` skips dA0 (X then does not require grad).

        A batch-norm layer l gives ``dgamma{l}``, ``dbeta{l}`` (no ``db{l}``) and
        ``dZ_tilde{l}``; its ``dZ{l}`` is the derivative with respect to ``Z[l] = W[l]
        A[l-1]``, before the normalization.

        Args:
            training: the cost ``fit`` descends (default): dropout on, batch norm with this
                batch's statistics (the running ones are not touched). False: the test-time
                cost (``cost``).
            masks: the dropout masks ``{"D1": (n[1], m), ...}`` to apply (frozen). By default
                ``dropout_masks(m, seed=0)``: the same masks at every call, so the gradients
                are a function of the parameters and a gradient check can replay them.

        With dropout, ``dA{l}`` is the derivative with respect to the layer's output ``A[l] =
        g(Z[l]) * D[l] / keep_prob`` (what layer l+1 reads); the course's
        ``backward_propagation_with_dropout`` reports ``dA[l] * D[l] / keep_prob``, the
        derivative with respect to ``g(Z[l])``.
        """
        Xt = self.check_X(X)
        m = Xt.shape[1]
        Yd = self.check_Y(Y, m)
        if training and masks is None:
            masks = self.dropout_masks(m, seed=0)
        X_in = Tensor(Xt.data, requires_grad=dA0, name="X")
        X_in.layer = 0
        cache: list[tuple[Tensor, Tensor | None]] = []
        named: dict[str, Tensor] = {}
        with enable_grad():  # gradients() works inside a user's no_grad block too
            J = self.cost_from(
                1, X_in, Yd, cache=cache, training=training, masks=masks, named=named
            )
        wanted: list[tuple[str, Tensor]] = []
        for layer in self.layers:
            wanted += [(f"d{k}", t) for k, t in layer.parameters().items() if t.requires_grad]
        for l, (Z, A) in enumerate(cache, start=1):
            wanted.append((f"dZ{l}", Z))
            if f"Z_tilde{l}" in named:
                wanted.append((f"dZ_tilde{l}", named[f"Z_tilde{l}"]))
            if l < self.L and A is not None:  # only A[L] can be None (fused into the cost)
                wanted.append((f"dA{l}", A))
        if dA0:
            wanted.append(("dA0", X_in))
        values = grad(J, [t for _, t in wanted])
        out = {k: v.data for (k, _), v in zip(wanted, values)}
        order = [f"dW{l}" for l in range(1, self.L + 1)]
        for kind in ("b", "gamma", "beta"):
            order += [f"d{kind}{l}" for l in range(1, self.L + 1)]
        order += [f"dZ{l}" for l in range(1, self.L + 1)]
        order += [f"dZ_tilde{l}" for l in range(1, self.L + 1)]
        order += [f"dA{l}" for l in range(0 if dA0 else 1, self.L)]
        return {k: out[k] for k in order if k in out}

    def running_statistics(self) -> dict[str, Any]:
        """The batch-norm layers' running averages, for saving: ``{"mu1": (n[1], 1),
        "sigma2_1": (n[1], 1), "t1": updates, "decay1": beta^t, ...}`` (copies; empty
        without batch norm). :meth:`set_running_statistics` restores them."""
        out: dict[str, Any] = {}
        for layer in self.layers:
            if layer.running is not None:
                st = layer.running.state()
                l = layer.l
                out.update(
                    {f"mu{l}": st["mu"], f"sigma2_{l}": st["sigma2"]}
                    | {f"t{l}": st["t"], f"decay{l}": st["decay"]}
                )
        return out

    def set_running_statistics(self, stats: Mapping[str, Any]) -> None:
        """Restore :meth:`running_statistics` (every batch-norm layer's four entries)."""
        for layer in self.layers:
            if layer.running is None:
                continue
            l = layer.l
            keys = {"mu": f"mu{l}", "sigma2": f"sigma2_{l}", "t": f"t{l}", "decay": f"decay{l}"}
            missing = [k for k in keys.values() if k not in stats]
            if missing:
                raise ValueError(f"running statistics are missing {missing} for layer {l}")
            layer.running.load({k: stats[v] for k, v in keys.items()})

    # -- training and evaluation ----------------------------------------------------------
    def fit(self, X: Any, Y: Any, **options: Any) -> History:
        """Train on X (n[0], m), Y (n[L], m) and return the History of costs.

        The options are those of :func:`autograd_dnn.train.fit`, the one definition
        (``learning_rate``, ``iterations``, ``optimizer``, ``batch_size``, ``l2``, ...).
        """
        from autograd_dnn.train import fit

        return fit(self, X, Y, **options)

    def predict_proba(self, X: Any) -> np.ndarray:
        """A[L] as a numpy array (n[L], m), without recording a graph."""
        with no_grad():
            return self.forward(X).data

    def predict(self, X: Any, labels: bool = False) -> np.ndarray:
        """Predictions (n[L], m): 0/1 for sigmoid (A > 0.5), one-hot for softmax, A[L] else.

        ``labels=True`` (softmax and sigmoid outputs): the predicted class of each sample
        instead, integers of shape (1, m), as :meth:`predict_labels`."""
        if labels:
            return self.predict_labels(X)
        AL = self.predict_proba(X)
        out = self.output_activation
        if out == "sigmoid":
            return (AL > 0.5).astype(AL.dtype)
        if out == "softmax":
            onehot = np.zeros_like(AL)
            onehot[AL.argmax(axis=0), np.arange(AL.shape[1])] = 1
            return onehot
        return AL

    def predict_labels(self, X: Any) -> np.ndarray:
        """The predicted class of each sample, integers of shape (1, m): the unit with the
        largest A[L] for softmax, A[L] > 0.5 for one sigmoid unit."""
        out = self.output_activation
        if out not in ("sigmoid", "softmax") or (out == "sigmoid" and self.layer_dims[-1] != 1):
            raise ValueError(
                "predict_labels is for a softmax output or one sigmoid unit; this network's "
                f"output is {self.layer_dims[-1]} {out} unit(s): use predict()"
            )
        AL = self.predict_proba(X)
        if out == "softmax":
            return AL.argmax(axis=0).reshape(1, -1)
        return (AL > 0.5).astype(np.int64)

    def accuracy(self, X: Any, Y: Any) -> float:
        """Fraction of samples predicted right (sigmoid: every unit; softmax: the class)."""
        out = self.output_activation
        if out not in ("sigmoid", "softmax"):
            raise ValueError(
                f"accuracy is for classification outputs (sigmoid, softmax); this network's "
                f"output is {out}: use cost() instead"
            )
        Xt = self.check_X(X)
        Yd = self.check_Y(Y, Xt.shape[1])
        P = self.predict(Xt)
        if out == "softmax":
            return float(np.mean(P.argmax(axis=0) == Yd.argmax(axis=0)))
        return float(np.mean(np.all(P == Yd, axis=0)))

    # -- text -----------------------------------------------------------------------------
    def summary(self, m: int | str = "m") -> str:
        """A table, one row per layer, of the shapes in the course's notation with m filled in.

        Columns: l, n[l], g[l], W[l] (n[l], n[l-1]), b[l] (n[l], 1), Z[l] and A[l] (n[l], m),
        parameters. dW, db, dZ and dA have the shapes of W, b, Z and A.
        """
        return text_table(
            self._summary_title(),
            self._summary_header(),
            self._summary_rows(m),
            self._summary_footer(),
        )

    def _summary_title(self) -> str:
        return f"DeepNetwork layer_dims={self.layer_dims}  L={self.L}"

    def _summary_header(self) -> tuple[str, ...]:
        header: tuple[str, ...] = _SUMMARY_HEADER
        if self.batch_norm:
            header = (*header[:4], "b[l] or gamma[l], beta[l]", *header[5:])
        if any(p < 1 for p in self.keep_prob):
            header = (*header[:-1], "keep_prob", header[-1])
        return header

    def _summary_rows(self, m: int | str) -> list[tuple[str, ...]]:
        dims = self.layer_dims
        dropout = any(p < 1 for p in self.keep_prob)
        rows: list[tuple[str, ...]] = [
            ("0", str(dims[0]), "input", "", "", f"A[0] = X ({dims[0]}, {m})")
        ]
        rows[0] += ("", "0") if dropout else ("0",)
        for layer in self.layers:
            l, n, n_prev = layer.l, dims[layer.l], dims[layer.l - 1]
            bias = f"({n}, 1)" if layer.b is not None else f"gamma, beta ({n}, 1) each"
            row: tuple[str, ...] = (
                str(l),
                str(n),
                layer.activation,
                f"({n}, {n_prev})",
                bias,
                f"({n}, {m})",
            )
            if dropout:
                row += (f"{layer.keep_prob:g}" if layer.keep_prob < 1 else "",)
            count = sum(t.size for t in layer.parameters().values())
            rows.append((*row, f"{count:,}"))
        return rows

    def _summary_footer(self) -> list[str]:
        l2 = f" + L2 (lambda={self.l2})" if self.l2 else ""
        lines = [
            f"total parameters: {self.num_parameters():,}   "
            f"cost: {_cost_name(self.output_activation)}{l2}",
            "dW[l], db[l], dZ[l], dA[l] have the shapes of W[l], b[l], Z[l], A[l].",
        ]
        if self.batch_norm:
            lines.append(
                "batch norm: Z_tilde[l] = gamma[l] * Z_norm[l] + beta[l] (no b[l]); dgamma[l], "
                "dbeta[l] (n[l], 1); test time uses the running mu[l], sigma2[l]."
            )
        if any(p < 1 for p in self.keep_prob):
            lines.append(
                "dropout (training only): A[l] = g(Z[l]) * D[l] / keep_prob, D[l] (n[l], m)."
            )
        return lines

    def _repr_html_(self) -> str:
        """The summary as an HTML table, for Jupyter."""
        return html_table(
            self._summary_header(),
            self._summary_rows("m"),
            self._summary_title(),
            self._summary_footer(),
        )

    def __str__(self) -> str:
        acts = self.activations
        hidden = f"{acts[0]} x{len(acts) - 1} -> " if len(acts) > 1 else ""
        if len(set(acts[:-1])) > 1:
            hidden = ", ".join(acts[:-1]) + " -> "
        extra = ", batch norm" if self.batch_norm else ""
        probs = self.keep_prob
        if any(p < 1 for p in probs):
            kp = f"{probs[0]:g}" if len(set(probs)) == 1 else str([float(p) for p in probs])
            extra += f", keep_prob={kp}"
        return (
            f"DeepNetwork({self.layer_dims}, {hidden}{acts[-1]}{extra}, "
            f"{self.num_parameters():,} parameters)"
        )

    __repr__ = __str__

    # -- persistence --------------------------------------------------------------------
    def save(self, path: str, training_state: bool = True) -> str:
        """Write the network to ``path`` (npz; atomic). Returns the path written.

        ``training_state``: also keep the last fit's optimizer state, so that after
        :meth:`load`, ``fit(..., resume=True)`` continues exactly."""
        from autograd_dnn.serialize import save

        return save(self, path, training_state=training_state)

    @classmethod
    def load(cls, path: str) -> DeepNetwork:
        """Read a network written by :meth:`save`, checking format, keys and shapes."""
        from autograd_dnn.serialize import load

        return load(path)


_SUMMARY_HEADER = ("l", "n[l]", "g[l]", "W[l]", "b[l]", "Z[l], A[l]", "params")


def _cost_name(out: str) -> str:
    return {
        "sigmoid": "binary cross-entropy",
        "softmax": "categorical cross-entropy",
    }.get(out, "mean squared error / 2")


def _Y_shape_problem(Y: np.ndarray, nL: int, m: int, out: str) -> str:
    """What is wrong with the shape of Y, and the line that fixes it."""
    expected = f"Y must have shape (n[L], m) = ({nL}, {m}), one column per sample of X"
    labels = Y.ndim == 1 or (Y.ndim == 2 and 1 in Y.shape and Y.size == m)
    if labels and out == "softmax" and nL > 1:
        return (
            f"{expected}; got class labels of shape {Y.shape}. A softmax output takes one-hot "
            f"columns: Y = np.eye({nL})[:, labels.ravel().astype(int)] (labels 0..{nL - 1})"
        )
    if labels and nL == 1 and Y.size == m:
        return f"{expected}; got shape {Y.shape}: use Y.reshape(1, {m})"
    if Y.ndim == 2 and Y.shape == (m, nL):
        return f"{expected}; got {Y.shape}: samples must be columns, use Y.T"
    if Y.ndim == 2 and Y.shape[0] == nL:
        return f"{expected}; got {Y.shape} (X and Y have different m)"
    return f"{expected}; got shape {Y.shape}"


def _check_dtype(dtype: Any) -> np.dtype:
    """float64 or float32, named in the error otherwise."""
    try:
        dt = np.dtype(dtype)
    except TypeError:
        raise TypeError(f"dtype must be np.float64 or np.float32, got {dtype!r}") from None
    if dt not in (np.float64, np.float32):
        raise ValueError(f"dtype must be float64 or float32, got {dt}")
    return dt


def _check_layer_dims(layer_dims: Any) -> list[int]:
    if isinstance(layer_dims, (str, bytes)):
        raise TypeError(
            f"layer_dims must be a list of unit counts such as [12288, 20, 7, 5, 1], got the "
            f"string {layer_dims!r} (a string would be read digit by digit)"
        )
    try:
        entries = list(layer_dims)
    except TypeError:
        raise ValueError(
            f"layer_dims must be a list of unit counts [n[0], ..., n[L]], got {layer_dims!r}"
        ) from None
    for l, n in enumerate(entries):
        if isinstance(n, (bool, np.bool_)) or not isinstance(n, (int, float, np.number)):
            raise TypeError(f"n[{l}] in layer_dims must be a whole number, got {n!r}")
        if not np.isfinite(n) or n != int(n):
            raise ValueError(f"layer_dims must hold whole numbers, got {entries}")
        if n > 1_000_000_000:
            raise ValueError(f"n[{l}] = {n:g} units is more than any layer can hold in memory")
    dims = [int(n) for n in entries]
    if len(dims) < 2:
        raise ValueError(
            f"layer_dims needs at least [n[0], n[1]] (an input and one layer), got {dims}"
        )
    for l, n in enumerate(dims):
        if n < 1:
            raise ValueError(f"n[{l}] must be >= 1, got {n} in layer_dims {dims}")
    return dims


def check_param_shapes(arrays: Mapping[str, np.ndarray], dims: list[int]) -> None:
    """Raise a ValueError naming the first W[l], b[l], gamma[l] or beta[l] whose shape breaks
    the rules."""
    for l in range(1, len(dims)):
        W = np.asarray(arrays[f"W{l}"])
        expect_W = (dims[l], dims[l - 1])
        if W.shape != expect_W:
            raise ValueError(
                f"W[{l}] must have shape (n[{l}], n[{l - 1}]) = {expect_W}, got {W.shape}"
            )
        for name in ("b", "gamma", "beta"):
            if f"{name}{l}" not in arrays:
                continue
            v = np.asarray(arrays[f"{name}{l}"])
            if v.shape != (dims[l], 1):
                hint = f" (a rank-1 array: use {name}.reshape(-1, 1))" if v.ndim == 1 else ""
                raise ValueError(
                    f"{name}[{l}] must have shape (n[{l}], 1) = ({dims[l]}, 1), got {v.shape}{hint}"
                )


def _check_keep_probs(keep_prob: Any, L: int) -> list[float]:
    """One keep_prob per layer 1..L (the output's always 1), from a number or a list of L - 1."""
    if isinstance(keep_prob, (list, tuple, np.ndarray)):
        probs = list(keep_prob)
        if len(probs) != L - 1:
            raise ValueError(
                f"keep_prob has {len(probs)} entries; give one per hidden layer, L - 1 = {L - 1} "
                "(dropout never acts on the input or the output layer), or one number"
            )
    else:
        probs = [keep_prob] * (L - 1)
    checked = [ops.check_keep_prob(p, f"keep_prob of layer {l}") for l, p in enumerate(probs, 1)]
    return checked + [1.0]
