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
from autograd_dnn.engine import GradientShapeError, modes
from autograd_dnn.gradcheck import (
    MODES,
    Report,
    Row,
    check_batch_consistency,
    check_gradients,
    compare_with_textbook,
    error_bounds,
    gradcheck,
    gradgradcheck,
)

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
    assert ad.is_grad_enabled() and modes.kink_log is None


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
    assert _passes_in(message) == P  # one complex-step pass per coordinate
    assert "auto" in message  # and says what to use instead
    assert ours[0].filename == __file__  # points at the caller (stacklevel)
    assert report.passed
    # P passes for the coordinates, + 1 + L for the base point: "P + a few"
    assert P <= report.forward_passes <= P + 1 + net.L


def test_full_mode_does_not_warn_on_a_small_network():
    X, Y = make_data(DIMS, M)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        assert gradcheck(planted_net(None), X, Y, mode="full").passed


@pytest.mark.parametrize(
    ("dims", "m"),
    [
        pytest.param([45, 45, 1], 8, id="many-parameters"),
        pytest.param([60, 3, 1], 40, id="many-boundary-coordinates"),
    ],
)
def test_full_mode_warning_counts_the_passes_it_really_runs(dims, m):
    """The warning's number is the cost of THIS check: P plus the dA[l] boundaries (one
    complex-step pass per coordinate)."""
    X, Y = make_data(dims, m)
    net = ad.DeepNetwork(dims, hidden_activation="tanh", seed=0)
    P = net.num_parameters()
    boundary = sum(n * m for n in dims[:-1])
    if dims == [60, 3, 1]:
        assert P < 2000 < P + boundary  # few parameters; the 2,520 dA coordinates warn too
    else:
        assert P == 2116
    with pytest.warns(UserWarning, match="forward passes") as record:
        report = gradcheck(net, X, Y, mode="full")
    ours = [w for w in record if "forward passes" in str(w.message)]
    assert len(ours) == 1
    announced = _passes_in(str(ours[0].message))
    assert report.passed, str(report)
    assert announced == pytest.approx(report.forward_passes, rel=0.05)
    assert announced >= P + boundary


def test_sampled_mode_checks_min_k_size_coordinates_per_tensor_biases_included():
    X, Y = make_data(DIMS, M)
    net = planted_net(None)  # tanh: away from kinks
    for k in (3, 5):
        report = gradcheck(net, X, Y, mode="sampled", k=k)
        assert report.passed, str(report)
        assert [r.name for r in report.rows] == expected_names(4)
        for r in report.rows:
            n = min(k, int(np.prod(r.shape)))
            assert r.checked == n, (r.name, r.checked)
            assert r.method == f"sampled {n}"
            assert r.kinks == 0
        biases = [r for r in report.rows if r.name.startswith("b")]
        assert len(biases) == 4 and all(r.checked >= 1 for r in biases)
        assert report.row("b4").checked == 1 and report.row("b1").checked == min(k, 4)
        # one complex-step pass per coordinate
        assert report.forward_passes == 1 + net.L + sum(r.checked for r in report.rows)


def test_sampled_mode_is_seeded():
    X, Y = make_data(DIMS, M)
    net = planted_net(planted.DoubledDW)

    def worst(seed):
        report = gradcheck(net, X, Y, mode="sampled", k=3, seed=seed)
        assert failing(report) == {"W2"}, str(report)
        return [r.worst_index for r in report.rows]

    assert worst(0) == worst(0)
    assert worst(7) == worst(7)
    # another seed picks other coordinates
    assert len({tuple(worst(seed)) for seed in range(5)}) > 1


def test_sampled_mode_with_k_larger_than_every_tensor_checks_every_coordinate():
    X, Y = make_data(DIMS, M)
    net = planted_net(None)
    sampled = gradcheck(net, X, Y, mode="sampled", k=1000)
    full = gradcheck(net, X, Y, mode="full")
    assert sampled.passed, str(sampled)
    for s, f in zip(sampled.rows, full.rows, strict=True):
        size = int(np.prod(s.shape))
        assert s.checked == f.checked == size
        assert s.method == f"sampled {size}"
        assert s.rel_diff == f.rel_diff and s.worst_index == f.worst_index
    assert sampled.forward_passes == full.forward_passes


def test_forward_passes_directional_uses_one_complex_step_per_tensor():
    X, Y = make_data(DIMS, M)
    net = planted_net(None)
    report = gradcheck(net, X, Y, mode="directional")
    assert report.passed, str(report)
    assert all(r.method == "directional" and r.checked == 1 for r in report.rows)
    assert report.forward_passes == 1 + net.L + len(report.rows) == 1 + 4 + 12


def test_forward_passes_full_uses_P_plus_the_boundaries():
    X, Y = make_data(DIMS, M)
    net = planted_net(None)
    P = net.num_parameters()
    boundary = sum(n * M for n in DIMS[:-1])
    report = gradcheck(net, X, Y, mode="full")
    assert report.passed, str(report)
    assert sum(r.checked for r in report.rows) == P + boundary
    assert report.forward_passes == 1 + net.L + (P + boundary)
    no_boundaries = gradcheck(net, X, Y, mode="full", boundaries=False)
    assert [r.name for r in no_boundaries.rows] == [
        n for n in expected_names(4) if not n.startswith("dA")
    ]
    assert no_boundaries.forward_passes == 1 + net.L + P


