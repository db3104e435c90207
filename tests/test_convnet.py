"""ConvNetwork: gradients against central finite differences, the taped fit against the
recorded one bit for bit, save/load, clear errors, summary shapes, and learning SIGNS."""

from __future__ import annotations

import json
import os
import zipfile

import numpy as np
import pytest
from hypothesis import assume, given, settings
from hypothesis import strategies as st

import autograd_dnn as ad
from autograd_dnn import losses, tape
from autograd_dnn.convnet import (
    Activation,
    AvgPool,
    Conv,
    ConvNetwork,
    Dense,
    Flatten,
    MaxPool,
    ReLU,
)
from autograd_dnn.tensor import Tensor


def small_net(seed: int = 0, dtype=np.float64, l2: float = 0.0) -> ConvNetwork:
    """Every layer kind: conv 'same' and strided, relu and tanh, max and average pooling,
    a hidden dense layer and a softmax output."""
    layers = [
        Conv(f=3, filters=3, pad="same"),
        ReLU(),
        MaxPool(f=2, stride=2),
        Conv(f=2, filters=4, stride=2, pad=1),
        Activation("tanh"),
        AvgPool(f=2, stride=1),
        Flatten(),
        Dense(5, "relu"),
        Dense(3, "softmax"),
    ]
    return ConvNetwork(layers, input_shape=(8, 8, 2), seed=seed, dtype=dtype, l2=l2)


def batch(m: int, shape=(8, 8, 2), classes: int = 3, seed: int = 0):
    rng = np.random.default_rng(seed)
    X = rng.standard_normal((m, *shape))
    Y = np.eye(classes)[:, rng.integers(0, classes, m)]
    return X, Y


# ----------------------------------------------------------------------------- gradients
def cost_from(net: ConvNetwork, k: int, A: np.ndarray, Y: np.ndarray) -> float:
    """J computed from the output of layer k on (k = 0: from X), written here from the
    layers' own forward methods: how finite differences perturb an inner volume."""
    out = Tensor(A)
    layers = net.layers
    for layer in layers[k:-1]:
        out = layer.forward(out)
    J = losses.cost(net.output_activation, net.output.linear(out), None, Y)
    if net.l2:
        J = J + losses.l2_penalty([x.W for x in layers if x.has_params], net.l2, A.shape[-1])
    return float(J.data)


def inner_values(net: ConvNetwork, X: np.ndarray) -> dict[str, np.ndarray]:
    """Every layer's output by name, plus X as A0, from one forward pass."""
    values = {"dA0": X}
    A = Tensor(X)
    for layer in net.layers[:-1]:
        A = layer.forward(A)
        values["d" + layer.name if not isinstance(layer, Dense) else "d" + layer.a_name] = A.data
    return values


def central(f, x: np.ndarray, idx: tuple, h: float = 1e-6) -> float:
    saved = x[idx]
    x[idx] = saved + h
    plus = f()
    x[idx] = saved - h
    minus = f()
    x[idx] = saved
    return (plus - minus) / (2 * h)


def some_indices(shape: tuple, k: int, rng: np.random.Generator) -> list[tuple]:
    return [tuple(int(rng.integers(0, n)) for n in shape) for _ in range(k)]


@pytest.mark.parametrize("l2", [0.0, 0.7])
def test_parameter_gradients_agree_with_finite_differences(l2):
    net = small_net(seed=1, l2=l2)
    X, Y = batch(5, seed=2)
    grads = net.gradients(X, Y)
    rng = np.random.default_rng(0)
    for name, t in net.parameters().items():
        for idx in some_indices(t.shape, 4, rng):
            numeric = central(lambda: float(net.cost(X, Y).data), t.data, idx)
            assert grads["d" + name][idx] == pytest.approx(numeric, rel=1e-5, abs=1e-8), (name, idx)


