"""Layer graphs of a deep L-layer network, in three views.

``net`` is anything with ``net.layer_dims = [n[0], ..., n[L]]``, ``net.L`` and
``net.activations`` (the L names g[1]..g[L]); ``net.parameters()`` -> {"W1": Tensor, ...}
is optional and, when present, its shapes must agree with ``layer_dims``.

- ``"neurons"``: one node per unit, one column per layer, every weight drawn;
- ``"layers"``: one table per layer with the shapes of W[l], b[l], A[l];
- ``"blocks"``: the course's picture of one gradient-descent iteration (forward blocks,
  caches, backward blocks, update).

Course 2's layers show where they act, read from ``net.layers`` (each layer's
``keep_prob`` and ``gamma``) when the network has them: batch norm (γ[l], β[l] instead of
b[l]; μ[l], σ²[l] of the batch, Z̃[l] = γ[l] Z_norm[l] + β[l]) and inverted dropout
(the mask D[l] = rand < keep_prob, A[l] · D[l] / keep_prob, in training only).
"""

from __future__ import annotations

from typing import Any

import networkx as nx

from viz.dot import COLORS, HTML, Diagram
from viz.dot import html_escape as esc

__all__ = ["VIEWS", "layer_graph"]

VIEWS = ("neurons", "layers", "blocks")
RANKDIRS = ("LR", "TB", "RL", "BT")

#: one layer's Course 2 features: (keep_prob, batch norm)
Feature = tuple[float, bool]
PLAIN: Feature = (1.0, False)


# ----------------------------------------------------------------------------- the network
def _spec(net: Any) -> tuple[list[int], list[str]]:
    """``(layer_dims, activations)`` of ``net``, checked against each other."""
    try:
        dims = [int(n) for n in net.layer_dims]
        acts = [
            a if isinstance(a, str) else getattr(a, "__name__", str(a)) for a in net.activations
        ]
    except AttributeError as e:
        raise TypeError(
            "layer_graph needs an object with net.layer_dims ([n[0], ..., n[L]]), net.L and "
            f"net.activations (L names); {type(net).__name__} has none of {e.name!r}"
        ) from None
    L = len(dims) - 1
    if L < 1 or any(n < 1 for n in dims):
        raise ValueError(f"layer_dims must hold n[0..L] >= 1 with L >= 1, got {dims}")
    if getattr(net, "L", L) != L:
        raise ValueError(f"net.L = {net.L} but layer_dims {dims} has L = {L} layers")
    if len(acts) != L:
        raise ValueError(
            f"net.activations has {len(acts)} names but L = {L}: give g[1]..g[{L}], got {acts}"
        )
    params = getattr(net, "parameters", None)
    if callable(params):
        p = params()
        for l in range(1, L + 1):
            for key, want in ((f"W{l}", (dims[l], dims[l - 1])), (f"b{l}", (dims[l], 1))):
                t = p.get(key)
                shape = (
                    tuple(getattr(getattr(t, "data", t), "shape", ())) if t is not None else None
                )
                if shape is not None and shape != want:
                    raise ValueError(
                        f"{key} has shape {shape} but layer_dims {dims} says "
                        f"(n[{l}], {'n[' + str(l - 1) + ']' if key[0] == 'W' else '1'}) = {want}"
                    )
    return dims, acts


def _features(net: Any, L: int) -> list[Feature]:
    """(keep_prob, batch norm) of layers 1..L, from ``net.layers`` when it has them."""
    layers = getattr(net, "layers", None)
    if not isinstance(layers, (list, tuple)) or len(layers) != L:
        return [PLAIN] * L
    out = []
    for layer in layers:
        kp = getattr(layer, "keep_prob", 1.0)
        out.append(
            (
                float(kp) if isinstance(kp, (int, float)) else 1.0,
                getattr(layer, "gamma", None) is not None,
            )
        )
    return out


def _layer_params(dims: list[int], l: int, feat: Feature = PLAIN) -> int:
    """W[l] and b[l], or W[l], gamma[l] and beta[l] with batch norm."""
    return dims[l] * (dims[l - 1] + (2 if feat[1] else 1))


def _n_params(dims: list[int], feats: list[Feature] | None = None) -> int:
    feats = feats or [PLAIN] * (len(dims) - 1)
    return sum(_layer_params(dims, l, feats[l - 1]) for l in range(1, len(dims)))


def _title(dims: list[int], acts: list[str], view: str, feats: list[Feature] | None = None) -> str:
    L = len(dims) - 1
    text = f"L = {L}, layer_dims = {dims}, {_n_params(dims, feats):,} parameters ({view} view)"
    extra = _course2_title(feats or [])
    return f"{text}\n{extra}" if extra else text


def _course2_title(feats: list[Feature]) -> str:
    """ "batch norm in layers 1, 2; dropout keep_prob 0.8 in layers 1, 2", or ""."""
    parts = []
    bn = [l for l, f in enumerate(feats, start=1) if f[1]]
    if bn:
        parts.append(f"batch norm in layer{'s' if len(bn) > 1 else ''} {_ranges(bn)}")
    drop = [(l, f[0]) for l, f in enumerate(feats, start=1) if f[0] < 1]
    if drop:
        probs = {kp for _, kp in drop}
        where = _ranges([l for l, _ in drop])
        kp = f"{probs.pop():g}" if len(probs) == 1 else "/".join(f"{kp:g}" for _, kp in drop)
        parts.append(f"dropout keep_prob {kp} in layer{'s' if len(drop) > 1 else ''} {where}")
    return "; ".join(parts)