def test_auto_mode_escalates_only_the_failing_tensor():
    X, Y = make_data(DIMS, M)
    net = planted_net(planted.DoubledDW)
    report = gradcheck(net, X, Y, mode="auto")
    assert failing(report) == {"W2"}, str(report)
    for r in report.rows:
        if r.name == "W2":
            assert r.method.startswith("elementwise") and r.checked == 16
        else:
            assert r.method == "directional" and r.checked == 1, r.name
    # directional for every tensor, then the 16 coordinates of W2 (4 x 4)
    assert report.forward_passes == 1 + net.L + len(report.rows) + 16


# ============================================================================= 3. kinks
def zero_column_data():
    """DeepNetwork([2, 3, 1]) with b1 = 0 and a zero first column of X: Z[1][:, 0] = 0 exactly,
    every unit of layer 1 on relu's kink for that sample."""
    net = ad.DeepNetwork([2, 3, 1], seed=0)
    params = net.get_parameters()
    params["b1"][:] = 0.0
    net.set_parameters(params)
    X = np.array([[0.0, 1.0, -0.5], [0.0, 0.3, 2.0]])
    Y = np.array([[1.0, 0.0, 1.0]])
    return net, X, Y


def test_zero_column_data_sits_on_the_kink_and_the_textbook_agrees():
    net, X, Y = zero_column_data()
    with ad.no_grad():
        Z1, _ = net.layers[0].forward(ad.Tensor(X))
    assert np.all(Z1.data[:, 0] == 0.0)
    assert np.all(Z1.data[:, 1:] != 0.0)
    # relu'(0) = 0 (docs/notation.md): autodiff and the course's backprop give the same gradients
    assert compare_with_textbook(net, X, Y).passed


@pytest.mark.parametrize("mode", ["full", "auto"])
def test_a_correct_network_on_an_exact_kink_passes_gradcheck(mode):
    """Every unit of Z[1][:, 0] on the kink at once. The complex step takes relu's branch from
    the sign of the real part (relu'(0) = 0, the engine's convention); central differences
    check each side one-sided. Either way: checked, counted per row, and passed."""
    net, X, Y = zero_column_data()
    for method in ("auto", "central"):
        report = gradcheck(net, X, Y, mode=mode, method=method)
        assert report.passed, str(report)
        assert report.row("dA0").at_kink > 0, str(report)
    assert report.row("b1").at_kink == 3 and report.row("b1").checked == 3


def kink_net(hidden, z):
    """A correct DIMS network whose pre-activation Z[1][0, 2] is z (about +-1e-9)."""
    X, Y = make_data(DIMS, M, seed=5)
    net = planted_net(None, hidden=hidden)
    params = net.get_parameters()
    params["b1"][0, 0] = z - (params["W1"] @ X)[0, 2]
    net.set_parameters(params)
    with ad.no_grad():
        Z1, _ = net.layers[0].forward(ad.Tensor(X))
    assert 0.5 < Z1.data[0, 2] / z < 2  # on the side of z, within ~1e-9 of the kink
    return net, X, Y


KINKS = [
    pytest.param(hidden, z, id=f"{hidden}-{z:+.0e}")
    for hidden in ("relu", "leaky_relu")
    for z in (1e-9, -1e-9)
]


@pytest.mark.parametrize("mode", MODES)
@pytest.mark.parametrize(("hidden", "z"), KINKS)
def test_a_correct_network_next_to_a_kink_passes_and_reports_it(hidden, z, mode):
    net, X, Y = kink_net(hidden, z)
    report = gradcheck(net, X, Y, mode=mode, k=25)  # k >= every tensor's size
    assert report.passed, str(report)
    assert all(r.kinks == 0 for r in report.rows)  # a complex step moves no real part
    central = gradcheck(net, X, Y, mode=mode, k=25, method="central")
    assert central.passed, str(central)
    if mode in ("full", "sampled"):  # the probes that move Z[1][0, 2] cross its kink
        for name in ("W1", "b1", "dA0"):
            row = central.row(name)
            assert row.kinks > 0 and "one-sided" in row.note, str(central)


@pytest.mark.parametrize(("hidden", "z"), KINKS)
def test_a_naive_central_difference_next_to_the_kink_disagrees(hidden, z):
    """Not vacuous: the default step h ~ 6e-6 straddles the kink and averages both slopes."""
    net, X, Y = kink_net(hidden, z)
    analytic = net.gradients(X, Y)["db1"][0, 0]
    h = np.finfo(np.float64).eps ** (1 / 3)
    params = net.get_parameters()

    def cost(delta):
        moved = {key: value.copy() for key, value in params.items()}
        moved["b1"][0, 0] += delta
        net.set_parameters(moved)
        try:
            return float(net.cost(X, Y).data)
        finally:
            net.set_parameters(params)

    naive = (cost(h) - cost(-h)) / (2 * h)
    assert abs(naive - analytic) / (abs(naive) + abs(analytic)) > 1e-2


