"""The Course 2 textbook (autograd_dnn.textbook.course2): the course's published test cases,
finite differences on hypothesis-drawn networks, hand-unrolled optimizer formulas, clear errors.

Published values come from the course's own test files (``public_tests.py`` and
``testCases.py`` of the "Regularization", "Gradient Checking", "Initialization" and
"Optimization methods" exercises of Course 2): each test rebuilds the course's inputs from
its seed (``np.random.seed(1)`` then the same ``randn`` calls in the same order) and compares
with the printed numbers, at the 8 digits they are printed with.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
import pytest
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

from autograd_dnn import textbook as tb

FAST = settings(
    max_examples=25,
    deadline=None,
    derandomize=True,
    database=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much],
)
PRINTED = {"rtol": 0, "atol": 1e-8}  # the course prints 8 decimals
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


def assert_dicts_close(got: dict, expected: dict, **tol) -> None:
    assert sorted(got) == sorted(expected)
    for key, value in expected.items():
        np.testing.assert_allclose(got[key], value, err_msg=key, **tol)


# ----------------------------------------------------------------------------------------------
# The course's published test cases
# ----------------------------------------------------------------------------------------------


def course_3_layer_case(X_shape=(3, 5)):
    """``np.random.seed(1)``; X, then W1, b1, W2, b2, W3, b3 as the Regularization tests draw."""
    np.random.seed(1)
    X = np.random.randn(*X_shape)
    shapes = {"W1": (2, 3), "b1": (2, 1), "W2": (3, 2), "b2": (3, 1), "W3": (1, 3), "b3": (1, 1)}
    params = {k: np.random.randn(*s) for k, s in shapes.items()}
    return X, params


def test_initialize_parameters_published():
    """Initialization exercise: public_tests.py (random [3, 2, 1], he [3, 1, 2]) and the
    notebook's printed He output for [2, 4, 1]."""
    random = tb.initialize_parameters_random([3, 2, 1])
    np.testing.assert_allclose(
        random["W1"],
        [[17.88628473, 4.36509851, 0.96497468], [-18.63492703, -2.77388203, -3.54758979]],
        **PRINTED,
    )
    np.testing.assert_allclose(random["W2"], [[-0.82741481, -6.27000677]], **PRINTED)
    he = tb.initialize_parameters_he([3, 1, 2])
    np.testing.assert_allclose(he["W1"], [[1.46040903, 0.3564088, 0.07878985]], **PRINTED)
    np.testing.assert_allclose(he["W2"], [[-2.63537665], [-0.39228616]], **PRINTED)
    he = tb.initialize_parameters_he([2, 4, 1])
    np.testing.assert_allclose(
        he["W1"],
        [[1.78862847, 0.43650985], [0.09649747, -1.8634927], [-0.2773882, -0.35475898]]
        + [[-0.08274148, -0.62700068]],
        **PRINTED,
    )
    np.testing.assert_allclose(
        he["W2"], [[-0.03098412, -0.33744411, -0.92904268, 0.62552248]], **PRINTED
    )
    for params in (random, he):
        for l in (1, 2):
            assert not params[f"b{l}"].any()


@pytest.mark.parametrize("name, scale", [("random", lambda n: 10.0), ("he", np.sqrt)])
def test_initializers_are_the_seeded_course_loop(name, scale):
    dims = [4, 3, 5, 1]
    np.random.seed(3)
    expected = [np.random.randn(dims[l], dims[l - 1]) for l in range(1, len(dims))]
    params = getattr(tb, f"initialize_parameters_{name}")(dims)
    for l in range(1, len(dims)):
        factor = 10.0 if name == "random" else np.sqrt(2.0 / dims[l - 1])
        np.testing.assert_array_equal(params[f"W{l}"], expected[l - 1] * factor)
        np.testing.assert_array_equal(params[f"b{l}"], np.zeros((dims[l], 1)))
    zeros = tb.initialize_parameters_zeros(dims)
    assert all(not v.any() for v in zeros.values())
    assert {k: v.shape for k, v in zeros.items()} == {k: v.shape for k, v in params.items()}


def test_compute_cost_with_regularization_published():
    """Regularization, public_tests.py: expected_output = 1.7864859451590758 (lambd = 0.1)."""
    Y = np.array([[1, 1, 0, 1, 0]])
    _, params = course_3_layer_case(X_shape=(0, 0))  # this test case draws no X: randn(0, 0)
    A3 = np.array([[0.40682402, 0.01629284, 0.16722898, 0.10118111, 0.40682402]])
    cost = tb.compute_cost_with_regularization(A3, Y, params, lambd=0.1)
    np.testing.assert_allclose(cost, 1.7864859451590758, rtol=1e-12)


REG_CACHE = (
    np.array([[-1.52855314, 3.32524635, 2.13994541, 2.60700654, -0.75942115]]
             + [[-1.98043538, 4.1600994, 0.79051021, 1.46493512, -0.45506242]]),
    np.array([[0.0, 3.32524635, 2.13994541, 2.60700654, 0.0]]
             + [[0.0, 4.1600994, 0.79051021, 1.46493512, 0.0]]),
    np.array([[-1.09989127, -0.17242821, -0.87785842], [0.04221375, 0.58281521, -1.10061918]]),
    np.array([[1.14472371], [0.90159072]]),
    np.array([[0.53035547, 5.94892323, 2.31780174, 3.16005701, 0.53035547]]
             + [[-0.69166075, -3.47645987, -2.25194702, -2.65416996, -0.69166075]]
             + [[-0.39675353, -4.62285846, -2.61101729, -3.22874921, -0.39675353]]),
    np.array([[0.53035547, 5.94892323, 2.31780174, 3.16005701, 0.53035547]] + [[0.0] * 5] * 2),
    np.array([[0.50249434, 0.90085595], [-0.68372786, -0.12289023], [-0.93576943, -0.26788808]]),
    np.array([[0.53035547], [-0.69166075], [-0.39675353]]),
    np.array([[-0.3771104, -4.10060224, -1.60539468, -2.18416951, -0.3771104]]),
    np.array([[0.40682402, 0.01629284, 0.16722898, 0.10118111, 0.40682402]]),
    np.array([[-0.6871727, -0.84520564, -0.67124613]]),
    np.array([[-0.0126646]]),
)  # fmt: skip


