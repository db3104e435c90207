"""Training: accuracy on the generated datasets, optimizers, mini-batches, L2, divergence,
progress output, save/load."""

from __future__ import annotations

import re

import numpy as np
import pytest

import autograd_dnn as ad
from autograd_dnn.optim import GD, Adam, Momentum
from autograd_dnn.train import minibatches

D = ad.datasets


# thresholds measured with these seeds (flower 0.975, moons, spiral 0.993, parity 1.0),
# set a little below what was seen
@pytest.mark.parametrize(
    "name, data, dims, hidden, kw, threshold",
    [
        (
            "flower",
            lambda: D.flower(400, seed=0),
            [2, 10, 6, 1],
            "tanh",
            dict(optimizer="adam", learning_rate=0.01, iterations=2000),
            0.95,
        ),
        (
            "moons",
            lambda: D.moons(300, seed=0),
            [2, 8, 8, 1],
            "relu",
            dict(optimizer="adam", learning_rate=0.01, iterations=1000),
            0.98,
        ),
        (
            "spiral",
            lambda: D.spiral(300, classes=3, seed=0),
            [2, 32, 16, 3],
            "relu",
            dict(optimizer="adam", learning_rate=0.01, iterations=1500),
            0.97,
        ),
        (
            "parity6",
            lambda: D.parity(6),
            [6, 12, 12, 12, 1],
            "tanh",
            dict(optimizer="adam", learning_rate=0.01, iterations=1500),
            1.0,
        ),
    ],
)
def test_small_networks_learn(name, data, dims, hidden, kw, threshold):
    X, Y = data()
    out = "sigmoid" if dims[-1] == 1 else "softmax"
    init = "xavier" if hidden == "tanh" else "he"
    net = ad.DeepNetwork(dims, hidden, out, init=init, seed=0)
    history = net.fit(X, Y, progress=False, **kw)
    assert history.costs[-1] < history.costs[0]
    assert net.accuracy(X, Y) >= threshold


@pytest.mark.parametrize("optimizer, lr", [("gd", 0.5), ("momentum", 0.5), ("adam", 0.01)])
def test_each_optimizer_lowers_the_cost(optimizer, lr):
    X, Y = D.moons(200, seed=1)
    net = ad.DeepNetwork([2, 6, 1], seed=0)
    h = net.fit(
        X, Y, learning_rate=lr, iterations=200, optimizer=optimizer, progress=False, print_every=50
    )
    assert h.iterations == [0, 50, 100, 150, 199]
    assert h.costs[-1] < 0.8 * h.costs[0]


def test_gd_step_is_w_minus_alpha_dw():
    net = ad.DeepNetwork([3, 4, 1], seed=0)
    X, Y = D.flower(8, seed=0)
    X = np.vstack([X, X[:1]])
    before = net.get_parameters()
    grads = net.gradients(X, Y)
    net.fit(X, Y, learning_rate=0.1, iterations=1, progress=False)
    after = net.get_parameters()
    for k in before:
        np.testing.assert_allclose(after[k], before[k] - 0.1 * grads["d" + k], rtol=1e-12)


def test_momentum_and_adam_formulas():
    W = ad.Tensor(np.array([[1.0, -2.0]]), requires_grad=True, name="W1")
    g1, g2 = np.array([[0.5, 0.1]]), np.array([[-0.2, 0.3]])
    mom = Momentum({"W1": W}, learning_rate=0.1, beta=0.9)
    W.grad = g1
    mom.step()
    v = 0.1 * g1
    np.testing.assert_allclose(W.data, [[1.0, -2.0]] - 0.1 * v)
    W2 = ad.Tensor(np.array([[1.0, -2.0]]), requires_grad=True)
    adam = Adam([W2], learning_rate=0.1, beta1=0.9, beta2=0.999, epsilon=1e-8)
    expected = W2.data.copy()
    v = s = np.zeros((1, 2))
    for t, g in enumerate([g1, g2], start=1):
        W2.grad = g
        adam.step()
        v = 0.9 * v + 0.1 * g
        s = 0.999 * s + 0.001 * g * g
        expected = expected - 0.1 * (v / (1 - 0.9**t)) / (np.sqrt(s / (1 - 0.999**t)) + 1e-8)
    np.testing.assert_allclose(W2.data, expected, rtol=1e-12)


