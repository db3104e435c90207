"""viz: layer graphs, computation graphs, DOT determinism, rendering and cost curves.

Golden DOT files live in tests/golden/; regenerate them with

    UPDATE_GOLDEN=1 .venv/bin/python -m pytest tests/test_viz.py
"""

from __future__ import annotations

import os
import subprocess
import sys
import xml.etree.ElementTree as ET
from pathlib import Path
from types import SimpleNamespace as NS

import numpy as np
import pytest

import autograd_dnn as ad
import viz
from autograd_dnn import functional as F
from viz.dot import find_dot, reset_dot_cache

ROOT = Path(__file__).resolve().parents[1]
GOLDEN = Path(__file__).parent / "golden"
HAS_DOT = find_dot() is not None
needs_dot = pytest.mark.skipif(not HAS_DOT, reason="Graphviz's dot is not installed")


# ----------------------------------------------------------------------------- stand-ins
def net(dims: list[int], hidden: str = "relu", out: str = "sigmoid", params: bool = False):
    """A stand-in for DeepNetwork: layer_dims, L, activations (and parameters())."""
    L = len(dims) - 1
    n = NS(layer_dims=list(dims), L=L, activations=[hidden] * (L - 1) + [out])
    if params:
        rng = np.random.default_rng(0)
        p = {}
        for l in range(1, L + 1):
            p[f"W{l}"] = ad.Tensor(rng.standard_normal((dims[l], dims[l - 1])), name=f"W{l}")
            p[f"b{l}"] = ad.Tensor(np.zeros((dims[l], 1)), name=f"b{l}")
        n.parameters = lambda: p
    return n


NET_A = [3, 5, 5, 3, 1]  # L = 4
NET_B = [2, 3, 5, 4, 2, 1]  # L = 5


def cost(
    dims: list[int], act: str = "relu", m: int = 4, seed: int = 0, backward: bool = True
) -> ad.Tensor:
    """J of an L-layer network built with the engine, layer by layer (He init)."""
    rng = np.random.default_rng(seed)
    X = ad.Tensor(rng.standard_normal((dims[0], m)), name="X")
    Y = ad.Tensor((rng.random((dims[-1], m)) > 0.5) * 1.0, name="Y")
    A, L = X, len(dims) - 1
    for l in range(1, L + 1):
        scale = np.sqrt(2.0 / dims[l - 1])
        W = ad.Tensor(
            rng.standard_normal((dims[l], dims[l - 1])) * scale, requires_grad=True, name=f"W{l}"
        )
        b = ad.Tensor(np.zeros((dims[l], 1)), requires_grad=True, name=f"b{l}")
        W.layer = b.layer = l
        with ad.layer_scope(l):
            Z = F.linear(W, A, b)
            Z.name = f"Z{l}"
            if l < L:
                A = getattr(Z, act)()
                A.name = f"A{l}"
    J = F.binary_cross_entropy_with_logits(Z, Y)
    J.name = "J"
    if backward:
        J.backward()
    return J


DEEP = [2] + [8] * 49 + [1]  # 50 layers of 8 units

CASES = {
    "neurons_3_5_5_3_1": lambda: viz.layer_graph(net(NET_A), view="neurons"),
    "layers_3_5_5_3_1": lambda: viz.layer_graph(net(NET_A), view="layers"),
    "blocks_3_5_5_3_1": lambda: viz.layer_graph(net(NET_A), view="blocks"),
    "neurons_2_3_5_4_2_1": lambda: viz.layer_graph(net(NET_B), view="neurons"),
    "layers_2_3_5_4_2_1": lambda: viz.layer_graph(net(NET_B), view="layers"),
    "blocks_2_3_5_4_2_1": lambda: viz.layer_graph(net(NET_B), view="blocks"),
    "neurons_wide": lambda: viz.layer_graph(
        net([784, 1000, 20, 10], out="softmax"), view="neurons", max_units=8
    ),
    "compute_2layer_before": lambda: viz.computation_graph(cost([2, 3, 1], backward=False)),
    "compute_2layer_after": lambda: viz.computation_graph(cost([2, 3, 1])),
    "compute_deep50_collapsed": lambda: viz.computation_graph(cost(DEEP)),
    "compute_expression": lambda: viz.computation_graph(_expression()),
    "blocks_ten_layers_folded": lambda: viz.layer_graph(net(TEN_SAME), view="blocks"),
    "blocks_ten_layers_budget": lambda: viz.layer_graph(net(TEN_DIFF), view="blocks"),
    "layers_ten_layers_budget": lambda: viz.layer_graph(net(TEN_DIFF), view="layers"),
}


def all_sources() -> str:
    """Every golden case's DOT text, concatenated (run in subprocesses to compare bytes)."""
    return "".join(f"// {name}\n{make().source}" for name, make in CASES.items())


# ----------------------------------------------------------------------------- goldens
@pytest.mark.parametrize("name", sorted(CASES))
def test_golden_dot(name: str) -> None:
    source = CASES[name]().source
    path = GOLDEN / f"{name}.dot"
    if os.environ.get("UPDATE_GOLDEN") == "1":
        GOLDEN.mkdir(exist_ok=True)
        path.write_text(source, encoding="utf-8")
    assert path.exists(), f"missing {path}; run with UPDATE_GOLDEN=1 to create it"
    assert source == path.read_text(encoding="utf-8"), (
        f"DOT differs from {path}; if the change is intended, rerun with UPDATE_GOLDEN=1"
    )


def test_same_bytes_in_two_processes() -> None:
    script = "import sys, tests.test_viz as t; sys.stdout.buffer.write(t.all_sources().encode())"
    outs = []
    for hashseed in ("1", "2"):
        env = {**os.environ, "PYTHONHASHSEED": hashseed, "PYTHONPATH": str(ROOT)}
        proc = subprocess.run(
            [sys.executable, "-c", script], cwd=ROOT, env=env, capture_output=True, timeout=120
        )
        assert proc.returncode == 0, proc.stderr.decode()
        outs.append(proc.stdout)
    assert outs[0] == outs[1]
    assert outs[0] == all_sources().encode()


