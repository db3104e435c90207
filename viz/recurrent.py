"""Pictures of recurrent networks: the unrolled graph, one cell's blocks, ||da<t>|| over t.

``model`` is an :class:`autograd_dnn.RNNModel` or anything with ``cell`` (``"rnn"`` or
``"lstm"``), ``n_x``, ``n_a`` and ``n_y``. Labels use the course's notation for sequence
models (docs/notation.md): ``x<t> (n_x, m)``, ``a<t>, c<t> (n_a, m)``, ``ŷ<t> (n_y, m)``,
``Wax (n_a, n_x)``, ``Waa (n_a, n_a)``, ``Wya (n_y, n_a)``; the LSTM's gates ``ft, it, cct,
ot`` on ``concat = [a_prev; xt]``, with ``Wf, Wi, Wc, Wo (n_a, n_a + n_x)``.

- :func:`unrolled_graph` (``view="unrolled"``): the cells over time, ``x<t>`` below, ``ŷ<t>``
  above, ``a<t>`` (and ``c<t>``) carried from cell to cell, the weights every step shares in
  one table; a long sequence shows its first and last steps and folds the middle into one
  node ("… 46 more steps …"), so T_x = 50 (or 10,000) fits a slide.
- :func:`cell_graph` (``view="cell"``): the blocks of one cell (for the LSTM its four gates,
  ``c_prev -> c_next`` and ``a_prev -> a_next``) with the forward formulas and, beside them,
  the backward ones as the course's ``rnn_cell_backward`` / ``lstm_cell_backward`` write them.
- :func:`plot_gradient_over_time`: ||da<t>|| (and ||dc<t>||) against t on a log scale, from
  what ``model.gradients(X, Y)`` returns: vanishing or exploding gradients through time.

Example::

    model = ad.RNNModel(n_x=27, n_a=50, n_y=27, cell="lstm")
    viz.unrolled_graph(model, T_x=50).render("out/unrolled", format="svg")
    viz.cell_graph(model).render("out/lstm_cell", format="png")
    fig = viz.plot_gradient_over_time({"lstm": model.gradients(X, Y)}, path="out/da.png")
"""

from __future__ import annotations

import os
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

import networkx as nx
import numpy as np

from viz.curves import figure_class, save_figure
from viz.dot import COLORS, HTML, Diagram
from viz.dot import html_escape as esc

__all__ = [
    "RNN_VIEWS",
    "cell_graph",
    "gradient_norms",
    "plot_gradient_over_time",
    "shown_steps",
    "unrolled_graph",
]

RNN_VIEWS = ("unrolled", "cell")
_CELLS = ("rnn", "lstm")
_GATES = (  # key, role, formula's nonlinearity, the course's name of its gradient
    ("f", "forget gate", "σ", "dft"),
    ("i", "update gate", "σ", "dit"),
    ("c", "candidate", "tanh", "dcct"),
    ("o", "output gate", "σ", "dot"),
)
_GATE_VALUE = {"f": "ft", "i": "it", "c": "cct", "o": "ot"}


# ----------------------------------------------------------------------------- the model
def _spec(model: Any) -> tuple[str, int, int, int]:
    """``(cell, n_x, n_a, n_y)`` of ``model``, checked."""
    try:
        cell = str(model.cell)
        dims = (model.n_x, model.n_a, model.n_y)
    except AttributeError as e:
        raise TypeError(
            "a recurrent picture needs an RNNModel (or an object with cell, n_x, n_a, n_y); "
            f"{type(model).__name__} has no {e.name!r}"
        ) from None
    if cell not in _CELLS:
        raise ValueError(f"model.cell must be one of {', '.join(_CELLS)}, got {cell!r}")
    for name, n in zip(("n_x", "n_a", "n_y"), dims, strict=True):
        if isinstance(n, bool) or not isinstance(n, (int, np.integer)) or n < 1:
            raise ValueError(f"model.{name} must be a whole number >= 1, got {n!r}")
    n_x, n_a, n_y = (int(n) for n in dims)
    return cell, n_x, n_a, n_y


def _shapes(cell: str, n_x: int, n_a: int, n_y: int) -> list[tuple[str, str, tuple[int, int]]]:
    """The parameters in the course's order: (key, shape in symbols, shape in numbers)."""
    if cell == "rnn":
        return [
            ("Wax", "(n_a, n_x)", (n_a, n_x)),
            ("Waa", "(n_a, n_a)", (n_a, n_a)),
            ("Wya", "(n_y, n_a)", (n_y, n_a)),
            ("ba", "(n_a, 1)", (n_a, 1)),
            ("by", "(n_y, 1)", (n_y, 1)),
        ]
    rows = []
    for g in "fico":
        rows.append((f"W{g}", "(n_a, n_a + n_x)", (n_a, n_a + n_x)))
        rows.append((f"b{g}", "(n_a, 1)", (n_a, 1)))
    return [*rows, ("Wy", "(n_y, n_a)", (n_y, n_a)), ("by", "(n_y, 1)", (n_y, 1))]


