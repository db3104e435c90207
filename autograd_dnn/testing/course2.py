"""Check YOUR Course 2 functions (dropout, L2, batch norm, optimizers) against the textbook.

Each ``check_*`` draws small cases with hypothesis, calls your function and
:mod:`autograd_dnn.textbook` on the same inputs and returns None when they agree on every
example. On a disagreement it raises one ``AssertionError`` naming the first key that differs
(``dA2``, ``dW1``, ``D1``, ``dZ``, ``v_corrected["dW1"]``, ...), the expected and actual shapes,
the largest difference, a hint when the difference is a known mistake (mask not applied in
backward, missing ``/ keep_prob``, a mask redrawn in backward, ``lambd / 2m`` for
``lambd / m``, batch norm without its ``- mean(dZ_norm * Z_norm)`` term, a variance with
``1 / (m - 1)``, Adam's bias correction with t counted from 0, ...) and the shrunk
counterexample::

    from autograd_dnn.testing import course2
    course2.check_dropout_backward(backward_propagation_with_dropout)
    course2.check_update_parameters(update_parameters_with_adam, kind="adam")

The functions are called with the course's signatures:

- ``forward_propagation_with_dropout(X, parameters, keep_prob) -> (AL, cache)`` (it seeds
  itself, with 1 as the course does; pass ``seed=`` to the check for another);
- ``backward_propagation_with_dropout(X, Y, cache, keep_prob) -> gradients``;
- ``backward_propagation_with_regularization(X, Y, cache, lambd) -> gradients``;
- ``batchnorm_backward(dZ_tilde, cache) -> (dZ, dgamma, dbeta)`` (and optionally your
  ``batchnorm_forward(Z, gamma, beta, eps) -> (Z_tilde, cache)``);
- the optimizers of :func:`check_update_parameters`.

Caches are the course's flat tuples (``(Z1, D1, A1, W1, b1, ..., ZL, AL, WL, bL)`` with
dropout, ``(Z1, A1, W1, b1, ...)`` without); the course writes its functions for L = 3, so
pass ``L=3`` to check those; by default L is drawn from 2 to 4. The course's factor m holds:
``dA``, ``dZ`` are derivatives of the summed loss, ``dW``, ``db`` of the cost.

The checks are deterministic (``derandomize=True``) and write nothing to disk. Batch sizes are
at least 3, so that a missing 1/m and a doubled gradient cannot be mistaken for each other.
"""

from __future__ import annotations

import copy
import functools
import traceback
from collections.abc import Callable, Sequence
from typing import Any

import numpy as np
from hypothesis import strategies as st

from autograd_dnn import textbook as tb
from autograd_dnn.testing import runner

__all__ = [
    "UPDATE_KINDS",
    "check_batchnorm_backward",
    "check_dropout_backward",
    "check_dropout_forward",
    "check_regularization_backward",
    "check_update_parameters",
]

#: the optimizers :func:`check_update_parameters` knows, with the signature it calls
UPDATE_KINDS = {
    "gd": "update_parameters_with_gd(parameters, grads, learning_rate) -> parameters",
    "momentum": "update_parameters_with_momentum(parameters, grads, v, beta, learning_rate) "
    "-> (parameters, v)",
    "rmsprop": "update_parameters_with_rmsprop(parameters, grads, s, beta2, learning_rate, "
    "epsilon) -> (parameters, s)",
    "adam": "update_parameters_with_adam(parameters, grads, v, s, t, learning_rate, beta1, "
    "beta2, epsilon) -> (parameters, v, s, v_corrected, s_corrected) or (parameters, v, s)",
}

#: (hint, the value that mistake would give, or a predicate on the learner's value)
Mutants = list[tuple[str, Any]]
#: (key, expected, got, mutants): mutants is evaluated only to explain a difference
Comparison = tuple[str, np.ndarray, Any, Callable[[], Mutants]]

_TOL = (1e-6, 1e-9)


# ----------------------------------------------------------------------------------------------
# Running a check and comparing arrays
# ----------------------------------------------------------------------------------------------


def _call(fn: Callable, args: Sequence[Any], watch: bool = True) -> tuple[Any, str | None]:
    """``fn(*args)`` on deep copies; (result, problem) where problem names an exception, or an
    input array the function modified in place (when ``watch``)."""
    copies = copy.deepcopy(list(args))
    try:
        with np.errstate(all="ignore"):
            result = fn(*copies)
    except Exception as exc:  # the learner's bug, reported with its place
        frame = traceback.extract_tb(exc.__traceback__)[-1]
        what = "".join(traceback.format_exception_only(type(exc), exc)).strip()
        return None, f"your function raised {what}\n  at {frame.filename}:{frame.lineno}"
    if watch and not all(runner.same(a, c) for a, c in zip(args, copies, strict=True)):
        return result, (
            "your function modified one of its input arrays in place; copy before editing "
            "(e.g. dA = dA * D, not dA *= D), since the caller may still need it"
        )
    return result, None


def _as_array(x: Any) -> np.ndarray | None:
    try:
        return np.asarray(x, dtype=np.float64)
    except (TypeError, ValueError):
        return None


def _close(a: Any, b: Any) -> bool:
    a, b = _as_array(a), _as_array(b)
    if a is None or b is None or a.shape != b.shape:
        return False
    return bool(np.allclose(a, b, rtol=_TOL[0], atol=_TOL[1], equal_nan=True))


