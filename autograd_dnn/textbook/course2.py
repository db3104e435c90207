"""Course 2, "Improving Deep Neural Networks", in plain numpy: the independent oracle.

Initialization, L2 regularization, dropout, gradient checking, mini-batches, momentum,
RMSprop, Adam, learning-rate decay and batch norm, with the course's names, signatures and
dictionary keys. The course writes its exercises for a 3-layer network; every function here
takes L layers (relu for layers 1..L-1, sigmoid for layer L), and gives the course's numbers
for L = 3. This module imports only numpy and :mod:`autograd_dnn.textbook.dense`.

Caches use the course's FLAT layout, layer by layer (the course's 3-layer cache is the case
L = 3)::

    forward_propagation / forward_propagation_n  (4 entries per layer, 4L in all):
        (Z1, A1, W1, b1,  Z2, A2, W2, b2,  ...,  ZL, AL, WL, bL)

    forward_propagation_with_dropout  (hidden layers carry their mask D[l]; 5L - 1 in all):
        (Z1, D1, A1, W1, b1,  ...,  Z[L-1], D[L-1], A[L-1], W[L-1], b[L-1],  ZL, AL, WL, bL)

where ``A[l]`` of a hidden layer is the activation AFTER dropout, ``A[l] * D[l] / keep_prob``.

Gradients use the course's keys: ``dZ{L}, dW{L}, db{L}, dA{L-1}, dZ{L-1}, ..., dA1, dZ1, dW1,
db1`` (no ``dA0``). The factor m is the course's: ``dA[l]`` and ``dZ[l]`` are derivatives of
the summed loss (m times ``dJ/dA[l]``), ``dW[l]`` and ``db[l]`` are ``dJ/dW[l]``, ``dJ/db[l]``.

Random draws come from a private ``np.random.RandomState(seed)``, which gives bit for bit
the numbers of the course's ``np.random.seed(seed)`` followed by ``np.random.rand`` (or
``randn``, ``permutation``) without touching numpy's global random state.

Example::

    >>> params = initialize_parameters_he([2, 4, 1])
    >>> X = np.ones((2, 3)); Y = np.array([[1.0, 0.0, 1.0]])
    >>> AL, cache = forward_propagation_with_dropout(X, params, keep_prob=0.8)
    >>> sorted(backward_propagation_with_dropout(X, Y, cache, 0.8))
    ['dA1', 'dW1', 'dW2', 'dZ1', 'dZ2', 'db1', 'db2']
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np

from autograd_dnn.textbook.dense import (
    dictionary_to_vector,
    gradients_to_vector,
    relu,
    sigmoid,
    vector_to_dictionary,
)

__all__ = [
    "backward_propagation",
    "backward_propagation_n",
    "backward_propagation_with_dropout",
    "backward_propagation_with_regularization",
    "batchnorm_backward",
    "batchnorm_forward",
    "forward_propagation",
    "forward_propagation_n",
    "forward_propagation_with_dropout",
    "gradient_check_n",
    "initialize_adam",
    "initialize_parameters_he",
    "initialize_parameters_random",
    "initialize_parameters_zeros",
    "initialize_rmsprop",
    "initialize_velocity",
    "random_mini_batches",
    "schedule_lr_decay",
    "update_lr",
    "update_parameters_with_adam",
    "update_parameters_with_gd",
    "update_parameters_with_momentum",
    "update_parameters_with_rmsprop",
]

Params = dict[str, np.ndarray]


# ----------------------------------------------------------------------------------------------
# Input checks: errors name the thing, in course notation.
# ----------------------------------------------------------------------------------------------


def _matrix(x: Any, name: str) -> np.ndarray:
    """``x`` as a 2-D float array; rank-1 and other ranks are refused with the shape to use."""
    arr = np.asarray(x)
    if arr.ndim == 1:
        raise ValueError(
            f"{name} has shape {arr.shape}, a rank-1 array; use ({arr.shape[0]}, 1) or "
            f"(1, {arr.shape[0]}) (samples are columns: reshape with .reshape(1, -1))"
        )
    if arr.ndim != 2:
        raise ValueError(
            f"{name} must be a 2-D array (rows = units, columns = m samples), got shape {arr.shape}"
        )
    if not np.issubdtype(arr.dtype, np.floating):
        arr = arr.astype(np.float64)
    return arr


def _num_layers(parameters: Any, name: str = "parameters") -> int:
    """L, the number of ``W1..WL`` in ``parameters``; every ``b[l]`` must be there too."""
    if not isinstance(parameters, Mapping):
        raise TypeError(
            f"{name} must be a dict with keys W1, b1, ..., WL, bL, got {type(parameters).__name__}"
        )
    L = 0
    while f"W{L + 1}" in parameters:
        L += 1
    if L == 0:
        raise ValueError(f"{name} must hold W1, b1, ..., WL, bL; got keys {sorted(parameters)}")
    missing = [f"b{l}" for l in range(1, L + 1) if f"b{l}" not in parameters]
    if missing:
        raise ValueError(f"{name} holds W1..W{L} but is missing {', '.join(missing)}")
    return L


def _layer_dims(layers_dims: Any) -> list[int]:
    dims = list(layers_dims) if isinstance(layers_dims, (list, tuple)) else None
    if (
        dims is None
        or len(dims) < 2
        or not all(
            isinstance(d, (int, np.integer)) and not isinstance(d, bool) and d >= 1 for d in dims
        )
    ):
        raise ValueError(
            "layers_dims must be a list [n[0], n[1], ..., n[L]] of at least two positive ints, "
            f"got {layers_dims!r}"
        )
    return [int(d) for d in dims]


def _weights(parameters: Mapping[str, Any], X: np.ndarray) -> list[tuple[np.ndarray, np.ndarray]]:
    """[(W[l], b[l]) for l = 1..L] as 2-D arrays, the shapes checked against X and each other."""
    L = _num_layers(parameters)
    out = []
    n_prev = X.shape[0]
    for l in range(1, L + 1):
        W = _matrix(parameters[f"W{l}"], f"W{l}")
        b = _matrix(parameters[f"b{l}"], f"b{l}")
        source = "X" if l == 1 else f"W{l - 1}"
        if W.shape[1] != n_prev:
            raise ValueError(
                f"W{l} must have shape (n[{l}], n[{l - 1}]) = ({W.shape[0]}, {n_prev}), got "
                f"{W.shape}: {source} has {n_prev} rows, so n[{l - 1}] = {n_prev}"
            )
        if b.shape != (W.shape[0], 1):
            raise ValueError(f"b{l} must have shape (n[{l}], 1) = ({W.shape[0]}, 1), got {b.shape}")
        out.append((W, b))
        n_prev = W.shape[0]
    return out


def _keep_probs(keep_prob: Any, L: int) -> list[float]:
    """One keep_prob per hidden layer 1..L-1, each in (0, 1]."""
    if isinstance(keep_prob, (list, tuple, np.ndarray)):
        probs = [float(p) for p in keep_prob]
        if len(probs) != L - 1:
            raise ValueError(
                f"keep_prob has {len(probs)} values but the network has L - 1 = {L - 1} hidden "
                "layers (keep_prob[l-1] is for layer l; the output layer never drops units)"
            )
    else:
        probs = [float(keep_prob)] * (L - 1)
    for p in probs:
        if not 0 < p <= 1:
            raise ValueError(f"keep_prob must be in (0, 1], got {p} (1 keeps every unit)")
    return probs


def _labels(Y: Any, AL: np.ndarray) -> np.ndarray:
    Y = _matrix(Y, "Y")
    if Y.shape != AL.shape:
        raise ValueError(
            f"Y must have the shape of A[L], (n[L], m) = {AL.shape}, got {Y.shape}"
            + (" (use Y.reshape(1, -1))" if Y.size == AL.size else "")
        )
    return Y


# ----------------------------------------------------------------------------------------------
# Initialization (the course's "Initialization" exercise)
# ----------------------------------------------------------------------------------------------


def initialize_parameters_zeros(layers_dims: Sequence[int]) -> Params:
    """Every ``W[l]`` and ``b[l]`` zero: the symmetric start that the course shows fails.

    Args:
        layers_dims: ``[n[0], n[1], ..., n[L]]``.

    Returns:
        ``{"W1": (n[1], n[0]), "b1": (n[1], 1), ..., "WL", "bL"}``, all zeros.
    """
    dims = _layer_dims(layers_dims)
    params: Params = {}
    for l in range(1, len(dims)):
        params[f"W{l}"] = np.zeros((dims[l], dims[l - 1]))
        params[f"b{l}"] = np.zeros((dims[l], 1))
    return params


def initialize_parameters_random(layers_dims: Sequence[int], *, seed: int = 3) -> Params:
    """The course's large random start: ``W[l] = randn(n[l], n[l-1]) * 10``, ``b[l] = 0``.

    The draws are those of ``np.random.seed(3)`` then one ``np.random.randn`` per layer in
    order, as the course's exercise does. Returns ``W1, b1, ..., WL, bL``.
    """
    dims = _layer_dims(layers_dims)
    rng = np.random.RandomState(seed)
    params: Params = {}
    for l in range(1, len(dims)):
        params[f"W{l}"] = rng.randn(dims[l], dims[l - 1]) * 10
        params[f"b{l}"] = np.zeros((dims[l], 1))
    return params


def initialize_parameters_he(layers_dims: Sequence[int], *, seed: int = 3) -> Params:
    """He initialization: ``W[l] = randn(n[l], n[l-1]) * sqrt(2 / n[l-1])``, ``b[l] = 0``.

    The draws are those of ``np.random.seed(3)`` then one ``np.random.randn`` per layer, as the
    course's exercise does. Returns ``W1, b1, ..., WL, bL``.
    """
    dims = _layer_dims(layers_dims)
    rng = np.random.RandomState(seed)
    params: Params = {}
    for l in range(1, len(dims)):
        params[f"W{l}"] = rng.randn(dims[l], dims[l - 1]) * np.sqrt(2.0 / dims[l - 1])
        params[f"b{l}"] = np.zeros((dims[l], 1))
    return params


# ----------------------------------------------------------------------------------------------
# Forward propagation with the course's flat cache
# ----------------------------------------------------------------------------------------------


def forward_propagation(X: np.ndarray, parameters: Mapping[str, np.ndarray]) -> tuple:
    """LINEAR -> RELU -> ... -> LINEAR -> SIGMOID for L layers, the course's ``reg_utils`` one.

    Args:
        X: ``A[0]``, ``(n[0], m)``.
        parameters: ``W1, b1, ..., WL, bL``; ``W[l]`` ``(n[l], n[l-1])``, ``b[l]`` ``(n[l], 1)``.

    Returns:
        ``(AL, cache)``: ``AL`` ``(n[L], m)`` and the flat cache
        ``(Z1, A1, W1, b1, ..., ZL, AL, WL, bL)`` (4 entries per layer).
    """
    A = _matrix(X, "X")
    layers = _weights(parameters, A)
    cache: list[np.ndarray] = []
    for l, (W, b) in enumerate(layers, start=1):
        Z = W @ A + b
        A = sigmoid(Z) if l == len(layers) else relu(Z)
        cache += [Z, A, W, b]
    return A, tuple(cache)


def forward_propagation_with_dropout(
    X: np.ndarray,
    parameters: Mapping[str, np.ndarray],
    keep_prob: float | Sequence[float] = 0.5,
    seed: int | None = 1,
) -> tuple:
    """Forward propagation with inverted dropout on the hidden layers, as the course does it.

    For l = 1..L-1: ``Z[l] = W[l] A[l-1] + b[l]``, ``A[l] = relu(Z[l])``, then
    ``D[l] = np.random.rand(*A[l].shape) < keep_prob`` and ``A[l] = A[l] * D[l] / keep_prob``.
    The output layer is ``A[L] = sigmoid(Z[L])`` and is never dropped. The masks are drawn
    layer by layer in order after ``np.random.seed(seed)``, exactly as the course's notebook
    (which seeds with 1); here from a private ``RandomState(seed)`` with the same numbers.

    Args:
        X: ``(n[0], m)``.
        parameters: ``W1, b1, ..., WL, bL``.
        keep_prob: the probability of keeping a unit, in (0, 1]; one number for every hidden
            layer or a list of L - 1 (``keep_prob[l-1]`` for layer l).
        seed: the seed of the masks; None draws from numpy's global random state instead.

    Returns:
        ``(AL, cache)`` with the flat cache ``(Z1, D1, A1, W1, b1, ..., ZL, AL, WL, bL)``;
        ``D[l]`` is a boolean ``(n[l], m)`` array.
    """
    A = _matrix(X, "X")
    layers = _weights(parameters, A)
    L = len(layers)
    probs = _keep_probs(keep_prob, L)
    rand = np.random.rand if seed is None else np.random.RandomState(seed).rand
    cache: list[np.ndarray] = []
    for l, (W, b) in enumerate(layers, start=1):
        Z = W @ A + b
        if l == L:
            A = sigmoid(Z)
            cache += [Z, A, W, b]
        else:
            A = relu(Z)
            D = rand(*A.shape) < probs[l - 1]
            A = A * D / probs[l - 1]
            cache += [Z, D, A, W, b]
    return A, tuple(cache)


def _split_cache(cache: Any, X: np.ndarray, dropout: bool) -> list[dict[str, np.ndarray]]:
    """The flat course cache as one dict per layer (keys Z, A, W, b and D), shapes checked."""
    per = "(Z1, D1, A1, W1, b1, ..., ZL, AL, WL, bL)" if dropout else "(Z1, A1, W1, b1, ...)"
    size = len(cache) if isinstance(cache, (tuple, list)) else -1
    L = (size + 1) // 5 if dropout else size // 4
    if L < 1 or size != (5 * L - 1 if dropout else 4 * L):
        made_by = "forward_propagation_with_dropout" if dropout else "forward_propagation"
        raise ValueError(
            f"cache must be the course's flat tuple {per} made by {made_by}, with "
            f"{'5L - 1' if dropout else '4L'} entries; got "
            + (f"{size} entries" if size >= 0 else type(cache).__name__)
        )
    layers, i = [], 0
    for l in range(1, L + 1):
        names = ["Z", "D", "A", "W", "b"] if dropout and l < L else ["Z", "A", "W", "b"]
        layer = {}
        for key in names:
            layer[key] = _matrix(cache[i], f"cache entry {i} ({key}{l})")
            i += 1
        layers.append(layer)
    n_prev, m = X.shape
    for l, layer in enumerate(layers, start=1):
        n = layer["W"].shape[0]
        expected = {"W": (n, n_prev), "b": (n, 1), "Z": (n, m), "A": (n, m), "D": (n, m)}
        for key, value in layer.items():
            if value.shape != expected[key]:
                raise ValueError(
                    f"{key}{l} in the cache has shape {value.shape}, expected {expected[key]} "
                    f"(n[{l}] = {n}, n[{l - 1}] = {n_prev}, m = {m})"
                )
        n_prev = n
    return layers


def _backward(
    X: Any, Y: Any, cache: Any, lambd: float, keep_prob: Any | None
) -> dict[str, np.ndarray]:
    """The course's 3-layer backward pass for L layers; dropout when keep_prob is given."""
    X = _matrix(X, "X")
    layers = _split_cache(cache, X, dropout=keep_prob is not None)
    L = len(layers)
    probs = _keep_probs(keep_prob, L) if keep_prob is not None else None
    if not np.isfinite(lambd) or lambd < 0:
        raise ValueError(f"lambd must be a finite number >= 0, got {lambd}")
    AL = layers[-1]["A"]
    Y = _labels(Y, AL)
    m = X.shape[1]
    grads: dict[str, np.ndarray] = {}
    dZ = AL - Y
    for l in range(L, 0, -1):
        A_prev = X if l == 1 else layers[l - 2]["A"]
        W = layers[l - 1]["W"]
        grads[f"dZ{l}"] = dZ
        grads[f"dW{l}"] = dZ @ A_prev.T / m + (lambd / m) * W
        grads[f"db{l}"] = np.sum(dZ, axis=1, keepdims=True) / m
        if l > 1:
            dA = W.T @ dZ
            if probs is not None:
                dA = dA * layers[l - 2]["D"] / probs[l - 2]
            grads[f"dA{l - 1}"] = dA
            dZ = dA * (layers[l - 2]["Z"] > 0)
    return grads