def test_backward_propagation_with_regularization_published():
    """Regularization, public_tests.py, backward_propagation_with_regularization_test (0.7)."""
    X, _ = course_3_layer_case()
    Y = np.array([[1, 1, 0, 1, 0]])
    expected = {
        "dZ3": [[-0.59317598, -0.98370716, 0.16722898, -0.89881889, 0.40682402]],
        "dW3": [[-1.77691347, -0.11832879, -0.09397446]],
        "db3": [[-0.38032981]],
        "dA2": [[0.40761434, 0.67597671, -0.11491519, 0.6176438, -0.27955836]]
        + [[0.50135568, 0.83143484, -0.14134288, 0.7596868, -0.34384996]]
        + [[0.39816708, 0.66030962, -0.11225181, 0.6033287, -0.27307905]],
        "dZ2": [[0.40761434, 0.67597671, -0.11491519, 0.6176438, -0.27955836]] + [[0.0] * 5] * 2,
        "dW2": [[0.79276486, 0.85133918], [-0.0957219, -0.01720463], [-0.13100772, -0.03750433]],
        "db2": [[0.26135226], [0.0], [0.0]],
        "dA1": [[0.2048239, 0.33967447, -0.05774423, 0.31036252, -0.14047649]]
        + [[0.3672018, 0.60895764, -0.10352203, 0.5564081, -0.25184181]],
        "dZ1": [[0.0, 0.33967447, -0.05774423, 0.31036252, 0.0]]
        + [[0.0, 0.60895764, -0.10352203, 0.5564081, 0.0]],
        "dW1": [[-0.25604646, 0.12298827, -0.28297129], [-0.17706303, 0.34536094, -0.4410571]],
        "db1": [[0.11845855], [0.21236874]],
    }
    grads = tb.backward_propagation_with_regularization(X, Y, REG_CACHE, lambd=0.7)
    assert_dicts_close(grads, expected, rtol=0, atol=2e-8)


def test_forward_propagation_with_dropout_published():
    """Regularization, public_tests.py, forward_propagation_with_dropout_test (keep_prob 0.7):
    A3 and the masks D1, D2 of the course's np.random.seed(1)."""
    X, params = course_3_layer_case()
    A3, cache = tb.forward_propagation_with_dropout(X, params, keep_prob=0.7)
    np.testing.assert_allclose(
        A3, [[0.36974721, 0.00305176, 0.04565099, 0.49683389, 0.36974721]], **PRINTED
    )
    Z1, D1, A1, W1, b1, Z2, D2, A2, W2, b2, Z3, A3_cached, W3, b3 = cache
    np.testing.assert_array_equal(D1, [[1, 0, 1, 1, 1], [1, 1, 1, 1, 1]])
    np.testing.assert_array_equal(D2, [[1, 1, 1, 0, 1], [1, 1, 1, 1, 1], [0, 0, 1, 1, 0]])
    np.testing.assert_allclose(
        A1, [[0, 0, 3.05706487, 3.72429505, 0], [0, 5.94299915, 1.1293003, 2.09276446, 0]],
        **PRINTED,
    )  # fmt: skip
    np.testing.assert_allclose(
        A2[0], [0.75765067, 8.40591658, 4.40550021, 0.0, 0.75765067], **PRINTED
    )
    np.testing.assert_allclose(
        Z3, [[-0.53330145, -5.78898099, -3.04000407, -0.0126646, -0.53330145]], **PRINTED
    )
    assert A3_cached is A3 and W3 is not None and b3.shape == (1, 1)


def test_dropout_masks_are_the_courses_global_draws_without_touching_the_global_state():
    X, params = course_3_layer_case()
    np.random.seed(7)
    D1 = np.random.rand(2, 5) < 0.6
    D2 = np.random.rand(3, 5) < 0.6
    np.random.seed(0)
    before = np.random.rand()
    np.random.seed(0)
    _, cache = tb.forward_propagation_with_dropout(X, params, keep_prob=0.6, seed=7)
    assert np.random.rand() == before
    np.testing.assert_array_equal(cache[1], D1)
    np.testing.assert_array_equal(cache[6], D2)


def test_dropout_seed_none_draws_from_the_global_state():
    X, params = course_3_layer_case()
    np.random.seed(11)
    _, unseeded = tb.forward_propagation_with_dropout(X, params, 0.5, seed=None)
    _, seeded = tb.forward_propagation_with_dropout(X, params, 0.5, seed=11)
    np.testing.assert_array_equal(unseeded[1], seeded[1])
    np.testing.assert_array_equal(unseeded[6], seeded[6])


