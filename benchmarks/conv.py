"""conv2d forward+backward at the first layer of the course's SIGNS model.

A_prev (m = 64, 64, 64, 3), W (4, 4, 3, 8), b (1, 1, 1, 8), stride 1, pad 'same'
(Z (64, 64, 64, 8)), forward then backward from a fixed dZ, in float64 and float32, two ways:

- "dW, db": the first layer of a network (its input X needs no gradient);
- "dA_prev, dW, db": a hidden layer, the course's ``conv_backward``.

Against:

- the course's loops (``conv_forward`` and ``conv_backward``, one window and one filter at a
  time, written below for timing only) on ``--loop-m`` samples, scaled by m / loop_m (their
  cost is linear in m);
- PyTorch eager CPU (NCHW, ``F.pad`` then ``F.conv2d``) when installed, with as many
  threads as numpy's BLAS.

Each time is a median over rounds; the three are interleaved round by round (see
``common.interleaved_samples``), and each ratio is the median of the per-round ratios, with
its quartiles: the spread on a shared machine. ``--threads N`` limits BLAS and PyTorch.

Then one training step of the course's SIGNS model (``ConvNetwork.signs``: forward, fused
softmax cross-entropy, backward, Adam update) on m = 64 signs_like images, float32 and
float64, against the same model in PyTorch eager CPU (NCHW, same initial parameters, same
Adam; the dense layer reads the volume in our (h, w, c) order, so both compute the same
costs, checked before timing), same threads, same process. Ours is ``fit``'s own step
(``train.Stepper``: two recorded steps, then the tape). Peak memory of one step is measured
for each in a fresh child process: glibc told to give every block over 64 KiB back to the
system when freed (``MALLOC_MMAP_THRESHOLD_``), the resident set's high-water mark reset
(``/proc/self/clear_refs``) after warm-up steps, then one step: its peak over the resident
set before it. tracemalloc's peak (numpy's buffers only) is printed beside ours as a check.

    env -u OPENBLAS_CORETYPE -u OPENBLAS_L2_SIZE python -m benchmarks.conv [--quick] [--no-ops]
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tracemalloc
from collections.abc import Callable

import numpy as np

from autograd_dnn import Tensor, datasets
from autograd_dnn.conv import conv2d, same_padding
from autograd_dnn.convnet import ConvNetwork
from autograd_dnn.optim import Adam
from autograd_dnn.train import Stepper
from benchmarks.common import (
    blas_info,
    fmt_time,
    interleaved_samples,
    machine_info,
    ratio_quartiles,
    table,
)

F, N_C_PREV, N_C, SIDE = 4, 3, 8, 64
PADS = same_padding(F)  # (1, 2, 1, 2)


def make_inputs(m: int, dtype: type, side: int = SIDE, seed: int = 0) -> dict[str, np.ndarray]:
    rng = np.random.default_rng(seed)
    return {
        "A_prev": rng.standard_normal((m, side, side, N_C_PREV)).astype(dtype),
        "W": (rng.standard_normal((F, F, N_C_PREV, N_C)) * 0.1).astype(dtype),
        "b": (rng.standard_normal((1, 1, 1, N_C)) * 0.1).astype(dtype),
        "dZ": rng.standard_normal((m, side, side, N_C)).astype(dtype),
    }


# ----------------------------------------------------------------------------- the loops
def loop_step(x: dict[str, np.ndarray], need_dA: bool = True) -> tuple:
    """The course's conv_forward then conv_backward, as learners write them (stride 1)."""
    A_prev, W, b, dZ = x["A_prev"], x["W"], x["b"], x["dZ"]
    top, bottom, left, right = PADS
    A_pad = np.pad(A_prev, ((0, 0), (top, bottom), (left, right), (0, 0)))
    m, n_H, n_W, n_C = dZ.shape
    f = W.shape[0]
    Z = np.zeros((m, n_H, n_W, n_C), dtype=A_prev.dtype)
    for i in range(m):
        for h in range(n_H):
            for w in range(n_W):
                a_slice = A_pad[i, h : h + f, w : w + f, :]
                for c in range(n_C):
                    Z[i, h, w, c] = np.sum(a_slice * W[:, :, :, c]) + b[0, 0, 0, c]
    dA_pad = np.zeros_like(A_pad)
    dW, db = np.zeros_like(W), np.zeros_like(b)
    for i in range(m):
        for h in range(n_H):
            for w in range(n_W):
                a_slice = A_pad[i, h : h + f, w : w + f, :]
                for c in range(n_C):
                    if need_dA:
                        dA_pad[i, h : h + f, w : w + f, :] += W[:, :, :, c] * dZ[i, h, w, c]
                    dW[:, :, :, c] += a_slice * dZ[i, h, w, c]
                    db[:, :, :, c] += dZ[i, h, w, c]
    dA = dA_pad[:, top : top + A_prev.shape[1], left : left + A_prev.shape[2], :]
    return Z, (dA if need_dA else None), dW, db


