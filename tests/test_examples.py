"""Every script in examples/ runs as a user would run it, on its small sizes, in tmp_path.

Each is a subprocess (``python examples/NAME.py --quick --out tmp_path`` where it takes
those flags) whose output must say what the script promises and whose pictures must exist.
"""

from __future__ import annotations

import ast
import math
import os
import re
import subprocess
import sys
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest

EXAMPLES = Path(__file__).resolve().parents[1] / "examples"
PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"
TESTED = {
    "char_model",
    "check_your_backprop",
    "choose_hyperparameters",
    "custom_op",
    "deep_vs_shallow",
    "gradient_checking",  # tested in test_example_gradient_checking.py
    "gradient_flow",
    "gradient_over_time",
    "regularization",
}


def run_example(name: str, *args: object, cwd: Path) -> subprocess.CompletedProcess[str]:
    env = dict(os.environ, MPLBACKEND="Agg", OMP_NUM_THREADS="1", OPENBLAS_NUM_THREADS="1")
    proc = subprocess.run(
        [sys.executable, str(EXAMPLES / f"{name}.py"), *map(str, args)],
        cwd=cwd,
        capture_output=True,
        text=True,
        timeout=300,
        env=env,
    )
    where = f"{name}: exit {proc.returncode}\nstdout:\n{proc.stdout}\nstderr:\n{proc.stderr}"
    assert proc.returncode == 0, where
    assert "Traceback" not in proc.stderr, where
    return proc


def assert_png(path: Path) -> None:
    import matplotlib.image as mpimg

    assert path.is_file(), f"{path} was not written"
    assert path.read_bytes()[:8] == PNG_SIGNATURE
    img = mpimg.imread(path)
    assert img.ndim == 3 and img.shape[0] > 10 and img.shape[1] > 10


def needs_dot(fn):
    import viz

    return pytest.mark.skipif(viz.find_dot() is None, reason="Graphviz's dot is not installed")(fn)


def test_every_example_has_a_test() -> None:
    assert {p.stem for p in EXAMPLES.glob("*.py")} == TESTED


def test_check_your_backprop(tmp_path: Path) -> None:
    out = run_example("check_your_backprop", cwd=tmp_path).stdout
    first, _, second = out.partition("2. checking the fixed")
    assert "caught, as it should be" in first
    named = re.search(r"\b(dW\d+) differs from the textbook", first)
    assert named, f"the failure does not name a dW:\n{first}"
    assert "missing 1/m" in first, "the hint does not say what the bug is"
    assert "counterexample" in first and "layer_dims" in first
    assert second, "the fixed version was not checked"
    assert "passed" in second


def test_choose_hyperparameters(tmp_path: Path) -> None:
    out = run_example("choose_hyperparameters", "--quick", "--out", tmp_path, cwd=tmp_path).stdout
    assert len(re.findall(r"alpha = \S+\s+final cost [\d.]+, dev cost [\d.]+", out)) == 3
    assert len(re.findall(r"L = \d: dev cost [\d.]+, dev accuracy [\d.]+%", out)) == 4
    assert len(re.findall(r"n\[l\] = \d+\s+dev cost [\d.]+", out)) == 4
    chosen = re.search(r"^chosen: (\{.*\})$", out, re.M)
    assert chosen, out
    choice = ast.literal_eval(chosen.group(1))
    assert choice["learning_rate"] in (2.0, 0.5, 0.05)
    assert choice["hidden_layers"] in (1, 2, 3, 4)
    assert choice["width"] in (2, 4, 8, 16)
    assert f"wrote {tmp_path / 'learning_rates.png'}" in out
    assert_png(tmp_path / "learning_rates.png")


@needs_dot
def test_custom_op(tmp_path: Path) -> None:
    out = run_example("custom_op", "--out", tmp_path, cwd=tmp_path).stdout
    sections = re.split(r"^\s*\d\. ", out, flags=re.M)
    assert len(sections) == 5, out  # the text before "1." and four numbered steps
    assert "PASSED" in sections[1], "softplus vs finite differences"
    max_error = re.search(r"max error: (\S+)", sections[2])
    assert max_error and float(max_error.group(1)) < 1e-8, sections[2]
    assert re.search(r"accuracy after 300 steps: [\d.]+%", sections[3])
    assert "PASSED" in sections[3], "gradcheck of the softplus network"
    svg = tmp_path / "softplus.svg"
    assert str(svg) in sections[4]
    root = ET.parse(svg).getroot()
    assert root.tag.endswith("svg")
    assert "softplus" in svg.read_text(), "no softplus node in the computation graph"


def test_deep_vs_shallow(tmp_path: Path) -> None:
    out = run_example("deep_vs_shallow", "--quick", "--out", tmp_path, cwd=tmp_path).stdout
    lines = out.splitlines()
    assert "shallow units" in lines[0] and "deep units" in lines[0], lines[0]
    row = re.compile(r"^\s*(\d+)\s+(\d+|-)\s+(\d+)\s+(\d+|-)\s*$")
    rows = [m.groups() for m in map(row.match, lines[1:]) if m]
    assert [int(r[0]) for r in rows] == [2, 3, 4], out  # one row per n in the quick run
    for n, _shallow, depth, _deep in rows:
        assert int(depth) == max(2, math.ceil(math.log2(int(n))))
    assert f"wrote {tmp_path / 'deep_vs_shallow.png'}" in out
    assert_png(tmp_path / "deep_vs_shallow.png")