BACKWARD_DROPOUT_CACHE = (
    REG_CACHE[0],
    np.array([[True, False, True, True, True], [True, True, True, True, False]]),
    np.array([[0.0, 0.0, 4.27989081, 5.21401307, 0.0]]
             + [[0.0, 8.32019881, 1.58102041, 2.92987024, 0.0]]),
    REG_CACHE[2],
    REG_CACHE[3],
    np.array([[0.53035547, 8.02565606, 4.10524802, 5.78975856, 0.53035547]]
             + [[-0.69166075, -1.71413186, -3.81223329, -4.61667916, -0.69166075]]
             + [[-0.39675353, -2.62563561, -4.82528105, -6.0607449, -0.39675353]]),
    np.array([[True, False, True, False, True], [False, True, False, True, True]]
             + [[False, False, True, False, False]]),
    np.array([[1.06071093, 0.0, 8.21049603, 0.0, 1.06071093]] + [[0.0] * 5] * 2),
    REG_CACHE[6],
    REG_CACHE[7],
    np.array([[-0.7415562, -0.0126646, -5.65469333, -0.0126646, -0.7415562]]),
    np.array([[0.32266394, 0.49683389, 0.00348883, 0.49683389, 0.32266394]]),
    REG_CACHE[10],
    REG_CACHE[11],
)  # fmt: skip


def test_backward_propagation_with_dropout_published():
    """Regularization, public_tests.py, backward_propagation_with_dropout_test (0.8)."""
    X, _ = course_3_layer_case()
    Y = np.array([[1, 1, 0, 1, 0]])
    expected = {
        "dZ3": [[-0.67733606, -0.50316611, 0.00348883, -0.50316611, 0.32266394]],
        "dW3": [[-0.06951191, 0.0, 0.0]],
        "db3": [[-0.2715031]],
        "dA2": [[0.58180856, 0.0, -0.00299679, 0.0, -0.27715731]]
        + [[0.0, 0.53159854, 0.0, 0.53159854, -0.34089673]]
        + [[0.0, 0.0, -0.00292733, 0.0, 0.0]],
        "dZ2": [[0.58180856, 0.0, -0.00299679, 0.0, -0.27715731]] + [[0.0] * 5] * 2,
        "dW2": [[-0.00256518, -0.0009476], [0.0, 0.0], [0.0, 0.0]],
        "db2": [[0.06033089], [0.0], [0.0]],
        "dA1": [[0.36544439, 0.0, -0.00188233, 0.0, -0.17408748]]
        + [[0.65515713, 0.0, -0.00337459, 0.0, 0.0]],
        "dZ1": [[0.0, 0.0, -0.00188233, 0.0, 0.0], [0.0, 0.0, -0.00337459, 0.0, 0.0]],
        "dW1": [[0.00019884, 0.00028657, 0.00012138], [0.00035647, 0.00051375, 0.00021761]],
        "db1": [[-0.00037647], [-0.00067492]],
    }
    grads = tb.backward_propagation_with_dropout(X, Y, BACKWARD_DROPOUT_CACHE, keep_prob=0.8)
    assert_dicts_close(grads, expected, rtol=0, atol=2e-8)


def gradient_check_case():
    """Gradient Checking, testCases.gradient_check_n_test_case (y reshaped to a row)."""
    np.random.seed(1)
    X = np.random.randn(4, 3)
    Y = np.array([[1, 1, 0]])
    shapes = {"W1": (5, 4), "b1": (5, 1), "W2": (3, 5), "b2": (3, 1), "W3": (1, 3), "b3": (1, 1)}
    return X, Y, {k: np.random.randn(*s) for k, s in shapes.items()}


def test_gradient_check_n_published():
    """The notebook prints difference = 0.2850931567761623 for the planted dW2 * 2, db1 * 4
    (older versions print 0.285093156781), and 1.1890913022840002e-07 once fixed."""
    X, Y, params = gradient_check_case()
    _, cache = tb.forward_propagation_n(X, Y, params)
    grads = tb.backward_propagation_n(X, Y, cache)
    planted = {**grads, "dW2": grads["dW2"] * 2, "db1": grads["db1"] * 4}
    np.testing.assert_allclose(tb.gradient_check_n(params, planted, X, Y), 0.285093156776, 1e-10)
    np.testing.assert_allclose(tb.gradient_check_n(params, grads, X, Y), 1.18909130e-07, 1e-6)


def test_gradient_check_n_prints_the_courses_verdict(capsys):
    X, Y, params = gradient_check_case()
    grads = tb.backward_propagation_n(X, Y, tb.forward_propagation_n(X, Y, params)[1])
    tb.gradient_check_n(params, grads, X, Y, print_msg=True)
    assert (
        "Your backward propagation works perfectly fine! difference = 1.18"
        in capsys.readouterr().out
    )
    tb.gradient_check_n(params, {**grads, "db3": grads["db3"] + 1}, X, Y, print_msg=True)
    assert "There is a mistake in the backward propagation!" in capsys.readouterr().out


def optimization_case(W2_shape=(3, 3)):
    """Optimization methods, testCases: np.random.seed(1); W1, b1, W2, b2, dW1, db1, dW2, db2."""
    np.random.seed(1)
    shapes = {"W1": (2, 3), "b1": (2, 1), "W2": W2_shape, "b2": (3, 1)}
    params = {k: np.random.randn(*s) for k, s in shapes.items()}
    grads = {f"d{k}": np.random.randn(*s) for k, s in shapes.items()}
    return params, grads


