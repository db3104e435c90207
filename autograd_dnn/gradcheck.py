"""Gradient checks that name the faulty layer.

Three checks, each returning a :class:`Report` (one row per tensor):

- :func:`gradcheck` compares a network's reverse-mode gradients with central finite
  differences: every parameter W[l], b[l], and dJ/dA[l] at every layer boundary (perturb
  A[l], rerun only layers l+1..L), so a failure is located to one layer.
- :func:`compare_with_textbook` compares them with the course's closed-form backprop.
- :func:`check_gradients` checks any function of Tensors returning a scalar (custom
  Functions too).

Numerics: always float64 (a float32 network is checked on an upcast copy, and the report
says so). The default step is h = eps^(1/3) * max(1, |theta_i|) (eps the float64 machine
epsilon), which balances truncation (h^2) against rounding (eps / h); ``step=1e-7`` gives
the course's fixed step. Thresholds follow the step: the course reads ~1e-7 as fine, ~1e-5
as "look again", ~1e-3 as a bug for h = 1e-7; we pass a row whose relative difference is
below ``rtol`` (1e-6 for the default step, 1e-5 for h >= 1e-7 fixed... see ``_tolerances``)
or whose error is within the rounding noise of the cost.

Kinks: relu, leaky relu, abs, clip and max report which side of their kink each entry is
on. A coordinate (or direction) whose + and - evaluations put any entry on another side
than the unperturbed point is "kink crossed": left out of the verdict and counted.
"""

from __future__ import annotations

import time
import warnings
from collections.abc import Callable, Sequence
from dataclasses import asdict, dataclass, field
from typing import Any

import numpy as np

from autograd_dnn.engine import collect_kinks, grad, no_grad
from autograd_dnn.tensor import Tensor

MODES = ("auto", "full", "sampled", "directional")
EPS = np.finfo(np.float64).eps


# ----------------------------------------------------------------------------- the report
@dataclass
class Row:
    """One checked tensor.

    ``rel_diff`` is the course's ||g - g~|| / (||g|| + ||g~||) over the checked coordinates
    (or directions); both zero counts as agreement. ``ratio`` is analytic / numeric when that
    ratio is the same on every checked coordinate (2.000: a doubled gradient; m: a missing
    1/m), else None.
    """

    name: str
    layer: int | None
    shape: tuple[int, ...]
    method: str
    checked: int
    rel_diff: float
    max_abs_err: float
    worst_index: tuple[int, ...] | None
    analytic: float
    numeric: float
    ratio: float | None
    kinks: int
    passed: bool
    verdict: str
    note: str = ""


