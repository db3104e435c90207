"""Replay a recorded training step without recording it again.

``fit`` runs the same computation at every step: same ops, same order, same shapes. The
first two steps of each batch shape are recorded as usual (a shape seen once is not worth
compiling for); :meth:`Tape.record` then reads the second one's graph, node by node: its
Function, its options and where each input comes from (a parameter, the batch X or Y, a
constant, or an earlier node). From that it writes the step as one straight-line Python
function, :attr:`Tape.source`: each op's own ``forward`` in the recorded order, then each
op's own ``backward`` in reverse, with the gradients routed the way the engine's reverse
pass routes them, into the parameters' ``.grad``. No Tensor, graph node or topological sort
per op, and no loop deciding at run time where each value goes. The numbers are the
recorded graph's, bit for bit (tested). ``print(tape.source)`` shows what ``fit`` runs at
every step after the second.

Only for library code that knows the computation cannot change between steps (``fit``
within one call), with built-in ops; gradient checks and pictures always record.
"""

from __future__ import annotations

import math
from typing import Any, NamedTuple

import numpy as np

from autograd_dnn.engine import Context, accumulate, reduce_to_shape, topo_order
from autograd_dnn.tensor import Tensor


class _Op(NamedTuple):
    """One recorded node, as the generated code names things: its inputs are ``X``, ``Y``,
    ``p<q>`` (parameter q's array), ``v<k>`` (node k's output) or ``k<k>_<j>`` (a constant);
    ``route`` lists (input position, input name, its shape) for each input that needs a
    gradient (a parameter or an earlier node)."""

    k: int
    name: str  # the op's name, for the reader
    args: list[str]
    kwargs: dict
    route: list[tuple[int, str, tuple]]
    scalar: bool  # a 0-d output, which numpy may return as a scalar: made an array again
    inputs: bool  # its backward reads ctx.inputs (Function.reads_inputs)


class Tape:
    """One recorded step, written out as a Python function that runs it again."""

    def __init__(self, params: list[Tensor], source: str, constants: dict[str, Any]) -> None:
        self.params = params
        self.source = source  # the generated function, for reading
        namespace = dict(constants)
        exec(compile(source, "<autograd_dnn tape>", "exec"), namespace)
        self._replay = namespace["replay"]

    @classmethod
    def record(cls, J: Tensor, X: Tensor, Y: Any, params: list[Tensor]) -> Tape | None:
        """The tape of the graph that computed ``J`` from the batch (X, Y) and ``params``
        (leaf tensors whose arrays the optimizer swaps between steps), or None when the
        graph holds anything else that could go stale: another array or node-less tensor
        (a frozen layer's output, a mask made by user code), an array among an op's options
        (an index), or a parameter computed by an op; also when X needs its own gradient or
        Y is a Tensor (``fit`` passes an array). The graph must depend on the batch only
        through its shape, as built-in ops do."""
        if J.grad_fn is None or isinstance(Y, Tensor) or any(p.grad_fn is not None for p in params):
            return None
        order = topo_order(J.grad_fn)[::-1]  # recording order
        leaf_name = {id(X): "X"}
        leaf_name.update((id(p), f"p{q}") for q, p in enumerate(params))
        node_name = {id(n): f"v{k}" for k, n in enumerate(order)}
        consts: dict[str, Any] = {
            "ndarray": np.ndarray,
            "asarray": np.asarray,
            "ones_like": np.ones_like,
            "reduce": reduce_to_shape,
            "accumulate": accumulate,
            "isfinite": math.isfinite,
        }
        ops = []
        for k, n in enumerate(order):
            if _holds_array(n.kwargs):
                return None  # an option made from this batch (an index array) would go stale
            args, route = [], []
            for j, t in enumerate(n.inputs):
                if t is Y:
                    name = "Y"
                elif isinstance(t, Tensor) and t.grad_fn is not None:
                    name = node_name[id(t.grad_fn)]
                elif isinstance(t, Tensor):
                    if id(t) not in leaf_name:
                        return None  # a node-less tensor that is not X or a parameter
                    name = leaf_name[id(t)]
                elif _holds_array(t):
                    return None
                else:
                    name = f"k{k}_{j}"  # a number or an option
                    consts[name] = t
                args.append(name)
                if n.needs_input_grad[j] and name == "X":
                    return None  # the replay fills parameters' and nodes' gradients only
                if n.needs_input_grad[j] and name[0] in "pv":
                    route.append((j, name, t.shape))
                    consts[f"S{k}_{j}"] = t.shape
            consts[f"F{k}"], consts[f"B{k}"] = n.fn.forward, n.fn.backward
            consts[f"K{k}"] = n.kwargs  # and op k's context class, which knows them
            consts[f"C{k}"] = type(
                f"Context{k}",
                (Context,),
                {"needs_input_grad": n.needs_input_grad, "kwargs": n.kwargs},
            )
            label = "".join(c if c.isprintable() else " " for c in n.name)
            scalar = n.out is None or n.out.ndim == 0
            ops.append(_Op(k, label, args, n.kwargs, route, scalar, n.fn.reads_inputs))
        return cls(list(params), _write(ops, len(params)), consts)

    def run(self, X: Tensor, Y: Any) -> float:
        """Forward, then (if the cost is finite) backward into the parameters' ``.grad``.
        Returns the cost."""
        return self._replay(X._data, Y, self.params)