def test_update_parameters_with_gd_published():
    params, grads = optimization_case()
    new = tb.update_parameters_with_gd(params, grads, 0.01)
    expected = {
        "W1": [[1.63535156, -0.62320365, -0.53718766], [-1.07799357, 0.85639907, -2.29470142]],
        "b1": [[1.74604067], [-0.75184921]],
        "W2": [[0.32171798, -0.25467393, 1.46902454], [-2.05617317, -0.31554548, -0.3756023]]
        + [[1.1404819, -1.09976462, -0.1612551]],
        "b2": [[-0.88020257], [0.02561572], [0.57539477]],
    }
    assert_dicts_close(new, expected, **PRINTED)


def test_update_parameters_with_momentum_published():
    params, grads = optimization_case()
    v = tb.initialize_velocity(params)
    new, v = tb.update_parameters_with_momentum(params, grads, v, beta=0.9, learning_rate=0.01)
    expected = {
        "W1": [[1.62544598, -0.61290114, -0.52907334], [-1.07347112, 0.86450677, -2.30085497]],
        "b1": [[1.74493465], [-0.76027113]],
        "W2": [[0.31930698, -0.24990073, 1.4627996], [-2.05974396, -0.32173003, -0.38320915]]
        + [[1.13444069, -1.0998786, -0.1713109]],
        "b2": [[-0.87809283], [0.04055394], [0.58207317]],
    }
    expected_v = {
        "dW1": [[-0.11006192, 0.11447237, 0.09015907], [0.05024943, 0.09008559, -0.06837279]],
        "dW2": [[-0.02678881, 0.05303555, -0.06916608], [-0.03967535, -0.06871727, -0.08452056]]
        + [[-0.06712461, -0.00126646, -0.11173103]],
        "db1": [[-0.01228902], [-0.09357694]],
        "db2": [[0.02344157], [0.16598022], [0.07420442]],
    }
    assert_dicts_close(new, expected, **PRINTED)
    assert_dicts_close(v, expected_v, **PRINTED)


def test_update_parameters_with_adam_published():
    """The notebook's expected output (t = 2 and the defaults: learning_rate 0.01, beta1 0.9,
    beta2 0.999, epsilon 1e-8), which the newer public_tests.py asserts too."""
    params, grads = optimization_case()
    v, s = tb.initialize_adam(params)
    new, v, s, v_corrected, s_corrected = tb.update_parameters_with_adam(params, grads, v, s, 2)
    expected = {
        "W1": [[1.63178673, -0.61919778, -0.53561312], [-1.08040999, 0.85796626, -2.29409733]],
        "b1": [[1.75225313], [-0.75376553]],
        "W2": [[0.32648046, -0.25681174, 1.46954931], [-2.05269934, -0.31497584, -0.37661299]]
        + [[1.14121081, -1.09244991, -0.16498684]],
        "b2": [[-0.88529979], [0.03477238], [0.57537385]],
    }
    assert_dicts_close(new, expected, rtol=0, atol=1.5e-8)
    np.testing.assert_allclose(
        s["dW1"], [[0.00121136, 0.00131039, 0.00081287], [0.0002525, 0.00081154, 0.00046748]],
        **PRINTED,
    )  # fmt: skip
    for key in v:
        np.testing.assert_allclose(v_corrected[key], v[key] / (1 - 0.9**2), rtol=1e-14)
        np.testing.assert_allclose(s_corrected[key], s[key] / (1 - 0.999**2), rtol=1e-14)


def test_adam_moments_published_with_other_betas():
    """An older public_tests.py: t = 2, beta1 0.8, beta2 0.888, epsilon 1e-2; its v and s.
    (Its expected parameters were computed with epsilon inside the square root,
    sqrt(s_corrected + epsilon), which is not the course's formula, so they are not used.)"""
    params, grads = optimization_case()
    v, s = tb.initialize_adam(params)
    _, v, s, _, _ = tb.update_parameters_with_adam(params, grads, v, s, 2, 0.02, 0.8, 0.888, 1e-2)
    expected_v = {
        "dW1": [[-0.22012384, 0.22894474, 0.18031814], [0.10049887, 0.18017119, -0.13674557]],
        "dW2": [[-0.05357762, 0.10607109, -0.13833215], [-0.07935071, -0.13743454, -0.16904113]]
        + [[-0.13424923, -0.00253292, -0.22346207]],
        "db1": [[-0.02457805], [-0.18715389]],
        "db2": [[0.04688314], [0.33196044], [0.14840883]],
    }
    expected_s = {
        "dW1": [[0.13567261, 0.14676395, 0.09104097], [0.02828006, 0.09089264, 0.05235818]],
        "dW2": [[0.00803757, 0.03150302, 0.05358019], [0.0176303, 0.05288711, 0.08000973]]
        + [[5.04639932e-02, 1.79639114e-05, 1.39818830e-01]],
        "db1": [[0.00169142], [0.09807442]],
        "db2": [[0.00615448], [0.30855365], [0.06167051]],
    }
    assert_dicts_close(v, expected_v, **PRINTED)
    assert_dicts_close(s, expected_s, **PRINTED)


def test_random_mini_batches_published():
    """public_tests.py, random_mini_batches_test: seed 1, X randn(7, 3), batches of 2."""
    np.random.seed(1)
    X = np.random.randn(7, 3)
    Y = np.random.randn(1, 3) < 0.5
    batches = tb.random_mini_batches(X, Y, 2)
    assert [b[0].shape for b in batches] == [(7, 2), (7, 1)]
    np.testing.assert_allclose(
        batches[0][0][:, 0], [-0.52817175, -2.3015387, 0.3190391, -2.06014071, 1.13376944]
        + [-0.87785842, -1.10061918], **PRINTED,
    )  # fmt: skip
    np.testing.assert_allclose(
        batches[1][0][:, 0], [1.62434536, -1.07296862, 1.74481176, -0.24937038, -0.3224172]
        + [-1.09989127, 0.04221375], **PRINTED,
    )  # fmt: skip
    np.testing.assert_array_equal(batches[0][1], [[False, False]])
    np.testing.assert_array_equal(batches[1][1], [[False]])


