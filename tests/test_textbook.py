"""The textbook oracle against finite differences, explicit formulas and its error messages.

Finite differences measure exact partials dJ/d(.); the textbook returns course quantities, so
every comparison applies the factor m explicitly: course dA[l] = m dJ/dA[l], dZ[l] = m dJ/dZ[l],
dW[l] = dJ/dW[l], db[l] = dJ/db[l].
"""

from __future__ import annotations

import ast
from collections.abc import Callable
from pathlib import Path

import numpy as np
import pytest
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

from autograd_dnn import textbook as tb
from autograd_dnn.testing import strategies as dnn

FAST = settings(
    max_examples=25,
    deadline=None,
    derandomize=True,
    database=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much],
)
EPS = 1e-6


def central_difference(J: Callable[[], float], x: np.ndarray, eps: float = EPS) -> np.ndarray:
    """dJ/dx by central differences, perturbing ``x`` in place and restoring it."""
    grad = np.zeros_like(x)
    for i in np.ndindex(x.shape):
        old = x[i]
        x[i] = old + eps
        plus = J()
        x[i] = old - eps
        minus = J()
        x[i] = old
        grad[i] = (plus - minus) / (2 * eps)
    return grad


def forward_from(A: np.ndarray, params: dict, acts: list[str], start: int) -> np.ndarray:
    """A[L] from A[start], running layers start+1..L with explicit numpy formulas."""
    g = {
        "relu": lambda Z: np.maximum(Z, 0),
        "leaky_relu": lambda Z: np.where(Z > 0, Z, 0.01 * Z),
        "sigmoid": lambda Z: 1 / (1 + np.exp(-Z)),
        "tanh": np.tanh,
        "linear": lambda Z: Z,
        "softmax": lambda Z: np.exp(Z) / np.sum(np.exp(Z), axis=0, keepdims=True),
    }
    for l in range(start + 1, len(acts) + 1):
        A = g[acts[l - 1]](params[f"W{l}"] @ A + params[f"b{l}"])
    return A


@st.composite
def networks(draw, output="sigmoid", max_layers=3, max_units=4, kink_margin=1e-4):
    """(dims, acts, params, X, Y) with every relu/leaky_relu Z[l] away from its kink."""
    dims = draw(dnn.layer_dims(max_layers=max_layers, max_units=max_units))
    if output == "softmax" and dims[-1] < 2:
        dims[-1] = 2
    acts = draw(dnn.activations(len(dims) - 1, output=output))
    params = draw(dnn.parameters(dims))
    X, Y = draw(dnn.batches(dims))
    if output == "softmax":  # one-hot columns
        m = X.shape[1]
        labels = draw(st.lists(st.integers(0, dims[-1] - 1), min_size=m, max_size=m))
        Y = np.eye(dims[-1])[:, labels]
    _, caches = tb.model_forward(X, params, acts)
    kinks = [np.abs(Z).min() for (_, Z), a in zip(caches, acts, strict=True) if "relu" in a]
    assume(all(k > kink_margin for k in kinks))
    return dims, acts, params, X, Y


# ----------------------------------------------------------------------------------------------
# Initialization and forward propagation
# ----------------------------------------------------------------------------------------------


def test_initialize_parameters_deep_is_the_course_recipe():
    np.random.seed(3)
    W1 = np.random.randn(4, 5) * 0.01
    W2 = np.random.randn(3, 4) * 0.01
    params = tb.initialize_parameters_deep([5, 4, 3], seed=3)
    assert sorted(params) == ["W1", "W2", "b1", "b2"]
    np.testing.assert_array_equal(params["W1"], W1)
    np.testing.assert_array_equal(params["W2"], W2)
    np.testing.assert_array_equal(params["b1"], np.zeros((4, 1)))
    np.testing.assert_array_equal(params["b2"], np.zeros((3, 1)))


