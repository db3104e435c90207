"""Cost curves: J against iterations, train and dev, one or several runs in one figure.

The course chooses hyperparameters (the learning rate alpha first) by watching these
curves; ``plot_costs({"alpha = 0.01": h1, "alpha = 0.001": h2})`` is its comparison.

matplotlib is an optional dependency (``pip install autograd-dnn[plot]``), imported only
when a curve is drawn. No display is needed: figures are made without pyplot, and show
themselves as a PNG when they are the last line of a Jupyter cell (``_repr_png_``), with
or without ``%matplotlib inline`` or an ``import matplotlib.pyplot`` first.
"""

from __future__ import annotations

import functools
import io
import os
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import numpy as np

__all__ = ["figure_class", "plot_costs", "save_figure"]


def figure_class() -> Any:
    """matplotlib's Figure, as a subclass that shows itself in Jupyter; a clear ImportError
    naming the install line when matplotlib is missing."""
    try:
        from matplotlib.figure import Figure
    except ImportError as e:  # pragma: no cover - depends on the environment
        raise ImportError(
            "plot_costs needs matplotlib: pip install autograd-dnn[plot] "
            "(or pip install matplotlib)"
        ) from e
    return _displayable(Figure)


@functools.cache
def _displayable(base: type) -> type:
    """A subclass of matplotlib's Figure that Jupyter shows as a PNG.

    A plain ``Figure`` made without pyplot has no image representation of its own, so a
    notebook prints ``<Figure size 700x450 with 1 Axes>`` unless pyplot's inline backend
    was loaded first. IPython shows any object with ``_repr_png_`` as that image.
    """

    class CostFigure(base):
        """A ``matplotlib.figure.Figure`` that shows itself in Jupyter (``_repr_png_``)."""

        def _repr_png_(self) -> bytes:
            buf = io.BytesIO()
            self.savefig(buf, format="png")
            return buf.getvalue()

    CostFigure.__module__ = __name__
    return CostFigure


def _series(label: str, h: Any) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """(iterations, costs, dev iterations, dev costs) of one History, checked."""
    try:
        costs = np.asarray(list(h.costs), dtype=float)
        dev = np.asarray(list(getattr(h, "dev_costs", []) or []), dtype=float)
        its = np.asarray(list(getattr(h, "iterations", []) or []), dtype=float)
    except AttributeError:
        raise TypeError(
            f"run {label!r}: a History needs .costs (and optionally .dev_costs, .iterations); "
            f"got {type(h).__name__}"
        ) from None
    if its.size == 0:
        its = np.arange(costs.size, dtype=float)
    if its.size != costs.size:
        raise ValueError(
            f"run {label!r}: {costs.size} costs but {its.size} iterations; "
            "History.costs and History.iterations must have the same length"
        )
    dev_its = getattr(h, "dev_iterations", None)
    dev_its = np.asarray(list(dev_its), dtype=float) if dev_its else its
    if dev.size and dev.size != dev_its.size:
        raise ValueError(
            f"run {label!r}: {dev.size} dev costs but {dev_its.size} iterations to plot them "
            "against; record dev costs at every logged iteration (or set .dev_iterations)"
        )
    return its, costs, dev_its, dev


def plot_costs(
    history: Any,
    path: str | os.PathLike | None = None,
    log_scale: bool = False,
    title: str | None = None,
) -> Any:
    """Plot the cost J (train: solid, dev: dashed) against the iterations.

    Args:
        history: one History (``.costs``, ``.dev_costs``, ``.iterations``; optional
            ``.label``, ``.unit`` "iteration" or "epoch", ``.dev_iterations``) or a dict
            ``{label: History}``; each run gets one colour and a legend entry.
        path: if given, the figure is saved there (PNG, SVG or PDF by the suffix);
            missing folders are created.
        log_scale: a log-scale y axis (all costs must be > 0).
        title: the figure's title (default: "Cost J against iterations").

    Returns:
        A ``matplotlib.figure.Figure`` (a subclass that also shows itself as a PNG when it
        is the last line of a Jupyter cell, with no pyplot needed).

    Example::

        fig = plot_costs({"alpha = 0.1": h1, "alpha = 0.01": h2}, path="out/cost.png")
    """
    Figure = figure_class()
    if isinstance(history, Mapping):
        runs = dict(history)
    else:
        runs = {str(getattr(history, "label", "") or ""): history}
    if not runs:
        raise ValueError("plot_costs needs at least one History")
    fig = Figure(figsize=(7.0, 4.5), dpi=100)
    ax = fig.add_subplot(1, 1, 1)
    colors = [f"C{i % 10}" for i in range(len(runs))]
    labelled = False
    for (label, h), color in zip(runs.items(), colors, strict=True):
        its, costs, dev_its, dev = _series(str(label), h)
        if log_scale and (np.any(costs <= 0) or np.any(dev <= 0)):
            raise ValueError(f"run {label!r}: log_scale needs costs > 0")
        name = str(label)
        ax.plot(its, costs, color=color, lw=1.8, label=f"{name} train".strip())
        if dev.size:
            ax.plot(dev_its, dev, color=color, lw=1.5, ls="--", label=f"{name} dev".strip())
        labelled = labelled or bool(name) or bool(dev.size)
    if log_scale:
        ax.set_yscale("log")
    units = {str(getattr(h, "unit", "iteration") or "iteration") for h in runs.values()}
    ax.set_xlabel(f"{units.pop()}s" if len(units) == 1 else "iterations / epochs")
    ax.set_ylabel("cost J")
    ax.set_title(title if title is not None else "Cost J against iterations")
    ax.grid(True, alpha=0.3)
    if labelled:
        ax.legend(frameon=False)
    fig.tight_layout()
    if path is not None:
        save_figure(fig, Path(path))
    return fig


def save_figure(fig: Any, out: Path) -> None:
    """Save ``fig`` to ``out`` by its suffix (folders made); SVG and PDF without a date and
    with fixed ids, so the same curves give the same bytes (docs pictures stay unchanged)."""
    import matplotlib

    out.parent.mkdir(parents=True, exist_ok=True)
    suffix = out.suffix.lower()
    metadata = {".svg": {"Date": None}, ".pdf": {"CreationDate": None}}.get(suffix)
    with matplotlib.rc_context({"svg.hashsalt": "viz.plot_costs"}):
        fig.savefig(out, metadata=metadata)