def _ranges(ls: list[int]) -> str:
    """[1, 2, 3, 5] -> "1–3, 5": layer numbers, runs of three or more as a range."""
    out, k = [], 0
    while k < len(ls):
        j = k
        while j + 1 < len(ls) and ls[j + 1] == ls[j] + 1:
            j += 1
        out += [f"{ls[k]}–{ls[j]}"] if j - k >= 2 else [str(x) for x in ls[k : j + 1]]
        k = j + 1
    return ", ".join(out)


def _spans(
    dims: list[int],
    acts: list[str],
    collapse: bool,
    max_layers: int | None,
    feats: list[Feature] | None = None,
) -> list[tuple[int, int]]:
    """The layers drawn as one column each: ``(first, last)``; first < last draws a run once.

    ``collapse`` joins runs of consecutive identical layers (same n[l], n[l-1] and g[l]);
    past ``max_layers`` columns the middle ones join too (first and last layers stay),
    so any depth fits a slide.
    """
    L = len(dims) - 1
    feats = feats or [PLAIN] * L

    def same(l: int, k: int) -> bool:
        return (dims[l], dims[l - 1], acts[l - 1], feats[l - 1]) == (
            dims[k],
            dims[k - 1],
            acts[k - 1],
            feats[k - 1],
        )

    spans: list[tuple[int, int]] = []
    l = 1
    while l <= L:
        end = l
        while collapse and end < L and same(end + 1, l):
            end += 1
        spans.append((l, end))
        l = end + 1
    if max_layers is not None and len(spans) > max_layers:
        head = (max_layers - 1) // 2
        tail = max_layers - 1 - head
        middle = spans[head : len(spans) - tail]
        spans = [*spans[:head], (middle[0][0], middle[-1][1]), *spans[len(spans) - tail :]]
    return spans


def _base_graph(name: str, title: str, rankdir: str, **attrs: Any) -> nx.DiGraph:
    if rankdir not in RANKDIRS:
        raise ValueError(f"rankdir must be one of {', '.join(RANKDIRS)}, got {rankdir!r}")
    g = nx.DiGraph(name=name)
    g.graph["attrs"] = {
        "rankdir": rankdir,
        "label": title,
        "labelloc": "t",
        "fontsize": 13,
        **attrs,
    }
    g.graph["edge_attrs"] = {"color": COLORS["edge"], "arrowsize": 0.6}
    g.graph["subgraphs"] = {}
    return g


# ----------------------------------------------------------------------------- neurons
def _shown_units(n: int, max_units: int) -> list[int | None]:
    """Units 1..n to draw; None marks the one "+k more" node in a layer wider than max_units."""
    if n <= max_units:
        return list(range(1, n + 1))
    shown = max_units - 1
    head, tail = (shown + 1) // 2, shown // 2
    return [*range(1, head + 1), None, *range(n - tail + 1, n + 1)]


def _neurons(dims: list[int], acts: list[str], max_units: int, rankdir: str) -> nx.DiGraph:
    L = len(dims) - 1
    g = _base_graph("neurons", _title(dims, acts, "neurons"), rankdir, nodesep=0.12, ranksep=1.1)
    g.graph["node_attrs"] = {"shape": "circle", "style": "filled", "width": 0.5, "margin": 0.02}
    columns: list[list[str]] = []
    for l, n in enumerate(dims):
        col = f"rank_L{l}"
        g.graph["subgraphs"][col] = {"rank": "same"}
        role = "input" if l == 0 else "output" if l == L else "hidden"
        ids = []
        for i in _shown_units(n, max_units):
            if i is None:
                k = n - (max_units - 1)
                nid = f"more_L{l}"
                g.add_node(
                    nid,
                    kind="more",
                    layer=l,
                    hidden_units=k,
                    subgraph=col,
                    dot={
                        "label": f"⋮\n(+{k} more)",
                        "shape": "plaintext",
                        "fillcolor": COLORS["more"],
                        "fixedsize": False,
                        "fontsize": 9,
                    },
                )
            else:
                nid = f"x{i}" if l == 0 else f"a{l}_{i}"
                label = f"x<SUB>{i}</SUB>" if l == 0 else f"a<SUP>[{l}]</SUP><SUB>{i}</SUB>"
                g.add_node(
                    nid,
                    kind="unit",
                    layer=l,
                    unit=i,
                    activation="" if l == 0 else acts[l - 1],
                    subgraph=col,
                    dot={"label": HTML(label), "fillcolor": COLORS[role]},
                )
            ids.append(nid)
        what = "input" if l == 0 else acts[l - 1] + (" (output)" if l == L else "")
        lab = f"label_L{l}"
        g.add_node(
            lab,
            kind="label",
            layer=l,
            subgraph=col,
            dot={
                "label": f"n[{l}] = {n}\n{what}",
                "shape": "plaintext",
                "style": "",
                "fixedsize": False,
                "fontsize": 10,
            },
        )
        # invisible edges down the column keep the units in order and the label at the bottom
        for a, b in zip([*ids, lab], [*ids, lab][1:], strict=False):
            g.add_edge(a, b, kind="order", dot={"style": "invis"})
        columns.append(ids)
    for l in range(1, L + 1):
        for dst in columns[l]:
            for src in columns[l - 1]:
                style: dict[str, object]
                if dst.startswith("more") or src.startswith("more"):
                    style = {"style": "dotted", "color": "#c8c8c8", "arrowhead": "none"}
                else:
                    style = {"penwidth": 0.7, "arrowsize": 0.4}
                g.add_edge(src, dst, kind="weight", layer=l, dot=style)
    for l in range(1, L + 1):
        g.add_edge(
            f"label_L{l - 1}", f"label_L{l}", kind="align", dot={"style": "invis", "weight": 20}
        )
    g.add_node(
        "yhat",
        kind="prediction",
        layer=L,
        dot={"label": f"ŷ = A[{L}]", "shape": "plaintext", "style": "", "fixedsize": False},
    )
    for src in columns[L]:
        g.add_edge(src, "yhat", kind="prediction", dot={"arrowsize": 0.5})
    g.graph["legend"] = [
        ("input x (n[0] features)", {"fillcolor": COLORS["input"]}),
        ("hidden unit a[l]_i", {"fillcolor": COLORS["hidden"]}),
        ("output unit a[L]_i", {"fillcolor": COLORS["output"]}),
    ]
    if any(None in _shown_units(n, max_units) for n in dims):
        g.graph["legend"].append(
            (
                f"⋮ units not drawn (max_units = {max_units})",
                {"fillcolor": "white", "color": "white"},
            )
        )
    return g