def test_initialize_parameters_deep_leaves_the_global_random_state_alone():
    np.random.seed(0)
    expected = np.random.rand()
    np.random.seed(0)
    tb.initialize_parameters_deep([3, 5, 5, 3, 1])
    assert np.random.rand() == expected


@pytest.mark.parametrize("dims", [[3, 5, 5, 3, 1], [2, 3, 5, 4, 2, 1]])
def test_initialize_parameters_deep_shapes(dims):
    params = tb.initialize_parameters_deep(dims)
    for l in range(1, len(dims)):
        assert params[f"W{l}"].shape == (dims[l], dims[l - 1])
        assert params[f"b{l}"].shape == (dims[l], 1)


@FAST
@given(st.data())
def test_model_forward_is_the_explicit_loop(data):
    dims = data.draw(dnn.layer_dims(max_layers=4))
    acts = data.draw(dnn.activations(len(dims) - 1, output=["sigmoid", "tanh", "linear"]))
    params = data.draw(dnn.parameters(dims))
    X, _ = data.draw(dnn.batches(dims))
    AL, caches = tb.model_forward(X, params, acts)
    np.testing.assert_allclose(AL, forward_from(X, params, acts, 0), rtol=1e-12, atol=1e-15)
    A = X
    for l, ((A_prev, W, b), Z) in enumerate(caches, start=1):
        assert A_prev is A or np.array_equal(A_prev, A)
        assert W is params[f"W{l}"] and b is params[f"b{l}"]
        np.testing.assert_allclose(Z, W @ A_prev + b, rtol=1e-12)
        A = forward_from(A_prev, params, acts[:l], l - 1)


def test_model_forward_defaults_to_relu_then_sigmoid():
    params = tb.initialize_parameters_deep([3, 5, 5, 3, 1], seed=1)
    X = np.random.RandomState(0).randn(3, 4)
    AL, caches = tb.model_forward(X, params)
    explicit = forward_from(X, params, ["relu", "relu", "relu", "sigmoid"], 0)
    np.testing.assert_allclose(AL, explicit, rtol=1e-12)
    assert len(caches) == 4 and AL.shape == (1, 4)


@pytest.mark.parametrize(
    "name, formula",
    [
        ("relu", lambda Z: np.maximum(Z, 0)),
        ("leaky_relu", lambda Z: np.where(Z > 0, Z, 0.01 * Z)),
        ("sigmoid", lambda Z: 1 / (1 + np.exp(-Z))),
        ("tanh", np.tanh),
        ("linear", lambda Z: Z),
        ("softmax", lambda Z: np.exp(Z) / np.exp(Z).sum(axis=0)),
    ],
)
def test_linear_activation_forward(name, formula):
    rng = np.random.RandomState(1)
    A_prev, W, b = rng.randn(4, 3), rng.randn(2, 4), rng.randn(2, 1)
    A, ((A_c, W_c, b_c), Z) = tb.linear_activation_forward(A_prev, W, b, name)
    np.testing.assert_allclose(Z, W @ A_prev + b)
    np.testing.assert_allclose(A, formula(W @ A_prev + b), rtol=1e-12)
    assert A_c is A_prev and W_c is W and b_c is b


def test_sigmoid_of_very_negative_z_is_zero_without_warning():
    with np.errstate(all="raise"):
        assert tb.sigmoid(np.array([[-1000.0]]))[0, 0] == 0.0


# ----------------------------------------------------------------------------------------------
# Activation derivatives
# ----------------------------------------------------------------------------------------------


@pytest.mark.parametrize("name", ["relu", "leaky_relu", "sigmoid", "tanh", "linear", "softmax"])
@FAST
@given(
    Z=dnn.matrices((3, 2), scale=3.0).filter(lambda Z: np.abs(Z).min() > 1e-3),
    dA=dnn.matrices((3, 2)),
)
def test_activation_backward_is_the_derivative(name, Z, dA):
    g, backward = tb.ACTIVATIONS[name]
    Z = Z.copy()
    fd = central_difference(lambda: float(np.sum(dA * g(Z))), Z)
    np.testing.assert_allclose(backward(dA, Z), fd, rtol=1e-6, atol=1e-8)


