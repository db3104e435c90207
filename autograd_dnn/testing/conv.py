"""Check YOUR course-style convolution and pooling functions against :mod:`autograd_dnn.textbook`.

Each ``check_*`` draws small layers with :func:`autograd_dnn.testing.strategies.conv_cases`
(shapes, f, stride and pad), calls your function and the textbook's loops on the same inputs,
and returns None when they agree on every example. On a disagreement hypothesis shrinks the
example, and the check raises one ``AssertionError`` naming the output that differs (``Z``,
``dA_prev``, ``dW``, ``db``, ``A``), its worst index as ``(i, h, w, c)`` (``(h, w, c_prev, c)``
inside a filter), the expected and actual values there, a hint, and the counterexample::

    from autograd_dnn.testing.conv import check_conv_backward
    check_conv_backward(conv_backward)      # your function (dZ, cache) -> (dA_prev, dW, db)

The hints name the classic bugs of the course's assignment: ``dA_prev`` returned with its
padding, ``+=`` written as ``=``, slice corners without the stride, the filter or bias of the
wrong channel, a max mask taken from the wrong sample or the whole window, average pooling not
divided by f * f, ``db`` summed over the wrong axes, an extra 1/m. Each hint comes from
recomputing the layer with that one bug and finding your output equal to it.

Conventions, as in the course: samples first, ``A_prev`` ``(m, n_H_prev, n_W_prev,
n_C_prev)``, ``W`` ``(f, f, n_C_prev, n_C)``, ``b`` ``(1, 1, 1, n_C)``; ``conv_backward`` sums
over the samples, with no 1/m. Pooling inputs have distinct entries, so that every window has
one maximum and ties cannot separate a correct function from the textbook. The checks are
deterministic (``derandomize=True``) and write nothing to disk.
"""

from __future__ import annotations

import copy
import traceback
from collections.abc import Callable, Sequence
from typing import Any, TypedDict

import numpy as np

from autograd_dnn import textbook as tb
from autograd_dnn.testing import runner
from autograd_dnn.testing.strategies import conv_cases

__all__ = [
    "check_conv_backward",
    "check_conv_forward",
    "check_pool_backward",
    "check_pool_forward",
]


class _CaseLimits(TypedDict):
    """Keyword arguments of ``strategies.conv_cases``."""

    max_m: int
    max_size: int
    max_channels: int
    max_f: int
    max_stride: int


#: what the checks draw: small layers, so that your loops (and the textbook's) stay fast
CASE_LIMITS: _CaseLimits = {
    "max_m": 3,
    "max_size": 4,
    "max_channels": 3,
    "max_f": 3,
    "max_stride": 2,
}

# ----------------------------------------------------------------------------------------------
# Running a check and calling the learner's function
# ----------------------------------------------------------------------------------------------


def _call(fn: Callable, args: dict[str, Any], hint: Callable[[Exception], str | None]) -> tuple:
    """``fn(*args)`` on deep copies: (result, problem), where problem is None or the lines that
    say what went wrong (an exception with its place and ``hint(exc)``, or an input modified in
    place)."""
    copies = copy.deepcopy(args)
    try:
        result = fn(*copies.values())
    except Exception as exc:  # the learner's bug, reported with its place
        frame = traceback.extract_tb(exc.__traceback__)[-1]
        what = "".join(traceback.format_exception_only(type(exc), exc)).strip()
        lines = [f"your function raised {what}", f"  at {frame.filename}:{frame.lineno}"]
        extra = hint(exc)
        return None, lines + ([f"  hint: {extra}"] if extra else [])
    for name, value in args.items():
        if not runner.same(value, copies[name]):
            return result, [
                f"your function modified its input {name} in place; copy before editing it, "
                "the caller may still need it"
            ]
    return result, None


def _crash_hint(stride: int, pad: int | None) -> Callable[[Exception], str | None]:
    def hint(exc: Exception) -> str | None:
        text = str(exc)
        if pad == 0 and ("(0," in text or "shape (0" in text):
            return (
                "with pad = 0, X[pad:-pad] is X[0:0], an empty slice; remove the padding with "
                "da_prev_pad[pad:pad + n_H_prev, pad:pad + n_W_prev, :] instead"
            )
        if stride > 1 and isinstance(exc, (ValueError, IndexError)):
            return (
                f"stride = {stride} here: check the slice corners, vert_start = h * stride, "
                "vert_end = vert_start + f (not h + f), and the same for horiz"
            )
        return None

    return hint