def backward_propagation(X: np.ndarray, Y: np.ndarray, cache: tuple) -> dict[str, np.ndarray]:
    """The backward pass of :func:`forward_propagation` (the course's ``reg_utils`` one).

    Args:
        X: ``(n[0], m)``; Y: ``(n[L], m)``; cache: ``(Z1, A1, W1, b1, ..., ZL, AL, WL, bL)``.

    Returns:
        ``dZ{L}, dW{L}, db{L}, dA{L-1}, ..., dA1, dZ1, dW1, db1``: ``dZ[L] = A[L] - Y``,
        ``dW[l] = dZ[l] A[l-1]^T / m``, ``db[l] = sum(dZ[l], axis=1) / m``,
        ``dA[l-1] = W[l]^T dZ[l]``, ``dZ[l] = dA[l] * (Z[l] > 0)``.
    """
    return _backward(X, Y, cache, 0.0, None)


def backward_propagation_with_regularization(
    X: np.ndarray, Y: np.ndarray, cache: tuple, lambd: float
) -> dict[str, np.ndarray]:
    """Backward pass of the L2-regularized cost ``J + (lambd / 2m) sum_l ||W[l]||_F^2``.

    As :func:`backward_propagation`, with ``dW[l] = dZ[l] A[l-1]^T / m + (lambd / m) W[l]``
    (the derivative of ``(lambd / 2m) ||W[l]||^2`` is ``(lambd / m) W[l]``); ``db[l]`` has no
    L2 term.

    Args:
        X: ``(n[0], m)``; Y: ``(n[L], m)``.
        cache: ``(Z1, A1, W1, b1, ..., ZL, AL, WL, bL)`` from :func:`forward_propagation`.
        lambd: the L2 strength lambda >= 0.

    Returns:
        The course's keys ``dZ3, dW3, db3, dA2, dZ2, dW2, db2, dA1, dZ1, dW1, db1`` for L = 3.
    """
    return _backward(X, Y, cache, float(lambd), None)


