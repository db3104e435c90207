"""The ``autograd-dnn`` command (also ``python -m autograd_dnn``).

Exit codes: 0 success, 1 a failed gradient check, 2 bad arguments, input or environment (a
one-line message naming the flag or file; ``--debug`` shows the traceback too), 3 an
internal error (a bug: please report it with the ``--debug`` traceback), 130 interrupted
(Ctrl-C: one line; ``train --save`` saves the model of the last finished optimizer step,
marked as interrupted in its metadata).

The command is the one place of ``autograd_dnn`` that draws: it imports ``viz`` lazily.
"""

from __future__ import annotations

import argparse
import contextlib
import csv
import io
import json
import math
import os
import signal
import sys
import threading
import time
import traceback
import zipfile
from collections.abc import Iterator, Sequence
from types import SimpleNamespace
from typing import Any

import numpy as np

from autograd_dnn import datasets

DATASETS = ("flower", "moons", "circles", "spiral", "parity", "xor")
DATA_HELP = (
    "a generated dataset (flower, moons, circles, spiral, parity, xor; parity takes its "
    "number of bits from n[0] of --layers) or a file: FILE.npz with arrays X (n_x, m) and Y "
    "(n_y, m), samples as COLUMNS; or FILE.csv with one sample per ROW (as people store "
    "them) and the label in the last column (0/1, or class numbers 0..k-1 for k > 2 "
    "classes, none missing); it is transposed on load. Cells are separated by commas, "
    "semicolons or tabs (detected); a first row without any number is a header."
)
FIGURE_FORMATS = (".png", ".svg", ".pdf")
PLOT_INSTALL = "pip install 'autograd-dnn[plot]' (or pip install matplotlib)"
EXIT_OK, EXIT_CHECK_FAILED, EXIT_USAGE, EXIT_BUG, EXIT_INTERRUPTED = 0, 1, 2, 3, 130
VIEWS = ("layers", "neurons", "blocks")
SAFE_MEMORY_FRACTION = 0.8  # refuse a network whose estimate passes this share of free memory


class UsageError(Exception):
    """Bad arguments, input or environment: exit code 2 with a one-line message."""


def note(command: str, message: str) -> None:
    """One line on stderr that is not an error: a picture or a file that was skipped."""
    print(f"autograd-dnn {command}: note: {message}", file=sys.stderr)


def _say(notes: list[str], quiet: bool) -> None:
    """What reading the data decided (a header row), on stdout before the results."""
    if not quiet:
        for line in notes:
            print(f"note: {line}")


# ----------------------------------------------------------------------------- data
def load_data(
    spec: str,
    seed: int = 0,
    m: int | None = None,
    n_bits: int | None = None,
    notes: list[str] | None = None,
) -> tuple[np.ndarray, np.ndarray]:
    """X (n_x, m), Y (n_y, m) from a dataset name or a .npz/.csv file.

    ``notes``: gets what the reading decided that a user should hear (a skipped header).
    """
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
    _check_readable_file(
        "--dataset", spec, f"no such dataset or file (known: {', '.join(DATASETS)})"
    )
    if spec.endswith(".npz"):
        return load_npz(spec)
    if spec.endswith(".csv"):
        return load_csv(spec, notes)
    raise UsageError(f"--dataset: {spec} is neither .npz nor .csv")


def _check_readable_file(flag: str, path: str, missing: str = "no such file") -> None:
    """A file that exists and can be opened; else the real cause, naming the flag."""
    if os.path.isdir(path):
        raise UsageError(f"{flag}: {path} is a folder, not a file")
    if not os.path.exists(path):
        raise UsageError(f"{flag}: {path}: {missing}")
    try:
        with open(path, "rb"):
            pass  # opening is the check: the real reason a file cannot be read
    except OSError as e:
        raise UsageError(f"{flag}: cannot read {path}: {e.strerror}") from None


def load_npz(path: str) -> tuple[np.ndarray, np.ndarray]:
    """X (n_x, m) and Y (n_y, m) from arrays ``X`` and ``Y`` of an .npz file, as float64."""
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
    for name, a in (("X", X), ("Y", Y)):
        if a.dtype.kind not in "fiub":
            raise UsageError(
                f"--dataset: {path}: {name} holds {a.dtype} values ({a.dtype.kind!r} kind), "
                "not numbers; save it as a float array"
            )
    if Y.ndim == 1 and X.ndim == 2 and Y.shape[0] == X.shape[1]:
        raise UsageError(
            f"--dataset: {path}: Y has shape {Y.shape}, but it must be 2-D (n_y, m): save it "
            f"as Y.reshape(1, -1), shape (1, {Y.shape[0]}), one column per sample"
        )
    if X.ndim != 2 or Y.ndim != 2 or X.shape[1] != Y.shape[1]:
        raise UsageError(
            f"--dataset: {path}: X {X.shape} and Y {Y.shape} must be 2-D with the same number "
            "of columns m (samples as columns)"
        )
    for name, a in (("X", X), ("Y", Y)):
        if not np.all(np.isfinite(a)):
            raise UsageError(f"--dataset: {path}: {name} contains NaN or inf")
    return X.astype(np.float64), Y.astype(np.float64)


def load_csv(path: str, notes: list[str] | None = None) -> tuple[np.ndarray, np.ndarray]:
    """X (n_x, m) and Y from a CSV file with one sample per row, the label last.

    The delimiter (comma, semicolon or tab) is detected from the first row. A first row in
    which no cell is a number is a header (said on stderr); a row with some numbers and
    some words is an error naming the line and the cell. Labels are class numbers 0..k-1
    with none missing: Y (1, m) for k <= 2, else one-hot Y (k, m). ``notes`` gets a line
    saying which row was read as a header.
    """
    try:
        with open(path, newline="", encoding="utf-8-sig") as f:
            text = f.read()
    except UnicodeDecodeError as e:
        raise UsageError(f"--dataset: {path} is not a UTF-8 text file ({e.reason})") from None
    delimiter = _csv_delimiter(text)
    rows = [
        (lineno, row)
        for lineno, row in enumerate(csv.reader(io.StringIO(text), delimiter=delimiter), start=1)
        if row and any(c.strip() for c in row)
    ]
    if rows and _is_header(rows[0][1]):
        header = ", ".join(c.strip() for c in rows[0][1])
        if notes is not None:
            notes.append(f"{path}: line {rows[0][0]} ({header}) has no number: read as a header")
        rows = rows[1:]
    if not rows:
        raise UsageError(f"--dataset: {path}: no data rows")
    _check_ragged(path, rows)
    data = np.array([_csv_numbers(path, lineno, row, delimiter) for lineno, row in rows])
    if data.shape[1] < 2:
        raise UsageError(
            f"--dataset: {path}: one column per row; need feature columns and a label column "
            "(separated by commas, semicolons or tabs)"
        )
    return data[:, :-1].T.copy(), labels_to_Y(path, data[:, -1])


def _csv_delimiter(text: str) -> str:
    """``;`` or tab if the first non-empty line has one, else ``,``.

    A semicolon wins over commas: a file separated by semicolons usually writes its
    decimals with commas (1,5;2,25;0), and a comma-separated file has no semicolons.
    """
    first = next((line for line in text.splitlines() if line.strip()), "")
    return next((d for d in (";", "\t") if d in first), ",")


def _parses(cell: str) -> bool:
    try:
        float(cell)
    except ValueError:
        return False
    return True


def _is_header(row: list[str]) -> bool:
    return not any(_parses(c) for c in row)


def _csv_numbers(path: str, lineno: int, row: list[str], delimiter: str) -> list[float]:
    values = []
    for j, cell in enumerate(row, start=1):
        try:
            values.append(float(cell))
        except ValueError:
            hint = (
                " (a decimal comma? write 1.5, not 1,5)" if delimiter != "," and "," in cell else ""
            )
            raise UsageError(
                f"--dataset: {path}:{lineno}: column {j} is {cell.strip()!r}, not a number{hint}"
            ) from None
    return values


def _check_ragged(path: str, rows: list[tuple[int, list[str]]]) -> None:
    width = len(rows[0][1])
    for lineno, row in rows:
        if len(row) != width:
            raise UsageError(
                f"--dataset: {path}:{lineno}: ragged row: {len(row)} columns, the first "
                f"row has {width}"
            )


def labels_to_Y(path: str, labels: np.ndarray) -> np.ndarray:
    """Class numbers (m,) -> Y (1, m) of 0/1 for k <= 2 classes, else one-hot Y (k, m).

    Refuses anything but the whole numbers 0..k-1, each with at least one sample, naming
    what is wrong (a gap would silently make a class with no samples).
    """
    whole = np.isfinite(labels) & (labels == np.round(labels))
    if not np.all(whole) or labels.min() < 0:
        bad = labels[~whole | (labels < 0)][0]
        raise UsageError(
            f"--dataset: {path}: labels (last column) must be class numbers 0, 1, ..., k-1; "
            f"got {bad:g}"
        )
    classes = np.unique(labels)
    k = len(classes)
    if classes[-1] != k - 1:
        shown = ", ".join(f"{c:g}" for c in classes[:12]) + (", ..." if k > 12 else "")
        absent = [str(c) for c in range(min(int(min(classes[-1], 1e6)), 1000)) if c not in classes]
        missing = f" ({', '.join(absent[:12])} {'have' if len(absent) > 1 else 'has'} no sample)"
        raise UsageError(
            f"--dataset: {path}: the labels are {{{shown}}}, but class numbers must be "
            f"0..k-1 with none missing{missing if absent else ''}; renumber them "
            f"(e.g. np.unique(labels, return_inverse=True)[1])"
        )
    if k <= 2:
        return labels.reshape(1, -1)
    return np.eye(k)[labels.astype(int)].T