# ----------------------------------------------------------------------------------------------
# Explaining a difference
# ----------------------------------------------------------------------------------------------

#: the axes of each output, for the worst index
_AXES = {
    "Z": "(i, h, w, c)",
    "A": "(i, h, w, c)",
    "dA_prev": "(i, h, w, c)",
    "A_prev": "(i, h, w, c)",
    "dW": "(h, w, c_prev, c)",
    "W": "(h, w, c_prev, c)",
    "db": "(0, 0, 0, c)",
    "b": "(0, 0, 0, c)",
}

Mutants = Sequence[tuple[str, np.ndarray]]


_SHOWN = 60  # array entries a report prints in full (volumes are larger than matrices)


def _close(a: np.ndarray, b: np.ndarray, tol: tuple[float, float]) -> bool:
    return a.shape == b.shape and bool(np.allclose(a, b, rtol=tol[0], atol=tol[1]))


def _as_array(x: Any) -> np.ndarray | None:
    try:
        return np.asarray(x, dtype=np.float64)
    except (TypeError, ValueError):
        return None


def _ratio_hint(key: str, expected: np.ndarray, got: np.ndarray, m: int, tol: tuple) -> str | None:
    big = np.abs(expected) > 1e-12
    if not big.any():
        return None
    r = float(np.median(got[big] / expected[big]))
    if not _close(got, r * expected, tol):
        return None

    def near(x: float) -> bool:
        return abs(r - x) <= 1e-6 * max(1.0, abs(x))

    if m > 1 and near(1.0 / m):
        return (
            f"{key} is 1/m = 1/{m} of the textbook's: the course's conv_backward sums over the "
            "samples, with no 1/m (it returns the gradient of sum(dZ * Z))"
        )
    if m > 2 and near(m):
        return f"{key} is m = {m} times the textbook's"
    if near(2.0):
        return f"doubled: {key} is 2 times the textbook's" + (" (or m times, m = 2)" * (m == 2))
    if near(-1.0):
        return f"sign flipped: {key} is minus the textbook's"
    if near(0.0):
        return f"{key} is all zeros where the textbook's is not"
    return f"{key} is {r:.6g} times the textbook's"


def _worst(expected: np.ndarray, got: np.ndarray, key: str) -> str:
    diff = np.abs(got - expected)
    if np.isnan(diff).any():
        return "  largest absolute difference: nan (yours contains nan)"
    at = tuple(int(i) for i in np.unravel_index(int(np.argmax(diff)), diff.shape))
    return (
        f"  largest absolute difference: {diff.max():.6g} at {_AXES.get(key, 'index')} = {at}: "
        f"expected {expected[at]:.6g}, got {got[at]:.6g}"
    )


def _explain(
    key: str,
    expected: np.ndarray,
    got_raw: Any,
    m: int,
    tol: tuple,
    shape_hint: Callable[[tuple], str | None],
    mutants: Callable[[], Mutants],
) -> list[str]:
    got = _as_array(got_raw)
    lines = [f"{key} differs from the textbook"]
    if got is None:
        return lines + [
            f"  expected: an array of shape {expected.shape}",
            f"  got:      {type(got_raw).__name__} {got_raw!r:.80}",
        ]
    lines += [f"  expected shape: {expected.shape}", f"  got shape:      {got.shape}"]
    hints = []
    if got.shape != expected.shape:
        lines.append("  largest absolute difference: n/a, the shapes differ")
        hints.append(shape_hint(got.shape) or f"{key} must have shape {expected.shape}")
    else:
        lines.append(_worst(expected, got, key))
        # the bugs that reproduce your output exactly; on a small example two may coincide
        hints += [text for text, value in mutants() if _close(got, value, tol)][:2]
        ratio = None if hints else _ratio_hint(key, expected, got, m, tol)
        if ratio:
            hints.append(ratio)
        if not np.isfinite(got).all():
            hints.append(f"{key} contains nan or inf")
    lines += [f"  hint: {h}" if n == 0 else f"  or:   {h}" for n, h in enumerate(hints)]
    if got.shape == expected.shape and expected.size <= 60:
        shown = runner.show(expected, _SHOWN), runner.show(got, _SHOWN)
        lines += [f"  expected {key} = {shown[0]}", f"  got {key}      = {shown[1]}"]
    return lines


