"""The recorded computation graph of a cost J, with gradient norms, heat and check results.

Built from :func:`autograd_dnn.to_networkx` (and :func:`autograd_dnn.graph.tensors_of` for
the arrays behind the heat): each layer's ops sit in a box ``cluster_L{l}``; inputs, params,
ops, tensors and the cost have fixed colours; shapes are written in course notation,
``(n[l], n[l-1]) = (5, 3)``, ``(n[l], m) = (5, m)``.

After ``J.backward()``:

- ``show_grads`` adds ``||dW1|| = ...`` to every tensor with a gradient;
- ``heat`` colours layer l by ||dW[l]|| / ||W[l]|| on a log scale (one colour per decade)
  and outlines the layers that look vanishing or exploding;
- ``report`` (a gradient-check report with ``.rows``) gives failing tensors and their
  layer a thick red border and their relative difference.

Deep networks stay readable: runs of identical layers fold into one "× k" node.
"""

from __future__ import annotations

import math
import re
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import networkx as nx
import numpy as np

from autograd_dnn.engine import grad
from autograd_dnn.graph import tensors_of, to_networkx
from autograd_dnn.tensor import Tensor
from viz.dot import COLORS, Diagram

__all__ = ["HEAT_COLORS", "computation_graph", "heat_bin"]

# One colour per decade of ||dW[l]|| / ||W[l]||: < 1e-5, [1e-5, 1e-4), ..., >= 1e2.
HEAT_COLORS = (
    "#4575b4",
    "#74add1",
    "#abd9e9",
    "#e0f3f8",
    "#ffffbf",
    "#fee090",
    "#fdae61",
    "#f46d43",
    "#d73027",
)
_HEAT_LOW = -5  # log10 of the upper edge of bin 0
_DARK_BINS = {0, 8}  # bins whose fill needs white text
VANISH_COLOR = "#1c4587"
EXPLODE_COLOR = "#b45f06"


OP_NOTES = {
    "linear": "Z = W A + b",
    "bce_with_logits": "J = cross-entropy(sigmoid(Z), Y)",
    "softmax_cross_entropy": "J = cross-entropy(softmax(Z), Y)",
    "batch_norm": "Z̃ = γ (Z − μ) / √(σ² + ε) + β",
    "dropout": "A · D / keep_prob (mask D)",
}
# what a constant argument is, by (op, position): the labels of a cost given as an array
CONSTANT_NAMES = {("bce_with_logits", 1): "Y", ("softmax_cross_entropy", 1): "Y"}


def heat_bin(ratio: float) -> int:
    """Index into :data:`HEAT_COLORS` of a ratio ||dW|| / ||W|| (one bin per decade)."""
    if ratio <= 0:
        return 0
    return int(min(max(math.floor(math.log10(ratio)) - _HEAT_LOW + 1, 0), len(HEAT_COLORS) - 1))


def _bin_text(b: int) -> str:
    lo, hi = _HEAT_LOW + b - 1, _HEAT_LOW + b
    if b == 0:
        return f"< 1e{hi:+03d}"
    if b == len(HEAT_COLORS) - 1:
        return f"≥ 1e{lo:+03d}"
    return f"1e{lo:+03d} … 1e{hi:+03d}"


def _sci(x: float) -> str:
    return f"{x:.2e}"


# ----------------------------------------------------------------------------- layers
@dataclass
class _Layer:
    """What the picture needs to know about layer l."""

    l: int
    nodes: list[int] = field(default_factory=list)  # to_networkx keys, in recording order
    W: Tensor | None = None
    ratio: float | None = None  # ||dW[l]|| / ||W[l]||
    status: str = ""  # "", "vanishing", "exploding"
    failed: list[str] = field(default_factory=list)  # report rows that failed here

    def signature(self, src: nx.DiGraph) -> tuple:
        """Equal for layers with the same ops, shapes and activation: they may fold."""
        return tuple(
            (src.nodes[k]["kind"], src.nodes[k]["op"], src.nodes[k]["shape"]) for k in self.nodes
        )


def _infer_layers(src: nx.DiGraph) -> dict[int, int | None]:
    """Layer of every node: its own label, else its op's (tensors) or its users' (params)."""
    layer = {k: d["layer"] for k, d in src.nodes(data=True)}
    for k, d in src.nodes(data=True):
        if layer[k] is None and d["kind"] == "tensor":
            made_by = {layer[p] for p in src.predecessors(k) if src.nodes[p]["kind"] == "op"}
            if len(made_by) == 1:
                layer[k] = made_by.pop()
    for k, d in src.nodes(data=True):
        if layer[k] is None and d["kind"] == "param":
            used = {layer[s] for s in src.successors(k)}
            if len(used) == 1 and None not in used:
                layer[k] = used.pop()
    return layer


def _pick_W(params: dict[int, Tensor]) -> int | None:
    """Key of the layer's W[l]: the 2-D parameter named W..., else the largest 2-D one."""
    named = [k for k, t in params.items() if t.name and t.name.startswith("W") and t.ndim == 2]
    if named:
        return named[0]
    two_d = [k for k, t in params.items() if t.ndim == 2]
    return max(two_d, key=lambda k: params[k].size) if two_d else None


