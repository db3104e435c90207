"""Sequence tasks that need memory, generated and seeded: no downloads.

Every generator returns ``X`` of shape ``(n_x, m, T_x)`` and ``Y`` of shape ``(n_y, m, T_x)``,
float64, in the course's layout (``x<t> = X[:, :, t-1]``). ``Y`` is one-hot per step; a column
of zeros is a step without a target (the cost of :class:`autograd_dnn.recurrent.RNNModel`
skips it).

- :func:`adding_problem`: Hochreiter and Schmidhuber's adding problem, as a classification:
  at each step a value ``u`` in [0, 1) and a marker (exactly two steps are marked); the only
  target, at the last step, is the bin of the sum of the two marked values. The marked values
  come long before the end, so a model without memory cannot do better than guess the bins'
  frequencies.
- :func:`generate_names`: a small procedural list of dinosaur-like names (the course's
  character-level model learns ``dinos.txt``), deterministic for a seed;
  :func:`char_vocabulary` gives the course's ``char_to_ix`` / ``ix_to_char`` (``"\\n"`` is 0,
  ``a`` .. ``z`` are 1 .. 26); :func:`names_dataset` makes the course's training pairs (``x<1>
  = 0``, ``x<t+1> = y<t>``, the last target ``"\\n"``); :func:`sample` draws a name from a
  trained model, one character at a time, as the course's ``sample``.

Example::

    >>> from autograd_dnn import sequences
    >>> X, Y = sequences.adding_problem(m=8, T_x=10, seed=0)
    >>> X.shape, Y.shape
    ((2, 8, 10), (4, 8, 10))
    >>> names = sequences.generate_names(5, seed=0)
    >>> char_to_ix, ix_to_char = sequences.char_vocabulary()
    >>> X, Y = sequences.names_dataset(names, char_to_ix)
    >>> X.shape[0], Y.shape[0]
    (27, 27)
"""

from __future__ import annotations

import string
from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np

__all__ = [
    "adding_problem",
    "char_vocabulary",
    "decode",
    "generate_names",
    "names_dataset",
    "sample",
]


def _whole(value: Any, name: str, low: int) -> int:
    if isinstance(value, bool) or not isinstance(value, (int, np.integer)) or value < low:
        raise ValueError(f"{name} must be a whole number >= {low}, got {value!r}")
    return int(value)


# ----------------------------------------------------------------------------- adding problem
def adding_problem(
    m: int = 256, T_x: int = 10, n_classes: int = 4, seed: int = 0
) -> tuple[np.ndarray, np.ndarray]:
    """The adding problem, labelled at its last step.

    Each sequence has ``T_x`` steps; step t holds ``x<t> = (u<t>, marker<t>)`` with ``u<t>``
    uniform in [0, 1). One marker is at a step of the first half (t <= T_x // 2), the other
    at a later step. The target ``s = u<a> + u<b>`` (the marked values, in [0, 2)) is given as
    its class ``floor(s / 2 * n_classes)`` at the last step only.

    Args:
        m: number of sequences.  T_x: steps (>= 2).  n_classes: bins of the sum (>= 2).
        seed: the draw (``np.random.default_rng(seed)``).

    Returns:
        ``X`` (2, m, T_x) and ``Y`` (n_classes, m, T_x), Y zero except at step T_x.
    """
    m, T_x = _whole(m, "m", 1), _whole(T_x, "T_x", 2)
    n_classes = _whole(n_classes, "n_classes", 2)
    rng = np.random.default_rng(seed)
    u = rng.random((m, T_x))
    half = T_x // 2
    first = rng.integers(0, half, m)
    second = rng.integers(half, T_x, m)
    rows = np.arange(m)
    X = np.zeros((2, m, T_x))
    X[0] = u
    X[1, rows, first] = 1.0
    X[1, rows, second] = 1.0
    total = u[rows, first] + u[rows, second]
    labels = np.minimum((total / 2.0 * n_classes).astype(int), n_classes - 1)
    Y = np.zeros((n_classes, m, T_x))
    Y[labels, rows, T_x - 1] = 1.0
    return X, Y


# ----------------------------------------------------------------------------- names
_ONSETS = ("b br c ch d dr g gr k l m n p pr r s st t tr v z th x").split()
_VOWELS = ("a", "e", "i", "o", "u", "a", "o", "ae", "io", "ea")
_CODAS = ("", "", "", "n", "r", "s", "l", "x", "m")
_SUFFIXES = (
    "saurus", "saurus", "saurus", "don", "odon", "raptor", "ceratops", "mimus", "nyx",
    "pteryx", "ops", "venator", "titan", "rex",
)  # fmt: skip


