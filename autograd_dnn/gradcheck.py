"""Gradient checks that name the faulty layer, with a verdict that states why it is right.

Three checks, each returning a :class:`Report` (one row per tensor):

- :func:`gradcheck` compares a network's reverse-mode gradients with a numeric derivative:
  every parameter W[l], b[l], and dJ/dA[l] at every layer boundary (perturb A[l], rerun only
  layers l+1..L), so a failure is located to one layer.
- :func:`compare_with_textbook` compares them with the course's closed-form backprop.
- :func:`check_gradients` checks any function of Tensors returning a scalar (custom
  Functions too).

Two more: :func:`gradgradcheck` checks second derivatives (Hessian-vector products of a
``create_graph=True`` gradient against finite differences of the gradient), and
:func:`check_batch_consistency` checks that the batch gradient is the mean of the m
per-example gradients (a 1/m bug shows with no finite difference at all).

How the numeric derivative is taken (``method``):

- ``"complex"``: the complex step J'(theta) = Im J(theta + i h) / h with h = 1e-20. The cost
  is evaluated by a small complex evaluator of the dense network (``_complex_cost``), built
  from the layers' parameters and activation names; relu and leaky relu take their branch from
  the sign of the real part (so relu'(0) = 0, as the engine). No difference of two nearby
  numbers is taken, so the value is exact to rounding at any parameter scale. It applies when
  every op's FORWARD is a built-in one (a custom Function that only overrides ``backward`` is
  fine: its forward is the built-in's); otherwise ``method="complex"`` raises an error naming
  the op.
- ``"central"``: central differences with Richardson extrapolation (a Neville tableau over
  the steps h, h/2, h/4, ...), which also gives an estimate of the value's error. The first
  step adapts to the local scale of J: it shrinks by 16 while the differences at h and h/2
  disagree (the cost is not yet near quadratic there).
- ``"auto"`` (the default): complex where it applies, else central.

The verdict is "agree within the estimated error": a coordinate passes when
|analytic - numeric| <= its estimated error, which adds

- the numeric value's own error (Richardson's estimate and the rounding of J divided by the
  step; zero for the complex step apart from rounding), and
- the rounding error of the two computations: a running error bound of the dense network's
  forward and backward passes (``_error_scales``), 4 eps (m + max n[l] + 4L) times the sum of
  the absolute values of the terms that make up each derivative, plus the forward pass's
  rounding error carried to the gradient. A sum that cancels therefore gets the tolerance
  its terms call for, not the one its small result suggests.

Models other than DeepNetwork (recurrent, convolutional, your own) are checked when they are
*checkable*: besides the ``Trainable`` protocol of :mod:`autograd_dnn.train` (``check_X``,
``check_Y``, ``samples``, ``parameters``, ``batch_cost``) they offer

- ``gradients(X, Y)``: the exact partials by name, ``d<parameter>`` for every parameter and
  ``<boundary.key>`` for every boundary;
- ``boundaries(X, Y)``: a list of :class:`Boundary` (a value J depends on, such as ``A[l]`` or
  ``a<t>``, with ``cost(v)`` giving J with that value replaced, and the layer or time step
  ``where`` whose backward computes its partial);

and, optionally, ``check_unit`` (``"layer"`` or ``"time step"``), ``parameter_where(name)``
(the layer of a parameter), ``parameter_group(name)`` (``"gate: f"``), ``parameter_uses(X,
Y)`` (a shared parameter as used at each time step, with those partials: a failing shared
parameter is checked again per use, which locates the step), ``astype(dtype)`` (a float64
copy of a float32 model) and, for :func:`compare_with_textbook`, ``textbook_layers()``.
``RNNModel`` and ``ConvNetwork`` implement it. Such a model is checked by central
differences (no complex evaluation of its ops exists; the report's first line says so), every
parameter and every boundary a row; the analytic value's rounding bound is norm-wise there
(see the tolerance).

Kinks (relu, leaky relu, abs, clip, max): in central mode, a coordinate whose step makes an
entry change side of a kink is re-checked with one-sided differences on each side; the
analytic value passes when it matches a side, or lies between the two (a valid subgradient).
A coordinate that touches a pre-activation exactly at 0 is counted per row (``at_kink``);
with the complex step the branch is the one the engine's convention takes.
"""

from __future__ import annotations

import time
import warnings
from collections.abc import Callable, Sequence
from dataclasses import asdict, dataclass, field
from typing import Any, NamedTuple

import numpy as np

from autograd_dnn import losses, ops
from autograd_dnn.display import html_table
from autograd_dnn.engine import grad, no_grad
from autograd_dnn.modes import collect_kinks
from autograd_dnn.tensor import Tensor

MODES = ("auto", "full", "sampled", "directional")
METHODS = ("auto", "complex", "central")
EPS = float(np.finfo(np.float64).eps)
H_COMPLEX = 1e-20  # the complex step: any h below ~1e-8 |theta| gives the same value
SAFETY = 4.0  # every estimated error is multiplied by this before the verdict
LEVELS = 6  # Richardson: steps h, h/2, ..., h/32
WEAK = 1e-3  # a passing row whose estimated error exceeds this fraction of |derivative| says so
WEAK_NOTE = "weak: the estimated error is up to"


# ----------------------------------------------------------------------------- the report
@dataclass
class Row:
    """One checked tensor.

    ``rel_diff`` is the course's ||g - g~|| / (||g|| + ||g~||) over the checked coordinates
    (or directions); both zero counts as agreement. ``est_err`` is the estimated error of the
    comparison at the worst coordinate (the failing one with the largest |g - g~|): the row
    passes when every coordinate's difference is within its own estimated error. ``ratio`` is
    analytic / numeric when that ratio is the same on every checked coordinate (2.000: a
    doubled gradient; m: a missing 1/m), else None. ``kinks``: coordinates whose probe
    crossed a kink (checked one-sided); ``at_kink``: coordinates touching a pre-activation
    exactly at 0. ``group``: what the tensor belongs to (``"gate: f"``), from a checkable
    model's ``parameter_group``; ``axes``: the names of the worst index's axes (``"i, h, w,
    c"``), shown beside it.
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
    est_err: float = 0.0
    at_kink: int = 0
    group: str = ""  # what the tensor belongs to, e.g. "gate: f" (a model's parameter_group)
    axes: str = ""  # the names of the worst index's axes, e.g. "i, h, w, c"


@dataclass
class Report:
    """The result of a check: ``passed``, ``rows``, ``str(report)`` and ``to_dict()``.

    ``step`` names the method and its step rule; ``tolerance`` says why the tolerance is what
    it is. Both are printed on the first line of ``str(report)``.
    """

    title: str
    rows: list[Row]
    step: str
    forward_passes: int = 0
    seconds: float = 0.0
    notes: list[str] = field(default_factory=list)
    tolerance: str = ""
    unit: str = "layer"  # what Row.layer counts: "layer" or "time step"

    @property
    def passed(self) -> bool:
        return all(r.passed for r in self.rows)

    @property
    def failures(self) -> list[Row]:
        return [r for r in self.rows if not r.passed]

    @property
    def first_faulty_layer(self) -> int | None:
        """The layer (or time step, ``unit``) nearest the output whose rows fail: errors only
        flow toward the input, so that is where the faulty backward sits."""
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
            "unit": self.unit,
            "first_faulty_layer": self.first_faulty_layer,
            "step": self.step,
            "tolerance": self.tolerance,
            "forward_passes": self.forward_passes,
            "seconds": self.seconds,
            "notes": list(self.notes),
            "rows": [_jsonable({**asdict(r), "shape": list(r.shape)}) for r in self.rows],
        }

    @property
    def header(self) -> str:
        """The first line: what was computed, with which step, and why the tolerance."""
        tolerance = f"; tolerance: {self.tolerance}" if self.tolerance else ""
        return f"{self.title}: {self.step}{tolerance}"

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
            weak = [r.name for r in self.rows if WEAK_NOTE in r.note]
            caveat = (
                f" Weak: {', '.join(weak)} agree only within an estimated error above "
                f"{WEAK:g} of the derivative; a smaller bug would pass there (method='complex' "
                "resolves it where it applies)."
                if weak
                else ""
            )
            return f"PASSED: all {len(self.rows)} gradients agree ({self.title}).{caveat}"
        bad = self.failures
        layer = self.first_faulty_layer
        names = ", ".join(r.name for r in bad if r.layer == layer) if layer else bad[0].name
        worst = max(bad, key=lambda r: r.rel_diff if np.isfinite(r.rel_diff) else np.inf)
        hint = _ratio_hint(worst.ratio)
        at = f"t = {layer}" if self.unit == "time step" else f"{self.unit} {layer}"
        where = (
            f"the first faulty {self.unit} is {at} (failing there: {names})"
            if layer is not None
            else f"failing: {', '.join(r.name for r in bad)}"
        )
        groups = _groups([r for r in bad if r.layer == layer])
        after = [r.name for r in bad if r.layer is None and not r.group]
        if self.unit == "time step" and after:  # da<T_x>: only the output sends it back
            shared = ", ".join(r.name for r in bad if r.layer is None)
            where = (
                f"the fault is after the last time step, in the output's backward (failing "
                f"there: {shared}; {', '.join(after)} come from the output alone)"
            )
            groups = _groups([r for r in bad if r.layer is None and r.group == "output layer"])
            layer = None
        if groups:
            where += f"; {groups}"
        elif layer is not None and any(r.group for r in self.rows):
            where += "; no parameter fails there: the gradient it passes back is wrong"
        return (
            f"FAILED: {where}; worst: "
            f"{worst.name}, relative difference {worst.rel_diff:.3g}{hint}. {worst.note}".rstrip()
        )

    def _table(self) -> tuple[list[str], list[list[str]]]:
        """The header and one row of cells per checked tensor: what str() and the HTML show."""
        head = _REPORT_COLUMNS.split(", ")
        head[1] = "t" if self.unit == "time step" else self.unit  # the layer or time step
        rows = []
        for r in self.rows:
            kinks = str(r.kinks) + (f" ({r.at_kink} at 0)" if r.at_kink else "")
            rows.append(
                [
                    r.name,
                    "" if r.layer is None else str(r.layer),
                    "x".join(map(str, r.shape)) or "()",
                    r.method,
                    str(r.checked),
                    f"{r.rel_diff:.2e}",
                    f"{r.max_abs_err:.2e}",
                    f"{r.est_err:.1e}",
                    _index_text(r),
                    f"{r.analytic:+.6e}",
                    f"{r.numeric:+.6e}",
                    "" if r.ratio is None else f"{r.ratio:.3f}",
                    kinks,
                    r.verdict,
                ]
            )
        return head, rows

    def __str__(self) -> str:
        head, cells = self._table()
        rows = [head, *cells]
        widths = [max(len(row[i]) for row in rows) for i in range(len(head))]
        lines = [self.header, f"{self.forward_passes} forward passes, {self.seconds:.2f} s"]
        lines += [f"note: {n}" for n in self.notes]
        for k, row in enumerate(rows):
            lines.append("  ".join(c.ljust(w) for c, w in zip(row, widths)).rstrip())
            if k == 0:
                lines.append("  ".join("-" * w for w in widths))
        notes = [f"  {r.name}: {r.note}" for r in self.rows if r.note]
        if notes:
            lines += ["row notes:", *notes]
        lines.append(self.summary())
        return "\n".join(lines)

    def __repr__(self) -> str:
        verdict = "passed" if self.passed else f"FAILED at layer {self.first_faulty_layer}"
        return f"Report({self.title!r}, {len(self.rows)} rows, {verdict})"

    def _repr_html_(self) -> str:
        """The report as an HTML table in Jupyter, failing rows shaded red."""
        head, cells = self._table()
        bad = [k for k, r in enumerate(self.rows) if not r.passed]
        notes = [f"note: {n}" for n in self.notes]
        notes += [f"{r.name}: {r.note}" for r in self.rows if r.note]
        return html_table(head, cells, self.header, [*notes, self.summary()], highlight=bad)


_REPORT_COLUMNS = (
    "tensor, layer, shape, method, checked, rel diff, max abs err, est err, worst index, "
    "analytic, numeric, ratio, kinks, verdict"
)


def _index_text(r: Row) -> str:
    if r.worst_index is None:
        return ""
    idx = str(tuple(int(i) for i in r.worst_index))
    return f"({r.axes}) = {idx}" if r.axes else idx


def _groups(rows: list[Row]) -> str:
    """The rows' groups as one phrase: "gate: f", "gate: f, i", "output layer"."""
    by_kind: dict[str, list[str]] = {}
    for r in rows:
        if not r.group:
            continue
        kind, _, label = r.group.partition(": ")
        labels = by_kind.setdefault(kind if label else "", [])
        if (label or kind) not in labels:
            labels.append(label or kind)
    parts = [f"{k}: {', '.join(v)}" if k else ", ".join(v) for k, v in by_kind.items()]
    return "; ".join(parts)


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