Comparison = tuple[str, np.ndarray, Any, Callable[[tuple], str | None], Callable[[], Mutants]]


def _compare(
    comparisons: list[Comparison], m: int, tol: tuple, describe: Callable[[], list[str]]
) -> runner.Report | None:
    """None when every output matches; else a report on the first that differs."""

    def matches(expected: np.ndarray, got: Any) -> bool:
        arr = _as_array(got)
        return arr is not None and _close(arr, expected, tol)

    bad = [c for c in comparisons if not matches(c[1], c[2])]
    if not bad:
        return None

    def report() -> str:
        key, expected, got, shape_hint, mutants = bad[0]
        lines = _explain(key, expected, got, m, tol, shape_hint, mutants)
        if len(bad) > 1:
            lines.append(f"  also differ: {', '.join(c[0] for c in bad[1:])}")
        return runner.with_example(lines, describe())

    return report


# ----------------------------------------------------------------------------------------------
# The bugs the hints name: the course's loops, each with one mistake switched on
# ----------------------------------------------------------------------------------------------

_CONV_BUGS = {
    "no stride": "the slice corners ignore the stride: vert_start = h * stride, "
    "horiz_start = w * stride",
    "end h + f": "the window ends at h + f; the corners are vert_start = h * stride, "
    "vert_end = vert_start + f (and the same for horiz)",
    "W channel 0": "every output channel c uses the filter W[:, :, :, 0]; use W[:, :, :, c]",
    "b channel 0": "every output channel c uses the bias b[:, :, :, 0]; use b[:, :, :, c]",
    "no b": "the bias is missing: Z[i, h, w, c] = sum(a_slice * W[..., c]) + b[..., c]",
    "wrong sample": "the windows come from sample 0 for every i; select a_prev_pad = "
    "A_prev_pad[i] inside the loop over i",
    "flipped W": "the filter looks flipped (a true convolution); the course cross-correlates: "
    "sum(a_slice * W[:, :, :, c]) with W as stored",
    "dA =": "'+=' written as '=' for da_prev_pad: windows overlap and every output channel adds "
    "to the same window, so accumulate with +=",
    "dW =": "'+=' written as '=' for dW[:, :, :, c]: every position and sample adds to it",
    "db =": "'+=' written as '=' for db[:, :, :, c]: every position and sample adds to it",
    "crop at 0": "dA_prev is cropped from the corner of da_prev_pad; remove the padding on "
    "both sides: da_prev_pad[pad:pad + n_H_prev, pad:pad + n_W_prev, :]",
    "dA W channel 0": "dA_prev uses W[:, :, :, 0] for every c; use W[:, :, :, c]",
    "db channel 0": "db[:, :, :, 0] collects the dZ of every channel; add dZ[i, h, w, c] to "
    "db[:, :, :, c]",
    "db sample 0": "db holds sample 0 only; sum dZ over the samples too: "
    "dZ.sum(axis=(0, 1, 2)), one value per channel",
    "db all channels": "db was summed over the channels as well; sum over i, h, w only: "
    "dZ.sum(axis=(0, 1, 2)).reshape(1, 1, 1, n_C)",
    "dW wrong sample": "dW uses the windows of sample 0 for every i; a_slice comes from "
    "A_prev_pad[i]",
}


