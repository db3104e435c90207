"""The testing kit: strategies draw what they promise; each check_* passes on correct code
(the textbook's and an independent course-style one) and names the key and the bug otherwise."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from autograd_dnn import textbook as tb
from autograd_dnn.testing import (
    check_activation_backward,
    check_linear_backward,
    check_model_backward,
    check_model_forward,
)
from autograd_dnn.testing import strategies as dnn

N = 20  # max_examples for the checks: small, so that the file stays fast
FAST = settings(max_examples=30, deadline=None, derandomize=True, database=None)


# ----------------------------------------------------------------------------------------------
# A student's course-style implementation, written independently of the textbook. Keyword
# switches plant one bug each.
# ----------------------------------------------------------------------------------------------


def student_linear_backward(dZ, cache, *, bug=None):
    A_prev, W, b = cache
    m = A_prev.shape[1]
    dW = dZ @ A_prev.T / m
    db = np.sum(dZ, axis=1, keepdims=True) / m
    dA_prev = W.T @ dZ
    if bug == "dW doubled":
        dW = 2 * dW
    elif bug == "dW missing 1/m":
        dW = dZ @ A_prev.T
    elif bug == "db missing 1/m":
        db = np.sum(dZ, axis=1, keepdims=True)
    elif bug == "db without keepdims":
        db = np.sum(dZ, axis=1) / m
    elif bug == "dW transposed":
        dW = A_prev @ dZ.T / m
    elif bug == "dA_prev divided by m":
        dA_prev = W.T @ dZ / m
    return dA_prev, dW, db


def student_activation_backward(dA, cache, activation, *, bug=None):
    linear_cache, Z = cache
    if activation == "relu":
        if bug == "relu' is 1 at negative Z":
            dZ = dA * np.where(Z > 0, 1.0, np.where(Z < 0, 1.0, 0.0))
        elif bug == "relu in place":
            dZ = dA  # no copy: the next line edits the caller's dA
            dZ[Z <= 0] = 0
        else:
            dZ = np.array(dA, copy=True)
            dZ[Z <= 0] = 0
    elif activation == "sigmoid":
        s = 1 / (1 + np.exp(-Z))
        dZ = dA * Z * (1 - Z) if bug == "sigmoid' from Z" else dA * s * (1 - s)
    elif activation == "tanh":
        dZ = dA * (1 - np.tanh(Z) ** 2)
    else:
        raise ValueError(activation)
    return student_linear_backward(dZ, linear_cache, bug=bug)


def student_model_backward(AL, Y, caches, *, bug=None, bug_layer=1):
    grads = {}
    L = len(caches)
    if bug == "crash":
        return grads["dA0"]
    dZ = AL - Y  # the sigmoid + cross-entropy shortcut, exact when AL = sigmoid(Z[L])
    dA_prev, dW, db = student_linear_backward(dZ, caches[L - 1][0])
    grads[f"dA{L - 1}"], grads[f"dW{L}"], grads[f"db{L}"] = dA_prev, dW, db
    for l in reversed(range(1, L)):
        layer_bug = bug if l == bug_layer else None
        dA_prev, dW, db = student_activation_backward(
            grads[f"dA{l}"], caches[l - 1], "relu", bug=layer_bug
        )
        grads[f"dA{l - 1}"], grads[f"dW{l}"], grads[f"db{l}"] = dA_prev, dW, db
    if bug == "no dA0":
        del grads["dA0"]
    return grads


def student_model_forward(X, params, *, bug=None):
    caches = []
    A = X
    L = len(params) // 2
    for l in range(1, L + 1):
        W, b = params[f"W{l}"], params[f"b{l}"]
        Z = W @ A if bug == "no b" else W @ A + b
        caches.append(((A, W, b), Z))
        if l < L or bug == "relu output":
            A = np.maximum(0, Z)
        else:
            A = 1 / (1 + np.exp(-Z))
    return A, caches


def planted(fn, bug, **kwargs):
    return lambda *args: fn(*args, bug=bug, **kwargs)


# ----------------------------------------------------------------------------------------------
# Correct code passes
# ----------------------------------------------------------------------------------------------


def test_checks_pass_on_the_textbook():
    check_linear_backward(tb.linear_backward, max_examples=N)
    check_model_forward(tb.model_forward, max_examples=N)
    check_model_backward(tb.model_backward, max_examples=N)


@pytest.mark.parametrize("activation", ["relu", "leaky_relu", "sigmoid", "tanh", "linear"])
def test_check_activation_backward_passes_on_the_textbook(activation):
    check_activation_backward(tb.linear_activation_backward, activation, max_examples=N)


def test_checks_pass_on_an_independent_correct_implementation():
    check_linear_backward(student_linear_backward, max_examples=N)
    for activation in ("relu", "sigmoid", "tanh"):
        check_activation_backward(student_activation_backward, activation, max_examples=N)
    check_model_forward(student_model_forward, max_examples=N)
    check_model_backward(student_model_backward, max_examples=N)


def test_check_activation_backward_refuses_an_unknown_activation():
    with pytest.raises(ValueError, match="unknown activation 'relu6'"):
        check_activation_backward(tb.linear_activation_backward, "relu6")


# ----------------------------------------------------------------------------------------------
# Planted bugs are caught, named and explained
# ----------------------------------------------------------------------------------------------


def test_dW_doubled_is_caught():
    with pytest.raises(AssertionError, match=r"dW differs[\s\S]*hint: doubled") as info:
        check_linear_backward(planted(student_linear_backward, "dW doubled"), max_examples=N)
    message = str(info.value)
    assert "expected shape:" in message and "got shape:" in message
    assert "largest absolute difference:" in message
    assert "counterexample (shrunk by hypothesis):" in message and "A_prev = " in message
    assert "Falsifying example" not in message


def test_missing_one_over_m_is_caught():
    with pytest.raises(AssertionError, match=r"dW differs[\s\S]*hint: missing 1/m"):
        check_linear_backward(planted(student_linear_backward, "dW missing 1/m"), max_examples=N)


def test_db_without_keepdims_is_caught():
    fn = planted(student_linear_backward, "db without keepdims")
    with pytest.raises(AssertionError, match=r"db differs[\s\S]*missing keepdims=True") as info:
        check_linear_backward(fn, max_examples=N)
    assert "expected shape: (1, 1)" in str(info.value) and "got shape:      (1,)" in str(info.value)


def test_transposed_dW_is_caught():
    with pytest.raises(AssertionError, match=r"dW differs[\s\S]*hint: transposed"):
        check_linear_backward(planted(student_linear_backward, "dW transposed"), max_examples=N)


def test_relu_derivative_one_at_negative_z_is_caught():
    fn = planted(student_activation_backward, "relu' is 1 at negative Z")
    with pytest.raises(AssertionError, match=r"(dW|db|dA_prev) differs[\s\S]*hint: relu'"):
        check_activation_backward(fn, "relu", max_examples=N)


def test_relu_derivative_bug_is_caught_in_model_backward():
    fn = planted(student_model_backward, "relu' is 1 at negative Z")
    with pytest.raises(AssertionError, match=r"check_model_backward: (dW|db|dA)\d differs") as info:
        check_model_backward(fn, max_examples=N)
    assert "hint: relu'" in str(info.value)
    assert "layer_dims = [" in str(info.value)


def test_doubled_dW_in_model_backward_names_the_layer():
    fn = planted(student_model_backward, "dW doubled", bug_layer=1)
    with pytest.raises(AssertionError, match=r"dW1 differs[\s\S]*hint: doubled"):
        check_model_backward(fn, max_examples=N)


def test_missing_one_over_m_in_db_in_model_backward():
    fn = planted(student_model_backward, "db missing 1/m", bug_layer=1)
    with pytest.raises(AssertionError, match=r"db1 differs[\s\S]*hint: missing 1/m"):
        check_model_backward(fn, max_examples=N)


def test_dA_divided_by_m_is_explained_with_the_course_convention():
    fn = planted(student_model_backward, "dA_prev divided by m", bug_layer=1)
    with pytest.raises(AssertionError, match=r"dA0 differs[\s\S]*summed loss"):
        check_model_backward(fn, max_examples=N)


def test_missing_key_is_reported():
    with pytest.raises(AssertionError, match=r"missing key\(s\) dA0"):
        check_model_backward(planted(student_model_backward, "no dA0"), max_examples=N)


def test_an_exception_in_the_users_function_is_reported():
    with pytest.raises(AssertionError, match=r"your function raised KeyError: 'dA0'"):
        check_model_backward(planted(student_model_backward, "crash"), max_examples=N)


def test_editing_an_input_in_place_is_reported():
    fn = planted(student_activation_backward, "relu in place")
    with pytest.raises(AssertionError, match=r"modified its input dA in place"):
        check_activation_backward(fn, "relu", max_examples=N)


def test_sigmoid_derivative_from_z_is_explained():
    fn = planted(student_activation_backward, "sigmoid' from Z")
    with pytest.raises(AssertionError, match=r"hint: sigmoid' looks computed from Z"):
        check_activation_backward(fn, "sigmoid", max_examples=N)


def test_model_forward_without_b_is_caught():
    fn = planted(student_model_forward, "no b")
    with pytest.raises(AssertionError, match=r"Z\d differs[\s\S]*without \+ b\[\d\]"):
        check_model_forward(fn, max_examples=N)


def test_model_forward_with_relu_output_is_caught():
    fn = planted(student_model_forward, "relu output")
    with pytest.raises(
        AssertionError, match=r"AL differs[\s\S]*relu\(Z\), but this layer uses sig"
    ):
        check_model_forward(fn, max_examples=N)


def test_the_report_is_deterministic():
    fn = planted(student_linear_backward, "dW doubled")
    messages = []
    for _ in range(2):
        with pytest.raises(AssertionError) as info:
            check_linear_backward(fn, max_examples=N)
        messages.append(str(info.value))
    assert messages[0] == messages[1]


# ----------------------------------------------------------------------------------------------
# Strategies
# ----------------------------------------------------------------------------------------------


@FAST
@given(dnn.layer_dims(min_layers=2, max_layers=3, min_units=2, max_units=5))
def test_layer_dims_respects_its_bounds(dims):
    assert 3 <= len(dims) <= 4 and all(2 <= n <= 5 for n in dims)


@FAST
@given(st.data())
def test_activations_strategy(data):
    L = data.draw(st.integers(1, 5))
    names = data.draw(dnn.activations(L))
    assert len(names) == L and names[-1] == "sigmoid"
    assert set(names[:-1]) <= set(dnn.HIDDEN_ACTIVATIONS)
    names = data.draw(dnn.activations(L, hidden=["tanh"], output=["linear", "softmax"]))
    assert set(names[:-1]) <= {"tanh"} and names[-1] in ("linear", "softmax")


def test_activations_strategy_refuses_unknown_names():
    with pytest.raises(ValueError, match="unknown activation 'gelu'"):
        dnn.activations(2, hidden=["gelu"])


@FAST
@given(st.data())
def test_parameters_and_batches_have_course_shapes_and_scale(data):
    dims = data.draw(dnn.layer_dims())
    params = data.draw(dnn.parameters(dims))
    X, Y = data.draw(dnn.batches(dims, m=3))
    assert sorted(params) == sorted(f"{p}{l}" for l in range(1, len(dims)) for p in "Wb")
    for l in range(1, len(dims)):
        W, b = params[f"W{l}"], params[f"b{l}"]
        assert W.shape == (dims[l], dims[l - 1]) and b.shape == (dims[l], 1)
        assert W.dtype == np.float64 and np.abs(W).max() <= 1 / dims[l - 1]
        assert np.abs(b).max() <= 1
    assert X.shape == (dims[0], 3) and Y.shape == (dims[-1], 3)
    assert set(np.unique(Y)) <= {0.0, 1.0} and np.abs(X).max() <= 1


@FAST
@given(st.data())
def test_caches_come_from_the_textbook_forward_pass(data):
    dims = data.draw(dnn.layer_dims(max_layers=4))
    acts = data.draw(dnn.activations(len(dims) - 1))
    AL, Y, caches = data.draw(dnn.caches(dims, acts, kink_margin=1e-6))
    X = caches[0][0][0]
    params = {
        f"{p}{l}": caches[l - 1][0][i] for l in range(1, len(dims)) for i, p in [(1, "W"), (2, "b")]
    }
    AL2, caches2 = tb.model_forward(X, params, acts)
    np.testing.assert_array_equal(AL, AL2)
    assert AL.shape == Y.shape and np.all((AL > 0) & (AL < 1))
    for ((_, _, _), Z), name in zip(caches, acts, strict=True):
        if name in dnn.KINKED_ACTIVATIONS:
            assert np.abs(Z).min() > 1e-6


# ----------------------------------------------------------------------------------------------
# Issue 13, defect 7: hints chosen on an example that separates the candidates
# ----------------------------------------------------------------------------------------------


def student_model_backward_output(AL, Y, caches, *, bug):
    """L_model_backward with a bug in the output layer's dZ[L] (sigmoid output)."""
    L = len(caches)
    dAL = -(Y / AL - (1 - Y) / (1 - AL))
    ZL = caches[L - 1][1]
    if bug == "g' missing on the output":
        dZ = dAL  # sigmoid'(Z[L]) forgotten
    elif bug == "relu' on the output":
        dZ = dAL * (ZL > 0)
    grads = {}
    grads[f"dA{L - 1}"], grads[f"dW{L}"], grads[f"db{L}"] = student_linear_backward(
        dZ, caches[L - 1][0]
    )
    for l in reversed(range(1, L)):
        dA_prev, dW, db = student_activation_backward(grads[f"dA{l}"], caches[l - 1], "relu")
        grads[f"dA{l - 1}"], grads[f"dW{l}"], grads[f"db{l}"] = dA_prev, dW, db
    return grads