def _n_params(cell: str, n_x: int, n_a: int, n_y: int) -> int:
    return sum(r * c for _, _, (r, c) in _shapes(cell, n_x, n_a, n_y))


def shown_steps(T_x: int, max_steps: int = 4) -> list[int | None]:
    """The time steps an unrolled picture draws; ``None`` marks the folded middle.

    ``T_x <= max_steps + 1``: every step (folding one step hides nothing). Otherwise the first
    ``ceil(max_steps / 2)`` and the last ``floor(max_steps / 2)`` steps, and one ``None`` for
    the ``T_x - max_steps`` steps between them: ``shown_steps(50)`` is ``[1, 2, None, 49, 50]``.
    """
    for name, n, low in (("T_x", T_x, 1), ("max_steps", max_steps, 2)):
        if isinstance(n, bool) or not isinstance(n, (int, np.integer)) or n < low:
            raise ValueError(f"{name} must be a whole number >= {low}, got {n!r}")
    T_x, max_steps = int(T_x), int(max_steps)
    if T_x <= max_steps + 1:
        return list(range(1, T_x + 1))
    head = (max_steps + 1) // 2
    tail = max_steps - head
    return [*range(1, head + 1), None, *range(T_x - tail + 1, T_x + 1)]


def _base_graph(name: str, title: str, rankdir: str, **attrs: Any) -> nx.DiGraph:
    g = nx.DiGraph(name=name)
    g.graph["attrs"] = {
        "rankdir": rankdir,
        "label": title,
        "labelloc": "t",
        "fontsize": 13,
        "newrank": True,
        **attrs,
    }
    g.graph["node_attrs"] = {"shape": "box", "style": "rounded,filled", "fillcolor": "white"}
    g.graph["edge_attrs"] = {"color": COLORS["edge"], "arrowsize": 0.6}
    g.graph["subgraphs"] = {}
    return g


def _row_set(g: nx.DiGraph, name: str) -> str:
    g.graph["subgraphs"][name] = {"rank": "same"}
    return name


def _param_table(cell: str, n_x: int, n_a: int, n_y: int, header: str) -> HTML:
    """The shared parameters as an HTML table: key, symbolic shape, numbers, count."""
    head = (
        f'<TR><TD COLSPAN="4" BGCOLOR="{COLORS["param"]}"><B>{esc(header)}</B></TD></TR>'
        "<TR><TD>key</TD><TD>shape</TD><TD></TD><TD>count</TD></TR>"
    )
    rows = "".join(
        f'<TR><TD ALIGN="LEFT">{k}</TD><TD ALIGN="LEFT">{esc(sym)}</TD>'
        f'<TD ALIGN="LEFT">({r}, {c})</TD><TD ALIGN="RIGHT">{r * c:,}</TD></TR>'
        for k, sym, (r, c) in _shapes(cell, n_x, n_a, n_y)
    )
    total = _n_params(cell, n_x, n_a, n_y)
    foot = f'<TR><TD COLSPAN="3" ALIGN="LEFT">total</TD><TD ALIGN="RIGHT">{total:,}</TD></TR>'
    return HTML(
        '<TABLE BORDER="0" CELLBORDER="1" CELLSPACING="0" CELLPADDING="3" BGCOLOR="white">'
        f"{head}{rows}{foot}</TABLE>"
    )


# ----------------------------------------------------------------------------- unrolled
def _cell_text(cell: str, t: int) -> str:
    """The label of the cell of step t, its formula with t written out."""
    if cell == "rnn":
        return f"RNN cell  t = {t}\na<{t}> = tanh(Waa a<{t - 1}> + Wax x<{t}> + ba)"
    return (
        f"LSTM cell  t = {t}\nft, it, cct, ot on [a<{t - 1}>; x<{t}>]\n"
        f"c<{t}> = ft * c<{t - 1}> + it * cct\na<{t}> = ot * tanh(c<{t}>)"
    )


def _state_edges(cell: str, t: int) -> list[tuple[str, str]]:
    """(state name, edge label) carried from step t to step t+1."""
    states = [("a", f" a<{t}> ")]
    return [("c", f" c<{t}> "), *states] if cell == "lstm" else states


def _norm_text(norms: dict[str, np.ndarray] | None, first: int, last: int) -> str:
    """``||da<t>|| = ...`` (and ``||dc<t>||``) of step ``first`` (== last), or their range over
    steps first..last, as extra label lines; empty without norms."""
    if norms is None:
        return ""
    lines = []
    for key, values in norms.items():
        part = values[first - 1 : last]
        if first == last:
            lines.append(f"||{key}<{first}>|| = {part[0]:.2e}")
        else:
            lines.append(f"||{key}<t>|| from {part.min():.2e} to {part.max():.2e}")
    return "\n" + "\n".join(lines)