# ----------------------------------------------------------------------------- checkable models
class Boundary(NamedTuple):
    """A value J depends on, offered by a checkable model so a failure can be located.

    ``name``: the report's row (``dA1``, ``da<3>``, ``Wf<3>``); ``key``: the key of its exact
    partial in the model's gradients (``dA1``, ``da3``, ``dWf3``); ``where``: the layer or
    time step whose backward computes that partial (None: none in particular); ``value``: its
    value in the unperturbed forward pass; ``cost(v)``: J (a scalar Tensor or a number) with
    the value replaced by the array ``v``, the rest of the model rerun from there; ``of``: for
    one use of a shared parameter (an RNN's ``Wf`` at step t), the parameter's name;
    ``axes``: the names of the value's axes for the report (``"i, h, w, c"``).
    """

    name: str
    key: str
    where: int | None
    value: np.ndarray
    cost: Callable[[np.ndarray], Any]
    of: str | None = None
    axes: str = ""


CHECKABLE = ("check_X", "check_Y", "samples", "parameters", "batch_cost", "gradients", "boundaries")


class FrozenNetwork:
    """A DeepNetwork with dropout or batch norm as the checkable protocol sees it: the cost
    ``fit`` descends (training mode: batch norm with the batch's own mu and sigma2), with its
    dropout masks drawn once (``net.dropout_masks(m, seed)``) and frozen, so every evaluation
    of J, perturbed or not, drops the same units. The course says gradient checking "doesn't
    work with dropout"; with the masks frozen it does. Rows: every parameter (``W{l}``,
    ``b{l}`` or ``gamma{l}``, ``beta{l}``) and every boundary ``dA{l-1}``, by layer.
    """

    check_unit = "layer"
    check_kind = "DeepNetwork in training mode, dropout masks frozen"

    def __init__(self, net: Any, m: int, seed: int = 0) -> None:
        self.net, self.masks = net, net.dropout_masks(m, seed=seed)
        for name in ("check_X", "check_Y", "samples", "parameters"):
            setattr(self, name, getattr(net, name))

    def batch_cost(self, X: Tensor, Y: np.ndarray, l2_m: int | None = None) -> Tensor:
        return self.net.cost_from(1, X, Y, l2_m, training=True, masks=self.masks)

    def gradients(self, X: Any, Y: Any) -> dict[str, np.ndarray]:
        return self.net.gradients(X, Y, dA0=True, training=True, masks=self.masks)

    def boundaries(self, X: Tensor, Y: np.ndarray) -> list[Boundary]:
        """A[0] = X .. A[L-1], each what layer l reads (after dropout), and J from there."""
        cache: list = []
        with no_grad():
            self.net.cost_from(1, X, Y, cache=cache, training=True, masks=self.masks)
        values = [X.data] + [A.data for _, A in cache[:-1]]
        m = X.shape[1]

        def cost(l: int) -> Callable[[np.ndarray], Tensor]:
            return lambda v: self.net.cost_from(l, v, Y, m, training=True, masks=self.masks)

        return [Boundary(f"dA{l - 1}", f"dA{l - 1}", l, values[l - 1], cost(l))
                for l in range(self.net.L, 0, -1)]  # fmt: skip

    def parameter_where(self, name: str) -> int | None:
        digits = "".join(c for c in name if c.isdigit())
        return int(digits) if digits else None


def is_checkable(model: Any) -> bool:
    """Whether ``model`` offers the checkable protocol (module :mod:`autograd_dnn.gradcheck`):
    the ``Trainable`` methods ``check_X``, ``check_Y``, ``samples``, ``parameters``,
    ``batch_cost`` and ``gradients(X, Y)``, ``boundaries(X, Y)``."""
    return all(callable(getattr(model, k, None)) for k in CHECKABLE)


# ----------------------------------------------------------------------------- targets
@dataclass
class _Target:
    """One tensor to check: its values (perturbed in place), the analytic dJ/d(values), and
    how to evaluate J.

    ``evaluate()`` gives (J, kink sides) at the current real values; ``complex_eval(d)`` gives
    (J, touched a kink at exactly 0) with the tensor replaced by values + i d, or is
    None when the complex step does not apply. ``bound`` is the rounding error of the analytic
    value per coordinate (an absolute number, see ``_error_scales``); ``noise`` the rounding
    error of one evaluation of J.
    """

    name: str
    layer: int | None
    values: np.ndarray
    analytic: np.ndarray | None
    evaluate: Callable[[], tuple[float, list]]
    base_kinks: list | None  # None: computed on first use (complex-step targets rarely need it)
    note: str = ""
    complex_eval: Callable[[np.ndarray], tuple[complex, bool]] | None = None
    bound: np.ndarray | None = None
    noise: float = 0.0


class _Counter:
    def __init__(self) -> None:
        self.passes = 0


def _with_kinks(fn: Callable[[], Any], record: bool = False) -> tuple[Any, list]:
    """fn() under no_grad (``record=True``: with the graph recorded, for gradients), with the
    kink sides the engine's ops report while it runs (``modes.collect_kinks``)."""
    with collect_kinks() as log, np.errstate(all="ignore"):
        if record:
            value = fn()
        else:
            with no_grad():
                value = fn()
    return value, log


def _crossed(base: list, now: list) -> bool:
    if len(base) != len(now):
        return True
    return any(a.shape != b.shape or not np.array_equal(a, b) for a, b in zip(base, now))


# ----------------------------------------------------------------------------- central differences
class _Line:
    """J along one coordinate (``idx``) or one direction (``u``) of a target: ``at(s)`` moves
    the coordinate to v + s (or the tensor to base + s u), evaluates, restores, and returns
    (J, kink sides, the step really taken). Evaluations are memoized by s."""

    def __init__(self, t: _Target, counter: _Counter, idx: tuple | None, u: np.ndarray | None):
        self.t, self.counter, self.idx, self.u = t, counter, idx, u
        self.base = t.values.copy() if u is not None else None
        self.v = float(t.values[idx]) if idx is not None else 0.0
        self.memo: dict[float, tuple[float, list, float]] = {}

    def at(self, s: float) -> tuple[float, list, float]:
        if s in self.memo:
            return self.memo[s]
        t = self.t
        if self.idx is not None:
            x = self.v + s
            t.values[self.idx] = x
            taken = x - self.v  # the step the float really took
        else:
            # a line has a coordinate idx or a direction u, whose base __init__ copied
            assert self.base is not None and self.u is not None
            t.values[...] = self.base + s * self.u
            taken = s
        try:
            J, kinks = t.evaluate()
        finally:
            if self.idx is not None:
                t.values[self.idx] = self.v
            else:
                t.values[...] = self.base
        self.counter.passes += 1
        self.memo[s] = (J, kinks, taken)
        return self.memo[s]

    def diff(self, h: float, side: int, ref: list) -> float | None:
        """Central (side 0) or one-sided (side +-1) difference at step h; None when an entry
        ends on another side of a kink than in ``ref``."""
        if side == 0:
            (jp, kp, ep), (jm, km, em) = self.at(h), self.at(-h)
            if _crossed(ref, kp) or _crossed(ref, km) or ep == em:
                return None
            return (jp - jm) / (ep - em)
        j0 = self.at(0.0)[0]
        j1, k1, e1 = self.at(side * h)
        if _crossed(ref, k1) or e1 == 0:
            return None
        return (j1 - j0) / e1


def _richardson(diff: Callable[[float], float | None], h: float, order: int) -> tuple | None:
    """Neville's tableau of diff(h), diff(h/2), ... (Ridders' method).

    ``order`` 2 for central differences (error h^2, h^4, ...), 1 for one-sided (h, h^2, ...).
    Returns (value, estimated error, the smallest step it used), or None without two levels.
    The error estimate of an entry is its distance to the two entries it came from; the entry
    with the smallest estimate wins; the table stops when the diagonal moves away by more than
    twice that (rounding has taken over).
    """
    rows: list[list[float]] = []
    best: tuple | None = None
    stride = 2 if order == 2 else 1
    for i in range(LEVELS):
        hi = h / 2**i
        d = diff(hi)
        if d is None:
            break
        row = [d]
        for j in range(1, i + 1):
            fac = 2.0 ** (order + stride * (j - 1))
            row.append(row[j - 1] + (row[j - 1] - rows[i - 1][j - 1]) / (fac - 1))
            err = max(abs(row[j] - row[j - 1]), abs(row[j] - rows[i - 1][j - 1]))
            if best is None or err < best[1]:
                best = (row[j], err, hi)
        rows.append(row)
        if best is not None and i >= 2 and abs(row[i] - rows[i - 1][i - 1]) > 2 * best[1]:
            break
    return best


def _search(line: _Line, h: float, side: int, ref: list, noise: float) -> tuple | None:
    """The numeric derivative along ``line`` (central: side 0; one-sided: side +-1) with the
    step adapted to the local scale of J, not to |theta|.

    From h, the first step of a Richardson tableau is divided by 16 while an entry crosses a
    kink, or the tableau's error estimate is above 1e-8 of the value (J is not yet smooth at
    that scale: a saturated sigmoid, say, looks linear at large steps), and stops where the
    rounding noise of J over the step reaches 1e-3 of the derivative (smaller steps only get
    noisier). Returns (value, error) of the tableau with the smallest error, or None when no
    step within 16^-9 h stays on the side of every kink."""
    best = None
    order = 2 if side == 0 else 1
    for _ in range(10):
        d1 = line.diff(h, side, ref)
        d2 = None if d1 is None else line.diff(h / 2, side, ref)
        if d1 is None or d2 is None:
            h /= 16
            continue
        if 8 * noise / h > 1e-3 * max(abs(d1), abs(d2)) and d1 != d2 and best is not None:
            break
        got = _richardson(lambda s: line.diff(s, side, ref), h, order)
        if got is not None:
            value, err, h_end = got
            err += 4 * noise / h_end
            if best is None or err < best[1]:
                best = (value, err)
            if err <= 1e-8 * abs(value) or 8 * noise / h > 1e-3 * max(abs(d1), abs(d2)):
                break
        h /= 16
    return best


@dataclass
class _Numeric:
    """A numeric derivative: value, estimated error, and how it was found."""

    value: float
    err: float
    crossed: bool = False  # the central step crossed a kink: one-sided re-check
    at_kink: bool = False  # an entry sits on a kink (it flips at every step on one side)
    between: tuple[float, float] | None = None  # left and right derivatives at a kink
    between_err: float = 0.0
    clean: bool = True  # a side keeps every kink entry where it is (the engine's convention)


def _fd(line: _Line, h0: float, noise: float, fixed: bool) -> _Numeric | None:
    """dJ/ds along ``line`` by central differences with Richardson extrapolation.

    ``fixed``: the course's rule, one central difference at h0 (its error estimated from the
    difference at 2 h0). When the central step crosses a kink, each side is checked with
    one-sided differences, keeping every entry on the side it has at a tiny step of that side
    (entries exactly on the kink flip at every step: they are allowed to, and counted)."""
    if line.t.base_kinks is None:
        line.t.base_kinks = line.t.evaluate()[1]
        line.counter.passes += 1
    base = line.t.base_kinks
    got = None
    if fixed:
        d1, d2 = line.diff(h0, 0, base), line.diff(2 * h0, 0, base)
        if d1 is not None and d2 is not None:
            return _Numeric(d1, abs(d2 - d1) / 3 + 4 * noise / h0)
    else:
        got = _search(line, h0, 0, base, noise)
        if got is not None and got[1] <= 1e-6 * abs(got[0]) + 1e-300:
            return _Numeric(*got)
    sides: dict[int, tuple[float, float, bool]] = {}
    tiny = h0 * 16.0**-9
    for side in (1, -1):
        ref = line.at(side * tiny)[1]
        found = _search(line, h0, side, ref, noise)
        if found is not None:
            sides[side] = (*found, _crossed(base, ref))
    if not sides:
        return None if fixed or got is None else _Numeric(*got)
    if not fixed and got is not None and all(not on for _, _, on in sides.values()):
        best = min([got, *[(v, e) for v, e, _ in sides.values()]], key=lambda ve: ve[1])
        if best is got:
            return _Numeric(*got)
    at_kink = any(on for _, _, on in sides.values())
    clean = [s for s, (_, _, on) in sides.items() if not on]
    pick = min(
        clean or list(sides), key=lambda s: sides[s][1]
    )  # the engine's side of an exact kink
    value, err, _ = sides[pick]
    between = None
    if len(sides) == 2:
        between = (min(sides[1][0], sides[-1][0]), max(sides[1][0], sides[-1][0]))
    return _Numeric(
        value,
        err,
        crossed=line.diff(h0, 0, base) is None,
        at_kink=at_kink,
        between=between,
        between_err=max(sides[1][1], sides[-1][1]) if between else 0.0,
        clean=bool(clean),
    )


def _h0(v: float, step: float | None) -> float:
    if step is not None:
        return step
    return EPS ** (1 / 4) * max(1.0, abs(v))