# ----------------------------------------------------------------------------- layer graphs
@pytest.mark.parametrize("dims", [NET_A, NET_B])
def test_neurons_view_draws_every_unit_and_weight(dims: list[int]) -> None:
    g = viz.layer_graph(net(dims), view="neurons").to_networkx()
    units = [n for n, d in g.nodes(data=True) if d["kind"] == "unit"]
    assert len(units) == sum(dims)
    weights = [e for e in g.edges(data=True) if e[2]["kind"] == "weight"]
    assert len(weights) == sum(dims[l] * dims[l - 1] for l in range(1, len(dims)))
    assert {"x1", f"x{dims[0]}", f"a{len(dims) - 1}_1"} <= set(g)
    labels = [d["dot"]["label"] for _, d in g.nodes(data=True) if d["kind"] == "label"]
    assert labels[1] == f"n[1] = {dims[1]}\nrelu"
    assert labels[-1].endswith("sigmoid (output)")
    assert g.graph["subgraphs"]["rank_L0"] == {"rank": "same"}
    assert not [n for n, d in g.nodes(data=True) if d["kind"] == "more"]


def test_neurons_view_truncates_wide_layers() -> None:
    d = viz.layer_graph(net([784, 1000, 20, 10]), view="neurons", max_units=8)
    g = d.to_networkx()
    more = {d2["layer"]: d2["hidden_units"] for _, d2 in g.nodes(data=True) if d2["kind"] == "more"}
    assert more == {0: 777, 1: 993, 2: 13, 3: 3}
    assert "⋮\\n(+993 more)" in d.source and "n[1] = 1000" in d.source
    assert {"a1_1", "a1_4", "a1_998", "a1_1000"} <= set(g) and "a1_5" not in g
    per_layer = [sum(1 for _, x in g.nodes(data=True) if x.get("layer") == l) for l in range(4)]
    assert per_layer[:3] == [9, 9, 9]  # 7 units + "more" + the column label
    small = viz.layer_graph(net([3, 8, 1]), view="neurons", max_units=8).to_networkx()
    assert not [n for n, x in small.nodes(data=True) if x["kind"] == "more"]


@pytest.mark.parametrize("dims", [NET_A, NET_B])
def test_layers_view_tables(dims: list[int]) -> None:
    d = viz.layer_graph(net(dims, params=True), view="layers")
    g = d.to_networkx()
    L = len(dims) - 1
    assert [n for n in g if n.startswith("L")] == [f"L{l}" for l in range(L + 1)]
    for l in range(1, L + 1):
        label = g.nodes[f"L{l}"]["dot"]["label"]
        assert f"W[{l}]" in label and f"(n[{l}], n[{l - 1}])" in label
        assert f"({dims[l]}, {dims[l - 1]})" in label and f"({dims[l]}, m)" in label
        assert g.nodes[f"L{l}"]["n_params"] == dims[l] * (dims[l - 1] + 1)
    total = sum(dims[l] * (dims[l - 1] + 1) for l in range(1, L + 1))
    assert f"{total} parameters" in d.source


@pytest.mark.parametrize("dims", [NET_A, NET_B])
def test_blocks_view(dims: list[int]) -> None:
    d = viz.layer_graph(net(dims), view="blocks")
    g = d.to_networkx()
    L = len(dims) - 1
    for l in range(1, L + 1):
        assert {f"fwd{l}", f"bwd{l}", f"cache{l}", f"update{l}", f"A{l}", f"dA{l}"} <= set(g)
        assert g.edges[f"fwd{l}", f"cache{l}"]["dot"]["style"] == "dashed"
        assert g.has_edge(f"A{l - 1}", f"fwd{l}") and g.has_edge(f"bwd{l}", f"dA{l - 1}")
        assert f"W[{l}] := W[{l}] - α dW[{l}]" in d.source
    assert g.has_edge(f"A{L}", "loss") and g.has_edge("loss", f"dA{L}")
    assert f"L(A[{L}], Y)" in d.source


TEN_SAME = [2] + [8] * 9 + [1]  # L = 10: layers 2..9 identical
TEN_DIFF = [12, 11, 10, 9, 8, 7, 6, 5, 4, 3, 1]  # L = 10: no two layers alike


def test_blocks_view_folds_identical_layers() -> None:
    """Issue 14.16: the blocks view of a ten-layer net draws layers 2..9 as one column."""
    d = viz.layer_graph(net(TEN_SAME), view="blocks")
    g = d.to_networkx()
    assert g.graph["spans"] == [(1, 1), (2, 9), (10, 10)]
    assert {"fwd1", "fwd2_9", "fwd10", "bwd2_9", "cache2_9", "update2_9", "A9", "dA9"} <= set(g)
    assert not {"fwd2", "fwd5", "A2", "A8"} & set(g)
    fwd = g.nodes["fwd2_9"]
    assert fwd["layers"] == (2, 9) and fwd["dot"]["shape"] == "box3d"
    assert fwd["dot"]["label"].startswith("forward 2–9   × 8 identical layers")
    assert "A[l] = relu(Z[l])" in fwd["dot"]["label"]
    assert "W[l] (8, 8)\nb[l] (8, 1)\nl = 2, …, 9" == g.nodes["params2_9"]["dot"]["label"]
    # forward A[1] -> the folded block -> A[9]; backward dA[9] -> it -> dA[1]
    assert g.has_edge("A1", "fwd2_9") and g.has_edge("fwd2_9", "A9")
    assert g.has_edge("dA9", "bwd2_9") and g.has_edge("bwd2_9", "dA1")
    assert "layers 2–9 each drawn as one column" in g.graph["attrs"]["label"]
    full = viz.layer_graph(net(TEN_SAME), view="blocks", collapse=False, max_layers=None)
    assert full.to_networkx().graph["spans"] == [(l, l) for l in range(1, 11)]


