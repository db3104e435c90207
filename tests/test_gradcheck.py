"""The gradient checker: reports, modes, kinks, planted bugs, the textbook comparison.

Every planted bug lives in ``tests/planted.py`` and is plugged into ONE layer of a correct
network (``net.layers[1]`` is layer 2); each test asserts that the checker fails, and names
that tensor and that layer. Tests that expose a bug of the checker itself are marked
``xfail(strict=True, reason="BUG: ...")``.
"""

from __future__ import annotations

import json
import re
import warnings

import numpy as np
import pytest
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

import autograd_dnn as ad
from autograd_dnn import textbook as tb
from autograd_dnn.gradcheck import MODES, check_gradients, compare_with_textbook, gradcheck
from autograd_dnn.tensor import GradientShapeError, _State

from . import planted

SETTINGS = settings(
    max_examples=20,
    deadline=None,
    derandomize=True,
    database=None,
    suppress_health_check=list(HealthCheck),
)

# L = 4 with a square W2 (4 x 4): layer 2 is neither the first nor the last layer
DIMS = [3, 4, 4, 3, 1]
M = 7  # not 2: a doubled gradient and a missing 1/m must not look alike


# ----------------------------------------------------------------------------- helpers
def make_data(dims, m, output="sigmoid", seed=0):
    """X (n[0], m) standard normal; Y (n[L], m) suited to the output's cost."""
    rng = np.random.default_rng(seed)
    X = rng.standard_normal((dims[0], m))
    nL = dims[-1]
    if output == "sigmoid":
        Y = (rng.random((nL, m)) > 0.5).astype(float)
    elif output == "softmax":
        Y = np.eye(nL)[:, rng.integers(0, nL, m)]
    else:
        Y = rng.standard_normal((nL, m))
    return X, Y


def planted_net(bug, where="linear_fn", layer=2, dims=DIMS, hidden="tanh", seed=1, **kw):
    """A correct network with one planted Function in ``layer``."""
    net = ad.DeepNetwork(dims, hidden_activation=hidden, seed=seed, **kw)
    if bug is not None:
        setattr(net.layers[layer - 1], where, bug)
    return net


def exact_gradients(net, X, Y):
    """The gradients of the same parameters with the built-in (correct) Functions."""
    clean = ad.DeepNetwork.from_parameters(
        net.get_parameters(), activations=net.activations, l2=net.l2, leaky_slope=net.leaky_slope
    )
    return clean.gradients(X, Y)


def failing(report):
    return {r.name for r in report.failures}


def expected_names(L):
    names = []
    for l in range(L, 0, -1):
        names += [f"W{l}", f"b{l}", f"dA{l - 1}"]
    return names


# ============================================================================= 1. reports
def test_rows_one_per_tensor_in_backward_order_with_shapes():
    X, Y = make_data(DIMS, M)
    net = planted_net(None)
    report = gradcheck(net, X, Y, mode="full")
    assert report.passed, str(report)
    assert [r.name for r in report.rows] == expected_names(4)
    dims = net.layer_dims
    for r in report.rows:
        l = r.layer
        assert isinstance(l, int) and 1 <= l <= 4
        if r.name.startswith("W"):
            assert r.shape == (dims[l], dims[l - 1])
        elif r.name.startswith("b"):
            assert r.shape == (dims[l], 1)
        else:  # dA[l-1] is checked at the boundary into layer l
            assert r.name == f"dA{l - 1}" and r.shape == (dims[l - 1], M)
        assert r.checked == int(np.prod(r.shape))  # full: every coordinate
        assert r.verdict == "ok" and r.kinks == 0
        assert r.rel_diff < 1e-6
        assert r.ratio is None


def test_str_prints_table_and_a_passing_sentence():
    X, Y = make_data(DIMS, M)
    report = gradcheck(planted_net(None), X, Y)
    text = str(report)
    lines = text.splitlines()
    header = next(line for line in lines if line.startswith("tensor"))
    for column in (
        "layer",
        "shape",
        "rel diff",
        "max abs err",
        "worst index",
        "analytic",
        "numeric",
        "ratio",
        "kinks",
        "verdict",
    ):
        assert column in header
    for name in expected_names(4):
        assert any(line.split()[:1] == [name] for line in lines), name
    assert lines[-1] == report.summary()
    assert lines[-1].startswith("PASSED")


