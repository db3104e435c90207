"""viz.recurrent: the unrolled view, the blocks of one cell, and ||da<t>|| over t.

The DOT text must be the same bytes in two processes; a long sequence must fold into a fixed
number of nodes that still account for every step; the labels must be the course's; and the
plotted norms must be the norms of what ``model.gradients`` returns, computed here again.
"""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path
from types import SimpleNamespace

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import autograd_dnn as ad
import viz

ROOT = Path(__file__).resolve().parents[1]


def needs_dot(fn):
    return pytest.mark.skipif(viz.find_dot() is None, reason="Graphviz's dot is not installed")(fn)


def model(cell: str, n_x: int = 27, n_a: int = 50, n_y: int = 27) -> ad.RNNModel:
    return ad.RNNModel(n_x=n_x, n_a=n_a, n_y=n_y, cell=cell, seed=0)


def labels(diagram: viz.Diagram) -> dict[str, str]:
    g = diagram.to_networkx()
    return {n: str(d.get("dot", {}).get("label", "")) for n, d in g.nodes(data=True)}


# ----------------------------------------------------------------------------- determinism
PROGRAM = """
import autograd_dnn as ad, viz
for cell in ("rnn", "lstm"):
    m = ad.RNNModel(27, 50, 27, cell=cell, seed=3)
    print(viz.unrolled_graph(m, T_x=50).source)
    print(viz.unrolled_graph(m, T_x=3).source)
    print(viz.cell_graph(m).source)
"""


def test_dot_is_byte_identical_in_two_processes() -> None:
    def run() -> bytes:
        proc = subprocess.run(
            [sys.executable, "-c", PROGRAM],
            cwd=ROOT,
            capture_output=True,
            env={"PYTHONPATH": str(ROOT), "PYTHONHASHSEED": "random", "PATH": ""},
            timeout=120,
        )
        assert proc.returncode == 0, proc.stderr.decode()
        return proc.stdout

    first, second = run(), run()
    assert first == second
    here = "".join(
        viz.unrolled_graph(model(c), T_x=50).source
        + "\n"
        + viz.unrolled_graph(model(c), T_x=3).source
        + "\n"
        + viz.cell_graph(model(c)).source
        + "\n"
        for c in ("rnn", "lstm")
    )
    assert first.decode("utf-8") == here


# ----------------------------------------------------------------------------- folding
def test_fifty_steps_fold_into_46_more() -> None:
    assert viz.shown_steps(50) == [1, 2, None, 49, 50]
    d = viz.unrolled_graph(model("rnn"), T_x=50)
    g = d.to_networkx()
    cells = [n for n, data in g.nodes(data=True) if data["kind"] == "cell"]
    assert cells == ["cell1", "cell2", "cell49", "cell50"]
    assert g.nodes["fold"]["steps"] == (3, 48)
    assert "… 46 more steps …" in labels(d)["fold"]
    assert g.graph["folded"] == 46
    # the states run a<0> -> cell 1 -> cell 2 -> fold -> cell 49 -> cell 50, each edge named
    # by the step that produced it
    chain = [("a0", "cell1", 0), ("cell1", "cell2", 1), ("cell2", "fold", 2)]
    chain += [("fold", "cell49", 48), ("cell49", "cell50", 49)]
    for u, v, t in chain:
        assert g.edges[u, v]["dot"]["label"].strip() == f"a<{t}>"


def test_size_does_not_grow_with_T_x() -> None:
    small = viz.unrolled_graph(model("lstm"), T_x=50).to_networkx()
    huge = viz.unrolled_graph(model("lstm"), T_x=10_000).to_networkx()
    assert len(small) == len(huge) and small.number_of_edges() == huge.number_of_edges()
    assert "… 9996 more steps …" in labels(viz.unrolled_graph(model("lstm"), T_x=10_000))["fold"]


def test_short_sequences_are_drawn_whole() -> None:
    for T_x in (1, 2, 5):
        g = viz.unrolled_graph(model("rnn"), T_x=T_x).to_networkx()
        assert "fold" not in g
        assert [n for n in g if n.startswith("cell")] == [f"cell{t}" for t in range(1, T_x + 1)]
        assert g.graph["folded"] == 0