def test_rollback_restores_previous_parameters():
    W = ad.Tensor(np.ones((2, 2)), requires_grad=True)
    opt = GD([W], learning_rate=1.0)
    W.grad = np.full((2, 2), 0.5)
    opt.step()
    W.grad = np.full((2, 2), 0.25)
    opt.step()
    assert np.all(W.data == 0.25)
    opt.rollback()
    assert np.all(W.data == 0.5)


def test_learning_rate_decay():
    opt = GD([ad.Tensor(np.ones(1), requires_grad=True)], learning_rate=0.1, decay_rate=1.0)
    opt.decay(3)
    assert opt.learning_rate == pytest.approx(0.1 / 4)


def test_minibatches_cover_every_sample_once_and_keep_the_last_partial_batch():
    batches = minibatches(10, 4, np.random.default_rng(0))
    assert [len(b) for b in batches] == [4, 4, 2]
    assert sorted(np.concatenate(batches)) == list(range(10))
    again = minibatches(10, 4, np.random.default_rng(0))
    assert all(np.array_equal(a, b) for a, b in zip(batches, again))


def test_minibatch_training_counts_epochs_and_is_seeded():
    X, Y = D.moons(100, seed=0)
    runs = []
    for _ in range(2):
        net = ad.DeepNetwork([2, 6, 1], seed=0)
        h = net.fit(
            X,
            Y,
            learning_rate=0.05,
            iterations=30,
            batch_size=32,
            optimizer="adam",
            progress=False,
            print_every=10,
            seed=4,
        )
        runs.append(net.get_parameters())
    assert h.unit == "epoch" and h.iterations == [0, 10, 20, 29]
    assert all(np.array_equal(runs[0][k], runs[1][k]) for k in runs[0])
    assert h.costs[-1] < h.costs[0]


def test_l2_shrinks_weights():
    X, Y = D.flower(200, seed=0)
    norms = []
    for l2 in (0.0, 5.0):
        net = ad.DeepNetwork([2, 16, 1], seed=0)
        net.fit(X, Y, learning_rate=0.1, iterations=300, l2=l2, progress=False)
        norms.append(sum(np.sum(v**2) for k, v in net.get_parameters().items() if k[0] == "W"))
    assert norms[1] < 0.5 * norms[0]


def test_dev_costs_recorded():
    X, Y = D.flower(200, seed=0)
    Xt, Yt, Xd, Yd = D.train_dev_split(X, Y, 0.25, seed=0)
    net = ad.DeepNetwork([2, 6, 1], seed=0)
    h = net.fit(
        Xt, Yt, learning_rate=0.1, iterations=50, X_dev=Xd, Y_dev=Yd, print_every=10, progress=False
    )
    assert len(h.dev_costs) == len(h.costs) == 6  # 0, 10, 20, 30, 40 and the last, 49
    assert h.dev_costs[-1] == pytest.approx(float(net.cost(Xd, Yd).data))


@pytest.mark.filterwarnings("ignore:overflow encountered:RuntimeWarning")  # the point here
def test_nan_cost_stops_with_iteration_and_keeps_last_finite_parameters():
    X, Y = D.flower(100, seed=0)
    net = ad.DeepNetwork([2, 8, 1], seed=0, output_activation="linear")
    with pytest.raises(ad.TrainingDiverged, match=r"at iteration \d+.*smaller learning rate"):
        net.fit(X, Y, learning_rate=10.0, iterations=500, progress=False)
    assert np.isfinite(float(net.cost(X, Y).data))
    assert all(np.all(np.isfinite(v)) for v in net.get_parameters().values())


def test_progress_bar_and_printed_costs(capsys):
    X, Y = D.flower(50, seed=0)
    net = ad.DeepNetwork([2, 4, 1], seed=0)
    net.fit(X, Y, learning_rate=0.1, iterations=20, print_every=10, progress=False, print_cost=True)
    out = capsys.readouterr().out
    assert "Cost after iteration 0:" in out and "Cost after iteration 10:" in out
    net.fit(X, Y, learning_rate=0.1, iterations=20, progress=True)
    err = capsys.readouterr().err
    assert "cost" in err and "20/20" in err
    net.fit(X, Y, learning_rate=0.1, iterations=20, progress=False)
    captured = capsys.readouterr()
    assert captured.out == "" and captured.err == ""