def backward_propagation_with_dropout(
    X: np.ndarray,
    Y: np.ndarray,
    cache: tuple,
    keep_prob: float | Sequence[float],
    *,
    lambd: float = 0.0,
) -> dict[str, np.ndarray]:
    """Backward pass of :func:`forward_propagation_with_dropout`, with the SAME masks.

    For each hidden layer, ``dA[l] = W[l+1]^T dZ[l+1]``, then ``dA[l] = dA[l] * D[l] /
    keep_prob`` with ``D[l]`` from the cache (a unit dropped going forward gets no gradient
    coming back, and the kept ones are scaled as forward scaled them), then
    ``dZ[l] = dA[l] * (Z[l] > 0)``.

    Args:
        X: ``(n[0], m)``; Y: ``(n[L], m)``.
        cache: ``(Z1, D1, A1, W1, b1, ..., ZL, AL, WL, bL)``.
        keep_prob: as given to the forward pass (a number, or one per hidden layer).
        lambd: an L2 strength to add ``(lambd / m) W[l]`` to ``dW[l]`` (0, the course's case,
            by default).

    Returns:
        The course's keys ``dZ3, dW3, db3, dA2, dZ2, dW2, db2, dA1, dZ1, dW1, db1`` for L = 3.
    """
    return _backward(X, Y, cache, float(lambd), keep_prob)


