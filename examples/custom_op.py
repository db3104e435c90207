"""A new op: softplus(z) = log(1 + e^z), with its forward and backward side by side.

It is checked against finite differences with ``ad.check_gradients`` (first and second
derivatives), used as the hidden activation of a network through ``Dense.activation_fn``,
checked again with ``ad.gradcheck``, and drawn in the computation graph.

    python examples/custom_op.py [--out out/examples]
"""

from __future__ import annotations

import argparse
import os

import numpy as np

import autograd_dnn as ad


class Softplus(ad.Function):
    """a = log(1 + e^z), stable for large |z|; g'(z) = sigmoid(z)."""

    op_name = "softplus"

    @staticmethod
    def forward(ctx, z):
        ctx.save_for_backward(z)
        return np.logaddexp(0.0, z)

    @staticmethod
    def backward(ctx, grad):
        (z,) = ctx.saved_tensors
        return grad * _sigmoid(z)


def _sigmoid(z):
    """z is an array on the fast path and a Tensor under create_graph=True; handling both
    keeps one backward rule and gives second derivatives too."""
    return z.sigmoid() if isinstance(z, ad.Tensor) else 1 / (1 + np.exp(-z))


def main(argv=None) -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--out", default="out/examples")
    args = ap.parse_args(argv)
    rng = np.random.default_rng(0)

    print("1. softplus against finite differences:")
    report = ad.check_gradients(
        lambda z: Softplus.apply(z).sum(), [rng.standard_normal((3, 4))], names=["Z"]
    )
    print(report)
    assert report.passed

    print("\n2. second derivative (create_graph): d2/dz2 softplus = sigmoid (1 - sigmoid)")
    z = ad.Tensor(rng.standard_normal((2, 3)), requires_grad=True, name="Z")
    (dz,) = ad.grad(Softplus.apply(z).sum(), [z], create_graph=True)
    (d2z,) = ad.grad(dz.sum(), [z])
    s = 1 / (1 + np.exp(-z.data))
    print("   max error:", float(np.abs(d2z.data - s * (1 - s)).max()))

    print("\n3. a network whose hidden layers use softplus, checked layer by layer:")
    X, Y = ad.datasets.moons(64, seed=0)
    net = ad.DeepNetwork([2, 6, 4, 1], seed=0)
    for layer in net.layers[:-1]:
        layer.activation_fn = Softplus
    net.fit(X, Y, learning_rate=0.05, iterations=300, optimizer="adam", progress=False)
    print(f"   accuracy after 300 steps: {net.accuracy(X, Y):.2%}")
    report = ad.gradcheck(net, X[:, :16], Y[:, :16])
    print("  ", report.summary())

    import viz

    os.makedirs(args.out, exist_ok=True)
    J = net.cost(X[:, :8], Y[:, :8])
    J.backward()
    path = viz.computation_graph(J, show_grads=True).render(
        os.path.join(args.out, "softplus"), format="svg"
    )
    print(f"\n4. computation graph with the softplus nodes: {path}")


if __name__ == "__main__":
    main()