# ----------------------------------------------------------------------------- save/load
def test_save_load_round_trip(tmp_path):
    X, Y = D.spiral(60, classes=3, seed=0)
    net = ad.DeepNetwork(
        [2, 5, 3], hidden_activation="leaky_relu", output_activation="softmax", seed=3
    )
    net.fit(X, Y, learning_rate=0.05, iterations=20, l2=0.1, progress=False)
    path = net.save(tmp_path / "m.npz")
    back = ad.DeepNetwork.load(path)
    assert back.layer_dims == net.layer_dims and back.activations == net.activations
    assert back.l2 == 0.1
    assert np.array_equal(back.predict_proba(X), net.predict_proba(X))
    assert not [p for p in tmp_path.iterdir() if p.name.startswith(".tmp")]


def test_load_refuses_broken_files(tmp_path):
    net = ad.DeepNetwork([3, 4, 2, 1], seed=0)
    good = tmp_path / "good.npz"
    net.save(good)
    with np.load(good) as f:
        arrays = {k: f[k] for k in f.files}

    def write(name, **changes):
        data = {**arrays, **changes}
        for k, v in list(data.items()):
            if v is None:
                del data[k]
        path = tmp_path / name
        with open(path, "wb") as fh:
            np.savez(fh, **data)
        return path

    with pytest.raises(ValueError, match="missing W3"):
        ad.DeepNetwork.load(write("a.npz", W3=None))
    with pytest.raises(
        ValueError,
        match=r"b2 must have shape|b\[2\] must have shape \(n\[2\], 1\) = \(2, 1\), got \(2,\)",
    ):
        ad.DeepNetwork.load(write("b.npz", b2=np.zeros(2)))
    with pytest.raises(ValueError, match="dtype int64"):
        ad.DeepNetwork.load(write("c.npz", W1=np.zeros((4, 3), dtype=np.int64)))
    with pytest.raises(ValueError, match="no 'meta'"):
        ad.DeepNetwork.load(write("d.npz", meta=None))
    text = tmp_path / "e.npz"
    text.write_text("not a model")
    with pytest.raises(ValueError, match="not a model file"):
        ad.DeepNetwork.load(text)
    with pytest.raises(FileNotFoundError):
        ad.DeepNetwork.load(tmp_path / "none.npz")


# ----------------------------------------------------------------------------- review fixes
def test_fit_keeps_the_constructor_l2_unless_given():
    X, Y = D.flower(40, seed=0)
    net = ad.DeepNetwork([2, 4, 1], l2=0.7, seed=0)
    net.fit(X, Y, iterations=2, progress=False)
    assert net.l2 == 0.7
    net.fit(X, Y, iterations=2, l2=0.0, progress=False)
    assert net.l2 == 0.0


def test_minibatch_l2_uses_the_training_m():
    """Each batch's cost carries (lambda / 2m) sum ||W||^2 with m the training set's size, so
    an epoch's cost is the full-batch cost, and dev costs carry the same term."""
    X, Y = D.flower(200, seed=0)
    net = ad.DeepNetwork([2, 4, 1], seed=0, l2=0.5)
    no_l2 = ad.DeepNetwork.from_parameters(net.get_parameters())  # the same net, lambda 0
    Xt = ad.Tensor(X)
    full = float(net.batch_cost(Xt, Y).data)
    batch = ad.Tensor(X[:, :20])
    with_m = float(net.batch_cost(batch, Y[:, :20], l2_m=200).data)
    plain = float(no_l2.batch_cost(batch, Y[:, :20]).data)
    W = net.get_parameters()
    penalty = 0.5 / (2 * 200) * (np.sum(W["W1"] ** 2) + np.sum(W["W2"] ** 2))
    assert with_m == pytest.approx(plain + penalty)
    assert full == pytest.approx(float(no_l2.batch_cost(Xt, Y).data) + penalty)
    h = net.fit(X, Y, learning_rate=1e-9, iterations=1, batch_size=20, progress=False,
                X_dev=X, Y_dev=Y, l2=0.5)  # fmt: skip
    assert h.costs[0] == pytest.approx(full, rel=1e-6)
    assert h.dev_costs[0] == pytest.approx(full, rel=1e-6)


def test_fit_works_under_no_grad_and_leaves_X_alone():
    X, Y = D.flower(40, seed=0)
    net = ad.DeepNetwork([2, 4, 1], seed=0)
    Xt = ad.Tensor(X, requires_grad=True)
    with ad.no_grad():
        h = net.fit(Xt, Y, learning_rate=0.1, iterations=3, progress=False)
    assert len(h.costs) == 2 and Xt.grad is None


