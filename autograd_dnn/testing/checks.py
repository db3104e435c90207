"""Check YOUR course-style functions against :mod:`autograd_dnn.textbook`, driven by hypothesis.

Each ``check_*`` draws small networks and batches, calls your function and the textbook's on the
same inputs, and returns None when they agree on every example. On a disagreement, hypothesis
shrinks the example to a small one and the check raises one self-contained ``AssertionError``
naming the key that differs (``dW2``, ``db1``, ``dA0``, ...), the expected and actual shapes,
the largest absolute difference, a hint (doubled, missing 1/m, missing keepdims=True,
transposed, a wrong activation derivative, ...) and the shrunk counterexample::

    from autograd_dnn.testing import check_model_backward
    check_model_backward(L_model_backward)      # your function (AL, Y, caches) -> grads

The checks are deterministic (``derandomize=True``) and write nothing to disk. They use the
course convention: ``dA`` and ``dZ`` are m times ``dJ/dA``, ``dJ/dZ``; ``dW``, ``db`` are
``dJ/dW``, ``dJ/db``. Batch sizes are drawn from ``M_VALUES``, which skips m = 2 so that a
doubled gradient and a missing 1/m cannot be mistaken for one another. Array entries are drawn
on the grid k/8 in [-1, 1] (``W[l]`` divided by ``n[l-1]``), one hypothesis choice per array:
that keeps a check with shrinking around a second, and counterexamples short to read.
"""

from __future__ import annotations

import copy
import functools
import traceback
from collections.abc import Callable, Mapping, Sequence
from typing import Any

import numpy as np
from hypothesis import strategies as st

from autograd_dnn import textbook as tb
from autograd_dnn.testing import runner

__all__ = [
    "M_VALUES",
    "check_activation_backward",
    "check_linear_backward",
    "check_model_backward",
    "check_model_forward",
]

#: batch sizes the checks draw from (shrinking goes to the front); no 2, see the module docstring
M_VALUES = (1, 3, 4, 5)

_MS = st.sampled_from(M_VALUES)
_UNITS = st.integers(1, 4)


# ----------------------------------------------------------------------------------------------
# Calling the learner's function (the search and the report: autograd_dnn.testing.runner)
# ----------------------------------------------------------------------------------------------


def _call(fn: Callable, args: dict[str, Any]) -> tuple[Any, str | None]:
    """Call ``fn(*args)`` on deep copies; return (result, problem) where problem says what went
    wrong: an exception, or an input that the function modified in place."""
    copies = copy.deepcopy(args)
    try:
        result = fn(*copies.values())
    except Exception as exc:  # the user's bug, reported with its place
        frame = traceback.extract_tb(exc.__traceback__)[-1]
        where = f"{frame.filename}:{frame.lineno} in {frame.name}"
        what = "".join(traceback.format_exception_only(type(exc), exc)).strip()
        return None, f"your function raised {what}\n  at {where}"
    for name, value in args.items():
        if not runner.same(value, copies[name]):
            return result, (
                f"your function modified its input {name} in place; copy before editing "
                "(e.g. dZ = np.array(dA, copy=True)), since the caller may still need it"
            )
    return result, None


# ----------------------------------------------------------------------------------------------
# Comparing one array and explaining the difference
# ----------------------------------------------------------------------------------------------

Mutants = Sequence[tuple[str, np.ndarray]]


def _close(a: np.ndarray, b: np.ndarray, rtol: float, atol: float) -> bool:
    return a.shape == b.shape and bool(np.allclose(a, b, rtol=rtol, atol=atol))


def _ratio_hint(key: str, expected: np.ndarray, got: np.ndarray, m: int, tol: tuple) -> str | None:
    """Name a constant factor between got and expected, if there is one."""
    big = np.abs(expected) > 1e-12
    if not big.any():
        return None
    r = float(np.median(got[big] / expected[big]))
    if not _close(got, r * expected, *tol):
        return None

    def near(x: float) -> bool:
        return abs(r - x) <= 1e-6 * max(1.0, abs(x))

    course = key.startswith(("dA", "dZ"))
    if m > 1 and near(m):
        extra = " (also read as doubled, since m = 2)" if m == 2 else ""
        return f"missing 1/m: {key} is m = {m} times the textbook's; divide by m{extra}"
    if near(2.0):
        return f"doubled: {key} is 2 times the textbook's"
    if m > 1 and near(1.0 / m):
        if course:
            return (
                f"divided by m: {key} is 1/m = 1/{m} of the textbook's. In the course convention "
                "dA[l] and dZ[l] are derivatives of the summed loss; only dW and db carry 1/m"
            )
        return f"divided by m once too often: {key} is 1/m = 1/{m} of the textbook's"
    if near(-1.0):
        return f"sign flipped: {key} is minus the textbook's"
    if near(0.5):
        return f"halved: {key} is half the textbook's"
    if near(0.0):
        return f"{key} is all zeros where the textbook's is not"
    return f"{key} is {r:.6g} times the textbook's"