@pytest.mark.parametrize("mode", ["full", "auto"])
def test_a_doubled_db_on_an_exact_kink_is_caught_by_gradcheck(mode):
    net, X, Y = zero_column_data()
    net.layers[0].linear_fn = planted.DoubledDb
    report = gradcheck(net, X, Y, mode=mode)
    assert not report.passed, str(report)
    assert "b1" in failing(report) and report.first_faulty_layer == 1


# ============================================================================= 4. planted bugs
# (bug, where, hidden, failing gradcheck rows, failing textbook rows, ratio)
PLANTED = [
    pytest.param(planted.DoubledDW, "linear_fn", "tanh", {"W2"}, {"dW2"}, 2.0, id="a-doubled-dW"),
    pytest.param(
        planted.MissingOneOverM, "linear_fn", "tanh", {"W2"}, {"dW2"}, float(M), id="b-missing-1/m"
    ),
    pytest.param(
        planted.TransposedDW, "linear_fn", "tanh", {"W2"}, {"dW2"}, None, id="d-transposed-dW"
    ),
    pytest.param(
        planted.ReLUOneAtNegative,
        "activation_fn",
        "relu",
        {"W2", "b2", "dA1", "W1", "b1", "dA0"},
        {"dZ2", "dW2", "db2", "dA1", "dZ1", "dW1", "db1", "dA0"},
        None,
        id="e-relu-prime-1-at-negative",
    ),
    pytest.param(
        planted.DoubledDAPrev,
        "linear_fn",
        "tanh",
        {"dA1", "W1", "b1", "dA0"},
        {"dA1", "dZ1", "dW1", "db1", "dA0"},
        2.0,
        id="doubled-dA1",
    ),
    pytest.param(planted.DoubledDb, "linear_fn", "tanh", {"b2"}, {"db2"}, 2.0, id="doubled-db"),
]
HINTS = {2.0: "doubled", float(M): "1/m"}


def _names_layer_2(report):
    summary = report.summary()
    assert summary.startswith("FAILED") and "layer 2" in summary, summary
    for r in report.failures:
        if r.layer == 2:
            assert r.name in summary, summary
    assert all(r.layer is not None and r.layer <= 2 for r in report.failures)


@pytest.mark.parametrize("mode", ["auto", "full"])
@pytest.mark.parametrize(("bug", "where", "hidden", "rows", "course_rows", "ratio"), PLANTED)
def test_a_planted_bug_is_located_to_layer_2_by_gradcheck(
    bug, where, hidden, rows, course_rows, ratio, mode
):
    X, Y = make_data(DIMS, M)
    report = gradcheck(planted_net(bug, where, hidden=hidden), X, Y, mode=mode)
    assert report.first_faulty_layer == 2, str(report)
    assert failing(report) == rows, str(report)
    _names_layer_2(report)
    for r in report.failures:
        assert r.verdict == "BUG", str(report)
        if ratio is None:  # no constant factor: no ratio read from the coordinates
            assert r.ratio is None, str(report)
        else:
            assert r.ratio == pytest.approx(ratio, abs=1e-3), str(report)


@pytest.mark.parametrize(("bug", "where", "hidden", "rows", "course_rows", "ratio"), PLANTED)
def test_a_planted_bug_is_located_to_layer_2_by_compare_with_textbook(
    bug, where, hidden, rows, course_rows, ratio
):
    X, Y = make_data(DIMS, M)
    report = compare_with_textbook(planted_net(bug, where, hidden=hidden), X, Y)
    assert report.first_faulty_layer == 2, str(report)
    assert failing(report) == course_rows, str(report)
    _names_layer_2(report)
    for r in report.failures:
        if ratio is None:
            assert r.ratio is None, str(report)
        else:
            assert r.ratio == pytest.approx(ratio, abs=1e-6), str(report)


RATIO_BUGS = [p for p in PLANTED if p.values[-1] is not None]


@pytest.mark.parametrize("mode", MODES)
@pytest.mark.parametrize(("bug", "where", "hidden", "rows", "course_rows", "ratio"), RATIO_BUGS)
def test_the_ratio_and_its_hint_in_every_mode(bug, where, hidden, rows, course_rows, ratio, mode):
    X, Y = make_data(DIMS, M)
    net = planted_net(bug, where, hidden=hidden)
    for report in (gradcheck(net, X, Y, mode=mode), compare_with_textbook(net, X, Y)):
        assert report.failures, str(report)
        for r in report.failures:
            assert r.ratio == pytest.approx(ratio, abs=1e-3), str(report)
            assert f"{r.ratio:.3f}" == f"{ratio:.3f}"
        assert f"analytic/numeric = {ratio:.3f}" in report.summary()
        assert HINTS[ratio] in report.summary(), report.summary()


@pytest.mark.parametrize("mode", ["full", "sampled", "auto"])
@pytest.mark.parametrize(
    ("bug", "where", "hidden"),
    [
        pytest.param(planted.TransposedDW, "linear_fn", "tanh", id="transposed-dW"),
        pytest.param(planted.ReLUOneAtNegative, "activation_fn", "relu", id="relu-prime"),
    ],
)
def test_no_ratio_without_a_constant_factor_in_elementwise_modes(bug, where, hidden, mode):
    X, Y = make_data(DIMS, M)
    report = gradcheck(planted_net(bug, where, hidden=hidden), X, Y, mode=mode)
    assert report.failures, str(report)
    for r in report.failures:
        assert r.method != "directional"  # auto escalates the failing tensors
        assert r.ratio is None, str(report)
    assert "analytic/numeric" not in report.summary()


