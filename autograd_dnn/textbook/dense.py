"""The course's closed-form deep-network functions, in plain numpy: the independent oracle.

This module imports nothing from the rest of ``autograd_dnn``; it shares only numpy with the
engine, so that the engine can be checked against it.

Notation (Andrew Ng's deep learning course): samples are columns, ``X = A[0]`` is ``(n[0], m)``,
``W[l]`` is ``(n[l], n[l-1])``, ``b[l]`` is ``(n[l], 1)``, ``Z[l]`` and ``A[l]`` are ``(n[l], m)``.
Parameters live in a dict with keys ``W1, b1, ..., WL, bL``.

Caches use the course layout::

    linear_cache = (A_prev, W, b)          # A[l-1], W[l], b[l]
    cache        = (linear_cache, Z)       # ... and Z[l]

The factor m: like the course, ``dA[l]`` and ``dZ[l]`` are derivatives of the SUMMED loss
``sum_i L(a_i, y_i)`` (m times ``dJ/dA[l]``), while ``dW[l]`` and ``db[l]`` are ``dJ/dW[l]`` and
``dJ/db[l]`` of the cost ``J = (1/m) sum_i L``.

Example::

    >>> params = initialize_parameters_deep([3, 4, 1], seed=3)
    >>> X = np.ones((3, 2)); Y = np.array([[1.0, 0.0]])
    >>> AL, caches = model_forward(X, params)
    >>> grads = model_backward(AL, Y, caches)
    >>> sorted(grads)
    ['dA0', 'dA1', 'dW1', 'dW2', 'dZ1', 'dZ2', 'db1', 'db2']
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from typing import Any

import numpy as np

__all__ = [
    "ACTIVATIONS",
    "Cache",
    "LEAKY_SLOPE",
    "LinearCache",
    "compute_cost",
    "compute_cost_categorical",
    "compute_cost_with_regularization",
    "dictionary_to_vector",
    "gradients_to_vector",
    "initialize_parameters_deep",
    "leaky_relu",
    "leaky_relu_backward",
    "linear_activation_backward",
    "linear_activation_forward",
    "linear_backward",
    "linear_forward",
    "model_backward",
    "model_forward",
    "relu",
    "relu_backward",
    "sigmoid",
    "sigmoid_backward",
    "softmax",
    "softmax_backward",
    "tanh",
    "tanh_backward",
    "update_parameters",
    "vector_to_dictionary",
]

LinearCache = tuple[np.ndarray, np.ndarray, np.ndarray]
Cache = tuple[LinearCache, np.ndarray]

LEAKY_SLOPE = 0.01


# ----------------------------------------------------------------------------------------------
# Input checks: errors name the thing, in course notation.
# ----------------------------------------------------------------------------------------------


def _matrix(x: Any, name: str, *, column: bool = False) -> np.ndarray:
    """Return ``x`` as a 2-D float array; refuse rank-1 arrays with the shape to use."""
    arr = np.asarray(x)
    if arr.ndim == 1:
        n = arr.shape[0]
        use = f"({n}, 1)" if column else f"({n}, 1) or (1, {n})"
        raise ValueError(
            f"{name} has shape {arr.shape}, use {use}: rank-1 arrays are ambiguous "
            "(samples are columns; reshape with .reshape(-1, 1) or keepdims=True)"
        )
    if arr.ndim != 2:
        raise ValueError(
            f"{name} must be a 2-D array (rows = units, columns = m samples), got shape {arr.shape}"
        )
    if not np.issubdtype(arr.dtype, np.floating):
        arr = arr.astype(np.float64)
    return arr


def _lname(name: str, layer: int | None) -> str:
    """``W[2]`` when the layer is known, ``W`` otherwise."""
    return name if layer is None else f"{name}[{layer}]"


def _num(layer: int | None, offset: int = 0) -> str:
    """``n[2]`` / ``n[1]`` when the layer is known, ``n[l]`` / ``n[l-1]`` otherwise."""
    if layer is None:
        return "n[l]" if offset == 0 else "n[l-1]"
    return f"n[{layer + offset}]"


def _check_linear(A_prev: Any, W: Any, b: Any, layer: int | None) -> LinearCache:
    """Validate ``(A[l-1], W[l], b[l])``; return them as 2-D float arrays."""
    A_prev = _matrix(A_prev, "A_prev" if layer is None else f"A[{layer - 1}]")
    W = _matrix(W, _lname("W", layer))
    b = _matrix(b, _lname("b", layer), column=True)
    n_l, n_prev = W.shape[0], A_prev.shape[0]
    if W.shape[1] != n_prev:
        raise ValueError(
            f"{_lname('W', layer)} must have shape ({_num(layer)}, {_num(layer, -1)}) = "
            f"({n_l}, {n_prev}), got {W.shape}: A[{'l-1' if layer is None else layer - 1}] "
            f"has {n_prev} rows, so {_num(layer, -1)} = {n_prev}"
        )
    if b.shape != (n_l, 1):
        raise ValueError(
            f"{_lname('b', layer)} must have shape ({_num(layer)}, 1) = ({n_l}, 1), got {b.shape}"
        )
    return A_prev, W, b


def _unpack_cache(cache: Any, layer: int | None) -> tuple[LinearCache, np.ndarray]:
    """Validate the course layout ``((A_prev, W, b), Z)``."""
    where = "cache" if layer is None else f"caches[{layer - 1}] (layer {layer})"
    ok = isinstance(cache, (tuple, list)) and len(cache) == 2
    ok = ok and isinstance(cache[0], (tuple, list)) and len(cache[0]) == 3
    if not ok:
        raise ValueError(f"{where} must have the course layout ((A_prev, W, b), Z)")
    A_prev, W, b = _check_linear(cache[0][0], cache[0][1], cache[0][2], layer)
    Z = _matrix(cache[1], _lname("Z", layer))
    expected = (W.shape[0], A_prev.shape[1])
    if Z.shape != expected:
        raise ValueError(
            f"{_lname('Z', layer)} must have shape ({_num(layer)}, m) = {expected}, got {Z.shape}"
        )
    return (A_prev, W, b), Z


def _num_layers(params: Mapping[str, Any]) -> int:
    """L, the number of ``W1..WL`` in ``params``; every ``b[l]`` must be there too."""
    if not isinstance(params, Mapping):
        raise TypeError(f"params must be a dict with keys W1, b1, ..., WL, bL, got {type(params)}")
    L = 0
    while f"W{L + 1}" in params:
        L += 1
    if L == 0:
        raise ValueError(f"params must hold W1, b1, ..., WL, bL; got keys {sorted(params)}")
    missing = [f"b{l}" for l in range(1, L + 1) if f"b{l}" not in params]
    if missing:
        raise ValueError(f"params holds W1..W{L} but is missing {', '.join(missing)}")
    return L


def _check_activations(activations: Sequence[str] | None, L: int) -> list[str]:
    """Default ``relu`` for layers 1..L-1 and ``sigmoid`` for layer L; else validate."""
    if activations is None:
        return ["relu"] * (L - 1) + ["sigmoid"]
    if isinstance(activations, str):
        raise TypeError("activations must be a list of L names (activations[l-1] is g[l])")
    names = list(activations)
    if len(names) != L:
        raise ValueError(
            f"activations has {len(names)} names but the network has L = {L} layers "
            "(activations[l-1] is g[l])"
        )
    for name in names:
        _activation(name)
    return names


# ----------------------------------------------------------------------------------------------
# Activations g and their backward rules dZ = dA * g'(Z).
# ----------------------------------------------------------------------------------------------


def sigmoid(Z: np.ndarray) -> np.ndarray:
    """``A = 1 / (1 + exp(-Z))``, elementwise; shape of Z, e.g. ``(n[l], m)``.

    Returns A only (the course's ``dnn_utils.sigmoid`` also returns Z as its cache).
    """
    with np.errstate(over="ignore"):  # exp(-Z) = inf for Z < -709 gives the right answer, 0
        return 1 / (1 + np.exp(-Z))


def relu(Z: np.ndarray) -> np.ndarray:
    """``A = max(0, Z)``, elementwise; shape of Z."""
    return np.maximum(0, Z)


def leaky_relu(Z: np.ndarray, slope: float = LEAKY_SLOPE) -> np.ndarray:
    """``A = Z`` where ``Z > 0`` and ``slope * Z`` elsewhere; shape of Z."""
    return np.where(Z > 0, Z, slope * Z)


def tanh(Z: np.ndarray) -> np.ndarray:
    """``A = tanh(Z)``, elementwise; shape of Z."""
    return np.tanh(Z)


def softmax(Z: np.ndarray) -> np.ndarray:
    """Column-wise softmax: each column of ``A`` (shape ``(n[l], m)``) sums to 1."""
    E = np.exp(Z - np.max(Z, axis=0, keepdims=True))
    return E / np.sum(E, axis=0, keepdims=True)


def relu_backward(dA: np.ndarray, Z: np.ndarray) -> np.ndarray:
    """``dZ = dA * relu'(Z)`` with ``relu'(z) = 1`` for ``z > 0`` and 0 otherwise (also at 0).

    dA, Z, dZ: ``(n[l], m)``.
    """
    return dA * (Z > 0)


def leaky_relu_backward(dA: np.ndarray, Z: np.ndarray, slope: float = LEAKY_SLOPE) -> np.ndarray:
    """``dZ = dA * g'(Z)`` with ``g'(z) = 1`` for ``z > 0`` and ``slope`` otherwise."""
    return dA * np.where(Z > 0, 1.0, slope)


def sigmoid_backward(dA: np.ndarray, Z: np.ndarray) -> np.ndarray:
    """``dZ = dA * a (1 - a)`` with ``a = sigmoid(Z)``; all ``(n[l], m)``."""
    s = sigmoid(Z)
    return dA * s * (1 - s)


def tanh_backward(dA: np.ndarray, Z: np.ndarray) -> np.ndarray:
    """``dZ = dA * (1 - a^2)`` with ``a = tanh(Z)``; all ``(n[l], m)``."""
    a = np.tanh(Z)
    return dA * (1 - a**2)


def softmax_backward(dA: np.ndarray, Z: np.ndarray) -> np.ndarray:
    """Column-wise Jacobian-vector product of softmax: ``dZ = a * (dA - sum(a * dA, axis=0))``.

    With ``dA = -Y / A`` (categorical cross-entropy) and one-hot columns of Y this is ``A - Y``.
    """
    a = softmax(Z)
    return a * (dA - np.sum(a * dA, axis=0, keepdims=True))


def _identity_backward(dA: np.ndarray, Z: np.ndarray) -> np.ndarray:
    return dA * 1.0


Activation = tuple[Callable[..., np.ndarray], Callable[..., np.ndarray]]

#: name -> (g, backward) where ``backward(dA, Z)`` returns ``dZ``. leaky_relu takes ``slope``.
ACTIVATIONS: dict[str, Activation] = {
    "relu": (relu, relu_backward),
    "leaky_relu": (leaky_relu, leaky_relu_backward),
    "sigmoid": (sigmoid, sigmoid_backward),
    "tanh": (tanh, tanh_backward),
    "linear": (lambda Z: Z * 1.0, _identity_backward),
    "softmax": (softmax, softmax_backward),
}


def _activation(name: Any) -> Activation:
    if not isinstance(name, str) or name not in ACTIVATIONS:
        raise ValueError(
            f"unknown activation {name!r}; known activations: {', '.join(sorted(ACTIVATIONS))}"
        )
    return ACTIVATIONS[name]


def _forward_g(name: str, Z: np.ndarray, slope: float) -> np.ndarray:
    g, _ = _activation(name)
    return g(Z, slope) if name == "leaky_relu" else g(Z)


def _backward_g(name: str, dA: np.ndarray, Z: np.ndarray, slope: float) -> np.ndarray:
    _, backward = _activation(name)
    return backward(dA, Z, slope) if name == "leaky_relu" else backward(dA, Z)


# ----------------------------------------------------------------------------------------------
# Initialization
# ----------------------------------------------------------------------------------------------


def initialize_parameters_deep(layer_dims: Sequence[int], seed: int | None = 3) -> dict:
    """The course's ``initialize_parameters_deep``: ``W[l] = randn(n[l], n[l-1]) * 0.01``, b zero.

    Args:
        layer_dims: ``[n[0], n[1], ..., n[L]]``, at least two positive ints.
        seed: the seed the course passes to ``np.random.seed``. The draws come from a private
            ``np.random.RandomState(seed)``, which yields bit-for-bit the same numbers as
            ``np.random.seed(seed); np.random.randn(...)`` without touching the global state.

    Returns:
        ``{"W1": (n[1], n[0]), "b1": (n[1], 1), ..., "WL": (n[L], n[L-1]), "bL": (n[L], 1)}``.
    """
    dims = list(layer_dims)
    bad = [d for d in dims if isinstance(d, bool) or not isinstance(d, (int, np.integer)) or d < 1]
    if len(dims) < 2 or bad:
        raise ValueError(
            f"layer_dims must be [n[0], n[1], ..., n[L]] with at least two positive ints, "
            f"got {layer_dims!r}"
        )
    rng = np.random.RandomState(seed)
    params = {}
    for l in range(1, len(dims)):
        params[f"W{l}"] = rng.randn(dims[l], dims[l - 1]) * 0.01
        params[f"b{l}"] = np.zeros((dims[l], 1))
    return params


# ----------------------------------------------------------------------------------------------
# Forward propagation
# ----------------------------------------------------------------------------------------------


def linear_forward(
    A_prev: np.ndarray, W: np.ndarray, b: np.ndarray, *, layer: int | None = None
) -> tuple[np.ndarray, LinearCache]:
    """``Z[l] = W[l] A[l-1] + b[l]``.

    Args:
        A_prev: ``A[l-1]``, ``(n[l-1], m)``.
        W: ``W[l]``, ``(n[l], n[l-1])``.
        b: ``b[l]``, ``(n[l], 1)``.
        layer: l, only used to name things in error messages.

    Returns:
        ``Z`` of shape ``(n[l], m)`` and ``linear_cache = (A_prev, W, b)``.
    """
    A_prev, W, b = _check_linear(A_prev, W, b, layer)
    Z = W @ A_prev + b
    return Z, (A_prev, W, b)


def linear_activation_forward(
    A_prev: np.ndarray,
    W: np.ndarray,
    b: np.ndarray,
    activation: str,
    *,
    slope: float = LEAKY_SLOPE,
    layer: int | None = None,
) -> tuple[np.ndarray, Cache]:
    """``A[l] = g(W[l] A[l-1] + b[l])``.

    Args:
        A_prev: ``(n[l-1], m)``; W: ``(n[l], n[l-1])``; b: ``(n[l], 1)``.
        activation: one of ``relu, leaky_relu, sigmoid, tanh, linear, softmax``.
        slope: the slope of leaky_relu for ``z <= 0``.
        layer: l, only used to name things in error messages.

    Returns:
        ``A`` of shape ``(n[l], m)`` and ``cache = ((A_prev, W, b), Z)``.
    """
    _activation(activation)
    Z, linear_cache = linear_forward(A_prev, W, b, layer=layer)
    A = _forward_g(activation, Z, slope)
    return A, (linear_cache, Z)


def model_forward(
    X: np.ndarray,
    params: Mapping[str, np.ndarray],
    activations: Sequence[str] | None = None,
    *,
    slope: float = LEAKY_SLOPE,
) -> tuple[np.ndarray, list[Cache]]:
    """The course's ``L_model_forward``: ``A[l] = g[l](W[l] A[l-1] + b[l])`` for l = 1..L.

    Args:
        X: ``A[0]``, ``(n[0], m)``.
        params: ``W1, b1, ..., WL, bL`` with ``W[l]`` ``(n[l], n[l-1])``, ``b[l]`` ``(n[l], 1)``.
        activations: L names, ``activations[l-1]`` is ``g[l]``; default ``relu`` for the L-1
            hidden layers and ``sigmoid`` for the output layer.
        slope: the slope of leaky_relu for ``z <= 0``.

    Returns:
        ``AL`` of shape ``(n[L], m)`` and ``caches``, a list of L caches ``((A[l-1], W[l], b[l]),
        Z[l])``; ``caches[l-1]`` belongs to layer l.
    """
    L = _num_layers(params)
    names = _check_activations(activations, L)
    A = _matrix(X, "X")
    caches = []
    for l in range(1, L + 1):
        W = _matrix(params[f"W{l}"], f"W[{l}]")
        if W.shape[1] != A.shape[0]:
            source = f"X has {A.shape[0]} rows" if l == 1 else f"W[{l - 1}] has {A.shape[0]} rows"
            raise ValueError(
                f"W[{l}] must have shape (n[{l}], n[{l - 1}]) = ({W.shape[0]}, {A.shape[0]}), "
                f"got {W.shape}: {source}, so n[{l - 1}] = {A.shape[0]}"
            )
        A, cache = linear_activation_forward(
            A, W, params[f"b{l}"], names[l - 1], slope=slope, layer=l
        )
        caches.append(cache)
    return A, caches


# ----------------------------------------------------------------------------------------------
# Costs
# ----------------------------------------------------------------------------------------------


def _check_AL_Y(AL: Any, Y: Any) -> tuple[np.ndarray, np.ndarray]:
    AL = _matrix(AL, "AL")
    Y = _matrix(Y, "Y")
    if AL.shape != Y.shape:
        raise ValueError(
            f"AL and Y must have the same shape (n[L], m), got AL {AL.shape} and Y {Y.shape}"
        )
    return AL, Y


def compute_cost(AL: np.ndarray, Y: np.ndarray) -> float:
    """Binary cross-entropy ``J = -(1/m) sum(Y log AL + (1 - Y) log(1 - AL))``.

    Args:
        AL: ``A[L]``, ``(n[L], m)``, every entry strictly between 0 and 1.
        Y: labels, ``(n[L], m)``.

    Returns:
        J as a python float.
    """
    AL, Y = _check_AL_Y(AL, Y)
    if not np.all((AL > 0) & (AL < 1)):
        raise ValueError(
            f"AL must lie strictly between 0 and 1 (min {AL.min()}, max {AL.max()}): "
            "the cross-entropy is infinite at 0 and 1"
        )
    m = AL.shape[1]
    return float(-np.sum(Y * np.log(AL) + (1 - Y) * np.log(1 - AL)) / m)


def compute_cost_categorical(AL: np.ndarray, Y: np.ndarray) -> float:
    """Categorical cross-entropy for a softmax output: ``J = -(1/m) sum(Y log AL)``.

    AL, Y: ``(n[L], m)``; the columns of Y are one-hot (or probabilities). Returns a float.
    """
    AL, Y = _check_AL_Y(AL, Y)
    if not np.all(AL > 0):
        raise ValueError(f"AL must be positive (min {AL.min()}): log(0) is infinite")
    return float(-np.sum(Y * np.log(AL)) / AL.shape[1])


def compute_cost_with_regularization(
    AL: np.ndarray, Y: np.ndarray, params: Mapping[str, np.ndarray], lambd: float
) -> float:
    """``J = compute_cost(AL, Y) + (lambd / 2m) sum_l ||W[l]||_F^2``.

    AL, Y: ``(n[L], m)``; params: ``W1, b1, ..., WL, bL``. Returns a float.
    """
    m = _matrix(AL, "AL").shape[1]
    L = _num_layers(params)
    l2 = sum(float(np.sum(np.square(params[f"W{l}"]))) for l in range(1, L + 1))
    return compute_cost(AL, Y) + lambd / (2 * m) * l2


# ----------------------------------------------------------------------------------------------
# Backward propagation (course convention: dA, dZ of the summed loss; dW, db of J)
# ----------------------------------------------------------------------------------------------


def linear_backward(
    dZ: np.ndarray, linear_cache: LinearCache, *, layer: int | None = None
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """The linear part of layer l, backwards.

    Args:
        dZ: ``dZ[l]``, ``(n[l], m)``.
        linear_cache: ``(A_prev, W, b)`` = ``(A[l-1], W[l], b[l])``.
        layer: l, only used to name things in error messages.

    Returns:
        ``dA_prev = W^T dZ`` ``(n[l-1], m)``, ``dW = (1/m) dZ A_prev^T`` ``(n[l], n[l-1])`` and
        ``db = (1/m) sum(dZ, axis=1, keepdims=True)`` ``(n[l], 1)``.
    """
    if not isinstance(linear_cache, (tuple, list)) or len(linear_cache) != 3:
        raise ValueError("linear_cache must be (A_prev, W, b), the course layout")
    A_prev, W, b = _check_linear(*linear_cache, layer)
    dZ = _matrix(dZ, _lname("dZ", layer))
    expected = (W.shape[0], A_prev.shape[1])
    if dZ.shape != expected:
        raise ValueError(
            f"{_lname('dZ', layer)} must have the shape of Z, ({_num(layer)}, m) = {expected}, "
            f"got {dZ.shape}"
        )
    m = A_prev.shape[1]
    dW = dZ @ A_prev.T / m
    db = np.sum(dZ, axis=1, keepdims=True) / m
    dA_prev = W.T @ dZ
    return dA_prev, dW, db


def linear_activation_backward(
    dA: np.ndarray,
    cache: Cache,
    activation: str,
    *,
    slope: float = LEAKY_SLOPE,
    layer: int | None = None,
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Layer l backwards: ``dZ = dA * g'(Z)``, then :func:`linear_backward`.

    Args:
        dA: ``dA[l]``, ``(n[l], m)``.
        cache: ``((A_prev, W, b), Z)`` as stored by :func:`linear_activation_forward`.
        activation: the name of ``g[l]``.
        slope: the slope of leaky_relu for ``z <= 0``.
        layer: l, only used to name things in error messages.

    Returns:
        ``dA_prev`` ``(n[l-1], m)``, ``dW`` ``(n[l], n[l-1])``, ``db`` ``(n[l], 1)``.
    """
    dA_prev, dW, db, _ = _layer_backward(dA, cache, activation, slope, layer)
    return dA_prev, dW, db


def _layer_backward(
    dA: Any, cache: Any, activation: str, slope: float, layer: int | None
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """``linear_activation_backward`` that also returns ``dZ``."""
    _activation(activation)
    linear_cache, Z = _unpack_cache(cache, layer)
    dA = _matrix(dA, _lname("dA", layer))
    if dA.shape != Z.shape:
        raise ValueError(
            f"{_lname('dA', layer)} must have the shape of {_lname('Z', layer)}, "
            f"({_num(layer)}, m) = {Z.shape}, got {dA.shape}"
        )
    dZ = _backward_g(activation, dA, Z, slope)
    dA_prev, dW, db = linear_backward(dZ, linear_cache, layer=layer)
    return dA_prev, dW, db, dZ


def model_backward(
    AL: np.ndarray,
    Y: np.ndarray,
    caches: Sequence[Cache],
    activations: Sequence[str] | None = None,
    *,
    lambd: float = 0.0,
    slope: float = LEAKY_SLOPE,
) -> dict[str, np.ndarray]:
    """The course's ``L_model_backward``, from ``caches`` made by a forward pass or by hand.

    Starts from ``dA[L] = -(Y / AL - (1 - Y) / (1 - AL))`` (binary cross-entropy), or from
    ``dA[L] = -Y / AL`` when the output activation is softmax (categorical cross-entropy); it
    does not assume ``AL == g(Z[L])``, just as the course's hand-built test cases don't.

    Args:
        AL: ``A[L]``, ``(n[L], m)``.
        Y: labels, ``(n[L], m)``.
        caches: L caches ``((A[l-1], W[l], b[l]), Z[l])``; ``caches[l-1]`` is layer l.
        activations: L names; default relu for layers 1..L-1 and sigmoid for layer L.
        lambd: L2 strength; adds ``(lambd / m) W[l]`` to ``dW[l]``.
        slope: the slope of leaky_relu for ``z <= 0``.

    Returns:
        ``dA0 .. dA{L-1}`` (``dA[l]`` ``(n[l], m)``), ``dZ1 .. dZ{L}``, ``dW1 .. dW{L}`` and
        ``db1 .. db{L}``, the last two the shapes of ``W[l]`` and ``b[l]``.
    """
    AL, Y = _check_AL_Y(AL, Y)
    if not isinstance(caches, (list, tuple)) or len(caches) == 0:
        raise ValueError("caches must be a non-empty list of L caches ((A_prev, W, b), Z)")
    L = len(caches)
    names = _check_activations(activations, L)
    m = AL.shape[1]
    with np.errstate(divide="ignore", invalid="ignore"):
        if names[-1] == "softmax":
            dA = -(Y / AL)
        else:
            dA = -(Y / AL - (1 - Y) / (1 - AL))
    if not np.all(np.isfinite(dA)):
        raise ValueError(
            f"dA[{L}] is not finite: AL has entries equal to 0 or 1 "
            f"(min {AL.min()}, max {AL.max()}), where the cross-entropy is infinite"
        )
    grads: dict[str, np.ndarray] = {}
    for l in range(L, 0, -1):
        dA_prev, dW, db, dZ = _layer_backward(dA, caches[l - 1], names[l - 1], slope, l)
        if lambd:
            W = caches[l - 1][0][1]
            dW = dW + (lambd / m) * W
        grads[f"dZ{l}"] = dZ
        grads[f"dW{l}"] = dW
        grads[f"db{l}"] = db
        grads[f"dA{l - 1}"] = dA_prev
        dA = dA_prev
    return grads


# ----------------------------------------------------------------------------------------------
# Update and gradient-checking helpers
# ----------------------------------------------------------------------------------------------


def update_parameters(
    params: Mapping[str, np.ndarray], grads: Mapping[str, np.ndarray], learning_rate: float
) -> dict[str, np.ndarray]:
    """``W[l] := W[l] - alpha dW[l]``, ``b[l] := b[l] - alpha db[l]`` for l = 1..L.

    Returns a new dict; ``params`` and its arrays are left as they were.
    """
    L = _num_layers(params)
    new = dict(params)
    for l in range(1, L + 1):
        for p in ("W", "b"):
            value = _matrix(params[f"{p}{l}"], f"{p}[{l}]", column=p == "b")
            key = f"d{p}{l}"
            if key not in grads:
                raise ValueError(f"grads is missing {key}")
            grad = _matrix(grads[key], f"d{p}[{l}]", column=p == "b")
            if grad.shape != value.shape:
                raise ValueError(
                    f"d{p}[{l}] has shape {grad.shape} but {p}[{l}] has shape {value.shape}; "
                    "they must match"
                )
            new[f"{p}{l}"] = value - learning_rate * grad
    return new


def dictionary_to_vector(params: Mapping[str, np.ndarray]) -> tuple[np.ndarray, list[str]]:
    """Flatten ``W1, b1, W2, b2, ...`` (row-major) into ``theta`` of shape ``(N, 1)``.

    Returns ``(theta, keys)`` like the course: ``keys[i]`` names the parameter of ``theta[i]``.
    """
    L = _num_layers(params)
    pieces, keys = [], []
    for l in range(1, L + 1):
        for name in (f"W{l}", f"b{l}"):
            column = np.reshape(np.asarray(params[name], dtype=np.float64), (-1, 1))
            pieces.append(column)
            keys += [name] * column.shape[0]
    return np.concatenate(pieces, axis=0), keys


def vector_to_dictionary(theta: np.ndarray, layer_dims: Sequence[int]) -> dict[str, np.ndarray]:
    """Inverse of :func:`dictionary_to_vector`: ``theta`` ``(N, 1)`` back to ``W1, b1, ...``."""
    theta = _matrix(theta, "theta", column=True)
    if theta.shape[1] != 1:
        raise ValueError(f"theta must be a column (N, 1), got {theta.shape}")
    dims = list(layer_dims)
    shapes = []
    for l in range(1, len(dims)):
        shapes += [(f"W{l}", (dims[l], dims[l - 1])), (f"b{l}", (dims[l], 1))]
    needed = sum(r * c for _, (r, c) in shapes)
    if theta.shape[0] != needed:
        raise ValueError(f"theta has {theta.shape[0]} entries but layer_dims {dims} needs {needed}")
    params, start = {}, 0
    for name, (r, c) in shapes:
        params[name] = theta[start : start + r * c].reshape(r, c)
        start += r * c
    return params


def gradients_to_vector(grads: Mapping[str, np.ndarray], L: int) -> np.ndarray:
    """Flatten ``dW1, db1, ..., dWL, dbL`` (row-major) into a column ``(N, 1)``."""
    pieces = []
    for l in range(1, L + 1):
        for name in (f"dW{l}", f"db{l}"):
            if name not in grads:
                raise ValueError(f"grads is missing {name} (L = {L})")
            pieces.append(np.reshape(np.asarray(grads[name], dtype=np.float64), (-1, 1)))
    return np.concatenate(pieces, axis=0)
