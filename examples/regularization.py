"""Regularization, seen: no regularization vs L2 vs dropout on a small, noisy flower set.

A network much bigger than the data ([2, 50, 50, 1] on 120 training points) learns the
training set by heart: its training cost goes to 0 while its dev cost climbs (overfitting).
L2 (``l2=lambda``: ``J + (lambda / 2m) sum ||W[l]||^2``) and inverted dropout on the hidden
layers (``keep_prob``) both hold the dev cost down. Every run is seeded (data split,
initialization, dropout masks), so the numbers below are the same at every run.

The dev cost is evaluated at test time (no dropout) with the run's own cost, so the L2 run's
curves include its penalty term. Accuracies are printed; the curves go to a PNG.

    python examples/regularization.py [--quick] [--out docs/regularization_curves.png]
"""

from __future__ import annotations

import argparse

import numpy as np

import autograd_dnn as ad
import viz

DIMS = [2, 50, 50, 1]


def data(m: int, m_train: int) -> tuple[np.ndarray, ...]:
    """The flower with more noise than usual, split at random (seeded) into train and dev."""
    X, Y = ad.datasets.flower(m, seed=0, noise=0.4)
    perm = np.random.default_rng(0).permutation(m)
    train, dev = perm[:m_train], perm[m_train:]
    return X[:, train], Y[:, train], X[:, dev], Y[:, dev]


def main(argv: list[str] | None = None) -> dict[str, tuple[float, float]]:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="fewer samples and iterations")
    parser.add_argument("--out", default="out/regularization_curves.png")
    args = parser.parse_args(argv)
    m, m_train, iterations = (300, 60, 300) if args.quick else (600, 120, 2000)
    X, Y, X_dev, Y_dev = data(m, m_train)
    runs = {
        "no regularization": ({}, {}),
        "L2, lambda = 0.1": ({"l2": 0.1}, {}),
        "dropout, keep_prob = 0.7": ({}, {"keep_prob": 0.7}),
    }
    histories, accuracies = {}, {}
    print(f"layer_dims = {DIMS}; m_train = {m_train}, m_dev = {m - m_train}; Adam, "
          f"alpha = 0.01, {iterations} iterations")  # fmt: skip
    for label, (fit_options, net_options) in runs.items():
        net = ad.DeepNetwork(DIMS, seed=1, **net_options)
        h = net.fit(X, Y, learning_rate=0.01, iterations=iterations, optimizer="adam",
                    X_dev=X_dev, Y_dev=Y_dev, print_every=max(1, iterations // 40),
                    progress=False, **fit_options)  # fmt: skip
        histories[label] = h
        accuracies[label] = (net.accuracy(X, Y), net.accuracy(X_dev, Y_dev))
        train, dev = accuracies[label]
        print(f"{label:26s} train accuracy {train:6.1%}  dev accuracy {dev:6.1%}  "
              f"final cost {h.costs[-1]:.3f}  dev cost {h.dev_costs[-1]:.3f}")  # fmt: skip
    title = f"flower, m = {m_train}: train (solid) and dev (dashed) cost"
    viz.plot_costs(histories, path=args.out, title=title)
    print(f"wrote {args.out}")
    return accuracies


if __name__ == "__main__":
    main()