def _fits(got: np.ndarray, mutant: Any) -> bool:
    """Whether a mutant explains ``got``: a value close to it, or a predicate true of it."""
    return bool(mutant(got)) if callable(mutant) else _close(got, mutant)


def _ratio_hint(key: str, expected: np.ndarray, got: np.ndarray, m: int | None) -> str | None:
    """Name a constant factor between got and expected, if there is one."""
    big = np.abs(expected) > 1e-12
    if not big.any() or not np.isfinite(got).all():
        return None
    r = float(np.median(got[big] / expected[big]))
    if not np.allclose(got, r * expected, rtol=_TOL[0], atol=_TOL[1]):
        return None
    named = {2.0: "doubled", 0.5: "halved", -1.0: "sign flipped", 0.0: "all zeros"}
    if m is not None and m > 1:
        named |= {float(m): f"missing 1/m (m = {m})", 1.0 / m: f"divided by m = {m} once too often"}
    for value, text in named.items():
        if abs(r - value) <= 1e-6 * max(1.0, abs(value)):
            return f"{text}: {key} is {r:.6g} times the textbook's"
    return f"{key} is {r:.6g} times the textbook's"


def _explain(key: str, expected: np.ndarray, got_raw: Any, m: int | None, mutants: Mutants):
    got = _as_array(got_raw)
    if got is None:
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
    hints: list[str] = []
    if got.shape == expected.shape:
        diff = np.abs(got - expected)
        if np.isnan(diff).any():
            lines.append("  largest absolute difference: nan (yours contains nan)")
        else:
            worst = tuple(int(i) for i in np.unravel_index(int(np.argmax(diff)), diff.shape))
            lines.append(f"  largest absolute difference: {diff.max():.6g} at index {worst}")
        hints += [text for text, value in mutants if _fits(got, value)][:1]
        if not hints:
            ratio = _ratio_hint(key, expected, got, m)
            hints += [ratio] if ratio else []
        if not hints and not np.isfinite(got).all():
            hints.append(f"{key} contains nan or inf")
    elif got.ndim == 1 and expected.shape == (got.shape[0], 1):
        hints.append(
            f"missing keepdims=True: {key} has shape {got.shape}, a rank-1 array; sum with "
            "axis=1, keepdims=True to keep the shape (n[l], 1)"
        )
    elif got.shape == expected.shape[::-1]:
        hints.append(f"transposed: {key} has shape {got.shape}, the transpose of {expected.shape}")
    else:
        hints.append(f"{key} must have shape {expected.shape}")
    lines += [f"  hint: {h}" for h in hints]
    lines += [
        f"  expected {key} = {runner.show(expected)}",
        f"  got {key}      = {runner.show(got)}",
    ]
    return lines


def _compare(
    comparisons: list[Comparison], m: int | None, describe: Callable[[], list[str]]
) -> runner.Report | None:
    """None when every ``got`` matches; else a report on the first key that differs."""
    bad = [c for c in comparisons if not _close(c[2], c[1])]
    if not bad:
        return None

    def report() -> str:
        key, expected, got, mutants = bad[0]
        lines = _explain(key, np.asarray(expected, dtype=np.float64), got, m, mutants())
        if len(bad) > 1:
            lines.append(f"  also differ: {', '.join(c[0] for c in bad[1:])}")
        return runner.with_example(lines, describe())

    return report


def _no_mutants() -> Mutants:
    return []


# ----------------------------------------------------------------------------------------------
# Drawn networks
# ----------------------------------------------------------------------------------------------

_MS = st.sampled_from((3, 4, 5))
_KEEP = st.sampled_from((0.8, 0.7, 0.6))


@st.composite
def _networks(draw: st.DrawFn, L: int | None, max_layers: int = 4) -> dict[str, Any]:
    """A relu/sigmoid network: dims, parameters, X, Y; hidden units active about half the time."""
    layers = L if L is not None else draw(st.integers(2, max_layers))
    dims = [draw(st.integers(1, 4)) for _ in range(layers)] + [1]
    m = draw(_MS)
    rng = np.random.RandomState(draw(st.integers(0, 2**16)))
    params = {}
    for l in range(1, layers + 1):
        params[f"W{l}"] = np.round(rng.randn(dims[l], dims[l - 1]), 2)
        params[f"b{l}"] = np.round(rng.randn(dims[l], 1) * 0.5, 2)
    X = np.round(rng.randn(dims[0], m), 2)
    Y = (rng.rand(1, m) > 0.5).astype(np.float64)
    return {"dims": dims, "params": params, "X": X, "Y": Y, "m": m, "L": layers}


def _describe_net(net: dict[str, Any], **extra: Any) -> Callable[[], list[str]]:
    def describe() -> list[str]:
        head = f"layer_dims = {net['dims']}, m = {net['m']}" + "".join(
            f", {k} = {v!r}" for k, v in extra.items()
        )
        return [head, *runner.arrays(X=net["X"], Y=net["Y"], **net["params"])]

    return describe


def _course_keys(L: int) -> list[str]:
    """The course's gradient keys in the order backprop computes them."""
    keys = []
    for l in range(L, 0, -1):
        keys += [f"dZ{l}", f"dW{l}", f"db{l}"] + ([f"dA{l - 1}"] if l > 1 else [])
    return keys


