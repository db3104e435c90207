"""Hyperparameter sweeps: one network per point of a grid, trained serially, in local
processes or on a Dask cluster; the best is chosen on the dev (cross-validation) set.

Hyperparameters are whatever determines the parameters W[l], b[l] (docs/notation.md): the
learning rate alpha, the number of iterations, L and n[l] (``layer_dims``), the activations,
momentum, the mini-batch size and lambda (``l2``). Try values, watch the cost, pick on dev::

    result = sweep(X, Y, grid={"layer_dims": [[2, 4, 1], [2, 8, 8, 1]],
                               "learning_rate": [0.3, 0.03], "l2": [0, 0.1]},
                   X_dev=X_dev, Y_dev=Y_dev, iterations=1000, seed=0)
    result.table            # one row per configuration
    result.best             # the row with the lowest dev cost
    net = result.best_network()

Every configuration has its own seed, derived from the base seed and its label, and is
trained with one BLAS thread (when threadpoolctl is installed), so a sweep gives the same
table serially, on 2 processes or on 8 Dask workers (all but the ``seconds`` column).
Scripts that use the default ``executor="processes"`` must start under
``if __name__ == "__main__":`` (worker processes import the main module).
"""

from __future__ import annotations

import contextlib
import csv
import hashlib
import inspect
import itertools
import json
import logging
import math
import multiprocessing
import os
import signal
import threading
from collections.abc import Callable, Iterator, Mapping, Sequence
from concurrent.futures import ProcessPoolExecutor, as_completed
from concurrent.futures.process import BrokenProcessPool
from dataclasses import dataclass, field
from functools import partial
from pathlib import Path
from time import perf_counter
from typing import Any

import numpy as np

from autograd_dnn.display import progress_class
from autograd_dnn.engine import no_grad
from autograd_dnn.nn import DeepNetwork
from autograd_dnn.train import History, fit

__all__ = ["EXECUTORS", "Config", "SweepResult", "configurations", "sweep"]

EXECUTORS = ("processes", "dask", "serial")
INSTALL_HINT = "pip install 'autograd-dnn[distributed]'"
RESULT_COLUMNS = tuple(
    "final_cost dev_cost train_accuracy dev_accuracy num_parameters seconds error".split()
)
# grid keys: DeepNetwork's arguments go to the constructor, fit's to fit (l2 goes to fit,
# which sets net.l2); the seed is the sweep's own.
_OWN = {"self", "net", "X", "Y", "X_dev", "Y_dev", "seed", "progress", "print_cost"}
_NET_KEYS = frozenset(inspect.signature(DeepNetwork.__init__).parameters) - _OWN - {"l2"}
_FIT_KEYS = frozenset(inspect.signature(fit).parameters) - _OWN

Data = tuple[np.ndarray, np.ndarray, "np.ndarray | None", "np.ndarray | None"]


@dataclass(frozen=True)
class Config:
    """One point of the grid.

    Attributes:
        index: its position in the grid's cartesian product (grid keys in the given order).
        label: ``"key=value key=value ..."`` over every grid key, e.g.
            ``"layer_dims=[2, 4, 1] learning_rate=0.3 l2=0"``; unique within a sweep.
        seed: seeds both the initialization of W[l] and the mini-batch permutations.
        params: ``{grid key: value}``.
    """

    index: int
    label: str
    seed: int
    params: dict[str, Any]


@dataclass
class _Outcome:
    row: dict[str, Any]
    history: History | None
    parameters: dict[str, np.ndarray] | None


Run = Callable[[Config], _Outcome]
OnDone = Callable[[_Outcome], None]


