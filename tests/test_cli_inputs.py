"""Bad input named right, and nothing wasted on it (issue 14, items 6-13 and 18).

One subprocess per item checks what a user sees (exit code, one line, no traceback); the
variants of an item run ``main()`` in this process (see ``tests/test_cli.py``).
"""

from __future__ import annotations

import json
import os
import re
from pathlib import Path

import numpy as np
import pytest

from tests.test_cli import assert_bad_input, assert_ok, assert_usage_error, cli_env, run
from tests.test_cli import cli as cli  # noqa: F401 (the in-process fixture)

HUGE = "2,100000,100000,1"  # W2 alone is 10^10 float64: 80 GB


def write(path: Path, text: str) -> Path:
    path.write_text(text)
    return path


def csv_rows(m: int = 40, labels=(0, 1), sep: str = ",", decimal: str = ".") -> str:
    """m rows ``x0 sep x1 sep label`` with the labels cycled, two features."""
    rng = np.random.default_rng(0)
    lines = []
    for i in range(m):
        x = [f"{v:.4f}".replace(".", decimal) for v in rng.standard_normal(2)]
        lines.append(sep.join([*x, str(labels[i % len(labels)])]))
    return "\n".join(lines) + "\n"


def save_meta(path: Path, meta, **arrays) -> Path:
    np.savez(path, meta=np.array(json.dumps(meta)), **arrays)
    return path


def course_parameters(path: Path, dims=(2, 3, 1), seed: int = 0) -> dict[str, np.ndarray]:
    """A parameters file as the course's notebooks keep them: W1, b1, ... and nothing else."""
    rng = np.random.default_rng(seed)
    params = {}
    for l in range(1, len(dims)):
        params[f"W{l}"] = rng.standard_normal((dims[l], dims[l - 1])) * 0.5
        params[f"b{l}"] = rng.standard_normal((dims[l], 1)) * 0.1
    np.savez(path, **params)
    return params


# ----------------------------------------------------------------------------- 6 divergence
def test_diverging_train_names_lr_and_the_iteration(tmp_path: Path) -> None:
    proc = run("train", "--layers", "2,4,1", "--lr", "50", "--iterations", "300", "--quiet",
               cwd=tmp_path)  # fmt: skip
    line = assert_bad_input(proc, "--lr 50", "smaller learning rate")
    assert re.search(r"at iteration \d+", line), line
    assert "Warning" not in proc.stderr


def test_huge_X_is_blamed_on_the_data_not_the_lr(tmp_path: Path) -> None:
    rng = np.random.default_rng(0)
    X = rng.standard_normal((2, 50)) * 1e200
    np.savez(tmp_path / "huge.npz", X=X, Y=(rng.random((1, 50)) > 0.5).astype(float))
    proc = run("train", "--layers", "2,4,1", "--dataset", "huge.npz", "--quiet", cwd=tmp_path)
    line = assert_bad_input(proc, "--dataset", "scale the features")
    assert "--lr" not in line and "Warning" not in proc.stderr


# ----------------------------------------------------------------------------- 7 huge networks
def test_huge_layers_are_refused_up_front(tmp_path: Path) -> None:
    proc = run("train", "--layers", HUGE, "--quiet", cwd=tmp_path)
    line = assert_bad_input(proc, "--layers", HUGE, "10,000,500,001 parameters", "GB")
    assert "W and b alone: 80.0 GB" in line, line


@pytest.mark.parametrize(
    "args",
    [
        ("gradcheck", "--layers", HUGE),
        ("render", "--layers", HUGE, "--view", "compute"),
        ("sweep", "--layers", "2,3,1", "--layers", HUGE, "--executor", "serial"),
    ],
    ids=["gradcheck", "render-compute", "sweep"],
)
def test_huge_layers_refused_by_every_command(cli, args) -> None:
    assert_bad_input(cli(*args), "--layers", "GB")


def test_render_draws_a_huge_network_without_its_weights(tmp_path: Path) -> None:
    """80 GB of weights would be a MemoryError: exit 0 shows none were allocated."""
    proc = run("render", "--layers", HUGE, "--view", "layers", "-o", "big.svg", cwd=tmp_path)
    assert "Traceback" not in proc.stderr and proc.returncode == 0, proc.stderr
    assert "100000" in (tmp_path / "big.dot").read_text()


