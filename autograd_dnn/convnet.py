"""Convolutional networks (Course 4), built from a list of layers; samples come FIRST.

``ConvNetwork([...], input_shape=(n_H, n_W, n_C))`` runs its layers in order on
X = A_prev of shape (m, n_H, n_W, n_C): convolutions, activations and pooling on volumes
(m, n_H, n_W, n_C), then ``Flatten`` into the dense layers' columns (n, m), then ``Dense``
layers, the last of which is the output (softmax or sigmoid, fused into its cost).

The course's SIGNS model (``ConvNetwork.signs()``)::

    CONV2D(f=4, 8 filters, 'same') -> RELU -> MAXPOOL(f=8, stride 8)
    -> CONV2D(f=2, 16 filters, 'same') -> RELU -> MAXPOOL(f=4, stride 4)
    -> FLATTEN -> DENSE(6, softmax)

Names follow the course's TensorFlow model: each layer with parameters is l = 1, 2, ...
(``W1, b1`` the first convolution, ``W3, b3`` the dense layer); its outputs are ``Z{l}``
(the convolution or the linear part of a dense layer), ``A{l}`` (the activation after it),
``P{l}`` (a pooling after it) and ``F`` (the flattened columns).

============  =================================  ==========================================
layer         parameters                          output
============  =================================  ==========================================
``Conv``      W (f, f, n_C_prev, n_C),            Z (m, n_H, n_W, n_C)
              b (1, 1, 1, n_C)
``ReLU``      -                                   A (same shape)
``MaxPool``   -                                   P (m, n_H, n_W, n_C), windows f, stride s
``Flatten``   -                                   F (n_H n_W n_C, m), samples as columns
``Dense``     W (n, n_prev), b (n, 1)             Z (n, m) (and A (n, m) if hidden)
============  =================================  ==========================================

Example::

    >>> import autograd_dnn as ad
    >>> net = ad.ConvNetwork.signs(seed=0)
    >>> [tuple(t.shape) for t in net.parameters().values()]
    [(4, 4, 3, 8), (1, 1, 1, 8), (2, 2, 8, 16), (1, 1, 1, 16), (6, 64), (6, 1)]
"""

from __future__ import annotations

import copy
from abc import ABC, abstractmethod
from collections.abc import Callable, Mapping, Sequence
from typing import TYPE_CHECKING, Any, cast

import numpy as np

from autograd_dnn import losses, ops
from autograd_dnn.conv import (
    AvgPool2D,
    Conv2D,
    MaxPool2D,
    conv_output_size,
    flatten,
    same_padding,
)
from autograd_dnn.display import html_table, text_table
from autograd_dnn.engine import Function, enable_grad, grad, modes, no_grad
from autograd_dnn.tensor import Tensor, as_array

if TYPE_CHECKING:
    from autograd_dnn.gradcheck import Boundary
    from autograd_dnn.train import History

__all__ = [
    "AvgPool",
    "Activation",
    "Conv",
    "ConvNetwork",
    "Dense",
    "Flatten",
    "LAYERS",
    "Layer",
    "MaxPool",
    "ReLU",
]

Shape = tuple[int, ...]
"""A sample's shape: (n_H, n_W, n_C) for a volume, (n,) for a column."""

CHUNK = 256  # samples per forward pass when nothing is recorded (bounds the im2col memory)


def _positive_int(value: Any, what: str) -> int:
    if isinstance(value, bool) or not isinstance(value, (int, np.integer)) or value < 1:
        raise ValueError(f"{what} must be a whole number >= 1, got {value!r}")
    return int(value)


def _volume(shape: Shape) -> str:
    return "(m, " + ", ".join(map(str, shape)) + ")"


def _columns(shape: Shape) -> str:
    return f"({shape[0]}, m)"


def out_text(shape: Shape) -> str:
    """A layer output's shape with m written in: (m, n_H, n_W, n_C) or (n, m)."""
    return _volume(shape) if len(shape) == 3 else _columns(shape)


# ----------------------------------------------------------------------------- layers
class Layer(ABC):
    """One step of a :class:`ConvNetwork`: a layer spec that the network builds.

    A network copies each layer it is given and calls :meth:`build` with the shape of one
    input sample, which checks the shapes, creates the parameters (if any) and returns the
    output sample's shape. ``k`` is the layer's position (1-based) in the list, ``l`` its
    parameter index (``W{l}``, ``b{l}``) for layers with parameters, else the index of the
    last such layer before it; ``name`` names its output (``Z1``, ``A1``, ``P1``, ``F``).
    """

    kind = "layer"  # the course's word, for summaries and pictures
    prefix = "A"  # the output's letter
    has_params = False

    k: int = 0
    l: int = 0
    name: str = ""
    in_shape: Shape = ()
    out_shape: Shape = ()

    def build(self, in_shape: Shape, rng: np.random.Generator, dtype: np.dtype) -> Shape:
        """Check the input sample's shape, create parameters; return the output's shape."""
        self.in_shape = tuple(in_shape)
        self.out_shape = self._output_shape(self.in_shape)
        return self.out_shape

    def _output_shape(self, in_shape: Shape) -> Shape:
        return in_shape

    @abstractmethod
    def forward(self, A: Tensor) -> Tensor:
        """The layer's output from its input (m, ...) -> (m, ...) or columns (n, m)."""

    def params(self) -> list[Tensor]:
        """The layer's parameters (``W{l}``, ``b{l}``), none for most layers."""
        return []

    def config(self) -> dict[str, Any]:
        """The constructor's arguments, JSON-ready: ``type(self)(**config())`` rebuilds it."""
        return {}

    def hyper(self) -> str:
        """The hyperparameters in words (f, stride, pad, units), for summaries."""
        return ""

    def n_params(self) -> int:
        return sum(p.size for p in self.params())

    def where(self) -> str:
        return f"layer {self.k} ({self.kind})"

    def _need_volume(self, in_shape: Shape) -> None:
        if len(in_shape) != 3:
            raise ValueError(
                f"{self.where()} needs a volume (m, n_H, n_W, n_C), but its input is the "
                f"columns {_columns(in_shape)} of a Flatten or Dense layer: put it before "
                "Flatten()"
            )

    def __repr__(self) -> str:
        args = ", ".join(f"{k}={v!r}" for k, v in self.config().items())
        return f"{type(self).__name__}({args})"


def _scoped(layer: Layer, fn: Any, *args: Any, **kwargs: Any) -> Tensor:
    """Run ``fn`` with the recorded nodes stamped with the layer's index (graph pictures)."""
    prev, modes.layer = modes.layer, layer.l or None
    try:
        return fn(*args, **kwargs)
    finally:
        modes.layer = prev


