"""``autograd-dnn train --conv`` and ``render --conv``: the SIGNS model from the command line,
with the exit codes of the rest of the CLI (0 done, 2 bad input, 130 Ctrl-C)."""

from __future__ import annotations

import json
import xml.etree.ElementTree as ET
from pathlib import Path

import numpy as np
import pytest

from tests.test_cli import (
    PNG_SIGNATURE,
    assert_bad_input,
    assert_ok,
    assert_usage_error,
    needs_dot,
    run,
)
from tests.test_cli import cli as cli  # noqa: F401 (the in-process fixture)
from tests.test_cli_interrupt import assert_one_line, interrupt, start

SMALL = ("--m", "48", "--batch-size", "16", "--seed", "3")


def test_train_conv_trains_saves_and_plots(tmp_path: Path) -> None:
    proc = run(
        "train", "--conv", *SMALL, "--epochs", "2", "--save", "signs.npz", "--plot", "cost.png",
        "--json", cwd=tmp_path,
    )  # fmt: skip
    assert_ok(proc)
    result = json.loads(proc.stdout)
    assert result["network"] == "ConvNetwork.signs" and result["parameters"] == 1310
    assert 0 <= result["train_accuracy"] <= 1 and 0 <= result["dev_accuracy"] <= 1
    assert result["model"] == "signs.npz" and result["plot"] == "cost.png"
    assert (tmp_path / "cost.png").read_bytes().startswith(PNG_SIGNATURE)

    from autograd_dnn import ConvNetwork, datasets
    from autograd_dnn.cli import split_images

    net = ConvNetwork.load(str(tmp_path / "signs.npz"))
    assert net.dtype == np.float32 and net.training_state["iterations"] == 2
    # the same run in this process gives the same parameters: the command adds nothing
    X, Y = datasets.signs_like(48, seed=3)
    X_tr, Y_tr, X_dev, Y_dev = split_images(X, Y, 0.2, seed=3)
    assert X_tr.shape == (38, 64, 64, 3) and X_dev.shape == (10, 64, 64, 3)
    here = ConvNetwork.signs(seed=3, dtype=np.float32)
    here.fit(X_tr, Y_tr, learning_rate=0.01, iterations=2, optimizer="adam", batch_size=16,
             seed=3, progress=False, track_gradients=False)  # fmt: skip
    for k, v in here.get_parameters().items():
        np.testing.assert_array_equal(net.get_parameters()[k], v, err_msg=k)
    assert result["dev_accuracy"] == net.accuracy(X_dev, Y_dev)


def test_train_conv_prints_the_model_and_the_accuracies(tmp_path: Path) -> None:
    proc = run("train", "--conv", *SMALL, "--epochs", "1", "--dev-fraction", "0", cwd=tmp_path)
    assert_ok(proc)
    assert proc.stdout.startswith("ConvNetwork(CONV2D(f=4, 8 filters")
    assert "on signs_like: 48 train / 0 dev images" in proc.stdout
    assert "final cost" in proc.stdout and "train accuracy" in proc.stdout
    assert "dev accuracy" not in proc.stdout


@needs_dot
@pytest.mark.parametrize("view", ["layers", "blocks", "compute"])
def test_render_conv_draws_the_signs_model(tmp_path: Path, view: str) -> None:
    proc = run("render", "--conv", "--view", view, "-o", f"{view}.svg", cwd=tmp_path)
    assert_ok(proc)
    assert proc.stdout.strip() == f"wrote {view}.svg"
    ET.parse(tmp_path / f"{view}.svg")  # well-formed SVG
    text = (tmp_path / f"{view}.dot").read_text()
    if view == "layers":
        assert "(64, 64, 8)" in text and "f = 8, s = 8, no pad" in text
    if view == "blocks":
        assert "conv_backward" in text and "pool_backward (max)" in text


@needs_dot
def test_render_draws_a_saved_conv_model_in_the_layers_view(tmp_path: Path, cli) -> None:
    from autograd_dnn import ConvNetwork

    ConvNetwork.signs(seed=1).save(str(tmp_path / "m.npz"))
    result = cli("render", "--model", "m.npz", "--format", "svg")  # default view: layers
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "wrote layers.svg"
    assert "W2 (2, 2, 8, 16)" in (tmp_path / "layers.dot").read_text()


@pytest.mark.parametrize(
    "args, needles",
    [
        (["train", "--conv", "--hidden", "tanh"], ["--hidden", "--conv is the SIGNS model"]),
        (["train", "--conv", "--iterations", "3"], ["--iterations", "give --epochs"]),
        (["train", "--conv", "--dataset", "moons"], ["--dataset moons", "signs_like"]),
        (["train", "--conv", "--epochs", "0"], ["--epochs", "must be >= 1"]),
        (["train", "--conv", "--m", "1"], ["--m", "must be >= 2"]),
        (["train", "--conv", "--m", "10", "--batch-size", "64"], ["--batch-size", "m = 8"]),
        (["train", "--conv", "--lr", "-1"], ["--lr"]),
        (["train", "--layers", "2,1", "--epochs", "3"], ["--epochs goes with --conv"]),
        (["render", "--conv", "--view", "neurons"], ["--view neurons", "conv model"]),
        (["render", "--conv", "--hidden", "relu"], ["--hidden", "not --conv"]),
    ],
)
def test_bad_conv_flags_are_one_line_and_exit_2(cli, args, needles) -> None:
    assert_bad_input(cli(*args), *needles)


def test_conv_and_layers_together_is_a_usage_error(cli) -> None:
    assert_usage_error(cli("train", "--conv", "--layers", "2,1"), "not allowed with argument")
    assert_usage_error(cli("train"), "one of the arguments --conv --layers is required")


def test_gradcheck_checks_a_conv_model_file(tmp_path: Path, cli) -> None:
    from autograd_dnn import ConvNetwork
    from autograd_dnn.convnet import Conv, Dense, Flatten, MaxPool, ReLU

    small = [Conv(f=3, filters=2, pad="same"), ReLU(), MaxPool(f=2, stride=2), Flatten(),
             Dense(3, "softmax")]  # fmt: skip
    ConvNetwork(small, input_shape=(6, 6, 1), seed=0).save(str(tmp_path / "c.npz"))
    proc = cli("gradcheck", "--model", "c.npz", "--m", "2")
    assert proc.returncode == 0, proc.stderr
    assert "PASSED" in proc.stdout and "W1" in proc.stdout and "Traceback" not in proc.stderr


def test_train_conv_ctrl_c_saves_the_model_of_the_last_finished_step(tmp_path: Path) -> None:
    proc = start("train", "--conv", *SMALL, "--epochs", "100000", "--print-every", "100000",
                 "--save", "stopped.npz", cwd=tmp_path)  # fmt: skip
    line = proc.stdout.readline()
    assert line.startswith("ConvNetwork("), line
    _, stderr = interrupt(proc, after=2.0)
    assert proc.returncode == 130, stderr
    assert_one_line(stderr, "interrupted at epoch", "stopped.npz")

    from autograd_dnn import ConvNetwork
    from autograd_dnn.serialize import read_metadata

    meta = read_metadata(tmp_path / "stopped.npz")["training"]
    assert meta["interrupted"] is True and meta["optimizer_steps"] >= 0
    net = ConvNetwork.load(str(tmp_path / "stopped.npz"))
    assert net.training_state["interrupted"] is True
