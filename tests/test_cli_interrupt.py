"""Ctrl-C (issue 14, item 2): one line, exit 130, and nothing that was finished is lost.

Each test starts the command in a session of its own and sends SIGINT to its whole process
group, as a terminal's Ctrl-C does (worker processes of a sweep get it too).
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

import numpy as np
import pytest

from tests.test_cli import cli_env

pytestmark = pytest.mark.skipif(not hasattr(os, "killpg"), reason="POSIX process groups")


def start(*args: object, cwd: Path, env: dict[str, str] | None = None) -> subprocess.Popen:
    return subprocess.Popen(
        [sys.executable, "-m", "autograd_dnn", *map(str, args)],
        cwd=cwd,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env=env or cli_env(TQDM_DISABLE="1"),
        start_new_session=True,
    )


def wait_for(condition, what: str, timeout: float = 60.0) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out waiting for {what}")
        time.sleep(0.05)


def interrupt(proc: subprocess.Popen, after: float) -> tuple[str, str]:
    """SIGINT to the process group ``after`` seconds from now; (stdout, stderr)."""
    time.sleep(after)
    os.killpg(proc.pid, signal.SIGINT)
    try:
        return proc.communicate(timeout=60)
    except subprocess.TimeoutExpired:
        os.killpg(proc.pid, signal.SIGKILL)
        raise AssertionError("the command did not stop within 60 s of Ctrl-C") from None


def assert_one_line(stderr: str, *needles: str) -> str:
    assert "Traceback" not in stderr, stderr
    lines = stderr.strip().splitlines()
    assert len(lines) == 1, f"expected one line, got:\n{stderr}"
    for needle in needles:
        assert needle in lines[0], f"{needle!r} not in {lines[0]!r}"
    return lines[0]


def training_started(proc: subprocess.Popen) -> None:
    """Block until the command printed the network (training starts right after)."""
    line = proc.stdout.readline()
    assert line.startswith("DeepNetwork("), line


def test_train_ctrl_c_saves_the_last_finished_iteration(tmp_path: Path) -> None:
    """The saved model is bit for bit the model of a run asked for exactly that many
    iterations: no step is half applied and none is lost."""
    args = ("train", "--layers", "2,6,1", "--dataset", "moons", "--lr", "0.05",
            "--print-every", "1000000", "--dev-fraction", "0")  # fmt: skip
    proc = start(*args, "--iterations", "100000000", "--save", "stopped.npz", cwd=tmp_path)
    training_started(proc)
    _, stderr = interrupt(proc, after=1.0)
    assert proc.returncode == 130, stderr
    line = assert_one_line(stderr, "interrupted at iteration", "stopped.npz")

    from autograd_dnn.nn import DeepNetwork
    from autograd_dnn.serialize import read_metadata

    meta = read_metadata(tmp_path / "stopped.npz")["training"]
    assert meta["interrupted"] is True
    steps = meta["optimizer_steps"]
    assert steps >= 1 and meta["iteration"] in (steps - 1, steps), meta
    assert f"interrupted at iteration {meta['iteration']}" in line
    assert not [p for p in tmp_path.iterdir() if p.name.startswith(".tmp-")], "a temporary left"

    # the same run asked for exactly `steps` iterations, to completion
    done = subprocess.run(
        [sys.executable, "-m", "autograd_dnn", *args, "--iterations", str(steps),
         "--save", "full.npz", "--quiet"],
        cwd=tmp_path, capture_output=True, text=True, env=cli_env(), timeout=300,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr
    stopped = DeepNetwork.load(str(tmp_path / "stopped.npz")).get_parameters()
    full = DeepNetwork.load(str(tmp_path / "full.npz")).get_parameters()
    for key in full:
        np.testing.assert_array_equal(stopped[key], full[key], err_msg=key)


def test_train_ctrl_c_without_save_is_one_line(tmp_path: Path) -> None:
    proc = start("train", "--layers", "2,4,1", "--iterations", "100000000", cwd=tmp_path)
    training_started(proc)
    _, stderr = interrupt(proc, after=0.5)
    assert proc.returncode == 130, stderr
    assert_one_line(stderr, "autograd-dnn train: interrupted at iteration")
    assert list(tmp_path.iterdir()) == []


# moons: 320 training samples; a batch of 320 is 1 step per epoch, a batch of 1 is 320
SWEEP = ("sweep", "--layers", "2,3,1", "--dataset", "moons", "--iterations", "300",
         "--quiet", "--print-every", "1000")  # fmt: skip


def test_sweep_ctrl_c_keeps_the_finished_rows(tmp_path: Path) -> None:
    """Two workers: the quick configuration finishes and is written, the slow one is
    interrupted; one line, exit 130, the finished row stays in results.jsonl."""
    out = tmp_path / "sw"
    results = out / "results.jsonl"
    proc = start(*SWEEP, "--batch-size", "320,1", "--workers", "2", "--out", out, cwd=tmp_path)
    wait_for(lambda: results.exists() and results.read_text().count("\n") >= 1, "a finished row")
    _, stderr = interrupt(proc, after=0.1)
    if proc.returncode == 0:
        pytest.skip("the slow configuration finished before Ctrl-C arrived")
    assert proc.returncode == 130, stderr
    assert_one_line(stderr, "interrupted", "results.jsonl", "--resume")
    rows = [json.loads(line)["row"] for line in results.read_text().splitlines()]
    assert [(r["batch_size"], r["error"]) for r in rows] == [(320, None)], rows


def test_sweep_serial_ctrl_c_is_one_line(tmp_path: Path) -> None:
    out = tmp_path / "sw"
    proc = start(*SWEEP, "--batch-size", "1", "--executor", "serial", "--out", out, cwd=tmp_path)
    wait_for(lambda: (out / "sweep.json").exists(), "the sweep to start")
    _, stderr = interrupt(proc, after=0.3)
    assert proc.returncode == 130, stderr
    assert_one_line(stderr, "autograd-dnn sweep: sweep interrupted", "--resume")


def test_sweep_ctrl_c_long_configurations(tmp_path: Path) -> None:
    """Workers busy with long configurations: every process stops at once, one line."""
    out = tmp_path / "sw"
    proc = start("sweep", "--layers", "2,8,1", "--lr", "0.1,0.01,0.001", "--iterations",
                 "100000000", "--workers", "2", "--out", out, "--quiet", cwd=tmp_path)  # fmt: skip
    wait_for(lambda: (out / "sweep.json").exists(), "the sweep to start")
    start_time = time.monotonic()
    _, stderr = interrupt(proc, after=1.5)
    assert time.monotonic() - start_time < 1.5 + 20, "Ctrl-C waited for the workers"
    assert proc.returncode == 130, stderr
    assert_one_line(stderr, "autograd-dnn sweep: sweep interrupted")


# ----------------------------------------------------------------------------- the mechanism
needs_main_thread = pytest.mark.skipif(
    not hasattr(signal, "setitimer") or threading.current_thread() is not threading.main_thread(),
    reason="SIGALRM and signal handlers on the main thread",
)


@needs_main_thread
def test_ctrl_c_inside_an_optimizer_step_waits_for_its_end() -> None:
    """SIGINT raised while W1 is updated and W2 is not yet: the step finishes (both
    updated), and only then KeyboardInterrupt arrives."""
    from autograd_dnn.cli import _StepBoundaryInterrupt
    from autograd_dnn.optim import GD
    from autograd_dnn.tensor import Tensor

    class CtrlCHalfway(GD):
        def _delta(self, i: int, g: np.ndarray) -> np.ndarray:
            if i == 1:
                signal.raise_signal(signal.SIGINT)  # between W1's update and W2's
            return super()._delta(i, g)

    params = {name: Tensor(np.ones((2, 2)), requires_grad=True, name=name) for name in "AB"}
    for p in params.values():
        p.grad = np.full((2, 2), 10.0)
    opt = CtrlCHalfway(params, learning_rate=0.1)
    finished = False
    with pytest.raises(KeyboardInterrupt), _StepBoundaryInterrupt():
        opt.step()
        finished = True
        deadline = time.monotonic() + 5
        while time.monotonic() < deadline:  # the retry raises within milliseconds
            time.sleep(0.001)
    assert finished, "KeyboardInterrupt was raised inside the step"
    for p in params.values():
        np.testing.assert_array_equal(p.data, np.zeros((2, 2)))  # 1 - 0.1 * 10
    assert signal.getsignal(signal.SIGINT) is signal.default_int_handler


@needs_main_thread
def test_ctrl_c_outside_a_step_is_at_once() -> None:
    from autograd_dnn.cli import _StepBoundaryInterrupt

    with pytest.raises(KeyboardInterrupt), _StepBoundaryInterrupt():
        signal.raise_signal(signal.SIGINT)
        raise AssertionError("not interrupted")