def configurations(grid: Mapping[str, Sequence[Any]], seed: int = 0) -> list[Config]:
    """The cartesian product of ``grid`` in a deterministic order, one Config per point.

    The last key varies fastest. Each configuration's seed is a 32-bit hash of ``seed`` and
    its label, so a configuration keeps its seed when the grid grows (and under resume).
    """
    if not isinstance(grid, Mapping) or not grid:
        raise ValueError("grid must be a non-empty dict {hyperparameter: [values, ...]}")
    _check_keys(grid, "grid")
    for key, values in grid.items():
        if isinstance(values, (str, bytes)) or not isinstance(values, (Sequence, np.ndarray)):
            raise ValueError(f"grid[{key!r}] must be a list of values, got {values!r}")
        if len(values) == 0:
            raise ValueError(f"grid[{key!r}] is empty: give at least one value")
    if "layer_dims" in grid and not all(
        isinstance(v, (Sequence, np.ndarray)) for v in grid["layer_dims"]
    ):
        raise ValueError(
            f"grid['layer_dims'] is a list of layer_dims lists [n[0], ..., n[L]], got "
            f"{grid['layer_dims']!r} (for one network write [[2, 4, 1]])"
        )
    configs = []
    for index, values in enumerate(itertools.product(*grid.values())):
        params = dict(zip(grid, values, strict=True))
        label = " ".join(f"{key}={_fmt(value)}" for key, value in params.items())
        configs.append(Config(index, label, _derive_seed(seed, label), params))
    labels = [c.label for c in configs]
    if len(set(labels)) != len(labels):
        dup = next(label for label in labels if labels.count(label) > 1)
        raise ValueError(f"two configurations have the same label {dup!r}: remove duplicate values")
    return configs


def sweep(
    X: Any,
    Y: Any,
    grid: Mapping[str, Sequence[Any]],
    *,
    X_dev: Any = None,
    Y_dev: Any = None,
    iterations: int = 1000,
    seed: int = 0,
    executor: str = "processes",
    scheduler: Any = None,
    n_workers: int | None = None,
    out: str | os.PathLike | None = None,
    resume: bool = False,
    progress: bool = True,
    retries: int = 2,
    **fixed: Any,
) -> SweepResult:
    """Train one DeepNetwork per configuration of ``grid`` and tabulate the results.

    Args:
        X: (n[0], m) training inputs, samples as columns.  Y: (n[L], m) labels.
        grid: ``{key: [values]}``; a key is any DeepNetwork argument (layer_dims,
            hidden_activation, output_activation, init, dtype, activations, leaky_slope) or
            fit argument (learning_rate, iterations, optimizer, batch_size, l2, momentum,
            beta1, beta2, epsilon, decay_rate, print_every).
        X_dev: (n[0], m_dev), Y_dev: (n[L], m_dev): the dev set that picks the best.
        iterations: for every configuration, unless ``iterations`` is a grid key.
        seed: the base seed; each configuration's seed is derived from it and its label.
        executor: ``"processes"`` (local worker processes, one per core), ``"dask"``
            (a LocalCluster, or the cluster at ``scheduler``) or ``"serial"``.
        scheduler: with ``executor="dask"``: a scheduler address ``"tcp://host:8786"`` or a
            ``distributed.Client``; None starts a LocalCluster of ``n_workers`` processes
            with one thread each, closed at the end.
        n_workers: worker processes (default: all cores); not used with a ``scheduler``.
        out: a folder: ``sweep.json`` (settings), ``results.jsonl`` (one JSON line per
            finished configuration, written as it finishes) and ``table.csv`` at the end.
        resume: with ``out``, reuse the rows of the configurations already in
            ``results.jsonl`` (matched by label) and train only the others. Without
            ``resume``, ``results.jsonl`` is started afresh.
        progress: one tqdm bar over the configurations; False: silent.
        retries: how many times a configuration whose worker died is run again (the
            last time in a process of its own) before it becomes an error row.
        **fixed: more DeepNetwork or fit arguments, the same for every configuration
            (e.g. ``optimizer="adam"``). ``output_activation`` defaults to sigmoid for
            n[L] = 1 and softmax otherwise.

    Returns:
        A SweepResult. A configuration that raises (TrainingDiverged, ValueError, ...)
        becomes a row whose ``error`` holds the message; the others are unaffected.
    """
    _check_options(executor, scheduler, n_workers, retries, resume, out)
    configs = configurations(grid, seed)
    data = _check_data(X, Y, X_dev, Y_dev)
    fixed = _check_fixed(fixed, grid, iterations, data[1])
    store, outcomes = _open_store(out, resume, _manifest(seed, fixed, data), configs)
    todo = sorted((c for c in configs if c.label not in outcomes), key=lambda c: -_work(c, fixed))
    bar = _progress_bar(len(configs), len(outcomes), progress)

    def on_done(outcome: _Outcome) -> None:
        outcomes[outcome.row["label"]] = outcome
        if store is not None:
            store.append(outcome)
        bar.update(1)

    try:
        run = partial(_train_one, data=data, fixed=fixed)
        _execute(todo, run, executor, scheduler, n_workers or os.cpu_count() or 1, retries, on_done)
    finally:
        bar.close()
    result = _collect(configs, outcomes, list(grid), data, fixed)
    if store is not None:
        result.to_csv(store.path / "table.csv")
    return result


