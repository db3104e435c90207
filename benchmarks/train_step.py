"""One full training step (forward, cost, backward, update), autograd_dnn beside numpy.

The reference is a hand-written numpy step with the textbook's closed-form formulas (relu
hidden layers, sigmoid output, cross-entropy, gradient descent), skipping dA0 as any
training step may. PyTorch (CPU, eager), HIPS autograd and mygrad run too when installed,
and ``--floor`` adds autograd_dnn's own arithmetic with nothing recorded. Every timing is
taken in this one process, in rounds that run the frameworks in a shuffled order, each
timed step right after an untimed one of its own; the table prints, for each framework,
the median over rounds of its time / numpy's time in the same round (for autograd_dnn also
the quartiles: the spread on a shared machine).

    env -u OPENBLAS_CORETYPE -u OPENBLAS_L2_SIZE python -m benchmarks.train_step [--quick]
"""

from __future__ import annotations

import argparse
import importlib.util
import os
import statistics
import sys
import time

import numpy as np

import autograd_dnn as ad
from autograd_dnn.train import Stepper
from benchmarks.common import (
    blas_info,
    fmt_time,
    interleaved_samples,
    machine_info,
    ratio_quartiles,
    steady_heap,
    table,
)

CASES = {
    "tiny": ([2, 3, 5, 4, 2, 1], 64),
    "course": ([12288, 20, 7, 5, 1], 209),
    "mid": ([784, 256, 128, 10], 256),
    "wide": ([1024, 2048, 2048, 1], 512),
    "deep": ([64] * 50 + [1], 128),
}
LR = 0.01


def make_data(dims: list[int], m: int, dtype) -> tuple[dict, np.ndarray, np.ndarray]:
    rng = np.random.default_rng(0)
    X = rng.standard_normal((dims[0], m)).astype(dtype)
    Y = (rng.random((dims[-1], m)) > 0.5).astype(dtype)
    params = ad.init.initialize(dims, "he", seed=1, dtype=dtype)
    return params, X, Y


def numpy_step(params: dict, X: np.ndarray, Y: np.ndarray):
    """The textbook step in plain numpy, updating ``params`` in place."""
    L = len(params) // 2
    m = X.shape[1]

    def step():
        A = X
        cache = []
        for l in range(1, L):
            Z = params[f"W{l}"] @ A + params[f"b{l}"]
            cache.append((A, Z))
            A = np.maximum(Z, 0)
        ZL = params[f"W{L}"] @ A + params[f"b{L}"]
        AL = 1 / (1 + np.exp(-ZL))
        cost = -np.sum(Y * np.log(AL) + (1 - Y) * np.log(1 - AL)) / m
        dZ = AL - Y
        A_prev = A
        for l in range(L, 0, -1):
            W = params[f"W{l}"]
            dW = dZ @ A_prev.T / m
            db = dZ.sum(axis=1, keepdims=True) / m
            if l > 1:
                dA = W.T @ dZ
                A_prev, Z = cache[l - 2]
                dZ = dA * (Z > 0)
            W -= LR * dW
            params[f"b{l}"] -= LR * db
        return cost

    return step


def floor_step(params: dict, X: np.ndarray, Y: np.ndarray):
    """autograd_dnn's own arithmetic, in plain numpy, with nothing recorded (``--floor``).

    What ``fit``'s step computes, call for call: the relu mask taken in the forward pass, b
    added in place, 1/m folded into dZ[L] (so no 1/m on dW and db), each update written
    into a spare buffer. Its distance to autograd_dnn's time is the engine's overhead: the
    nodes, tensors and gradient routing."""
    L = len(params) // 2
    m = X.shape[1]
    P = [None] + [[params[f"W{l}"], params[f"b{l}"]] for l in range(1, L + 1)]
    spare = [None] + [[np.empty_like(W), np.empty_like(b)] for W, b in P[1:]]

    def step():
        A = X
        cache = []
        for l in range(1, L):
            W, b = P[l]
            Z = W @ A
            Z += b
            active = Z > 0
            cache.append((A, active))
            A = np.maximum(Z, 0)
        W, b = P[L]
        Z = W @ A
        Z += b
        cost = np.sum(np.maximum(Z, 0) - Z * Y + np.log1p(np.exp(-np.abs(Z)))) / m
        e = np.exp(-np.abs(Z))
        dZ = (1.0 / m) * (np.where(Z >= 0, 1.0, e) / (1.0 + e) - Y)
        A_prev = A
        for l in range(L, 0, -1):
            W, b = P[l]
            if l < L:
                A_prev, active = cache[l - 1]
                dZ = dZ * active
            dW = dZ @ A_prev.T
            db = np.add.reduce(dZ, 1, keepdims=True)  # what dZ.sum(axis=1, ...) calls
            dA = W.T @ dZ if l > 1 else None
            for k, (p, g) in enumerate(((W, dW), (b, db))):
                buf = spare[l][k]
                np.multiply(g, LR, out=buf)
                np.subtract(p, buf, out=buf)
                spare[l][k], P[l][k] = p, buf
            dZ = dA
        return cost

    return step