# ----------------------------------------------------------------------------- flags
def parse_layers(text: str, flag: str = "--layers") -> list[int]:
    """``"2,4,1"`` -> [2, 4, 1], the layer_dims n[0], ..., n[L]."""
    try:
        dims = [int(x) for x in text.split(",") if x.strip()]
    except ValueError:
        raise UsageError(
            f"{flag}: expected comma-separated unit counts like 2,4,1, got {text!r}"
        ) from None
    if len(dims) < 2 or min(dims) < 1:
        raise UsageError(
            f"{flag}: need n[0],...,n[L] with at least two positive numbers, got {text!r}"
        )
    return dims


def _seed(text: str) -> int:
    """argparse type of --seed: a whole number >= 0 (numpy's seeds are)."""
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a whole number >= 0, got {text!r}") from None
    if value < 0:
        raise argparse.ArgumentTypeError(f"the seed must be a whole number >= 0, got {value}")
    return value


def _require(ok: bool, flag: str, message: str) -> None:
    if not ok:
        raise UsageError(f"{flag}: {message}")


def _check_hyperparameters(
    lrs: Sequence[float],
    l2s: Sequence[float],
    optimizers: Sequence[str],
    iterations: int,
    print_every: int,
) -> None:
    """The flags train and sweep share, each value checked before any work."""
    from autograd_dnn.optim import OPTIMIZERS

    for lr in lrs:
        _require(
            math.isfinite(lr) and lr > 0,
            "--lr",
            f"the learning rate alpha must be a finite number > 0, got {lr}",
        )
    for l2 in l2s:
        _require(
            math.isfinite(l2) and l2 >= 0, "--l2", f"lambda must be a finite number >= 0, got {l2}"
        )
    for name in optimizers:
        _require(
            name in OPTIMIZERS,
            "--optimizer",
            f"unknown optimizer {name!r}; known: {', '.join(OPTIMIZERS)}",
        )
    _require(iterations >= 1, "--iterations", f"must be >= 1, got {iterations}")
    _require(print_every >= 1, "--print-every", f"must be >= 1, got {print_every}")


def parse_keep_prob(text: str | None, dims: Sequence[int]) -> float | list[float]:
    """``--keep-prob``: ``"0.8"`` -> 0.8 for every hidden layer, ``"0.8,0.6"`` -> [0.8, 0.6],
    one per hidden layer 1..L-1 of ``dims`` (layer_dims); None (not given) -> 1.0, no
    dropout. Each value in (0, 1], the probability of keeping a unit."""
    if text is None:
        return 1.0
    layers = ",".join(map(str, dims))
    try:
        values = [float(x) for x in text.split(",")]
    except ValueError:
        raise UsageError(
            f"--keep-prob: expected a number in (0, 1], or one per hidden layer like 0.8,0.6; "
            f"got {text!r}"
        ) from None
    hidden = len(dims) - 2
    _require(
        hidden >= 1,
        "--keep-prob",
        f"--layers {layers} has no hidden layer; dropout acts on the hidden layers 1..L-1 only",
    )
    for v in values:
        _require(
            math.isfinite(v) and 0 < v <= 1,
            "--keep-prob",
            f"{v:g} is not in (0, 1]: keep_prob is the probability of KEEPING a unit "
            "(1 turns dropout off)",
        )
    if len(values) == 1:
        return values[0]
    _require(
        len(values) == hidden,
        "--keep-prob",
        f"{len(values)} values for --layers {layers}, which has L - 1 = {hidden} hidden "
        f"layer(s): give one number, or {hidden} (dropout never acts on the input or output)",
    )
    return values


def _course2_options(args: argparse.Namespace, dims: Sequence[int]) -> dict[str, Any]:
    """DeepNetwork's ``keep_prob`` and ``batch_norm`` from --keep-prob and --batch-norm."""
    batch_norm = bool(getattr(args, "batch_norm", None))
    _require(
        not batch_norm or len(dims) > 2,
        "--batch-norm",
        f"--layers {','.join(map(str, dims))} has no hidden layer; batch norm acts on the "
        "hidden layers 1..L-1 only",
    )
    return {
        "keep_prob": parse_keep_prob(getattr(args, "keep_prob", None), dims),
        "batch_norm": batch_norm,
    }


def learning_rate_decay(
    decay_rate: str | None, time_interval: str | None
) -> tuple[float, int | None]:
    """``--decay-rate`` and ``--time-interval`` as fit's (decay_rate, time_interval), checked:
    a decay rate >= 0 (0: none), and a time interval (a whole number >= 1) only with a
    decay rate > 0, which it schedules."""
    rate = 0.0
    if decay_rate is not None:
        try:
            rate = float(decay_rate)
        except ValueError:
            raise UsageError(f"--decay-rate: expected a number >= 0, got {decay_rate!r}") from None
        _require(
            math.isfinite(rate) and rate >= 0,
            "--decay-rate",
            f"must be a finite number >= 0, got {decay_rate}",
        )
    if time_interval is None:
        return rate, None
    _require(
        rate > 0,
        "--time-interval",
        "schedules the learning-rate decay alpha0 / (1 + decay_rate * floor(epoch / "
        f"time_interval)), so it needs --decay-rate > 0 (got {decay_rate or 'none'})",
    )
    try:
        interval = int(time_interval)
    except ValueError:
        raise UsageError(
            f"--time-interval: expected a whole number of epochs >= 1, got {time_interval!r}"
        ) from None
    _require(interval >= 1, "--time-interval", f"must be >= 1 epoch, got {interval}")
    return rate, interval


def _check_batch_sizes(sizes: Sequence[int], m: int) -> None:
    for size in sizes:
        _require(
            1 <= size <= m,
            "--batch-size",
            f"must be between 1 and m = {m} training samples, got {size}",
        )


def _check_dev_fraction(fraction: float) -> None:
    _require(0 <= fraction < 1, "--dev-fraction", f"must be in [0, 1), got {fraction}")


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


# ----------------------------------------------------------------------------- environment
def has_matplotlib() -> bool:
    """Whether matplotlib (the optional ``[plot]`` extra) can be imported."""
    try:
        import matplotlib  # noqa: F401
    except ImportError:
        return False
    return True


def _require_matplotlib(flag: str) -> None:
    if not has_matplotlib():
        raise UsageError(f"{flag} draws with matplotlib, which is not installed: {PLOT_INSTALL}")


def _dot_missing_hint(dot_path: str, out_path: str, fmt: str) -> str:
    from viz.dot import INSTALL_HINT

    return (
        f"Graphviz's dot is not installed, so only the DOT text was written ({dot_path}); "
        f"{INSTALL_HINT}, then run: dot -T{fmt} {dot_path} -o {out_path}"
    )


def _render(diagram: Any, base: str, fmt: str) -> tuple[str, bool]:
    """Write ``base``.dot and ``base``.fmt; without Graphviz only the .dot.

    Returns (path written, whether the picture itself was drawn).
    """
    import viz

    try:
        return diagram.render(base, format=fmt), True
    except viz.GraphvizMissing:
        return base + ".dot", False


def available_memory() -> int | None:
    """Bytes of memory free for a new allocation (MemAvailable), or None if unknown."""
    try:
        with open("/proc/meminfo") as f:
            for line in f:
                if line.startswith("MemAvailable:"):
                    return int(line.split()[1]) * 1024
    except (OSError, ValueError, IndexError):
        pass  # no /proc (not Linux), or an unexpected format: ask sysconf instead
    try:
        return os.sysconf("SC_AVPHYS_PAGES") * os.sysconf("SC_PAGE_SIZE")
    except (ValueError, OSError, AttributeError):
        return None


def memory_needed(dims: Sequence[int], m: int, job: str = "train") -> tuple[int, int]:
    """(bytes a job needs, bytes of W and b alone), float64, a rough upper estimate.

    Training keeps each parameter about six times (W, dW, the optimizer's buffers and its
    state); Z[l], A[l] and their gradients take four floats per unit per sample.
    A gradient check keeps W and b, copies and the perturbed costs' activations.
    """
    n_params = sum(dims[l] * (dims[l - 1] + 1) for l in range(1, len(dims)))
    per_param = {"train": 6, "gradcheck": 3, "draw": 2}[job]
    activations = 4 * m * sum(dims)
    return 8 * (per_param * n_params + activations), 8 * n_params


def _human(n_bytes: float) -> str:
    for unit in ("B", "KB", "MB", "GB", "TB"):
        if n_bytes < 1000 or unit == "TB":
            return f"{n_bytes:.0f} {unit}" if unit == "B" else f"{n_bytes:.1f} {unit}"
        n_bytes /= 1000
    raise AssertionError("unreachable")


def _check_memory(flag: str, dims: Sequence[int], m: int, job: str) -> None:
    """Refuse, before allocating anything, a network that cannot fit in memory."""
    need, weights = memory_needed(dims, m, job)
    free = available_memory()
    if free is not None and need > SAFE_MEMORY_FRACTION * free:
        n_params = weights // 8
        raise UsageError(
            f"{flag} {','.join(map(str, dims))}: {n_params:,} parameters; to {job} it needs "
            f"about {_human(need)} of memory (W and b alone: {_human(weights)}), but "
            f"{_human(free)} is free; use fewer units"
        )


# ----------------------------------------------------------------------------- networks
def _output_activation(args: argparse.Namespace, n_out: int) -> str:
    out = args.output or ("sigmoid" if n_out == 1 else "softmax")
    if os.path.splitext(out)[1]:
        raise UsageError(f"--output is the output activation (got {out!r}); the file is -o FILE")
    return out