def _check_options(
    executor: str,
    scheduler: Any,
    n_workers: int | None,
    retries: int,
    resume: bool,
    out: str | os.PathLike | None,
) -> None:
    """The sweep's own arguments (not the grid's), each checked with a message."""
    if executor not in EXECUTORS:
        raise ValueError(f"executor must be one of {', '.join(EXECUTORS)}, got {executor!r}")
    if scheduler is not None and executor != "dask":
        raise ValueError(f"scheduler= is for executor='dask', not {executor!r}")
    if executor == "dask":
        _import_distributed()
    if n_workers is not None and (not isinstance(n_workers, int) or n_workers < 1):
        raise ValueError(f"n_workers must be a whole number >= 1, got {n_workers!r}")
    if not isinstance(retries, int) or retries < 0:
        raise ValueError(f"retries must be a whole number >= 0, got {retries!r}")
    if resume and out is None:
        raise ValueError("resume=True needs out= (the folder of the sweep to resume)")


def _open_store(
    out: str | os.PathLike | None, resume: bool, manifest: dict[str, Any], configs: list[Config]
) -> tuple[_Store | None, dict[str, _Outcome]]:
    """The out folder (None without ``out``) and, with ``resume``, the outcomes it already
    holds for these configurations, by label."""
    if out is None:
        return None, {}
    store = _Store(out, manifest, resume)
    done = store.load() if resume else {}
    return store, {c.label: done[c.label] for c in configs if c.label in done}


def _progress_bar(total: int, initial: int, enabled: bool) -> Any:
    """One tqdm bar over the configurations (disabled: still counts, prints nothing)."""
    return progress_class()(
        total=total, initial=initial, unit="config", disable=not enabled, dynamic_ncols=True
    )


def _execute(
    todo: list[Config],
    run: Run,
    executor: str,
    scheduler: Any,
    n_workers: int,
    retries: int,
    on_done: OnDone,
) -> None:
    """Run every configuration of ``todo`` on ``executor``; ``on_done`` gets each outcome."""
    if executor == "serial" or not todo:
        for config in todo:
            on_done(run(config))
    elif executor == "processes":
        _run_processes(todo, run, n_workers, retries, on_done)
    else:
        _run_dask(todo, run, scheduler, n_workers, retries, on_done)


def _collect(
    configs: list[Config],
    outcomes: Mapping[str, _Outcome],
    grid_keys: list[str],
    data: Data,
    fixed: dict[str, Any],
) -> SweepResult:
    """The SweepResult of the finished ``outcomes``, in grid order."""
    return SweepResult(
        table=[{**outcomes[c.label].row, "index": c.index} for c in configs],
        histories={c.label: h for c in configs if (h := outcomes[c.label].history) is not None},
        grid_keys=grid_keys,
        parameters={c.label: p for c in configs if (p := outcomes[c.label].parameters) is not None},
        _data=data,
        _fixed=fixed,
    )