# (c) a gradient of the wrong shape: the engine raises, the checker names the tensor
SHAPE_BUGS = [
    pytest.param(planted.NoKeepdimsDb, DIMS, "b2", "keepdims", id="c-db-without-keepdims"),
    pytest.param(planted.TransposedDW, [3, 4, 5, 3, 1], "W2", "(4, 5)", id="non-square-dW-T"),
]


@pytest.mark.parametrize("mode", ["auto", "full"])
@pytest.mark.parametrize(("bug", "dims", "name", "words"), SHAPE_BUGS)
def test_a_wrong_shape_gradient_is_reported_as_a_bug_of_that_tensor(bug, dims, name, words, mode):
    X, Y = make_data(dims, M)
    report = gradcheck(planted_net(bug, dims=dims), X, Y, mode=mode)
    assert not report.passed
    assert report.first_faulty_layer == 2
    assert failing(report) == {name}
    assert [r.name for r in report.rows] == expected_names(4)
    row = report.row(name)
    assert row.verdict == "BUG" and row.layer == 2
    assert name in row.note and "layer 2" in row.note and words in row.note, row.note
    for r in report.rows:
        if r.name != name:
            assert r.verdict == "not checked" and r.passed, r
    summary = report.summary()
    assert "layer 2" in summary and name in summary, summary
    with pytest.raises(GradientShapeError) as info:
        compare_with_textbook(planted_net(bug, dims=dims), X, Y)
    assert info.value.tensor_name == name and info.value.layer == 2


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


def test_compare_with_textbook_uses_the_network_leaky_slope():
    dims = [3, 5, 4, 1]
    X, Y = make_data(dims, 6, seed=2)
    net = ad.DeepNetwork(dims, hidden_activation="leaky_relu", leaky_slope=0.2, seed=3)
    assert net.leaky_slope == 0.2
    report = compare_with_textbook(net, X, Y)
    assert report.passed, str(report)
    assert all(r.rel_diff <= 1e-10 for r in report.rows)
    # the slope matters here: the course's backprop with the default slope disagrees
    AL, caches = tb.model_forward(X, net.get_parameters(), activations=net.activations, slope=0.01)
    course = tb.model_backward(AL, Y, caches, activations=net.activations, slope=0.01)
    assert not np.allclose(course["dW1"], net.gradients(X, Y)["dW1"], rtol=1e-6)


# ============================================================================= 6. check_gradients
_RNG = np.random.default_rng(11)
_SOFTMAX_WEIGHTS = _RNG.standard_normal((4, 3))
FUNCTIONS = [
    pytest.param(
        lambda a, b: ((a @ b) * (a @ b)).sum(),
        [_RNG.standard_normal((2, 3)), _RNG.standard_normal((3, 4))],
        id="matmul",
    ),
    pytest.param(
        lambda z: (z.softmax(axis=0) * _SOFTMAX_WEIGHTS).sum(),
        [_RNG.standard_normal((4, 3))],
        id="softmax",
    ),
    pytest.param(
        lambda x: (planted.Cube.apply(x) * 2).sum(),
        [_RNG.standard_normal((2, 3))],
        id="cube",
    ),
]


@pytest.mark.parametrize("mode", MODES)
@pytest.mark.parametrize(("fn", "inputs"), FUNCTIONS)
def test_check_gradients_passes_on_correct_functions_in_every_mode(fn, inputs, mode):
    report = check_gradients(fn, inputs, mode=mode)
    assert report.passed, str(report)
    assert [r.name for r in report.rows] == [f"input{i}" for i in range(len(inputs))]
    for r, x in zip(report.rows, inputs, strict=True):
        assert r.layer is None and r.shape == x.shape and r.kinks == 0
    assert report.first_faulty_layer is None and report.notes == []
    assert report.summary().startswith("PASSED")


def test_check_gradients_row_names_default_custom_and_from_tensors():
    a, b = np.ones((2, 3)), np.full((3, 2), 0.5)

    def fn(x, y):
        return (x @ y).sum()

    assert [r.name for r in check_gradients(fn, [a, b]).rows] == ["input0", "input1"]
    custom = check_gradients(fn, [a, b], names=["W", "A"])
    assert [r.name for r in custom.rows] == ["W", "A"]
    assert custom.row("W").shape == (2, 3)
    named = check_gradients(fn, [ad.Tensor(a, name="w"), b])
    assert [r.name for r in named.rows] == ["w", "input1"]


@pytest.mark.parametrize("kind", ["tensor", "array"])
def test_check_gradients_notes_the_float32_upcast(kind):
    x = np.array([[0.5, -1.2, 2.0]], dtype=np.float32)
    value = ad.Tensor(x) if kind == "tensor" else x
    assert np.asarray(value.data if kind == "tensor" else value).dtype == np.float32
    report = check_gradients(lambda t: (planted.Cube.apply(t)).sum(), [value])
    assert report.passed, str(report)
    assert any("float32" in n and "float64" in n for n in report.notes), report.notes
    assert "float32" in str(report)
    # float64 inputs: no note
    assert check_gradients(lambda t: (t * t).sum(), [x.astype(np.float64)]).notes == []


