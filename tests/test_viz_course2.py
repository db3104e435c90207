"""The pictures draw Course 2's layers where they act: batch norm (gamma, beta, mu, sigma^2,
Z~) and dropout (keep_prob, the mask D[l]) in the layers and blocks views, and the
computation graph groups their ops in their layer."""

from __future__ import annotations

import autograd_dnn as ad
import viz


def _net(**kw):
    return ad.DeepNetwork([3, 5, 5, 3, 1], seed=0, **kw)


def test_the_layers_view_draws_batch_norm_and_dropout_in_their_layers():
    net = _net(batch_norm=True, keep_prob=[0.8, 0.8, 1.0])
    g = viz.layer_graph(net, view="layers").to_networkx()
    labels = {n: str(d["dot"]["label"]) for n, d in g.nodes(data=True) if "dot" in d}
    for l in (1, 2, 3):
        assert g.nodes[f"L{l}"]["batch_norm"] is True
        assert f"γ[{l}], β[{l}]" in labels[f"L{l}"] and f"μ[{l}], σ²[{l}]" in labels[f"L{l}"]
        assert f"no b[{l}]" in labels[f"L{l}"]
        assert g.nodes[f"L{l}"]["n_params"] == net.layers[l - 1].W.size + 2 * net.layer_dims[l]
    for l in (1, 2):
        assert g.nodes[f"L{l}"]["keep_prob"] == 0.8
        assert f"D[{l}]" in labels[f"L{l}"] and "keep_prob = 0.8" in labels[f"L{l}"]
    assert "keep_prob" not in g.nodes["L3"] and "D[3]" not in labels["L3"]
    assert "batch_norm" not in g.nodes["L4"] and "b[4]" in labels["L4"]  # the output keeps b
    title = g.graph["attrs"]["label"]
    assert f"{net.num_parameters():,} parameters" in title
    assert "batch norm in layers 1–3; dropout keep_prob 0.8 in layers 1, 2" in title


def test_identical_layers_fold_only_with_the_same_batch_norm_and_keep_prob():
    dims = [2] + [8] * 6 + [1]
    same = ad.DeepNetwork(dims, keep_prob=0.9, batch_norm=True)
    spans = viz.layer_graph(same, view="layers").to_networkx().graph["spans"]
    assert (2, 6) in spans  # five identical hidden layers drawn once
    mixed = ad.DeepNetwork(dims, keep_prob=[0.9, 0.9, 0.5, 0.9, 0.9, 0.9])
    spans = viz.layer_graph(mixed, view="layers", max_layers=None).to_networkx().graph["spans"]
    assert (3, 3) in spans  # keep_prob 0.5 breaks the run
    folded = viz.layer_graph(mixed, view="layers", max_layers=3).to_networkx()
    middle = next(d for n, d in folded.nodes(data=True) if d.get("layers") == (2, 6))
    assert "keep_prob = 0.5, 0.9" in str(middle["dot"]["label"])


def test_the_blocks_view_shows_the_mask_and_batch_norm_in_forward_cache_and_backward():
    g = viz.layer_graph(_net(batch_norm=True, keep_prob=[0.8, 0.8, 1.0]), view="blocks")
    nodes = g.to_networkx().nodes
    fwd, cache, bwd, update = (str(nodes[f"{k}1"]["dot"]["label"]) for k in
                               ("fwd", "cache", "bwd", "update"))  # fmt: skip
    assert "Z̃[1] = γ[1] (Z[1] − μ[1]) / √(σ²[1] + ε) + β[1]" in fwd
    assert "dropout: D[1] = rand < 0.8" in fwd and "A[1] := A[1] · D[1] / keep_prob" in fwd
    assert "D[1] (n[1], m)" in cache and "Z_norm[1], μ[1], σ²[1]" in cache
    assert "b[1]" not in cache and "db[1]" not in bwd and "b[1] :=" not in update
    assert bwd.splitlines()[1] == "dA[1] := dA[1] · D[1] / keep_prob"  # the same mask, first
    assert "dγ[1] = (1/m) Σ dZ̃[1] Z_norm[1]" in bwd and "γ[1] := γ[1] - α dγ[1]" in update
    assert "dropout" not in str(nodes["fwd3"]["dot"]["label"])
    assert "b[4] := b[4] - α db[4]" in str(nodes["update4"]["dot"]["label"])


def test_a_plain_network_draws_no_course2_rows():
    g = viz.layer_graph(_net(), view="layers").to_networkx()
    text = " ".join(str(d["dot"]["label"]) for _, d in g.nodes(data=True) if "dot" in d)
    assert "γ" not in text and "D[" not in text and "keep_prob" not in text


def test_the_computation_graph_groups_batch_norm_and_dropout_in_their_layer():
    X, Y = ad.datasets.flower(16, seed=0)
    net = ad.DeepNetwork([2, 4, 3, 1], batch_norm=True, keep_prob=[0.8, 1.0], seed=0)
    J = net.cost(X, Y, training=True)
    g = viz.computation_graph(J, backward=True, collapse=False).to_networkx()
    ops = [(d.get("op"), d.get("layer")) for _, d in g.nodes(data=True) if d.get("kind") == "op"]
    assert ("batch_norm", 1) in ops and ("batch_norm", 2) in ops
    assert ("dropout", 1) in ops and ("dropout", 2) not in ops
    labels = [str(d["dot"]["label"]) for _, d in g.nodes(data=True) if d.get("op") == "dropout"]
    assert any("A · D / keep_prob" in text for text in labels)
    names = {d.get("name") for _, d in g.nodes(data=True)}
    assert {"gamma1", "beta1", "Z_tilde1", "gamma2", "beta2"} <= names


def write_docs_pictures(out) -> list[str]:
    """docs/ pictures of a network with batch norm and dropout (svg and png):
    ``python -m tests.test_viz_course2``."""
    from pathlib import Path

    out = Path(out)
    net = _net(batch_norm=True, keep_prob=[0.8, 0.8, 1.0])
    X, Y = ad.datasets.flower(16, seed=0)
    small = ad.DeepNetwork([2, 4, 3, 1], batch_norm=True, keep_prob=[0.8, 1.0], seed=0)
    pictures = {
        "net_3_5_5_3_1_course2_layers": viz.layer_graph(net, view="layers"),
        "net_3_5_5_3_1_course2_blocks": viz.layer_graph(net, view="blocks"),
        "compute_course2": viz.computation_graph(small.cost(X, Y, training=True), backward=True),
    }
    written = []
    for name, d in pictures.items():
        written += [d.render(out / name, format=f) for f in ("svg", "png")]
    for p in written:  # render() leaves the DOT text beside each picture
        Path(p).with_suffix(".dot").unlink(missing_ok=True)
    return written


if __name__ == "__main__":
    from pathlib import Path

    print("\n".join(write_docs_pictures(Path(__file__).resolve().parents[1] / "docs")))