@dataclass
class Report:
    """The result of a check: ``passed``, ``rows``, ``str(report)`` and ``to_dict()``."""

    title: str
    rows: list[Row]
    step: str
    forward_passes: int = 0
    seconds: float = 0.0
    notes: list[str] = field(default_factory=list)

    @property
    def passed(self) -> bool:
        return all(r.passed for r in self.rows)

    @property
    def failures(self) -> list[Row]:
        return [r for r in self.rows if not r.passed]

    @property
    def first_faulty_layer(self) -> int | None:
        """The layer nearest the output whose rows fail: errors only flow toward the input,
        so that is where the faulty backward sits."""
        layers = [r.layer for r in self.failures if r.layer is not None]
        return max(layers) if layers else None

    def row(self, name: str) -> Row:
        for r in self.rows:
            if r.name == name:
                return r
        raise KeyError(f"no row named {name!r}; rows: {[r.name for r in self.rows]}")

    def to_dict(self) -> dict[str, Any]:
        return {
            "title": self.title,
            "passed": self.passed,
            "first_faulty_layer": self.first_faulty_layer,
            "step": self.step,
            "forward_passes": self.forward_passes,
            "seconds": self.seconds,
            "notes": list(self.notes),
            "rows": [_jsonable({**asdict(r), "shape": list(r.shape)}) for r in self.rows],
        }

    def summary(self) -> str:
        """One sentence: all agree, or the first faulty layer and why."""
        unchecked = [r.name for r in self.rows if r.verdict == "not checked"]
        if self.passed and unchecked:
            return (
                f"PASSED: {len(self.rows) - len(unchecked)} of {len(self.rows)} gradients agree "
                f"({self.title}); not checked: {', '.join(unchecked)} (every probe sat on "
                "kinks; check again after some training)."
            )
        if self.passed:
            return f"PASSED: all {len(self.rows)} gradients agree ({self.title})."
        bad = self.failures
        layer = self.first_faulty_layer
        names = ", ".join(r.name for r in bad if r.layer == layer) if layer else bad[0].name
        worst = max(bad, key=lambda r: r.rel_diff if np.isfinite(r.rel_diff) else np.inf)
        hint = _ratio_hint(worst.ratio)
        where = f"layer {layer}" if layer is not None else worst.name
        return (
            f"FAILED: the first faulty layer is {where} (failing there: {names}); worst: "
            f"{worst.name}, relative difference {worst.rel_diff:.3g}{hint}. {worst.note}".rstrip()
        )

    def __str__(self) -> str:
        head = [
            "tensor",
            "layer",
            "shape",
            "method",
            "checked",
            "rel diff",
            "max abs err",
            "worst index",
            "analytic",
            "numeric",
            "ratio",
            "kinks",
            "verdict",
        ]
        rows = [head]
        for r in self.rows:
            rows.append(
                [
                    r.name,
                    "" if r.layer is None else str(r.layer),
                    "x".join(map(str, r.shape)) or "()",
                    r.method,
                    str(r.checked),
                    f"{r.rel_diff:.2e}",
                    f"{r.max_abs_err:.2e}",
                    "" if r.worst_index is None else str(tuple(int(i) for i in r.worst_index)),
                    f"{r.analytic:+.6e}",
                    f"{r.numeric:+.6e}",
                    "" if r.ratio is None else f"{r.ratio:.3f}",
                    str(r.kinks),
                    r.verdict,
                ]
            )
        widths = [max(len(row[i]) for row in rows) for i in range(len(head))]
        lines = [
            f"{self.title}: {self.step}; {self.forward_passes} forward passes, {self.seconds:.2f} s"
        ]
        lines += [f"note: {n}" for n in self.notes]
        for k, row in enumerate(rows):
            lines.append("  ".join(c.ljust(w) for c, w in zip(row, widths)).rstrip())
            if k == 0:
                lines.append("  ".join("-" * w for w in widths))
        lines.append(self.summary())
        return "\n".join(lines)


def _jsonable(row: dict[str, Any]) -> dict[str, Any]:
    """NaN and inf become None, so that to_dict() is strict JSON."""
    return {k: (None if isinstance(v, float) and not np.isfinite(v) else v) for k, v in row.items()}


def _ratio_hint(ratio: float | None) -> str:
    if ratio is None:
        return ""
    text = f", analytic/numeric = {ratio:.3f}"
    if abs(ratio - 2) < 1e-3:
        text += " (a doubled gradient)"
    elif abs(ratio - 0.5) < 1e-3:
        text += " (a halved gradient)"
    elif abs(ratio + 1) < 1e-3:
        text += " (a sign flip)"
    elif ratio > 2 and abs(ratio - round(ratio)) < 1e-3:
        text += f" (a factor {round(ratio)}: a missing 1/m?)"
    elif 0 < ratio < 0.5 and abs(1 / ratio - round(1 / ratio)) < 1e-3:
        text += f" (a factor 1/{round(1 / ratio)}: an extra 1/m?)"
    return text


# ----------------------------------------------------------------------------- targets
@dataclass
class _Target:
    """One tensor to check: its values (perturbed in place), the analytic dJ/d(values),
    and a function evaluating J (and the kink sides) at the current values."""

    name: str
    layer: int | None
    values: np.ndarray
    analytic: np.ndarray | None
    evaluate: Callable[[], tuple[float, list]]
    base_kinks: list
    note: str = ""
    base_value: float | None = None


class _Counter:
    def __init__(self) -> None:
        self.passes = 0


def _with_kinks(fn: Callable[[], float]) -> tuple[float, list]:
    with collect_kinks() as log, no_grad(), np.errstate(all="ignore"):
        value = fn()
    return value, log


def _crossed(base: list, now: list) -> bool:
    if len(base) != len(now):
        return True
    return any(a.shape != b.shape or not np.array_equal(a, b) for a, b in zip(base, now))


def _flips(base: list, now: list) -> int:
    """How many entries changed side of a kink (a large number when the structure changed)."""
    if len(base) != len(now) or any(a.shape != b.shape for a, b in zip(base, now)):
        return 1 << 30
    return int(sum(np.count_nonzero(a != b) for a, b in zip(base, now)))