@dataclass(repr=False)
class SweepResult:
    """What a sweep found.

    Attributes:
        table: one dict per configuration, in grid order: ``index``, ``label``, ``seed``,
            one column per grid key, then ``final_cost`` (the last training cost J recorded,
            with the L2 term), ``dev_cost`` (J on the dev set WITHOUT the L2 term, so that
            different lambdas compare fairly), ``train_accuracy``, ``dev_accuracy``
            (sigmoid and softmax outputs), ``num_parameters``, ``seconds`` and ``error``
            (None, or the message of what the configuration raised). Missing values are None.
        histories: ``{label: History}`` of the configurations that trained; pass it to
            ``viz.plot_costs`` to draw every cost curve.
        grid_keys: the grid's keys, in order.
        parameters: ``{label: {"W1": (n[1], n[0]), "b1": (n[1], 1), ...}}`` of the
            configurations trained in this call (not of those reused by resume).
    """

    table: list[dict[str, Any]]
    histories: dict[str, History]
    grid_keys: list[str]
    parameters: dict[str, dict[str, np.ndarray]] = field(default_factory=dict)
    _data: Data | None = None
    _fixed: dict[str, Any] = field(default_factory=dict)

    @property
    def best(self) -> dict[str, Any] | None:
        """The row with the lowest dev cost (the final training cost without a dev set);
        ties go to fewer parameters, then to the earlier configuration. None if every
        configuration failed."""
        ok = [row for row in self.table if row["error"] is None]
        if not ok:
            return None
        key = "dev_cost" if all(row["dev_cost"] is not None for row in ok) else "final_cost"
        return min(ok, key=lambda r: (_finite(r[key]), r["num_parameters"], r["index"]))

    @property
    def errors(self) -> list[dict[str, Any]]:
        """The rows of the configurations that raised."""
        return [row for row in self.table if row["error"] is not None]

    def network(self, label: str | None = None) -> DeepNetwork:
        """The trained network of configuration ``label`` (default: the best).

        Uses the parameters kept from this call, or trains the configuration again
        serially with its seed, which gives the same parameters.
        """
        if label is None:
            best = self.best
            if best is None:
                raise ValueError("no configuration trained without error")
            label = best["label"]
        row = next((r for r in self.table if r["label"] == label), None)
        if row is None:
            raise KeyError(f"no configuration labelled {label!r}")
        if row["error"] is not None:
            raise ValueError(f"configuration {label!r} failed: {row['error']}")
        params = {key: row[key] for key in self.grid_keys}
        parameters = self.parameters.get(label)
        if parameters is None:
            if self._data is None:
                raise ValueError("this SweepResult holds no data to train the network again")
            config = Config(row["index"], label, row["seed"], params)
            outcome = _train_one(config, self._data, self._fixed)
            if outcome.parameters is None:
                raise RuntimeError(f"training {label!r} again failed: {outcome.row['error']}")
            parameters = outcome.parameters
        net_kw, fit_kw = _split({**self._fixed, **params})
        net = DeepNetwork(**net_kw, seed=row["seed"])
        net.set_parameters(parameters)
        net.l2 = float(fit_kw.get("l2", 0.0))
        return net

    def best_network(self) -> DeepNetwork:
        """The trained network of the best configuration (see :attr:`best`)."""
        return self.network()

    def to_csv(self, path: str | os.PathLike) -> str:
        """Write the table as CSV (lists as ``[2, 4, 1]``, None as empty). Returns the path."""
        path = Path(path)
        path.parent.mkdir(parents=True, exist_ok=True)
        tmp = path.with_name(path.name + ".tmp")
        with open(tmp, "w", newline="") as f:
            writer = csv.writer(f)
            columns = list(self.table[0]) if self.table else []
            writer.writerow(columns)
            for row in self.table:
                writer.writerow(["" if row[c] is None else _fmt(row[c]) for c in columns])
        os.replace(tmp, path)
        return str(path)

    def format(self) -> str:
        """A text table: label, costs, accuracy, seconds, error; the best marked ``*``."""
        best = self.best
        head = ["", "configuration", "final J", "dev J", "dev acc", "seconds", "error"]
        rows = [head]
        for r in self.table:
            rows.append(
                [
                    "*" if best is not None and r["index"] == best["index"] else "",
                    r["label"],
                    _num(r["final_cost"], "{:.5f}"),
                    _num(r["dev_cost"], "{:.5f}"),
                    _num(r["dev_accuracy"], "{:.2%}"),
                    _num(r["seconds"], "{:.2f}"),
                    r["error"] or "",
                ]
            )
        widths = [max(len(row[i]) for row in rows) for i in range(len(head))]
        return "\n".join(
            "  ".join(c.ljust(w) for c, w in zip(row, widths, strict=True)).rstrip() for row in rows
        )

    __str__ = format

    def __repr__(self) -> str:
        best = self.best
        return (
            f"SweepResult({len(self.table)} configurations, {len(self.errors)} errors, "
            f"best={best['label'] if best else None!r})"
        )


