"""One LSTM training step (n_x = 27, n_a = 64, m = 32, T_x = 50), autograd_dnn beside numpy.

Each step: forward over T_x steps, the softmax output of every step, the cost (cross-entropy
summed over time, averaged over m), backprop through time, and a gradient-descent update.

- numpy BPTT: hand-written and vectorized over m with the course's formulas: the LSTM cell
  forward as ``lstm_cell_forward`` (concat = [a_prev; xt], four gate products), the output
  layer and its softmax on all T_x steps in one product, and the backward loop of
  ``lstm_backward`` with ``lstm_cell_backward``'s equations. It skips dx (no training step
  needs it). :func:`numpy_lstm_gradients` is that computation; the tests check it against
  the textbook and against the model's gradients.
- autograd_dnn: ``RNNModel(cell="lstm")`` trained by ``fit``'s own step
  (``train.Stepper``): one ``lstm_cell`` node per step, taped on the second step and
  replayed from the third. ``autograd_dnn (recorded)`` records every step instead (what
  ``gradients()`` and the gradient checks run).
- PyTorch (CPU, eager, when installed): ``torch.nn.LSTM`` with a linear output, and the same
  cell written step by step with torch operations (``cell loop``).

Timings are medians over rounds run in a shuffled order, each timed step right after an
untimed one of its own; ratios are taken within a round (see benchmarks/common.py).

    env -u OPENBLAS_CORETYPE -u OPENBLAS_L2_SIZE python -m benchmarks.rnn [--rounds N]
"""

from __future__ import annotations

import argparse
import importlib.util
import os
import statistics

import numpy as np

from autograd_dnn.optim import make_optimizer
from autograd_dnn.recurrent import RNNModel
from autograd_dnn.train import Stepper
from benchmarks.common import (
    blas_info,
    fmt_time,
    interleaved_samples,
    machine_info,
    ratio_quartiles,
    table,
)

N_X, N_A, M, T_X = 27, 64, 32, 50
LR = 0.01
GATES = ("f", "i", "c", "o")


def make_data(
    n_x: int = N_X, n_a: int = N_A, m: int = M, T_x: int = T_X, seed: int = 0
) -> tuple[dict[str, np.ndarray], np.ndarray, np.ndarray]:
    """LSTM parameters (xavier, as RNNModel's), one-hot inputs and next-step targets."""
    params = RNNModel(n_x, n_a, n_x, cell="lstm", seed=seed).get_parameters()
    rng = np.random.default_rng(seed)
    labels = rng.integers(0, n_x, size=(m, T_x + 1))
    onehot = np.moveaxis(np.eye(n_x)[labels], -1, 0)  # (n_x, m, T_x + 1)
    return params, onehot[:, :, :-1].copy(), onehot[:, :, 1:].copy()


def _sigmoid(z: np.ndarray) -> np.ndarray:
    return 1.0 / (1.0 + np.exp(-z))


