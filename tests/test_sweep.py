"""Hyperparameter sweeps: the grid, seeding, identical tables on every executor, error rows,
dead workers (process pool and Dask), the output folder and resume, the best network."""

from __future__ import annotations

import csv
import json
import os
import signal
import sys
import threading
import time

import numpy as np
import pytest

from autograd_dnn import datasets
from autograd_dnn.sweep import SweepResult, configurations, sweep

X, Y = datasets.moons(120, noise=0.2, seed=0)
X_TR, Y_TR, X_DEV, Y_DEV = datasets.train_dev_split(X, Y, 0.25, seed=0)
GRID = {"layer_dims": [[2, 4, 1], [2, 6, 4, 1]], "learning_rate": [0.3, 0.05]}
KW = dict(X_dev=X_DEV, Y_dev=Y_DEV, iterations=60, print_every=20, progress=False)


def strip(table: list[dict]) -> list[dict]:
    """The table without the seconds column (the one thing that may differ between runs)."""
    return [{k: v for k, v in row.items() if k != "seconds"} for row in table]


def curves(result: SweepResult) -> dict[str, tuple]:
    return {k: (h.costs, h.dev_costs, h.iterations) for k, h in result.histories.items()}


@pytest.fixture(scope="module")
def serial() -> SweepResult:
    return sweep(X_TR, Y_TR, GRID, executor="serial", **KW)


class KillsItsWorker:
    """A grid value whose unpickling ends the process that receives it."""

    def __reduce__(self):
        return (os._exit, (3,))

    def __repr__(self) -> str:
        return "kills-its-worker"


# ----------------------------------------------------------------------------- the grid
def test_configurations_are_the_cartesian_product_in_order_with_label_seeds():
    configs = configurations(
        {"layer_dims": [[2, 4, 1], (2, 8, 8, 1)], "learning_rate": [0.3, 0.03], "l2": [0, 0.1]},
        seed=0,
    )
    assert [c.index for c in configs] == list(range(8))
    assert configs[0].label == "layer_dims=[2, 4, 1] learning_rate=0.3 l2=0"
    assert configs[1].label == "layer_dims=[2, 4, 1] learning_rate=0.3 l2=0.1"
    assert configs[7].label == "layer_dims=[2, 8, 8, 1] learning_rate=0.03 l2=0.1"
    assert len({c.seed for c in configs}) == 8
    assert all(0 <= c.seed < 2**32 for c in configs)
    # a configuration keeps its seed when the grid grows, and the base seed changes it
    bigger = configurations(
        {
            "layer_dims": [[2, 4, 1], [2, 8, 8, 1], [2, 3, 1]],
            "learning_rate": [0.3, 0.03, 1.0],
            "l2": [0, 0.1],
        },
        seed=0,
    )
    by_label = {c.label: c.seed for c in bigger}
    assert all(by_label[c.label] == c.seed for c in configs)
    assert configurations({"layer_dims": [[2, 4, 1]]}, seed=1)[0].seed != configs[0].seed


@pytest.mark.parametrize(
    "grid, fixed, match",
    [
        ({"layer_dims": [[2, 4, 1]], "alpha": [0.1]}, {}, "unknown grid key 'alpha'"),
        ({"layer_dims": [[2, 4, 1]], "seed": [0, 1]}, {}, "base seed"),
        ({"layer_dims": [2, 4, 1]}, {}, r"for one network write \[\[2, 4, 1\]\]"),
        ({"learning_rate": 0.1, "layer_dims": [[2, 4, 1]]}, {}, "must be a list"),
        ({"learning_rate": []}, {"layer_dims": [2, 4, 1]}, "is empty"),
        ({"learning_rate": [0.1]}, {}, "give layer_dims"),
        ({"layer_dims": [[2, 4, 1]]}, {"layer_dims": [2, 4, 1]}, "both in the grid"),
        ({"layer_dims": [[2, 4, 1]]}, {"momentun": 0.9}, "unknown fixed argument key"),
    ],
)
def test_bad_grids_are_refused_before_any_training(grid, fixed, match):
    with pytest.raises(ValueError, match=match):
        sweep(X_TR, Y_TR, grid, executor="serial", **KW, **fixed)


# ----------------------------------------------------------------------------- executors
def test_serial_table(serial):
    assert [r["label"] for r in serial.table] == [c.label for c in configurations(GRID)]
    for row in serial.table:
        assert row["error"] is None
        assert row["layer_dims"] in GRID["layer_dims"]
        assert 0 < row["final_cost"] < 1 and 0 < row["dev_cost"] < 1
        assert 0 <= row["dev_accuracy"] <= 1 and row["seconds"] > 0
        assert serial.histories[row["label"]].iterations == [0, 20, 40, 59]
    best = serial.best
    assert best["dev_cost"] == min(r["dev_cost"] for r in serial.table)