def _tolerances(step: float | None) -> tuple[float, float]:
    """(pass below, bug above) for the relative difference."""
    if step is None:
        return 1e-6, 1e-3
    return (1e-5, 1e-3) if step <= 1e-6 else (max(1e-5, 10 * step * step), 1e-2)


def _h(values: np.ndarray, step: float | None, direction: np.ndarray | None = None) -> Any:
    if step is not None:
        return step
    scale = (
        np.maximum(1.0, np.abs(values))
        if direction is None
        else max(1.0, float(np.max(np.abs(values), initial=0)))
    )
    return EPS ** (1 / 3) * scale


def _both_sides(t: _Target, idx: tuple, v: float, h: float, counter: _Counter) -> tuple:
    """(J, kinks) at values[idx] = v + h and at v - h; values[idx] is restored to v."""
    t.values[idx] = v + h
    plus = t.evaluate()
    t.values[idx] = v - h
    minus = t.evaluate()
    t.values[idx] = v
    counter.passes += 2
    return plus, minus


def _central(t: _Target, idx: tuple, h: float, counter: _Counter) -> tuple[float | None, int]:
    """dJ/d(values[idx]) by central differences, aware of kinks.

    When the +h or -h evaluation puts an entry on the other side of a kink, look again with
    a step h1 = sqrt(eps) max(1, |theta_i|), on both sides:

    - neither side crosses at h1: the central difference at h1 counts;
    - one side keeps every entry on its side of the kink: its one-sided difference is the
      derivative under the engine's convention (relu'(0) = 0: the unperturbed side), so it
      counts. A single entry on a kink whose convention is a subgradient in between (abs at
      0, a tie in max) is skipped when the analytic value lies between the left and right
      derivatives;
    - both sides cross: the valid subgradients fill a set that two one-sided differences
      cannot bound, and the coordinate is skipped as "kink crossed".

    A wrong gradient at a kink therefore still fails whenever a one-sided check exists.
    Returns (numeric or None when skipped, 0 central / 1 small-step or one-sided)."""
    v = t.values[idx]
    (jp, kp), (jm, km) = _both_sides(t, idx, v, h, counter)
    if not (_crossed(t.base_kinks, kp) or _crossed(t.base_kinks, km)):
        return (jp - jm) / (2 * h), 0
    h1 = np.sqrt(EPS) * max(1.0, abs(float(v)))
    if t.base_value is None:
        t.base_value = t.evaluate()[0]
        counter.passes += 1
    (jr, kr), (jl, kl) = _both_sides(t, idx, v, h1, counter)
    fr, fl = _flips(t.base_kinks, kr), _flips(t.base_kinks, kl)
    if fr == 0 and fl == 0:
        return (jr - jl) / (2 * h1), 1
    right, left = (jr - t.base_value) / h1, (t.base_value - jl) / h1
    a = float(t.analytic[idx])
    if fr == 0 or fl == 0:  # one side keeps every kink where it was: the engine's convention
        clean = right if fr == 0 else left
        if abs(a - clean) <= 1e-5 * (abs(a) + abs(clean)) + 1e-9 or fr + fl > 1:
            return clean, 1
    if fr + fl == 1:  # one entry on a kink: any value between left and right is a subgradient
        slack = 1e-5 * (abs(left) + abs(right)) + 1e-9
        if min(left, right) - slack <= a <= max(left, right) + slack:
            return None, 0
        return (left if abs(left - a) < abs(right - a) else right), 1
    return None, 0


def _elementwise(
    t: _Target,
    indices: list[tuple],
    step: float | None,
    noise: float,
    counter: _Counter,
    method: str,
    tol: tuple[float, float],
) -> Row:
    a_list, n_list, kept = [], [], []
    kinks = one_sided = 0
    h_all = _h(t.values, step)
    for idx in indices:
        h = h_all if np.isscalar(h_all) else float(h_all[idx])
        num, how = _central(t, idx, h, counter)
        if num is None:
            kinks += 1
            continue
        one_sided += how
        a_list.append(float(t.analytic[idx]))
        n_list.append(num)
        kept.append(idx)
    row = _row(t, method, np.array(a_list), np.array(n_list), kept, kinks, noise, tol)
    if one_sided:
        row.note = (
            row.note + f" {one_sided} coordinate(s) near a kink checked with a smaller "
            "or one-sided step."
        ).strip()
    return row