# ----------------------------------------------------------------------------------------------
# Gradient checking (the course's N-dimensional gradient check, for L layers)
# ----------------------------------------------------------------------------------------------


def forward_propagation_n(X: np.ndarray, Y: np.ndarray, parameters: Mapping[str, Any]) -> tuple:
    """The cost and cache of the gradient-checking exercise, for L layers.

    ``cost = (1/m) sum(-log(AL) Y - log(1 - AL) (1 - Y))``, written as the course writes it.

    Returns:
        ``(cost, cache)``: cost a float, cache ``(Z1, A1, W1, b1, ..., ZL, AL, WL, bL)``.
    """
    AL, cache = forward_propagation(X, parameters)
    Y = _labels(Y, AL)
    m = AL.shape[1]
    with np.errstate(divide="ignore", invalid="ignore"):
        logprobs = np.multiply(-np.log(AL), Y) + np.multiply(-np.log(1 - AL), 1 - Y)
    cost = 1.0 / m * np.sum(logprobs)
    return float(cost), cache


def backward_propagation_n(X: np.ndarray, Y: np.ndarray, cache: tuple) -> dict[str, np.ndarray]:
    """The CORRECT backward pass of :func:`forward_propagation_n` (the exercise plants bugs in
    dW2 and db1 of its copy); the same as :func:`backward_propagation`."""
    return _backward(X, Y, cache, 0.0, None)


