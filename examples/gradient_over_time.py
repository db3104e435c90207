"""Vanishing and exploding gradients through time, seen: ||da<t>|| against t, and clipping.

The adding problem (``ad.datasets.adding_problem``) has its only target at the last step
T_x, so the gradient that reaches ``a<t>`` has crossed T_x - t cells. Each cell multiplies it
by its Jacobian, so its size changes geometrically with the distance:

1. vanishing: an RNN with xavier weights passes back a gradient that shrinks step by step;
   an LSTM with the course's zero biases (``ft`` about 1/2) shrinks it faster still, and the
   same LSTM with a forget-gate bias ``bf = 2`` (``ft`` about 0.88) carries it back through
   its cell state ``c``;
2. exploding: an RNN with ``Waa = 2 Q`` (Q orthogonal) and small inputs multiplies it by up
   to 2 per step going back;
3. clipping: the exploding RNN trained by gradient descent without clipping, with the
   course's ``clip=5`` (``clip_gradients``, every entry into [-5, 5]) and with ``clip=5,
   clip_norm=True`` (the global norm scaled to 5).

All numbers are ``model.gradients(X, Y)``'s; the figure is ``viz.plot_gradient_over_time``.

    python examples/gradient_over_time.py [--out docs/gradient_over_time.png] [--quick]
        [--diagrams docs]   (also draw the unrolled RNN and the LSTM cell there)
"""

from __future__ import annotations

import argparse
from pathlib import Path

import numpy as np

import autograd_dnn as ad
import viz
from autograd_dnn.optim import clip_gradients

N_X, N_Y = 2, 4  # the adding problem: x<t> = (u<t>, marker<t>); 4 classes of the sum


def lstm_with_forget_bias(n_a: int, bf: float) -> ad.RNNModel:
    """The seed-0 LSTM with every entry of bf set to ``bf`` (``ft = sigmoid(... + bf)``)."""
    params = ad.RNNModel(N_X, n_a, N_Y, cell="lstm", seed=0).get_parameters()
    params["bf"][:] = bf
    return ad.RNNModel.from_parameters(params)


def exploding_rnn(n_a: int) -> ad.RNNModel:
    """The seed-0 RNN with ``Waa = 2 Q`` (Q a seeded random orthogonal matrix) and Wax / 10."""
    params = ad.RNNModel(N_X, n_a, N_Y, cell="rnn", seed=0).get_parameters()
    Q, _ = np.linalg.qr(np.random.default_rng(1).standard_normal((n_a, n_a)))
    params["Waa"] = 2.0 * Q
    params["Wax"] = params["Wax"] / 10
    return ad.RNNModel.from_parameters(params)


def describe(label: str, grads: dict[str, np.ndarray]) -> None:
    """Print ||da<T_x>||, ||da<1>|| and the mean factor per step going back."""
    da = viz.gradient_norms(grads)["da"]
    T = da.size
    if da[0] > 0:
        per_step = (da[0] / da[-1]) ** (1 / (T - 1))
        factor = f"x {per_step:.3f} per step back"
    else:
        factor = "0 at t = 1: nothing reaches it"
    print(f"  {label:28s} ||da<{T}>|| = {da[-1]:.3g}   ||da<1>|| = {da[0]:.3g}   ({factor})")


def parameter_grads(grads: dict[str, np.ndarray], model: ad.RNNModel) -> dict[str, np.ndarray]:
    """The parameters' gradients (dWax, ...) of a ``model.gradients`` dict, as copies."""
    return {f"d{k}": grads[f"d{k}"].copy() for k in model.keys}


def global_norm(grads: dict[str, np.ndarray]) -> float:
    return float(np.sqrt(sum(float(np.vdot(g, g)) for g in grads.values())))


def show_clipping(grads: dict[str, np.ndarray], model: ad.RNNModel, max_value: float) -> None:
    """The course's clip (elementwise) and clipping by norm, on the exploding gradients."""
    raw = parameter_grads(grads, model)
    biggest = max(float(np.abs(g).max()) for g in raw.values())
    print(f"  before: global norm {global_norm(raw):.3g}, largest entry {biggest:.3g}")
    for norm in (False, True):
        clipped = parameter_grads(grads, model)
        clip_gradients(clipped, max_value, norm=norm)
        biggest = max(float(np.abs(g).max()) for g in clipped.values())
        how = "by global norm " if norm else "elementwise    "
        print(
            f"  clip {how}(maxValue = {max_value:g}): global norm "
            f"{global_norm(clipped):.3g}, largest entry {biggest:.3g}"
        )