@pytest.mark.parametrize("view", ["neurons", "layers", "blocks"])
def test_render_from_the_architecture_draws_what_the_network_draws(view: str) -> None:
    """The picture drawn from --layers alone (no W, b) is the picture of the network."""
    import argparse

    import viz
    from autograd_dnn.cli import _architecture
    from autograd_dnn.nn import DeepNetwork

    args = argparse.Namespace(hidden="tanh", output=None, init=None)
    spec = _architecture(args, [3, 5, 4, 2])
    net = DeepNetwork([3, 5, 4, 2], hidden_activation="tanh", output_activation="softmax")
    assert viz.layer_graph(spec, view=view).source == viz.layer_graph(net, view=view).source


# ----------------------------------------------------------------------------- 8, 10 model files
def test_model_whose_metadata_is_a_list(tmp_path: Path) -> None:
    save_meta(tmp_path / "list.npz", [1, 2], W1=np.ones((1, 2)), b1=np.ones((1, 1)))
    proc = run("gradcheck", "--model", "list.npz", cwd=tmp_path)
    assert_bad_input(proc, "--model", "list.npz", "JSON list")


def test_model_whose_version_is_a_string(cli, tmp_path: Path) -> None:
    meta = {"format": "autograd-dnn-model", "version": "1", "layer_dims": [2, 1],
            "activations": ["sigmoid"]}  # fmt: skip
    save_meta(tmp_path / "v.npz", meta, W1=np.ones((1, 2)), b1=np.ones((1, 1)))
    line = assert_bad_input(cli("render", "--model", "v.npz"), "v.npz", "'1' (str)", "number 1")
    assert "this autograd_dnn reads version 1" not in line


UNREADABLE = """\
import builtins, io
_open = builtins.open
def _locked(file, *args, **kwargs):
    if str(file).endswith("locked.npz"):
        raise PermissionError(13, "Permission denied", str(file))
    return _open(file, *args, **kwargs)
builtins.open = io.open = _locked
"""


def test_unreadable_model_says_permission_denied(tmp_path: Path) -> None:
    """Simulated (the tests may run as root, who can read any file): open() is refused."""
    from autograd_dnn.nn import DeepNetwork

    DeepNetwork([2, 3, 1]).save(str(tmp_path / "locked.npz"))
    plant = tmp_path / "plant"
    plant.mkdir()
    (plant / "sitecustomize.py").write_text(UNREADABLE)
    env = cli_env(
        PYTHONPATH=os.pathsep.join(filter(None, [str(plant), os.environ.get("PYTHONPATH")]))
    )
    proc = run("gradcheck", "--model", "locked.npz", cwd=tmp_path, env=env)
    line = assert_bad_input(proc, "--model", "locked.npz", "Permission denied")
    assert "zip" not in line


@pytest.mark.skipif(os.name != "posix" or os.geteuid() == 0, reason="root reads any file")
def test_unreadable_model_file_mode(cli, tmp_path: Path) -> None:
    from autograd_dnn.nn import DeepNetwork

    DeepNetwork([2, 3, 1]).save(str(tmp_path / "m.npz"))
    (tmp_path / "m.npz").chmod(0)
    assert_bad_input(cli("gradcheck", "--model", "m.npz"), "m.npz", "Permission denied")


# ----------------------------------------------------------------------------- 9 sweep flags
def test_sweep_validates_flags_like_train(tmp_path: Path) -> None:
    proc = run("sweep", "--layers", "2,3,1", "--lr", "0", "--quiet", cwd=tmp_path)
    assert_bad_input(proc, "--lr", "> 0")