def test_blocks_view_fits_any_depth() -> None:
    deep = viz.layer_graph(net(DEEP), view="blocks").to_networkx()
    assert deep.graph["spans"] == [(1, 1), (2, 49), (50, 50)]
    diff = viz.layer_graph(net(TEN_DIFF), view="blocks").to_networkx()
    assert diff.graph["spans"] == [(1, 1), (2, 2), (3, 8), (9, 9), (10, 10)]
    label = diff.nodes["fwd3_8"]["dot"]["label"]
    assert "× 6 layers of different shapes" in label and "A[l] = relu(Z[l])" in label
    assert "n[2..8] = 10, 9, 8, 7, 6, 5, 4" in diff.nodes["params3_8"]["dot"]["label"]
    assert "W[l] (n[l], n[l-1])" in diff.nodes["params3_8"]["dot"]["label"]
    three = viz.layer_graph(net(TEN_DIFF), view="blocks", max_layers=3).to_networkx()
    assert three.graph["spans"] == [(1, 1), (2, 9), (10, 10)]
    for bad in (2, 0, True, 4.0):
        with pytest.raises(ValueError, match="max_layers must be None or an int >= 3"):
            viz.layer_graph(net(TEN_DIFF), view="blocks", max_layers=bad)


def test_layers_view_folds_like_the_blocks_view() -> None:
    g = viz.layer_graph(net(TEN_SAME), view="layers").to_networkx()
    assert [n for n in g if n.startswith("L")] == ["L0", "L1", "L2_9", "L10"]
    fold = g.nodes["L2_9"]
    assert fold["layers"] == (2, 9) and fold["n_params"] == 8 * (8 * 8 + 8)
    label = fold["dot"]["label"]
    assert "layers 2–9 (× 8, identical)" in label and "8 × (8·8 + 8) = 576" in label
    assert g.edges["L2_9", "L10"]["dot"]["label"] == " A[9] "
    assert sum(d["n_params"] for n, d in g.nodes(data=True) if n.startswith("L")) == 609
    diff = viz.layer_graph(net(TEN_DIFF), view="layers").to_networkx()
    assert [n for n in diff if n.startswith("L")] == ["L0", "L1", "L2", "L3_8", "L9", "L10"]
    assert "n[2..8]" in diff.nodes["L3_8"]["dot"]["label"]
    total = sum(TEN_DIFF[l] * (TEN_DIFF[l - 1] + 1) for l in range(1, len(TEN_DIFF)))
    assert sum(d["n_params"] for n, d in diff.nodes(data=True) if n.startswith("L")) == total
    full = viz.layer_graph(net(TEN_SAME), view="layers", collapse=False, max_layers=None)
    assert len([n for n in full.to_networkx() if n.startswith("L")]) == 11


@needs_dot
def test_ten_layer_blocks_view_fits_a_slide(tmp_path: Path) -> None:
    """Rendered: folded, the ten-layer picture is under half as wide as unfolded."""
    from matplotlib.image import imread

    def width(**kw) -> int:
        d = viz.layer_graph(net(TEN_SAME), view="blocks", **kw)
        return imread(d.render(tmp_path / f"b{len(kw)}", format="png")).shape[1]

    folded, unfolded = width(), width(collapse=False, max_layers=None)
    assert folded < 0.5 * unfolded and folded < 2000, (folded, unfolded)


def test_parameter_counts_have_thousands_separators() -> None:
    cat = net([12288, 20, 7, 5, 1])  # the course's cat network: 245,973 parameters
    assert 12288 * 20 + 20 + 20 * 7 + 7 + 7 * 5 + 5 + 5 + 1 == 245973
    for view in ("layers", "blocks"):
        title = viz.layer_graph(cat, view=view).to_networkx().graph["attrs"]["label"]
        assert "245,973 parameters" in title


@pytest.mark.parametrize(
    "kwargs,exc,match",
    [
        ({"view": "graph"}, ValueError, "neurons, layers, blocks"),
        ({"max_units": 2}, ValueError, "max_units"),
        ({"rankdir": "XY"}, ValueError, "rankdir"),
    ],
)
def test_layer_graph_argument_errors(kwargs, exc, match) -> None:
    with pytest.raises(exc, match=match):
        viz.layer_graph(net(NET_A), **kwargs)


def test_layer_graph_net_errors() -> None:
    with pytest.raises(TypeError, match="layer_dims"):
        viz.layer_graph(object())
    with pytest.raises(ValueError, match="activations has 2 names but L = 4"):
        viz.layer_graph(NS(layer_dims=NET_A, L=4, activations=["relu", "sigmoid"]))
    with pytest.raises(ValueError, match="net.L = 3"):
        viz.layer_graph(NS(layer_dims=NET_A, L=3, activations=["relu"] * 4))
    bad = net(NET_A, params=True)
    p = bad.parameters()
    p["W2"] = ad.Tensor(np.zeros((5, 4)), name="W2")
    with pytest.raises(ValueError, match=r"W2 has shape \(5, 4\).*\(5, 5\)"):
        viz.layer_graph(bad)


# ----------------------------------------------------------------------------- computation graph
def test_computation_graph_structure_before_and_after_backward() -> None:
    before = viz.computation_graph(cost([2, 3, 1], backward=False)).to_networkx()
    assert "grad_norm" not in before.nodes["W1"]
    assert "before backward" in before.graph["attrs"]["label"]
    d = viz.computation_graph(cost([2, 3, 1]))
    g = d.to_networkx()
    assert len(g) == len(ad.to_networkx(cost([2, 3, 1])))  # nothing folded in a small graph
    assert list(g)[:3] == ["X", "Y", "W1"]  # recording order
    assert "op04_linear" in g and g.nodes["op04_linear"]["layer"] == 1
    for name in ("W1", "b1", "Z1", "A1"):
        assert g.nodes[name]["subgraph"] == "cluster_L1"
    assert g.nodes["W2"]["grad_norm"] > 0 and "||dW2|| = " in g.nodes["W2"]["dot"]["label"]
    assert g.nodes["W1"]["dot"]["label"].startswith("W1\n(n[1], n[0]) = (3, 2)")
    assert "(n[1], m) = (3, 4)" in g.nodes["Z1"]["dot"]["label"]
    assert g.nodes["J"]["dot"]["label"].startswith("J = ")
    kinds = {d2["kind"]: d2["dot"]["fillcolor"] for _, d2 in g.nodes(data=True)}
    assert len(set(kinds.values())) == 4  # input, param, op, tensor (J: cost colour below)
    assert g.nodes["J"]["dot"]["fillcolor"] == viz.COLORS["cost"]
    assert 'subgraph "cluster_L1"' in d.source and "<B>legend</B>" in d.source
    no_grads = viz.computation_graph(cost([2, 3, 1]), show_grads=False).to_networkx()
    assert "||" not in no_grads.nodes["W2"]["dot"]["label"]