def _compare_grads(
    grads: Any,
    expected: dict[str, np.ndarray],
    m: int,
    describe: Callable[[], list[str]],
    mutants: Callable[[str], Mutants],
) -> runner.Report | None:
    """Compare a learner's gradient dict with the textbook's, key by key in backprop order."""
    if not isinstance(grads, dict):
        return runner.problem(
            [f"your function must return a dict, got {type(grads).__name__}"], describe
        )
    L = max(int(k[2:]) for k in expected if k.startswith("dW"))
    needed = [k for k in _course_keys(L) if not k.startswith("dZ")]
    missing = [k for k in needed if k not in grads]
    if missing:
        lines = [
            f"missing key(s) {', '.join(missing)} in the returned gradients",
            f"  got keys: {sorted(grads)}",
            f"  expected keys dW1..dW{L}, db1..db{L}, dA1..dA{L - 1} (dZ1..dZ{L} optional)",
        ]
        return runner.problem(lines, describe)
    comparisons: list[Comparison] = [
        (key, expected[key], grads[key], functools.partial(mutants, key))
        for key in _course_keys(L)
        if key in grads
    ]
    return _compare(comparisons, m, describe)


def _linear_mutants(key: str, dZ: np.ndarray, A_prev: np.ndarray, m: int) -> Mutants:
    if key.startswith("dW"):
        return [(f"{key} looks missing its 1/m: dW[l] = (1/m) dZ[l] A[l-1]^T", dZ @ A_prev.T)]
    return [
        (f"{key} looks missing its 1/m: db[l] = (1/m) sum(dZ[l], axis=1)", dZ.sum(1, keepdims=True))
    ]


# ----------------------------------------------------------------------------------------------
# Dropout
# ----------------------------------------------------------------------------------------------


def check_dropout_forward(
    fn: Callable,
    *,
    L: int | None = None,
    seed: int = 1,
    max_examples: int = 25,
) -> None:
    """Check ``fn(X, parameters, keep_prob) -> (AL, cache)`` against
    ``textbook.forward_propagation_with_dropout(X, parameters, keep_prob, seed)``.

    Your function seeds numpy itself (the course calls ``np.random.seed(1)``; give ``seed`` if
    yours uses another) and draws ``D[l] = np.random.rand(*A[l].shape) < keep_prob`` right
    after each hidden ``A[l]``, in order. The cache must be the flat course tuple
    ``(Z1, D1, A1, W1, b1, ..., ZL, AL, WL, bL)``; its Z, D and A entries are compared, then
    AL. ``L`` fixes the number of layers (3 for the course's function).
    """

    def compare(ex: tuple[dict[str, Any], float]) -> runner.Report | None:
        net, kp = ex
        X, params, Lnet = net["X"], net["params"], net["L"]
        describe = _describe_net(net, keep_prob=kp)
        AL, cache = tb.forward_propagation_with_dropout(X, params, kp, seed)
        result, problem = _call(fn, [X, params, kp])
        if problem is None and not (isinstance(result, (tuple, list)) and len(result) == 2):
            problem = f"your function must return (AL, cache), got {type(result).__name__}"
        if problem is not None:
            return runner.problem([problem], describe)
        got_AL, got_cache = result
        if not isinstance(got_cache, (tuple, list)) or len(got_cache) != len(cache):
            size = len(got_cache) if isinstance(got_cache, (tuple, list)) else "no"
            return runner.problem(
                [
                    f"cache must be the flat course tuple (Z1, D1, A1, W1, b1, ..., ZL, AL, WL, "
                    f"bL) with 5L - 1 = {len(cache)} entries for L = {Lnet}; got {size} entries"
                ],
                describe,
            )
        comparisons: list[Comparison] = []
        i = 0
        for l in range(1, Lnet + 1):
            names = ("Z", "D", "A", "W", "b") if l < Lnet else ("Z", "A", "W", "b")
            for name in names:
                if name in "ZDA" and not (l == Lnet and name == "A"):
                    mutants = _forward_mutants_for(name, l, X, params, kp, seed, cache)
                    comparisons.append((f"{name}{l}", cache[i], got_cache[i], mutants))
                i += 1
        Z_L = cache[-4]
        comparisons.append(("AL", AL, got_AL, lambda: _output_mutants(Z_L, kp)))
        return _compare(comparisons, net["m"], describe)

    examples = st.tuples(_networks(L), _KEEP)
    runner.run("check_dropout_forward", examples, compare, max_examples)


def _output_mutants(Z_L: np.ndarray, kp: float) -> Mutants:
    """Wrong A[L]: relu instead of sigmoid, or the output layer dropped out."""
    a = 1 / (1 + np.exp(-Z_L))

    def dropped(got: np.ndarray) -> bool:
        return bool(np.all(np.isclose(got, 0) | np.isclose(got, a / kp)) and got.shape == a.shape)

    never = "never apply dropout to the output layer: A[L] = sigmoid(Z[L])"
    return [
        ("AL looks like relu(Z[L]); the output layer is sigmoid", np.maximum(0, Z_L)),
        (f"AL looks dropped out (masked and divided by keep_prob): {never}", dropped),
    ]


