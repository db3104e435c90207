"""The Course 2 testing kit: every check passes correct code written in two styles and rejects
each classic mistake with the right key and hint. The learner functions below are written as
a learner would write them, independently of the textbook."""

from __future__ import annotations

import re

import numpy as np
import pytest

from autograd_dnn import textbook as tb
from autograd_dnn.testing import course2 as kit

# ----------------------------------------------------------------------------------------------
# Dropout forward
# ----------------------------------------------------------------------------------------------


def relu(Z):
    return np.maximum(0, Z)


def sigmoid(Z):
    return 1 / (1 + np.exp(-Z))


def make_dropout_forward(bug=None):
    """The course's loop for L layers; ``bug`` plants one mistake."""

    def forward_propagation_with_dropout(X, parameters, keep_prob=0.5):
        if bug != "no seed":
            np.random.seed(1)
        L = len(parameters) // 2
        A = X
        cache = []
        for l in range(1, L + 1):
            W, b = parameters["W" + str(l)], parameters["b" + str(l)]
            Z = np.dot(W, A) + b
            if l == L:
                A = sigmoid(Z)
                if bug == "output dropped":
                    D = np.random.rand(A.shape[0], A.shape[1]) < keep_prob
                    A = A * D / keep_prob
                cache += [Z, A, W, b]
                break
            A = relu(Z)
            D = np.random.rand(A.shape[0], A.shape[1])
            D = D > keep_prob if bug == "inverted" else D < keep_prob
            A = A * D
            if bug != "no /keep_prob":
                A = A / keep_prob
            cache += [Z, D, A, W, b]
        return A, tuple(cache)

    return forward_propagation_with_dropout


def course_3_layer_dropout_forward(X, parameters, keep_prob=0.5):
    """The second style: the course's 3-layer code, masks drawn with random_sample and kept
    as ints, as the newer notebook does."""
    np.random.seed(1)
    W1, b1, W2, b2 = parameters["W1"], parameters["b1"], parameters["W2"], parameters["b2"]
    W3, b3 = parameters["W3"], parameters["b3"]
    Z1 = np.dot(W1, X) + b1
    A1 = relu(Z1)
    D1 = (np.random.random_sample(A1.shape) < keep_prob).astype(int)
    A1 = np.multiply(A1, D1) / keep_prob
    Z2 = np.dot(W2, A1) + b2
    A2 = relu(Z2)
    D2 = (np.random.random_sample(A2.shape) < keep_prob).astype(int)
    A2 = np.multiply(A2, D2) / keep_prob
    Z3 = np.dot(W3, A2) + b3
    A3 = sigmoid(Z3)
    return A3, (Z1, D1, A1, W1, b1, Z2, D2, A2, W2, b2, Z3, A3, W3, b3)


def test_dropout_forward_passes_two_styles():
    kit.check_dropout_forward(make_dropout_forward())
    kit.check_dropout_forward(course_3_layer_dropout_forward, L=3)
    kit.check_dropout_forward(tb.forward_propagation_with_dropout)


@pytest.mark.parametrize(
    "bug, key, hint",
    [
        ("no /keep_prob", r"A\d", "missing / keep_prob"),
        ("inverted", r"D\d", "D looks inverted (rand > keep_prob)"),
        ("no seed", r"D\d", "D1 is a 0/1 mask but a different draw than the course's"),
        ("output dropped", "AL", "AL looks dropped out (masked and divided by keep_prob)"),
    ],
)
def test_dropout_forward_catches(bug, key, hint):
    with pytest.raises(AssertionError) as info:
        kit.check_dropout_forward(make_dropout_forward(bug))
    message = str(info.value)
    assert re.search(rf"^check_dropout_forward: {key} differs from the textbook", message), message
    assert f"hint: {hint}" in message, message
    assert "counterexample (shrunk by hypothesis):" in message


# ----------------------------------------------------------------------------------------------
# Dropout backward
# ----------------------------------------------------------------------------------------------


