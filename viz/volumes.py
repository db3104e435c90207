"""Pictures of convolutional networks (:class:`autograd_dnn.ConvNetwork`), in two views.

- ``"layers"``: each volume a box, ``(n_H, n_W, n_C)`` (samples first: the picture leaves
  m out), drawn taller for a larger n_H and wider for more channels; each layer an edge
  between two volumes, labelled with what it does: f, stride and pad of a convolution or a
  pooling, its parameters' shapes and count.
- ``"blocks"``: the course's picture of one training step: for each layer a forward block
  (``conv_forward``, ``pool_forward``, ...) that stores its cache, and a backward block
  (``conv_backward``, ``pool_backward``, ...) that reads it; the volumes above, their
  gradients below; the update of W and b.

Example::

    import autograd_dnn as ad, viz
    g = viz.volume_graph(ad.ConvNetwork.signs(), view="layers")
    g.render("docs/signs_layers", format="svg")
"""

from __future__ import annotations

import math
from typing import Any

import networkx as nx

from viz.dot import COLORS, HTML, Diagram
from viz.dot import html_escape as esc

__all__ = ["VOLUME_VIEWS", "volume_graph"]

VOLUME_VIEWS = ("layers", "blocks")

_EDGE = {"color": COLORS["edge"], "arrowsize": 0.6}
_DASHED = {"style": "dashed", "color": "#999999"}
_BACK = {"constraint": False, "color": "#b45f06"}


# ----------------------------------------------------------------------------- the model
def _check_model(model: Any) -> None:
    missing = [a for a in ("layers", "input_shape", "output_activation") if not hasattr(model, a)]
    if missing:
        raise TypeError(
            "volume_graph draws a ConvNetwork (layers, input_shape, output_activation); "
            f"{type(model).__name__} has no {', '.join(missing)}"
        )


def _shape(shape: tuple[int, ...]) -> str:
    """(n_H, n_W, n_C) of a volume, (n, m) of columns."""
    return f"({', '.join(map(str, shape))})" if len(shape) == 3 else f"({shape[0]}, m)"


def _layout(shape: tuple[int, ...]) -> str:
    return "(n_H, n_W, n_C)" if len(shape) == 3 else "(n, m)"


def _is(layer: Any, *names: str) -> bool:
    return any(cls.__name__ in names for cls in type(layer).__mro__)


def _pad_text(layer: Any) -> str:
    pads = tuple(layer.pads)
    if layer.pad == "same":
        return f"pad 'same' = {pads}" if len(set(pads)) > 1 else f"pad 'same' = {pads[0]}"
    return f"pad {pads[0]}" if len(set(pads)) == 1 else f"pad {pads}"


def _param_text(layer: Any) -> str:
    return ", ".join(f"{p.name} {tuple(p.shape)}" for p in layer.params())


def _edge_text(layer: Any) -> list[str]:
    """The lines on the edge of a layer in the layers view."""
    if _is(layer, "Conv"):
        return [
            f"CONV2D  {layer.filters} filters",
            f"f = {layer.f}, s = {layer.stride}, {_pad_text(layer)}",
            _param_text(layer),
            f"{layer.n_params():,} parameters",
        ]
    if _is(layer, "MaxPool"):  # and AvgPool
        return [layer.kind, f"f = {layer.f}, s = {layer.stride}, no pad", "0 parameters"]
    if _is(layer, "Dense"):
        return [
            f"DENSE  {layer.n} units",
            _param_text(layer),
            f"{layer.n_params():,} parameters",
        ]
    if _is(layer, "Flatten"):
        return ["FLATTEN", "reshape(m, -1).T"]
    return [layer.kind]


def _title(model: Any, view: str) -> str:
    shape = ", ".join(map(str, model.input_shape))
    n = sum(layer.n_params() for layer in model.layers)
    return (
        f"ConvNetwork: input (m, {shape}), {len(model.layers)} layers, "
        f"{n:,} parameters ({view} view); samples first, m left out"
    )


def _base(name: str, title: str, rankdir: str, **attrs: Any) -> nx.DiGraph:
    if rankdir not in ("LR", "TB", "RL", "BT"):
        raise ValueError(f"rankdir must be one of LR, TB, RL, BT, got {rankdir!r}")
    g = nx.DiGraph(name=name)
    g.graph["attrs"] = {"rankdir": rankdir, "label": title, "labelloc": "t", "fontsize": 13}
    g.graph["attrs"].update(attrs)
    g.graph["edge_attrs"] = dict(_EDGE)
    g.graph["subgraphs"] = {}
    return g


