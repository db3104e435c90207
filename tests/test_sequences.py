"""The sequence tasks (autograd_dnn.sequences): deterministic, shaped as the course lays
sequences out, and carrying what they claim (the adding problem's label is the bin of the two
marked values' sum, recomputed here; the character pairs shift by one step); sampling is seeded
and follows the model's distribution."""

from __future__ import annotations

import numpy as np
import pytest

from autograd_dnn import sequences as sq
from autograd_dnn.recurrent import RNNModel


# ----------------------------------------------------------------------------- adding problem
def test_adding_problem_shapes_markers_and_labels():
    X, Y = sq.adding_problem(m=50, T_x=9, n_classes=5, seed=3)
    assert X.shape == (2, 50, 9) and Y.shape == (5, 50, 9)
    markers = X[1]
    assert np.all(markers.sum(axis=1) == 2)
    for i in range(50):
        first, second = np.flatnonzero(markers[i])
        assert first < 9 // 2 <= second
        total = X[0, i, first] + X[0, i, second]
        assert Y[:, i, -1].argmax() == min(int(total / 2 * 5), 4)
    assert np.all(Y[:, :, -1].sum(axis=0) == 1)
    assert not Y[:, :, :-1].any()  # the only target is at the last step
    assert np.all((X[0] >= 0) & (X[0] < 1))


def test_adding_problem_is_deterministic_for_a_seed():
    a, b, c = (sq.adding_problem(20, 5, seed=s) for s in (7, 7, 8))
    np.testing.assert_array_equal(a[0], b[0])
    np.testing.assert_array_equal(a[1], b[1])
    assert not np.array_equal(a[0], c[0])


@pytest.mark.parametrize(
    "kwargs, message",
    [({"m": 0}, "m must be"), ({"T_x": 1}, "T_x must be"), ({"n_classes": 1}, "n_classes")],
)
def test_adding_problem_rejects_bad_sizes(kwargs, message):
    with pytest.raises(ValueError, match=message):
        sq.adding_problem(**kwargs)


# ----------------------------------------------------------------------------- names
def test_generated_names_are_distinct_lowercase_and_seeded():
    names = sq.generate_names(300, seed=0)
    assert len(names) == len(set(names)) == 300
    assert all(n.isalpha() and n.islower() and n.isascii() for n in names)
    assert names == sq.generate_names(300, seed=0)
    assert names != sq.generate_names(300, seed=1)
    assert names[:50] == sq.generate_names(50, seed=0)  # a prefix of the longer list


def test_vocabulary_is_the_courses():
    char_to_ix, ix_to_char = sq.char_vocabulary()
    assert len(char_to_ix) == 27
    assert char_to_ix["\n"] == 0 and char_to_ix["a"] == 1 and char_to_ix["z"] == 26
    assert all(ix_to_char[i] == ch for ch, i in char_to_ix.items())
    own, _ = sq.char_vocabulary(["abc", "cab"])
    assert own == {"\n": 0, "a": 1, "b": 2, "c": 3}


def test_names_dataset_shifts_by_one_step_and_pads_with_zeros():
    names = ["rex", "ab"]
    char_to_ix, ix_to_char = sq.char_vocabulary()
    X, Y = sq.names_dataset(names, char_to_ix)
    assert X.shape == Y.shape == (27, 2, 4)
    assert not X[:, :, 0].any()  # x<1> = 0, the course's None
    np.testing.assert_array_equal(X[:, :, 1:], Y[:, :, :-1] * (X[:, :, 1:].sum(axis=0) > 0))
    decoded = ["".join(ix_to_char[k] for k in Y[:, i].argmax(axis=0)[: len(n) + 1]) for i, n in
               enumerate(names)]  # fmt: skip
    assert decoded == ["rex\n", "ab\n"]
    assert not Y[:, 1, 3].any() and not X[:, 1, 3].any()  # "ab" is padded after its "\n"


def test_names_dataset_errors():
    char_to_ix, _ = sq.char_vocabulary()
    with pytest.raises(ValueError, match=r"characters \['7'\]"):
        sq.names_dataset(["t7"], char_to_ix)
    with pytest.raises(ValueError, match="at least one name"):
        sq.names_dataset([], char_to_ix)
    with pytest.raises(ValueError, match='must map "\\\\n"'):
        sq.names_dataset(["ab"], {"a": 0, "b": 1})


# ----------------------------------------------------------------------------- sampling
def forced_model(char_to_ix: dict, char: str) -> RNNModel:
    """A character model whose every prediction is (almost surely) ``char``."""
    n = len(char_to_ix)
    model = RNNModel(n, 3, n, seed=0)
    by = np.full((n, 1), -50.0)
    by[char_to_ix[char]] = 50.0
    model.parameters()["by"].data = by
    model.parameters()["Wya"].data = np.zeros((n, 3))
    return model


def test_sample_stops_at_newline_or_at_max_length():
    char_to_ix, ix_to_char = sq.char_vocabulary()
    assert sq.sample(forced_model(char_to_ix, "\n"), char_to_ix) == [0]
    indices = sq.sample(forced_model(char_to_ix, "q"), char_to_ix, max_length=50)
    assert len(indices) == 51 and indices[-1] == 0
    assert sq.decode(indices, ix_to_char) == "q" * 50


def test_sample_is_seeded_and_follows_the_models_distribution():
    """With a constant output distribution p (Wya = 0, by = log p) the first characters of
    many seeded samples have frequencies near p."""
    char_to_ix, _ = sq.char_vocabulary()
    p = np.full(27, 0.01)
    p[[1, 5, 9]] = [0.4, 0.25, 0.35 - 0.24]
    p /= p.sum()
    model = RNNModel(27, 4, 27, seed=0)
    model.parameters()["Wya"].data = np.zeros((27, 4))
    model.parameters()["by"].data = np.log(p)[:, None]
    assert sq.sample(model, char_to_ix, seed=3) == sq.sample(model, char_to_ix, seed=3)
    first = [sq.sample(model, char_to_ix, seed=s, max_length=1)[0] for s in range(2000)]
    freq = np.bincount(first, minlength=27) / 2000
    assert np.abs(freq - p).max() < 0.04


def test_a_trained_character_model_samples_names_like_its_training_set():
    """A few epochs on generated names: the samples end with "\\n" and use the vocabulary."""
    names = sq.generate_names(60, seed=0)
    char_to_ix, ix_to_char = sq.char_vocabulary()
    X, Y = sq.names_dataset(names, char_to_ix)
    model = RNNModel(27, 24, 27, seed=0)
    h = model.fit(X, Y, learning_rate=0.02, iterations=15, optimizer="adam", progress=False)
    assert h.costs[-1] < 0.8 * h.costs[0]
    for seed in range(3):
        indices = sq.sample(model, char_to_ix, seed=seed)
        assert indices[-1] == char_to_ix["\n"] and len(indices) <= 51
        assert set(sq.decode(indices, ix_to_char)) <= set("abcdefghijklmnopqrstuvwxyz")


def test_sample_refuses_a_model_of_another_vocabulary():
    char_to_ix, _ = sq.char_vocabulary()
    with pytest.raises(ValueError, match="n_x = n_y = len\\(char_to_ix\\) = 27"):
        sq.sample(RNNModel(5, 3, 5), char_to_ix)
