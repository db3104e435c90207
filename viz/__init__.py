"""Pictures of deep L-layer networks: layer graphs, computation graphs, cost curves.

``viz`` imports from ``autograd_dnn``; ``autograd_dnn`` never imports ``viz``. Labels use the
course notation of docs/notation.md: ``W1 (n[1], n[0]) = (3, 2)``, ``Z1 (n[1], m) = (3, 4)``.

Example::

    import viz
    g = viz.layer_graph(net, view="neurons")    # or "layers", "blocks"
    g = viz.volume_graph(convnet, view="layers") # a ConvNetwork: "layers" or "blocks"
    g.source                                    # DOT text, deterministic
    g.render("out/net", format="svg")           # -> "out/net.svg" (and out/net.dot)
    g = viz.computation_graph(J, heat=True)     # after J.backward()
    fig = viz.plot_costs(history, path="out/cost.png")
"""

from viz.compute import HEAT_COLORS, computation_graph, heat_bin
from viz.curves import plot_costs
from viz.dot import (
    COLORS,
    FORMATS,
    HTML,
    Diagram,
    GraphvizMissing,
    find_dot,
    reset_dot_cache,
    to_dot,
)
from viz.flow import plot_gradient_flow, plot_layer_histograms
from viz.layers import VIEWS, layer_graph
from viz.recurrent import (
    RNN_VIEWS,
    cell_graph,
    gradient_norms,
    plot_gradient_over_time,
    shown_steps,
    unrolled_graph,
)
from viz.volumes import VOLUME_VIEWS, volume_graph

__all__ = [
    "COLORS",
    "FORMATS",
    "HEAT_COLORS",
    "HTML",
    "RNN_VIEWS",
    "VIEWS",
    "VOLUME_VIEWS",
    "Diagram",
    "GraphvizMissing",
    "cell_graph",
    "computation_graph",
    "find_dot",
    "gradient_norms",
    "heat_bin",
    "plot_gradient_flow",
    "plot_gradient_over_time",
    "plot_layer_histograms",
    "layer_graph",
    "plot_costs",
    "reset_dot_cache",
    "shown_steps",
    "to_dot",
    "unrolled_graph",
    "volume_graph",
]