# ----------------------------------------------------------------------------- one tensor
def _coordinate(
    t: _Target, analytic: np.ndarray, idx: tuple, step: float | None, counter: _Counter
) -> tuple[_Numeric | None, float]:
    """(numeric derivative of J in values[idx], rounding error of the analytic value)."""
    bound = 0.0 if t.bound is None else float(t.bound[idx])
    a = float(analytic[idx])
    if t.complex_eval is not None:
        d = np.zeros(t.values.shape)
        d[idx] = H_COMPLEX
        J, touched = t.complex_eval(d)
        counter.passes += 1
        num = _Numeric(J.imag / H_COMPLEX, bound, at_kink=touched)
        if not touched or abs(a - num.value) <= _allowed(a, num, bound):
            return num, bound
        # on an exact kink the complex step takes the engine's branch; another valid
        # subgradient is judged by the kink rule of central differences
    line = _Line(t, counter, idx, None)
    return _fd(line, _h0(line.v, step), t.noise, step is not None), bound


def _allowed(a: float, num: _Numeric, bound: float) -> float:
    """The largest |analytic - numeric| that still agrees: SAFETY x (the numeric value's
    error + the analytic value's rounding error), plus a few ulps of both numbers."""
    return SAFETY * (num.err + bound) + 8 * EPS * (abs(a) + abs(num.value))


def _elementwise(
    t: _Target,
    analytic: np.ndarray,
    indices: list[tuple],
    step: float | None,
    counter: _Counter,
    method: str,
) -> Row:
    """``t.analytic`` (given as ``analytic``, not None) against central differences (or
    the complex step) at each of ``indices``."""
    a_list, n_list, e_list, ok_list, kept = [], [], [], [], []
    skipped = crossed = at_kink = between = 0
    for idx in indices:
        num, bound = _coordinate(t, analytic, idx, step, counter)
        if num is None:
            skipped += 1
            continue
        a = float(analytic[idx])
        allowed = _allowed(a, num, bound)
        ok = abs(a - num.value) <= allowed
        if not ok and num.between is not None:
            lo, hi = num.between
            slack = _allowed(a, _Numeric(num.value, num.between_err), bound)
            ok = lo - slack <= a <= hi + slack  # a subgradient at the kink
            if ok:  # the numeric derivative is the set [lo, hi]: report its nearest point
                between += 1
                num = _Numeric(float(np.clip(a, lo, hi)), num.between_err, num.crossed, True)
                allowed = max(allowed, slack)
        if not ok and not num.clean:
            # entries on the kink flip on BOTH sides (a step moves some right, some left): the
            # convention's value is a mix no one-sided difference measures; not decidable here
            skipped += 1
            at_kink += 1
            continue
        crossed += num.crossed
        at_kink += num.at_kink
        a_list.append(a)
        n_list.append(num.value)
        e_list.append(allowed)
        ok_list.append(ok)
        kept.append(idx)
    row = _row(t, method, a_list, n_list, e_list, ok_list, kept, crossed + skipped, at_kink)
    notes = []
    if crossed:
        notes.append(
            f"{crossed} coordinate(s) whose step crossed a kink were checked one-sided on each side"
        )
    if between:
        notes.append(
            f"{between} lie between the left and right derivatives (a subgradient; numeric "
            "shows the nearest point of that interval)"
        )
    if skipped:
        notes.append(
            f"{skipped} coordinate(s) not checked: on kinks that a step crosses on both sides "
            "(method='complex' checks them)"
        )
    if notes:
        row.note = "; ".join([row.note, *notes] if row.note else notes) + "."
    return row


def _directional(
    t: _Target,
    analytic: np.ndarray,
    rng: np.random.Generator,
    step: float | None,
    counter: _Counter,
    tries: int = 3,
) -> tuple[Row | None, bool]:
    """<g, u> against the numeric derivative along a random unit u. Returns (row, under the
    noise floor); row None when every try crossed a kink."""
    kinks = 0
    for _ in range(tries):
        u = rng.standard_normal(t.values.shape)
        u /= np.linalg.norm(u) or 1.0
        au = analytic * u
        a = float(au.sum())
        np.abs(au, out=au)
        bound = 4 * EPS * float(au.sum())  # the rounding of the sum of a_i u_i itself
        del au
        if t.bound is not None:
            bound += float(np.vdot(np.abs(u), t.bound))
        num: _Numeric | None
        if t.complex_eval is not None:
            J, touched = t.complex_eval(H_COMPLEX * u)
            counter.passes += 1
            num = _Numeric(J.imag / H_COMPLEX, bound, at_kink=touched)
            if touched and abs(a - num.value) > _allowed(a, num, bound):
                kinks += 1  # another convention at an exact kink? elementwise decides
                continue
        else:
            line = _Line(t, counter, None, u)
            scale = max(1.0, float(np.max(np.abs(t.values), initial=0.0)))
            num = _fd(line, _h0(scale, step), t.noise, step is not None)
            if num is None or num.crossed:
                kinks += 1
                continue
        allowed = _allowed(a, num, bound)
        row = _row(t, "directional", [a], [num.value], [allowed], [abs(a - num.value) <= allowed],
                   [None], kinks, int(num.at_kink))  # fmt: skip
        return row, max(abs(a), abs(num.value)) <= allowed
    return None, False


def _row(
    t: _Target,
    method: str,
    a_list: list[float],
    n_list: list[float],
    e_list: list[float],
    ok_list: list[bool],
    kept: list,
    kinks: int,
    at_kink: int,
) -> Row:
    shape = tuple(t.values.shape)
    if not a_list:
        return Row(
            t.name, t.layer, shape, method, 0, 0.0, 0.0, None, 0.0, 0.0, None, kinks, True,
            "not checked",
            "every probe crossed kinks on both sides: check again after some training, or "
            "with biases away from 0", at_kink=at_kink,
        )  # fmt: skip
    a, n, e, ok = np.array(a_list), np.array(n_list), np.array(e_list), np.array(ok_list)
    err = np.abs(a - n)
    denom = np.linalg.norm(a) + np.linalg.norm(n)
    rel = float(np.linalg.norm(a - n) / denom) if denom > 0 else 0.0
    worst = int(np.argmax(np.where(ok, -1.0, err))) if not ok.all() else int(np.argmax(err))
    ratio = None
    big = np.abs(n) > 10 * e
    if big.any() and not ok.all():
        r = a[big] / n[big]
        med = float(np.median(r))
        if np.all(np.abs(r - med) <= 1e-3 * max(1.0, abs(med))) and abs(med - 1) > 1e-3:
            ratio = med
    passed = bool(ok.all())
    verdict = "ok" if passed else ("BUG" if rel > 1e-5 else "look again")
    idx = kept[worst]
    note = t.note
    size = np.maximum(np.abs(a), np.abs(n))
    seen = size > 0
    if passed and seen.any():
        resolution = float(np.max(e[seen] / size[seen]))
        if resolution > WEAK:
            note = _join(note, f"{WEAK_NOTE} {resolution:.1e} of the derivative here")
    return Row(
        t.name, t.layer, shape, method, int(a.size), rel, float(err.max()),
        None if idx is None else tuple(int(i) for i in idx), float(a[worst]), float(n[worst]),
        ratio, kinks, passed, verdict, note, est_err=float(e[worst]), at_kink=at_kink,
    )  # fmt: skip


def _run_targets(
    targets: list[_Target],
    mode: str,
    step: float | None,
    k: int,
    seed: int,
    counter: _Counter,
    max_escalate: int,
) -> list[Row]:
    if mode not in MODES:
        raise ValueError(f"unknown mode {mode!r}; known: {', '.join(MODES)}")
    rng = np.random.default_rng(seed)
    rows = []
    for t in targets:
        analytic = t.analytic
        if analytic is None:  # the backward failed: only the tensor it named is at fault
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
                )  # fmt: skip
            )
            continue
        size = t.values.size
        if mode == "full":
            rows.append(_elementwise(t, analytic, _indices(t, range(size)), step, counter, "full"))
            continue
        if mode == "sampled":
            n = min(k, size)
            idx = _indices(t, np.sort(rng.choice(size, size=n, replace=False)))
            row = _elementwise(t, analytic, idx, step, counter, f"sampled {n}")
            if n < size:
                row.note = _join(row.note, f"{size - n} of {size} coordinates not checked")
            rows.append(row)
            continue
        drow, noisy = _directional(t, analytic, rng, step, counter)
        why = (
            "every direction crossed a kink"
            if drow is None
            else "the projected numbers were under their estimated error"
            if noisy
            else "the directional check failed"
            if mode == "auto" and not drow.passed
            else ""
        )
        if not why and drow is not None:  # (why is empty only when there is a row)
            rows.append(drow)
            continue
        n = min(max_escalate, size)
        flat = range(size) if n == size else np.sort(rng.choice(size, size=n, replace=False))
        method = "elementwise" if n == size else f"elementwise {n}"
        erow = _elementwise(t, analytic, _indices(t, flat), step, counter, method)
        if drow is not None and not drow.passed and erow.passed and n < size:
            drow.note = _join(
                drow.note,
                f"the {n} coordinates checked elementwise agree: the fault is among the "
                f"other {size - n}",
            )
            rows.append(drow)
        else:
            erow.note = _join(erow.note, f"escalated: {why}")
            if n < size:
                erow.note = _join(erow.note, f"{size - n} of {size} coordinates not checked")
            rows.append(erow)
    return rows


def _join(a: str, b: str) -> str:
    return f"{a.rstrip('.')}; {b}" if a else b


def _indices(t: _Target, flat: Any) -> list[tuple[int, ...]]:
    """Flat positions -> index tuples of ``t.values``, in order."""
    shape = t.values.shape
    return [tuple(int(i) for i in np.unravel_index(int(f), shape)) for f in flat] if shape else [()]


# ----------------------------------------------------------------------------- the complex step
_LEAKY_DEFAULT = 0.01  # the slope of ops.LeakyReLU.forward when applied without one
_BUILTIN_FORWARDS: dict[Any, str] = {  # keyed by the forward function itself
    ops.ReLU.forward: "relu",
    ops.LeakyReLU.forward: "leaky_relu",
    ops.Tanh.forward: "tanh",
    ops.Sigmoid.forward: "sigmoid",
    ops.Softmax.forward: "softmax",
}


@dataclass
class _Plan:
    """What the complex evaluator computes: per layer (activation, leaky slope), and the cost
    ("fused" from Z[L] for sigmoid, softmax, linear outputs; else on A[L] as ``losses.cost``)."""

    acts: list[tuple[str, float]]
    fused: bool
    output: str
    l2: float


def _complex_plan(net: Any) -> tuple[_Plan | None, str]:
    """The plan, or (None, the op that has no complex evaluation)."""
    from autograd_dnn.nn import Dense

    acts = []
    for l, layer in enumerate(net.layers, start=1):
        if type(layer).forward is not Dense.forward:
            return None, f"layer {l} ({type(layer).__name__}) overrides forward"
        lin = layer.linear_fn
        if getattr(lin, "forward", None) is not ops.Linear.forward:
            return None, (
                f"layer {l}'s linear_fn {lin.__name__} (op {getattr(lin, 'op_name', '?')!r}) has "
                "a forward of its own"
            )
        fn = layer.activation_fn
        if fn is None:
            acts.append((layer.activation, net.leaky_slope))
            continue
        kind = _BUILTIN_FORWARDS.get(getattr(fn, "forward", None))
        if kind is None:
            return None, (
                f"layer {l}'s activation_fn {fn.__name__} (op {getattr(fn, 'op_name', '?')!r}) "
                "has a forward of its own"
            )
        acts.append((kind, _LEAKY_DEFAULT))
    last = net.layers[-1]
    fused = last.activation in losses.FUSED and last.activation_fn is None
    return _Plan(acts, fused, last.activation, float(net.l2 or 0.0)), ""


def _c_sigmoid(z: np.ndarray) -> np.ndarray:
    out = np.empty_like(z)
    pos = z.real >= 0
    out[pos] = 1 / (1 + np.exp(-z[pos]))
    e = np.exp(z[~pos])  # Re z < 0: never overflows
    out[~pos] = e / (1 + e)
    return out


def _c_tanh(z: np.ndarray) -> np.ndarray:
    """tanh(x + iy) = (tanh x + i tan y) / (1 + i tanh x tan y): no overflow at large |x|."""
    t, s = np.tanh(z.real), np.tan(z.imag)
    return (t + 1j * s) / (1 + 1j * t * s)


def _c_activate(kind: str, slope: float, z: np.ndarray) -> tuple[np.ndarray, bool]:
    """g(z) for complex z; relu and leaky relu branch on the sign of the real part (the
    engine's convention at 0). Also: does an entry sit exactly on the kink, moved by the step?"""
    if kind in ("relu", "leaky_relu"):
        touched = bool(np.any((z.real == 0) & (z.imag != 0)))
        other = 0 if kind == "relu" else slope * z
        return np.where(z.real > 0, z, other), touched
    if kind == "tanh":
        return _c_tanh(z), False
    if kind == "sigmoid":
        return _c_sigmoid(z), False
    if kind == "softmax":
        e = np.exp(z - z.real.max(axis=0, keepdims=True))
        return e / e.sum(axis=0, keepdims=True), False
    return z, False  # linear


