"""How gradients flow: per-layer gradient sizes over training, and per-layer distributions.

The course's discussion of initialization and of deep sigmoid networks is about these two
pictures: ``plot_gradient_flow`` draws ||dW[l]|| / ||W[l]|| and ||dA[l]|| against the
iterations, one line per layer on a log scale (in a deep sigmoid network the lines fall
layer by layer: vanishing gradients), and ``plot_layer_histograms`` draws the distributions of
A[l] and dW[l] layer by layer (saturated or dead units, too small or too large weights).
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import numpy as np

from viz.curves import figure_class, save_figure

__all__ = ["plot_gradient_flow", "plot_layer_histograms"]


def plot_gradient_flow(
    history: Any, path: str | os.PathLike | None = None, title: str | None = None
) -> Any:
    """||dW[l]|| / ||W[l]|| (left) and ||dA[l]|| (right) against the iterations, one line per
    layer, log scale: what ``fit`` records in ``History.weight_ratios`` and
    ``History.activation_grads`` (``track_gradients=True``, the default).

    Args:
        history: a History from ``fit``, or a dict ``{label: History}`` (one row per run, so
            two initializations or activations compare side by side).
        path: if given, the figure is saved there (PNG, SVG or PDF by the suffix).
        title: the figure's title.

    Returns:
        A matplotlib Figure that shows itself in Jupyter.
    """
    runs = dict(history) if isinstance(history, dict) else {"": history}
    for label, h in runs.items():
        if not getattr(h, "weight_ratios", None):
            raise ValueError(
                f"run {label!r} recorded no gradients: train with fit(..., track_gradients=True)"
            )
    Figure = figure_class()
    fig = Figure(figsize=(10.0, 3.6 * len(runs)), dpi=100)
    axes = fig.subplots(len(runs), 2, squeeze=False)
    for row, (label, h) in zip(axes, runs.items()):
        its = np.asarray(h.iterations, dtype=float)
        unit = getattr(h, "unit", "iteration")
        for ax, series, what in (
            (row[0], h.weight_ratios, "||dW[l]|| / ||W[l]||"),
            (row[1], h.activation_grads, "||dA[l]||"),
        ):
            for k, (name, values) in enumerate(series.items()):
                color = _layer_color(k, len(series))
                ax.plot(its[: len(values)], np.maximum(values, 1e-300), color=color, label=name)
            ax.set_yscale("log")
            ax.set_xlabel(f"{unit}s")
            ax.set_title(f"{label}: {what}" if label else what, fontsize=10)
            ax.grid(True, alpha=0.3)
            if series:
                ax.legend(frameon=False, fontsize=7, ncol=2)
    if title:
        fig.suptitle(title)
    fig.tight_layout()
    if path is not None:
        save_figure(fig, Path(path))
    return fig


def plot_layer_histograms(
    net: Any, X: Any, Y: Any, path: str | os.PathLike | None = None, bins: int = 40
) -> Any:
    """Histograms of A[l] (top row) and dW[l] (bottom row), one column per layer l = 1..L.

    Args:
        net: a DeepNetwork.  X: (n[0], m).  Y: (n[L], m).
        path: if given, the figure is saved there.  bins: histogram bins.

    Returns:
        A matplotlib Figure that shows itself in Jupyter.
    """
    grads = net.gradients(X, Y, dA0=False)
    cache: list = []
    Xt = net.check_X(X)
    net.cost_from(1, Xt, net.check_Y(Y, net.samples(Xt)), cache=cache)
    L = net.L
    Figure = figure_class()
    fig = Figure(figsize=(2.4 * L + 1.0, 4.8), dpi=100)
    axes = fig.subplots(2, L, squeeze=False)
    for l in range(1, L + 1):
        Z, A = cache[l - 1]
        values = (A if A is not None else Z).data  # the fused output layer keeps Z[L] only
        name = f"A{l}" if A is not None else f"Z{l}"
        for ax, data, label in (
            (axes[0][l - 1], values, name),
            (axes[1][l - 1], grads[f"dW{l}"], f"dW{l}"),
        ):
            ax.hist(np.ravel(data), bins=bins, color=_layer_color(l - 1, L))
            ax.set_title(f"{label}  std {np.std(data):.2g}", fontsize=9)
            ax.tick_params(labelsize=7)
    fig.suptitle(f"per-layer distributions, layer_dims={net.layer_dims}", fontsize=10)
    fig.tight_layout()
    if path is not None:
        save_figure(fig, Path(path))
    return fig


def _layer_color(k: int, n: int) -> tuple:
    """Layer k of n on a dark-to-light ramp, so the order of the lines reads at a glance."""
    from matplotlib import colormaps

    return colormaps["viridis"](0.05 + 0.85 * k / max(n - 1, 1))