# ----------------------------------------------------------------------------- layers view
def _box_size(shape: tuple[int, ...], biggest: tuple[int, int]) -> dict[str, float]:
    """A volume's box: taller for a larger n_H (or n for columns), wider for more channels,
    on a square-root scale so that 64 x 64 and 2 x 2 both stay readable."""
    H, C = biggest
    if len(shape) == 3:
        height = 0.5 + 1.5 * math.sqrt(shape[0] / H)
        width = 0.9 + 0.9 * math.sqrt(shape[2] / C)
    else:
        height, width = 0.5 + 1.5 * math.sqrt(min(shape[0], H) / H), 0.6
    return {"height": round(height, 2), "width": round(width, 2)}


def _volume_node(name: str, shape: tuple[int, ...], role: str, size: dict) -> dict[str, Any]:
    what = "volume" if len(shape) == 3 else "columns"
    return {
        "kind": "volume",
        "name": name,
        "shape": shape,
        "dot": {
            "label": HTML(
                f"<B>{esc(name)}</B><BR/>{esc(_shape(shape))}<BR/>"
                f'<FONT POINT-SIZE="9">{what} {esc(_layout(shape))}</FONT>'
            ),
            "shape": "box3d" if len(shape) == 3 else "box",
            "style": "filled",
            "fillcolor": COLORS[role],
            **size,
        },
    }


def _layers_view(model: Any, rankdir: str) -> nx.DiGraph:
    g = _base("volumes_layers", _title(model, "layers"), rankdir, nodesep=0.35, ranksep=0.3)
    g.graph["node_attrs"] = {"fixedsize": False}
    volumes = [("X", tuple(model.input_shape))] + [(x.name, x.out_shape) for x in model.layers]
    biggest = (
        max(s[0] for _, s in volumes if len(s) == 3),
        max(s[2] for _, s in volumes if len(s) == 3),
    )
    g.add_node("v0", layer=0, **_volume_node("X = A0", volumes[0][1], "input", {}))
    g.nodes["v0"]["dot"].update(_box_size(volumes[0][1], biggest))
    last = len(model.layers)
    for layer in model.layers:
        k = layer.k
        role = "output" if k == last else "hidden"
        attrs = _volume_node(layer.name, layer.out_shape, role, _box_size(layer.out_shape, biggest))
        g.add_node(f"v{k}", layer=k, **attrs)
        label = "\n".join(_edge_text(layer))
        g.add_edge(
            f"v{k - 1}",
            f"v{k}",
            kind="layer",
            layer=k,
            type=type(layer).__name__,
            n_params=layer.n_params(),
            dot={"label": f" {label} ", "fontsize": 9},
        )
    out = model.output_activation
    g.add_node(
        "yhat",
        kind="prediction",
        dot={"label": f"ŷ = A{model.L}", "shape": "plaintext", "style": ""},
    )
    g.add_edge(f"v{last}", "yhat", kind="activation", dot={"label": f" {out} ", "fontsize": 9})
    g.graph["legend"] = [
        ("input X (m, n_H, n_W, n_C)", {"fillcolor": COLORS["input"]}),
        ("volume (n_H, n_W, n_C): taller for n_H, wider for n_C", {"fillcolor": COLORS["hidden"]}),
        ("output Z[L] (n[L], m), fused with its cost", {"fillcolor": COLORS["output"]}),
    ]
    g.graph["legend_columns"] = 3
    return g


# ----------------------------------------------------------------------------- blocks view
def _block_texts(layer: Any, prev: str, prev_shape: tuple[int, ...]) -> dict[str, str]:
    """(forward, cache, backward) texts of one layer, in the course's words."""
    out = layer.name
    if _is(layer, "Conv"):
        l = layer.l
        return {
            "fwd": f"conv_forward\n{out} = conv({prev}, W{l}) + b{l}\n"
            f"f = {layer.f}, s = {layer.stride}, {_pad_text(layer)}",
            "cache": f"cache: {prev} {_shape(prev_shape)},\nW{l}, b{l}, hparameters\n"
            "(im2col of the windows)",
            "bwd": f"conv_backward\nd{prev} += W{l}[..., c] d{out}[i, h, w, c]\n"
            f"dW{l} += a_slice d{out}[i, h, w, c]\ndb{l} = Σ d{out} over (i, h, w)",
        }
    if _is(layer, "MaxPool"):
        mode = "max" if layer.mode == "max" else "average"
        back = (
            "mask = (window == max(window))\nd{p} window += mask d{o}[i, h, w, c]"
            if mode == "max"
            else "d{p} window += d{o}[i, h, w, c] / (f f)"
        ).format(p=prev, o=out)
        cache = f"cache: {prev} {_shape(prev_shape)},\nhparameters (f, stride)"
        if mode == "max":
            cache += "\n(the max mask)"
        return {
            "fwd": f"pool_forward ({mode})\n{out} = {mode} of each window\n"
            f"f = {layer.f}, s = {layer.stride}",
            "cache": cache,
            "bwd": f"pool_backward ({mode})\n{back}",
        }
    if _is(layer, "Flatten"):
        return {
            "fwd": f"flatten\n{out} = {prev}.reshape(m, -1).T",
            "cache": f"cache: the shape {_shape(prev_shape)}",
            "bwd": f"unflatten\nd{prev} = d{out}.T.reshape(m, {_shape(prev_shape)[1:-1]})",
        }
    if _is(layer, "Dense"):
        l = layer.l
        return {
            "fwd": f"linear_forward\n{out} = W{l} {prev} + b{l}",
            "cache": f"cache: {prev} {_shape(prev_shape)}, W{l}, b{l}",
            "bwd": f"linear_backward\ndW{l} = d{out} {prev}ᵀ\ndb{l} = Σ d{out} over m\n"
            f"d{prev} = W{l}ᵀ d{out}",
        }
    g = getattr(layer, "g", layer.kind.lower())
    return {
        "fwd": f"{g}\n{out} = {g}({prev})",
        "cache": f"cache: {prev} {_shape(prev_shape)}",
        "bwd": f"{g}_backward\nd{prev} = d{out} * {g}'({prev})",
    }