def test_learning_rate_decay_published():
    """public_tests.py: update_lr(1, 2, 1) = 1/3; schedule_lr_decay(1, 100 | 10, 1, 100)."""
    assert tb.update_lr(1, 2, 1) == 0.3333333333333333
    assert tb.schedule_lr_decay(1, 100, 1, 100) == 0.5
    assert tb.schedule_lr_decay(1, 10, 1, 100) == 1


# ----------------------------------------------------------------------------------------------
# Finite differences on drawn networks
# ----------------------------------------------------------------------------------------------


@st.composite
def networks(draw, max_layers=4, max_units=4, kink_margin=1e-4, keep_prob=None):
    """(dims, params, X, Y, keep_prob, seed) with every hidden Z[l] away from relu's kink."""
    L = draw(st.integers(1, max_layers))
    dims = [draw(st.integers(1, max_units)) for _ in range(L)] + [draw(st.integers(1, 2))]
    m = draw(st.integers(1, 5))
    rng = np.random.RandomState(draw(st.integers(0, 2**16)))
    params = {}
    for l in range(1, L + 1):
        params[f"W{l}"] = rng.randn(dims[l], dims[l - 1]) / np.sqrt(dims[l - 1])
        params[f"b{l}"] = rng.randn(dims[l], 1) * 0.5
    X = rng.randn(dims[0], m)
    Y = (rng.rand(dims[-1], m) > 0.5).astype(float)
    kp = keep_prob if keep_prob is not None else draw(st.sampled_from([0.5, 0.7, 1.0]))
    seed = draw(st.integers(0, 1000))
    _, cache = tb.forward_propagation(X, params)
    assume(all(np.abs(cache[4 * l]).min() > kink_margin for l in range(L - 1)))
    return dims, params, X, Y, kp, seed


def cost_of(X, Y, params, lambd=0.0, keep_prob=None, seed=1):
    if keep_prob is None:
        AL, _ = tb.forward_propagation(X, params)
    else:
        AL, _ = tb.forward_propagation_with_dropout(X, params, keep_prob, seed)
    return tb.compute_cost_with_regularization(AL, Y, params, lambd)


def cost_from_activation(a, l, X, Y, params, cache, keep_prob):
    """J as a function of the (pre-dropout) activation a = relu(Z[l]) of hidden layer l."""
    L = len(params) // 2
    A = a if keep_prob is None else a * cache[5 * (l - 1) + 1] / keep_prob
    for k in range(l + 1, L + 1):
        Z = params[f"W{k}"] @ A + params[f"b{k}"]
        A = tb.sigmoid(Z) if k == L else tb.relu(Z)
        if keep_prob is not None and k < L:
            A = A * cache[5 * (k - 1) + 1] / keep_prob
    return tb.compute_cost(A, Y)


@FAST
@given(networks(), st.sampled_from([0.0, 0.3, 1.7]))
def test_backward_with_regularization_matches_finite_differences(net, lambd):
    dims, params, X, Y, _, _ = net
    L, m = len(dims) - 1, X.shape[1]
    _, cache = tb.forward_propagation(X, params)
    grads = tb.backward_propagation_with_regularization(X, Y, cache, lambd)
    for key, value in params.items():
        numeric = central_difference(lambda: cost_of(X, Y, params, lambd), value)
        np.testing.assert_allclose(grads[f"d{key}"], numeric, rtol=1e-5, atol=1e-8, err_msg=key)
    for l in range(1, L):  # course dA[l] = m dJ/dA[l]
        a = tb.relu(cache[4 * (l - 1)])
        numeric = central_difference(
            lambda a=a, l=l: cost_from_activation(a, l, X, Y, params, cache, None), a
        )
        np.testing.assert_allclose(grads[f"dA{l}"], m * numeric, rtol=1e-5, atol=1e-7)
    assert sorted(grads) == sorted(
        [f"d{p}{l}" for l in range(1, L + 1) for p in "ZWb"] + [f"dA{l}" for l in range(1, L)]
    )


@FAST
@given(networks())
def test_backward_with_dropout_matches_finite_differences_with_the_masks_frozen(net):
    """With a fixed seed the masks do not depend on the parameters, so J is an ordinary
    function of W, b and finite differences apply: the gradient check works with dropout."""
    dims, params, X, Y, kp, seed = net
    L, m = len(dims) - 1, X.shape[1]
    _, cache = tb.forward_propagation_with_dropout(X, params, kp, seed)
    grads = tb.backward_propagation_with_dropout(X, Y, cache, kp)
    for key, value in params.items():
        numeric = central_difference(lambda: cost_of(X, Y, params, 0.0, kp, seed), value)
        np.testing.assert_allclose(grads[f"d{key}"], numeric, rtol=1e-5, atol=1e-8, err_msg=key)
    for l in range(1, L):
        a = tb.relu(cache[5 * (l - 1)])
        numeric = central_difference(
            lambda a=a, l=l: cost_from_activation(a, l, X, Y, params, cache, kp), a
        )
        np.testing.assert_allclose(grads[f"dA{l}"], m * numeric, rtol=1e-5, atol=1e-7)


