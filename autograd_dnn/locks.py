"""Refusing writes to arrays a recorded graph still needs for backward.

A recorded op saves arrays for its backward pass (W[l], A[l-1], ...). If one of them changed
before backward ran, the gradient would be silently wrong, and numpy writes through
``t.data[...]`` cannot be seen afterwards. So the engine makes those arrays read-only while
a graph holds them: a stray write fails at once with numpy's "assignment destination is
read-only". Two calls do it:

- ``token = lock(arrays, op_name)`` makes the arrays read-only (counting per array, so two
  graphs may hold the same one);
- ``release(token)`` gives them back (writable again once no graph holds them). A token
  that is dropped without ``release`` (the graph was dropped before backward) releases
  itself.

``owner(array)`` names the op holding an array, for error messages.
"""

from __future__ import annotations

import threading

import numpy as np

__all__ = ["Token", "bases", "lock", "needed", "owner", "release"]

_held: dict[int, list] = {}  # id(array) -> [array, count, was_writeable, op name]
_mutex = threading.RLock()  # graphs are recorded and released from several threads
_waiting: list[np.ndarray] = []  # views to make writable once their base is


class Token:
    """The arrays one node locked; releases them if the node is dropped before backward."""

    __slots__ = ("arrays",)

    def __init__(self, arrays: list[np.ndarray]) -> None:
        self.arrays: list[np.ndarray] | None = arrays  # None once released

    def __del__(self) -> None:
        if self.arrays:
            release(self)


def lock(arrays: list[np.ndarray], op_name: str) -> Token:
    """Make ``arrays`` read-only until the returned token is released."""
    with _mutex:
        _lock(arrays, op_name)
    return Token(arrays)


def _lock(arrays: list[np.ndarray], op_name: str) -> None:
    for arr in arrays:
        entry = _held.get(id(arr))  # the entry keeps the array alive, so its id stays unique
        if entry is not None:
            entry[1] += 1
            continue
        _held[id(arr)] = [arr, 1, arr.flags.writeable, op_name]
        if arr.flags.writeable:
            arr.setflags(write=False)


def release(token: Token) -> None:
    """Unlock what ``token`` locked; an array stays read-only while another graph holds it."""
    with _mutex:
        _release(token)


def _release(token: Token) -> None:
    arrays, token.arrays = token.arrays, None
    freed = False
    for arr in reversed(arrays or ()):  # bases (appended last) before their views
        entry = _held.get(id(arr))
        if entry is None:
            continue
        entry[1] -= 1
        if entry[1] > 0:
            continue
        del _held[id(arr)]
        if entry[2]:
            freed |= _make_writeable(arr)
    if freed and _waiting:
        retry = _waiting[:]
        _waiting.clear()
        for arr in retry:
            if id(arr) not in _held:  # locked again meanwhile: its own release will do it
                _make_writeable(arr)


def _make_writeable(arr: np.ndarray) -> bool:
    try:
        arr.setflags(write=True)
        return True
    except ValueError:  # its base is still held by another graph: retry when that goes
        _waiting.append(arr)
        return False


def needed(inputs: tuple, saved: tuple, options: dict) -> list[np.ndarray]:
    """The arrays a recorded node needs unchanged until its backward: constant array inputs
    (Y, a ``where`` condition), arrays among its options (an index, a mask), the arrays of
    leaf tensors it saved (W[l], X: an op's outputs are read-only already), and the bases of
    any of these that are views."""
    owned = []
    for a in inputs:
        if a.__class__ is np.ndarray:
            owned.append(a)
        elif saved and getattr(a, "is_leaf", False):
            if any(s is a.data for s in saved):
                owned.append(a.data)
    if options:
        owned += [a for v in options.values() for a in _arrays_in(v)]
    if owned or saved:
        for a in [*owned, *saved]:
            if a.__class__ is np.ndarray and a.base is not None:
                owned += bases(a)
    return owned


def _arrays_in(value: object) -> list[np.ndarray]:
    """The arrays an option holds (itself, or inside a tuple or list: an index)."""
    if isinstance(value, np.ndarray):
        return [value]
    if isinstance(value, (tuple, list)):
        return [a for v in value for a in _arrays_in(v)]
    return []


def owner(arr: np.ndarray) -> str | None:
    """The op name of a graph that holds ``arr`` for backward, or None."""
    entry = _held.get(id(arr))
    return entry[3] if entry is not None else None


def bases(arr: np.ndarray) -> list[np.ndarray]:
    """The arrays a view is made from (empty for an array that owns its memory): writing
    through any of them would change the view."""
    out = []
    base = arr.base
    while isinstance(base, np.ndarray):
        out.append(base)
        base = base.base
    return out