def test_to_dict_is_json_serializable():
    X, Y = make_data(DIMS, M)
    for bug in (None, planted.DoubledDW):
        report = gradcheck(planted_net(bug), X, Y, mode="auto")
        d = report.to_dict()
        back = json.loads(json.dumps(d, allow_nan=False))
        assert back["passed"] is report.passed
        assert back["first_faulty_layer"] == report.first_faulty_layer
        assert back["forward_passes"] == report.forward_passes
        assert [r["name"] for r in back["rows"]] == [r.name for r in report.rows]
        for row, r in zip(back["rows"], report.rows, strict=True):
            assert row["shape"] == list(r.shape)
            assert row["passed"] is r.passed
            assert row["rel_diff"] == pytest.approx(r.rel_diff)
    assert back["first_faulty_layer"] == 2 and back["passed"] is False


def test_row_fields_follow_the_course_formula_for_a_doubled_dW2():
    """analytic = 2 g, numeric = g: rel diff ||g|| / 3||g|| = 1/3, max abs err = max |g|."""
    X, Y = make_data(DIMS, M)
    net = planted_net(planted.DoubledDW)
    g = exact_gradients(net, X, Y)["dW2"]
    row = gradcheck(net, X, Y, mode="full").row("W2")
    assert not row.passed and row.verdict == "BUG"
    assert row.rel_diff == pytest.approx(1 / 3, rel=1e-6)
    assert row.max_abs_err == pytest.approx(np.abs(g).max(), rel=1e-6)
    assert row.worst_index == tuple(np.unravel_index(np.argmax(np.abs(g)), g.shape))
    assert row.analytic == pytest.approx(2 * g[row.worst_index], rel=1e-9)
    assert row.numeric == pytest.approx(g[row.worst_index], rel=1e-6)
    assert row.ratio == pytest.approx(2.0, abs=1e-4)
    assert row.kinks == 0 and row.checked == g.size


def test_both_zero_gradients_count_as_agreement():
    """Layer 1 all dead (relu of Z[1] << 0): dW2 = 0 analytically AND numerically."""
    X, Y = make_data(DIMS, M)
    net = planted_net(None, hidden="relu")
    p = net.get_parameters()
    p["b1"][:] = -100.0
    net.set_parameters(p)
    assert np.all(np.asarray(exact_gradients(net, X, Y)["dW2"]) == 0)
    report = gradcheck(net, X, Y, mode="full")
    assert report.passed, str(report)
    for name in ("W2", "W1", "b1", "dA0"):
        row = report.row(name)
        assert row.rel_diff == 0.0 and row.max_abs_err == 0.0 and row.verdict == "ok"


def test_unknown_mode_is_refused():
    X, Y = make_data(DIMS, M)
    with pytest.raises(ValueError, match="unknown mode"):
        gradcheck(planted_net(None), X, Y, mode="exhaustive")
    with pytest.raises(ValueError, match="unknown mode"):
        check_gradients(lambda x: (x * x).sum(), [np.ones((2, 2))], mode="nope")


def test_gradcheck_leaves_the_network_and_engine_state_alone():
    X, Y = make_data(DIMS, M)
    net = planted_net(None, hidden="relu")
    before = net.get_parameters()
    gradcheck(net, X, Y, mode="full")
    gradcheck(net, X, Y, mode="auto")
    for k, v in net.get_parameters().items():
        assert np.array_equal(v, before[k]), k
        assert net.parameters()[k].grad is None
    assert ad.is_grad_enabled() and _State.kink_log is None


# ============================================================================= 2. modes
ARCHITECTURES = [
    pytest.param([3, 5, 5, 3, 1], "relu", "sigmoid", 0.0, id="course-3-5-5-3-1"),
    pytest.param([2, 3, 5, 4, 2, 1], "relu", "sigmoid", 0.0, id="course-2-3-5-4-2-1"),
    pytest.param([4, 6, 3], "tanh", "softmax", 0.0, id="tanh-softmax"),
    pytest.param([3, 4, 2], "leaky_relu", "linear", 0.0, id="leaky-linear"),
    pytest.param([3, 5, 4, 1], "sigmoid", "sigmoid", 0.7, id="sigmoid-l2"),
    pytest.param([5, 4, 4, 3], "relu", "softmax", 0.3, id="relu-softmax-l2"),
    pytest.param([3, 4, 2], "tanh", "tanh", 0.0, id="tanh-output-mse"),
]