def _conv_loops(
    A_prev: np.ndarray,
    W: np.ndarray,
    b: np.ndarray,
    dZ: np.ndarray,
    stride: int,
    pad: int,
    bug: str,
) -> dict[str, np.ndarray]:
    """Z, dA_prev, dW, db of the course's loops with the one mistake ``bug``."""
    m, n_H_prev, n_W_prev, _ = A_prev.shape
    f, _, _, n_C = W.shape
    _, n_H, n_W, _ = dZ.shape
    A_pad = np.pad(A_prev, ((0, 0), (pad, pad), (pad, pad), (0, 0)))
    Z, dA_pad = np.zeros(dZ.shape), np.zeros(A_pad.shape)
    dW, db = np.zeros(W.shape), np.zeros(b.shape)
    step = 1 if bug == "no stride" else stride
    broken: set[str] = set()  # outputs this bug could not compute (it would crash there)
    for i in range(m):
        for h in range(n_H):
            for w in range(n_W):
                rows, cols = slice(h * step, h * step + f), slice(w * step, w * step + f)
                if bug == "end h + f":
                    rows, cols = slice(h * stride, h + f), slice(w * stride, w + f)
                for c in range(n_C):
                    source = 0 if bug == "wrong sample" else i
                    a_slice = A_pad[source, rows, cols, :]
                    Wc = W[..., 0] if bug == "W channel 0" else W[..., c]
                    Wc = Wc[::-1, ::-1] if bug == "flipped W" else Wc
                    bc = b[0, 0, 0, 0] if bug == "b channel 0" else b[0, 0, 0, c]
                    g = dZ[i, h, w, c]
                    Wd = W[..., 0] if bug == "dA W channel 0" else Wc
                    a_dW = A_pad[0, rows, cols, :] if bug == "dW wrong sample" else a_slice
                    try:  # a window of the wrong size ("end h + f") may not broadcast
                        Z[i, h, w, c] = np.sum(a_slice * Wc) + (0.0 if bug == "no b" else bc)
                    except ValueError:
                        broken.add("Z")
                    try:
                        if bug == "dA =":
                            dA_pad[i, rows, cols, :] = Wd * g
                        else:
                            dA_pad[i, rows, cols, :] += Wd * g
                    except ValueError:
                        broken.add("dA_prev")
                    try:
                        if bug == "dW =":
                            dW[..., c] = a_dW * g
                        else:
                            dW[..., c] += a_dW * g
                    except ValueError:
                        broken.add("dW")
                    if bug == "db =":
                        db[..., c] = g
                    else:
                        db[..., 0 if bug == "db channel 0" else c] += g
    if bug == "crop at 0":
        dA_prev = dA_pad[:, :n_H_prev, :n_W_prev, :]
    else:
        dA_prev = dA_pad[:, pad : pad + n_H_prev, pad : pad + n_W_prev, :]
    if bug == "db sample 0":
        db = dZ[0].sum(axis=(0, 1)).reshape(b.shape)
    elif bug == "db all channels":
        db = np.full(b.shape, dZ.sum())
    out = {"Z": Z, "dA_prev": dA_prev, "dW": dW, "db": db}
    return {
        key: np.full(value.shape, np.nan) if key in broken else value for key, value in out.items()
    }


def _conv_mutants(key: str, ex: dict[str, Any], bugs: Sequence[str]) -> Callable[[], Mutants]:
    hp = ex["hparameters"]

    def mutants() -> Mutants:
        out = []
        for bug in bugs:
            wrong = _conv_loops(
                ex["A_prev"], ex["W"], ex["b"], ex["dZ"], hp["stride"], hp["pad"], bug
            )
            out.append((_CONV_BUGS[bug], wrong[key]))
        return out

    return mutants


_POOL_BUGS = {
    "no stride": "the slice corners ignore the stride: vert_start = h * stride, "
    "horiz_start = w * stride",
    "wrong sample": "the windows come from sample 0 for every i; use A_prev[i]",
    "all channels": "the window spans all channels; pooling works per channel: "
    "A_prev[i, vert_start:vert_end, horiz_start:horiz_end, c]",
    "no mask": "the whole window received dA; max pooling routes dA[i, h, w, c] to the "
    "window's maximum only: mask = (window == np.max(window))",
    "sum": "average pooling not divided by f * f: each entry of the window gets "
    "dA / (f * f) (distribute_value), and the forward pass takes the mean",
    "divided by f": "average pooling divided by f instead of f * f",
    "=": "'+=' written as '=' for dA_prev: overlapping windows (stride < f) add up",
    "other mode": "this looks like the other pooling mode; read mode and branch on it",
}