class Conv(Layer):
    """CONV2D: ``Z = conv(A_prev, W) + b`` with n_C = ``filters`` filters of f x f.

    Args:
        f: filter size (f x f).
        filters: n_C, the number of filters (output channels).
        stride: s >= 1.
        pad: an int (the same on every side), ``"same"`` (stride 1: f - 1 rows and columns
            in total, the extra one at the bottom and right, as TensorFlow) or
            ``(top, bottom, left, right)``.

    Parameters ``W{l}`` (f, f, n_C_prev, n_C), He-initialized (randn * sqrt(2 / (f f
    n_C_prev))), and ``b{l}`` (1, 1, 1, n_C) zeros. Output ``Z{l}`` (m, n_H, n_W, n_C) with
    ``n_H = floor((n_H_prev + pad_top + pad_bottom - f) / s) + 1``.

    ``op`` is the Function the layer applies (:class:`autograd_dnn.conv.Conv2D`); assign a
    subclass with your own backward (``net.layers[3].op = MyConv2D``) to have it checked by
    ``ad.gradcheck``, which names the layer it breaks.
    """

    kind = "CONV2D"
    prefix = "Z"
    has_params = True
    op: type[Function] = Conv2D

    def __init__(self, f: int, filters: int, stride: int = 1, pad: int | str | Sequence = 0):
        self.f = _positive_int(f, "Conv: f")
        self.filters = _positive_int(filters, "Conv: filters")
        self.stride = _positive_int(stride, "Conv: stride")
        self.pad = _check_pad(pad, self.stride)
        # _check_pad's only string is "same"
        self.pads = same_padding(self.f) if isinstance(self.pad, str) else _pads(self.pad)

    def _output_shape(self, in_shape: Shape) -> Shape:
        self._need_volume(in_shape)
        top, bottom, left, right = self.pads
        H, W = in_shape[0] + top + bottom, in_shape[1] + left + right
        if self.f > H or self.f > W:
            raise ValueError(
                f"{self.where()}: the filter (f = {self.f}) is larger than its padded input "
                f"{H} x {W} (input {_volume(in_shape)}, pad {self.pad!r}); use a smaller f or "
                "more padding"
            )
        n_H = conv_output_size(H, self.f, self.stride)
        return (n_H, conv_output_size(W, self.f, self.stride), self.filters)

    def build(self, in_shape: Shape, rng: np.random.Generator, dtype: np.dtype) -> Shape:
        out = super().build(in_shape, rng, dtype)
        n_C_prev = in_shape[2]
        scale = np.sqrt(2.0 / (self.f * self.f * n_C_prev))
        W = rng.standard_normal((self.f, self.f, n_C_prev, self.filters)) * scale
        self.W = Tensor(W.astype(dtype), requires_grad=True, name=f"W{self.l}")
        self.b = Tensor(np.zeros((1, 1, 1, self.filters), dtype), requires_grad=True)
        self.b.name = f"b{self.l}"
        self.W.layer = self.b.layer = self.l
        return out

    def forward(self, A: Tensor) -> Tensor:
        """Z (m, n_H, n_W, n_C) = conv2d(A_prev (m, n_H_prev, n_W_prev, n_C_prev), W) + b."""
        return _scoped(self, self.op.apply, A, self.W, self.b, stride=self.stride, pads=self.pads)

    def params(self) -> list[Tensor]:
        return [self.W, self.b]

    def config(self) -> dict[str, Any]:
        pad = list(self.pad) if isinstance(self.pad, tuple) else self.pad
        return {"f": self.f, "filters": self.filters, "stride": self.stride, "pad": pad}

    def hyper(self) -> str:
        pad = f"pad {self.pad}" if self.pad != "same" else "same"
        return f"f={self.f}, {self.filters} filters, s={self.stride}, {pad}"


def _check_pad(pad: Any, stride: int) -> int | str | tuple[int, int, int, int]:
    if isinstance(pad, str):
        if pad != "same":
            raise ValueError(f"Conv: pad must be an int, 'same' or a 4-tuple, got {pad!r}")
        if stride != 1:
            raise ValueError(
                f"Conv: pad='same' is for stride 1 (got stride = {stride}); give an int pad"
            )
        return pad
    if isinstance(pad, (int, np.integer)) and not isinstance(pad, bool) and pad >= 0:
        return int(pad)
    if isinstance(pad, (tuple, list)) and len(pad) == 4:
        if all(
            isinstance(p, (int, np.integer)) and not isinstance(p, bool) and p >= 0 for p in pad
        ):
            top, bottom, left, right = (int(p) for p in pad)
            return top, bottom, left, right
    raise ValueError(
        f"Conv: pad must be an int >= 0, 'same' or (top, bottom, left, right) ints >= 0; "
        f"got {pad!r}"
    )


def _pads(pad: int | tuple[int, int, int, int]) -> tuple[int, int, int, int]:
    return (pad, pad, pad, pad) if isinstance(pad, int) else pad


class Activation(Layer):
    """An activation g applied entry by entry: relu, leaky_relu, tanh, sigmoid or linear.

    Output ``A{l}``, the shape of its input. (Softmax belongs to the output ``Dense``.)
    """

    prefix = "A"

    def __init__(self, g: str = "relu") -> None:
        if g not in ops.HIDDEN_ACTIVATIONS:
            raise ValueError(
                f"Activation: unknown activation {g!r}; known: {', '.join(ops.HIDDEN_ACTIVATIONS)}"
                " (softmax is for the output Dense layer)"
            )
        self.g = g

    @property
    def kind(self) -> str:  # type: ignore[override]  # read-only here: the activation's name
        return self.g.upper()

    def forward(self, A: Tensor) -> Tensor:
        return _scoped(self, ops.activate, self.g, A)

    def config(self) -> dict[str, Any]:
        return {"g": self.g}


class ReLU(Activation):
    """RELU: ``A = max(0, Z)``, entry by entry (g'(0) = 0, as the course)."""

    def __init__(self) -> None:
        super().__init__("relu")

    def config(self) -> dict[str, Any]:
        return {}