@pytest.mark.parametrize("mode", MODES)
@pytest.mark.parametrize(("dims", "hidden", "output", "l2"), ARCHITECTURES)
def test_every_mode_passes_on_correct_networks(dims, hidden, output, l2, mode):
    X, Y = make_data(dims, 6, output, seed=3)
    net = ad.DeepNetwork(dims, hidden_activation=hidden, output_activation=output, l2=l2, seed=4)
    report = gradcheck(net, X, Y, mode=mode)
    assert report.passed, str(report)
    assert report.first_faulty_layer is None
    assert [r.name for r in report.rows] == expected_names(len(dims) - 1)
    assert report.summary().startswith("PASSED")


def test_course_fixed_step_passes_and_still_catches_a_bug():
    X, Y = make_data(DIMS, M)
    report = gradcheck(planted_net(None), X, Y, mode="full", step=1e-7)
    assert report.passed, str(report)
    assert "1e-07" in report.step
    bad = gradcheck(planted_net(planted.DoubledDW), X, Y, mode="full", step=1e-7)
    assert failing(bad) == {"W2"} and bad.row("W2").ratio == pytest.approx(2.0, abs=1e-3)


@st.composite
def small_networks(draw):
    L = draw(st.integers(1, 4))
    dims = [draw(st.integers(1, 5)) for _ in range(L + 1)]
    hidden = draw(st.sampled_from(["relu", "leaky_relu", "tanh", "sigmoid", "linear"]))
    output = draw(st.sampled_from(["sigmoid", "softmax", "linear", "tanh"]))
    if output == "softmax":
        dims[-1] = max(dims[-1], 2)
    l2 = draw(st.sampled_from([0.0, 0.5]))
    m = draw(st.integers(1, 6))
    seed = draw(st.integers(0, 1000))
    net = ad.DeepNetwork(dims, hidden_activation=hidden, output_activation=output, l2=l2, seed=seed)
    X, Y = make_data(dims, m, output, seed=seed + 1)
    return net, X, Y


@SETTINGS
@given(small_networks(), st.sampled_from(MODES))
def test_property_correct_small_networks_pass(case, mode):
    net, X, Y = case
    report = gradcheck(net, X, Y, mode=mode, k=4)
    assert report.passed, str(report)
    assert len(report.rows) == 3 * net.L


def test_float32_network_is_checked_on_a_float64_copy_and_says_so():
    X, Y = make_data(DIMS, M)
    net = ad.DeepNetwork(DIMS, hidden_activation="tanh", seed=1, dtype=np.float32)
    before = net.get_parameters()
    for mode in ("auto", "full"):
        report = gradcheck(net, X, Y, mode=mode)
        assert report.passed, str(report)
        assert any("float32" in n and "float64" in n for n in report.notes), report.notes
        assert "float64" in str(report)
    assert net.dtype == np.float32
    for k, v in net.get_parameters().items():
        assert v.dtype == np.float32 and np.array_equal(v, before[k])
    # a float64 network gets no such note
    assert gradcheck(planted_net(None), X, Y).notes == []
    # and a planted bug is still found through the float64 copy
    net.layers[1].linear_fn = planted.DoubledDW
    bad = gradcheck(net, X, Y, mode="auto")
    assert failing(bad) == {"W2"} and bad.row("W2").ratio == pytest.approx(2.0, abs=1e-3)


def _passes_in(message):
    found = re.search(r"([\d,]+) forward passes", message)
    assert found, message
    return int(found.group(1).replace(",", ""))