def test_relu_derivative_at_zero_is_zero_and_leaky_is_slope():
    Z, dA = np.zeros((2, 3)), np.ones((2, 3))
    np.testing.assert_array_equal(tb.relu_backward(dA, Z), np.zeros((2, 3)))
    np.testing.assert_array_equal(tb.leaky_relu_backward(dA, Z), np.full((2, 3), 0.01))
    np.testing.assert_array_equal(tb.leaky_relu_backward(dA, Z, slope=0.2), np.full((2, 3), 0.2))


# ----------------------------------------------------------------------------------------------
# Backward propagation against finite differences of J
# ----------------------------------------------------------------------------------------------


def check_against_finite_differences(dims, acts, params, X, Y, cost, lambd=0.0):
    params = {k: v.copy() for k, v in params.items()}
    L = len(dims) - 1
    m = X.shape[1]
    AL, caches = tb.model_forward(X, params, acts)
    grads = tb.model_backward(AL, Y, caches, acts, lambd=lambd)

    def J_of_params() -> float:
        AL = forward_from(X, params, acts, 0)
        l2 = sum(np.sum(params[f"W{l}"] ** 2) for l in range(1, L + 1))
        return cost(AL, Y) + lambd / (2 * m) * l2

    for l in range(1, L + 1):
        for p in ("W", "b"):
            fd = central_difference(J_of_params, params[f"{p}{l}"])
            np.testing.assert_allclose(grads[f"d{p}{l}"], fd, rtol=1e-5, atol=1e-7)
    if lambd:
        return
    for l in range(0, L):  # course dA[l] = m * dJ/dA[l]
        A = X.copy() if l == 0 else caches[l][0][0].copy()
        fd = central_difference(lambda A=A, l=l: cost(forward_from(A, params, acts, l), Y), A)
        np.testing.assert_allclose(grads[f"dA{l}"], m * fd, rtol=1e-5, atol=1e-7)
    for l in range(1, L + 1):  # course dZ[l] = m * dJ/dZ[l]
        Z = caches[l - 1][1].copy()
        g = tb.ACTIVATIONS[acts[l - 1]][0]
        fd = central_difference(
            lambda Z=Z, l=l, g=g: cost(forward_from(g(Z), params, acts, l), Y), Z
        )
        np.testing.assert_allclose(grads[f"dZ{l}"], m * fd, rtol=1e-5, atol=1e-7)


@FAST
@given(networks())
def test_model_backward_matches_finite_differences(net):
    check_against_finite_differences(*net, tb.compute_cost)


@settings(FAST, max_examples=15)
@given(networks(), st.sampled_from([0.1, 0.7, 3.0]))
def test_model_backward_with_l2_matches_finite_differences(net, lambd):
    check_against_finite_differences(*net, tb.compute_cost, lambd=lambd)
    dims, acts, params, X, Y = net
    AL, _ = tb.model_forward(X, params, acts)
    l2 = sum(np.sum(params[f"W{l}"] ** 2) for l in range(1, len(dims)))
    assert tb.compute_cost_with_regularization(AL, Y, params, lambd) == pytest.approx(
        tb.compute_cost(AL, Y) + lambd / (2 * X.shape[1]) * l2, rel=1e-12
    )


@settings(FAST, max_examples=15)
@given(networks(output="softmax"))
def test_softmax_output_matches_finite_differences_of_categorical_cost(net):
    check_against_finite_differences(*net, tb.compute_cost_categorical)
    dims, acts, params, X, Y = net
    AL, caches = tb.model_forward(X, params, acts)
    grads = tb.model_backward(AL, Y, caches, acts)
    np.testing.assert_allclose(grads[f"dZ{len(dims) - 1}"], AL - Y, atol=1e-12)