def _forward_mutants_for(
    name: str, l: int, X: np.ndarray, params: dict, kp: float, seed: int, cache: tuple
) -> Callable[[], Mutants]:
    """Wrong Z[l], D[l] or A[l] of the usual forward-dropout mistakes."""

    def mutants() -> Mutants:
        Z = cache[5 * (l - 1)]
        D = cache[5 * (l - 1) + 1]
        a = np.maximum(0, Z)
        if name == "A":
            return [
                ("missing / keep_prob: inverted dropout divides the kept units by keep_prob, "
                 "A[l] = A[l] * D[l] / keep_prob, so that the expected value of A[l] is "
                 "unchanged", a * D),
                ("the mask is not applied: A[l] = A[l] * D[l] / keep_prob", a / kp),
                ("no dropout at all in this hidden layer: A[l] = A[l] * D[l] / keep_prob", a),
                ("multiplied by keep_prob: divide, A[l] = A[l] * D[l] / keep_prob", a * D * kp),
            ]  # fmt: skip
        if name == "D":
            rng = np.random.RandomState(seed)
            for k in range(1, l):
                rng.randn(*cache[5 * (k - 1) + 2].shape)
            redraw = "a different draw than the course's: call np.random.seed once at the start"
            return [
                ("D looks inverted (rand > keep_prob): keep a unit where rand < keep_prob", ~D),
                ("D looks all ones: no unit is dropped; D[l] = np.random.rand(...) < keep_prob",
                 np.ones_like(D)),
                ("D looks drawn with np.random.randn; use np.random.rand (uniform in [0, 1))",
                 rng.randn(*D.shape) < kp),
                (f"D{l} is a 0/1 mask but {redraw} and draw D[l] = np.random.rand(*A[l].shape) "
                 "< keep_prob right after A[l], layer by layer, nothing drawn in between",
                 lambda got: bool(np.isin(got, (0, 1)).all())),
            ]  # fmt: skip
        if l == 1:
            rng = np.random.RandomState(seed)
            D0 = rng.rand(*X.shape) < kp
            W1, b1 = params["W1"], params["b1"]
            return [
                ("Z1 looks computed from a dropped-out X: never apply dropout to the input "
                 "layer", W1 @ (X * D0 / kp) + b1),
            ]  # fmt: skip
        return []

    return mutants


def _dropout_backward_mutants(
    key: str, expected: dict, cache: tuple, X: np.ndarray, kp: float, m: int, got: Any
) -> Mutants:
    l = int(key[2:])
    L = (len(cache) + 1) // 5
    if key.startswith("dA"):
        W_next = cache[5 * l + (3 if l + 1 < L else 2)]  # the output layer has no D
        dZ_next = expected[f"dZ{l + 1}"]
        raw = W_next.T @ dZ_next
        D = cache[5 * (l - 1) + 1]
        out = [
            ("mask not applied in backward: dA[l] = dA[l] * D[l] / keep_prob, with the SAME "
             "D[l] as forward (from the cache)", raw / kp),
            ("missing / keep_prob in backward: forward divided the kept units by keep_prob, so "
             "backward divides their gradient too: dA[l] = dA[l] * D[l] / keep_prob", raw * D),
            ("dropout not undone in backward at all: dA[l] = dA[l] * D[l] / keep_prob", raw),
            ("multiplied by keep_prob: dA[l] = dA[l] * D[l] / keep_prob", raw * D * kp),
        ]  # fmt: skip
        g = _as_array(got)
        if g is not None and g.shape == raw.shape:
            for scale, how in ((1 / kp, ""), (1.0, " (and missing / keep_prob)")):
                kept = np.isclose(g, raw * scale) & (raw != 0)
                other = (kept != D.astype(bool)) & (raw != 0)
                if other.any() and np.allclose(g, raw * kept * scale):
                    out.append(
                        (f"mask redrawn in backward{how}: dA{l} is masked, but with another mask "
                         f"than D{l} in the cache; never draw a new mask in backward, use D{l} "
                         "from forward", g)
                    )  # fmt: skip
        return out
    if key.startswith("dZ") and l < L:
        dA, Z = expected[f"dA{l}"], cache[5 * (l - 1)]
        return [
            ("relu' missing: dZ[l] = dA[l] * (Z[l] > 0)", dA * 1.0),
            ("relu' inverted", dA * (Z <= 0)),
        ]
    if key.startswith(("dW", "db")):
        A_prev = X if l == 1 else cache[5 * (l - 2) + 2]
        return _linear_mutants(key, expected[f"dZ{l}"], A_prev, m)
    return []


def check_dropout_backward(fn: Callable, *, L: int | None = None, max_examples: int = 25) -> None:
    """Check ``fn(X, Y, cache, keep_prob) -> gradients`` against
    ``textbook.backward_propagation_with_dropout``.

    The cache comes from ``textbook.forward_propagation_with_dropout`` with a drawn seed:
    ``(Z1, D1, A1, W1, b1, ..., ZL, AL, WL, bL)``, ``A[l]`` after dropout. The gradients must
    hold ``dW1..dWL``, ``db1..dbL`` and ``dA1..dA{L-1}`` (``dZ`` keys are compared when
    present), compared in backprop order; ``L`` fixes the number of layers (3 for the course).
    """

    def compare(ex: tuple[dict[str, Any], float, int]) -> runner.Report | None:
        net, kp, seed = ex
        X, Y, m = net["X"], net["Y"], net["m"]
        _, cache = tb.forward_propagation_with_dropout(X, net["params"], kp, seed)
        describe = _describe_net(net, keep_prob=kp)

        def describe_with_masks() -> list[str]:
            masks = {f"D{l}": cache[5 * (l - 1) + 1].astype(int) for l in range(1, net["L"])}
            return [*describe(), *runner.arrays(**masks)]

        expected = tb.backward_propagation_with_dropout(X, Y, cache, kp)
        grads, problem = _call(fn, [X, Y, cache, kp])
        if problem is not None:
            return runner.problem([problem], describe_with_masks)

        def mutants(key: str) -> Mutants:
            return _dropout_backward_mutants(key, expected, cache, X, kp, m, grads.get(key))

        return _compare_grads(grads, expected, m, describe_with_masks, mutants)

    examples = st.tuples(_networks(L), _KEEP, st.integers(0, 10**6))
    runner.run("check_dropout_backward", examples, compare, max_examples)


