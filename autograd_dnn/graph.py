"""The recorded graph as data: layer labels, traversal, and ``to_networkx``."""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
from typing import Any

import networkx as nx
import numpy as np

from autograd_dnn.engine import Switch, topo_order
from autograd_dnn.tensor import Tensor

__all__ = ["layer_scope", "release_graph", "released_on_error", "tensors_of", "to_networkx"]


def layer_scope(layer: int | None) -> Switch:
    """Label every op recorded inside the block (and its output) with ``layer``.

    Models label their layers' ops this way (``Dense`` sets the same per-thread mode
    directly, on its hot path); pictures then cluster them, and reports name the layer.
    """
    return Switch("layer", layer)


@contextlib.contextmanager
def released_on_error() -> Iterator[None]:
    """Release every node recorded in the block (in this thread) if the block raises, Ctrl-C
    included: a traceback kept alive (as Jupyter keeps it) then holds no array locked. For a
    forward pass that may be interrupted before its cost exists (``fit``'s recorded steps)."""
    nodes: list = []
    with Switch("new_nodes", nodes):
        try:
            yield
        except BaseException:
            for n in nodes:
                n.release()
            raise


def release_graph(t: Tensor) -> None:
    """Release every node ``t`` depends on (their saved arrays and write locks), as backward
    does: for a graph that will not be backpropagated, or one an exception interrupted."""
    if t.grad_fn is not None:
        for n in topo_order(t.grad_fn):
            n.release()


def tensors_of(output: Tensor) -> list[Tensor]:
    """Every tensor that ``output`` was computed from (itself included), in recording order.

    Iterative, so a graph 100,000 ops deep is fine.
    """
    seen = {output._id: output}
    stack = [output]
    while stack:
        t = stack.pop()
        if t.grad_fn is None:
            continue
        for a in t.grad_fn.inputs:
            if isinstance(a, Tensor) and a._id not in seen:
                seen[a._id] = a
                stack.append(a)
    return [seen[k] for k in sorted(seen)]


def _kind(t: Tensor) -> str:
    if t.grad_fn is not None:
        return "tensor"
    return "param" if t.requires_grad else "input"


def to_networkx(output: Tensor) -> nx.DiGraph:
    """The graph that produced ``output`` as a ``networkx.DiGraph``.

    Nodes are numbered 0, 1, 2, ... in recording order (an op comes right before the tensor
    it made), so two runs of the same program give identical graphs. Node attributes:

    - ``kind``: ``"input"`` (leaf without grad, e.g. X, Y), ``"param"`` (leaf with grad,
      e.g. W1, b1), ``"op"``, or ``"tensor"`` (an op's output, e.g. Z1, A1);
    - ``op``: the op's name for op and tensor nodes (``"matmul"``, ``"relu"``), else ``""``;
    - ``shape`` (tuple), ``dtype`` (str), ``name`` (the tensor's name or ``""``),
      ``layer`` (int or None);
    - ``grad_norm``: ||grad||_F when the tensor has a ``.grad`` (leaves after backward,
      intermediates after ``retain_grad``).

    Edges go from inputs to ops (attribute ``arg``: the argument position) and from ops
    to their outputs.
    """
    g = nx.DiGraph()
    key: dict[int, int] = {}
    for t in tensors_of(output):
        node = t.grad_fn
        if node is not None:
            op_key = len(g)
            g.add_node(
                op_key,
                kind="op",
                op=node.name,
                shape=tuple(t.shape),
                dtype=str(t.dtype),
                name=node.name,
                layer=node.layer,
            )
            for pos, a in enumerate(node.inputs):
                if isinstance(a, Tensor):
                    g.add_edge(key[a._id], op_key, arg=pos)
        k = len(g)
        key[t._id] = k
        attrs: dict[str, Any] = dict(
            kind=_kind(t),
            op=node.name if node is not None else "",
            shape=tuple(t.shape),
            dtype=str(t.dtype),
            name=t.name or "",
            layer=t.layer,
        )
        if t.grad is not None:
            attrs["grad_norm"] = float(np.linalg.norm(t.grad))
        g.add_node(k, **attrs)
        if node is not None:
            g.add_edge(k - 1, k, arg=0)
    return g