def _directional(
    t: _Target,
    rng: np.random.Generator,
    step: float | None,
    noise: float,
    counter: _Counter,
    tol: tuple[float, float],
    tries: int = 3,
) -> Row | None:
    """<g, u> against (J(theta + h u) - J(theta - h u)) / 2h for a random unit u; on a kink,
    retry with a smaller step and another direction. None when every try crossed a kink."""
    base = t.values.copy()
    kinks = 0
    h0 = _h(t.values, step, direction=base)
    for attempt in range(tries):
        u = rng.standard_normal(t.values.shape)
        u /= np.linalg.norm(u) or 1.0
        h = h0 / (10**attempt) if step is None else h0
        t.values[...] = base + h * u
        jp, kp = t.evaluate()
        t.values[...] = base - h * u
        jm, km = t.evaluate()
        t.values[...] = base
        counter.passes += 2
        if _crossed(t.base_kinks, kp) or _crossed(t.base_kinks, km):
            kinks += 1
            continue
        num = (jp - jm) / (2 * h)
        ana = float(np.sum(t.analytic * u))
        return _row(t, "directional", np.array([ana]), np.array([num]), [None], kinks, noise, tol)
    return None


def _row(
    t: _Target,
    method: str,
    a: np.ndarray,
    n: np.ndarray,
    kept: list,
    kinks: int,
    noise: float,
    tol: tuple[float, float],
) -> Row:
    shape = tuple(t.values.shape)
    if a.size == 0:
        return Row(
            t.name,
            t.layer,
            shape,
            method,
            0,
            0.0,
            0.0,
            None,
            0.0,
            0.0,
            None,
            kinks,
            True,
            "not checked",
            "every probe crossed kinks on both sides: check again after some training, or "
            "with biases away from 0",
        )
    err = np.abs(a - n)
    denom = np.linalg.norm(a) + np.linalg.norm(n)
    rel = float(np.linalg.norm(a - n) / denom) if denom > 0 else 0.0
    worst = int(np.argmax(err))
    ratio = None
    big = np.abs(n) > 10 * noise
    if big.any():
        r = a[big] / n[big]
        med = float(np.median(r))
        if np.all(np.abs(r - med) <= 1e-3 * max(1.0, abs(med))) and abs(med - 1) > 1e-3:
            ratio = med
    within_noise = float(err.max()) <= noise
    good, bug = tol
    if rel <= good or within_noise:
        verdict, passed = "ok", True
    elif rel < bug:
        verdict, passed = "look again", False
    else:
        verdict, passed = "BUG", False
    idx = kept[worst]
    return Row(
        t.name,
        t.layer,
        shape,
        method,
        int(a.size),
        rel,
        float(err.max()),
        None if idx is None else tuple(int(i) for i in idx),
        float(a[worst]),
        float(n[worst]),
        ratio,
        kinks,
        passed,
        verdict,
        t.note,
    )


def _run_targets(
    targets: list[_Target],
    mode: str,
    step: float | None,
    k: int,
    seed: int,
    j0: float,
    counter: _Counter,
    max_escalate: int,
) -> list[Row]:
    if mode not in MODES:
        raise ValueError(f"unknown mode {mode!r}; known: {', '.join(MODES)}")
    rng = np.random.default_rng(seed)
    h_ref = step if step is not None else EPS ** (1 / 3)
    noise = 8 * EPS * max(1.0, abs(j0)) / h_ref  # rounding error of a central difference
    tol = _tolerances(step)
    rows = []
    for t in targets:
        if t.analytic is None:  # the backward failed: only the tensor it named is at fault
            failed = bool(t.note)
            rows.append(
                Row(
                    t.name,
                    t.layer if failed else None,
                    tuple(t.values.shape),
                    "none",
                    0,
                    float("nan"),
                    float("nan"),
                    None,
                    float("nan"),
                    float("nan"),
                    None,
                    0,
                    not failed,
                    "BUG" if failed else "not checked",
                    t.note or "no gradient: the backward pass stopped at an error",
                )
            )
            continue
        size = t.values.size
        if mode == "full":
            rows.append(
                _elementwise(t, _indices(t, range(size)), step, noise, counter, "full", tol)
            )
        elif mode == "sampled":
            n = min(k, size)
            idx = _indices(t, np.sort(rng.choice(size, size=n, replace=False)))
            rows.append(_elementwise(t, idx, step, noise, counter, f"sampled {n}", tol))
        else:
            row = _directional(t, rng, step, noise, counter, tol)
            if row is None or (mode == "auto" and not row.passed):
                n = min(max_escalate, size)
                idx = _indices(t, np.sort(rng.choice(size, size=n, replace=False)))
                method = "elementwise" if n == size else f"elementwise {n}"
                row = _elementwise(t, idx, step, noise, counter, method, tol)
            rows.append(row)
    return rows