def _cmatmul(W: np.ndarray, A: np.ndarray) -> np.ndarray:
    """W @ A when one side is real: two real products (the real part is then computed by
    the very product the engine uses, and a real (n, m) X is never copied to complex)."""
    if np.iscomplexobj(W) and not np.iscomplexobj(A):
        return (W.real @ A) + 1j * (W.imag @ A)
    if np.iscomplexobj(A) and not np.iscomplexobj(W):
        return (W @ A.real) + 1j * (W @ A.imag)
    return W @ A


def _complex_cost(
    plan: _Plan,
    params: list[tuple[Any, Any]],
    l: int,
    A_prev: Any,
    Y: np.ndarray,
    m: int,
    Z_first: np.ndarray | None = None,
) -> tuple[complex, bool]:
    """J from layer l on, in complex arithmetic: the forward of ``params`` = [(W1, b1), ...]
    given A[l-1] (or Z[l] itself, ``Z_first``), then the cost of ``plan`` (L2 over every
    W[l]). Also: did the step touch a pre-activation exactly at a kink?"""
    A, touched = A_prev, False
    L = len(params)
    for k in range(l, L + 1):
        W, b = params[k - 1]
        Z = Z_first if k == l and Z_first is not None else _cmatmul(W, A) + b
        if k == L and plan.fused:
            break
        A, on = _c_activate(*plan.acts[k - 1], Z)
        touched |= on
    if plan.fused and plan.output == "sigmoid":
        pos = Z.real > 0  # two forms of one analytic function: no kink at 0
        e = np.exp(np.where(pos, -Z, Z))
        loss = np.where(pos, Z - Z * Y + np.log1p(e), -Z * Y + np.log1p(e))
    elif plan.fused and plan.output == "softmax":
        S = Z - Z.real.max(axis=0, keepdims=True)
        loss = -Y * (S - np.log(np.exp(S).sum(axis=0, keepdims=True)))
    elif plan.fused:  # linear output: mean squared error / 2 on Z[L]
        loss = 0.5 * (Z - Y) ** 2
    elif plan.output == "sigmoid":
        loss = -(Y * np.log(A) + (1 - Y) * np.log(1 - A))
    elif plan.output == "softmax":
        loss = -Y * np.log(A)
    else:
        loss = 0.5 * (A - Y) ** 2
    J = loss.sum() / m
    if plan.l2:
        J = J + plan.l2 / (2 * m) * sum((W * W).sum() for W, _ in params)
    return complex(J), touched


# ----------------------------------------------------------------------------- error bounds
def _real_activate(kind: str, slope: float, Z: np.ndarray) -> np.ndarray:
    return _c_activate(kind, slope, Z.astype(np.complex128))[0].real


def _derivatives(kind: str, slope: float, Z: np.ndarray, A: np.ndarray) -> tuple:
    """(|g'(Z)|, a bound on |g''(Z)|, the magnitude of the terms g' is computed from) from Z
    and A = g(Z). The last is what rounding scales with: tanh' = 1 - a^2 near saturation is a
    difference of two numbers near 1 (terms 1 + a^2), not a small number computed exactly."""
    if kind == "relu":
        g1 = (Z > 0).astype(float)
        return g1, np.zeros_like(Z), g1
    if kind == "leaky_relu":
        g1 = np.where(Z > 0, 1.0, abs(slope))
        return g1, np.zeros_like(Z), g1
    if kind == "tanh":
        return 1 - A * A, np.abs(2 * A * (1 - A * A)), 1 + A * A
    if kind == "sigmoid":
        return A * (1 - A), np.abs(A * (1 - A) * (1 - 2 * A)), A * (1 + A)
    if kind == "softmax":
        return np.ones_like(Z), np.ones_like(Z), 2 * np.ones_like(Z)
    return np.ones_like(Z), np.zeros_like(Z), np.ones_like(Z)  # linear


def _error_scales(
    plan: _Plan, params: list[tuple[np.ndarray, np.ndarray]], X: np.ndarray, Y: np.ndarray,
    grads: dict[str, np.ndarray], J0: float,
) -> tuple[dict[str, np.ndarray], float]:  # fmt: skip
    """A running error bound of the dense network's gradients and cost.

    Forward: EZ[l] = (n[l-1] + 2) eps (|W||A| + |b|) + |W| EA[l-1] bounds the rounding error
    of Z[l]; EA[l] = |g'| EZ[l] + 2 eps |A[l]|. Backward, two sweeps of the same abs-backprop
    (|W|^T, |g'|, |A|^T): one carries the magnitudes of the terms (the sum of |terms| that
    makes up each derivative), multiplied by gamma = eps (m + max n[l] + 4L); the other
    carries the forward errors (through g'' and the output's derivative). Returns, per
    tensor name, the bound of the analytic gradient's rounding error; and the rounding error
    of J itself.
    """
    L, m = len(params), X.shape[1]
    dims = [X.shape[0]] + [W.shape[0] for W, _ in params]
    gamma = EPS * (m + max(dims) + 4 * L)
    absX = X if X.min(initial=0.0) >= 0 else np.abs(X)  # pixels are >= 0: no copy
    A, Z, EZ, EA = [X], [], [], [np.zeros((1, 1))]
    for l, (W, b) in enumerate(params, start=1):
        z = W @ A[-1] + b
        absW, absA = np.abs(W), (absX if l == 1 else np.abs(A[-1]))
        ez = EPS * (W.shape[1] + 2) * (absW @ absA + np.abs(b))
        if l > 1:  # EA[0] = 0: the inputs are exact
            ez = ez + absW @ EA[-1]
        a = _real_activate(*plan.acts[l - 1], z)
        g1, _, _ = _derivatives(*plan.acts[l - 1], z, a)
        Z.append(z)
        EZ.append(ez)
        A.append(a)
        EA.append(np.abs(g1) * ez + 2 * EPS * np.abs(a))
    zL, ez, aL = Z[-1], EZ[-1], A[-1]
    if plan.fused and plan.output in ("sigmoid", "softmax"):
        p = _real_activate(plan.output, 0.0, zL)
        mz = (p + np.abs(Y)) / m
        spread = ez + ez.max(axis=0, keepdims=True) if plan.output == "softmax" else ez
        e_z = p * spread / m
    elif plan.fused:
        mz, e_z = (np.abs(zL) + np.abs(Y)) / m, ez / m
    else:
        if plan.output in ("sigmoid", "softmax"):
            inv, inv1 = 1 / np.abs(aL), 1 / np.abs(1 - aL)
            both = plan.output == "sigmoid"
            ma = (np.abs(Y) * inv + (np.abs(1 - Y) * inv1 if both else 0)) / m
            ea = (np.abs(Y) * inv**2 + (np.abs(1 - Y) * inv1**2 if both else 0)) * EA[-1] / m
        else:
            ma, ea = (np.abs(aL) + np.abs(Y)) / m, EA[-1] / m
        g1, g2, gt = _derivatives(*plan.acts[-1], zL, aL)
        mz, e_z = gt * ma, np.abs(g1) * ea + ma * g2 * ez
    bounds: dict[str, np.ndarray] = {}
    noise = 0.0
    for l in range(L, 0, -1):
        W, _ = params[l - 1]
        Ap, EAp = (absX if l == 1 else np.abs(A[l - 1])), EA[l - 1]
        bounds[f"Z{l}"] = gamma * mz + e_z
        dZ = np.abs(grads.get(f"dZ{l}", mz))
        noise += float(np.sum(dZ * EZ[l - 1]))
        bounds[f"W{l}"] = gamma * (mz @ Ap.T + plan.l2 / m * np.abs(W)) + e_z @ Ap.T
        if l > 1:  # EA[0] = 0
            bounds[f"W{l}"] += dZ @ EAp.T
        bounds[f"b{l}"] = gamma * mz.sum(axis=1, keepdims=True) + e_z.sum(axis=1, keepdims=True)
        ma, ea = np.abs(W).T @ mz, np.abs(W).T @ e_z
        bound_a = ma * gamma
        bound_a += ea
        bounds[f"dA{l - 1}"] = bound_a
        if l > 1:
            g1, g2, gt = _derivatives(*plan.acts[l - 2], Z[l - 2], A[l - 1])
            dA = np.abs(grads.get(f"dA{l - 1}", ma))
            mz, e_z = gt * ma, np.abs(g1) * ea + dA * g2 * EZ[l - 2]
    return bounds, noise + 4 * gamma * abs(J0)


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


def _cost_from(net: Any, l: int, A_prev: np.ndarray, Y: np.ndarray, m: int) -> float:
    """J from layer l on, given A[l-1], through the engine (the L2 term over every W
    included). With ``_with_kinks``, the only place this module reaches into the network's
    forward pass."""
    return float(net.cost_from(l, A_prev, Y, l2_m=m).data)  # the network's one cost


def _choose_method(method: str, net: Any) -> tuple[_Plan | None, bool, str]:
    """(plan, use the complex step, why not)."""
    if method not in METHODS:
        raise ValueError(f"unknown method {method!r}; known: {', '.join(METHODS)}")
    plan, why = _complex_plan(net)
    if method == "complex" and plan is None:
        raise ValueError(
            f"method='complex' needs every op on the path to have a complex evaluation "
            f"(matmul, add, relu, leaky_relu, tanh, sigmoid, softmax and the costs); {why}. "
            "Use method='central' (or 'auto', which chooses it)."
        )
    return plan, plan is not None and method != "central", why


def _network_targets(
    net: Any, X: Any, Y: Any, boundaries: bool, use_complex: bool, plan: _Plan | None
) -> tuple[list[_Target], float]:
    """W[l], b[l] and dA[l-1] targets of a float64 network, with the analytic gradients."""
    Xt = net.check_X(X)
    Yd = np.asarray(net.check_Y(Y, Xt.shape[1]), dtype=np.float64)
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
    with no_grad():  # base Z[1..L] and A[0..L-1], for the boundary probes
        A_base, Z_base = [Xt.data], []
        A = Xt
        for layer in net.layers:
            Z, A = layer.forward(A)
            Z_base.append(Z.data)
            A_base.append(A.data)
    j0, _ = _with_kinks(lambda: _cost_from(net, L, A_base[L - 1], Yd, m))
    params = [(ly.W.data, ly.b.data) for ly in net.layers]
    bound_plan = plan or _Plan(
        [(ly.activation, net.leaky_slope) for ly in net.layers],
        net.layers[-1].activation in losses.FUSED and net.layers[-1].activation_fn is None,
        net.layers[-1].activation,
        float(net.l2 or 0.0),
    )
    with np.errstate(all="ignore"):
        bounds, noise = _error_scales(bound_plan, params, Xt.data, Yd, grads, j0)

    def complex_eval(l: int, what: str) -> Callable[[np.ndarray], tuple[complex, bool]] | None:
        if not use_complex or plan is None:  # (use_complex implies a plan)
            return None
        complex_plan = plan

        def run(d: np.ndarray) -> tuple[complex, bool]:
            """The tensor at values + i d. Z[l] = the engine's real Z[l] + i (the step's
            part): one real product, and no complex copy of a large A[l-1]."""
            ps = list(params)
            W, b = ps[l - 1]
            if what == "W":
                ps[l - 1] = (W + 1j * d, b)  # complex W[l]: the L2 term sees the step too
                step = d @ A_base[l - 1]
            elif what == "b":
                ps[l - 1] = (W, b + 1j * d)
                step = np.broadcast_to(d, Z_base[l - 1].shape)
            else:
                step = W @ d
            with np.errstate(all="ignore"):
                return _complex_cost(complex_plan, ps, l, None, Yd, m, Z_base[l - 1] + 1j * step)

        return run

    targets = []
    for l in range(L, 0, -1):
        layer = net.layers[l - 1]

        def ev(l: int = l) -> tuple[float, list]:
            return _with_kinks(lambda: _cost_from(net, l, A_base[l - 1], Yd, m))

        # the same unperturbed point for W[l], b[l] and A[l-1]; the complex step needs no sides
        base_kinks = None if use_complex else ev()[1]
        for p, key in ((layer.W, f"W{l}"), (layer.b, f"b{l}")):
            targets.append(
                _Target(
                    key,
                    l,
                    p.data,
                    grads.get(f"d{key}"),
                    ev,
                    base_kinks,
                    note_of.get(f"d{key}", ""),
                    complex_eval(l, key[0]),
                    bounds.get(key),
                    noise,
                )  # fmt: skip
            )
        if boundaries:
            vals = A_base[l - 1].copy()

            def ev_a(l: int = l, vals: np.ndarray = vals) -> tuple[float, list]:
                return _with_kinks(lambda: _cost_from(net, l, vals, Yd, m))

            name = f"dA{l - 1}"
            targets.append(
                _Target(
                    name,
                    l,
                    vals,
                    grads.get(name),
                    ev_a,
                    base_kinks,
                    note_of.get(name, ""),
                    complex_eval(l, "A"),
                    bounds.get(name),
                    noise,
                )  # fmt: skip
            )
    return targets, j0