def make_dropout_backward(bug=None):
    """The course's backward loop for L layers, relu' read from A as the course does."""

    def backward_propagation_with_dropout(X, Y, cache, keep_prob):
        m = X.shape[1]
        L = (len(cache) + 1) // 5
        layers, i = [], 0
        for l in range(1, L + 1):
            size = 5 if l < L else 4
            layers.append(cache[i : i + size])
            i += size
        grads = {}
        dZ = layers[-1][1] - Y
        for l in range(L, 0, -1):
            W = layers[l - 1][-2]
            A_prev = X if l == 1 else layers[l - 2][2]
            grads["dZ" + str(l)] = dZ
            grads["dW" + str(l)] = 1.0 / m * np.dot(dZ, A_prev.T)
            grads["db" + str(l)] = 1.0 / m * np.sum(dZ, axis=1, keepdims=True)
            if l == 1:
                break
            _, D, A, _, _ = layers[l - 2]
            dA = np.dot(W.T, dZ)
            if bug == "redrawn":
                D = np.random.rand(*A.shape) < keep_prob
            if bug != "mask not applied":
                dA = dA * D
            if bug != "no /keep_prob":
                dA = dA / keep_prob
            grads["dA" + str(l - 1)] = dA
            dZ = np.multiply(dA, np.int64(A > 0))
        return grads

    return backward_propagation_with_dropout


def vectorized_dropout_backward(X, Y, cache, keep_prob):
    """The second style: the layers read from the end of the cache, np.where for the mask."""
    m = X.shape[1]
    L = (len(cache) + 1) // 5
    AL, WL = cache[-3], cache[-2]
    grads = {f"dZ{L}": AL - Y}
    W = WL
    for l in reversed(range(1, L + 1)):
        dZ = grads[f"dZ{l}"]
        A_prev = cache[5 * (l - 2) + 2] if l > 1 else X
        grads[f"dW{l}"] = dZ @ A_prev.T / m
        grads[f"db{l}"] = dZ.sum(axis=1, keepdims=True) / m
        if l > 1:
            Z_prev, D_prev = cache[5 * (l - 2)], cache[5 * (l - 2) + 1]
            W = cache[5 * (l - 1) + 3] if l < L else WL
            grads[f"dA{l - 1}"] = np.where(D_prev, W.T @ dZ / keep_prob, 0.0)
            grads[f"dZ{l - 1}"] = np.where(Z_prev > 0, grads[f"dA{l - 1}"], 0.0)
    return grads


def test_dropout_backward_passes_two_styles():
    kit.check_dropout_backward(make_dropout_backward())
    kit.check_dropout_backward(vectorized_dropout_backward)
    kit.check_dropout_backward(tb.backward_propagation_with_dropout, L=3)


@pytest.mark.parametrize(
    "bug, hint",
    [
        ("mask not applied", "mask not applied in backward"),
        ("no /keep_prob", "missing / keep_prob in backward"),
        ("redrawn", "mask redrawn in backward"),
    ],
)
def test_dropout_backward_catches(bug, hint):
    with pytest.raises(AssertionError) as info:
        kit.check_dropout_backward(make_dropout_backward(bug))
    message = str(info.value)
    assert re.search(r"^check_dropout_backward: dA\d differs from the textbook", message), message
    assert f"hint: {hint}" in message, message
    assert re.search(r"D1 = \[\[", message), "the masks are part of the counterexample"


def test_dropout_backward_names_dA2_for_the_course_3_layer_network():
    with pytest.raises(AssertionError, match=r"dA2 differs .*\n(.*\n)*  hint: missing / keep_prob"):
        kit.check_dropout_backward(make_dropout_backward("no /keep_prob"), L=3)


# ----------------------------------------------------------------------------------------------
# L2 regularization
# ----------------------------------------------------------------------------------------------


def make_regularization_backward(bug=None):
    def backward_propagation_with_regularization(X, Y, cache, lambd):
        m = X.shape[1]
        L = len(cache) // 4
        grads = {}
        dZ = cache[-3] - Y
        for l in range(L, 0, -1):
            Z, A, W, b = cache[4 * (l - 1) : 4 * l]
            A_prev = X if l == 1 else cache[4 * (l - 2) + 1]
            l2 = {"lambd/2m": lambd / (2 * m), "missing": 0.0}.get(bug, lambd / m)
            grads["dW" + str(l)] = 1.0 / m * np.dot(dZ, A_prev.T) + l2 * W
            grads["db" + str(l)] = 1.0 / m * np.sum(dZ, axis=1, keepdims=True)
            if bug == "db too":
                grads["db" + str(l)] += lambd / m * b
            if l > 1:
                dA = np.dot(W.T, dZ)
                grads["dA" + str(l - 1)] = dA
                dZ = np.multiply(dA, np.int64(A_prev > 0))
        return grads

    return backward_propagation_with_regularization