def _pool_loops(
    A_prev: np.ndarray, dA: np.ndarray, f: int, stride: int, mode: str, bug: str
) -> dict[str, np.ndarray]:
    """A and dA_prev of the course's pooling loops with the one mistake ``bug``."""
    if bug == "other mode":
        mode = "average" if mode == "max" else "max"
    m, n_H, n_W, n_C = dA.shape
    A, dA_prev = np.zeros(dA.shape), np.zeros(A_prev.shape)
    step = 1 if bug == "no stride" else stride
    divisor = {"sum": 1, "divided by f": f}.get(bug, f * f)
    for i in range(m):
        source = 0 if bug == "wrong sample" else i
        for h in range(n_H):
            for w in range(n_W):
                rows, cols = slice(h * step, h * step + f), slice(w * step, w * step + f)
                for c in range(n_C):
                    window = A_prev[source, rows, cols, c]
                    block = A_prev[source, rows, cols, :]
                    g = dA[i, h, w, c]
                    if mode == "max":
                        biggest = np.max(block) if bug == "all channels" else np.max(window)
                        A[i, h, w, c] = biggest
                        mask = np.ones_like(window) if bug == "no mask" else window == biggest
                        grad = mask * g
                    else:
                        total = np.sum(block) / block.shape[2] if bug == "all channels" else None
                        A[i, h, w, c] = (np.sum(window) if total is None else total) / divisor
                        grad = np.full(window.shape, g / divisor)
                    if bug == "=":
                        dA_prev[i, rows, cols, c] = grad
                    else:
                        dA_prev[i, rows, cols, c] += grad
    return {"A": A, "dA_prev": dA_prev}


def _pool_mutants(
    key: str, ex: dict[str, Any], mode: str, bugs: Sequence[str]
) -> Callable[[], Mutants]:
    hp = ex["hparameters"]

    def mutants() -> Mutants:
        out = []
        for bug in bugs:
            if bug in ("no mask",) and mode != "max":
                continue
            if bug in ("sum", "divided by f") and mode != "average":
                continue
            wrong = _pool_loops(ex["A_prev"], ex["dA"], hp["f"], hp["stride"], mode, bug)
            out.append((_POOL_BUGS[bug], wrong[key]))
        return out

    return mutants


# ----------------------------------------------------------------------------------------------
# Shape hints
# ----------------------------------------------------------------------------------------------


def _output_shape_hint(key: str, ex: dict[str, Any], f: int, pad: int) -> Callable:
    _, n_H_prev, n_W_prev, _ = ex["A_prev"].shape
    stride = ex["hparameters"]["stride"]

    def hint(shape: tuple) -> str | None:
        return (
            f"{key} must be (m, n_H, n_W, n_C) with n_H = floor((n_H_prev + 2 pad - f) / stride)"
            f" + 1 = floor(({n_H_prev} + 2*{pad} - {f}) / {stride}) + 1, the same for n_W; "
            f"got {shape}"
        )

    return hint


def _dA_prev_shape_hint(ex: dict[str, Any], pad: int) -> Callable:
    A_prev = ex["A_prev"]
    m, n_H_prev, n_W_prev, n_C_prev = A_prev.shape
    padded = (m, n_H_prev + 2 * pad, n_W_prev + 2 * pad, n_C_prev)

    def hint(shape: tuple) -> str | None:
        if pad > 0 and tuple(shape) == padded:
            return (
                f"dA_prev still has its padding (shape {padded}): remove it with "
                "da_prev_pad[pad:pad + n_H_prev, pad:pad + n_W_prev, :], the shape of A_prev"
            )
        if len(shape) == 4 and 0 in shape[1:3]:
            return (
                "dA_prev is empty: with pad = 0, X[pad:-pad] is X[0:0]; remove the padding "
                "with da_prev_pad[pad:pad + n_H_prev, pad:pad + n_W_prev, :]"
            )
        return f"dA_prev has the shape of A_prev, {A_prev.shape}"

    return hint