# ----------------------------------------------------------------------------- shapes
class _Shapes:
    """Write shapes in course notation from the W[l] found in the graph."""

    def __init__(
        self, layers: dict[int, _Layer], src: nx.DiGraph, layer_of: dict[int, int | None]
    ) -> None:
        self.n: dict[int, int] = {}
        for l, info in layers.items():
            if info.W is not None and info.W.ndim == 2:
                self.n.setdefault(l, info.W.shape[0])
                self.n.setdefault(l - 1, info.W.shape[1])
        cols = Counter(
            d["shape"][1]
            for k, d in src.nodes(data=True)
            if d["kind"] == "tensor" and layer_of[k] is not None and len(d["shape"]) == 2
        )
        self.m = cols.most_common(1)[0][0] if cols else None
        self.L = max(self.n) if self.n else None

    def _sym(self, size: int, candidates: Sequence[int | None], allow_m: bool) -> str | None:
        for l in candidates:
            if l is not None and self.n.get(l) == size:
                return f"n[{l}]"
        if size == 1:
            return "1"
        if allow_m and size == self.m:
            return "m"
        return None

    def __call__(self, shape: tuple[int, ...], kind: str, layer: int | None) -> str:
        if shape == ():
            return "scalar"
        numeric = "(" + ", ".join(str(s) for s in shape) + (",)" if len(shape) == 1 else ")")
        if len(shape) != 2 or not self.n:
            return numeric
        if kind == "param" and layer is not None:
            rows = self._sym(shape[0], [layer], False)
            cols = self._sym(shape[1], [layer - 1], False)
        else:
            ends = [layer] if layer is not None else [0, self.L]
            rows = self._sym(shape[0], ends, False)
            cols = self._sym(shape[1], [], True)
        if rows is None and cols is None:
            return numeric
        return f"({rows or shape[0]}, {cols or shape[1]}) = {numeric}"


# ----------------------------------------------------------------------------- report
def _row_get(row: Any, key: str) -> Any:
    return row.get(key) if isinstance(row, dict) else getattr(row, key, None)


def _report_rows(report: Any) -> Any:
    rows = report.get("rows") if isinstance(report, dict) else getattr(report, "rows", None)
    if rows is None:
        raise TypeError("report must have .rows (a gradient-check report), got " + repr(report))
    return rows


def _failures(report: Any) -> list[tuple[str, int | None, float | None]]:
    if report is None:
        return []
    out = []
    for r in _report_rows(report):
        if not _row_get(r, "passed"):
            layer = _row_get(r, "layer")
            diff = _row_get(r, "rel_diff")
            out.append(
                (
                    str(_row_get(r, "name")),
                    int(layer) if layer is not None else None,
                    float(diff) if diff is not None else None,
                )
            )
    return out


def _report_total(report: Any) -> int:
    return len(_report_rows(report))


# ----------------------------------------------------------------------------- ids, labels
_SAFE = re.compile(r"[^A-Za-z0-9_]")


def _ids(src: nx.DiGraph) -> dict[int, str]:
    """DOT ids from the recording order: ``op04_linear``; named tensors keep their name."""
    names = Counter(d["name"] for _, d in src.nodes(data=True) if d["kind"] != "op")
    ids: dict[int, str] = {}
    for k, d in src.nodes(data=True):
        if d["kind"] == "op":
            ids[k] = f"op{k:02d}_{_SAFE.sub('_', d['op'])}"
        elif d["name"] and names[d["name"]] == 1 and not _SAFE.search(d["name"]):
            ids[k] = d["name"] if d["name"] != "legend" else f"t{k:02d}_legend"
        else:
            ids[k] = f"t{k:02d}" + (f"_{_SAFE.sub('_', d['name'])}" if d["name"] else "")
    return ids


def _grad_name(name: str) -> str:
    return f"d{name}" if name else "grad"


# ----------------------------------------------------------------------------- folding
def _runs(layers: list[_Layer], src: nx.DiGraph, heat: bool) -> list[tuple[int, int]]:
    """Runs (first, last) of layers to fold.

    A run is >= 2 consecutive layers with the same ops and shapes; it is cut where the heat
    colour or the vanishing/exploding status changes, so a piece may be a single layer.
    Layers with a failed gradient check are never folded.
    """
    runs: list[tuple[int, int]] = []
    i = 0
    while i < len(layers):
        j = i
        sig = layers[i].signature(src)
        while (
            not layers[i].failed
            and j + 1 < len(layers)
            and layers[j + 1].l == layers[j].l + 1
            and not layers[j + 1].failed
            and layers[j + 1].signature(src) == sig
        ):
            j += 1
        if j > i:
            start = i
            for k in range(i + 1, j + 2):
                if k == j + 1 or _heat_key(layers[k], heat) != _heat_key(layers[start], heat):
                    runs.append((layers[start].l, layers[k - 1].l))
                    start = k
        i = j + 1
    return runs


def _heat_key(info: _Layer, heat: bool) -> tuple:
    return (heat_bin(info.ratio) if heat and info.ratio is not None else None, info.status)


