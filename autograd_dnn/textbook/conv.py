"""The course's convolution and pooling functions (Course 4, week 1), in plain numpy loops.

This is the independent oracle for convolutional layers: the four nested loops of the course's
"Convolutional Neural Networks: Step by Step" assignment, written out as the course writes them.
It imports nothing from the rest of ``autograd_dnn`` (only numpy), so that the engine's
vectorized ops can be checked against it. It is slow on purpose: read it, do not train with it.

Notation (samples come FIRST here, as in the course):

================  =========================================
``A_prev``        ``(m, n_H_prev, n_W_prev, n_C_prev)``
``W``             ``(f, f, n_C_prev, n_C)``
``b``             ``(1, 1, 1, n_C)``
``Z``, ``A``      ``(m, n_H, n_W, n_C)``
================  =========================================

``n_H = floor((n_H_prev + 2 pad - f) / stride) + 1``, the same for ``n_W``; pooling has no
padding. ``hparameters`` is a dict with the keys ``"stride"`` and ``"pad"`` (convolution; the
filter size f is read from ``W``) or ``"stride"`` and ``"f"`` (pooling).

Caches use the course layout::

    conv cache = (A_prev, W, b, hparameters)
    pool cache = (A_prev, hparameters)

The forward pass is a cross-correlation, as in the course::

    Z[i, h, w, c] = sum(A_prev_pad[i, h*s : h*s+f, w*s : w*s+f, :] * W[:, :, :, c]) + b[0, 0, 0, c]

Example::

    >>> rng = np.random.RandomState(1)
    >>> A_prev, W, b = rng.randn(2, 5, 5, 3), rng.randn(3, 3, 3, 4), rng.randn(1, 1, 1, 4)
    >>> Z, cache = conv_forward(A_prev, W, b, {"stride": 1, "pad": 1})
    >>> Z.shape
    (2, 5, 5, 4)
    >>> dA_prev, dW, db = conv_backward(np.ones_like(Z), cache)
    >>> dA_prev.shape, dW.shape, db.shape
    ((2, 5, 5, 3), (3, 3, 3, 4), (1, 1, 1, 4))
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import numpy as np

__all__ = [
    "ConvCache",
    "POOL_MODES",
    "PoolCache",
    "conv_backward",
    "conv_forward",
    "conv_output_shape",
    "conv_single_step",
    "create_mask_from_window",
    "distribute_value",
    "pool_backward",
    "pool_forward",
    "zero_pad",
]

#: ``(A_prev, W, b, hparameters)``: what ``conv_forward`` caches for ``conv_backward``
ConvCache = tuple[np.ndarray, np.ndarray, np.ndarray, Mapping[str, int]]
#: ``(A_prev, hparameters)``: what ``pool_forward`` caches for ``pool_backward``
PoolCache = tuple[np.ndarray, Mapping[str, int]]

#: the pooling modes of the course's ``pool_forward`` and ``pool_backward``
POOL_MODES = ("max", "average")


# ----------------------------------------------------------------------------------------------
# Input checks: errors name the argument, the expected and the actual shape.
# ----------------------------------------------------------------------------------------------


def _volume(x: Any, name: str, layout: str = "(m, n_H, n_W, n_C)") -> np.ndarray:
    """``x`` as a 4-D float array, or a ValueError naming ``name`` and the layout to use."""
    arr = np.asarray(x)
    if arr.ndim != 4:
        raise ValueError(
            f"{name} must be a 4-D array {layout} (samples first, as in the course), "
            f"got shape {arr.shape}"
        )
    if not np.issubdtype(arr.dtype, np.floating):
        arr = arr.astype(np.float64)
    return arr


def _int_at_least(value: Any, name: str, smallest: int) -> int:
    if isinstance(value, bool) or not isinstance(value, (int, np.integer)) or value < smallest:
        raise ValueError(f"{name} must be an int >= {smallest}, got {value!r}")
    return int(value)


def _int_hparameter(hparameters: Any, key: str, smallest: int, where: str) -> int:
    if not isinstance(hparameters, Mapping):
        raise TypeError(
            f"hparameters must be a dict with keys {where}, got {type(hparameters).__name__}"
        )
    if key not in hparameters:
        raise ValueError(f"hparameters is missing {key!r}: expected keys {where}")
    return _int_at_least(hparameters[key], f"hparameters[{key!r}]", smallest)


def conv_output_shape(n_H_prev: int, n_W_prev: int, f: int, stride: int, pad: int) -> tuple:
    """``(n_H, n_W)`` with ``n_H = floor((n_H_prev + 2 pad - f) / stride) + 1`` (same for n_W).

    Pooling is the case ``pad = 0``. Raises ValueError when the f x f window does not fit in the
    padded input (the output would be empty).
    """
    if n_H_prev + 2 * pad < f or n_W_prev + 2 * pad < f:
        raise ValueError(
            f"the {f} x {f} window does not fit in the padded input: n_H_prev + 2 pad = "
            f"{n_H_prev + 2 * pad} and n_W_prev + 2 pad = {n_W_prev + 2 * pad} must be >= f = {f}"
        )
    return (n_H_prev + 2 * pad - f) // stride + 1, (n_W_prev + 2 * pad - f) // stride + 1


def _check_conv(A_prev: Any, W: Any, b: Any) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    A_prev = _volume(A_prev, "A_prev", "(m, n_H_prev, n_W_prev, n_C_prev)")
    W = _volume(W, "W", "(f, f, n_C_prev, n_C)")
    b = _volume(b, "b", "(1, 1, 1, n_C)")
    f, f2, n_C_prev, n_C = W.shape
    if f != f2:
        raise ValueError(
            f"W must have shape (f, f, n_C_prev, n_C) with a square f x f filter, got {W.shape}"
        )
    if n_C_prev != A_prev.shape[3]:
        raise ValueError(
            f"W must have shape (f, f, n_C_prev, n_C) = ({f}, {f}, {A_prev.shape[3]}, {n_C}), "
            f"got {W.shape}: A_prev {A_prev.shape} has n_C_prev = {A_prev.shape[3]} channels"
        )
    if b.shape != (1, 1, 1, n_C):
        raise ValueError(
            f"b must have shape (1, 1, 1, n_C) = (1, 1, 1, {n_C}), got {b.shape}: "
            f"W {W.shape} has n_C = {n_C} filters, one bias each"
        )
    return A_prev, W, b


def _conv_hparameters(hparameters: Any, f: int) -> tuple[int, int]:
    """(stride, pad); an ``"f"`` key, if present, must agree with W."""
    keys = "'stride' and 'pad'"
    stride = _int_hparameter(hparameters, "stride", 1, keys)
    pad = _int_hparameter(hparameters, "pad", 0, keys)
    if "f" in hparameters and hparameters["f"] != f:
        raise ValueError(
            f"hparameters['f'] = {hparameters['f']!r} disagrees with W, whose filters are "
            f"{f} x {f}; conv_forward reads f from W.shape, drop the 'f' key or fix it"
        )
    return stride, pad


def _pool_hparameters(hparameters: Any) -> tuple[int, int]:
    """(f, stride); a ``"pad"`` key, if present, must be 0 (the course pools without padding)."""
    keys = "'f' and 'stride'"
    f = _int_hparameter(hparameters, "f", 1, keys)
    stride = _int_hparameter(hparameters, "stride", 1, keys)
    if hparameters.get("pad", 0) != 0:
        raise ValueError(
            f"hparameters['pad'] = {hparameters['pad']!r}: the course's pooling has no padding; "
            "drop the 'pad' key or set it to 0"
        )
    return f, stride


def _mode(mode: Any) -> str:
    if mode not in POOL_MODES:
        raise ValueError(f"mode must be 'max' or 'average', got {mode!r}")
    return mode


def _unpack(cache: Any, size: int, layout: str, made_by: str) -> tuple:
    if not isinstance(cache, (tuple, list)) or len(cache) != size:
        raise ValueError(f"cache must have the course layout {layout}, as {made_by} returns it")
    return tuple(cache)


def _check_upstream(d: Any, name: str, expected: tuple, why: str) -> np.ndarray:
    d = _volume(d, name)
    if d.shape != expected:
        raise ValueError(
            f"{name} must have shape (m, n_H, n_W, n_C) = {expected}, got {d.shape}: {why}"
        )
    return d


# ----------------------------------------------------------------------------------------------
# Convolution
# ----------------------------------------------------------------------------------------------


def zero_pad(X: np.ndarray, pad: int) -> np.ndarray:
    """Pad every image of ``X`` with ``pad`` zeros on the top, bottom, left and right.

    Args:
        X: a batch of m images, ``(m, n_H, n_W, n_C)``.
        pad: the number of zero rows (columns) added on each side, an int >= 0.

    Returns:
        ``X_pad`` of shape ``(m, n_H + 2 pad, n_W + 2 pad, n_C)``; the samples and the channels
        are not padded.
    """
    X = _volume(X, "X")
    pad = _int_at_least(pad, "pad", 0)
    return np.pad(X, ((0, 0), (pad, pad), (pad, pad), (0, 0)), mode="constant", constant_values=0)


def conv_single_step(a_slice_prev: np.ndarray, W: np.ndarray, b: np.ndarray) -> float:
    """One filter on one window: ``sum(a_slice_prev * W) + b``, a scalar.

    Args:
        a_slice_prev: one window of the padded input, ``(f, f, n_C_prev)``.
        W: one filter, ``(f, f, n_C_prev)`` (``W[:, :, :, c]`` of the layer's W).
        b: its bias, ``(1, 1, 1)`` (``b[:, :, :, c]``).
    """
    a_slice_prev, W, b = np.asarray(a_slice_prev), np.asarray(W), np.asarray(b)
    if a_slice_prev.shape != W.shape:
        raise ValueError(
            f"a_slice_prev {a_slice_prev.shape} and W {W.shape} must have the same shape "
            "(f, f, n_C_prev): slice the window as a_prev_pad[vert_start:vert_end, "
            "horiz_start:horiz_end, :] and pass one filter W[:, :, :, c]"
        )
    if b.size != 1:
        raise ValueError(f"b must hold one bias, shape (1, 1, 1) (b[:, :, :, c]), got {b.shape}")
    s = a_slice_prev * W
    Z = np.sum(s)
    return float(Z + b.item())


def conv_forward(
    A_prev: np.ndarray, W: np.ndarray, b: np.ndarray, hparameters: Mapping[str, int]
) -> tuple[np.ndarray, ConvCache]:
    """The course's convolution forward pass, four loops over (i, h, w, c).

    Args:
        A_prev: ``(m, n_H_prev, n_W_prev, n_C_prev)``, the previous layer's activations.
        W: ``(f, f, n_C_prev, n_C)``, n_C filters of size f x f.
        b: ``(1, 1, 1, n_C)``, one bias per filter.
        hparameters: ``{"stride": s, "pad": pad}``; an ``"f"`` key may be present and must then
            equal ``W.shape[0]``.

    Returns:
        ``Z`` of shape ``(m, n_H, n_W, n_C)`` and the cache ``(A_prev, W, b, hparameters)``.
    """
    A_prev, W, b = _check_conv(A_prev, W, b)
    (m, n_H_prev, n_W_prev, n_C_prev) = A_prev.shape
    (f, f, n_C_prev, n_C) = W.shape
    stride, pad = _conv_hparameters(hparameters, f)
    n_H, n_W = conv_output_shape(n_H_prev, n_W_prev, f, stride, pad)

    Z = np.zeros((m, n_H, n_W, n_C))
    A_prev_pad = zero_pad(A_prev, pad)
    for i in range(m):
        a_prev_pad = A_prev_pad[i]
        for h in range(n_H):
            vert_start = h * stride
            vert_end = vert_start + f
            for w in range(n_W):
                horiz_start = w * stride
                horiz_end = horiz_start + f
                for c in range(n_C):
                    a_slice_prev = a_prev_pad[vert_start:vert_end, horiz_start:horiz_end, :]
                    Z[i, h, w, c] = conv_single_step(a_slice_prev, W[:, :, :, c], b[:, :, :, c])

    cache = (A_prev, W, b, hparameters)
    return Z, cache


def conv_backward(dZ: np.ndarray, cache: ConvCache) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """The course's convolution backward pass: for every window (i, h, w, c)::

        da_prev_pad[window]  += W[:, :, :, c] * dZ[i, h, w, c]
        dW[:, :, :, c]       += a_slice * dZ[i, h, w, c]
        db[:, :, :, c]       += dZ[i, h, w, c]

    then the padding is removed from ``da_prev_pad`` (also when pad = 0, where the course's
    ``da_prev_pad[pad:-pad, pad:-pad, :]`` would be empty).

    The factor m: the course SUMS over the m samples; there is no 1/m here, unlike the dense
    ``linear_backward`` where ``dW = (1/m) dZ A_prev^T``. The function is linear in ``dZ`` and
    returns exactly the gradients of ``sum(dZ * Z)`` with respect to ``A_prev``, ``W`` and
    ``b``, so it carries whatever convention ``dZ`` carries:

    - if ``dZ = dJ/dZ`` is the exact partial of a cost ``J = (1/m) sum_i L_i`` (what autodiff
      and finite differences measure), then ``dA_prev``, ``dW``, ``db`` are the exact partials
      ``dJ/dA_prev``, ``dJ/dW``, ``dJ/db``: the 1/m is already inside ``dZ``;
    - if ``dZ`` is the course's dense-layer convention, the derivative of the SUMMED loss
      ``sum_i L_i`` (``m dJ/dZ``), then all three results are m times the exact partials of J:
      ``dA_prev`` is then the course's dA (``m dJ/dA_prev``, as for dense layers), and ``dW``
      and ``db`` must be divided by m to give ``dJ/dW`` and ``dJ/db``.

    Args:
        dZ: ``(m, n_H, n_W, n_C)``, the gradient with respect to the output Z.
        cache: ``(A_prev, W, b, hparameters)`` from :func:`conv_forward`.

    Returns:
        ``dA_prev`` ``(m, n_H_prev, n_W_prev, n_C_prev)``, ``dW`` ``(f, f, n_C_prev, n_C)``
        and ``db`` ``(1, 1, 1, n_C)``.
    """
    (A_prev, W, b, hparameters) = _unpack(cache, 4, "(A_prev, W, b, hparameters)", "conv_forward")
    A_prev, W, b = _check_conv(A_prev, W, b)
    (m, n_H_prev, n_W_prev, n_C_prev) = A_prev.shape
    (f, f, n_C_prev, n_C) = W.shape
    stride, pad = _conv_hparameters(hparameters, f)
    n_H, n_W = conv_output_shape(n_H_prev, n_W_prev, f, stride, pad)
    dZ = _check_upstream(
        dZ, "dZ", (m, n_H, n_W, n_C), "the shape of Z that conv_forward returned for this cache"
    )

    dA_prev = np.zeros((m, n_H_prev, n_W_prev, n_C_prev))
    dW = np.zeros((f, f, n_C_prev, n_C))
    db = np.zeros((1, 1, 1, n_C))
    A_prev_pad = zero_pad(A_prev, pad)
    dA_prev_pad = zero_pad(dA_prev, pad)
    for i in range(m):
        a_prev_pad = A_prev_pad[i]
        da_prev_pad = dA_prev_pad[i]
        for h in range(n_H):
            vert_start = h * stride
            vert_end = vert_start + f
            for w in range(n_W):
                horiz_start = w * stride
                horiz_end = horiz_start + f
                for c in range(n_C):
                    a_slice = a_prev_pad[vert_start:vert_end, horiz_start:horiz_end, :]
                    da_prev_pad[vert_start:vert_end, horiz_start:horiz_end, :] += (
                        W[:, :, :, c] * dZ[i, h, w, c]
                    )
                    dW[:, :, :, c] += a_slice * dZ[i, h, w, c]
                    db[:, :, :, c] += dZ[i, h, w, c]
        dA_prev[i, :, :, :] = da_prev_pad[pad : pad + n_H_prev, pad : pad + n_W_prev, :]
    return dA_prev, dW, db


# ----------------------------------------------------------------------------------------------
# Pooling
# ----------------------------------------------------------------------------------------------


def pool_forward(
    A_prev: np.ndarray, hparameters: Mapping[str, int], mode: str = "max"
) -> tuple[np.ndarray, PoolCache]:
    """The course's pooling forward pass: the max or the mean of each f x f window, per channel.

    Args:
        A_prev: ``(m, n_H_prev, n_W_prev, n_C_prev)``.
        hparameters: ``{"f": f, "stride": s}`` (no padding).
        mode: ``"max"`` or ``"average"``.

    Returns:
        ``A`` of shape ``(m, n_H, n_W, n_C)`` with ``n_C = n_C_prev`` and
        ``n_H = floor((n_H_prev - f) / stride) + 1``, and the cache ``(A_prev, hparameters)``.
    """
    A_prev = _volume(A_prev, "A_prev", "(m, n_H_prev, n_W_prev, n_C_prev)")
    mode = _mode(mode)
    (m, n_H_prev, n_W_prev, n_C_prev) = A_prev.shape
    f, stride = _pool_hparameters(hparameters)
    n_H, n_W = conv_output_shape(n_H_prev, n_W_prev, f, stride, 0)
    n_C = n_C_prev

    A = np.zeros((m, n_H, n_W, n_C))
    for i in range(m):
        for h in range(n_H):
            vert_start = h * stride
            vert_end = vert_start + f
            for w in range(n_W):
                horiz_start = w * stride
                horiz_end = horiz_start + f
                for c in range(n_C):
                    a_prev_slice = A_prev[i, vert_start:vert_end, horiz_start:horiz_end, c]
                    if mode == "max":
                        A[i, h, w, c] = np.max(a_prev_slice)
                    else:
                        A[i, h, w, c] = np.mean(a_prev_slice)

    cache = (A_prev, hparameters)
    return A, cache


def create_mask_from_window(x: np.ndarray) -> np.ndarray:
    """``mask = (x == max(x))``: True where the window ``x`` (``(f, f)``) holds its maximum.

    Ties: every entry equal to the maximum is True, exactly as the course's one-liner does; max
    pooling's backward pass then routes the gradient to each of them.
    """
    x = np.asarray(x)
    if x.size == 0:
        raise ValueError(f"x must be a non-empty window (f, f), got shape {x.shape}")
    return x == np.max(x)


def distribute_value(dz: float, shape: tuple[int, int]) -> np.ndarray:
    """Spread ``dz`` evenly over a window: an ``(n_H, n_W)`` array of ``dz / (n_H * n_W)``."""
    if len(tuple(shape)) != 2:
        raise ValueError(f"shape must be the window's (n_H, n_W), got {shape!r}")
    (n_H, n_W) = shape
    if n_H < 1 or n_W < 1:
        raise ValueError(f"shape must be positive (n_H, n_W), got {shape!r}")
    average = dz / (n_H * n_W)
    return np.ones(shape) * average


def pool_backward(dA: np.ndarray, cache: PoolCache, mode: str = "max") -> np.ndarray:
    """The course's pooling backward pass; pooling has no parameters, only ``dA_prev``.

    For every window (i, h, w, c): ``"max"`` adds ``create_mask_from_window(window) *
    dA[i, h, w, c]`` (the gradient goes to the window's maximum; to every maximum on a tie),
    ``"average"`` adds ``distribute_value(dA[i, h, w, c], (f, f))`` (each entry gets
    ``dA / (f f)``). Overlapping windows (stride < f) add up.

    Like :func:`conv_backward` it is linear in ``dA`` and carries no 1/m: it is the gradient of
    ``sum(dA * A)`` with respect to ``A_prev``.

    Args:
        dA: ``(m, n_H, n_W, n_C)``, the gradient with respect to the pooled output A.
        cache: ``(A_prev, hparameters)`` from :func:`pool_forward`.
        mode: ``"max"`` or ``"average"``, as in the forward pass.

    Returns:
        ``dA_prev`` of the shape of ``A_prev``, ``(m, n_H_prev, n_W_prev, n_C_prev)``.
    """
    (A_prev, hparameters) = _unpack(cache, 2, "(A_prev, hparameters)", "pool_forward")
    A_prev = _volume(A_prev, "A_prev", "(m, n_H_prev, n_W_prev, n_C_prev)")
    mode = _mode(mode)
    f, stride = _pool_hparameters(hparameters)
    (m, n_H_prev, n_W_prev, n_C_prev) = A_prev.shape
    n_H, n_W = conv_output_shape(n_H_prev, n_W_prev, f, stride, 0)
    dA = _check_upstream(
        dA, "dA", (m, n_H, n_W, n_C_prev), "the shape of A that pool_forward returned"
    )

    dA_prev = np.zeros(A_prev.shape)
    for i in range(m):
        a_prev = A_prev[i]
        for h in range(n_H):
            vert_start = h * stride
            vert_end = vert_start + f
            for w in range(n_W):
                horiz_start = w * stride
                horiz_end = horiz_start + f
                for c in range(n_C_prev):
                    if mode == "max":
                        a_prev_slice = a_prev[vert_start:vert_end, horiz_start:horiz_end, c]
                        mask = create_mask_from_window(a_prev_slice)
                        dA_prev[i, vert_start:vert_end, horiz_start:horiz_end, c] += (
                            mask * dA[i, h, w, c]
                        )
                    else:
                        da = dA[i, h, w, c]
                        dA_prev[i, vert_start:vert_end, horiz_start:horiz_end, c] += (
                            distribute_value(da, (f, f))
                        )
    return dA_prev