def _unrolled(
    cell: str,
    n_x: int,
    n_a: int,
    n_y: int,
    T_x: int,
    max_steps: int,
    m: str,
    norms: dict[str, np.ndarray] | None = None,
) -> nx.DiGraph:
    steps = shown_steps(T_x, max_steps)
    folded = T_x - sum(1 for t in steps if t is not None)
    name = "RNN" if cell == "rnn" else "LSTM"
    total = _n_params(cell, n_x, n_a, n_y)
    title = (
        f"{name} unrolled over T_x = {T_x} steps: n_x = {n_x}, n_a = {n_a}, n_y = {n_y}; "
        f"the same {total:,} parameters at every step"
    )
    if folded:
        first = steps.index(None) + 1  # the steps before the fold are 1, 2, ..., index
        title += f"\nsteps {first}–{first + folded - 1} folded into one node"
    if norms is not None:
        title += "\n||da<t>||: the gradient of J reaching a<t> (model.gradients)"
    g = _base_graph("unrolled", title, "BT", nodesep=0.35, ranksep=0.45)
    rx, rc, ry = (_row_set(g, f"rank_{r}") for r in ("x", "cells", "y"))
    out_w = "Wya" if cell == "rnn" else "Wy"
    weights = "Wax, Waa, ba" if cell == "rnn" else "Wf, bf, Wi, bi, Wc, bc, Wo, bo"

    init = "a<0> = 0" + ("\nc<0> = 0" if cell == "lstm" else "") + f"\n(n_a, {m}) = ({n_a}, {m})"
    g.add_node("a0", kind="initial", t=0, subgraph=rc, dot={"label": init, "style": "rounded"})
    g.add_node(
        "params",
        kind="params",
        subgraph=rx,
        dot={
            "label": _param_table(cell, n_x, n_a, n_y, f"shared by all T_x = {T_x} steps"),
            "shape": "plain",
        },
    )
    g.add_node(
        "J",
        kind="cost",
        dot={
            "label": f"J = -(1/m) Σ_t Σ_i Σ_k y<t> log ŷ<t>\nsummed over t = 1, …, {T_x}",
            "fillcolor": COLORS["cost"],
            "shape": "box",
            "style": "filled",
        },
    )
    edges: list[tuple[str, str, dict[str, Any]]] = []
    prev, prev_t = "a0", 0
    for t in steps:
        if t is None:
            last = prev_t + folded
            g.add_node(
                "fold",
                kind="folded",
                steps=(prev_t + 1, last),
                subgraph=rc,
                dot={
                    "label": f"… {folded} more steps …\nt = {prev_t + 1}, …, {last}\n"
                    f"the same cell, the same {weights}" + _norm_text(norms, prev_t + 1, last),
                    "fillcolor": COLORS["folded"],
                    "shape": "box3d",
                    "style": "filled",
                },
            )
            for key, label in _state_edges(cell, prev_t):
                edges.append((prev, "fold", {"kind": key, "label": label}))
            edges.append(("fold", "J", {"kind": "loss", "style": "dashed", "label": " ŷ<t> "}))
            prev, prev_t = "fold", last
            continue
        x, c, y = f"x{t}", f"cell{t}", f"yhat{t}"
        g.add_node(
            x,
            kind="input",
            t=t,
            subgraph=rx,
            dot={"label": f"x<{t}>\n(n_x, {m}) = ({n_x}, {m})", "fillcolor": COLORS["input"]},
        )
        g.add_node(
            c,
            kind="cell",
            t=t,
            subgraph=rc,
            dot={
                "label": _cell_text(cell, t) + _norm_text(norms, t, t),
                "fillcolor": COLORS["hidden"],
                "penwidth": 1.5,
            },
        )
        g.add_node(
            y,
            kind="output",
            t=t,
            subgraph=ry,
            dot={
                "label": f"ŷ<{t}> = softmax({out_w} a<{t}> + by)\n(n_y, {m}) = ({n_y}, {m})",
                "fillcolor": COLORS["output"],
            },
        )
        for key, label in _state_edges(cell, prev_t):
            edges.append((prev, c, {"kind": key, "label": label}))
        xw = " Wax " if cell == "rnn" else f" x<{t}> "
        edges.append((x, c, {"kind": "input", "label": xw}))
        edges.append((c, y, {"kind": "output", "label": f" a<{t}>: {out_w}, by "}))
        edges.append((y, "J", {"kind": "loss"}))
        prev, prev_t = c, t
    edges.append(("params", "a0", {"kind": "layout", "style": "invis"}))
    for u, v, attrs in edges:
        kind = attrs.pop("kind")
        if g.has_edge(u, v):  # the LSTM's a and c both go from one cell to the next
            g.edges[u, v]["dot"]["label"] += "\n" + attrs["label"]
            g.edges[u, v]["states"].append(kind)
            continue
        style = {"penwidth": 1.6, "weight": 10} if kind in ("a", "c") else {}
        g.add_edge(u, v, kind=kind, states=[kind], dot={**style, **attrs})
    g.graph["steps"] = steps
    g.graph["folded"] = folded
    g.graph["legend"] = [
        (f"input x<t> (n_x, {m})", {"fillcolor": COLORS["input"]}),
        (f"{name} cell (its state: n_a = {n_a})", {"fillcolor": COLORS["hidden"]}),
        (f"prediction ŷ<t> (n_y, {m})", {"fillcolor": COLORS["output"]}),
        ("cost J, summed over time", {"fillcolor": COLORS["cost"]}),
    ]
    if folded:
        g.graph["legend"].append((f"{folded} steps drawn as one", {"fillcolor": COLORS["folded"]}))
    g.graph["legend_columns"] = 3
    return g