def test_serial_processes_and_dask_give_identical_tables(serial):
    processes = sweep(X_TR, Y_TR, GRID, executor="processes", n_workers=2, **KW)
    dask = sweep(X_TR, Y_TR, GRID, executor="dask", n_workers=2, **KW)
    assert strip(processes.table) == strip(serial.table)
    assert strip(dask.table) == strip(serial.table)
    assert curves(processes) == curves(dask) == curves(serial)
    for label, params in serial.parameters.items():
        for key, value in params.items():
            assert np.array_equal(value, dask.parameters[label][key])


def test_a_configuration_that_raises_becomes_an_error_row():
    grid = {"learning_rate": [0.05, 10.0], "hidden_activation": ["relu", "bogus"]}
    with np.errstate(all="ignore"):
        result = sweep(
            X_TR,
            Y_TR,
            grid,
            executor="processes",
            n_workers=2,
            layer_dims=[2, 4, 1],
            output_activation="linear",
            **KW,
        )
    errors = {r["label"]: r["error"] for r in result.table}
    assert errors["learning_rate=0.05 hidden_activation=relu"] is None
    assert errors["learning_rate=10.0 hidden_activation=relu"].startswith("TrainingDiverged: ")
    for lr in ("0.05", "10.0"):
        label = f"learning_rate={lr} hidden_activation=bogus"
        assert errors[label].startswith("ValueError: unknown activation 'bogus'")
    assert result.best["label"] == "learning_rate=0.05 hidden_activation=relu"
    assert len(result.errors) == 3 and set(result.histories) == {result.best["label"]}
    failed = result.table[1]
    assert failed["final_cost"] is None and failed["dev_cost"] is None
    assert "TrainingDiverged" in result.format()


def test_a_process_that_dies_loses_no_other_row(serial):
    grid = {**GRID, "learning_rate": [0.3, KillsItsWorker(), 0.05]}
    result = sweep(X_TR, Y_TR, grid, executor="processes", n_workers=2, retries=1, **KW)
    rows = {r["label"]: r for r in strip(result.table)}
    assert len(rows) == 6
    for row in strip(serial.table):  # every other configuration, as serially
        assert {**rows.pop(row["label"]), "index": row["index"]} == row
    assert len(rows) == 2
    for row in rows.values():
        assert "kills-its-worker" in row["label"]
        assert row["error"].startswith("the worker process died training this configuration")


def test_a_dask_worker_killed_mid_sweep_still_yields_every_row():
    import dask
    import distributed

    # allowed-failures 0: the scheduler gives up on a task at once (KilledWorker), so the
    # sweep's own resubmission is what brings the row back
    with (
        dask.config.set({"distributed.scheduler.allowed-failures": 0}),
        distributed.LocalCluster(
            n_workers=2,
            threads_per_worker=1,
            processes=True,
            dashboard_address=":0",
            silence_logs=50,
        ) as cluster,
        distributed.Client(cluster) as client,
    ):
        killed: dict[str, tuple] = {}

        def kill_a_busy_worker() -> None:
            deadline = time.monotonic() + 60
            while time.monotonic() < deadline:
                busy = {w: tasks for w, tasks in client.processing().items() if tasks}
                if busy:
                    address = sorted(busy)[0]
                    killed[address] = busy[address]
                    pid = client.run(os.getpid, workers=[address])[address]
                    os.kill(pid, signal.SIGKILL)
                    return
                time.sleep(0.01)

        killer = threading.Thread(target=kill_a_busy_worker)
        killer.start()
        # slow enough configurations (~0.3-1 s each) that the kill comes while they run
        result = sweep(
            X_TR,
            Y_TR,
            GRID,
            executor="dask",
            scheduler=cluster.scheduler_address,
            **{**KW, "iterations": 400},
        )
        killer.join()
        reference = sweep(X_TR, Y_TR, GRID, executor="serial", **{**KW, "iterations": 400})
    assert killed, "no worker was busy"
    assert strip(result.table) == strip(reference.table)
    assert not result.errors


def test_dask_without_distributed_names_the_extra(monkeypatch):
    monkeypatch.setitem(sys.modules, "distributed", None)
    with pytest.raises(ImportError, match=r"pip install 'autograd-dnn\[distributed\]'"):
        sweep(X_TR, Y_TR, GRID, executor="dask", **KW)


def test_bad_executor_arguments():
    with pytest.raises(ValueError, match="executor must be one of"):
        sweep(X_TR, Y_TR, GRID, executor="threads", **KW)
    with pytest.raises(ValueError, match="scheduler= is for executor='dask'"):
        sweep(X_TR, Y_TR, GRID, executor="serial", scheduler="tcp://127.0.0.1:8786", **KW)
    with pytest.raises(ValueError, match="resume=True needs out="):
        sweep(X_TR, Y_TR, GRID, executor="serial", resume=True, **KW)