def gradient_check_n(
    parameters: Mapping[str, np.ndarray],
    gradients: Mapping[str, np.ndarray],
    X: np.ndarray,
    Y: np.ndarray,
    epsilon: float = 1e-7,
    print_msg: bool = False,
) -> float:
    """The course's gradient check: every parameter nudged by +-epsilon, one at a time.

    ``theta`` stacks ``W1, b1, W2, b2, ...`` (row-major) as ``dictionary_to_vector`` does, and
    ``grad`` stacks ``dW1, db1, ...`` in the same order. For each i,
    ``gradapprox[i] = (J(theta + eps e_i) - J(theta - eps e_i)) / (2 eps)`` with J the cost of
    :func:`forward_propagation_n`, and

        difference = ||grad - gradapprox||_2 / (||grad||_2 + ||gradapprox||_2)

    The course reads about 1e-7 as fine and about 1e-3 as a bug; with ``print_msg`` it prints
    its verdict with the threshold 2e-7 as the course does.

    Args:
        parameters: ``W1, b1, ..., WL, bL``.
        gradients: at least ``dW1, db1, ..., dWL, dbL`` of the same shapes.
        X: ``(n[0], m)``; Y: ``(n[L], m)``.
        epsilon: the step, 1e-7 as in the course.

    Returns:
        ``difference`` as a float.
    """
    L = _num_layers(parameters)
    X = _matrix(X, "X")
    layers = _weights(parameters, X)
    dims = [X.shape[0]] + [W.shape[0] for W, _ in layers]
    for l, (W, b) in enumerate(layers, start=1):
        for key, value in ((f"dW{l}", W), (f"db{l}", b)):
            if key not in gradients:
                raise ValueError(f"gradients is missing {key}; it needs dW1, db1, .., dW{L}, db{L}")
            if np.shape(gradients[key]) != value.shape:
                raise ValueError(
                    f"gradients[{key!r}] has shape {np.shape(gradients[key])}, expected "
                    f"{value.shape}, the shape of {key[1:]}"
                )
    if not epsilon > 0:
        raise ValueError(f"epsilon must be > 0, got {epsilon}")
    theta, _ = dictionary_to_vector(parameters)
    grad = gradients_to_vector(gradients, L)
    gradapprox = np.zeros_like(theta)
    for i in range(theta.shape[0]):
        theta_plus = np.copy(theta)
        theta_plus[i] = theta_plus[i] + epsilon
        J_plus, _ = forward_propagation_n(X, Y, vector_to_dictionary(theta_plus, dims))
        theta_minus = np.copy(theta)
        theta_minus[i] = theta_minus[i] - epsilon
        J_minus, _ = forward_propagation_n(X, Y, vector_to_dictionary(theta_minus, dims))
        gradapprox[i] = (J_plus - J_minus) / (2 * epsilon)
    numerator = np.linalg.norm(grad - gradapprox)
    denominator = np.linalg.norm(grad) + np.linalg.norm(gradapprox)
    difference = float(numerator / denominator) if denominator else 0.0
    if print_msg:
        if difference > 2e-7:
            print(f"There is a mistake in the backward propagation! difference = {difference}")
        else:
            print(f"Your backward propagation works perfectly fine! difference = {difference}")
    return difference


# ----------------------------------------------------------------------------------------------
# Optimization
# ----------------------------------------------------------------------------------------------


def _check_grads(
    parameters: Mapping[str, Any], grads: Mapping[str, Any], name: str = "grads"
) -> int:
    """L, after checking that ``name`` holds dW[l], db[l] of the shapes of W[l], b[l]."""
    L = _num_layers(parameters)
    if not isinstance(grads, Mapping):
        raise TypeError(f"{name} must be a dict with keys dW1, db1, .., got {type(grads).__name__}")
    for l in range(1, L + 1):
        for p in ("W", "b"):
            key = f"d{p}{l}"
            if key not in grads:
                raise ValueError(f"{name} is missing {key} (parameters has L = {L} layers)")
            want = np.shape(parameters[f"{p}{l}"])
            if np.shape(grads[key]) != want:
                raise ValueError(
                    f"{name}[{key!r}] has shape {np.shape(grads[key])}, expected {want}, "
                    f"the shape of {p}{l}"
                )
    return L


