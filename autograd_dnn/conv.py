"""Convolution and pooling (Course 4, week 1): each op's forward beside its VJP.

Samples come FIRST here, as in the course:

=============  ====================================
``A_prev``     ``(m, n_H_prev, n_W_prev, n_C_prev)``
``W``          ``(f, f, n_C_prev, n_C)``
``b``          ``(1, 1, 1, n_C)``
``Z``, ``A``   ``(m, n_H, n_W, n_C)``
=============  ====================================

with ``n_H = floor((n_H_prev + pad_top + pad_bottom - f) / stride) + 1`` (the same for n_W).
The convolution is the course's cross-correlation::

    Z[i, h, w, c] = sum(A_prev_pad[i, h*s : h*s+f, w*s : w*s+f, :] * W[:, :, :, c]) + b[0, 0, 0, c]

How it is computed (no Python loop over samples or positions):

- Convolution: the padded input is laid out channel first, and a strided view of it holds
  every window at once; one copy of that view is the "im2col" matrix
  ``(f f n_C_prev, m n_H n_W)``, one column per window, and ``Z`` is a matrix product with
  ``W`` reshaped to ``(f f n_C_prev, n_C)``: BLAS does the work. The backward multiplies by
  the same matrices: ``dW = im2col @ dZ`` and ``dA_prev = col2im(W @ dZ.T)``. Each runs over
  the samples a few at a time (a loop over chunks of about 2^21 im2col entries, not over
  samples or positions), so no im2col outlives its chunk: the backward rebuilds it from
  A_prev rather than keeping it (for the SIGNS model's first layer the whole matrix would
  be 16 times the input).
- Pooling: :func:`windows` is a strided view ``(m, n_H, n_W, f, f, n_C)`` of the windows (no
  copy); the maximum or mean runs over its two window axes.
- :func:`add_windows` and col2im, the adjoints, add each window's entries back where they
  came from. Their only Python loop runs over the f x f offsets inside a window, and only
  when windows overlap (stride < f); otherwise they are a single strided assignment.

Every backward is written in terms of other recorded ops, so ``grad(..., create_graph=True)``
differentiates it again (second derivatives):

- ``Conv2D``: dA_prev = ``ConvTranspose2D(dZ, W)``, dW = ``Conv2DWeightGrad(A_prev, dZ)``,
  db = ``dZ.sum(axis=(0, 1, 2), keepdims=True)``.
- ``ConvTranspose2D`` (the backward of a convolution w.r.t. its input) has, in turn,
  ``Conv2D`` and ``Conv2DWeightGrad`` in its backward, and ``Conv2DWeightGrad`` has ``Conv2D``
  and ``ConvTranspose2D`` in its: the three are closed under differentiation.
- ``ZeroPad`` and ``Crop``, ``Windows`` and ``AddWindows`` are pairs of mutual adjoints.

Example::

    >>> import numpy as np
    >>> from autograd_dnn import Tensor
    >>> from autograd_dnn.conv import conv2d, max_pool2d, flatten
    >>> rng = np.random.default_rng(0)
    >>> A_prev = Tensor(rng.standard_normal((2, 64, 64, 3)))
    >>> W = Tensor(rng.standard_normal((4, 4, 3, 8)), requires_grad=True, name="W1")
    >>> b = Tensor(np.zeros((1, 1, 1, 8)), requires_grad=True, name="b1")
    >>> Z = conv2d(A_prev, W, b, stride=1, pad="same")
    >>> Z.shape
    (2, 64, 64, 8)
    >>> A = max_pool2d(Z.relu(), f=8, stride=8)
    >>> A.shape, flatten(A).shape
    ((2, 8, 8, 8), (512, 2))
"""

from __future__ import annotations

from typing import Any

import numpy as np
from numpy.lib.stride_tricks import as_strided

from autograd_dnn.engine import Context, Function
from autograd_dnn.modes import note_kink
from autograd_dnn.tensor import Tensor

__all__ = [
    "AddWindows",
    "AvgPool2D",
    "Conv2D",
    "Conv2DWeightGrad",
    "ConvTranspose2D",
    "Crop",
    "Flatten",
    "MaxPool2D",
    "Windows",
    "ZeroPad",
    "add_windows",
    "avg_pool2d",
    "conv2d",
    "conv2d_weight_grad",
    "conv_output_size",
    "conv_transpose2d",
    "flatten",
    "max_pool2d",
    "same_padding",
    "windows",
    "zero_pad",
]

Pads = tuple[int, int, int, int]
"""Zero padding as ``(top, bottom, left, right)``: rows above and below, columns left and
right of every sample's ``(n_H, n_W)`` plane."""


