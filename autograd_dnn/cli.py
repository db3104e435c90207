"""The ``autograd-dnn`` command (also ``python -m autograd_dnn``).

Exit codes: 0 success, 1 a failed gradient check, 2 bad arguments or input (a one-line
message naming the flag or file; ``--debug`` shows the traceback).
"""

from __future__ import annotations

import argparse
import csv
import json
import os
import sys
import time
from collections.abc import Sequence
from typing import Any

import numpy as np

from autograd_dnn import datasets

DATASETS = ("flower", "moons", "circles", "spiral", "parity", "xor")
DATA_HELP = (
    "a generated dataset (flower, moons, circles, spiral, parity, xor) or a file: FILE.npz "
    "with arrays X (n_x, m) and Y (n_y, m), samples as COLUMNS; or FILE.csv with one sample "
    "per ROW (as people store them) and the label in the last column (0/1, or class "
    "numbers 0..k-1 for k > 2 classes); it is transposed on load. A header row is skipped."
)


class UsageError(Exception):
    """Bad arguments or input: exit code 2 with a one-line message."""


# ----------------------------------------------------------------------------- data
def load_data(spec: str, seed: int = 0, m: int | None = None) -> tuple[np.ndarray, np.ndarray]:
    """X (n_x, m), Y (n_y, m) from a dataset name or a .npz/.csv file."""
    if spec in DATASETS:
        kwargs: dict[str, Any] = {} if spec == "parity" else {"seed": seed}
        if m is not None and spec != "parity":
            kwargs["m"] = m
        return datasets.load(spec, **kwargs)
    if not os.path.exists(spec):
        raise UsageError(f"--dataset: no such dataset or file: {spec} (known: {', '.join(DATASETS)})")
    if spec.endswith(".npz"):
        return _load_npz(spec)
    if spec.endswith(".csv"):
        return _load_csv(spec)
    raise UsageError(f"--dataset: {spec} is neither .npz nor .csv")


def _load_npz(path: str) -> tuple[np.ndarray, np.ndarray]:
    try:
        with np.load(path, allow_pickle=False) as data:
            missing = [k for k in ("X", "Y") if k not in data.files]
            if missing:
                raise UsageError(f"{path}: missing array(s) {missing}; expected X (n_x, m), Y (n_y, m)")
            X, Y = data["X"], data["Y"]
    except (OSError, ValueError) as e:
        raise UsageError(f"{path}: not a readable .npz file ({e})") from None
    if X.ndim != 2 or Y.ndim != 2 or X.shape[1] != Y.shape[1]:
        raise UsageError(
            f"{path}: X {X.shape} and Y {Y.shape} must be 2-D with the same number of columns m "
            "(samples as columns)"
        )
    return X.astype(np.float64), Y.astype(np.float64)


def _load_csv(path: str) -> tuple[np.ndarray, np.ndarray]:
    rows: list[list[float]] = []
    with open(path, newline="") as f:
        for lineno, row in enumerate(csv.reader(f), start=1):
            if not row or all(not c.strip() for c in row):
                continue
            try:
                values = [float(c) for c in row]
            except ValueError:
                if lineno == 1 and not rows:
                    continue  # a header
                raise UsageError(f"{path}:{lineno}: not a number in {row}") from None
            if rows and len(values) != len(rows[0]):
                raise UsageError(
                    f"{path}:{lineno}: ragged row: {len(values)} columns, the first row has "
                    f"{len(rows[0])}"
                )
            rows.append(values)
    if not rows:
        raise UsageError(f"{path}: no data rows")
    if len(rows[0]) < 2:
        raise UsageError(f"{path}: need at least one feature column and a label column")
    data = np.array(rows)
    X = data[:, :-1].T.copy()
    labels = data[:, -1]
    if not np.all(labels == np.round(labels)) or labels.min() < 0:
        raise UsageError(f"{path}: labels (last column) must be class numbers 0, 1, ...")
    k = int(labels.max()) + 1
    if k <= 2:
        return X, labels.reshape(1, -1)
    return X, np.eye(k)[labels.astype(int)].T