def relu0_is_1_activation_backward(dA, cache, activation):
    linear_cache, Z = cache
    dZ = np.array(dA, copy=True)
    dZ[Z < 0] = 0  # relu'(0) = 1: a valid subgradient, not the course's 0
    return student_linear_backward(dZ, linear_cache)


def relu0_is_1_model_backward(AL, Y, caches):
    L = len(caches)
    grads = {}
    dA, dW, db = student_linear_backward(AL - Y, caches[L - 1][0])
    grads[f"dA{L - 1}"], grads[f"dW{L}"], grads[f"db{L}"] = dA, dW, db
    for l in reversed(range(1, L)):
        dA, dW, db = relu0_is_1_activation_backward(grads[f"dA{l}"], caches[l - 1], "relu")
        grads[f"dA{l - 1}"], grads[f"dW{l}"], grads[f"db{l}"] = dA, dW, db
    return grads


def test_a_missing_g_prime_on_the_last_layer_is_named_as_such():
    fn = planted(student_model_backward_output, "g' missing on the output")
    with pytest.raises(AssertionError, match=r"dZ?[WbA]?\d differs") as info:
        check_model_backward(fn, max_examples=N)
    message = str(info.value)
    assert "hint: g'(Z) looks missing" in message, message
    assert "derivative of tanh" not in message