class MaxPool(Layer):
    """MAXPOOL: the maximum of each f x f window, stride s (default f), no padding.

    Output ``P{l}`` (m, n_H, n_W, n_C), ``n_H = floor((n_H_prev - f) / s) + 1``. The
    gradient goes to every maximum of a window (the course's ``create_mask_from_window``).
    ``op`` is the Function applied (:class:`autograd_dnn.conv.MaxPool2D`); a subclass with your
    own backward may be assigned, as for :class:`Conv`.
    """

    kind = "MAXPOOL"
    prefix = "P"
    mode = "max"
    op: type[Function] = MaxPool2D

    def __init__(self, f: int, stride: int | None = None) -> None:
        self.f = _positive_int(f, f"{type(self).__name__}: f")
        self.stride = self.f if stride is None else _positive_int(stride, "MaxPool: stride")

    def _output_shape(self, in_shape: Shape) -> Shape:
        self._need_volume(in_shape)
        if self.f > in_shape[0] or self.f > in_shape[1]:
            raise ValueError(
                f"{self.where()}: the window (f = {self.f}) is larger than its input "
                f"{_volume(in_shape)}; use a smaller f"
            )
        n_H = conv_output_size(in_shape[0], self.f, self.stride)
        return (n_H, conv_output_size(in_shape[1], self.f, self.stride), in_shape[2])

    def forward(self, A: Tensor) -> Tensor:
        return _scoped(self, self.op.apply, A, f=self.f, stride=self.stride)

    def config(self) -> dict[str, Any]:
        return {"f": self.f, "stride": self.stride}

    def hyper(self) -> str:
        return f"f={self.f}, s={self.stride}"


class AvgPool(MaxPool):
    """AVGPOOL: the mean of each f x f window, stride s (default f), no padding; each
    entry of a window gets dA / (f f) back (the course's ``distribute_value``)."""

    kind = "AVGPOOL"
    mode = "average"
    op: type[Function] = AvgPool2D


class Flatten(Layer):
    """FLATTEN: (m, n_H, n_W, n_C) -> the dense layers' columns F (n_H n_W n_C, m),
    ``A.reshape(m, -1).T``."""

    kind = "FLATTEN"
    prefix = "F"

    def _output_shape(self, in_shape: Shape) -> Shape:
        self._need_volume(in_shape)
        return (int(np.prod(in_shape)),)

    def forward(self, A: Tensor) -> Tensor:
        return _scoped(self, flatten, A)

    def hyper(self) -> str:
        return " x ".join(map(str, self.in_shape)) + " -> columns" if self.in_shape else ""


class Dense(Layer):
    """DENSE (fully connected): ``Z = W A_prev + b``, ``A = g(Z)``, on columns (n_prev, m).

    Args:
        n: units n[l].
        activation: g: relu, leaky_relu, tanh, sigmoid, linear; ``softmax`` (n >= 2) or
            ``sigmoid`` for the output layer, whose activation is fused into the cost.

    Parameters ``W{l}`` (n, n_prev), He-initialized, and ``b{l}`` (n, 1) zeros.
    """

    kind = "DENSE"
    prefix = "Z"
    has_params = True

    def __init__(self, n: int, activation: str = "relu") -> None:
        self.n = _positive_int(n, "Dense: n")
        if activation not in ops.ACTIVATIONS:
            raise ValueError(
                f"Dense: unknown activation {activation!r}; known: {', '.join(ops.ACTIVATIONS)}"
            )
        self.activation = activation
        self.a_name = ""

    def _output_shape(self, in_shape: Shape) -> Shape:
        if len(in_shape) != 1:
            raise ValueError(
                f"{self.where()} needs columns (n_prev, m), but its input is the volume "
                f"{_volume(in_shape)}: put Flatten() before it"
            )
        return (self.n,)

    def build(self, in_shape: Shape, rng: np.random.Generator, dtype: np.dtype) -> Shape:
        out = super().build(in_shape, rng, dtype)
        W = rng.standard_normal((self.n, in_shape[0])) * np.sqrt(2.0 / in_shape[0])
        self.W = Tensor(W.astype(dtype), requires_grad=True, name=f"W{self.l}")
        self.b = Tensor(np.zeros((self.n, 1), dtype), requires_grad=True, name=f"b{self.l}")
        self.W.layer = self.b.layer = self.l
        return out

    def linear(self, A: Tensor) -> Tensor:
        """Z (n, m) = W (n, n_prev) A_prev (n_prev, m) + b (n, 1)."""
        return _scoped(self, ops.Linear.apply, self.W, A, self.b)

    def forward(self, A: Tensor) -> Tensor:
        """A = g(Z) (n, m); the output layer's softmax over the units, axis 0."""
        return _scoped(self, ops.activate, self.activation, self.linear(A))

    def params(self) -> list[Tensor]:
        return [self.W, self.b]

    def config(self) -> dict[str, Any]:
        return {"n": self.n, "activation": self.activation}

    def hyper(self) -> str:
        return f"{self.n} units, {self.activation}"


LAYERS: dict[str, type[Layer]] = {
    "Conv": Conv,
    "Activation": Activation,
    "ReLU": ReLU,
    "MaxPool": MaxPool,
    "AvgPool": AvgPool,
    "Flatten": Flatten,
    "Dense": Dense,
}
"""The built-in layers by class name: what a saved model's ``layers`` entry refers to."""