def _db_shape_hint(n_C: int, m: int) -> Callable:
    def hint(shape: tuple) -> str | None:
        shape = tuple(shape)
        if shape == (n_C,):
            return (
                f"db has shape {shape}, a rank-1 array; keep (1, 1, 1, n_C): "
                "dZ.sum(axis=(0, 1, 2)).reshape(1, 1, 1, n_C)"
            )
        if len(shape) == 4 and shape[0] == m and m > 1:
            return "db was kept per sample; sum over the samples too: axis=(0, 1, 2)"
        if int(np.prod(shape)) == 1 and n_C > 1:
            return "db was summed over all axes; sum over i, h, w only, one value per channel"
        return f"db must have shape (1, 1, 1, n_C) = (1, 1, 1, {n_C})"

    return hint


def _fixed_shape_hint(key: str, shape: tuple) -> Callable:
    return lambda got: f"{key} must have the shape of {key[1:]}, {shape}"


# ----------------------------------------------------------------------------------------------
# The checks
# ----------------------------------------------------------------------------------------------


def _describe_conv(ex: dict[str, Any], with_dZ: bool) -> Callable[[], list[str]]:
    def describe() -> list[str]:
        A_prev, W, hp = ex["A_prev"], ex["W"], ex["hparameters"]
        m, n_H_prev, n_W_prev, n_C_prev = A_prev.shape
        head = (
            f"m = {m}, n_H_prev = {n_H_prev}, n_W_prev = {n_W_prev}, n_C_prev = {n_C_prev}, "
            f"f = {W.shape[0]}, n_C = {W.shape[3]}, hparameters = {hp}"
        )
        arrays = {"A_prev": A_prev, "W": W, "b": ex["b"]}
        if with_dZ:
            arrays["dZ"] = ex["dZ"]
        return [head, *runner.arrays(_SHOWN, **arrays)]

    return describe


def check_conv_forward(
    fn: Callable, *, max_examples: int = 30, rtol: float = 1e-6, atol: float = 1e-9
) -> None:
    """Check ``fn(A_prev, W, b, hparameters) -> (Z, cache)`` against ``textbook.conv_forward``.

    ``A_prev`` ``(m, n_H_prev, n_W_prev, n_C_prev)``, ``W`` ``(f, f, n_C_prev, n_C)``, ``b``
    ``(1, 1, 1, n_C)``, ``hparameters = {"stride": s, "pad": pad}``. ``Z`` must be
    ``(m, n_H, n_W, n_C)`` and ``cache`` the course layout ``(A_prev, W, b, hparameters)``.
    Raises AssertionError on the first (shrunk) disagreement; returns None otherwise.
    """
    bugs: tuple[str, ...] = (
        "no stride",
        "end h + f",
        "W channel 0",
        "b channel 0",
        "no b",
        "wrong sample",
    )
    bugs += ("flipped W",)

    def compare(ex: dict[str, Any]) -> runner.Report | None:
        A_prev, W, b, hp = ex["A_prev"], ex["W"], ex["b"], ex["hparameters"]
        describe = _describe_conv(ex, with_dZ=False)
        Z, _ = tb.conv_forward(A_prev, W, b, hp)
        args = {"A_prev": A_prev, "W": W, "b": b, "hparameters": hp}
        result, problem = _call(fn, args, _crash_hint(hp["stride"], None))
        if problem is None and not (isinstance(result, (tuple, list)) and len(result) == 2):
            problem = [f"your function must return (Z, cache), got {type(result).__name__}"]
        if problem is not None:
            return runner.problem(problem, describe)
        got_Z, cache = result
        shape_hint = _output_shape_hint("Z", ex, W.shape[0], hp["pad"])
        report = _compare(
            [("Z", Z, got_Z, shape_hint, _conv_mutants("Z", ex, bugs))],
            A_prev.shape[0],
            (rtol, atol),
            describe,
        )
        if report is not None:
            return report
        ok = isinstance(cache, (tuple, list)) and len(cache) == 4
        if not ok or not runner.same(tuple(cache[:3]), (A_prev, W, b)) or cache[3] != hp:
            return runner.problem(
                [
                    "Z is right, but cache must have the course layout (A_prev, W, b, "
                    "hparameters), the arrays as given: conv_backward unpacks it",
                    f"  got {type(cache).__name__} of length "
                    f"{len(cache) if hasattr(cache, '__len__') else 'n/a'}",
                ],
                describe,
            )
        return None

    runner.run("check_conv_forward", conv_cases(**CASE_LIMITS), compare, max_examples)