def _shape_hint(key: str, expected: np.ndarray, got: np.ndarray, tol: tuple) -> str:
    n = expected.shape[0]
    if got.ndim == 1 and expected.shape == (n, 1) and got.shape == (n,):
        return (
            f"missing keepdims=True: {key} has shape {got.shape}, a rank-1 array; use "
            "np.sum(dZ, axis=1, keepdims=True) to keep the shape (n[l], 1)"
        )
    if got.shape == expected.shape[::-1]:
        values = " (the values are right once transposed)" if _close(got.T, expected, *tol) else ""
        return (
            f"transposed: {key} has shape {got.shape}, the transpose of {expected.shape}{values}; "
            "dW[l] has the shape of W[l], (n[l], n[l-1]): dW = dZ A_prev^T / m"
        )
    if got.ndim != 2:
        return f"{key} has {got.ndim} dimensions; the course keeps every array 2-D"
    if got.size == 1 and expected.shape[1] == 1:
        return f"{key} was summed over all axes; sum over the samples only: axis=1, keepdims=True"
    if got.size == expected.size:
        return f"{key} has the right number of entries in the wrong shape; do not reshape it"
    return f"{key} must have shape {expected.shape}"


def _matches(expected: np.ndarray, got_raw: Any, tol: tuple) -> bool:
    try:
        got = np.asarray(got_raw, dtype=np.float64)
    except (TypeError, ValueError):
        return False
    return _close(got, expected, *tol)


#: probe(key, texts) -> the texts whose wrong value ALSO matches your function on a second,
#: separating example (Z with negatives, zeros and positives; distinct dA of both signs)
Probe = Callable[[str, list[str]], list[str]]


def _explain(
    key: str,
    expected: np.ndarray,
    got_raw: Any,
    m: int,
    tol: tuple,
    mutants: Mutants = (),
    probe: Probe | None = None,
) -> list[str]:
    """Lines describing how ``got_raw`` differs from ``expected``, with hints.

    A wrong-derivative hint is shown only when it is the ONLY candidate that reproduces your
    values both on the counterexample and on a separating probe: at Z = 0 (where hypothesis
    shrinks to) several candidates coincide, and the first in a list is not an explanation."""
    try:
        got = np.asarray(got_raw, dtype=np.float64)
    except (TypeError, ValueError):
        return [
            f"{key} differs from the textbook",
            f"  expected: an array of shape {expected.shape}",
            f"  got:      {type(got_raw).__name__} {got_raw!r:.80}",
        ]
    lines = [
        f"{key} differs from the textbook",
        f"  expected shape: {expected.shape}",
        f"  got shape:      {got.shape}",
    ]
    comparable = got.reshape(expected.shape) if got.size == expected.size else None
    if comparable is not None:
        diff = np.abs(comparable - expected)
        if np.isnan(diff).any():
            lines.append("  largest absolute difference: nan (yours contains nan)")
        else:
            at = np.unravel_index(int(np.argmax(diff)), diff.shape)
            after = "" if got.shape == expected.shape else f" (after reshaping to {expected.shape})"
            where = tuple(int(i) for i in at)
            lines.append(f"  largest absolute difference: {diff.max():.6g} at index {where}{after}")
    else:
        lines.append("  largest absolute difference: n/a, the shapes differ")
    hints = []
    if got.shape != expected.shape:
        same = [text for text, value in mutants if _close(got, np.asarray(value), *tol)]
        hints.append(same[0] if len(same) == 1 else _shape_hint(key, expected, got, tol))
    else:
        if expected.shape[0] == expected.shape[1] and _close(got, expected.T, *tol):
            hints.append(f"transposed: {key} equals the transpose of the textbook's")
        ratio = _ratio_hint(key, expected, got, m, tol)
        if ratio:
            hints.append(ratio)
        # a wrong derivative that reproduces got here AND on a separating probe, if only one does
        matching = [text for text, value in mutants if _close(got, value, *tol)]
        if matching and probe is not None:
            matching = probe(key, matching)
        if len(matching) == 1:  # it explains got exactly, where a ratio may be a coincidence
            hints = [h for h in hints if h != ratio] + [matching[0]]
        if not hints and not np.isfinite(got).all():
            hints.append(f"{key} contains nan or inf")
    lines += [f"  hint: {h}" for h in hints]
    lines += [
        f"  expected {key} = {runner.show(expected)}",
        f"  got {key}      = {runner.show(got)}",
    ]
    return lines


#: (key, expected, got, mutants): mutants is a zero-argument callable, evaluated only to explain
Comparison = tuple[str, np.ndarray, Any, Callable[[], Mutants]]


def _no_mutants() -> Mutants:
    return ()


def _mutants_of(mutants: Callable[[], Mapping[str, Mutants]], key: str) -> Callable[[], Mutants]:
    """The mutants of ``key`` alone, computed (by ``mutants``) only when asked for."""
    return lambda: mutants()[key]


def _compare(
    comparisons: list[Comparison],
    m: int,
    tol: tuple,
    describe: Callable[[], list[str]],
    probe: Probe | None = None,
) -> runner.Report | None:
    """None when every ``got`` matches; else a report on the first key that differs (in the
    order given), naming the others, with the counterexample."""
    bad = [c for c in comparisons if not _matches(c[1], c[2], tol)]
    if not bad:
        return None

    def report() -> str:
        key, expected, got, mutants = bad[0]
        lines = _explain(key, expected, got, m, tol, mutants(), probe)
        if len(bad) > 1:
            lines.append(f"  also differ: {', '.join(c[0] for c in bad[1:])}")
        return runner.with_example(lines, describe())

    return report