@pytest.mark.parametrize("dims", [[3, 5, 5, 3, 1], [2, 3, 5, 4, 2, 1]])
def test_course_gradient_check_on_the_seed_networks(dims):
    """The course's gradient_check_n, with dictionary_to_vector & co: difference < 1e-7."""
    params = tb.initialize_parameters_deep(dims, seed=2)
    rng = np.random.RandomState(2)
    for l in range(1, len(dims)):  # randn * 0.01 is too small for a live check: use 1/sqrt(n[l-1])
        params[f"W{l}"] *= 100 / np.sqrt(dims[l - 1])
        params[f"b{l}"] = rng.randn(dims[l], 1) * 0.1  # b = 0 puts dead units' Z exactly on a kink
    X, Y = rng.randn(dims[0], 4), np.array([[1.0, 0.0, 0.0, 1.0]])
    AL, caches = tb.model_forward(X, params)
    assert min(np.abs(Z).min() for _, Z in caches) > 1e-4
    grad = tb.gradients_to_vector(tb.model_backward(AL, Y, caches), len(dims) - 1)
    assert np.abs(grad[: dims[0] * dims[1]]).max() > 1e-5  # dW1 is alive
    theta, keys = tb.dictionary_to_vector(params)
    assert keys[0] == "W1" and keys[-1] == f"b{len(dims) - 1}"

    def J(theta):
        return tb.compute_cost(tb.model_forward(X, tb.vector_to_dictionary(theta, dims))[0], Y)

    eps = 1e-7
    approx = np.zeros_like(theta)
    for i in range(theta.shape[0]):
        plus, minus = theta.copy(), theta.copy()
        plus[i, 0] += eps
        minus[i, 0] -= eps
        approx[i, 0] = (J(plus) - J(minus)) / (2 * eps)
    difference = np.linalg.norm(grad - approx) / (np.linalg.norm(grad) + np.linalg.norm(approx))
    assert difference < 1e-7


@settings(FAST, max_examples=25)
@given(st.data())
def test_gradient_shapes_match(data):
    dims = data.draw(dnn.layer_dims())
    acts = data.draw(dnn.activations(len(dims) - 1))
    AL, Y, caches = data.draw(dnn.caches(dims, acts))
    grads = tb.model_backward(AL, Y, caches, acts)
    L = len(dims) - 1
    expected_keys = {f"{d}{l}" for l in range(1, L + 1) for d in ("dW", "db", "dZ")}
    assert set(grads) == expected_keys | {f"dA{l}" for l in range(L)}
    for l, ((A_prev, W, b), Z) in enumerate(caches, start=1):
        assert grads[f"dW{l}"].shape == W.shape
        assert grads[f"db{l}"].shape == b.shape
        assert grads[f"dZ{l}"].shape == Z.shape
        assert grads[f"dA{l - 1}"].shape == A_prev.shape


@FAST
@given(st.data())
def test_dZL_is_AL_minus_Y_for_sigmoid_with_cross_entropy(data):
    dims = data.draw(dnn.layer_dims(max_layers=4))
    AL, Y, caches = data.draw(dnn.caches(dims))
    grads = tb.model_backward(AL, Y, caches)
    np.testing.assert_allclose(grads[f"dZ{len(dims) - 1}"], AL - Y, rtol=1e-9, atol=1e-12)