# ----------------------------------------------------------------------------------------------
# L2 regularization
# ----------------------------------------------------------------------------------------------


def check_regularization_backward(
    fn: Callable, *, L: int | None = None, max_examples: int = 25
) -> None:
    """Check ``fn(X, Y, cache, lambd) -> gradients`` against
    ``textbook.backward_propagation_with_regularization``: ``dW[l]`` gains ``(lambd / m)
    W[l]``, the derivative of ``(lambd / 2m) ||W[l]||_F^2``; ``db[l]`` gains nothing.

    The cache is ``(Z1, A1, W1, b1, ..., ZL, AL, WL, bL)`` from ``textbook.forward_propagation``.
    ``L`` fixes the number of layers (3 for the course's function).
    """

    def compare(ex: tuple[dict[str, Any], float]) -> runner.Report | None:
        net, lambd = ex
        X, Y, m = net["X"], net["Y"], net["m"]
        _, cache = tb.forward_propagation(X, net["params"])
        describe = _describe_net(net, lambd=lambd)
        expected = tb.backward_propagation_with_regularization(X, Y, cache, lambd)
        grads, problem = _call(fn, [X, Y, cache, lambd])
        if problem is not None:
            return runner.problem([problem], describe)

        def mutants(key: str) -> Mutants:
            l = int(key[2:])
            A_prev = X if l == 1 else cache[4 * (l - 2) + 1]
            if key.startswith("dW"):
                W = cache[4 * (l - 1) + 2]
                base = expected[key] - lambd / m * W
                return [
                    ("L2 term lambd/(2m) W: the cost adds (lambd / 2m) ||W||^2, whose derivative "
                     "is (lambd / m) W; the 2 cancels", base + lambd / (2 * m) * W),
                    ("L2 term missing: dW[l] = (1/m) dZ[l] A[l-1]^T + (lambd / m) W[l]", base),
                    ("L2 term missing its 1/m: add (lambd / m) W[l], not lambd W[l]",
                     base + lambd * W),
                    ("L2 term doubled: add (lambd / m) W[l]", base + 2 * lambd / m * W),
                    ("L2 term subtracted: add (lambd / m) W[l]", base - lambd / m * W),
                    ("L2 term with W squared: the derivative of W^2 is 2W, so add (lambd / m) W",
                     base + lambd / m * W**2),
                    *_linear_mutants(key, expected[f"dZ{l}"], A_prev, m),
                ]  # fmt: skip
            if key.startswith("db"):
                b = cache[4 * (l - 1) + 3]
                return [
                    ("L2 term added to db: regularization penalizes the weights W only, not b",
                     expected[key] + lambd / m * b),
                    *_linear_mutants(key, expected[f"dZ{l}"], A_prev, m),
                ]  # fmt: skip
            return []

        return _compare_grads(grads, expected, m, describe, mutants)

    examples = st.tuples(_networks(L), st.sampled_from((0.7, 0.1, 1.3)))
    runner.run("check_regularization_backward", examples, compare, max_examples)


# ----------------------------------------------------------------------------------------------
# Batch norm
# ----------------------------------------------------------------------------------------------


@st.composite
def _batchnorm_cases(draw: st.DrawFn) -> dict[str, Any]:
    n, m = draw(st.integers(1, 3)), draw(st.sampled_from((4, 3, 5, 6)))
    rng = np.random.RandomState(draw(st.integers(0, 2**16)))
    Z = np.round(rng.randn(n, m) + rng.randn(n, 1), 2)
    gamma = np.round(rng.rand(n, 1) + 0.5, 2)
    beta = np.round(rng.randn(n, 1), 2)
    dZ_tilde = np.round(rng.randn(n, m), 2)
    eps = draw(st.sampled_from((1e-2, 1e-8)))
    return {"Z": Z, "gamma": gamma, "beta": beta, "dZ_tilde": dZ_tilde, "eps": eps, "m": m}


def _bn_backward_formula(dZ_norm: np.ndarray, Z_norm: np.ndarray, s: np.ndarray, terms=(1, 1)):
    m = dZ_norm.shape[1]
    mean_term = np.sum(dZ_norm, axis=1, keepdims=True) * terms[0]
    var_term = Z_norm * np.sum(dZ_norm * Z_norm, axis=1, keepdims=True) * terms[1]
    return (m * dZ_norm - mean_term - var_term) / (m * s)