def test_gradient_flow(tmp_path: Path) -> None:
    """Vanishing gradients: in the deep sigmoid net ||dA[l]|| shrinks by more than 3x per layer
    going back (sigmoid' <= 1/4); with relu and He it stays within a factor 1.5."""
    out = run_example("gradient_flow", "--out", tmp_path / "flow.png", cwd=tmp_path).stdout
    factors = dict(
        re.findall(r"^(.+?)\s+\|\|dA\[l\+1\]\|\| / \|\|dA\[l\]\|\| = ([\d.]+)", out, re.M)
    )
    assert float(factors["sigmoid, xavier"]) > 3.0, out
    assert float(factors["relu, he"]) < 1.5, out
    assert_png(tmp_path / "flow.png")


def test_char_model(tmp_path: Path) -> None:
    """The quick character model: the cost falls, ten seeded names come out (the same in two
    runs), each of letters a-z only, and the cost curve is drawn."""
    args = ("--quick", "--out", tmp_path / "cost.png")
    out = run_example("char_model", *args, cwd=tmp_path).stdout
    costs = [float(c) for c in re.findall(r"^\s+epoch\s+\d+\s+train\s+([\d.]+)", out, re.M)]
    assert len(costs) >= 2 and costs[-1] < costs[0], out
    names = re.findall(r"^\s+\d: ([a-z]+)", out.split("sampled names (seeds 0-9):")[1], re.M)
    assert len(names) == 10, out
    assert re.search(r"^\d+ of 10 sampled names are new", out, re.M)
    again = run_example("char_model", *args, cwd=tmp_path).stdout
    assert again.split("sampled names")[1] == out.split("sampled names")[1]
    assert_png(tmp_path / "cost.png")


def test_gradient_over_time(tmp_path: Path) -> None:
    """Quick run: the xavier RNN's ||da<t>|| shrinks going back, the zero-bias LSTM's too,
    the LSTM with bf = 2 shrinks least; the Waa = 2Q RNN's grows; the course's clip leaves
    no entry above 5 and clipping by norm leaves a global norm of 5."""
    args = ("--quick", "--out", tmp_path / "grads.png", "--diagrams", tmp_path)
    out = run_example("gradient_over_time", *args, cwd=tmp_path).stdout
    factor = dict(
        re.findall(r"^\s+(.+?)\s+\|\|da<\d+>\|\|.*\(x ([\d.]+) per step back\)", out, re.M)
    )
    assert float(factor["RNN (xavier)"]) < 1, out
    assert float(factor["LSTM (bf = 0)"]) < 1, out
    assert float(factor["LSTM (bf = 2)"]) > max(
        float(factor["RNN (xavier)"]), float(factor["LSTM (bf = 0)"])
    )
    assert float(factor["at initialization"]) > 1, out
    assert re.search(
        r"clip elementwise\s+\(maxValue = 5\): global norm \S+, largest entry 5\n", out
    )
    assert re.search(r"clip by global norm \(maxValue = 5\): global norm 5,", out)
    assert len(re.findall(r"^\s+after training, ", out, re.M)) == 3
    assert_png(tmp_path / "grads.png")
    if viz_has_dot():
        assert_png(tmp_path / "rnn_unrolled.png")
        assert "46 more steps" in (tmp_path / "rnn_unrolled.svg").read_text()
        assert "lstm_cell_backward" in (tmp_path / "lstm_cell_blocks.svg").read_text()


def viz_has_dot() -> bool:
    import viz

    return viz.find_dot() is not None


def test_regularization(tmp_path: Path) -> None:
    """Without regularization the big net fits the training set (100%) while its dev cost
    climbs; L2 and dropout each end with a lower dev cost, and a PNG of the curves is written."""
    png = tmp_path / "curves.png"
    out = run_example("regularization", "--quick", "--out", png, cwd=tmp_path).stdout
    row = re.compile(
        r"^(.+?)\s+train accuracy\s+([\d.]+)%\s+dev accuracy\s+([\d.]+)%\s+final cost ([\d.]+)"
        r"\s+dev cost ([\d.]+)$",
        re.M,
    )
    runs = {m.group(1): [float(x) for x in m.groups()[1:]] for m in row.finditer(out)}
    assert set(runs) == {"no regularization", "L2, lambda = 0.1", "dropout, keep_prob = 0.7"}, out
    plain = runs["no regularization"]
    assert plain[0] == 100.0, out
    for label in ("L2, lambda = 0.1", "dropout, keep_prob = 0.7"):
        assert runs[label][3] < plain[3], f"{label}: dev cost not below the plain run's\n{out}"
        assert runs[label][2] > plain[2], f"{label}: training cost not above (less overfit)\n{out}"
    assert f"wrote {png}" in out
    assert_png(png)
