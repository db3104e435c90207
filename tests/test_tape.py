"""fit replays its recorded step (autograd_dnn.tape): the numbers must be exactly those of
recording every step, for every network, cost, optimizer, batch size and L2 setting."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import autograd_dnn as ad
from autograd_dnn import ops, tape
from autograd_dnn.testing import strategies as ads

OUTPUTS = ["sigmoid", "softmax", "linear", "tanh"]


def _fit(net, X, Y, replay: bool, **kw):
    """fit, with the replay on or off; also returns how many steps were replayed."""
    replayed = []
    run = tape.Tape.run
    with pytest.MonkeyPatch.context() as mp:
        if replay:
            mp.setattr(tape.Tape, "run", lambda self, *a: replayed.append(1) or run(self, *a))
        else:
            mp.setattr(tape.Tape, "record", classmethod(lambda cls, *args: None))
        history = net.fit(X, Y, progress=False, **kw)
    return history, net.get_parameters(), len(replayed)


@settings(max_examples=40, deadline=None)
@given(
    data=st.data(),
    optimizer=st.sampled_from(["gd", "momentum", "adam"]),
    l2=st.sampled_from([None, 0.3]),
    split=st.sampled_from([None, 2, 3]),
    dtype=st.sampled_from([np.float64, np.float32]),
)
def test_replayed_steps_equal_recorded_steps(data, optimizer, l2, split, dtype):
    net = data.draw(ads.networks(max_layers=4, max_units=5, output=OUTPUTS))
    m = data.draw(st.integers(2, 7))
    X, Y = data.draw(ads.batches(net, m=m))
    if net.activations[-1] == "softmax":  # one-hot columns
        Y = np.eye(net.layer_dims[-1])[
            :, data.draw(st.lists(st.integers(0, net.layer_dims[-1] - 1), min_size=m, max_size=m))
        ]
    X, Y = X.astype(dtype), Y.astype(dtype)
    batch_size = None if split is None else min(split, m)  # a partial last batch when m % split
    kw = dict(
        learning_rate=0.05,
        iterations=4,
        optimizer=optimizer,
        l2=l2,
        batch_size=batch_size,
        print_every=1,
    )
    params = net.get_parameters()
    runs = []
    for replay in (True, False):
        fresh = ad.DeepNetwork.from_parameters(
            {k: v.astype(dtype) for k, v in params.items()}, activations=net.activations
        )
        runs.append(_fit(fresh, X, Y, replay, **kw))
    (h1, p1, replayed), (h2, p2, _) = runs
    assert replayed >= 2  # four iterations: at most two recorded steps per batch shape
    assert h1.costs == h2.costs
    for k in p1:
        np.testing.assert_array_equal(p1[k], p2[k], err_msg=k)


def test_fit_records_twice_per_batch_shape_and_replays_after(monkeypatch):
    X, Y = ad.datasets.moons(50, seed=0)
    calls = []
    original = ad.Function.apply.__func__

    def counting(cls, *args, **kwargs):
        calls.append(cls)
        return original(cls, *args, **kwargs)

    monkeypatch.setattr(ad.Function, "apply", classmethod(counting))
    net = ad.DeepNetwork([2, 4, 3, 1], seed=0)
    net.fit(X, Y, learning_rate=0.1, iterations=5, progress=False, print_every=1000)
    two_steps = len(calls)  # the ops of the two recorded steps: the other three were replayed
    calls.clear()
    net = ad.DeepNetwork([2, 4, 3, 1], seed=0)
    net.fit(X, Y, learning_rate=0.1, iterations=50, progress=False, print_every=1000)
    assert len(calls) == two_steps  # 45 more steps, no more recorded ops
    calls.clear()
    net.fit(X, Y, learning_rate=0.1, iterations=3, batch_size=20, progress=False, print_every=1000,
            track_gradients=False)  # fmt: skip
    assert ops.Linear in calls
    n_shapes = 2  # batches of 20 and the last one of 10
    recorded_steps = calls.count(ops.Linear) / 3 - 1  # three layers; minus the final check
    assert recorded_steps == 2 * n_shapes  # each shape's first two steps


def test_a_graph_holding_anything_that_could_go_stale_is_not_taped():
    W = ad.Tensor(np.ones((2, 2)), requires_grad=True)
    X = ad.Tensor(np.ones((2, 3)))
    Y = np.zeros((2, 3))
    assert tape.Tape.record(((W @ X) - Y).sum(), X, Y, [W]) is not None
    other_array = np.full((2, 3), 2.0)  # neither the batch nor a parameter
    assert tape.Tape.record(((W @ X) * other_array).sum(), X, Y, [W]) is None
    frozen = ad.Tensor(np.ones((2, 3)))  # a node-less tensor that is not a parameter
    assert tape.Tape.record(((W @ X) * frozen).sum(), X, Y, [W]) is None
    V = W * 1.0  # a "parameter" computed by an op
    assert tape.Tape.record(((V @ X) - Y).sum(), X, Y, [V]) is None
    rows = np.array([0, 1, 1])  # an index array (made from a batch, say) among an op's options
    assert tape.Tape.record((W @ X)[rows, np.arange(3)].sum(), X, Y, [W]) is None
    Xg = ad.Tensor(np.ones((2, 3)), requires_grad=True)  # X's own gradient: not the replay's
    assert tape.Tape.record(((W @ Xg) - Y).sum(), Xg, Y, [W]) is None
    Yt = ad.Tensor(Y)  # the replay hands forward the batch's arrays, as fit has them
    assert tape.Tape.record(((W @ X) - Yt).sum(), X, Yt, [W]) is None


def test_an_op_name_that_is_not_printable_stays_in_its_comment():
    class Odd(ad.Function):
        op_name = "odd\n\x00 = os.system"

        @staticmethod
        def forward(ctx, x):
            return x * 2.0

        @staticmethod
        def backward(ctx, g):
            return g * 2.0

    W = ad.Tensor(np.arange(4.0).reshape(2, 2), requires_grad=True)
    X = ad.Tensor(np.ones((2, 3)))
    Y = np.zeros((2, 3))
    t = tape.Tape.record(Odd.apply(W @ X).sum(), X, Y, [W])
    assert "# odd   = os.system" in t.source
    assert t.run(X, Y) == pytest.approx(float(Odd.apply(W @ X).sum().data))
    np.testing.assert_array_equal(W.grad, 2.0 * np.ones((2, 3)) @ X.data.T)


def test_a_frozen_first_layer_with_mini_batches_trains_as_recorded():
    """Frozen W1, b1: A1 has no graph node, and it changes with every batch."""
    X, Y = ad.datasets.moons(200, seed=0)
    runs = []
    for replay in (True, False):
        net = ad.DeepNetwork([2, 8, 4, 1], seed=0)
        net.layers[0].W.requires_grad = net.layers[0].b.requires_grad = False
        kw = dict(learning_rate=0.1, iterations=5, batch_size=32, print_every=1)
        runs.append(_fit(net, X, Y, replay, **kw))
    assert runs[0][0].costs == runs[1][0].costs
    for k in runs[0][1]:
        np.testing.assert_array_equal(runs[0][1][k], runs[1][1][k])


def test_a_forward_replaced_on_one_layer_object_counts_as_user_code():
    net = ad.DeepNetwork([2, 3, 1], seed=0)
    layer = net.layers[0]
    assert net.replayable
    layer.forward = lambda A_prev: ad.nn.Dense.forward(layer, A_prev)
    assert not net.replayable
    del layer.forward
    net.batch_cost = lambda *args, **kwargs: ad.DeepNetwork.batch_cost(net, *args, **kwargs)
    assert not net.replayable


def test_a_refused_shape_is_asked_once_and_detect_anomaly_never_tapes(monkeypatch):
    X, Y = ad.datasets.moons(30, seed=0)
    asked = []
    monkeypatch.setattr(tape.Tape, "record", classmethod(lambda cls, *a: asked.append(1)))
    net = ad.DeepNetwork([2, 3, 1], seed=0)
    net.fit(X, Y, learning_rate=0.1, iterations=3, progress=False)
    assert len(asked) == 1  # refused once (on step 2): later steps record without asking
    asked.clear()
    with ad.detect_anomaly():
        net.fit(X, Y, learning_rate=0.1, iterations=3, progress=False)
    assert asked == []  # never taped under detect_anomaly


@pytest.mark.filterwarnings("ignore:overflow encountered:RuntimeWarning")
def test_a_replayed_step_that_diverges_rolls_back_like_a_recorded_one():
    X, Y = ad.datasets.flower(100, seed=0)
    results = []
    for replay in (True, False):
        net = ad.DeepNetwork([2, 8, 1], seed=0, output_activation="linear")
        with pytest.raises(ad.TrainingDiverged) as err:
            _fit(net, X, Y, replay, learning_rate=10.0, iterations=500)
        results.append((str(err.value), net.get_parameters()))
    step = int(results[0][0].split(" at iteration ")[1].split()[0])
    assert step >= 2  # it diverged on a replayed step (the first two are recorded)
    assert results[0][0] == results[1][0]
    for k in results[0][1]:
        np.testing.assert_array_equal(results[0][1][k], results[1][1][k])


def test_the_tape_is_a_readable_straight_line_function_of_the_recorded_ops(monkeypatch):
    X, Y = ad.datasets.moons(20, seed=0)
    net = ad.DeepNetwork([2, 3, 2, 1], seed=0)
    tapes = []
    record = tape.Tape.record.__func__
    monkeypatch.setattr(
        tape.Tape, "record", classmethod(lambda cls, *a: tapes.append(record(cls, *a)) or tapes[-1])
    )
    net.fit(X, Y, learning_rate=0.1, iterations=3, progress=False)
    (t,) = tapes
    src = t.source
    assert src.startswith("def replay(X, Y, params):")
    assert "for " not in src and "while " not in src  # no loop deciding where values go
    # two hidden layers' linear and relu nodes, the output layer's linear, the fused
    # cost: six ops, each run forward once and backward once, in reverse
    forwards = [line for line in src.splitlines() if " = F" in line]
    backwards = [line for line in src.splitlines() if "o = B" in line]
    order = ["0", "1", "2", "3", "4", "5"]
    assert [line.split(" = F")[1].split("(")[0] for line in forwards] == order
    assert [line.split(" = F")[1].split("(")[0] for line in forwards] == order
    assert [line.split("o = B")[1].split("(")[0] for line in backwards] == [
        "5", "4", "3", "2", "1", "0"
    ]  # fmt: skip
    assert "accumulate(P0," in src and "accumulate(P5," in src  # W1 ... b3 get gradients


def test_a_shape_is_taped_on_its_second_step_so_a_one_step_fit_compiles_nothing(monkeypatch):
    X, Y = ad.datasets.moons(30, seed=0)
    asked = []
    record = tape.Tape.record.__func__
    monkeypatch.setattr(
        tape.Tape, "record", classmethod(lambda cls, *a: asked.append(1) or record(cls, *a))
    )
    net = ad.DeepNetwork([2, 3, 1], seed=0)
    net.fit(X, Y, learning_rate=0.1, iterations=1, progress=False)
    assert asked == []
    net.fit(X, Y, learning_rate=0.1, iterations=2, progress=False)
    assert len(asked) == 1


def test_the_readme_recipe_for_reading_a_tape_gives_one_that_replays_the_cost():
    X, Y = ad.datasets.moons(20, seed=0)
    net = ad.DeepNetwork([2, 3, 1], seed=0)
    Xt = ad.Tensor(X)
    J = net.cost(Xt, Y)
    params = list(net.parameters().values())
    t = tape.Tape.record(J, Xt, Y, params)
    assert "# linear" in t.source and "# relu" in t.source
    J.backward()
    expected = [p.grad for p in params]
    for p in params:
        p.grad = None
    assert t.run(Xt, Y) == float(J.data)
    for p, g in zip(params, expected):
        np.testing.assert_array_equal(p.grad, g)


def test_a_replay_frees_each_pre_activation_once_its_activation_has_run(monkeypatch):
    """Z[l] is read by its activation's forward only (relu saves its mask, linear saves W and
    A[l-1]): the replay holds no reference to it afterwards, so a deep network's step keeps
    one array per layer alive instead of two. Ops whose backward reads ``ctx.inputs``
    (``reads_inputs``, the default) still get them."""
    import weakref

    X, Y = ad.datasets.moons(20, seed=0)
    net = ad.DeepNetwork([2, 4, 4, 4, 1], seed=0)
    zs: list = []
    checked = []
    replaying = [False]
    forward = ops.Linear.forward

    def linear_forward(ctx, W, A, b):
        if replaying[0]:
            assert all(z() is None for z in zs), "a pre-activation outlived its activation"
            checked.append(1)
        Z = forward(ctx, W, A, b)
        if replaying[0]:
            zs.append(weakref.ref(Z))
        return Z

    run = tape.Tape.run

    def replay(self, *a):
        replaying[0] = True
        zs.clear()
        try:
            return run(self, *a)
        finally:
            replaying[0] = False

    monkeypatch.setattr(ops.Linear, "forward", staticmethod(linear_forward))
    monkeypatch.setattr(tape.Tape, "run", replay)
    net.fit(X, Y, learning_rate=0.1, iterations=4, progress=False)
    assert len(checked) == 2 * 4  # two replayed steps, four linear ops each
    assert ops.Sum.reads_inputs and not ops.Linear.reads_inputs and not ops.ReLU.reads_inputs
