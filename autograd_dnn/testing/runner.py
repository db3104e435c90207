"""What the four testing kits share: the search for a counterexample and the report's parts.

Each kit (:mod:`~autograd_dnn.testing.checks` for Course 1, ``course2``, ``conv``, ``rnn``)
compares a learner's function with the textbook's on examples hypothesis draws. :func:`run`
searches, shrinks the first difference it finds and raises its report as one
``AssertionError``. The search is derandomized: one function gets the same verdict and the
same message on every run.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np
from hypothesis import HealthCheck, Phase, Verbosity, given, settings
from hypothesis import strategies as st
from hypothesis.errors import Flaky

__all__ = ["Report", "arrays", "problem", "run", "same", "show", "with_example"]

Report = Callable[[], str]  # builds the failure message; only called for the final example


class _Mismatch(Exception):
    """Raised inside the hypothesis test so that it shrinks; carries the report to build."""


def run(
    check: str,
    strategy: st.SearchStrategy,
    compare: Callable[[Any], Report | None],
    max_examples: int,
) -> None:
    """Search ``strategy`` for an example on which ``compare`` finds a difference; raise the
    report of the shrunk example as one AssertionError, headed by the ``check``'s name."""
    seen: list[Report] = []

    @settings(
        max_examples=max_examples,
        derandomize=True,
        database=None,
        deadline=None,
        suppress_health_check=list(HealthCheck),
        verbosity=Verbosity.quiet,
        report_multiple_bugs=False,
        print_blob=False,
        phases=(Phase.explicit, Phase.generate, Phase.shrink),  # "explain" is slow, unused here
    )
    @given(strategy)
    def search(example: Any) -> None:
        report = compare(example)
        if report is not None:
            seen.append(report)
            raise _Mismatch(report)

    try:
        search()
    except _Mismatch as exc:
        raise AssertionError(f"{check}: {exc.args[0]()}") from None
    except Flaky:
        if not seen:
            raise
        note = "\n(note: your function gave different results for the same input)"
        raise AssertionError(f"{check}: {seen[-1]()}{note}") from None


def same(a: Any, b: Any) -> bool:
    """Whether a function left its input ``b`` (a copy of ``a``) as it was: arrays, tuples,
    lists and dicts compared entry by entry (NaN equal to NaN)."""
    if isinstance(a, np.ndarray) or isinstance(b, np.ndarray):
        return np.array_equal(np.asarray(a), np.asarray(b), equal_nan=True)
    if isinstance(a, (tuple, list)):
        return len(a) == len(b) and all(same(x, y) for x, y in zip(a, b, strict=True))
    if isinstance(a, dict):
        return a.keys() == b.keys() and all(same(a[k], b[k]) for k in a)
    return bool(a == b)


def show(a: Any, threshold: int = 40) -> str:
    """An array as a report prints it: 6 digits, elided beyond ``threshold`` entries."""
    text = np.array2string(np.asarray(a), precision=6, threshold=threshold, max_line_width=96)
    return text.replace("\n", "\n      ")


def arrays(threshold: int = 40, **named: Any) -> list[str]:
    """``name = array`` lines for a counterexample."""
    return [f"{name} = {show(value, threshold)}" for name, value in named.items()]


def with_example(lines: list[str], example: list[str]) -> str:
    """The report: what differs, then the shrunk counterexample, indented."""
    return "\n".join(
        [*lines, "counterexample (shrunk by hypothesis):", *[f"  {x}" for x in example]]
    )


def problem(lines: list[str], describe: Callable[[], list[str]]) -> Report:
    """A report for a problem other than a differing array (a crash, a missing key, ...)."""
    return lambda: with_example(lines, describe())
