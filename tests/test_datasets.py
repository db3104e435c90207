"""Generated datasets: shapes (n, m), float64, seeded, labels in range, clear errors."""

from __future__ import annotations

import numpy as np
import pytest

from autograd_dnn import datasets

BINARY = {
    "flower": lambda **kw: datasets.flower(**kw),
    "moons": lambda **kw: datasets.moons(**kw),
    "circles": lambda **kw: datasets.circles(**kw),
    "xor": lambda **kw: datasets.xor(**kw),
}


@pytest.mark.parametrize("name", sorted(BINARY))
@pytest.mark.parametrize("m", [1, 7, 400])
def test_binary_shapes_dtypes_labels(name: str, m: int) -> None:
    X, Y = BINARY[name](m=m, seed=3)
    assert X.shape == (2, m) and Y.shape == (1, m)
    assert X.dtype == np.float64 and Y.dtype == np.float64
    assert set(np.unique(Y)) <= {0.0, 1.0}
    assert np.all(np.isfinite(X))


@pytest.mark.parametrize("name", sorted(BINARY))
def test_binary_both_classes_balanced(name: str) -> None:
    _, Y = BINARY[name](m=401, seed=0)
    assert abs(Y.sum() - 401 / 2) <= 1


@pytest.mark.parametrize("name", datasets.names())
def test_determinism_with_a_seed(name: str) -> None:
    kw = {"n_bits": 4} if name == "parity" else {"seed": 5}
    X1, Y1 = datasets.load(name, **kw)
    X2, Y2 = datasets.load(name, **kw)
    np.testing.assert_array_equal(X1, X2)
    np.testing.assert_array_equal(Y1, Y2)
    if name != "parity":
        X3, _ = datasets.load(name, seed=6)
        assert not np.array_equal(X1, X3)


def test_flower_is_the_course_shape() -> None:
    X, Y = datasets.flower()
    assert X.shape == (2, 400) and Y.shape == (1, 400)
    r = np.linalg.norm(X, axis=0)
    assert 3.0 < r.max() < 5.5  # petals of radius about 4
    assert Y[0, :200].sum() == 0 and Y[0, 200:].sum() == 200  # class order, as in the course


def test_circles_inner_class_is_inside() -> None:
    X, Y = datasets.circles(m=200, noise=0.0, factor=0.3)
    r = np.linalg.norm(X, axis=0)
    np.testing.assert_allclose(r[Y[0] == 1], 0.3)
    np.testing.assert_allclose(r[Y[0] == 0], 1.0)


def test_xor_labels_follow_the_corners() -> None:
    X, Y = datasets.xor(m=100, noise=0.0)
    np.testing.assert_array_equal(Y[0], (X[0] != X[1]).astype(float))


@pytest.mark.parametrize("classes", [2, 3, 5])
def test_spiral_one_hot(classes: int) -> None:
    X, Y = datasets.spiral(m=101, classes=classes, seed=1)
    assert X.shape == (2, 101) and Y.shape == (classes, 101)
    assert X.dtype == Y.dtype == np.float64
    np.testing.assert_array_equal(Y.sum(axis=0), np.ones(101))
    assert set(np.unique(Y)) == {0.0, 1.0}
    counts = Y.sum(axis=1)
    assert counts.max() - counts.min() <= 1


@pytest.mark.parametrize("n_bits", [1, 2, 3, 8])
def test_parity_labels(n_bits: int) -> None:
    X, Y = datasets.parity(n_bits)
    assert X.shape == (n_bits, 2**n_bits) and Y.shape == (1, 2**n_bits)
    assert X.dtype == Y.dtype == np.float64
    assert set(np.unique(X)) <= {0.0, 1.0}
    # every bit string exactly once, column j is j in binary
    as_int = (X * (2 ** np.arange(n_bits - 1, -1, -1))[:, None]).sum(axis=0)
    np.testing.assert_array_equal(as_int, np.arange(2**n_bits))
    for j in range(2**n_bits):
        assert Y[0, j] == bin(j).count("1") % 2


def test_parity_small_table() -> None:
    X, Y = datasets.parity(2)
    np.testing.assert_array_equal(X, [[0, 0, 1, 1], [0, 1, 0, 1]])
    np.testing.assert_array_equal(Y, [[0, 1, 1, 0]])


@pytest.mark.parametrize("m,frac", [(400, 0.2), (10, 0.5), (2, 0.01), (5, 0.99)])
def test_split_sizes_and_disjointness(m: int, frac: float) -> None:
    X = np.arange(3 * m, dtype=float).reshape(3, m)
    Y = np.arange(m, dtype=float).reshape(1, m)
    X_tr, Y_tr, X_dev, Y_dev = datasets.train_dev_split(X, Y, dev_fraction=frac, seed=0)
    m_dev = X_dev.shape[1]
    assert 1 <= m_dev <= m - 1
    assert m_dev == min(max(round(frac * m), 1), m - 1)
    assert X_tr.shape == (3, m - m_dev) and Y_tr.shape == (1, m - m_dev)
    assert Y_dev.shape == (1, m_dev)
    ids_tr, ids_dev = set(Y_tr[0]), set(Y_dev[0])
    assert not ids_tr & ids_dev and ids_tr | ids_dev == set(range(m))
    np.testing.assert_array_equal(X_tr, X[:, Y_tr[0].astype(int)])  # columns stay paired
    again = datasets.train_dev_split(X, Y, dev_fraction=frac, seed=0)
    np.testing.assert_array_equal(again[3], Y_dev)


@pytest.mark.parametrize(
    "call,match",
    [
        (lambda: datasets.flower(m=0), "m"),
        (lambda: datasets.moons(m=-3), "m"),
        (lambda: datasets.xor(m=2.5), "int"),
        (lambda: datasets.moons(noise=-1.0), "noise"),
        (lambda: datasets.circles(factor=1.5), "factor"),
        (lambda: datasets.spiral(classes=1), "classes"),
        (lambda: datasets.parity(0), "n_bits"),
        (lambda: datasets.parity(21), "n_bits"),
        (lambda: datasets.load("mnist"), "known datasets: circles, flower"),
        (lambda: datasets.train_dev_split(np.ones((2, 5)), np.ones((1, 5)), 0.0), "dev_fract"),
        (lambda: datasets.train_dev_split(np.ones((2, 5)), np.ones((1, 5)), 1.0), "dev_fract"),
        (lambda: datasets.train_dev_split(np.ones((2, 5)), np.ones((1, 4))), "same number"),
        (lambda: datasets.train_dev_split(np.ones((2, 5)), np.ones(5)), r"reshape"),
        (lambda: datasets.train_dev_split(np.ones((2, 1)), np.ones((1, 1))), "m >= 2"),
    ],
)
def test_errors(call, match: str) -> None:
    with pytest.raises(ValueError, match=match):
        call()


def test_load_dispatches() -> None:
    X, Y = datasets.load("moons", m=50, noise=0.2, seed=1)
    X2, Y2 = datasets.moons(50, 0.2, 1)
    np.testing.assert_array_equal(X, X2)
    assert datasets.names() == ["circles", "flower", "moons", "parity", "spiral", "xor"]