@settings(max_examples=40, deadline=None)
@given(T_x=st.integers(1, 500), max_steps=st.integers(2, 12))
def test_shown_steps_account_for_every_step(T_x: int, max_steps: int) -> None:
    steps = viz.shown_steps(T_x, max_steps)
    drawn = [t for t in steps if t is not None]
    assert drawn == sorted(set(drawn)) and drawn[0] == 1 and drawn[-1] == T_x
    if None in steps:
        assert steps.count(None) == 1 and len(drawn) == max_steps
        k = steps.index(None)
        folded = drawn[k] - drawn[k - 1] - 1  # the steps between the two sides of the fold
        assert folded >= 2 and len(drawn) + folded == T_x
        assert drawn == [*range(1, k + 1), *range(T_x - len(drawn) + k + 1, T_x + 1)]
    else:
        assert drawn == list(range(1, T_x + 1)) and T_x <= max_steps + 1


# ----------------------------------------------------------------------------- labels
def test_rnn_labels_in_course_notation() -> None:
    m = model("rnn", n_x=3, n_a=5, n_y=2)
    d = viz.unrolled_graph(m, T_x=50)
    lab = labels(d)
    assert lab["cell1"].endswith("a<1> = tanh(Waa a<0> + Wax x<1> + ba)")
    assert lab["cell50"].endswith("a<50> = tanh(Waa a<49> + Wax x<50> + ba)")
    assert lab["x49"] == "x<49>\n(n_x, m) = (3, m)"
    assert lab["yhat2"] == "ŷ<2> = softmax(Wya a<2> + by)\n(n_y, m) = (2, m)"
    assert lab["a0"] == "a<0> = 0\n(n_a, m) = (5, m)"
    # the shared-weights table: every parameter with the model's own shape, and the total
    table = lab["params"]
    for key, t in m.parameters().items():
        r, c = t.shape
        assert re.search(rf">{key}</TD><TD[^>]*>\(n_\w, [^)]*\)</TD><TD[^>]*>\({r}, {c}\)<", table)
    assert f"{m.num_parameters():,}" in d.to_networkx().graph["attrs"]["label"]


def test_lstm_labels_carry_a_and_c() -> None:
    m = model("lstm", n_x=3, n_a=5, n_y=2)
    g = viz.unrolled_graph(m, T_x=4).to_networkx()
    assert g.edges["cell1", "cell2"]["states"] == ["c", "a"]
    assert g.edges["cell1", "cell2"]["dot"]["label"] == " c<1> \n a<1> "
    assert "c<2> = ft * c<1> + it * cct" in g.nodes["cell2"]["dot"]["label"]
    assert "a<2> = ot * tanh(c<2>)" in g.nodes["cell2"]["dot"]["label"]
    assert g.nodes["a0"]["dot"]["label"].startswith("a<0> = 0\nc<0> = 0")
    assert '(n_a, n_a + n_x)</TD><TD ALIGN="LEFT">(5, 8)' in g.nodes["params"]["dot"]["label"]


def test_lstm_cell_blocks() -> None:
    d = viz.cell_graph(model("lstm", n_x=3, n_a=5, n_y=2))
    g = d.to_networkx()
    lab = labels(d)
    for gate, formula in (
        ("ft", "ft = σ(Wf concat + bf)"),
        ("it", "it = σ(Wi concat + bi)"),
        ("cct", "cct = tanh(Wc concat + bc)"),
        ("ot", "ot = σ(Wo concat + bo)"),
    ):
        assert g.nodes[gate]["kind"] == "gate"
        assert formula in lab[gate] and "(n_a, n_a + n_x) = (5, 8)" in lab[gate]
        assert g.has_edge("concat", gate)
    # the cell state c_prev -> x ft -> + it * cct -> c_next, and a_next = ot * tanh(c_next)
    wires = "c_prev mul_f, ft mul_f, mul_f add_c, it mul_i, cct mul_i, mul_i add_c, add_c c_next"
    wires += ", add_c tanh_c, tanh_c mul_o, ot mul_o, mul_o a_next, a_next yt"
    for u, v in (pair.split() for pair in wires.split(", ")):
        assert g.has_edge(u, v), (u, v)
    assert lab["concat"] == "concat = [a_prev; xt]\n(n_a + n_x, m) = (8, m)"
    backward = dict((f.split(" = ")[0], (f, s, n)) for f, s, n in g.graph["backward_rows"])
    assert backward["dc_prev"] == (
        "dc_prev = dc_next * ft + ot * (1 - tanh(c_next)²) * ft * da_next",
        "(n_a, m)",
        "(5, m)",
    )
    assert backward["dft"][0] == "dft = dc * c_prev * ft * (1 - ft)"
    assert backward["dWf"][1:] == ("(n_a, n_a + n_x)", "(5, 8)")
    assert backward["dxt"][1:] == ("(n_x, m)", "(3, m)")
    # both tables are in the picture, beside each other (one row of the graph's label)
    source = d.source
    assert "lstm_cell_forward" in source and "lstm_cell_backward (no 1/m)" in source
    assert re.search(r"forward: lstm_cell_forward.*</TD><TD VALIGN=\"TOP\">.*backward", source)