@pytest.mark.parametrize(
    "flags, needles",
    [
        (("--lr", "0.1,0"), ["--lr", "> 0", "got 0.0"]),
        (("--lr", "inf"), ["--lr", "finite"]),
        (("--batch-size", "10000"), ["--batch-size", "m = 320"]),
        (("--batch-size", "0"), ["--batch-size"]),
        (("--print-every", "0"), ["--print-every", ">= 1"]),
        (("--optimizer", "foo"), ["--optimizer", "'foo'", "adam"]),
        (("--l2", "-1"), ["--l2", ">= 0"]),
        (("--hidden", "foo"), ["--hidden", "'foo'"]),
        (("--init", "foo"), ["--init", "'foo'"]),
        (("--workers", "0"), ["--workers", ">= 1"]),
        (("--iterations", "0"), ["--iterations", ">= 1"]),
    ],
    ids=lambda v: "-".join(v) if isinstance(v, tuple) else None,
)
def test_sweep_bad_flags_exit_2_before_training(cli, tmp_path: Path, flags, needles) -> None:
    # a later --iterations replaces this one
    res = cli("sweep", "--layers", "2,3,1", "--iterations", "2", "--executor", "serial",
              "--out", "sw", *flags)  # fmt: skip
    assert_bad_input(res, *needles)
    assert not (tmp_path / "sw" / "results.jsonl").exists(), "it trained before refusing"


def test_sweep_resume_needs_out(cli) -> None:
    assert_bad_input(cli("sweep", "--layers", "2,3,1", "--resume"), "--resume", "--out")


# ----------------------------------------------------------------------------- 10 messages
def test_negative_seed_names_the_flag(tmp_path: Path) -> None:
    proc = run("train", "--layers", "2,4,1", "--seed", "-1", cwd=tmp_path)
    assert_usage_error(proc, "--seed", ">= 0")


@pytest.mark.parametrize("command", ["demo", "gradcheck", "render", "sweep"])
def test_negative_seed_every_command(cli, command: str) -> None:
    res = cli(command, "--layers", "2,3,1", "--seed", "-3")
    assert res.returncode == 2 and "--seed" in res.stderr and "Traceback" not in res.stderr


def test_lr_inf_says_finite(cli) -> None:
    assert_bad_input(cli("train", "--layers", "2,4,1", "--lr", "inf"), "--lr", "finite")


def test_npz_of_strings_names_the_array(cli, tmp_path: Path) -> None:
    np.savez(tmp_path / "s.npz", X=np.array([["a", "b"], ["c", "d"]]), Y=np.array([[0, 1]]))
    line = assert_bad_input(cli("train", "--layers", "2,3,1", "--dataset", "s.npz"), "s.npz", "X")
    assert "not numbers" in line and "could not convert" not in line


def test_csv_label_1e300(cli, tmp_path: Path) -> None:
    write(tmp_path / "d.csv", csv_rows(labels=(0, 1)) + "0.1,0.2,1e300\n")
    line = assert_bad_input(cli("train", "--layers", "2,3,1", "--dataset", "d.csv"), "d.csv")
    assert "labels" in line and "Maximum allowed dimension" not in line, line


# ----------------------------------------------------------------------------- 11 hints
def test_rank_1_Y_hint_is_one_row(tmp_path: Path) -> None:
    np.savez(tmp_path / "d.npz", X=np.zeros((2, 200)), Y=np.zeros(200))
    proc = run("train", "--layers", "2,3,1", "--dataset", "d.npz", cwd=tmp_path)
    line = assert_bad_input(proc, "d.npz", "(1, 200)")
    assert "(200, 1)" not in line


def test_class_labels_for_softmax_get_a_one_hot_hint(cli, tmp_path: Path) -> None:
    rng = np.random.default_rng(0)
    np.savez(tmp_path / "d.npz", X=rng.standard_normal((3, 30)), Y=np.arange(30)[None] % 3)
    res = cli("train", "--layers", "3,4,3", "--dataset", "d.npz")
    assert_bad_input(res, "--layers", "one-hot", "np.eye(3)[labels].T")


# ----------------------------------------------------------------------------- 12 --model flags
@pytest.mark.parametrize("flag, value", [("--hidden", "tanh"), ("--output", "linear"),
                                         ("--init", "xavier")])  # fmt: skip
def test_model_refuses_network_flags(tmp_path: Path, flag: str, value: str) -> None:
    from autograd_dnn.nn import DeepNetwork

    DeepNetwork([2, 3, 1]).save(str(tmp_path / "m.npz"))
    proc = run("render", "--model", "m.npz", flag, value, cwd=tmp_path)
    assert_bad_input(proc, flag, "--model", f"drop {flag}")


