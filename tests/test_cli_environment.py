"""A machine without Graphviz's ``dot`` or without matplotlib (issue 14, items 4 and 5).

Without ``dot`` every .dot file is written, one line says how to install it, everything
else is produced, exit 0. Without matplotlib ``train --plot`` is refused before training
(exit 2, the install line); ``demo`` and ``sweep --out`` write everything else and say
what they skipped. Both are simulated in a subprocess: a PATH without ``dot``, and a
``sitecustomize`` that makes ``import matplotlib`` fail as it does when it is missing.
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from tests.test_cli import assert_bad_input, assert_ok, assert_png, assert_svg, cli_env, run

NO_MATPLOTLIB = "import sys\nsys.modules['matplotlib'] = None  # import matplotlib: ImportError\n"


@pytest.fixture
def no_dot(tmp_path: Path) -> dict[str, str]:
    """An environment whose PATH holds no ``dot`` (only an empty folder)."""
    empty = tmp_path / "empty-bin"
    empty.mkdir()
    return cli_env(PATH=str(empty))


@pytest.fixture
def no_matplotlib(tmp_path: Path) -> dict[str, str]:
    plant = tmp_path / "no-matplotlib"
    plant.mkdir()
    (plant / "sitecustomize.py").write_text(NO_MATPLOTLIB)
    path = os.pathsep.join(filter(None, [str(plant), os.environ.get("PYTHONPATH")]))
    return cli_env(PYTHONPATH=path)


def stderr_lines(proc) -> list[str]:
    assert "Traceback" not in proc.stderr, proc.stderr
    return proc.stderr.strip().splitlines()


# ----------------------------------------------------------------------------- no dot
def test_render_without_dot_writes_the_dot_file(tmp_path: Path, no_dot: dict) -> None:
    proc = run("render", "--layers", "2,3,1", "-o", "pics/net.png", cwd=tmp_path, env=no_dot)
    assert_ok(proc)
    dot = tmp_path / "pics" / "net.dot"
    assert dot.read_text().startswith("digraph"), "the DOT text was not written"
    assert not (tmp_path / "pics" / "net.png").exists()
    assert f"wrote {Path('pics') / 'net.dot'}" in proc.stdout
    [line] = stderr_lines(proc)
    assert "install Graphviz" in line and "apt-get install graphviz" in line, line
    assert "dot -Tpng pics/net.dot -o pics/net.png" in line, line


def test_demo_without_dot_writes_everything_else(tmp_path: Path, no_dot: dict) -> None:
    proc = run("demo", "--out", "out", "--quiet", cwd=tmp_path, env=no_dot)
    assert_ok(proc)
    out = tmp_path / "out"
    for name in ("layers", "neurons", "blocks", "compute"):
        assert (out / f"{name}.dot").read_text().startswith("digraph"), name
        assert not (out / f"{name}.svg").exists()
    for name in ("summary.txt", "gradcheck.txt", "model.npz"):
        assert (out / name).stat().st_size > 0, name
    assert_png(out / "cost.png")
    assert "PASSED" in (out / "gradcheck.txt").read_text()
    [line] = stderr_lines(proc)
    assert "dot is not installed" in line and "install Graphviz" in line, line


# ----------------------------------------------------------------------------- no matplotlib
def test_train_plot_without_matplotlib_is_refused_before_training(
    tmp_path: Path, no_matplotlib: dict
) -> None:
    proc = run("train", "--layers", "2,4,1", "--iterations", "50", "--plot", "cost.png",
               "--save", "model.npz", cwd=tmp_path, env=no_matplotlib)  # fmt: skip
    assert_bad_input(proc, "--plot", "matplotlib", "pip install")
    assert proc.stdout == "", "it trained before refusing"
    assert not (tmp_path / "model.npz").exists(), "it trained before refusing"


def test_train_without_plot_needs_no_matplotlib(tmp_path: Path, no_matplotlib: dict) -> None:
    proc = run("train", "--layers", "2,4,1", "--iterations", "5", "--quiet", "--save",
               "model.npz", cwd=tmp_path, env=no_matplotlib)  # fmt: skip
    assert_ok(proc)
    assert (tmp_path / "model.npz").exists()


def test_demo_without_matplotlib_says_what_it_skipped(tmp_path: Path, no_matplotlib: dict) -> None:
    proc = run("demo", "--out", "out", "--quiet", cwd=tmp_path, env=no_matplotlib)
    assert_ok(proc)
    out = tmp_path / "out"
    assert not (out / "cost.png").exists()
    assert not (out / "gradient_flow.png").exists()
    for name in ("summary.txt", "gradcheck.txt", "model.npz", "layers.dot"):
        assert (out / name).stat().st_size > 0, name
    if (out / "layers.svg").exists():  # dot is there: the pictures are too
        assert_svg(out / "layers.svg")
    [line] = stderr_lines(proc)
    assert "skipped the cost curve and the gradient flow" in line, line
    assert "matplotlib" in line and "pip install" in line


def test_sweep_without_matplotlib_skips_the_curves(tmp_path: Path, no_matplotlib: dict) -> None:
    proc = run("sweep", "--layers", "2,3,1", "--lr", "0.1,0.01", "--iterations", "5",
               "--executor", "serial", "--out", "sw", "--quiet", cwd=tmp_path,
               env=no_matplotlib)  # fmt: skip
    assert_ok(proc)
    for name in ("table.csv", "results.jsonl", "best.npz"):
        assert (tmp_path / "sw" / name).exists(), name
    assert not (tmp_path / "sw" / "costs.png").exists()
    [line] = stderr_lines(proc)
    assert "skipped costs.png" in line and "pip install" in line, line