def test_heat_colours_layers_by_gradient_ratio() -> None:
    J = cost(NET_A)
    ratios = {}
    for t in ad.graph.tensors_of(J):
        if t.name and t.name.startswith("W"):
            ratios[int(t.name[1:])] = np.linalg.norm(t.grad) / np.linalg.norm(t.data)
    g = viz.computation_graph(J).to_networkx()
    for l, r in ratios.items():
        spec = g.graph["subgraphs"][f"cluster_L{l}"]
        assert spec["fillcolor"] == viz.HEAT_COLORS[viz.heat_bin(r)]
        assert f"{r:.2e}" in spec["label"]
        assert g.graph["heat"][l] == pytest.approx(r)
    assert viz.heat_bin(1e-9) == 0 and viz.heat_bin(1e9) == len(viz.HEAT_COLORS) - 1
    assert viz.heat_bin(0.05) == viz.heat_bin(0.011) != viz.heat_bin(0.009)
    vanish = viz.computation_graph(J, vanish_below=10.0, explode_above=100.0).to_networkx()
    assert "vanishing?" in vanish.graph["subgraphs"]["cluster_L1"]["label"]
    assert vanish.graph["subgraphs"]["cluster_L1"]["penwidth"] == 3
    explode = viz.computation_graph(J, vanish_below=1e-9, explode_above=1e-8).to_networkx()
    assert "exploding?" in explode.graph["subgraphs"]["cluster_L2"]["label"]
    plain = viz.computation_graph(J, heat=False).to_networkx()
    assert plain.graph["subgraphs"]["cluster_L1"]["fillcolor"] == "#f7f7f7"


def test_report_marks_failures() -> None:
    report = NS(
        rows=[
            {"name": "W1", "layer": 1, "rel_diff": 1e-9, "passed": True},
            {"name": "W2", "layer": 2, "rel_diff": 3.2e-2, "passed": False},
            NS(name="dA1", layer=1, rel_diff=5e-3, passed=False),
        ]
    )
    d = viz.computation_graph(cost(NET_A), report=report)
    g = d.to_networkx()
    assert g.nodes["W2"]["dot"]["penwidth"] == 4
    assert g.nodes["W2"]["dot"]["color"] == viz.COLORS["fail"]
    assert "rel diff 3.20e-02" in g.nodes["W2"]["dot"]["label"]
    assert "rel diff 5.00e-03" in g.nodes["A1"]["dot"]["label"]  # dA1 -> the tensor A1
    assert "penwidth" not in g.nodes["W1"]["dot"]
    for l in (1, 2):
        assert g.graph["subgraphs"][f"cluster_L{l}"]["color"] == viz.COLORS["fail"]
    assert "FAILED" not in g.graph["subgraphs"]["cluster_L3"]["label"]
    assert "2 of 3 FAILED (W2, dA1)" in d.source


def test_collapse_folds_a_deep_network() -> None:
    J = cost(DEEP)
    g = viz.computation_graph(J).to_networkx()
    assert len(g) <= 30
    folds = [d for _, d in g.nodes(data=True) if d["kind"] == "folded"]
    assert sum(d["count"] for d in folds) == 48  # layers 2..49 are identical
    assert "cluster_L1" in g.graph["subgraphs"] and "cluster_L50" in g.graph["subgraphs"]
    full = viz.computation_graph(J, collapse=False, max_nodes=None).to_networkx()
    assert len(full) == len(ad.to_networkx(J))
    auto = viz.computation_graph(J, collapse=False, max_nodes=80).to_networkx()
    assert len(auto) <= 80 and "max_nodes = 80" in auto.graph["attrs"]["label"]
    no_heat = viz.computation_graph(J, heat=False).to_networkx()
    (fold,) = [d for _, d in no_heat.nodes(data=True) if d["kind"] == "folded"]
    assert fold["layers"] == (2, 49) and "× 48" in fold["dot"]["label"]


def test_budget_folds_layers_of_different_shapes() -> None:
    dims = [2] + [3 + (l % 3) for l in range(30)] + [1]  # no two neighbours alike
    J = cost(dims)
    g = viz.computation_graph(J, max_nodes=60).to_networkx()
    assert len(g) <= 60
    subs = g.graph["subgraphs"]
    assert {"cluster_L1", "cluster_L2", "cluster_L30", "cluster_L31"} <= set(subs)
    assert (
        viz.computation_graph(J, collapse=True, max_nodes=None).to_networkx().number_of_nodes() > 60
    )


def _drawn_grads(d: viz.Diagram) -> dict[str, float]:
    return {n: a["grad_norm"] for n, a in d.to_networkx().nodes(data=True) if "grad_norm" in a}