# ----------------------------------------------------------------------------- one cell
def _formula_table(header: str, color: str, rows: Sequence[tuple[str, str, str]]) -> HTML:
    """A table of formulas: (formula, shape in symbols, shape in numbers)."""
    head = f'<TR><TD COLSPAN="3" BGCOLOR="{color}"><B>{esc(header)}</B></TD></TR>'
    body = "".join(
        f'<TR><TD ALIGN="LEFT">{esc(f)}</TD><TD ALIGN="LEFT">{esc(s)}</TD>'
        f'<TD ALIGN="LEFT">{esc(n)}</TD></TR>'
        for f, s, n in rows
    )
    return HTML(
        '<TABLE BORDER="0" CELLBORDER="1" CELLSPACING="0" CELLPADDING="3" BGCOLOR="white">'
        f"{head}{body}</TABLE>"
    )


def lstm_forward_rows(n_x: int, n_a: int, n_y: int) -> list[tuple[str, str, str]]:
    """The course's LSTM cell forward (``lstm_cell_forward``): (formula, shape, numbers)."""
    a, cat, y = f"({n_a}, m)", f"({n_a + n_x}, m)", f"({n_y}, m)"
    return [
        ("concat = [a_prev; xt]", "(n_a + n_x, m)", cat),
        ("ft = σ(Wf concat + bf)", "(n_a, m)", a),
        ("it = σ(Wi concat + bi)", "(n_a, m)", a),
        ("cct = tanh(Wc concat + bc)", "(n_a, m)", a),
        ("c_next = ft * c_prev + it * cct", "(n_a, m)", a),
        ("ot = σ(Wo concat + bo)", "(n_a, m)", a),
        ("a_next = ot * tanh(c_next)", "(n_a, m)", a),
        ("yt_pred = softmax(Wy a_next + by)", "(n_y, m)", y),
    ]


def lstm_backward_rows(n_x: int, n_a: int) -> list[tuple[str, str, str]]:
    """The course's ``lstm_cell_backward`` (no 1/m): (formula, shape, numbers)."""
    a, x, W, b = f"({n_a}, m)", f"({n_x}, m)", f"({n_a}, {n_a + n_x})", f"({n_a}, 1)"
    return [
        ("dc = dc_next + da_next * ot * (1 - tanh(c_next)²)", "(n_a, m)", a),
        ("dot = da_next * tanh(c_next) * ot * (1 - ot)", "(n_a, m)", a),
        ("dcct = dc * it * (1 - cct²)", "(n_a, m)", a),
        ("dit = dc * cct * it * (1 - it)", "(n_a, m)", a),
        ("dft = dc * c_prev * ft * (1 - ft)", "(n_a, m)", a),
        ("dWf = dft concatᵀ  (dWi, dWc, dWo: dit, dcct, dot)", "(n_a, n_a + n_x)", W),
        ("dbf = Σ_m dft  (sum over axis 1; dbi, dbc, dbo)", "(n_a, 1)", b),
        (
            "da_prev = Wf[:, :n_a]ᵀ dft + Wi[:, :n_a]ᵀ dit + Wc[:, :n_a]ᵀ dcct + Wo[:, :n_a]ᵀ dot",
            "(n_a, m)",
            a,
        ),
        ("dxt = the same with W[:, n_a:]", "(n_x, m)", x),
        ("dc_prev = dc_next * ft + ot * (1 - tanh(c_next)²) * ft * da_next", "(n_a, m)", a),
    ]


def rnn_forward_rows(n_x: int, n_a: int, n_y: int) -> list[tuple[str, str, str]]:
    """The course's ``rnn_cell_forward``: (formula, shape, numbers)."""
    return [
        ("a_next = tanh(Waa a_prev + Wax xt + ba)", "(n_a, m)", f"({n_a}, m)"),
        ("yt_pred = softmax(Wya a_next + by)", "(n_y, m)", f"({n_y}, m)"),
    ]


def rnn_backward_rows(n_x: int, n_a: int) -> list[tuple[str, str, str]]:
    """The course's ``rnn_cell_backward`` (no 1/m): (formula, shape, numbers)."""
    a = f"({n_a}, m)"
    return [
        ("dtanh = (1 - a_next²) * da_next", "(n_a, m)", a),
        ("dxt = Waxᵀ dtanh", "(n_x, m)", f"({n_x}, m)"),
        ("dWax = dtanh xtᵀ", "(n_a, n_x)", f"({n_a}, {n_x})"),
        ("da_prev = Waaᵀ dtanh", "(n_a, m)", a),
        ("dWaa = dtanh a_prevᵀ", "(n_a, n_a)", f"({n_a}, {n_a})"),
        ("dba = Σ_m dtanh  (sum over axis 1)", "(n_a, 1)", f"({n_a}, 1)"),
    ]