def _indices(t: _Target, flat: Any) -> list[tuple[int, ...]]:
    """Flat positions -> index tuples of ``t.values``, in order."""
    shape = t.values.shape
    return [tuple(int(i) for i in np.unravel_index(int(f), shape)) for f in flat] if shape else [()]


def _step_text(step: float | None) -> str:
    if step is None:
        return "central differences, h = eps^(1/3) * max(1, |theta_i|)"
    return f"central differences, fixed h = {step:g}"


# ----------------------------------------------------------------------------- networks
def _float64_copy(net: Any) -> tuple[Any, list[str]]:
    from autograd_dnn.nn import DeepNetwork

    notes = []
    if net.dtype != np.float64:
        notes.append(f"the network is {net.dtype}; checked on a float64 copy")
    copy = DeepNetwork.from_parameters(
        {k: v.astype(np.float64) for k, v in net.get_parameters().items()},
        activations=net.activations,
        l2=net.l2,
        leaky_slope=net.leaky_slope,
    )
    for src, dst in zip(net.layers, copy.layers):  # keep user-supplied Functions
        dst.linear_fn, dst.activation_fn = src.linear_fn, src.activation_fn
    return copy, notes


def _network_targets(net: Any, X: Any, Y: Any, boundaries: bool) -> tuple[list[_Target], float]:
    """W[l], b[l] and dA[l] targets of a float64 network, with the analytic gradients."""
    from autograd_dnn import losses
    from autograd_dnn.tensor import Tensor as T

    Xt = net.check_X(X)
    Yd = net.check_Y(Y, Xt.shape[1])
    m = Xt.shape[1]
    L = net.L
    note_of: dict[str, str] = {}
    try:
        grads = net.gradients(Xt, Yd, dA0=boundaries)
    except RuntimeError as e:  # a backward that returns a wrong shape: name the tensor
        grads = {}
        bad = getattr(e, "tensor_name", None)
        if bad:
            note_of[f"d{bad}"] = str(e)
        else:
            raise
    # base activations A[0..L-1] for the boundary probes
    with no_grad():
        A_base = [Xt.data]
        A = Xt
        for layer in net.layers[:-1]:
            _, A = layer.forward(A)
            A_base.append(A.data)

    def cost_from(l: int, A_prev: np.ndarray) -> float:
        """J from layer l on, given A[l-1] (the L2 term over every W included)."""
        A = T(A_prev)
        for layer in net.layers[l - 1 : -1]:
            _, A = layer.forward(A)
        last = net.layers[-1]
        if last.activation in losses.FUSED and last.activation_fn is None:
            J = losses.cost(last.activation, last.linear_fn.apply(last.W, A, last.b), None, Yd)
        else:
            ZL, AL = last.forward(A)
            J = losses.cost(last.activation, ZL, AL, Yd)
        value = float(J.data)
        if net.l2:
            value += net.l2 / (2 * m) * sum(float(np.sum(ly.W.data**2)) for ly in net.layers)
        return value

    j0, _ = _with_kinks(lambda: cost_from(1, A_base[0]))
    targets = []
    for l in range(L, 0, -1):
        layer = net.layers[l - 1]

        def ev(l: int = l) -> tuple[float, list]:
            return _with_kinks(lambda: cost_from(l, A_base[l - 1]))

        base_kinks = ev()[1]  # the same unperturbed point for W[l], b[l] and A[l-1]
        for p, key in ((layer.W, f"W{l}"), (layer.b, f"b{l}")):
            targets.append(
                _Target(
                    key, l, p.data, grads.get(f"d{key}"), ev, base_kinks, note_of.get(f"d{key}", "")
                )
            )
        if boundaries:
            vals = A_base[l - 1].copy()

            def ev_a(l: int = l, vals: np.ndarray = vals) -> tuple[float, list]:
                return _with_kinks(lambda: cost_from(l, vals))

            name = f"dA{l - 1}"
            targets.append(
                _Target(name, l, vals, grads.get(name), ev_a, base_kinks, note_of.get(name, ""))
            )
    return targets, j0