def test_stale_gradients_of_another_cost_are_not_drawn() -> None:
    """Issue 14.1: after J_old.backward(), a never-backpropagated J_new showed J_old's grads."""
    net_ = ad.DeepNetwork([2, 3, 1], seed=0)
    X, Y = ad.datasets.flower(64, seed=0)
    J_old = net_.cost(X, Y)
    J_old.backward()
    J_new = net_.cost(100 * X, Y)
    d = viz.computation_graph(J_new)
    g = d.to_networkx()
    assert _drawn_grads(d) == {}
    assert g.graph["gradients"] == "stale"
    assert "no backward of this J yet" in g.graph["attrs"]["label"]
    assert "after backward" not in g.graph["attrs"]["label"]
    assert all(r is None for r in g.graph["heat"].values())  # no heat from J_old's grads
    assert "||dW1||" not in d.source
    # once J_new has its own backward (grads zeroed first), its own gradients are drawn;
    # the oracle is DeepNetwork.gradients, which leaves .grad alone
    want = net_.gradients(100 * X, Y, dA0=False)
    for p in net_.parameters().values():
        p.grad = None
    J_new.backward()
    drawn = viz.computation_graph(J_new)
    assert drawn.to_networkx().graph["gradients"] == "of J"
    got = _drawn_grads(drawn)
    for name in ("W1", "b1", "W2", "b2"):
        assert got[name] == pytest.approx(np.linalg.norm(want["d" + name]), rel=1e-12)
    assert "after backward" in drawn.to_networkx().graph["attrs"]["label"]


def test_only_the_gradients_that_are_js_own_are_drawn() -> None:
    J = cost([2, 3, 1], backward=False)
    params = {t.name: t for t in ad.graph.tensors_of(J) if t.requires_grad and t.is_leaf}
    J.backward(retain_graph=True)  # the graph stays alive: viz can check .grad against J
    own = viz.computation_graph(J)
    assert own.to_networkx().graph["gradients"] == "of J"
    assert set(_drawn_grads(own)) == {"W1", "b1", "W2", "b2"}
    J.backward(retain_graph=True)  # every .grad is now 2 dJ/d(.): accumulated, not J's
    doubled = viz.computation_graph(J).to_networkx()
    assert doubled.graph["gradients"] == "stale" and _drawn_grads(viz.computation_graph(J)) == {}
    assert "several accumulated" in doubled.graph["attrs"]["label"]
    params["W1"].grad = None  # W1's next gradient is J's alone; the others stay doubled
    J.backward(retain_graph=True)
    partly = viz.computation_graph(J)
    assert set(_drawn_grads(partly)) == {"W1"}
    label = partly.to_networkx().graph["attrs"]["label"]
    assert partly.to_networkx().graph["gradients"] == "partly stale"
    assert "not drawn: the .grad of b1, W2, b2" in label


def test_backward_true_draws_js_gradients_after_training() -> None:
    """After fit, .grad holds the last step's gradients; backward=True ignores them."""
    net_ = ad.DeepNetwork([2, 3, 1], seed=0)
    X, Y = ad.datasets.flower(64, seed=0)
    net_.fit(X, Y, iterations=3, progress=False)
    before = {k: None if p.grad is None else p.grad.copy() for k, p in net_.parameters().items()}
    want = net_.gradients(X[:, :8], Y[:, :8], dA0=False)  # the oracle; leaves .grad alone
    J = net_.cost(X[:, :8], Y[:, :8])
    d = viz.computation_graph(J, backward=True)
    g = d.to_networkx()
    assert g.graph["gradients"] == "of J"
    assert "computed for this picture" in g.graph["attrs"]["label"]
    got = _drawn_grads(d)
    for name in ("W1", "b1", "W2", "b2"):
        assert got[name] == pytest.approx(np.linalg.norm(want["d" + name]), rel=1e-12)
    for k, p in net_.parameters().items():  # .grad untouched
        assert (p.grad is None and before[k] is None) or np.array_equal(p.grad, before[k])
    J.backward()
    with pytest.raises(ValueError, match=r"before J\.backward\(\)"):
        viz.computation_graph(J, backward=True)
    with pytest.raises(ValueError, match="requires_grad=True"):
        viz.computation_graph(ad.Tensor([[1.0]]) * 2.0, backward=True)


def test_plain_expression_graph_draws_what_was_computed() -> None:
    """Issue 14.16: no "0 layers", no heat legend, ``x @ w`` captioned and ordered, constants."""
    rng = np.random.default_rng(0)
    w = ad.Tensor(rng.standard_normal((3, 1)), requires_grad=True, name="w")  # made first
    x = ad.Tensor(rng.standard_normal((2, 3)), name="x")
    y = (x @ w * 2.0 + 1.5).sum()
    y.name = "y"
    y.backward()
    d = viz.computation_graph(y)
    g = d.to_networkx()
    title = g.graph["attrs"]["label"]
    assert "layers" not in title and "layer colour" not in title and "after backward" in title
    legend = [text for text, _ in g.graph["legend"]]
    assert not [t for t in legend if t.startswith("ratio") or "W[l]" in t or "X, Y" in t], legend
    assert legend == [
        "input (no gradient)",
        "parameter (requires grad)",
        "operation",
        "tensor",
        "output",
        "constant (dashed)",
    ]
    (matmul,) = [n for n, a in g.nodes(data=True) if a.get("op") == "matmul" and a["kind"] == "op"]
    assert g.nodes[matmul]["dot"]["label"] == "matmul\nx @ w"
    assert g.nodes[matmul]["dot"]["ordering"] == "in"
    into = [(u, g.edges[u, v]["arg"]) for u, v in g.graph["edge_order"] if v == matmul]
    assert into == [("x", 0), ("w", 1)]  # written in this order: dot keeps x left of w
    assert d.source.index('"x" -> "op') < d.source.index('"w" -> "op')
    consts = {a["dot"]["label"]: n for n, a in g.nodes(data=True) if a["kind"] == "constant"}
    assert set(consts) == {"2", "1.5"}
    assert g.nodes[next(iter(g.successors(consts["2"])))]["op"] == "mul"
    assert g.edges[consts["1.5"], next(iter(g.successors(consts["1.5"])))]["arg"] == 1
    assert _drawn_grads(d) == {"w": pytest.approx(np.linalg.norm(2.0 * x.data.sum(0)))}


