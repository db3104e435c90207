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
    "matmul": "W A",
    "bce_with_logits": "J = cross-entropy(sigmoid(Z), Y)",
    "softmax_cross_entropy": "J = cross-entropy(softmax(Z), Y)",
}


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


def _pick_W(params: list[Tensor]) -> Tensor | None:
    named = [t for t in params if t.name and t.name.startswith("W") and t.ndim == 2]
    if named:
        return named[0]
    two_d = [t for t in params if t.ndim == 2]
    return max(two_d, key=lambda t: t.size) if two_d else None


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


def _failures(report: Any) -> list[tuple[str, int | None, float | None]]:
    if report is None:
        return []
    rows = report.get("rows") if isinstance(report, dict) else getattr(report, "rows", None)
    if rows is None:
        raise TypeError("report must have .rows (a gradient-check report), got " + repr(report))
    out = []
    for r in rows:
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
    rows = report.get("rows") if isinstance(report, dict) else getattr(report, "rows", [])
    return len(rows)


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


# ----------------------------------------------------------------------------- public
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
) -> Diagram:
    """Draw the graph recorded while computing ``J`` (usually the scalar cost).

    Args:
        J: the output tensor; every op it came from is drawn, in recording order.
        show_grads: label tensors that have a ``.grad`` with its norm, e.g. ``||dW1||``.
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

    Returns:
        A :class:`viz.Diagram`. Its networkx graph keeps, per node, the attributes of
        ``to_networkx`` (kind, op, shape, name, layer, grad_norm) plus the DOT style.
    """
    if not isinstance(J, Tensor):
        raise TypeError(f"computation_graph needs the Tensor J, got {type(J).__name__}")
    if rankdir not in ("TB", "LR", "BT", "RL"):
        raise ValueError(f"rankdir must be one of TB, LR, BT, RL, got {rankdir!r}")
    if not 0 < vanish_below < explode_above:
        raise ValueError(
            f"need 0 < vanish_below < explode_above, got {vanish_below} and {explode_above}"
        )
    src = to_networkx(J)
    tensors = tensors_of(J)
    tensor_at: dict[int, Tensor] = {}
    k = 0
    for t in tensors:
        k += 0 if t.is_leaf else 1  # to_networkx puts the op right before its output
        tensor_at[k] = t
        k += 1
    layer_of = _infer_layers(src)
    has_grads = any("grad_norm" in d for _, d in src.nodes(data=True))

    # per-layer facts: nodes, W[l], heat ratio, failed checks
    layers: dict[int, _Layer] = {}
    for k2 in src:
        if layer_of[k2] is not None and layer_of[k2] < 1:
            layer_of[k2] = None  # layer 0 is the input X: drawn outside the layer boxes
        if layer_of[k2] is not None:
            layers.setdefault(layer_of[k2], _Layer(layer_of[k2])).nodes.append(k2)
    for info in layers.values():
        params = [tensor_at[k2] for k2 in info.nodes if src.nodes[k2]["kind"] == "param"]
        info.W = _pick_W(params)
        W = info.W
        if W is not None and W.grad is not None:
            norm = float(np.linalg.norm(W.data))
            if norm > 0:
                info.ratio = float(np.linalg.norm(W.grad)) / norm
        if heat and info.ratio is not None:
            if info.ratio < vanish_below:
                info.status = "vanishing"
            elif info.ratio > explode_above:
                info.status = "exploding"
    fails = _failures(report)
    name_to_keys: dict[str, list[int]] = {}
    for k2, d in src.nodes(data=True):
        if d["kind"] != "op" and d["name"]:
            name_to_keys.setdefault(d["name"], []).append(k2)
    failed_nodes: dict[int, tuple[str, float | None]] = {}
    for name, layer, diff in fails:
        keys = name_to_keys.get(name) or (name_to_keys.get(name[1:]) if name[:1] == "d" else None)
        for k2 in keys or []:
            failed_nodes[k2] = (name, diff)
            layer = layer if layer is not None else layer_of[k2]
        if layer in layers:
            layers[layer].failed.append(name)

    # folding
    ordered = [layers[l] for l in sorted(layers)]
    folds: list[tuple[int, int]] = []
    note = ""
    over = max_nodes is not None and len(src) > max_nodes
    if collapse or over:
        folds = _runs(ordered, src, heat and has_grads)
        if not collapse:
            note = f"folded: {len(src)} nodes > max_nodes = {max_nodes}"
    if (
        max_nodes is not None
        and _count_after(src, layer_of, folds) > max_nodes
        and len(ordered) > 4
    ):
        keep = [info.l for info in ordered[:2] + ordered[-2:]] + [
            info.l for info in ordered if info.failed
        ]
        middle = [info.l for info in ordered if info.l not in keep]
        if middle:
            folds = [(a, b) for a, b in folds if b < middle[0] or a > middle[-1]]
            # one fold per stretch of consecutive non-kept layers
            start = prev = middle[0]
            for l in middle[1:] + [None]:
                if l is None or l != prev + 1:
                    if prev > start:  # a single layer stays drawn in full
                        folds.append((start, prev))
                    if l is not None:
                        start = l
                if l is not None:
                    prev = l
            folds.sort()
            note = f"folded to fit max_nodes = {max_nodes}"
    fold_of = {l: (a, b) for a, b in folds for l in range(a, b + 1)}

    # the drawn graph
    shapes = _Shapes(layers, src, layer_of)
    ids = _ids(src)
    out = nx.DiGraph(name="computation_graph")
    out.graph["subgraphs"] = {}
    node_for: dict[int, str] = {}
    # leaves outside any layer (X, Y) first: dot then keeps them out of the layer boxes
    order = sorted(src, key=lambda k: (not (layer_of[k] is None and src.in_degree(k) == 0), k))
    for k2 in order:
        d = src.nodes[k2]
        l = layer_of[k2]
        if l in fold_of:
            a, b = fold_of[l]
            fid = f"fold_L{a}_L{b}"
            if fid not in out:
                out.add_node(fid, **_fold_node(a, b, layers, src, shapes, heat and has_grads))
            node_for[k2] = fid
            continue
        nid = ids[k2]
        node_for[k2] = nid
        attrs = {key: val for key, val in d.items() if key != "layer"}
        attrs.update(layer=l, key=k2)
        attrs["dot"] = _style(
            k2, d, l, tensor_at.get(k2), shapes, show_grads, is_cost=k2 == len(src) - 1
        )
        if k2 in failed_nodes:
            name, diff = failed_nodes[k2]
            attrs["gradcheck_failed"] = True
            attrs["rel_diff"] = diff
            st = attrs["dot"]
            st["label"] += (
                f"\nFAILED check {name}: rel diff {_sci(diff) if diff is not None else '?'}"
            )
            st.update(color=COLORS["fail"], penwidth=4, fontcolor=COLORS["fail"])
        if l is not None:
            cname = f"cluster_L{l}"
            if cname not in out.graph["subgraphs"]:
                out.graph["subgraphs"][cname] = _cluster_style(layers[l], heat and has_grads)
            attrs["subgraph"] = cname
        out.add_node(nid, **attrs)
    edges = sorted(src.edges(data=True), key=lambda e: (e[1], e[2].get("arg", 0)))
    for u, v, d in edges:
        a, b = node_for[u], node_for[v]
        if a == b or out.has_edge(a, b):
            continue
        la, lb = out.nodes[a].get("layer"), out.nodes[b].get("layer")
        crosses = la is not None and lb is not None and la != lb
        out.add_edge(a, b, arg=d.get("arg", 0), dot={"minlen": 2} if crosses else {})

    # title and legend
    L = len(layers)
    lines = [
        f"computation graph of {src.nodes[len(src) - 1]['name'] or 'the output'}: "
        f"{len(src)} recorded nodes, {L} layers"
    ]
    if not has_grads:
        lines.append("before backward (no gradients yet)")
    elif heat:
        lines.append("after backward; layer colour: ratio ||dW[l]|| / ||W[l]||, log scale")
    else:
        lines.append("after backward")
    if note or folds:
        n_folded = sum(b - a + 1 for a, b in folds)
        lines.append(
            note
            or f"{n_folded} identical layers folded into {len(folds)} box(es)"
            + (", cut where the heat changes" if heat and has_grads else "")
        )
    if report is not None:
        total = _report_total(report)
        if fails:
            lines.append(
                f"gradient check: {len(fails)} of {total} FAILED ({', '.join(f[0] for f in fails)})"
            )
        else:
            lines.append(f"gradient check: all {total} passed")
    out.graph["attrs"] = {
        "rankdir": rankdir,
        "label": "\n".join(lines),
        "labelloc": "t",
        "fontsize": 13,
        "nodesep": 0.25,
        "ranksep": 0.3,
    }
    out.graph["node_attrs"] = {"style": "filled", "fontsize": 10}
    out.graph["edge_attrs"] = {"color": COLORS["edge"], "arrowsize": 0.6}
    out.graph["legend"] = _legend(out, layers, heat and has_grads, vanish_below, explode_above)
    out.graph["folds"] = folds
    out.graph["heat"] = {l: info.ratio for l, info in sorted(layers.items())}
    return Diagram(out)


