"""DeepNetwork: structure, gradients vs finite differences, costs, init, errors."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import autograd_dnn as ad

SETTINGS = settings(
    max_examples=30, deadline=None, derandomize=True, suppress_health_check=list(HealthCheck)
)


def numeric_cost_grad(net: ad.DeepNetwork, X, Y, key: str, h: float = 1e-6) -> np.ndarray:
    """Central differences of the cost with respect to one parameter: the test's own oracle."""
    W = net.parameters()[key]
    out = np.zeros_like(W.data)
    with ad.no_grad():
        for idx in np.ndindex(*W.shape):
            old = W.data[idx]
            W.data[idx] = old + h
            jp = float(net.cost(X, Y).data)
            W.data[idx] = old - h
            jm = float(net.cost(X, Y).data)
            W.data[idx] = old
            out[idx] = (jp - jm) / (2 * h)
    return out


def numeric_input_grad(net, X, Y, h=1e-6):
    out = np.zeros_like(X)
    with ad.no_grad():
        for idx in np.ndindex(*X.shape):
            Xp, Xm = X.copy(), X.copy()
            Xp[idx] += h
            Xm[idx] -= h
            out[idx] = (float(net.cost(Xp, Y).data) - float(net.cost(Xm, Y).data)) / (2 * h)
    return out


@st.composite
def network_cases(draw):
    L = draw(st.integers(1, 6))
    dims = [draw(st.integers(1, 8)) for _ in range(L + 1)]
    hidden = draw(st.sampled_from(["relu", "leaky_relu", "tanh", "sigmoid", "linear"]))
    output = draw(st.sampled_from(["sigmoid", "softmax", "linear", "tanh"]))
    if output == "softmax":
        dims[-1] = max(dims[-1], 2)
    m = draw(st.integers(1, 16))
    seed = draw(st.integers(0, 2**16))
    rng = np.random.default_rng(seed)
    X = rng.standard_normal((dims[0], m))
    if output == "sigmoid":
        Y = (rng.random((dims[-1], m)) > 0.5).astype(float)
    elif output == "softmax":
        Y = np.eye(dims[-1])[rng.integers(0, dims[-1], m)].T
    else:
        Y = rng.standard_normal((dims[-1], m))
    l2 = draw(st.sampled_from([0.0, 0.7]))
    net = ad.DeepNetwork(dims, hidden, output, init="xavier", seed=seed, l2=l2)
    # non-zero biases keep pre-activations away from relu's kink at exactly 0
    for layer in net.layers:
        layer.b.data[...] = rng.uniform(0.05, 0.3, layer.b.shape) * rng.choice(
            [-1, 1], layer.b.shape
        )
    return net, X, Y


@SETTINGS
@given(network_cases())
def test_gradients_match_finite_differences(case):
    net, X, Y = case
    grads = net.gradients(X, Y)
    for key in net.parameters():
        num = numeric_cost_grad(net, X, Y, key)
        np.testing.assert_allclose(grads["d" + key], num, rtol=1e-5, atol=1e-7, err_msg=key)
    np.testing.assert_allclose(grads["dA0"], numeric_input_grad(net, X, Y), rtol=1e-5, atol=1e-7)


def test_gradients_keys_shapes_and_leave_grad_alone():
    net = ad.DeepNetwork([2, 3, 5, 4, 2, 1], seed=0)
    X, Y = ad.datasets.flower(12, seed=1)
    net.parameters()["W1"].grad = np.full((3, 2), 7.0)
    g = net.gradients(X, Y)
    L = 5
    expected = (
        [f"dW{l}" for l in range(1, L + 1)]
        + [f"db{l}" for l in range(1, L + 1)]
        + [f"dZ{l}" for l in range(1, L + 1)]
        + [f"dA{l}" for l in range(0, L)]
    )
    assert list(g) == expected
    params = net.parameters()
    for l in range(1, L + 1):
        assert g[f"dW{l}"].shape == params[f"W{l}"].shape
        assert g[f"db{l}"].shape == params[f"b{l}"].shape
        assert g[f"dZ{l}"].shape == (net.layer_dims[l], 12)
    assert g["dA0"].shape == X.shape
    assert np.all(params["W1"].grad == 7.0)  # gradients() does not touch .grad
    assert "dA0" not in net.gradients(X, Y, dA0=False)


def test_dZL_is_AL_minus_Y_over_m_for_sigmoid():
    net = ad.DeepNetwork([3, 4, 1], seed=2)
    rng = np.random.default_rng(0)
    X = rng.standard_normal((3, 10))
    Y = (rng.random((1, 10)) > 0.5).astype(float)
    AL = net.predict_proba(X)
    np.testing.assert_allclose(net.gradients(X, Y)["dZ2"], (AL - Y) / 10, rtol=1e-12)


