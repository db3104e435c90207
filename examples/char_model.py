"""A character-level language model of dinosaur-like names, as in the course (course 5, week 1).

The names come from ``ad.datasets.generate_names`` (a procedural list, no download); each is one
sequence of characters, ``x<1> = 0`` and ``x<t+1> = y<t>``, the last target ``"\\n"``. An LSTM
(or ``--cell rnn``) learns to predict the next character with the one ``fit``: Adam,
mini-batches of 32 names, and the course's gradient clipping (``clip=5``, every entry of every
gradient into [-5, 5]). Then it samples new names one character at a time, as the course's
``sample``: each draw seeded, so the same run prints the same names.

    python examples/char_model.py [--cell lstm] [--out docs/char_model_cost.png] [--quick]
"""

from __future__ import annotations

import argparse
import time

import autograd_dnn as ad
import viz
from autograd_dnn import sequences


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--cell", choices=("lstm", "rnn"), default="lstm")
    parser.add_argument("--out", default="out/char_model_cost.png", help="the cost curve")
    parser.add_argument("--quick", action="store_true", help="a small run, for the tests")
    args = parser.parse_args()
    n_train, n_dev, n_a, epochs = (200, 50, 16, 4) if args.quick else (3000, 300, 32, 20)

    names = ad.datasets.generate_names(n_train + n_dev, seed=0)
    train, dev = names[:n_train], names[n_train:]
    char_to_ix, ix_to_char = ad.datasets.char_vocabulary()
    X, Y = ad.datasets.names_dataset(train, char_to_ix)
    X_dev, Y_dev = ad.datasets.names_dataset(dev, char_to_ix)
    print(f"{len(train)} training names, {len(dev)} dev names, e.g. {', '.join(train[:4])}")
    print(f"X {X.shape} = (n_x, m, T_x), Y {Y.shape}; vocabulary: newline and a-z\n")

    model = ad.RNNModel(n_x=len(char_to_ix), n_a=n_a, n_y=len(char_to_ix), cell=args.cell, seed=0)
    print(model.summary(m=X.shape[1], T_x=X.shape[2]), "\n")

    start = time.perf_counter()
    history = model.fit(
        X,
        Y,
        optimizer="adam",
        learning_rate=0.005,
        iterations=epochs,
        batch_size=32,
        clip=5.0,
        X_dev=X_dev,
        Y_dev=Y_dev,
        print_every=max(1, epochs // 8),
        progress=False,
        track_gradients=False,
    )
    seconds = time.perf_counter() - start
    print("cost J per name (cross-entropy summed over the characters, averaged over m):")
    for it, J, Jd in zip(history.iterations, history.costs, history.dev_costs, strict=True):
        print(f"  epoch {it:3d}   train {J:7.3f}   dev {Jd:7.3f}")
    print(f"trained in {seconds:.1f} s ({epochs} epochs of Adam, batch_size=32, clip=5)\n")

    known = set(names)
    sampled = [
        sequences.decode(sequences.sample(model, char_to_ix, seed=s), ix_to_char) for s in range(10)
    ]
    print("sampled names (seeds 0-9):")
    for s, name in enumerate(sampled):
        print(f"  {s}: {name}{'' if name not in known else '   (in the training list)'}")
    new = sum(name not in known for name in sampled)
    print(f"{new} of {len(sampled)} sampled names are new (not among the {len(names)} names)")

    history.label = f"{args.cell.upper()}, n_a = {n_a}"
    viz.plot_costs(history, path=args.out, title=f"character model: cost J per name ({args.cell})")
    print(f"wrote {args.out}")


if __name__ == "__main__":
    main()