# ----------------------------------------------------------------------------- layers
def _row(*cells: str, colspan_last: int = 1) -> str:
    tds = [f'<TD ALIGN="LEFT">{c}</TD>' for c in cells[:-1]]
    span = f' COLSPAN="{colspan_last}"' if colspan_last > 1 else ""
    tds.append(f'<TD ALIGN="LEFT"{span}>{cells[-1]}</TD>')
    return "<TR>" + "".join(tds) + "</TR>"


def _table(header: str, color: str, rows: list[str]) -> HTML:
    head = f'<TR><TD COLSPAN="3" BGCOLOR="{color}"><B>{esc(header)}</B></TD></TR>'
    return HTML(
        '<TABLE BORDER="0" CELLBORDER="1" CELLSPACING="0" CELLPADDING="4" BGCOLOR="white">'
        + head
        + "".join(rows)
        + "</TABLE>"
    )


def _input_table(dims: list[int]) -> dict[str, Any]:
    n0 = dims[0]
    rows = [
        _row("A[0] = X", "(n[0], m)", f"({n0}, m)"),
        _row("features", f"n[0] = {n0}", colspan_last=2),
    ]
    label = _table("layer 0 (input)", COLORS["input"], rows)
    return {"kind": "layer", "layer": 0, "units": n0, "n_params": 0, "dot": {"label": label}}


def _bn_rows(l: Any, n: Any, shape: str) -> list[str]:
    """The rows of batch norm in layer l: gamma, beta, mu, sigma^2 and Z~."""
    return [
        _row(f"γ[{l}], β[{l}]", f"(n[{l}], 1) each", shape),
        _row(f"μ[{l}], σ²[{l}]", esc("mean, variance of Z over the m columns"), colspan_last=2),
        _row(f"Z̃[{l}]", esc(f"γ[{l}] (Z[{l}] − μ[{l}]) / √(σ²[{l}] + ε) + β[{l}]"), colspan_last=2),
    ]


def _dropout_rows(l: Any, n: Any, keep: str) -> list[str]:
    """The rows of inverted dropout in layer l: the mask D and the scaled activation."""
    return [
        _row(f"D[{l}]", esc(f"rand(n[{l}], m) < keep_prob = {keep}"), colspan_last=2),
        _row(
            "dropout", esc(f"A[{l}] := A[{l}] · D[{l}] / keep_prob (training only)"), colspan_last=2
        ),
    ]


def _layer_table(dims: list[int], acts: list[str], l: int, feat: Feature = PLAIN) -> dict[str, Any]:
    """Node of layer l: a table of W[l], b[l], Z[l], g[l], A[l] and the parameter count;
    with batch norm γ[l], β[l], μ[l], σ²[l], Z̃[l] instead of b[l]; with dropout D[l]."""
    L = len(dims) - 1
    n, n_prev = dims[l], dims[l - 1]
    role = "output" if l == L else "hidden"
    keep, bn = feat
    k = _layer_params(dims, l, feat)
    rows = [_row(f"W[{l}]", f"(n[{l}], n[{l - 1}])", f"({n}, {n_prev})")]
    if bn:
        rows.append(_row(f"Z[{l}]", esc(f"W[{l}] A[{l - 1}]  (no b[{l}])"), colspan_last=2))
        rows += _bn_rows(l, n, f"({n}, 1)")
        rows.append(_row(f"g[{l}]", esc(f"{acts[l - 1]}, A[{l}] = g[{l}](Z̃[{l}])"), colspan_last=2))
        count = f"{n}·{n_prev} + 2·{n} = {k:,}"
    else:
        rows.append(_row(f"b[{l}]", f"(n[{l}], 1)", f"({n}, 1)"))
        rows.append(_row(f"Z[{l}]", esc(f"W[{l}] A[{l - 1}] + b[{l}]"), colspan_last=2))
        rows.append(_row(f"g[{l}]", esc(acts[l - 1]), colspan_last=2))
        count = f"{n}·{n_prev} + {n} = {k:,}"
    if keep < 1:
        rows += _dropout_rows(l, n, f"{keep:g}")
    rows += [
        _row(f"A[{l}]", f"(n[{l}], m)", f"({n}, m)"),
        _row("parameters", count, colspan_last=2),
    ]
    node = {
        "kind": "layer",
        "layer": l,
        "units": n,
        "activation": acts[l - 1],
        "n_params": k,
        "dot": {"label": _table(f"layer {l} ({role})", COLORS[role], rows)},
    }
    if bn:
        node["batch_norm"] = True
    if keep < 1:
        node["keep_prob"] = keep
    return node