def test_rnn_cell_blocks() -> None:
    d = viz.unrolled_graph(model("rnn", n_x=3, n_a=5, n_y=2), view="cell")
    g = d.to_networkx()
    assert g.graph["view"] == "cell" and g.graph["cell"] == "rnn"
    rows = [f for f, _, _ in g.graph["backward_rows"]]
    assert rows[0] == "dtanh = (1 - a_next²) * da_next"
    assert "da_prev = Waaᵀ dtanh" in rows and "dWax = dtanh xtᵀ" in rows
    assert ("dWaa = dtanh a_prevᵀ", "(n_a, n_a)", "(5, 5)") in g.graph["backward_rows"]


def test_any_object_with_the_four_fields_is_drawn() -> None:
    spec = SimpleNamespace(cell="lstm", n_x=4, n_a=6, n_y=4)
    assert (
        viz.unrolled_graph(spec, T_x=3).source
        == viz.unrolled_graph(ad.RNNModel(4, 6, 4, cell="lstm"), T_x=3).source
    )


@pytest.mark.parametrize(
    ("call", "error", "words"),
    [
        (lambda: viz.unrolled_graph(model("rnn")), ValueError, "needs T_x"),
        (lambda: viz.unrolled_graph(model("rnn"), T_x=0), ValueError, "T_x must be"),
        (lambda: viz.unrolled_graph(model("rnn"), T_x=5, view="flat"), ValueError, "view must"),
        (lambda: viz.unrolled_graph(model("rnn"), T_x=9, max_steps=1), ValueError, "max_steps"),
        (lambda: viz.cell_graph(SimpleNamespace(cell="rnn", n_x=2)), TypeError, "'n_a'"),
        (
            lambda: viz.cell_graph(SimpleNamespace(cell="gru", n_x=2, n_a=2, n_y=2)),
            ValueError,
            "model.cell",
        ),  # fmt: skip
        (
            lambda: viz.cell_graph(SimpleNamespace(cell="rnn", n_x=2, n_a=0, n_y=2)),
            ValueError,
            "model.n_a",
        ),  # fmt: skip
    ],
)
def test_bad_inputs_are_named(call, error, words: str) -> None:
    with pytest.raises(error, match=re.escape(words)):
        call()


@needs_dot
def test_renders(tmp_path: Path) -> None:
    for name, d in (
        ("unrolled", viz.unrolled_graph(model("lstm"), T_x=50)),
        ("cell", viz.cell_graph(model("lstm"))),
    ):
        svg = Path(d.render(tmp_path / name, format="svg")).read_text()
        assert "… 46 more steps …" in svg if name == "unrolled" else "lstm_cell_backward" in svg
        png = Path(d.render(tmp_path / name, format="png")).read_bytes()
        assert png[:8] == b"\x89PNG\r\n\x1a\n"


# ----------------------------------------------------------------------------- ||da<t>||
@pytest.fixture(scope="module")
def adding() -> tuple[np.ndarray, np.ndarray]:
    return ad.datasets.adding_problem(m=6, T_x=12, seed=1)


def norms_by_hand(grads: dict, key: str, T_x: int) -> np.ndarray:
    return np.array([np.sqrt(np.sum(grads[f"{key}{t}"] ** 2)) for t in range(1, T_x + 1)])


def test_plot_data_equals_the_norms_of_model_gradients(adding) -> None:
    X, Y = adding
    rnn, lstm = ad.RNNModel(2, 5, 4, cell="rnn", seed=2), ad.RNNModel(2, 5, 4, cell="lstm")
    g_rnn, g_lstm = rnn.gradients(X, Y), lstm.gradients(X, Y)
    fig = viz.plot_gradient_over_time({"rnn": g_rnn, "lstm": (lstm, X, Y)})
    ax = fig.axes[0]
    lines = {line.get_label(): line for line in ax.get_lines()}
    assert set(lines) == {"rnn", "lstm: ||da<t>||", "lstm: ||dc<t>||"}
    for label, grads, key in (
        ("rnn", g_rnn, "da"),
        ("lstm: ||da<t>||", g_lstm, "da"),
        ("lstm: ||dc<t>||", g_lstm, "dc"),
    ):
        want = norms_by_hand(grads, key, 12)
        x, y = lines[label].get_data()
        assert list(x) == list(range(1, 13))
        shown = want > 0
        np.testing.assert_allclose(np.asarray(y)[shown], want[shown], rtol=1e-12)
        assert np.all(np.isnan(np.asarray(y)[~shown]))
    # dc<T_x> is 0 (the last cell state feeds nothing): left off the log axis, not reported
    assert norms_by_hand(g_lstm, "dc", 12)[-1] == 0
    assert ax.get_yscale() == "log"
    np.testing.assert_allclose(fig.gradient_norms[""]["rnn"]["da"], norms_by_hand(g_rnn, "da", 12))