def _network(args: argparse.Namespace, dims: list[int], X: np.ndarray, Y: np.ndarray):
    """The network of --layers, checked against the data X (n[0], m), Y (n[L], m)."""
    if dims[0] != X.shape[0]:
        raise UsageError(
            f"--layers starts with n[0] = {dims[0]}, but the dataset has {X.shape[0]} features"
        )
    if dims[-1] != Y.shape[0]:
        raise UsageError(
            f"--layers ends with n[L] = {dims[-1]}, but the labels have {Y.shape[0]} row(s) "
            f"(use {','.join(map(str, dims[:-1] + [Y.shape[0]]))}){_one_hot_hint(Y, dims[-1])}"
        )
    return _build_network(args, dims)


def _one_hot_hint(Y: np.ndarray, n_out: int) -> str:
    """A hint when Y is one row of class numbers 0..k-1 but the network has k outputs."""
    if Y.shape[0] != 1 or n_out < 2:
        return ""
    labels = Y[0]
    if not np.all(labels == np.round(labels)) or labels.min() < 0:
        return ""
    k = int(labels.max()) + 1
    if k < 3:
        return ""
    return (
        f"; Y holds class numbers 0..{k - 1} in one row, but a softmax output needs one-hot "
        f"Y of shape ({k}, m): Y = np.eye({k})[labels].T"
    )


def _build_network(args: argparse.Namespace, dims: list[int]):
    from autograd_dnn.nn import DeepNetwork

    course2 = _course2_options(args, dims)
    try:
        return DeepNetwork(
            dims,
            hidden_activation=args.hidden or "relu",
            output_activation=_output_activation(args, dims[-1]),
            init=args.init or "he",
            seed=args.seed,
            **course2,
        )
    except ValueError as e:
        raise UsageError(_flagged(str(e))) from None


def _architecture(args: argparse.Namespace, dims: list[int]) -> SimpleNamespace:
    """What a drawing of --layers needs (layer_dims, L, activations and, for dropout and
    batch norm, each layer's keep_prob and whether it has a gamma), checked like
    DeepNetwork's arguments but with no W or b allocated."""
    from autograd_dnn.init import INITS
    from autograd_dnn.nn import ACTIVATIONS, HIDDEN_ACTIVATIONS

    hidden, out = args.hidden or "relu", _output_activation(args, dims[-1])
    _require(
        hidden in HIDDEN_ACTIVATIONS,
        "--hidden",
        f"unknown hidden activation {hidden!r}; known: {', '.join(HIDDEN_ACTIVATIONS)}",
    )
    _require(
        out in ACTIVATIONS,
        "--output",
        f"unknown activation {out!r}; known: {', '.join(ACTIVATIONS)}",
    )
    init = args.init or "he"
    _require(init in INITS, "--init", f"unknown init {init!r}; known: {', '.join(INITS)}")
    L = len(dims) - 1
    course2 = _course2_options(args, dims)
    probs = course2["keep_prob"]
    probs = (list(probs) if isinstance(probs, list) else [probs] * (L - 1)) + [1.0]
    layers = [
        SimpleNamespace(
            keep_prob=probs[l - 1], gamma=True if course2["batch_norm"] and l < L else None
        )
        for l in range(1, L + 1)
    ]
    return SimpleNamespace(
        layer_dims=dims, L=L, activations=[hidden] * (L - 1) + [out], layers=layers
    )


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


def _load_model(path: str, activations: str | None = None):
    """A network from a file written by ``train --save``, or from a course-style parameters
    file (W1, b1, ..., WL, bL and no metadata) with ``--activations``."""
    _check_readable_file("--model", path)
    if not zipfile.is_zipfile(path):
        raise UsageError(f"--model: {path} is not a model file (not a .npz zip archive)")
    try:
        with np.load(path, allow_pickle=False) as data:
            names = list(data.files)
            arrays = None if "meta" in names else {k: data[k] for k in names}
    except (OSError, ValueError, zipfile.BadZipFile, EOFError) as e:
        raise UsageError(f"--model: {path} could not be read ({e})") from None
    if arrays is None:
        if activations is not None:
            raise UsageError(
                f"--activations: {path} is a model file that names its activations; "
                "--activations is for a parameters file without metadata (W1, b1, ...)"
            )
        from autograd_dnn.serialize import load

        try:
            return load(path)  # a DeepNetwork or a ConvNetwork, as the file says
        except (ValueError, FileNotFoundError, IsADirectoryError) as e:
            raise UsageError(f"--model: {e}") from None
    return _from_course_parameters(path, arrays, activations)


def _from_course_parameters(path: str, arrays: dict[str, np.ndarray], activations: str | None):
    from autograd_dnn.nn import DeepNetwork

    keys = ", ".join(sorted(arrays)[:6])
    if "W1" not in arrays:
        raise UsageError(
            f"--model: {path} is not an autograd-dnn model: it has no 'meta' entry and no "
            f"parameters W1, b1, ... (its arrays: {keys})"
        )
    if activations is None:
        raise UsageError(
            f"--model: {path} has no metadata, only arrays ({keys}); if it holds the course's "
            "parameters W1, b1, ..., WL, bL, give their activations: --activations relu,sigmoid"
        )
    acts = [a.strip() for a in activations.split(",") if a.strip()]
    for key, a in arrays.items():
        if a.dtype.kind not in "fiu":
            raise UsageError(f"--model: {path}: {key} holds {a.dtype} values, not numbers")
        if not np.all(np.isfinite(a)):
            raise UsageError(f"--model: {path}: {key} contains NaN or inf")
    try:
        n_layers = len([k for k in arrays if k[:1] == "W"])
        _require(
            len(acts) == n_layers,
            "--activations",
            f"{len(acts)} given, but {path} has L = {n_layers} layers (W1..W{n_layers})",
        )
        return DeepNetwork.from_parameters(arrays, activations=acts)
    except (ValueError, TypeError) as e:
        raise UsageError(f"--model: {path}: {e}") from None


def _one_source(args: argparse.Namespace) -> None:
    """--layers or --model, and no network flag that a model file would silently ignore."""
    if args.model and args.layers:
        raise UsageError("give --layers or --model, not both")
    if not args.model and not args.layers:
        raise UsageError(f"{args.command} needs --layers or --model")
    if args.model:
        for flag in ("hidden", "output", "init", "keep-prob", "batch-norm"):
            if getattr(args, flag.replace("-", "_")) is not None:
                raise UsageError(
                    f"--{flag} describes a network built from --layers; --model {args.model} "
                    f"brings its own (drop --{flag})"
                )
    elif args.activations is not None:
        raise UsageError("--activations goes with --model (a parameters file without metadata)")


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


def _random_images(net, seed: int, m: int) -> tuple[np.ndarray, np.ndarray]:
    """m images (m, n_H, n_W, n_C) in [0, 1) for a ConvNetwork and one-hot labels (n_y, m)."""
    rng = np.random.default_rng(seed)
    X = rng.random((m, *net.input_shape))
    return X, np.eye(net.n_classes)[:, rng.integers(0, net.n_classes, m)]


# ----------------------------------------------------------------------------- Ctrl-C
class Interrupted(Exception):
    """Ctrl-C: exit code 130 with the one-line message ``str(self)``."""


class _StepBoundaryInterrupt:
    """While active, Ctrl-C raises KeyboardInterrupt only between optimizer steps.

    A step writes W[1], b[1], ..., W[L], b[L] one after the other; stopped halfway, the
    network would mix two iterations. If SIGINT arrives inside ``Optimizer.step``, the
    interrupt is postponed (looked at again every 5 ms), so the parameters are those of
    the last finished step. Where SIGALRM does not exist (Windows) it is raised at once.
    """

    RETRY_SECONDS = 0.005

    def __init__(self) -> None:
        from autograd_dnn.optim import Optimizer

        classes, self.step_codes = [Optimizer], set()
        while classes:  # every optimizer's step, also one a subclass writes itself
            cls = classes.pop()
            self.step_codes.add(cls.step.__code__)
            classes.extend(cls.__subclasses__())
        self.old: dict[int, Any] = {}

    def __enter__(self) -> _StepBoundaryInterrupt:
        if threading.current_thread() is not threading.main_thread():
            return self  # signals reach the main thread only: nothing to postpone here
        self.old[signal.SIGINT] = signal.signal(signal.SIGINT, self._handle)
        if hasattr(signal, "SIGALRM"):
            self.old[signal.SIGALRM] = signal.signal(signal.SIGALRM, self._handle)
        return self

    def __exit__(self, *exc: object) -> None:
        if self.old and hasattr(signal, "setitimer"):
            signal.setitimer(signal.ITIMER_REAL, 0)
        for sig, handler in self.old.items():
            signal.signal(sig, handler)

    def _handle(self, signum: int, frame: Any) -> None:
        if self._inside_step(frame) and hasattr(signal, "setitimer"):
            signal.setitimer(signal.ITIMER_REAL, self.RETRY_SECONDS)
            return
        raise KeyboardInterrupt

    def _inside_step(self, frame: Any) -> bool:
        while frame is not None:
            if frame.f_code in self.step_codes:
                return True
            frame = frame.f_back
        return False


def training_position(net: Any) -> tuple[int | None, int | None]:
    """(iterations completed, optimizer steps done) when Ctrl-C stopped ``fit``: what fit
    left in ``net.training_state``. (None, None) if it left nothing."""
    state = getattr(net, "training_state", None)
    if not state:
        return None, None
    return int(state["iterations"]), int(state["optimizer_state"]["t"])


@contextlib.contextmanager
def _sigint_ignored() -> Iterator[None]:
    """No second Ctrl-C while the interrupted model is being written."""
    old = signal.signal(signal.SIGINT, signal.SIG_IGN)
    try:
        yield
    finally:
        signal.signal(signal.SIGINT, old)