def ours_step(params: dict, X: np.ndarray, Y: np.ndarray):
    net = ad.DeepNetwork.from_parameters(params)
    opt = ad.optim.GD(net.parameters(), LR)
    Xt = ad.Tensor(X, name="X")
    stepper = Stepper(net, opt, X.shape[1])  # as fit(): records two steps, tapes the second

    def step():  # fit()'s own step: forward, cost, backward, update
        return stepper.step(Xt, Y, 1)

    return step


def torch_step(params: dict, X: np.ndarray, Y: np.ndarray):
    import torch

    L = len(params) // 2
    P = {k: torch.tensor(v, requires_grad=True) for k, v in params.items()}
    Xt, Yt = torch.from_numpy(X), torch.from_numpy(Y)
    loss_fn = torch.nn.functional.binary_cross_entropy_with_logits

    def step():
        A = Xt
        for l in range(1, L):
            A = torch.relu(P[f"W{l}"] @ A + P[f"b{l}"])
        J = loss_fn(P[f"W{L}"] @ A + P[f"b{L}"], Yt)
        for p in P.values():
            p.grad = None
        J.backward()
        with torch.no_grad():
            for p in P.values():
                p -= LR * p.grad
        return J

    return step


def hips_step(params: dict, X: np.ndarray, Y: np.ndarray):
    import autograd
    import autograd.numpy as anp

    L = len(params) // 2
    keys = list(params)
    values = [params[k].copy() for k in keys]

    def cost(vals):
        p = dict(zip(keys, vals))
        A = X
        for l in range(1, L):
            A = anp.maximum(p[f"W{l}"] @ A + p[f"b{l}"], 0)
        Z = p[f"W{L}"] @ A + p[f"b{L}"]
        return anp.mean(anp.maximum(Z, 0) - Z * Y + anp.log1p(anp.exp(-anp.abs(Z))))

    g = autograd.grad(cost)

    def step():
        grads = g(values)
        for v, d in zip(values, grads):
            v -= LR * d

    return step


def mygrad_step(params: dict, X: np.ndarray, Y: np.ndarray):
    import mygrad as mg

    L = len(params) // 2
    P = {k: mg.tensor(v.copy()) for k, v in params.items()}

    def step():
        A = X
        for l in range(1, L):
            A = mg.maximum(mg.matmul(P[f"W{l}"], A) + P[f"b{l}"], 0)
        Z = mg.matmul(P[f"W{L}"], A) + P[f"b{L}"]
        J = mg.mean(mg.maximum(Z, 0) - Z * Y + mg.log1p(mg.exp(-mg.abs(Z))))
        J.backward()
        for p in P.values():
            p.data -= LR * p.grad

    return step


def available() -> dict:
    found = {"numpy": numpy_step, "autograd_dnn": ours_step}
    for name, mod, fn in (
        ("pytorch", "torch", torch_step),
        ("hips-autograd", "autograd", hips_step),
        ("mygrad", "mygrad", mygrad_step),
    ):
        try:
            __import__(mod)
            found[name] = fn
        except ImportError:
            print(f"({name} not installed: skipped)")
    return found


