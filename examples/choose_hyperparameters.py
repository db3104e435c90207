"""Choose hyperparameters the course's way: try values, watch the cost curves, pick on dev.

1. learning rate alpha: three runs of gradient descent, one figure of cost curves;
2. depth L: networks with 1..4 hidden layers, the one with the lowest dev cost wins;
3. width n[l]: the same for the hidden units of the chosen depth.

    python examples/choose_hyperparameters.py [--quick] [--out out/examples]
"""

from __future__ import annotations

import argparse
import os

import autograd_dnn as ad


def main(argv=None) -> dict:
    ap = argparse.ArgumentParser()
    ap.add_argument("--quick", action="store_true")
    ap.add_argument("--out", default="out/examples")
    args = ap.parse_args(argv)
    iterations = 300 if args.quick else 2000
    X, Y = ad.datasets.flower(400, seed=1)
    X_tr, Y_tr, X_dev, Y_dev = ad.datasets.train_dev_split(X, Y, 0.25, seed=1)

    def train(dims, lr, optimizer="gd"):
        net = ad.DeepNetwork(dims, hidden_activation="tanh", init="xavier", seed=0)
        h = net.fit(
            X_tr,
            Y_tr,
            learning_rate=lr,
            iterations=iterations,
            optimizer=optimizer,
            X_dev=X_dev,
            Y_dev=Y_dev,
            print_every=max(1, iterations // 40),
            progress=False,
        )
        return net, h

    print("1. learning rate (gradient descent, [2, 8, 1]):")
    curves = {}
    for lr in (2.0, 0.5, 0.05):
        _, h = train([2, 8, 1], lr)
        curves[f"alpha = {lr}"] = h
        print(f"   alpha = {lr:<5} final cost {h.costs[-1]:.4f}, dev cost {h.dev_costs[-1]:.4f}")
    best_lr = min(curves, key=lambda k: curves[k].dev_costs[-1])
    lr = float(best_lr.split("= ")[1])

    print(f"\n2. depth L (alpha = {lr}, hidden layers of 8 tanh units), chosen on the dev set:")
    depth_scores = {}
    for hidden in (1, 2, 3, 4):
        dims = [2] + [8] * hidden + [1]
        net, h = train(dims, lr)
        depth_scores[hidden] = h.dev_costs[-1]
        print(
            f"   L = {hidden + 1}: dev cost {h.dev_costs[-1]:.4f}, "
            f"dev accuracy {net.accuracy(X_dev, Y_dev):.2%}"
        )
    depth = min(depth_scores, key=depth_scores.get)

    print(f"\n3. width n[l] for {depth} hidden layer(s):")
    width_scores = {}
    for width in (2, 4, 8, 16):
        net, h = train([2] + [width] * depth + [1], lr)
        width_scores[width] = h.dev_costs[-1]
        print(f"   n[l] = {width:<3} dev cost {h.dev_costs[-1]:.4f}")
    width = min(width_scores, key=width_scores.get)
    choice = {"learning_rate": lr, "hidden_layers": depth, "width": width}
    print(f"\nchosen: {choice}")
    try:
        import viz

        os.makedirs(args.out, exist_ok=True)
        path = os.path.join(args.out, "learning_rates.png")
        viz.plot_costs(curves, path=path)
        print(f"wrote {path} (train and dev cost curves for each alpha)")
    except ImportError as e:
        print(f"(no plot: {e})")
    return choice


if __name__ == "__main__":
    main()
