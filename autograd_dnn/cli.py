"""The ``autograd-dnn`` command (also ``python -m autograd_dnn``).

Exit codes: 0 success, 1 a failed gradient check, 2 bad arguments or input (a one-line
message naming the flag or file; ``--debug`` shows the traceback too), 3 an internal error
(a bug: please report it with the ``--debug`` traceback).

The command is the one place of ``autograd_dnn`` that draws: it imports ``viz`` lazily.
"""

from __future__ import annotations

import argparse
import csv
import json
import os
import sys
import time
import traceback
import zipfile
from collections.abc import Sequence
from typing import Any

import numpy as np

from autograd_dnn import datasets

DATASETS = ("flower", "moons", "circles", "spiral", "parity", "xor")
DATA_HELP = (
    "a generated dataset (flower, moons, circles, spiral, parity, xor; parity takes its "
    "number of bits from n[0] of --layers) or a file: FILE.npz with arrays X (n_x, m) and Y "
    "(n_y, m), samples as COLUMNS; or FILE.csv with one sample per ROW (as people store "
    "them) and the label in the last column (0/1, or class numbers 0..k-1 for k > 2 "
    "classes); it is transposed on load. A header row is skipped."
)
FIGURE_FORMATS = (".png", ".svg", ".pdf")


class UsageError(Exception):
    """Bad arguments or input: exit code 2 with a one-line message."""


# ----------------------------------------------------------------------------- data
def load_data(
    spec: str, seed: int = 0, m: int | None = None, n_bits: int | None = None
) -> tuple[np.ndarray, np.ndarray]:
    """X (n_x, m), Y (n_y, m) from a dataset name or a .npz/.csv file."""
    if spec in DATASETS:
        if spec == "parity":
            if n_bits is None:
                raise UsageError("--dataset parity needs --layers: its n[0] is the number of bits")
            if not 1 <= n_bits <= 20:
                raise UsageError(f"--layers: parity takes 1 to 20 bits as n[0], got {n_bits}")
            return datasets.parity(n_bits)
        kwargs: dict[str, Any] = {"seed": seed}
        if m is not None:
            kwargs["m"] = m
        return datasets.load(spec, **kwargs)
    if os.path.isdir(spec):
        raise UsageError(f"--dataset: {spec} is a folder, not a data file")
    if not os.path.exists(spec):
        raise UsageError(
            f"--dataset: no such dataset or file: {spec} (known: {', '.join(DATASETS)})"
        )
    if spec.endswith(".npz"):
        return _load_npz(spec)
    if spec.endswith(".csv"):
        return _load_csv(spec)
    raise UsageError(f"--dataset: {spec} is neither .npz nor .csv")


