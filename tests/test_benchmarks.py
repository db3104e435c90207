"""The training-step benchmark compares like with like: the numpy textbook step, the
no-engine floor and autograd_dnn's step compute the same costs, step after step (the cost of
step k is taken at the parameters the k-1 updates before it produced)."""

from __future__ import annotations

import numpy as np
import pytest

from benchmarks import train_step as ts


@pytest.mark.parametrize("dims, m", [([3, 4, 5, 1], 7), ([2, 3, 1], 1), ([6, 1], 4)])
@pytest.mark.parametrize("dtype", [np.float64, np.float32])
def test_the_timed_steps_compute_the_same_thing(dims, m, dtype):
    steps = {}
    for name, make in (("numpy", ts.numpy_step), ("floor", ts.floor_step), ("ours", ts.ours_step)):
        params, X, Y = ts.make_data(dims, m, dtype)
        X, Y = X * 3.0, Y  # larger inputs: big enough updates to tell steps apart
        steps[name] = make(params, X, Y)
    rel = 1e-10 if dtype == np.float64 else 1e-4
    costs = {k: [float(s()) for _ in range(4)] for k, s in steps.items()}
    assert costs["numpy"][0] != pytest.approx(costs["numpy"][-1], rel=1e-3)  # it learns
    for name in ("floor", "ours"):
        np.testing.assert_allclose(costs[name], costs["numpy"], rtol=rel, err_msg=name)


@pytest.mark.parametrize(
    "opts", [{"keep_prob": 0.7}, {"batch_norm": True}, {"keep_prob": 0.8, "batch_norm": True}]
)
@pytest.mark.parametrize("dtype", [np.float64, np.float32])
def test_the_course2_steps_compute_the_same_thing(opts, dtype):
    """mid-dropout and mid-bn: the hand-written numpy step draws the network's masks (the same
    seed, the same order) and writes batch norm's closed form; the costs agree step by step."""
    steps = {}
    for name, make in (("numpy", ts.numpy_step), ("ours", ts.ours_step)):
        params, X, Y = ts.make_data([5, 6, 4, 1], 9, dtype, **opts)
        steps[name] = make(params, X * 3.0, Y, **opts)
    costs = {k: [float(s()) for _ in range(5)] for k, s in steps.items()}
    assert costs["numpy"][0] != pytest.approx(costs["numpy"][-1], rel=1e-4)  # it learns
    rel = 1e-10 if dtype == np.float64 else 1e-4
    np.testing.assert_allclose(costs["ours"], costs["numpy"], rtol=rel)


def test_interleaved_rounds_vary_who_runs_before_whom_and_lead_in_each_timed_call():
    from benchmarks.common import interleaved_samples

    calls: list[str] = []
    fns = {name: (lambda name=name: calls.append(name)) for name in "abcd"}
    samples = interleaved_samples(fns, rounds=12, warmup=0, lead_in=1)
    assert all(len(v) == 12 for v in samples.values())
    assert calls[0::2] == calls[1::2]  # each timed call right after an untimed one of itself
    rounds = [calls[1::2][k : k + 4] for k in range(0, 48, 4)]
    assert all(sorted(r) == list("abcd") for r in rounds)
    before_a = {r[r.index("a") - 1] for r in rounds if r[0] != "a"}
    assert len(before_a) >= 2  # within a round, not always the same predecessor (as rotating)


def test_the_overhead_count_prints_bytecodes_and_calls_for_each_step(capsys):
    from benchmarks import overhead

    overhead.main(["--no-valgrind"])
    rows = [line for line in capsys.readouterr().out.splitlines() if line.startswith("| ")]
    counts = {r.split("|")[1].strip(): r.split("|")[2].strip() for r in rows[1:]}
    assert set(counts) == {"numpy", "no-engine floor", "autograd_dnn"}
    assert all(int(c.replace(",", "")) > 1000 for c in counts.values())  # fifty layers' worth


def test_only_names_a_framework_that_is_not_there(capsys):
    with pytest.raises(SystemExit) as err:
        ts.main(["--quick", "--cases", "tiny", "--only", "no-such-framework"])
    assert err.value.code == 2
    assert "--only: not available here: no-such-framework" in capsys.readouterr().err