def _batchnorm_mutants(case: dict[str, Any]) -> dict[str, Mutants]:
    Z, gamma, beta, G, eps, m = (case[k] for k in ("Z", "gamma", "beta", "dZ_tilde", "eps", "m"))
    mu = Z.mean(axis=1, keepdims=True)
    var, var1 = Z.var(axis=1, keepdims=True), Z.var(axis=1, keepdims=True, ddof=1)
    s, s1 = np.sqrt(var + eps), np.sqrt(var1 + eps)
    Zn, Zn1 = (Z - mu) / s, (Z - mu) / s1
    dZn = gamma * G
    ddof = (
        "the variance looks computed with 1/(m-1) (ddof=1); batch norm uses 1/m: np.var(Z, axis=1)"
    )
    exact_ddof1 = (
        dZn - dZn.mean(1, keepdims=True) - Zn1 * (dZn * Zn1).sum(1, keepdims=True) / (m - 1)
    ) / s1
    return {
        "dZ": [
            ("missing the - Z_norm * mean(dZ_norm * Z_norm) term: sigma2 depends on Z too; "
             "dZ = (1/(m s)) (m dZ_norm - sum(dZ_norm) - Z_norm sum(dZ_norm * Z_norm))",
             _bn_backward_formula(dZn, Zn, s, (1, 0))),
            ("missing the - mean(dZ_norm) term: mu depends on Z too; dZ = (1/(m s)) (m dZ_norm "
             "- sum(dZ_norm) - Z_norm sum(dZ_norm * Z_norm))",
             _bn_backward_formula(dZn, Zn, s, (0, 1))),
            ("dZ looks like dZ_norm / s alone, as if mu and sigma2 were constants; both depend "
             "on Z", dZn / s),
            ("gamma missing: dZ_norm = gamma * dZ_tilde", _bn_backward_formula(G, Zn, s)),
            (ddof, _bn_backward_formula(dZn, Zn1, s1)),
            (ddof, exact_ddof1),
        ],
        "dgamma": [
            ("dgamma = sum(dZ_tilde * Z_norm), summed over the m columns", G.sum(1, keepdims=True)),
            ("dgamma averaged over the batch: the VJP sums over the m columns (no 1/m)",
             (G * Zn).mean(1, keepdims=True)),
            ("dgamma looks computed with (Z - mu) instead of Z_norm",
             (G * (Z - mu)).sum(1, keepdims=True)),
            (ddof, (G * Zn1).sum(1, keepdims=True)),
        ],
        "dbeta": [
            ("dbeta averaged over the batch: the VJP sums over the m columns (no 1/m)",
             G.mean(1, keepdims=True)),
        ],
        "Z_tilde": [
            (ddof, gamma * Zn1 + beta),
            ("eps missing: Z_norm = (Z - mu) / sqrt(sigma2 + eps)",
             gamma * (Z - mu) / np.sqrt(var) + beta),
            ("eps outside the square root: Z_norm = (Z - mu) / sqrt(sigma2 + eps)",
             gamma * (Z - mu) / (np.sqrt(var) + eps) + beta),
            ("gamma and beta swapped: Z_tilde = gamma * Z_norm + beta", beta * Zn + gamma),
            ("normalized over the units (axis=0): batch norm normalizes each unit (row) over the "
             "m columns (axis=1)",
             gamma * (Z - Z.mean(0)) / np.sqrt(Z.var(0) + eps) + beta),
        ],
    }  # fmt: skip


def check_batchnorm_backward(
    fn: Callable, *, forward: Callable | None = None, max_examples: int = 25
) -> None:
    """Check ``fn(dZ_tilde, cache) -> (dZ, dgamma, dbeta)`` against
    ``textbook.batchnorm_backward``.

    Without ``forward`` the cache is the textbook's, ``(Z, Z_norm, mu, sigma2, gamma, eps)``.
    With your ``forward(Z, gamma, beta, eps) -> (Z_tilde, cache)``, its ``Z_tilde`` is compared
    first and your own cache goes to ``fn``. Shapes: ``Z``, ``dZ_tilde`` ``(n[l], m)`` (units
    are rows, the m samples columns), ``gamma``, ``beta`` ``(n[l], 1)``; the gradients are exact
    VJPs (sums over the m columns, no 1/m). Compared in the order dbeta, dgamma, dZ.
    """

    def compare(case: dict[str, Any]) -> runner.Report | None:
        Z, gamma, beta, G, eps, m = (
            case[k] for k in ("Z", "gamma", "beta", "dZ_tilde", "eps", "m")
        )

        def describe() -> list[str]:
            head = f"n[l] = {Z.shape[0]}, m = {m}, eps = {eps}"
            return [head, *runner.arrays(Z=Z, gamma=gamma, beta=beta, dZ_tilde=G)]

        Z_tilde, cache = tb.batchnorm_forward(Z, gamma, beta, eps)
        dZ, dgamma, dbeta = tb.batchnorm_backward(G, cache)
        mutants = _batchnorm_mutants(case)
        comparisons: list[Comparison] = []
        if forward is not None:
            result, problem = _call(forward, [Z, gamma, beta, eps])
            if problem is None and not (isinstance(result, (tuple, list)) and len(result) == 2):
                problem = f"forward must return (Z_tilde, cache), got {type(result).__name__}"
            if problem is not None:
                return runner.problem([f"(in forward) {problem}"], describe)
            got_Z_tilde, cache = result
            report = _compare(
                [("Z_tilde", Z_tilde, got_Z_tilde, lambda: mutants["Z_tilde"])], m, describe
            )
            if report is not None:
                return report
        result, problem = _call(fn, [G, cache])
        if problem is None and not (isinstance(result, (tuple, list)) and len(result) == 3):
            problem = f"your function must return (dZ, dgamma, dbeta), got {type(result).__name__}"
        if problem is not None:
            return runner.problem([problem], describe)
        got = dict(zip(("dZ", "dgamma", "dbeta"), result, strict=True))
        want = {"dZ": dZ, "dgamma": dgamma, "dbeta": dbeta}
        comparisons += [
            (key, want[key], got[key], functools.partial(mutants.__getitem__, key))
            for key in ("dbeta", "dgamma", "dZ")
        ]
        return _compare(comparisons, m, describe)

    runner.run("check_batchnorm_backward", _batchnorm_cases(), compare, max_examples)


