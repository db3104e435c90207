"""``autograd-dnn train --rnn``, ``render --rnn`` / ``--model rnn.npz`` and ``gradcheck
--model rnn.npz``: recurrent models from the command line, with the exit codes of the rest
of the CLI (0 done, 1 a failed check, 2 bad input with one line naming the flag, 130 Ctrl-C)."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

from tests.test_cli import assert_bad_input, assert_ok, assert_usage_error, needs_dot, run
from tests.test_cli import cli as cli  # noqa: F401 (the in-process fixture)
from tests.test_cli_interrupt import assert_one_line, interrupt, start

SMALL = ("--m", "24", "--hidden", "6", "--batch-size", "8", "--seed", "3")


@pytest.mark.parametrize("cell", ["rnn", "lstm"])
def test_train_rnn_trains_saves_and_samples(tmp_path: Path, cell: str) -> None:
    proc = run("train", "--rnn", "--cell", cell, *SMALL, "--epochs", "3", "--clip", "2",
               "--sample", "4", "--save", "names.npz", "--json", cwd=tmp_path)  # fmt: skip
    assert_ok(proc)
    result = json.loads(proc.stdout)
    assert result["network"] == "RNNModel" and result["cell"] == cell
    assert (result["n_x"], result["n_a"], result["n_y"]) == (27, 6, 27)
    assert result["model"] == "names.npz" and len(result["samples"]) == 4

    import autograd_dnn as ad
    from autograd_dnn.cli import sample_names, split_sequences

    model = ad.RNNModel.load(str(tmp_path / "names.npz"))
    assert model.cell == cell and model.training_state["iterations"] == 3
    # the same run in this process gives the same parameters: the command adds nothing
    char_to_ix, _ = ad.datasets.char_vocabulary()
    X, Y = ad.datasets.names_dataset(ad.datasets.generate_names(24, seed=3), char_to_ix)
    X_tr, Y_tr, X_dev, Y_dev = split_sequences(X, Y, 0.2, seed=3)
    assert X_tr.shape[1] == 19 and X_dev.shape[1] == 5 and result["T_x"] == X.shape[2]
    here = ad.RNNModel(27, 6, 27, cell=cell, seed=3)
    here.fit(X_tr, Y_tr, learning_rate=0.01, iterations=3, optimizer="adam", batch_size=8,
             seed=3, clip=2.0, progress=False, track_gradients=False)  # fmt: skip
    for k, v in here.get_parameters().items():
        np.testing.assert_array_equal(model.get_parameters()[k], v, err_msg=k)
    assert result["train_accuracy"] == model.accuracy(X_tr, Y_tr)
    assert result["dev_accuracy"] == model.accuracy(X_dev, Y_dev)
    # the samples are the seeded draws of ad.datasets.sample from that model
    assert result["samples"] == sample_names(model, 4, seed=3)
    assert all(set(name) <= set("abcdefghijklmnopqrstuvwxyz") for name in result["samples"])


def test_train_rnn_prints_the_model_costs_and_samples(tmp_path: Path) -> None:
    proc = run("train", "--rnn", *SMALL, "--epochs", "2", "--sample", "3", "--dev-fraction",
               "0", cwd=tmp_path)  # fmt: skip
    assert_ok(proc)
    lines = proc.stdout.splitlines()
    count = 6 * 27 + 6 * 6 + 27 * 6 + 6 + 27  # Wax, Waa, Wya, ba, by
    assert lines[0] == f"RNNModel(n_x=27, n_a=6, n_y=27, cell='rnn', {count} parameters)"
    assert lines[1].startswith("on generate_names: 24 train / 0 dev names, T_x = ")
    assert "Cost after epoch 1:" in proc.stdout and "final cost" in proc.stdout
    assert "dev accuracy" not in proc.stdout
    at = lines.index("3 sampled name(s):")
    assert len(lines) == at + 4 and all(line.startswith("  ") for line in lines[at + 1 :])


def test_a_saved_run_resumes_bit_for_bit(tmp_path: Path) -> None:
    """Two epochs, saved, loaded, two more with resume=True: the parameters of four epochs."""
    common = ("train", "--rnn", "--cell", "lstm", *SMALL, "--dev-fraction", "0", "--quiet")
    assert_ok(run(*common, "--epochs", "2", "--save", "half.npz", cwd=tmp_path))
    assert_ok(run(*common, "--epochs", "4", "--save", "full.npz", cwd=tmp_path))

    import autograd_dnn as ad

    char_to_ix, _ = ad.datasets.char_vocabulary()
    X, Y = ad.datasets.names_dataset(ad.datasets.generate_names(24, seed=3), char_to_ix)
    half = ad.RNNModel.load(str(tmp_path / "half.npz"))
    half.fit(X, Y, learning_rate=0.01, iterations=2, optimizer="adam", batch_size=8, seed=3,
             clip=5.0, progress=False, resume=True)  # fmt: skip
    full = ad.RNNModel.load(str(tmp_path / "full.npz"))
    for k, v in full.get_parameters().items():
        np.testing.assert_array_equal(half.get_parameters()[k], v, err_msg=k)


@pytest.fixture
def rnn_file(tmp_path: Path) -> Path:
    import autograd_dnn as ad

    ad.RNNModel(27, 5, 27, cell="lstm", seed=1).save(str(tmp_path / "lstm.npz"))
    return tmp_path / "lstm.npz"


@pytest.mark.parametrize(
    ("args", "dot_has"),
    [
        (["--model", "lstm.npz"], ["x<1>", "c<1>", "more steps"]),  # default: unrolled, 10
        (["--model", "lstm.npz", "--steps", "3"], ["x<3>", "c<3>"]),
        (["--model", "lstm.npz", "--view", "cell"], ["lstm_cell_backward", "(5, 32)"]),
        (["--rnn", "--hidden", "7", "--view", "cell"], ["rnn_cell_backward", "(7, 27)"]),
        (["--rnn", "--cell", "lstm", "--steps", "50"], ["46 more steps", "x<50>"]),
    ],
)
def test_render_draws_a_recurrent_model(
    tmp_path: Path, rnn_file: Path, args: list[str], dot_has: list[str]
) -> None:
    proc = run("render", *args, "-o", "picture.svg", cwd=tmp_path)
    assert_ok(proc)
    assert proc.stdout.strip() == "wrote picture.svg" or "picture.dot" in proc.stdout
    text = (tmp_path / "picture.dot").read_text()
    for needle in dot_has:
        assert needle in text, needle


def test_render_unrolled_is_viz_unrolled_graph(tmp_path: Path, rnn_file: Path, cli) -> None:
    import autograd_dnn as ad
    import viz

    assert cli("render", "--model", "lstm.npz", "--steps", "6", "-o", "u.svg").returncode == 0
    model = ad.RNNModel.load(str(rnn_file))
    assert (tmp_path / "u.dot").read_text().strip() == viz.unrolled_graph(
        model, T_x=6
    ).source.strip()


@needs_dot
def test_render_writes_a_well_formed_svg(tmp_path: Path, rnn_file: Path) -> None:
    import xml.etree.ElementTree as ET

    assert_ok(run("render", "--model", "lstm.npz", "--view", "cell", cwd=tmp_path))
    ET.parse(tmp_path / "cell.svg")


def test_gradcheck_passes_on_a_saved_model(tmp_path: Path, rnn_file: Path) -> None:
    proc = run("gradcheck", "--model", "lstm.npz", "--m", "3", "--steps", "3", "--json",
               cwd=tmp_path)  # fmt: skip
    assert_ok(proc)
    report = json.loads(proc.stdout)
    assert report["passed"] is True and report["unit"] == "time step"
    assert "RNNModel" in report["title"]
    text = proc.stdout
    for name in ("Wf", "bo", "Wy", "da<3>", "dc<1>"):
        assert f'"{name}"' in text, name


def test_gradcheck_checks_the_models_own_gradients(tmp_path: Path, cli) -> None:
    """A model whose parameters are far from the init (trained) still passes; the data are the
    seeded random one-hot sequences of cli.random_sequences."""
    import autograd_dnn as ad
    from autograd_dnn.cli import random_sequences

    model = ad.RNNModel(4, 3, 2, seed=5)
    X, Y = random_sequences(model, seed=0, m=3, T_x=2)
    assert X.shape == (4, 3, 2) and Y.shape == (2, 3, 2)
    assert np.all(X.sum(axis=0) == 1) and np.all(Y.sum(axis=0) == 1)
    model.fit(X, Y, iterations=20, learning_rate=0.5, progress=False)
    model.save(str(tmp_path / "r.npz"))
    result = cli("gradcheck", "--model", "r.npz", "--m", "3", "--steps", "2")
    assert result.returncode == 0, result.stderr
    assert "PASSED" in result.stdout and "da<2>" in result.stdout


@pytest.mark.parametrize(
    ("args", "needles"),
    [
        (["train", "--rnn", "--cell", "gru"], ["--cell", "'gru'", "rnn, lstm"]),
        (["train", "--rnn", "--hidden", "tanh"], ["--hidden", "n_a", "'tanh'"]),
        (["train", "--rnn", "--hidden", "0"], ["--hidden", ">= 1"]),
        (["train", "--rnn", "--clip", "0"], ["--clip", "> 0"]),
        (["train", "--rnn", "--clip", "nan"], ["--clip"]),
        (["train", "--rnn", "--sample", "-1"], ["--sample", ">= 0"]),
        (["train", "--rnn", "--epochs", "0"], ["--epochs", ">= 1"]),
        (["train", "--rnn", "--m", "1"], ["--m", ">= 2"]),
        (["train", "--rnn", "--m", "10", "--batch-size", "20"], ["--batch-size", "m = 8"]),
        (["train", "--rnn", "--lr", "-1"], ["--lr"]),
        (["train", "--rnn", "--iterations", "3"], ["--iterations", "give --epochs"]),
        (["train", "--rnn", "--dataset", "moons"], ["--dataset moons", "names"]),
        (["train", "--rnn", "--keep-prob", "0.5"], ["--keep-prob", "--rnn"]),
        (["train", "--rnn", "--init", "he"], ["--init", "xavier or course"]),
        (["train", "--rnn", "--save", "m.txt"], ["--save", ".npz"]),
        (["train", "--layers", "2,1", "--cell", "lstm"], ["--cell goes with --rnn"]),
        (["train", "--layers", "2,1", "--sample", "3"], ["--sample goes with --rnn"]),
        (["train", "--conv", "--clip", "1"], ["--clip goes with --rnn"]),
        (["render", "--layers", "2,3,1", "--view", "unrolled"], ["--view", "recurrent"]),
        (["render", "--layers", "2,3,1", "--steps", "4"], ["--steps goes with"]),
        (["render", "--rnn", "--view", "neurons"], ["--view", "unrolled or cell"]),
        (["render", "--rnn", "--cell", "gru"], ["--cell", "'gru'"]),
        (["render", "--rnn", "--view", "cell", "--steps", "3"], ["--steps", "--view unrolled"]),
        (["render", "--rnn", "--steps", "0"], ["--steps", ">= 1"]),
        (["render", "--rnn", "--output", "softmax"], ["--output", "recurrent"]),
        (["render", "--rnn", "--model", "lstm.npz"], ["--rnn", "not both"]),
        (["render", "--model", "lstm.npz", "--cell", "rnn"], ["--cell", "brings its own"]),
        (["render", "--model", "lstm.npz", "--view", "blocks"], ["--view", "unrolled or cell"]),
        (["gradcheck", "--model", "lstm.npz", "--dataset", "moons"], ["--dataset", "one-hot"]),
        (["gradcheck", "--model", "lstm.npz", "--steps", "0"], ["--steps", ">= 1"]),
        (["gradcheck", "--model", "lstm.npz", "--m", "0"], ["--m", ">= 1"]),
        (["gradcheck", "--layers", "2,3,1", "--steps", "3"], ["--steps goes with"]),
    ],
)
def test_bad_rnn_flags_are_one_line_and_exit_2(rnn_file: Path, cli, args, needles) -> None:
    assert_bad_input(cli(*args), *needles)


def test_rnn_with_layers_or_conv_is_a_usage_error(cli) -> None:
    assert_usage_error(cli("train", "--rnn", "--layers", "2,1"), "--rnn: not allowed with")
    assert_usage_error(cli("train", "--rnn", "--conv"), "--rnn: not allowed with")
    assert_usage_error(cli("train"), "--conv --layers is required (or --rnn")
    assert_usage_error(cli("render", "--rnn", "--layers", "2,1"), "not allowed with")


def test_a_damaged_rnn_file_is_refused_naming_the_entry(tmp_path: Path, rnn_file: Path, cli):
    with np.load(rnn_file) as data:
        entries = {k: data[k] for k in data.files}
    entries["Wi"] = entries["Wi"][:, :-1]
    np.savez(tmp_path / "bad.npz", **entries)
    for command in ("render", "gradcheck"):
        assert_bad_input(cli(command, "--model", "bad.npz"), "--model", "bad.npz", "Wi")


def test_train_rnn_ctrl_c_saves_the_model_of_the_last_finished_step(tmp_path: Path) -> None:
    proc = start("train", "--rnn", *SMALL, "--epochs", "1000000", "--print-every", "1000000",
                 "--save", "stopped.npz", cwd=tmp_path)  # fmt: skip
    line = proc.stdout.readline()
    assert line.startswith("RNNModel("), line
    _, stderr = interrupt(proc, after=1.5)
    assert proc.returncode == 130, stderr
    assert_one_line(stderr, "interrupted at epoch", "stopped.npz")

    import autograd_dnn as ad
    from autograd_dnn.serialize import read_metadata

    assert read_metadata(tmp_path / "stopped.npz")["training"]["interrupted"] is True
    model = ad.RNNModel.load(str(tmp_path / "stopped.npz"))
    assert model.training_state["interrupted"] is True