def _value(g: nx.DiGraph, nid: str, label: str, kind: str, fill: str = "white", **dot: Any) -> None:
    g.add_node(nid, kind=kind, dot={"label": label, "fillcolor": fill, **dot})


def _op(g: nx.DiGraph, nid: str, symbol: str) -> None:
    g.add_node(
        nid,
        kind="op",
        dot={
            "label": symbol,
            "shape": "circle",
            "style": "filled",
            "fillcolor": COLORS["op"],
            "width": 0.35,
            "fixedsize": True,
        },
    )


def _lstm_cell(n_x: int, n_a: int, n_y: int, m: str) -> nx.DiGraph:
    title = (
        f"one LSTM cell: n_x = {n_x}, n_a = {n_a}, n_y = {n_y}; "
        "the course's lstm_cell_forward and lstm_cell_backward"
    )
    g = _base_graph("lstm_cell", "", "LR", nodesep=0.3, ranksep=0.35)
    a, cat = f"(n_a, {m}) = ({n_a}, {m})", f"(n_a + n_x, {m}) = ({n_a + n_x}, {m})"
    _value(g, "c_prev", f"c_prev = c<t-1>\n{a}", "input", COLORS["grad"])
    _value(g, "a_prev", f"a_prev = a<t-1>\n{a}", "input", COLORS["hidden"])
    _value(g, "xt", f"xt = x<t>\n(n_x, {m}) = ({n_x}, {m})", "input", COLORS["input"])
    _value(g, "concat", f"concat = [a_prev; xt]\n{cat}", "tensor")
    W = f"(n_a, n_a + n_x) = ({n_a}, {n_a + n_x})"
    for key, role, nonlin, _ in _GATES:
        v = _GATE_VALUE[key]
        _value(
            g,
            v,
            f"{role}\n{v} = {nonlin}(W{key} concat + b{key})\nW{key} {W}, b{key} ({n_a}, 1)\n{a}",
            "gate",
            COLORS["param"],
            penwidth=1.5,
        )
    _op(g, "mul_f", "×")
    _op(g, "mul_i", "×")
    _op(g, "add_c", "+")
    _op(g, "tanh_c", "tanh")
    g.nodes["tanh_c"]["dot"].update(width=0.5)
    _op(g, "mul_o", "×")
    _value(g, "c_next", f"c_next = c<t>\n{a}", "output", COLORS["grad"])
    _value(g, "a_next", f"a_next = a<t>\n{a}", "output", COLORS["hidden"])
    _value(
        g,
        "yt",
        f"yt_pred = ŷ<t>\n= softmax(Wy a_next + by)\n(n_y, {m}) = ({n_y}, {m})",
        "output",
        COLORS["output"],
    )
    belt = {"penwidth": 2.2, "weight": 20, "color": "#8a5a00"}
    wires = [
        ("c_prev", "mul_f", {**belt, "label": " c_prev "}),
        ("mul_f", "add_c", {**belt, "label": " ft * c_prev "}),
        ("add_c", "c_next", {**belt}),
        ("a_prev", "concat", {}),
        ("xt", "concat", {}),
        ("concat", "ft", {}),
        ("concat", "it", {}),
        ("concat", "cct", {}),
        ("concat", "ot", {}),
        ("ft", "mul_f", {}),
        ("it", "mul_i", {}),
        ("cct", "mul_i", {}),
        ("mul_i", "add_c", {"label": " it * cct "}),
        ("add_c", "tanh_c", {}),
        ("tanh_c", "mul_o", {}),
        ("ot", "mul_o", {}),
        ("mul_o", "a_next", {"penwidth": 1.6}),
        ("a_next", "yt", {}),
    ]
    for u, v, dot in wires:
        g.add_edge(u, v, kind="forward", dot=dot)
    g.graph["forward_rows"] = lstm_forward_rows(n_x, n_a, n_y)
    g.graph["backward_rows"] = lstm_backward_rows(n_x, n_a)
    g.graph["forward_table"] = _formula_table(
        "forward: lstm_cell_forward", COLORS["hidden"], g.graph["forward_rows"]
    )
    g.graph["backward_table"] = _formula_table(
        "backward: lstm_cell_backward (no 1/m)", COLORS["grad"], g.graph["backward_rows"]
    )
    legend = [
        ("cell state c (the conveyor belt)", COLORS["grad"]),
        ("hidden state a", COLORS["hidden"]),
        ("gate: its own W and b", COLORS["param"]),
        ("elementwise op", COLORS["op"]),
    ]
    _frame(g, title, legend)
    return g


