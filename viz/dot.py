"""networkx graph -> DOT text, and :class:`Diagram`, the object every ``viz`` function returns.

The drawing functions build a ``networkx.DiGraph`` first; this module is the only place
that writes DOT. The conventions it reads:

- node keys are the DOT ids (strings made from counters and layer indices, never ``id()``);
- ``G.nodes[n]["dot"]``: the node's DOT attributes (``label``, ``fillcolor``, ...);
- ``G.nodes[n]["subgraph"]``: optional name of the subgraph holding it
  (``"cluster_L2"``, ``"rank_L2"``); its attributes come from ``G.graph["subgraphs"]``,
  a dict name -> attributes, where ``"parent"`` nests one subgraph in another;
- ``G.edges[u, v]["dot"]``: the edge's DOT attributes;
- ``G.graph["attrs"]``, ``G.graph["node_attrs"]``, ``G.graph["edge_attrs"]``: defaults;
- ``G.graph["legend"]``: ``[(text, {"fillcolor": ..., ...}), ...]``: a grid of swatches
  under the title (the graph label), ``G.graph["legend_columns"]`` per row;
- ``G.graph["name"]``: the digraph's name;
- ``G.graph["edge_order"]``: optional list of every edge ``(u, v)`` in the order to write
  them (dot's ``ordering="in"`` keeps a node's in-edges left to right in file order);
  otherwise edges come out in networkx's order (by source node).

Nodes and subgraphs come out in insertion order, attributes sorted by name, so the same
program writes byte-identical DOT in every process. A label that is an :class:`HTML`
string is written as an HTML-like label ``<...>``; any other string is quoted.
"""

from __future__ import annotations

import os
import shutil
import subprocess
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import networkx as nx

__all__ = [
    "FORMATS",
    "HTML",
    "Diagram",
    "GraphvizMissing",
    "find_dot",
    "html_escape",
    "reset_dot_cache",
    "to_dot",
]

FORMATS = ("svg", "png", "pdf")
FONT = "Helvetica,Arial,sans-serif"
INSTALL_HINT = (
    "install Graphviz: apt-get install graphviz (Debian/Ubuntu), brew install graphviz "
    "(macOS) or conda install graphviz (conda)"
)


class HTML(str):
    """A DOT HTML-like label: written as ``<...>`` instead of a quoted string."""

    __slots__ = ()


def html_escape(text: object) -> str:
    """Escape ``&``, ``<``, ``>`` and ``"`` for use inside an :class:`HTML` label."""
    s = str(text)
    return s.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;").replace('"', "&quot;")


# ----------------------------------------------------------------------------- DOT text
def _quote(value: object) -> str:
    if isinstance(value, HTML):
        return f"<{value}>"
    if isinstance(value, bool):
        value = "true" if value else "false"
    s = str(value).replace('"', '\\"').replace("\n", "\\n")
    return f'"{s}"'


def _attrs(attrs: Mapping[str, object]) -> str:
    items = [f"{k}={_quote(v)}" for k, v in sorted(attrs.items()) if v is not None]
    return f" [{', '.join(items)}]" if items else ""


def _swatch(style: Mapping[str, object]) -> str:
    fill = style.get("fillcolor", "white")
    border = style.get("color", "black")
    width = int(float(str(style.get("penwidth", 1))))  # a number or its DOT text
    dashed = ' STYLE="dashed"' if "dashed" in str(style.get("style", "")) else ""
    return f'<TD BGCOLOR="{fill}" COLOR="{border}" BORDER="{width}"{dashed} WIDTH="22"> </TD>'


def _title_with_legend(
    title: str, items: list[tuple[str, Mapping[str, object]]], columns: int
) -> HTML:
    """The graph's label: the title lines, then the legend as a grid of swatches.

    Drawn as the graph label (outside the layout), so a tall legend never stretches a rank.
    """
    lines = "<BR/>".join(html_escape(t) for t in title.split("\n")) if title else ""
    cells = [f'{_swatch(st)}<TD ALIGN="LEFT">{html_escape(text)}</TD>' for text, st in items]
    rows = ["".join(cells[i : i + columns]) for i in range(0, len(cells), columns)]
    grid = "".join(f"<TR>{r}</TR>" for r in rows)
    legend = (
        '<TABLE BORDER="1" COLOR="#bbbbbb" CELLBORDER="0" CELLSPACING="4" CELLPADDING="1">'
        f'<TR><TD COLSPAN="{2 * columns}" ALIGN="LEFT"><B>legend</B></TD></TR>{grid}</TABLE>'
    )
    head = f'<TR><TD><FONT POINT-SIZE="14">{lines}</FONT></TD></TR>' if lines else ""
    return HTML(
        f'<TABLE BORDER="0" CELLSPACING="2">{head}'
        f'<TR><TD><FONT POINT-SIZE="10">{legend}</FONT></TD></TR></TABLE>'
    )