def _keys(L: int) -> list[tuple[str, str]]:
    """[("W1", "dW1"), ("b1", "db1"), ...]"""
    return [(f"{p}{l}", f"d{p}{l}") for l in range(1, L + 1) for p in ("W", "b")]


def update_parameters_with_gd(
    parameters: Mapping[str, np.ndarray], grads: Mapping[str, np.ndarray], learning_rate: float
) -> Params:
    """One step of gradient descent: ``W[l] = W[l] - alpha dW[l]``, ``b[l] = b[l] - alpha db[l]``.

    Returns a new dict; the input dicts and arrays are left as they were.
    """
    L = _check_grads(parameters, grads)
    new = dict(parameters)
    for p, g in _keys(L):
        new[p] = parameters[p] - learning_rate * grads[g]
    return new


def random_mini_batches(
    X: np.ndarray, Y: np.ndarray, mini_batch_size: int = 64, seed: int = 0
) -> list[tuple[np.ndarray, np.ndarray]]:
    """Shuffle the m columns of (X, Y) with one permutation and cut them into mini-batches.

    As the course: ``np.random.seed(seed)``, ``permutation = np.random.permutation(m)``, then
    ``floor(m / mini_batch_size)`` complete batches and, when ``mini_batch_size`` does not
    divide m, a last smaller batch of the ``m % mini_batch_size`` remaining columns.

    Args:
        X: ``(n[0], m)``; Y: ``(n[L], m)``.
        mini_batch_size: a positive int (the course uses powers of 2).
        seed: the seed of the permutation.

    Returns:
        A list of ``(mini_batch_X, mini_batch_Y)``, shapes ``(n[0], size)`` and ``(n[L], size)``.
    """
    X, Y = _matrix(X, "X"), np.asarray(Y)
    if Y.ndim != 2:
        raise ValueError(f"Y must be a 2-D array (n[L], m), got shape {Y.shape}")
    m = X.shape[1]
    if Y.shape[1] != m:
        raise ValueError(f"X has m = {m} columns but Y has {Y.shape[1]}; both must have m")
    size = mini_batch_size
    if isinstance(size, bool) or not isinstance(size, (int, np.integer)) or size < 1:
        raise ValueError(f"mini_batch_size must be a positive int, got {mini_batch_size!r}")
    permutation = list(np.random.RandomState(seed).permutation(m))
    shuffled_X, shuffled_Y = X[:, permutation], Y[:, permutation]
    complete = math.floor(m / size)
    batches = [
        (shuffled_X[:, k * size : (k + 1) * size], shuffled_Y[:, k * size : (k + 1) * size])
        for k in range(complete)
    ]
    if m % size != 0:
        batches.append((shuffled_X[:, complete * size :], shuffled_Y[:, complete * size :]))
    return batches


def _zeros_like_grads(parameters: Mapping[str, Any]) -> Params:
    L = _num_layers(parameters)
    return {g: np.zeros(np.shape(parameters[p])) for p, g in _keys(L)}


def initialize_velocity(parameters: Mapping[str, np.ndarray]) -> Params:
    """Momentum's velocity: ``v["dW1"], v["db1"], ...``, zeros of the shapes of W[l], b[l]."""
    return _zeros_like_grads(parameters)


def initialize_adam(parameters: Mapping[str, np.ndarray]) -> tuple[Params, Params]:
    """Adam's ``(v, s)``: two dicts ``dW1, db1, ...`` of zeros of the shapes of W[l], b[l]."""
    return _zeros_like_grads(parameters), _zeros_like_grads(parameters)


def initialize_rmsprop(parameters: Mapping[str, np.ndarray]) -> Params:
    """RMSprop's ``s``: ``s["dW1"], s["db1"], ...``, zeros of the shapes of W[l], b[l]."""
    return _zeros_like_grads(parameters)


def _check_beta(value: float, name: str) -> None:
    if not 0 <= value < 1:
        raise ValueError(f"{name} must be in [0, 1), got {value}")


def update_parameters_with_momentum(
    parameters: Mapping[str, np.ndarray],
    grads: Mapping[str, np.ndarray],
    v: Mapping[str, np.ndarray],
    beta: float,
    learning_rate: float,
) -> tuple[Params, Params]:
    """One step of momentum: ``v_dW = beta v_dW + (1 - beta) dW``, ``W = W - alpha v_dW``.

    The same for every ``W[l]`` and ``b[l]``. Returns new dicts ``(parameters, v)``; the inputs
    are left as they were.
    """
    L = _check_grads(parameters, grads)
    _check_grads(parameters, v, "v")
    _check_beta(beta, "beta")
    new, new_v = dict(parameters), dict(v)
    for p, g in _keys(L):
        new_v[g] = beta * v[g] + (1 - beta) * grads[g]
        new[p] = parameters[p] - learning_rate * new_v[g]
    return new, new_v