def test_relu_prime_on_a_sigmoid_output_is_named_as_such():
    fn = planted(student_model_backward_output, "relu' on the output")
    with pytest.raises(AssertionError) as info:
        check_model_backward(fn, max_examples=N)
    message = str(info.value)
    assert "looks like the derivative of relu, but this layer uses sigmoid" in message, message
    assert "computed from Z" not in message


def test_relu_prime_at_zero_equal_to_one_is_accepted_with_a_note(capsys):
    check_activation_backward(relu0_is_1_activation_backward, "relu", max_examples=N)
    check_model_backward(relu0_is_1_model_backward, max_examples=N)
    out = capsys.readouterr().out.splitlines()
    assert out.count("note: relu'(0) = 1 here; the course uses 0 (both are valid subgradients "
                     "at the kink: accepted; strict=True rejects it)") == 2, out  # fmt: skip
    check_activation_backward(student_activation_backward, "relu", max_examples=N)
    assert capsys.readouterr().out == ""  # the course's convention: no note


def test_relu_prime_at_zero_equal_to_one_is_rejected_when_strict_with_the_precise_hint():
    with pytest.raises(AssertionError) as info:
        check_activation_backward(
            relu0_is_1_activation_backward, "relu", max_examples=N, strict=True
        )
    assert "hint: relu'(0) looks like 1" in str(info.value), str(info.value)
    with pytest.raises(AssertionError) as info:
        check_model_backward(relu0_is_1_model_backward, max_examples=N, strict=True)
    assert "hint: relu'(0) looks like 1" in str(info.value), str(info.value)


