"""Hypothesis strategies for deep L-layer networks in course notation.

Compose them to test your own forward and backward propagation::

    from hypothesis import given, strategies as st
    from autograd_dnn.testing import strategies as dnn

    @given(st.data())
    def test_my_backward(data):
        dims = data.draw(dnn.layer_dims(max_layers=3))
        acts = data.draw(dnn.activations(len(dims) - 1, hidden=["relu"]))
        AL, Y, caches = data.draw(dnn.caches(dims, acts))
        ...

Scale: the entries of ``X`` and ``b[l]`` lie in ``[-1, 1]`` and those of ``W[l]`` in
``[-1/n[l-1], 1/n[l-1]]``. For the activations here, ``|A[l]| <= max(1, |Z[l]|)``, so
``|Z[l]| <= l + 1``: a sigmoid output never rounds to exactly 0 or 1 and the cross-entropy and its
gradient stay finite.

Kinks: hypothesis likes exact zeros, so ``Z[l]`` can sit exactly on relu's kink at 0. That is
harmless when you compare with :mod:`autograd_dnn.textbook` (``relu'(0) = 0`` on both sides), but
not for finite differences: pass ``kink_margin`` to :func:`caches` to keep ``|Z[l]|`` away from 0
in relu and leaky_relu layers.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

from autograd_dnn import textbook

__all__ = [
    "HIDDEN_ACTIVATIONS",
    "KINKED_ACTIVATIONS",
    "activations",
    "batches",
    "caches",
    "layer_dims",
    "matrices",
    "networks",
    "parameters",
]

#: what :func:`activations` draws hidden layers from by default
HIDDEN_ACTIVATIONS = ("relu", "leaky_relu", "tanh", "sigmoid")
#: activations whose derivative jumps at z = 0
KINKED_ACTIVATIONS = ("relu", "leaky_relu")

_UNIT = st.floats(-1.0, 1.0, allow_nan=False, allow_infinity=False, allow_subnormal=False)


def matrices(shape: tuple[int, int], scale: float = 1.0) -> st.SearchStrategy[np.ndarray]:
    """float64 arrays of ``shape`` with entries in ``[-scale, scale]`` (no nan, inf, subnormals)."""
    strategy = hnp.arrays(np.float64, shape, elements=_UNIT)
    if scale == 1.0:
        return strategy
    return strategy.map(lambda a: a * scale)


def layer_dims(
    min_layers: int = 1, max_layers: int = 6, min_units: int = 1, max_units: int = 8
) -> st.SearchStrategy[list[int]]:
    """``[n[0], n[1], ..., n[L]]`` with ``min_layers <= L <= max_layers`` and every
    ``min_units <= n[l] <= max_units``."""
    if not 1 <= min_layers <= max_layers or not 1 <= min_units <= max_units:
        raise ValueError("need 1 <= min_layers <= max_layers and 1 <= min_units <= max_units")
    units = st.integers(min_units, max_units)
    return st.lists(units, min_size=min_layers + 1, max_size=max_layers + 1)


def activations(
    L: int,
    hidden: Sequence[str] | None = None,
    output: str | Sequence[str] | None = None,
) -> st.SearchStrategy[list[str]]:
    """L activation names; ``result[l-1]`` is ``g[l]``.

    Args:
        L: the number of layers.
        hidden: names to draw ``g[1] .. g[L-1]`` from; default :data:`HIDDEN_ACTIVATIONS`.
        output: the name of ``g[L]`` (default ``"sigmoid"``) or a list of names to draw it from.
    """
    hidden = list(HIDDEN_ACTIVATIONS if hidden is None else hidden)
    outputs = ["sigmoid"] if output is None else [output] if isinstance(output, str) else output
    for name in [*hidden, *outputs]:
        if name not in textbook.ACTIVATIONS:
            known = ", ".join(sorted(textbook.ACTIVATIONS))
            raise ValueError(f"unknown activation {name!r}; known activations: {known}")
    hidden_names = st.lists(st.sampled_from(hidden), min_size=L - 1, max_size=L - 1)
    return st.tuples(hidden_names, st.sampled_from(list(outputs))).map(lambda t: [*t[0], t[1]])


def parameters(layer_dims: Sequence[int]) -> st.SearchStrategy[dict[str, np.ndarray]]:
    """``{"W1": (n[1], n[0]), "b1": (n[1], 1), ...}``, float64.

    ``W[l]`` entries lie in ``[-1/n[l-1], 1/n[l-1]]`` and ``b[l]`` entries in ``[-1, 1]``.
    """
    dims = list(layer_dims)
    fields = {}
    for l in range(1, len(dims)):
        fields[f"W{l}"] = matrices((dims[l], dims[l - 1]), scale=1.0 / dims[l - 1])
        fields[f"b{l}"] = matrices((dims[l], 1))
    return st.fixed_dictionaries(fields)


def _dims(layer_dims_or_net: Any) -> list[int]:
    return list(getattr(layer_dims_or_net, "layer_dims", layer_dims_or_net))


def networks(
    min_layers: int = 1,
    max_layers: int = 4,
    min_units: int = 1,
    max_units: int = 6,
    hidden: Sequence[str] | None = None,
    output: Sequence[str] | str | None = None,
) -> st.SearchStrategy[Any]:
    """An ``autograd_dnn.DeepNetwork`` with drawn layer_dims, activations and parameters.

    Parameters follow :func:`parameters` (so a sigmoid output stays away from 0 and 1); the
    output is sigmoid unless ``output`` says otherwise. Pair it with ``batches(net)``.
    """
    from autograd_dnn.nn import DeepNetwork

    def build(dims: list[int]) -> st.SearchStrategy[Any]:
        L = len(dims) - 1
        return st.tuples(activations(L, hidden, output), parameters(dims)).map(
            lambda ap: DeepNetwork.from_parameters(ap[1], activations=ap[0])
        )

    return layer_dims(min_layers, max_layers, min_units, max_units).flatmap(build)


def batches(
    layer_dims: Sequence[int] | Any, m: int | st.SearchStrategy[int] | None = None
) -> st.SearchStrategy[tuple[np.ndarray, np.ndarray]]:
    """``(X, Y)``: X ``(n[0], m)`` with entries in ``[-1, 1]``, Y ``(n[L], m)`` of 0.0 and 1.0.

    ``layer_dims`` may also be a network (anything with ``.layer_dims``). ``m`` is an int, a
    strategy for ints, or None for ``1 <= m <= 6``.
    """
    dims = _dims(layer_dims)
    ms = st.integers(1, 6) if m is None else st.just(m) if isinstance(m, int) else m

    def draw_batch(m_: int) -> st.SearchStrategy[tuple[np.ndarray, np.ndarray]]:
        X = matrices((dims[0], m_))
        Y = hnp.arrays(np.float64, (dims[-1], m_), elements=st.sampled_from([0.0, 1.0]))
        return st.tuples(X, Y)

    return ms.flatmap(draw_batch)


def _far_from_kinks(caches: list, names: Sequence[str], margin: float) -> bool:
    return all(
        np.min(np.abs(Z)) > margin
        for (_, Z), name in zip(caches, names, strict=True)
        if name in KINKED_ACTIVATIONS
    )


def caches(
    layer_dims: Sequence[int],
    activations: Sequence[str] | None = None,
    m: int | st.SearchStrategy[int] | None = None,
    kink_margin: float = 0.0,
) -> st.SearchStrategy[tuple[np.ndarray, np.ndarray, list]]:
    """``(AL, Y, caches)`` from ``textbook.model_forward`` on drawn parameters and a batch.

    Args:
        layer_dims: ``[n[0], ..., n[L]]``, or a network: then its own parameters and
            activations are used and only the batch is drawn.
        activations: L names; default relu for hidden layers and sigmoid for the output.
        m: the batch size (int or strategy); default ``1 <= m <= 6``.
        kink_margin: when positive, every ``Z[l]`` of a relu or leaky_relu layer has all
            ``|Z[l]| > kink_margin`` (examples closer to the kink are filtered out).

    Returns:
        ``AL`` ``(n[L], m)``, ``Y`` ``(n[L], m)`` and the L course caches
        ``((A[l-1], W[l], b[l]), Z[l])``.
    """
    dims = _dims(layer_dims)
    L = len(dims) - 1
    net = layer_dims if hasattr(layer_dims, "get_parameters") else None
    if activations is None:
        activations = net.activations if net is not None else ["relu"] * (L - 1) + ["sigmoid"]
    names = list(activations)

    def build(drawn: tuple[dict, tuple[np.ndarray, np.ndarray]]) -> tuple:
        params, (X, Y) = drawn
        AL, cs = textbook.model_forward(X, params, names)
        return AL, Y, cs

    params = st.just(net.get_parameters()) if net is not None else parameters(dims)
    strategy = st.tuples(params, batches(dims, m)).map(build)
    if kink_margin > 0:
        strategy = strategy.filter(lambda t: _far_from_kinks(t[2], names, kink_margin))
    return strategy