def test_gradcheck_model_refuses_init(cli, tmp_path: Path) -> None:
    from autograd_dnn.nn import DeepNetwork

    DeepNetwork([2, 3, 1]).save(str(tmp_path / "m.npz"))
    assert_bad_input(cli("gradcheck", "--model", "m.npz", "--init", "he"), "--init", "--model")


# ----------------------------------------------------------------------------- 13 CSV
def test_csv_first_row_with_a_typo_is_an_error_not_a_header(tmp_path: Path) -> None:
    write(tmp_path / "d.csv", "0.5,O.3,1\n" + csv_rows())
    proc = run("train", "--layers", "2,3,1", "--dataset", "d.csv", "--iterations", "2",
               cwd=tmp_path)  # fmt: skip
    assert_bad_input(proc, "d.csv:1", "column 2", "'O.3'", "not a number")


def test_csv_header_is_said(cli, tmp_path: Path) -> None:
    write(tmp_path / "d.csv", "x0,x1,label\n" + csv_rows())
    res = cli("train", "--layers", "2,3,1", "--dataset", "d.csv", "--iterations", "2")
    assert_ok(res)
    assert "note: d.csv: line 1 (x0, x1, label) has no number: read as a header" in res.stdout


def test_csv_semicolons_are_detected(tmp_path: Path) -> None:
    write(tmp_path / "d.csv", "a;b;label\n" + csv_rows(sep=";"))
    proc = run("train", "--layers", "2,3,1", "--dataset", "d.csv", "--iterations", "2",
               "--json", cwd=tmp_path)  # fmt: skip
    assert_ok(proc)
    assert json.loads(proc.stdout)["layer_dims"] == [2, 3, 1]


@pytest.mark.parametrize("sep", ["\t", ";"])
def test_csv_other_delimiters_read_the_same_numbers(sep: str, tmp_path: Path) -> None:
    from autograd_dnn.cli import load_csv

    write(tmp_path / "comma.csv", csv_rows(m=9, labels=(0, 1, 2)))
    write(tmp_path / "other.csv", csv_rows(m=9, labels=(0, 1, 2), sep=sep))
    for a, b in zip(load_csv(str(tmp_path / "comma.csv")), load_csv(str(tmp_path / "other.csv"))):
        np.testing.assert_array_equal(a, b)


def test_csv_decimal_comma_gets_a_hint(cli, tmp_path: Path) -> None:
    write(tmp_path / "d.csv", csv_rows(sep=";", decimal=","))
    res = cli("train", "--layers", "2,3,1", "--dataset", "d.csv")
    assert_bad_input(res, "d.csv:1", "decimal comma")


def test_csv_label_gaps_are_refused(tmp_path: Path) -> None:
    write(tmp_path / "d.csv", csv_rows(labels=(0, 1, 2, 5)))
    proc = run("train", "--layers", "2,3,6", "--dataset", "d.csv", cwd=tmp_path)
    assert_bad_input(proc, "d.csv", "{0, 1, 2, 5}", "3, 4 have no sample", "0..k-1")


def test_csv_three_classes_are_one_hot(tmp_path: Path) -> None:
    from autograd_dnn.cli import load_csv

    write(tmp_path / "d.csv", csv_rows(m=6, labels=(2, 0, 1)))
    X, Y = load_csv(str(tmp_path / "d.csv"))
    assert X.shape == (2, 6)
    np.testing.assert_array_equal(Y, np.eye(3)[[2, 0, 1, 2, 0, 1]].T)


# ----------------------------------------------------------------------------- 18
def test_version(tmp_path: Path) -> None:
    import autograd_dnn

    proc = run("--version", cwd=tmp_path)
    assert_ok(proc)
    assert proc.stdout.strip() == f"autograd-dnn {autograd_dnn.__version__}"


def test_course_parameters_with_activations(tmp_path: Path) -> None:
    params = course_parameters(tmp_path / "params.npz")
    proc = run("gradcheck", "--model", "params.npz", "--activations", "relu,sigmoid", "--json",
               cwd=tmp_path)  # fmt: skip
    assert_ok(proc)
    report = json.loads(proc.stdout)
    assert report["passed"] is True
    assert {row["name"] for row in report["rows"]} >= set(params)