def _count_after(src: nx.DiGraph, layer_of: dict[int, int | None], folds: list[tuple]) -> int:
    folded = sum(
        1 for k in src if layer_of[k] is not None and any(a <= layer_of[k] <= b for a, b in folds)
    )
    return len(src) - folded + len(folds)


# ----------------------------------------------------------------------------- the recording
@dataclass
class _Recording:
    """What was recorded while computing J, read once: the steps below only look at this."""

    J: Tensor
    src: nx.DiGraph  # to_networkx(J): keys 0, 1, 2, ... in recording order
    tensor_at: dict[int, Tensor]  # key of every tensor node -> the tensor
    layer_of: dict[int, int | None]  # key -> layer l >= 1, None outside every layer
    constants: dict[int, list[tuple[int, Any]]]  # op key -> [(argument position, value)]
    grads: dict[int, np.ndarray]  # key -> dJ/d(tensor): only gradients that are J's own
    grad_status: str  # "none", "of J", "partly stale", "stale", "unchecked"
    grad_line: str  # what the title says about the gradients

    @property
    def cost_key(self) -> int:
        return len(self.src) - 1


def _tensor_keys(tensors: list[Tensor]) -> dict[int, Tensor]:
    """Key in ``to_networkx`` of every tensor (it puts an op right before its output)."""
    at: dict[int, Tensor] = {}
    k = 0
    for t in tensors:
        k += 0 if t.is_leaf else 1
        at[k] = t
        k += 1
    return at


def _constants_of(t: Tensor) -> list[tuple[int, Any]]:
    """The numeric arguments of the op that made ``t`` that are not Tensors, with positions.

    ``2.0`` in ``2.0 * x``, labels ``Y`` passed as an array: ``to_networkx`` has no node for
    them. This reads the op's recorded inputs, ``t.grad_fn.inputs``.
    """
    node = t.grad_fn
    found = []
    for pos, a in enumerate(getattr(node, "inputs", ())):
        if isinstance(a, (bool, np.bool_, Tensor)):
            continue
        if isinstance(a, (int, float, np.number, np.ndarray)):
            found.append((pos, a))
    return found


def _own_gradients(J: Tensor, tensor_at: dict[int, Tensor]) -> tuple[dict, str, str]:
    """The ``.grad`` arrays that are J's own gradients: ``({key: dJ/dt}, status, title line)``.

    ``.grad`` holds what the last backward calls left, which may be another cost's. While
    J's graph is still alive it can be run again: each ``.grad`` is compared with a fresh
    ``grad(J, ...)`` (``.grad`` is not touched) and only the equal ones are kept. A graph
    that ``J.backward()`` released cannot be run again; its ``.grad`` are taken as that
    backward's (which includes anything accumulated before it, as ``.grad`` always does).
    """
    held = {k: t for k, t in tensor_at.items() if t.grad is not None}
    if not held:
        return {}, "none", "before backward (no gradients yet)"
    if not J.requires_grad:
        return {}, "stale", "no backward of this J yet (J does not require grad): .grad not drawn"
    if J.size != 1:
        kept = {k: np.asarray(t.grad) for k, t in held.items()}
        return kept, "unchecked", "after backward (J is not a scalar: .grad drawn unchecked)"
    try:
        fresh = grad(J, list(held.values()), retain_graph=True)
    except RuntimeError as e:
        if "released" in str(e):  # the graph was used by a backward through J
            return {k: np.asarray(t.grad) for k, t in held.items()}, "of J", "after backward"
        first = str(e).splitlines()[0]
        return {}, "unchecked", f"gradients not drawn: dJ/d(.) could not be recomputed ({first})"
    own: dict[int, np.ndarray] = {}
    stale: list[str] = []
    for (k, t), f in zip(held.items(), fresh, strict=True):
        g = np.asarray(t.grad)
        if g.shape == f.shape and np.allclose(g, f.data, rtol=1e-5, atol=1e-12):
            own[k] = g
        else:
            stale.append(t.name or f"t{k:02d}")
    if not stale:
        return own, "of J", "after backward"
    names = ", ".join(stale[:6]) + (", ..." if len(stale) > 6 else "")
    if not own:
        return (
            {},
            "stale",
            "no backward of this J yet, so no gradient is drawn\n"
            f"(the .grad of {names} is not dJ/d(.): another J's backward left it, "
            "or several accumulated)",
        )
    return (
        own,
        "partly stale",
        "after backward; gradients drawn only where .grad = dJ/d(.)\n"
        f"(not drawn: the .grad of {names}, another backward's or accumulated)",
    )


def _computed_gradients(J: Tensor, tensor_at: dict[int, Tensor]) -> tuple[dict, str, str]:
    """dJ/d(leaf) for every leaf that requires grad, computed here (``.grad`` untouched)."""
    leaves = {k: t for k, t in tensor_at.items() if t.is_leaf and t.requires_grad}
    if not J.requires_grad or not leaves:
        raise ValueError(
            "computation_graph(J, backward=True): nothing to differentiate, J was not "
            "computed from any tensor with requires_grad=True"
        )
    try:
        fresh = grad(J, list(leaves.values()), retain_graph=True)
    except RuntimeError as e:
        raise ValueError(
            "computation_graph(J, backward=True) computes J's gradients itself, but J's graph "
            "was already released by a backward: call it before J.backward() (or call "
            f"J.backward(retain_graph=True)). The engine said: {str(e).splitlines()[0]}"
        ) from None
    grads = {k: f.data for k, f in zip(leaves, fresh, strict=True)}
    return grads, "of J", "gradients of J computed for this picture (.grad untouched)"