def test_optimizer_never_writes_into_the_users_array():
    W0 = np.array([[1.0, 2.0]])
    W = ad.Tensor(W0, requires_grad=True)
    opt = GD([W], learning_rate=0.1)
    for _ in range(4):
        opt.zero_grad()
        (W * W).sum().backward()
        opt.step()
    assert np.array_equal(W0, [[1.0, 2.0]])
    np.testing.assert_allclose(W.data, np.array([[1.0, 2.0]]) * 0.8**4)


def test_optimizer_never_writes_into_an_array_assigned_mid_training():
    W = ad.Tensor(np.ones((1, 2)), requires_grad=True)
    opt = GD([W], learning_rate=0.5)
    for _ in range(2):
        W.grad = np.ones((1, 2))
        opt.step()
    mine = np.full((1, 2), 3.0)
    W.data = mine
    for _ in range(3):
        W.grad = np.ones((1, 2))
        opt.step()
    assert np.array_equal(mine, [[3.0, 3.0]]) and np.array_equal(W.data, [[1.5, 1.5]])


def test_optimizer_keeps_an_array_a_retained_graph_still_holds():
    W = ad.Tensor(np.ones((1, 2)), requires_grad=True)
    opt = GD([W], learning_rate=0.5)
    W.grad = np.ones((1, 2))
    opt.step()  # W = 0.5
    held = (W * W).sum()  # saves the live array, 0.5
    W.grad = np.ones((1, 2))
    opt.step()  # W = 0: a new array; the one `held` saved is the previous step's
    W.grad = np.ones((1, 2))
    opt.step()  # must not write -0.5 into the saved array
    W.grad = None
    held.backward()
    np.testing.assert_array_equal(W.grad, [[1.0, 1.0]])  # 2 W as it was when recorded
    np.testing.assert_array_equal(W.data, [[-0.5, -0.5]])


def test_step_after_rollback_continues_from_the_restored_parameters():
    W = ad.Tensor(np.zeros((2,)), requires_grad=True)
    opt = GD([W], learning_rate=1.0)
    for g in (1.0, 2.0, 4.0):
        W.grad = np.full(2, g)
        opt.step()
    opt.rollback()  # back to -3
    for g in (8.0, 16.0):
        W.grad = np.full(2, g)
        opt.step()
    np.testing.assert_array_equal(W.data, [-27.0, -27.0])


@pytest.mark.parametrize("cls", [GD, Momentum, Adam])
def test_optimizer_never_writes_into_an_array_the_user_kept_or_put_back(cls):
    W = ad.Tensor(np.ones(2), requires_grad=True)
    V = ad.Tensor(np.ones(2), requires_grad=True)
    opt, ref = (
        cls([W, V], learning_rate=0.1),
        cls([ad.Tensor(np.ones(2)), ad.Tensor(np.ones(2))], 0.1),
    )

    def step():
        for p, q in zip(opt.params, ref.params):
            p.grad = q.grad = np.array([1.0, -2.0])
        opt.step()
        ref.step()

    step()
    kept = W.data  # the array step 1 installed
    kept_copy = kept.copy()
    step()  # `kept` is now the previous step's array (rollback's)
    step()
    np.testing.assert_array_equal(kept, kept_copy)  # held by the user: not reused
    W.data = kept  # put back ("restore the best weights")
    ref.params[0]._data = kept_copy.copy()
    V.data = W.data[:]  # a view of W's live array on another parameter
    ref.params[1]._data = ref.params[0]._data.copy()
    for _ in range(3):
        step()
        for p, q in zip(opt.params, ref.params):
            np.testing.assert_allclose(p.data, q._data, rtol=1e-12)
    np.testing.assert_array_equal(kept, kept_copy)


def test_optimizer_never_writes_into_an_array_it_replaced():
    start = np.ones((3, 3))
    W = ad.Tensor(start, requires_grad=True)
    opt = GD([W], learning_rate=0.1)
    kept = []
    for _ in range(4):
        kept.append(W.data)
        W.grad = np.ones((3, 3))
        opt.step()
    for k, arr in enumerate(kept):  # each step installed a new array; old ones are intact
        np.testing.assert_allclose(arr, 1.0 - 0.1 * k)
    np.testing.assert_array_equal(start, 1.0)