def test_course_parameters_are_used_as_they_are(tmp_path: Path) -> None:
    from autograd_dnn.cli import _load_model

    params = course_parameters(tmp_path / "p.npz", dims=(3, 4, 2, 1))
    net = _load_model(str(tmp_path / "p.npz"), "tanh,relu,sigmoid")
    assert net.activations == ["tanh", "relu", "sigmoid"]
    for key, value in net.get_parameters().items():
        np.testing.assert_array_equal(value, params[key])


@pytest.mark.parametrize(
    "extra, needles",
    [
        ((), ["--model", "p.npz", "--activations relu,sigmoid"]),
        (("--activations", "relu"), ["--activations", "1 given", "L = 2"]),
        (("--activations", "relu,foo"), ["p.npz", "'foo'"]),
    ],
    ids=["missing", "count", "unknown"],
)
def test_course_parameters_need_their_activations(cli, tmp_path: Path, extra, needles) -> None:
    course_parameters(tmp_path / "p.npz")
    assert_bad_input(cli("gradcheck", "--model", "p.npz", *extra), *needles)


def test_activations_only_for_parameter_files(cli, tmp_path: Path) -> None:
    from autograd_dnn.nn import DeepNetwork

    DeepNetwork([2, 3, 1]).save(str(tmp_path / "m.npz"))
    assert_bad_input(cli("render", "--model", "m.npz", "--activations", "relu,sigmoid"),
                     "--activations", "metadata")  # fmt: skip
    assert_bad_input(cli("render", "--layers", "2,3,1", "--activations", "relu,sigmoid"),
                     "--activations", "--model")  # fmt: skip


# ----------------------------------------------------------------------------- serialize
def test_training_facts_round_trip(tmp_path: Path) -> None:
    from autograd_dnn.nn import DeepNetwork
    from autograd_dnn.serialize import load, read_metadata, save

    net = DeepNetwork([2, 3, 1], seed=4)
    save(net, tmp_path / "m.npz", training={"interrupted": True, "iteration": 7})
    meta = read_metadata(tmp_path / "m.npz")
    assert meta["training"] == {"interrupted": True, "iteration": 7}
    assert meta["layer_dims"] == [2, 3, 1]
    back = load(tmp_path / "m.npz").get_parameters()
    for key, value in net.get_parameters().items():
        np.testing.assert_array_equal(back[key], value)
    save(net, tmp_path / "plain.npz")
    assert "training" not in read_metadata(tmp_path / "plain.npz")


@pytest.mark.parametrize(
    "meta, needles",
    [
        ([1, 2], ["JSON list", "expected an object"]),
        ("text", ["JSON str"]),
        ({"format": "autograd-dnn-model", "version": True}, ["True (bool)", "number 1"]),
        ({"format": "autograd-dnn-model", "version": 2}, ["format version 2", "reads version 1"]),
    ],
    ids=["list", "string", "bool-version", "version-2"],
)
def test_metadata_problems_are_named(tmp_path: Path, meta, needles) -> None:
    from autograd_dnn.serialize import load, read_metadata

    path = save_meta(tmp_path / "m.npz", meta, W1=np.ones((1, 2)), b1=np.ones((1, 1)))
    for read in (load, read_metadata):
        with pytest.raises(ValueError) as info:
            read(path)
        assert str(path) in str(info.value)
        for needle in needles:
            assert needle in str(info.value), str(info.value)


def test_W_that_disagrees_with_the_metadata(tmp_path: Path) -> None:
    from autograd_dnn.serialize import load

    meta = {"format": "autograd-dnn-model", "version": 1, "layer_dims": [2, 4, 1],
            "activations": ["relu", "sigmoid"]}  # fmt: skip
    path = save_meta(tmp_path / "m.npz", meta, W1=np.ones((5, 2)), b1=np.ones((5, 1)),
                     W2=np.ones((1, 5)), b2=np.ones((1, 1)))  # fmt: skip
    with pytest.raises(ValueError, match=r"W1 has shape \(5, 2\), but layer_dims \[2, 4, 1\]"):
        load(path)