def _read_recording(J: Tensor, backward: bool = False) -> _Recording:
    """Step 1: the graph, its tensors, their layers, the constants and J's own gradients."""
    src = to_networkx(J)
    tensor_at = _tensor_keys(tensors_of(J))
    layer_of = _infer_layers(src)
    for k, l in layer_of.items():
        if l is not None and l < 1:
            layer_of[k] = None  # layer 0 is the input X: drawn outside the layer boxes
    constants = {k - 1: _constants_of(t) for k, t in tensor_at.items() if not t.is_leaf}
    if backward:
        grads, status, line = _computed_gradients(J, tensor_at)
    else:
        grads, status, line = _own_gradients(J, tensor_at)
    return _Recording(
        J=J,
        src=src,
        tensor_at=tensor_at,
        layer_of=layer_of,
        constants={k: c for k, c in constants.items() if c},
        grads=grads,
        grad_status=status,
        grad_line=line,
    )


# ----------------------------------------------------------------------------- layer facts
def _layer_facts(
    rec: _Recording, heat: bool, vanish_below: float, explode_above: float
) -> dict[int, _Layer]:
    """Step 2: per layer l, its nodes, W[l], the ratio ||dW[l]|| / ||W[l]|| and its status."""
    layers: dict[int, _Layer] = {}
    for k in rec.src:
        l = rec.layer_of[k]
        if l is not None:
            layers.setdefault(l, _Layer(l)).nodes.append(k)
    for info in layers.values():
        params = {k: rec.tensor_at[k] for k in info.nodes if rec.src.nodes[k]["kind"] == "param"}
        w_key = _pick_W(params)
        info.W = params[w_key] if w_key is not None else None
        dW = rec.grads.get(w_key) if w_key is not None else None
        if info.W is not None and dW is not None:
            norm = float(np.linalg.norm(info.W.data))
            if norm > 0:
                info.ratio = float(np.linalg.norm(dW)) / norm
        if heat and info.ratio is not None:
            if info.ratio < vanish_below:
                info.status = "vanishing"
            elif info.ratio > explode_above:
                info.status = "exploding"
    return layers


def _mark_failures(
    rec: _Recording, layers: dict[int, _Layer], fails: list[tuple[str, int | None, float | None]]
) -> dict[int, tuple[str, float | None]]:
    """Step 3: the nodes a failed gradient-check row names (``dA1`` names A1), and their layers."""
    name_to_keys: dict[str, list[int]] = {}
    for k, d in rec.src.nodes(data=True):
        if d["kind"] != "op" and d["name"]:
            name_to_keys.setdefault(d["name"], []).append(k)
    failed: dict[int, tuple[str, float | None]] = {}
    for name, layer, diff in fails:
        keys = name_to_keys.get(name) or (name_to_keys.get(name[1:]) if name[:1] == "d" else None)
        for k in keys or []:
            failed[k] = (name, diff)
            layer = layer if layer is not None else rec.layer_of[k]
        if layer in layers:
            layers[layer].failed.append(name)
    return failed


# ----------------------------------------------------------------------------- folding
def _fold_middle(ordered: list[_Layer], folds: list[tuple[int, int]]) -> list[tuple[int, int]]:
    """Fold every layer but the first two, the last two and the failed ones (any shapes)."""
    keep = [info.l for info in ordered[:2] + ordered[-2:]] + [
        info.l for info in ordered if info.failed
    ]
    middle = [info.l for info in ordered if info.l not in keep]
    if not middle:
        return folds
    folds = [(a, b) for a, b in folds if b < middle[0] or a > middle[-1]]
    start = prev = middle[0]  # one fold per stretch of consecutive non-kept layers
    for l in [*middle[1:], None]:
        if l is None or l != prev + 1:
            if prev > start:  # a single layer stays drawn in full
                folds.append((start, prev))
            if l is not None:
                start = l
        if l is not None:
            prev = l
    return sorted(folds)


def _choose_folds(
    rec: _Recording,
    layers: dict[int, _Layer],
    collapse: bool,
    max_nodes: int | None,
    heat_on: bool,
) -> tuple[list[tuple[int, int]], str]:
    """Step 4: the runs of layers drawn as one node, and a note when the budget forced it."""
    ordered = [layers[l] for l in sorted(layers)]
    folds: list[tuple[int, int]] = []
    note = ""
    n = len(rec.src)
    over = max_nodes is not None and n > max_nodes
    if collapse or over:
        folds = _runs(ordered, rec.src, heat_on)
        if not collapse:
            note = f"folded: {n} nodes > max_nodes = {max_nodes}"
    if (
        max_nodes is not None
        and _count_after(rec.src, rec.layer_of, folds) > max_nodes
        and len(ordered) > 4
    ):
        folds = _fold_middle(ordered, folds)
        note = f"folded to fit max_nodes = {max_nodes}"
    return folds, note