def to_dot(g: nx.DiGraph) -> str:
    """Write ``g`` (see the module docstring for its conventions) as DOT text.

    Deterministic: the same graph built by the same program gives the same bytes.
    """
    out = [f"digraph {_quote(g.graph.get('name', 'G'))} {{"]
    graph_attrs = {"fontname": FONT, **g.graph.get("attrs", {})}
    legend = g.graph.get("legend")
    if legend:
        columns = int(g.graph.get("legend_columns", 3))
        graph_attrs["label"] = _title_with_legend(
            str(graph_attrs.get("label", "")), legend, columns
        )
    node_attrs = {"fontname": FONT, "fontsize": 11, **g.graph.get("node_attrs", {})}
    edge_attrs = {"fontname": FONT, "fontsize": 9, **g.graph.get("edge_attrs", {})}
    out.append(f"  graph{_attrs(graph_attrs)}")
    out.append(f"  node{_attrs(node_attrs)}")
    out.append(f"  edge{_attrs(edge_attrs)}")

    specs: dict[str, dict[str, Any]] = g.graph.get("subgraphs", {})
    members: dict[str, list[str]] = {name: [] for name in specs}
    children: dict[str, list[str]] = {name: [] for name in specs}
    top: list[tuple[str, str]] = []  # ("node" | "sub", name) in first-appearance order
    placed: set[str] = set()

    def place(sub: str) -> None:
        """Register subgraph ``sub`` (and its parents) at the first node that needs it."""
        if sub in placed:
            return
        if sub not in specs:
            raise KeyError(f"node refers to subgraph {sub!r}, missing from graph['subgraphs']")
        placed.add(sub)
        parent = specs[sub].get("parent")
        if parent:
            place(parent)
            children[parent].append(sub)
        else:
            top.append(("sub", sub))

    for n, data in g.nodes(data=True):
        sub = data.get("subgraph")
        if sub:
            place(sub)
            members[sub].append(n)
        else:
            top.append(("node", n))

    def node_line(n: str, indent: str) -> str:
        return f"{indent}{_quote(n)}{_attrs(g.nodes[n].get('dot', {}))}"

    def write_sub(name: str, indent: str) -> None:
        attrs = {k: v for k, v in specs[name].items() if k != "parent"}
        out.append(f"{indent}subgraph {_quote(name)} {{")
        for k, v in sorted(attrs.items()):
            out.append(f"{indent}  {k}={_quote(v)}")
        for child in children[name]:
            write_sub(child, indent + "  ")
        for n in members[name]:
            out.append(node_line(n, indent + "  "))
        out.append(f"{indent}}}")

    for kind, name in top:
        if kind == "sub":
            write_sub(name, "  ")
        else:
            out.append(node_line(name, "  "))
    order = g.graph.get("edge_order")
    if order is not None and len(order) != g.number_of_edges():
        raise ValueError(
            f"graph['edge_order'] lists {len(order)} edges but the graph has "
            f"{g.number_of_edges()}; list every edge once"
        )
    for u, v in order if order is not None else g.edges():
        out.append(f"  {_quote(u)} -> {_quote(v)}{_attrs(g.edges[u, v].get('dot', {}))}")

    out.append("}")
    return "\n".join(out) + "\n"


# ----------------------------------------------------------------------------- the dot binary
class GraphvizMissing(RuntimeError):
    """Graphviz's ``dot`` executable is not on PATH, so a picture cannot be rendered."""


_DOT_PATH: list[str | None] = []  # [] = not looked up yet; [None] = looked up, missing


def find_dot() -> str | None:
    """Path of Graphviz's ``dot`` executable, or None. Looked up once, then cached."""
    if not _DOT_PATH:
        _DOT_PATH.append(shutil.which("dot"))
    return _DOT_PATH[0]


def reset_dot_cache() -> None:
    """Forget the cached ``dot`` lookup (after installing Graphviz, or in tests)."""
    _DOT_PATH.clear()


def _run_dot(source: str, fmt: str) -> bytes:
    dot = find_dot()
    if dot is None:
        raise GraphvizMissing(f"Graphviz's `dot` executable was not found on PATH; {INSTALL_HINT}")
    proc = subprocess.run(
        [dot, f"-T{fmt}"], input=source.encode("utf-8"), capture_output=True, timeout=120
    )
    if proc.returncode != 0:
        err = proc.stderr.decode("utf-8", "replace").strip()
        raise RuntimeError(f"dot -T{fmt} failed (exit {proc.returncode}): {err}")
    return proc.stdout