def test_rollback_leaves_a_parameter_the_last_step_did_not_change():
    W = ad.Tensor(np.zeros(2), requires_grad=True)
    V = ad.Tensor(np.zeros(2), requires_grad=True)
    opt = GD([W, V], learning_rate=1.0)
    W.grad = V.grad = np.ones(2)
    opt.step()  # W = V = -1
    W.grad, V.grad = None, np.ones(2)
    opt.step()  # only V moves, to -2
    opt.rollback()
    np.testing.assert_array_equal(W.data, [-1.0, -1.0])
    np.testing.assert_array_equal(V.data, [-1.0, -1.0])


@pytest.mark.filterwarnings("ignore:overflow encountered:RuntimeWarning")
def test_divergence_leaves_X_and_the_parameters_writable_while_the_error_lives():
    X, Y = D.flower(100, seed=0)
    net = ad.DeepNetwork([2, 8, 1], seed=0, output_activation="linear")
    try:
        net.fit(X, Y, learning_rate=10.0, iterations=500, progress=False)
    except ad.TrainingDiverged as e:
        err = e  # kept alive, as an interactive session keeps sys.last_traceback
    assert err is not None
    X /= 2.0  # would raise "output array is read-only" if the failed graph still held X
    net.parameters()["W1"].data[0, 0] = 0.0


@pytest.mark.parametrize("batch_size", [None, 10])
def test_learning_rate_decays_per_epoch_in_fit(batch_size, monkeypatch):
    X, Y = D.flower(40, seed=0)
    net = ad.DeepNetwork([2, 4, 1], seed=0)
    seen = []
    original = GD.step

    def spy(self):
        seen.append(self.learning_rate)
        original(self)

    monkeypatch.setattr(GD, "step", spy)
    net.fit(X, Y, learning_rate=0.1, iterations=3, batch_size=batch_size, decay_rate=1.0,
            progress=False)  # fmt: skip
    per_epoch = 1 if batch_size is None else 4
    expected = [0.1 / (1 + e) for e in range(3) for _ in range(per_epoch)]
    assert seen == pytest.approx(expected)


def test_fit_step_matches_the_guarded_graph_exactly():
    """fit's steps (two recorded, then replayed from its tape) give the numbers of steps
    recorded one by one through the public API."""
    X, Y = D.moons(60, seed=1)
    a = ad.DeepNetwork([2, 5, 4, 1], seed=3)
    b = ad.DeepNetwork.from_parameters(a.get_parameters(), activations=a.activations)
    a.fit(X, Y, learning_rate=0.1, iterations=3, progress=False)
    opt = GD(b.parameters(), learning_rate=0.1)
    for _ in range(3):
        opt.zero_grad()
        b.cost(X, Y).backward()
        opt.step()
    for k, v in a.get_parameters().items():
        np.testing.assert_allclose(v, b.get_parameters()[k], rtol=1e-13, atol=1e-15, err_msg=k)


class _WritesIntoW(ad.ops.Linear):
    """A user's Linear whose backward scribbles on W in place (a bug the guard reports)."""

    @staticmethod
    def backward(ctx, g):
        W, _ = ctx.saved_tensors
        W *= 0.5
        return ad.ops.Linear.backward(ctx, g)


def test_fit_keeps_the_write_guard_when_a_layer_runs_user_code():
    X, Y = D.moons(40, seed=0)
    net = ad.DeepNetwork([2, 3, 1], seed=0)
    net.layers[0].linear_fn = _WritesIntoW
    with pytest.raises(ValueError, match="read-only"):
        net.fit(X, Y, learning_rate=0.1, iterations=2, progress=False)


class _LoggingDense(ad.nn.Dense):
    """A layer whose forward runs the user's own Python code."""

    def forward(self, A_prev):
        return super().forward(A_prev)


class _MyNetwork(ad.DeepNetwork):
    def cost_from(self, *args, **kwargs):
        return super().cost_from(*args, **kwargs)


def test_fit_records_every_step_of_overridden_forward_code():
    net = ad.DeepNetwork([2, 3, 1], seed=0)
    assert net.replayable
    layer = net.layers[0]
    net.layers[0] = _LoggingDense(layer.W.data, layer.b.data, layer.activation, 1)
    assert not net.replayable
    assert not _MyNetwork([2, 3, 1], seed=0).replayable
    net.layers[0] = layer
    net.layers[1].activation_fn = ad.ops.Tanh
    assert not net.replayable