def numpy_lstm_gradients(
    p: dict[str, np.ndarray], X: np.ndarray, Y: np.ndarray
) -> tuple[float, dict[str, np.ndarray]]:
    """J and its gradients ``dWf, dbf, ..., dWy, dby`` for the LSTM with a softmax output at
    every step, from a<0> = c<0> = 0, in plain numpy with the course's formulas."""
    n_x, m, T_x = X.shape
    n_a = p["Wf"].shape[0]
    a = np.empty((n_a, m, T_x))
    caches = []
    a_prev = np.zeros((n_a, m))
    c_prev = np.zeros((n_a, m))
    for t in range(T_x):  # lstm_cell_forward
        concat = np.concatenate((a_prev, X[:, :, t]), axis=0)
        ft = _sigmoid(p["Wf"] @ concat + p["bf"])
        it = _sigmoid(p["Wi"] @ concat + p["bi"])
        cct = np.tanh(p["Wc"] @ concat + p["bc"])
        c_next = ft * c_prev + it * cct
        ot = _sigmoid(p["Wo"] @ concat + p["bo"])
        tanh_c = np.tanh(c_next)
        a_next = ot * tanh_c
        a[:, :, t] = a_next
        caches.append((c_prev, concat, ft, it, cct, ot, tanh_c))
        a_prev, c_prev = a_next, c_next
    A = a.reshape(n_a, m * T_x)
    Z = p["Wy"] @ A + p["by"]
    Z -= Z.max(axis=0, keepdims=True)
    E = np.exp(Z)
    S = E.sum(axis=0, keepdims=True)
    Yf = Y.reshape(-1, m * T_x)
    J = -float(np.sum(Yf * (Z - np.log(S)))) / m
    dZ = (E / S * Yf.sum(axis=0, keepdims=True) - Yf) / m  # zero where a step has no target
    grads = {"dWy": dZ @ A.T, "dby": dZ.sum(axis=1, keepdims=True)}
    da = (p["Wy"].T @ dZ).reshape(n_a, m, T_x)
    for g in GATES:
        grads[f"dW{g}"] = np.zeros_like(p[f"W{g}"])
        grads[f"db{g}"] = np.zeros_like(p[f"b{g}"])
    da_prevt = np.zeros((n_a, m))
    dc_prevt = np.zeros((n_a, m))
    for t in reversed(range(T_x)):  # lstm_backward with lstm_cell_backward's equations
        c_prev, concat, ft, it, cct, ot, tanh_c = caches[t]
        da_next = da[:, :, t] + da_prevt
        dc = dc_prevt + da_next * ot * (1 - tanh_c**2)
        d = {
            "o": da_next * tanh_c * ot * (1 - ot),
            "c": dc * it * (1 - cct**2),
            "i": dc * cct * it * (1 - it),
            "f": dc * c_prev * ft * (1 - ft),
        }
        da_prevt = sum(p[f"W{g}"][:, :n_a].T @ d[g] for g in GATES)
        dc_prevt = dc * ft
        for g in GATES:
            grads[f"dW{g}"] += d[g] @ concat.T
            grads[f"db{g}"] += d[g].sum(axis=1, keepdims=True)
    return J, grads


def numpy_step(params: dict, X: np.ndarray, Y: np.ndarray):
    """The numpy BPTT step, updating its own copy of ``params``; returns the cost."""
    p = {k: v.copy() for k, v in params.items()}

    def step():
        J, grads = numpy_lstm_gradients(p, X, Y)
        for k in p:
            p[k] -= LR * grads[f"d{k}"]
        return J

    return step


def ours_step(params: dict, X: np.ndarray, Y: np.ndarray, tape: bool = True):
    """``fit``'s own step on an RNNModel: recorded twice, then replayed from its tape
    (``tape=False``: recorded at every step)."""
    model = RNNModel.from_parameters(params)
    opt = make_optimizer("gd", model.parameters(), LR, 0.9, 0.9, 0.999, 1e-8, 0.0)
    stepper = Stepper(model, opt, X.shape[1])
    if not tape:
        stepper.tapes = None
    Xt, Yd = model.check_X(X), model.check_Y(Y, X.shape[1])

    def step():
        return stepper.step(Xt, Yd, 1)

    return step


def _torch_params(params: dict):
    import torch

    return {k: torch.tensor(v, requires_grad=True) for k, v in params.items()}


def torch_cell_loop_step(params: dict, X: np.ndarray, Y: np.ndarray):
    """The course's LSTM cell, step by step, with torch operations and autograd."""
    import torch

    P = _torch_params(params)
    Xt = torch.from_numpy(X)
    labels = torch.from_numpy(Y.argmax(axis=0).reshape(-1))  # (m * T_x,), every step has one
    n_x, m, T_x = X.shape
    n_a = params["Wf"].shape[0]

    def step():
        a = torch.zeros(n_a, m, dtype=torch.float64)
        c = torch.zeros(n_a, m, dtype=torch.float64)
        outs = []
        for t in range(T_x):
            concat = torch.cat((a, Xt[:, :, t]), 0)
            ft = torch.sigmoid(P["Wf"] @ concat + P["bf"])
            it = torch.sigmoid(P["Wi"] @ concat + P["bi"])
            cct = torch.tanh(P["Wc"] @ concat + P["bc"])
            c = ft * c + it * cct
            a = torch.sigmoid(P["Wo"] @ concat + P["bo"]) * torch.tanh(c)
            outs.append(a)
        A = torch.stack(outs, 2).reshape(n_a, m * T_x)
        Z = P["Wy"] @ A + P["by"]
        J = torch.nn.functional.cross_entropy(Z.T, labels, reduction="sum") / m
        for q in P.values():
            q.grad = None
        J.backward()
        with torch.no_grad():
            for q in P.values():
                q -= LR * q.grad
        return float(J.detach())

    return step