# ----------------------------------------------------------------------------- ours, torch
def ours_step(x: dict[str, np.ndarray], need_dA: bool) -> Callable[[], tuple]:
    def step() -> tuple:
        A = Tensor(x["A_prev"], requires_grad=need_dA)
        W = Tensor(x["W"], requires_grad=True)
        b = Tensor(x["b"], requires_grad=True)
        Z = conv2d(A, W, b, stride=1, pad="same")
        Z.backward(x["dZ"])
        return Z.data, A.grad, W.grad, b.grad

    return step


def torch_step(x: dict[str, np.ndarray], need_dA: bool) -> Callable[[], tuple] | None:
    try:
        import torch
    except ImportError:
        return None
    tF = torch.nn.functional
    A = torch.from_numpy(np.ascontiguousarray(x["A_prev"].transpose(0, 3, 1, 2)))
    W = torch.from_numpy(np.ascontiguousarray(x["W"].transpose(3, 2, 0, 1)))
    b = torch.from_numpy(x["b"].ravel().copy())
    dZ = torch.from_numpy(np.ascontiguousarray(x["dZ"].transpose(0, 3, 1, 2)))
    top, bottom, left, right = PADS

    def step() -> tuple:
        a = A.detach().requires_grad_(need_dA)
        w, bb = W.detach().requires_grad_(), b.detach().requires_grad_()
        Z = tF.conv2d(tF.pad(a, (left, right, top, bottom)), w, bb)
        Z.backward(dZ)
        return Z, a.grad, w.grad, bb.grad

    return step


def torch_as_course(out: tuple) -> tuple:
    """PyTorch's (Z, dA, dW, db) in the course's NHWC shapes, as numpy."""
    Z, dA, dW, db = (None if t is None else t.detach().numpy() for t in out)
    return (
        Z.transpose(0, 2, 3, 1),
        None if dA is None else dA.transpose(0, 2, 3, 1),
        dW.transpose(2, 3, 1, 0),
        db.reshape(1, 1, 1, -1),
    )


def _blas_threads() -> int:
    try:
        from threadpoolctl import threadpool_info
    except ImportError:
        return 1
    threads = [p["num_threads"] for p in threadpool_info() if p.get("user_api") == "blas"]
    return threads[0] if threads else 1


# ----------------------------------------------------------------------------- SIGNS step
SIGNS_LR = 0.01


def signs_data(m: int, dtype: type, seed: int = 0) -> tuple[np.ndarray, np.ndarray]:
    """m signs_like images X (m, 64, 64, 3) in ``dtype`` and one-hot Y (6, m)."""
    X, labels = datasets.signs_like(m, seed=seed)
    return X.astype(dtype), np.eye(6, dtype=dtype)[:, labels.ravel()]


def signs_ours(X: np.ndarray, Y: np.ndarray, seed: int = 0) -> tuple[Callable[[], float], dict]:
    """fit's own step of ``ConvNetwork.signs`` with Adam; returns (step, initial params)."""
    net = ConvNetwork.signs(seed=seed, dtype=X.dtype)
    params = net.get_parameters()
    opt = Adam(net.parameters(), SIGNS_LR)
    Xt = net.check_X(X)
    Yd = net.check_Y(Y, X.shape[0])
    stepper = Stepper(net, opt, X.shape[0])  # as fit(): two recorded steps, then the tape

    def step() -> float:
        return stepper.step(Xt, Yd, 1)

    return step, params


def signs_torch(X: np.ndarray, Y: np.ndarray, params: dict) -> Callable[[], float] | None:
    """The same model, initial parameters and Adam in PyTorch eager (NCHW)."""
    try:
        import torch
    except ImportError:
        return None
    tF = torch.nn.functional

    def conv_w(W: np.ndarray):  # (f, f, n_C_prev, n_C) -> (n_C, n_C_prev, f, f)
        return torch.tensor(np.ascontiguousarray(W.transpose(3, 2, 0, 1)), requires_grad=True)

    P = [
        conv_w(params["W1"]),
        torch.tensor(params["b1"].ravel(), requires_grad=True),
        conv_w(params["W2"]),
        torch.tensor(params["b2"].ravel(), requires_grad=True),
        torch.tensor(params["W3"], requires_grad=True),
        torch.tensor(params["b3"].ravel(), requires_grad=True),
    ]
    opt = torch.optim.Adam(P, lr=SIGNS_LR, betas=(0.9, 0.999), eps=1e-8)
    Xt = torch.from_numpy(np.ascontiguousarray(X.transpose(0, 3, 1, 2)))
    labels = torch.from_numpy(Y.argmax(axis=0))
    W1, b1, W2, b2, W3, b3 = P

    def step() -> float:
        opt.zero_grad()
        A = tF.max_pool2d(tF.relu(tF.conv2d(tF.pad(Xt, (1, 2, 1, 2)), W1, b1)), 8, 8)
        A = tF.max_pool2d(tF.relu(tF.conv2d(tF.pad(A, (0, 1, 0, 1)), W2, b2)), 4, 4)
        F = A.permute(0, 2, 3, 1).reshape(A.shape[0], -1)  # (h, w, c) order, as ours
        J = tF.cross_entropy(tF.linear(F, W3, b3), labels)
        J.backward()
        opt.step()
        return J.item()

    return step