def test_full_mode_warns_on_many_parameters_with_the_number_of_passes():
    dims = [45, 45, 1]  # P = 45*45 + 45 + 45 + 1 = 2116 > 2000
    X, Y = make_data(dims, 3)
    net = ad.DeepNetwork(dims, hidden_activation="tanh", seed=0)
    P = net.num_parameters()
    assert P == 2116
    with pytest.warns(UserWarning, match="forward passes") as record:
        report = gradcheck(net, X, Y, mode="full", boundaries=False)
    ours = [w for w in record if "forward passes" in str(w.message)]
    assert len(ours) == 1
    message = str(ours[0].message)
    assert _passes_in(message) == 2 * P
    assert "auto" in message  # and says what to use instead
    assert ours[0].filename == __file__  # points at the caller (stacklevel)
    assert report.passed
    # 2P passes for the coordinates, + 1 + L for the base point: "2P + a few"
    assert 2 * P <= report.forward_passes <= 2 * P + 1 + net.L


def test_full_mode_does_not_warn_on_a_small_network():
    X, Y = make_data(DIMS, M)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        assert gradcheck(planted_net(None), X, Y, mode="full").passed


@pytest.mark.parametrize("mode", ["full", "auto"])
def test_a_doubled_db_on_an_exact_kink_is_caught_by_gradcheck(mode):
    net, X, Y = zero_column_data()
    net.layers[0].linear_fn = planted.DoubledDb
    report = gradcheck(net, X, Y, mode=mode)
    assert not report.passed, str(report)
    assert "b1" in failing(report) and report.first_faulty_layer == 1


@SETTINGS
@given(
    dims=st.lists(st.integers(1, 5), min_size=3, max_size=5),
    hidden=st.sampled_from(["tanh", "sigmoid", "leaky_relu"]),
    m=st.sampled_from([1, 3, 4, 5]),
    seed=st.integers(0, 500),
    mode=st.sampled_from(["auto", "full"]),
)
def test_property_a_doubled_dW2_is_caught_in_any_small_network(dims, hidden, m, seed, mode):
    X, Y = make_data(dims, m, seed=seed)
    net = ad.DeepNetwork(dims, hidden_activation=hidden, seed=seed)
    g = exact_gradients(net, X, Y)["dW2"]
    assume(np.abs(g).max() > 1e-6)  # a zero gradient doubled is still zero
    net.layers[1].linear_fn = planted.DoubledDW
    report = gradcheck(net, X, Y, mode=mode)
    assert report.first_faulty_layer == 2 and failing(report) == {"W2"}, str(report)
    assert report.row("W2").ratio == pytest.approx(2.0, abs=1e-3)


# (f) any custom Function through check_gradients
def test_check_gradients_catches_a_custom_function_with_a_wrong_backward():
    x = np.array([[0.5, -1.2, 2.0], [1.5, 0.3, -0.7]])
    good = check_gradients(lambda t: planted.Cube.apply(t).sum(), [x], names=["x"])
    assert good.passed, str(good)
    bad = check_gradients(lambda t: planted.WrongCube.apply(t).sum(), [x], names=["x"])
    assert not bad.passed
    row = bad.row("x")
    assert row.verdict == "BUG" and row.layer is None
    assert row.ratio == pytest.approx(2 / 3, rel=1e-5)
    assert row.rel_diff == pytest.approx((3 - 2) / (3 + 2), rel=1e-5)
    assert "x" in bad.summary() and bad.summary().startswith("FAILED")
    for mode in ("auto", "directional", "sampled"):
        assert not check_gradients(
            lambda t: planted.WrongCube.apply(t).sum(), [x], mode=mode
        ).passed


@pytest.mark.parametrize(
    ("bug", "kit_case"),
    [
        pytest.param(planted.DoubledDW, "linear", id="doubled-dW"),
        pytest.param(planted.ReLUOneAtNegative, "relu", id="relu-prime"),
    ],
)
def test_testing_kit_catches_the_same_bug_in_textbook_style_code(bug, kit_case):
    testing = pytest.importorskip("autograd_dnn.testing")
    X, Y = make_data(DIMS, M, seed=5)
    where = "activation_fn" if kit_case == "relu" else "linear_fn"
    assert not gradcheck(planted_net(bug, where, hidden="relu"), X, Y).passed
    if kit_case == "linear":

        def linear_backward(dZ, cache):
            dA_prev, dW, db = tb.linear_backward(dZ, cache)
            return dA_prev, 2 * dW, db

        with pytest.raises(AssertionError, match="dW"):
            testing.check_linear_backward(linear_backward)
    else:

        def linear_activation_backward(dA, cache, activation):
            linear_cache, _ = cache
            return tb.linear_backward(dA * 1.0, linear_cache)  # relu'(z) = 1 everywhere

        with pytest.raises(AssertionError, match="relu"):
            testing.check_activation_backward(linear_activation_backward, "relu")


