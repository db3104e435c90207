"""Parameter initialization: he, xavier, course, zeros.

Every scheme returns ``{"W1": (n[1], n[0]), "b1": (n[1], 1), ..., "WL", "bL"}`` as numpy
arrays; biases are zeros. Seeded: the same seed gives the same arrays.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

INITS = ("he", "xavier", "course", "zeros")


def initialize(
    layer_dims: Sequence[int], method: str = "he", seed: int = 0, dtype: type = np.float64
) -> dict[str, np.ndarray]:
    """Initial parameters for ``layer_dims = [n[0], ..., n[L]]``.

    Args:
        layer_dims: units per layer, input first.
        method: ``"he"`` (randn * sqrt(2 / n[l-1]), for relu), ``"xavier"``
            (randn * sqrt(1 / n[l-1]), for tanh), ``"course"`` (randn * 0.01 after
            ``np.random.seed(seed)``, bit for bit the course's ``initialize_parameters_deep``;
            the global numpy random state is left untouched), ``"zeros"`` (every W zero: shows
            the symmetry problem, every unit of a layer learns the same thing).
        seed: random seed.
        dtype: float64 or float32.

    Returns:
        ``{"W1": ..., "b1": ..., ...}``; ``W[l]`` (n[l], n[l-1]), ``b[l]`` (n[l], 1).

    Example:
        >>> p = initialize([5, 4, 3], "course", seed=3)
        >>> p["W1"].shape, p["b2"].shape
        ((4, 5), (3, 1))
    """
    if method not in INITS:
        raise ValueError(f"unknown init {method!r}; known: {', '.join(INITS)}")
    rng = np.random.RandomState(seed)  # the legacy stream: identical to np.random.seed(seed)
    params: dict[str, np.ndarray] = {}
    for l in range(1, len(layer_dims)):
        n, n_prev = layer_dims[l], layer_dims[l - 1]
        if method == "zeros":
            W = np.zeros((n, n_prev))
        else:
            scale = {"he": np.sqrt(2.0 / n_prev), "xavier": np.sqrt(1.0 / n_prev), "course": 0.01}
            W = rng.randn(n, n_prev) * scale[method]
        params[f"W{l}"] = W.astype(dtype, copy=False)
        params[f"b{l}"] = np.zeros((n, 1), dtype=dtype)
    return params