def test_gradients_of_X_and_of_each_inner_volume_agree_with_finite_differences():
    net = small_net(seed=3)
    X, Y = batch(4, seed=4)
    grads = net.gradients(X, Y)
    # what the layer k outputs, and the gradient's name: X is dA0, then Z1, A1, P1, ...
    names = ["dA0"] + [
        "d" + (x.a_name if isinstance(x, Dense) else x.name) for x in net.layers[:-1]
    ]
    values = inner_values(net, X)
    rng = np.random.default_rng(1)
    for k, name in enumerate(names):
        A = values[name].copy()
        assert grads[name].shape == A.shape, name
        indices = some_indices(A.shape, 3, rng)
        if isinstance(net.layers[k], MaxPool):
            # relu's zeros tie for the maximum of a window, and the course's mask sends the
            # gradient to every tied maximum: a kink, where the two sides differ. Check
            # entries that are not 0 (random reals do not tie).
            nonzero = np.argwhere(A != 0)
            indices = [tuple(nonzero[i]) for i in rng.choice(len(nonzero), 4, replace=False)]
        for idx in indices:
            numeric = central(lambda A=A, k=k: cost_from(net, k, A, Y), A, idx)
            assert grads[name][idx] == pytest.approx(numeric, rel=1e-5, abs=1e-8), (name, idx)
    # a hidden dense layer's Z (before its relu): dZ = dA * relu'(Z)
    Z = net.layers[7].linear(Tensor(values["dF"])).data
    np.testing.assert_array_equal(grads["dZ3"], grads["dA3"] * (Z > 0))


@settings(max_examples=15, deadline=None)
@given(
    f=st.integers(1, 3),
    stride=st.integers(1, 2),
    pad=st.sampled_from([0, 1, "same"]),
    pool=st.sampled_from([MaxPool, AvgPool]),
    pool_f=st.integers(1, 2),
    n_C=st.integers(1, 3),
    m=st.integers(1, 3),
    seed=st.integers(0, 100),
)
def test_gradients_on_drawn_shapes_strides_and_pads(f, stride, pad, pool, pool_f, n_C, m, seed):
    if pad == "same":
        stride = 1
    # f = 1 with pad 1: the border of Z sees only zero padding, so it is b exactly there and
    # its entries tie; the course's max mask gives each tied maximum the whole gradient (a
    # kink where finite differences see the sum of both sides). Random reals do not tie.
    assume(not (f == 1 and pad == 1 and pool is MaxPool))
    net = ConvNetwork(
        [
            Conv(f=f, filters=n_C, stride=stride, pad=pad),
            Activation("tanh"),
            pool(f=pool_f),
            Flatten(),
            Dense(2, "softmax"),
        ],
        input_shape=(5, 6, 2),
        seed=seed,
    )
    X, Y = batch(m, shape=(5, 6, 2), classes=2, seed=seed)
    grads = net.gradients(X, Y)
    rng = np.random.default_rng(seed)
    for name, t in net.parameters().items():
        for idx in some_indices(t.shape, 3, rng):
            numeric = central(lambda: float(net.cost(X, Y).data), t.data, idx)
            assert grads["d" + name][idx] == pytest.approx(numeric, rel=1e-5, abs=1e-8), (name, idx)
    Xc = X.copy()
    for idx in some_indices(X.shape, 3, rng):
        numeric = central(lambda: cost_from(net, 0, Xc, Y), Xc, idx)
        assert grads["dA0"][idx] == pytest.approx(numeric, rel=1e-5, abs=1e-8), idx


def test_gradients_leave_the_parameters_grad_alone_and_skip_dA0_on_request():
    net = small_net()
    X, Y = batch(3)
    grads = net.gradients(X, Y, dA0=False)
    assert "dA0" not in grads
    assert all(t.grad is None for t in net.parameters().values())
    assert list(grads)[:6] == ["dW1", "dW2", "dW3", "dW4", "db1", "db2"]


# ----------------------------------------------------------------------------- the tape
def _fit(net, X, Y, replay: bool, **kw):
    replayed = []
    run = tape.Tape.run
    with pytest.MonkeyPatch.context() as mp:
        if replay:
            mp.setattr(tape.Tape, "run", lambda self, *a: replayed.append(1) or run(self, *a))
        else:
            mp.setattr(tape.Tape, "record", classmethod(lambda cls, *args: None))
        history = net.fit(X, Y, progress=False, **kw)
    return history, net.get_parameters(), len(replayed)