# ----------------------------------------------------------------------------- styles
def _style(
    k: int,
    d: dict,
    layer: int | None,
    t: Tensor | None,
    shapes: _Shapes,
    show_grads: bool,
    is_cost: bool,
) -> dict[str, Any]:
    kind = d["kind"]
    if kind == "op":
        label = d["op"] + (f"\n{OP_NOTES[d['op']]}" if d["op"] in OP_NOTES else "")
        return {
            "label": label,
            "shape": "box",
            "style": "rounded,filled",
            "fillcolor": COLORS["op"],
        }
    name = d["name"]
    shape_text = shapes(d["shape"], kind, layer)
    lines = [name] if name else []
    if is_cost and t is not None and t.size == 1:
        lines = [f"{name or 'J'} = {float(t.data):.4g}"]
    else:
        lines.append(shape_text)
    if show_grads and "grad_norm" in d:
        lines.append(f"||{_grad_name(name)}|| = {_sci(d['grad_norm'])}")
    style = {"label": "\n".join(lines)}
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
    kinds = {d.get("kind") for _, d in out.nodes(data=True)}
    items: list[tuple[str, dict[str, Any]]] = [
        ("input (X, Y)", {"fillcolor": COLORS["input"]}),
        ("parameter W[l], b[l]", {"fillcolor": COLORS["param"]}),
        ("operation", {"fillcolor": COLORS["op"]}),
        ("tensor Z[l], A[l]", {"fillcolor": COLORS["tensor"]}),
        ("cost J", {"fillcolor": COLORS["cost"]}),
    ]
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