# ----------------------------------------------------------------------------- drawing
def _drawing_order(rec: _Recording) -> list[int]:
    """Leaves outside any layer (X, Y) first: dot then keeps them out of the layer boxes."""
    src, layer_of = rec.src, rec.layer_of
    return sorted(src, key=lambda k: (not (layer_of[k] is None and src.in_degree(k) == 0), k))


def _operand_text(rec: _Recording, op_key: int, shapes: _Shapes) -> list[str]:
    """How the operands of an op are called in its caption, in argument order."""
    texts: dict[int, str] = {}
    for u, _, d in rec.src.in_edges(op_key, data=True):
        name = rec.src.nodes[u]["name"]
        texts[d.get("arg", 0)] = name or "(" + ", ".join(map(str, rec.src.nodes[u]["shape"])) + ")"
    for pos, value in rec.constants.get(op_key, []):
        texts[pos] = _constant_text(rec, op_key, pos, value, shapes).split("\n")[0]
    return [texts[p] for p in sorted(texts)]


def _op_label(rec: _Recording, k: int, shapes: _Shapes) -> str:
    op = rec.src.nodes[k]["op"]
    if op == "matmul":
        operands = _operand_text(rec, k, shapes)
        if len(operands) == 2:
            return f"matmul\n{operands[0]} @ {operands[1]}"
    return op + (f"\n{OP_NOTES[op]}" if op in OP_NOTES else "")


def _constant_text(rec: _Recording, op_key: int, pos: int, value: Any, shapes: _Shapes) -> str:
    name = CONSTANT_NAMES.get((rec.src.nodes[op_key]["op"], pos), "")
    arr = np.asarray(value)
    if arr.size == 1 and not name:
        return f"{arr.item():.4g}"
    return "\n".join([name or "constant", shapes(tuple(arr.shape), "input", rec.layer_of[op_key])])


def _add_constants(out: nx.DiGraph, rec: _Recording, op_key: int, shapes: _Shapes) -> list:
    """Draw the op's constant arguments; returns their edges ``(id, op key, position)``."""
    edges = []
    for pos, value in rec.constants.get(op_key, []):
        cid = f"c{op_key:02d}_{pos}"
        out.add_node(
            cid,
            kind="constant",
            shape=tuple(np.shape(value)),
            layer=rec.layer_of[op_key],
            dot={
                "label": _constant_text(rec, op_key, pos, value, shapes),
                "shape": "box",
                "style": "dashed,filled",
                "fillcolor": COLORS["input"],
            },
        )
        edges.append((cid, op_key, pos))
    return edges


def _tensor_node(
    rec: _Recording,
    k: int,
    shapes: _Shapes,
    show_grads: bool,
    failure: tuple[str, float | None] | None,
) -> dict[str, Any]:
    """The attributes of one drawn node: ``to_networkx``'s, the layer, and the DOT style."""
    d = rec.src.nodes[k]
    attrs = {key: val for key, val in d.items() if key not in ("layer", "grad_norm")}
    g = rec.grads.get(k)
    if g is not None:
        attrs["grad_norm"] = float(np.linalg.norm(g))
    attrs.update(layer=rec.layer_of[k], key=k)
    if k == rec.cost_key:
        attrs["is_cost"] = True
    style: dict[str, Any]
    if d["kind"] == "op":
        style = {
            "label": _op_label(rec, k, shapes),
            "shape": "box",
            "style": "rounded,filled",
            "fillcolor": COLORS["op"],
        }
        n_operands = rec.src.in_degree(k) + len(rec.constants.get(k, []))
        if n_operands > 1 and rec.layer_of[k] is None:
            # operands left to right in argument order (inside a layer box dot mixes the
            # order up with the box's own layout, so there the box decides)
            style["ordering"] = "in"
    else:
        style = _style(
            d,
            rec.layer_of[k],
            rec.tensor_at.get(k),
            shapes,
            attrs.get("grad_norm") if show_grads else None,
            is_cost=k == rec.cost_key,
        )
    if failure is not None:
        name, diff = failure
        attrs["gradcheck_failed"] = True
        attrs["rel_diff"] = diff
        style["label"] += (
            f"\nFAILED check {name}: rel diff {_sci(diff) if diff is not None else '?'}"
        )
        style.update(color=COLORS["fail"], penwidth=4, fontcolor=COLORS["fail"])
    attrs["dot"] = style
    return attrs


