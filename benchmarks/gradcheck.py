"""Gradient checking on the course's cat network [12288, 20, 7, 5, 1], m = 209.

Prints forward passes and seconds for each mode of ``ad.gradcheck`` beside the course's
approach (flatten every parameter with dictionary_to_vector, then two full forward passes
per parameter: 2P passes). Runs that would take hours (mode "full", the course's loop) are
timed on a sample of coordinates and extrapolated; the table says so.

    env -u OPENBLAS_CORETYPE -u OPENBLAS_L2_SIZE python -m benchmarks.gradcheck
"""

from __future__ import annotations

import time

import numpy as np

import autograd_dnn as ad
from autograd_dnn import textbook as tb
from benchmarks.common import blas_info, fmt_time, machine_info, table

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


def main() -> None:
    print(machine_info())
    print(blas_info())
    net, X, Y = data()
    P = net.num_parameters()
    rows = [["method", "forward passes", "time", "how measured", "verdict"]]
    for mode in ("auto", "directional", "sampled"):
        t0 = time.perf_counter()
        report = ad.gradcheck(net, X, Y, mode=mode)
        dt = time.perf_counter() - t0
        rows.append(
            [
                f"ad.gradcheck mode={mode}",
                f"{report.forward_passes:,}",
                fmt_time(dt),
                "ran",
                "passed" if report.passed else "FAILED",
            ]
        )
    # full mode: time a sample of elementwise coordinates of W1 (full forward each)
    t0 = time.perf_counter()
    with ad.no_grad():
        for _ in range(SAMPLE):
            net.cost(X, Y)
    per_pass = (time.perf_counter() - t0) / SAMPLE
    rows.append(
        [
            "ad.gradcheck mode=full",
            f"{2 * P:,}",
            fmt_time(2 * P * per_pass),
            f"extrapolated from {SAMPLE} passes",
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


if __name__ == "__main__":
    main()
