"""The recorded graph as data: ``to_networkx``, ``layer_scope``, ``tensors_of``."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

import autograd_dnn.functional as F
from autograd_dnn import Tensor, layer_scope, to_networkx
from autograd_dnn.graph import tensors_of

ROOT = Path(__file__).resolve().parents[1]


def build_two_layer() -> dict[str, Tensor]:
    """A 2-layer network [2, 4, 1] on m = 3 samples, one cost, layers labelled."""
    rng = np.random.default_rng(0)
    X = Tensor(rng.normal(size=(2, 3)), name="X")
    Y = Tensor(np.array([[1.0, 0.0, 1.0]]), name="Y")
    W1 = Tensor(rng.normal(size=(4, 2)), requires_grad=True, name="W1")
    b1 = Tensor(np.zeros((4, 1)), requires_grad=True, name="b1")
    W2 = Tensor(rng.normal(size=(1, 4)), requires_grad=True, name="W2")
    b2 = Tensor(np.zeros((1, 1)), requires_grad=True, name="b2")
    with layer_scope(1):
        Z1 = F.linear(W1, X, b1)
        A1 = Z1.relu()
    with layer_scope(2):
        Z2 = F.linear(W2, A1, b2)
    J = F.binary_cross_entropy_with_logits(Z2, Y)
    for name, t in (("Z1", Z1), ("A1", A1), ("Z2", Z2), ("J", J)):
        t.name = name
    return dict(X=X, Y=Y, W1=W1, b1=b1, W2=W2, b2=b2, Z1=Z1, A1=A1, Z2=Z2, J=J)


def describe(output: Tensor) -> dict:
    """Nodes and edges of ``to_networkx(output)`` as plain JSON-able lists."""
    g = to_networkx(output)
    nodes = [
        [k, {a: list(v) if isinstance(v, tuple) else v for a, v in d.items()}]
        for k, d in g.nodes(data=True)
    ]
    edges = [[u, v, d] for u, v, d in g.edges(data=True)]
    return {"nodes": nodes, "edges": edges}


EXPECTED_NODES = [
    # key, kind, op, shape, name, layer (ops and their outputs carry the layer of their scope)
    (0, "input", "", (2, 3), "X", None),
    (1, "input", "", (1, 3), "Y", None),
    (2, "param", "", (4, 2), "W1", None),
    (3, "param", "", (4, 1), "b1", None),
    (4, "param", "", (1, 4), "W2", None),
    (5, "param", "", (1, 1), "b2", None),
    (6, "op", "linear", (4, 3), "linear", 1),
    (7, "tensor", "linear", (4, 3), "Z1", 1),
    (8, "op", "relu", (4, 3), "relu", 1),
    (9, "tensor", "relu", (4, 3), "A1", 1),
    (10, "op", "linear", (1, 3), "linear", 2),
    (11, "tensor", "linear", (1, 3), "Z2", 2),
    (12, "op", "bce_with_logits", (), "bce_with_logits", None),
    (13, "tensor", "bce_with_logits", (), "J", None),
]
EXPECTED_EDGES = [
    (0, 6, 1),  # X is argument 1 of linear(W1, X, b1)
    (1, 12, 1),  # Y is argument 1 of bce(Z2, Y)
    (2, 6, 0),
    (3, 6, 2),
    (4, 10, 0),
    (5, 10, 2),
    (6, 7, 0),  # op -> the tensor it made
    (7, 8, 0),
    (8, 9, 0),
    (9, 10, 1),
    (10, 11, 0),
    (11, 12, 0),
    (12, 13, 0),
]


def test_to_networkx_nodes_and_attributes() -> None:
    g = to_networkx(build_two_layer()["J"])
    assert list(g.nodes) == list(range(len(EXPECTED_NODES)))
    for key, kind, op, shape, name, layer in EXPECTED_NODES:
        d = g.nodes[key]
        assert (d["kind"], d["op"], d["shape"], d["name"]) == (kind, op, shape, name), key
        assert d["dtype"] == "float64"
        assert d["layer"] == layer, key
        assert "grad_norm" not in d  # no backward yet


def test_to_networkx_edges_with_argument_positions() -> None:
    g = to_networkx(build_two_layer()["J"])
    edges = sorted((u, v, d["arg"]) for u, v, d in g.edges(data=True))
    assert edges == EXPECTED_EDGES


def test_every_op_node_is_followed_by_its_output() -> None:
    g = to_networkx(build_two_layer()["J"])
    for k, d in g.nodes(data=True):
        if d["kind"] == "op":
            assert g.nodes[k + 1]["kind"] == "tensor" and g.nodes[k + 1]["op"] == d["op"]
            assert list(g.successors(k)) == [k + 1]
        elif d["kind"] in ("input", "param"):
            assert g.in_degree(k) == 0


def test_layer_scope_labels_the_outputs_too() -> None:
    """Regression: tensors made inside layer_scope had layer None while their op had it."""
    t = build_two_layer()
    assert (t["Z1"].layer, t["A1"].layer, t["Z2"].layer, t["J"].layer) == (1, 1, 2, None)
    g = to_networkx(t["J"])
    assert [g.nodes[k]["layer"] for k in (7, 9, 11, 13)] == [1, 1, 2, None]


def test_layer_scope_nests_and_restores() -> None:
    x = Tensor(np.ones((2, 1)), requires_grad=True)
    with layer_scope(3):
        with layer_scope(4):
            inner = x * 2.0
        outer = x * 3.0
        with pytest.raises(KeyError), layer_scope(5):
            raise KeyError("restored on error")
        after_error = x * 4.0
    outside = x * 5.0
    g = to_networkx(inner + outer + after_error + outside)
    layers = [d["layer"] for _, d in g.nodes(data=True) if d["kind"] == "op" and d["op"] == "mul"]
    assert layers == [4, 3, 3, None]


def test_grad_norm_after_backward() -> None:
    t = build_two_layer()
    t["A1"].retain_grad()
    t["J"].backward()
    g = to_networkx(t["J"])
    by_name = {d["name"]: d for _, d in g.nodes(data=True) if d["kind"] != "op"}
    for name in ("W1", "b1", "W2", "b2"):
        assert by_name[name]["grad_norm"] == pytest.approx(np.linalg.norm(t[name].grad))
        assert by_name[name]["grad_norm"] > 0
    assert by_name["A1"]["grad_norm"] == pytest.approx(np.linalg.norm(t["A1"].grad))
    for name in ("X", "Y", "Z1", "Z2", "J"):
        assert "grad_norm" not in by_name[name], name


def test_graph_does_not_depend_on_earlier_tensors() -> None:
    """Node keys are positions in recording order, not global ids."""
    first = describe(build_two_layer()["J"])
    _unrelated = [Tensor(np.ones(3), requires_grad=True) * 2.0 for _ in range(7)]
    assert describe(build_two_layer()["J"]) == first


_PROGRAM = (
    "import json; from tests.test_graph import build_two_layer, describe; "
    "print(json.dumps(describe(build_two_layer()['J']), sort_keys=True))"
)


def _run_program(hash_seed: str) -> str:
    env = dict(os.environ, PYTHONHASHSEED=hash_seed, PYTHONPATH=str(ROOT))
    done = subprocess.run(
        [sys.executable, "-c", _PROGRAM],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    return done.stdout


def test_two_processes_give_identical_graphs() -> None:
    one, two = _run_program("1"), _run_program("2")  # different hash seeds, too
    assert one == two
    data = json.loads(one)
    assert len(data["nodes"]) == len(EXPECTED_NODES)
    assert data == json.loads(json.dumps(describe(build_two_layer()["J"]), sort_keys=True))


def test_tensors_of_is_iterative_and_ordered() -> None:
    x = Tensor(np.ones((1, 1)), requires_grad=True, name="x")
    y = x
    for _ in range(5000):
        y = y + 1.0
    ts = tensors_of(y)
    assert len(ts) == 5001 and ts[0] is x and ts[-1] is y
    g = to_networkx(y)
    assert g.number_of_nodes() == 1 + 2 * 5000
    assert g.number_of_edges() == 2 * 5000


def test_leaf_output_is_a_single_node() -> None:
    W = Tensor(np.ones((2, 2)), requires_grad=True, name="W1")
    g = to_networkx(W)
    assert list(g.nodes(data="kind")) == [(0, "param")]
    assert g.number_of_edges() == 0