# ----------------------------------------------------------------------------- the network
class ConvNetwork:
    """A convolutional network: a list of layers run in order on images, samples first.

    Args:
        layers: :class:`Layer` specs (each is copied, then built): volumes first (``Conv``,
            ``ReLU``/``Activation``, ``MaxPool``, ``AvgPool``), then ``Flatten``, then
            ``Dense`` layers; the last one is the output, ``Dense(n, "softmax")`` (n >= 2
            classes, categorical cross-entropy) or ``Dense(1, "sigmoid")`` (binary).
        input_shape: one image, (n_H, n_W, n_C); X is (m, n_H, n_W, n_C).
        seed: seeds the He initialization of every W (b starts at 0).
        dtype: np.float64 (default) or np.float32.
        l2: L2 regularization lambda: (lambda / 2m) sum_l ||W[l]||_F^2 over every W.

    Attributes:
        layers: the built layers.  L: the number of layers with parameters.
        training_state: what the last ``fit`` left for ``fit(..., resume=True)``.

    It offers ``fit`` what every model does (``autograd_dnn.train.Trainable``), so the one
    ``fit`` trains it with gd, momentum or Adam, full batch or mini-batches.

    Example::

        net = ConvNetwork([Conv(f=3, filters=4, pad="same"), ReLU(), MaxPool(f=2),
                           Flatten(), Dense(6, "softmax")], input_shape=(16, 16, 3))
    """

    training_state: dict | None = None

    def __init__(
        self,
        layers: Sequence[Layer],
        input_shape: Sequence[int] = (64, 64, 3),
        seed: int = 0,
        dtype: Any = np.float64,
        l2: float = 0.0,
    ) -> None:
        self.input_shape = _check_input_shape(input_shape)
        dtype = np.dtype(dtype)
        if dtype not in (np.float64, np.float32):
            raise ValueError(f"dtype must be float64 or float32, got {dtype}")
        self.l2 = _check_l2(l2)
        self.seed: int | None = seed  # None: loaded from a file that had none
        self.layers = _build(layers, self.input_shape, np.random.default_rng(seed), dtype)
        self._dtype = dtype

    @classmethod
    def signs(cls, seed: int = 0, dtype: Any = np.float64, l2: float = 0.0) -> ConvNetwork:
        """The course's SIGNS model on (64, 64, 3) images, 6 classes::

        CONV2D(f=4, 8 filters, 'same') -> RELU -> MAXPOOL(f=8, stride 8)
        -> CONV2D(f=2, 16 filters, 'same') -> RELU -> MAXPOOL(f=4, stride 4)
        -> FLATTEN -> DENSE(6, softmax)

        W1 (4, 4, 3, 8), W2 (2, 2, 8, 16), W3 (6, 64): 1,310 parameters.
        """
        return cls(
            [
                Conv(f=4, filters=8, stride=1, pad="same"),
                ReLU(),
                MaxPool(f=8, stride=8),
                Conv(f=2, filters=16, stride=1, pad="same"),
                ReLU(),
                MaxPool(f=4, stride=4),
                Flatten(),
                Dense(6, "softmax"),
            ],
            input_shape=(64, 64, 3),
            seed=seed,
            dtype=dtype,
            l2=l2,
        )

    # -- structure ----------------------------------------------------------------------
    @property
    def L(self) -> int:
        """The number of layers with parameters (W1..WL)."""
        return sum(layer.has_params for layer in self.layers)

    @property
    def dtype(self) -> np.dtype:
        return self._dtype

    @property
    def output(self) -> Dense:
        # cast: _build refuses a network whose last layer is not the output Dense
        return cast(Dense, self.layers[-1])

    @property
    def output_activation(self) -> str:
        return self.output.activation

    @property
    def n_classes(self) -> int:
        """n[L]: the output layer's units (6 for SIGNS)."""
        return self.output.n

    def shapes(self) -> list[tuple[str, Shape]]:
        """(name, shape of one sample) of X and of every layer's output, in order."""
        return [("X", self.input_shape)] + [(layer.name, layer.out_shape) for layer in self.layers]

    def config(self) -> dict[str, Any]:
        """The architecture, JSON-ready: ``layers`` ([{"type": "Conv", "f": 4, ...}, ...]),
        ``input_shape`` and ``l2``; :meth:`from_config` rebuilds the network."""
        return {
            "layers": [{"type": type(layer).__name__, **layer.config()} for layer in self.layers],
            "input_shape": list(self.input_shape),
            "l2": self.l2,
        }

    @classmethod
    def from_config(
        cls, config: Mapping[str, Any], params: Mapping[str, Any] | None = None, dtype: Any = None
    ) -> ConvNetwork:
        """The network of :meth:`config`, with ``params`` (``{"W1": ..., ...}``) if given;
        their dtype is the network's unless ``dtype`` says otherwise."""
        specs = config.get("layers")
        if not isinstance(specs, list) or not specs:
            raise ValueError("config has no 'layers' list of {'type': ..., ...} entries")
        layers = []
        for k, spec in enumerate(specs, start=1):
            if not isinstance(spec, Mapping) or spec.get("type") not in LAYERS:
                raise ValueError(
                    f"config layer {k}: {spec!r} is not one of the built-in layers "
                    f"({', '.join(LAYERS)})"
                )
            args = {a: v for a, v in spec.items() if a != "type"}
            if isinstance(args.get("pad"), list):
                args["pad"] = tuple(args["pad"])
            try:
                layers.append(LAYERS[spec["type"]](**args))
            except TypeError as e:
                raise ValueError(f"config layer {k} ({spec['type']}): {e}") from None
        if dtype is None:
            first = None if params is None else params.get("W1")
            dtype = (
                np.float32 if first is not None and as_array(first).dtype == np.float32 else None
            )
        net = cls(
            layers,
            input_shape=config.get("input_shape", (64, 64, 3)),
            dtype=dtype or np.float64,
            l2=config.get("l2", 0.0),
        )
        if params is not None:
            net.set_parameters(params, complete=True)
        return net

    def parameters(self) -> dict[str, Tensor]:
        """``{"W1": Tensor, "b1": Tensor, ..., "WL", "bL"}`` (the live tensors)."""
        return {p.label: p for layer in self.layers for p in layer.params()}  # label: its name

    def get_parameters(self) -> dict[str, np.ndarray]:
        """The same keys, as numpy copies."""
        return {k: t.data.copy() for k, t in self.parameters().items()}

    def set_parameters(self, params: Mapping[str, Any], complete: bool = False) -> None:
        """Replace W and b values; shapes must match (``complete``: every key is needed)."""
        live = self.parameters()
        extra = sorted(set(params) - set(live))
        if extra:
            raise ValueError(f"unexpected parameters {extra}; this network has {list(live)}")
        missing = [k for k in live if k not in params]
        if complete and missing:
            raise ValueError(f"missing parameters {missing}; this network has {list(live)}")
        arrays = {k: np.asarray(as_array(v)) for k, v in params.items()}
        for k, v in arrays.items():
            if v.dtype.kind not in "fiu":
                raise TypeError(f"{k} must hold real numbers, got dtype {v.dtype}")
            if v.shape != live[k].shape:
                raise ValueError(
                    f"{k} must have shape {live[k].shape} ({_param_layout(k, live[k].ndim)}), "
                    f"got {v.shape}"
                )
            if not np.all(np.isfinite(v)):
                raise ValueError(f"{k} contains NaN or inf")
        for k, v in arrays.items():
            live[k].data = v.astype(self.dtype, copy=True)

    def num_parameters(self) -> int:
        return sum(t.size for t in self.parameters().values())

    # -- the Trainable protocol ---------------------------------------------------------
    def check_X(self, X: Any) -> Tensor:
        """Validate X (m, n_H, n_W, n_C) and return it as a Tensor of the network's dtype."""
        data = np.asarray(as_array(X))
        if data.dtype.kind not in "fiub":
            raise TypeError(f"X must hold real numbers, got dtype {data.dtype}")
        want = self.input_shape
        problem = _X_shape_problem(data.shape, want)
        if problem:
            raise ValueError(problem)
        if not np.all(np.isfinite(data)):
            raise ValueError("X contains NaN or inf; clean the data first")
        if isinstance(X, Tensor) and X.dtype == self.dtype:
            return X
        return Tensor(data.astype(self.dtype, copy=False), name="X")

    def check_Y(self, Y: Any, m: int) -> np.ndarray:
        """Validate Y for m samples: one-hot (n_classes, m) for a softmax output; class labels
        (1, m) or (m,) of whole numbers 0..n_classes-1 are accepted too and turned into
        one-hot columns ``np.eye(n_classes)[:, labels]``. A sigmoid output takes 0/1 (1, m).
        Returns Y (n[L], m) in the network's dtype."""
        data = np.asarray(as_array(Y))
        if data.dtype.kind not in "fiub":
            raise TypeError(f"Y must hold real numbers, got dtype {data.dtype}")
        if not np.all(np.isfinite(data)):
            raise ValueError("Y contains NaN or inf")
        n = self.n_classes
        if self.output_activation == "softmax" and data.size == m and data.ndim <= 2:
            if data.ndim == 1 or data.shape == (1, m):
                data = _one_hot(data.reshape(-1), n)
        if data.shape != (n, m):
            raise ValueError(_Y_problem(data.shape, n, m, self.output_activation))
        binary = np.all((data == 0) | (data == 1))
        if self.output_activation == "softmax" and not (binary and np.all(data.sum(axis=0) == 1)):
            raise ValueError(
                f"Y must be one-hot for a softmax output: shape (n_classes, m) = ({n}, {m}), "
                "each column a single 1; or give the class labels (1, m)"
            )
        if self.output_activation == "sigmoid" and not binary:
            raise ValueError("Y must hold only 0 and 1 for a sigmoid output (binary labels)")
        return data.astype(self.dtype, copy=False)

    def samples(self, X: Tensor) -> int:
        """m: the number of samples of a checked X (m, n_H, n_W, n_C), its first axis."""
        return X.shape[0]

    def batch(self, X: Tensor, Y: np.ndarray, idx: np.ndarray) -> tuple[Tensor, np.ndarray]:
        """The samples ``idx``: those of X's first axis and of Y's columns."""
        return Tensor(X.data[idx], name="X"), Y[:, idx]

    def batch_cost(self, X: Tensor, Y: np.ndarray, l2_m: int | None = None) -> Tensor:
        """J of a checked batch: the output's cross-entropy (fused with its softmax or
        sigmoid) plus ``(lambda / 2 l2_m) sum ||W||_F^2`` (``l2_m`` default: X's m).

        When nothing is recorded (inside ``no_grad``, as for the dev cost) the samples go
        through in chunks of 256, so a large dev set does not hold every window at once."""
        m = X.shape[0]
        if modes.grad_enabled or m <= CHUNK:
            J = losses.cost(self.output_activation, self._logits(X), None, Y)
        else:
            total = 0.0
            for s in range(0, m, CHUNK):
                part = self._logits(Tensor(X.data[s : s + CHUNK]))
                Jp = losses.cost(self.output_activation, part, None, Y[:, s : s + CHUNK])
                total += float(Jp.data) * part.shape[1]
            J = Tensor(np.asarray(total / m, dtype=self.dtype))
        if self.l2:
            J = J + losses.l2_penalty(self._weights(), self.l2, m if l2_m is None else l2_m)
        J.name = "J"
        return J

    @property
    def replayable(self) -> bool:
        """Whether ``fit`` may replay the recorded step (``autograd_dnn.tape``): only when
        every layer is a built-in one applying its built-in ``op`` and no forward method is
        overridden."""
        methods = ("batch_cost", "_logits", "forward")
        return not (
            any(getattr(type(self), k) is not getattr(ConvNetwork, k) for k in methods)
            or any(k in vars(self) for k in methods)
            or any(
                type(layer) not in LAYERS.values()
                or "forward" in vars(layer)
                or getattr(layer, "op", None) is not getattr(type(layer), "op", None)
                for layer in self.layers
            )  # fmt: skip
        )

    # -- forward ------------------------------------------------------------------------
    def _logits(
        self, X: Tensor, record: list[tuple[str, Tensor]] | None = None, start: int = 0
    ) -> Tensor:
        """Z[L] (n[L], m): every layer, then the output layer's linear part only (its
        activation is fused into the cost). ``record`` gets (name, output) of each layer.
        ``start``: X is the input of ``layers[start]`` (0: the images)."""
        A = X
        for layer in self.layers[start:-1]:
            if isinstance(layer, Dense):  # a hidden dense layer: Z, then A = g(Z)
                A = layer.linear(A)
                _note(record, layer.name, A)
                A = _scoped(layer, ops.activate, layer.activation, A)
                _note(record, layer.a_name, A)
            else:
                A = layer.forward(A)
                _note(record, layer.name, A)
        Z = self.output.linear(A)
        _note(record, self.output.name, Z)
        return Z

    def forward(self, X: Any) -> Tensor:
        """A[L], the prediction (n[L], m): softmax (or sigmoid) of Z[L]. X (m, n_H, n_W, n_C)."""
        return ops.activate(self.output_activation, self._logits(self.check_X(X)))

    def cost(self, X: Any, Y: Any) -> Tensor:
        """J, a scalar Tensor (cross-entropy plus L2 if ``l2`` is set)."""
        Xt = self.check_X(X)
        return self.batch_cost(Xt, self.check_Y(Y, Xt.shape[0]))

    def gradients(self, X: Any, Y: Any, dA0: bool = True) -> dict[str, np.ndarray]:
        """Exact partial derivatives of the cost J by reverse-mode autodiff.

        Returns ``dW1, ..., dWL, db1, ..., dbL`` (the shapes of W and b), then ``dA0``
        (dJ/dX, (m, n_H, n_W, n_C); skipped with ``dA0=False``) and, in forward order, the
        gradient of every layer's output: ``dZ1``, ``dA1``, ``dP1``, ..., ``dF``, ``dZL``
        (volumes (m, n_H, n_W, n_C), columns (n, m)). These are dJ/d(.), with J the MEAN
        loss: the course's ``conv_backward`` and ``pool_backward`` take a dZ that is m times
        these (the derivative of the summed loss), see docs/notation.md. Parameters'
        ``.grad`` are left as they were.
        """
        Xt = self.check_X(X)
        Yd = self.check_Y(Y, Xt.shape[0])
        X_in = Tensor(Xt.data, requires_grad=dA0, name="X")
        X_in.layer = 0
        record: list[tuple[str, Tensor]] = []
        with enable_grad():
            J = losses.cost(self.output_activation, self._logits(X_in, record), None, Yd)
            if self.l2:
                J = J + losses.l2_penalty(self._weights(), self.l2, Xt.shape[0])
        wanted: list[tuple[str, Tensor]] = []
        params = self.parameters()
        wanted += [(f"d{k}", t) for k, t in params.items() if k.startswith("W")]
        wanted += [(f"d{k}", t) for k, t in params.items() if k.startswith("b")]
        if dA0:
            wanted.append(("dA0", X_in))
        wanted += [(f"d{name}", t) for name, t in record]
        values = grad(J, [t for _, t in wanted])
        return {k: v.data for (k, _), v in zip(wanted, values)}

    # -- the checkable protocol (autograd_dnn.gradcheck) ----------------------------------
    check_unit = "layer"

    def check_blocks(self) -> list[tuple[int, int, str]]:
        """How the checkers cut the network into layers l = 1..L, one per parameter layer:
        ``(l, start, input)`` with ``start`` the position in :attr:`layers` where layer l
        begins and ``input`` the name of the value it reads (``A0`` for X, else the output
        of the layer before it, e.g. ``P1``).

        Layer l is its Conv or Dense, the activations and pooling after it, and, for the
        first Dense, the Flatten before it (so that the input of the dense layer is the
        volume (m, n_H, n_W, n_C) its Flatten reads); anything before the first parameter
        layer belongs to layer 1. For the SIGNS model: layer 1 is CONV2D-RELU-MAXPOOL
        reading X, layer 2 CONV2D-RELU-MAXPOOL reading P1, layer 3 FLATTEN-DENSE reading P2.
        """
        blocks: list[tuple[int, int, str]] = []
        flat_at: int | None = None
        for k, layer in enumerate(self.layers):
            if isinstance(layer, Flatten):
                flat_at = k
            if not layer.has_params:
                continue
            start = 0 if not blocks else (flat_at if flat_at is not None else k)
            flat_at = None
            blocks.append((layer.l, start, _output_name(self.layers[start - 1]) if start else "A0"))
        return blocks

    def _cost_from_layer(self, start: int, A: Any, Y: np.ndarray, m: int) -> Tensor:
        """J with ``A`` the input of ``layers[start]``, the rest of the network rerun from
        there (the L2 term included, its m the batch's)."""
        A = A if isinstance(A, Tensor) else Tensor(np.asarray(A, dtype=self.dtype))
        J = losses.cost(self.output_activation, self._logits(A, start=start), None, Y)
        if self.l2:
            J = J + losses.l2_penalty(self._weights(), self.l2, m)
        return J

    def _weights(self) -> list[Tensor]:
        """W[l] of every layer with parameters (conv and dense), for the L2 term."""
        return [layer.W for layer in self.layers if isinstance(layer, (Conv, Dense))]

    def _cost_at(self, start: int, Y: np.ndarray, m: int) -> Callable[[Any], Tensor]:
        """``v -> J`` with ``v`` the input of ``layers[start]`` (:meth:`_cost_from_layer`)."""
        return lambda v: self._cost_from_layer(start, v, Y, m)

    def boundaries(self, X: Any, Y: Any) -> list[Boundary]:
        """The input of every layer l = L..1 (:meth:`check_blocks`), for ``ad.gradcheck``:
        a :class:`autograd_dnn.gradcheck.Boundary` named ``d<input>`` (``dP2``, ``dP1``,
        ``dA0``) with its value in this forward pass (a volume (m, n_H, n_W, n_C), or columns
        (n, m) between dense layers) and ``cost(v)``, J with the value replaced by ``v``.
        Its exact partial is ``gradients(X, Y)["d<input>"]``, computed by layer l's
        backward."""
        from autograd_dnn.gradcheck import Boundary

        Xt = self.check_X(X)
        m = Xt.shape[0]
        Yd = self.check_Y(Y, m)
        record: list[tuple[str, Tensor]] = []
        with no_grad():
            self._logits(Xt, record)
        values = {"A0": Xt.data, **{name: t.data for name, t in record}}
        out = []
        for l, start, name in reversed(self.check_blocks()):
            value = values[name]
            out.append(
                Boundary(
                    f"d{name}",
                    f"d{name}",
                    l,
                    value,
                    self._cost_at(start, Yd, m),
                    axes="i, h, w, c" if value.ndim == 4 else "",
                )
            )
        return out

    def parameter_where(self, name: str) -> int | None:
        """The layer l of a parameter (``W2`` -> 2); None for an unknown name."""
        t = self.parameters().get(name)
        return None if t is None or t.layer is None else int(t.layer)

    def astype(self, dtype: Any) -> ConvNetwork:
        """A copy with parameters of ``dtype`` (float64 or float32): the same layers, the same
        ops (a planted ``op`` stays), no training state. The checkers work on a float64 copy
        of a float32 network."""
        dtype = np.dtype(dtype)
        if dtype not in (np.float64, np.float32):
            raise ValueError(f"dtype must be float64 or float32, got {dtype}")
        new = copy.copy(self)
        new.layers = [copy.copy(layer) for layer in self.layers]
        for layer in new.layers:
            for key in ("W", "b") if layer.has_params else ():
                old = getattr(layer, key)
                t = Tensor(old.data.astype(dtype), requires_grad=True, name=old.name)
                t.layer = layer.l
                setattr(layer, key, t)
        new._dtype = dtype
        new.training_state = None
        return new

    def textbook_layers(self) -> list[dict[str, Any]]:
        """The network as the course's functions compute it, for ``ad.compare_with_textbook``:
        one dict per op, ``{"kind": "conv", "layer": l, "W", "b", "stride", "pad"}``,
        ``relu``, ``maxpool``/``avgpool`` (``f``, ``stride``), ``flatten``, ``dense`` (``W``,
        ``b``), then ``softmax`` or ``sigmoid``; the first op of each layer names its input
        (``"input": "P1"``). ``pad`` is an int, or (top, bottom, left, right) for TensorFlow's
        'same' with an even f (the checker zero pads first, then runs the course's
        ``conv_forward`` with pad 0). The course's layers use relu: another activation
        (tanh, sigmoid, leaky relu) raises a ValueError naming the layer."""
        blocks = {start: (l, name) for l, start, name in self.check_blocks()}
        spec: list[dict[str, Any]] = []
        l = 1
        for k, layer in enumerate(self.layers):
            first = k in blocks
            if first:
                l = blocks[k][0]
            ops_of = _textbook_ops(layer, layer is self.output)
            for op in ops_of:
                op["layer"] = l
            if first and ops_of:
                ops_of[0]["input"] = blocks[k][1]
            elif first:  # a linear activation: no op; the next op starts the layer
                blocks[k + 1] = blocks[k]
            spec += ops_of
        return spec

    # -- training and evaluation --------------------------------------------------------
    def fit(self, X: Any, Y: Any, **options: Any) -> History:
        """Train on X (m, n_H, n_W, n_C) and Y (one-hot (n_classes, m), or labels (1, m));
        return the History. The options are those of :func:`autograd_dnn.train.fit`
        (``learning_rate``, ``iterations`` (epochs with ``batch_size``), ``optimizer``,
        ``batch_size``, ``l2``, ``X_dev``, ``Y_dev``, ...), except that ``track_gradients``
        defaults to False here: it would take the gradients of up to 512 images (and their
        im2col windows, hundreds of MB) at every recorded point; pass True to get them."""
        from autograd_dnn.train import fit

        options.setdefault("track_gradients", False)
        return fit(self, X, Y, **options)

    def predict_proba(self, X: Any) -> np.ndarray:
        """A[L] (n[L], m) as numpy, without recording; 256 samples at a time."""
        Xt = self.check_X(X)
        with no_grad():
            parts = [
                ops.activate(self.output_activation, self._logits(Tensor(Xt.data[s : s + CHUNK])))
                for s in range(0, Xt.shape[0], CHUNK)
            ]
        return np.concatenate([p.data for p in parts], axis=1)

    def predict(self, X: Any, labels: bool = False) -> np.ndarray:
        """One-hot predictions (n[L], m) for softmax (0/1 for sigmoid); ``labels=True``: the
        class of each sample, (1, m), as :meth:`predict_labels`."""
        if labels:
            return self.predict_labels(X)
        AL = self.predict_proba(X)
        if self.output_activation == "softmax":
            onehot = np.zeros_like(AL)
            onehot[AL.argmax(axis=0), np.arange(AL.shape[1])] = 1
            return onehot
        if self.output_activation == "sigmoid":
            return (AL > 0.5).astype(AL.dtype)
        return AL

    def predict_labels(self, X: Any) -> np.ndarray:
        """The predicted class of each sample, integers (1, m)."""
        AL = self.predict_proba(X)
        if self.output_activation == "softmax":
            return AL.argmax(axis=0).reshape(1, -1)
        if self.output_activation == "sigmoid" and self.n_classes == 1:
            return (AL > 0.5).astype(np.int64)
        raise ValueError(
            f"predict_labels is for a softmax output or one sigmoid unit; this network's output "
            f"is {self.n_classes} {self.output_activation} unit(s): use predict()"
        )

    def accuracy(self, X: Any, Y: Any) -> float:
        """The fraction of samples whose class is predicted right (Y one-hot or labels)."""
        Xt = self.check_X(X)
        Yd = self.check_Y(Y, Xt.shape[0])
        P = self.predict(Xt)
        if self.output_activation == "softmax":
            return float(np.mean(P.argmax(axis=0) == Yd.argmax(axis=0)))
        return float(np.mean(np.all(P == Yd, axis=0)))

    # -- text -----------------------------------------------------------------------------
    def summary(self, m: int | str = "m") -> str:
        """A table, one row per layer: its hyperparameters (f, stride, pad, units), the
        volume it outputs (m, n_H, n_W, n_C) (or columns (n, m)) with m filled in, its
        parameters' shapes and count."""
        return text_table(
            self._summary_title(), _SUMMARY_HEADER, self._summary_rows(m), self._summary_footer()
        )

    def _summary_title(self) -> str:
        shape = ", ".join(map(str, self.input_shape))
        return f"ConvNetwork input ({shape}), {len(self.layers)} layers, L = {self.L}"

    def _summary_rows(self, m: int | str) -> list[tuple[str, ...]]:
        def with_m(shape: Shape) -> str:
            return out_text(shape).replace("m", str(m))

        rows: list[tuple[str, ...]] = [("0", "INPUT", "", f"X {with_m(self.input_shape)}", "", "0")]
        for layer in self.layers:
            params = ", ".join(f"{p.name} {tuple(p.shape)}" for p in layer.params())
            out = f"{layer.name} {with_m(layer.out_shape)}"
            if isinstance(layer, Dense) and layer is self.output:
                out += f", A{layer.l} = {layer.activation}(Z{layer.l})"
            elif isinstance(layer, Dense):
                out += f", {layer.a_name} = {layer.activation}({layer.name})"
            rows.append(
                (str(layer.k), layer.kind, layer.hyper(), out, params, f"{layer.n_params():,}")
            )
        return rows

    def _summary_footer(self) -> list[str]:
        l2 = f" + L2 (lambda={self.l2})" if self.l2 else ""
        cost = {"softmax": "categorical cross-entropy", "sigmoid": "binary cross-entropy"}
        return [
            f"total parameters: {self.num_parameters():,}   "
            f"cost: {cost.get(self.output_activation, 'mean squared error / 2')}{l2}",
            "dW, db, dZ, dA, dP have the shapes of W, b, Z, A, P (samples first).",
        ]

    def _repr_html_(self) -> str:
        """The summary as an HTML table, for Jupyter."""
        return html_table(
            _SUMMARY_HEADER, self._summary_rows("m"), self._summary_title(), self._summary_footer()
        )

    def __str__(self) -> str:
        parts = []
        for layer in self.layers:
            hyper = layer.hyper() if not isinstance(layer, Flatten) else ""
            parts.append(f"{layer.kind}({hyper})" if hyper else layer.kind)
        shape = ", ".join(map(str, self.input_shape))
        return (
            f"ConvNetwork({' -> '.join(parts)}; input ({shape}), "
            f"{self.num_parameters():,} parameters)"
        )

    __repr__ = __str__

    # -- persistence --------------------------------------------------------------------
    def save(self, path: str, training_state: bool = True) -> str:
        """Write the network to ``path`` (npz, atomic; its metadata says ``ConvNetwork`` and
        holds :meth:`config`). ``training_state``: also keep the last fit's optimizer state,
        so that after :meth:`load`, ``fit(..., resume=True)`` continues exactly."""
        from autograd_dnn.serialize import save

        return save(self, path, training_state=training_state)

    @classmethod
    def load(cls, path: str) -> ConvNetwork:
        """Read a network written by :meth:`save`; a file of another kind is refused."""
        from autograd_dnn.serialize import load

        net = load(path)
        if not isinstance(net, cls):
            raise ValueError(
                f"{path} holds a {type(net).__name__}, not a {cls.__name__}: use "
                f"{type(net).__name__}.load or autograd_dnn.serialize.load"
            )
        return net