# ---------------------------------------------------------------- sizes and argument checks
def same_padding(f: int) -> Pads:
    """The padding that keeps ``n_H`` and ``n_W`` with stride 1: ``f - 1`` rows and columns in
    total, split as TensorFlow's ``'same'`` does, the extra one at the bottom and the right.

    Example: ``same_padding(4) == (1, 2, 1, 2)``, ``same_padding(3) == (1, 1, 1, 1)``.
    """
    f = _check_positive_int(f, "f")
    top = (f - 1) // 2
    bottom = f - 1 - top
    return (top, bottom, top, bottom)


def conv_output_size(n_prev: int, f: int, stride: int = 1, pad_total: int = 0) -> int:
    """``floor((n_prev + pad_total - f) / stride) + 1``: n_H (or n_W) after a convolution or a
    pooling with window ``f`` and ``pad_total`` padded rows (or columns)."""
    return (n_prev + pad_total - f) // stride + 1


def _check_positive_int(v: Any, what: str) -> int:
    if isinstance(v, bool) or not isinstance(v, (int, np.integer)):
        raise ValueError(f"{what} must be a positive int, got {v!r}")
    if v < 1:
        raise ValueError(f"{what} must be >= 1, got {what} = {v}")
    return int(v)


def _check_4d(shape: tuple[int, ...], name: str, layout: str) -> None:
    if len(shape) != 4:
        raise ValueError(
            f"{name} must be 4-D {layout} (samples first, as in the course), got shape "
            f"{tuple(shape)} with {len(shape)} dimension(s)"
        )


def _as_pads(pad: Any) -> Pads:
    """An int pad (the same on every side) or ``(top, bottom, left, right)``."""
    if isinstance(pad, (int, np.integer)) and not isinstance(pad, bool):
        if pad < 0:
            raise ValueError(f"pad must be >= 0, got pad = {pad}")
        p = int(pad)
        return (p, p, p, p)
    if isinstance(pad, (tuple, list)) and len(pad) == 4:
        if all(
            isinstance(p, (int, np.integer)) and not isinstance(p, bool) and p >= 0 for p in pad
        ):
            top, bottom, left, right = (int(p) for p in pad)
            return top, bottom, left, right
    raise ValueError(
        f"pad must be an int >= 0, 'same', or (top, bottom, left, right) ints >= 0; got {pad!r}"
    )


def _conv_pads(pad: Any, f: int, stride: int) -> Pads:
    if isinstance(pad, str):
        if pad != "same":
            raise ValueError(f"pad must be an int, 'same' or a 4-tuple, got the string {pad!r}")
        if stride != 1:
            raise ValueError(
                f"pad='same' is defined here for stride 1 only (got stride = {stride}); "
                "give an int pad instead"
            )
        return same_padding(f)
    return _as_pads(pad)


def _check_conv(A_shape: tuple, W_shape: tuple, b_shape: tuple | None, stride: int, pads: Pads):
    """Validate a convolution; return (n_H, n_W)."""
    _check_4d(A_shape, "A_prev", "(m, n_H_prev, n_W_prev, n_C_prev)")
    _check_4d(W_shape, "W", "(f, f, n_C_prev, n_C)")
    f, f2, n_C_prev_W, n_C = W_shape
    if f != f2:
        raise ValueError(
            f"W must be (f, f, n_C_prev, n_C) with a square f x f filter, got {W_shape}"
        )
    if f < 1:
        raise ValueError(f"W {tuple(W_shape)} has f = {f}: a filter needs f >= 1")
    if A_shape[3] != n_C_prev_W:
        raise ValueError(
            f"A_prev {tuple(A_shape)} has n_C_prev = {A_shape[3]} channels but W "
            f"{tuple(W_shape)} expects n_C_prev = {n_C_prev_W}: W must be (f, f, n_C_prev, n_C)"
        )
    if b_shape is not None and tuple(b_shape) != (1, 1, 1, n_C):
        raise ValueError(
            f"b must have shape (1, 1, 1, n_C) = (1, 1, 1, {n_C}) for W {tuple(W_shape)}, "
            f"got {tuple(b_shape)}"
        )
    _check_positive_int(stride, "stride")
    top, bottom, left, right = pads
    H, Wd = A_shape[1] + top + bottom, A_shape[2] + left + right
    if f > H or f > Wd:
        raise ValueError(
            f"the filter (f = {f}) is larger than the padded input: A_prev {tuple(A_shape)} "
            f"padded by {pads} (top, bottom, left, right) is {H} x {Wd}; use a smaller f or "
            "more padding"
        )
    return conv_output_size(H, f, stride), conv_output_size(Wd, f, stride)