@needs_dot
def test_matmul_operands_are_drawn_left_to_right() -> None:
    """``x @ w`` with w created first: x still lands left of w in the rendered picture."""
    rng = np.random.default_rng(0)
    w = ad.Tensor(rng.standard_normal((3, 1)), requires_grad=True, name="w")
    x = ad.Tensor(rng.standard_normal((2, 3)), name="x")
    y = (x @ w).sum()
    svg = ET.fromstring(viz.computation_graph(y).pipe("svg"))
    ns = {"s": "http://www.w3.org/2000/svg"}
    xs = {}
    for node in svg.iterfind(".//s:g[@class='node']", ns):
        title = node.find("s:title", ns).text
        if title in ("x", "w"):  # the centre of the node's first text line
            xs[title] = float(node.find("s:text", ns).get("x"))
    assert xs["x"] < xs["w"], xs


def test_labels_given_as_an_array_are_drawn_as_Y() -> None:
    net_ = ad.DeepNetwork([2, 3, 1], seed=0)
    X, Y = ad.datasets.flower(64, seed=0)
    g = viz.computation_graph(net_.cost(X, Y)).to_networkx()
    (y_node,) = [n for n, a in g.nodes(data=True) if a["kind"] == "constant"]
    assert g.nodes[y_node]["dot"]["label"] == "Y\n(n[2], m) = (1, 64)"
    (op,) = g.successors(y_node)
    assert g.nodes[op]["op"] == "bce_with_logits" and g.edges[y_node, op]["arg"] == 1


def test_computation_graph_errors() -> None:
    with pytest.raises(TypeError, match="Tensor J"):
        viz.computation_graph(np.ones((2, 2)))
    with pytest.raises(ValueError, match="rankdir"):
        viz.computation_graph(cost([2, 3, 1]), rankdir="diagonal")
    with pytest.raises(TypeError, match="rows"):
        viz.computation_graph(cost([2, 3, 1]), report=object())


# ----------------------------------------------------------------------------- DOT details
def test_dot_quoting_and_html() -> None:
    import networkx as nx

    g = nx.DiGraph(name="t")
    g.add_node("a", dot={"label": 'say "hi"\nnext', "shape": "box"})
    g.add_node("b", dot={"label": viz.HTML("<B>bold</B>")})
    g.add_edge("a", "b", dot={"style": "dashed"})
    src = viz.to_dot(g)
    assert '"a" [label="say \\"hi\\"\\nnext", shape="box"]' in src
    assert '"b" [label=<<B>bold</B>>]' in src
    assert '"a" -> "b" [style="dashed"]' in src
    assert src.startswith('digraph "t" {') and src.endswith("}\n")


# ----------------------------------------------------------------------------- rendering
def _n_nodes(d: viz.Diagram) -> int:
    return len(d.to_networkx())  # the legend is the graph label, not a node


@needs_dot
@pytest.mark.parametrize(
    "name", ["neurons_3_5_5_3_1", "layers_2_3_5_4_2_1", "blocks_3_5_5_3_1", "compute_2layer_after"]
)
def test_render_svg_png_pdf(tmp_path: Path, name: str) -> None:
    d = CASES[name]()
    svg = d.render(tmp_path / name, format="svg")
    assert svg == str(tmp_path / f"{name}.svg") and (tmp_path / f"{name}.dot").exists()
    text = Path(svg).read_text(encoding="utf-8")
    ET.fromstring(text.encode("utf-8"))  # well-formed XML
    assert text.count('<g id="node') == _n_nodes(d)
    png = Path(d.render(tmp_path / name, format="png")).read_bytes()
    assert png[:8] == b"\x89PNG\r\n\x1a\n"
    pdf = Path(d.render(tmp_path / f"{name}.pdf", format="pdf")).read_bytes()
    assert pdf[:4] == b"%PDF"
    bundle = d._repr_mimebundle_()
    assert bundle["image/svg+xml"].lstrip().startswith("<?xml")
    with pytest.raises(ValueError, match="svg, png, pdf"):
        d.render(tmp_path / name, format="gif")


@pytest.fixture
def no_dot(monkeypatch: pytest.MonkeyPatch, tmp_path: Path):
    empty = tmp_path / "empty_bin"
    empty.mkdir()
    monkeypatch.setenv("PATH", str(empty))
    reset_dot_cache()
    yield
    monkeypatch.undo()
    reset_dot_cache()


def test_render_without_dot_writes_dot_file_and_explains(no_dot, tmp_path: Path) -> None:
    d = viz.layer_graph(net(NET_A))
    with pytest.raises(viz.GraphvizMissing) as info:
        d.render(tmp_path / "out" / "net", format="svg")
    msg = str(info.value)
    for needle in ("dot", "apt-get install graphviz", "brew install graphviz", "conda install"):
        assert needle in msg
    dot_file = tmp_path / "out" / "net.dot"
    assert str(dot_file) in msg
    assert dot_file.read_text(encoding="utf-8") == d.source
    assert isinstance(info.value, RuntimeError)
    bundle = d._repr_mimebundle_()  # never raises in a notebook
    assert list(bundle) == ["text/plain"]
    assert (
        bundle["text/plain"].startswith(d.source)
        and "apt-get install graphviz" in bundle["text/plain"]
    )


# ----------------------------------------------------------------------------- cost curves
def history(costs: list[float], dev: list[float] | None = None, every: int = 100) -> NS:
    return NS(costs=costs, dev_costs=dev or [], iterations=[i * every for i in range(len(costs))])


def test_plot_costs_writes_a_png(tmp_path: Path) -> None:
    from matplotlib.image import imread

    runs = {
        f"alpha = {a}": history(
            list(0.7 * np.exp(-a * np.arange(20)) + 0.05),
            list(0.75 * np.exp(-a * np.arange(20)) + 0.1),
        )
        for a in (0.3, 0.1, 0.01)
    }
    path = tmp_path / "plots" / "cost.png"
    fig = viz.plot_costs(runs, path=path, log_scale=True)
    assert path.stat().st_size > 0
    pixels = imread(path)
    assert pixels.ndim == 3 and not np.all(pixels == pixels[0, 0])
    ax = fig.axes[0]
    assert ax.get_yscale() == "log" and len(ax.lines) == 6
    assert [t.get_text() for t in ax.get_legend().get_texts()][:2] == [
        "alpha = 0.3 train",
        "alpha = 0.3 dev",
    ]
    single = viz.plot_costs(history([0.7, 0.5, 0.4]))
    assert len(single.axes[0].lines) == 1 and single.axes[0].get_xlabel() == "iterations"
    epochs = NS(costs=[0.7, 0.5], dev_costs=[], iterations=[1, 2], unit="epoch", label="adam")
    ax = viz.plot_costs(epochs).axes[0]
    assert ax.get_xlabel() == "epochs" and ax.get_legend().get_texts()[0].get_text() == "adam train"