@FAST
@given(networks(max_layers=3), st.sampled_from([0.5, 0.8]), st.floats(0.1, 2.0))
def test_dropout_with_a_keep_prob_per_layer_and_l2(net, kp_last, lambd):
    dims, params, X, Y, _, seed = net
    L = len(dims) - 1
    kp = [0.9] * (L - 2) + [kp_last] if L > 1 else []
    _, cache = tb.forward_propagation_with_dropout(X, params, kp, seed)
    grads = tb.backward_propagation_with_dropout(X, Y, cache, kp, lambd=lambd)
    for key, value in params.items():
        numeric = central_difference(lambda: cost_of(X, Y, params, lambd, kp, seed), value)
        np.testing.assert_allclose(grads[f"d{key}"], numeric, rtol=1e-5, atol=1e-8, err_msg=key)


@FAST
@given(networks(keep_prob=1.0))
def test_keep_prob_one_is_no_dropout(net):
    _, params, X, Y, _, seed = net
    AL, cache = tb.forward_propagation(X, params)
    AL_d, cache_d = tb.forward_propagation_with_dropout(X, params, 1.0, seed)
    np.testing.assert_array_equal(AL, AL_d)
    grads = tb.backward_propagation(X, Y, cache)
    grads_d = tb.backward_propagation_with_dropout(X, Y, cache_d, 1.0)
    assert_dicts_close(grads_d, grads, rtol=0, atol=0)


@FAST
@given(networks())
def test_course_backward_agrees_with_the_course_1_model_backward(net):
    """Two layouts, one gradient: the flat Course 2 cache and Course 1's list of caches."""
    dims, params, X, Y, _, _ = net
    _, cache = tb.forward_propagation(X, params)
    AL, caches = tb.model_forward(X, params)
    c1 = tb.model_backward(AL, Y, caches, lambd=0.4)
    c2 = tb.backward_propagation_with_regularization(X, Y, cache, 0.4)
    for key in c2:
        np.testing.assert_allclose(c2[key], c1[key], rtol=1e-12, atol=1e-15, err_msg=key)


@FAST
@given(networks(max_units=3, max_layers=3))
def test_gradient_check_n_passes_correct_and_rejects_planted_gradients(net):
    dims, params, X, Y, _, _ = net
    _, cache = tb.forward_propagation_n(X, Y, params)
    grads = tb.backward_propagation_n(X, Y, cache)
    assert tb.gradient_check_n(params, grads, X, Y) < 1e-6
    scale = np.abs(grads["dW1"]).max()
    assume(scale > 1e-3)
    assert tb.gradient_check_n(params, {**grads, "dW1": grads["dW1"] * 2}, X, Y) > 1e-3


@st.composite
def batchnorm_cases(draw):
    n, m = draw(st.integers(1, 4)), draw(st.integers(2, 6))
    rng = np.random.RandomState(draw(st.integers(0, 2**16)))
    Z = rng.randn(n, m) * draw(st.sampled_from([0.1, 1.0, 5.0])) + rng.randn(n, 1)
    gamma, beta = rng.randn(n, 1), rng.randn(n, 1)
    G = rng.randn(n, m)
    eps = draw(st.sampled_from([1e-8, 1e-3]))
    return Z, gamma, beta, G, eps


@FAST
@given(batchnorm_cases())
def test_batchnorm_backward_matches_finite_differences(case):
    Z, gamma, beta, G, eps = case
    Z_tilde, cache = tb.batchnorm_forward(Z, gamma, beta, eps)
    dZ, dgamma, dbeta = tb.batchnorm_backward(G, cache)

    def J():
        return float(np.sum(G * tb.batchnorm_forward(Z, gamma, beta, eps)[0]))

    np.testing.assert_allclose(dZ, central_difference(J, Z), rtol=1e-5, atol=1e-6)
    np.testing.assert_allclose(dgamma, central_difference(J, gamma), rtol=1e-6, atol=1e-7)
    np.testing.assert_allclose(dbeta, central_difference(J, beta), rtol=1e-6, atol=1e-7)
    assert dZ.shape == Z.shape and dgamma.shape == dbeta.shape == (Z.shape[0], 1)


@FAST
@given(batchnorm_cases())
def test_batchnorm_forward_is_the_closed_form(case):
    Z, gamma, beta, _, eps = case
    Z_tilde, (Z_c, Z_norm, mu, sigma2, gamma_c, eps_c) = tb.batchnorm_forward(Z, gamma, beta, eps)
    np.testing.assert_allclose(mu, Z.mean(axis=1, keepdims=True), rtol=1e-12, atol=1e-14)
    np.testing.assert_allclose(sigma2, Z.var(axis=1, keepdims=True), rtol=1e-10, atol=1e-14)
    np.testing.assert_allclose(Z_tilde, gamma * (Z - mu) / np.sqrt(sigma2 + eps) + beta, 1e-12)
    np.testing.assert_allclose(Z_norm.mean(axis=1), 0, atol=1e-10)
    assert Z_c is Z or np.array_equal(Z_c, Z)
    assert eps_c == eps


# ----------------------------------------------------------------------------------------------
# Optimizers against hand-unrolled formulas
# ----------------------------------------------------------------------------------------------


@st.composite
def optimizer_cases(draw):
    rng = np.random.RandomState(draw(st.integers(0, 2**16)))
    n0, n1 = draw(st.integers(1, 3)), draw(st.integers(1, 3))
    params = {"W1": rng.randn(n1, n0), "b1": rng.randn(n1, 1)}
    grads1 = {"dW1": rng.randn(n1, n0), "db1": rng.randn(n1, 1)}
    grads2 = {"dW1": rng.randn(n1, n0), "db1": rng.randn(n1, 1)}
    return params, grads1, grads2