def _parse_layers(text: str) -> list[int]:
    try:
        dims = [int(x) for x in text.split(",") if x.strip()]
    except ValueError:
        raise UsageError(f"--layers: expected comma-separated unit counts like 2,4,1, got {text!r}") from None
    if len(dims) < 2 or min(dims) < 1:
        raise UsageError(f"--layers: need n[0],...,n[L] with at least two positive numbers, got {text!r}")
    return dims


def _network(args: argparse.Namespace, X: np.ndarray, Y: np.ndarray):
    from autograd_dnn.nn import DeepNetwork

    dims = _parse_layers(args.layers)
    if dims[0] != X.shape[0]:
        raise UsageError(
            f"--layers starts with n[0] = {dims[0]}, but the dataset has {X.shape[0]} features"
        )
    if dims[-1] != Y.shape[0]:
        raise UsageError(
            f"--layers ends with n[L] = {dims[-1]}, but the labels have {Y.shape[0]} row(s) "
            f"(use {','.join(map(str, dims[:-1] + [Y.shape[0]]))})"
        )
    output = args.output or ("sigmoid" if Y.shape[0] == 1 else "softmax")
    try:
        return DeepNetwork(dims, hidden_activation=args.hidden, output_activation=output,
                           init=args.init, seed=args.seed)
    except ValueError as e:
        raise UsageError(str(e)) from None


# ----------------------------------------------------------------------------- commands
def cmd_train(args: argparse.Namespace) -> int:
    from autograd_dnn.datasets import train_dev_split

    X, Y = load_data(args.dataset, args.seed)
    net = _network(args, X, Y)
    if args.dev_fraction > 0:
        X_tr, Y_tr, X_dev, Y_dev = train_dev_split(X, Y, args.dev_fraction, seed=args.seed)
    else:
        X_tr, Y_tr, X_dev, Y_dev = X, Y, None, None
    if not args.quiet and not args.json:
        print(net)
    try:
        history = net.fit(
            X_tr, Y_tr, learning_rate=args.lr, iterations=args.iterations,
            optimizer=args.optimizer, batch_size=args.batch_size, l2=args.l2, seed=args.seed,
            X_dev=X_dev, Y_dev=Y_dev, print_every=args.print_every,
            progress=not (args.quiet or args.json), print_cost=not (args.quiet or args.json),
        )
    except ValueError as e:
        raise UsageError(str(e)) from None
    result: dict[str, Any] = {
        "layer_dims": net.layer_dims,
        "activations": net.activations,
        "final_cost": history.costs[-1],
        "seconds": round(history.seconds, 3),
    }
    classify = net.output_activation in ("sigmoid", "softmax")
    if classify:
        result["train_accuracy"] = net.accuracy(X_tr, Y_tr)
    if X_dev is not None:
        result["dev_cost"] = history.dev_costs[-1]
        if classify:
            result["dev_accuracy"] = net.accuracy(X_dev, Y_dev)
    if args.save:
        result["model"] = net.save(args.save)
    if args.plot:
        import viz

        viz.plot_costs(history, path=args.plot)
        result["plot"] = args.plot
    if args.json:
        print(json.dumps(result, indent=2))
    elif not args.quiet:
        lines = [f"final cost {result['final_cost']:.6f} after {args.iterations} {history.unit}s "
                 f"({result['seconds']} s)"]
        if "train_accuracy" in result:
            lines.append(f"train accuracy {result['train_accuracy']:.2%}")
        if "dev_accuracy" in result:
            lines.append(f"dev accuracy {result['dev_accuracy']:.2%}")
        for key in ("model", "plot"):
            if key in result:
                lines.append(f"wrote {result[key]}")
        print("\n".join(lines))
    return 0


def _load_model(path: str):
    from autograd_dnn.nn import DeepNetwork

    try:
        return DeepNetwork.load(path)
    except (ValueError, FileNotFoundError) as e:
        raise UsageError(f"--model: {e}") from None


def cmd_gradcheck(args: argparse.Namespace) -> int:
    from autograd_dnn.gradcheck import gradcheck

    if args.model:
        net = _load_model(args.model)
        X, Y = load_data(args.dataset, args.seed, m=args.m) if args.dataset else _random_batch(net, args)
    else:
        if not args.layers:
            raise UsageError("gradcheck needs --layers or --model")
        X, Y = load_data(args.dataset or "flower", args.seed, m=args.m)
        net = _network(args, X, Y)
    X, Y = X[:, : args.m], Y[:, : args.m]
    try:
        report = gradcheck(net, X, Y, mode=args.mode)
    except ValueError as e:
        raise UsageError(str(e)) from None
    print(json.dumps(report.to_dict(), indent=2) if args.json else report)
    return 0 if report.passed else 1