# ----------------------------------------------------------------------------- Diagram
class Diagram:
    """A picture: the networkx graph it is drawn from and its DOT text.

    Example::

        g = viz.layer_graph(net)
        g.source                       # DOT text
        g.to_networkx()                # the networkx.DiGraph
        g.render("out/net", format="svg")   # -> "out/net.svg" (and out/net.dot beside it)

    In Jupyter the diagram shows itself as SVG; without Graphviz it shows the DOT text.
    """

    def __init__(self, graph: nx.DiGraph) -> None:
        self._graph = graph
        self._source: str | None = None

    @property
    def source(self) -> str:
        """The DOT text (deterministic)."""
        if self._source is None:
            self._source = to_dot(self._graph)
        return self._source

    def to_networkx(self) -> nx.DiGraph:
        """A copy of the networkx.DiGraph this picture is drawn from."""
        return self._graph.copy()

    def pipe(self, format: str = "svg") -> bytes:  # noqa: A002 (graphviz's own name)
        """The rendered picture as bytes. Raises :class:`GraphvizMissing` without ``dot``."""
        return _run_dot(self.source, _check_format(format))

    def render(self, path: str | os.PathLike, format: str = "svg") -> str:  # noqa: A002
        """Write the picture to ``path`` + ``.format`` and return that path.

        The DOT text is always written first, to ``path`` + ``.dot``; without Graphviz's
        ``dot`` the call then raises :class:`GraphvizMissing` naming that file.
        A ``path`` that already ends in ``.svg``/``.png``/``.pdf``/``.dot`` is used as is.
        """
        fmt = _check_format(format)
        base = Path(path)
        if base.suffix.lower() in {".svg", ".png", ".pdf", ".dot"}:
            base = base.with_suffix("")
        base.parent.mkdir(parents=True, exist_ok=True)
        dot_path = base.parent / (base.name + ".dot")
        out_path = base.parent / (base.name + "." + fmt)
        dot_path.write_text(self.source, encoding="utf-8")
        if find_dot() is None:
            raise GraphvizMissing(
                f"cannot render {out_path}: Graphviz's `dot` executable was not found on PATH. "
                f"The DOT text was written to {dot_path}. To get the picture, {INSTALL_HINT}; "
                f"then run: dot -T{fmt} {dot_path} -o {out_path}"
            )
        out_path.write_bytes(_run_dot(self.source, fmt))
        return str(out_path)

    def _repr_mimebundle_(self, include: Any = None, exclude: Any = None) -> dict[str, str]:
        """Jupyter display: SVG when Graphviz is there, else the DOT text and a hint."""
        try:
            return {"image/svg+xml": _run_dot(self.source, "svg").decode("utf-8")}
        except Exception as e:  # never raise inside a notebook's display
            hint = (
                f"// Graphviz's dot is not installed ({INSTALL_HINT})"
                if isinstance(e, GraphvizMissing)
                else f"// rendering failed: {e}"
            )
            return {"text/plain": self.source + hint}

    def __repr__(self) -> str:
        g = self._graph
        name = g.graph.get("name", "G")
        return f"<viz.Diagram {name!r}: {len(g)} nodes, {g.number_of_edges()} edges>"


def _check_format(fmt: str) -> str:
    f = str(fmt).lower().lstrip(".")
    if f not in FORMATS:
        raise ValueError(f"format must be one of {', '.join(FORMATS)}; got {fmt!r}")
    return f


# ----------------------------------------------------------------------------- fixed colours
COLORS = {
    "input": "#e3e3e3",  # X, Y, the input layer
    "hidden": "#cfe2f3",  # hidden units and layers
    "output": "#f9cb9c",  # the output layer A[L]
    "param": "#ead1dc",  # W[l], b[l] (no heat colour is pink)
    "op": "#d9ead3",  # recorded operations
    "tensor": "#ffffff",  # intermediate tensors Z[l], A[l]
    "cost": "#ea9999",  # the cost J or the loss L(A[L], Y)
    "cache": "#eeeeee",  # the forward cache
    "grad": "#fce5cd",  # dA[l], dW[l], db[l]
    "folded": "#b4a7d6",  # a run of identical layers drawn as one node
    "more": "#ffffff",  # the "+k more" units
    "fail": "#cc0000",  # a failed gradient check
    "edge": "#555555",
}
