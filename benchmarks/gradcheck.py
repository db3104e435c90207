"""Gradient checking on the course's cat network [12288, 20, 7, 5, 1], m = 209.

Prints forward passes and seconds for each mode of ``ad.gradcheck`` beside the course's
approach (flatten every parameter with dictionary_to_vector, then two full forward passes
per parameter: 2P passes). Runs that would take hours (mode "full", the course's loop) are
timed on a sample of coordinates and extrapolated; the table says so. The target: ``auto``
under 2 s (best of two runs).

Then the checker battery of tests/test_checker_battery.py (issue 13): false failures of
every mode on correct random networks, and misses (or a wrong first faulty layer) of
``full`` and ``auto`` on the same networks with planted bugs.

    env -u OPENBLAS_CORETYPE -u OPENBLAS_L2_SIZE python -m benchmarks.gradcheck
"""

from __future__ import annotations

import time
import warnings

import numpy as np

import autograd_dnn as ad
from autograd_dnn import textbook as tb
from autograd_dnn.gradcheck import MODES, SAFETY
from benchmarks.common import blas_info, fmt_time, machine_info, table
from tests import planted

DIMS = [12288, 20, 7, 5, 1]
M = 209
SAMPLE = 20  # coordinates timed for the extrapolated rows


def data() -> tuple[ad.DeepNetwork, np.ndarray, np.ndarray]:
    rng = np.random.default_rng(0)
    X = rng.random((DIMS[0], M))
    Y = (rng.random((1, M)) > 0.5).astype(float)
    return ad.DeepNetwork(DIMS, init="he", seed=0), X, Y


def course_loop_time(net: ad.DeepNetwork, X: np.ndarray, Y: np.ndarray) -> tuple[int, float]:
    """Seconds per coordinate of the course's gradient_check_n loop (two full forwards)."""
    params = net.get_parameters()
    theta, _ = tb.dictionary_to_vector(params)
    eps = 1e-7
    t0 = time.perf_counter()
    for i in range(SAMPLE):
        for sign in (1, -1):
            th = theta.copy()
            th[i] += sign * eps
            p = tb.vector_to_dictionary(th, DIMS)
            AL, _ = tb.model_forward(X, p)
            tb.compute_cost(AL, Y)
    return theta.size, (time.perf_counter() - t0) / SAMPLE


def battery(cases: int = 36, bug_cases: int = 24) -> list[list[str]]:
    """False failures per mode on correct nets; misses per mode on planted bugs."""
    rows = [["battery", "mode", "runs", "false failures / misses", "wrong layer", "seconds"]]
    for mode in MODES:
        t0, bad, runs = time.perf_counter(), 0, 0
        for i in range(cases):
            net, X, Y, _ = planted.battery_net(i)
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                bad += not ad.gradcheck(net, X, Y, mode=mode, k=5).passed
            runs += 1
        rows.append([f"{cases} correct nets", mode, str(runs), str(bad), "",
                     f"{time.perf_counter() - t0:.1f}"])  # fmt: skip
    bounds_cache: dict[int, tuple] = {}
    for mode in ("full", "auto"):
        t0, missed, wrong, runs, invisible = time.perf_counter(), 0, 0, 0, 0
        for i in range(bug_cases):
            for bug in planted.BUGS:
                net, X, Y, _ = planted.battery_net(i, m_max=64)
                layer = planted.bug_layer(net, bug, i)
                if layer is None:
                    continue
                if i not in bounds_cache:
                    bounds_cache[i] = (net.gradients(X, Y), ad.error_bounds(net, X, Y))
                clean, bounds = bounds_cache[i]
                planted.plant(net, bug, layer, X, Y)
                bugged = net.gradients(X, Y)
                keys = (f"dW{layer}", f"db{layer}", f"dA{layer - 1}")
                if not any(
                    np.shape(bugged[k]) != np.shape(clean[k])
                    or np.any(np.abs(bugged[k] - clean[k]) > 10 * 2 * SAFETY * bounds[k] + 1e-300)
                    for k in keys
                ):
                    invisible += 1
                    continue
                report = ad.gradcheck(net, X, Y, mode=mode)
                runs += 1
                missed += report.passed
                wrong += (not report.passed) and report.first_faulty_layer != layer
        rows.append([f"planted bugs ({invisible} below rounding, skipped)", mode, str(runs),
                     str(missed), str(wrong), f"{time.perf_counter() - t0:.1f}"])  # fmt: skip
    return rows


def main() -> None:
    print(machine_info())
    print(blas_info())
    net, X, Y = data()
    P = net.num_parameters()
    rows = [["method", "forward passes", "time", "how measured", "verdict"]]
    for mode in ("auto", "directional", "sampled"):
        times = []
        for _ in range(2 if mode == "auto" else 1):
            t0 = time.perf_counter()
            report = ad.gradcheck(net, X, Y, mode=mode)
            times.append(time.perf_counter() - t0)
        rows.append(
            [
                f"ad.gradcheck mode={mode}",
                f"{report.forward_passes:,}",
                fmt_time(min(times)),
                "best of 2 runs (target: under 2 s)" if mode == "auto" else "ran",
                "passed" if report.passed else "FAILED",
            ]
        )
    # full mode: one complex-step pass per coordinate; time a sample of passes
    t0 = time.perf_counter()
    with ad.no_grad():
        for _ in range(SAMPLE):
            net.cost(X, Y)
    per_pass = (time.perf_counter() - t0) / SAMPLE
    rows.append(
        [
            "ad.gradcheck mode=full (complex step)",
            f"{P:,}",
            fmt_time(2 * P * per_pass),
            f"extrapolated from {SAMPLE} real passes (a complex one costs about 2)",
            "",
        ]
    )
    P2, per_coord = course_loop_time(net, X, Y)
    rows.append(
        [
            "course gradient_check_n (dictionary_to_vector)",
            f"{2 * P2:,}",
            fmt_time(P2 * per_coord),
            f"extrapolated from {SAMPLE} coordinates",
            "",
        ]
    )
    print(f"network {DIMS}, m = {M}, P = {P:,} parameters")
    print(table(rows))
    print()
    print(table(battery()))


if __name__ == "__main__":
    main()