@pytest.mark.parametrize("dtype", [np.float64, np.float32])
@pytest.mark.parametrize(
    "optimizer, batch_size, l2", [("adam", 4, 0.5), ("momentum", None, 0.0), ("gd", 3, 0.0)]
)
def test_a_taped_fit_equals_a_fit_recorded_at_every_step_bit_for_bit(
    dtype, optimizer, batch_size, l2
):
    X, Y = batch(10, seed=5)  # batches of 4, 4, 2 (or 3, 3, 3, 1): two batch shapes
    runs = []
    for replay in (True, False):
        net = small_net(seed=2, dtype=dtype)
        runs.append(
            _fit(
                net,
                X.astype(dtype),
                Y,
                replay,
                learning_rate=0.01,
                iterations=4,
                optimizer=optimizer,
                batch_size=batch_size,
                l2=l2,
                print_every=1,
            )
        )
    (h1, p1, replayed), (h2, p2, zero) = runs
    assert replayed >= 2 and zero == 0
    assert h1.costs == h2.costs
    for k in p1:
        assert p1[k].dtype == dtype
        np.testing.assert_array_equal(p1[k], p2[k], err_msg=k)


def test_a_network_with_a_layer_of_its_own_is_recorded_at_every_step():
    class Doubled(ReLU):
        def forward(self, A):
            return super().forward(A) * 2.0

    net = ConvNetwork(
        [Conv(f=3, filters=2), Doubled(), Flatten(), Dense(3, "softmax")], input_shape=(5, 5, 1)
    )
    assert not net.replayable
    assert small_net().replayable


# ----------------------------------------------------------------------------- save, load
def test_save_and_load_round_trip_bit_for_bit_and_resume_continues_exactly(tmp_path):
    X, Y = batch(8, seed=6)
    kw = dict(learning_rate=0.01, optimizer="adam", batch_size=3, progress=False)
    net = small_net(seed=4, dtype=np.float32, l2=0.2)
    net.fit(X, Y, iterations=2, **kw)
    path = net.save(str(tmp_path / "conv.npz"))
    back = ConvNetwork.load(path)
    assert type(back) is ConvNetwork and back.dtype == np.float32 and back.l2 == 0.2
    assert back.config() == net.config() and str(back) == str(net)
    for k, v in net.get_parameters().items():
        np.testing.assert_array_equal(back.get_parameters()[k], v, err_msg=k)
    assert back.summary(8) == net.summary(8)
    np.testing.assert_array_equal(back.predict_proba(X), net.predict_proba(X))
    # 2 epochs, save, load, 2 more == 4 epochs in one go
    back.fit(X, Y, iterations=2, resume=True, **kw)
    straight = small_net(seed=4, dtype=np.float32, l2=0.2)
    straight.fit(X, Y, iterations=4, **kw)
    for k, v in straight.get_parameters().items():
        np.testing.assert_array_equal(back.get_parameters()[k], v, err_msg=k)


def _rewrite(path, out, edit):
    with np.load(path) as data:
        arrays = {k: data[k] for k in data.files}
    meta = json.loads(str(arrays["meta"]))
    edit(meta, arrays)
    arrays["meta"] = np.array(json.dumps(meta))
    np.savez(out, **arrays)
    return out


def test_a_model_file_records_its_kind_and_old_files_still_load(tmp_path):
    from autograd_dnn.serialize import load, read_metadata

    deep = ad.DeepNetwork([3, 4, 1], seed=0)
    deep_path = deep.save(str(tmp_path / "deep.npz"))
    assert read_metadata(deep_path)["kind"] == "DeepNetwork"
    conv_path = small_net().save(str(tmp_path / "conv.npz"))
    assert read_metadata(conv_path)["kind"] == "ConvNetwork"
    assert type(load(conv_path)) is ConvNetwork and type(load(deep_path)) is ad.DeepNetwork
    # a file written before there were kinds: no "kind" entry, read as a DeepNetwork
    old = _rewrite(deep_path, tmp_path / "old.npz", lambda meta, a: meta.pop("kind"))
    back = load(old)
    assert type(back) is ad.DeepNetwork
    np.testing.assert_array_equal(back.get_parameters()["W1"], deep.get_parameters()["W1"])
    with pytest.raises(ValueError, match="holds a DeepNetwork, not a ConvNetwork"):
        ConvNetwork.load(deep_path)
    odd = _rewrite(deep_path, tmp_path / "odd.npz", lambda meta, a: meta.update(kind="RNN"))
    with pytest.raises(ValueError, match="of kind 'RNN'; this autograd_dnn reads DeepNetwork"):
        load(odd)