def _random_batch(net, args) -> tuple[np.ndarray, np.ndarray]:
    rng = np.random.default_rng(args.seed)
    X = rng.standard_normal((net.layer_dims[0], args.m))
    nL = net.layer_dims[-1]
    if net.output_activation == "softmax":
        Y = np.eye(nL)[rng.integers(0, nL, args.m)].T
    elif net.output_activation == "sigmoid":
        Y = (rng.random((nL, args.m)) > 0.5).astype(float)
    else:
        Y = rng.standard_normal((nL, args.m))
    return X, Y


def cmd_render(args: argparse.Namespace) -> int:
    import viz

    if args.model:
        net = _load_model(args.model)
    elif args.layers:
        from autograd_dnn.nn import DeepNetwork

        dims = _parse_layers(args.layers)
        net = DeepNetwork(dims, hidden_activation=args.hidden,
                          output_activation=args.output or ("sigmoid" if dims[-1] == 1 else "softmax"),
                          seed=args.seed)
    else:
        raise UsageError("render needs --layers or --model")
    if args.view == "compute":
        X, Y = _random_batch(net, argparse.Namespace(seed=args.seed, m=8))
        J = net.cost(X, Y)
        J.backward()
        g = viz.computation_graph(J, show_grads=True, heat=True)
    else:
        g = viz.layer_graph(net, view=args.view)
    out = args.output_path or f"{args.view}.{args.format}"
    base, ext = os.path.splitext(out)
    fmt = ext[1:] if ext[1:] in ("svg", "png", "pdf") else args.format
    path = g.render(base if ext[1:] == fmt else out, format=fmt)
    print(f"wrote {path}")
    return 0


def cmd_demo(args: argparse.Namespace) -> int:
    """The main job on embedded defaults: train on the flower dataset, draw, check, save."""
    import viz
    from autograd_dnn.datasets import flower, train_dev_split
    from autograd_dnn.gradcheck import gradcheck
    from autograd_dnn.nn import DeepNetwork

    out = args.out
    os.makedirs(out, exist_ok=True)
    start = time.perf_counter()
    X, Y = flower(600, seed=args.seed)
    X_tr, Y_tr, X_dev, Y_dev = train_dev_split(X, Y, 0.2, seed=args.seed)
    net = DeepNetwork([2, 8, 4, 1], hidden_activation="tanh", init="xavier", seed=args.seed)
    print(f"autograd-dnn demo: {net} on the flower dataset "
          f"({X_tr.shape[1]} train / {X_dev.shape[1]} dev samples)")
    history = net.fit(X_tr, Y_tr, learning_rate=0.01, iterations=1200, optimizer="adam", l2=0.1,
                      X_dev=X_dev, Y_dev=Y_dev, print_every=50, progress=not args.quiet,
                      seed=args.seed)
    history.label = f"flower {net.layer_dims} adam alpha=0.01 lambda=0.1"
    written = {}
    viz.plot_costs(history, path=os.path.join(out, "cost.png"))
    written["cost curve"] = os.path.join(out, "cost.png")
    for view in ("layers", "neurons", "blocks"):
        written[f"{view} view"] = viz.layer_graph(net, view=view).render(
            os.path.join(out, view), format="svg")
    report = gradcheck(net, X_tr[:, :32], Y_tr[:, :32], mode="auto")
    J = net.cost(X_tr[:, :8], Y_tr[:, :8])
    J.backward()
    written["computation graph"] = viz.computation_graph(
        J, show_grads=True, heat=True, report=report).render(os.path.join(out, "compute"), format="svg")
    with open(os.path.join(out, "summary.txt"), "w") as f:
        f.write(net.summary(X_tr.shape[1]) + "\n")
    written["summary"] = os.path.join(out, "summary.txt")
    with open(os.path.join(out, "gradcheck.txt"), "w") as f:
        f.write(str(report) + "\n")
    written["gradient check"] = os.path.join(out, "gradcheck.txt")
    written["model"] = net.save(os.path.join(out, "model.npz"))
    print(net.summary(X_tr.shape[1]))
    print(f"\ntrain accuracy {net.accuracy(X_tr, Y_tr):.2%}   dev accuracy {net.accuracy(X_dev, Y_dev):.2%}"
          f"   final cost {history.costs[-1]:.4f} (dev {history.dev_costs[-1]:.4f})")
    print(f"gradient check ({report.forward_passes} forward passes): {report.summary()}")
    print("\nwrote:")
    for what, path in written.items():
        print(f"  {what:<18} {path}")
    print(f"done in {time.perf_counter() - start:.1f} s")
    return 0 if report.passed else 1