def test_zero_gradients_are_counted_in_the_legend(adding) -> None:
    X, Y = adding
    grads = ad.RNNModel(2, 5, 4, cell="rnn").gradients(X, Y)
    for t in (1, 2, 3):
        grads[f"da{t}"] = np.zeros_like(grads[f"da{t}"])
    fig = viz.plot_gradient_over_time({"saturated": grads})
    (line,) = fig.axes[0].get_lines()
    assert line.get_label() == "saturated (= 0 at 3 steps)"
    assert np.all(np.isnan(line.get_ydata()[:3])) and np.all(line.get_ydata()[3:] > 0)


def test_panels_and_histories_share_colours(adding, tmp_path: Path) -> None:
    X, Y = adding
    g = ad.RNNModel(2, 5, 4, cell="rnn").gradients(X, Y)
    models = {c: ad.RNNModel(2, 5, 4, cell="rnn", seed=1) for c in ("no clip", "clip = 1")}
    hist = {
        label: mdl.fit(X, Y, iterations=4, print_every=1, progress=False, learning_rate=0.1,
                       clip=None if label == "no clip" else 1.0, track_gradients=False)
        for label, mdl in models.items()
    }  # fmt: skip
    runs = {"start": {"init": g}, "trained": {k: m.gradients(X, Y) for k, m in models.items()}}
    out = tmp_path / "grads.png"
    fig = viz.plot_gradient_over_time(runs, histories=hist, path=out)
    assert out.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    assert [ax.get_title() for ax in fig.axes] == [
        "start",
        "trained",
        "training: cost J",
    ]
    trained = {line.get_label(): line for line in fig.axes[1].get_lines()}
    costs = {line.get_label(): line for line in fig.axes[2].get_lines()}
    for label, h in hist.items():
        assert trained[label].get_color() == costs[label].get_color()
        np.testing.assert_array_equal(costs[label].get_ydata(), h.costs)
    assert costs["no clip"].get_color() != costs["clip = 1"].get_color()


def test_gradient_norms_errors(adding) -> None:
    X, Y = adding
    grads = ad.RNNModel(2, 5, 4, cell="lstm").gradients(X, Y)
    with pytest.raises(ValueError, match="no da1, da2"):
        viz.gradient_norms({"dWax": np.ones((2, 2))})
    with pytest.raises(TypeError, match="model.gradients"):
        viz.gradient_norms([1, 2])
    del grads["dc12"]
    with pytest.raises(ValueError, match="da1..da12 but dc1..dc11"):
        viz.gradient_norms(grads)
    with pytest.raises(TypeError, match="run 'x'"):
        viz.plot_gradient_over_time({"x": 3.0})
    with pytest.raises(ValueError, match="mixes"):
        viz.plot_gradient_over_time({"a": {"da1": np.ones((2, 1))}, "b": {"c": {}}})
    with pytest.raises(ValueError, match="at least one run"):
        viz.plot_gradient_over_time({})


def test_unrolled_view_shows_the_gradient_norms(adding) -> None:
    X, Y = adding  # T_x = 12: steps 1, 2, fold 3..10, 11, 12
    lstm = ad.RNNModel(2, 5, 4, cell="lstm", seed=1)
    grads = lstm.gradients(X, Y)
    lab = labels(viz.unrolled_graph(lstm, T_x=12, grads=grads))
    da, dc = norms_by_hand(grads, "da", 12), norms_by_hand(grads, "dc", 12)
    for t in (1, 2, 11, 12):
        assert f"||da<{t}>|| = {da[t - 1]:.2e}" in lab[f"cell{t}"]
        assert f"||dc<{t}>|| = {dc[t - 1]:.2e}" in lab[f"cell{t}"]
    folded = da[2:10]
    assert f"||da<t>|| from {folded.min():.2e} to {folded.max():.2e}" in lab["fold"]
    with pytest.raises(ValueError, match="da1..da12 but T_x = 13"):
        viz.unrolled_graph(lstm, T_x=13, grads=grads)