_SUMMARY_HEADER = ("k", "layer", "hyperparameters", "output", "parameters", "count")


# ----------------------------------------------------------------------------- helpers
def _output_name(layer: Layer) -> str:
    """The name of what a layer outputs: a hidden Dense's activation, else its own name."""
    return layer.a_name if isinstance(layer, Dense) and layer.a_name else layer.name


def _textbook_ops(layer: Layer, output: bool) -> list[dict[str, Any]]:
    """One layer as the textbook spec's ops (``ConvNetwork.textbook_layers``), without
    ``layer``."""
    if isinstance(layer, Conv):
        top, bottom, left, right = layer.pads
        pad: int | tuple[int, int, int, int] = (
            top if top == bottom == left == right else (top, bottom, left, right)
        )
        return [{"kind": "conv", "W": layer.W.data, "b": layer.b.data,
                 "stride": layer.stride, "pad": pad}]  # fmt: skip
    if isinstance(layer, MaxPool):  # AvgPool too
        kind = "maxpool" if layer.mode == "max" else "avgpool"
        return [{"kind": kind, "f": layer.f, "stride": layer.stride}]
    if isinstance(layer, Flatten):
        return [{"kind": "flatten"}]
    g = layer.activation if isinstance(layer, Dense) else getattr(layer, "g", "")
    ops_: list[dict[str, Any]] = []
    if isinstance(layer, Dense):
        ops_.append({"kind": "dense", "W": layer.W.data, "b": layer.b.data})
    if g in ("relu", "softmax") or (output and g == "sigmoid"):
        ops_.append({"kind": g})
    elif g != "linear":
        raise ValueError(
            f"compare_with_textbook follows the course's convolutional model, whose hidden "
            f"layers use relu; {layer.where()} uses {g}: check it with ad.gradcheck instead"
        )
    return ops_