# ----------------------------------------------------------------------------------------------
# Optimizers
# ----------------------------------------------------------------------------------------------


@st.composite
def _update_cases(draw: st.DrawFn) -> dict[str, Any]:
    L = draw(st.integers(1, 2))
    dims = [draw(st.integers(1, 3)) for _ in range(L + 1)]
    rng = np.random.RandomState(draw(st.integers(0, 2**16)))
    params, grads, v, s = {}, {}, {}, {}
    for l in range(1, L + 1):
        for p, shape in (("W", (dims[l], dims[l - 1])), ("b", (dims[l], 1))):
            params[f"{p}{l}"] = np.round(rng.randn(*shape), 2)
            grads[f"d{p}{l}"] = np.round(rng.randn(*shape), 2)
            v[f"d{p}{l}"] = np.round(rng.randn(*shape) * 0.1, 3)
            s[f"d{p}{l}"] = np.round(rng.rand(*shape) * 0.1, 3)
    return {
        "dims": dims,
        "params": params,
        "grads": grads,
        "v": v,
        "s": s,
        "t": draw(st.integers(1, 5)),
        "learning_rate": draw(st.sampled_from((0.01, 0.1))),
        "beta": draw(st.sampled_from((0.9, 0.8))),
        "beta1": draw(st.sampled_from((0.9, 0.8))),
        "beta2": draw(st.sampled_from((0.888, 0.999))),
        "epsilon": draw(st.sampled_from((1e-2, 1e-8))),
    }


def _update_mutants(kind: str, c: dict[str, Any], g: str, p: str) -> dict[str, Mutants]:
    """Wrong new values of the state and the parameter ``p`` (gradient key ``g``)."""
    W, dW, lr, eps = c["params"][p], c["grads"][g], c["learning_rate"], c["epsilon"]
    v0, s0, t = c["v"][g], c["s"][g], c["t"]
    b = c["beta"] if kind == "momentum" else c["beta1"]
    b2 = c["beta2"]
    v = b * v0 + (1 - b) * dW
    s = b2 * s0 + (1 - b2) * dW**2
    beta = "beta" if kind == "momentum" else "beta1"
    out: dict[str, Mutants] = {
        "v": [
            (f"missing (1 - {beta}) on dW: v = {beta} v + (1 - {beta}) dW", b * v0 + dW),
            (f"{beta} and 1 - {beta} swapped: v = {beta} v + (1 - {beta}) dW",
             (1 - b) * v0 + b * dW),
            ("v ignores its past: v = beta v + (1 - beta) dW", (1 - b) * dW),
        ],
        "s": [
            ("dW not squared: s = beta2 s + (1 - beta2) dW**2 (elementwise square)",
             b2 * s0 + (1 - b2) * dW),
            ("missing (1 - beta2) on dW**2: s = beta2 s + (1 - beta2) dW**2", b2 * s0 + dW**2),
            ("beta2 and 1 - beta2 swapped: s = beta2 s + (1 - beta2) dW**2",
             (1 - b2) * s0 + b2 * dW**2),
        ],
    }  # fmt: skip
    with np.errstate(all="ignore"):
        vc, sc = v / (1 - b**t), s / (1 - b2**t)
        v0c, s0c = v / (1 - b ** (t - 1)), s / (1 - b2 ** (t - 1))
        t0 = (
            "bias correction with t counted from 0: t counts the updates from 1 (the first "
            "update has t = 1), v_corrected = v / (1 - beta1**t)"
        )
        out["v_corrected"] = [
            (t0, v0c),
            ("no bias correction: v_corrected = v / (1 - beta1**t)", v),
            ("the power is on beta1: 1 - beta1**t, not (1 - beta1)**t", v / (1 - b) ** t),
            (
                "bias correction with t + 1: v_corrected = v / (1 - beta1**t)",
                v / (1 - b ** (t + 1)),
            ),
            ("beta2 in v's correction: v_corrected = v / (1 - beta1**t)", v / (1 - b2**t)),
        ]
        out["s_corrected"] = [
            (t0.replace("v_corrected = v / (1 - beta1", "s_corrected = s / (1 - beta2"), s0c),
            ("no bias correction: s_corrected = s / (1 - beta2**t)", s),
            ("the power is on beta2: 1 - beta2**t, not (1 - beta2)**t", s / (1 - b2) ** t),
            (
                "bias correction with t + 1: s_corrected = s / (1 - beta2**t)",
                s / (1 - b2 ** (t + 1)),
            ),
            ("beta1 in s's correction: s_corrected = s / (1 - beta2**t)", s / (1 - b**t)),
        ]
        if kind == "gd":
            out["W"] = [("sign flipped: W = W - learning_rate dW", W + lr * dW)]
        elif kind == "momentum":
            out["W"] = [
                ("W updated with dW instead of v: W = W - learning_rate v", W - lr * dW),
                (
                    "W updated with the old v: update v first, then W = W - learning_rate v",
                    W - lr * v0,
                ),
                ("sign flipped: W = W - learning_rate v", W + lr * v),
            ]
        elif kind == "rmsprop":
            out["W"] = [
                ("epsilon inside the square root: W = W - learning_rate dW / (sqrt(s) + epsilon)",
                 W - lr * dW / np.sqrt(s + eps)),
                ("missing square root: W = W - learning_rate dW / (sqrt(s) + epsilon)",
                 W - lr * dW / (s + eps)),
                ("W updated with the old s: update s first", W - lr * dW / (np.sqrt(s0) + eps)),
                ("dW not divided by sqrt(s) + epsilon", W - lr * dW),
            ]  # fmt: skip
        else:
            out["W"] = [
                (t0 + " (seen in W)", W - lr * v0c / (np.sqrt(s0c) + eps)),
                ("epsilon inside the square root: W = W - learning_rate v_corrected / "
                 "(sqrt(s_corrected) + epsilon)", W - lr * vc / np.sqrt(sc + eps)),
                ("W updated with v and s, not v_corrected and s_corrected",
                 W - lr * v / (np.sqrt(s) + eps)),
                ("missing square root on s_corrected", W - lr * vc / (sc + eps)),
                ("W updated with dW instead of v_corrected", W - lr * dW / (np.sqrt(sc) + eps)),
            ]  # fmt: skip
    return out