def test_an_in_place_relu_backward_in_model_backward_is_named():
    fn = planted(student_model_backward, "relu in place", bug_layer=1)
    with pytest.raises(AssertionError, match=r"dA1 differs") as info:
        check_model_backward(fn, max_examples=N)
    assert "edited in place by your relu backward" in str(info.value), str(info.value)
    assert "sigmoid" not in str(info.value).split("counterexample")[0]


def test_db_summed_over_axis_0_is_named():
    def linear_backward(dZ, cache):
        A_prev, W, b = cache
        m = A_prev.shape[1]
        return W.T @ dZ, dZ @ A_prev.T / m, np.sum(dZ, axis=0, keepdims=True) / m

    with pytest.raises(AssertionError, match=r"db differs") as info:
        check_linear_backward(linear_backward, max_examples=N)
    assert "hint: db looks summed over axis 0" in str(info.value), str(info.value)


def test_caching_A_instead_of_Z_is_named():
    def model_forward(X, params):
        AL, caches = student_model_forward(X, params)
        out = []
        for l, ((A_prev, W, b), Z) in enumerate(caches, start=1):
            A = 1 / (1 + np.exp(-Z)) if l == len(caches) else np.maximum(0, Z)
            out.append(((A_prev, W, b), A))  # A[l] cached where Z[l] belongs
        return AL, out

    with pytest.raises(AssertionError, match=r"Z\d differs") as info:
        check_model_forward(model_forward, max_examples=N)
    assert "the cache must hold Z" in str(info.value), str(info.value)