def check_conv_backward(
    fn: Callable, *, max_examples: int = 30, rtol: float = 1e-6, atol: float = 1e-9
) -> None:
    """Check ``fn(dZ, cache) -> (dA_prev, dW, db)`` against ``textbook.conv_backward``.

    ``cache = (A_prev, W, b, hparameters)`` comes from ``textbook.conv_forward`` and ``dZ`` has
    the shape of Z, ``(m, n_H, n_W, n_C)``. The outputs have the shapes of ``A_prev``, ``W``
    and ``b``; like the course, they sum over the samples (no 1/m). They are compared in the
    order ``dA_prev``, ``dW``, ``db``, and the first that differs is explained.
    """
    dA_bugs: tuple[str, ...] = (
        "dA =",
        "no stride",
        "end h + f",
        "dA W channel 0",
        "crop at 0",
        "wrong sample",
    )
    dA_bugs += ("flipped W",)
    dW_bugs = ("dW =", "no stride", "end h + f", "dW wrong sample", "wrong sample", "flipped W")
    db_bugs = ("db =", "db channel 0", "db sample 0", "db all channels")

    def compare(ex: dict[str, Any]) -> runner.Report | None:
        A_prev, W, b, dZ, hp = (ex[k] for k in ("A_prev", "W", "b", "dZ", "hparameters"))
        describe = _describe_conv(ex, with_dZ=True)
        _, cache = tb.conv_forward(A_prev, W, b, hp)
        expected = tb.conv_backward(dZ, cache)
        result, problem = _call(
            fn, {"dZ": dZ, "cache": cache}, _crash_hint(hp["stride"], hp["pad"])
        )
        if problem is None and not (isinstance(result, (tuple, list)) and len(result) == 3):
            problem = [f"your function must return (dA_prev, dW, db), got {type(result).__name__}"]
        if problem is not None:
            return runner.problem(problem, describe)
        m, n_C = A_prev.shape[0], W.shape[3]
        comparisons: list[Comparison] = [
            ("dA_prev", expected[0], result[0], _dA_prev_shape_hint(ex, hp["pad"]),
             _conv_mutants("dA_prev", ex, dA_bugs)),
            ("dW", expected[1], result[1], _fixed_shape_hint("dW", W.shape),
             _conv_mutants("dW", ex, dW_bugs)),
            ("db", expected[2], result[2], _db_shape_hint(n_C, m),
             _conv_mutants("db", ex, db_bugs)),
        ]  # fmt: skip
        return _compare(comparisons, m, (rtol, atol), describe)

    runner.run("check_conv_backward", conv_cases(**CASE_LIMITS), compare, max_examples)


def _pool_modes(modes: Sequence[str]) -> list[str]:
    modes = [modes] if isinstance(modes, str) else list(modes)
    for mode in modes:
        if mode not in tb.POOL_MODES:
            raise ValueError(f"modes must be taken from {tb.POOL_MODES}, got {mode!r}")
    return modes


def _describe_pool(ex: dict[str, Any], mode: str, with_dA: bool) -> Callable[[], list[str]]:
    def describe() -> list[str]:
        A_prev = ex["A_prev"]
        m, n_H_prev, n_W_prev, n_C_prev = A_prev.shape
        head = (
            f"mode = {mode!r}, m = {m}, n_H_prev = {n_H_prev}, n_W_prev = {n_W_prev}, "
            f"n_C_prev = {n_C_prev}, hparameters = {ex['hparameters']}"
        )
        arrays = {"A_prev": A_prev, "dA": ex["dA"]} if with_dA else {"A_prev": A_prev}
        return [head, *runner.arrays(_SHOWN, **arrays)]

    return describe


_POOL_FORWARD_BUGS = ("other mode", "no stride", "all channels", "wrong sample", "sum")
_POOL_BACKWARD_BUGS = (
    "no mask", "wrong sample", "all channels", "sum", "divided by f", "=", "no stride",
    "other mode",
)  # fmt: skip