def _describe(use_complex: bool, step: float | None, why_not: str) -> tuple[str, str]:
    """(method and step rule, why the tolerance is what it is): the report's first line."""
    if use_complex:
        return (
            f"method complex step, J' = Im J(theta + ih)/h with h = {H_COMPLEX:g}",
            "agree within the estimated error: the rounding bound of the forward and backward "
            "passes (no finite-difference error: a complex step subtracts nothing)",
        )
    reason = f" (complex step not applicable: {why_not})" if why_not else ""
    if step is not None:
        return (
            f"method central differences, fixed h = {step:g}{reason}",
            "agree within the estimated error: |D(h) - D(2h)| / 3 for the truncation, "
            "the rounding noise of J over h, and the rounding bound of the backward pass",
        )
    return (
        "method central differences with Richardson extrapolation, first step "
        f"eps^(1/4) max(1, |theta_i|) shrunk by 16 until J is near quadratic{reason}",
        "agree within the estimated error: Richardson's error estimate, the rounding noise "
        "of J over h, and the rounding bound of the backward pass",
    )


def _bounds_for(net: Any, X: np.ndarray, Y: np.ndarray, grads: dict, j0: float) -> tuple:
    """``_error_scales`` of a float64 network, from its activation names."""
    last = net.layers[-1]
    plan = _Plan(
        [(ly.activation, net.leaky_slope) for ly in net.layers],
        last.activation in losses.FUSED and last.activation_fn is None,
        last.activation,
        float(net.l2 or 0.0),
    )
    params = [(ly.W.data, ly.b.data) for ly in net.layers]
    with np.errstate(all="ignore"):
        return _error_scales(plan, params, X, Y, grads, j0)


def error_bounds(net: Any, X: Any, Y: Any) -> dict[str, np.ndarray]:
    """The rounding-error bound of each exact partial derivative that ``net.gradients`` returns.

    A running error analysis of the dense network in float64: the forward pass's rounding
    carried to the gradient, plus eps (m + max n[l] + 4L) times the sum of the absolute values
    of the terms each derivative is made of. Two correct computations of dJ/dW[l] (autodiff,
    the textbook, a complex step) differ by at most about twice this; a difference far beyond
    it is a bug, one below it cannot be told from rounding.

    Returns:
        ``{"dW1": (n[1], n[0]), "db1": (n[1], 1), "dZ1": (n[1], m), ..., "dA0": (n[0], m), ...}``
        bounds (absolute, in the units of dJ/d.), for a float64 copy of ``net``.
    """
    net64, _ = _float64_copy(net)
    Xt = net64.check_X(X)
    Yd = np.asarray(net64.check_Y(Y, Xt.shape[1]), dtype=np.float64)
    grads = net64.gradients(Xt, Yd)
    j0 = float(net64.cost(Xt, Yd).data)
    bounds, _ = _bounds_for(net64, Xt.data, Yd, grads, j0)
    return {(k if k.startswith("dA") else f"d{k}"): v for k, v in bounds.items()}


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
    method: str = "auto",
) -> Report:
    """Check a network's reverse-mode gradients against a numeric derivative.

    Args:
        net: a DeepNetwork (float32 ones are checked on a float64 copy), or a checkable
            model (module docstring: an ``RNNModel``, a convolutional model), checked by
            central differences with rows per parameter and per boundary (``dA[l]``, or
            ``da<t>``/``dc<t>`` per time step) and, when a shared parameter fails, per use
            (``Wf<3>``): the summary names the first faulty layer or time step and the gate.
        X: (n[0], m) inputs.  Y: (n[L], m) labels (a model's own shapes for a model).
        mode: ``"full"`` every coordinate (one complex or ~12 real forward passes each:
            slow for big nets, and it warns); ``"sampled"`` k seeded coordinates per tensor,
            biases too (the row says how many were not checked); ``"directional"`` one
            random unit direction per tensor, escalating to elementwise when the projected
            numbers are under their estimated error; ``"auto"`` directional, escalating also
            on the tensors that fail.
        step: None for the adaptive step; a number for a fixed central step h (the course:
            1e-7), which also selects method ``"central"``.
        k: coordinates per tensor in ``sampled`` mode.
        boundaries: also check dJ/dA[l] at each layer boundary (rows ``dA0..dA(L-1)``),
            which locates a failure to one layer.
        max_escalate: at most this many coordinates per escalated tensor.
        method: ``"auto"`` (complex step where every op's forward supports it, else
            central), ``"complex"`` (an error naming the op that does not support it), or
            ``"central"`` (Richardson-extrapolated central differences).

    Returns:
        A :class:`Report`; rows in backward order (layer L first): W[l], b[l], dA[l-1].

    Example::

        report = gradcheck(DeepNetwork([2, 3, 1], seed=0), X, Y, mode="full")
        assert report.passed, str(report)
    """
    if mode not in MODES:
        raise ValueError(f"unknown mode {mode!r}; known: {', '.join(MODES)}")
    if method not in METHODS:
        raise ValueError(f"unknown method {method!r}; known: {', '.join(METHODS)}")
    if hasattr(net, "cost_from") and not all(layer.plain for layer in net.layers):
        net = FrozenNetwork(net.copy(np.float64), np.shape(X)[-1], seed)  # dropout, batch norm
    if not hasattr(net, "cost_from"):  # not a plain DeepNetwork: the checkable protocol
        _require_checkable(net, "gradcheck")
        if step is not None and method == "complex":
            raise ValueError("step= is a central-difference step; method='complex' takes none")
        return _gradcheck_model(net, X, Y, mode, step, k, seed, boundaries, max_escalate, method)
    start = time.perf_counter()
    net64, notes = _float64_copy(net)
    plan, use_complex, why_not = _choose_method(method, net64)
    if step is not None:
        if method == "complex":
            raise ValueError("step= is a central-difference step; method='complex' takes none")
        use_complex = False
    if mode == "full":
        _warn_full(net64, X, Y, boundaries, use_complex)
    targets, _ = _network_targets(net64, X, Y, boundaries, use_complex, plan)
    counter = _Counter()
    counter.passes = 1 + net64.L
    rows = _run_targets(targets, mode, step, k, seed, counter, max_escalate)
    how, tolerance = _describe(use_complex, step, why_not if method == "auto" else "")
    return Report(
        f"gradcheck mode={mode}",
        rows,
        how,
        counter.passes,
        time.perf_counter() - start,
        notes,
        tolerance,
    )


# ----------------------------------------------------------------------------- checkable models
def _model64(model: Any) -> tuple[Any, list[str]]:
    """The model itself when its parameters are float64, else its ``astype(np.float64)``."""
    dtypes = {np.dtype(p.dtype) for p in model.parameters().values()}
    if dtypes <= {np.dtype(np.float64)}:
        return model, []
    if not callable(getattr(model, "astype", None)):
        raise ValueError(
            f"{type(model).__name__} has {', '.join(map(str, sorted(dtypes, key=str)))} "
            "parameters; the checker works in float64: give the model an astype(dtype) method "
            "returning a float64 copy (same ops), or pass a float64 model"
        )
    what = ", ".join(str(d) for d in sorted(dtypes, key=str) if d != np.float64)
    return model.astype(np.float64), [f"the model is {what}; checked on a float64 copy"]


def _scalar(J: Any) -> float:
    value = np.asarray(J.data if isinstance(J, Tensor) else J, dtype=np.float64)
    if value.size != 1:
        raise ValueError(f"a cost must be a scalar, got shape {value.shape}")
    return float(value.reshape(()))


def _model_gradients(fn: Callable[[], dict]) -> tuple[dict, dict[str, str]]:
    """The model's gradients, or ({}, the note naming the tensor whose backward failed)."""
    try:
        return dict(fn()), {}
    except RuntimeError as e:  # a backward that returns a wrong shape: name the tensor
        bad = getattr(e, "tensor_name", None)
        if not bad:
            raise
        return {}, {f"d{bad}": str(e)}


def _default_axes(ndim: int, parameter: bool, name: str = "") -> str:
    """The course's axis names of a 4-D tensor: W (h, w, c_prev, c), b (1, 1, 1, c), a
    volume (i, h, w, c) with i the sample."""
    if ndim != 4:
        return ""
    if not parameter:
        return "i, h, w, c"
    return "-, -, -, c" if name.lstrip("d").startswith("b") else "h, w, c_prev, c"


@dataclass
class _Meta:
    order: tuple
    group: str
    axes: str


def _probe_target(
    b: Any, grads: dict, note_of: dict[str, str], gamma: float, noise: float
) -> _Target:
    vals = np.array(b.value, dtype=np.float64)

    def ev(b: Any = b, vals: np.ndarray = vals) -> tuple[float, list]:
        return _with_kinks(lambda: _scalar(b.cost(vals)))

    return _analytic_target(b.name, b.where, vals, grads.get(b.key), ev, note_of.get(b.key, ""),
                            gamma, noise)  # fmt: skip


def _analytic_target(
    name: str, where: int | None, vals: np.ndarray, g: Any, ev: Callable, note: str,
    gamma: float, noise: float,
) -> _Target:  # fmt: skip
    """A target; a missing gradient or one of the wrong shape makes a failing row."""
    if g is not None:
        g = np.asarray(g, dtype=np.float64)
        if g.shape != vals.shape:
            note = f"the gradient has shape {g.shape}, the tensor {vals.shape}"
            g = None
    elif not note:
        note = f"the model's gradients give no d{name.lstrip('d')}"
    bound = None if g is None else gamma * (np.abs(g) + np.max(np.abs(g), initial=0.0))
    return _Target(name, where, vals, g, ev, None, note, None, bound, noise)


def _gradcheck_model(
    model: Any, X: Any, Y: Any, mode: str, step: float | None, k: int, seed: int,
    boundaries: bool, max_escalate: int, method: str,
) -> Report:  # fmt: skip
    """gradcheck of a checkable model (module docstring): central differences per tensor."""
    start = time.perf_counter()
    kind = getattr(model, "check_kind", type(model).__name__)
    why = f"{type(model).__name__} offers no complex evaluation of its ops"
    if method == "complex":
        raise ValueError(
            f"method='complex' needs a complex evaluation of every op; {why}. Use "
            "method='central' (or 'auto', which chooses it)."
        )
    model64, notes = _model64(model)
    Xt = model64.check_X(X)
    m = model64.samples(Xt)
    Yd = np.asarray(model64.check_Y(Y, m), dtype=np.float64)
    grads, note_of = _model_gradients(lambda: model64.gradients(Xt, Yd))
    params = model64.parameters()
    j0 = _with_kinks(lambda: _scalar(model64.batch_cost(Xt, Yd)))[0]
    n_terms = sum(p.size for p in params.values()) + Yd.size
    gamma = EPS * (n_terms + 4)
    noise = 4 * gamma * abs(j0)  # the rounding of J: a sum of about n_terms terms
    where_of = getattr(model64, "parameter_where", lambda name: None)
    group_of = getattr(model64, "parameter_group", lambda name: "")

    def cost() -> tuple[float, list]:
        return _with_kinks(lambda: _scalar(model64.batch_cost(Xt, Yd)))

    targets, metas = [], []
    for i, (name, p) in enumerate(params.items()):
        where = where_of(name)
        key = f"d{name}"
        note = note_of.get(key, "")
        targets.append(
            _analytic_target(name, where, p.data, grads.get(key), cost, note, gamma, noise)
        )
        axes = _default_axes(p.ndim, True, name)
        metas.append(_Meta(_order(where, 0, i), group_of(name) or "", axes))
    if boundaries:
        for i, b in enumerate(model64.boundaries(Xt, Yd)):
            targets.append(_probe_target(b, grads, note_of, gamma, noise))
            axes = b.axes or _default_axes(np.ndim(b.value), False)
            metas.append(_Meta(_order(b.where, 2, i), "", axes))
    counter = _Counter()
    counter.passes = 2
    rows = _run_targets(targets, mode, step, k, seed, counter, max_escalate)
    failing = [r.name for r in rows if not r.passed and r.name in params and r.layer is None]
    uses = getattr(model64, "parameter_uses", None)
    if failing and callable(uses):
        probes, use_grads = uses(Xt, Yd)
        probes = [b for b in probes if b.of in failing]
        more = [_probe_target(b, use_grads, {}, gamma, noise) for b in probes]
        rows += _check_uses(probes, more, mode, step, k, seed, counter, max_escalate)
        for i, b in enumerate(probes):
            axes = b.axes or _default_axes(np.ndim(b.value), True, b.of or "")
            metas.append(_Meta(_order(b.where, 1, i), group_of(b.of) or "", axes))
        unit = getattr(model64, "check_unit", "layer")
        such = f" (rows such as {probes[0].name})" if probes else ""
        notes.append(
            f"{', '.join(failing)} failed: checked again as used at each {unit}{such}, to "
            "locate the fault"
        )
    for r, meta in zip(rows, metas):
        r.group, r.axes = meta.group, meta.axes
    order = sorted(range(len(rows)), key=lambda i: metas[i].order)
    how, _ = _describe(False, step, why if method == "auto" else "")
    return Report(
        f"gradcheck mode={mode} ({kind})",
        [rows[i] for i in order],
        how,
        counter.passes,
        time.perf_counter() - start,
        notes,
        "agree within the estimated error: Richardson's error estimate, the rounding noise of J "
        f"(a sum of about {n_terms} terms) over h, and a norm-wise rounding bound of the "
        "backward pass, eps (terms + 4) (|g_i| + max |g|)",
        getattr(model64, "check_unit", "layer"),
    )