def test_a_damaged_conv_model_file_is_refused_naming_the_entry(tmp_path):
    from autograd_dnn.serialize import load

    path = small_net().save(str(tmp_path / "conv.npz"))

    def wrong_W2(meta, arrays):
        arrays["W2"] = np.zeros((3, 3, 3, 4))

    with pytest.raises(ValueError, match=r"W2 must have shape \(2, 2, 3, 4\).*got \(3, 3, 3, 4\)"):
        load(_rewrite(path, tmp_path / "a.npz", wrong_W2))
    with pytest.raises(ValueError, match=r"missing parameters \['b4'\]"):
        load(_rewrite(path, tmp_path / "b.npz", lambda meta, arrays: arrays.pop("b4")))

    def unknown_layer(meta, arrays):
        meta["layers"][1] = {"type": "Dropout"}

    with pytest.raises(ValueError, match="config layer 2.*not one of the built-in layers"):
        load(_rewrite(path, tmp_path / "c.npz", unknown_layer))

    def nan(meta, arrays):
        arrays["b1"] = np.full((1, 1, 1, 3), np.nan)

    with pytest.raises(ValueError, match="b1 contains NaN or inf"):
        load(_rewrite(path, tmp_path / "d.npz", nan))
    assert zipfile.is_zipfile(path)


# ----------------------------------------------------------------------------- bad inputs
@pytest.mark.parametrize(
    "shape, message",
    [
        ((4, 8, 8, 3), r"n_C = 3 channels, but the network takes n_C = 2"),
        ((4, 2, 8, 8), r"channels first \(m, n_C, n_H, n_W\): use X.transpose\(0, 2, 3, 1\)"),
        ((8, 8, 2, 4), r"samples LAST: use X.transpose\(3, 0, 1, 2\)"),
        ((8, 8, 2), r"ONE image of shape \(8, 8, 2\): use X\[None\]"),
        ((128, 4), r"got the 2-D array \(128, 4\).*X.T.reshape\(-1, 8, 8, 2\)"),
        ((4, 7, 8, 2), r"images of 7 x 8, not 8 x 8"),
        ((0, 8, 8, 2), r"m = 0 samples"),
    ],
)
def test_a_wrong_image_shape_is_refused_naming_the_shapes(shape, message):
    net = small_net()
    with pytest.raises(ValueError, match=r"X must be \(m, n_H, n_W, n_C\) = \(m, 8, 8, 2\)"):
        net.check_X(np.zeros(shape))
    with pytest.raises(ValueError, match=message):
        net.check_X(np.zeros(shape))


def test_bad_values_of_X_are_refused():
    net = small_net()
    X = np.zeros((2, 8, 8, 2))
    X[1, 2, 3, 0] = np.nan
    with pytest.raises(ValueError, match="X contains NaN or inf"):
        net.check_X(X)
    with pytest.raises(TypeError, match="X must hold real numbers"):
        net.check_X(np.full((2, 8, 8, 2), "a"))


@pytest.mark.parametrize(
    "Y, message",
    [
        (np.zeros((4, 3)), r"got \(4, 3\): samples must be columns, use Y.T"),
        (np.eye(3)[:, [0, 1, 2, 0, 1]], r"X has m = 4 samples but Y has 5"),
        (
            np.array([[0, 1, 3, 2]]),
            r"class labels must be whole numbers 0..2 \(n_classes = 3\), got 3",
        ),
        (np.array([[0, 1, 0.5, 2]]), r"got 0.5"),
        (np.full((3, 4), 1 / 3), r"Y must be one-hot for a softmax output"),
        (np.zeros((2, 4)), r"Y must be \(n_classes, m\) = \(3, 4\)"),
    ],
)
def test_a_wrong_Y_is_refused_naming_the_shapes(Y, message):
    with pytest.raises(ValueError, match=message):
        small_net().check_Y(Y, 4)


def test_labels_are_accepted_and_mean_their_one_hot_columns():
    net = small_net()
    X, _ = batch(4)
    labels = np.array([[2, 0, 1, 2]])
    onehot = np.eye(3)[:, labels.ravel()]
    np.testing.assert_array_equal(net.check_Y(labels, 4), onehot)
    np.testing.assert_array_equal(net.check_Y(labels.ravel(), 4), onehot)
    assert float(net.cost(X, labels).data) == float(net.cost(X, onehot).data)
    assert net.accuracy(X, labels) == net.accuracy(X, onehot)


