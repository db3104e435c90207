"""Course 2 on the command line (issue 15): ``--keep-prob``, ``--batch-norm``,
``--decay-rate`` with ``--time-interval`` and ``--optimizer rmsprop`` for ``train``; dropout and
batch-norm networks in ``gradcheck`` (masks frozen) and ``render`` (their blocks drawn), from
flags or from a saved model file.

Each flag and one bad value of it go through a subprocess, as a user gets them; the wider
matrix of bad values runs in-process (``cli``), as in test_cli.py.
"""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

from tests.test_cli import assert_bad_input, assert_ok, load_model, parse_json, run
from tests.test_cli import cli as cli  # noqa: F401 (the in-process fixture)

LAYERS = "2,5,4,1"  # two hidden layers
TRAIN = ["--layers", LAYERS, "--keep-prob", "0.8,0.6", "--batch-norm", "--optimizer", "rmsprop",
         "--decay-rate", "0.5", "--time-interval", "10", "--batch-size", "64", "--iterations",
         "30", "--print-every", "10"]  # fmt: skip


@pytest.fixture(scope="module")
def trained(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, dict]:
    """``train`` with every Course 2 flag, saved: (the model file, the JSON result)."""
    folder = tmp_path_factory.mktemp("course2")
    proc = run("train", *TRAIN, "--save", "c2.npz", "--json", cwd=folder)
    return folder / "c2.npz", parse_json(proc)