def _folded_table(
    dims: list[int], acts: list[str], a: int, b: int, feats: list[Feature] | None = None
) -> dict[str, Any]:
    """Node of layers a..b drawn once: their common shapes, or n[a-1..b] when they differ;
    batch norm and dropout rows for the layers among them that have them."""
    L = len(dims) - 1
    k = b - a + 1
    feats = feats or [PLAIN] * L
    counts = [_layer_params(dims, l, feats[l - 1]) for l in range(a, b + 1)]
    same = len({(dims[l], dims[l - 1]) for l in range(a, b + 1)}) == 1
    g_names = sorted(set(acts[a - 1 : b]), key=acts[a - 1 : b].index)
    n, n_prev = dims[a], dims[a - 1]

    def shape_row(name: str, symbols: str, numbers: str) -> str:
        return _row(name, symbols, numbers) if same else _row(name, symbols, colspan_last=2)

    rows = [
        shape_row("W[l]", "(n[l], n[l-1])", f"({n}, {n_prev})"),
        shape_row("b[l]", "(n[l], 1)", f"({n}, 1)"),
        _row("Z[l]", esc("W[l] A[l-1] + b[l]"), colspan_last=2),
        _row("g[l]", esc(", ".join(g_names)), colspan_last=2),
        shape_row("A[l]", "(n[l], m)", f"({n}, m)"),
        _row("l", f"{a}, …, {b}", colspan_last=2),
    ]
    bn = [l for l in range(a, b + 1) if feats[l - 1][1]]
    if bn:
        if len(bn) == k:
            rows[1:3] = [_row("Z[l]", esc("W[l] A[l-1]  (no b[l])"), colspan_last=2)]
        else:
            which = "l = " + _ranges(bn)
            rows[1:3] = [
                _row("b[l]", esc(f"(n[l], 1); none where batch norm ({which})"), colspan_last=2),
                _row("Z[l]", esc("W[l] A[l-1] (+ b[l] without batch norm)"), colspan_last=2),
            ]
        at = 2 if len(bn) == k else 3
        rows[at:at] = _bn_rows("l", n, f"({n}, 1)" if same else "")[:-1] + [
            _row("Z̃[l]", esc("γ[l] Z_norm[l] + β[l]; A[l] = g[l](Z̃[l])"), colspan_last=2)
        ]
    drop = [(l, feats[l - 1][0]) for l in range(a, b + 1) if feats[l - 1][0] < 1]
    if drop:
        keeps = sorted({kp for _, kp in drop})
        keep = f"{keeps[0]:g}" if len(keeps) == 1 else ", ".join(f"{kp:g}" for kp in keeps)
        rows += _dropout_rows("l", n, keep)
        if len(drop) < k:
            rows.append(_row("dropout in", "l = " + _ranges([l for l, _ in drop]), colspan_last=2))
    if same and not bn:
        total = f"{k} × ({n}·{n_prev} + {n}) = {sum(counts):,}"
    elif same and len(bn) == k:
        total = f"{k} × ({n}·{n_prev} + 2·{n}) = {sum(counts):,}"
    else:
        total = f"{sum(counts):,}"
    if not same:
        widths = ", ".join(map(str, dims[a - 1 : b + 1]))
        rows.append(_row(f"n[{a - 1}..{b}]", esc(widths), colspan_last=2))
    rows.append(_row("parameters", total, colspan_last=2))
    role = "output" if b == L else "hidden"
    kind = "identical" if same and len(g_names) == 1 else "different shapes"
    header = f"layers {a}–{b} (× {k}, {kind})"
    return {
        "kind": "layer",
        "layers": (a, b),
        "n_params": sum(counts),
        "dot": {"label": _table(header, COLORS[role], rows)},
    }