def _rnn_cell(n_x: int, n_a: int, n_y: int, m: str) -> nx.DiGraph:
    title = (
        f"one RNN cell: n_x = {n_x}, n_a = {n_a}, n_y = {n_y}; "
        "the course's rnn_cell_forward and rnn_cell_backward"
    )
    g = _base_graph("rnn_cell", "", "LR", nodesep=0.3, ranksep=0.4)
    a = f"(n_a, {m}) = ({n_a}, {m})"
    _value(g, "a_prev", f"a_prev = a<t-1>\n{a}", "input", COLORS["hidden"])
    _value(g, "xt", f"xt = x<t>\n(n_x, {m}) = ({n_x}, {m})", "input", COLORS["input"])
    _value(
        g,
        "z",
        f"Waa a_prev + Wax xt + ba\nWaa ({n_a}, {n_a}), Wax ({n_a}, {n_x}), ba ({n_a}, 1)",
        "gate",
        COLORS["param"],
        penwidth=1.5,
    )
    _op(g, "tanh", "tanh")
    g.nodes["tanh"]["dot"].update(width=0.5)
    _value(g, "a_next", f"a_next = a<t>\n{a}", "output", COLORS["hidden"])
    _value(
        g,
        "yt",
        f"yt_pred = ŷ<t>\n= softmax(Wya a_next + by)\n(n_y, {m}) = ({n_y}, {m})",
        "output",
        COLORS["output"],
    )
    for u, v in (("a_prev", "z"), ("xt", "z"), ("z", "tanh"), ("tanh", "a_next"), ("a_next", "yt")):
        g.add_edge(u, v, kind="forward", dot={})
    g.graph["forward_rows"] = rnn_forward_rows(n_x, n_a, n_y)
    g.graph["backward_rows"] = rnn_backward_rows(n_x, n_a)
    g.graph["forward_table"] = _formula_table(
        "forward: rnn_cell_forward", COLORS["hidden"], g.graph["forward_rows"]
    )
    g.graph["backward_table"] = _formula_table(
        "backward: rnn_cell_backward (no 1/m)", COLORS["grad"], g.graph["backward_rows"]
    )
    legend = [
        ("hidden state a", COLORS["hidden"]),
        ("the cell's affine map: Waa, Wax, ba", COLORS["param"]),
        ("elementwise op", COLORS["op"]),
    ]
    _frame(g, title, legend)
    return g


def _legend_cells(items: Sequence[tuple[str, str]]) -> str:
    """One table row of colour swatches and their meaning."""
    return "".join(
        f'<TD BGCOLOR="{color}" BORDER="1" WIDTH="22"> </TD><TD ALIGN="LEFT">{esc(text)}</TD>'
        for text, color in items
    )


def _frame(g: nx.DiGraph, title: str, legend: Sequence[tuple[str, str]]) -> None:
    """The cell's blocks in a frame titled ``title``; below them, the forward and backward
    tables side by side, and the legend (drawn as the graph's label, outside the layout)."""
    g.graph["subgraphs"]["cluster_cell"] = {
        "label": title,
        "labelloc": "t",
        "fontsize": 13,
        "color": "#bbbbbb",
        "style": "rounded",
        "margin": 12,
    }
    for _, data in g.nodes(data=True):
        data.setdefault("subgraph", "cluster_cell")
    forward, backward = g.graph["forward_table"], g.graph["backward_table"]
    legend_row = (
        '<TABLE BORDER="0" CELLSPACING="4" CELLPADDING="1">'
        f"<TR>{_legend_cells(legend)}</TR></TABLE>"
    )
    g.graph["attrs"]["label"] = HTML(
        '<TABLE BORDER="0" CELLSPACING="8">'
        f'<TR><TD VALIGN="TOP">{forward}</TD><TD VALIGN="TOP">{backward}</TD></TR>'
        f'<TR><TD COLSPAN="2"><FONT POINT-SIZE="10">{legend_row}</FONT></TD></TR></TABLE>'
    )
    g.graph["attrs"]["labelloc"] = "b"


# ----------------------------------------------------------------------------- public
def cell_graph(model: Any, m: str = "m") -> Diagram:
    """The blocks of one cell, with its forward formulas and the course's backward beside them.

    LSTM: ``c_prev -> × ft -> + it * cct -> c_next`` (the cell state), ``[a_prev; xt] ->``
    the four gates ``ft, it, cct, ot`` (each with its ``W (n_a, n_a + n_x)`` and ``b (n_a, 1)``)
    ``-> a_next = ot * tanh(c_next) -> yt_pred``; RNN: ``a_prev, xt -> tanh -> a_next ->
    yt_pred``. The tables give every formula of ``lstm_cell_forward`` / ``rnn_cell_forward``
    and of ``lstm_cell_backward`` / ``rnn_cell_backward`` with its shape, ``(n_a, m) = (5, m)``.

    Args:
        model: an RNNModel (or anything with ``cell``, ``n_x``, ``n_a``, ``n_y``).
        m: how the number of sequences is written in shapes (``"m"``, or a number).

    Returns:
        A :class:`viz.Diagram`.
    """
    cell, n_x, n_a, n_y = _spec(model)
    if cell == "lstm":
        g = _lstm_cell(n_x, n_a, n_y, str(m))
    else:
        g = _rnn_cell(n_x, n_a, n_y, str(m))
    g.graph.update(cell=cell, view="cell", dims=(n_x, n_a, n_y))
    return Diagram(g)


