"""The optimizers, learning-rate decay and mini-batches against the course's own functions
(autograd_dnn.textbook): momentum, RMSprop and Adam (bias correction with t from 1) over
several steps, update_lr and schedule_lr_decay inside fit, random_mini_batches' partition."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import autograd_dnn as ad
from autograd_dnn import optim
from autograd_dnn import textbook as tb
from autograd_dnn.testing import strategies as ads
from autograd_dnn.train import minibatches


def _step_ours(opt, params, grads):
    for name, p in params.items():
        p.grad = grads[f"d{name}"]
    opt.step()
    return {k: p.data.copy() for k, p in params.items()}


@settings(max_examples=30, deadline=None)
@given(
    data=st.data(),
    kind=st.sampled_from(["gd", "momentum", "rmsprop", "adam"]),
    steps=st.integers(1, 4),
)
def test_each_optimizer_follows_the_courses_update(data, kind, steps):
    dims = data.draw(ads.layer_dims(max_layers=3, max_units=4))
    start = data.draw(ads.parameters(dims))
    lr = data.draw(st.sampled_from([0.01, 0.1]))
    beta = data.draw(st.sampled_from([0.0, 0.5, 0.9]))
    beta2 = data.draw(st.sampled_from([0.9, 0.999]))
    params = {k: ad.Tensor(v.copy(), requires_grad=True, name=k) for k, v in start.items()}
    opt = optim.make_optimizer(kind, params, lr, momentum=beta, beta1=beta, beta2=beta2)
    course = dict(start)
    v = tb.initialize_velocity(start)
    s = tb.initialize_rmsprop(start)
    va, sa = tb.initialize_adam(start)
    for t in range(1, steps + 1):
        grads = data.draw(ads.parameters(dims)).items()
        grads = {f"d{k}": g for k, g in grads}
        ours = _step_ours(opt, params, grads)
        if kind == "gd":
            course = tb.update_parameters_with_gd(course, grads, lr)
        elif kind == "momentum":
            course, v = tb.update_parameters_with_momentum(course, grads, v, beta, lr)
        elif kind == "rmsprop":
            course, s = tb.update_parameters_with_rmsprop(course, grads, s, beta2, lr, 1e-8)
        else:
            course, va, sa, _, _ = tb.update_parameters_with_adam(
                course, grads, va, sa, t, lr, beta, beta2, 1e-8
            )
        assert opt.t == t  # Adam's t counts updates from 1
        for k in ours:
            np.testing.assert_allclose(ours[k], course[k], rtol=1e-12, atol=1e-15, err_msg=k)


def test_rmsprop_state_dict_round_trips():
    p = ad.Tensor(np.ones((2, 2)), requires_grad=True, name="W1")
    opt = optim.RMSprop({"W1": p}, 0.1, time_interval=3, decay_rate=0.5)
    p.grad = np.full((2, 2), 0.5)
    opt.step()
    state = opt.state_dict()
    assert set(state["buffers"]) == {"s"} and state["time_interval"] == 3
    q = ad.Tensor(np.ones((2, 2)), requires_grad=True, name="W1")
    other = optim.RMSprop({"W1": q}, 0.1)
    other.load_state_dict(state)
    np.testing.assert_array_equal(other.s[0], opt.s[0])
    assert other.t == 1 and other.time_interval == 3


@pytest.mark.parametrize(
    "make, match",
    [
        (lambda p: optim.RMSprop(p, 0.1, beta2=1.0), r"beta2 must be in \[0, 1\)"),
        (lambda p: optim.RMSprop(p, 0.1, epsilon=0), "epsilon must be > 0"),
        (lambda p: optim.GD(p, 0.1, decay_rate=1.0, time_interval=0), "time_interval"),
        (lambda p: optim.make_optimizer("rms", p, 0.1), "known: gd, momentum, rmsprop, adam"),
    ],
)
def test_bad_optimizer_options_are_named(make, match):
    with pytest.raises(ValueError, match=match):
        make({"W1": ad.Tensor(np.ones((1, 1)), requires_grad=True)})


@pytest.mark.parametrize("time_interval", [None, 2])
def test_fit_decays_alpha_as_the_course_per_epoch(time_interval, monkeypatch):
    """During epoch e (from 0), alpha = update_lr(alpha0, e, decay_rate), or with a
    time_interval schedule_lr_decay(alpha0, e, decay_rate, time_interval)."""
    X, Y = ad.datasets.flower(40, seed=0)
    seen = []
    original = optim.Adam.step

    def spy(self):
        seen.append(self.learning_rate)
        original(self)

    monkeypatch.setattr(optim.Adam, "step", spy)
    net = ad.DeepNetwork([2, 4, 1], seed=0)
    net.fit(X, Y, learning_rate=0.1, iterations=5, batch_size=20, decay_rate=0.7,
            time_interval=time_interval, optimizer="adam", progress=False)  # fmt: skip
    if time_interval is None:
        per_epoch = [tb.update_lr(0.1, e, 0.7) for e in range(5)]
    else:
        per_epoch = [tb.schedule_lr_decay(0.1, e, 0.7, time_interval) for e in range(5)]
    assert seen == pytest.approx([a for a in per_epoch for _ in range(2)], rel=1e-15)


@settings(max_examples=30, deadline=None)
@given(m=st.integers(1, 70), size=st.integers(1, 70), seed=st.integers(0, 1000))
def test_minibatches_partition_a_permutation_as_random_mini_batches(m, size, seed):
    """fit's minibatches, given the course's RandomState(seed) as its generator, gives the
    same batches as textbook.random_mini_batches: one permutation, cut in batches of `size`,
    the last one smaller."""
    size = min(size, m)
    X = np.arange(m, dtype=float).reshape(1, m)
    ours = minibatches(m, size, np.random.RandomState(seed))
    course = tb.random_mini_batches(X, X, size, seed)
    assert len(ours) == len(course)
    for idx, (bx, _) in zip(ours, course):
        np.testing.assert_array_equal(X[:, idx], bx)
    assert [len(i) for i in ours[:-1]] == [size] * (len(ours) - 1)
    assert len(ours[-1]) == (m % size or size)


def test_fit_trains_with_rmsprop():
    X, Y = ad.datasets.flower(80, seed=0)
    net = ad.DeepNetwork([2, 6, 1], seed=0)
    h = net.fit(X, Y, learning_rate=0.01, iterations=60, optimizer="rmsprop", progress=False)
    assert h.costs[-1] < h.costs[0]
    assert net.training_state["optimizer_state"]["kind"] == "RMSprop"