def _note(record: list | None, name: str, t: Tensor) -> None:
    if record is not None:
        record.append((name, t))


def _param_layout(key: str, ndim: int) -> str:
    if ndim == 4:
        return "(f, f, n_C_prev, n_C)" if key[0] == "W" else "(1, 1, 1, n_C)"
    return "(n[l], n[l-1])" if key[0] == "W" else "(n[l], 1)"


def _check_input_shape(shape: Any) -> Shape:
    try:
        dims = tuple(int(n) for n in shape)
    except (TypeError, ValueError):
        raise ValueError(f"input_shape must be (n_H, n_W, n_C), got {shape!r}") from None
    if len(dims) != 3 or min(dims) < 1 or any(float(a) != b for a, b in zip(shape, dims)):
        raise ValueError(
            f"input_shape must be one image's (n_H, n_W, n_C), three whole numbers >= 1, "
            f"got {tuple(shape)}"
        )
    return dims


def _check_l2(l2: Any) -> float:
    if isinstance(l2, bool) or not isinstance(l2, (int, float, np.number)):
        raise TypeError(f"l2 (lambda) must be a number, got {l2!r}")
    if l2 < 0 or not np.isfinite(l2):
        raise ValueError(f"l2 (lambda) must be >= 0, got {l2}")
    return float(l2)


