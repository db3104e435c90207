"""viz.volume_graph: pictures of a ConvNetwork whose labels are the model's own shapes,
hyperparameters and parameter counts, in deterministic DOT."""

from __future__ import annotations

import subprocess
import sys

import numpy as np
import pytest

import viz
from autograd_dnn.convnet import (
    Activation,
    AvgPool,
    Conv,
    ConvNetwork,
    Dense,
    Flatten,
    MaxPool,
    ReLU,
)

needs_dot = pytest.mark.skipif(viz.find_dot() is None, reason="Graphviz's dot is not installed")


def mixed() -> ConvNetwork:
    return ConvNetwork(
        [
            Conv(f=3, filters=4, stride=2, pad=1),
            Activation("tanh"),
            AvgPool(f=2, stride=1),
            Flatten(),
            Dense(7, "relu"),
            Dense(1, "sigmoid"),
        ],
        input_shape=(9, 9, 2),
    )


def test_the_layers_view_draws_every_volume_with_its_shape():
    net = ConvNetwork.signs()
    g = viz.volume_graph(net, view="layers")
    G = g.to_networkx()
    volumes = [(d["name"], d["shape"]) for _, d in G.nodes(data=True) if d.get("kind") == "volume"]
    assert volumes == [("X = A0", (64, 64, 3))] + net.shapes()[1:]
    assert G.graph["volumes"] == net.shapes()
    for name, shape in net.shapes()[1:]:
        shown = f"({', '.join(map(str, shape))})" if len(shape) == 3 else f"({shape[0]}, m)"
        assert f"<B>{name}</B><BR/>{shown}" in g.source


def test_each_layer_is_an_edge_with_f_stride_pad_and_its_parameter_count():
    net = ConvNetwork.signs()
    G = viz.volume_graph(net, view="layers").to_networkx()
    layers = [(u, v, d) for u, v, d in G.edges(data=True) if d.get("kind") == "layer"]
    assert [d["type"] for *_, d in layers] == [type(x).__name__ for x in net.layers]
    assert [d["n_params"] for *_, d in layers] == [x.n_params() for x in net.layers]
    assert sum(d["n_params"] for *_, d in layers) == net.num_parameters() == 1310
    labels = [d["dot"]["label"] for *_, d in layers]
    # same padding for f = 4 is 3 rows in total, (1, 2, 1, 2); for f = 2, (0, 1, 0, 1)
    assert "f = 4, s = 1, pad 'same' = (1, 2, 1, 2)" in labels[0]
    assert "W1 (4, 4, 3, 8), b1 (1, 1, 1, 8)" in labels[0] and "392 parameters" in labels[0]
    assert "MAXPOOL" in labels[2] and "f = 8, s = 8, no pad" in labels[2]
    assert "f = 2, s = 1, pad 'same' = (0, 1, 0, 1)" in labels[3] and "528 parameters" in labels[3]
    assert "f = 4, s = 4, no pad" in labels[5]
    assert "W3 (6, 64), b3 (6, 1)" in labels[7] and "390 parameters" in labels[7]


def test_an_int_pad_and_other_layers_are_named():
    G = viz.volume_graph(mixed(), view="layers").to_networkx()
    labels = [d["dot"]["label"] for *_, d in G.edges(data=True) if d.get("kind") == "layer"]
    assert "f = 3, s = 2, pad 1" in labels[0]
    assert labels[1].strip() == "TANH" and "AVGPOOL" in labels[2]
    assert "DENSE  7 units" in labels[4] and "DENSE  1 units" in labels[5]


def test_the_blocks_view_has_a_forward_block_a_cache_and_a_backward_block_per_layer():
    net = ConvNetwork.signs()
    G = viz.volume_graph(net, view="blocks").to_networkx()
    for layer in net.layers:
        k = layer.k
        for part in ("fwd", "cache", "bwd"):
            assert f"{part}{k}" in G, (part, k)
        assert G.has_edge(f"fwd{k}", f"cache{k}") and G.has_edge(f"cache{k}", f"bwd{k}")
        assert G.has_edge(f"v{k - 1}", f"fwd{k}") and G.has_edge(f"fwd{k}", f"v{k}")
        assert G.has_edge(f"bwd{k}", f"d{k - 1}")
        assert (f"update{k}" in G) == layer.has_params
    text = lambda n: G.nodes[n]["dot"]["label"]  # noqa: E731
    assert text("fwd1").startswith("conv_forward") and text("bwd1").startswith("conv_backward")
    assert "X (64, 64, 3)" in text("cache1") and "W1, b1" in text("cache1")
    assert text("fwd3").startswith("pool_forward (max)") and "max mask" in text("cache3")
    assert "mask = (window == max(window))" in text("bwd3")
    assert text("bwd7") == "unflatten\ndP2 = dF.T.reshape(m, 2, 2, 16)"
    assert "dW3 = dZ3 Fᵀ" in text("bwd8")
    assert "softmax" in text("loss") and G.has_edge("loss", "d8")


def test_average_pooling_blocks_divide_by_f_f():
    G = viz.volume_graph(mixed(), view="blocks").to_networkx()
    assert G.nodes["bwd3"]["dot"]["label"].startswith("pool_backward (average)")
    assert "/ (f f)" in G.nodes["bwd3"]["dot"]["label"]
    assert "sigmoid" in G.nodes["loss"]["dot"]["label"]


def test_the_dot_is_deterministic_across_processes():
    code = (
        "import viz, autograd_dnn as ad; n = ad.ConvNetwork.signs(seed=5); "
        "print(viz.volume_graph(n, 'layers').source + viz.volume_graph(n, 'blocks').source)"
    )
    runs = [
        subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
        for _ in range(2)
    ]
    assert runs[0].stdout == runs[1].stdout
    net = ConvNetwork.signs(seed=5)
    here = viz.volume_graph(net, "layers").source + viz.volume_graph(net, "blocks").source
    assert runs[0].stdout == here + "\n"
    # the weights' values are not drawn: another seed gives the same picture
    assert viz.volume_graph(ConvNetwork.signs(seed=6), "layers").source == (
        viz.volume_graph(net, "layers").source
    )


def test_wrong_views_and_objects_are_refused():
    with pytest.raises(ValueError, match="view must be one of layers, blocks.*dense networks"):
        viz.volume_graph(ConvNetwork.signs(), view="neurons")
    with pytest.raises(ValueError, match="rankdir"):
        viz.volume_graph(ConvNetwork.signs(), rankdir="XY")
    with pytest.raises(TypeError, match="DeepNetwork has no layers|has no input_shape"):
        from autograd_dnn import DeepNetwork

        viz.volume_graph(DeepNetwork([2, 3, 1]))


@needs_dot
@pytest.mark.parametrize("view", ["layers", "blocks"])
def test_the_views_render(tmp_path, view):
    path = viz.volume_graph(ConvNetwork.signs(), view=view).render(tmp_path / view, format="png")
    data = open(path, "rb").read()
    assert data.startswith(b"\x89PNG")
    width = int.from_bytes(data[16:20], "big")
    height = int.from_bytes(data[20:24], "big")
    assert width > height > 100  # left to right, legible


def test_np_shapes_are_plain_ints_in_the_labels():
    net = ConvNetwork([Conv(f=np.int64(2), filters=3), ReLU(), MaxPool(f=2), Flatten(),
                       Dense(2, "softmax")], input_shape=(6, 6, 1))  # fmt: skip
    assert "np.int64" not in viz.volume_graph(net, "layers").source