def update_parameters_with_rmsprop(
    parameters: Mapping[str, np.ndarray],
    grads: Mapping[str, np.ndarray],
    s: Mapping[str, np.ndarray],
    beta2: float = 0.999,
    learning_rate: float = 0.01,
    epsilon: float = 1e-8,
) -> tuple[Params, Params]:
    """One step of RMSprop: ``s_dW = beta2 s_dW + (1 - beta2) dW^2`` (elementwise square),
    ``W = W - alpha dW / (sqrt(s_dW) + epsilon)``; the same for every ``W[l]`` and ``b[l]``.

    Returns new dicts ``(parameters, s)``; the inputs are left as they were.
    """
    L = _check_grads(parameters, grads)
    _check_grads(parameters, s, "s")
    _check_beta(beta2, "beta2")
    new, new_s = dict(parameters), dict(s)
    for p, g in _keys(L):
        new_s[g] = beta2 * s[g] + (1 - beta2) * np.square(grads[g])
        new[p] = parameters[p] - learning_rate * grads[g] / (np.sqrt(new_s[g]) + epsilon)
    return new, new_s


def update_parameters_with_adam(
    parameters: Mapping[str, np.ndarray],
    grads: Mapping[str, np.ndarray],
    v: Mapping[str, np.ndarray],
    s: Mapping[str, np.ndarray],
    t: int,
    learning_rate: float = 0.01,
    beta1: float = 0.9,
    beta2: float = 0.999,
    epsilon: float = 1e-8,
) -> tuple[Params, Params, Params, Params, Params]:
    """One step of Adam, as the course writes it, for every ``W[l]`` and ``b[l]``::

        v_dW = beta1 v_dW + (1 - beta1) dW           v_corrected = v_dW / (1 - beta1^t)
        s_dW = beta2 s_dW + (1 - beta2) dW^2         s_corrected = s_dW / (1 - beta2^t)
        W = W - alpha v_corrected / (sqrt(s_corrected) + epsilon)

    Args:
        t: the number of this update, counted from 1 (t = 0 would divide by 1 - beta^0 = 0).

    Returns:
        New dicts ``(parameters, v, s, v_corrected, s_corrected)``; the inputs are left as they
        were.
    """
    L = _check_grads(parameters, grads)
    _check_grads(parameters, v, "v")
    _check_grads(parameters, s, "s")
    _check_beta(beta1, "beta1")
    _check_beta(beta2, "beta2")
    if isinstance(t, bool) or not isinstance(t, (int, np.integer)) or t < 1:
        raise ValueError(f"t must be an int >= 1 (Adam counts updates from 1), got {t!r}")
    new, new_v, new_s = dict(parameters), dict(v), dict(s)
    v_corrected: Params = {}
    s_corrected: Params = {}
    for p, g in _keys(L):
        new_v[g] = beta1 * v[g] + (1 - beta1) * grads[g]
        v_corrected[g] = new_v[g] / (1 - beta1**t)
        new_s[g] = beta2 * s[g] + (1 - beta2) * np.square(grads[g])
        s_corrected[g] = new_s[g] / (1 - beta2**t)
        new[p] = parameters[p] - learning_rate * v_corrected[g] / (
            np.sqrt(s_corrected[g]) + epsilon
        )
    return new, new_v, new_s, v_corrected, s_corrected


def _check_decay(learning_rate0: float, epoch_num: int, decay_rate: float) -> None:
    if not learning_rate0 > 0:
        raise ValueError(f"learning_rate0 must be > 0, got {learning_rate0}")
    if epoch_num < 0:
        raise ValueError(f"epoch_num must be >= 0, got {epoch_num}")
    if decay_rate < 0:
        raise ValueError(f"decay_rate must be >= 0, got {decay_rate}")


def update_lr(learning_rate0: float, epoch_num: int, decay_rate: float) -> float:
    """Learning-rate decay: ``alpha = alpha0 / (1 + decay_rate * epoch_num)``."""
    _check_decay(learning_rate0, epoch_num, decay_rate)
    return learning_rate0 / (1 + decay_rate * epoch_num)


def schedule_lr_decay(
    learning_rate0: float, epoch_num: int, decay_rate: float, time_interval: int = 1000
) -> float:
    """Scheduled decay: ``alpha = alpha0 / (1 + decay_rate * floor(epoch_num / time_interval))``,
    so alpha stays fixed for ``time_interval`` epochs at a time."""
    _check_decay(learning_rate0, epoch_num, decay_rate)
    if not time_interval > 0:
        raise ValueError(f"time_interval must be > 0, got {time_interval}")
    return learning_rate0 / (1 + decay_rate * np.floor(epoch_num / time_interval))


# ----------------------------------------------------------------------------------------------
# Batch norm
# ----------------------------------------------------------------------------------------------


BatchNormCache = tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray, np.ndarray, float]