def _draw(
    rec: _Recording,
    layers: dict[int, _Layer],
    folds: list[tuple[int, int]],
    failed: dict[int, tuple[str, float | None]],
    show_grads: bool,
    heat_on: bool,
) -> nx.DiGraph:
    """Step 5: the drawn graph: nodes in layer boxes, folded runs, constants, edges."""
    shapes = _Shapes(layers, rec.src, rec.layer_of)
    ids = _ids(rec.src)
    fold_of = {l: (a, b) for a, b in folds for l in range(a, b + 1)}
    out = nx.DiGraph(name="computation_graph")
    out.graph["subgraphs"] = {}
    node_for: dict[int, str] = {}
    const_edges: list[tuple[str, int, int]] = []
    for k in _drawing_order(rec):
        l = rec.layer_of[k]
        if l in fold_of:
            a, b = fold_of[l]
            node_for[k] = f"fold_L{a}_L{b}"
            if node_for[k] not in out:
                style = _fold_node(a, b, layers, rec.src, shapes, heat_on)
                out.add_node(node_for[k], **style)
            continue
        if rec.src.nodes[k]["kind"] == "op":
            const_edges += _add_constants(out, rec, k, shapes)
        node_for[k] = ids[k]
        attrs = _tensor_node(rec, k, shapes, show_grads, failed.get(k))
        if l is not None:
            attrs["subgraph"] = f"cluster_L{l}"
            if attrs["subgraph"] not in out.graph["subgraphs"]:
                out.graph["subgraphs"][attrs["subgraph"]] = _cluster_style(layers[l], heat_on)
        out.add_node(ids[k], **attrs)
    for cid, _, _ in const_edges:  # a constant sits in its op's box
        if out.nodes[cid]["layer"] is not None:
            out.nodes[cid]["subgraph"] = f"cluster_L{out.nodes[cid]['layer']}"
    _add_edges(out, rec, node_for, const_edges)
    return out


def _add_edges(
    out: nx.DiGraph,
    rec: _Recording,
    node_for: dict[int, str],
    const_edges: list[tuple[str, int, int]],
) -> None:
    """Edges from the recording and the constants, one per pair of drawn nodes."""
    edges = [(node_for[u], v, d.get("arg", 0)) for u, v, d in rec.src.edges(data=True)]
    edges += const_edges
    for a, v, arg in sorted(edges, key=lambda e: (e[1], e[2])):
        b = node_for[v]
        if a == b or out.has_edge(a, b):
            continue
        la, lb = out.nodes[a].get("layer"), out.nodes[b].get("layer")
        crosses = la is not None and lb is not None and la != lb
        out.add_edge(a, b, arg=arg, dot={"minlen": 2} if crosses else {})
    out.graph["edge_order"] = _edge_order(out)


def _edge_order(out: nx.DiGraph) -> list[tuple[str, str]]:
    """networkx's edge order, except that the in-edges of a node with ``ordering="in"``
    come in argument order (dot lays its operands out left to right in file order)."""
    order = list(out.edges())
    for v, d in out.nodes(data=True):
        if d.get("dot", {}).get("ordering") == "in":
            slots = [i for i, (_, b) in enumerate(order) if b == v]
            by_arg = sorted((order[i] for i in slots), key=lambda e: out.edges[e]["arg"])
            for i, e in zip(slots, by_arg, strict=True):
                order[i] = e
    return order


# ----------------------------------------------------------------------------- title
def _title(
    rec: _Recording,
    layers: dict[int, _Layer],
    folds: list[tuple[int, int]],
    note: str,
    heat_on: bool,
    report: Any,
    fails: list[tuple[str, int | None, float | None]],
) -> str:
    """Step 6: what was drawn, the gradients' provenance, the folds and the check verdict."""
    name = rec.src.nodes[rec.cost_key]["name"] or "the output"
    first = f"computation graph of {name}: {len(rec.src)} recorded nodes"
    lines = [first + (f", {len(layers)} layers" if layers else "")]
    heat_text = "; layer colour: ratio ||dW[l]|| / ||W[l]||, log scale" if heat_on else ""
    grad_lines = rec.grad_line.split("\n")
    lines += [grad_lines[0] + heat_text, *grad_lines[1:]]
    if note or folds:
        n_folded = sum(b - a + 1 for a, b in folds)
        lines.append(
            note
            or f"{n_folded} identical layers folded into {len(folds)} box(es)"
            + (", cut where the heat changes" if heat_on else "")
        )
    if report is not None:
        total = _report_total(report)
        if fails:
            failed = ", ".join(f[0] for f in fails)
            lines.append(f"gradient check: {len(fails)} of {total} FAILED ({failed})")
        else:
            lines.append(f"gradient check: all {total} passed")
    return "\n".join(lines)


# ----------------------------------------------------------------------------- public
def _check_arguments(J: Any, rankdir: str, vanish_below: float, explode_above: float) -> None:
    if not isinstance(J, Tensor):
        raise TypeError(f"computation_graph needs the Tensor J, got {type(J).__name__}")
    if rankdir not in ("TB", "LR", "BT", "RL"):
        raise ValueError(f"rankdir must be one of TB, LR, BT, RL, got {rankdir!r}")
    if not 0 < vanish_below < explode_above:
        raise ValueError(
            f"need 0 < vanish_below < explode_above, got {vanish_below} and {explode_above}"
        )