def _check_uses(
    probes: list[Boundary], targets: list[_Target], mode: str, step: float | None, k: int,
    seed: int, counter: _Counter, max_escalate: int,
) -> list[Row]:  # fmt: skip
    """Rows for the per-use targets of the failing shared parameters. In ``auto`` mode each use
    gets one directional check (escalated only when under its noise: a failing directional
    check is already a failure beyond its estimated error); the first failing use of each
    parameter (the one nearest the output) is then checked in ``auto`` mode again, escalated
    elementwise, for its worst index and ratio."""
    if mode != "auto":
        return _run_targets(targets, mode, step, k, seed, counter, max_escalate)
    rows = _run_targets(targets, "directional", step, k, seed, counter, max_escalate)
    first: dict[str, int] = {}
    for i, (b, r) in enumerate(zip(probes, rows)):
        if not r.passed and b.of is not None:
            best = first.get(b.of)
            if best is None or (b.where or 0) > (probes[best].where or 0):
                first[b.of] = i
    for i in first.values():
        rows[i] = _run_targets([targets[i]], "auto", step, k, seed, counter, max_escalate)[0]
    return rows


def _order(where: int | None, kind: int, i: int) -> tuple:
    """Rows in backward order: shared tensors (where None) first, then layer (or step) L, ...
    down to 1; within one, parameters, then their uses, then boundaries."""
    return (0, 0, kind, i) if where is None else (1, -where, kind, i)


def _require_checkable(model: Any, what: str) -> None:
    missing = [k for k in CHECKABLE if not callable(getattr(model, k, None))]
    if missing:
        raise TypeError(
            f"{what} checks a DeepNetwork or a checkable model; {type(model).__name__} lacks "
            f"{', '.join(missing)} (the protocol: the Trainable methods, gradients(X, Y) and "
            "boundaries(X, Y); see docs/checks.md)"
        )


def _warn_full(net: Any, X: Any, Y: Any, boundaries: bool, use_complex: bool) -> None:
    P = net.num_parameters()
    m = np.shape(X)[-1]
    extra = sum(n * m for n in net.layer_dims[:-1]) if boundaries else 0
    if P + extra <= 2000:
        return
    per = 1 if use_complex else 12
    t0 = time.perf_counter()
    with no_grad():
        net.cost(X, Y)
    est = per * (P + extra) * (time.perf_counter() - t0) * (4 if use_complex else 1)
    what = f"{per} per coordinate: {per * P:,} for the parameters" + (
        f" + {per * extra:,} for the dA[l] boundaries" if extra else ""
    )
    warnings.warn(
        f"mode='full' runs about {per * (P + extra):,} forward passes ({what}; about {est:.0f} s "
        "here); mode='auto' checks every tensor with a few passes",
        stacklevel=3,
    )