def _check_pool(A_shape: tuple, f: int, stride: int, what: str) -> tuple[int, int]:
    _check_4d(A_shape, "A_prev", "(m, n_H_prev, n_W_prev, n_C)")
    _check_positive_int(f, "f")
    _check_positive_int(stride, "stride")
    if f > A_shape[1] or f > A_shape[2]:
        raise ValueError(
            f"{what}: the window (f = {f}) is larger than A_prev's {A_shape[1]} x {A_shape[2]} "
            f"plane (A_prev {tuple(A_shape)}); use a smaller f"
        )
    return conv_output_size(A_shape[1], f, stride), conv_output_size(A_shape[2], f, stride)


# ---------------------------------------------------------------- numpy kernels
def _crop(A: np.ndarray, pads: Pads) -> np.ndarray:
    top, bottom, left, right = pads
    return A[:, top : A.shape[1] - bottom, left : A.shape[2] - right, :]


def _window_view(A: np.ndarray, f: int, stride: int, n_H: int, n_W: int, writeable=False):
    """The strided view (m, n_H, n_W, f, f, n_C) of A's f x f windows (no copy)."""
    sm, sh, sw, sc = A.strides
    return as_strided(
        A,
        shape=(A.shape[0], n_H, n_W, f, f, A.shape[3]),
        strides=(sm, stride * sh, stride * sw, sh, sw, sc),
        writeable=writeable,
    )


def _windows(A: np.ndarray, f: int, stride: int) -> np.ndarray:
    n_H, n_W = conv_output_size(A.shape[1], f, stride), conv_output_size(A.shape[2], f, stride)
    return _window_view(A, f, stride, n_H, n_W)


def _add_windows(cols: np.ndarray, stride: int, shape: tuple[int, ...]) -> np.ndarray:
    """zeros(shape) with every window of ``cols`` (m, n_H, n_W, f, f, n_C) added back where
    ``_windows`` cut it from: the adjoint of ``_windows``."""
    m, n_H, n_W, f, _, n_C = cols.shape
    out = np.zeros(shape, dtype=cols.dtype)
    if stride >= f:  # windows do not overlap: one strided assignment
        _window_view(out, f, stride, n_H, n_W, writeable=True)[...] = cols
        return out
    h_end, w_end = stride * (n_H - 1) + 1, stride * (n_W - 1) + 1
    for i in range(f):  # the f x f offsets of a window, never samples or positions
        for j in range(f):
            out[:, i : i + h_end : stride, j : j + w_end : stride, :] += cols[:, :, :, i, j, :]
    return out


def _channels_first(A: np.ndarray, pads: Pads) -> np.ndarray:
    """A (m, n_H, n_W, n_C) zero padded and laid out channel first, (n_C, m, n_H', n_W'), so
    that every row of a window plane is contiguous in memory (a copy)."""
    top, bottom, left, right = pads
    m, n_H, n_W, n_C = A.shape
    out = np.zeros((n_C, m, n_H + top + bottom, n_W + left + right), dtype=A.dtype)
    out[:, :, top : top + n_H, left : left + n_W] = A.transpose(3, 0, 1, 2)
    return out


def _plane_windows(Acf: np.ndarray, f: int, stride: int, n_H: int, n_W: int, writeable=False):
    """The strided view (f, f, n_C, m, n_H, n_W) of a channel-first volume's windows: entry
    [i, j, c, k, h, w] is Acf[c, k, h*stride + i, w*stride + j] (no copy)."""
    sc, sm, sh, sw = Acf.strides
    return as_strided(
        Acf,
        shape=(f, f, Acf.shape[0], Acf.shape[1], n_H, n_W),
        strides=(sh, sw, sc, sm, stride * sh, stride * sw),
        writeable=writeable,
    )


_CHUNK_ENTRIES = 1 << 21
"""Entries of one chunk's im2col matrix (8 MiB in float32): the convolutions run over the
samples a few at a time, so the matrix stays bounded whatever m is. Smaller chunks (2^18,
one SIGNS image) were 2-4x slower on a loaded 2-core machine: many small BLAS calls, each
waking its threads."""