def dict_model_forward(X, params):
    """A correct forward whose caches are dicts: not the course's layout."""
    AL, caches = student_model_forward(X, params)
    return AL, [{"A_prev": A, "W": W, "b": b, "Z": Z} for (A, W, b), Z in caches]


def dict_model_backward(AL, Y, caches):
    tuples = [((c["A_prev"], c["W"], c["b"]), c["Z"]) for c in caches]
    return student_model_backward(AL, Y, tuples)


def test_a_different_cache_layout_is_explained_and_can_be_passed():
    with pytest.raises(AssertionError, match=r"your function raised") as info:
        check_model_backward(dict_model_backward, max_examples=N)
    assert "forward=your_L_model_forward" in str(info.value)
    check_model_backward(dict_model_backward, max_examples=N, forward=dict_model_forward)

    def dict_activation_backward(dA, cache, activation):
        return student_activation_backward(dA, (cache["linear"], cache["Z"]), activation)

    with pytest.raises(AssertionError, match=r"make_cache=") as info:
        check_activation_backward(dict_activation_backward, "tanh", max_examples=N)
    check_activation_backward(
        dict_activation_backward,
        "tanh",
        max_examples=N,
        make_cache=lambda linear_cache, Z: {"linear": linear_cache, "Z": Z},
    )