def _holds_array(value: Any) -> bool:
    """Whether ``value`` is, or holds in a tuple, list or dict, an array or a Tensor."""
    if isinstance(value, (np.ndarray, Tensor)):
        return True
    if isinstance(value, dict):
        value = list(value.values())
    return isinstance(value, (tuple, list)) and any(_holds_array(v) for v in value)


def _write(ops: list[_Op], n_params: int) -> str:
    """The source of ``replay(X, Y, params)``: the forward pass, the cost, and if it is
    finite the backward pass, each op a few straight lines."""
    lines = ["def replay(X, Y, params):"]
    if n_params:  # the parameters' arrays, read afresh: the optimizer swaps them
        lines.append(f"    {', '.join(f'P{q}' for q in range(n_params))}, = params")
        lines += [f"    p{q} = P{q}._data" for q in range(n_params)]
    last = ops[-1].k
    last_use = {name: op.k for op in ops for name in op.args if name[0] == "v"}
    for op in ops:
        lines += _forward_lines(op)
        dead = [name for name, k in last_use.items() if k == op.k]
        if dead:  # an output no later forward reads: freed now unless a context keeps it
            lines.append(f"    {' = '.join(dead)} = None")
    lines += [
        f"    J = float(v{last})",
        "    if not isfinite(J): return J",
        f"    g{last} = ones_like(v{last})",
    ]
    reached = sorted({int(name[1:]) for op in ops for _, name, _ in op.route if name[0] == "v"})
    if reached:
        lines.append(f"    {' = '.join(f'g{t}' for t in reached)} = None")
    for op in reversed(ops):
        if op.k == last:
            lines += _backward_lines(op)
        elif op.k in reached:
            lines.append(f"    if g{op.k} is not None:")
            lines += ["    " + line for line in _backward_lines(op)]
        else:
            lines.append(f"    c{op.k} = v{op.k} = None  # no gradient reaches this node")
    lines.append("    return J")
    return "\n".join(lines) + "\n"


def _forward_lines(op: _Op) -> list[str]:
    """Make op k's context, call its Function's forward, keep the output as an array."""
    k, args = op.k, ", ".join(op.args)
    lines = [f"    c{k} = C{k}(); c{k}.inputs = ({args},)" if op.inputs else f"    c{k} = C{k}()"]
    if op.kwargs:
        lines.append(f"    v{k} = F{k}(c{k}, {args}, **K{k})  # {op.name}")
    else:
        lines.append(f"    v{k} = F{k}(c{k}, {args})  # {op.name}")
    if op.scalar:
        lines.append(f"    if v{k}.__class__ is not ndarray: v{k} = asarray(v{k})")
    return lines


def _backward_lines(op: _Op) -> list[str]:
    """Call op k's backward with its gradient g<k>, reduce each input's gradient to the
    input's shape, and add it to that node's gradient or that parameter's ``.grad``."""
    k = op.k
    lines = [
        f"    o = B{k}(c{k}, g{k})  # {op.name} backward",
        f"    c{k} = v{k} = None  # free as the engine does",
        "    if o.__class__ is not tuple: o = (o,)",
    ]
    for j, name, _ in op.route:
        lines += [
            f"    gi = o[{j}]",
            "    if gi is not None:",
            f"        if gi.shape != S{k}_{j}: gi = reduce(gi, S{k}_{j})",
        ]
        t = name[1:]
        if name[0] == "v":
            lines.append(f"        g{t} = gi if g{t} is None else g{t} + gi")
        else:  # a parameter: the engine's one rule for a leaf's .grad
            lines.append(f"        accumulate(P{t}, gi, g{k})")
    lines.append(f"    g{k} = None")
    return lines