def test_plot_costs_svg_and_pdf_are_byte_identical_when_saved_again(tmp_path: Path) -> None:
    runs = {"a": history([0.7, 0.5, 0.4], [0.8, 0.6, 0.5]), "b": history([0.6, 0.3, 0.2])}
    for suffix in ("svg", "pdf"):
        first, second = tmp_path / f"1.{suffix}", tmp_path / f"2.{suffix}"
        viz.plot_costs(runs, path=first)
        viz.plot_costs(runs, path=second)
        assert first.read_bytes() == second.read_bytes(), suffix


def test_plot_costs_figure_displays_itself_without_pyplot() -> None:
    """Issue 14.15: a notebook shows the figure, not "<Figure size 700x450...>".

    IPython displays any object with ``_repr_png_`` as that PNG; run in a fresh process
    so that nothing has imported pyplot (or chosen a backend) before.
    """
    code = (
        "import io, sys, types\n"
        "import numpy as np\n"
        "import viz\n"
        "from matplotlib.figure import Figure\n"
        "from matplotlib.image import imread\n"
        "h = types.SimpleNamespace(costs=[0.7, 0.5, 0.4], dev_costs=[], iterations=[0, 1, 2])\n"
        "fig = viz.plot_costs(h)\n"
        "assert isinstance(fig, Figure), type(fig)\n"
        "png = fig._repr_png_()\n"
        "assert png[:8] == b'\\x89PNG\\r\\n\\x1a\\n'\n"
        "pixels = imread(io.BytesIO(png))\n"
        "assert pixels.shape[:2] == (450, 700), pixels.shape\n"
        "assert not np.all(pixels == pixels[0, 0])\n"
        "assert 'matplotlib.pyplot' not in sys.modules\n"
        "print(repr(fig))\n"
    )
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    env.pop("MPLBACKEND", None)
    proc = subprocess.run(
        [sys.executable, "-c", code], cwd=ROOT, env=env, capture_output=True, timeout=60
    )
    assert proc.returncode == 0, proc.stderr.decode()
    assert proc.stdout.decode().startswith("<CostFigure size 700x450 with 1 Axes>")


def test_plot_costs_errors(monkeypatch: pytest.MonkeyPatch) -> None:
    with pytest.raises(ValueError, match="3 costs but 2 iterations"):
        viz.plot_costs(NS(costs=[1, 2, 3], dev_costs=[], iterations=[0, 1]))
    with pytest.raises(ValueError, match="dev costs"):
        viz.plot_costs(NS(costs=[1, 2, 3], dev_costs=[1], iterations=[0, 1, 2]))
    with pytest.raises(ValueError, match="log_scale"):
        viz.plot_costs(history([1.0, 0.0]), log_scale=True)
    monkeypatch.setitem(sys.modules, "matplotlib.figure", None)
    with pytest.raises(ImportError, match=r"pip install autograd-dnn\[plot\]"):
        viz.plot_costs(history([1.0, 0.5]))


# ----------------------------------------------------------------------------- layering
def test_autograd_dnn_never_imports_viz() -> None:
    """Importing the framework (every module of it) never loads viz: arrows point one way."""
    code = (
        "import importlib, pkgutil, sys, autograd_dnn\n"
        "for m in pkgutil.walk_packages(autograd_dnn.__path__, 'autograd_dnn.'):\n"
        "    if not m.name.endswith('__main__'):\n"
        "        importlib.import_module(m.name)\n"
        "assert 'viz' not in sys.modules, 'autograd_dnn imported viz'\n"
    )
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    proc = subprocess.run(
        [sys.executable, "-c", code], cwd=ROOT, env=env, capture_output=True, timeout=60
    )
    assert proc.returncode == 0, proc.stderr.decode()


# ----------------------------------------------------------------------------- docs
def test_docs_notation_is_the_one_reference() -> None:
    """Issue 14.17: a clone has no ../shared; viz, examples and docs point to docs/notation.md."""
    notation = ROOT / "docs" / "notation.md"
    text = notation.read_text(encoding="utf-8")
    for heading in (
        "## Layers and shapes",
        "## Forward propagation",
        "## Backward propagation",
        "## The factor m",
        "## Gradient checking",
        "## Dropout",
        "## Batch norm",
        "## Optimization",
        "## Convolutions: samples come first",
        "## Recurrent cells",
    ):
        assert heading in text, heading
    assert "`(m, n_H_prev, n_W_prev, n_C_prev)`" in text and "`(n_x, m, T_x)`" in text
    assert "course dA[l] = m * dJ/dA[l]" in text
    stale = []
    for folder in ("viz", "examples", "docs"):
        for path in sorted((ROOT / folder).rglob("*")):
            if path.suffix in (".py", ".md") and path.is_file():
                body = path.read_text(encoding="utf-8")
                if "NOTATION.md" in body or "../shared" in body:
                    stale.append(str(path.relative_to(ROOT)))
    assert stale == [], f"point these to docs/notation.md: {stale}"
    assert "docs/notation.md" in (ROOT / "examples" / "deep_vs_shallow.py").read_text()