def _build(layers: Sequence[Layer], input_shape: Shape, rng, dtype: np.dtype) -> list[Layer]:
    """Copies of ``layers``, numbered, named and built one after the other."""
    if isinstance(layers, Layer) or not isinstance(layers, Sequence) or not layers:
        raise ValueError("layers must be a non-empty list of layers, e.g. [Conv(...), ReLU(), ...]")
    built: list[Layer] = []
    shape, l, taken = input_shape, 0, {"X"}
    for k, spec in enumerate(layers, start=1):
        if not isinstance(spec, Layer):
            raise TypeError(
                f"layer {k} is {spec!r}, not a Layer (Conv, ReLU, MaxPool, AvgPool, Flatten, "
                "Dense from autograd_dnn.convnet)"
            )
        layer = copy.copy(spec)
        layer.k = k
        if layer.has_params:
            l += 1
        layer.l = l
        layer.name = _unique(f"{layer.prefix}{l}" if layer.prefix != "F" else "F", taken)
        if isinstance(layer, Dense):
            layer.a_name = _unique(f"A{l}", taken)
        shape = layer.build(shape, rng, dtype)
        built.append(layer)
    _check_output(built)
    return built


def _unique(name: str, taken: set[str]) -> str:
    out, n = name, 1
    while out in taken:
        n += 1
        out = f"{name}_{n}"
    taken.add(out)
    return out