@pytest.mark.parametrize(
    "layers, message",
    [
        ([Conv(f=3, filters=2), Dense(3, "softmax")], r"layer 2 \(DENSE\) needs columns.*Flatten"),
        (
            [Flatten(), Conv(f=3, filters=2), Flatten(), Dense(3, "softmax")],
            r"layer 2 \(CONV2D\) needs a volume.*put it before Flatten",
        ),
        ([Conv(f=9, filters=2), Flatten(), Dense(3, "softmax")], r"filter \(f = 9\) is larger"),
        ([MaxPool(f=9), Flatten(), Dense(3, "softmax")], r"window \(f = 9\) is larger"),
        ([Conv(f=3, filters=2), Flatten(), Dense(3, "relu")], r"last layer must be the output"),
        ([Flatten(), Dense(3, "softmax"), Dense(3, "softmax")], r"softmax is for the output"),
        ([Flatten(), Dense(1, "softmax")], r"softmax output needs n >= 2"),
        ([Flatten(), "relu", Dense(3, "softmax")], r"layer 2 is 'relu', not a Layer"),
        ([], r"non-empty list of layers"),
    ],
)
def test_a_wrong_architecture_is_refused_naming_the_layer(layers, message):
    with pytest.raises((ValueError, TypeError), match=message):
        ConvNetwork(layers, input_shape=(8, 8, 2))


@pytest.mark.parametrize(
    "make, message",
    [
        (lambda: Conv(f=0, filters=2), r"Conv: f must be a whole number >= 1, got 0"),
        (lambda: Conv(f=2, filters=2, stride=2, pad="same"), r"'same' is for stride 1"),
        (lambda: Conv(f=2, filters=2, pad=-1), r"pad must be an int >= 0"),
        (lambda: Activation("softmax"), r"softmax is for the output Dense layer"),
        (lambda: Dense(4, "swish"), r"unknown activation 'swish'"),
        (lambda: MaxPool(f=2.5), r"f must be a whole number"),
        (lambda: ConvNetwork([Flatten(), Dense(2, "softmax")], input_shape=(4, 4)), "n_C"),
        (lambda: ConvNetwork.signs(dtype=np.int32), r"float64 or float32"),
    ],
)
def test_wrong_layer_arguments_are_refused(make, message):
    with pytest.raises(ValueError, match=message):
        make()


# ----------------------------------------------------------------------------- structure
def test_the_signs_model_has_the_course_shapes():
    net = ConvNetwork.signs(seed=0)
    shapes = {k: t.shape for k, t in net.parameters().items()}
    assert shapes == {
        "W1": (4, 4, 3, 8),
        "b1": (1, 1, 1, 8),
        "W2": (2, 2, 8, 16),
        "b2": (1, 1, 1, 16),
        "W3": (6, 64),
        "b3": (6, 1),
    }
    # by the course's formula: 'same' keeps 64; pool 8/8: (64 - 8) / 8 + 1 = 8; 'same' keeps
    # 8; pool 4/4: (8 - 4) / 4 + 1 = 2; flatten 2 * 2 * 16 = 64
    assert net.shapes() == [
        ("X", (64, 64, 3)),
        ("Z1", (64, 64, 8)),
        ("A1", (64, 64, 8)),
        ("P1", (8, 8, 8)),
        ("Z2", (8, 8, 16)),
        ("A2", (8, 8, 16)),
        ("P2", (2, 2, 16)),
        ("F", (64,)),
        ("Z3", (6,)),
    ]
    assert net.num_parameters() == 4 * 4 * 3 * 8 + 8 + 2 * 2 * 8 * 16 + 16 + 6 * 64 + 6


def test_summary_shapes_are_those_of_a_forward_pass():
    net = small_net()
    X, Y = batch(5)
    grads = net.gradients(X, Y)
    text = net.summary(5)
    for name, shape in net.shapes()[1:]:
        actual = grads["d" + name].shape
        shown = (5, *shape) if len(shape) == 3 else (shape[0], 5)
        assert actual == shown, name
        assert f"{name} {shown}" in text, name
    assert "X (5, 8, 8, 2)" in text
    assert f"total parameters: {net.num_parameters():,}" in text
    for name, t in net.parameters().items():
        assert f"{name} {tuple(t.shape)}" in text
    html = net._repr_html_()
    assert "<table" in html and "W1 (3, 3, 2, 3)" in html and "P1 (m, 4, 4, 3)" in html