def computation_graph(
    J: Tensor,
    show_grads: bool = True,
    heat: bool = True,
    report: Any = None,
    collapse: bool = True,
    rankdir: str = "TB",
    max_nodes: int | None = 80,
    vanish_below: float = 1e-4,
    explode_above: float = 10.0,
    backward: bool = False,
) -> Diagram:
    """Draw the graph recorded while computing ``J`` (usually the scalar cost).

    Only gradients that are J's own are drawn: a ``.grad`` left by another cost's backward
    (or accumulated over several) is left out, and the title says so ("no backward of this
    J yet"). While J's graph is alive this is checked by computing dJ/d(.) again with
    :func:`autograd_dnn.grad` (``.grad`` is not touched). Once ``J.backward()`` has
    released the graph it cannot be checked: ``.grad`` is drawn as that backward left it,
    including whatever ``.grad`` held before (after ``fit``, the last step's gradients).
    ``backward=True`` avoids the question: viz computes J's gradients itself.

    Args:
        J: the output tensor; every op it came from is drawn, in recording order, with
            the constants the ops were given (``2.0`` in ``2.0 * x``, labels Y as arrays).
        show_grads: label tensors that have J's gradient with its norm, e.g. ``||dW1||``.
        heat: colour layer l by ||dW[l]|| / ||W[l]|| (log scale, one colour per decade)
            and outline layers below ``vanish_below`` (vanishing) or above
            ``explode_above`` (exploding). Needs ``J.backward()`` first.
        report: a gradient-check report: ``.rows`` of objects or dicts with ``name``
            (``"W2"``, ``"dA1"``), ``layer``, ``rel_diff``, ``passed``. Failing tensors
            and layers get a thick red border and their relative difference.
        collapse: fold runs of identical consecutive layers (same ops, shapes, activation
            and heat colour) into one "× k" node. Even with ``collapse=False`` a graph
            larger than ``max_nodes`` is folded; ``max_nodes=None`` turns that off.
        rankdir: ``"TB"`` (top to bottom) or ``"LR"``, ``"BT"``, ``"RL"``.
        backward: compute dJ/d(leaf) here, with :func:`autograd_dnn.grad`, instead of
            reading ``.grad`` (which is left as it is). The safe choice after training,
            when ``.grad`` still holds the last step's gradients that a ``J.backward()``
            would add to. Call it before any ``J.backward()`` on this J.

    Returns:
        A :class:`viz.Diagram`. Its networkx graph keeps, per node, the attributes of
        ``to_networkx`` (kind, op, shape, name, layer; ``grad_norm`` only for J's own
        gradients) plus the DOT style; ``graph["gradients"]`` is ``"none"``, ``"of J"``,
        ``"partly stale"``, ``"stale"`` (none drawn) or ``"unchecked"``.
    """
    _check_arguments(J, rankdir, vanish_below, explode_above)
    rec = _read_recording(J, backward)
    layers = _layer_facts(rec, heat, vanish_below, explode_above)
    fails = _failures(report)
    failed = _mark_failures(rec, layers, fails)
    heat_on = heat and any(info.ratio is not None for info in layers.values())
    folds, note = _choose_folds(rec, layers, collapse, max_nodes, heat_on)
    out = _draw(rec, layers, folds, failed, show_grads, heat_on)
    out.graph["attrs"] = {
        "rankdir": rankdir,
        "label": _title(rec, layers, folds, note, heat_on, report, fails),
        "labelloc": "t",
        "fontsize": 13,
        "nodesep": 0.25,
        "ranksep": 0.3,
    }
    out.graph["node_attrs"] = {"style": "filled", "fontsize": 10}
    out.graph["edge_attrs"] = {"color": COLORS["edge"], "arrowsize": 0.6}
    out.graph["legend"] = _legend(out, layers, heat_on, vanish_below, explode_above)
    out.graph["folds"] = folds
    out.graph["heat"] = {l: info.ratio for l, info in sorted(layers.items())}
    out.graph["gradients"] = rec.grad_status
    return Diagram(out)


# ----------------------------------------------------------------------------- styles
def _style(
    d: dict,
    layer: int | None,
    t: Tensor | None,
    shapes: _Shapes,
    grad_norm: float | None,
    is_cost: bool,
) -> dict[str, Any]:
    """DOT style of a tensor node: name, shape in course notation, ||dt|| when given."""
    kind = d["kind"]
    name = d["name"]
    shape_text = shapes(d["shape"], kind, layer)
    lines = [name] if name else []
    if is_cost and t is not None and t.size == 1:
        lines = [f"{name or 'J'} = {float(t.data):.4g}"]
    else:
        lines.append(shape_text)
    if grad_norm is not None:
        lines.append(f"||{_grad_name(name)}|| = {_sci(grad_norm)}")
    style: dict[str, Any] = {"label": "\n".join(lines)}
    if is_cost:
        style.update(shape="box", peripheries=2, fillcolor=COLORS["cost"])
    elif kind == "param":
        style.update(shape="box", fillcolor=COLORS["param"])
    elif kind == "input":
        style.update(shape="ellipse", fillcolor=COLORS["input"])
    else:
        style.update(shape="ellipse", fillcolor=COLORS["tensor"])
    return style