def gradcheck(
    net: Any,
    X: Any,
    Y: Any,
    mode: str = "auto",
    step: float | None = None,
    k: int = 10,
    seed: int = 0,
    boundaries: bool = True,
    max_escalate: int = 200,
) -> Report:
    """Check a network's reverse-mode gradients against central finite differences.

    Args:
        net: a DeepNetwork (float32 ones are checked on a float64 copy).
        X: (n[0], m) inputs.  Y: (n[L], m) labels.
        mode: ``"full"`` every coordinate (2P forward passes for P parameters: slow for big
            nets, and it warns); ``"sampled"`` k seeded coordinates per tensor, biases too;
            ``"directional"`` one random unit direction per tensor (2 passes each);
            ``"auto"`` directional, escalating to elementwise on the tensors that fail.
        step: None for h = eps^(1/3) max(1, |theta_i|); a number for a fixed h (the course:
            1e-7).
        k: coordinates per tensor in ``sampled`` mode.
        boundaries: also check dJ/dA[l] at each layer boundary (rows ``dA0..dA(L-1)``),
            which locates a failure to one layer.
        max_escalate: at most this many coordinates per failing tensor in ``auto``.

    Returns:
        A :class:`Report`; rows in backward order (layer L first): W[l], b[l], dA[l-1].
    """
    if mode not in MODES:
        raise ValueError(f"unknown mode {mode!r}; known: {', '.join(MODES)}")
    start = time.perf_counter()
    net64, notes = _float64_copy(net)
    if mode == "full":
        P = net64.num_parameters()
        m = np.shape(X)[-1]
        extra = sum(n * m for n in net64.layer_dims[:-1]) if boundaries else 0
        if P + extra > 2000:
            t0 = time.perf_counter()
            with no_grad():
                net64.cost(X, Y)
            est = 2 * (P + extra) * (time.perf_counter() - t0)
            what = f"2P = {2 * P:,} for the parameters" + (
                f" + {2 * extra:,} for the dA[l] boundaries" if extra else ""
            )
            warnings.warn(
                f"mode='full' runs {2 * (P + extra):,} forward passes ({what}; about {est:.0f} s "
                "here); mode='auto' checks every tensor with a few passes",
                stacklevel=2,
            )
    targets, j0 = _network_targets(net64, X, Y, boundaries)
    counter = _Counter()
    counter.passes = 1 + net64.L
    rows = _run_targets(targets, mode, step, k, seed, j0, counter, max_escalate)
    report = Report(
        f"gradcheck mode={mode}",
        rows,
        _step_text(step),
        counter.passes,
        time.perf_counter() - start,
        notes,
    )
    return report


# ----------------------------------------------------------------------------- functions
def check_gradients(
    fn: Callable[..., Tensor],
    inputs: Sequence[Any],
    mode: str = "full",
    step: float | None = None,
    k: int = 10,
    seed: int = 0,
    names: Sequence[str] | None = None,
) -> Report:
    """Check the gradients of any scalar function of Tensors (custom Functions included).

    Args:
        fn: called as ``fn(*tensors)``; returns a one-element Tensor.
        inputs: Tensors or arrays; every one is checked (as float64 copies).
        mode: as in :func:`gradcheck` (``full`` by default: small inputs).
        step: as in :func:`gradcheck`.
        k: as in :func:`gradcheck`.
        seed: as in :func:`gradcheck`.
        names: row names (default: the tensors' names, else ``input0, input1, ...``).

    Example::

        report = check_gradients(lambda x: (Cube.apply(x) * 2).sum(), [np.ones((2, 3))])
        assert report.passed, str(report)
    """
    start = time.perf_counter()
    arrays = [np.array(t.data if isinstance(t, Tensor) else t, dtype=np.float64) for t in inputs]
    labels = (
        list(names)
        if names is not None
        else [
            (t.name if isinstance(t, Tensor) and t.name else f"input{i}")
            for i, t in enumerate(inputs)
        ]
    )
    notes = []
    if any(np.asarray(t.data if isinstance(t, Tensor) else t).dtype == np.float32 for t in inputs):
        notes.append("float32 inputs checked as float64 copies")
    tensors = [Tensor(a, requires_grad=True, name=n) for a, n in zip(arrays, labels)]
    out = fn(*tensors)
    if not isinstance(out, Tensor) or out.size != 1:
        raise ValueError("check_gradients: fn must return a one-element Tensor (reduce first)")
    analytic = [g.data.copy() for g in grad(out, tensors)]

    def evaluate() -> tuple[float, list]:
        return _with_kinks(lambda: fn(*[Tensor(a) for a in arrays]).data.item())

    j0, base = evaluate()
    targets = [_Target(n, None, a, g, evaluate, base) for n, a, g in zip(labels, arrays, analytic)]
    counter = _Counter()
    counter.passes = 1
    rows = _run_targets(targets, mode, step, k, seed, j0, counter, 200)
    return Report(
        f"check_gradients mode={mode}",
        rows,
        _step_text(step),
        counter.passes,
        time.perf_counter() - start,
        notes,
    )