def _column(g: nx.DiGraph, name: str) -> str:
    g.graph["subgraphs"][name] = {"rank": "same"}
    return name


def _blocks_volume(g: nx.DiGraph, k: int, name: str, shape: tuple, role: str) -> None:
    """Column of a volume (above) and its gradient (below)."""
    col = _column(g, f"rank_v{k}")
    g.add_node(
        f"v{k}",
        kind="volume",
        layer=k,
        subgraph=col,
        dot={"label": f"{name}\n{_shape(shape)}", "fillcolor": COLORS[role]},
    )
    grad = f"d{name}\n{_shape(shape)}" if k else "dX\n(not needed)"
    style = (
        {"fillcolor": COLORS["grad"]} if k else {"fillcolor": "white", "style": "rounded,dashed"}
    )
    g.add_node(f"d{k}", kind="grad", layer=k, subgraph=col, dot={"label": grad, **style})
    g.add_edge(f"v{k}", f"d{k}", kind="order", dot={"style": "invis"})


def _blocks_layer(g: nx.DiGraph, layer: Any, prev: str, prev_shape: tuple) -> None:
    """Column of layer k: parameters, forward block, cache, backward block, update."""
    k = layer.k
    text = _block_texts(layer, prev, prev_shape)
    col = _column(g, f"rank_L{k}")
    params = layer.params()
    if params:
        g.add_node(
            f"params{k}",
            kind="param",
            layer=k,
            subgraph=col,
            dot={
                "label": "\n".join(f"{p.name} {tuple(p.shape)}" for p in params),
                "fillcolor": COLORS["param"],
                "shape": "box",
                "style": "filled",
            },
        )
        g.add_edge(f"params{k}", f"fwd{k}", kind="param")
    g.add_node(
        f"fwd{k}",
        kind="forward",
        layer=k,
        subgraph=col,
        dot={"label": text["fwd"], "fillcolor": COLORS["hidden"], "penwidth": 1.5},
    )
    g.add_node(
        f"cache{k}",
        kind="cache",
        layer=k,
        subgraph=col,
        dot={
            "label": text["cache"],
            "fillcolor": COLORS["cache"],
            "shape": "cylinder",
            "style": "filled",
            "fontsize": 9,
        },
    )
    g.add_node(
        f"bwd{k}",
        kind="backward",
        layer=k,
        subgraph=col,
        dot={"label": text["bwd"], "fillcolor": COLORS["grad"], "penwidth": 1.5},
    )
    g.add_edge(f"fwd{k}", f"cache{k}", kind="cache", dot=_DASHED)
    g.add_edge(f"cache{k}", f"bwd{k}", kind="cache", dot=_DASHED)
    if params:
        names = ", ".join(f"d{p.name}" for p in params)
        g.add_node(
            f"update{k}",
            kind="update",
            layer=k,
            subgraph=col,
            dot={
                "label": "\n".join(f"{p.name} := {p.name} - α d{p.name}" for p in params),
                "fillcolor": COLORS["param"],
                "shape": "box",
                "style": "filled",
                "fontsize": 10,
            },
        )
        g.add_edge(f"bwd{k}", f"update{k}", kind="grads", dot={"label": f" {names}"})
    # forward left to right along the top, backward right to left along the bottom
    g.add_edge(f"v{k - 1}", f"fwd{k}", kind="forward", dot={"weight": 8})
    g.add_edge(f"fwd{k}", f"v{k}", kind="forward", dot={"weight": 8})
    g.add_edge(f"d{k}", f"bwd{k}", kind="backward", dot=_BACK)
    g.add_edge(f"d{k - 1}", f"bwd{k}", kind="align", dot={"style": "invis", "weight": 8})
    g.add_edge(f"bwd{k}", f"d{k}", kind="align", dot={"style": "invis", "weight": 8})
    g.add_edge(f"bwd{k}", f"d{k - 1}", kind="backward", dot=_BACK)


