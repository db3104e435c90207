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
from typing import TYPE_CHECKING, Any, cast

import numpy as np
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

from autograd_dnn import textbook

if TYPE_CHECKING:
    from autograd_dnn.nn import DeepNetwork

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
        def with_parameters(acts: list[str]) -> st.SearchStrategy[Any]:
            d = list(dims)
            if acts[-1] == "softmax" and d[-1] < 2:
                d[-1] = 2  # a softmax output has a unit per class: at least two
            return parameters(d).map(lambda p: DeepNetwork.from_parameters(p, activations=acts))

        return activations(len(dims) - 1, hidden, output).flatmap(with_parameters)

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
    layer_dims: Sequence[int] | DeepNetwork,
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
    net = None
    if hasattr(layer_dims, "get_parameters"):
        # cast: a network is recognised by its get_parameters (duck-typed, as before);
        # mypy does not narrow a union by hasattr
        net = cast("DeepNetwork", layer_dims)
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


# ----------------------------------------------------------------------------------------------
# Course 4: convolution and pooling cases (samples first: (m, n_H, n_W, n_C))
# ----------------------------------------------------------------------------------------------

_CONV_GRID = 8  # conv_cases values are k/8 in [-1, 1]: short to print, exact in binary


def _grid_volume(raw: bytes, shape: tuple[int, ...]) -> np.ndarray:
    """The first prod(shape) bytes as values k/8, k = -8..8; byte 0 is 0.0 (shrinks to zeros)."""
    size = int(np.prod(shape))
    k = np.frombuffer(raw[:size], dtype=np.uint8).astype(np.int64) % (2 * _CONV_GRID + 1)
    return (np.where(k % 2 == 0, k // 2, -(k + 1) // 2) / _CONV_GRID).reshape(shape)


def _distinct_volume(raw: bytes, shape: tuple[int, ...]) -> np.ndarray:
    """Distinct values evenly spaced in [-1, 1], in the order of the grid values of ``raw``
    (ties broken by position): every pooling window has exactly one maximum."""
    grid = _grid_volume(raw, shape).ravel()
    size = grid.size
    order = np.lexsort((np.arange(size), grid))
    ranks = np.empty(size, dtype=np.int64)
    ranks[order] = np.arange(size)
    values = ranks / max(size - 1, 1) * 2.0 - 1.0 if size > 1 else np.zeros(1)
    return values.reshape(shape)


def conv_cases(
    *,
    pool: bool = False,
    max_m: int = 3,
    max_size: int = 5,
    max_channels: int = 3,
    max_f: int = 3,
    max_stride: int = 2,
    max_pad: int = 2,
    distinct: bool | None = None,
) -> st.SearchStrategy[dict[str, Any]]:
    """One convolution (or pooling) layer's inputs in course notation, small enough for loops.

    Draws f in ``1..max_f``, stride in ``1..max_stride``, pad in ``0..max_pad`` (0 for pooling),
    m in ``1..max_m``, n_H_prev and n_W_prev in ``1..max_size`` (at least ``f - 2 pad``, so that
    the window fits), n_C_prev and n_C in ``1..max_channels``; then arrays of the right shapes.

    Returns a strategy for dicts:

    - convolution (``pool=False``): ``A_prev`` ``(m, n_H_prev, n_W_prev, n_C_prev)``, ``W``
      ``(f, f, n_C_prev, n_C)``, ``b`` ``(1, 1, 1, n_C)``, ``dZ`` ``(m, n_H, n_W, n_C)`` and
      ``hparameters = {"stride": s, "pad": pad}``;
    - pooling (``pool=True``): ``A_prev``, ``dA`` ``(m, n_H, n_W, n_C_prev)`` and
      ``hparameters = {"f": f, "stride": s}``.

    Values lie on the grid k/8 in [-1, 1] and shrink towards 0. With ``distinct`` (the default
    for pooling) the entries of ``A_prev`` are distinct instead, evenly spaced in [-1, 1], so
    that every pooling window has one maximum: max pooling is then differentiable and finite
    differences apply (the spacing is at least ``2 / (m n_H_prev n_W_prev n_C_prev - 1)``).

    Example::

        @given(dnn.conv_cases())
        def test_my_conv_backward(case):
            Z, cache = textbook.conv_forward(case["A_prev"], case["W"], case["b"],
                                             case["hparameters"])
            dA_prev, dW, db = my_conv_backward(case["dZ"], cache)
    """
    limits = {
        "max_m": max_m,
        "max_size": max_size,
        "max_channels": max_channels,
        "max_f": max_f,
        "max_stride": max_stride,
    }
    if min(limits.values()) < 1 or max_pad < 0:
        raise ValueError(f"conv_cases needs limits >= 1 and max_pad >= 0, got {limits}")
    if max_f > max_size + (0 if pool else 2 * max_pad):
        raise ValueError(
            f"max_f = {max_f} cannot fit in max_size = {max_size} plus the padding; "
            "lower max_f or raise max_size"
        )
    distinct = pool if distinct is None else distinct
    max_pad = 0 if pool else max_pad

    def volume(draw: st.DrawFn, shape: tuple[int, ...], distinct: bool = False) -> np.ndarray:
        size = int(np.prod(shape))  # one choice per array: fast to draw and to shrink
        raw = draw(st.binary(min_size=size, max_size=size))
        return (_distinct_volume if distinct else _grid_volume)(raw, shape)

    @st.composite
    def draw_case(draw: st.DrawFn) -> dict[str, Any]:
        f = draw(st.integers(1, max_f))  # max_f <= max_size + 2 max_pad was checked above
        stride = draw(st.integers(1, max_stride))
        pad = draw(st.integers(max(0, -(-(f - max_size) // 2)), max_pad))  # f fits: see above
        smallest = max(1, f - 2 * pad)
        m = draw(st.integers(1, max_m))
        n_H_prev = draw(st.integers(smallest, max_size))
        n_W_prev = draw(st.integers(smallest, max_size))
        n_C_prev = draw(st.integers(1, max_channels))
        n_C = n_C_prev if pool else draw(st.integers(1, max_channels))
        n_H = (n_H_prev + 2 * pad - f) // stride + 1
        n_W = (n_W_prev + 2 * pad - f) // stride + 1
        A_prev = volume(draw, (m, n_H_prev, n_W_prev, n_C_prev), distinct)
        upstream = volume(draw, (m, n_H, n_W, n_C))
        if pool:
            return {"A_prev": A_prev, "dA": upstream, "hparameters": {"f": f, "stride": stride}}
        W = volume(draw, (f, f, n_C_prev, n_C))
        b = volume(draw, (1, 1, 1, n_C))
        hparameters = {"stride": stride, "pad": pad}
        return {"A_prev": A_prev, "W": W, "b": b, "dZ": upstream, "hparameters": hparameters}

    return draw_case()


__all__ += ["conv_cases"]