def test_model_backward_on_hand_built_caches():
    """Like the course's L_model_backward_test_case: AL and every Z are unrelated random
    numbers, so only the course's own formulas, applied literally, give these gradients."""
    rng = np.random.RandomState(3)
    AL = rng.rand(1, 2) * 0.8 + 0.1
    Y = np.array([[1.0, 0.0]])
    A1, W1, b1, Z1 = rng.randn(4, 2), rng.randn(3, 4), rng.randn(3, 1), rng.randn(3, 2)
    A2, W2, b2, Z2 = rng.randn(3, 2), rng.randn(1, 3), rng.randn(1, 1), rng.randn(1, 2)
    caches = [((A1, W1, b1), Z1), ((A2, W2, b2), Z2)]
    grads = tb.model_backward(AL, Y, caches)

    m = 2
    dAL = -(Y / AL - (1 - Y) / (1 - AL))
    s = 1 / (1 + np.exp(-Z2))
    dZ2 = dAL * s * (1 - s)
    dA1 = W2.T @ dZ2
    dZ1 = dA1 * (Z1 > 0)
    expected = {
        "dZ2": dZ2,
        "dW2": dZ2 @ A2.T / m,
        "db2": dZ2.sum(axis=1, keepdims=True) / m,
        "dA1": dA1,
        "dZ1": dZ1,
        "dW1": dZ1 @ A1.T / m,
        "db1": dZ1.sum(axis=1, keepdims=True) / m,
        "dA0": W1.T @ dZ1,
    }
    assert set(grads) == set(expected)
    for key, value in expected.items():
        np.testing.assert_allclose(grads[key], value, rtol=1e-12, err_msg=key)


def test_linear_backward_formulas():
    rng = np.random.RandomState(1)
    dZ, A_prev, W, b = rng.randn(3, 4), rng.randn(5, 4), rng.randn(3, 5), rng.randn(3, 1)
    dA_prev, dW, db = tb.linear_backward(dZ, (A_prev, W, b))
    np.testing.assert_allclose(dW, dZ @ A_prev.T / 4)
    np.testing.assert_allclose(db, dZ.sum(axis=1).reshape(3, 1) / 4)
    np.testing.assert_allclose(dA_prev, W.T @ dZ)


# ----------------------------------------------------------------------------------------------
# Cost, update, vector helpers
# ----------------------------------------------------------------------------------------------


def test_compute_cost_is_a_float_and_the_course_formula():
    AL = np.array([[0.8, 0.9, 0.4]])
    Y = np.array([[1, 1, 0]])
    cost = tb.compute_cost(AL, Y)
    assert type(cost) is float
    course = (1 / 3) * (-np.dot(Y, np.log(AL).T) - np.dot(1 - Y, np.log(1 - AL).T))
    assert cost == pytest.approx(float(np.squeeze(course)), rel=1e-12)


def test_update_parameters_returns_a_new_dict():
    params = tb.initialize_parameters_deep([3, 2, 1], seed=2)
    before = {k: v.copy() for k, v in params.items()}
    grads = {k.replace("W", "dW").replace("b", "db"): np.ones_like(v) for k, v in params.items()}
    new = tb.update_parameters(params, grads, 0.5)
    assert new is not params
    for key, value in before.items():
        np.testing.assert_array_equal(params[key], value)
        np.testing.assert_allclose(new[key], value - 0.5)


def test_vector_round_trip_and_order():
    dims = [3, 2, 1]
    params = tb.initialize_parameters_deep(dims)
    theta, keys = tb.dictionary_to_vector(params)
    assert theta.shape == (11, 1)
    assert keys == ["W1"] * 6 + ["b1"] * 2 + ["W2"] * 2 + ["b2"]
    back = tb.vector_to_dictionary(theta, dims)
    for key in params:
        np.testing.assert_array_equal(back[key], params[key])
    grads = {"d" + k: v for k, v in params.items()}
    np.testing.assert_array_equal(tb.gradients_to_vector(grads, 2), theta)


def test_textbook_imports_only_numpy_and_the_standard_library():
    """Every module of the textbook package: numpy, the standard library and the textbook's
    own modules, nothing of the engine (it is the independent oracle)."""
    package = Path(tb.__file__).parent
    imported = set()
    for path in sorted(package.glob("*.py")):
        for node in ast.walk(ast.parse(path.read_text())):
            if isinstance(node, ast.Import):
                imported |= {alias.name for alias in node.names}
            elif isinstance(node, ast.ImportFrom):
                imported.add(node.module or "")
    top = {name.split(".")[0] for name in imported if not name.startswith("autograd_dnn.textbook")}
    assert top <= {"numpy", "__future__", "collections", "typing", "math", "dataclasses"}, imported