def test_cost_equals_course_formula_and_is_finite_at_saturation():
    net = ad.DeepNetwork([2, 3, 1], seed=0)
    X, Y = ad.datasets.flower(20, seed=0)
    AL = net.predict_proba(X)
    m = X.shape[1]
    course = -np.sum(Y * np.log(AL) + (1 - Y) * np.log(1 - AL)) / m
    assert float(net.cost(X, Y).data) == pytest.approx(course, rel=1e-12)
    # a huge output weight saturates A[L] to exactly 0 or 1: the course formula gives inf/nan
    net.parameters()["W2"].data[...] = 1e4
    J = net.cost(X, Y)
    assert np.isfinite(J.data)
    J.backward()
    assert all(np.all(np.isfinite(p.grad)) for p in net.parameters().values())


def test_l2_cost_term():
    net = ad.DeepNetwork([2, 4, 1], seed=0, l2=0.5)
    X, Y = ad.datasets.flower(16, seed=0)
    plain = ad.DeepNetwork.from_parameters(net.get_parameters(), ["relu", "sigmoid"])
    W = net.get_parameters()
    extra = 0.5 / (2 * 16) * (np.sum(W["W1"] ** 2) + np.sum(W["W2"] ** 2))
    assert float(net.cost(X, Y).data) == pytest.approx(float(plain.cost(X, Y).data) + extra)


def test_l2_penalty_without_weights_is_refused():
    with pytest.raises(ValueError, match="at least one weight matrix"):
        ad.losses.l2_penalty([], 0.5, 16)


def test_course_init_matches_course_recipe_bit_for_bit():
    net = ad.DeepNetwork([5, 4, 3], init="course", seed=3, activations=["relu", "sigmoid"])
    np.random.seed(3)
    expected = {}
    for l, (n, n_prev) in enumerate([(4, 5), (3, 4)], start=1):
        expected[f"W{l}"] = np.random.randn(n, n_prev) * 0.01
        expected[f"b{l}"] = np.zeros((n, 1))
    got = net.get_parameters()
    assert list(got) == ["W1", "b1", "W2", "b2"]
    for k in expected:
        assert np.array_equal(got[k], expected[k]), k


@pytest.mark.parametrize(
    "init, scale", [("he", lambda n: np.sqrt(2 / n)), ("xavier", lambda n: np.sqrt(1 / n))]
)
def test_he_and_xavier_scales(init, scale):
    net = ad.DeepNetwork([400, 300, 1], init=init, seed=0)
    W1 = net.get_parameters()["W1"]
    assert W1.std() == pytest.approx(scale(400), rel=0.02)
    assert np.all(net.get_parameters()["b1"] == 0)


def test_zeros_init_shows_symmetry():
    net = ad.DeepNetwork([2, 4, 1], init="zeros", seed=0, hidden_activation="tanh")
    X, Y = ad.datasets.flower(50, seed=0)
    net.fit(X, Y, learning_rate=0.5, iterations=20, progress=False)
    W1 = net.get_parameters()["W1"]
    assert np.allclose(W1, W1[0])  # every hidden unit learned the same thing


def test_structure_and_text():
    net = ad.DeepNetwork([2, 3, 5, 4, 2, 1], seed=0)
    assert net.layer_dims == [2, 3, 5, 4, 2, 1]
    assert net.L == 5
    assert net.activations == ["relu"] * 4 + ["sigmoid"]
    assert list(net.parameters()) == [f"{p}{l}" for l in range(1, 6) for p in "Wb"]
    s = net.summary(m=64)
    assert "(5, 3)" in s and "(5, 64)" in s and "total parameters: 66" in s
    assert "dW[l], db[l], dZ[l], dA[l] have the shapes" in s
    assert str(net) == "DeepNetwork([2, 3, 5, 4, 2, 1], relu x4 -> sigmoid, 66 parameters)"
    assert net.forward(np.zeros((2, 7))).shape == (1, 7)
    assert net.num_parameters() == 66


def test_reference_network_shapes():
    net = ad.DeepNetwork([3, 5, 5, 3, 1], seed=0)
    assert net.L == 4
    shapes = {k: v.shape for k, v in net.get_parameters().items()}
    assert shapes == {
        "W1": (5, 3),
        "b1": (5, 1),
        "W2": (5, 5),
        "b2": (5, 1),
        "W3": (3, 5),
        "b3": (3, 1),
        "W4": (1, 3),
        "b4": (1, 1),
    }