@pytest.mark.filterwarnings("ignore:overflow encountered:RuntimeWarning")
def test_the_write_guard_is_back_after_a_diverged_fit():
    X, Y = D.flower(100, seed=0)
    net = ad.DeepNetwork([2, 8, 1], seed=0, output_activation="linear")
    with pytest.raises(ad.TrainingDiverged):
        net.fit(X, Y, learning_rate=10.0, iterations=500, progress=False)
    W = ad.Tensor(np.ones((1, 1)), requires_grad=True)
    y = W * W  # recorded outside fit: W is locked again
    with pytest.raises(ValueError, match="read-only"):
        W.data[0, 0] = 2.0
    y.backward()


def test_a_history_has_a_short_repr_and_an_html_table():
    X, Y = D.flower(60, seed=0)
    net = ad.DeepNetwork([2, 4, 1], seed=0)
    h = net.fit(X, Y, learning_rate=0.1, iterations=2000, progress=False, X_dev=X, Y_dev=Y)
    text = repr(h)
    assert "\n" not in text and len(text) < 120
    assert text.startswith("History(2000 iterations, cost ")
    page = h._repr_html_()
    assert page.count("<tr") == 1 + 12  # 21 recorded points: the first and last six shown
    assert "dev cost" in page and f"{h.costs[-1]:.6f}" in page


def test_progress_falls_back_to_the_text_bar_without_ipywidgets(monkeypatch):
    import importlib.util
    import warnings

    from tqdm.std import tqdm as text_bar

    real = importlib.util.find_spec
    monkeypatch.setattr(
        importlib.util,
        "find_spec",
        lambda name, *a: None if name == "ipywidgets" else real(name, *a),
    )
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # no TqdmWarning
        bar = ad.train._progress_bar(10, "iteration", True)
    assert type(bar) is text_bar
    bar.close()


# ----------------------------------------------------------------------------- resume
@pytest.mark.parametrize(
    "optimizer, batch_size, decay_rate",
    [("gd", None, 0.0), ("momentum", 32, 0.5), ("adam", None, 0.01), ("adam", 50, 0.0)],
)
def test_resume_continues_bit_for_bit(optimizer, batch_size, decay_rate):
    """Issue 14, item 3: 100 iterations, then 100 more with resume=True, give the parameters
    of 200 iterations exactly: optimizer buffers, t, decay and mini-batch RNG continue."""
    X, Y = D.flower(200, seed=0)
    kw = dict(optimizer=optimizer, batch_size=batch_size, decay_rate=decay_rate,
              learning_rate=0.01, progress=False)  # fmt: skip
    whole = ad.DeepNetwork([2, 6, 4, 1], seed=0)
    whole.fit(X, Y, iterations=200, **kw)
    halves = ad.DeepNetwork([2, 6, 4, 1], seed=0)
    halves.fit(X, Y, iterations=100, **kw)
    h = halves.fit(X, Y, iterations=100, resume=True, **kw)
    for k, v in whole.get_parameters().items():
        np.testing.assert_array_equal(halves.get_parameters()[k], v, err_msg=k)
    assert h.iterations[0] == 100 and h.iterations[-1] == 199
    assert halves.training_state["iterations"] == 200
    assert not halves.training_state["interrupted"]


def test_resume_without_state_or_with_another_optimizer_is_refused():
    X, Y = D.flower(40, seed=0)
    net = ad.DeepNetwork([2, 3, 1], seed=0)
    with pytest.raises(ValueError, match="no training state"):
        net.fit(X, Y, iterations=2, resume=True, progress=False)
    net.fit(X, Y, iterations=2, optimizer="adam", progress=False)
    with pytest.raises(ValueError, match="optimizer='adam'"):
        net.fit(X, Y, iterations=2, optimizer="gd", resume=True, progress=False)


def test_an_interrupted_fit_records_the_iterations_it_completed(monkeypatch):
    X, Y = D.flower(40, seed=0)
    net = ad.DeepNetwork([2, 3, 1], seed=0)
    calls = []
    real = ad.train.Stepper.epoch

    def epoch(self, *args):
        if len(calls) == 7:
            raise KeyboardInterrupt
        calls.append(1)
        return real(self, *args)

    monkeypatch.setattr(ad.train.Stepper, "epoch", epoch)
    with pytest.raises(KeyboardInterrupt):
        net.fit(X, Y, iterations=50, progress=False)
    assert net.training_state["iterations"] == 7 and net.training_state["interrupted"]
    assert net.training_state["optimizer_state"]["t"] == 7