def _sample_chunks(m: int, per_sample: int) -> list[slice]:
    """Consecutive slices of the m samples, each with at most ``_CHUNK_ENTRIES //
    per_sample`` samples (at least one)."""
    step = max(1, _CHUNK_ENTRIES // max(per_sample, 1))
    return [slice(k, min(k + step, m)) for k in range(0, m, step)]


def _im2col(Acf: np.ndarray, f: int, stride: int, n_H: int, n_W: int) -> np.ndarray:
    """The im2col matrix (f f n_C_prev, m n_H n_W) of a padded channel-first volume
    ``Acf`` (n_C_prev, m, n_H', n_W') (see :func:`_channels_first`): one COLUMN per window, its
    rows in W's (f, f, n_C_prev) order. One copy of a strided view; its inner runs are rows
    of n_W."""
    return _plane_windows(Acf, f, stride, n_H, n_W).reshape(f * f * Acf.shape[0], -1)


def _col2im(dcols: np.ndarray, f: int, stride: int, shape: tuple[int, ...], pads: Pads):
    """The adjoint of :func:`_im2col` (after :func:`_channels_first`): add each column
    (f f n_C_prev, m n_H n_W) back into the window it came from, then remove the padding;
    returns a view (m, n_H_prev, n_W_prev, n_C_prev) of a fresh array."""
    m, n_H_prev, n_W_prev, n_C_prev = shape
    top, bottom, left, right = pads
    out = np.zeros((n_C_prev, m, n_H_prev + top + bottom, n_W_prev + left + right), dcols.dtype)
    n_H = conv_output_size(out.shape[2], f, stride)
    n_W = conv_output_size(out.shape[3], f, stride)
    dcols = dcols.reshape(f, f, n_C_prev, m, n_H, n_W)
    if stride >= f:  # windows do not overlap: one strided assignment
        _plane_windows(out, f, stride, n_H, n_W, writeable=True)[...] = dcols
    else:
        h_end, w_end = stride * (n_H - 1) + 1, stride * (n_W - 1) + 1
        for i in range(f):  # the f x f offsets of a window, never samples or positions
            for j in range(f):
                out[:, :, i : i + h_end : stride, j : j + w_end : stride] += dcols[i, j]
    return out[:, :, top : top + n_H_prev, left : left + n_W_prev].transpose(1, 2, 3, 0)


def _conv_forward(A_prev, W, b, stride: int, pads: Pads) -> np.ndarray:
    """Z (m, n_H, n_W, n_C): per chunk of samples, ``W^T (n_C, f f n_C_prev) @ im2col`` (the
    wide matrix on the right: BLAS runs fastest that way round), written into Z. No im2col
    outlives its chunk."""
    m = A_prev.shape[0]
    f, _, n_C_prev, n_C = W.shape
    n_H, n_W = _check_conv(A_prev.shape, W.shape, None if b is None else b.shape, stride, pads)
    Acf = _channels_first(A_prev, pads)
    Wt = W.reshape(f * f * n_C_prev, n_C).T
    Z = np.empty((m, n_H, n_W, n_C), dtype=np.result_type(A_prev.dtype, W.dtype))
    for k in _sample_chunks(m, f * f * n_C_prev * n_H * n_W):
        Zt = Wt @ _im2col(Acf[:, k], f, stride, n_H, n_W)  # (n_C, m_k n_H n_W)
        Z[k] = Zt.reshape(n_C, -1, n_H, n_W).transpose(1, 2, 3, 0)
    if b is not None:
        Z += b
    return Z


def _weight_grad(A_prev: np.ndarray, dZ: np.ndarray, f: int, stride: int, pads: Pads):
    """dW (f, f, n_C_prev, n_C) = im2col(A_prev) @ dZ as (m n_H n_W, n_C), accumulated over
    chunks of samples: each window times its dZ entry, summed over the samples and positions
    (no 1/m, as the course). The im2col is rebuilt chunk by chunk, never kept."""
    m, n_H, n_W, n_C = dZ.shape
    n_C_prev = A_prev.shape[3]
    Acf = _channels_first(A_prev, pads)
    dW = np.zeros((f * f * n_C_prev, n_C), dtype=np.result_type(A_prev.dtype, dZ.dtype))
    for k in _sample_chunks(m, f * f * n_C_prev * n_H * n_W):
        dW += _im2col(Acf[:, k], f, stride, n_H, n_W) @ dZ[k].reshape(-1, n_C)
    return dW.reshape(f, f, n_C_prev, n_C)


def _conv_transpose_forward(dZ, W, stride: int, pads: Pads, in_hw: tuple[int, int]):
    _check_4d(dZ.shape, "dZ", "(m, n_H, n_W, n_C)")
    m, n_H, n_W, n_C = dZ.shape
    A_shape = (m, in_hw[0], in_hw[1], W.shape[2])
    expect = _check_conv(A_shape, W.shape, None, stride, pads)
    if (n_H, n_W, n_C) != (*expect, W.shape[3]):
        raise ValueError(
            f"dZ {tuple(dZ.shape)} does not match a convolution of an input {A_shape} with W "
            f"{tuple(W.shape)}, stride {stride}, pads {pads}: expected dZ (m, n_H, n_W, n_C) = "
            f"{(m, *expect, W.shape[3])}"
        )
    f, _, n_C_prev, _ = W.shape
    W2 = W.reshape(f * f * n_C_prev, n_C)
    dA = np.empty(A_shape, dtype=np.result_type(dZ.dtype, W.dtype))
    for k in _sample_chunks(m, f * f * n_C_prev * n_H * n_W):
        dcols = W2 @ dZ[k].reshape(-1, n_C).T  # (f f n_C_prev, m_k n_H n_W)
        dA[k] = _col2im(dcols, f, stride, (k.stop - k.start, *A_shape[1:]), pads)
    return dA


def _conv_weight_grad_forward(A_prev, dZ, f: int, stride: int, pads: Pads) -> np.ndarray:
    _check_4d(A_prev.shape, "A_prev", "(m, n_H_prev, n_W_prev, n_C_prev)")
    _check_4d(dZ.shape, "dZ", "(m, n_H, n_W, n_C)")
    m, _, _, n_C_prev = A_prev.shape
    n_C = dZ.shape[3]
    expect = _check_conv(A_prev.shape, (f, f, n_C_prev, n_C), None, stride, pads)
    if dZ.shape != (m, *expect, n_C):
        raise ValueError(
            f"dZ {tuple(dZ.shape)} does not match a convolution of A_prev "
            f"{tuple(A_prev.shape)} with f = {f}, stride {stride}, pads {pads}: expected dZ "
            f"(m, n_H, n_W, n_C) = {(m, *expect, n_C)}"
        )
    return _weight_grad(A_prev, dZ, f, stride, pads)


class _Scratch(Context):
    """The context forward gets when a backward runs an op on plain arrays: saves nothing."""

    needs_input_grad = ()

    def save_for_backward(self, *arrays: Any) -> None:
        """Nothing to keep: no backward ever runs on this context."""


_SCRATCH = _Scratch()


def _run(op: type[Function], *args: Any, **kwargs: Any) -> Any:
    """One rule, two speeds: record ``op`` when a backward runs on Tensors
    (``create_graph=True``), else call its forward on the arrays directly."""
    if any(isinstance(a, Tensor) for a in args):
        return op.apply(*args, **kwargs)
    return op.forward(_SCRATCH, *args, **kwargs)


def _broadcast_to(a: Any, shape: tuple[int, ...]) -> Any:
    return a.broadcast_to(shape) if isinstance(a, Tensor) else np.broadcast_to(a, shape)


def _read_only(view: np.ndarray) -> np.ndarray:
    """A view shares its input's memory: make it read-only, so that writing through it cannot
    change a value the graph saved."""
    if view.base is not None:
        view.setflags(write=False)
    return view


# ---------------------------------------------------------------- padding
class ZeroPad(Function):
    """Zeros around each sample's (n_H, n_W) plane: ``pads = (top, bottom, left, right)``.

    (m, n_H, n_W, n_C) -> (m, n_H + top + bottom, n_W + left + right, n_C). VJP: crop."""

    op_name = "zero_pad"

    @staticmethod
    def forward(ctx, A, pads):
        _check_4d(A.shape, "A", "(m, n_H, n_W, n_C)")
        return np.pad(A, ((0, 0), pads[:2], pads[2:], (0, 0)))

    @staticmethod
    def backward(ctx, g):
        return _run(Crop, g, pads=ctx.kwargs["pads"])


class Crop(Function):
    """Remove ``pads = (top, bottom, left, right)`` rows and columns: the adjoint of ZeroPad.

    (m, n_H, n_W, n_C) -> (m, n_H - top - bottom, n_W - left - right, n_C). VJP: zero pad."""

    op_name = "crop"

    @staticmethod
    def forward(ctx, A, pads):
        return _read_only(_crop(A, pads))

    @staticmethod
    def backward(ctx, g):
        return _run(ZeroPad, g, pads=ctx.kwargs["pads"])


# ---------------------------------------------------------------- windows
class Windows(Function):
    """Every f x f window of A with a stride, as a volume: (m, n_H_prev, n_W_prev, n_C) ->
    (m, n_H, n_W, f, f, n_C), a read-only strided view. VJP: :class:`AddWindows`."""

    op_name = "windows"

    @staticmethod
    def forward(ctx, A, f, stride):
        _check_pool(A.shape, f, stride, "windows")
        return _windows(A, f, stride)

    @staticmethod
    def backward(ctx, g):
        return _run(AddWindows, g, stride=ctx.kwargs["stride"], shape=ctx.inputs[0].shape)


class AddWindows(Function):
    """zeros(shape) with each window of ``cols`` (m, n_H, n_W, f, f, n_C) added back where
    :class:`Windows` cut it from (overlapping windows accumulate). VJP: :class:`Windows`."""

    op_name = "add_windows"

    @staticmethod
    def forward(ctx, cols, stride, shape):
        if cols.ndim != 6:
            raise ValueError(f"cols must be (m, n_H, n_W, f, f, n_C), got shape {cols.shape}")
        return _add_windows(cols, stride, tuple(shape))

    @staticmethod
    def backward(ctx, g):
        f = ctx.inputs[0].shape[3]
        return _run(Windows, g, f=f, stride=ctx.kwargs["stride"])


# ---------------------------------------------------------------- convolution
class Conv2D(Function):
    """Z = conv(A_prev, W) + b, the course's ``conv_forward`` (a cross-correlation).

    Inputs A_prev (m, n_H_prev, n_W_prev, n_C_prev), W (f, f, n_C_prev, n_C), b (1, 1, 1, n_C)
    or None; options ``stride`` (int >= 1) and ``pads`` (top, bottom, left, right).
    Output Z (m, n_H, n_W, n_C). Forward: im2col and one matrix product.

    VJP (the course's ``conv_backward``, which sums over the samples, no 1/m):
    dA_prev = conv_transpose2d(dZ, W), dW = conv2d_weight_grad(A_prev, dZ),
    db = dZ summed over (m, n_H, n_W).
    """

    op_name = "conv2d"

    @staticmethod
    def forward(ctx, A_prev, W, b, stride, pads):
        ctx.save_for_backward(A_prev, W)
        return _conv_forward(A_prev, W, b, stride, pads)

    @staticmethod
    def backward(ctx, g):
        A_prev, W = ctx.saved_tensors
        stride, pads = ctx.kwargs["stride"], ctx.kwargs["pads"]
        need_A, need_W, need_b = ctx.needs_input_grad
        dA_prev = (
            _run(ConvTranspose2D, g, W, stride=stride, pads=pads, in_hw=A_prev.shape[1:3])
            if need_A
            else None
        )
        dW = (
            _run(Conv2DWeightGrad, A_prev, g, f=W.shape[0], stride=stride, pads=pads)
            if need_W
            else None
        )
        db = g.sum(axis=(0, 1, 2), keepdims=True) if need_b else None
        return dA_prev, dW, db


class ConvTranspose2D(Function):
    """dA_prev from dZ and W: the VJP of a convolution w.r.t. its input (a transposed
    convolution). Each dZ[i, h, w, c] * W[:, :, :, c] is added into the window (h, w) of
    sample i of a padded zero volume, then the padding is removed.

    Inputs dZ (m, n_H, n_W, n_C), W (f, f, n_C_prev, n_C); options ``stride``, ``pads`` and
    ``in_hw`` = (n_H_prev, n_W_prev) (a strided convolution forgets it). Output
    (m, n_H_prev, n_W_prev, n_C_prev).

    VJP: d(dZ) = conv2d(G, W) (no bias), dW = conv2d_weight_grad(G, dZ).
    """

    op_name = "conv_transpose2d"

    @staticmethod
    def forward(ctx, dZ, W, stride, pads, in_hw):
        ctx.save_for_backward(dZ, W)
        return _conv_transpose_forward(dZ, W, stride, pads, tuple(in_hw))

    @staticmethod
    def backward(ctx, g):
        dZ, W = ctx.saved_tensors
        stride, pads = ctx.kwargs["stride"], ctx.kwargs["pads"]
        need_dZ, need_W = ctx.needs_input_grad
        d_dZ = _run(Conv2D, g, W, None, stride=stride, pads=pads) if need_dZ else None
        dW = (
            _run(Conv2DWeightGrad, g, dZ, f=W.shape[0], stride=stride, pads=pads)
            if need_W
            else None
        )
        return d_dZ, dW


class Conv2DWeightGrad(Function):
    """dW from A_prev and dZ: the VJP of a convolution w.r.t. its filters,
    ``dW[:, :, :, c] = sum over i, h, w of a_slice(i, h, w) * dZ[i, h, w, c]``.

    Inputs A_prev (m, n_H_prev, n_W_prev, n_C_prev), dZ (m, n_H, n_W, n_C); options ``f``,
    ``stride``, ``pads``. Output (f, f, n_C_prev, n_C). Forward: im2col, one matrix product.

    VJP: dA_prev = conv_transpose2d(dZ, G), d(dZ) = conv2d(A_prev, G) (no bias).
    """

    op_name = "conv2d_weight_grad"

    @staticmethod
    def forward(ctx, A_prev, dZ, f, stride, pads):
        ctx.save_for_backward(A_prev, dZ)
        return _conv_weight_grad_forward(A_prev, dZ, f, stride, pads)

    @staticmethod
    def backward(ctx, g):
        A_prev, dZ = ctx.saved_tensors
        stride, pads = ctx.kwargs["stride"], ctx.kwargs["pads"]
        need_A, need_dZ = ctx.needs_input_grad
        dA = (
            _run(ConvTranspose2D, dZ, g, stride=stride, pads=pads, in_hw=A_prev.shape[1:3])
            if need_A
            else None
        )
        d_dZ = _run(Conv2D, A_prev, g, None, stride=stride, pads=pads) if need_dZ else None
        return dA, d_dZ


# ---------------------------------------------------------------- pooling
class MaxPool2D(Function):
    """The maximum of each f x f window (stride ``stride``, no padding), per channel:
    (m, n_H_prev, n_W_prev, n_C) -> (m, n_H, n_W, n_C), the course's ``pool_forward`` with
    ``mode="max"``.

    VJP: the course's ``create_mask_from_window``: ``mask = (window == max(window))`` and the
    window's upstream gradient goes to every entry where the mask is True. On a tie, ALL the
    maxima get the full gradient (as the course's mask does; PyTorch picks one). Overlapping
    windows (stride < f) add their contributions. The mask is a constant, so the VJP is
    linear in dA and differentiable again.

    The switch of a window's maximum is a kink: while a gradient checker listens
    (``modes.collect_kinks``), the forward reports the mask, so that a finite-difference step
    that moves the maximum (or breaks a tie) is seen and checked one-sided.
    """

    op_name = "max_pool2d"

    @staticmethod
    def forward(ctx, A_prev, f, stride):
        n_H, n_W = _check_pool(A_prev.shape, f, stride, "max_pool2d")
        win = _window_view(A_prev, f, stride, n_H, n_W)
        A = win.max(axis=(3, 4))
        mask = win == A[:, :, :, None, None, :]
        ctx.save_for_backward(mask)
        note_kink(lambda: mask)  # which entry is each window's max: a switch is a kink
        return A

    @staticmethod
    def backward(ctx, g):
        (mask,) = ctx.saved_arrays
        m, n_H, n_W, n_C = g.shape
        routed = g.reshape(m, n_H, n_W, 1, 1, n_C) * mask  # bool * float keeps g's dtype
        shape = ctx.inputs[0].shape
        return _run(AddWindows, routed, stride=ctx.kwargs["stride"], shape=shape)


class AvgPool2D(Function):
    """The mean of each f x f window (stride ``stride``, no padding), per channel:
    (m, n_H_prev, n_W_prev, n_C) -> (m, n_H, n_W, n_C), ``pool_forward`` with
    ``mode="average"``.

    VJP: the course's ``distribute_value``: every entry of a window gets dA / (f * f);
    overlapping windows add their contributions.
    """

    op_name = "avg_pool2d"

    @staticmethod
    def forward(ctx, A_prev, f, stride):
        _check_pool(A_prev.shape, f, stride, "avg_pool2d")
        return _windows(A_prev, f, stride).mean(axis=(3, 4))

    @staticmethod
    def backward(ctx, g):
        f, stride = ctx.kwargs["f"], ctx.kwargs["stride"]
        m, n_H, n_W, n_C = g.shape
        share = g.reshape(m, n_H, n_W, 1, 1, n_C) * (1.0 / (f * f))
        cols = _broadcast_to(share, (m, n_H, n_W, f, f, n_C))
        return _run(AddWindows, cols, stride=stride, shape=ctx.inputs[0].shape)


# ---------------------------------------------------------------- flatten
class Flatten(Function):
    """(m, n_H, n_W, n_C) (or any (m, ...)) -> (n, m), the dense layers' columns:
    ``A.reshape(m, -1).T`` with n = n_H * n_W * n_C, each sample's entries in C order.
    VJP: ``dA.T.reshape(shape)``."""

    op_name = "flatten"

    @staticmethod
    def forward(ctx, A):
        if A.ndim < 2:
            raise ValueError(
                f"flatten needs samples first, (m, ...) with at least 2 dimensions; got shape "
                f"{A.shape}"
            )
        return _read_only(A.reshape(A.shape[0], -1).T)

    @staticmethod
    def backward(ctx, g):
        return g.T.reshape(ctx.inputs[0].shape)


# ---------------------------------------------------------------- functions
def _t(x: Any, name: str) -> Tensor:
    return x if isinstance(x, Tensor) else Tensor(x, name=name)


def zero_pad(A: Any, pad: int | tuple[int, int, int, int]) -> Tensor:
    """The course's ``zero_pad(X, pad)``: zeros around the height and width of every sample.

    Args:
        A: (m, n_H, n_W, n_C).
        pad: an int (the same on all four sides) or ``(top, bottom, left, right)``.

    Returns:
        (m, n_H + top + bottom, n_W + left + right, n_C).
    """
    return ZeroPad.apply(_t(A, "A"), pads=_as_pads(pad))


def conv2d(
    A_prev: Any, W: Any, b: Any = None, stride: int = 1, pad: int | str | tuple = 0
) -> Tensor:
    """The course's ``conv_forward``: Z = conv(A_prev, W) + b, vectorized.

    Args:
        A_prev: (m, n_H_prev, n_W_prev, n_C_prev).
        W: (f, f, n_C_prev, n_C).
        b: (1, 1, 1, n_C), or None for no bias.
        stride: int >= 1.
        pad: an int, ``(top, bottom, left, right)``, or ``"same"`` (stride 1: f - 1 in
            total, the extra row and column at the bottom and right, as TensorFlow).

    Returns:
        Z (m, n_H, n_W, n_C), ``n_H = floor((n_H_prev + pad_top + pad_bottom - f) / stride) + 1``.
    """
    A_prev, W = _t(A_prev, "A_prev"), _t(W, "W")
    stride = _check_positive_int(stride, "stride")
    if W.ndim != 4:
        _check_4d(W.shape, "W", "(f, f, n_C_prev, n_C)")
    pads = _conv_pads(pad, W.shape[0], stride)
    b = None if b is None else _t(b, "b")
    return Conv2D.apply(A_prev, W, b, stride=stride, pads=pads)


def conv_transpose2d(
    dZ: Any, W: Any, stride: int = 1, pad: int | str | tuple = 0, in_hw: tuple | None = None
) -> Tensor:
    """dA_prev of a convolution: the transposed convolution of dZ (m, n_H, n_W, n_C) with
    W (f, f, n_C_prev, n_C), giving (m, n_H_prev, n_W_prev, n_C_prev). ``in_hw`` is
    (n_H_prev, n_W_prev); by default the smallest input that gives dZ's size."""
    dZ, W = _t(dZ, "dZ"), _t(W, "W")
    stride = _check_positive_int(stride, "stride")
    _check_4d(W.shape, "W", "(f, f, n_C_prev, n_C)")
    _check_4d(dZ.shape, "dZ", "(m, n_H, n_W, n_C)")
    f = W.shape[0]
    pads = _conv_pads(pad, f, stride)
    if in_hw is None:
        in_hw = (
            (dZ.shape[1] - 1) * stride + f - pads[0] - pads[1],
            (dZ.shape[2] - 1) * stride + f - pads[2] - pads[3],
        )
    return ConvTranspose2D.apply(dZ, W, stride=stride, pads=pads, in_hw=tuple(in_hw))


def conv2d_weight_grad(
    A_prev: Any, dZ: Any, f: int, stride: int = 1, pad: int | str | tuple = 0
) -> Tensor:
    """dW of a convolution (f, f, n_C_prev, n_C) from A_prev (m, n_H_prev, n_W_prev, n_C_prev)
    and dZ (m, n_H, n_W, n_C), summed over the samples as the course's ``conv_backward``."""
    stride = _check_positive_int(stride, "stride")
    f = _check_positive_int(f, "f")
    pads = _conv_pads(pad, f, stride)
    return Conv2DWeightGrad.apply(_t(A_prev, "A_prev"), _t(dZ, "dZ"), f=f, stride=stride, pads=pads)


def windows(A: Any, f: int, stride: int) -> Tensor:
    """The f x f windows of A (m, n_H_prev, n_W_prev, n_C) with a stride, as a volume
    (m, n_H, n_W, f, f, n_C)."""
    return Windows.apply(_t(A, "A"), f=f, stride=stride)


def add_windows(cols: Any, stride: int, shape: tuple[int, int, int, int]) -> Tensor:
    """The adjoint of :func:`windows`: zeros(shape) with each window of ``cols``
    (m, n_H, n_W, f, f, n_C) added back where it came from."""
    _check_positive_int(stride, "stride")
    return AddWindows.apply(_t(cols, "cols"), stride=stride, shape=tuple(shape))


def max_pool2d(A: Any, f: int, stride: int) -> Tensor:
    """The course's ``pool_forward(A_prev, {"f": f, "stride": stride}, mode="max")``.

    A (m, n_H_prev, n_W_prev, n_C) -> (m, n_H, n_W, n_C), ``n_H = floor((n_H_prev - f) /
    stride) + 1``. The gradient goes to the maximum of each window; on a tie every maximum
    gets it, as the course's ``create_mask_from_window`` does.
    """
    return MaxPool2D.apply(_t(A, "A_prev"), f=f, stride=stride)


def avg_pool2d(A: Any, f: int, stride: int) -> Tensor:
    """The course's ``pool_forward(A_prev, {"f": f, "stride": stride}, mode="average")``.

    A (m, n_H_prev, n_W_prev, n_C) -> (m, n_H, n_W, n_C); each window entry gets dA / (f f).
    """
    return AvgPool2D.apply(_t(A, "A_prev"), f=f, stride=stride)


def flatten(A: Any) -> Tensor:
    """(m, n_H, n_W, n_C) -> (n, m) columns for the dense layers: ``A.reshape(m, -1).T``,
    n = n_H * n_W * n_C, each column one sample's entries in C order (h, then w, then c)."""
    return Flatten.apply(_t(A, "A"))