def generate_names(count: int = 200, seed: int = 0) -> list[str]:
    """``count`` distinct lowercase dinosaur-like names ("brotasaurus", "kaeniraptor", ...).

    Each is one to three syllables (onset, vowel, optional coda) and a suffix such as
    "saurus", "don" or "raptor": enough structure for a character model to learn.
    Deterministic for ``seed`` (``np.random.default_rng``). Letters a-z only.
    """
    count = _whole(count, "count", 1)
    rng = np.random.default_rng(seed)
    names: list[str] = []
    seen: set[str] = set()
    attempts = 0
    while len(names) < count:
        attempts += 1
        if attempts > 100 * count + 1000:
            raise ValueError(f"could not draw {count} distinct names; ask for fewer")
        parts = []
        for _ in range(int(rng.integers(1, 4))):
            parts.append(_ONSETS[rng.integers(len(_ONSETS))])
            parts.append(_VOWELS[rng.integers(len(_VOWELS))])
            parts.append(_CODAS[rng.integers(len(_CODAS))])
        suffix = _SUFFIXES[rng.integers(len(_SUFFIXES))]
        stem = "".join(parts)
        if stem[-1] in "aeiou" and suffix[0] in "aeiou":
            suffix = suffix[1:]
        name = stem + suffix
        if name not in seen:
            seen.add(name)
            names.append(name)
    return names


def char_vocabulary(
    names: Sequence[str] | None = None,
) -> tuple[dict[str, int], dict[int, str]]:
    """The course's ``char_to_ix`` and ``ix_to_char``: the sorted characters with ``"\\n"``
    (end of name) first. Without ``names``: ``"\\n"`` and a..z (27 characters, the course's
    vocabulary for dinos.txt); with ``names``: the characters they use, and ``"\\n"``."""
    if names is None:
        chars = ["\n"] + list(string.ascii_lowercase)
    else:
        chars = sorted(set("".join(names)) | {"\n"})
    char_to_ix = {ch: i for i, ch in enumerate(chars)}
    return char_to_ix, {i: ch for ch, i in char_to_ix.items()}


def names_dataset(
    names: Sequence[str], char_to_ix: Mapping[str, int]
) -> tuple[np.ndarray, np.ndarray]:
    """The course's training pairs for a character model, one name per sequence.

    For a name ``c1 c2 ... cn``: ``x<1> = 0`` (the course's ``None``), ``x<t+1> = onehot(ct)``;
    ``y<t> = onehot(ct)`` for t <= n and ``y<n+1> = onehot("\\n")``. Names shorter than the
    longest are padded with zero columns in X and Y (no target there).

    Returns:
        ``X`` and ``Y``, both (n_x, m, T_x) with ``n_x = len(char_to_ix)``, ``m = len(names)``,
        ``T_x`` = the longest name's length + 1.
    """
    if not names:
        raise ValueError("names_dataset needs at least one name")
    if "\n" not in char_to_ix:
        raise ValueError('char_to_ix must map "\\n" (the end of a name), as the course\'s does')
    for name in names:
        unknown = sorted(set(name) - set(char_to_ix))
        if unknown:
            raise ValueError(f"name {name!r} has characters {unknown} that char_to_ix lacks")
    n_x, m = len(char_to_ix), len(names)
    T_x = max(len(name) for name in names) + 1
    X = np.zeros((n_x, m, T_x))
    Y = np.zeros((n_x, m, T_x))
    for i, name in enumerate(names):
        ix = [char_to_ix[ch] for ch in name]
        for t, k in enumerate(ix):
            X[k, i, t + 1] = 1.0
            Y[k, i, t] = 1.0
        Y[char_to_ix["\n"], i, len(ix)] = 1.0
    return X, Y


def sample(
    model: Any, char_to_ix: Mapping[str, int], seed: int = 0, max_length: int = 50
) -> list[int]:
    """Sample one name from a character model, as the course's ``sample``.

    Start from ``x<1> = 0`` and ``a<0> = 0``; at each step run the cell, take ``y_hat<t>``,
    draw the next index from it (``rng.choice`` with ``p = y_hat<t>``, ``rng =
    np.random.default_rng(seed)``), and feed its one-hot vector as the next input; stop after
    ``"\\n"`` or, as the course, append ``"\\n"`` once ``max_length`` characters were drawn.

    Args:
        model: an :class:`~autograd_dnn.recurrent.RNNModel` with ``n_x = n_y =
            len(char_to_ix)`` (anything with ``n_x``, ``n_y`` and ``step(xt, state)``).
        char_to_ix: the vocabulary (``"\\n"`` included).  seed: the draw.
        max_length: the most characters drawn.

    Returns:
        The list of indices, ending with ``char_to_ix["\\n"]``; :func:`decode` makes it text.
    """
    vocab = len(char_to_ix)
    if model.n_x != vocab or model.n_y != vocab:
        raise ValueError(
            f"sample needs a character model with n_x = n_y = len(char_to_ix) = {vocab}, "
            f"got n_x = {model.n_x}, n_y = {model.n_y}"
        )
    max_length = _whole(max_length, "max_length", 1)
    newline = char_to_ix["\n"]
    rng = np.random.default_rng(seed)
    x = np.zeros((vocab, 1))
    state = None
    indices: list[int] = []
    while len(indices) < max_length:
        y_hat, state = model.step(x, state)
        p = y_hat[:, 0] / y_hat[:, 0].sum()  # exact 1 for rng.choice
        idx = int(rng.choice(vocab, p=p))
        indices.append(idx)
        if idx == newline:
            return indices
        x = np.zeros((vocab, 1))
        x[idx] = 1.0
    indices.append(newline)
    return indices


def decode(indices: Sequence[int], ix_to_char: Mapping[int, str]) -> str:
    """The text of a list of indices (the course's ``print_sample``, without printing), with
    the final ``"\\n"`` removed."""
    return "".join(ix_to_char[int(i)] for i in indices).rstrip("\n")
