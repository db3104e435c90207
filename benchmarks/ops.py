"""Per-op overhead: ``y = x + x`` on a (1, 1) array, forward and forward+backward.

Three measurements, each beside raw numpy and PyTorch (CPU, eager) when installed:

- forward: one ``x + x`` with x requiring grad (records a node);
- forward+backward, chained: ``y = y + y`` 1,000 times from x, then one backward; the
  time divided by 1,000 is the per-op cost of recording and backpropagating;
- forward+backward, alone: ``y = x + x; y.backward(g)``, which adds one backward call.

    env -u OPENBLAS_CORETYPE -u OPENBLAS_L2_SIZE python -m benchmarks.ops
"""

from __future__ import annotations

import numpy as np

import autograd_dnn as ad
from benchmarks.common import blas_info, interleaved, machine_info, table

CHAIN = 1000
GOAL_US = 5.0  # per op, forward+backward chained (issue 12)


def graph_ops(x, g) -> dict:
    """The three measurements for an autodiff library: ``x`` a (1, 1) leaf requiring grad,
    ``g`` the upstream gradient. autograd_dnn and PyTorch share this code."""

    def fwd():
        return x + x

    def chain():
        y = x
        for _ in range(CHAIN):
            y = y + y
        y.backward(g)
        x.grad = None

    def alone():
        y = x + x
        y.backward(g)
        x.grad = None

    return {"forward": fwd, "chained": chain, "alone": alone}


def ours() -> dict:
    return graph_ops(ad.Tensor(np.ones((1, 1)), requires_grad=True), np.ones((1, 1)))


def numpy_ops() -> dict:
    a = np.ones((1, 1))

    def fwd():
        return a + a

    def chain():
        y = a
        for _ in range(CHAIN):
            y = y + y
        return y

    return {"forward": fwd, "chained": chain, "alone": fwd}


def torch_ops() -> dict | None:
    try:
        import torch
    except ImportError:
        return None
    torch.set_num_threads(1)
    x = torch.ones((1, 1), dtype=torch.float64, requires_grad=True)
    return graph_ops(x, torch.ones((1, 1), dtype=torch.float64))


def main() -> None:
    print(machine_info())
    print(blas_info())
    impls = {"numpy": numpy_ops(), "autograd_dnn": ours()}
    t = torch_ops()
    if t is None:
        print("(pytorch not installed: skipped; pip install torch==2.13.0)")
    else:
        impls["pytorch"] = t
    rows = [["measure (per op)"] + list(impls) + ["autograd_dnn / pytorch" if t else ""]]
    for what, per_round, scale in (("forward", 2000, 1), ("chained", 3, CHAIN), ("alone", 2000, 1)):
        fns = {name: ops[what] for name, ops in impls.items()}
        med = interleaved(fns, rounds=31 if what == "chained" else 15, per_round=per_round)
        us = {k: v / scale * 1e6 for k, v in med.items()}
        label = {
            "forward": "forward x + x",
            "chained": "forward+backward, chained",
            "alone": "forward+backward, one op",
        }[what]
        row = [label] + [f"{us[k]:.2f} us" for k in impls]
        row.append(f"{us['autograd_dnn'] / us['pytorch']:.2f}" if t else "")
        rows.append(row)
        if what == "chained":
            chained = us["autograd_dnn"]
    print(table(rows))
    verdict = "met" if chained <= GOAL_US else "NOT met"
    print(
        f"goal: recording x + x, forward and backward chained, at most {GOAL_US:g} us per op; "
        f"{chained:.2f} us here: {verdict} (a loaded machine inflates every column alike)"
    )
    print("numpy's 'forward+backward' columns are its forward alone: it has no backward.")


if __name__ == "__main__":
    main()