def _layers(
    dims: list[int],
    acts: list[str],
    rankdir: str,
    spans: list[tuple[int, int]],
    feats: list[Feature] | None = None,
) -> nx.DiGraph:
    """One table per layer, left to right; a span (a, b) with a < b is one table."""
    L = len(dims) - 1
    feats = feats or [PLAIN] * L
    title = _title(dims, acts, "layers", feats)
    folded = [f"{a}–{b}" for a, b in spans if b > a]
    if folded:
        title += f"\nlayers {', '.join(folded)} each drawn as one table"
    g = _base_graph("layers", title, rankdir, nodesep=0.3, ranksep=0.5)
    g.graph["node_attrs"] = {"shape": "plain"}
    g.add_node("L0", **_input_table(dims))
    prev, prev_id = 0, "L0"
    for a, b in spans:
        nid = f"L{a}" if a == b else f"L{a}_{b}"
        attrs = (
            _layer_table(dims, acts, a, feats[a - 1])
            if a == b
            else _folded_table(dims, acts, a, b, feats)
        )
        g.add_node(nid, **attrs)
        g.add_edge(prev_id, nid, kind="forward", dot={"label": f" A[{prev}] "})
        prev, prev_id = b, nid
    g.add_node("yhat", kind="prediction", dot={"label": f"ŷ = A[{L}]", "shape": "plaintext"})
    g.add_edge(prev_id, "yhat", kind="forward")
    g.graph["spans"] = spans
    return g


# ----------------------------------------------------------------------------- blocks
def _loss_text(out: str, L: int) -> tuple[str, str]:
    """(the cost J, the gradient that starts backward) for the output activation g[L]."""
    if out == "sigmoid":
        return (
            f"J = -(1/m) Σ [Y log A[{L}]\n + (1 - Y) log(1 - A[{L}])]",
            f"-(Y / A[{L}] - (1 - Y) / (1 - A[{L}]))",
        )
    if out == "softmax":
        return (f"J = -(1/m) Σ Σ Y log A[{L}]", f"-Y / A[{L}]  (so dZ[{L}] = A[{L}] - Y)")
    return (f"J = (1/m) Σ L(A[{L}], Y)", f"dL/dA[{L}]")


_DASHED = {"style": "dashed", "color": "#999999"}
_BACK = {"constraint": False, "color": "#b45f06"}  # right to left; ranks follow forward
_BLOCKS_LEGEND = [
    ("forward block l: A[l-1] → A[l]", {"fillcolor": COLORS["hidden"]}),
    ("backward block l: dA[l] → dA[l-1], dW[l], db[l]", {"fillcolor": COLORS["grad"]}),
    ("parameters W[l], b[l] and their update", {"fillcolor": COLORS["param"]}),
    ("cache (dashed): Z[l], A[l-1], W[l], b[l]", {"fillcolor": COLORS["cache"]}),
    ("loss L(A[L], Y)", {"fillcolor": COLORS["cost"]}),
]


def _act_shape(dims: list[int], l: int) -> str:
    return f"(n[{l}], m) = ({dims[l]}, m)"


def _column(g: nx.DiGraph, name: str) -> str:
    """A subgraph whose nodes share a rank: one column of the picture."""
    g.graph["subgraphs"][name] = {"rank": "same"}
    return name


def _layer_texts(
    dims: list[int], acts: list[str], a: int, b: int, feats: list[Feature] | None = None
) -> dict[str, str]:
    """Labels of the blocks of layer a (a == b) or of layers a..b drawn once (a < b), with
    batch norm and dropout where they act."""
    texts = _plain_layer_texts(dims, acts, a, b)
    feats = feats or [PLAIN] * (len(dims) - 1)
    span = feats[a - 1 : b]
    l = str(a) if a == b else "l"
    g_l = acts[a - 1] if len(set(acts[a - 1 : b])) == 1 else "g[l]"
    if any(bn for _, bn in span):
        where = "" if all(bn for _, bn in span) else "  (batch-norm layers)"
        texts["params"] = texts["params"].replace(
            f"b[{l}]", f"γ[{l}], β[{l}]" + (" instead of b" if where else ""), 1
        )
        texts["fwd"] = texts["fwd"].replace(
            f"Z[{l}] = W[{l}] A[{_prev(l)}] + b[{l}]\nA[{l}] = {g_l}(Z[{l}])",
            f"Z[{l}] = W[{l}] A[{_prev(l)}]{where}\nμ[{l}], σ²[{l}] of Z[{l}] over the m columns\n"
            f"Z̃[{l}] = γ[{l}] (Z[{l}] − μ[{l}]) / √(σ²[{l}] + ε) + β[{l}]\nA[{l}] = {g_l}(Z̃[{l}])",
        )
        texts["cache"] += f"\nZ_norm[{l}], μ[{l}], σ²[{l}], γ[{l}]"
        texts["bwd"] = texts["bwd"].replace(
            f"dZ[{l}] = dA[{l}] * {g_l}'(Z[{l}])",
            f"dZ̃[{l}] = dA[{l}] * {g_l}'(Z̃[{l}])\ndβ[{l}] = (1/m) Σ dZ̃[{l}]\n"
            f"dγ[{l}] = (1/m) Σ dZ̃[{l}] Z_norm[{l}]\ndZ[{l}] = batch norm's closed form",
        )
        texts["update"] += f"\nγ[{l}] := γ[{l}] - α dγ[{l}]\nβ[{l}] := β[{l}] - α dβ[{l}]"
        texts["grads"] += f", dγ[{l}], dβ[{l}]"
        if not where:  # every layer here has batch norm: no b[l] anywhere
            texts = _without_b(texts, l)
    drop = sorted({kp for kp, _ in span if kp < 1})
    if drop:
        keep = ", ".join(f"{kp:g}" for kp in drop)
        texts["fwd"] += f"\ndropout: D[{l}] = rand < {keep}\nA[{l}] := A[{l}] · D[{l}] / keep_prob"
        texts["cache"] += f"\nD[{l}] (n[{l}], m)"
        first = texts["bwd"].index("\n") + 1
        texts["bwd"] = (
            texts["bwd"][:first]
            + f"dA[{l}] := dA[{l}] · D[{l}] / keep_prob\n"
            + texts["bwd"][first:]
        )
    return texts