# ----------------------------------------------------------------------------------------------
# Clear errors
# ----------------------------------------------------------------------------------------------

R = np.random.RandomState(0)
GOOD = {"W1": R.randn(3, 4), "b1": np.zeros((3, 1)), "W2": R.randn(5, 3), "b2": np.zeros((5, 1))}


def with_(**changes):
    return {**GOOD, **changes}


@pytest.mark.parametrize(
    "call, match",
    [
        (
            lambda: tb.linear_forward(np.ones(4), np.ones((3, 4)), np.zeros((3, 1))),
            r"A_prev has shape \(4,\), use \(4, 1\) or \(1, 4\)",
        ),
        (
            lambda: tb.linear_forward(np.ones((4, 2)), np.ones((3, 4)), np.zeros(3)),
            r"b has shape \(3,\), use \(3, 1\)",
        ),
        (
            lambda: tb.linear_forward(np.ones((4, 2)), np.ones((3, 2)), np.zeros((3, 1))),
            r"W must have shape \(n\[l\], n\[l-1\]\) = \(3, 4\), got \(3, 2\)",
        ),
        (
            lambda: tb.linear_forward(np.ones((4, 2)), np.ones((3, 4)), np.zeros((1, 3))),
            r"b must have shape \(n\[l\], 1\) = \(3, 1\), got \(1, 3\)",
        ),
        (
            lambda: tb.linear_forward(np.ones((4, 2, 1)), np.ones((3, 4)), np.zeros((3, 1))),
            r"A_prev must be a 2-D array.*\(4, 2, 1\)",
        ),
        (
            lambda: tb.model_forward(np.ones((4, 2)), with_(W2=R.randn(5, 2))),
            r"W\[2\] must have shape \(n\[2\], n\[1\]\) = \(5, 3\), got \(5, 2\)",
        ),
        (
            lambda: tb.model_forward(np.ones((3, 2)), GOOD),
            r"W\[1\] must have shape \(n\[1\], n\[0\]\) = \(3, 3\), got \(3, 4\): X has 3 rows",
        ),
        (
            lambda: tb.model_forward(np.ones((4, 2)), with_(b2=np.zeros((1, 5)))),
            r"b\[2\] must have shape \(n\[2\], 1\) = \(5, 1\), got \(1, 5\)",
        ),
        (
            lambda: tb.model_forward(np.ones((4, 2)), with_(b2=np.zeros(5))),
            r"b\[2\] has shape \(5,\), use \(5, 1\)",
        ),
        (
            lambda: tb.model_forward(np.ones(4), GOOD),
            r"X has shape \(4,\), use \(4, 1\) or \(1, 4\)",
        ),
        (
            lambda: tb.model_forward(np.ones((4, 2)), {"W1": GOOD["W1"]}),
            r"missing b1",
        ),
        (
            lambda: tb.model_forward(np.ones((4, 2)), {}),
            r"params must hold W1, b1, \.\.\., WL, bL",
        ),
        (
            lambda: tb.model_forward(np.ones((4, 2)), GOOD, ["relu"]),
            r"activations has 1 names but the network has L = 2 layers",
        ),
        (
            lambda: tb.model_forward(np.ones((4, 2)), GOOD, ["relu6", "sigmoid"]),
            r"unknown activation 'relu6'; known activations: leaky_relu, linear, relu, sigmoid, "
            r"softmax, tanh",
        ),
        (
            lambda: tb.linear_activation_forward(np.ones((4, 2)), GOOD["W1"], GOOD["b1"], "Relu"),
            r"unknown activation 'Relu'; known activations: leaky_relu, linear, relu",
        ),
        (
            lambda: tb.compute_cost(np.full((1, 3), 0.5), np.ones((1, 2))),
            r"AL and Y must have the same shape \(n\[L\], m\), got AL \(1, 3\) and Y \(1, 2\)",
        ),
        (
            lambda: tb.compute_cost(np.array([[0.5, 1.0]]), np.ones((1, 2))),
            r"AL must lie strictly between 0 and 1",
        ),
        (
            lambda: tb.compute_cost(np.full(3, 0.5), np.ones(3)),
            r"AL has shape \(3,\), use \(3, 1\) or \(1, 3\)",
        ),
        (
            lambda: tb.linear_backward(np.ones((2, 3)), (np.ones((4, 3)), np.ones((3, 4)), 0)),
            r"b has shape \(\), use|b must be a 2-D array",
        ),
        (
            lambda: tb.linear_backward(
                np.ones((3, 2)), (np.ones((4, 3)), np.ones((3, 4)), np.ones((3, 1)))
            ),
            r"dZ must have the shape of Z, \(n\[l\], m\) = \(3, 3\), got \(3, 2\)",
        ),
        (
            lambda: tb.linear_backward(np.ones((3, 3)), (np.ones((4, 3)), np.ones((3, 4)))),
            r"linear_cache must be \(A_prev, W, b\)",
        ),
        (
            lambda: tb.linear_activation_backward(
                np.ones((3, 2)),
                ((np.ones((4, 3)), np.ones((3, 4)), np.ones((3, 1))), np.ones((3, 3))),
                "relu",
            ),
            r"dA must have the shape of Z, \(n\[l\], m\) = \(3, 3\), got \(3, 2\)",
        ),
        (
            lambda: tb.linear_activation_backward(np.ones((3, 3)), (1, 2, 3), "relu"),
            r"cache must have the course layout \(\(A_prev, W, b\), Z\)",
        ),
        (
            lambda: tb.model_backward(
                np.array([[0.5, 1.0]]),
                np.ones((1, 2)),
                [((np.ones((3, 2)), np.ones((1, 3)), np.ones((1, 1))), np.ones((1, 2)))],
            ),
            r"dA\[1\] is not finite: AL has entries equal to 0 or 1",
        ),
        (
            lambda: tb.model_backward(
                np.full((1, 2), 0.5),
                np.ones((1, 2)),
                [((np.ones((3, 2)), np.ones((1, 2)), np.ones((1, 1))), np.ones((1, 2)))],
            ),
            r"W\[1\] must have shape \(n\[1\], n\[0\]\) = \(1, 3\), got \(1, 2\)",
        ),
        (
            lambda: tb.model_backward(np.full((1, 2), 0.5), np.ones((1, 2)), []),
            r"caches must be a non-empty list",
        ),
        (
            lambda: tb.update_parameters(GOOD, {"dW1": np.ones((4, 3))}, 0.1),
            r"dW\[1\] has shape \(4, 3\) but W\[1\] has shape \(3, 4\)",
        ),
        (
            lambda: tb.update_parameters(GOOD, {"dW1": np.ones((3, 4))}, 0.1),
            r"grads is missing db1",
        ),
        (
            lambda: tb.initialize_parameters_deep([5]),
            r"layer_dims must be \[n\[0\], n\[1\], \.\.\., n\[L\]\]",
        ),
        (
            lambda: tb.initialize_parameters_deep([5, 0, 1]),
            r"at least two positive ints, got \[5, 0, 1\]",
        ),
        (
            lambda: tb.vector_to_dictionary(np.ones((5, 1)), [3, 2, 1]),
            r"theta has 5 entries but layer_dims \[3, 2, 1\] needs 11",
        ),
        (
            lambda: tb.vector_to_dictionary(np.ones(11), [3, 2, 1]),
            r"theta has shape \(11,\), use \(11, 1\)",
        ),
    ],
)
def test_bad_input_raises_a_clear_message(call, match):
    with pytest.raises(ValueError, match=match):
        call()
