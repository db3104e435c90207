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
from autograd_dnn.display import html_table
from autograd_dnn.engine import enable_grad, grad, modes, no_grad
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
    n = shape[0] if shape else 1
    return f"got shape {shape}, use ({n}, 1) or (1, {n})"


class Dense:
    """One layer l: ``Z[l] = W[l] A[l-1] + b[l]``, ``A[l] = g[l](Z[l])``.

    Attributes:
        W: Tensor (n[l], n[l-1]), named ``W{l}``.  b: Tensor (n[l], 1), named ``b{l}``.
        activation: g[l] by name.  l: the layer index (1..L).
        linear_fn: the Function computing Z = W A + b (default ``ops.Linear``).
        activation_fn: a Function computing A = g(Z), or None for the built-in one.

    ``linear_fn`` and ``activation_fn`` let you plug your own forward/backward into one
    layer (a :class:`~autograd_dnn.Function`), and the gradient checker finds it if wrong.
    """

    linear_fn: type = ops.Linear
    activation_fn: type | None = None

    def __init__(
        self, W: np.ndarray, b: np.ndarray, activation: str, l: int, slope: float = 0.01
    ) -> None:
        self.l = l
        self.W = Tensor(W, requires_grad=True, name=f"W{l}")
        self.b = Tensor(b, requires_grad=True, name=f"b{l}")
        self.W.layer = self.b.layer = l
        self.activation = activation
        self.slope = slope
        self.z_name, self.a_name = f"Z{l}", f"A{l}"

    def linear(self, A_prev: Tensor) -> Tensor:
        """Z[l] = W[l] A[l-1] + b[l]: (n[l-1], m) -> (n[l], m), named ``Z{l}``."""
        prev, modes.layer = modes.layer, self.l  # layer_scope(l), without a generator
        try:
            Z = self.linear_fn.apply(self.W, A_prev, self.b)
        finally:
            modes.layer = prev
        Z.name = self.z_name
        return Z

    def forward(self, A_prev: Tensor) -> tuple[Tensor, Tensor]:
        """A[l-1] (n[l-1], m) -> (Z[l], A[l]), both (n[l], m), named ``Z{l}``, ``A{l}``."""
        Z = self.linear(A_prev)
        prev, modes.layer = modes.layer, self.l
        try:
            if self.activation_fn is not None:
                A = self.activation_fn.apply(Z)
            else:
                A = ops.activate(self.activation, Z, self.slope)
            if A is not Z:
                A.name = self.a_name
        finally:
            modes.layer = prev
        return Z, A

    def __repr__(self) -> str:
        n, n_prev = self.W.shape
        return f"Dense(l={self.l}, W{self.l}=({n}, {n_prev}), g={self.activation})"


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

    Attributes:
        training_state: what the last ``fit`` left for ``fit(..., resume=True)`` (None
            before any training).

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
    ) -> None:
        dims = _check_layer_dims(layer_dims)
        L = len(dims) - 1
        if activations is None:
            activations = [hidden_activation] * (L - 1) + [output_activation]
        if init not in INITS:
            raise ValueError(f"unknown init {init!r}; known: {', '.join(INITS)}")
        dtype = np.dtype(dtype)
        if dtype not in (np.float64, np.float32):
            raise ValueError(f"dtype must be float64 or float32, got {dtype}")
        params = initialize(dims, init, seed, dtype.type)
        self._build(params, list(activations), l2, leaky_slope)
        self.init = init
        self.seed = seed

    @classmethod
    def from_parameters(
        cls,
        params: Mapping[str, Any],
        activations: Sequence[str] | None = None,
        l2: float = 0.0,
        leaky_slope: float = 0.01,
    ) -> DeepNetwork:
        """A network with given parameters ``{"W1": (n[1], n[0]), "b1": (n[1], 1), ...}``.

        The arrays are copied. ``activations`` defaults to relu ... relu, sigmoid.
        """
        layers = sorted(int(k[1:]) for k in params if k[:1] in "Wb" and k[1:].isdigit())
        if not layers:
            raise ValueError("params has no W1: expected keys W1, b1, ..., WL, bL")
        L = layers[-1]
        for l in range(1, L + 1):
            for key in (f"W{l}", f"b{l}"):
                if key not in params:
                    raise ValueError(f"params is missing {key} (expected W1, b1, ..., W{L}, b{L})")
        extra = sorted(set(params) - {f"{p}{l}" for l in range(1, L + 1) for p in "Wb"})
        if extra:
            raise ValueError(
                f"params has unexpected keys {extra}; expected W1, b1, ..., W{L}, b{L}"
            )
        arrays = {k: np.array(as_array(params[k]), copy=True) for k in params}
        for k, v in arrays.items():
            if v.dtype.kind not in "fiu":
                raise TypeError(f"{k} must hold real numbers, got dtype {v.dtype}")
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
        net._build(arrays, list(activations), l2, leaky_slope)
        net.init = "given"
        net.seed = None
        return net

    def _build(
        self, params: dict[str, np.ndarray], activations: list[str], l2: float, slope: float
    ) -> None:
        L = len(params) // 2
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
        self.layers = [
            Dense(params[f"W{l}"], params[f"b{l}"], activations[l - 1], l, slope)
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

    def parameters(self) -> dict[str, Tensor]:
        """``{"W1": Tensor, "b1": Tensor, ..., "WL", "bL"}`` (the live tensors)."""
        out: dict[str, Tensor] = {}
        for layer in self.layers:
            out[layer.W.name] = layer.W
            out[layer.b.name] = layer.b
        return out

    def get_parameters(self) -> dict[str, np.ndarray]:
        """The same keys, as numpy copies."""
        return {k: t.data.copy() for k, t in self.parameters().items()}

    def set_parameters(self, params: Mapping[str, Any]) -> None:
        """Replace W and b values (shapes must match)."""
        live = self.parameters()
        arrays = {k: np.asarray(as_array(v)) for k, v in params.items()}
        check_param_shapes({**{k: t.data for k, t in live.items()}, **arrays}, self.layer_dims)
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

    def forward(self, X: Any) -> Tensor:
        """A[L] = the prediction, a Tensor (n[L], m). X: ndarray or Tensor (n[0], m)."""
        A = self.check_X(X)
        for layer in self.layers:
            _, A = layer.forward(A)
        return A

    def cost_from(
        self,
        l: int,
        A_prev: Any,
        Y: np.ndarray,
        l2_m: int | None = None,
        cache: list | None = None,
    ) -> Tensor:
        """J computed from layer l on, given A[l-1] (n[l-1], m): the one definition of the cost.

        The output layer's activation is fused into its cost (see ``losses``), so ``cache``
        (a list, if given) receives (Z[k], A[k]) for k = l..L with A[L] None when fused. The
        L2 term covers every W[1..L] with ``l2_m`` as its m (default A[l-1]'s m): pass the
        whole training set's m for a mini-batch, so the penalty does not grow as batches
        shrink. Unchecked: Y must come from :meth:`check_Y`.
        """
        A = A_prev if isinstance(A_prev, Tensor) else Tensor(A_prev)
        for layer in self.layers[l - 1 : -1]:
            Z, A = layer.forward(A)
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
        records at each step (``l2_m``: the training set's m, see :meth:`cost_from`)."""
        return self.cost_from(1, X, Y, l2_m)

    def cost(self, X: Any, Y: Any) -> Tensor:
        """J, a scalar Tensor: the output's cost (see ``losses``) plus L2 if ``l2`` is set.

        Backward from it reaches every W[l], b[l].
        """
        Xt = self.check_X(X)
        return self.batch_cost(Xt, self.check_Y(Y, Xt.shape[1]))

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

    def gradients(self, X: Any, Y: Any, dA0: bool = True) -> dict[str, np.ndarray]:
        """Exact partial derivatives of the cost J by reverse-mode autodiff.

        Returns ``{"dW1".., "db1".., "dZ1".., "dA0".., "dA(L-1)"}`` as numpy arrays, each of
        the shape of what it differentiates. These are dJ/dW[l], dJ/db[l], dJ/dZ[l] and
        dJ/dA[l]: the course's dZ[l] and dA[l] (derivatives of the summed loss) are m times
        dJ/dZ[l] and m times dJ/dA[l] (docs/notation.md). Parameters' ``.grad`` are left as
        they were. ``dA0=False`` skips dA0 (X then does not require grad).
        """
        Xt = self.check_X(X)
        Yd = self.check_Y(Y, Xt.shape[1])
        X_in = Tensor(Xt.data, requires_grad=dA0, name="X")
        X_in.layer = 0
        cache: list[tuple[Tensor, Tensor | None]] = []
        with enable_grad():  # gradients() works inside a user's no_grad block too
            J = self.cost_from(1, X_in, Yd, cache=cache)
        wanted: list[tuple[str, Tensor]] = []
        for layer in self.layers:
            wanted += [(f"dW{layer.l}", layer.W), (f"db{layer.l}", layer.b)]
        for l, (Z, A) in enumerate(cache, start=1):
            wanted.append((f"dZ{l}", Z))
            if l < self.L:
                wanted.append((f"dA{l}", A))
        if dA0:
            wanted.append(("dA0", X_in))
        values = grad(J, [t for _, t in wanted])
        out = {k: v.data for (k, _), v in zip(wanted, values)}
        order = (
            [f"dW{l}" for l in range(1, self.L + 1)]
            + [f"db{l}" for l in range(1, self.L + 1)]
            + [f"dZ{l}" for l in range(1, self.L + 1)]
            + [f"dA{l}" for l in range(0 if dA0 else 1, self.L)]
        )
        return {k: out[k] for k in order}

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
        rows = [_SUMMARY_HEADER, *self._summary_rows(m)]
        widths = [max(len(r[i]) for r in rows) for i in range(len(rows[0]))]

        def fmt(r: tuple[str, ...]) -> str:
            return "  ".join(c.ljust(w) for c, w in zip(r, widths)).rstrip()

        rule = "-" * len(fmt(rows[0]))
        lines = [self._summary_title(), rule, fmt(rows[0]), rule]
        lines += [fmt(r) for r in rows[1:]]
        lines += [rule, *self._summary_footer()]
        return "\n".join(lines)

    def _summary_title(self) -> str:
        return f"DeepNetwork layer_dims={self.layer_dims}  L={self.L}"

    def _summary_rows(self, m: int | str) -> list[tuple[str, ...]]:
        dims = self.layer_dims
        rows = [("0", str(dims[0]), "input", "", "", f"A[0] = X ({dims[0]}, {m})", "0")]
        for layer in self.layers:
            l, n, n_prev = layer.l, dims[layer.l], dims[layer.l - 1]
            row = (str(l), str(n), layer.activation, f"({n}, {n_prev})", f"({n}, 1)")
            rows.append((*row, f"({n}, {m})", f"{n * n_prev + n:,}"))
        return rows

    def _summary_footer(self) -> list[str]:
        l2 = f" + L2 (lambda={self.l2})" if self.l2 else ""
        return [
            f"total parameters: {self.num_parameters():,}   "
            f"cost: {_cost_name(self.output_activation)}{l2}",
            "dW[l], db[l], dZ[l], dA[l] have the shapes of W[l], b[l], Z[l], A[l].",
        ]

    def _repr_html_(self) -> str:
        """The summary as an HTML table, for Jupyter."""
        return html_table(
            _SUMMARY_HEADER, self._summary_rows("m"), self._summary_title(), self._summary_footer()
        )

    def __str__(self) -> str:
        acts = self.activations
        hidden = f"{acts[0]} x{len(acts) - 1} -> " if len(acts) > 1 else ""
        if len(set(acts[:-1])) > 1:
            hidden = ", ".join(acts[:-1]) + " -> "
        return (
            f"DeepNetwork({self.layer_dims}, {hidden}{acts[-1]}, "
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
            f"columns: Y = np.eye({nL})[:, labels.ravel().astype(int)]"
        )
    if labels and nL == 1 and Y.size == m:
        return f"{expected}; got shape {Y.shape}: use Y.reshape(1, {m})"
    if Y.ndim == 2 and Y.shape == (m, nL):
        return f"{expected}; got {Y.shape}: samples must be columns, use Y.T"
    if Y.ndim == 2 and Y.shape[0] == nL:
        return f"{expected}; got {Y.shape} (X and Y have different m)"
    return f"{expected}; got shape {Y.shape}"


def _check_layer_dims(layer_dims: Any) -> list[int]:
    if isinstance(layer_dims, (str, bytes)):
        raise TypeError(
            f"layer_dims must be a list of unit counts such as [12288, 20, 7, 5, 1], got the "
            f"string {layer_dims!r} (a string would be read digit by digit)"
        )
    try:
        dims = [int(n) for n in layer_dims]
    except (TypeError, ValueError):
        raise ValueError(
            f"layer_dims must be a list of unit counts [n[0], ..., n[L]], got {layer_dims!r}"
        ) from None
    if any(float(a) != b for a, b in zip(layer_dims, dims)):
        raise ValueError(f"layer_dims must hold whole numbers, got {list(layer_dims)}")
    if len(dims) < 2:
        raise ValueError(
            f"layer_dims needs at least [n[0], n[1]] (an input and one layer), got {dims}"
        )
    for l, n in enumerate(dims):
        if n < 1:
            raise ValueError(f"n[{l}] must be >= 1, got {n} in layer_dims {dims}")
    return dims


def check_param_shapes(arrays: Mapping[str, np.ndarray], dims: list[int]) -> None:
    """Raise a ValueError naming the first W[l] or b[l] whose shape breaks the rules."""
    for l in range(1, len(dims)):
        W, b = np.asarray(arrays[f"W{l}"]), np.asarray(arrays[f"b{l}"])
        expect_W = (dims[l], dims[l - 1])
        if W.shape != expect_W:
            raise ValueError(
                f"W[{l}] must have shape (n[{l}], n[{l - 1}]) = {expect_W}, got {W.shape}"
            )
        if b.shape != (dims[l], 1):
            hint = " (a rank-1 array: use b.reshape(-1, 1))" if b.ndim == 1 else ""
            raise ValueError(
                f"b[{l}] must have shape (n[{l}], 1) = ({dims[l]}, 1), got {b.shape}{hint}"
            )