# ----------------------------------------------------------------------------- one config
def _train_one(config: Config, data: Data, fixed: Mapping[str, Any]) -> _Outcome:
    """Build and train the network of one configuration; never raises an Exception."""
    X, Y, X_dev, Y_dev = data
    row = _blank_row(config)
    history = parameters = None
    start = perf_counter()
    with _one_blas_thread():
        try:
            net_kw, fit_kw = _split({**fixed, **config.params})
            net = DeepNetwork(**net_kw, seed=config.seed)
            row["num_parameters"] = net.num_parameters()
            history = fit(
                net, X, Y, X_dev=X_dev, Y_dev=Y_dev, seed=config.seed, progress=False, **fit_kw
            )
            history.label = config.label
            row["final_cost"] = history.costs[-1]
            row.update(_evaluate(net, data))
            parameters = net.get_parameters()
        except Exception as e:
            row["error"] = f"{type(e).__name__}: {e}"
    row["seconds"] = perf_counter() - start
    return _Outcome(row, history, parameters)


def _evaluate(net: DeepNetwork, data: Data) -> dict[str, float]:
    """Accuracies, and the dev cost J without the L2 term."""
    X, Y, X_dev, Y_dev = data
    classify = net.output_activation in ("sigmoid", "softmax")
    out = {"train_accuracy": net.accuracy(X, Y)} if classify else {}
    if X_dev is not None:
        l2, net.l2 = net.l2, 0.0
        try:
            with no_grad():
                out["dev_cost"] = float(net.cost(X_dev, Y_dev).data)
        finally:
            net.l2 = l2
        if classify:
            out["dev_accuracy"] = net.accuracy(X_dev, Y_dev)
    return out


def _blank_row(config: Config) -> dict[str, Any]:
    row = {"index": config.index, "label": config.label, "seed": config.seed}
    row.update({key: _plain(value) for key, value in config.params.items()})
    return row | dict.fromkeys(RESULT_COLUMNS)


def _failed(config: Config, message: str) -> _Outcome:
    return _Outcome(_blank_row(config) | {"error": message}, None, None)


def _one_blas_thread() -> contextlib.AbstractContextManager:
    """Limit BLAS to one thread (identical numerics everywhere, no oversubscription)."""
    try:
        from threadpoolctl import threadpool_limits
    except ImportError:
        return contextlib.nullcontext()
    return threadpool_limits(limits=1, user_api="blas")


# ----------------------------------------------------------------------------- executors


def _run_processes(
    todo: list[Config], run: Run, n_workers: int, retries: int, on_done: OnDone
) -> None:
    """A process pool; the configurations lost when a worker dies run again, the last time
    each in a process of its own, so that one that kills its worker takes no other with it."""
    lost = _pool_round(todo, run, n_workers, on_done)
    for attempt in range(1, retries + 1):
        if not lost:
            break
        if attempt < retries:
            lost = _pool_round(lost, run, n_workers, on_done)
        else:
            lost = [c for one in lost for c in _pool_round([one], run, 1, on_done)]
    died = f"the worker process died training this configuration ({1 + retries} attempts)"
    for config in lost:
        on_done(_failed(config, died))