def _cluster_style(info: _Layer, heat: bool) -> dict[str, Any]:
    label = f"layer {info.l}"
    style: dict[str, Any] = {
        "style": "rounded,filled",
        "fillcolor": "#f7f7f7",
        "color": "#999999",
        "labeljust": "l",
    }
    if heat and info.ratio is not None:
        b = heat_bin(info.ratio)
        label += f"   ||dW[{info.l}]|| / ||W[{info.l}]|| = {_sci(info.ratio)}"
        style["fillcolor"] = HEAT_COLORS[b]
        if b in _DARK_BINS:
            style["fontcolor"] = "white"
    if info.status:
        label += f"   ({info.status}?)"
        color = VANISH_COLOR if info.status == "vanishing" else EXPLODE_COLOR
        style.update(color=color, penwidth=3, style="rounded,filled,dashed")
    if info.failed:
        label += f"   gradient check FAILED: {', '.join(info.failed)}"
        style.update(
            color=COLORS["fail"], penwidth=4, style="rounded,filled", fontcolor=COLORS["fail"]
        )
    style["label"] = label
    return style


def _fold_node(
    a: int, b: int, layers: dict[int, _Layer], src: nx.DiGraph, shapes: _Shapes, heat: bool
) -> dict[str, Any]:
    first = layers[a]
    members = [layers[l] for l in range(a, b + 1) if l in layers]
    same = all(info.signature(src) == first.signature(src) for info in members)
    ops = [src.nodes[k]["op"] for k in first.nodes if src.nodes[k]["kind"] == "op"]
    lines = [f"layers {a}–{b}   × {b - a + 1}" if b > a else f"layer {a}"]
    if same:
        lines.append(" → ".join(ops))
        params = [
            f"{re.sub(r'[0-9]+$', '', src.nodes[k]['name']) or 'param'} "
            f"{shapes(src.nodes[k]['shape'], 'param', a).split(' = ')[-1]}"
            for k in first.nodes
            if src.nodes[k]["kind"] == "param"
        ]
        if params:
            lines.append(", ".join(params))
    else:
        lines.append("(layers of different shapes)")
    style: dict[str, Any] = {"shape": "box3d", "fillcolor": COLORS["folded"], "margin": "0.15,0.08"}
    ratios = [info.ratio for info in members if info.ratio is not None]
    if heat and ratios:
        lo, hi = min(ratios), max(ratios)
        text = _sci(lo) if lo == hi else f"{_sci(lo)} … {_sci(hi)}"
        lines.append(f"||dW|| / ||W|| = {text}")
        gmean = math.exp(sum(math.log(max(r, 1e-300)) for r in ratios) / len(ratios))
        style["fillcolor"] = HEAT_COLORS[heat_bin(gmean)]
        if heat_bin(gmean) in _DARK_BINS:
            style["fontcolor"] = "white"
    statuses = sorted({info.status for info in members if info.status})
    if statuses:
        lines.append(" / ".join(f"{s}?" for s in statuses))
        color = VANISH_COLOR if statuses[-1] == "vanishing" else EXPLODE_COLOR
        style.update(color=color, penwidth=3, style="filled,dashed")
    style["label"] = "\n".join(lines)
    return {"kind": "folded", "layers": (a, b), "count": b - a + 1, "layer": a, "dot": style}


def _legend(
    out: nx.DiGraph, layers: dict[int, _Layer], heat: bool, vanish: float, explode: float
) -> list[tuple[str, dict[str, Any]]]:
    """Swatches for what the picture shows: the kinds of node drawn, then the heat."""
    kinds = {d.get("kind") for _, d in out.nodes(data=True) if not d.get("is_cost")}
    course = bool(layers)  # a network's graph is described in course names
    texts = {
        "input": "input (X, Y)" if course else "input (no gradient)",
        "param": "parameter W[l], b[l]" if course else "parameter (requires grad)",
        "op": "operation",
        "tensor": "tensor Z[l], A[l]" if course else "tensor",
        "constant": "constant (dashed)",
    }
    items: list[tuple[str, dict[str, Any]]] = [
        (texts[kind], {"fillcolor": COLORS[kind]})
        for kind in ("input", "param", "op", "tensor")
        if kind in kinds
    ]
    items.append(("cost J" if course else "output", {"fillcolor": COLORS["cost"]}))
    if "constant" in kinds:
        items.append((texts["constant"], {"fillcolor": COLORS["input"], "style": "dashed"}))
    if "folded" in kinds:
        items.append(("folded run of identical layers (3-D box)", {"fillcolor": COLORS["folded"]}))
    if heat:
        bins = sorted({heat_bin(i.ratio) for i in layers.values() if i.ratio is not None})
        for b in range(bins[0], bins[-1] + 1) if bins else []:
            items.append((f"ratio {_bin_text(b)}", {"fillcolor": HEAT_COLORS[b]}))
        statuses = {i.status for i in layers.values()}
        if "vanishing" in statuses:
            items.append(
                (
                    f"vanishing? ratio < {vanish:g}",
                    {"color": VANISH_COLOR, "penwidth": 3, "style": "dashed"},
                )
            )
        if "exploding" in statuses:
            items.append(
                (
                    f"exploding? ratio > {explode:g}",
                    {"color": EXPLODE_COLOR, "penwidth": 3, "style": "dashed"},
                )
            )
    if any(i.failed for i in layers.values()) or any(
        d.get("gradcheck_failed") for _, d in out.nodes(data=True)
    ):
        items.append(("gradient check failed", {"color": COLORS["fail"], "penwidth": 4}))
    return items