# ----------------------------------------------------------------------------- parser
def build_parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(
        prog="autograd-dnn",
        description="Deep L-layer networks whose gradients are proven, not trusted.",
        epilog="Exit codes: 0 success, 1 a failed gradient check, 2 bad arguments or input.",
    )
    p.add_argument("--debug", action="store_true", help="show tracebacks")
    sub = p.add_subparsers(dest="command", required=True)

    d = sub.add_parser("demo", help="train on embedded data; write pictures, summary, check")
    d.add_argument("--out", default="out/", help="output folder (default out/)")
    d.add_argument("--seed", type=int, default=0)
    d.add_argument("--quiet", action="store_true", help="no progress bar")

    def net_args(q: argparse.ArgumentParser, layers_required: bool = False) -> None:
        q.add_argument("--layers", required=layers_required,
                       help="layer_dims n[0],...,n[L], e.g. 2,4,1")
        q.add_argument("--hidden", default="relu", help="hidden activation (default relu)")
        q.add_argument("--output", default=None,
                       help="output activation (default sigmoid for one label row, else softmax)")
        q.add_argument("--init", default="he", help="he | xavier | course | zeros")
        q.add_argument("--seed", type=int, default=0)

    t = sub.add_parser("train", help="train a network", description=f"Train. --dataset: {DATA_HELP}")
    net_args(t, layers_required=True)
    t.add_argument("--dataset", default="flower", help=DATA_HELP)
    t.add_argument("--optimizer", default="gd", help="gd | momentum | adam")
    t.add_argument("--lr", type=float, default=0.0075, help="learning rate alpha")
    t.add_argument("--iterations", type=int, default=2500,
                   help="steps (full batch) or epochs (with --batch-size)")
    t.add_argument("--batch-size", type=int, default=None)
    t.add_argument("--l2", type=float, default=0.0, help="L2 regularization lambda")
    t.add_argument("--dev-fraction", type=float, default=0.2)
    t.add_argument("--print-every", type=int, default=100)
    t.add_argument("--save", help="write the trained model (.npz)")
    t.add_argument("--plot", help="write the cost curve (.png)")
    t.add_argument("--quiet", action="store_true")
    t.add_argument("--json", action="store_true", help="print a JSON result")

    g = sub.add_parser("gradcheck", help="check a network's gradients by finite differences")
    net_args(g)
    g.add_argument("--model", help="a model file written by train --save")
    g.add_argument("--dataset", default=None, help=DATA_HELP)
    g.add_argument("--m", type=int, default=32, help="samples to check on (default 32)")
    g.add_argument("--mode", default="auto", choices=["auto", "full", "sampled", "directional"])
    g.add_argument("--json", action="store_true")

    r = sub.add_parser("render", help="draw a network")
    net_args(r)
    r.add_argument("--model", help="a model file written by train --save")
    r.add_argument("--view", default="neurons", choices=["neurons", "layers", "blocks", "compute"])
    r.add_argument("-o", dest="output_path", help="output file (default VIEW.FORMAT)")
    r.add_argument("--format", default="svg", choices=["svg", "png", "pdf"])
    return p


COMMANDS = {"demo": cmd_demo, "train": cmd_train, "gradcheck": cmd_gradcheck, "render": cmd_render}


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    try:
        return COMMANDS[args.command](args)
    except UsageError as e:
        if args.debug:
            raise
        print(f"autograd-dnn {args.command}: error: {e}", file=sys.stderr)
        return 2
    except (ValueError, TypeError, FileNotFoundError) as e:
        if args.debug:
            raise
        print(f"autograd-dnn {args.command}: error: {e}", file=sys.stderr)
        return 2


if __name__ == "__main__":
    sys.exit(main())
