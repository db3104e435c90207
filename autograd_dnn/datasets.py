"""Small generated datasets for the course's experiments: no downloads, every draw seeded.

Every generator returns ``X`` of shape ``(n[0], m)`` and ``Y`` of shape ``(n[L], m)``,
both float64, with samples as COLUMNS (the course's convention):

- ``flower``: the course's planar 2-class "petals" (``n[0] = 2``, ``Y`` in {0, 1}).
- ``moons``, ``circles``, ``xor``: other planar 2-class problems.
- ``spiral``: ``classes`` interleaved arms, ``Y`` one-hot of shape ``(classes, m)``.
- ``parity``: all ``2^n`` bit strings and their XOR, the circuit-theory example of why
  depth helps.

``signs_like`` is the exception, shaped for convolutions (Course 4) with samples FIRST:
X ``(m, 64, 64, 3)`` images of a hand raising 0-5 fingers, Y ``(1, m)`` the count.

Example::

    >>> from autograd_dnn import datasets
    >>> X, Y = datasets.flower(m=400, seed=0)
    >>> X.shape, Y.shape
    ((2, 400), (1, 400))
    >>> X_train, Y_train, X_dev, Y_dev = datasets.train_dev_split(X, Y, dev_fraction=0.2)
    >>> X_train.shape, X_dev.shape
    ((2, 320), (2, 80))
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np

__all__ = [
    "circles",
    "flower",
    "load",
    "moons",
    "names",
    "parity",
    "spiral",
    "train_dev_split",
    "xor",
]

Arrays = tuple[np.ndarray, np.ndarray]


# ----------------------------------------------------------------------------- checks
def _check_m(m: int, minimum: int = 1) -> int:
    if isinstance(m, bool) or not isinstance(m, (int, np.integer)):
        raise ValueError(f"m (the number of samples) must be an int, got {m!r}")
    if m < minimum:
        raise ValueError(f"m (the number of samples) must be >= {minimum}, got m = {m}")
    return int(m)


def _check_noise(noise: float) -> float:
    if not np.isfinite(noise) or noise < 0:
        raise ValueError(f"noise must be a finite number >= 0, got noise = {noise!r}")
    return float(noise)


def _split_counts(m: int, k: int) -> list[int]:
    """Sizes of k groups that add up to m, the first ``m % k`` groups one larger."""
    return [m // k + (1 if i < m % k else 0) for i in range(k)]


def _shuffle(X: np.ndarray, Y: np.ndarray, rng: np.random.Generator) -> Arrays:
    perm = rng.permutation(X.shape[1])
    return X[:, perm], Y[:, perm]


# ----------------------------------------------------------------------------- datasets
def flower(m: int = 400, seed: int = 0, noise: float = 0.2, petals: int = 4) -> Arrays:
    """The course's planar "flower": two classes of points on the petals of a rose curve.

    Class j in {0, 1} takes angles t spread over [3.12 j, 3.12 (j + 1)] (plus noise) and
    radius r = 4 sin(petals t) (plus noise); the point is (r sin t, r cos t). A logistic
    regression gets about half of it right; one hidden layer of 4 tanh units gets ~90%.

    Args:
        m: number of samples (columns); class 0 gets ``m // 2``, class 1 the rest.
        seed: seed of the random draw.
        noise: standard deviation of the noise on angle and radius.
        petals: the rose curve's frequency (4 gives the course's picture).

    Returns:
        X of shape (2, m), Y of shape (1, m) with labels 0.0 and 1.0, in class order.
    """
    m = _check_m(m)
    noise = _check_noise(noise)
    rng = np.random.default_rng(seed)
    xs, ys = [], []
    for j, n in enumerate(_split_counts(m, 2)):
        t = np.linspace(j * 3.12, (j + 1) * 3.12, n) + rng.standard_normal(n) * noise
        r = 4.0 * np.sin(petals * t) + rng.standard_normal(n) * noise
        xs.append(np.stack([r * np.sin(t), r * np.cos(t)]))
        ys.append(np.full((1, n), float(j)))
    return np.concatenate(xs, axis=1), np.concatenate(ys, axis=1)


def moons(m: int = 400, noise: float = 0.1, seed: int = 0) -> Arrays:
    """Two interleaving half circles.

    Class 0 lies on (cos t, sin t), class 1 on (1 - cos t, 0.5 - sin t), t in [0, pi],
    plus Gaussian noise of standard deviation ``noise``; columns are shuffled (seeded).

    Returns:
        X of shape (2, m), Y of shape (1, m) with labels 0.0 and 1.0.
    """
    m = _check_m(m)
    noise = _check_noise(noise)
    rng = np.random.default_rng(seed)
    n0, n1 = _split_counts(m, 2)
    t0, t1 = np.linspace(0, np.pi, n0), np.linspace(0, np.pi, n1)
    X = np.concatenate(
        [np.stack([np.cos(t0), np.sin(t0)]), np.stack([1 - np.cos(t1), 0.5 - np.sin(t1)])],
        axis=1,
    )
    X = X + rng.standard_normal(X.shape) * noise
    Y = np.concatenate([np.zeros((1, n0)), np.ones((1, n1))], axis=1)
    return _shuffle(X, Y, rng)


def circles(m: int = 400, noise: float = 0.05, factor: float = 0.5, seed: int = 0) -> Arrays:
    """A circle of radius ``factor`` (class 1) inside a circle of radius 1 (class 0).

    Args:
        factor: the inner radius, in (0, 1).

    Returns:
        X of shape (2, m), Y of shape (1, m) with labels 0.0 and 1.0, columns shuffled.
    """
    m = _check_m(m)
    noise = _check_noise(noise)
    if not 0 < factor < 1:
        raise ValueError(f"factor (the inner radius) must be in (0, 1), got factor = {factor}")
    rng = np.random.default_rng(seed)
    n0, n1 = _split_counts(m, 2)
    t0 = np.linspace(0, 2 * np.pi, n0, endpoint=False)
    t1 = np.linspace(0, 2 * np.pi, n1, endpoint=False)
    X = np.concatenate(
        [np.stack([np.cos(t0), np.sin(t0)]), factor * np.stack([np.cos(t1), np.sin(t1)])],
        axis=1,
    )
    X = X + rng.standard_normal(X.shape) * noise
    Y = np.concatenate([np.zeros((1, n0)), np.ones((1, n1))], axis=1)
    return _shuffle(X, Y, rng)


def spiral(m: int = 300, classes: int = 3, noise: float = 0.2, seed: int = 0) -> Arrays:
    """``classes`` spiral arms around the origin: a multi-class problem for softmax.

    Arm k has radius r growing from 0 to 1 and angle running over [4k, 4(k + 1)] (plus
    noise); the point is (r sin t, r cos t).

    Returns:
        X of shape (2, m); Y one-hot of shape (classes, m) (each column sums to 1).
        Columns are shuffled (seeded).
    """
    m = _check_m(m)
    noise = _check_noise(noise)
    if isinstance(classes, bool) or not isinstance(classes, (int, np.integer)) or classes < 2:
        raise ValueError(f"classes must be an int >= 2, got classes = {classes!r}")
    rng = np.random.default_rng(seed)
    xs, labels = [], []
    for k, n in enumerate(_split_counts(m, classes)):
        r = np.linspace(0.0, 1.0, n)
        t = np.linspace(4.0 * k, 4.0 * (k + 1), n) + rng.standard_normal(n) * noise
        xs.append(np.stack([r * np.sin(t), r * np.cos(t)]))
        labels.append(np.full(n, k))
    X = np.concatenate(xs, axis=1)
    Y = np.eye(classes)[:, np.concatenate(labels)]
    return _shuffle(X, Y, rng)


def parity(n_bits: int) -> Arrays:
    """Every bit string of length ``n_bits`` and its parity (the XOR of its bits).

    The circuit-theory example: a tree of XORs of depth O(log n) computes it, while one
    hidden layer needs about 2^(n-1) units.

    Column j is j written in binary, most significant bit in row 0.

    Args:
        n_bits: 1 to 20.

    Returns:
        X in {0, 1} of shape (n_bits, 2^n_bits), Y of shape (1, 2^n_bits).
    """
    if isinstance(n_bits, bool) or not isinstance(n_bits, (int, np.integer)):
        raise ValueError(f"n_bits must be an int from 1 to 20, got {n_bits!r}")
    if not 1 <= n_bits <= 20:
        raise ValueError(f"n_bits must be from 1 to 20 (2^n_bits columns), got {n_bits}")
    j = np.arange(2**n_bits)
    shifts = np.arange(n_bits - 1, -1, -1)[:, None]
    X = ((j[None, :] >> shifts) & 1).astype(np.float64)
    Y = (X.sum(axis=0, keepdims=True) % 2).astype(np.float64)
    return X, Y


def xor(m: int = 400, noise: float = 0.1, seed: int = 0) -> Arrays:
    """Gaussian blobs at the four corners of the unit square, labelled by XOR of the corner.

    Corners (0, 0) and (1, 1) are class 0, (0, 1) and (1, 0) class 1; ``noise`` is the
    standard deviation of each blob. No single line separates them: one hidden layer does.

    Returns:
        X of shape (2, m), Y of shape (1, m) with labels 0.0 and 1.0, columns shuffled.
    """
    m = _check_m(m)
    noise = _check_noise(noise)
    rng = np.random.default_rng(seed)
    corners = np.array([[0.0, 0.0], [0.0, 1.0], [1.0, 0.0], [1.0, 1.0]])
    idx = np.concatenate([np.full(n, c) for c, n in enumerate(_split_counts(m, 4))])
    X = corners[idx].T + rng.standard_normal((2, m)) * noise
    Y = (corners[idx, 0] != corners[idx, 1]).astype(np.float64)[None, :]
    return _shuffle(X, Y, rng)


# ----------------------------------------------------------------------------- splits
def train_dev_split(
    X: np.ndarray, Y: np.ndarray, dev_fraction: float = 0.2, seed: int = 0
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Split the m columns into a train set and a dev (cross-validation) set.

    Args:
        X: (n[0], m). Y: (n[L], m).
        dev_fraction: share of the columns that go to the dev set, in (0, 1); at least
            one column goes to each side.
        seed: seed of the permutation of the columns.

    Returns:
        X_train (n[0], m_train), Y_train (n[L], m_train), X_dev (n[0], m_dev),
        Y_dev (n[L], m_dev), with m_dev = round(dev_fraction * m), as new arrays.
    """
    X, Y = np.asarray(X), np.asarray(Y)
    for name, a in (("X", X), ("Y", Y)):
        if a.ndim != 2:
            raise ValueError(
                f"{name} must be 2-D with samples as columns, got shape {a.shape}; "
                f"reshape a rank-1 array of length m to (1, m) with {name}.reshape(1, -1)"
            )
    if X.shape[1] != Y.shape[1]:
        raise ValueError(
            f"X has m = {X.shape[1]} columns but Y has {Y.shape[1]}: "
            f"X {X.shape} and Y {Y.shape} must have the same number of samples m"
        )
    if not 0 < dev_fraction < 1:
        raise ValueError(f"dev_fraction must be in (0, 1), got dev_fraction = {dev_fraction}")
    m = X.shape[1]
    if m < 2:
        raise ValueError(f"need m >= 2 samples to split into train and dev, got m = {m}")
    m_dev = min(max(int(round(dev_fraction * m)), 1), m - 1)
    perm = np.random.default_rng(seed).permutation(m)
    dev, train = perm[:m_dev], perm[m_dev:]
    return X[:, train], Y[:, train], X[:, dev], Y[:, dev]


