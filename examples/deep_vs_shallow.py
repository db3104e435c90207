"""Deep versus shallow on parity: how many hidden units reach 100% as n grows?

The circuit-theory remark of docs/notation.md ("Why deep"): the parity (XOR) of n bits has
a small circuit of depth O(log n), while one hidden layer needs many units. This script
measures it for trained networks: for each n, the fewest hidden units with which gradient
descent (Adam) fits all 2^n inputs exactly, for a shallow net [n, w, 1] and for a deep one
with ceil(log2 n) hidden layers of width w. Every run is seeded; a size counts when any of
the seeds succeeds.
Trained networks are not threshold circuits, so read the table as measured, not as theory.

    python examples/deep_vs_shallow.py [--quick] [--out out/examples]
"""

from __future__ import annotations

import argparse
import math
import os

import autograd_dnn as ad


def fits(dims: list[int], X, Y, seeds: int, iterations: int) -> bool:
    for seed in range(seeds):
        net = ad.DeepNetwork(dims, hidden_activation="tanh", init="xavier", seed=seed)
        net.fit(
            X,
            Y,
            learning_rate=0.03,
            iterations=iterations,
            optimizer="adam",
            progress=False,
            print_every=iterations,
        )
        if net.accuracy(X, Y) == 1.0:
            return True
    return False


def fewest_units(n: int, depth: int, max_width: int, seeds: int, iterations: int) -> int | None:
    """Smallest total hidden units depth * w for which [n] + [w] * depth + [1] fits parity(n)."""
    X, Y = ad.datasets.parity(n)
    for w in range(1, max_width + 1):
        if fits([n] + [w] * depth + [1], X, Y, seeds, iterations):
            return depth * w
    return None


def main(argv=None) -> list[tuple]:
    ap = argparse.ArgumentParser()
    ap.add_argument("--quick", action="store_true", help="n = 2..4, fewer seeds and steps")
    ap.add_argument("--out", default="out/examples")
    args = ap.parse_args(argv)
    ns = range(2, 5) if args.quick else range(2, 8)
    seeds, iterations, max_width = (1, 600, 6) if args.quick else (3, 2000, 10)
    rows = []
    print(f"{'n':>3}  {'shallow units (1 layer)':>24}  {'deep layers':>11}  {'deep units':>10}")
    for n in ns:
        depth = max(2, math.ceil(math.log2(n)))
        shallow = fewest_units(n, 1, max_width, seeds, iterations)
        deep = fewest_units(n, depth, max_width, seeds, iterations)
        rows.append((n, shallow, depth, deep))
        show = lambda u: "-" if u is None else str(u)  # noqa: E731
        print(f"{n:>3}  {show(shallow):>24}  {depth:>11}  {show(deep):>10}")
    try:
        import matplotlib

        matplotlib.use("Agg")
        import matplotlib.pyplot as plt
    except ImportError:
        print("(matplotlib not installed: no plot; pip install 'autograd-dnn[plot]')")
        return rows
    os.makedirs(args.out, exist_ok=True)
    fig, ax = plt.subplots(figsize=(6, 4))
    ax.plot([r[0] for r in rows], [r[1] for r in rows], "o-", label="one hidden layer")
    ax.plot([r[0] for r in rows], [r[3] for r in rows], "s-", label="ceil(log2 n) hidden layers")
    ax.set_xlabel("n bits")
    ax.set_ylabel("hidden units needed for 100%")
    ax.set_title("parity(n): units needed, deep vs shallow (measured)")
    ax.legend()
    ax.grid(alpha=0.3)
    path = os.path.join(args.out, "deep_vs_shallow.png")
    fig.savefig(path, dpi=100, bbox_inches="tight")
    print(f"wrote {path}")
    return rows


if __name__ == "__main__":
    main()
