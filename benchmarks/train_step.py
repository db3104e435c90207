"""One full training step (forward, cost, backward, update), autograd_dnn beside numpy.

The reference is a hand-written numpy step with the textbook's closed-form formulas (relu
hidden layers, sigmoid output, cross-entropy, gradient descent), skipping dA0 as any
training step may. PyTorch (CPU, eager), HIPS autograd and mygrad run too when installed,
and ``--floor`` adds autograd_dnn's own arithmetic with nothing recorded. Every timing is
taken in this one process, in rounds that run the frameworks in a shuffled order, each
timed step right after an untimed one of its own; the table prints, for each framework,
the median over rounds of its time / numpy's time in the same round (for autograd_dnn also
the quartiles: the spread on a shared machine).

Two cases add Course 2's layers to the mid net: ``mid-dropout`` (inverted dropout,
keep_prob 0.8, on both hidden layers) and ``mid-bn`` (batch norm on both hidden layers, no
b[l]). Their numpy step writes the same formulas by hand (the mask ``rand < keep_prob``
drawn from a ``np.random.Generator`` with the network's seed, so both draw the same masks;
batch norm's closed-form backward and its running averages); PyTorch uses its own
``dropout`` and ``batch_norm``. HIPS autograd, mygrad and the floor skip them.

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
    "mid-dropout": ([784, 256, 128, 10], 256, {"keep_prob": 0.8}),
    "mid-bn": ([784, 256, 128, 10], 256, {"batch_norm": True}),
}
LR = 0.01
EPS = 1e-8  # batch norm's
#: issue 12's goals: autograd_dnn / numpy at most this, and below every other framework
GOALS = {"tiny": 1.3}
GOAL = 1.05
#: the step kinds that run the Course 2 cases (options keep_prob, batch_norm)
WITH_OPTIONS = ("numpy", "autograd_dnn", "pytorch")


def case_of(name: str) -> tuple[list[int], int, dict]:
    """(layer_dims, m, options) of a case; options may hold keep_prob and batch_norm."""
    dims, m, *rest = CASES[name]
    return dims, m, (rest[0] if rest else {})


def make_data(
    dims: list[int], m: int, dtype, batch_norm: bool = False, **_: object
) -> tuple[dict, np.ndarray, np.ndarray]:
    rng = np.random.default_rng(0)
    X = rng.standard_normal((dims[0], m)).astype(dtype)
    Y = (rng.random((dims[-1], m)) > 0.5).astype(dtype)
    params = ad.init.initialize(dims, "he", seed=1, dtype=dtype)
    if batch_norm:  # the hidden layers: gamma, beta instead of b
        for l in range(1, len(dims) - 1):
            n = params.pop(f"b{l}").shape[0]
            params[f"gamma{l}"] = np.ones((n, 1), dtype=dtype)
            params[f"beta{l}"] = np.zeros((n, 1), dtype=dtype)
    return params, X, Y


def _layers(params: dict) -> int:
    return sum(1 for k in params if k[0] == "W")


def numpy_step(params: dict, X: np.ndarray, Y: np.ndarray, keep_prob: float = 1.0, **opts):
    """The textbook step in plain numpy, updating ``params`` in place (with dropout or batch
    norm: :func:`numpy_course2_step`)."""
    if keep_prob < 1.0 or opts.get("batch_norm"):
        return numpy_course2_step(params, X, Y, keep_prob)
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


def numpy_course2_step(params: dict, X: np.ndarray, Y: np.ndarray, keep_prob: float):
    """The textbook step with inverted dropout and/or batch norm on the hidden layers, in plain
    numpy (course convention: dZ[L] = A[L] - Y, dW = dZ A^T / m):

    - dropout: ``D = rng.random(A.shape) < keep_prob``, ``A = A * D / keep_prob``; backward
      ``dA = dA * D / keep_prob``; the masks come from ``np.random.default_rng(0)``, layer by
      layer, as the network's (``seed=0``) do;
    - batch norm: ``Z = W A``, mu, sigma2 over the columns, ``Z_norm = (Z - mu) / s``,
      ``Z_tilde = gamma Z_norm + beta``, running averages of mu and sigma2 (beta 0.9);
      backward ``dgamma = sum(dZ_tilde Z_norm) / m``, ``dbeta = sum(dZ_tilde) / m``,
      ``dZ = (m dZ_norm - sum(dZ_norm) - Z_norm sum(dZ_norm Z_norm)) / (m s)``.
    """
    L = _layers(params)
    m = X.shape[1]
    bn = "gamma1" in params
    rng = np.random.default_rng(0)
    running = {l: [0.0, 0.0] for l in range(1, L)}

    def step():
        A = X
        cache = []
        for l in range(1, L):
            Z = params[f"W{l}"] @ A
            if bn:
                mu = Z.sum(axis=1, keepdims=True) / m
                d = Z - mu
                sigma2 = (d * d).sum(axis=1, keepdims=True) / m
                s = np.sqrt(sigma2 + EPS)
                Z_norm = d / s
                Z = params[f"gamma{l}"] * Z_norm + params[f"beta{l}"]
                r = running[l]
                r[0], r[1] = 0.9 * r[0] + 0.1 * mu, 0.9 * r[1] + 0.1 * sigma2
            else:
                Z += params[f"b{l}"]
                Z_norm = s = None
            A_next = np.maximum(Z, 0)
            D = None
            if keep_prob < 1.0:
                D = rng.random(A_next.shape) < keep_prob
                A_next = A_next * D / keep_prob
            cache.append((A, Z, D, Z_norm, s))
            A = A_next
        ZL = params[f"W{L}"] @ A + params[f"b{L}"]
        AL = 1 / (1 + np.exp(-ZL))
        cost = -np.sum(Y * np.log(AL) + (1 - Y) * np.log(1 - AL)) / m
        dZ = AL - Y
        A_prev = A
        for l in range(L, 0, -1):
            W = params[f"W{l}"]
            if l == L or not bn:
                params[f"b{l}"] -= LR * (dZ.sum(axis=1, keepdims=True) / m)
            else:
                dZ_tilde, (_, _, _, Z_norm, s) = dZ, cache[l - 1]
                dZ_norm = params[f"gamma{l}"] * dZ_tilde
                params[f"gamma{l}"] -= LR * ((dZ_tilde * Z_norm).sum(axis=1, keepdims=True) / m)
                params[f"beta{l}"] -= LR * (dZ_tilde.sum(axis=1, keepdims=True) / m)
                dZ = (
                    m * dZ_norm
                    - dZ_norm.sum(axis=1, keepdims=True)
                    - Z_norm * (dZ_norm * Z_norm).sum(axis=1, keepdims=True)
                ) / (m * s)
            dW = dZ @ A_prev.T / m
            if l > 1:
                dA = W.T @ dZ
                A_prev, Z, D, _, _ = cache[l - 2]
                if D is not None:
                    dA = dA * D / keep_prob
                dZ = dA * (Z > 0)
            W -= LR * dW
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


def ours_step(params: dict, X: np.ndarray, Y: np.ndarray, keep_prob: float = 1.0, **_: object):
    net = ad.DeepNetwork.from_parameters(params, keep_prob=keep_prob, seed=0)  # bn: by gamma
    opt = ad.optim.GD(net.parameters(), LR)
    Xt = ad.Tensor(X, name="X")
    stepper = Stepper(net, opt, X.shape[1])  # as fit(): records two steps, tapes the second

    def step():  # fit()'s own step: forward, cost, backward, update
        return stepper.step(Xt, Y, 1)

    return step


def torch_step(params: dict, X: np.ndarray, Y: np.ndarray, keep_prob: float = 1.0, **_: object):
    import torch

    F = torch.nn.functional
    L = _layers(params)
    P = {k: torch.tensor(v, requires_grad=True) for k, v in params.items()}
    Xt, Yt = torch.from_numpy(X), torch.from_numpy(Y)
    loss_fn = F.binary_cross_entropy_with_logits
    torch.manual_seed(0)
    stats = {
        l: (torch.zeros(P[f"W{l}"].shape[0], dtype=Xt.dtype),
            torch.ones(P[f"W{l}"].shape[0], dtype=Xt.dtype))
        for l in range(1, L)
    }  # fmt: skip

    def hidden(l: int, A):
        if f"gamma{l}" in P:  # torch normalizes over dim 0: samples as rows, so Z.T
            Z = P[f"W{l}"] @ A
            g, b = P[f"gamma{l}"].view(-1), P[f"beta{l}"].view(-1)
            Z = F.batch_norm(Z.T, *stats[l], g, b, training=True, momentum=0.1, eps=EPS).T
        else:
            Z = P[f"W{l}"] @ A + P[f"b{l}"]
        A = torch.relu(Z)
        return F.dropout(A, 1 - keep_prob, training=True) if keep_prob < 1 else A

    def step():
        A = Xt
        for l in range(1, L):
            A = hidden(l, A)
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
        dims, m, opts = case_of(case)
        if opts and name not in WITH_OPTIONS:
            continue
        step = make(*make_data(dims, m, np.float64, **opts), **opts)
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
    verdicts: list[str] = []
    dtypes = [np.float64] if args.quick else [np.float64, np.float32]
    for case in args.cases.split(","):
        dims, m, opts = case_of(case)
        for dtype in dtypes:
            fns = {}
            for name, make in frameworks.items():
                if opts and name not in WITH_OPTIONS:
                    continue  # no dropout or batch norm written for it here
                params, X, Y = make_data(dims, m, dtype, **opts)
                fns[name] = make(params, X, Y, **opts) if opts else make(params, X, Y)
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
            verdicts.append(verdict(case, np.dtype(dtype).name, s))
            row = [f"{case} {short_dims(dims)} m={m}", np.dtype(dtype).name, fmt_time(t["numpy"])]
            for k in frameworks:
                if k != "numpy" and k not in fns:
                    row.append("-")
                elif k != "numpy":
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
    print("goals (medians of per-round ratios):")
    print("\n".join(verdicts))


def verdict(case: str, dtype: str, samples: dict[str, list[float]]) -> str:
    """One line: autograd_dnn / numpy against the case's goal, and whether each other
    framework's step took longer than autograd_dnn's (median of per-round ratios)."""
    ours = ratio_quartiles(samples, "autograd_dnn", "numpy")[1]
    goal = GOALS.get(case, GOAL)
    met = "met" if ours <= goal else "NOT met"
    line = f"  {case} {dtype}: {ours:.2f} x numpy, goal <= {goal:g}: {met}"
    for k in samples:
        if k not in ("numpy", "autograd_dnn", "no-engine floor"):
            r = ratio_quartiles(samples, k, "autograd_dnn")[1]
            line += f"; {k} {r:.2f} x ours ({'slower' if r > 1 else 'FASTER'})"
    return line


if __name__ == "__main__":
    main()