def unrolled_graph(
    model: Any,
    T_x: int | None = None,
    view: str = "unrolled",
    max_steps: int = 4,
    m: str = "m",
    grads: Mapping[str, Any] | None = None,
) -> Diagram:
    """Draw a recurrent model over time (``view="unrolled"``) or one of its cells (``"cell"``).

    Unrolled: ``x<t> (n_x, m)`` below each cell, ``ŷ<t> = softmax(Wya a<t> + by) (n_y, m)``
    above, ``a<t>`` (and for the LSTM ``c<t>``) carried to the next cell from ``a<0> = 0``,
    the cost J summed over the steps, and one table of the weights all steps share. Past
    ``max_steps`` the middle steps fold into one node (``T_x = 50``: steps 1, 2, "… 46 more
    steps …", 49, 50; see :func:`shown_steps`). The DOT text is deterministic.

    Args:
        model: an RNNModel (or anything with ``cell``, ``n_x``, ``n_a``, ``n_y``).
        T_x: the number of time steps (needed by the unrolled view).
        view: ``"unrolled"`` or ``"cell"`` (the same as :func:`cell_graph`).
        max_steps: the most steps drawn (>= 2); the rest fold into one node.
        m: how the number of sequences is written in shapes.
        grads: optional, what ``model.gradients(X, Y)`` returns for sequences of ``T_x``
            steps: each drawn cell then shows ``||da<t>||`` (and ``||dc<t>||``), the folded
            node their smallest and largest values over its steps.

    Returns:
        A :class:`viz.Diagram` (``.source``, ``.to_networkx()``, ``.render(path)``).

    Example::

        viz.unrolled_graph(ad.RNNModel(27, 50, 27), T_x=50).render("out/rnn", format="svg")
    """
    if view not in RNN_VIEWS:
        raise ValueError(f"view must be one of {', '.join(RNN_VIEWS)}, got {view!r}")
    if view == "cell":
        return cell_graph(model, m=m)
    if T_x is None:
        raise ValueError("the unrolled view needs T_x, the number of time steps: T_x=50")
    cell, n_x, n_a, n_y = _spec(model)
    norms = None if grads is None else gradient_norms(grads)
    if norms is not None and norms["da"].size != T_x:
        raise ValueError(
            f"grads has da1..da{norms['da'].size} but T_x = {T_x}: pass the gradients of "
            f"sequences of T_x = {T_x} steps"
        )
    g = _unrolled(cell, n_x, n_a, n_y, T_x, max_steps, str(m), norms)
    g.graph.update(cell=cell, view="unrolled", T_x=int(T_x), dims=(n_x, n_a, n_y))
    return Diagram(g)


# ----------------------------------------------------------------------------- ||da<t>||
def _steps_of(grads: Mapping[str, Any], prefix: str) -> int:
    """T_x: the number of consecutive keys ``{prefix}1``, ``{prefix}2``, ..."""
    T = 0
    while f"{prefix}{T + 1}" in grads:
        T += 1
    return T


def gradient_norms(grads: Mapping[str, Any]) -> dict[str, np.ndarray]:
    """``||da<t>||`` (and for the LSTM ``||dc<t>||``), t = 1..T_x, from ``model.gradients``.

    Each norm is the Frobenius norm of the ``(n_a, m)`` array ``da<t>``: the gradient of J
    arriving at the cell's output ``a<t>`` during backprop through time.

    Args:
        grads: what :meth:`RNNModel.gradients` returns (keys ``da1`` .. ``da<T_x>``, and
            ``dc1`` .. for the LSTM; the parameters' keys are ignored).

    Returns:
        ``{"da": (T_x,)}``, plus ``"dc": (T_x,)`` when ``grads`` has ``dc1``.
    """
    if not isinstance(grads, Mapping):
        raise TypeError(
            f"gradient_norms needs the dict that model.gradients(X, Y) returns, got "
            f"{type(grads).__name__}"
        )
    T = _steps_of(grads, "da")
    if T == 0:
        raise ValueError(
            "the gradients have no da1, da2, ... keys: pass what RNNModel.gradients(X, Y) "
            f"returns (keys given: {', '.join(sorted(map(str, grads))[:8])})"
        )
    out = {"da": np.array([np.linalg.norm(grads[f"da{t}"]) for t in range(1, T + 1)])}
    if "dc1" in grads:
        Tc = _steps_of(grads, "dc")
        if Tc != T:
            raise ValueError(f"the gradients have da1..da{T} but dc1..dc{Tc}; they must match")
        out["dc"] = np.array([np.linalg.norm(grads[f"dc{t}"]) for t in range(1, T + 1)])
    return out


def _run_grads(label: str, run: Any) -> Mapping[str, Any]:
    """A run's gradients: the dict itself, or ``model.gradients(X, Y)`` of a tuple."""
    if isinstance(run, Mapping):
        return run
    if isinstance(run, (tuple, list)) and len(run) == 3 and hasattr(run[0], "gradients"):
        model, X, Y = run
        return model.gradients(X, Y)
    raise TypeError(
        f"run {label!r}: give what model.gradients(X, Y) returns, or a tuple (model, X, Y); "
        f"got {type(run).__name__}"
    )