# ----------------------------------------------------------------------------- train
TRAIN_DEFAULTS = {
    "dataset": "flower",
    "optimizer": "gd",
    "lr": 0.0075,
    "iterations": 2500,
    "print_every": 100,
}
CONV_DEFAULTS = {
    "optimizer": "adam",
    "lr": 0.01,
    "epochs": 30,
    "batch_size": 64,
    "m": 1080,
    "print_every": 1,
}
"""``train --conv``: the SIGNS model on signs_like, float32, Adam on mini-batches of 64 for
30 epochs (about 94% dev accuracy on 1,080 images, a 20% dev set)."""


def cmd_train(args: argparse.Namespace) -> int:
    """Train a network on --dataset; print costs and accuracy; save and plot on request."""
    if args.rnn:
        return cmd_train_rnn(args)
    _refuse_rnn_flags(args, ("cell", "clip", "sample"))
    if args.conv:
        return cmd_train_conv(args)
    for flag in ("epochs", "m"):
        if getattr(args, flag) is not None:
            raise UsageError(f"--{flag} goes with --conv (a dense network counts --iterations)")
    for key, value in TRAIN_DEFAULTS.items():
        if getattr(args, key) is None:
            setattr(args, key, value)
    dims = parse_layers(args.layers)
    _course2_options(args, dims)  # --keep-prob, --batch-norm: checked before any work
    _check_train_flags(args)
    notes: list[str] = []
    X, Y = load_data(args.dataset, args.seed, n_bits=dims[0], notes=notes)
    X_tr, Y_tr, X_dev, Y_dev = _split(X, Y, args.dev_fraction, args.seed)
    if args.batch_size is not None:
        _check_batch_sizes([args.batch_size], X_tr.shape[1])
    _check_memory("--layers", dims, X.shape[1], "train")
    net = _network(args, dims, X, Y)
    quiet = args.quiet or args.json
    _say(notes, quiet)
    if not quiet:
        print(net)
    history = _fit(net, args, X_tr, Y_tr, X_dev, Y_dev, quiet)
    result = _train_result(net, history, X_tr, Y_tr, X_dev, Y_dev)
    if args.save:
        result["model"] = net.save(args.save)
    if args.plot:
        import viz

        viz.plot_costs(history, path=args.plot)
        result["plot"] = args.plot
    _print_train_result(args, history, result)
    return EXIT_OK


def cmd_train_conv(args: argparse.Namespace) -> int:
    """``train --conv``: the course's SIGNS model (``ConvNetwork.signs``, float32) on
    ``datasets.signs_like(--m, --seed)``, Adam on mini-batches; --epochs, --batch-size, --lr,
    --optimizer, --l2, --dev-fraction, --save, --plot as for a dense network."""
    from autograd_dnn.convnet import ConvNetwork

    _check_conv_train_flags(args)
    _check_train_flags(args)
    X, Y = datasets.signs_like(args.m, seed=args.seed)
    X_tr, Y_tr, X_dev, Y_dev = split_images(X, Y, args.dev_fraction, args.seed)
    _check_batch_sizes([args.batch_size], X_tr.shape[0])
    net = ConvNetwork.signs(seed=args.seed, dtype=np.float32)
    quiet = args.quiet or args.json
    if not quiet:
        print(f"{net}\non signs_like: {X_tr.shape[0]} train / {len(X) - len(X_tr)} dev images")
    history = _fit(net, args, X_tr, Y_tr, X_dev, Y_dev, quiet, track=False)
    result: dict[str, Any] = {
        "network": "ConvNetwork.signs",
        "parameters": net.num_parameters(),
        "final_cost": history.costs[-1],
        "seconds": round(history.seconds, 3),
        "train_accuracy": net.accuracy(X_tr, Y_tr),
    }
    if X_dev is not None:
        result["dev_cost"] = history.dev_costs[-1]
        result["dev_accuracy"] = net.accuracy(X_dev, Y_dev)
    if args.save:
        result["model"] = net.save(args.save)
    if args.plot:
        import viz

        history.label = f"SIGNS model, {args.optimizer} alpha={args.lr:g}, batch {args.batch_size}"
        viz.plot_costs(history, path=args.plot)
        result["plot"] = args.plot
    _print_train_result(args, history, result)
    return EXIT_OK


def _check_conv_train_flags(args: argparse.Namespace) -> None:
    """Refuse the dense network's flags with --conv, and fill in the preset's defaults."""
    for flag in ("hidden", "output", "init", "keep-prob", "batch-norm"):
        if getattr(args, flag.replace("-", "_")) is not None:
            raise UsageError(f"--{flag} describes a dense network; --conv is the SIGNS model")
    if args.iterations is not None:
        raise UsageError("--iterations: --conv trains on mini-batches; give --epochs instead")
    if args.dataset not in (None, "signs_like"):
        raise UsageError(f"--dataset {args.dataset}: --conv trains on signs_like (--m images)")
    for key, value in CONV_DEFAULTS.items():
        if getattr(args, key) is None:
            setattr(args, key, value)
    _require(args.epochs >= 1, "--epochs", f"must be >= 1, got {args.epochs}")
    _require(args.m >= 2, "--m", f"the number of images must be >= 2, got {args.m}")
    args.iterations = args.epochs  # what fit counts, in epochs with mini-batches
    args.dataset = "signs_like"


def split_images(
    X: np.ndarray, Y: np.ndarray, dev_fraction: float, seed: int
) -> tuple[np.ndarray, np.ndarray, np.ndarray | None, np.ndarray | None]:
    """Images X (m, n_H, n_W, n_C) and labels Y (n_y, m) cut into a train and a dev set by a
    seeded permutation of the m samples, ``round(dev_fraction * m)`` (at least 1) of them
    for dev; ``dev_fraction`` 0: no dev set (None, None)."""
    if dev_fraction <= 0:
        return X, Y, None, None
    m = X.shape[0]
    n_dev = min(max(1, round(dev_fraction * m)), m - 1)
    perm = np.random.default_rng(seed).permutation(m)
    dev, train = perm[:n_dev], perm[n_dev:]
    return X[train], Y[:, train], X[dev], Y[:, dev]


def _check_train_flags(args: argparse.Namespace) -> None:
    _check_hyperparameters(
        [args.lr], [args.l2], [args.optimizer], args.iterations, args.print_every
    )
    _check_dev_fraction(args.dev_fraction)
    args.decay_rate, args.time_interval = learning_rate_decay(args.decay_rate, args.time_interval)
    _check_output("--save", args.save, (".npz",))
    _check_output("--plot", args.plot, FIGURE_FORMATS)
    if args.plot:
        _require_matplotlib("--plot")


def _split(X: np.ndarray, Y: np.ndarray, dev_fraction: float, seed: int) -> tuple:
    if dev_fraction > 0:
        return datasets.train_dev_split(X, Y, dev_fraction, seed=seed)
    return X, Y, None, None


def _fit(
    net,
    args: argparse.Namespace,
    X_tr,
    Y_tr,
    X_dev,
    Y_dev,
    quiet: bool,
    track: bool = True,
    **extra: Any,
):
    """``net.fit`` with the command's flags; a diverging cost or Ctrl-C become one line.
    ``track``: record the gradient flow (``fit``'s track_gradients); ``extra``: more options
    of ``fit`` (``clip`` for an RNN)."""
    from autograd_dnn.train import TrainingDiverged

    try:
        with _StepBoundaryInterrupt(), np.errstate(all="ignore"):
            return net.fit(
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
                track_gradients=track,
                decay_rate=args.decay_rate,
                time_interval=args.time_interval,
                **extra,
            )
    except TrainingDiverged as e:
        raise UsageError(_diverged_message(e, args, X_tr)) from None
    except KeyboardInterrupt as e:
        iteration, steps = training_position(net)
        e.__traceback__ = None  # drop the frames now
    raise Interrupted(_save_interrupted(net, args, iteration, steps))


def _diverged_message(e: Exception, args: argparse.Namespace, X: np.ndarray) -> str:
    """Name --lr and the iteration; blame the data instead when X is out of range."""
    text = str(e)
    where = text.split(";")[0]
    largest = float(np.max(np.abs(X))) if X.size else 0.0
    if largest > 1e6:
        return (
            f"--dataset: {where}: X holds values up to {largest:.3g}, too large for the "
            "activations; scale the features (e.g. to mean 0, variance 1)"
        )
    return f"--lr {args.lr:g}: {where}; try a smaller learning rate"


def _save_interrupted(
    net, args: argparse.Namespace, iteration: int | None, steps: int | None
) -> str:
    """Save the model of the last finished step when --save was given; the one-line message."""
    unit = "epoch" if args.batch_size is not None else "iteration"
    where = f"interrupted at {unit} {iteration}" if iteration is not None else "interrupted"
    if not args.save:
        return where
    from autograd_dnn.serialize import save

    meta = {
        "interrupted": True,
        f"{unit}": iteration,
        "optimizer_steps": steps,
        "iterations_requested": args.iterations,
    }
    with _sigint_ignored():
        path = save(net, args.save, training=meta)
    after = f"after {steps} optimizer step(s)" if steps is not None else "of the last finished step"
    return f"{where}; saved the model {after} to {path} (marked interrupted)"


