"""RNNModel files: ``model.save`` / ``RNNModel.load`` / ``serialize.load`` round-trip bit for
bit (parameters, cell, sizes, l2, dtype, training state), and a damaged file is refused with
a message naming the entry at fault."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

import autograd_dnn as ad
from autograd_dnn import serialize
from autograd_dnn.recurrent import LSTM_KEYS, RNN_KEYS, RNNModel

FIT = dict(learning_rate=0.01, optimizer="adam", batch_size=4, clip=5.0, progress=False)


def names_data(count: int = 10) -> tuple[np.ndarray, np.ndarray]:
    char_to_ix, _ = ad.datasets.char_vocabulary()
    return ad.datasets.names_dataset(ad.datasets.generate_names(count, seed=2), char_to_ix)


def assert_same(a: RNNModel, b: RNNModel) -> None:
    assert (a.cell, a.n_x, a.n_a, a.n_y, a.l2, a.dtype) == (
        b.cell,
        b.n_x,
        b.n_a,
        b.n_y,
        b.l2,
        b.dtype,
    )
    pa, pb = a.get_parameters(), b.get_parameters()
    assert list(pa) == list(pb)
    for k in pa:
        assert pa[k].dtype == pb[k].dtype, k
        np.testing.assert_array_equal(pa[k], pb[k], err_msg=k)


@pytest.mark.parametrize("cell", ["rnn", "lstm"])
def test_round_trip_keeps_every_parameter_bit_for_bit(tmp_path: Path, cell: str) -> None:
    model = RNNModel(5, 7, 3, cell=cell, seed=4, l2=0.25)
    path = model.save(str(tmp_path / "m.npz"))
    for loaded in (RNNModel.load(path), serialize.load(path)):
        assert isinstance(loaded, RNNModel)
        assert_same(model, loaded)
        assert (loaded.seed, loaded.init) == (4, "xavier")
    meta = serialize.read_metadata(path)
    assert meta["kind"] == "RNNModel" and meta["cell"] == cell
    assert (meta["n_x"], meta["n_a"], meta["n_y"], meta["dtype"]) == (5, 7, 3, "float64")
    assert "training_state" not in meta  # never trained


def test_a_float32_model_stays_float32(tmp_path: Path) -> None:
    model = RNNModel(4, 3, 2, cell="lstm", seed=1).astype(np.float32)
    loaded = RNNModel.load(model.save(str(tmp_path / "m.npz")))
    assert loaded.dtype == np.float32
    assert_same(model, loaded)


@pytest.mark.parametrize("cell", ["rnn", "lstm"])
def test_resume_after_load_continues_bit_for_bit(tmp_path: Path, cell: str) -> None:
    X, Y = names_data()
    straight = RNNModel(27, 6, 27, cell=cell, seed=0)
    straight.fit(X, Y, iterations=4, **FIT)  # 4 epochs in one go

    first = RNNModel(27, 6, 27, cell=cell, seed=0)
    first.fit(X, Y, iterations=2, **FIT)
    path = first.save(str(tmp_path / "half.npz"))
    meta = serialize.read_metadata(path)
    assert meta["training_state"]["iterations"] == 2
    assert meta["training_state"]["optimizer_state"]["buffers"] == ["s", "v"]
    loaded = RNNModel.load(path)
    loaded.fit(X, Y, iterations=2, resume=True, **FIT)  # 2 more epochs, after the load
    assert loaded.training_state["iterations"] == 4
    assert_same(straight, loaded)


def test_training_state_false_leaves_it_out(tmp_path: Path) -> None:
    X, Y = names_data(4)
    model = RNNModel(27, 3, 27, seed=0)
    model.fit(X, Y, iterations=1, **FIT)
    loaded = RNNModel.load(model.save(str(tmp_path / "m.npz"), training_state=False))
    assert getattr(loaded, "training_state", None) is None
    with pytest.raises(ValueError, match="no training state"):
        loaded.fit(X, Y, iterations=1, resume=True, **FIT)


def test_rnnmodel_load_refuses_another_kind(tmp_path: Path) -> None:
    path = ad.DeepNetwork([2, 3, 1]).save(str(tmp_path / "dense.npz"))
    with pytest.raises(ValueError, match="holds a DeepNetwork, not a RNNModel"):
        RNNModel.load(path)


# ----------------------------------------------------------------------------- damaged files
def rewrite(src: str, dst: Path, meta: dict | None = None, **arrays: np.ndarray | None) -> str:
    """A copy of the model file ``src`` with ``meta`` updated and ``arrays`` replaced (None:
    removed)."""
    with np.load(src) as data:
        entries = {k: data[k] for k in data.files}
    m = json.loads(str(entries["meta"]))
    m.update(meta or {})
    entries["meta"] = np.array(json.dumps(m))
    for k, v in arrays.items():
        if v is None:
            entries.pop(k)
        else:
            entries[k] = v
    np.savez(dst, **entries)
    return str(dst)


@pytest.fixture
def lstm_file(tmp_path: Path) -> str:
    X, Y = names_data(4)
    model = RNNModel(27, 4, 27, cell="lstm", seed=0)
    model.fit(X, Y, iterations=1, **FIT)
    return model.save(str(tmp_path / "lstm.npz"))


def damaged(lstm_file: str, tmp_path: Path, meta=None, **arrays) -> str:
    return rewrite(lstm_file, tmp_path / "bad.npz", meta, **arrays)


@pytest.mark.parametrize(
    ("meta", "arrays", "needles"),
    [
        ({"cell": "gru"}, {}, ["'cell'", "'gru'"]),
        ({"n_a": 0}, {}, ["'n_a'", "whole number >= 1"]),
        ({"n_x": "27"}, {}, ["'n_x'"]),
        ({"n_a": 5}, {}, ["n_a = 4", "'n_a' in 'meta' says 5"]),
        ({"n_y": 26}, {}, ["n_y = 27", "from by"]),
        ({"l2": -1}, {}, ["'l2'"]),
        ({"dtype": "int8"}, {}, ["'dtype'", "int8"]),
        ({"dtype": "float32"}, {}, ["has dtype float64", "says float32"]),
        ({"cell": "rnn"}, {}, ["missing Wax, Waa, Wya, ba"]),
        ({}, {"Wo": None}, ["missing Wo"]),
        ({}, {"Wq": np.zeros((4, 31))}, ["unexpected entries ['Wq']"]),
        ({}, {"bf": np.zeros(4)}, ["params['bf']", "(4, 1)"]),
        ({}, {"Wi": np.zeros((4, 30))}, ["params['Wi']", "(4, 31)"]),
        ({}, {"Wc": np.full((4, 31), np.nan)}, ["Wc contains NaN"]),
        ({}, {"by": np.zeros((27, 1), dtype=np.int64)}, ["by has dtype int64"]),
        ({}, {"opt.v.Wf": None}, ["training state", "missing opt.v.Wf"]),
        ({}, {"opt.s.by": np.zeros((3, 1))}, ["training state", "opt.s.by has shape (3, 1)"]),
    ],
)
def test_a_damaged_file_is_refused_naming_the_entry(
    lstm_file: str, tmp_path: Path, meta: dict, arrays: dict, needles: list[str]
) -> None:
    path = damaged(lstm_file, tmp_path, meta, **arrays)
    for read in (serialize.load, RNNModel.load):
        with pytest.raises(ValueError) as e:
            read(path)
        text = str(e.value)
        assert text.startswith(path), text
        for needle in needles:
            assert needle in text, f"{needle!r} not in {text!r}"


def test_the_rnn_keys_are_the_courses(tmp_path: Path) -> None:
    for cell, keys in (("rnn", RNN_KEYS), ("lstm", LSTM_KEYS)):
        path = RNNModel(2, 3, 2, cell=cell).save(str(tmp_path / f"{cell}.npz"))
        with np.load(path) as data:
            assert sorted(data.files) == sorted(["meta", *keys])