def _without_b(texts: dict[str, str], l: str) -> dict[str, str]:
    """The block labels with b[l] and db[l] taken out (batch norm replaced them)."""

    def drop_lines(text: str, *starts: str) -> str:
        return "\n".join(x for x in text.split("\n") if not x.startswith(starts))

    out = dict(texts)
    out["cache"] = out["cache"].replace(f", b[{l}]", "")
    out["bwd"] = drop_lines(out["bwd"], f"db[{l}] =")
    first, _, rest = out["update"].partition("\n")
    first = first.split(", db[")[0] + f", dγ[{l}], dβ[{l}]"
    out["update"] = first + "\n" + drop_lines(rest, f"b[{l}] :=")
    out["grads"] = f" dW[{l}], dγ[{l}], dβ[{l}]"
    return out


def _prev(l: str) -> str:
    return "l-1" if l == "l" else str(int(l) - 1)


def _plain_layer_texts(dims: list[int], acts: list[str], a: int, b: int) -> dict[str, str]:
    """The block labels of layers without batch norm or dropout."""
    if a == b:
        l, n, n_prev, g_l = a, dims[a], dims[a - 1], acts[a - 1]
        return {
            "params": f"W[{l}] ({n}, {n_prev})\nb[{l}] ({n}, 1)",
            "fwd": f"forward {l}\nZ[{l}] = W[{l}] A[{l - 1}] + b[{l}]\nA[{l}] = {g_l}(Z[{l}])",
            "cache": f"cache[{l}]\nZ[{l}] ({n}, m)\nA[{l - 1}], W[{l}], b[{l}]",
            "bwd": f"backward {l}\ndZ[{l}] = dA[{l}] * {g_l}'(Z[{l}])\n"
            f"dW[{l}] = (1/m) dZ[{l}] A[{l - 1}]ᵀ\n"
            f"db[{l}] = (1/m) Σ dZ[{l}]\ndA[{l - 1}] = W[{l}]ᵀ dZ[{l}]",
            "update": f"dW[{l}] ({n}, {n_prev}), db[{l}] ({n}, 1)\n"
            f"W[{l}] := W[{l}] - α dW[{l}]\nb[{l}] := b[{l}] - α db[{l}]",
            "grads": f" dW[{l}], db[{l}]",
        }
    k, where = b - a + 1, f"l = {a}, …, {b}"
    same = len({(dims[l], dims[l - 1]) for l in range(a, b + 1)}) == 1
    g_l = acts[a - 1] if len(set(acts[a - 1 : b])) == 1 else "g[l]"
    W, bias, Z = (
        (f"({dims[a]}, {dims[a - 1]})", f"({dims[a]}, 1)", f"({dims[a]}, m)")
        if same
        else ("(n[l], n[l-1])", "(n[l], 1)", "(n[l], m)")
    )
    widths = "" if same else f"\nn[{a - 1}..{b}] = {', '.join(map(str, dims[a - 1 : b + 1]))}"
    kind = "identical layers" if same and g_l != "g[l]" else "layers of different shapes"
    return {
        "params": f"W[l] {W}\nb[l] {bias}\n{where}{widths}",
        "fwd": f"forward {a}–{b}   × {k} {kind}\nZ[l] = W[l] A[l-1] + b[l]\nA[l] = {g_l}(Z[l])",
        "cache": f"cache[l], {where}\nZ[l] {Z}\nA[l-1], W[l], b[l]",
        "bwd": f"backward {b}–{a}   × {k}\ndZ[l] = dA[l] * {g_l}'(Z[l])\n"
        "dW[l] = (1/m) dZ[l] A[l-1]ᵀ\ndb[l] = (1/m) Σ dZ[l]\ndA[l-1] = W[l]ᵀ dZ[l]",
        "update": f"dW[l] {W}, db[l] {bias}\nW[l] := W[l] - α dW[l]\nb[l] := b[l] - α db[l]",
        "grads": " dW[l], db[l]",
    }


def _blocks_input(g: nx.DiGraph, dims: list[int]) -> None:
    """Column A[0] = X (and dA[0], which backward does not need)."""
    col = _column(g, "rank_A0")
    g.add_node(
        "A0",
        kind="activation",
        layer=0,
        subgraph=col,
        dot={"label": f"A[0] = X\n{_act_shape(dims, 0)}", "fillcolor": COLORS["input"]},
    )
    g.add_node(
        "dA0",
        kind="grad",
        layer=0,
        subgraph=col,
        dot={"label": "dA[0]\n(not needed)", "fillcolor": "white", "style": "rounded,dashed"},
    )
    g.add_edge("A0", "dA0", kind="order", dot={"style": "invis"})