@pytest.mark.parametrize("mode", MODES)
def test_check_gradients_handles_abs_at_exactly_zero(mode):
    x = np.array([[0.0, 1.5, -2.0], [0.7, -0.3, 0.0]])  # two entries on the kink of |x|
    report = check_gradients(lambda t: t.abs().sum(), [x], mode=mode, names=["x"])
    assert report.passed, str(report)
    row = report.row("x")
    # every direction crosses the kink, so auto and directional fall back to elementwise;
    # each zero entry is checked one-sided on both sides: abs'(0) = 0 lies between -1 and 1
    assert row.kinks == 2 and row.at_kink == 2 and row.checked == 6, str(report)
    assert "subgradient" in row.note
    assert row.method != "directional"
    # and a wrong derivative next to the kink is still caught
    wrong = check_gradients(lambda t: planted.WrongCube.apply(t.abs()).sum(), [x], mode=mode)
    assert not wrong.passed, str(wrong)


def test_check_gradients_refuses_a_non_scalar_output():
    with pytest.raises(ValueError, match="one-element"):
        check_gradients(lambda t: t * 2, [np.ones((2, 2))])
    with pytest.raises(ValueError, match="one-element"):
        check_gradients(lambda t: t.sum(axis=0), [np.ones((2, 2))])


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


def test_a_doubled_db_is_caught_at_init_when_dead_units_put_z_on_the_kink():
    """Review finding: at he init with b = 0, samples whose layer-1 units are all dead give
    Z[2][:, k] = b2 = 0 exactly, so every b2 probe crosses relu kinks; the side that keeps the
    units off still gives the convention's derivative, and the doubled db2 must fail."""
    X, Y = ad.datasets.flower(64, seed=0)
    net = ad.DeepNetwork([2, 6, 4, 1], seed=0, hidden_activation="relu")
    assert gradcheck(net, X, Y).passed
    net.layers[1].linear_fn = planted.DoubledDb
    for mode in ("auto", "full", "sampled"):
        report = gradcheck(net, X, Y, mode=mode)
        assert not report.passed and report.first_faulty_layer == 2, str(report)
        assert "b2" in failing(report) and report.row("b2").ratio == pytest.approx(2.0, abs=1e-3)


def test_a_layer_sitting_on_kinks_is_checked_and_counted():
    """Regression (issue 13, defect 1): a layer exactly on relu's kink for every sample used
    to be left unchecked (or failed). Now every coordinate is checked, from the engine's side
    of the kink, and the rows count the coordinates that touch a pre-activation at 0."""
    X, Y = make_data(DIMS, M)
    net = planted_net(None, hidden="relu")
    p = net.get_parameters()
    p["b1"][:] = -100.0  # layer 1 dead: Z[2] = b2 for every sample
    p["b2"][:] = 0.0  # ... exactly on the kink
    net.set_parameters(p)
    for method in ("complex", "central"):
        report = gradcheck(net, X, Y, mode="full", method=method)
        assert report.passed, str(report)
        assert all(r.verdict == "ok" for r in report.rows), str(report)
        assert report.row("b2").at_kink == 4 and report.row("dA1").at_kink == 4 * M, str(report)
    net.layers[3].linear_fn = planted.DoubledDb
    bad = gradcheck(net, X, Y, mode="full")
    assert bad.first_faulty_layer == 4 and failing(bad) == {"b4"}, str(bad)


def test_an_unchecked_tensor_is_named_in_the_summary():
    row = Row("b2", 2, (4, 1), "full", 0, 0.0, 0.0, None, 0.0, 0.0, None, 4, True, "not checked")
    ok = Row("W2", 2, (4, 4), "full", 16, 0.0, 0.0, (0, 0), 0.0, 0.0, None, 0, True, "ok")
    report = Report("gradcheck mode=full", [ok, row], "method x")
    assert report.passed
    assert "not checked: b2" in report.summary() and "1 of 2" in report.summary()


# ============================================================================= 8. issue 13
# Reproductions of "A verdict that is never wrong", kept as regression tests.
@pytest.mark.parametrize("seed", range(6))
def test_defect1_the_course_setup_passes_on_every_seed(seed, capsys):
    """`autograd-dnn gradcheck --layers 2,5,4,1 --init course --m 64` exited 1 on 5 of 6 seeds:
    biases at 0 put whole layers exactly on relu's kink."""
    from autograd_dnn.cli import main

    assert main(["gradcheck", "--layers", "2,5,4,1", "--init", "course", "--m", "64",
                 "--seed", str(seed)]) == 0, capsys.readouterr().out  # fmt: skip
    X, Y = ad.datasets.flower(64, seed=seed)
    for dims, init in (([2, 8, 8, 8, 1], "course"), ([2, 2, 2, 1], "he")):
        net = ad.DeepNetwork(dims, init=init, seed=seed)
        for mode in ("auto", "full"):
            report = gradcheck(net, X, Y, mode=mode)
            assert report.passed, str(report)
    # rows count the coordinates that touch a pre-activation at 0 (b2 used to say "kinks 0")
    net = ad.DeepNetwork([2, 8, 8, 8, 1], init="course", seed=seed)
    with ad.no_grad():
        A, zeros = ad.Tensor(X), 0
        for layer in net.layers[:-1]:
            Z, A = layer.forward(A)
            zeros += int(np.count_nonzero(Z.data == 0))
    rows = gradcheck(net, X, Y, mode="full").rows
    assert (sum(r.at_kink for r in rows) > 0) == (zeros > 0), str(rows)


