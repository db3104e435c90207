"""A hyperparameter sweep of 8 configurations: serial, local processes and Dask, side by side.

Each configuration trains on moons (m = 256 train, 64 dev) for 1500 iterations, about 1-2 s
serially, so that starting worker processes does not dominate. Every timing is the median of
interleaved rounds in this one process and includes starting the workers (the process pool,
or the LocalCluster); "dask, cluster up" reuses a LocalCluster started beforehand. Every
configuration is trained with one BLAS thread in every mode (threadpoolctl), so the work is
the same everywhere and the tables must be identical (the seconds column aside).

On a shared machine the speedup cannot exceed what the other jobs leave free: the
"ceiling" column shows it, from how much slower each configuration ran beside the others.

    python -m benchmarks.sweep [--rounds 3] [--workers 2] [--iterations 1500] [--m 320]
"""

from __future__ import annotations

import argparse
import logging
import os
import statistics
import sys

import autograd_dnn as ad
from autograd_dnn.sweep import sweep
from benchmarks.common import blas_info, interleaved, machine_info, table

GRID = {
    "layer_dims": [[2, 64, 32, 1], [2, 32, 32, 32, 1]],
    "learning_rate": [0.1, 0.03],
    "l2": [0.0, 0.1],
}


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--rounds", type=int, default=3)
    p.add_argument("--workers", type=int, default=2)
    p.add_argument("--iterations", type=int, default=1500)
    p.add_argument("--m", type=int, default=320, help="samples (80%% train, 20%% dev)")
    args = p.parse_args(argv)
    import distributed

    X, Y = ad.datasets.moons(args.m, noise=0.2, seed=0)
    X_tr, Y_tr, X_dev, Y_dev = ad.datasets.train_dev_split(X, Y, 0.2, seed=0)
    kw = dict(X_dev=X_dev, Y_dev=Y_dev, iterations=args.iterations, seed=0, progress=False)
    tables: dict[str, list] = {}  # the last table of each mode
    per_config: dict[str, list[float]] = {}  # seconds of every configuration, every round

    def mode(name: str, **extra):
        def run():
            result = sweep(X_tr, Y_tr, GRID, **kw, **extra)
            tables[name] = result.table
            per_config.setdefault(name, []).extend(row["seconds"] for row in result.table)

        return run

    print(machine_info())
    print(blas_info())
    print(f"load average before: {' '.join(f'{x:.2f}' for x in os.getloadavg())}")
    print(f"grid: 8 configurations {GRID}, m = {X_tr.shape[1]}, {args.iterations} iterations")
    with distributed.LocalCluster(
        n_workers=args.workers,
        threads_per_worker=1,
        dashboard_address=":0",
        silence_logs=logging.ERROR,
    ) as cluster:
        fns = {
            "serial": mode("serial", executor="serial"),
            f"processes ({args.workers})": mode(
                "processes", executor="processes", n_workers=args.workers
            ),
            f"dask LocalCluster ({args.workers})": mode(
                "dask", executor="dask", n_workers=args.workers
            ),
            f"dask, cluster up ({args.workers})": mode(
                "dask up", executor="dask", scheduler=cluster.scheduler_address
            ),
        }
        times = interleaved(fns, rounds=args.rounds, warmup=0)
    print(f"load average after:  {' '.join(f'{x:.2f}' for x in os.getloadavg())}")
    serial = times["serial"]
    serial_per = statistics.median(per_config["serial"])
    rows = [["mode", "median s", "speedup", "s per configuration", "ceiling"]]
    for (name, seconds), seconds_each in zip(times.items(), per_config.values(), strict=True):
        per = statistics.median(seconds_each)
        workers = 1 if name == "serial" else args.workers
        rows.append(
            [
                name,
                f"{seconds:.2f}",
                f"{serial / seconds:.2f}x",
                f"{per:.2f}",
                f"{workers * serial_per / per:.2f}x",
            ]
        )
    print(table(rows))
    print(
        "speedup: serial seconds / mode seconds. ceiling: workers x (serial s per configuration "
        "/ the mode's), the speedup those per-configuration times allow with no start-up and "
        "perfect packing; below the number of workers, the cores were not all ours (other "
        "jobs, or the hypervisor's other guests)."
    )

    def strip(rows: list) -> list:
        return [{k: v for k, v in row.items() if k != "seconds"} for row in rows]

    same = all(strip(t) == strip(tables["serial"]) for t in tables.values())
    print(f"identical tables (seconds aside) in every mode: {same}")
    return 0 if same else 1


if __name__ == "__main__":
    sys.exit(main())