def _blocks_layer(
    g: nx.DiGraph,
    dims: list[int],
    acts: list[str],
    a: int,
    b: int,
    feats: list[Feature] | None = None,
) -> str:
    """Column of layer a (or of layers a..b drawn once): parameters, forward block, cache,
    backward block, update. Returns the suffix of its node ids (``"3"`` or ``"3_8"``)."""
    L = len(dims) - 1
    key = f"{a}" if a == b else f"{a}_{b}"
    text = _layer_texts(dims, acts, a, b, feats)
    col = _column(g, f"rank_L{key}")
    common = {"layer": a, "subgraph": col} if a == b else {"layers": (a, b), "subgraph": col}
    folded = {"shape": "box3d"} if a < b else {}
    g.add_node(
        f"params{key}",
        kind="param",
        **common,
        dot={
            "label": text["params"],
            "fillcolor": COLORS["param"],
            "shape": "box",
            "style": "filled",
        },
    )
    g.add_node(
        f"fwd{key}",
        kind="forward",
        **common,
        dot={
            "label": text["fwd"],
            "fillcolor": COLORS["hidden"] if b < L else COLORS["output"],
            "penwidth": 1.5,
            **folded,
        },
    )
    g.add_node(
        f"cache{key}",
        kind="cache",
        **common,
        dot={
            "label": text["cache"],
            "fillcolor": COLORS["cache"],
            "shape": "cylinder",
            "style": "filled",
            "fontsize": 10,
        },
    )
    g.add_node(
        f"bwd{key}",
        kind="backward",
        **common,
        dot={"label": text["bwd"], "fillcolor": COLORS["grad"], "penwidth": 1.5, **folded},
    )
    g.add_node(
        f"update{key}",
        kind="update",
        **common,
        dot={
            "label": text["update"],
            "fillcolor": COLORS["param"],
            "shape": "box",
            "style": "filled",
            "fontsize": 10,
        },
    )
    g.add_edge(f"params{key}", f"fwd{key}", kind="param")
    g.add_edge(f"fwd{key}", f"cache{key}", kind="cache", dot=_DASHED)
    g.add_edge(f"cache{key}", f"bwd{key}", kind="cache", dot=_DASHED)
    g.add_edge(f"bwd{key}", f"update{key}", kind="grads", dot={"label": text["grads"]})
    return key


def _blocks_activation(g: nx.DiGraph, dims: list[int], acts: list[str], l: int) -> None:
    """Column of A[l] (above) and dA[l] (below); for l = L, A[L] = ŷ and where dA[L] starts."""
    L = len(dims) - 1
    col = _column(g, f"rank_A{l}")
    last = l == L
    g.add_node(
        f"A{l}",
        kind="activation",
        layer=l,
        subgraph=col,
        dot={
            "label": f"A[{l}]{' = ŷ' if last else ''}\n{_act_shape(dims, l)}",
            "fillcolor": COLORS["output"] if last else "white",
        },
    )
    dA_label = f"dA[{l}]\n{_act_shape(dims, l)}"
    if last:
        dA_label += "\n= " + _loss_text(acts[-1], L)[1]
    g.add_node(
        f"dA{l}",
        kind="grad",
        layer=l,
        subgraph=col,
        dot={"label": dA_label, "fillcolor": COLORS["grad"]},
    )
    g.add_edge(f"A{l}", f"dA{l}", kind="order", dot={"style": "invis"})


def _blocks_wire(g: nx.DiGraph, prev: int, key: str, l: int) -> None:
    """Forward A[prev] → block → A[l]; backward dA[l] → block → dA[prev]."""
    g.add_edge(f"A{prev}", f"fwd{key}", kind="forward", dot={"weight": 8})
    g.add_edge(f"fwd{key}", f"A{l}", kind="forward", dot={"weight": 8})
    g.add_edge(f"dA{l}", f"bwd{key}", kind="backward", dot=_BACK)
    # invisible, heavy, left to right: keep the dA[l] row level with the backward blocks
    g.add_edge(f"dA{prev}", f"bwd{key}", kind="align", dot={"style": "invis", "weight": 8})
    g.add_edge(f"bwd{key}", f"dA{l}", kind="align", dot={"style": "invis", "weight": 8})
    g.add_edge(f"bwd{key}", f"dA{prev}", kind="backward", dot=_BACK)


def _blocks_loss(g: nx.DiGraph, dims: list[int], acts: list[str]) -> None:
    """Column of Y and the loss L(A[L], Y), where backward starts."""
    L = len(dims) - 1
    col = _column(g, "rank_loss")
    g.add_node(
        "Y",
        kind="input",
        subgraph=col,
        dot={"label": f"Y\n(n[{L}], m) = ({dims[L]}, m)", "fillcolor": COLORS["input"]},
    )
    g.add_node(
        "loss",
        kind="loss",
        subgraph=col,
        dot={
            "label": f"loss L(A[{L}], Y)\n" + _loss_text(acts[-1], L)[0],
            "fillcolor": COLORS["cost"],
            "shape": "box",
            "style": "filled",
        },
    )
    g.add_edge("Y", "loss", kind="input")
    g.add_edge(f"A{L}", "loss", kind="forward", dot={"weight": 8})
    g.add_edge("loss", f"dA{L}", kind="backward", dot=_BACK)