# ----------------------------------------------------------------------------- textbook
def compare_with_textbook(net: Any, X: Any, Y: Any, rtol: float = 1e-10) -> Report:
    """Compare reverse-mode gradients with the course's closed-form backprop, per layer.

    Rows (layer L first): dZ[l], dW[l], db[l], dA[l-1]. The textbook's dZ and dA are
    derivatives of the summed loss, m times the exact dJ/dZ and dJ/dA; this comparison
    multiplies the autodiff values by m before comparing, and says so.
    """
    from autograd_dnn import textbook as tb

    start = time.perf_counter()
    if net.output_activation != "sigmoid":
        raise ValueError(
            "compare_with_textbook follows the course's model: a sigmoid output with "
            f"cross-entropy; this network's output is {net.output_activation}"
        )
    net64, notes = _float64_copy(net)
    Xt = net64.check_X(X)
    Yd = net64.check_Y(Y, Xt.shape[1])
    m = Xt.shape[1]
    params = net64.get_parameters()
    acts = net64.activations
    slope = net64.leaky_slope
    AL, caches = tb.model_forward(Xt.data, params, activations=acts, slope=slope)
    kwargs = {"lambd": net64.l2} if net64.l2 else {}
    course = tb.model_backward(AL, Yd, caches, activations=acts, slope=slope, **kwargs)
    auto = net64.gradients(Xt, Yd)
    notes.append("dZ and dA: course values (summed loss) compared with m * dJ/dZ, m * dJ/dA")
    rows = []
    for l in range(net64.L, 0, -1):
        for key, factor in ((f"dZ{l}", m), (f"dW{l}", 1), (f"db{l}", 1), (f"dA{l - 1}", m)):
            if key not in course:
                continue
            rows.append(_compare_row(key, l, auto[key] * factor, np.asarray(course[key]), rtol))
    return Report(
        "compare_with_textbook",
        rows,
        f"closed form vs autodiff, rtol {rtol:g}",
        1,
        time.perf_counter() - start,
        notes,
    )


def _compare_row(name: str, layer: int, a: np.ndarray, c: np.ndarray, rtol: float) -> Row:
    shape = tuple(a.shape)
    if a.shape != c.shape:
        return Row(
            name,
            layer,
            shape,
            "closed form",
            0,
            float("inf"),
            float("inf"),
            None,
            float("nan"),
            float("nan"),
            None,
            0,
            False,
            "BUG",
            f"shape {a.shape} (autodiff) vs {c.shape} (textbook)",
        )
    err = np.abs(a - c)
    denom = np.linalg.norm(a) + np.linalg.norm(c)
    rel = float(np.linalg.norm(a - c) / denom) if denom > 0 else 0.0
    worst = np.unravel_index(int(np.argmax(err)), a.shape) if a.size else ()
    ratio = None
    nz = np.abs(c) > 1e-12 * max(1.0, float(np.abs(c).max(initial=0)))
    if nz.any():
        r = a[nz] / c[nz]
        med = float(np.median(r))
        if np.all(np.abs(r - med) <= 1e-6 * max(1, abs(med))) and abs(med - 1) > 1e-6:
            ratio = med
    passed = rel <= rtol
    return Row(
        name,
        layer,
        shape,
        "closed form",
        int(a.size),
        rel,
        float(err.max(initial=0)),
        tuple(int(i) for i in worst),
        float(a[worst]) if a.size else 0.0,
        float(c[worst]) if c.size else 0.0,
        ratio,
        0,
        passed,
        "ok" if passed else "BUG",
    )