def check_pool_forward(
    fn: Callable,
    *,
    modes: Sequence[str] = tb.POOL_MODES,
    max_examples: int = 30,
    rtol: float = 1e-6,
    atol: float = 1e-9,
) -> None:
    """Check ``fn(A_prev, hparameters, mode) -> (A, cache)`` against ``textbook.pool_forward``.

    ``A_prev`` ``(m, n_H_prev, n_W_prev, n_C_prev)``, ``hparameters = {"f": f, "stride": s}``;
    each mode of ``modes`` (``"max"``, ``"average"``) is checked in turn. ``A`` must be
    ``(m, n_H, n_W, n_C_prev)`` and ``cache`` the course layout ``(A_prev, hparameters)``.
    """
    for mode in _pool_modes(modes):

        def compare(ex: dict[str, Any], mode: str = mode) -> runner.Report | None:
            A_prev, hp = ex["A_prev"], ex["hparameters"]
            describe = _describe_pool(ex, mode, with_dA=False)
            A, _ = tb.pool_forward(A_prev, hp, mode)
            args = {"A_prev": A_prev, "hparameters": hp, "mode": mode}
            result, problem = _call(fn, args, _crash_hint(hp["stride"], None))
            if problem is None and not (isinstance(result, (tuple, list)) and len(result) == 2):
                problem = [f"your function must return (A, cache), got {type(result).__name__}"]
            if problem is not None:
                return runner.problem(problem, describe)
            got_A, cache = result
            shape_hint = _output_shape_hint("A", ex, hp["f"], 0)
            mutants = _pool_mutants("A", ex, mode, _POOL_FORWARD_BUGS)
            report = _compare(
                [("A", A, got_A, shape_hint, mutants)], A_prev.shape[0], (rtol, atol), describe
            )
            if report is not None:
                return report
            ok = isinstance(cache, (tuple, list)) and len(cache) == 2
            if not ok or not runner.same(cache[0], A_prev) or cache[1] != hp:
                lines = ["A is right, but cache must have the course layout (A_prev, hparameters)"]
                return runner.problem(lines, describe)
            return None

        strategy = conv_cases(pool=True, **CASE_LIMITS)
        runner.run(f"check_pool_forward(mode={mode!r})", strategy, compare, max_examples)


def check_pool_backward(
    fn: Callable,
    *,
    modes: Sequence[str] = tb.POOL_MODES,
    max_examples: int = 30,
    rtol: float = 1e-6,
    atol: float = 1e-9,
) -> None:
    """Check ``fn(dA, cache, mode) -> dA_prev`` against ``textbook.pool_backward``.

    ``cache = (A_prev, hparameters)`` comes from ``textbook.pool_forward``; ``dA`` has the
    shape of A, ``(m, n_H, n_W, n_C)``; ``dA_prev`` must have the shape of ``A_prev``. The
    entries of ``A_prev`` are distinct, so every window has one maximum.
    """
    for mode in _pool_modes(modes):

        def compare(ex: dict[str, Any], mode: str = mode) -> runner.Report | None:
            A_prev, dA, hp = ex["A_prev"], ex["dA"], ex["hparameters"]
            describe = _describe_pool(ex, mode, with_dA=True)
            _, cache = tb.pool_forward(A_prev, hp, mode)
            expected = tb.pool_backward(dA, cache, mode)
            args = {"dA": dA, "cache": cache, "mode": mode}
            result, problem = _call(fn, args, _crash_hint(hp["stride"], None))
            if problem is not None:
                return runner.problem(problem, describe)
            shape_hint = _fixed_shape_hint("dA_prev", A_prev.shape)
            mutants = _pool_mutants("dA_prev", ex, mode, _POOL_BACKWARD_BUGS)
            comparisons = [("dA_prev", expected, result, shape_hint, mutants)]
            return _compare(comparisons, A_prev.shape[0], (rtol, atol), describe)

        strategy = conv_cases(pool=True, **CASE_LIMITS)
        runner.run(f"check_pool_backward(mode={mode!r})", strategy, compare, max_examples)