def regularization_backward_from_course1(X, Y, cache, lambd):
    """The second style: rebuild Course 1 caches and run a Course-1-style loop with np.outer
    free formulas; the L2 term added after the loop."""
    m = X.shape[1]
    L = len(cache) // 4
    grads = {}
    dZ = cache[-3] - Y
    for l in range(L, 0, -1):
        W = cache[4 * (l - 1) + 2]
        A_prev = cache[4 * (l - 2) + 1] if l > 1 else X
        grads[f"dW{l}"] = (dZ @ A_prev.T) / m
        grads[f"db{l}"] = dZ.mean(axis=1, keepdims=True)
        if l > 1:
            grads[f"dA{l - 1}"] = W.T @ dZ
            dZ = grads[f"dA{l - 1}"] * (cache[4 * (l - 2)] > 0)
    for l in range(1, L + 1):
        grads[f"dW{l}"] = grads[f"dW{l}"] + (lambd / m) * cache[4 * (l - 1) + 2]
    return grads


def test_regularization_backward_passes_two_styles():
    kit.check_regularization_backward(make_regularization_backward())
    kit.check_regularization_backward(regularization_backward_from_course1)
    kit.check_regularization_backward(tb.backward_propagation_with_regularization, L=3)


@pytest.mark.parametrize(
    "bug, key, hint",
    [
        ("lambd/2m", "dW", "L2 term lambd/(2m) W"),
        ("missing", "dW", "L2 term missing"),
        ("db too", "db", "L2 term added to db"),
    ],
)
def test_regularization_backward_catches(bug, key, hint):
    with pytest.raises(AssertionError) as info:
        kit.check_regularization_backward(make_regularization_backward(bug))
    message = str(info.value)
    assert re.search(rf"^check_regularization_backward: {key}\d differs", message), message
    assert f"hint: {hint}" in message, message
    assert "lambd = " in message


# ----------------------------------------------------------------------------------------------
# Batch norm
# ----------------------------------------------------------------------------------------------


def closed_form_batchnorm_backward(dZ_tilde, cache, bug=None):
    """Style 1: the closed form on the textbook's cache (Z, Z_norm, mu, sigma2, gamma, eps)."""
    Z, Z_norm, mu, sigma2, gamma, eps = cache
    if bug == "ddof=1":
        sigma2 = np.var(Z, axis=1, keepdims=True, ddof=1)
        Z_norm = (Z - mu) / np.sqrt(sigma2 + eps)
    dbeta = np.sum(dZ_tilde, axis=1, keepdims=True)
    dgamma = np.sum(dZ_tilde * Z_norm, axis=1, keepdims=True)
    dZ_norm = dZ_tilde * gamma
    var_term = 0 if bug == "no variance term" else np.mean(dZ_norm * Z_norm, axis=1, keepdims=True)
    dZ = dZ_norm - np.mean(dZ_norm, axis=1, keepdims=True) - Z_norm * var_term
    return dZ / np.sqrt(sigma2 + eps), dgamma, dbeta


def my_batchnorm_forward(Z, gamma, beta, eps, ddof=0):
    """Style 2: a learner's own forward with its own cache layout (a dict)."""
    mu = Z.mean(axis=1, keepdims=True)
    var = Z.var(axis=1, keepdims=True, ddof=ddof)
    Z_norm = (Z - mu) / np.sqrt(var + eps)
    return gamma * Z_norm + beta, {"Z": Z, "mu": mu, "var": var, "eps": eps, "gamma": gamma}


def chain_rule_batchnorm_backward(dZ_tilde, cache):
    """Style 2: the chain rule step by step through sigma2 and mu."""
    Z, mu, var, eps, gamma = (cache[k] for k in ("Z", "mu", "var", "eps", "gamma"))
    m = Z.shape[1]
    inv = 1 / np.sqrt(var + eps)
    Z_norm = (Z - mu) * inv
    dZ_norm = dZ_tilde * gamma
    dvar = np.sum(dZ_norm * (Z - mu), axis=1, keepdims=True) * -0.5 * inv**3
    dmu = -np.sum(dZ_norm * inv, axis=1, keepdims=True) + dvar * np.mean(
        -2 * (Z - mu), axis=1, keepdims=True
    )
    dZ = dZ_norm * inv + dvar * 2 * (Z - mu) / m + dmu / m
    return (
        dZ,
        np.sum(dZ_tilde * Z_norm, axis=1, keepdims=True),
        np.sum(dZ_tilde, axis=1, keepdims=True),
    )


def test_batchnorm_backward_passes_two_styles():
    kit.check_batchnorm_backward(closed_form_batchnorm_backward)
    kit.check_batchnorm_backward(chain_rule_batchnorm_backward, forward=my_batchnorm_forward)
    kit.check_batchnorm_backward(tb.batchnorm_backward, forward=tb.batchnorm_forward)