def _blocks_loss(g: nx.DiGraph, model: Any) -> None:
    last = len(model.layers)
    L, n = model.L, model.layers[-1].out_shape[0]
    col = _column(g, "rank_loss")
    g.add_node(
        "Y",
        kind="input",
        subgraph=col,
        dot={"label": f"Y\n(n[L], m) = ({n}, m)", "fillcolor": COLORS["input"]},
    )
    out = model.output_activation
    cost = (
        f"J = -(1/m) Σ Σ Y log softmax(Z{L})\ndZ{L} = (softmax(Z{L}) - Y) / m"
        if out == "softmax"
        else f"J = cross-entropy of sigmoid(Z{L})\ndZ{L} = (sigmoid(Z{L}) - Y) / m"
    )
    g.add_node(
        "loss",
        kind="loss",
        subgraph=col,
        dot={
            "label": f"cost, fused with {out}\n{cost}",
            "fillcolor": COLORS["cost"],
            "shape": "box",
            "style": "filled",
        },
    )
    g.add_edge("Y", "loss", kind="input")
    g.add_edge(f"v{last}", "loss", kind="forward", dot={"weight": 8})
    g.add_edge("loss", f"d{last}", kind="backward", dot=_BACK)


def _blocks_view(model: Any, rankdir: str) -> nx.DiGraph:
    title = _title(model, "blocks") + "\none training step: forward blocks, caches, backward"
    g = _base("volumes_blocks", title, rankdir, nodesep=0.25, ranksep=0.4, newrank=True)
    g.graph["node_attrs"] = {"shape": "box", "style": "rounded,filled", "fillcolor": "white"}
    shape, prev = tuple(model.input_shape), "X"
    _blocks_volume(g, 0, "X", shape, "input")
    last = len(model.layers)
    for layer in model.layers:
        _blocks_layer(g, layer, prev, shape)
        role = "output" if layer.k == last else "hidden"
        _blocks_volume(g, layer.k, layer.name, layer.out_shape, role)
        shape, prev = layer.out_shape, layer.name
    _blocks_loss(g, model)
    g.graph["legend"] = [
        ("forward block: a layer's *_forward", {"fillcolor": COLORS["hidden"]}),
        ("backward block: its *_backward", {"fillcolor": COLORS["grad"]}),
        ("parameters W, b and their update", {"fillcolor": COLORS["param"]}),
        ("cache (dashed): what backward reads", {"fillcolor": COLORS["cache"]}),
        ("cost J, fused with the output", {"fillcolor": COLORS["cost"]}),
    ]
    return g


# ----------------------------------------------------------------------------- public
def volume_graph(model: Any, view: str = "layers", rankdir: str = "LR") -> Diagram:
    """Draw a convolutional network (:class:`autograd_dnn.ConvNetwork`).

    Args:
        model: a ConvNetwork (its ``layers``, ``input_shape``, ``output_activation``).
        view: ``"layers"``: each volume (n_H, n_W, n_C) a box, each layer an edge with its
            f, stride, pad, parameter shapes and count; ``"blocks"``: the forward and
            backward blocks of each layer (conv_forward / conv_backward, pool_forward /
            pool_backward, ...) with the caches between them, the volumes above and their
            gradients below.
        rankdir: ``"LR"`` (left to right, default) or ``"TB"``, ``"RL"``, ``"BT"``.

    Returns:
        A :class:`viz.Diagram` (``.source`` is deterministic DOT; ``.render(path)``).
    """
    _check_model(model)
    if view not in VOLUME_VIEWS:
        hint = " (one node per unit is for dense networks)" if view == "neurons" else ""
        raise ValueError(
            f"view must be one of {', '.join(VOLUME_VIEWS)} for a conv network, got {view!r}" + hint
        )
    g = _layers_view(model, rankdir) if view == "layers" else _blocks_view(model, rankdir)
    g.graph["view"] = view
    g.graph["volumes"] = [("X", tuple(model.input_shape))] + [
        (layer.name, tuple(layer.out_shape)) for layer in model.layers
    ]
    return Diagram(g)