def defect2_case():
    params = {
        "W1": np.array([[1e-3]]),
        "b1": np.array([[1e-4]]),
        "W2": np.array([[1e-3]]),
        "b2": np.array([[0.0]]),
    }
    net = ad.DeepNetwork.from_parameters(params, activations=["relu", "sigmoid"])
    X = np.array([[-0.1 + 1e-9, 1.0, -1.0, 2.0]])
    Y = np.array([[1.0, 0.0, 1.0, 0.0]])
    return net, X, Y


def defect3_case():
    params = {
        "W1": np.array([[1000.0]]),
        "b1": np.array([[1000.0]]),
        "W2": np.array([[1000.0]]),
        "b2": np.array([[-1e6 + 0.3]]),
    }
    net = ad.DeepNetwork.from_parameters(params, activations=["relu", "sigmoid"])
    return net, np.array([[0.0]]), np.array([[1.0]])


@pytest.mark.parametrize("method", ["auto", "complex", "central"])
@pytest.mark.parametrize("mode", MODES)
@pytest.mark.parametrize("case", [defect2_case, defect3_case], ids=["x1e-3", "x1e3"])
def test_defects_2_and_3_small_and_large_parameters_pass(case, mode, method):
    net, X, Y = case()
    report = gradcheck(net, X, Y, mode=mode, method=method)
    assert report.passed, str(report)


def test_defect3_the_numeric_db2_is_right_and_its_error_estimate_honest():
    """db2 = sigmoid(0.3) - 1 = -0.42557 (the old step h = eps^(1/3) |theta| ~ 6 gave -0.47535)."""
    net, X, Y = defect3_case()
    truth = 1 / (1 + np.exp(-0.3)) - 1  # closed form: dJ/db2 = a - y with Z2 = 0.3 (to 1e-10)
    for method in ("complex", "central"):
        row = gradcheck(net, X, Y, mode="full", method=method).row("b2")
        assert abs(row.numeric - truth) < 1e-9, row
        assert abs(row.numeric - truth) <= row.est_err + 1e-9 and row.est_err < 1e-5, row


def test_defect2_and_3_a_planted_bug_is_still_caught():
    for case in (defect2_case, defect3_case):
        net, X, Y = case()
        net.layers[1].linear_fn = planted.linear_bug("db", 1.01)
        for mode in MODES:
            report = gradcheck(net, X, Y, mode=mode)
            assert not report.passed and report.first_faulty_layer == 2, str(report)


@pytest.mark.parametrize("mode", ["auto", "directional", "full"])
def test_defect4_a_dropped_db1_at_small_scale_is_caught(mode):
    """A dropped db1 (relative difference 1) used to pass: its one projected number fell under
    an absolute noise floor. Under the floor now means: look elementwise."""
    X, Y = make_data(DIMS, M)
    net = planted_net(None)
    net.set_parameters({k: 1e-3 * v for k, v in net.get_parameters().items()})
    assert gradcheck(net, X, Y, mode=mode).passed
    net.layers[0].linear_fn = planted.linear_bug("no_db")
    report = gradcheck(net, X, Y, mode=mode)
    assert not report.passed and failing(report) == {"b1"}, str(report)
    assert report.first_faulty_layer == 1


def test_defect4_a_layer_2_bug_at_small_scale_is_named_layer_2_by_auto():
    X, Y = make_data(DIMS, M)
    for bug in (planted.DoubledDAPrev, planted.linear_bug("dW", 1.01), planted.DoubledDb):
        net = planted_net(bug)
        net.set_parameters({k: 1e-3 * v for k, v in net.get_parameters().items()})
        report = gradcheck(net, X, Y, mode="auto")
        assert report.first_faulty_layer == 2, str(report)


@pytest.mark.parametrize("seed", range(6))
def test_defect5_compare_with_textbook_passes_a_correct_db_that_cancels(seed):
    """[2, 8, 8, 8, 1], tanh, course init: db3 cancels to ~4e-9 from terms of size ~1; the
    tolerance comes from the sum's terms, not from its small result."""
    X, Y = ad.datasets.flower(64, seed=seed)
    net = ad.DeepNetwork([2, 8, 8, 8, 1], hidden_activation="tanh", init="course", seed=seed)
    report = compare_with_textbook(net, X, Y)
    assert report.passed, str(report)
    assert "sum of |terms|" in report.tolerance
    net.layers[2].linear_fn = planted.linear_bug("db", 1.001)
    bad = compare_with_textbook(net, X, Y)
    assert failing(bad) >= {"db3"} and bad.first_faulty_layer == 3, str(bad)