# ----------------------------------------------------------------------------- functions
def check_gradients(
    fn: Callable[..., Tensor],
    inputs: Sequence[Any],
    mode: str = "full",
    step: float | None = None,
    k: int = 10,
    seed: int = 0,
    names: Sequence[str] | None = None,
    method: str = "auto",
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
        method: ``"auto"`` or ``"central"``: fn runs through the engine, whose Tensors hold
            real numbers, so the complex step is for networks (:func:`gradcheck`) only.

    Example::

        report = check_gradients(lambda x: (Cube.apply(x) * 2).sum(), [np.ones((2, 3))])
        assert report.passed, str(report)
    """
    if method not in METHODS:
        raise ValueError(f"unknown method {method!r}; known: {', '.join(METHODS)}")
    if method == "complex":
        raise ValueError(
            "check_gradients: method='complex' is not available here: fn runs through the "
            "engine, whose Tensors hold real numbers only; use method='central' (the complex "
            "step is for networks: gradcheck)"
        )
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
    size = sum(a.size for a in arrays)
    noise = 4 * EPS * (size + 4) * abs(j0)  # the rounding of J: a sum of about `size` terms
    targets = [
        _Target(n, None, a, g, evaluate, base, bound=8 * EPS * np.abs(g), noise=noise)
        for n, a, g in zip(labels, arrays, analytic)
    ]
    counter = _Counter()
    counter.passes = 1
    rows = _run_targets(targets, mode, step, k, seed, counter, 200)
    how, tolerance = _describe(False, step, "fn runs through the engine (real numbers)")
    return Report(
        f"check_gradients mode={mode}",
        rows,
        how,
        counter.passes,
        time.perf_counter() - start,
        notes,
        tolerance,
    )


# ----------------------------------------------------------------------------- second order
def gradgradcheck(
    f: Callable[..., Tensor] | Any,
    inputs: Sequence[Any],
    seed: int = 0,
    names: Sequence[str] | None = None,
) -> Report:
    """Check second derivatives: Hessian-vector products of a ``create_graph=True`` gradient
    against central differences of the gradient, with Richardson extrapolation.

    For each input x_j, a seeded random unit direction v_j; the analytic
    H v = grad(sum_j <grad_j f, v_j>, x) (the first gradient taken with ``create_graph=True``)
    is compared, entry by entry, with d/dt grad f(x + t v) at t = 0.

    Args:
        f: a function of Tensors returning a one-element Tensor (ops, custom Functions); or a
            DeepNetwork, whose cost J(W1, b1, ..., WL, bL) is checked, with
            ``inputs = (X, Y)``.
        inputs: Tensors or arrays (float64 copies are used); for a network, (X, Y).
        seed: the directions' seed.
        names: row names (default ``input0, ...``; for a network ``W1, b1, ...``).

    Returns:
        A :class:`Report` with one row per input, named ``H v [name]``.

    Example::

        report = gradgradcheck(lambda x: (x * x * x).sum(), [np.array([[0.5, -1.0]])])
        assert report.passed, str(report)
    """
    start = time.perf_counter()
    notes: list[str] = []
    if hasattr(f, "layers") and hasattr(f, "cost"):
        f, arrays, labels, notes = _network_function(f, inputs)
    else:
        arrays = [np.array(getattr(t, "data", t), dtype=np.float64) for t in inputs]
        labels = [f"input{i}" for i in range(len(arrays))]
    if names is not None:
        labels = list(names)
    rng = np.random.default_rng(seed)
    vs = []
    for a in arrays:
        v = rng.standard_normal(a.shape)
        vs.append(v / (np.linalg.norm(v) or 1.0))
    xs = [Tensor(a, requires_grad=True, name=n) for a, n in zip(arrays, labels)]
    out = f(*xs)
    if not isinstance(out, Tensor) or out.size != 1:
        raise ValueError("gradgradcheck: f must return a one-element Tensor (reduce first)")
    gs = grad(out, xs, create_graph=True)
    s = None
    for g, v in zip(gs, vs):
        term = (g * Tensor(v)).sum()
        s = term if s is None else s + term
    if s is not None and s.requires_grad:
        analytic = [h.data.copy() for h in grad(s, xs)]
    else:  # the gradient does not depend on x: f is (piecewise) linear
        analytic = [np.zeros_like(a) for a in arrays]
    counter = _Counter()

    def gradient_at(t: float) -> tuple[list[np.ndarray], list]:
        moved = [Tensor(a + t * v, requires_grad=True) for a, v in zip(arrays, vs)]
        value, log = _with_kinks(lambda: f(*moved), record=True)
        counter.passes += 1
        return [g.data for g in grad(value, moved)], log

    g0, base = gradient_at(0.0)
    scale = max(1.0, *(float(np.max(np.abs(a), initial=0.0)) for a in arrays))
    h = EPS ** (1 / 4) * scale
    levels: list[tuple[list[np.ndarray], float]] = []
    for i in range(LEVELS):
        hi = h / 2**i
        (gp, kp), (gm, km) = gradient_at(hi), gradient_at(-hi)
        if _crossed(base, kp) or _crossed(base, km):
            notes.append(f"steps above {hi:.2g} cross a kink: the table starts below")
            levels = []
            continue
        levels.append(([(p - q) / (2 * hi) for p, q in zip(gp, gm)], hi))
    rows = []
    for j, (name, a) in enumerate(zip(labels, analytic)):
        value, err = _richardson_arrays([(d[j], hi) for d, hi in levels], np.abs(g0[j]))
        t = _Target(f"H v [{name}]", None, arrays[j], a, lambda: (0.0, []), base)
        e = SAFETY * err + 8 * EPS * (np.abs(a) + np.abs(value))
        ok = np.abs(a - value) <= e
        kept = _indices(t, range(a.size))
        rows.append(
            _row(
                t,
                "H v",
                list(a.ravel()),
                list(value.ravel()),
                list(e.ravel()),
                list(ok.ravel()),
                kept,
                0,
                0,
            )  # fmt: skip
        )
    return Report(
        "gradgradcheck",
        rows,
        "method analytic H v = grad(<grad f, v>) with create_graph=True, against central "
        f"differences of the gradient along v, h = eps^(1/4) * {scale:g} / 2^k, Richardson",
        counter.passes,
        time.perf_counter() - start,
        notes,
        "agree within the estimated error: Richardson's estimate and the gradient's rounding "
        "over h",
    )


def _richardson_arrays(levels: list[tuple[np.ndarray, float]], g_scale: np.ndarray) -> tuple:
    """Entry by entry Neville tableau of central differences D(h_i) (h halving): the entry
    with the smallest error estimate wins; the rounding of the gradient over h is added."""
    if not levels:
        nan = np.full(g_scale.shape, np.nan)
        return nan, nan
    best = levels[0][0].copy()
    best_err = np.full(best.shape, np.inf)
    rows: list[list[np.ndarray]] = []
    for i, (d, hi) in enumerate(levels):
        row = [d]
        floor = 16 * EPS * (g_scale + np.max(g_scale, initial=0.0)) / hi
        for j in range(1, i + 1):
            fac = 4.0**j
            row.append(row[j - 1] + (row[j - 1] - rows[i - 1][j - 1]) / (fac - 1))
            err = np.maximum(np.abs(row[j] - row[j - 1]), np.abs(row[j] - rows[i - 1][j - 1]))
            err = err + floor
            better = err < best_err
            best = np.where(better, row[j], best)
            best_err = np.where(better, err, best_err)
        rows.append(row)
    if len(levels) == 1:
        best_err = np.abs(levels[0][0]) * 1e-3 + 16 * EPS * np.abs(g_scale) / levels[0][1]
    return best, best_err


def _network_function(net: Any, inputs: Sequence[Any]) -> tuple:
    """J(W1, b1, ..., WL, bL) of a float64 copy of ``net`` on inputs = (X, Y)."""
    if len(inputs) != 2:
        raise ValueError("gradgradcheck(net, inputs): inputs must be (X, Y) for a network")
    copy, notes = _float64_copy(net)
    X, Y = inputs
    params = copy.get_parameters()
    labels = list(params)

    def f(*ps: Tensor) -> Tensor:
        for layer in copy.layers:
            layer.W, layer.b = ps[2 * (layer.l - 1)], ps[2 * (layer.l - 1) + 1]
        return copy.cost(X, Y)

    return f, [params[k] for k in labels], labels, notes


# ----------------------------------------------------------------------------- batch consistency
def check_batch_consistency(net: Any, X: Any, Y: Any) -> Report:
    """The batch gradient equals the mean of the m per-example gradients.

    dJ/dW[l] of the batch against (1/m) sum_i dJ_i/dW[l] with J_i the cost of sample i alone
    (and the same for b[l]): a backward that forgets or doubles 1/m, or mixes samples, fails
    here without any finite difference. The L2 term is left out (its gradient lambda/m W
    does not split over samples); m + 1 backward passes.

    Returns:
        A :class:`Report` with rows W[l], b[l] (layer L first); the tolerance is the running
        rounding bound of the backward pass.
    """
    start = time.perf_counter()
    net64, notes = _float64_copy(net)
    if net64.l2:
        net64.l2 = 0.0
        notes.append("the L2 term is left out: its gradient lambda/m W does not split over samples")
    Xt = net64.check_X(X)
    Yd = np.asarray(net64.check_Y(Y, Xt.shape[1]), dtype=np.float64)
    m = Xt.shape[1]
    batch = net64.gradients(Xt, Yd, dA0=False)
    mean = {key: np.zeros_like(v) for key, v in batch.items()}
    for i in range(m):
        one = net64.gradients(Xt.data[:, i : i + 1], Yd[:, i : i + 1], dA0=False)
        for key in mean:
            if key.startswith(("dW", "db")):
                mean[key] += one[key] / m
    j0 = float(net64.cost(Xt, Yd).data)
    bounds, _ = _bounds_for(net64, Xt.data, Yd, batch, j0)
    rows = []
    for l in range(net64.L, 0, -1):
        for key in (f"W{l}", f"b{l}"):
            a, n = batch[f"d{key}"], mean[f"d{key}"]
            e = SAFETY * 2 * bounds[key] + 8 * EPS * (np.abs(a) + np.abs(n))
            t = _Target(key, l, a, a, lambda: (0.0, []), [])
            ok = np.abs(a - n) <= e
            rows.append(
                _row(
                    t,
                    "batch vs mean",
                    list(a.ravel()),
                    list(n.ravel()),
                    list(e.ravel()),
                    list(ok.ravel()),
                    _indices(t, range(a.size)),
                    0,
                    0,
                )  # fmt: skip
            )
    for r in rows:  # "numeric" is the mean of the per-example gradients here
        if not r.passed:
            r.note = _join(r.note, "numeric = the mean of the per-example gradients")
    return Report(
        "check_batch_consistency",
        rows,
        f"batch gradient against the mean of m = {m} per-example gradients (no finite differences)",
        m + 2,
        time.perf_counter() - start,
        notes,
        "agree within the rounding bound of the backward pass (sum of |terms| x eps)",
    )


# ----------------------------------------------------------------------------- textbook
def compare_with_textbook(net: Any, X: Any, Y: Any, rtol: float | None = None) -> Report:
    """Compare reverse-mode gradients with the course's closed-form backprop, per layer.

    Rows (layer L first): dZ[l], dW[l], db[l], dA[l-1]. The textbook's dZ and dA are
    derivatives of the summed loss, m times the exact dJ/dZ and dJ/dA; this comparison
    multiplies the autodiff values by m before comparing, and says so.

    The tolerance of each entry comes from the rounding error its sum can carry: the
    running bound of ``_error_scales`` (sum of |terms| times eps, and the forward pass's
    rounding carried through), times 2 (two computations) and SAFETY. A db that cancels to
    4e-9 from terms of size 1 is therefore judged against ~1e-15, not against 4e-9 x rtol.
    ``rtol`` (optional) also passes a row whose relative difference is below it.

    An ``RNNModel`` is compared with ``textbook.rnn_backward``/``lstm_backward`` (rows per
    parameter and per ``da<t>``, ``dc<t>``, from the course's cell backward), a model offering
    ``textbook_layers()`` (a list of ``{"kind": "conv" | "relu" | "maxpool" | "avgpool" |
    "flatten" | "dense" | "softmax" | "sigmoid", "layer": l, ...}`` with ``W``, ``b``,
    ``stride``, ``pad`` (an int, or (top, bottom, left, right): zero padded first, then the
    course's conv_forward with pad 0) or ``f``; the first op of a layer may name its input,
    ``"input": "P1"``) with ``textbook.conv_backward``/``pool_backward`` per layer (rows
    ``W[l]``, ``b[l]``, ``d<input>``, default ``dA[l-1]``: the input of layer l's first op). The
    course's recurrent and convolutional backward passes have no 1/m: they are fed the
    gradient of the summed loss and compared with m x autodiff for every row (the note says
    so); their tolerance is the same kind of bound, from a backprop of absolute values.
    """
    from autograd_dnn import textbook as tb

    if hasattr(net, "cell_keys") and hasattr(net, "cell"):  # an RNNModel
        return _compare_recurrent(net, X, Y, rtol)
    if hasattr(net, "textbook_layers"):
        return _compare_layers(net, X, Y, rtol)
    if not hasattr(net, "output_activation") or not hasattr(net, "get_parameters"):
        raise TypeError(
            f"compare_with_textbook checks a DeepNetwork, an RNNModel, or a model offering "
            f"textbook_layers() (docs/checks.md); got {type(net).__name__}"
        )
    start = time.perf_counter()
    if net.output_activation != "sigmoid":
        raise ValueError(
            "compare_with_textbook follows the course's model: a sigmoid output with "
            f"cross-entropy; this network's output is {net.output_activation}"
        )
    if not all(layer.plain for layer in net.layers):
        return _compare_regularized(net, X, Y, rtol)
    net64, notes = _float64_copy(net)
    Xt = net64.check_X(X)
    Yd = np.asarray(net64.check_Y(Y, Xt.shape[1]), dtype=np.float64)
    m = Xt.shape[1]
    params = net64.get_parameters()
    acts = net64.activations
    slope = net64.leaky_slope
    AL, caches = tb.model_forward(Xt.data, params, activations=acts, slope=slope)
    kwargs = {"lambd": net64.l2} if net64.l2 else {}
    course = tb.model_backward(AL, Yd, caches, activations=acts, slope=slope, **kwargs)
    auto = net64.gradients(Xt, Yd)
    j0 = float(net64.cost(Xt, Yd).data)
    bounds, _ = _bounds_for(net64, Xt.data, Yd, auto, j0)
    notes.append("dZ and dA: course values (summed loss) compared with m * dJ/dZ, m * dJ/dA")
    rows = []
    for l in range(net64.L, 0, -1):
        for key, factor in ((f"dZ{l}", m), (f"dW{l}", 1), (f"db{l}", 1), (f"dA{l - 1}", m)):
            if key not in course:
                continue
            bound = bounds[key if key.startswith("dA") else key[1:]] * factor
            rows.append(
                _compare_row(key, l, auto[key] * factor, np.asarray(course[key]), bound, rtol)
            )
    extra = f", or a relative difference below rtol {rtol:g}" if rtol is not None else ""
    return Report(
        "compare_with_textbook",
        rows,
        "method closed form (the course's backprop) against autodiff",
        1,
        time.perf_counter() - start,
        notes,
        "agree within the rounding error each sum can carry: 2 x SAFETY x (sum of |terms| x "
        f"eps and the forward pass's rounding carried through){extra}",
    )


def _compare_regularized(net: Any, X: Any, Y: Any, rtol: float | None) -> Report:
    """Course 2's networks against Course 2's closed forms.

    Dropout (relu hidden layers, the course's model) against the course's
    ``forward_propagation_with_dropout`` and ``backward_propagation_with_dropout``, the
    network evaluated with the course's own masks (drawn with seed 1 as its notebook does);
    batch norm, layer by layer, ``dZ``, ``dgamma``, ``dbeta`` against ``batchnorm_backward``
    fed the network's ``dZ_tilde``. Rows per layer; the factor m as the dense comparison."""
    from autograd_dnn import textbook as tb

    start = time.perf_counter()
    net64 = net.copy(np.float64)
    notes = (
        []
        if net.dtype == np.float64
        else [f"the network is {net.dtype}; checked on a float64 copy"]
    )
    Xt = net64.check_X(X)
    m = Xt.shape[1]
    Yd = np.asarray(net64.check_Y(Y, m), dtype=np.float64)
    L, dims = net64.L, net64.layer_dims
    gamma = EPS * (m + max(dims) + 8 * L)  # a sum of about m + n terms, L layers deep

    def row(name: str, l: int, auto: np.ndarray, course: np.ndarray) -> Row:
        bound = gamma * (np.abs(course) + np.abs(course).max(initial=0))
        return _compare_row(name, l, auto, np.asarray(course, dtype=np.float64), bound, rtol)

    rows: list[Row] = []
    hidden = net64.layers[:-1]
    batch_norm = [layer for layer in hidden if layer.batch_norm]
    dropout = [layer for layer in hidden if layer.keep_prob < 1]
    if batch_norm:
        masks = net64.dropout_masks(m, seed=0)
        auto = net64.gradients(Xt, Yd, masks=masks)
        cache: list = []
        with no_grad():
            net64.cost_from(1, Xt, Yd, cache=cache, training=True, masks=masks)
        for layer in reversed(batch_norm):
            l = layer.l
            Z = cache[l - 1][0].data  # W[l] A[l-1], before the normalization
            _, bn = tb.batchnorm_forward(Z, layer.gamma.data, layer.beta.data, layer.eps)
            dZ, dgamma, dbeta = tb.batchnorm_backward(auto[f"dZ_tilde{l}"], bn)
            rows += [row(f"dgamma{l}", l, auto[f"dgamma{l}"], dgamma),
                     row(f"dbeta{l}", l, auto[f"dbeta{l}"], dbeta),
                     row(f"dZ{l}", l, auto[f"dZ{l}"], dZ)]  # fmt: skip
        notes.append(
            "batch norm: batchnorm_backward fed the network's dZ_tilde (an exact VJP: no factor "
            "m); the network in training mode, the batch's own mu and sigma2"
        )
    elif dropout:
        if any(a != "relu" for a in net64.activations[:-1]):
            raise ValueError(
                "compare_with_textbook follows the course's dropout model: relu hidden "
                f"layers and a sigmoid output; this network's are {net64.activations}"
            )
        keep = [layer.keep_prob for layer in hidden]
        _, course_cache = tb.forward_propagation_with_dropout(
            Xt.data, net64.get_parameters(), keep, 1
        )
        masks = {f"D{layer.l}": course_cache[5 * (layer.l - 1) + 1] for layer in dropout}
        course = tb.backward_propagation_with_dropout(
            Xt.data, Yd, course_cache, keep, lambd=net64.l2
        )
        auto = net64.gradients(Xt, Yd, masks=masks)
        for l in range(L, 0, -1):
            rows += [row(f"dZ{l}", l, m * auto[f"dZ{l}"], course[f"dZ{l}"]),
                     row(f"dW{l}", l, auto[f"dW{l}"], course[f"dW{l}"]),
                     row(f"db{l}", l, auto[f"db{l}"], course[f"db{l}"])]  # fmt: skip
            if l > 1:  # the course's dA[l-1] is taken after its mask: m dJ/dA * D / keep_prob
                D = masks.get(f"D{l - 1}", True)
                scale = m * np.asarray(D) / keep[l - 2]
                rows.append(row(f"dA{l - 1}", l, scale * auto[f"dA{l - 1}"], course[f"dA{l - 1}"]))
        notes.append(
            "dropout: the network evaluated with the course's own masks (seed 1, layer by layer); "
            "dZ and dA: course values (summed loss) compared with m * dJ/dZ, and dA after its "
            "mask, m * dJ/dA * D / keep_prob"
        )
    extra = f", or a relative difference below rtol {rtol:g}" if rtol is not None else ""
    return Report(
        "compare_with_textbook",
        rows,
        "method closed form (the course's Course 2 backprop) against autodiff",
        1,
        time.perf_counter() - start,
        notes,
        f"agree within a norm-wise rounding bound: 2 x SAFETY x eps (m + max n[l] + 8 L) x "
        f"(|value| + max |value|){extra}",
    )


def _compare_row(
    name: str, layer: int | None, a: np.ndarray, c: np.ndarray, bound: np.ndarray,
    rtol: float | None,
) -> Row:  # fmt: skip
    shape = tuple(a.shape)
    if a.shape != c.shape:
        return Row(
            name, layer, shape, "closed form", 0, float("inf"), float("inf"), None,
            float("nan"), float("nan"), None, 0, False, "BUG",
            f"shape {a.shape} (autodiff) vs {c.shape} (textbook)",
        )  # fmt: skip
    err = np.abs(a - c)
    allowed = 2 * SAFETY * bound + 8 * EPS * (np.abs(a) + np.abs(c))
    denom = np.linalg.norm(a) + np.linalg.norm(c)
    rel = float(np.linalg.norm(a - c) / denom) if denom > 0 else 0.0
    over = err / np.maximum(allowed, np.finfo(float).tiny)
    worst = np.unravel_index(int(np.argmax(over)), a.shape) if a.size else ()
    ratio = None
    nz = np.abs(c) > 1e-12 * max(1.0, float(np.abs(c).max(initial=0)))
    if nz.any():
        r = a[nz] / c[nz]
        med = float(np.median(r))
        if np.all(np.abs(r - med) <= 1e-6 * max(1, abs(med))) and abs(med - 1) > 1e-6:
            ratio = med
    passed = bool(np.all(err <= allowed)) or (rtol is not None and rel <= rtol)
    return Row(
        name, layer, shape, "closed form", int(a.size), rel, float(err.max(initial=0)),
        tuple(int(i) for i in worst), float(a[worst]) if a.size else 0.0,
        float(c[worst]) if c.size else 0.0, ratio, 0, passed, "ok" if passed else "BUG",
        est_err=float(allowed[worst]) if a.size else 0.0,
    )  # fmt: skip


# ----------------------------------------------------------------------------- textbook: models
def _textbook_report(
    rows: list[Row], start: float, notes: list[str], rtol: float | None, unit: str, what: str
) -> Report:
    extra = f", or a relative difference below rtol {rtol:g}" if rtol is not None else ""
    return Report(
        "compare_with_textbook",
        rows,
        f"method closed form (the course's {what}) against autodiff",
        1,
        time.perf_counter() - start,
        notes,
        "agree within the rounding error each sum can carry: 2 x SAFETY x eps (summation "
        f"length + 8 depth) x the sum of |terms| (an absolute-value backprop){extra}",
        unit,
    )


def _softmax_columns(Z: np.ndarray) -> np.ndarray:
    e = np.exp(Z - Z.max(axis=0, keepdims=True))
    return e / e.sum(axis=0, keepdims=True)


def _compare_recurrent(model: Any, X: Any, Y: Any, rtol: float | None) -> Report:
    """RNNModel against textbook.rnn_backward / lstm_backward, fed the gradient of the summed
    loss: rows per parameter and per da<t> (dc<t>), all compared with m x autodiff."""
    from autograd_dnn import textbook as tb

    start = time.perf_counter()
    model64, notes = _model64(model)
    Xt = model64.check_X(X)
    m, T = Xt.shape[1], Xt.shape[2]
    Yd = np.asarray(model64.check_Y(Y, m, T), dtype=np.float64)
    x = Xt.data
    p = model64.get_parameters()
    n_a, lstm, out = model64.n_a, model64.cell == "lstm", model64.output_key
    a0 = np.zeros((n_a, m))
    if lstm:
        a, y_hat, _, caches = tb.lstm_forward(x, a0, p)
    else:
        a, y_hat, caches = tb.rnn_forward(x, a0, p)
    dy = y_hat * Yd.sum(axis=0, keepdims=True) - Yd  # d(summed loss)/dZ<t>; 0 without target
    da = np.einsum("yn,ymt->nmt", p[out], dy)  # the course's da: what each y_hat<t> sends a<t>
    course = dict(tb.lstm_backward(da, caches) if lstm else tb.rnn_backward(da, caches))
    course[f"d{out}"] = np.einsum("ymt,nmt->yn", dy, a)
    course["dby"] = dy.sum(axis=(1, 2))[:, None]
    if model64.l2:  # (lambda / 2m) ||W||^2 of the averaged cost, times m
        for k in p:
            if k.startswith("W"):
                course[f"d{k}"] = course[f"d{k}"] + model64.l2 * p[k]
    # the gradient arriving at each step, from the course's own cell backward
    carry_a, carry_c = np.zeros((n_a, m)), np.zeros((n_a, m))
    cells = caches[0]
    for t in range(T - 1, -1, -1):
        course[f"da{t + 1}"] = da[:, :, t] + carry_a
        if lstm:
            course[f"dc{t + 1}"] = carry_c
            g = tb.lstm_cell_backward(course[f"da{t + 1}"], carry_c, cells[t])
            carry_a, carry_c = g["da_prev"], g["dc_prev"]
        else:
            carry_a = tb.rnn_cell_backward(course[f"da{t + 1}"], cells[t])["da_prev"]
    bounds = _recurrent_magnitudes(model64, p, cells, x, a, y_hat, Yd)
    gamma = EPS * (m * T + T * (n_a + model64.n_x + model64.n_y + 8))
    auto = model64.gradients(Xt, Yd)
    notes.append(
        "the course's rnn_backward/lstm_backward have no 1/m: fed da of the summed loss "
        "(Wy^T (y_hat - y), no 1/m), their values are compared with m * autodiff for every row"
    )
    rows = []
    for k in model64.keys:
        key = f"d{k}"
        row = _compare_row(k, None, auto[key] * m, course[key], gamma * bounds[key], rtol)
        row.group = model64.parameter_group(k)
        rows.append(row)
    for t in range(T, 0, -1):
        for part in ("a", "c") if lstm else ("a",):
            key = f"d{part}{t}"
            where = t + 1 if t < T else None
            rows.append(
                _compare_row(
                    f"d{part}<{t}>", where, auto[key] * m, course[key], gamma * bounds[key], rtol
                )  # fmt: skip
            )
    return _textbook_report(rows, start, notes, rtol, "time step", f"{model64.cell}_backward")


def _recurrent_magnitudes(
    model: Any, p: dict, cells: list, x: np.ndarray, a: np.ndarray, y_hat: np.ndarray,
    Y: np.ndarray,
) -> dict[str, np.ndarray]:  # fmt: skip
    """The sum of |terms| of every textbook derivative (summed loss): backprop through time
    with absolute values, each derivative factor replaced by the magnitude of its terms
    (1 - a^2 -> 1 + a^2, s (1 - s) -> s (1 + s))."""
    n_a, m, T = a.shape
    lstm = model.cell == "lstm"
    out = model.output_key
    Mdy = y_hat * np.abs(Y).sum(axis=0, keepdims=True) + np.abs(Y)
    Mda = np.einsum("yn,ymt->nmt", np.abs(p[out]), Mdy)
    M = {f"d{out}": np.einsum("ymt,nmt->yn", Mdy, np.abs(a)), "dby": Mdy.sum(axis=(1, 2))[:, None]}
    for k in model.cell_keys:
        M[f"d{k}"] = np.zeros_like(p[k])
    carry_a, carry_c = np.zeros((n_a, m)), np.zeros((n_a, m))
    for t in range(T - 1, -1, -1):
        da_next = Mda[:, :, t] + carry_a
        M[f"da{t + 1}"] = da_next
        if not lstm:
            a_next, a_prev, xt, _ = cells[t]
            d = (1 + a_next**2) * da_next
            M["dWax"] += d @ np.abs(xt).T
            M["dWaa"] += d @ np.abs(a_prev).T
            M["dba"] += d.sum(axis=1, keepdims=True)
            carry_a = np.abs(p["Waa"]).T @ d
            continue
        M[f"dc{t + 1}"] = carry_c
        _, c_next, a_prev, c_prev, ft, it, cct, ot, xt, _ = cells[t]
        th = np.tanh(c_next)
        dc = carry_c + da_next * ot * (1 + th**2)
        gates = {
            "f": dc * np.abs(c_prev) * ft * (1 + ft),
            "i": dc * np.abs(cct) * it * (1 + it),
            "c": dc * it * (1 + cct**2),
            "o": da_next * np.abs(th) * ot * (1 + ot),
        }
        concat = np.abs(np.concatenate((a_prev, xt), axis=0))
        carry_a = np.zeros((n_a, m))
        for g, dg in gates.items():
            M[f"dW{g}"] += dg @ concat.T
            M[f"db{g}"] += dg.sum(axis=1, keepdims=True)
            carry_a += np.abs(p[f"W{g}"][:, :n_a]).T @ dg
        carry_c = dc * ft
    if model.l2:
        for k in p:
            if k.startswith("W"):
                M[f"d{k}"] = M[f"d{k}"] + model.l2 * np.abs(p[k])
    return M


def _compare_layers(model: Any, X: Any, Y: Any, rtol: float | None) -> Report:
    """A model offering ``textbook_layers()`` against the course's conv_forward/conv_backward,
    pool_forward/pool_backward and the dense layers' closed form, per layer."""
    from autograd_dnn import textbook as tb

    start = time.perf_counter()
    model64, notes = _model64(model)
    Xt = model64.check_X(X)
    m = model64.samples(Xt)
    Yd = np.asarray(model64.check_Y(Y, m), dtype=np.float64)
    spec = list(model64.textbook_layers())
    A = Xt.data.astype(np.float64)
    cache: Any  # each kind of op caches its own thing (the course's tuples, an array, a shape)
    caches: list[Any] = []
    longest = 1
    for op in spec:  # the forward pass of the course's functions
        kind, l = op["kind"], op["layer"]
        if kind == "conv":
            pad = op["pad"]
            pads = None if isinstance(pad, (int, np.integer)) else tuple(int(p) for p in pad)
            if pads is not None:  # (top, bottom, left, right): zero pad first, then pad 0
                A = np.pad(A, ((0, 0), pads[:2], pads[2:], (0, 0)))
            hp = {"stride": op["stride"], "pad": 0 if pads is not None else int(pad)}
            A, cache = tb.conv_forward(A, op["W"], op["b"], hp)
            cache = (cache, pads)
            f, _, n_C_prev, _ = op["W"].shape
            longest = max(longest, m * A.shape[1] * A.shape[2], f * f * n_C_prev)
        elif kind == "relu":
            cache, A = A, np.maximum(A, 0)
        elif kind in ("maxpool", "avgpool"):
            hp = {"f": op["f"], "stride": op["stride"]}
            A, cache = tb.pool_forward(A, hp, mode="max" if kind == "maxpool" else "average")
        elif kind == "flatten":
            cache, A = A.shape, A.reshape(A.shape[0], -1).T
        elif kind == "dense":
            cache, A = A, op["W"] @ A + op["b"]
            longest = max(longest, m, op["W"].shape[0], op["W"].shape[1])
        elif kind in ("softmax", "sigmoid"):
            cache, A = A, _softmax_columns(A) if kind == "softmax" else 1 / (1 + np.exp(-A))
        else:
            raise ValueError(
                f"textbook_layers(): unknown kind {kind!r} (layer {l}); known: conv, relu, "
                "maxpool, avgpool, flatten, dense, softmax, sigmoid"
            )
        caches.append(cache)
    if spec[-1]["kind"] not in ("softmax", "sigmoid"):
        raise ValueError("textbook_layers() must end with the output: softmax or sigmoid")
    dA = A - Yd if spec[-1]["kind"] == "sigmoid" else A * Yd.sum(axis=0, keepdims=True) - Yd
    M = A + np.abs(Yd) if spec[-1]["kind"] == "sigmoid" else A * Yd.sum(axis=0) + np.abs(Yd)
    course, mag = {}, {}
    first: dict[
        int, dict[str, Any]
    ] = {}  # layer -> its first op, which names the layer's input ("input", default A[l-1])
    for op in spec:
        first.setdefault(op["layer"], op)
    inputs = {l: "d" + str(op.get("input", f"A{l - 1}")) for l, op in first.items()}
    for op, cache in zip(reversed(spec[:-1]), reversed(caches[:-1])):  # the course's backward
        kind, l = op["kind"], op["layer"]
        if kind == "conv":
            cache, pads = cache
            dA, course[f"dW{l}"], course[f"db{l}"] = tb.conv_backward(dA, cache)
            A_prev, W, b, hp = cache
            M, mag[f"dW{l}"], mag[f"db{l}"] = tb.conv_backward(
                M, (np.abs(A_prev), np.abs(W), np.abs(b), hp)
            )
            if pads is not None:  # remove the padding added before conv_forward
                top, bottom, left, right = pads
                H, Wd = dA.shape[1], dA.shape[2]
                dA = dA[:, top : H - bottom, left : Wd - right, :]
                M = M[:, top : H - bottom, left : Wd - right, :]
        elif kind == "relu":
            dA, M = dA * (cache > 0), M * (cache > 0)
        elif kind in ("maxpool", "avgpool"):
            mode = "max" if kind == "maxpool" else "average"
            dA, M = tb.pool_backward(dA, cache, mode=mode), tb.pool_backward(M, cache, mode=mode)
        elif kind == "flatten":
            dA, M = dA.T.reshape(cache), M.T.reshape(cache)
        else:  # dense
            course[f"dW{l}"], course[f"db{l}"] = dA @ cache.T, dA.sum(axis=1, keepdims=True)
            mag[f"dW{l}"], mag[f"db{l}"] = M @ np.abs(cache).T, M.sum(axis=1, keepdims=True)
            dA, M = op["W"].T @ dA, np.abs(op["W"]).T @ M
        if op is first[l]:  # the first op of layer l: the gradient of the layer's input
            course[inputs[l]], mag[inputs[l]] = dA, M
    l2 = float(getattr(model64, "l2", 0.0) or 0.0)
    if l2:
        for op in spec:
            if "W" in op:
                course[f"dW{op['layer']}"] = course[f"dW{op['layer']}"] + l2 * op["W"]
                mag[f"dW{op['layer']}"] = mag[f"dW{op['layer']}"] + l2 * np.abs(op["W"])
    gamma = EPS * (longest + 8 * len(spec))
    auto = model64.gradients(Xt, Yd)
    notes.append(
        "the course's conv_backward and pool_backward have no 1/m: fed dZ of the summed loss "
        "(y_hat - y), their values are compared with m * autodiff for every row"
    )
    rows = []
    for l in sorted({op["layer"] for op in spec}, reverse=True):
        for key in (f"dW{l}", f"db{l}", inputs[l]):
            if key not in course:
                continue
            if key not in auto:
                raise ValueError(f"the model's gradients(X, Y) give no {key}")
            parameter = key in (f"dW{l}", f"db{l}")
            name = key[1:] if parameter else key
            row = _compare_row(name, l, np.asarray(auto[key]) * m, course[key],
                               gamma * mag[key], rtol)  # fmt: skip
            row.axes = _default_axes(course[key].ndim, parameter, key)
            rows.append(row)
    return _textbook_report(rows, start, notes, rtol, "layer", "conv_backward/pool_backward")