def _train_result(net, history, X_tr, Y_tr, X_dev, Y_dev) -> dict[str, Any]:
    result: dict[str, Any] = {
        "layer_dims": net.layer_dims,
        "activations": net.activations,
        "keep_prob": net.keep_prob,
        "batch_norm": net.batch_norm,
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
    return result


def _print_train_result(args: argparse.Namespace, history, result: dict[str, Any]) -> None:
    if args.json:
        print(json.dumps(result, indent=2))
        return
    if args.quiet:
        return
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


# ----------------------------------------------------------------------------- recurrent
RNN_DEFAULTS = {
    "optimizer": "adam",
    "lr": 0.01,
    "epochs": 20,
    "batch_size": 32,
    "m": 200,
    "print_every": 1,
    "clip": 5.0,
    "cell": "rnn",
    "hidden": "50",
}
RNN_VIEWS = ("unrolled", "cell")
RNN_RENDER_STEPS = 10  # T_x of the unrolled view when --steps is not given
RNN_CHECK_STEPS = 4  # T_x of gradcheck's random sequences when --steps is not given


def _is_rnn(net: Any) -> bool:
    from autograd_dnn.recurrent import RNNModel

    return isinstance(net, RNNModel)


def _refuse_rnn_flags(args: argparse.Namespace, flags: Sequence[str], where: str = "--rnn") -> None:
    """Flags of a recurrent model given without one: refused, not silently ignored."""
    for flag in flags:
        if getattr(args, flag, None) is not None:
            raise UsageError(f"--{flag} goes with {where}")


def _rnn_cell(args: argparse.Namespace) -> str:
    from autograd_dnn.recurrent import CELLS

    _require(args.cell in CELLS, "--cell", f"unknown cell {args.cell!r}; known: {', '.join(CELLS)}")
    return args.cell


def _rnn_hidden(args: argparse.Namespace) -> int:
    """--hidden as n_a, the number of hidden units (a whole number >= 1)."""
    try:
        n_a = int(args.hidden)
    except ValueError:
        raise UsageError(
            f"--hidden: with --rnn it is n_a, the number of hidden units (a whole number "
            f">= 1), got {args.hidden!r}"
        ) from None
    _require(n_a >= 1, "--hidden", f"n_a (hidden units) must be >= 1, got {n_a}")
    return n_a


def _check_rnn_train_flags(args: argparse.Namespace) -> None:
    """Refuse the flags that --rnn would ignore; fill in its defaults; check its own flags."""
    for flag in ("output", "keep-prob", "batch-norm"):
        if getattr(args, flag.replace("-", "_")) is not None:
            raise UsageError(f"--{flag} describes a dense network; --rnn is a character model")
    if args.iterations is not None:
        raise UsageError("--iterations: --rnn trains on mini-batches; give --epochs instead")
    if args.dataset not in (None, "names"):
        raise UsageError(
            f"--dataset {args.dataset}: --rnn trains on generated dinosaur names (--m names)"
        )
    for key, value in RNN_DEFAULTS.items():
        if getattr(args, key) is None:
            setattr(args, key, value)
    _rnn_cell(args)
    _rnn_hidden(args)
    _require(args.init in (None, "xavier", "course"), "--init", "with --rnn: xavier or course")
    _require(args.epochs >= 1, "--epochs", f"must be >= 1, got {args.epochs}")
    _require(args.m >= 2, "--m", f"the number of names must be >= 2, got {args.m}")
    _require(
        math.isfinite(args.clip) and args.clip > 0,
        "--clip",
        f"must be a number > 0 (the largest |gradient entry|), got {args.clip}",
    )
    _require(
        args.sample is None or args.sample >= 0,
        "--sample",
        f"the number of names to sample must be >= 0, got {args.sample}",
    )
    args.iterations = args.epochs  # what fit counts, in epochs with mini-batches
    args.dataset = "names"


def split_sequences(
    X: np.ndarray, Y: np.ndarray, dev_fraction: float, seed: int
) -> tuple[np.ndarray, np.ndarray, np.ndarray | None, np.ndarray | None]:
    """Sequences X (n_x, m, T_x) and Y (n_y, m, T_x) cut into a train and a dev set by a
    seeded permutation of the m sequences (axis 1), ``round(dev_fraction * m)`` (at least
    1) of them for dev; ``dev_fraction`` 0: no dev set (None, None)."""
    if dev_fraction <= 0:
        return X, Y, None, None
    m = X.shape[1]
    n_dev = min(max(1, round(dev_fraction * m)), m - 1)
    perm = np.random.default_rng(seed).permutation(m)
    dev, train = perm[:n_dev], perm[n_dev:]
    return X[:, train], Y[:, train], X[:, dev], Y[:, dev]


def sample_names(model: Any, k: int, seed: int) -> list[str]:
    """``k`` names drawn from a character model over the course's 27 characters, the j-th
    with ``datasets.sample(model, char_to_ix, seed=seed + j)``."""
    char_to_ix, ix_to_char = datasets.char_vocabulary()
    return [
        datasets.decode(datasets.sample(model, char_to_ix, seed=seed + j), ix_to_char)
        for j in range(k)
    ]


def cmd_train_rnn(args: argparse.Namespace) -> int:
    """``train --rnn``: a character model (``RNNModel(27, n_a, 27, cell)``) on
    ``datasets.generate_names(--m, --seed)`` as ``datasets.names_dataset`` pairs, Adam on
    mini-batches of names with every gradient entry clipped to [-clip, clip]; --sample K
    prints K names drawn from the trained model."""
    from autograd_dnn.recurrent import RNNModel

    _check_rnn_train_flags(args)
    _check_train_flags(args)
    char_to_ix, _ = datasets.char_vocabulary()
    names = datasets.generate_names(args.m, seed=args.seed)
    X, Y = datasets.names_dataset(names, char_to_ix)
    X_tr, Y_tr, X_dev, Y_dev = split_sequences(X, Y, args.dev_fraction, args.seed)
    _check_batch_sizes([args.batch_size], X_tr.shape[1])
    n = len(char_to_ix)
    model = RNNModel(
        n, _rnn_hidden(args), n, cell=args.cell, seed=args.seed, init=args.init or "xavier"
    )
    quiet = args.quiet or args.json
    if not quiet:
        print(
            f"{model}\non generate_names: {X_tr.shape[1]} train / {X.shape[1] - X_tr.shape[1]} "
            f"dev names, T_x = {X.shape[2]}"
        )
    history = _fit(model, args, X_tr, Y_tr, X_dev, Y_dev, quiet, track=False, clip=args.clip)
    result: dict[str, Any] = {
        "network": "RNNModel",
        "cell": model.cell,
        "n_x": model.n_x,
        "n_a": model.n_a,
        "n_y": model.n_y,
        "parameters": model.num_parameters(),
        "T_x": X.shape[2],
        "final_cost": history.costs[-1],
        "seconds": round(history.seconds, 3),
        "train_accuracy": model.accuracy(X_tr, Y_tr),  # next character, steps with a target
    }
    if X_dev is not None:
        result["dev_cost"] = history.dev_costs[-1]
        result["dev_accuracy"] = model.accuracy(X_dev, Y_dev)
    if args.sample:
        result["samples"] = sample_names(model, args.sample, args.seed)
    if args.save:
        result["model"] = model.save(args.save)
    if args.plot:
        import viz

        history.label = f"{args.cell} n_a={model.n_a}, {args.optimizer} alpha={args.lr:g}"
        viz.plot_costs(history, path=args.plot)
        result["plot"] = args.plot
    _print_train_result(args, history, result)
    if not args.json and not args.quiet and args.sample:
        print(f"{args.sample} sampled name(s):")
        print("\n".join(f"  {name}" for name in result["samples"]))
    return EXIT_OK


def _render_rnn(args: argparse.Namespace, model: Any) -> int:
    """``render --rnn`` (a character model from --cell and --hidden) or ``--model`` of an
    RNNModel file: the unrolled view (``viz.unrolled_graph``, --steps T_x) or the cell view
    (``viz.cell_graph``)."""
    from autograd_dnn.recurrent import RNNModel

    for flag in ("output", "init", "activations", "keep-prob", "batch-norm"):
        _require(
            getattr(args, flag.replace("-", "_")) is None,
            f"--{flag}",
            "describes a dense network, not a recurrent model",
        )
    if model is None:
        _require(not args.model, "--rnn", "give --rnn or --model, not both")
        args.cell = args.cell or "rnn"
        args.hidden = args.hidden or "50"
        n = len(datasets.char_vocabulary()[0])
        model = RNNModel(n, _rnn_hidden(args), n, cell=_rnn_cell(args), seed=args.seed)
    else:
        _require(args.cell is None, "--cell", f"{args.model} brings its own ({model.cell})")
    args.view = args.view or "unrolled"
    _require(
        args.view in RNN_VIEWS,
        "--view",
        f"{args.view} draws a dense or conv network; a recurrent model has --view "
        f"{' or '.join(RNN_VIEWS)}",
    )
    if args.view == "cell":
        _require(args.steps is None, "--steps", "only with --view unrolled (a cell has no T_x)")
    steps = RNN_RENDER_STEPS if args.steps is None else args.steps
    _require(steps >= 1, "--steps", f"T_x must be >= 1, got {steps}")
    base, fmt = _render_target(args)
    import viz

    g = viz.unrolled_graph(model, T_x=steps, view=args.view)
    path, drawn = _render(g, base, fmt)
    print(f"wrote {path}")
    if not drawn:
        note(args.command, _dot_missing_hint(path, f"{base}.{fmt}", fmt))
    return EXIT_OK


def random_sequences(model: Any, seed: int, m: int, T_x: int) -> tuple[np.ndarray, np.ndarray]:
    """One-hot X (n_x, m, T_x) and Y (n_y, m, T_x) of random classes (``default_rng(seed)``):
    what gradcheck checks a recurrent model on."""
    rng = np.random.default_rng(seed)
    X = np.moveaxis(np.eye(model.n_x)[rng.integers(0, model.n_x, (m, T_x))], -1, 0)
    Y = np.moveaxis(np.eye(model.n_y)[rng.integers(0, model.n_y, (m, T_x))], -1, 0)
    return X, Y


def _gradcheck_rnn(args: argparse.Namespace, model: Any) -> int:
    """``gradcheck --model rnn.npz``: the model's gradients (every parameter, every time-step
    boundary da<t>, dc<t>) on random one-hot sequences of --m sequences and --steps steps."""
    from autograd_dnn.gradcheck import gradcheck

    _require(
        args.dataset is None,
        "--dataset",
        "a recurrent model is checked on random one-hot sequences (--m, --steps)",
    )
    steps = RNN_CHECK_STEPS if args.steps is None else args.steps
    _require(steps >= 1, "--steps", f"T_x must be >= 1, got {steps}")
    X, Y = random_sequences(model, args.seed, args.m, steps)
    report = gradcheck(model, X, Y, mode=args.mode)
    print(json.dumps(report.to_dict(), indent=2) if args.json else report)
    return EXIT_OK if report.passed else EXIT_CHECK_FAILED


# ----------------------------------------------------------------------------- gradcheck
def cmd_gradcheck(args: argparse.Namespace) -> int:
    """Check the gradients of --layers or --model by finite differences."""
    from autograd_dnn.gradcheck import gradcheck

    _one_source(args)
    _require(args.m >= 1, "--m", f"the number of samples must be >= 1, got {args.m}")
    net = _load_model(args.model, args.activations) if args.model else None
    if _is_rnn(net):
        return _gradcheck_rnn(args, net)
    _refuse_rnn_flags(args, ("steps",), "--model of a recurrent model (RNNModel)")
    if args.model and _is_conv(net):
        X, Y = _random_images(net, args.seed, args.m)
        report = gradcheck(net, X, Y, mode=args.mode)
        print(json.dumps(report.to_dict(), indent=2) if args.json else report)
        return EXIT_OK if report.passed else EXIT_CHECK_FAILED
    if args.model:
        X, Y = _gradcheck_data_for_model(args, net)
    else:
        dims = parse_layers(args.layers)
        _course2_options(args, dims)
        _check_memory("--layers", dims, args.m, "gradcheck")
        notes: list[str] = []
        X, Y = load_data(
            args.dataset or "flower", args.seed, m=max(args.m, 8), n_bits=dims[0], notes=notes
        )
        net = _network(args, dims, X, Y)
        _say(notes, args.json)
    X, Y = X[:, : args.m], Y[:, : args.m]
    report = gradcheck(net, X, Y, mode=args.mode)
    print(json.dumps(report.to_dict(), indent=2) if args.json else report)
    return EXIT_OK if report.passed else EXIT_CHECK_FAILED


def _gradcheck_data_for_model(args: argparse.Namespace, net) -> tuple[np.ndarray, np.ndarray]:
    if not args.dataset:
        return _random_batch(net, args.seed, args.m)
    notes: list[str] = []
    X, Y = load_data(
        args.dataset, args.seed, m=max(args.m, 8), n_bits=net.layer_dims[0], notes=notes
    )
    _say(notes, args.json)
    if X.shape[0] != net.layer_dims[0] or Y.shape[0] != net.layer_dims[-1]:
        raise UsageError(
            f"--dataset gives X ({X.shape[0]}, m) and Y ({Y.shape[0]}, m), but --model "
            f"expects n[0] = {net.layer_dims[0]} and n[L] = {net.layer_dims[-1]}"
        )
    return X, Y


# ----------------------------------------------------------------------------- render
def cmd_render(args: argparse.Namespace) -> int:
    """Draw --layers, --conv or --model: neurons, layers or blocks view, or a computation
    graph. A conv model (--conv, or a model file of one) has the layers and blocks views; a
    recurrent one (--rnn, or a model file of one) the unrolled and cell views."""
    if args.rnn:
        return _render_rnn(args, None)
    if args.conv:
        _require(not args.model, "--conv", "give --conv or --model, not both")
        for flag in ("hidden", "output", "init", "activations", "keep-prob", "batch-norm"):
            _require(
                getattr(args, flag.replace("-", "_")) is None,
                f"--{flag}",
                "describes a dense network, not --conv",
            )
    else:
        _one_source(args)
    net = _load_model(args.model, args.activations) if args.model else None
    if _is_rnn(net):
        return _render_rnn(args, net)
    _refuse_rnn_flags(args, ("cell", "steps"), "--rnn or --model of a recurrent model")
    _require(
        args.view not in RNN_VIEWS,
        "--view",
        f"{args.view} draws a recurrent model: give --rnn or --model of an RNNModel file",
    )
    conv = args.conv or _is_conv(net)
    if args.view is None:
        args.view = "layers" if conv else "neurons"
    if conv and args.view == "neurons":
        raise UsageError(
            "--view neurons draws the units of a dense network; a conv model has "
            "--view layers, blocks or compute"
        )
    base, fmt = _render_target(args)
    import viz

    if conv and net is None:
        from autograd_dnn.convnet import ConvNetwork

        net = ConvNetwork.signs(seed=args.seed)
    if args.view == "compute":
        g = viz.computation_graph(
            _compute_cost(args, net), show_grads=True, heat=True, backward=True
        )
    elif conv:
        g = viz.volume_graph(net, view=args.view)
    elif args.model:
        g = viz.layer_graph(net, view=args.view)
    else:  # the architecture alone: no W or b is allocated, whatever the size
        g = viz.layer_graph(_architecture(args, parse_layers(args.layers)), view=args.view)
    path, drawn = _render(g, base, fmt)
    print(f"wrote {path}")
    if not drawn:
        note(args.command, _dot_missing_hint(path, f"{base}.{fmt}", fmt))
    return EXIT_OK


def _render_target(args: argparse.Namespace) -> tuple[str, str]:
    """(path without extension, format) from -o and --format, checked."""
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
    if os.path.isdir(out):
        raise UsageError(f"-o: {out} is a folder; give a file name")
    _check_folder("-o", os.path.dirname(out) or ".")
    return base, ext[1:] if ext else args.format


def _is_conv(net: Any) -> bool:
    from autograd_dnn.convnet import ConvNetwork

    return isinstance(net, ConvNetwork)


def _compute_cost(args: argparse.Namespace, net: Any = None):
    """J of the network (``net``, else the one of --layers) on a random batch of 8: what
    the compute view draws (with J's own gradients, which viz computes). A network with
    dropout or batch norm is drawn in training mode, where they act. A conv model gets 8
    random images (8, n_H, n_W, n_C) and class labels."""
    if _is_conv(net):
        rng = np.random.default_rng(args.seed)
        X = rng.random((8, *net.input_shape))
        return net.cost(X, rng.integers(0, net.n_classes, (1, 8)))
    if net is None:
        dims = parse_layers(args.layers)
        _check_memory("--layers", dims, 8, "draw")
        net = _build_network(args, dims)
    X, Y = _random_batch(net, args.seed, 8)
    course2 = net.batch_norm or any(p < 1 for p in net.keep_prob)
    return net.cost(X, Y, training=course2)  # training: dropout and the batch's statistics


# ----------------------------------------------------------------------------- demo
def cmd_demo(args: argparse.Namespace) -> int:
    """The main job on embedded defaults: train on the flower dataset, draw, check, save.

    Without matplotlib the cost curve and the gradient flow are skipped, without Graphviz
    the pictures are written as .dot text; everything else is written, and a note says what
    was skipped.
    """
    from autograd_dnn.gradcheck import gradcheck
    from autograd_dnn.nn import DeepNetwork

    _check_folder("--out", args.out)
    os.makedirs(args.out, exist_ok=True)
    start = time.perf_counter()
    X, Y = datasets.flower(600, seed=args.seed)
    X_tr, Y_tr, X_dev, Y_dev = datasets.train_dev_split(X, Y, 0.2, seed=args.seed)
    net = DeepNetwork([2, 8, 4, 1], hidden_activation="tanh", init="xavier", seed=args.seed)
    print(
        f"autograd-dnn demo: {net} on the flower dataset "
        f"({X_tr.shape[1]} train / {X_dev.shape[1]} dev samples)"
    )
    history = _demo_fit(net, args, X_tr, Y_tr, X_dev, Y_dev)
    report = gradcheck(net, X_tr[:, :32], Y_tr[:, :32], mode="auto")
    written, skipped = _demo_pictures(net, history, report, X_tr, Y_tr, args.out)
    written.update(_demo_files(net, report, X_tr, args.out))
    _demo_print(net, history, report, X_tr, Y_tr, X_dev, Y_dev, written)
    for message in skipped:
        note(args.command, message)
    print(f"done in {time.perf_counter() - start:.1f} s")
    return EXIT_OK if report.passed else EXIT_CHECK_FAILED


def _demo_fit(net, args: argparse.Namespace, X_tr, Y_tr, X_dev, Y_dev):
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
    return history


def _demo_pictures(net, history, report, X_tr, Y_tr, out: str) -> tuple[dict[str, str], list[str]]:
    """The cost curve, the gradient flow (each layer's ||dW[l]|| / ||W[l]|| and ||dA[l]||
    over training, as fit recorded them) and four diagrams; what could not be drawn goes to
    the skipped list."""
    import viz

    written: dict[str, str] = {}
    skipped: list[str] = []
    if has_matplotlib():
        written["cost curve"] = os.path.join(out, "cost.png")
        viz.plot_costs(history, path=written["cost curve"])
        written["gradient flow"] = os.path.join(out, "gradient_flow.png")
        viz.plot_gradient_flow(history, path=written["gradient flow"])
    else:
        skipped.append(
            f"skipped the cost curve and the gradient flow: matplotlib is not installed; "
            f"{PLOT_INSTALL}"
        )
    diagrams = [(f"{view} view", view, viz.layer_graph(net, view=view)) for view in VIEWS]
    J = net.cost(X_tr[:, :8], Y_tr[:, :8])
    graph = viz.computation_graph(J, show_grads=True, heat=True, report=report, backward=True)
    diagrams.append(("computation graph", "compute", graph))
    missing_dot = False
    for what, name, diagram in diagrams:
        written[what], drawn = _render(diagram, os.path.join(out, name), "svg")
        missing_dot = missing_dot or not drawn
    if missing_dot:
        from viz.dot import INSTALL_HINT

        skipped.append(
            f"Graphviz's dot is not installed: the diagrams are .dot text only; {INSTALL_HINT}"
        )
    return written, skipped


def _demo_files(net, report, X_tr, out: str) -> dict[str, str]:
    written = {}
    written["summary"] = os.path.join(out, "summary.txt")
    with open(written["summary"], "w") as f:
        f.write(net.summary(X_tr.shape[1]) + "\n")
    written["gradient check"] = os.path.join(out, "gradcheck.txt")
    with open(written["gradient check"], "w") as f:
        f.write(str(report) + "\n")
    written["model"] = net.save(os.path.join(out, "model.npz"))
    return written


def _demo_print(net, history, report, X_tr, Y_tr, X_dev, Y_dev, written: dict[str, str]) -> None:
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


# ----------------------------------------------------------------------------- sweep
def _grid_values(texts: list[str] | None, kind: type, flag: str) -> list | None:
    """Values of a repeatable, comma-separated flag: --lr 0.3 --lr 0.03 or --lr 0.3,0.03."""
    if not texts:
        return None
    try:
        return [kind(v) for text in texts for v in text.split(",") if v.strip()]
    except ValueError:
        raise UsageError(f"{flag}: expected values like 0.1,0.01, got {texts!r}") from None


GRID_FLAGS = (
    ("learning_rate", "lr", float),
    ("l2", "l2", float),
    ("optimizer", "optimizer", str),
    ("hidden_activation", "hidden", str),
    ("batch_size", "batch_size", int),
)


def cmd_sweep(args: argparse.Namespace) -> int:
    """Train one network per combination; pick on the dev set; write table, curves, model."""
    from autograd_dnn.sweep import sweep

    all_dims = [parse_layers(t) for t in args.layers]
    grid = _sweep_grid(args, all_dims)
    notes: list[str] = []
    X, Y = load_data(args.dataset, args.seed, n_bits=all_dims[0][0], notes=notes)
    _say(notes, args.quiet or args.json)
    _check_sweep_data(args, all_dims, grid, X, Y)
    X_tr, Y_tr, X_dev, Y_dev = _split(X, Y, args.dev_fraction, args.seed)
    _check_batch_sizes(grid.get("batch_size", []), X_tr.shape[1])
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
    except KeyboardInterrupt:
        raise Interrupted(_sweep_interrupted(args)) from None
    _sweep_report(args, result, _sweep_files(args, result))
    return EXIT_OK if result.best is not None else EXIT_CHECK_FAILED


def _sweep_grid(args: argparse.Namespace, all_dims: list[list[int]]) -> dict[str, list]:
    """The grid of the repeatable flags, every value checked like train's."""
    from autograd_dnn.init import INITS
    from autograd_dnn.nn import HIDDEN_ACTIVATIONS

    grid: dict[str, list] = {"layer_dims": all_dims}
    for key, flag, kind in GRID_FLAGS:
        values = _grid_values(getattr(args, flag), kind, "--" + flag.replace("_", "-"))
        if values is not None:
            grid[key] = values
    _check_hyperparameters(
        grid.get("learning_rate", []),
        grid.get("l2", []),
        grid.get("optimizer", []),
        args.iterations,
        args.print_every,
    )
    for name in grid.get("hidden_activation", []):
        _require(
            name in HIDDEN_ACTIVATIONS,
            "--hidden",
            f"unknown hidden activation {name!r}; known: {', '.join(HIDDEN_ACTIVATIONS)}",
        )
    _require(args.init in INITS, "--init", f"unknown init {args.init!r}; known: {', '.join(INITS)}")
    _check_dev_fraction(args.dev_fraction)
    if args.workers is not None:
        _require(args.workers >= 1, "--workers", f"must be >= 1, got {args.workers}")
    _require(not args.resume or bool(args.out), "--resume", "needs --out, the folder to resume")
    if args.out:
        _check_folder("--out", args.out)
    return grid


def _check_sweep_data(args, all_dims, grid, X: np.ndarray, Y: np.ndarray) -> None:
    m = X.shape[1]
    for dims in all_dims:
        if dims[0] != X.shape[0] or dims[-1] != Y.shape[0]:
            raise UsageError(
                f"--layers {','.join(map(str, dims))}: the dataset needs n[0] = {X.shape[0]} "
                f"and n[L] = {Y.shape[0]}{_one_hot_hint(Y, dims[-1])}"
            )
        batch = min(grid.get("batch_size", [m]))
        _check_memory("--layers", dims, batch, "train")


def _sweep_interrupted(args: argparse.Namespace) -> str:
    if args.out:
        return (
            f"sweep interrupted; the finished configurations are kept in "
            f"{os.path.join(args.out, 'results.jsonl')}: add --resume to go on"
        )
    return "sweep interrupted (without --out no result is kept)"


def _sweep_files(args: argparse.Namespace, result) -> dict[str, str]:
    """table.csv and results.jsonl (written by the sweep), best.npz and costs.png."""
    written: dict[str, str] = {}
    if not args.out:
        return written
    written["table"] = os.path.join(args.out, "table.csv")
    written["results"] = os.path.join(args.out, "results.jsonl")
    if result.best is not None:
        written["best model"] = result.best_network().save(os.path.join(args.out, "best.npz"))
    if result.histories:
        if has_matplotlib():
            import viz

            written["cost curves"] = os.path.join(args.out, "costs.png")
            viz.plot_costs(result.histories, path=written["cost curves"])
        else:
            note(args.command, f"skipped costs.png: matplotlib is not installed; {PLOT_INSTALL}")
    return written


def _sweep_report(args: argparse.Namespace, result, written: dict[str, str]) -> None:
    if args.json:
        print(json.dumps({"table": result.table, "best": result.best, "wrote": written}, indent=2))
    elif not args.quiet:
        print(result.format())
        if result.best is not None:
            print(f"\nbest (lowest dev cost): {result.best['label']}")
        for what, path in written.items():
            print(f"wrote {what}: {path}")


# ----------------------------------------------------------------------------- parser
def build_parser() -> argparse.ArgumentParser:
    """The ``autograd-dnn`` parser: one sub-parser per command."""
    common = _common_parser()
    p = argparse.ArgumentParser(
        prog="autograd-dnn",
        description="Deep L-layer networks whose gradients are proven, not trusted.",
        epilog="Exit codes: 0 success, 1 a failed gradient check, 2 bad arguments, input or "
        "environment, 3 an internal error, 130 interrupted (Ctrl-C).",
        parents=[common],
    )
    p.add_argument("--version", action="version", version=f"autograd-dnn {_version()}")
    sub = p.add_subparsers(dest="command", required=True)
    _add_demo(sub, common)
    _add_train(sub, common)
    _add_gradcheck(sub, common)
    _add_render(sub, common)
    _add_sweep(sub, common)
    return p


def _optimizers() -> tuple[str, ...]:
    from autograd_dnn.optim import OPTIMIZERS

    return OPTIMIZERS


def _version() -> str:
    from autograd_dnn import __version__

    return __version__


def _common_parser() -> argparse.ArgumentParser:
    """The flags of every command (--debug), as an argparse parent."""
    common = argparse.ArgumentParser(add_help=False)
    common.add_argument(
        "--debug",
        action="store_true",
        default=argparse.SUPPRESS,
        help="show the traceback of an error",
    )
    return common


def _add_net_args(
    q: argparse.ArgumentParser, layers_required: bool = False, conv: str = "", rnn: str = ""
) -> None:
    """--layers, --hidden, --output, --init, --keep-prob, --batch-norm, --seed: a network
    built from flags. ``conv``, ``rnn``: the help of a --conv or --rnn flag, given instead of
    --layers (then one of them is required), with --cell for the recurrent one."""
    where: Any = q
    if conv:
        where = q.add_mutually_exclusive_group(required=layers_required and not rnn)
        where.add_argument("--conv", action="store_true", help=conv)
    if rnn:  # with a required choice, outside argparse's group: see _check_one_network
        (q if layers_required else where).add_argument("--rnn", action="store_true", help=rnn)
        q.add_argument("--cell", default=None, help="with --rnn: rnn (default) | lstm")
        q.set_defaults(network_required=layers_required, subparser=q)
    where.add_argument(
        "--layers",
        required=layers_required and not conv,
        help="layer_dims n[0],...,n[L], e.g. 2,4,1",
    )
    q.add_argument(
        "--hidden",
        default=None,
        help="hidden activation (default relu); with --rnn: n_a, the hidden units (default 50)",
    )
    q.add_argument(
        "--output",
        default=None,
        help="output ACTIVATION (default sigmoid for one label row, else softmax)",
    )
    q.add_argument("--init", default=None, help="he (default) | xavier | course | zeros")
    q.add_argument(
        "--keep-prob",
        default=None,
        help="inverted dropout on the hidden layers: the probability of keeping a unit, in "
        "(0, 1]; one number, or one per hidden layer: 0.8,0.6",
    )
    q.add_argument(
        "--batch-norm",
        action="store_true",
        default=None,
        help="batch norm on the hidden layers (gamma[l], beta[l] instead of b[l])",
    )
    q.add_argument("--seed", type=_seed, default=0)


def _add_model_args(q: argparse.ArgumentParser) -> None:
    """--model and --activations: a network read from a file."""
    q.add_argument(
        "--model",
        help="a model file written by train --save (instead of --layers), or a course-style "
        "parameters .npz (W1, b1, ..., WL, bL) with --activations",
    )
    q.add_argument(
        "--activations",
        default=None,
        help="with a parameters file that has no metadata: g[1],...,g[L], e.g. relu,relu,sigmoid",
    )


def _add_demo(sub: Any, common: argparse.ArgumentParser) -> None:
    d = sub.add_parser(
        "demo", parents=[common], help="train on embedded data; write pictures, summary, check"
    )
    d.add_argument("--out", default="out/", help="output folder (default out/)")
    d.add_argument("--seed", type=_seed, default=0)
    d.add_argument("--quiet", action="store_true", help="no progress bar")


def _add_train(sub: Any, common: argparse.ArgumentParser) -> None:
    t = sub.add_parser(
        "train",
        parents=[common],
        help="train a network",
        description=f"Train a network. Ctrl-C stops it (exit 130) and, with --save, saves "
        f"the model of the last finished step. --dataset: {DATA_HELP}",
    )
    _add_net_args(
        t,
        layers_required=True,
        conv="the course's SIGNS conv model on signs_like images (instead of --layers): "
        "float32, adam, --epochs 30, --batch-size 64, --lr 0.01, --m 1080",
        rnn="a character model on generated dinosaur names (instead of --layers): adam, "
        "--epochs 20, --batch-size 32, --lr 0.01, --clip 5, --m 200 names",
    )
    t.add_argument("--dataset", default=None, help=DATA_HELP + " Default: flower.")
    t.add_argument("--optimizer", default=None, help=f"{' | '.join(_optimizers())} (default gd)")
    t.add_argument(
        "--lr", type=float, default=None, help="learning rate alpha (default 0.0075; --conv 0.01)"
    )
    t.add_argument(
        "--iterations",
        type=int,
        default=None,
        help="steps (full batch) or epochs (with --batch-size); default 2500",
    )
    t.add_argument(
        "--epochs", type=int, default=None, help="with --conv or --rnn: epochs (default 30, 20)"
    )
    t.add_argument(
        "--m", type=int, default=None, help="with --conv: images (1080); --rnn: names (200)"
    )
    t.add_argument(
        "--clip",
        type=float,
        default=None,
        help="with --rnn: clip each gradient entry into [-CLIP, CLIP] (default 5, the course's)",
    )
    t.add_argument(
        "--sample", type=int, default=None, help="with --rnn: print K names sampled (seeded)"
    )
    t.add_argument("--batch-size", type=int, default=None)
    t.add_argument("--l2", type=float, default=0.0, help="L2 regularization lambda")
    t.add_argument(
        "--decay-rate",
        default=None,
        help="learning-rate decay: alpha = alpha0 / (1 + decay_rate * epoch) (a full-batch "
        "iteration is an epoch)",
    )
    t.add_argument(
        "--time-interval",
        default=None,
        help="with --decay-rate, the scheduled decay: alpha0 / (1 + decay_rate * "
        "floor(epoch / time_interval))",
    )
    t.add_argument("--dev-fraction", type=float, default=0.2, help="in [0, 1); 0: no dev set")
    t.add_argument(
        "--print-every", type=int, default=None, help="default 100 (--conv: every epoch)"
    )
    t.add_argument("--save", help="write the trained model (.npz)")
    t.add_argument("--plot", help="write the cost curve (.png, .svg or .pdf; needs matplotlib)")
    t.add_argument("--quiet", action="store_true")
    t.add_argument("--json", action="store_true", help="print a JSON result")


def _add_gradcheck(sub: Any, common: argparse.ArgumentParser) -> None:
    g = sub.add_parser(
        "gradcheck",
        parents=[common],
        help="check a network's gradients by finite differences",
        description=f"Check gradients. --dataset: {DATA_HELP}",
    )
    _add_net_args(g)
    _add_model_args(g)
    g.add_argument(
        "--steps",
        type=int,
        default=None,
        help="with a recurrent --model: T_x of the random one-hot sequences (default 4)",
    )
    g.add_argument("--dataset", default=None, help="default: flower, or random data for --model")
    g.add_argument("--m", type=int, default=32, help="samples to check on (default 32)")
    g.add_argument("--mode", default="auto", choices=["auto", "full", "sampled", "directional"])
    g.add_argument("--json", action="store_true")


def _add_render(sub: Any, common: argparse.ArgumentParser) -> None:
    r = sub.add_parser(
        "render",
        parents=[common],
        help="draw a network",
        description="Draw a network. Without Graphviz's dot only the .dot text is written.",
    )
    _add_net_args(
        r,
        conv="draw the course's SIGNS conv model (instead of --layers)",
        rnn="draw a character model (27 characters; --cell, --hidden n_a) instead of --layers",
    )
    _add_model_args(r)
    r.add_argument(
        "--view",
        default=None,
        choices=["neurons", "layers", "blocks", "compute", *RNN_VIEWS],
        help="default: neurons (layers for a conv model, unrolled for a recurrent one)",
    )
    r.add_argument(
        "--steps",
        type=int,
        default=None,
        help="with --view unrolled: T_x, the time steps drawn (default 10; the middle folds)",
    )
    r.add_argument("-o", dest="output_path", help="output FILE (default VIEW.FORMAT)")
    r.add_argument(
        "--format",
        dest="format_given",
        default=None,
        choices=["svg", "png", "pdf"],
        help="svg (default), png or pdf",
    )


def _add_sweep(sub: Any, common: argparse.ArgumentParser) -> None:
    w = sub.add_parser(
        "sweep",
        parents=[common],
        help="train one network per hyperparameter combination, pick on the dev set",
        description=f"Hyperparameter sweep. Repeat a flag or separate values by commas: "
        f"--lr 0.3 --lr 0.03 is --lr 0.3,0.03. Ctrl-C stops it (exit 130); with --out the "
        f"finished configurations are kept and --resume goes on. --dataset: {DATA_HELP}",
    )
    w.add_argument(
        "--layers",
        action="append",
        required=True,
        help="layer_dims n[0],...,n[L]; repeat for several networks",
    )
    w.add_argument("--lr", action="append", help="learning rates (default 0.0075)")
    w.add_argument("--l2", action="append", help="L2 lambdas")
    w.add_argument("--optimizer", action="append", help=", ".join(_optimizers()))
    w.add_argument("--hidden", action="append", help="hidden activations")
    w.add_argument("--batch-size", action="append", help="mini-batch sizes")
    w.add_argument("--init", default="he", help="he | xavier | course | zeros")
    w.add_argument("--iterations", type=int, default=1000)
    w.add_argument("--print-every", type=int, default=100)
    w.add_argument("--dataset", default="flower", help=DATA_HELP)
    w.add_argument("--dev-fraction", type=float, default=0.2)
    w.add_argument("--seed", type=_seed, default=0)
    w.add_argument("--executor", default="processes", choices=["processes", "dask", "serial"])
    w.add_argument("--scheduler", default=None, help="a Dask scheduler address tcp://host:8786")
    w.add_argument("--workers", type=int, default=None, help="worker processes (default: cores)")
    w.add_argument(
        "--out", default=None, help="folder for results.jsonl, table.csv, best.npz and costs.png"
    )
    w.add_argument("--resume", action="store_true", help="skip configurations done in --out")
    w.add_argument("--quiet", action="store_true")
    w.add_argument("--json", action="store_true", help="print the table as JSON")


COMMANDS = {
    "demo": cmd_demo,
    "train": cmd_train,
    "gradcheck": cmd_gradcheck,
    "render": cmd_render,
    "sweep": cmd_sweep,
}


def main(argv: Sequence[str] | None = None) -> int:
    """Run the command of ``argv`` (default ``sys.argv[1:]``); return its exit code."""
    parser = build_parser()
    args = parser.parse_args(argv)
    _check_one_network(args)
    if args.command == "render":
        args.format = args.format_given or "svg"
    debug = getattr(args, "debug", False)
    try:
        return COMMANDS[args.command](args)
    except (Interrupted, KeyboardInterrupt) as e:
        if debug:
            traceback.print_exc()
        print(f"autograd-dnn {args.command}: {str(e) or 'interrupted'}", file=sys.stderr)
        return EXIT_INTERRUPTED
    except (UsageError, ValueError, TypeError, OSError, MemoryError) as e:
        if debug:
            traceback.print_exc()
        print(f"autograd-dnn {args.command}: error: {_error_text(e)}", file=sys.stderr)
        return EXIT_USAGE
    except Exception as e:  # a bug, not the user's input
        if debug:
            traceback.print_exc()
        print(
            f"autograd-dnn {args.command}: internal error: {e!r} (a bug; rerun with --debug "
            "for the traceback)",
            file=sys.stderr,
        )
        return EXIT_BUG


def _check_one_network(args: argparse.Namespace) -> None:
    """``train``: exactly one of --conv, --layers, --rnn, refused like argparse's own
    mutually exclusive group would (usage and exit 2); argparse's group holds only --conv
    and --layers, so that its message stays the same."""
    if not getattr(args, "network_required", False):
        return
    given = [f"--{k}" for k in ("conv", "layers", "rnn") if getattr(args, k)]
    if len(given) > 1:
        args.subparser.error(f"argument --rnn: not allowed with argument {given[0]}")
    if not given:
        args.subparser.error(
            "one of the arguments --conv --layers is required (or --rnn, a character model)"
        )


def _error_text(e: BaseException) -> str:
    if isinstance(e, OSError) and e.filename:
        return f"{e.strerror}: {e.filename}"
    if isinstance(e, MemoryError):
        return f"out of memory ({e or 'numpy could not allocate an array'}); use fewer units"
    return str(e)


if __name__ == "__main__":
    sys.exit(main())