def batchnorm_forward(
    Z: np.ndarray, gamma: np.ndarray, beta: np.ndarray, eps: float = 1e-8
) -> tuple[np.ndarray, BatchNormCache]:
    """Batch norm of layer l over the m columns of a mini-batch (training mode)::

        mu      = (1/m) sum_i Z(i)                     (n[l], 1)
        sigma2  = (1/m) sum_i (Z(i) - mu)^2            (n[l], 1)   (1/m, not 1/(m-1))
        Z_norm  = (Z - mu) / sqrt(sigma2 + eps)         (n[l], m)
        Z_tilde = gamma * Z_norm + beta                 (n[l], m)

    Args:
        Z: ``Z[l]``, ``(n[l], m)``: units are rows, samples are columns.
        gamma: ``(n[l], 1)``, the learned scale.
        beta: ``(n[l], 1)``, the learned shift.
        eps: > 0, keeps the division finite when a unit is constant over the batch.

    Returns:
        ``(Z_tilde, cache)`` with ``cache = (Z, Z_norm, mu, sigma2, gamma, eps)``.
    """
    Z = _matrix(Z, "Z")
    gamma, beta = _matrix(gamma, "gamma"), _matrix(beta, "beta")
    n = Z.shape[0]
    for name, value in (("gamma", gamma), ("beta", beta)):
        if value.shape != (n, 1):
            raise ValueError(
                f"{name} must have shape (n[l], 1) = ({n}, 1), one per unit (row of Z), "
                f"got {value.shape}"
            )
    if not eps > 0:
        raise ValueError(f"eps must be > 0, got {eps}")
    m = Z.shape[1]
    mu = np.sum(Z, axis=1, keepdims=True) / m
    sigma2 = np.sum((Z - mu) ** 2, axis=1, keepdims=True) / m
    Z_norm = (Z - mu) / np.sqrt(sigma2 + eps)
    Z_tilde = gamma * Z_norm + beta
    return Z_tilde, (Z, Z_norm, mu, sigma2, gamma, float(eps))


def batchnorm_backward(
    dZ_tilde: np.ndarray, cache: BatchNormCache
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """The backward pass of :func:`batchnorm_forward`: one closed-form vector-Jacobian product.

    Given ``dZ_tilde``, the derivative of some scalar (the cost) with respect to ``Z_tilde``,
    it returns that scalar's derivatives with respect to Z, gamma and beta. Sums are over the
    m columns, with keepdims. With ``s = sqrt(sigma2 + eps)``:

        dbeta   = sum(dZ_tilde)                                   (n[l], 1)
        dgamma  = sum(dZ_tilde * Z_norm)                          (n[l], 1)
        dZ_norm = gamma * dZ_tilde                                (n[l], m)
        dZ      = (1 / (m s)) (m dZ_norm - sum(dZ_norm) - Z_norm sum(dZ_norm * Z_norm))

    Derivation, one unit (row) at a time. Z_tilde = gamma Z_norm + beta gives dbeta and dgamma
    at once. Z_norm depends on Z(i) directly and through mu and sigma2:

        dsigma2 = sum(dZ_norm * (Z - mu)) * (-1/2) (sigma2 + eps)^(-3/2)
                = -sum(dZ_norm * Z_norm) / (2 s^2)
        dmu     = -sum(dZ_norm) / s + dsigma2 * (-2/m) sum(Z - mu)
                = -sum(dZ_norm) / s                    (since sum(Z - mu) = 0)
        dZ      = dZ_norm / s + dsigma2 * 2 (Z - mu) / m + dmu / m
                = dZ_norm / s - Z_norm sum(dZ_norm * Z_norm) / (m s) - sum(dZ_norm) / (m s)

    which is the formula above. The last two terms are the means of ``dZ_norm`` and of
    ``dZ_norm * Z_norm`` over the batch: forgetting either (as if mu or sigma2 were constants)
    is the classic mistake.

    The factor m: this is an exact VJP, linear in ``dZ_tilde``. Fed the course's
    ``dZ_tilde`` (m times ``dJ/dZ_tilde``), it returns the course's ``dZ`` and m times
    ``dJ/dgamma``, ``dJ/dbeta``; divide those two by m for the course's convention of dW, db.

    Args:
        dZ_tilde: ``(n[l], m)``.
        cache: from :func:`batchnorm_forward`, ``(Z, Z_norm, mu, sigma2, gamma, eps)``.

    Returns:
        ``(dZ, dgamma, dbeta)``, shapes ``(n[l], m)``, ``(n[l], 1)``, ``(n[l], 1)``.
    """
    if not (isinstance(cache, (tuple, list)) and len(cache) == 6):
        raise ValueError(
            "cache must be (Z, Z_norm, mu, sigma2, gamma, eps), as made by batchnorm_forward"
        )
    _, Z_norm, _, sigma2, gamma, eps = cache
    dZ_tilde = _matrix(dZ_tilde, "dZ_tilde")
    if dZ_tilde.shape != np.shape(Z_norm):
        raise ValueError(
            f"dZ_tilde must have the shape of Z_tilde, (n[l], m) = {np.shape(Z_norm)}, "
            f"got {dZ_tilde.shape}"
        )
    m = dZ_tilde.shape[1]
    s = np.sqrt(sigma2 + eps)
    dbeta = np.sum(dZ_tilde, axis=1, keepdims=True)
    dgamma = np.sum(dZ_tilde * Z_norm, axis=1, keepdims=True)
    dZ_norm = gamma * dZ_tilde
    dZ = (
        m * dZ_norm
        - np.sum(dZ_norm, axis=1, keepdims=True)
        - Z_norm * np.sum(dZ_norm * Z_norm, axis=1, keepdims=True)
    ) / (m * s)
    return dZ, dgamma, dbeta
