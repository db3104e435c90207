"""What the engine costs per training step, counted rather than timed.

On a deep, narrow network (fifty layers of two units, m=2) the arithmetic is almost free,
so a step's cost is the Python around it. This script counts, for the numpy textbook step,
the no-engine floor and autograd_dnn's ``fit`` step (see ``benchmarks.train_step``):

- Python bytecodes executed per step (``sys.settrace`` with opcode events), and
- CPU instructions per step, when valgrind is installed: the count for 250 steps minus the
  count for 50, over 200, so start-up and imports cancel. BLAS runs one thread there
  (``OPENBLAS_NUM_THREADS=1``) so that the count does not depend on thread scheduling.

Both are exact and repeat from run to run, unlike times on a shared machine.

    python -m benchmarks.overhead [--no-valgrind]
"""

from __future__ import annotations

import argparse
import collections
import os
import re
import shutil
import subprocess
import sys

import numpy as np

from benchmarks.common import table
from benchmarks.train_step import floor_step, make_data, numpy_step, ours_step, short_dims

DIMS, M = [2] * 50 + [1], 2
STEPS = {"numpy": numpy_step, "no-engine floor": floor_step, "autograd_dnn": ours_step}
GOAL = 24_000  # bytecodes per replayed autograd_dnn step (issue 12)


def _make(kind: str):
    step = STEPS[kind](*make_data(DIMS, M, np.float32))
    step()  # autograd_dnn records its first two steps, tapes the second,
    step()  # and replays from the third on: the one counted
    return step


def bytecodes_per_step(kind: str) -> tuple[int, int]:
    """(bytecodes, Python calls) of one step, after two warm-up steps."""
    step = _make(kind)
    opcodes = collections.Counter()

    def tracer(frame, event, arg):
        frame.f_trace_opcodes = True
        opcodes[event] += 1
        return tracer

    sys.settrace(tracer)
    try:
        step()
    finally:
        sys.settrace(None)
    return opcodes["opcode"], opcodes["call"]


def _child(kind: str, n: int) -> None:
    step = _make(kind)
    for _ in range(n):
        step()


def instructions_per_step(kind: str, valgrind: str) -> int:
    """CPU instructions of one step under valgrind: (250 steps - 50 steps) / 200."""
    counts = []
    env = dict(os.environ, OPENBLAS_NUM_THREADS="1")
    for n in (50, 250):
        out = subprocess.run(
            [valgrind, "--tool=cachegrind", "--cache-sim=no", "--cachegrind-out-file=/dev/null"]
            + [sys.executable, "-m", "benchmarks.overhead", "--child", kind, str(n)],
            capture_output=True,
            text=True,
            env=env,
            check=True,
        )
        found = re.search(r"I\s+refs:\s+([\d,]+)", out.stderr)
        if found is None:
            raise RuntimeError(f"no instruction count in valgrind's output:\n{out.stderr[-2000:]}")
        counts.append(int(found.group(1).replace(",", "")))
    return (counts[1] - counts[0]) // 200


def main(argv: list[str] | None = None) -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--no-valgrind", action="store_true", help="count bytecodes only")
    ap.add_argument("--child", nargs=2, metavar=("KIND", "N"), help=argparse.SUPPRESS)
    args = ap.parse_args(argv)
    if args.child:
        _child(args.child[0], int(args.child[1]))
        return
    valgrind = None if args.no_valgrind else shutil.which("valgrind")
    print(f"network {short_dims(DIMS)}, m={M}, float32, one step")
    if valgrind is None and not args.no_valgrind:
        print("(valgrind not found: bytecodes only)")
    header = ["step", "bytecodes", "Python calls"] + (["CPU instructions"] if valgrind else [])
    rows, base = [header], {}
    for kind in STEPS:
        ops, calls = bytecodes_per_step(kind)
        row = [kind, f"{ops:,}", f"{calls:,}"]
        if valgrind:
            ins = instructions_per_step(kind, valgrind)
            base.setdefault("ins", ins)
            row.append(f"{ins:,} ({ins / base['ins']:.2f} x numpy)")
        rows.append(row)
    print(table(rows))
    replayed = int(rows[-1][1].replace(",", ""))
    verdict = "met" if replayed <= GOAL else "NOT met"
    print(f"goal: at most {GOAL:,} bytecodes per replayed step; {replayed:,}: {verdict}")
    print(f"the recording path (the step fit records, twice per batch shape): {recorded():,}")


def recorded() -> int:
    """Bytecodes of one step recorded by the engine (no tape): what fit runs on a batch
    shape's first two steps, and on every step of a network whose forward is user code."""
    import autograd_dnn as ad
    from benchmarks.train_step import make_data

    params, X, Y = make_data(DIMS, M, np.float32)
    net = ad.DeepNetwork.from_parameters(params)
    opt = ad.optim.GD(net.parameters(), 0.01)
    stepper = ad.train.Stepper(net, opt, M)
    stepper.tapes = None  # never tape: every step is recorded
    Xt = ad.Tensor(X, name="X")
    stepper.step(Xt, Y, 0)
    opcodes = collections.Counter()

    def tracer(frame, event, arg):
        frame.f_trace_opcodes = True
        opcodes[event] += 1
        return tracer

    sys.settrace(tracer)
    try:
        stepper.step(Xt, Y, 1)
    finally:
        sys.settrace(None)
    return opcodes["opcode"]


if __name__ == "__main__":
    main()