def test_from_parameters_copies_and_predicts():
    params = ad.init.initialize([3, 4, 1], "he", seed=1)
    net = ad.DeepNetwork.from_parameters(params, activations=["tanh", "sigmoid"])
    assert net.activations == ["tanh", "sigmoid"]
    params["W1"][0, 0] = 99.0
    assert net.get_parameters()["W1"][0, 0] != 99.0


def test_float32_network_stays_float32():
    net = ad.DeepNetwork([2, 4, 1], seed=0, dtype=np.float32)
    X, Y = ad.datasets.flower(32, seed=0)
    net.fit(X, Y, learning_rate=0.1, iterations=5, progress=False)
    for p in net.parameters().values():
        assert p.dtype == np.float32 and p.grad is None  # fit leaves no stale gradient
    assert all(g.dtype == np.float32 for g in net.gradients(X, Y).values())
    net.cost(X, Y).backward()
    assert all(p.grad.dtype == np.float32 for p in net.parameters().values())
    assert net.forward(X).dtype == np.float32


def test_predict_and_accuracy_softmax():
    X, Y = ad.datasets.spiral(90, classes=3, seed=0)
    net = ad.DeepNetwork([2, 8, 3], output_activation="softmax", seed=0)
    P = net.predict(X)
    assert P.shape == (3, 90) and np.all(P.sum(axis=0) == 1)
    acc = net.accuracy(X, Y)
    assert acc == pytest.approx(np.mean(P.argmax(0) == Y.argmax(0)))


# ----------------------------------------------------------------------------- bad input
def bad(fn, *args, match, exc=ValueError, **kw):
    with pytest.raises(exc, match=match):
        fn(*args, **kw)


def test_bad_inputs_have_clear_messages():
    net = ad.DeepNetwork([2, 3, 1], seed=0)
    X, Y = ad.datasets.flower(10, seed=0)
    bad(net.forward, np.zeros((3, 10)), match=r"n\[0\] = 3 rows.*expects n\[0\] = 2")
    bad(net.forward, np.zeros((10, 2)), match=r"did you mean X\.T")
    bad(net.forward, np.zeros(4), match=r"got shape \(4,\), use \(4, 1\) or \(1, 4\)")
    bad(net.cost, X, Y[:, :5], match=r"shape \(n\[L\], m\) = \(1, 10\).*different m")
    bad(net.cost, X, Y + 0.5, match="only 0 and 1")
    Xn = X.copy()
    Xn[0, 0] = np.nan
    bad(net.forward, Xn, match="NaN")
    bad(
        ad.DeepNetwork,
        [2, 3, 1],
        hidden_activation="relux",
        match="unknown activation 'relux'.*known: relu",
    )
    bad(ad.DeepNetwork, [2, 3, 1], hidden_activation="softmax", match="output layer only")
    bad(ad.DeepNetwork, [2, 3, 1], init="glorot", match="unknown init.*known: he")
    bad(ad.DeepNetwork, [2], match="at least")
    bad(ad.DeepNetwork, [2, 0, 1], match=r"n\[1\] must be >= 1")
    bad(net.fit, X, Y, optimizer="sgd", progress=False, match="unknown optimizer 'sgd'.*known: gd")
    bad(net.fit, X, Y, learning_rate=0, progress=False, match="learning_rate must be > 0")
    bad(net.fit, X, Y, learning_rate=-1, progress=False, match="learning_rate must be > 0")
    bad(
        net.fit,
        X,
        Y,
        batch_size=11,
        progress=False,
        match=r"batch_size must be between 1 and m = 10",
    )
    soft = ad.DeepNetwork([2, 3, 3], output_activation="softmax")
    bad(soft.cost, X, np.ones((3, 10)), match="one-hot")


def test_from_parameters_errors_name_the_layer():
    p = ad.init.initialize([3, 5, 4, 1], "he", seed=0)
    wrong = dict(p, W2=np.zeros((4, 2)))
    bad(
        ad.DeepNetwork.from_parameters,
        wrong,
        match=r"W\[2\] must have shape \(n\[2\], n\[1\]\) = \(4, 5\), got \(4, 2\)",
    )
    wrong = dict(p, b2=np.zeros(4))
    bad(
        ad.DeepNetwork.from_parameters,
        wrong,
        match=r"b\[2\] must have shape \(n\[2\], 1\) = \(4, 1\), got \(4,\)",
    )
    wrong = {k: v for k, v in p.items() if k != "W3"}
    bad(ad.DeepNetwork.from_parameters, wrong, match="missing W3")
    bad(
        ad.DeepNetwork.from_parameters,
        p,
        activations=["relu"],
        match="activations has 1 entries.*L = 3",
    )


# ----------------------------------------------------------------------------- issue 14
def test_a_string_of_layer_dims_is_refused_not_read_digit_by_digit():
    with pytest.raises(TypeError, match="read digit by digit"):
        ad.DeepNetwork("12288")


