"""Vanishing gradients, seen: a deep sigmoid network against the same depth with relu and He.

Ten layers of 8 units on the planar flower data. With sigmoid units and small (xavier)
weights, ||dA[l]|| shrinks by a factor of about 4 at each layer going back (sigmoid' <= 1/4),
so the first layers barely learn; relu with He initialization keeps the gradient's size from
layer to layer. The figure is ``viz.plot_gradient_flow`` of the two runs' Histories.

    python examples/gradient_flow.py [--out docs/gradient_flow.png]
"""

from __future__ import annotations

import argparse

import numpy as np

import autograd_dnn as ad
import viz

DIMS = [2] + [8] * 9 + [1]


def train(hidden: str, init: str, X: np.ndarray, Y: np.ndarray) -> ad.History:
    """One run: L = 10 layers, 600 iterations of Adam, gradients recorded every 20."""
    net = ad.DeepNetwork(DIMS, hidden_activation=hidden, init=init, seed=1)
    return net.fit(X, Y, learning_rate=0.003, iterations=600, optimizer="adam",
                   print_every=20, progress=False)  # fmt: skip


def shrink_per_layer(h: ad.History) -> float:
    """The geometric mean factor by which ||dA[l]|| shrinks per layer going back, at the start."""
    first = np.array([v[0] for v in h.activation_grads.values()])  # dA1 .. dA9
    return float(np.exp(np.mean(np.diff(np.log(first)))))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", default="out/gradient_flow.png")
    args = parser.parse_args()
    X, Y = ad.datasets.flower(400, seed=0)
    runs = {"sigmoid, xavier": train("sigmoid", "xavier", X, Y),
            "relu, he": train("relu", "he", X, Y)}  # fmt: skip
    for label, h in runs.items():
        print(f"{label:16s} ||dA[l+1]|| / ||dA[l]|| = {shrink_per_layer(h):.2f} per layer; "
              f"cost {h.costs[0]:.3f} -> {h.costs[-1]:.3f}")  # fmt: skip
    viz.plot_gradient_flow(runs, path=args.out, title=f"gradient flow, layer_dims={DIMS}")
    print(f"wrote {args.out}")


if __name__ == "__main__":
    main()