@FAST
@given(optimizer_cases(), st.floats(0.0, 0.99), st.floats(1e-3, 1.0))
def test_momentum_two_steps_unrolled(case, beta, lr):
    params, g1, g2 = case
    v = tb.initialize_velocity(params)
    p1, v1 = tb.update_parameters_with_momentum(params, g1, v, beta, lr)
    p2, v2 = tb.update_parameters_with_momentum(p1, g2, v1, beta, lr)
    for k in ("W1", "b1"):
        va = (1 - beta) * g1[f"d{k}"]
        vb = beta * (1 - beta) * g1[f"d{k}"] + (1 - beta) * g2[f"d{k}"]
        np.testing.assert_allclose(v2[f"d{k}"], vb, rtol=1e-12, atol=1e-15)
        np.testing.assert_allclose(p2[k], params[k] - lr * va - lr * vb, rtol=1e-12, atol=1e-14)
    assert not v["dW1"].any()  # the inputs stay as they were


@FAST
@given(optimizer_cases(), st.floats(0.5, 0.999), st.sampled_from([1e-8, 1e-2]))
def test_rmsprop_two_steps_unrolled(case, beta2, eps):
    params, g1, g2 = case
    s = tb.initialize_rmsprop(params)
    p1, s1 = tb.update_parameters_with_rmsprop(params, g1, s, beta2, 0.01, eps)
    p2, s2 = tb.update_parameters_with_rmsprop(p1, g2, s1, beta2, 0.01, eps)
    for k in ("W1", "b1"):
        a, b = g1[f"d{k}"], g2[f"d{k}"]
        sa = (1 - beta2) * a * a
        sb = beta2 * (1 - beta2) * a * a + (1 - beta2) * b * b
        np.testing.assert_allclose(s2[f"d{k}"], sb, rtol=1e-12)
        expected = params[k] - 0.01 * a / (np.sqrt(sa) + eps) - 0.01 * b / (np.sqrt(sb) + eps)
        np.testing.assert_allclose(p2[k], expected, rtol=1e-12, atol=1e-14)


@FAST
@given(optimizer_cases(), st.floats(0.5, 0.99), st.floats(0.9, 0.9999))
def test_adam_two_steps_unrolled_with_t_from_one(case, beta1, beta2):
    params, g1, g2 = case
    v, s = tb.initialize_adam(params)
    p1, v1, s1, vc1, sc1 = tb.update_parameters_with_adam(params, g1, v, s, 1, 0.01, beta1, beta2)
    p2, v2, s2, vc2, sc2 = tb.update_parameters_with_adam(p1, g2, v1, s1, 2, 0.01, beta1, beta2)
    for k in ("W1", "b1"):
        a, b = g1[f"d{k}"], g2[f"d{k}"]
        # t = 1: the bias correction undoes the zero start exactly
        np.testing.assert_allclose(vc1[f"d{k}"], a, rtol=1e-12)
        np.testing.assert_allclose(sc1[f"d{k}"], a * a, rtol=1e-10)
        vb = beta1 * (1 - beta1) * a + (1 - beta1) * b
        sb = beta2 * (1 - beta2) * a * a + (1 - beta2) * b * b
        np.testing.assert_allclose(v2[f"d{k}"], vb, rtol=1e-12, atol=1e-15)
        np.testing.assert_allclose(s2[f"d{k}"], sb, rtol=1e-12, atol=1e-15)
        np.testing.assert_allclose(vc2[f"d{k}"], vb / (1 - beta1**2), rtol=1e-12, atol=1e-15)
        step1 = 0.01 * a / (np.abs(a) + 1e-8)
        step2 = 0.01 * (vb / (1 - beta1**2)) / (np.sqrt(sb / (1 - beta2**2)) + 1e-8)
        np.testing.assert_allclose(p2[k], params[k] - step1 - step2, rtol=1e-10, atol=1e-12)


