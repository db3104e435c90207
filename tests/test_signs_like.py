"""datasets.signs_like: the SIGNS stand-in is shaped like the course's, seeded, balanced, and
its labels are really in the pictures (a hand-made finger counter reads them back)."""

from __future__ import annotations

import numpy as np
import pytest

from autograd_dnn import datasets


def test_shapes_dtypes_and_range_are_the_course_signs():
    X, Y = datasets.signs_like(30, seed=0)
    assert X.shape == (30, 64, 64, 3) and X.dtype == np.float64
    assert Y.shape == (1, 30) and Y.dtype == np.int64
    assert X.min() >= 0.0 and X.max() <= 1.0
    assert set(np.unique(Y)) == set(range(6))


def test_the_same_seed_gives_the_same_images_and_another_seed_does_not():
    X1, Y1 = datasets.signs_like(12, seed=7)
    X2, Y2 = datasets.signs_like(12, seed=7)
    np.testing.assert_array_equal(X1, X2)
    np.testing.assert_array_equal(Y1, Y2)
    X3, _ = datasets.signs_like(12, seed=8)
    assert not np.allclose(X1, X3)


@pytest.mark.parametrize("m", [1, 6, 13, 100])
def test_the_six_classes_come_in_equal_numbers_up_to_one(m):
    _, Y = datasets.signs_like(m, seed=1)
    counts = np.bincount(Y.ravel(), minlength=6)
    assert counts.sum() == m and counts.max() - counts.min() <= 1


def test_labels_are_shuffled_not_in_class_order():
    _, Y = datasets.signs_like(60, seed=2)
    assert not np.array_equal(Y.ravel(), np.sort(Y.ravel()))


def count_fingers(image: np.ndarray) -> int:
    """A hand-made reader: blur, threshold, then the largest number of bright runs seen in
    at least three rows (the raised fingers, above the palm). One run: a fist is at most
    2 * 11 rows tall, a hand with a finger at least 2 * 8 + 10."""
    lum = image.mean(axis=2)
    pad = np.pad(lum, 1, mode="edge")
    blur = sum(pad[i : i + 64, j : j + 64] for i in range(3) for j in range(3)) / 9
    bright = blur > 0.5
    starts = bright[:, 1:] & ~bright[:, :-1]
    runs = starts.sum(axis=1) + bright[:, 0]
    counts = np.bincount(runs, minlength=7)
    k = max(r for r in range(1, 7) if counts[r] >= 3)
    if k == 1:
        height = np.count_nonzero(bright.any(axis=1))
        return 0 if height <= 24 else 1
    return int(k)


def test_the_label_is_the_number_of_fingers_a_simple_counter_reads():
    X, Y = datasets.signs_like(120, seed=3)
    guess = np.array([count_fingers(x) for x in X])
    accuracy = np.mean(guess == Y.ravel())
    assert accuracy >= 0.9, (accuracy, np.bincount(guess - Y.ravel() + 5))


def test_a_wrong_label_is_read_as_wrong():
    """The counter is not a rubber stamp: shifted labels score near chance."""
    X, Y = datasets.signs_like(60, seed=4)
    guess = np.array([count_fingers(x) for x in X])
    assert np.mean(guess == (Y.ravel() + 1) % 6) < 0.3


@pytest.mark.parametrize("m", [0, -3, 2.5, "10", True])
def test_a_bad_m_is_refused(m):
    with pytest.raises(ValueError, match="m"):
        datasets.signs_like(m, seed=0)