def rounds_for(dims: list[int], m: int, quick: bool) -> int:
    flops = sum(a * b for a, b in zip(dims, dims[1:])) * m * 6
    r = 61 if flops < 1e9 else 15  # rounds are shuffled: enough of them to even out the order
    return max(5, r // 4) if quick else r


def short_dims(dims: list[int]) -> str:
    """[64, 64 x49, 1] rather than fifty-one numbers."""
    if len(dims) <= 8:
        return str(dims)
    return f"[{dims[0]}, {dims[1]} x{len(dims) - 2}, {dims[-1]}]"


def alone(name: str, cases: list[str], steps: int = 60) -> None:
    """One step kind per process, as a user runs it: median time and minor page faults per
    step (after five warm-up steps). Not comparable across processes on a noisy machine;
    it shows what memory does when nothing else shares the heap."""
    import resource

    make = {"numpy": numpy_step, "autograd_dnn": ours_step, "floor": floor_step}[name]
    for case in cases:
        dims, m = CASES[case]
        step = make(*make_data(dims, m, np.float64))
        for _ in range(5):
            step()
        times, faults = [], []
        for _ in range(steps):
            f0 = resource.getrusage(resource.RUSAGE_SELF).ru_minflt
            t0 = time.perf_counter()
            step()
            times.append(time.perf_counter() - t0)
            faults.append(resource.getrusage(resource.RUSAGE_SELF).ru_minflt - f0)
        print(
            f"{name} {case} float64 alone: {fmt_time(statistics.median(times))} per step, "
            f"{statistics.median(faults):.0f} minor page faults per step"
        )


def main(argv: list[str] | None = None) -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--quick", action="store_true", help="fewer rounds, float64 only")
    ap.add_argument("--cases", default=",".join(CASES), help="comma-separated case names")
    ap.add_argument(
        "--only",
        metavar="NAMES",
        help="comma-separated frameworks to time beside numpy and autograd_dnn (e.g. pytorch)",
    )
    ap.add_argument("--rounds", type=int, help="rounds per case (default: 61, 15 above 1 GFLOP)")
    ap.add_argument(
        "--floor",
        action="store_true",
        help="add autograd_dnn's arithmetic without the engine (what the engine costs)",
    )
    ap.add_argument(
        "--steady-heap",
        action="store_true",
        help="keep freed memory in the process (glibc mallopt), so no step page-faults",
    )
    ap.add_argument(
        "--alone",
        metavar="NAME",
        help="time one step kind alone in this process (numpy, autograd_dnn or floor) and "
        "count the minor page faults per step",
    )
    args = ap.parse_args(argv)
    if args.steady_heap:
        print(steady_heap())
    if args.alone:
        alone(args.alone, args.cases.split(","))
        return
    if importlib.util.find_spec("torch") is not None:  # optional: its column needs it
        import torch

        torch.set_num_threads(len(os.sched_getaffinity(0)))
    print(machine_info())
    print(blas_info())
    frameworks = available()
    if args.floor:
        frameworks["no-engine floor"] = floor_step
    if args.only:
        wanted = {"numpy", "autograd_dnn", *args.only.split(",")}
        unknown = wanted - set(frameworks)
        if unknown:
            ap.error(f"--only: not available here: {', '.join(sorted(unknown))}")
        frameworks = {k: v for k, v in frameworks.items() if k in wanted}
    header = ["case", "dtype", "numpy step"] + [f"{k} / numpy" for k in frameworks if k != "numpy"]
    rows = [header]
    dtypes = [np.float64] if args.quick else [np.float64, np.float32]
    for case in args.cases.split(","):
        dims, m = CASES[case]
        for dtype in dtypes:
            fns = {}
            for name, make in frameworks.items():
                params, X, Y = make_data(dims, m, dtype)
                fns[name] = make(params, X, Y)
            per_round = 20 if case == "tiny" else 1
            faults: dict[str, list[float]] = {}
            s = interleaved_samples(
                fns,
                args.rounds or rounds_for(dims, m, args.quick),
                per_round,
                faults=faults,
                lead_in=1,
            )
            t = {k: statistics.median(v) for k, v in s.items()}
            row = [f"{case} {short_dims(dims)} m={m}", np.dtype(dtype).name, fmt_time(t["numpy"])]
            for k in frameworks:
                if k != "numpy":
                    q1, q2, q3 = ratio_quartiles(s, k, "numpy")
                    row.append(
                        f"{q2:.2f} ({q1:.2f}-{q3:.2f})" if k == "autograd_dnn" else f"{q2:.2f}"
                    )
            rows.append(row)
            print(
                f"  {case} {np.dtype(dtype).name}: "
                + ", ".join(
                    f"{k} {fmt_time(v)} ({statistics.median(faults[k]):.0f} page faults)"
                    for k, v in t.items()
                ),
                file=sys.stderr,
            )
    print(table(rows))


if __name__ == "__main__":
    main()