def test_batchnorm_missing_variance_term_is_caught():
    def buggy(dZ_tilde, cache):
        return closed_form_batchnorm_backward(dZ_tilde, cache, bug="no variance term")

    with pytest.raises(AssertionError) as info:
        kit.check_batchnorm_backward(buggy)
    message = str(info.value)
    assert message.startswith("check_batchnorm_backward: dZ differs from the textbook"), message
    assert "hint: missing the - Z_norm * mean(dZ_norm * Z_norm) term" in message, message


def test_batchnorm_variance_with_m_minus_1_is_caught_in_backward_and_in_forward():
    def buggy(dZ_tilde, cache):
        return closed_form_batchnorm_backward(dZ_tilde, cache, bug="ddof=1")

    with pytest.raises(AssertionError) as info:
        kit.check_batchnorm_backward(buggy)
    assert re.search(r"^check_batchnorm_backward: (dgamma|dZ) differs", str(info.value))
    assert "hint: the variance looks computed with 1/(m-1)" in str(info.value)

    def forward(Z, gamma, beta, eps):
        return my_batchnorm_forward(Z, gamma, beta, eps, ddof=1)

    with pytest.raises(AssertionError) as info:
        kit.check_batchnorm_backward(chain_rule_batchnorm_backward, forward=forward)
    message = str(info.value)
    assert message.startswith("check_batchnorm_backward: Z_tilde differs"), message
    assert "hint: the variance looks computed with 1/(m-1)" in message


# ----------------------------------------------------------------------------------------------
# Optimizers
# ----------------------------------------------------------------------------------------------


def make_momentum(bug=None):
    def update_parameters_with_momentum(parameters, grads, v, beta, learning_rate):
        L = len(parameters) // 2
        for l in range(1, L + 1):
            for p in ("W", "b"):
                g = grads["d" + p + str(l)]
                if bug == "no 1-beta":
                    v["d" + p + str(l)] = beta * v["d" + p + str(l)] + g
                else:
                    v["d" + p + str(l)] = beta * v["d" + p + str(l)] + (1 - beta) * g
                step = g if bug == "dW not v" else v["d" + p + str(l)]
                parameters[p + str(l)] = parameters[p + str(l)] - learning_rate * step
        return parameters, v

    return update_parameters_with_momentum


def momentum_comprehension(parameters, grads, v, beta, learning_rate):
    new_v = {k: beta * v[k] + (1 - beta) * grads[k] for k in v}
    return {k: parameters[k] - learning_rate * new_v["d" + k] for k in parameters}, new_v


def make_adam(bug=None, three=False):
    def update_parameters_with_adam(
        parameters, grads, v, s, t, learning_rate=0.01, beta1=0.9, beta2=0.999, epsilon=1e-8
    ):
        L = len(parameters) // 2
        v_corrected, s_corrected = {}, {}
        tt = t - 1 if bug == "t from 0" else t
        for l in range(1, L + 1):
            for p in ("W", "b"):
                k = "d" + p + str(l)
                v[k] = beta1 * v[k] + (1 - beta1) * grads[k]
                v_corrected[k] = v[k] / (1 - beta1**tt)
                s[k] = beta2 * s[k] + (1 - beta2) * np.power(grads[k], 2)
                s_corrected[k] = s[k] / (1 - beta2**tt)
                if bug == "eps in sqrt":
                    denominator = np.sqrt(s_corrected[k] + epsilon)
                else:
                    denominator = np.sqrt(s_corrected[k]) + epsilon
                parameters[p + str(l)] -= learning_rate * v_corrected[k] / denominator
        if three:
            return parameters, v, s
        return parameters, v, s, v_corrected, s_corrected

    return update_parameters_with_adam


def make_rmsprop(bug=None):
    def update_parameters_with_rmsprop(parameters, grads, s, beta2, learning_rate, epsilon):
        new_p, new_s = dict(parameters), dict(s)
        for k, g in grads.items():
            square = g if bug == "not squared" else g * g
            new_s[k] = beta2 * s[k] + (1 - beta2) * square
            if bug == "eps in sqrt":
                new_p[k[1:]] = parameters[k[1:]] - learning_rate * g / np.sqrt(new_s[k] + epsilon)
            else:
                new_p[k[1:]] = parameters[k[1:]] - learning_rate * g / (np.sqrt(new_s[k]) + epsilon)
        return new_p, new_s

    return update_parameters_with_rmsprop