def _pool_round(configs: list[Config], run: Run, n_workers: int, on_done: OnDone) -> list[Config]:
    """Run ``configs`` on a fresh pool; return those lost to a dead worker."""
    pool = ProcessPoolExecutor(
        min(n_workers, len(configs)), mp_context=_mp_context(), initializer=_ignore_sigint
    )
    lost = set()
    try:
        with _children_deaf_to_ctrl_c():
            futures = {pool.submit(run, config): config for config in configs}
        for future in as_completed(futures):
            config = futures[future]
            try:
                outcome = future.result()
            except BrokenProcessPool:
                lost.add(config.label)
                continue
            except Exception as e:  # e.g. a grid value that cannot be pickled
                outcome = _failed(config, f"{type(e).__name__}: {e}")
            on_done(outcome)
    except KeyboardInterrupt:
        _stop_workers(pool)
        raise
    finally:
        pool.shutdown(wait=True, cancel_futures=True)
    return [c for c in configs if c.label in lost]


@contextlib.contextmanager
def _children_deaf_to_ctrl_c() -> Iterator[None]:
    """Start worker processes (and the fork server) deaf to Ctrl-C, which a terminal sends
    to the whole process group: they inherit a blocked SIGINT. A Ctrl-C that arrives
    meanwhile (numpy's BLAS threads may take it for this process) is held back and
    delivered here when the workers have started, so that they can be stopped."""
    if not hasattr(signal, "pthread_sigmask") or threading.current_thread() is not (
        threading.main_thread()
    ):
        yield
        return
    held: list[int] = []
    old_handler = signal.signal(signal.SIGINT, lambda signum, frame: held.append(signum))
    old_mask = signal.pthread_sigmask(signal.SIG_BLOCK, {signal.SIGINT})
    try:
        yield
    finally:
        signal.pthread_sigmask(signal.SIG_SETMASK, old_mask)
        signal.signal(signal.SIGINT, old_handler)
    if held:
        signal.raise_signal(signal.SIGINT)