@pytest.mark.parametrize("slope", ["a", None, True])
def test_a_leaky_slope_that_is_not_a_number_is_refused(slope):
    with pytest.raises(TypeError, match="leaky_slope must be a number"):
        ad.DeepNetwork([2, 3, 1], leaky_slope=slope)


def test_a_one_unit_softmax_is_refused():
    with pytest.raises(ValueError, match="softmax output needs n\\[L\\] >= 2"):
        ad.DeepNetwork([2, 3, 1], output_activation="softmax")


def test_the_Y_shape_hint_is_a_shape_that_is_then_accepted():
    X, Y = ad.datasets.flower(200, seed=0)
    net = ad.DeepNetwork([2, 3, 1], seed=0)
    for bad in (Y.ravel(), Y.T):
        with pytest.raises(ValueError, match=r"use Y.reshape\(1, 200\)"):
            net.cost(X, bad)
    net.cost(X, Y.ravel().reshape(1, 200))  # what the hint says is accepted


def test_class_labels_for_a_softmax_output_get_the_one_hot_line():
    X = np.random.default_rng(0).standard_normal((2, 6))
    labels = np.array([0, 2, 1, 1, 0, 2])
    net = ad.DeepNetwork([2, 4, 3], output_activation="softmax", seed=0)
    with pytest.raises(ValueError, match=r"np.eye\(3\)\[:, labels") as err:
        net.cost(X, labels)
    line = str(err.value).split("Y = ")[1].split(" (labels")[0]
    onehot = eval(line, {"np": np, "labels": labels})  # the line the message gives
    net.cost(X, onehot)


def test_predict_labels_gives_the_class_of_each_sample():
    X = np.random.default_rng(0).standard_normal((2, 7))
    net = ad.DeepNetwork([2, 4, 3], output_activation="softmax", seed=0)
    labels = net.predict_labels(X)
    assert labels.shape == (1, 7) and labels.dtype.kind == "i"
    np.testing.assert_array_equal(labels[0], net.predict(X).argmax(axis=0))
    np.testing.assert_array_equal(net.predict(X, labels=True), labels)
    binary = ad.DeepNetwork([2, 4, 1], seed=0)
    np.testing.assert_array_equal(binary.predict_labels(X), binary.predict(X).astype(int))
    with pytest.raises(ValueError, match="use predict"):
        ad.DeepNetwork([2, 4, 2], output_activation="linear").predict_labels(X)


def test_a_network_displays_its_summary_as_html_in_jupyter():
    net = ad.DeepNetwork([2, 10, 6, 1], seed=0)
    page = net._repr_html_()
    assert page.count("<tr") == 1 + 4  # the header and layers 0..3
    assert "layer_dims=[2, 10, 6, 1]" in page and "total parameters: 103" in page
    assert repr(net).startswith("DeepNetwork([2, 10, 6, 1]") and "\n" not in repr(net)


@pytest.mark.parametrize(
    "kwargs, error, message",
    [
        (dict(layer_dims=[2, True]), TypeError, "n\\[1\\] in layer_dims must be a whole number"),
        (dict(layer_dims=[2, "3"]), TypeError, "n\\[1\\] in layer_dims must be a whole number"),
        (dict(layer_dims=[2, float("inf")]), ValueError, "whole numbers"),
        (dict(layer_dims=[2, 1e30]), ValueError, "more than any layer can hold"),
        (dict(layer_dims=[2, 3, 1], dtype="foo"), TypeError, "dtype must be np.float64"),
        (dict(layer_dims=[2, 3, 1], seed=-1), ValueError, "seed must be a whole number"),
        (dict(layer_dims=[2, 3, 1], seed=1.5), ValueError, "seed must be a whole number"),
        (dict(layer_dims=[2, 1], keep_prob=0.5), ValueError, "has none"),
        (dict(layer_dims=[2, 1], batch_norm=True), ValueError, "has none"),
    ],
)
def test_the_constructor_names_what_is_wrong(kwargs, error, message):
    with pytest.raises(error, match=message):
        ad.DeepNetwork(**kwargs)


def test_from_parameters_refuses_non_finite_weights():
    with pytest.raises(ValueError, match="W1 contains NaN or inf"):
        ad.DeepNetwork.from_parameters({"W1": np.array([[np.nan, 1.0]]), "b1": np.zeros((1, 1))})


def test_a_3d_X_gets_a_hint_that_fits_it():
    with pytest.raises(ValueError, match="flatten each sample into a column"):
        ad.DeepNetwork([2, 3, 1]).forward(np.ones((2, 3, 4)))