@pytest.mark.parametrize("optimizer, batch_size", [("adam", None), ("momentum", 32)])
def test_save_load_and_resume_gives_the_200_iteration_parameters(tmp_path, optimizer, batch_size):
    """Issue 14, item 3, through a file: 100 iterations + save + load + 100 iterations equal
    200 iterations bit for bit (the optimizer's buffers and t, the RNG, the iteration count)."""
    X, Y = D.flower(200, seed=0)
    kw = dict(optimizer=optimizer, batch_size=batch_size, learning_rate=0.01, progress=False,
              decay_rate=0.1)  # fmt: skip
    whole = ad.DeepNetwork([2, 6, 4, 1], seed=0)
    whole.fit(X, Y, iterations=200, **kw)
    first = ad.DeepNetwork([2, 6, 4, 1], seed=0)
    first.fit(X, Y, iterations=100, **kw)
    first.save(tmp_path / "half.npz")
    loaded = ad.DeepNetwork.load(tmp_path / "half.npz")
    assert loaded.training_state["iterations"] == 100
    loaded.fit(X, Y, iterations=100, resume=True, **kw)
    for k, v in whole.get_parameters().items():
        np.testing.assert_array_equal(loaded.get_parameters()[k], v, err_msg=k)
    plain = tmp_path / "plain.npz"
    first.save(plain, training_state=False)
    with pytest.raises(ValueError, match="no training state"):
        ad.DeepNetwork.load(plain).fit(X, Y, iterations=1, resume=True, **kw)


# ----------------------------------------------------------------------------- clipping
def test_fit_clips_every_step_when_asked(monkeypatch):
    """fit(clip=c) clips the gradients before each update: elementwise into [-c, c], or by
    global norm with clip_norm=True; the optimizer sees only clipped gradients."""
    X, Y = D.flower(60, seed=0)
    seen: list[list[np.ndarray]] = []
    real = GD.step

    def spy(self):
        seen.append([p.grad.copy() for p in self.params])
        real(self)

    monkeypatch.setattr(GD, "step", spy)
    net = ad.DeepNetwork([2, 6, 1], seed=0)
    net.fit(X, Y, learning_rate=0.5, iterations=20, clip=0.01, progress=False)
    assert len(seen) == 20  # two recorded steps and eighteen replayed: all clipped
    assert max(float(np.abs(g).max()) for step in seen for g in step) <= 0.01
    seen.clear()
    net.fit(X, Y, learning_rate=0.5, iterations=5, clip=0.02, clip_norm=True, progress=False)
    norms = [np.sqrt(sum(float(np.sum(g * g)) for g in step)) for step in seen]
    assert max(norms) <= 0.02 * (1 + 1e-12)
    with pytest.raises(ValueError, match="max_value must be a positive finite number"):
        net.fit(X, Y, iterations=1, clip=-1.0, progress=False)


def test_an_rnn_trains_with_clipping_through_the_one_fit():
    X, Y = ad.datasets.adding_problem(64, 12, 5, seed=0)
    model = ad.RNNModel(X.shape[0], 8, Y.shape[0], cell="rnn", seed=0)
    h = model.fit(X, Y, learning_rate=0.02, optimizer="adam", iterations=40, clip=5.0,
                  progress=False)  # fmt: skip
    assert h.costs[-1] < h.costs[0]


# ----------------------------------------------------------------------------- review fixes
def test_fit_never_returns_parameters_made_non_finite_by_its_last_update():
    X, Y = D.flower(60, seed=0)
    net = ad.DeepNetwork([2, 4, 1], seed=0, output_activation="linear")
    with np.errstate(all="ignore"), pytest.raises(ad.TrainingDiverged, match="last update"):
        net.fit(X, Y, learning_rate=1e300, iterations=1, progress=False)
    assert all(np.all(np.isfinite(v)) for v in net.get_parameters().values())


def test_a_float32_network_stays_float32_with_numpy_hyperparameters():
    X, Y = D.flower(60, seed=0)
    for optimizer in ("adam", "rmsprop", "momentum"):
        net = ad.DeepNetwork([2, 4, 1], seed=0, dtype=np.float32)
        hyper = dict(beta1=np.float64(0.9), beta2=np.float64(0.99), epsilon=np.float64(1e-8),
                     momentum=np.float64(0.9))  # fmt: skip
        net.fit(X, Y, optimizer=optimizer, iterations=3, progress=False, **hyper)
        assert {str(v.dtype) for v in net.get_parameters().values()} == {"float32"}, optimizer