# ----------------------------------------------------------------------------------------------
# Activation-derivative mutants: the usual ways to get dZ = dA * g'(Z) wrong
# ----------------------------------------------------------------------------------------------


def _dz_mutants(
    activation: str, dA: np.ndarray, Z: np.ndarray, slope: float = tb.LEAKY_SLOPE
) -> list[tuple[str, np.ndarray]]:
    """(description, wrong dZ) pairs for layer activation ``activation``."""
    a = tb.ACTIVATIONS[activation][0](Z)
    out: list[tuple[str, np.ndarray]] = []
    if activation == "relu":
        fix = "relu'(z) is 1 for z > 0 and 0 otherwise: dZ = dA * (Z > 0)"
        out += [
            (f"g'(Z) looks missing (dZ = dA, as if relu'(z) were 1 everywhere); {fix}", dA * 1.0),
            (f"relu'(z) looks like 1 for z < 0; {fix}", dA * (Z != 0)),
            (f"relu'(0) looks like 1; {fix}", dA * (Z >= 0)),
            (f"relu' mask looks inverted; {fix}", dA * (Z <= 0)),
            (f"relu' mask looks taken from dA instead of Z; {fix}", dA * (dA > 0)),
        ]
    elif activation == "leaky_relu":
        out += [
            (f"leaky_relu' looks like plain relu'; it is {slope} for z <= 0", dA * (Z > 0)),
            (f"leaky_relu'(z) looks like 1 for z < 0; it is {slope} there", dA * 1.0),
        ]
    elif activation == "sigmoid":
        out += [
            ("sigmoid' looks computed from Z: use a (1 - a) with a = sigmoid(Z)", dA * Z * (1 - Z)),
            ("sigmoid' looks like a alone; it is a (1 - a)", dA * a),
            ("sigmoid' looks like 1 - a alone; it is a (1 - a)", dA * (1 - a)),
        ]
    elif activation == "tanh":
        out += [
            ("tanh' looks computed from Z: use 1 - a^2 with a = tanh(Z)", dA * (1 - Z**2)),
            ("tanh' looks like 1 - a; it is 1 - a^2", dA * (1 - a)),
        ]
    if activation in ("sigmoid", "tanh", "leaky_relu"):
        out.append(
            (f"g'(Z) looks missing: dZ = dA; multiply by the derivative of {activation}", dA)
        )
    for other in ("relu", "sigmoid", "tanh"):
        if other != activation and activation != "softmax":
            wrong = tb.ACTIVATIONS[other][1](dA, Z)
            out.append(
                (f"looks like the derivative of {other}, but this layer uses {activation}", wrong)
            )
    return out


def _layer_mutants(
    activation: str, dA: np.ndarray, cache: tb.Cache, slope: float = tb.LEAKY_SLOPE
) -> dict[str, list[tuple[str, np.ndarray]]]:
    """Wrong dZ, dW, db, dA_prev that each activation mutant would produce, keyed by role."""
    roles: dict[str, list[tuple[str, np.ndarray]]] = {"dZ": [], "dW": [], "db": [], "dA_prev": []}
    for text, dZ in _dz_mutants(activation, dA, cache[1], slope):
        dA_prev, dW, db = tb.linear_backward(dZ, cache[0])
        for role, value in (("dZ", dZ), ("dW", dW), ("db", db), ("dA_prev", dA_prev)):
            roles[role].append((text, value))
    if activation != "softmax":
        g_backward = tb.ACTIVATIONS[activation][1]
        args = (dA, cache[1], slope) if activation == "leaky_relu" else (dA, cache[1])
        roles["db"] += _linear_mutants(g_backward(*args))["db"]
    return roles


def _linear_mutants(dZ: np.ndarray) -> dict[str, list[tuple[str, np.ndarray]]]:
    """Wrong db of a right dZ: summed over the units (axis 0) instead of the samples."""
    m = dZ.shape[1]
    text = (
        "db looks summed over axis 0 (the n[l] units); sum over the samples instead: "
        "db = np.sum(dZ, axis=1, keepdims=True) / m"
    )
    return {"db": [(text, dZ.sum(axis=0, keepdims=True) / m)]}


# ----------------------------------------------------------------------------------------------
# The checks
# ----------------------------------------------------------------------------------------------


# The separating probe: Z holds negatives, exact zeros and positives, dA distinct values of both
# signs, so that every wrong-derivative candidate gives its own numbers.
_PROBE_Z = np.array([[-1.25, 0.0, 0.75, -0.375], [1.5, -2.0, 0.0, 0.5]])
_PROBE_DA = np.array([[0.875, -0.625, 1.375, -1.125], [0.5, 1.75, -0.25, -0.875]])
_PROBE_A_PREV = np.array([[0.5, -1.0, 0.25, 0.75], [-0.5, 0.375, 1.0, -0.25]])
_PROBE_W = np.array([[0.625, -0.375], [0.25, 0.875]])
_PROBE_B = np.array([[0.125], [-0.25]])