# ----------------------------------------------------------------------------- docs pictures
def _train_history(alpha: float, iterations: int = 1500, every: int = 50) -> NS:
    """Gradient descent on the flower with an [2, 4, 1] tanh network: a real cost curve."""
    from autograd_dnn import datasets

    X, Y = datasets.flower(m=400, seed=1)
    X_train, Y_train, X_dev, Y_dev = datasets.train_dev_split(X, Y, dev_fraction=0.25, seed=0)
    rng = np.random.default_rng(2)
    W1 = ad.Tensor(rng.standard_normal((4, 2)) * 0.5, requires_grad=True, name="W1")
    b1 = ad.Tensor(np.zeros((4, 1)), requires_grad=True, name="b1")
    W2 = ad.Tensor(rng.standard_normal((1, 4)) * 0.5, requires_grad=True, name="W2")
    b2 = ad.Tensor(np.zeros((1, 1)), requires_grad=True, name="b2")
    params = [W1, b1, W2, b2]

    def J_of(X_: np.ndarray, Y_: np.ndarray) -> ad.Tensor:
        A1 = F.linear(W1, ad.Tensor(X_), b1).tanh()
        return F.binary_cross_entropy_with_logits(F.linear(W2, A1, b2), Y_)

    h = NS(costs=[], dev_costs=[], iterations=[])
    for i in range(iterations + 1):
        J = J_of(X_train, Y_train)
        if i % every == 0:
            h.costs.append(float(J.data))
            with ad.no_grad():
                h.dev_costs.append(float(J_of(X_dev, Y_dev).data))
            h.iterations.append(i)
        J.backward()
        for p in params:
            p.data = p.data - alpha * p.grad
            p.grad = None
    return h


def _expression() -> ad.Tensor:
    """y = sum(2 (x @ w) + 1.5) after backward: a graph with no network in it."""
    rng = np.random.default_rng(0)
    w = ad.Tensor(rng.standard_normal((3, 1)), requires_grad=True, name="w")
    x = ad.Tensor(rng.standard_normal((2, 3)), name="x")
    y = (x @ w * 2.0 + 1.5).sum()
    y.name = "y"
    y.backward()
    return y


def write_docs_pictures(out: Path) -> list[str]:
    """The reference pictures of docs/ (svg and png): ``python -m tests.test_viz``."""
    written: list[str] = []
    for dims in (NET_A, NET_B):
        tag = "_".join(map(str, dims))
        for view in viz.VIEWS:
            d = viz.layer_graph(net(dims), view=view)
            written += [d.render(out / f"net_{tag}_{view}", format=f) for f in ("svg", "png")]
    pictures = {
        "net_2_8x9_1_blocks": viz.layer_graph(net(TEN_SAME), view="blocks"),
        "compute_2layer": viz.computation_graph(cost([2, 3, 1])),
        "compute_heat": viz.computation_graph(cost(NET_B, act="sigmoid")),
        "compute_deep50": viz.computation_graph(cost(DEEP, act="sigmoid")),
        "compute_expression": viz.computation_graph(_expression()),
    }
    for name, d in pictures.items():
        written += [d.render(out / name, format=f) for f in ("svg", "png")]
    runs = {f"α = {a}": _train_history(a) for a in (1.2, 0.3, 0.05)}
    for f in ("svg", "png"):
        path = out / f"cost_curves.{f}"
        viz.plot_costs(runs, path=path, title="Learning rate α: train (solid) and dev (dashed)")
        written.append(str(path))
    for p in written:  # render() leaves the DOT text beside each picture
        Path(p).with_suffix(".dot").unlink(missing_ok=True)
    return written


if __name__ == "__main__":
    print("\n".join(write_docs_pictures(ROOT / "docs")))


# ----------------------------------------------------------------------------- gradient flow
def test_fit_records_the_gradient_flow_and_viz_draws_it(tmp_path):
    pytest.importorskip("matplotlib")
    X, Y = ad.datasets.flower(120, seed=0)
    net = ad.DeepNetwork([2, 5, 4, 1], hidden_activation="sigmoid", seed=0)
    h = net.fit(X, Y, learning_rate=0.1, iterations=50, print_every=10, progress=False)
    assert list(h.weight_ratios) == ["W1", "W2", "W3"]
    assert list(h.activation_grads) == ["dA1", "dA2"]
    assert all(len(v) == len(h.iterations) == 6 for v in h.weight_ratios.values())
    # the last point was recorded after the last step: the network as it is now, on all 120
    # samples (up to 512 are used)
    g = net.gradients(X, Y)
    W2 = net.parameters()["W2"].data
    assert h.weight_ratios["W2"][-1] == pytest.approx(np.linalg.norm(g["dW2"]) / np.linalg.norm(W2))
    assert h.activation_grads["dA1"][-1] == pytest.approx(np.linalg.norm(g["dA1"]))
    fig = viz.plot_gradient_flow({"sigmoid": h, "again": h}, path=tmp_path / "flow.svg")
    assert len(fig.axes) == 4 and fig.axes[0].get_yscale() == "log"
    assert len(fig.axes[0].lines) == 3 and len(fig.axes[1].lines) == 2
    assert (tmp_path / "flow.svg").read_text().startswith("<?xml")
    assert hasattr(fig, "_repr_png_")


def test_the_gradient_flow_needs_tracked_gradients():
    pytest.importorskip("matplotlib")
    X, Y = ad.datasets.flower(40, seed=0)
    h = ad.DeepNetwork([2, 3, 1], seed=0).fit(
        X, Y, iterations=3, progress=False, track_gradients=False
    )
    assert h.weight_ratios == {} and h.activation_grads == {}
    with pytest.raises(ValueError, match="track_gradients=True"):
        viz.plot_gradient_flow(h)


def test_layer_histograms_have_one_column_per_layer(tmp_path):
    pytest.importorskip("matplotlib")
    X, Y = ad.datasets.flower(60, seed=0)
    net = ad.DeepNetwork([2, 6, 5, 1], seed=0)
    fig = viz.plot_layer_histograms(net, X, Y, path=tmp_path / "hist.png")
    assert len(fig.axes) == 6
    titles = [ax.get_title().split()[0] for ax in fig.axes]
    assert titles == ["A1", "A2", "Z3", "dW1", "dW2", "dW3"]  # the output layer's Z (fused)
    assert (tmp_path / "hist.png").stat().st_size > 1000