def _set_threads(threads: int) -> None:
    try:
        import torch

        torch.set_num_threads(threads)
    except ImportError:
        pass  # torch is optional: without it the PyTorch columns are skipped


def step_memory(name: str, dtype: str, m: int, warmup: int = 3) -> dict[str, float]:
    """In THIS process (a fresh child): build the step, warm it up, then the peak resident
    memory of one step over the resident set before it (bytes); for ours also tracemalloc's
    peak of that step (numpy's buffers)."""
    _set_threads(_blas_threads())
    X, Y = signs_data(m, np.dtype(dtype).type)
    ours, params = signs_ours(X, Y)
    step = ours if name == "ours" else signs_torch(X, Y, params)
    if step is None:
        return {}
    del ours
    for _ in range(warmup):
        step()
    before = _status_kb("VmRSS")
    with open("/proc/self/clear_refs", "w") as f:
        f.write("5")  # reset the high-water mark VmHWM to the current resident set
    step()
    out = {"peak": (_status_kb("VmHWM") - before) * 1024.0}
    if name == "ours":
        tracemalloc.start()
        step()
        out["tracemalloc"] = float(tracemalloc.get_traced_memory()[1])
        tracemalloc.stop()
    return out


def _status_kb(key: str) -> int:
    with open("/proc/self/status") as f:
        for line in f:
            if line.startswith(key + ":"):
                return int(line.split()[1])
    raise RuntimeError(f"{key} not in /proc/self/status")


def memory_in_child(name: str, dtype: str, m: int) -> dict[str, float]:
    """:func:`step_memory` of ``name`` ("ours" or "pytorch") in a fresh Python, with glibc
    giving blocks over 64 KiB back when freed; {} where /proc/self/clear_refs is missing."""
    if not os.path.exists("/proc/self/clear_refs"):
        return {}
    root = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
    path = os.pathsep.join(p for p in (root, os.environ.get("PYTHONPATH")) if p)
    env = dict(os.environ, MALLOC_MMAP_THRESHOLD_=str(64 * 1024), PYTHONPATH=path)
    code = (
        "import json, benchmarks.conv as b; "
        f"print(json.dumps(b.step_memory({name!r}, {dtype!r}, {m})))"
    )
    proc = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, env=env, timeout=600, cwd=root
    )
    if proc.returncode != 0:
        print(f"(memory of {name} {dtype}: the child failed: {proc.stderr.strip()[-300:]})")
        return {}
    return json.loads(proc.stdout.strip().splitlines()[-1])


def _mb(n: float | None) -> str:
    return "-" if n is None else f"{n / 1e6:.1f} MB"