def _layer_probe(
    fn: Callable, activation: str, slope: float, tol: tuple, layout: Callable
) -> Probe:
    """Run ``fn`` on the separating probe; keep the candidates that reproduce it there too."""
    linear_cache = (_PROBE_A_PREV, _PROBE_W, _PROBE_B)
    args = {"dA": _PROBE_DA, "cache": layout(linear_cache, _PROBE_Z), "activation": activation}
    result, problem = _call(fn, args)
    ok = problem is None and isinstance(result, (tuple, list)) and len(result) == 3
    got = dict(zip(_LAYER_KEYS, result, strict=True)) if ok else {}
    table = _layer_mutants(activation, _PROBE_DA, (linear_cache, _PROBE_Z), slope)

    def probe(key: str, texts: list[str]) -> list[str]:
        if key not in got:
            return []
        values = dict(table[key])
        return [t for t in texts if t in values and _matches(values[t], got[key], tol)]

    return probe


def _course_layout(linear_cache: tuple, Z: np.ndarray) -> tuple:
    return (linear_cache, Z)


_RELU0_NOTE = (
    "note: relu'(0) = 1 here; the course uses 0 (both are valid subgradients at the kink: "
    "accepted; strict=True rejects it)"
)
_ACTIVATION_LAYOUT = (
    "the kit passes cache = ((A_prev, W, b), Z), the course's layout; if yours differs, pass "
    "make_cache=lambda linear_cache, Z: <your layout>"
)
_MODEL_LAYOUT = (
    "the kit passes caches as the course's list of L tuples ((A_prev, W, b), Z), caches[l-1] "
    "for layer l; if yours differ, pass your own forward: forward=your_L_model_forward"
)


_GRID = 8  # values are k/8 for k = -8..8: short to print, and every bug below still shows