# ----------------------------------------------------------------------------- train
def test_train_flags_reach_the_network_and_fit(trained: tuple[Path, dict]) -> None:
    """The saved network is bit for bit the one DeepNetwork(keep_prob, batch_norm) + fit(
    optimizer="rmsprop", decay_rate, time_interval, batch_size) gives in this process on the
    same split of the same data: every flag reached the library, none was dropped."""
    import autograd_dnn as ad
    from autograd_dnn import datasets

    path, result = trained
    assert result["keep_prob"] == [0.8, 0.6] and result["batch_norm"] is True
    net = load_model(path)
    assert net.keep_prob == [0.8, 0.6] and net.batch_norm
    X, Y = datasets.load("flower", seed=0)
    X_tr, Y_tr, X_dev, Y_dev = datasets.train_dev_split(X, Y, 0.2, seed=0)
    same = ad.DeepNetwork([2, 5, 4, 1], seed=0, keep_prob=[0.8, 0.6], batch_norm=True)
    same.fit(X_tr, Y_tr, learning_rate=0.0075, iterations=30, optimizer="rmsprop",
             batch_size=64, seed=0, X_dev=X_dev, Y_dev=Y_dev, print_every=10, progress=False,
             decay_rate=0.5, time_interval=10)  # fmt: skip
    for k, v in same.get_parameters().items():
        np.testing.assert_array_equal(net.get_parameters()[k], v, err_msg=k)
    for k, v in same.running_statistics().items():
        np.testing.assert_array_equal(net.running_statistics()[k], v, err_msg=k)
    state = net.training_state
    assert state["optimizer"] == "rmsprop" and sorted(state["optimizer_state"]["buffers"]) == ["s"]
    opt = state["optimizer_state"]
    assert opt["time_interval"] == 10 and opt["decay_rate"] == 0.5
    # the course's schedule_lr_decay after 30 epochs: alpha0 / (1 + 0.5 * floor(30 / 10))
    assert opt["learning_rate"] == pytest.approx(0.0075 / (1 + 0.5 * (30 // 10)), rel=1e-15)


def test_one_keep_prob_for_every_hidden_layer(cli) -> None:
    out = cli("train", "--layers", "2,4,3,1", "--keep-prob", "0.7", "--iterations", "2", "--json")
    assert out.returncode == 0, out.stderr
    result = json.loads(out.stdout)
    assert result["keep_prob"] == [0.7, 0.7] and result["batch_norm"] is False


def test_train_help_lists_the_course2_flags(cli) -> None:
    out = cli("train", "--help")
    for flag in ("--keep-prob", "--batch-norm", "--decay-rate", "--time-interval", "rmsprop"):
        assert flag in out.stdout, flag


def test_sweep_takes_rmsprop(cli) -> None:
    out = cli("sweep", "--layers", "2,3,1", "--optimizer", "gd,rmsprop", "--iterations", "3",
              "--executor", "serial", "--json")  # fmt: skip
    assert out.returncode == 0, out.stderr
    assert {row["optimizer"] for row in json.loads(out.stdout)["table"]} == {"gd", "rmsprop"}


# ----------------------------------------------------------------------------- gradcheck
def test_gradcheck_a_dropout_batch_norm_network_from_flags(tmp_path: Path) -> None:
    proc = run("gradcheck", "--layers", "2,4,3,1", "--keep-prob", "0.8", "--batch-norm",
               "--m", "16", "--json", cwd=tmp_path)  # fmt: skip
    report = parse_json(proc)
    assert report["passed"] is True
    text = json.dumps(report)
    for name in ("gamma1", "beta2", "W3", "b3"):
        assert f'"{name}"' in text, name
    assert '"b1"' not in text  # batch norm drops b[l]


def test_gradcheck_a_saved_course2_model(tmp_path: Path, trained: tuple[Path, dict]) -> None:
    proc = run("gradcheck", "--model", trained[0], "--m", "16", cwd=tmp_path)
    assert_ok(proc)
    assert "dropout masks frozen" in proc.stdout
    assert "gamma2" in proc.stdout and "PASSED" in proc.stdout


# ----------------------------------------------------------------------------- render
def test_render_draws_dropout_and_batch_norm_from_flags(tmp_path: Path) -> None:
    proc = run("render", "--layers", "2,4,3,1", "--keep-prob", "0.8,0.5", "--batch-norm",
               "--view", "layers", "-o", "net.svg", cwd=tmp_path)  # fmt: skip
    assert_ok(proc)
    dot = (tmp_path / "net.dot").read_text()  # written with or without Graphviz
    assert "keep_prob = 0.8" in dot and "keep_prob = 0.5" in dot
    assert "γ[1]" in dot and "γ[2]" in dot and "γ[3]" not in dot
    plain = run("render", "--layers", "2,4,3,1", "--view", "layers", "-o", "plain.svg",
                cwd=tmp_path)  # fmt: skip
    assert_ok(plain)
    assert "keep_prob" not in (tmp_path / "plain.dot").read_text()


def test_render_compute_view_of_a_course2_network_shows_its_ops(tmp_path: Path) -> None:
    proc = run("render", "--layers", "2,4,3,1", "--keep-prob", "0.8", "--batch-norm",
               "--view", "compute", "-o", "c.svg", cwd=tmp_path)  # fmt: skip
    assert_ok(proc)
    dot = (tmp_path / "c.dot").read_text()
    assert "batch_norm" in dot and "dropout" in dot


def test_render_a_saved_course2_model(tmp_path: Path, trained: tuple[Path, dict]) -> None:
    proc = run("render", "--model", trained[0], "--view", "blocks", "-o", "b.svg", cwd=tmp_path)
    assert_ok(proc)
    dot = (tmp_path / "b.dot").read_text()
    assert "batch norm in layers 1, 2" in dot and "keep_prob 0.8/0.6" in dot


# ----------------------------------------------------------------------------- bad values
# one subprocess per flag ...
@pytest.mark.parametrize(
    "args, needles",
    [
        (["train", "--layers", "2,4,1", "--keep-prob", "1.5"], ["--keep-prob", "1.5", "(0, 1]"]),
        (["train", "--layers", "2,1", "--batch-norm"], ["--batch-norm", "no hidden layer"]),
        (["train", "--layers", "2,4,1", "--time-interval", "10"],
         ["--time-interval", "--decay-rate > 0"]),
        (["train", "--layers", "2,4,1", "--decay-rate", "-1"], ["--decay-rate", ">= 0"]),
        (["train", "--layers", "2,4,1", "--optimizer", "rms"], ["--optimizer", "rms", "rmsprop"]),
    ],
    ids=["keep-prob", "batch-norm", "time-interval", "decay-rate", "optimizer"],
)  # fmt: skip
def test_each_flag_refuses_a_bad_value(tmp_path: Path, args: list[str], needles: list[str]) -> None:
    assert_bad_input(run(*args, "--quiet", cwd=tmp_path), *needles)


# ... and the wide matrix in-process.
T1, T2 = "train --layers 2,4,1", "train --layers 2,4,3,1"  # one and two hidden layers
BAD = {  # the command line (split at spaces) and what its one line must name
    "keep-prob-zero": (f"{T1} --keep-prob 0", ["--keep-prob", "0 is not in (0, 1]"]),
    "keep-prob-negative": (f"{T1} --keep-prob -0.5", ["--keep-prob", "-0.5"]),
    "keep-prob-nan": (f"{T1} --keep-prob nan", ["--keep-prob", "nan"]),
    "keep-prob-text": (f"{T1} --keep-prob high", ["--keep-prob", "'high'"]),
    "keep-prob-empty-item": (f"{T2} --keep-prob 0.8,", ["--keep-prob", "'0.8,'"]),
    "keep-prob-count": (
        f"{T2} --keep-prob 0.8,0.6,0.5",
        ["--keep-prob", "3 values", "L - 1 = 2 hidden"],
    ),
    "keep-prob-no-hidden": ("train --layers 2,1 --keep-prob 0.8", ["--keep-prob", "no hidden"]),
    "decay-text": (f"{T1} --decay-rate fast", ["--decay-rate", "'fast'"]),
    "decay-inf": (f"{T1} --decay-rate inf", ["--decay-rate", "finite"]),
    "interval-with-zero-rate": (
        f"{T1} --decay-rate 0 --time-interval 5",
        ["--time-interval", "--decay-rate > 0", "got 0"],
    ),
    "interval-zero": (f"{T1} --decay-rate 1 --time-interval 0", ["--time-interval", ">= 1"]),
    "interval-fraction": (
        f"{T1} --decay-rate 1 --time-interval 2.5",
        ["--time-interval", "whole number", "'2.5'"],
    ),
    "gradcheck-keep-prob": ("gradcheck --layers 2,4,1 --keep-prob 2", ["--keep-prob", "2"]),
    "gradcheck-bn-no-hidden": ("gradcheck --layers 2,1 --batch-norm", ["--batch-norm"]),
    "render-keep-prob-count": (
        "render --layers 2,4,1 --keep-prob 0.5,0.5",
        ["--keep-prob", "2 values", "L - 1 = 1"],
    ),
    "conv-keep-prob": ("train --conv --keep-prob 0.5", ["--keep-prob", "--conv"]),
    "conv-batch-norm": ("render --conv --batch-norm", ["--batch-norm", "--conv"]),
}


@pytest.mark.parametrize("name", list(BAD))
def test_bad_course2_values_are_named(cli, name: str) -> None:
    args, needles = BAD[name]
    assert_bad_input(cli(*args.split(" ")), *needles)


@pytest.mark.parametrize("command", ["gradcheck", "render"])
@pytest.mark.parametrize("flag", [["--keep-prob", "0.5"], ["--batch-norm"]], ids=["kp", "bn"])
def test_a_model_file_brings_its_own_dropout_and_batch_norm(
    cli, trained: tuple[Path, dict], command: str, flag: list[str]
) -> None:
    line = assert_bad_input(cli(command, "--model", trained[0], *flag), flag[0], "brings its own")
    assert f"drop {flag[0]}" in line


def test_a_bad_keep_prob_is_refused_before_the_data_is_read(cli) -> None:
    """Checked before any work: the missing data file is not what is reported."""
    assert_bad_input(
        cli("train", "--layers", "2,4,1", "--keep-prob", "3", "--dataset", "none.npz"),
        "--keep-prob",
    )