@FAST
@given(st.floats(1e-4, 1.0), st.integers(0, 5000), st.floats(0.0, 3.0), st.integers(1, 2000))
def test_learning_rate_decay_formulas(lr0, epoch, decay_rate, interval):
    assert tb.update_lr(lr0, epoch, decay_rate) == pytest.approx(lr0 / (1 + decay_rate * epoch))
    expected = lr0 / (1 + decay_rate * (epoch // interval))
    assert tb.schedule_lr_decay(lr0, epoch, decay_rate, interval) == pytest.approx(expected)


@FAST
@given(st.integers(1, 40), st.integers(1, 16), st.integers(0, 100))
def test_random_mini_batches_partition_one_permutation(m, size, seed):
    X = np.arange(3 * m, dtype=float).reshape(3, m)
    Y = np.arange(m).reshape(1, m) % 2
    batches = tb.random_mini_batches(X, Y, size, seed)
    np.random.seed(seed)
    permutation = np.random.permutation(m)
    np.testing.assert_array_equal(
        np.concatenate([b[0] for b in batches], axis=1), X[:, permutation]
    )
    np.testing.assert_array_equal(
        np.concatenate([b[1] for b in batches], axis=1), Y[:, permutation]
    )
    sizes = [b[0].shape[1] for b in batches]
    assert sizes == [size] * (m // size) + ([m % size] if m % size else [])


# ----------------------------------------------------------------------------------------------
# Clear errors
# ----------------------------------------------------------------------------------------------

_X, _P = course_3_layer_case()
_Y = np.array([[1.0, 0, 1, 0, 1]])
_, _CACHE = tb.forward_propagation(_X, _P)
_, _DCACHE = tb.forward_propagation_with_dropout(_X, _P, 0.8)
_BN = tb.batchnorm_forward(np.ones((2, 3)), np.ones((2, 1)), np.zeros((2, 1)))[1]


@pytest.mark.parametrize(
    "call, match",
    [
        (lambda: tb.initialize_parameters_he([3]), r"layers_dims must be a list .* at least two"),
        (lambda: tb.initialize_parameters_zeros([3, 0, 1]), r"positive ints, got \[3, 0, 1\]"),
        (lambda: tb.forward_propagation(np.ones(3), _P), r"X has shape \(3,\), a rank-1 array"),
        (
            lambda: tb.forward_propagation(np.ones((4, 5)), _P),
            r"W1 must have shape \(n\[1\], n\[0\]\) = \(2, 4\), got \(2, 3\): X has 4 rows",
        ),
        (lambda: tb.forward_propagation(_X, {**_P, "b2": np.ones(3)}), r"b2 has shape \(3,\)"),
        (lambda: tb.forward_propagation(_X, {"W1": _P["W1"]}), r"missing b1"),
        (
            lambda: tb.forward_propagation_with_dropout(_X, _P, 0.0),
            r"keep_prob must be in \(0, 1\], got 0.0",
        ),
        (
            lambda: tb.forward_propagation_with_dropout(_X, _P, [0.5, 0.5, 0.5]),
            r"keep_prob has 3 values but the network has L - 1 = 2 hidden layers",
        ),
        (
            lambda: tb.backward_propagation_with_regularization(_X, _Y, _DCACHE, 0.1),
            r"cache must be the course's flat tuple \(Z1, A1, W1, b1, ...\) made by "
            r"forward_propagation, with 4L entries; got 14 entries",
        ),
        (
            lambda: tb.backward_propagation_with_dropout(_X, _Y, _CACHE, 0.8),
            r"flat tuple \(Z1, D1, A1, W1, b1, ..., ZL, AL, WL, bL\).* got 12 entries",
        ),
        (
            lambda: tb.backward_propagation_with_regularization(_X, _Y[0], _CACHE, 0.1),
            r"Y has shape \(5,\), a rank-1 array",
        ),
        (
            lambda: tb.backward_propagation_with_regularization(_X[:, :4], _Y, _CACHE, 0.1),
            r"Z1 in the cache has shape \(2, 5\), expected \(2, 4\)",
        ),
        (
            lambda: tb.backward_propagation_with_regularization(_X, _Y, _CACHE, -1),
            r"lambd must be a finite number >= 0, got -1",
        ),
        (
            lambda: tb.gradient_check_n(_P, {"dW1": np.ones((2, 3))}, _X, _Y),
            r"gradients is missing db1",
        ),
        (
            lambda: tb.gradient_check_n(
                _P, {**tb.backward_propagation(_X, _Y, _CACHE), "dW2": np.ones((2, 3))}, _X, _Y
            ),
            r"gradients\['dW2'\] has shape \(2, 3\), expected \(3, 2\), the shape of W2",
        ),
        (
            lambda: tb.update_parameters_with_gd(_P, {"dW1": np.ones((2, 3))}, 0.1),
            r"grads is missing db1",
        ),
        (
            lambda: tb.update_parameters_with_momentum(
                _P, tb.initialize_velocity(_P), {"dW1": 0}, 0.9, 0.1
            ),
            r"v\['dW1'\] has shape \(\), expected \(2, 3\), the shape of W1",
        ),
        (
            lambda: tb.update_parameters_with_adam(_P, *[tb.initialize_velocity(_P)] * 3, 0),
            r"t must be an int >= 1 \(Adam counts updates from 1\), got 0",
        ),
        (
            lambda: tb.update_parameters_with_rmsprop(_P, *[tb.initialize_velocity(_P)] * 2, 1.0),
            r"beta2 must be in \[0, 1\), got 1.0",
        ),
        (lambda: tb.update_lr(0.1, -1, 1.0), r"epoch_num must be >= 0, got -1"),
        (lambda: tb.schedule_lr_decay(0.1, 5, 1.0, 0), r"time_interval must be > 0, got 0"),
        (lambda: tb.random_mini_batches(_X, _Y, 0), r"mini_batch_size must be a positive int"),
        (
            lambda: tb.random_mini_batches(_X, _Y[:, :4]),
            r"X has m = 5 columns but Y has 4; both must have m",
        ),
        (
            lambda: tb.batchnorm_forward(np.ones((2, 3)), np.ones((1, 2)), np.zeros((2, 1))),
            r"gamma must have shape \(n\[l\], 1\) = \(2, 1\), one per unit \(row of Z\), got",
        ),
        (
            lambda: tb.batchnorm_forward(np.ones((2, 3)), np.ones((2, 1)), np.zeros((2, 1)), 0),
            r"eps must be > 0",
        ),
        (
            lambda: tb.batchnorm_backward(np.ones((3, 2)), _BN),
            r"dZ_tilde must have the shape of Z_tilde, \(n\[l\], m\) = \(2, 3\), got \(3, 2\)",
        ),
        (lambda: tb.batchnorm_backward(np.ones((2, 3)), (1, 2)), r"cache must be \(Z, Z_norm"),
    ],
)
def test_bad_input_raises_a_clear_message(call, match):
    with pytest.raises((ValueError, TypeError), match=match):
        call()


def test_every_course2_name_is_reachable_from_the_textbook_package():
    for name in tb.course2.__all__:
        assert getattr(tb, name) is getattr(tb.course2, name)
        assert name in tb.__all__