def torch_lstm_step(params: dict, X: np.ndarray, Y: np.ndarray):
    """``torch.nn.LSTM`` (float64, the same sizes; its own gate layout) and a linear output."""
    import torch

    n_x, m, T_x = X.shape
    n_a = params["Wf"].shape[0]
    torch.manual_seed(0)
    lstm = torch.nn.LSTM(n_x, n_a, dtype=torch.float64)  # input (T_x, m, n_x)
    out = torch.nn.Linear(n_a, n_x, dtype=torch.float64)
    Xt = torch.from_numpy(np.ascontiguousarray(X.transpose(2, 1, 0)))
    labels = torch.from_numpy(Y.argmax(axis=0).T.reshape(-1))  # (T_x * m,)
    opt = torch.optim.SGD(list(lstm.parameters()) + list(out.parameters()), lr=LR)

    def step():
        h, _ = lstm(Xt)
        Z = out(h.reshape(T_x * m, n_a))
        J = torch.nn.functional.cross_entropy(Z, labels, reduction="sum") / m
        opt.zero_grad()
        J.backward()
        opt.step()
        return float(J.detach())

    return step


def frameworks() -> dict:
    found = {
        "numpy BPTT": numpy_step,
        "autograd_dnn": ours_step,
        "autograd_dnn (recorded)": lambda p, X, Y: ours_step(p, X, Y, tape=False),
    }
    if importlib.util.find_spec("torch") is not None:
        found["torch nn.LSTM"] = torch_lstm_step
        found["torch cell loop"] = torch_cell_loop_step
    else:
        print("(pytorch not installed: skipped)")
    return found


def main(argv: list[str] | None = None) -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--rounds", type=int, default=31, help="rounds (default 31)")
    ap.add_argument(
        "--blas-threads",
        type=int,
        help="limit the BLAS pool (threadpoolctl) and torch to N threads: on a machine shared "
        "with other work, spinning BLAS threads can dominate steps this small",
    )
    args = ap.parse_args(argv)
    if args.blas_threads:
        from threadpoolctl import threadpool_limits

        threadpool_limits(args.blas_threads, user_api="blas")
    if importlib.util.find_spec("torch") is not None:
        import torch

        torch.set_num_threads(args.blas_threads or len(os.sched_getaffinity(0)))
    print(machine_info())
    print(blas_info())
    print(f"LSTM n_x = {N_X}, n_a = {N_A}, m = {M}, T_x = {T_X}, float64, one gd step each")
    params, X, Y = make_data()
    fns = {name: make(params, X, Y) for name, make in frameworks().items()}
    samples = interleaved_samples(fns, rounds=args.rounds, warmup=3, lead_in=1)
    rows = [["framework", "median step", "/ numpy BPTT (median of rounds)", "quartiles"]]
    for name, times in samples.items():
        if name == "numpy BPTT":
            rows.append([name, fmt_time(statistics.median(times)), "1.00", ""])
            continue
        q1, q2, q3 = ratio_quartiles(samples, name, "numpy BPTT")
        rows.append(
            [name, fmt_time(statistics.median(times)), f"{q2:.2f}", f"[{q1:.2f}, {q3:.2f}]"]
        )
    print(table(rows))
    print(blas_info())


if __name__ == "__main__":
    main()