def train_exploding(
    n_a: int, X: np.ndarray, Y: np.ndarray, iterations: int, clip: float | None, norm: bool
) -> tuple[ad.RNNModel, ad.History, float]:
    """Gradient descent from the exploding RNN; returns the model, its History and
    ||Waa after the first step - Waa before||."""
    first = exploding_rnn(n_a)
    before = first.get_parameters()["Waa"]
    options = dict(learning_rate=0.01, optimizer="gd", clip=clip, clip_norm=norm, progress=False,
                   track_gradients=False)  # fmt: skip
    first.fit(X, Y, iterations=1, **options)
    step = float(np.linalg.norm(first.get_parameters()["Waa"] - before))
    model = exploding_rnn(n_a)
    history = model.fit(
        X, Y, iterations=iterations, print_every=max(1, iterations // 20), **options
    )
    return model, history, step


def draw_diagrams(folder: Path) -> None:
    """The unrolled RNN over T_x = 50 steps and the blocks of one LSTM cell, SVG and PNG."""
    rnn = ad.RNNModel(n_x=27, n_a=50, n_y=27, cell="rnn")
    lstm = ad.RNNModel(n_x=27, n_a=50, n_y=27, cell="lstm")
    for name, diagram in (
        ("rnn_unrolled", viz.unrolled_graph(rnn, T_x=50)),
        ("lstm_cell_blocks", viz.cell_graph(lstm)),
    ):
        for fmt in ("svg", "png"):
            try:
                print("wrote", diagram.render(folder / name, format=fmt))
            except viz.GraphvizMissing as e:
                print(e)
                return


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", default="out/gradient_over_time.png")
    parser.add_argument("--quick", action="store_true", help="a small run, for the tests")
    parser.add_argument("--diagrams", help="also draw rnn_unrolled and lstm_cell_blocks here")
    args = parser.parse_args()
    T_x, m, n_a, iterations = (30, 16, 8, 10) if args.quick else (100, 64, 32, 60)
    X, Y = ad.datasets.adding_problem(m=m, T_x=T_x, seed=0)
    print(f"adding problem: X {X.shape} = (n_x, m, T_x), target at step T_x = {T_x} only\n")

    print("1. vanishing (at initialization)")
    vanishing = {
        "RNN (xavier)": ad.RNNModel(N_X, n_a, N_Y, cell="rnn", seed=0).gradients(X, Y),
        "LSTM (bf = 0)": lstm_with_forget_bias(n_a, 0.0).gradients(X, Y),
        "LSTM (bf = 2)": lstm_with_forget_bias(n_a, 2.0).gradients(X, Y),
    }
    for label, grads in vanishing.items():
        describe(label, grads)

    print("\n2. exploding: RNN with Waa = 2 Q, Wax / 10")
    model = exploding_rnn(n_a)
    start = model.gradients(X, Y)
    describe("at initialization", start)
    show_clipping(start, model, 5.0)

    print(f"\n3. {iterations} steps of gradient descent (alpha = 0.01) from it")
    exploding = {"at initialization": start}
    histories = {}
    for label, clip, norm in (
        ("no clip", None, False),
        ("clip = 5", 5.0, False),
        ("clip = 5, by norm", 5.0, True),
    ):
        trained, history, step = train_exploding(n_a, X, Y, iterations, clip, norm)
        grads = trained.gradients(X, Y)
        print(f"  {label}: first step ||delta Waa|| = {step:.3g}; cost J "
              f"{history.costs[0]:.4f} -> {history.costs[-1]:.4f}")  # fmt: skip
        describe(f"after training, {label}", grads)
        exploding[label] = grads
        histories[label] = history

    viz.plot_gradient_over_time(
        {
            f"vanishing: at initialization (T_x = {T_x})": vanishing,
            f"exploding: RNN with Waa = 2 Q, then {iterations} steps of gd": exploding,
        },
        histories=histories,
        histories_title="training: cost J with and without clipping",
        path=args.out,
        title=f"||da<t>|| over t: the gradient of J reaching a<t> (adding problem, m = {m})",
    )
    print(f"\nwrote {args.out}")
    if args.diagrams:
        draw_diagrams(Path(args.diagrams))


if __name__ == "__main__":
    main()