def test_resume_refuses_settings_that_differ_from_the_run_it_continues():
    X, Y = D.flower(60, seed=0)
    net = ad.DeepNetwork([2, 4, 1], seed=0)
    net.fit(X, Y, learning_rate=0.01, iterations=3, optimizer="adam", progress=False)
    with pytest.raises(ValueError, match=r"learning_rate=0.01.*learning_rate=0.5"):
        net.fit(X, Y, learning_rate=0.5, iterations=3, optimizer="adam", resume=True,
                progress=False)  # fmt: skip
    with pytest.raises(ValueError, match="batch_size=None.*batch_size=8"):
        net.fit(X, Y, learning_rate=0.01, iterations=3, optimizer="adam", batch_size=8,
                resume=True, progress=False)  # fmt: skip


@pytest.mark.parametrize(
    "options, message",
    [
        (dict(learning_rate="a"), "learning_rate must be a number"),
        (dict(learning_rate=None), "learning_rate must be a number"),
        (dict(optimizer="momentum", momentum="a"), "momentum beta must be a number"),
        (dict(decay_rate=float("nan")), "decay_rate must be a finite number"),
        (dict(iterations=True), "iterations must be a whole number"),
        (dict(batch_size=True), "batch_size must be between"),
        (dict(l2=True), "l2 \\(lambda\\) must be a number"),
        (dict(seed=-1), "seed must be a whole number >= 0"),
        (dict(time_interval=10), "give a decay_rate too"),
        (dict(clip_norm=True), "give the norm as clip="),
    ],
)
def test_bad_fit_options_are_named(options, message):
    X, Y = D.flower(20, seed=0)
    with pytest.raises((ValueError, TypeError), match=message):
        ad.DeepNetwork([2, 3, 1], seed=0).fit(X, Y, iterations=options.pop("iterations", 2),
                                              progress=False, **options)  # fmt: skip


def test_an_interrupted_batch_norm_step_gives_back_its_running_statistics(monkeypatch):
    """Ctrl-C between a step's forward (which folds the batch's mu and sigma2 into the
    running averages) and its update leaves the running statistics of the last finished step,
    matching the parameters that are kept and saved."""
    X, Y = D.flower(40, seed=0)
    done = ad.DeepNetwork([2, 4, 1], seed=0, batch_norm=True)
    done.fit(X, Y, iterations=3, progress=False)
    net = ad.DeepNetwork([2, 4, 1], seed=0, batch_norm=True)
    real, calls = ad.optim.GD.step, []

    def step(self):
        if len(calls) == 3:
            raise KeyboardInterrupt  # the 4th step: its forward and backward have run
        calls.append(1)
        real(self)

    monkeypatch.setattr(ad.optim.GD, "step", step)
    with pytest.raises(KeyboardInterrupt):
        net.fit(X, Y, iterations=10, progress=False)
    assert net.training_state["iterations"] == 3
    for k, v in done.running_statistics().items():
        np.testing.assert_array_equal(net.running_statistics()[k], v, err_msg=k)
    for k, v in done.get_parameters().items():
        np.testing.assert_array_equal(net.get_parameters()[k], v, err_msg=k)


def test_a_diverged_batch_norm_step_gives_back_its_running_statistics():
    """The step whose cost is NaN takes back the update before it: the parameters, and the
    running statistics the batches had folded in since, are those of one step earlier."""
    X, Y = D.flower(100, seed=0)
    kw = dict(learning_rate=10.0, progress=False)
    net = ad.DeepNetwork([2, 8, 1], seed=0, output_activation="linear", batch_norm=True)
    with pytest.raises(ad.TrainingDiverged, match=r"at iteration (\d+)") as err:
        net.fit(X, Y, iterations=500, **kw)
    i = int(re.search(r"at iteration (\d+)", str(err.value)).group(1))
    assert i > 1
    done = ad.DeepNetwork([2, 8, 1], seed=0, output_activation="linear", batch_norm=True)
    done.fit(X, Y, iterations=i - 1, **kw)
    for k, v in done.running_statistics().items():
        np.testing.assert_array_equal(net.running_statistics()[k], v, err_msg=k)
    for k, v in done.get_parameters().items():
        np.testing.assert_array_equal(net.get_parameters()[k], v, err_msg=k)