def check_update_parameters(fn: Callable, kind: str = "adam", *, max_examples: int = 25) -> None:
    """Check one update step ``fn`` of the optimizer ``kind`` against the textbook's.

    ``kind`` is ``"gd"``, ``"momentum"``, ``"rmsprop"`` or ``"adam"``, called as the course
    does (see ``UPDATE_KINDS``). The state (v, s) is drawn non-zero and t from 1 to 5, so a
    wrong beta or a bias correction with t counted from 0 shows. Compared per layer: the new
    state (``v["dW1"]``, ``s["dW1"]``, ``v_corrected["dW1"]``, ...), then ``W1``, ``b1``, ...
    Your function may edit the dicts it is given (the course's does); it must return the new
    values.
    """
    if kind not in UPDATE_KINDS:
        raise ValueError(f"kind must be one of {', '.join(UPDATE_KINDS)}, got {kind!r}")

    def compare(c: dict[str, Any]) -> runner.Report | None:
        params, grads, v, s, t = c["params"], c["grads"], c["v"], c["s"], c["t"]
        lr, eps = c["learning_rate"], c["epsilon"]
        hyper = {"learning_rate": lr}
        if kind == "gd":
            args = [params, grads, lr]
            want = [tb.update_parameters_with_gd(params, grads, lr)]
            names = ["parameters"]
        elif kind == "momentum":
            hyper |= {"beta": c["beta"]}
            args = [params, grads, v, c["beta"], lr]
            want = list(tb.update_parameters_with_momentum(*args))
            names = ["parameters", "v"]
        elif kind == "rmsprop":
            hyper |= {"beta2": c["beta2"], "epsilon": eps}
            args = [params, grads, s, c["beta2"], lr, eps]
            want = list(tb.update_parameters_with_rmsprop(*args))
            names = ["parameters", "s"]
        else:
            hyper |= {"t": t, "beta1": c["beta1"], "beta2": c["beta2"], "epsilon": eps}
            args = [params, grads, v, s, t, lr, c["beta1"], c["beta2"], eps]
            want = list(tb.update_parameters_with_adam(*args))
            names = ["parameters", "v", "s", "v_corrected", "s_corrected"]

        def describe() -> list[str]:
            head = f"layer_dims = {c['dims']}, " + ", ".join(
                f"{k} = {v!r}" for k, v in hyper.items()
            )
            state = {f"v[{k!r}]": x for k, x in v.items()} if kind in ("momentum", "adam") else {}
            state |= {f"s[{k!r}]": x for k, x in s.items()} if kind in ("rmsprop", "adam") else {}
            return [head, *runner.arrays(**params, **grads, **state)]

        result, problem = _call(fn, args, watch=False)
        if problem is None:
            got = [result] if kind == "gd" else result
            ok = isinstance(got, (tuple, list)) and len(got) in (
                (len(names), 3) if kind == "adam" else (len(names),)
            )
            if not ok or not all(isinstance(d, dict) for d in got):
                problem = f"your function must return {UPDATE_KINDS[kind].split('-> ')[1]}"
        if problem is not None:
            return runner.problem([problem], describe)
        L = len(c["dims"]) - 1
        for name, expected, mine in zip(names, want, got, strict=False):
            missing = [k for k in expected if k not in mine]
            if missing:
                lines = [f"{name} returned without {', '.join(missing)}; got keys {sorted(mine)}"]
                return runner.problem(lines, describe)
        comparisons: list[Comparison] = []
        for l in range(1, L + 1):
            for p in ("W", "b"):
                g = f"d{p}{l}"
                mutants = _lazy_mutants(kind, c, g, f"{p}{l}")
                for name, expected, mine in zip(names[1:], want[1:], got[1:], strict=False):
                    comparisons.append((f'{name}["{g}"]', expected[g], mine[g], mutants(name)))
        for l in range(1, L + 1):
            for p in ("W", "b"):
                key = f"{p}{l}"
                of_update = _lazy_mutants(kind, c, f"d{key}", key)("W")
                comparisons.append((key, want[0][key], got[0][key], of_update))
        return _compare(comparisons, None, describe)

    runner.run(f"check_update_parameters(kind={kind!r})", _update_cases(), compare, max_examples)


def _lazy_mutants(
    kind: str, c: dict[str, Any], g: str, p: str
) -> Callable[[str], Callable[[], Mutants]]:
    def role(name: str) -> Callable[[], Mutants]:
        return lambda: _update_mutants(kind, c, g, p)[name]

    return role