# ----------------------------------------------------------------------------- out and resume
def read_jsonl(path) -> list[dict]:
    return [json.loads(line) for line in path.read_text().splitlines()]


def test_out_folder_and_resume_skip_done_configurations(tmp_path, serial):
    first = {"layer_dims": [[2, 4, 1]], "learning_rate": [0.3, 0.05]}
    done = sweep(X_TR, Y_TR, first, executor="serial", out=tmp_path, **KW)
    lines = read_jsonl(tmp_path / "results.jsonl")
    assert [line["row"]["label"] for line in lines] == [r["label"] for r in done.table]
    assert lines[0]["history"]["costs"] == done.histories[done.table[0]["label"]].costs
    with open(tmp_path / "table.csv") as f:
        assert len(list(csv.DictReader(f))) == 2

    # a crash in the middle of writing a line leaves it cut short: resume skips it
    with open(tmp_path / "results.jsonl", "a") as f:
        f.write('{"row": {"label": "layer_dims=[2, 6, 4, 1] learn')
    resumed = sweep(X_TR, Y_TR, GRID, executor="serial", out=tmp_path, resume=True, **KW)
    lines = read_jsonl_tolerant(tmp_path / "results.jsonl")
    assert len(lines) == 4  # the 2 done before, and only the 2 new ones
    assert strip(resumed.table) == strip(serial.table)
    for old in done.table:  # reused as written, down to the seconds it took then
        assert next(r for r in resumed.table if r["label"] == old["label"]) == old
    assert set(resumed.histories) == {r["label"] for r in serial.table}
    assert set(resumed.parameters) == {r["label"] for r in serial.table} - {
        r["label"] for r in done.table
    }

    again = sweep(X_TR, Y_TR, GRID, executor="serial", out=tmp_path, resume=True, **KW)
    assert len(read_jsonl_tolerant(tmp_path / "results.jsonl")) == 4  # nothing left to do
    assert again.table == resumed.table

    with pytest.raises(ValueError, match="other settings .*fixed"):
        sweep(
            X_TR,
            Y_TR,
            GRID,
            executor="serial",
            out=tmp_path,
            resume=True,
            **{**KW, "iterations": 61},
        )
    fresh = sweep(X_TR, Y_TR, first, executor="serial", out=tmp_path, **KW)  # starts afresh
    assert len(read_jsonl(tmp_path / "results.jsonl")) == 2
    assert strip(fresh.table) == strip(done.table)


def read_jsonl_tolerant(path) -> list[dict]:
    out = []
    for line in path.read_text().splitlines():
        try:
            out.append(json.loads(line))
        except json.JSONDecodeError:
            continue  # a line cut short by a crash: what resume must tolerate
    return out


# ----------------------------------------------------------------------------- the best
def test_best_network_is_the_trained_one_and_retraining_gives_the_same(serial, tmp_path):
    net = serial.best_network()
    label = serial.best["label"]
    assert net.layer_dims == serial.best["layer_dims"]
    assert net.accuracy(X_DEV, Y_DEV) == serial.best["dev_accuracy"]
    kept = serial.parameters[label]
    retrained = SweepResult(
        serial.table, serial.histories, serial.grid_keys, _data=serial._data, _fixed=serial._fixed
    ).best_network()
    for key, value in retrained.get_parameters().items():
        assert np.array_equal(value, kept[key])
    path = serial.to_csv(tmp_path / "t.csv")
    with open(path) as f:
        rows = list(csv.DictReader(f))
    assert [r["label"] for r in rows] == [r["label"] for r in serial.table]
    assert rows[0]["layer_dims"] == "[2, 4, 1]" and rows[0]["error"] == ""
    assert float(rows[0]["dev_cost"]) == serial.table[0]["dev_cost"]


def test_best_breaks_ties_by_fewer_parameters_and_skips_errors():
    def row(index, dev, n, error=None):
        return {
            "index": index,
            "label": str(index),
            "dev_cost": dev,
            "final_cost": 0.5,
            "num_parameters": n,
            "error": error,
        }

    result = SweepResult(
        [
            row(0, 0.1, 9, "ValueError: x"),
            row(1, 0.2, 50),
            row(2, 0.2, 17),
            row(3, float("nan"), 5),
        ],
        {},
        [],
    )
    assert result.best["index"] == 2
    assert SweepResult([row(0, None, 1, "boom")], {}, []).best is None


def test_progress_bar_counts_configurations(capsys):
    sweep(
        X_TR,
        Y_TR,
        {"layer_dims": [[2, 3, 1]], "learning_rate": [0.1, 0.2]},
        executor="serial",
        **{**KW, "progress": True},
    )
    err = capsys.readouterr().err
    assert "2/2" in err and "config" in err
