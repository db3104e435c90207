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

    env -u OPENBLAS_CORETYPE -u OPENBLAS_L2_SIZE python -m benchmarks.conv [--quick]
"""

from __future__ import annotations

import argparse
import statistics
from collections.abc import Callable

import numpy as np

from autograd_dnn import Tensor
from autograd_dnn.conv import conv2d, same_padding
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


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--m", type=int, default=64, help="samples of the timed batch")
    parser.add_argument("--loop-m", type=int, default=1, help="samples the loops run on")
    parser.add_argument("--rounds", type=int, default=5, help="timed rounds (median)")
    parser.add_argument("--threads", type=int, default=None, help="BLAS and PyTorch threads")
    parser.add_argument("--side", type=int, default=SIDE, help="n_H_prev = n_W_prev")
    parser.add_argument("--quick", action="store_true", help="m 4, one loop sample, 3 rounds")
    args = parser.parse_args(argv)
    if args.quick:
        args.m, args.loop_m, args.rounds = 4, 1, 3
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
    print(table(rows))


if __name__ == "__main__":
    main()