def signs_step_table(m: int, rounds: int, memory: bool = True) -> str:
    """The SIGNS training step, ours and PyTorch's: times, ratio, peak memory of a step."""
    rows = [
        [
            "SIGNS step",
            "autograd_dnn",
            "pytorch",
            "ours / pytorch [q1, q3]",
            "peak ours",
            "peak pytorch",
            "ours / pytorch",
            "tracemalloc ours",
        ]
    ]
    for dtype in (np.float32, np.float64):
        X, Y = signs_data(m, dtype)
        ours, params = signs_ours(X, Y)
        torch_step = signs_torch(X, Y, params)
        if torch_step is not None:  # the same computation: the same costs, step by step
            a = [ours() for _ in range(3)]
            b = [torch_step() for _ in range(3)]
            rtol = 1e-4 if dtype == np.float32 else 1e-9
            np.testing.assert_allclose(a, b, rtol=rtol, err_msg="ours and pytorch differ")
        fns = {"ours": ours} | ({"pytorch": torch_step} if torch_step else {})
        samples = interleaved_samples(fns, rounds=rounds, lead_in=1)
        row = [f"m = {m}, {np.dtype(dtype).name}", fmt_time(statistics.median(samples["ours"]))]
        if torch_step is not None:
            q1, q2, q3 = ratio_quartiles(samples, "ours", "pytorch")
            row += [
                fmt_time(statistics.median(samples["pytorch"])),
                f"{q2:.2f} [{q1:.2f}, {q3:.2f}]",
            ]
        else:
            row += ["-", "-"]
        name = np.dtype(dtype).name
        mem = {k: memory_in_child(k, name, m) for k in ("ours", "pytorch")} if memory else {}
        peak_o = mem.get("ours", {}).get("peak")
        peak_t = mem.get("pytorch", {}).get("peak")
        ratio = f"{peak_o / peak_t:.2f}" if peak_o and peak_t else "-"
        row += [_mb(peak_o), _mb(peak_t), ratio, _mb(mem.get("ours", {}).get("tracemalloc"))]
        rows.append(row)
    return table(rows)


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--m", type=int, default=64, help="samples of the timed batch")
    parser.add_argument("--loop-m", type=int, default=1, help="samples the loops run on")
    parser.add_argument("--rounds", type=int, default=5, help="timed rounds (median)")
    parser.add_argument("--threads", type=int, default=None, help="BLAS and PyTorch threads")
    parser.add_argument("--side", type=int, default=SIDE, help="n_H_prev = n_W_prev")
    parser.add_argument(
        "--quick", action="store_true", help="m 4, one loop sample, 3 rounds; no memory children"
    )
    parser.add_argument("--no-ops", action="store_true", help="only the SIGNS training step")
    parser.add_argument("--no-step", action="store_true", help="only the conv2d op")
    parser.add_argument("--step-m", type=int, default=64, help="images in the SIGNS step")
    parser.add_argument("--step-rounds", type=int, default=15, help="timed rounds of the step")
    parser.add_argument("--no-memory", action="store_true", help="skip the step's peak memory")
    args = parser.parse_args(argv)
    if args.quick:
        args.m, args.loop_m, args.rounds = 4, 1, 3
        args.step_m, args.step_rounds, args.no_memory = 8, 3, True
    if args.threads is not None:
        from threadpoolctl import threadpool_limits

        threadpool_limits(args.threads, user_api="blas")

    print(machine_info())
    print(blas_info())
    threads = _blas_threads()
    try:
        import torch

        torch.set_num_threads(threads)
        print(f"pytorch {torch.__version__}, {torch.get_num_threads()} thread(s)")
    except ImportError:
        print("(pytorch not installed: skipped; pip install torch==2.13.0)")
    if not args.no_ops:
        print(op_table(args))
    if not args.no_step:
        print(
            f"\nSIGNS model, one training step (forward, cost, backward, Adam) on m = "
            f"{args.step_m} signs_like images; peak memory of one step (child processes)"
        )
        print(signs_step_table(args.step_m, args.step_rounds, memory=not args.no_memory))


def op_table(args: argparse.Namespace) -> str:
    """conv2d forward+backward: ours, the course's loops (scaled), PyTorch."""
    print(
        f"conv2d A_prev ({args.m}, {args.side}, {args.side}, {N_C_PREV}), "
        f"W ({F}, {F}, {N_C_PREV}, {N_C}), pad 'same' {PADS}; "
        f"loops on {args.loop_m} sample(s), scaled by {args.m / args.loop_m:g}"
    )

    rows = [
        [
            "dtype",
            "backward gives",
            "autograd_dnn",
            "loops (scaled)",
            "loops / ours [q1, q3]",
            "pytorch",
            "ours / pytorch [q1, q3]",
        ]
    ]
    for dtype in (np.float64, np.float32):
        x = make_inputs(args.m, dtype, args.side)
        x_loop = make_inputs(args.loop_m, dtype, args.side)
        for need_dA in (False, True):
            fns = {
                "ours": ours_step(x, need_dA),
                "loops": lambda x=x_loop, d=need_dA: loop_step(x, d),
            }
            t = torch_step(x, need_dA)
            if t is not None:
                fns["pytorch"] = t
            samples = interleaved_samples(fns, rounds=args.rounds)
            scale = args.m / args.loop_m
            samples["loops"] = [v * scale for v in samples["loops"]]
            q1, q2, q3 = ratio_quartiles(samples, "loops", "ours")
            row = [
                np.dtype(dtype).name,
                "dA_prev, dW, db" if need_dA else "dW, db",
                fmt_time(statistics.median(samples["ours"])),
                fmt_time(statistics.median(samples["loops"])),
                f"{q2:.0f}x [{q1:.0f}, {q3:.0f}]",
            ]
            if t is not None:
                q1, q2, q3 = ratio_quartiles(samples, "ours", "pytorch")
                row += [
                    fmt_time(statistics.median(samples["pytorch"])),
                    f"{q2:.3g} [{q1:.3g}, {q3:.3g}]",
                ]
            else:
                row += ["-", "-"]
            rows.append(row)
    return table(rows)


if __name__ == "__main__":
    main()