def _grid(raw: bytes) -> np.ndarray:
    """Bytes to values k/8 in [-1, 1]; byte 0 is 0.0, so shrinking goes towards zeros."""
    k = np.frombuffer(raw, dtype=np.uint8).astype(np.int64) % (2 * _GRID + 1)
    return np.where(k % 2 == 0, k // 2, -(k + 1) // 2) / _GRID


_BLOB = 4 * max(4, *M_VALUES)  # bytes per array: enough for any shape the checks draw


@st.composite
def _grid_arrays(draw: st.DrawFn, shapes: dict[str, tuple[int, int]]) -> dict[str, np.ndarray]:
    """Arrays of the given shapes, each drawn as ONE hypothesis choice of ``_BLOB`` bytes.

    Drawing element by element costs about 0.1 ms per entry, and shrinking repeats it hundreds
    of times. The fixed size keeps the choices aligned when the shrinker removes a layer or a
    unit, so that it can still make the network small.
    """
    out = {}
    for name, (rows, cols) in shapes.items():
        raw = draw(st.binary(min_size=_BLOB, max_size=_BLOB))
        out[name] = _grid(raw[: rows * cols]).reshape(rows, cols)
    return out


@st.composite
def _layer_examples(draw: st.DrawFn, with_Z: bool) -> dict[str, np.ndarray]:
    """One layer: dZ, or dA and Z, ``(n[l], m)``; A_prev ``(n[l-1], m)``; W; b."""
    n_prev, n, m = draw(_UNITS), draw(_UNITS), draw(_MS)
    upstream = "dA" if with_Z else "dZ"
    shapes = {upstream: (n, m), "A_prev": (n_prev, m), "W": (n, n_prev), "b": (n, 1)}
    if with_Z:
        shapes["Z"] = (n, m)
    ex = draw(_grid_arrays(shapes))
    if with_Z:
        ex["Z"] *= 2.0  # Z in [-2, 2]: sigmoid and tanh away from their linear middle
    return ex


@st.composite
def _networks(draw: st.DrawFn, max_layers: int) -> tuple[list[int], dict, np.ndarray, np.ndarray]:
    """(layer_dims, params, X, Y) with ``|W[l]| <= 1/n[l-1]`` so that AL never saturates."""
    dims = draw(st.lists(_UNITS, min_size=2, max_size=max_layers + 1))
    m = draw(_MS)
    shapes = {}
    for l in range(1, len(dims)):
        shapes[f"W{l}"] = (dims[l], dims[l - 1])
        shapes[f"b{l}"] = (dims[l], 1)
    arrays = draw(_grid_arrays({**shapes, "X": (dims[0], m), "Y": (dims[-1], m)}))
    params = {key: arrays[key] for key in shapes}
    for l in range(1, len(dims)):
        params[f"W{l}"] /= dims[l - 1]
    return dims, params, arrays["X"], (arrays["Y"] > 0).astype(np.float64)


_LAYER_KEYS = ("dA_prev", "dW", "db")


def _compare_layer(
    fn: Callable,
    args: dict[str, Any],
    expected: tuple[np.ndarray, ...],
    tol: tuple,
    describe: Callable[[], list[str]],
    mutants: Callable[[], Mapping[str, Mutants]] | None = None,
    probe: Callable[[], Probe] | None = None,
    layout_help: str = "",
    also_ok: tuple[np.ndarray, ...] | None = None,
    accepted: list | None = None,
) -> runner.Report | None:
    """Call ``fn(*args)`` and compare its ``(dA_prev, dW, db)`` with ``expected``; a result
    equal to ``also_ok`` (another valid convention) is accepted and noted in ``accepted``."""
    result, problem = _call(fn, args)
    if problem is None and not (isinstance(result, (tuple, list)) and len(result) == 3):
        problem = f"your function must return (dA_prev, dW, db), got {type(result).__name__}"
    if problem is not None:
        lines = [problem]
        if layout_help and problem.startswith("your function raised"):
            lines.append(f"  {layout_help}")
        return runner.problem(lines, describe)
    if also_ok is not None and all(
        _matches(want, got, tol) for want, got in zip(also_ok, result, strict=True)
    ):
        exact = all(_matches(w, g, tol) for w, g in zip(expected, result, strict=True))
        if not exact and accepted is not None:
            accepted.append(True)
        return None
    want = dict(zip(_LAYER_KEYS, expected, strict=True))
    got = dict(zip(_LAYER_KEYS, result, strict=True))
    comparisons: list[Comparison] = [
        (key, want[key], got[key], _mutants_of(mutants, key) if mutants else _no_mutants)
        for key in ("dW", "db", "dA_prev")
    ]
    lazy = (lambda key, texts: probe()(key, texts)) if probe else None
    return _compare(comparisons, want["dA_prev"].shape[1], tol, describe, lazy)


def check_linear_backward(
    fn: Callable, *, max_examples: int = 25, rtol: float = 1e-6, atol: float = 1e-9
) -> None:
    """Check ``fn(dZ, linear_cache) -> (dA_prev, dW, db)`` against ``textbook.linear_backward``.

    ``dZ`` is ``(n[l], m)`` and ``linear_cache = (A_prev, W, b)`` with ``A_prev``
    ``(n[l-1], m)``, ``W`` ``(n[l], n[l-1])``, ``b`` ``(n[l], 1)``. Raises AssertionError on the
    first (shrunk) disagreement; returns None otherwise.
    """

    def compare(ex: dict[str, np.ndarray]) -> runner.Report | None:
        dZ, A_prev, W, b = ex["dZ"], ex["A_prev"], ex["W"], ex["b"]

        def describe() -> list[str]:
            head = f"n[l] = {W.shape[0]}, n[l-1] = {W.shape[1]}, m = {dZ.shape[1]}"
            return [head, *runner.arrays(dZ=dZ, A_prev=A_prev, W=W, b=b)]

        expected = tb.linear_backward(dZ, (A_prev, W, b))
        args = {"dZ": dZ, "linear_cache": (A_prev, W, b)}
        mutants = {"db": _linear_mutants(dZ)["db"], "dW": [], "dA_prev": []}
        return _compare_layer(fn, args, expected, (rtol, atol), describe, lambda: mutants)

    runner.run("check_linear_backward", _layer_examples(with_Z=False), compare, max_examples)


def check_activation_backward(
    fn: Callable,
    activation: str,
    *,
    max_examples: int = 25,
    slope: float = tb.LEAKY_SLOPE,
    rtol: float = 1e-6,
    atol: float = 1e-9,
    strict: bool = False,
    make_cache: Callable[[tuple, np.ndarray], Any] | None = None,
) -> None:
    """Check ``fn(dA, cache, activation) -> (dA_prev, dW, db)`` against
    ``textbook.linear_activation_backward``.

    ``dA`` is ``(n[l], m)`` and ``cache = ((A_prev, W, b), Z)`` with ``Z`` ``(n[l], m)``, drawn
    independently of the rest like the course's hand-built test cases. ``activation`` is passed
    to ``fn`` as given (``"relu"``, ``"sigmoid"``, ``"tanh"``, ``"leaky_relu"``, ...); ``slope``
    is the leaky_relu slope your function uses.

    relu'(0): the course uses 0; ``dZ[Z < 0] = 0`` (relu'(0) = 1) is another valid subgradient,
    accepted by default with a one-line note; ``strict=True`` rejects it. ``make_cache(
    linear_cache, Z)`` builds the cache your function expects, if not the course's layout.
    """
    tb.dense._activation(activation)
    layout = make_cache or _course_layout
    tol = (rtol, atol)
    accepted: list[bool] = []

    def compare(ex: dict[str, np.ndarray]) -> runner.Report | None:
        dA, Z, A_prev, W, b = ex["dA"], ex["Z"], ex["A_prev"], ex["W"], ex["b"]
        cache = ((A_prev, W, b), Z)

        def describe() -> list[str]:
            head = (
                f"activation = {activation!r}, n[l] = {Z.shape[0]}, n[l-1] = {W.shape[1]}, "
                f"m = {Z.shape[1]}"
            )
            return [head, *runner.arrays(dA=dA, Z=Z, A_prev=A_prev, W=W, b=b)]

        expected = tb.linear_activation_backward(dA, cache, activation, slope=slope)
        also_ok = None
        if activation == "relu" and not strict:
            also_ok = tb.linear_backward(dA * (Z >= 0), cache[0])
        args = {"dA": dA, "cache": layout(*cache), "activation": activation}
        mutants = functools.cache(lambda: _layer_mutants(activation, dA, cache, slope=slope))
        probe = functools.cache(lambda: _layer_probe(fn, activation, slope, tol, layout))
        return _compare_layer(
            fn, args, expected, tol, describe, mutants, probe, _ACTIVATION_LAYOUT, also_ok, accepted
        )

    examples = _layer_examples(with_Z=True)
    runner.run(f"check_activation_backward({activation!r})", examples, compare, max_examples)
    if accepted:
        print(_RELU0_NOTE)


def _model_backward_relu0_is_1(AL: np.ndarray, Y: np.ndarray, caches: list) -> dict:
    """The course's L_model_backward (relu hidden layers, sigmoid output) with relu'(0) = 1."""
    L = len(caches)
    grads: dict[str, np.ndarray] = {}
    dZ, dA = AL - Y, None
    for l in range(L, 0, -1):
        linear_cache, Z = caches[l - 1]
        if l < L:
            dZ = dA * (Z >= 0)  # dA: dA[l], from the layer above
        dA, dW, db = tb.linear_backward(dZ, linear_cache)
        grads.update({f"dZ{l}": dZ, f"dW{l}": dW, f"db{l}": db, f"dA{l - 1}": dA})
    return grads


def _model_mutants(names: list[str], dAs: dict, caches: list, expected: dict) -> dict:
    """key -> [(text, wrong value)]: the layer mutants of every layer, and dA[l] edited in
    place by a relu backward (dZ = dA; dZ[Z <= 0] = 0 zeroes the caller's dA too)."""
    L = len(caches)
    out: dict[str, list] = {}
    for l in range(L, 0, -1):
        roles = _layer_mutants(names[l - 1], dAs[l], caches[l - 1])
        for key, role in ((f"dZ{l}", "dZ"), (f"dW{l}", "dW"), (f"db{l}", "db")):
            out[key] = roles[role]
        out[f"dA{l - 1}"] = list(roles["dA_prev"])
        if l > 1 and names[l - 2] == "relu":
            Z = caches[l - 2][1]
            out[f"dA{l - 1}"].append(
                (
                    f"dA{l - 1} looks multiplied by relu'(Z{l - 1}): edited in place by your relu "
                    "backward (dZ = dA; dZ[Z <= 0] = 0 also zeroes dA); copy first: "
                    "dZ = np.array(dA, copy=True)",
                    expected[f"dA{l - 1}"] * (Z > 0),
                )
            )
    return out


def check_model_backward(
    fn: Callable,
    *,
    max_examples: int = 25,
    max_layers: int = 4,
    rtol: float = 1e-6,
    atol: float = 1e-9,
    strict: bool = False,
    forward: Callable | None = None,
) -> None:
    """Check ``fn(AL, Y, caches) -> grads`` against ``textbook.model_backward``.

    The networks have relu hidden layers and a sigmoid output, like the course's
    ``L_model_backward``; ``caches`` come from ``textbook.model_forward``, a list of L caches
    ``((A[l-1], W[l], b[l]), Z[l])``, or from ``forward(X, params) -> (AL, caches)`` when you
    pass your own forward (your cache layout). ``grads`` must hold ``dA0 .. dA{L-1}``,
    ``dW1 .. dWL``, ``db1 .. dbL``; ``dZ1 .. dZL`` are compared too when present. Missing keys
    are reported. Keys are compared in the order backprop computes them (``dZ{L}, dW{L},
    db{L}, dA{L-1}``, then layer L-1, ...), and the first that differs is explained.
    relu'(0) = 1 is accepted with a note unless ``strict=True`` (see
    :func:`check_activation_backward`).
    """
    tol = (rtol, atol)
    accepted: list[bool] = []

    def run(X: np.ndarray, params: dict, Y: np.ndarray) -> tuple:
        """(AL, course caches, the caches given to fn, problem)."""
        AL, caches = tb.model_forward(X, params)
        given = caches
        if forward is not None:
            out, problem = _call(forward, {"X": X, "params": params})
            if problem is not None:
                return AL, caches, None, f"your forward: {problem}"
            if not (isinstance(out, (tuple, list)) and len(out) == 2):
                return AL, caches, None, "your forward must return (AL, caches)"
            if not _matches(AL, out[0], tol):
                return (
                    AL,
                    caches,
                    None,
                    (
                        "your forward's AL differs from the textbook's: check it first with "
                        "check_model_forward"
                    ),
                )
            given = out[1]
        return AL, caches, given, None

    def compare(ex: tuple) -> runner.Report | None:
        dims, params, X, Y = ex
        L = len(dims) - 1
        names = ["relu"] * (L - 1) + ["sigmoid"]
        AL, caches, given, problem = run(X, params, Y)
        m = AL.shape[1]

        def describe() -> list[str]:
            head = f"layer_dims = {dims}, activations = {names}, m = {m}"
            Zs = {f"Z{l}": Z for l, (_, Z) in enumerate(caches, start=1)}
            return [head, *runner.arrays(X=X, Y=Y, **params, **Zs, AL=AL)]

        if problem is not None:
            return runner.problem([problem], describe)
        expected = tb.model_backward(AL, Y, caches)
        grads, problem = _call(fn, {"AL": AL, "Y": Y, "caches": given})
        if problem is None and not isinstance(grads, dict):
            problem = f"your function must return a dict of gradients, got {type(grads).__name__}"
        if problem is not None:
            lines = [problem]
            if problem.startswith("your function raised") and forward is None:
                lines.append(f"  {_MODEL_LAYOUT}")
            return runner.problem(lines, describe)
        missing = [k for k in expected if not k.startswith("dZ") and k not in grads]
        if missing:
            lines = [
                f"missing key(s) {', '.join(missing)} in the returned grads",
                f"  got keys: {sorted(grads)}",
                f"  expected keys dA0..dA{L - 1}, dW1..dW{L}, db1..db{L}",
            ]
            return runner.problem(lines, describe)
        keys = [k for k in expected if k in grads]
        if not strict:
            alt = _model_backward_relu0_is_1(AL, Y, caches)
            if all(_matches(alt[k], grads[k], tol) for k in keys):
                if not all(_matches(expected[k], grads[k], tol) for k in keys):
                    accepted.append(True)
                return None
        dAs = {L: -(Y / AL - (1 - Y) / (1 - AL))} | {l: expected[f"dA{l}"] for l in range(L)}
        mutants = functools.cache(lambda: _model_mutants(names, dAs, caches, expected))
        comparisons: list[Comparison] = []
        for l in range(L, 0, -1):
            for key in (f"dZ{l}", f"dW{l}", f"db{l}", f"dA{l - 1}"):
                if key in grads:
                    comparisons.append((key, expected[key], grads[key], _mutants_of(mutants, key)))
        probe = functools.cache(lambda: _model_probe(fn, dims, tol, run))
        return _compare(comparisons, m, tol, describe, lambda k, t: probe()(k, t))

    runner.run("check_model_backward", _networks(max_layers), compare, max_examples)
    if accepted:
        print(_RELU0_NOTE)


def _model_probe(fn: Callable, dims: list[int], tol: tuple, run: Callable) -> Probe:
    """``fn`` on a separating network of the same depth: units at least 2, m = 4, b = 0 and a
    zero column in X (so every layer has pre-activations exactly at 0, and others of both
    signs)."""
    dims = [max(2, n) for n in dims[:-1]] + [dims[-1]]
    rng = np.random.default_rng(7)
    L = len(dims) - 1
    params = {}
    for l in range(1, L + 1):
        params[f"W{l}"] = np.round(rng.standard_normal((dims[l], dims[l - 1])) * 8) / 8
        params[f"b{l}"] = np.zeros((dims[l], 1))
    X = np.round(rng.standard_normal((dims[0], 4)) * 8) / 8
    X[:, 1] = 0.0
    Y = np.array([[1.0, 0.0, 1.0, 0.0]] * dims[-1])
    AL, caches, given, problem = run(X, params, Y)
    grads, bad = (None, problem) if problem else _call(fn, {"AL": AL, "Y": Y, "caches": given})
    if bad is not None or not isinstance(grads, dict):
        return lambda key, texts: []
    names = ["relu"] * (L - 1) + ["sigmoid"]
    expected = tb.model_backward(AL, Y, caches)
    dAs = {L: -(Y / AL - (1 - Y) / (1 - AL))} | {l: expected[f"dA{l}"] for l in range(L)}
    table = _model_mutants(names, dAs, caches, expected)

    def probe(key: str, texts: list[str]) -> list[str]:
        if key not in grads or key not in table:
            return []
        values = dict(table[key])
        return [t for t in texts if t in values and _matches(values[t], grads[key], tol)]

    return probe


def check_model_forward(
    fn: Callable,
    *,
    max_examples: int = 25,
    max_layers: int = 4,
    rtol: float = 1e-6,
    atol: float = 1e-9,
) -> None:
    """Check ``fn(X, params) -> (AL, caches)`` against ``textbook.model_forward``.

    The networks have relu hidden layers and a sigmoid output, like the course's
    ``L_model_forward``. ``caches[l-1]`` must be ``((A[l-1], W[l], b[l]), Z[l])``; each of its
    arrays is compared (as ``A{l-1}``, ``W{l}``, ``b{l}``, ``Z{l}``), then ``AL``.
    """

    def compare(ex: tuple) -> runner.Report | None:
        dims, params, X, _ = ex
        L = len(dims) - 1
        names = ["relu"] * (L - 1) + ["sigmoid"]
        m = X.shape[1]

        def describe() -> list[str]:
            head = f"layer_dims = {dims}, activations = {names}, m = {m}"
            return [head, *runner.arrays(X=X, **params)]

        AL, caches = tb.model_forward(X, params)
        result, problem = _call(fn, {"X": X, "params": params})
        ok = isinstance(result, (tuple, list)) and len(result) == 2
        if problem is None and not ok:
            problem = f"your function must return (AL, caches), got {type(result).__name__}"
        if problem is not None:
            return runner.problem([problem], describe)
        got_AL, got_caches = result
        if not isinstance(got_caches, (list, tuple)) or len(got_caches) != L:
            size = len(got_caches) if isinstance(got_caches, (list, tuple)) else "no"
            return runner.problem(
                [f"caches must be a list of L = {L} caches, got {size} entries"], describe
            )
        comparisons = _forward_comparisons(X, names, AL, caches, got_AL, got_caches)
        if isinstance(comparisons, str):
            return runner.problem([comparisons], describe)
        probe = functools.cache(lambda: _forward_probe(fn, dims, (rtol, atol)))
        return _compare(comparisons, m, (rtol, atol), describe, lambda k, t: probe()(k, t))

    runner.run("check_model_forward", _networks(max_layers), compare, max_examples)


def _forward_comparisons(
    X: np.ndarray, names: list[str], AL: np.ndarray, caches: list, got_AL: Any, got_caches: Any
) -> list[Comparison] | str:
    """A[l-1], W[l], b[l], Z[l] of every cache, then AL, with their mutants; or a problem."""
    comparisons: list[Comparison] = []
    for l in range(1, len(caches) + 1):
        (A_prev, W, b), Z = caches[l - 1]
        try:
            (g_A_prev, g_W, g_b), g_Z = got_caches[l - 1]
        except (TypeError, ValueError):
            return f"caches[{l - 1}] must have the course layout ((A_prev, W, b), Z)"
        comparisons += [
            (f"A{l - 1}", A_prev, g_A_prev, functools.partial(_a_mutants, l, names, caches)),
            (f"W{l}", W, g_W, _no_mutants),
            (f"b{l}", b, g_b, _no_mutants),
            (f"Z{l}", Z, g_Z, functools.partial(_z_mutants, l, X, caches, names)),
        ]
    AL_mutants = functools.partial(_activation_mutants, "AL", names[-1], caches[-1][1])
    comparisons.append(("AL", AL, got_AL, AL_mutants))
    return comparisons


def _forward_probe(fn: Callable, dims: list[int], tol: tuple) -> Probe:
    """``fn`` on a separating network (units >= 2, m = 4, values of both signs and zeros)."""
    dims = [max(2, n) for n in dims]
    rng = np.random.default_rng(11)
    L = len(dims) - 1
    params = {}
    for l in range(1, L + 1):
        params[f"W{l}"] = np.round(rng.standard_normal((dims[l], dims[l - 1])) * 8) / 8
        params[f"b{l}"] = np.round(rng.standard_normal((dims[l], 1)) * 8) / 8
    X = np.round(rng.standard_normal((dims[0], 4)) * 8) / 8
    names = ["relu"] * (L - 1) + ["sigmoid"]
    AL, caches = tb.model_forward(X, params)
    result, problem = _call(fn, {"X": X, "params": params})
    if problem is not None or not (isinstance(result, (tuple, list)) and len(result) == 2):
        return lambda key, texts: []
    table = _forward_comparisons(X, names, AL, caches, *result)
    if isinstance(table, str) or len(result[1]) != L:
        return lambda key, texts: []
    by_key = {key: (got, mutants) for key, _, got, mutants in table}

    def probe(key: str, texts: list[str]) -> list[str]:
        if key not in by_key:
            return []
        got, mutants = by_key[key]
        values = dict(mutants())
        return [t for t in texts if t in values and _matches(values[t], got, tol)]

    return probe


def _activation_mutants(key: str, activation: str, Z: np.ndarray) -> Mutants:
    """``key`` computed with another activation than ``activation``."""
    out = []
    for other, (g, _) in tb.ACTIVATIONS.items():
        if other != activation:
            looks = "Z itself, with no activation" if other == "linear" else f"{other}(Z)"
            out.append((f"{key} looks like {looks}, but this layer uses {activation}", g(Z)))
    return out


def _a_mutants(l: int, names: list[str], caches: list) -> Mutants:
    """Wrong A[l-1] in layer l's cache: another activation of Z[l-1]."""
    return _activation_mutants(f"A{l - 1}", names[l - 2], caches[l - 2][1]) if l > 1 else ()


def _z_mutants(l: int, X: np.ndarray, caches: list, names: list[str]) -> Mutants:
    """Wrong Z[l]: without b[l], computed from X instead of A[l-1], or A[l] cached for Z[l]."""
    (A_prev, W, b), Z = caches[l - 1]
    out = [(f"Z{l} looks like W[{l}] A[{l - 1}] without + b[{l}]", W @ A_prev)]
    out.append(
        (
            f"Z{l} looks like A{l} = {names[l - 1]}(Z{l}): the cache must hold Z[{l}], the "
            "pre-activation, which the backward pass needs for g'(Z)",
            tb.ACTIVATIONS[names[l - 1]][0](Z),
        )
    )
    if l > 1 and W.shape[1] == X.shape[0]:
        out.append(
            (f"Z{l} looks like W[{l}] X + b[{l}]: feed A[{l - 1}] forward, not X", W @ X + b)
        )
    return out