# ----------------------------------------------------------------------------- by name
_REGISTRY: dict[str, Callable[..., Arrays]] = {
    "circles": circles,
    "flower": flower,
    "moons": moons,
    "parity": parity,
    "spiral": spiral,
    "xor": xor,
}


def names() -> list[str]:
    """The names that :func:`load` knows, sorted."""
    return sorted(_REGISTRY)


def load(name: str, **kw: object) -> Arrays:
    """Generate the dataset called ``name`` with keyword arguments ``kw``.

    Example: ``X, Y = load("moons", m=200, noise=0.2, seed=1)``.
    """
    try:
        fn = _REGISTRY[name]
    except (KeyError, TypeError):
        raise ValueError(
            f"unknown dataset {name!r}; known datasets: {', '.join(names())}"
        ) from None
    return fn(**kw)


# ----------------------------------------------------------------------------- images
SIGNS_SIDE = 64
"""Height and width of a :func:`signs_like` image, as the course's SIGNS (64 x 64 x 3)."""


def signs_like(m: int = 1080, seed: int = 0) -> tuple[np.ndarray, np.ndarray]:
    """A procedural stand-in for the course's SIGNS images: a hand raising 0 to 5 fingers.

    Each image draws, on a dark background with a gentle colour gradient, a bright palm (an
    ellipse in the lower half) and ``k`` raised fingers (bars rising from the palm, spread
    evenly across it, with their own lengths and a common tilt); the label is ``k``. Every
    image has its own position, palm size, finger width, spacing, length and tilt, hand and
    background colours, and Gaussian pixel noise. The classes come in equal numbers (up to
    one) in a shuffled order. The same ``(m, seed)`` gives the same arrays.

    Fingers are 4 to 5.5 pixels wide and 9 to 10 apart, so that k and k + 1 fingers span
    clearly different widths: the course's model pools by 8 and then by 4, and still has to
    tell them apart.

    Unlike the other generators here, samples come FIRST, as in Course 4 (convolutions):

    Args:
        m: number of images.
        seed: seed of the random draw.

    Returns:
        X of shape (m, 64, 64, 3), float64 in [0, 1] (the course's ``X_train_orig / 255``),
        and Y of shape (1, m), int64 labels 0..5 (the course's ``Y_train_orig``; one-hot with
        ``np.eye(6)[Y.ravel()].T`` for a softmax layer's (6, m)).

    Example::

        >>> X, Y = signs_like(12, seed=0)
        >>> X.shape, Y.shape, np.bincount(Y.ravel()).tolist()
        ((12, 64, 64, 3), (1, 12), [2, 2, 2, 2, 2, 2])
    """
    m = _check_m(m)
    rng = np.random.default_rng(seed)
    k = rng.permutation(np.arange(m) % 6)  # balanced labels, shuffled
    side = SIGNS_SIDE
    y, x = np.mgrid[0:side, 0:side].astype(np.float64)  # pixel rows (down) and columns

    def draw(lo: float, hi: float, *shape: int) -> np.ndarray:
        return rng.uniform(lo, hi, size=(m, *shape))

    # the palm: an ellipse centred at (cy, cx) with half-axes (ry, rx)
    cx, cy = draw(26.0, 38.0, 1, 1), draw(40.0, 48.0, 1, 1)
    rx, ry = draw(12.0, 16.0, 1, 1), draw(8.0, 11.0, 1, 1)
    hand = ((x - cx) / rx) ** 2 + ((y - cy) / ry) ** 2 <= 1.0
    # k fingers: bars from the palm's middle up to cy - ry - length, evenly spread
    spacing, width = draw(9.0, 10.0, 1, 1), draw(4.0, 5.5, 1, 1)
    tilt = draw(-0.15, 0.15, 1, 1)  # horizontal shift per pixel of height
    length = draw(12.0, 18.0, 5)
    raised = k.reshape(m, 1, 1)
    axis = cx + tilt * (cy - y)  # where a finger centred at cx crosses each row
    for j in range(5):  # the five fingers: the first k of them are raised
        offset = (j - (raised - 1) / 2) * spacing
        top = cy - ry - length[:, j].reshape(m, 1, 1)
        bar = (np.abs(x - axis - offset) <= width / 2) & (y >= top) & (y <= cy)
        hand |= bar & (j < raised)

    # colours: a dark background with a gradient, a bright hand, then noise
    background = draw(0.0, 0.3, 1, 1, 3) + draw(-0.1, 0.1, 1, 1, 3) * (y / side)[..., None]
    colour = draw(0.6, 1.0, 1, 1, 3)
    X = np.where(hand[..., None], colour, background)
    X += rng.standard_normal(X.shape) * draw(0.01, 0.06, 1, 1, 1)
    np.clip(X, 0.0, 1.0, out=X)
    return X, k.reshape(1, m).astype(np.int64)


__all__ += ["signs_like"]  # declared here, beside the function, at the end of the file