def test_every_report_starts_with_the_method_the_step_and_why_the_tolerance():
    X, Y = make_data(DIMS, M)
    net = planted_net(None)
    first = {
        "complex": str(gradcheck(net, X, Y, method="complex")).splitlines()[0],
        "central": str(gradcheck(net, X, Y, method="central")).splitlines()[0],
        "fixed": str(gradcheck(net, X, Y, step=1e-7)).splitlines()[0],
        "textbook": str(compare_with_textbook(net, X, Y)).splitlines()[0],
        "functions": str(check_gradients(lambda t: (t * t).sum(), [np.ones(3)])).splitlines()[0],
    }
    assert "complex step" in first["complex"] and "h = 1e-20" in first["complex"]
    assert "Richardson" in first["central"] and "near quadratic" in first["central"]
    assert "fixed h = 1e-07" in first["fixed"]
    for line in first.values():
        assert "method" in line and "tolerance: agree within" in line, line


def test_method_complex_names_the_op_that_does_not_support_it():
    X, Y = make_data(DIMS, M)
    net = planted_net(planted.ReLUOneAtNegative, where="activation_fn", hidden="relu")
    with pytest.raises(ValueError, match=r"layer 2's activation_fn .*'relu_one_at_negative'"):
        gradcheck(net, X, Y, method="complex")
    report = gradcheck(net, X, Y, method="auto")  # auto falls back to central differences
    assert "complex step not applicable" in report.step and "relu_one_at_negative" in report.step
    assert not report.passed and report.first_faulty_layer == 2
    # a Function that overrides only backward keeps the built-in forward: complex applies
    ok = gradcheck(planted_net(planted.DoubledDW), X, Y, method="complex")
    assert "complex step" in ok.step and failing(ok) == {"W2"}
    with pytest.raises(ValueError, match="unknown method"):
        gradcheck(net, X, Y, method="forward")
    with pytest.raises(ValueError, match="complex"):
        check_gradients(lambda t: (t * t).sum(), [np.ones(3)], method="complex")


def test_saturated_layers_pass_within_the_rounding_of_1_minus_a_squared():
    """Saturated tanh layers: the analytic tanh' = 1 - a^2 loses digits (a ~ 1), so a fixed
    rtol of 1e-8 would fail; the estimated error counts those digits, and the check passes."""
    X, Y = make_data(DIMS, M)
    net = planted_net(None)
    net.set_parameters({k: 30 * v for k, v in net.get_parameters().items()})
    report = gradcheck(net, X, Y, mode="full", method="complex")
    assert report.passed, str(report)
    assert max(r.rel_diff for r in report.rows) > 1e-8
    assert all(r.max_abs_err <= r.est_err or r.rel_diff < 1e-12 for r in report.rows)


def test_the_course_gradient_checking_exercise_bugs_are_named():
    """The course's exercise plants dW2 = 1/m dZ2 A1^T * 2 and db1 = 4/m sum(dZ1) in a
    LINEAR->RELU->LINEAR->RELU->LINEAR->SIGMOID network: the report names layer 2 (dW2,
    ratio 2) and db1 (ratio 4)."""
    rng = np.random.default_rng(1)
    X = rng.standard_normal((4, 3))
    Y = np.array([[1.0, 1.0, 0.0]])
    net = ad.DeepNetwork([4, 5, 3, 1], seed=1)
    net.layers[1].linear_fn = planted.linear_bug("dW", 2.0)
    net.layers[0].linear_fn = planted.linear_bug("db", 4.0)
    for mode in ("full", "auto"):
        report = gradcheck(net, X, Y, mode=mode)
        assert report.first_faulty_layer == 2 and failing(report) == {"W2", "b1"}, str(report)
        assert report.row("W2").ratio == pytest.approx(2.0, abs=1e-6)
        assert report.row("b1").ratio == pytest.approx(4.0, abs=1e-6)
        assert "layer 2" in report.summary() and "W2" in report.summary()


def test_sampled_mode_states_the_coordinates_it_did_not_check():
    X, Y = make_data(DIMS, M)
    report = gradcheck(planted_net(None), X, Y, mode="sampled", k=3)
    for r in report.rows:
        size = int(np.prod(r.shape))
        assert (f"{size - 3} of {size} coordinates not checked" in r.note) == (size > 3), r


# ----------------------------------------------------------------------------- second order
def test_gradgradcheck_passes_on_ops_and_on_a_network():
    x = np.array([[0.5, -1.0, 2.0]])
    for f in (
        lambda t: (t * t * t).sum(),
        lambda t: t.tanh().sum(),
        lambda t: (t.exp() * t).sum(),
    ):
        report = gradgradcheck(f, [x])
        assert report.passed, str(report)
        assert report.row("H v [input0]").checked == 3
    net = ad.DeepNetwork([3, 4, 2, 1], hidden_activation="tanh", seed=0)
    X, Y = make_data([3, 4, 2, 1], 5)
    report = gradgradcheck(net, [X, Y])
    assert report.passed, str(report)
    assert [r.name for r in report.rows] == [
        f"H v [{k}]" for k in ("W1", "b1", "W2", "b2", "W3", "b3")
    ]


def test_gradgradcheck_catches_a_backward_that_is_constant_in_x():
    """planted.Cube's backward reads ctx.saved_arrays (numpy): right first derivative, but
    under create_graph it is a constant, so d2/dx2 comes out 0 instead of 6x."""
    x = np.array([[0.5, -1.0, 2.0]])
    assert check_gradients(lambda t: planted.Cube.apply(t).sum(), [x]).passed
    try:
        report = gradgradcheck(lambda t: planted.Cube.apply(t).sum(), [x])
    except Exception as e:  # an engine that refuses is also right: never a silent pass
        assert "cube" in str(e).lower() or "saved" in str(e).lower(), e
    else:
        assert not report.passed, str(report)
        assert report.rows[0].ratio == pytest.approx(0.0, abs=1e-12)