def _blocks_title(
    dims: list[int],
    acts: list[str],
    spans: list[tuple[int, int]],
    feats: list[Feature] | None = None,
) -> str:
    lines = [_title(dims, acts, "blocks", feats), "one iteration of gradient descent"]
    folded = [f"{a}–{b}" for a, b in spans if b > a]
    if folded:
        lines.append(f"layers {', '.join(folded)} each drawn as one column of 3-D blocks")
    return "\n".join(lines)


def _blocks(
    dims: list[int],
    acts: list[str],
    rankdir: str,
    spans: list[tuple[int, int]],
    feats: list[Feature] | None = None,
) -> nx.DiGraph:
    """The course's forward/backward block diagram of one gradient-descent iteration.

    Columns alternate between activations (A[l] above, dA[l] below) and layers
    (W[l], b[l] -> forward block -> cache -> backward block -> dW[l], db[l] -> update).
    A span (a, b) with a < b draws layers a..b as one column of 3-D blocks.
    """
    title = _blocks_title(dims, acts, spans, feats)
    g = _base_graph("blocks", title, rankdir, nodesep=0.25, ranksep=0.45, newrank=True)
    g.graph["node_attrs"] = {"shape": "box", "style": "rounded,filled", "fillcolor": "white"}
    _blocks_input(g, dims)
    prev = 0
    for a, b in spans:
        key = _blocks_layer(g, dims, acts, a, b, feats)
        _blocks_activation(g, dims, acts, b)
        _blocks_wire(g, prev, key, b)
        prev = b
    _blocks_loss(g, dims, acts)
    g.graph["legend"] = list(_BLOCKS_LEGEND)
    if any(b > a for a, b in spans):
        g.graph["legend"].append(("3-D block: layers a–b drawn once", {"fillcolor": "white"}))
    if feats and any(bn for _, bn in feats):
        g.graph["legend"].append(
            ("batch norm: γ[l], β[l] instead of b[l]; μ, σ² of each batch", {"fillcolor": "white"})
        )
    if feats and any(kp < 1 for kp, _ in feats):
        g.graph["legend"].append(
            ("dropout: mask D[l] in the cache, the same in backward", {"fillcolor": "white"})
        )
    g.graph["spans"] = spans
    return g


# ----------------------------------------------------------------------------- public
def layer_graph(
    net: Any,
    view: str = "neurons",
    max_units: int = 8,
    rankdir: str = "LR",
    collapse: bool = True,
    max_layers: int | None = 5,
) -> Diagram:
    """Draw the architecture of ``net`` (layer_dims [n[0], ..., n[L]], activations g[1..L]).

    Args:
        net: has ``layer_dims``, ``L``, ``activations``; ``parameters()`` optional.
        view: ``"neurons"`` (one node per unit, every weight an edge), ``"layers"`` (one
            table per layer: W[l] (n[l], n[l-1]), b[l] (n[l], 1), g[l], A[l] (n[l], m),
            parameter count) or ``"blocks"`` (forward and backward blocks, caches, update).
            Both of the latter draw batch norm (γ[l], β[l], μ[l], σ²[l], Z̃[l]) and dropout
            (keep_prob, the mask D[l]) in the layers where they act.
        max_units: in the neurons view, a layer wider than this shows its first and last
            units and one "⋮ (+k more)" node; at least 3.
        rankdir: ``"LR"`` (layers left to right) or ``"TB"``, ``"RL"``, ``"BT"``.
        collapse: in the layers and blocks views, draw a run of identical consecutive
            layers (same n[l], n[l-1], g[l]) once: one table "layers a–b (× k)", or one
            column of 3-D blocks "forward a–b × k".
        max_layers: in the layers and blocks views, at most this many tables or
            columns (at least 3): past it the middle layers are drawn as one too,
            whatever their shapes, so any depth fits a slide. ``None``: no limit.

    Returns:
        A :class:`viz.Diagram` (``.source``, ``.to_networkx()``, ``.render(path)``).

    Example::

        net = SimpleNamespace(layer_dims=[3, 5, 5, 3, 1], L=4,
                              activations=["relu", "relu", "relu", "sigmoid"])
        layer_graph(net, view="layers").render("out/net", format="svg")
    """
    if view not in VIEWS:
        raise ValueError(f"view must be one of {', '.join(VIEWS)}, got {view!r}")
    if isinstance(max_units, bool) or not isinstance(max_units, int) or max_units < 3:
        raise ValueError(
            f"max_units must be an int >= 3 (first unit, '⋮', last unit), got {max_units!r}"
        )
    if max_layers is not None and (
        isinstance(max_layers, bool) or not isinstance(max_layers, int) or max_layers < 3
    ):
        raise ValueError(
            "max_layers must be None or an int >= 3 (first layer, the folded middle, "
            f"last layer), got {max_layers!r}"
        )
    dims, acts = _spec(net)
    feats = _features(net, len(dims) - 1)
    spans = _spans(dims, acts, collapse, max_layers, feats)
    if view == "neurons":
        g = _neurons(dims, acts, max_units, rankdir)
    elif view == "layers":
        g = _layers(dims, acts, rankdir, spans, feats)
    else:
        g = _blocks(dims, acts, rankdir, spans, feats)
    g.graph["layer_dims"] = dims
    g.graph["activations"] = acts
    g.graph["view"] = view
    return Diagram(g)