def _load_npz(path: str) -> tuple[np.ndarray, np.ndarray]:
    if not zipfile.is_zipfile(path):
        raise UsageError(
            f"--dataset: {path} is not a .npz file (a zip archive written by np.savez)"
        )
    try:
        with np.load(path, allow_pickle=False) as data:
            missing = [k for k in ("X", "Y") if k not in data.files]
            if missing:
                raise UsageError(
                    f"--dataset: {path} lacks array(s) {missing}; expected X (n_x, m), Y (n_y, m)"
                )
            X, Y = data["X"], data["Y"]
    except (OSError, ValueError) as e:
        raise UsageError(f"--dataset: {path} could not be read ({e})") from None
    if X.ndim != 2 or Y.ndim != 2 or X.shape[1] != Y.shape[1]:
        raise UsageError(
            f"--dataset: {path}: X {X.shape} and Y {Y.shape} must be 2-D with the same number "
            "of columns m (samples as columns)"
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
                raise UsageError(f"--dataset: {path}:{lineno}: not a number in {row}") from None
            if rows and len(values) != len(rows[0]):
                raise UsageError(
                    f"--dataset: {path}:{lineno}: ragged row: {len(values)} columns, the first "
                    f"row has {len(rows[0])}"
                )
            rows.append(values)
    if not rows:
        raise UsageError(f"--dataset: {path}: no data rows")
    if len(rows[0]) < 2:
        raise UsageError(f"--dataset: {path}: need feature columns and a label column")
    data = np.array(rows)
    X = data[:, :-1].T.copy()
    labels = data[:, -1]
    if not np.all(labels == np.round(labels)) or labels.min() < 0:
        raise UsageError(f"--dataset: {path}: labels (last column) must be class numbers 0, 1, ...")
    k = int(labels.max()) + 1
    if k <= 2:
        return X, labels.reshape(1, -1)
    return X, np.eye(k)[labels.astype(int)].T


def _parse_layers(text: str) -> list[int]:
    try:
        dims = [int(x) for x in text.split(",") if x.strip()]
    except ValueError:
        raise UsageError(
            f"--layers: expected comma-separated unit counts like 2,4,1, got {text!r}"
        ) from None
    if len(dims) < 2 or min(dims) < 1:
        raise UsageError(
            f"--layers: need n[0],...,n[L] with at least two positive numbers, got {text!r}"
        )
    return dims


def _output_activation(args: argparse.Namespace, n_out: int) -> str:
    out = args.output or ("sigmoid" if n_out == 1 else "softmax")
    if os.path.splitext(out)[1]:
        raise UsageError(f"--output is the output activation (got {out!r}); the file is -o FILE")
    return out


def _network(args: argparse.Namespace, dims: list[int], X: np.ndarray, Y: np.ndarray):

    if dims[0] != X.shape[0]:
        raise UsageError(
            f"--layers starts with n[0] = {dims[0]}, but the dataset has {X.shape[0]} features"
        )
    if dims[-1] != Y.shape[0]:
        raise UsageError(
            f"--layers ends with n[L] = {dims[-1]}, but the labels have {Y.shape[0]} row(s) "
            f"(use {','.join(map(str, dims[:-1] + [Y.shape[0]]))})"
        )
    return _build_network(args, dims)


def _build_network(args: argparse.Namespace, dims: list[int]):
    from autograd_dnn.nn import DeepNetwork

    try:
        return DeepNetwork(
            dims,
            hidden_activation=args.hidden,
            output_activation=_output_activation(args, dims[-1]),
            init=args.init,
            seed=args.seed,
        )
    except ValueError as e:
        raise UsageError(_flagged(str(e))) from None


def _flagged(message: str) -> str:
    """Name the flag a library message is about."""
    for word, flag in (
        ("hidden", "--hidden"),
        ("output layer", "--output"),
        ("init", "--init"),
        ("optimizer", "--optimizer"),
    ):
        if word in message:
            return f"{flag}: {message}"
    return message


def _check_output(flag: str, path: str | None, suffixes: Sequence[str]) -> None:
    """Refuse an output path that cannot be written, before any work is done."""
    if path is None:
        return
    ext = os.path.splitext(path)[1].lower()
    if ext not in suffixes:
        raise UsageError(f"{flag}: {path} must end in {' or '.join(suffixes)}")
    if os.path.isdir(path):
        raise UsageError(f"{flag}: {path} is a folder; give a file name")
    _check_folder(flag, os.path.dirname(path) or ".")


def _check_folder(flag: str, folder: str) -> None:
    probe = folder
    while probe and not os.path.exists(probe):
        probe = os.path.dirname(probe)
    probe = probe or "."
    if not os.path.isdir(probe):
        raise UsageError(f"{flag}: {probe} is a file, so {folder} cannot be a folder")
    if not os.access(probe, os.W_OK):
        raise UsageError(f"{flag}: cannot write in {probe}")


def _require(ok: bool, flag: str, message: str) -> None:
    if not ok:
        raise UsageError(f"{flag}: {message}")


# ----------------------------------------------------------------------------- commands
def cmd_train(args: argparse.Namespace) -> int:
    from autograd_dnn.datasets import train_dev_split
    from autograd_dnn.optim import OPTIMIZERS

    dims = _parse_layers(args.layers)
    _require(args.lr > 0, "--lr", f"the learning rate must be > 0, got {args.lr}")
    _require(args.iterations >= 1, "--iterations", f"must be >= 1, got {args.iterations}")
    _require(args.print_every >= 1, "--print-every", f"must be >= 1, got {args.print_every}")
    _require(args.l2 >= 0, "--l2", f"lambda must be >= 0, got {args.l2}")
    _require(
        0 <= args.dev_fraction < 1, "--dev-fraction", f"must be in [0, 1), got {args.dev_fraction}"
    )
    _require(
        args.optimizer in OPTIMIZERS,
        "--optimizer",
        f"unknown optimizer {args.optimizer!r}; known: {', '.join(OPTIMIZERS)}",
    )
    _check_output("--save", args.save, (".npz",))
    _check_output("--plot", args.plot, FIGURE_FORMATS)
    X, Y = load_data(args.dataset, args.seed, n_bits=dims[0])
    net = _network(args, dims, X, Y)
    if args.dev_fraction > 0:
        X_tr, Y_tr, X_dev, Y_dev = train_dev_split(X, Y, args.dev_fraction, seed=args.seed)
    else:
        X_tr, Y_tr, X_dev, Y_dev = X, Y, None, None
    m = X_tr.shape[1]
    if args.batch_size is not None:
        _require(
            1 <= args.batch_size <= m,
            "--batch-size",
            f"must be between 1 and m = {m} training samples, got {args.batch_size}",
        )
    quiet = args.quiet or args.json
    if not quiet:
        print(net)
    history = net.fit(
        X_tr,
        Y_tr,
        learning_rate=args.lr,
        iterations=args.iterations,
        optimizer=args.optimizer,
        batch_size=args.batch_size,
        l2=args.l2,
        seed=args.seed,
        X_dev=X_dev,
        Y_dev=Y_dev,
        print_every=args.print_every,
        progress=not quiet,
        print_cost=not quiet,
    )
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
        lines = [
            f"final cost {result['final_cost']:.6f} after {args.iterations} {history.unit}s "
            f"({result['seconds']} s)"
        ]
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

    if os.path.exists(path) and not os.path.isdir(path) and not zipfile.is_zipfile(path):
        raise UsageError(f"--model: {path} is not a model file (not a .npz zip archive)")
    try:
        return DeepNetwork.load(path)
    except (ValueError, FileNotFoundError, IsADirectoryError) as e:
        raise UsageError(f"--model: {e}") from None


def _one_source(args: argparse.Namespace) -> None:
    if args.model and args.layers:
        raise UsageError("give --layers or --model, not both")
    if not args.model and not args.layers:
        raise UsageError(f"{args.command} needs --layers or --model")


def cmd_gradcheck(args: argparse.Namespace) -> int:
    from autograd_dnn.gradcheck import gradcheck

    _one_source(args)
    _require(args.m >= 1, "--m", f"the number of samples must be >= 1, got {args.m}")
    if args.model:
        net = _load_model(args.model)
        if args.dataset:
            X, Y = load_data(args.dataset, args.seed, m=max(args.m, 8), n_bits=net.layer_dims[0])
            if X.shape[0] != net.layer_dims[0] or Y.shape[0] != net.layer_dims[-1]:
                raise UsageError(
                    f"--dataset gives X ({X.shape[0]}, m) and Y ({Y.shape[0]}, m), but --model "
                    f"expects n[0] = {net.layer_dims[0]} and n[L] = {net.layer_dims[-1]}"
                )
        else:
            X, Y = _random_batch(net, args.seed, args.m)
    else:
        dims = _parse_layers(args.layers)
        X, Y = load_data(args.dataset or "flower", args.seed, m=max(args.m, 8), n_bits=dims[0])
        net = _network(args, dims, X, Y)
    X, Y = X[:, : args.m], Y[:, : args.m]
    report = gradcheck(net, X, Y, mode=args.mode)
    print(json.dumps(report.to_dict(), indent=2) if args.json else report)
    return 0 if report.passed else 1


def _random_batch(net, seed: int, m: int) -> tuple[np.ndarray, np.ndarray]:
    """A standard-normal X (n[0], m) and labels that suit the network's output."""
    rng = np.random.default_rng(seed)
    X = rng.standard_normal((net.layer_dims[0], m))
    nL = net.layer_dims[-1]
    if net.output_activation == "softmax":
        Y = np.eye(nL)[rng.integers(0, nL, m)].T
    elif net.output_activation == "sigmoid":
        Y = (rng.random((nL, m)) > 0.5).astype(float)
    else:
        Y = rng.standard_normal((nL, m))
    return X, Y


def cmd_render(args: argparse.Namespace) -> int:
    _one_source(args)
    out = args.output_path or f"{args.view}.{args.format}"
    base, ext = os.path.splitext(out)
    if ext:
        _require(
            ext[1:] in ("svg", "png", "pdf"),
            "-o",
            f"{out} must end in .svg, .png or .pdf (or leave the extension out)",
        )
        _require(
            args.format_given is None or args.format_given == ext[1:],
            "-o",
            f"{out} disagrees with --format {args.format_given}",
        )
    fmt = ext[1:] if ext else args.format
    if os.path.isdir(out):
        raise UsageError(f"-o: {out} is a folder; give a file name")
    _check_folder("-o", os.path.dirname(out) or ".")
    import viz

    if args.model:
        net = _load_model(args.model)
    else:
        net = _build_network(args, _parse_layers(args.layers))
    if args.view == "compute":
        X, Y = _random_batch(net, args.seed, 8)
        J = net.cost(X, Y)
        J.backward()
        g = viz.computation_graph(J, show_grads=True, heat=True)
    else:
        g = viz.layer_graph(net, view=args.view)
    print(f"wrote {g.render(base, format=fmt)}")
    return 0


def cmd_demo(args: argparse.Namespace) -> int:
    """The main job on embedded defaults: train on the flower dataset, draw, check, save."""
    _check_folder("--out", args.out)
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
    print(
        f"autograd-dnn demo: {net} on the flower dataset "
        f"({X_tr.shape[1]} train / {X_dev.shape[1]} dev samples)"
    )
    history = net.fit(
        X_tr,
        Y_tr,
        learning_rate=0.01,
        iterations=400,
        optimizer="adam",
        l2=0.1,
        X_dev=X_dev,
        Y_dev=Y_dev,
        print_every=10,
        progress=not args.quiet,
        seed=args.seed,
    )
    history.label = f"flower {net.layer_dims} adam alpha=0.01 lambda=0.1"
    written = {}
    viz.plot_costs(history, path=os.path.join(out, "cost.png"))
    written["cost curve"] = os.path.join(out, "cost.png")
    for view in ("layers", "neurons", "blocks"):
        written[f"{view} view"] = viz.layer_graph(net, view=view).render(
            os.path.join(out, view), format="svg"
        )
    report = gradcheck(net, X_tr[:, :32], Y_tr[:, :32], mode="auto")
    J = net.cost(X_tr[:, :8], Y_tr[:, :8])
    J.backward()
    written["computation graph"] = viz.computation_graph(
        J, show_grads=True, heat=True, report=report
    ).render(os.path.join(out, "compute"), format="svg")
    with open(os.path.join(out, "summary.txt"), "w") as f:
        f.write(net.summary(X_tr.shape[1]) + "\n")
    written["summary"] = os.path.join(out, "summary.txt")
    with open(os.path.join(out, "gradcheck.txt"), "w") as f:
        f.write(str(report) + "\n")
    written["gradient check"] = os.path.join(out, "gradcheck.txt")
    written["model"] = net.save(os.path.join(out, "model.npz"))
    print(net.summary(X_tr.shape[1]))
    print(
        f"\ntrain accuracy {net.accuracy(X_tr, Y_tr):.2%}   "
        f"dev accuracy {net.accuracy(X_dev, Y_dev):.2%}   "
        f"final cost {history.costs[-1]:.4f} (dev {history.dev_costs[-1]:.4f})"
    )
    print(f"gradient check ({report.forward_passes} forward passes): {report.summary()}")
    print("\nwrote:")
    for what, path in written.items():
        print(f"  {what:<18} {path}")
    print(f"done in {time.perf_counter() - start:.1f} s")
    return 0 if report.passed else 1


def _grid_values(texts: list[str] | None, kind: type, flag: str) -> list | None:
    """Values of a repeatable, comma-separated flag: --lr 0.3 --lr 0.03 or --lr 0.3,0.03."""
    if not texts:
        return None
    try:
        return [kind(v) for text in texts for v in text.split(",") if v.strip()]
    except ValueError:
        raise UsageError(f"{flag}: expected values like 0.1,0.01, got {texts!r}") from None


def cmd_sweep(args: argparse.Namespace) -> int:
    """Train one network per combination; pick on the dev set; write table, curves, model."""
    from autograd_dnn.datasets import train_dev_split
    from autograd_dnn.sweep import sweep

    all_dims = [_parse_layers(t) for t in args.layers]
    X, Y = load_data(args.dataset, args.seed, n_bits=all_dims[0][0])
    for dims in all_dims:
        if dims[0] != X.shape[0] or dims[-1] != Y.shape[0]:
            raise UsageError(
                f"--layers {','.join(map(str, dims))}: the dataset needs n[0] = {X.shape[0]} "
                f"and n[L] = {Y.shape[0]}"
            )
    grid: dict[str, list] = {"layer_dims": all_dims}
    for key, flag, kind in (
        ("learning_rate", "lr", float),
        ("l2", "l2", float),
        ("optimizer", "optimizer", str),
        ("hidden_activation", "hidden", str),
        ("batch_size", "batch_size", int),
    ):
        values = _grid_values(getattr(args, flag), kind, "--" + flag.replace("_", "-"))
        if values is not None:
            grid[key] = values
    _require(
        0 <= args.dev_fraction < 1, "--dev-fraction", f"must be in [0, 1), got {args.dev_fraction}"
    )
    _require(args.iterations >= 1, "--iterations", f"must be >= 1, got {args.iterations}")
    if args.out:
        _check_folder("--out", args.out)
    if args.dev_fraction > 0:
        X_tr, Y_tr, X_dev, Y_dev = train_dev_split(X, Y, args.dev_fraction, seed=args.seed)
    else:
        X_tr, Y_tr, X_dev, Y_dev = X, Y, None, None
    try:
        result = sweep(
            X_tr,
            Y_tr,
            grid,
            X_dev=X_dev,
            Y_dev=Y_dev,
            iterations=args.iterations,
            seed=args.seed,
            executor=args.executor,
            scheduler=args.scheduler,
            n_workers=args.workers,
            out=args.out,
            resume=args.resume,
            progress=not (args.quiet or args.json),
            init=args.init,
            print_every=args.print_every,
        )
    except ImportError as e:
        raise UsageError(f"--executor {args.executor}: {e}") from None
    written = {}
    if args.out:
        written["table"] = os.path.join(args.out, "table.csv")
        written["results"] = os.path.join(args.out, "results.jsonl")
        if result.best is not None:
            written["best model"] = result.best_network().save(os.path.join(args.out, "best.npz"))
        if result.histories:
            import viz

            written["cost curves"] = os.path.join(args.out, "costs.png")
            viz.plot_costs(result.histories, path=written["cost curves"])
    if args.json:
        print(json.dumps({"table": result.table, "best": result.best, "wrote": written}, indent=2))
    elif not args.quiet:
        print(result.format())
        if result.best is not None:
            print(f"\nbest (lowest dev cost): {result.best['label']}")
        for what, path in written.items():
            print(f"wrote {what}: {path}")
    return 0 if result.best is not None else 1


# ----------------------------------------------------------------------------- parser
def build_parser() -> argparse.ArgumentParser:
    common = argparse.ArgumentParser(add_help=False)
    common.add_argument(
        "--debug",
        action="store_true",
        default=argparse.SUPPRESS,
        help="show the traceback of an error",
    )
    p = argparse.ArgumentParser(
        prog="autograd-dnn",
        description="Deep L-layer networks whose gradients are proven, not trusted.",
        epilog="Exit codes: 0 success, 1 a failed gradient check, 2 bad arguments or input, "
        "3 an internal error.",
        parents=[common],
    )
    sub = p.add_subparsers(dest="command", required=True)

    d = sub.add_parser(
        "demo", parents=[common], help="train on embedded data; write pictures, summary, check"
    )
    d.add_argument("--out", default="out/", help="output folder (default out/)")
    d.add_argument("--seed", type=int, default=0)
    d.add_argument("--quiet", action="store_true", help="no progress bar")

    def net_args(q: argparse.ArgumentParser, layers_required: bool = False) -> None:
        q.add_argument(
            "--layers", required=layers_required, help="layer_dims n[0],...,n[L], e.g. 2,4,1"
        )
        q.add_argument("--hidden", default="relu", help="hidden activation (default relu)")
        q.add_argument(
            "--output",
            default=None,
            help="output ACTIVATION (default sigmoid for one label row, else softmax)",
        )
        q.add_argument("--init", default="he", help="he | xavier | course | zeros")
        q.add_argument("--seed", type=int, default=0)

    t = sub.add_parser(
        "train",
        parents=[common],
        help="train a network",
        description=f"Train a network. --dataset: {DATA_HELP}",
    )
    net_args(t, layers_required=True)
    t.add_argument("--dataset", default="flower", help=DATA_HELP)
    t.add_argument("--optimizer", default="gd", help="gd | momentum | adam")
    t.add_argument("--lr", type=float, default=0.0075, help="learning rate alpha")
    t.add_argument(
        "--iterations",
        type=int,
        default=2500,
        help="steps (full batch) or epochs (with --batch-size)",
    )
    t.add_argument("--batch-size", type=int, default=None)
    t.add_argument("--l2", type=float, default=0.0, help="L2 regularization lambda")
    t.add_argument("--dev-fraction", type=float, default=0.2, help="in [0, 1); 0: no dev set")
    t.add_argument("--print-every", type=int, default=100)
    t.add_argument("--save", help="write the trained model (.npz)")
    t.add_argument("--plot", help="write the cost curve (.png, .svg or .pdf)")
    t.add_argument("--quiet", action="store_true")
    t.add_argument("--json", action="store_true", help="print a JSON result")

    g = sub.add_parser(
        "gradcheck",
        parents=[common],
        help="check a network's gradients by finite differences",
        description=f"Check gradients. --dataset: {DATA_HELP}",
    )
    net_args(g)
    g.add_argument("--model", help="a model file written by train --save (instead of --layers)")
    g.add_argument("--dataset", default=None, help="default: flower, or random data for --model")
    g.add_argument("--m", type=int, default=32, help="samples to check on (default 32)")
    g.add_argument("--mode", default="auto", choices=["auto", "full", "sampled", "directional"])
    g.add_argument("--json", action="store_true")

    r = sub.add_parser("render", parents=[common], help="draw a network")
    net_args(r)
    r.add_argument("--model", help="a model file written by train --save (instead of --layers)")
    r.add_argument("--view", default="neurons", choices=["neurons", "layers", "blocks", "compute"])
    r.add_argument("-o", dest="output_path", help="output FILE (default VIEW.FORMAT)")
    r.add_argument(
        "--format",
        dest="format_given",
        default=None,
        choices=["svg", "png", "pdf"],
        help="svg (default), png or pdf",
    )

    w = sub.add_parser(
        "sweep",
        parents=[common],
        help="train one network per hyperparameter combination, pick on the dev set",
        description=f"Hyperparameter sweep. Repeat a flag or separate values by commas: "
        f"--lr 0.3 --lr 0.03 is --lr 0.3,0.03. --dataset: {DATA_HELP}",
    )
    w.add_argument(
        "--layers",
        action="append",
        required=True,
        help="layer_dims n[0],...,n[L]; repeat for several networks",
    )
    w.add_argument("--lr", action="append", help="learning rates (default 0.0075)")
    w.add_argument("--l2", action="append", help="L2 lambdas")
    w.add_argument("--optimizer", action="append", help="gd, momentum, adam")
    w.add_argument("--hidden", action="append", help="hidden activations")
    w.add_argument("--batch-size", action="append", help="mini-batch sizes")
    w.add_argument("--init", default="he", help="he | xavier | course | zeros")
    w.add_argument("--iterations", type=int, default=1000)
    w.add_argument("--print-every", type=int, default=100)
    w.add_argument("--dataset", default="flower", help=DATA_HELP)
    w.add_argument("--dev-fraction", type=float, default=0.2)
    w.add_argument("--seed", type=int, default=0)
    w.add_argument("--executor", default="processes", choices=["processes", "dask", "serial"])
    w.add_argument("--scheduler", default=None, help="a Dask scheduler address tcp://host:8786")
    w.add_argument("--workers", type=int, default=None, help="worker processes (default: cores)")
    w.add_argument(
        "--out", default=None, help="folder for results.jsonl, table.csv, best.npz and costs.png"
    )
    w.add_argument("--resume", action="store_true", help="skip configurations done in --out")
    w.add_argument("--quiet", action="store_true")
    w.add_argument("--json", action="store_true", help="print the table as JSON")
    return p


COMMANDS = {
    "demo": cmd_demo,
    "train": cmd_train,
    "gradcheck": cmd_gradcheck,
    "render": cmd_render,
    "sweep": cmd_sweep,
}


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    if args.command == "render":
        args.format = args.format_given or "svg"
    debug = getattr(args, "debug", False)
    try:
        return COMMANDS[args.command](args)
    except (UsageError, ValueError, TypeError, OSError) as e:
        if debug:
            traceback.print_exc()
        what = e.strerror + f": {e.filename}" if isinstance(e, OSError) and e.filename else e
        print(f"autograd-dnn {args.command}: error: {what}", file=sys.stderr)
        return 2
    except Exception as e:  # a bug, not the user's input
        if debug:
            traceback.print_exc()
        print(
            f"autograd-dnn {args.command}: internal error: {e!r} (a bug; rerun with --debug "
            "for the traceback)",
            file=sys.stderr,
        )
        return 3


if __name__ == "__main__":
    sys.exit(main())