def _check_output(layers: list[Layer]) -> None:
    last = layers[-1]
    if not isinstance(last, Dense) or last.activation not in ("softmax", "sigmoid"):
        raise ValueError(
            f"the last layer must be the output: Dense(n_classes, 'softmax') or Dense(1, "
            f"'sigmoid'), got {last!r}"
        )
    if last.activation == "softmax" and last.n < 2:
        raise ValueError("a softmax output needs n >= 2 units (one per class)")
    for layer in layers[:-1]:
        if isinstance(layer, Dense) and layer.activation == "softmax":
            raise ValueError(f"softmax is for the output layer only, not {layer.where()}")


def _one_hot(labels: np.ndarray, n: int) -> np.ndarray:
    whole = labels == np.round(labels)
    if not np.all(whole) or labels.min() < 0 or labels.max() > n - 1:
        bad = labels[~whole | (labels < 0) | (labels > n - 1)][0]
        raise ValueError(
            f"Y: class labels must be whole numbers 0..{n - 1} (n_classes = {n}), got {bad:g}"
        )
    return np.eye(n)[:, labels.astype(np.int64)]


def _X_shape_problem(shape: Shape, want: Shape) -> str | None:
    """What is wrong with X's shape, for images ``want`` = (n_H, n_W, n_C); None if fine."""
    expected = f"X must be (m, n_H, n_W, n_C) = (m, {want[0]}, {want[1]}, {want[2]}), samples first"
    if len(shape) == 4 and shape[1:] == want:
        return None if shape[0] > 0 else f"{expected}; got X with m = 0 samples"
    if len(shape) == 3 and shape == want:
        return f"{expected}; got ONE image of shape {shape}: use X[None] (m = 1)"
    if len(shape) == 2:
        return (
            f"{expected}; got the 2-D array {shape} (a dense network's (n[0], m)?): reshape "
            f"the columns with X.T.reshape(-1, {want[0]}, {want[1]}, {want[2]})"
        )
    if len(shape) != 4:
        return f"{expected}; got shape {shape} with {len(shape)} dimension(s)"
    if shape[:3] == want:
        return f"{expected}; got {shape}, samples LAST: use X.transpose(3, 0, 1, 2)"
    if shape[2:] == want[:2] and shape[1] == want[2]:
        return (
            f"{expected}; got {shape}, channels first (m, n_C, n_H, n_W): use "
            "X.transpose(0, 2, 3, 1)"
        )
    if shape[1:3] == want[:2]:
        return (
            f"{expected}; got {shape}: n_C = {shape[3]} channels, but the network takes "
            f"n_C = {want[2]}"
        )
    return f"{expected}; got {shape}: images of {shape[1]} x {shape[2]}, not {want[0]} x {want[1]}"


def _Y_problem(shape: Shape, n: int, m: int, out: str) -> str:
    expected = f"Y must be (n_classes, m) = ({n}, {m}), one column per sample of X"
    if out == "softmax":
        expected += f" (one-hot), or class labels of shape (1, {m})"
    if shape == (m, n) and m != n:
        return f"{expected}; got {shape}: samples must be columns, use Y.T"
    if len(shape) == 2 and shape[0] == n and shape[1] != m:
        return f"{expected}; got {shape}: X has m = {m} samples but Y has {shape[1]}"
    return f"{expected}; got shape {shape}"