def _panels(runs: Mapping[str, Any]) -> dict[str, dict[str, Any]]:
    """``{panel title: {label: run}}``: one panel, or one per group of a nested dict."""
    if not isinstance(runs, Mapping) or not runs:
        raise ValueError(
            "plot_gradient_over_time needs a dict {label: model.gradients(X, Y)} (or "
            "{panel title: {label: ...}}), with at least one run"
        )
    nested = [isinstance(v, Mapping) and "da1" not in v for v in runs.values()]
    if all(nested):
        return {str(k): dict(v) for k, v in runs.items()}
    if any(nested):
        raise ValueError(
            "runs mixes gradients and groups of gradients: give {label: gradients} or "
            "{panel title: {label: gradients}}"
        )
    return {"": dict(runs)}


def _masked(values: np.ndarray, key: str) -> tuple[np.ndarray, int]:
    """Values with zeros as NaN (a log axis cannot show 0), and how many were zero; for
    ``dc`` the last step is not counted (``dc<T_x> = 0`` always: ``c<T_x>`` feeds nothing)."""
    zeros = values == 0
    counted = zeros[:-1] if key == "dc" else zeros
    return np.where(zeros, np.nan, values), int(np.sum(counted))


def plot_gradient_over_time(
    runs: Mapping[str, Any],
    histories: Mapping[str, Any] | None = None,
    path: str | os.PathLike | None = None,
    title: str | None = None,
    histories_title: str = "training: cost J",
) -> Any:
    """||da<t>|| against the time step t, log scale: vanishing or exploding gradients.

    During backprop through time the gradient reaching ``a<t>`` from a cost at a late step
    is multiplied by one Jacobian per step in between; it shrinks (vanishes) or grows
    (explodes) geometrically, which a log scale shows as a straight line. The LSTM's
    ``||dc<t>||`` is drawn dashed in the same colour.

    Args:
        runs: ``{label: grads}`` with ``grads`` what ``model.gradients(X, Y)`` returns (or a
            tuple ``(model, X, Y)``, whose gradients are computed): one panel. Or
            ``{panel title: {label: grads}}``: one panel per group.
        histories: optional ``{label: History}`` from ``fit`` (for example without clipping,
            with ``clip=5``, with ``clip=5, clip_norm=True``): one more panel with their
            cost curves. A label used in ``runs`` too keeps its colour here.
        path: if given, the figure is saved there (PNG, SVG or PDF by the suffix).
        title: the figure's title.
        histories_title: the title of the cost panel.

    Returns:
        A matplotlib Figure that shows itself in Jupyter. Its ``gradient_norms`` attribute
        holds the plotted data: ``{panel: {label: gradient_norms(grads)}}``. Norms equal to
        0 (a saturated tanh passes nothing back) are left out of the log axis and counted in
        the legend.
    """
    panels = _panels(runs)
    data = {
        p: {str(label): gradient_norms(_run_grads(str(label), run)) for label, run in group.items()}
        for p, group in panels.items()
    }
    # one colour per label across the figure: a run and its History share it
    labels = [lab for group in data.values() for lab in group] + [str(k) for k in histories or {}]
    colors = {lab: f"C{k % 10}" for k, lab in enumerate(dict.fromkeys(labels))}
    n = len(data) + (1 if histories else 0)
    Figure = figure_class()
    fig = Figure(figsize=(5.4 * n, 4.2), dpi=100)
    axes = fig.subplots(1, n, squeeze=False)[0]
    for ax, (panel, group) in zip(axes, data.items()):
        for label, norms in group.items():
            color = colors[label]
            for key, style in (("da", "-"), ("dc", "--")):
                if key not in norms:
                    continue
                values, zeros = _masked(norms[key], key)
                t = np.arange(1, values.size + 1)
                name = f"{label}: ||{key}<t>||" if "dc" in norms else label
                if zeros:
                    name += f" (= 0 at {zeros} step{'s' if zeros > 1 else ''})"
                ax.plot(t, values, style, color=color, lw=1.7, label=name)
        ax.set_yscale("log")
        ax.set_xlabel("time step t")
        ax.set_ylabel("||da<t>||  (Frobenius, over n_a × m)")
        ax.set_title(panel or "gradient reaching a<t> in backprop through time", fontsize=10)
        ax.grid(True, alpha=0.3, which="both")
        ax.legend(frameon=False, fontsize=7)
    if histories:
        ax = axes[-1]
        for label, h in histories.items():
            its = np.asarray(getattr(h, "iterations", []) or range(len(h.costs)), dtype=float)
            ax.plot(
                its, np.asarray(h.costs, dtype=float), color=colors[str(label)], lw=1.7, label=label
            )
        unit = getattr(next(iter(histories.values())), "unit", "iteration")
        ax.set_xlabel(f"{unit}s")
        ax.set_ylabel("cost J")
        ax.set_title(histories_title, fontsize=10)
        ax.grid(True, alpha=0.3)
        ax.legend(frameon=False, fontsize=7)
    if title:
        fig.suptitle(title)
    fig.tight_layout()
    fig.gradient_norms = data
    if path is not None:
        save_figure(fig, Path(path))
    return fig