# ============================================================================= 5. textbook
@pytest.mark.parametrize("l2", [0.0, 0.7])
@pytest.mark.parametrize("hidden", ["relu", "tanh", "sigmoid", "leaky_relu", "linear"])
def test_compare_with_textbook_agrees_on_correct_networks(hidden, l2):
    dims = [3, 5, 4, 1]
    X, Y = make_data(dims, 6, seed=2)
    net = ad.DeepNetwork(dims, hidden_activation=hidden, l2=l2, seed=3)
    report = compare_with_textbook(net, X, Y)
    assert report.passed, str(report)
    assert all(r.rel_diff <= 1e-10 for r in report.rows)
    names = []
    for l in range(3, 0, -1):
        names += [f"dZ{l}", f"dW{l}", f"db{l}", f"dA{l - 1}"]
    assert [r.name for r in report.rows] == names
    assert any("m * dJ/dZ" in n and "m * dJ/dA" in n for n in report.notes), report.notes
    assert "m * dJ/dZ" in str(report)


def test_compare_with_textbook_applies_the_factor_m_to_dZ_and_dA_only():
    """The course's dZ, dA are m * dJ/dZ, m * dJ/dA; dW, db are dJ/dW, dJ/db."""
    dims = [3, 5, 4, 1]
    X, Y = make_data(dims, M, seed=2)
    net = ad.DeepNetwork(dims, seed=3)
    exact = net.gradients(X, Y)
    AL, caches = tb.model_forward(X, net.get_parameters())
    course = tb.model_backward(AL, Y, caches)
    for key in ("dZ2", "dA1", "dA0"):
        np.testing.assert_allclose(M * exact[key], course[key], rtol=1e-10, atol=1e-14)
    for key in ("dW2", "db1"):
        np.testing.assert_allclose(exact[key], course[key], rtol=1e-10, atol=1e-14)
    report = compare_with_textbook(net, X, Y)
    assert report.row("dZ3").analytic == pytest.approx(
        M * exact["dZ3"][report.row("dZ3").worst_index]
    )


@pytest.mark.parametrize("output", ["softmax", "linear", "tanh"])
def test_compare_with_textbook_refuses_a_non_sigmoid_output(output):
    dims = [3, 4, 3]
    X, Y = make_data(dims, 5, output)
    net = ad.DeepNetwork(dims, output_activation=output, seed=0)
    with pytest.raises(ValueError, match="sigmoid"):
        compare_with_textbook(net, X, Y)


def test_compare_with_textbook_on_a_float32_network_notes_the_upcast():
    X, Y = make_data(DIMS, M)
    net = ad.DeepNetwork(DIMS, seed=1, dtype=np.float32)
    report = compare_with_textbook(net, X, Y)
    assert report.passed, str(report)
    assert any("float32" in n for n in report.notes)


def test_check_gradients_accepts_a_one_by_one_output():
    rng = np.random.default_rng(1)
    w, x = rng.standard_normal((3, 1)), rng.standard_normal((3, 1))
    report = check_gradients(lambda a, b: a.T @ b, [w, x])  # (1, 1), the course's w^T x
    assert report.passed, str(report)


# ============================================================================= 7. cost
@pytest.mark.slow
def test_auto_mode_on_the_course_cat_network_uses_few_forward_passes():
    dims = [12288, 20, 7, 5, 1]
    rng = np.random.default_rng(0)
    X = rng.random((12288, 209))  # pixels / 255
    Y = (rng.random((1, 209)) > 0.65).astype(float)
    net = ad.DeepNetwork(dims, seed=1)
    report = gradcheck(net, X, Y, mode="auto")
    assert report.passed, str(report)
    assert report.forward_passes < 60
    assert report.row("dA0").shape == (12288, 209)
    assert report.row("W1").method == "directional"