def rmsprop_course_loop(parameters, grads, s, beta2, learning_rate, epsilon):
    L = len(parameters) // 2
    for l in range(1, L + 1):
        for p in ("W", "b"):
            s["d" + p + str(l)] = (
                beta2 * s["d" + p + str(l)] + (1 - beta2) * grads["d" + p + str(l)] ** 2
            )
            parameters[p + str(l)] = parameters[p + str(l)] - learning_rate * grads[
                "d" + p + str(l)
            ] / (np.sqrt(s["d" + p + str(l)]) + epsilon)
    return parameters, s


def gd(parameters, grads, learning_rate):
    return {k: parameters[k] - learning_rate * grads["d" + k] for k in parameters}


def gd_sign_flipped(parameters, grads, learning_rate):
    return {k: parameters[k] + learning_rate * grads["d" + k] for k in parameters}


def test_update_parameters_passes_two_styles_of_each():
    kit.check_update_parameters(gd, kind="gd")
    kit.check_update_parameters(tb.update_parameters_with_gd, kind="gd")
    kit.check_update_parameters(make_momentum(), kind="momentum")
    kit.check_update_parameters(momentum_comprehension, kind="momentum")
    kit.check_update_parameters(make_rmsprop(), kind="rmsprop")
    kit.check_update_parameters(rmsprop_course_loop, kind="rmsprop")
    kit.check_update_parameters(make_adam(), kind="adam")
    kit.check_update_parameters(make_adam(three=True), kind="adam")


@pytest.mark.parametrize(
    "fn, kind, key, hint",
    [
        (gd_sign_flipped, "gd", r"W\d", "sign flipped"),
        (make_momentum("no 1-beta"), "momentum", r'v\["dW\d"\]', "missing (1 - beta) on dW"),
        (make_momentum("dW not v"), "momentum", r"W\d", "W updated with dW instead of v"),
        (make_rmsprop("not squared"), "rmsprop", r's\["dW\d"\]', "dW not squared"),
        (make_rmsprop("eps in sqrt"), "rmsprop", r"W\d", "epsilon inside the square root"),
        (
            make_adam("t from 0"),
            "adam",
            r'v_corrected\["dW\d"\]',
            "bias correction with t counted from 0",
        ),
        (
            make_adam("t from 0", three=True),
            "adam",
            r"W\d",
            "bias correction with t counted from 0",
        ),
        (make_adam("eps in sqrt"), "adam", r"W\d", "epsilon inside the square root"),
    ],
)
def test_update_parameters_catches(fn, kind, key, hint):
    with pytest.raises(AssertionError) as info:
        kit.check_update_parameters(fn, kind=kind)
    message = str(info.value)
    assert re.search(rf"^check_update_parameters\(kind='{kind}'\): {key} differs", message), message
    assert f"hint: {hint}" in message, message


def test_update_parameters_refuses_an_unknown_kind():
    with pytest.raises(
        ValueError, match=r"kind must be one of gd, momentum, rmsprop, adam, got 'sgd'"
    ):
        kit.check_update_parameters(gd, kind="sgd")


# ----------------------------------------------------------------------------------------------
# Problems other than a wrong number
# ----------------------------------------------------------------------------------------------


def test_a_crash_a_missing_key_and_an_in_place_edit_are_reported():
    def crashes(X, Y, cache, keep_prob):
        raise KeyError("W4")

    with pytest.raises(
        AssertionError, match=r"your function raised KeyError: 'W4'\n  at .*test_kit"
    ):
        kit.check_dropout_backward(crashes)

    def no_dA(X, Y, cache, keep_prob):
        grads = tb.backward_propagation_with_dropout(X, Y, cache, keep_prob)
        return {k: v for k, v in grads.items() if not k.startswith("dA")}

    with pytest.raises(AssertionError, match=r"missing key\(s\) dA\d"):
        kit.check_dropout_backward(no_dA)

    def in_place(X, Y, cache, keep_prob):
        grads = tb.backward_propagation_with_dropout(X, Y, cache, keep_prob)
        D1 = cache[1]
        D1 &= False  # writes into the cache's D1
        return grads

    with pytest.raises(AssertionError, match="modified one of its input arrays in place"):
        kit.check_dropout_backward(in_place)

    def wrong_layout(X, parameters, keep_prob):
        AL, cache = tb.forward_propagation_with_dropout(X, parameters, keep_prob)
        return AL, list(cache[:-1])

    with pytest.raises(AssertionError, match=r"cache must be the flat course tuple .* 5L - 1"):
        kit.check_dropout_forward(wrong_layout)


def test_a_report_is_deterministic():
    messages = set()
    for _ in range(2):
        with pytest.raises(AssertionError) as info:
            kit.check_update_parameters(make_adam("t from 0"), kind="adam")
        messages.add(str(info.value))
    assert len(messages) == 1