def test_predictions_and_accuracy():
    net = small_net(seed=7)
    X, Y = batch(6, seed=8)
    P = net.predict_proba(X)
    assert P.shape == (3, 6)
    np.testing.assert_allclose(P.sum(axis=0), 1.0)
    labels = net.predict_labels(X)
    assert labels.shape == (1, 6)
    np.testing.assert_array_equal(labels, P.argmax(axis=0).reshape(1, -1))
    np.testing.assert_array_equal(net.predict(X), np.eye(3)[:, labels.ravel()])
    assert net.accuracy(X, Y) == np.mean(labels.ravel() == Y.argmax(axis=0))


def test_dev_cost_in_chunks_equals_the_cost_in_one_pass(monkeypatch):
    import autograd_dnn.convnet as convnet

    net = small_net(seed=9, l2=0.1)
    X, Y = batch(10, seed=10)
    Xt, Yd = net.check_X(X), net.check_Y(Y, 10)
    whole = float(net.batch_cost(Xt, Yd).data)
    monkeypatch.setattr(convnet, "CHUNK", 3)
    with ad.no_grad():
        chunked = float(net.batch_cost(Xt, Yd).data)
    assert chunked == pytest.approx(whole, rel=1e-12)


@pytest.mark.slow
def test_the_signs_model_learns_signs_like():
    """A shorter run than the CLI's preset (360 images, 8 epochs): the model must still
    clearly learn to count fingers (chance is 1/6)."""
    X, Y = ad.datasets.signs_like(360, seed=1)
    X = X.astype(np.float32)
    net = ConvNetwork.signs(seed=0, dtype=np.float32)
    history = net.fit(
        X[72:],
        Y[:, 72:],
        learning_rate=0.01,
        iterations=8,
        optimizer="adam",
        batch_size=32,
        X_dev=X[:72],
        Y_dev=Y[:, :72],
        progress=False,
        track_gradients=False,
        print_every=1,
    )
    assert history.costs[-1] < 0.5 * history.costs[0]
    assert net.accuracy(X[:72], Y[:, :72]) >= 0.6


@pytest.mark.slow
def test_the_benchmark_steps_compare_like_with_like():
    """benchmarks.conv times ours against the same model in PyTorch: both must compute the
    same costs, step after step (Adam changes the parameters in between)."""
    pytest.importorskip("torch")
    from benchmarks import conv as bench

    for dtype, rtol in ((np.float64, 1e-9), (np.float32, 1e-4)):
        X, Y = bench.signs_data(4, dtype, seed=2)
        ours, params = bench.signs_ours(X, Y, seed=2)
        theirs = bench.signs_torch(X, Y, params)
        a = [ours() for _ in range(4)]
        b = [theirs() for _ in range(4)]
        assert a[0] != pytest.approx(a[-1], rel=1e-3)  # the steps change the parameters
        np.testing.assert_allclose(a, b, rtol=rtol, err_msg=str(dtype))


def test_fit_tracks_the_gradient_flow_only_on_request():
    X, Y = batch(6, seed=11)
    net = small_net(seed=12)
    assert net.fit(X, Y, iterations=2, progress=False).weight_ratios == {}
    history = net.fit(X, Y, iterations=2, progress=False, track_gradients=True, print_every=1)
    assert list(history.weight_ratios) == ["W1", "W2", "W3", "W4"]
    assert set(history.activation_grads) == {"dA1", "dA2", "dA3"}  # dA0 is not asked for
    assert all(len(v) == 2 for v in history.weight_ratios.values())


@pytest.mark.slow
def test_the_benchmark_measures_the_peak_memory_of_a_step_in_a_child():
    from benchmarks import conv as bench

    if not os.path.exists("/proc/self/clear_refs"):
        pytest.skip("no /proc/self/clear_refs")
    mem = bench.memory_in_child("ours", "float32", 4)
    # a step holds at least the first layer's Z1 (m, n_H, n_W, n_C) = (4, 64, 64, 8) in float32
    # (the im2col matrix is built a few samples at a time, so it no longer sets the floor)
    z1 = 4 * 64 * 64 * 8 * 4
    assert mem["peak"] >= z1 and mem["tracemalloc"] >= z1