def test_gradgradcheck_refuses_a_non_scalar_function():
    with pytest.raises(ValueError, match="one-element"):
        gradgradcheck(lambda t: t * 2, [np.ones((2, 2))])
    net = ad.DeepNetwork([2, 1], seed=0)
    with pytest.raises(ValueError, match=r"\(X, Y\)"):
        gradgradcheck(net, [np.ones((2, 3))])


# ----------------------------------------------------------------------------- batch consistency
@pytest.mark.parametrize(("dims", "hidden", "output", "l2"), ARCHITECTURES)
def test_check_batch_consistency_passes_on_correct_networks(dims, hidden, output, l2):
    X, Y = make_data(dims, 6, output, seed=3)
    net = ad.DeepNetwork(dims, hidden_activation=hidden, output_activation=output, l2=l2, seed=4)
    report = check_batch_consistency(net, X, Y)
    assert report.passed, str(report)
    assert [r.name for r in report.rows] == [
        n for n in expected_names(len(dims) - 1) if n[0] != "d"
    ]
    assert any("L2" in n for n in report.notes) == bool(l2)


def test_check_batch_consistency_catches_a_missing_1_over_m_without_finite_differences():
    X, Y = make_data(DIMS, M)
    report = check_batch_consistency(planted_net(planted.MissingOneOverM), X, Y)
    assert failing(report) == {"W2"} and report.first_faulty_layer == 2, str(report)
    assert report.row("W2").ratio == pytest.approx(M, rel=1e-9)
    # a doubled dW is doubled for every batch size: consistent, so not this check's to find
    assert check_batch_consistency(planted_net(planted.DoubledDW), X, Y).passed


def test_error_bounds_cover_the_textbook_and_flag_a_bug():
    X, Y = make_data(DIMS, M)
    net = planted_net(None)
    bounds = error_bounds(net, X, Y)
    auto = net.gradients(X, Y)
    for key, bound in bounds.items():
        assert bound.shape == auto[key].shape and np.all(bound >= 0), key
    AL, caches = tb.model_forward(X, net.get_parameters(), activations=net.activations)
    course = tb.model_backward(AL, Y, caches, activations=net.activations)
    for l in range(1, 5):
        assert np.all(np.abs(auto[f"dW{l}"] - course[f"dW{l}"]) <= 2 * bounds[f"dW{l}"] + 1e-300)


def test_the_example_in_docs_checks_md_prints_what_the_doc_shows(capsys):
    """docs/checks.md shows a report printed by the code above it: run it and compare (the
    line with the seconds aside)."""
    from pathlib import Path

    text = (Path(__file__).parent.parent / "docs" / "checks.md").read_text()
    code = re.search(r"```python\n(.*?)```", text, re.S).group(1)
    shown = re.search(r"prints\n\n```\n(.*?)```", text, re.S).group(1).strip().splitlines()
    exec(compile(code, "docs/checks.md", "exec"), {})
    printed = capsys.readouterr().out.strip().splitlines()

    def timeless(lines):
        return [line for line in lines if not re.match(r"\d+ forward passes, ", line)]

    assert timeless(printed) == timeless(shown)


def test_a_pass_that_cannot_resolve_small_bugs_says_so():
    """At scale 1e-3, layer 1 of a deep net has gradients ~1e-9 of J: central differences
    resolve them only to ~1e-3 or worse. The verdict is still right (they agree within that
    error), and the summary says which rows are weak; the complex step is not weak there."""
    net, X, Y, what = planted.battery_net(18, m_max=7)
    central = gradcheck(net, X, Y, mode="full", method="central")
    assert central.passed and "Weak: " in central.summary(), what
    weak = [r for r in central.rows if "weak: the estimated error" in r.note]
    assert weak
    for r in weak:
        share = re.search(r"up to ([0-9.e+-]+) of the derivative", r.note).group(1)
        assert float(share) > 1e-3, r.note
    exact = gradcheck(net, X, Y, mode="full", method="complex")
    assert exact.passed and "Weak" not in exact.summary(), str(exact)


def test_a_report_displays_as_html_with_failing_rows_highlighted():
    """Issue 14, item 15: the last line of a Jupyter cell shows a table, not Report(rows=...)."""
    X, Y = ad.datasets.flower(32, seed=0)
    net = ad.DeepNetwork([2, 3, 1], seed=0)
    report = ad.gradcheck(net, X, Y)
    assert repr(report) == "Report('gradcheck mode=auto', 6 rows, passed)"
    page = report._repr_html_()
    assert page.count("<tr") == 1 + len(report.rows) and "background:#fdd" not in page
    net.layers[1].linear_fn = planted.DoubledDW
    bad = ad.gradcheck(net, X, Y)
    assert repr(bad) == "Report('gradcheck mode=auto', 6 rows, FAILED at layer 2)"
    shaded = bad._repr_html_().count("background:#fdd")
    assert shaded == len(bad.failures) >= 1