def _ignore_sigint() -> None:
    """A worker's initializer: Ctrl-C reaches every process of the terminal's group, and
    only the main process answers it (no traceback from each worker)."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)


def _stop_workers(pool: ProcessPoolExecutor) -> None:
    """Ctrl-C: cancel what has not started and end the workers now, rather than wait for
    the running configurations (finished ones are already in ``out``)."""
    processes = list((getattr(pool, "_processes", None) or {}).values())  # no public API <3.14
    pool.shutdown(wait=False, cancel_futures=True)
    for process in processes:
        process.terminate()
    for process in processes:
        process.join(timeout=5)


def _mp_context() -> multiprocessing.context.BaseContext:
    """forkserver where there is one (fork is unsafe with threads), else spawn. The fork
    server imports this module once, so that each worker starts with numpy loaded."""
    if "forkserver" not in multiprocessing.get_all_start_methods():
        return multiprocessing.get_context("spawn")
    context = multiprocessing.get_context("forkserver")
    context.set_forkserver_preload(["__main__", __name__])
    return context


def _run_dask(
    todo: list[Config], run: Run, scheduler: Any, n_workers: int, retries: int, on_done: OnDone
) -> None:
    """Submit every configuration; one whose future fails (KilledWorker, a lost connection)
    is submitted again, up to ``retries`` times, then becomes an error row."""
    distributed = _import_distributed()
    cluster = None
    if scheduler is None:
        cluster = distributed.LocalCluster(
            n_workers=n_workers,
            threads_per_worker=1,
            processes=True,
            dashboard_address=":0",
            silence_logs=logging.ERROR,
        )
        client = distributed.Client(cluster)
    elif isinstance(scheduler, str):
        client = distributed.Client(scheduler)
    else:
        client = scheduler  # a Client of the caller's: left open
    try:
        attempts = dict.fromkeys((c.label for c in todo), 0)
        futures = {client.submit(run, c, pure=False): c for c in todo}
        pending = distributed.as_completed(list(futures))
        for future in pending:
            config = futures.pop(future)
            try:
                outcome = future.result()
            except Exception as e:  # KilledWorker, CommClosedError, ...
                attempts[config.label] += 1
                if attempts[config.label] <= retries:
                    again = client.submit(run, config, pure=False)
                    futures[again] = config
                    pending.add(again)
                    continue
                outcome = _failed(config, f"{type(e).__name__}: {e} ({1 + retries} attempts)")
            on_done(outcome)
    finally:
        if client is not scheduler:
            client.close()
        if cluster is not None:
            cluster.close()


def _import_distributed() -> Any:
    try:
        import distributed
    except ImportError as e:
        raise ImportError(
            f"executor='dask' needs dask.distributed, an optional dependency: {INSTALL_HINT}"
        ) from e
    return distributed


# ----------------------------------------------------------------------------- the out folder
class _Store:
    """``sweep.json`` (the settings), ``results.jsonl`` (one line per finished
    configuration: ``{"row": ..., "history": ...}``) and ``table.csv``."""

    def __init__(self, out: str | os.PathLike, manifest: dict[str, Any], resume: bool) -> None:
        self.path = Path(out)
        self.path.mkdir(parents=True, exist_ok=True)
        self.results = self.path / "results.jsonl"
        settings = self.path / "sweep.json"
        manifest = json.loads(json.dumps(manifest))
        if resume and settings.exists():
            old = json.loads(settings.read_text())
            changed = sorted(
                k for k in manifest.keys() | old.keys() if old.get(k) != manifest.get(k)
            )
            if changed:
                raise ValueError(
                    f"{out} holds a sweep with other settings ({', '.join(changed)} differ); "
                    "resume needs the same data, seed and fixed arguments: use another out= "
                    "folder, or resume=False to start afresh"
                )
        if not resume:
            self.results.unlink(missing_ok=True)
        settings.write_text(json.dumps(manifest, indent=2) + "\n")
        if self.results.exists() and self.results.stat().st_size:
            with open(self.results, "rb+") as f:  # end a line cut short by a crash
                f.seek(-1, os.SEEK_END)
                if f.read(1) != b"\n":
                    f.write(b"\n")

    def load(self) -> dict[str, _Outcome]:
        """The finished configurations by label (lines that do not parse are skipped)."""
        done: dict[str, _Outcome] = {}
        if not self.results.exists():
            return done
        for line in self.results.read_text().splitlines():
            try:
                record = json.loads(line)
                row, history = record["row"], record["history"]
                done[row["label"]] = _Outcome(row, History(**history) if history else None, None)
            except (ValueError, KeyError, TypeError):
                continue
        return done

    def append(self, outcome: _Outcome) -> None:
        history = outcome.history.to_dict() if outcome.history is not None else None
        with open(self.results, "a") as f:
            f.write(json.dumps({"row": outcome.row, "history": history}) + "\n")


def _manifest(seed: int, fixed: Mapping[str, Any], data: Data) -> dict[str, Any]:
    digest = hashlib.sha256()
    for a in data:
        if a is not None:
            digest.update(f"{a.shape}{a.dtype}".encode())
            digest.update(np.ascontiguousarray(a).tobytes())
    return {
        "seed": seed,
        "fixed": {k: _plain(v) for k, v in sorted(fixed.items())},
        "data_sha256": digest.hexdigest(),
    }


# ----------------------------------------------------------------------------- helpers
def _check_keys(keys: Any, where: str) -> None:
    for key in keys:
        if key == "seed":
            raise ValueError(
                f"seed is not a {where} key: it is the sweep's base seed, and each "
                "configuration's seed is derived from it and the configuration's label"
            )
        if key not in _NET_KEYS | _FIT_KEYS:
            known = ", ".join(sorted(_NET_KEYS | _FIT_KEYS))
            raise ValueError(f"unknown {where} key {key!r}; known: {known}")


def _check_fixed(
    fixed: dict[str, Any], grid: Mapping[str, Any], iterations: int, Y: np.ndarray
) -> dict[str, Any]:
    _check_keys(fixed, "fixed argument")
    both = sorted(set(fixed) & set(grid))
    if both:
        raise ValueError(f"{', '.join(both)} given both in the grid and as a fixed argument")
    fixed = {"iterations": iterations, **fixed}
    if "layer_dims" not in grid and "layer_dims" not in fixed:
        raise ValueError("give layer_dims, in the grid or as a fixed argument")
    if not {"output_activation", "activations"} & (set(grid) | set(fixed)):
        fixed["output_activation"] = "sigmoid" if Y.shape[0] == 1 else "softmax"
    return fixed


def _matrix(name: str, a: Any) -> np.ndarray:
    """``a`` (an array or Tensor) as a 2-D array with samples as columns, or a ValueError."""
    a = np.asarray(getattr(a, "data", a))
    if a.ndim != 2:
        raise ValueError(
            f"{name} must be 2-D with samples as columns, got shape {a.shape}; "
            f"reshape a rank-1 array of length m to (1, m)"
        )
    return a


def _check_data(X: Any, Y: Any, X_dev: Any, Y_dev: Any) -> Data:
    if (X_dev is None) != (Y_dev is None):
        raise ValueError("pass both X_dev and Y_dev, or neither")
    X, Y = _matrix("X", X), _matrix("Y", Y)
    if X_dev is not None:
        X_dev, Y_dev = _matrix("X_dev", X_dev), _matrix("Y_dev", Y_dev)
    if X.shape[1] != Y.shape[1]:
        raise ValueError(f"X {X.shape} and Y {Y.shape} must have the same number of columns m")
    if X_dev is not None:
        if X_dev.shape[1] != Y_dev.shape[1]:
            raise ValueError(f"X_dev {X_dev.shape} and Y_dev {Y_dev.shape} differ in m")
        if X_dev.shape[0] != X.shape[0] or Y_dev.shape[0] != Y.shape[0]:
            raise ValueError(
                f"X_dev {X_dev.shape}, Y_dev {Y_dev.shape} must have the rows of X {X.shape} "
                f"and Y {Y.shape} (n[0] and n[L])"
            )
    return X, Y, X_dev, Y_dev


def _split(kw: Mapping[str, Any]) -> tuple[dict[str, Any], dict[str, Any]]:
    """Split into DeepNetwork arguments and fit arguments."""
    net_kw = {k: v for k, v in kw.items() if k in _NET_KEYS}
    return net_kw, {k: v for k, v in kw.items() if k not in _NET_KEYS}


def _derive_seed(seed: int, label: str) -> int:
    return int.from_bytes(hashlib.sha256(f"{seed}|{label}".encode()).digest()[:4], "little")


def _work(config: Config, fixed: Mapping[str, Any]) -> float:
    """A guess of a configuration's cost (weights times iterations): the longest go first."""
    kw = {**fixed, **config.params}
    try:
        dims = [int(n) for n in kw["layer_dims"]]
        weights = sum(a * b for a, b in zip(dims, dims[1:], strict=False))
        return weights * float(kw.get("iterations", 1))
    except (TypeError, ValueError, KeyError):
        return 0.0


def _plain(value: Any) -> Any:
    """A JSON-friendly copy: numpy scalars to Python, tuples and arrays to lists, dtypes to
    their names; anything else that JSON cannot hold to its text."""
    if isinstance(value, np.generic):
        return value.item()
    if isinstance(value, (list, tuple, np.ndarray)):
        return [_plain(v) for v in value]
    if isinstance(value, (type, np.dtype)):
        try:
            return np.dtype(value).name
        except TypeError:
            return str(value)
    if value is None or isinstance(value, (bool, int, float, str)):
        return value
    return str(value)


def _fmt(value: Any) -> str:
    value = _plain(value)
    if isinstance(value, list):
        return "[" + ", ".join(_fmt(v) for v in value) + "]"
    return str(value)


def _finite(value: Any) -> float:
    return float(value) if value is not None and math.isfinite(value) else math.inf


def _num(value: Any, spec: str) -> str:
    return "" if value is None else spec.format(value)
