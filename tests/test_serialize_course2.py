"""save/load of Course 2 networks (issue 15): dropout (keep_prob per hidden layer and the
state of the masks' RNG), batch norm (gamma[l], beta[l] instead of b[l], eps, momentum and
the running statistics) and the training state of fit (RMSprop's s, time_interval, the
dropout RNG), so that fit, save, load and fit(resume=True) give the parameters of one
uninterrupted run bit for bit; damaged files are refused naming the entry; files written
before any of this still load."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

import autograd_dnn as ad
from autograd_dnn import datasets as D
from autograd_dnn.serialize import generator_from_state, load, read_metadata, save


def course2_net(seed: int = 0, dtype=np.float64) -> ad.DeepNetwork:
    """Dropout on both hidden layers (two different keep_probs), batch norm on both."""
    return ad.DeepNetwork(
        [2, 6, 5, 1], seed=seed, keep_prob=[0.8, 0.6], batch_norm=True, dtype=dtype
    )


def arrays_of(path: Path) -> dict[str, np.ndarray]:
    with np.load(path) as f:
        return {k: f[k] for k in f.files}


def rewrite(path: Path, arrays: dict, meta: dict | None = None, **changes) -> Path:
    """A copy of a model file's arrays with ``changes`` (None deletes) and the meta given."""
    data = dict(arrays)
    if meta is not None:
        data["meta"] = np.array(json.dumps(meta))
    for k, v in changes.items():
        if v is None:
            del data[k]
        else:
            data[k] = v
    with open(path, "wb") as fh:
        np.savez(fh, **data)
    return path


def assert_same_network(a: ad.DeepNetwork, b: ad.DeepNetwork) -> None:
    pa, pb = a.get_parameters(), b.get_parameters()
    assert sorted(pa) == sorted(pb)
    for k in pa:
        np.testing.assert_array_equal(pb[k], pa[k], err_msg=k)
        assert pb[k].dtype == pa[k].dtype, k
    sa, sb = a.running_statistics(), b.running_statistics()
    assert sorted(sa) == sorted(sb)
    for k in sa:
        np.testing.assert_array_equal(sb[k], sa[k], err_msg=k)
    assert a.keep_prob == b.keep_prob
    assert [(ly.eps, ly.momentum) for ly in a.layers] == [(ly.eps, ly.momentum) for ly in b.layers]
    assert a.rng.bit_generator.state == b.rng.bit_generator.state


# ----------------------------------------------------------------------------- round trip
def test_dropout_and_batch_norm_survive_save_and_load(tmp_path: Path) -> None:
    """The reviewer's two findings: a batch-norm file loads (it failed with 'missing b1') and
    a dropout network keeps its keep_prob (it came back with 1.0)."""
    X, Y = D.flower(80, seed=1)
    net = course2_net()
    net.layers[1].eps, net.layers[1].momentum = 1e-5, 0.8  # a layer of its own
    net.fit(X, Y, iterations=7, learning_rate=0.05, batch_size=32, progress=False)
    back = load(save(net, tmp_path / "c2.npz"))
    assert back.batch_norm and back.keep_prob == [0.8, 0.6]
    assert "b1" not in back.parameters() and "gamma2" in back.parameters()
    assert back.layers[1].running.t == net.layers[1].running.t == 7 * 3  # 3 batches an epoch
    assert_same_network(net, back)
    # test time: the running statistics are in use, so the outputs agree bit for bit
    np.testing.assert_array_equal(back.predict_proba(X), net.predict_proba(X))
    # training: the next masks come from the same RNG state
    drawn, drawn_back = net.dropout_masks(80), back.dropout_masks(80)
    assert sorted(drawn) == sorted(drawn_back) == ["D1", "D2"]
    for k, mask in drawn.items():
        np.testing.assert_array_equal(drawn_back[k], mask, err_msg=k)


def test_the_running_statistics_are_what_test_time_uses(tmp_path: Path) -> None:
    """Not a vacuous round trip: a network loaded without its running statistics (reset to
    mu = 0, sigma2 = 1) predicts differently, so keeping them matters."""
    X, Y = D.flower(80, seed=1)
    net = course2_net()
    net.fit(X, Y, iterations=20, learning_rate=0.05, progress=False)
    back = load(save(net, tmp_path / "c2.npz"))
    fresh = ad.DeepNetwork.from_parameters(
        net.get_parameters(), activations=net.activations, keep_prob=net.keep_prob
    )
    assert not np.allclose(fresh.predict_proba(X), net.predict_proba(X))
    np.testing.assert_array_equal(back.predict_proba(X), net.predict_proba(X))


def test_a_float32_batch_norm_network_stays_float32(tmp_path: Path) -> None:
    X, Y = D.flower(40, seed=0)
    net = course2_net(dtype=np.float32)
    net.fit(X, Y, iterations=3, learning_rate=0.05, progress=False)
    back = load(save(net, tmp_path / "f32.npz"))
    assert back.dtype == np.float32
    assert back.layers[0].running.mu.dtype == np.float32
    assert_same_network(net, back)


def test_a_dropout_rng_of_another_bit_generator_round_trips(tmp_path: Path) -> None:
    """MT19937's state holds a numpy array: it is written as a JSON list and read back."""
    net = ad.DeepNetwork([3, 4, 1], keep_prob=0.5, seed=0)
    net.rng = np.random.Generator(np.random.MT19937(7))
    net.rng.random(5)
    back = load(save(net, tmp_path / "mt.npz"))
    assert type(back.rng.bit_generator).__name__ == "MT19937"
    np.testing.assert_array_equal(back.dropout_masks(9)["D1"], net.dropout_masks(9)["D1"])


def test_metadata_says_what_the_file_keeps(tmp_path: Path) -> None:
    net = course2_net()
    meta = read_metadata(save(net, tmp_path / "c2.npz"))
    assert meta["keep_prob"] == [0.8, 0.6]
    assert meta["batch_norm"] == {
        "1": {"eps": 1e-8, "momentum": 0.9, "t": 0, "decay": 1.0},
        "2": {"eps": 1e-8, "momentum": 0.9, "t": 0, "decay": 1.0},
    }
    assert meta["rng"]["bit_generator"] == "PCG64"
    assert {"gamma1", "beta1", "running.mu1", "running.sigma2_2"} <= set(
        arrays_of(tmp_path / "c2.npz")
    )


# ----------------------------------------------------------------------------- resume
RESUME_CASES = [
    ("gd", None, {}),
    ("momentum", 16, {"decay_rate": 0.3}),
    ("rmsprop", 16, {"decay_rate": 0.5, "time_interval": 3}),
    ("rmsprop", None, {}),
    ("adam", 32, {"decay_rate": 0.2, "time_interval": 2}),
]


@pytest.mark.parametrize("optimizer, batch_size, decay", RESUME_CASES)
def test_save_load_and_resume_a_course2_network_is_bit_for_bit(
    tmp_path: Path, optimizer: str, batch_size: int | None, decay: dict
) -> None:
    """10 iterations (epochs) + save + load + 10 more = 20 uninterrupted, bit for bit: the
    parameters (W, b, gamma, beta), the running statistics and the dropout RNG. The pattern
    of test_train.py::test_save_load_and_resume_gives_the_200_iteration_parameters, on a
    dropout + batch-norm network (the masks and the batch statistics depend on everything
    before them, so any state lost on the way shows)."""
    X, Y = D.flower(100, seed=0)
    kw = dict(optimizer=optimizer, batch_size=batch_size, learning_rate=0.01, progress=False,
              seed=3, **decay)  # fmt: skip
    whole = course2_net()
    whole.fit(X, Y, iterations=20, **kw)
    first = course2_net()
    first.fit(X, Y, iterations=10, **kw)
    loaded = load(save(first, tmp_path / "half.npz"))
    assert loaded.training_state["iterations"] == 10
    loaded.fit(X, Y, iterations=10, resume=True, **kw)
    assert_same_network(whole, loaded)
    # the control: the dropout RNG lost on the way (as before it was saved) shows
    control = load(tmp_path / "half.npz")
    del control.training_state["model_rng"]
    control.rng = np.random.default_rng(0)
    control.fit(X, Y, iterations=10, resume=True, **kw)
    assert not np.array_equal(control.get_parameters()["W1"], whole.get_parameters()["W1"])


def test_the_training_state_round_trips_whole(tmp_path: Path) -> None:
    """RMSprop's s buffers, time_interval, the learning-rate schedule, both RNGs."""
    X, Y = D.flower(60, seed=0)
    net = course2_net()
    net.fit(X, Y, iterations=4, optimizer="rmsprop", batch_size=20, decay_rate=1.0,
            time_interval=2, progress=False)  # fmt: skip
    state = net.training_state
    back = load(save(net, tmp_path / "s.npz")).training_state
    assert {k: v for k, v in back.items() if k != "optimizer_state"} == {
        k: v for k, v in state.items() if k != "optimizer_state"
    }
    assert "model_rng" in back
    opt, opt_back = state["optimizer_state"], back["optimizer_state"]
    assert opt_back["time_interval"] == 2 and opt_back["kind"] == "RMSprop"
    assert {k: v for k, v in opt_back.items() if k != "buffers"} == {
        k: v for k, v in opt.items() if k != "buffers"
    }
    assert sorted(opt_back["buffers"]) == ["s"]
    for n, a in opt["buffers"]["s"].items():
        np.testing.assert_array_equal(opt_back["buffers"]["s"][n], a, err_msg=n)
    assert "opt.s.gamma1" in arrays_of(tmp_path / "s.npz")


# ----------------------------------------------------------------------------- damaged files
@pytest.fixture
def saved(tmp_path: Path) -> tuple[Path, dict, dict]:
    X, Y = D.flower(60, seed=0)
    net = course2_net()
    net.fit(X, Y, iterations=3, optimizer="rmsprop", batch_size=20, progress=False)
    path = save(net, tmp_path / "good.npz")
    arrays = arrays_of(path)
    return tmp_path, arrays, json.loads(str(arrays["meta"]))


def damaged_meta(meta: dict, **changes) -> dict:
    out = json.loads(json.dumps(meta))
    for dotted, value in changes.items():
        *where, last = dotted.split("__")
        d = out
        for k in where:
            d = d[k]
        if value is None:
            del d[last]
        else:
            d[last] = value
    return out


DAMAGE = {
    "missing-gamma": (dict(gamma2=None), None, r"missing gamma2"),
    "gamma-and-b": (dict(b1=np.zeros((6, 1))), None, r"unexpected keys \['b1'\]"),
    "gamma-shape": (dict(gamma1=np.ones((6,))), None, r"gamma"),
    "running-shape": (
        {"running.mu1": np.zeros((5, 1))},
        None,
        r"running\.mu1 has shape \(5, 1\), expected \(n\[1\], 1\) = \(6, 1\)",
    ),
    "running-missing": ({"running.sigma2_2": None}, None, r"missing running\.sigma2_2"),
    "running-nan": ({"running.mu2": np.full((5, 1), np.nan)}, None, r"running\.mu2 contains NaN"),
    "running-negative": (
        {"running.sigma2_1": -np.ones((6, 1))},
        None,
        r"running\.sigma2_1 holds a negative variance",
    ),
    "running-stray": (
        {"running.mu3": np.zeros((1, 1))},
        None,
        r"unexpected entries \['running\.mu3'\]",
    ),
    "opt-s-shape": ({"opt.s.gamma1": np.zeros((2, 1))}, None, r"opt\.s\.gamma1 has shape \(2, 1\)"),
    "opt-s-missing": ({"opt.s.W2": None}, None, r"missing opt\.s\.W2"),
}
META_DAMAGE = {
    "no-batch-norm-entry": (
        dict(batch_norm__2=None),
        r"layer 2 has gamma2, beta2 but 'batch_norm'",
    ),
    "bn-for-plain-layer": (
        dict(batch_norm__3={"eps": 1e-8, "momentum": 0.9, "t": 0, "decay": 1.0}),
        r"layer\(s\) \['3'\], which have no gamma",
    ),
    "eps-zero": (dict(batch_norm__1__eps=0), r"'batch_norm' layer 1 in 'meta': eps must be > 0"),
    "momentum-text": (dict(batch_norm__2__momentum="0.9"), r"layer 2 .*momentum must be a finite"),
    "t-missing": (dict(batch_norm__1__t=None), r"layer 1 in 'meta' is missing \['t'\]"),
    "t-negative": (dict(batch_norm__1__t=-1), r"t \(updates of the running averages\)"),
    "keep-prob-count": (dict(keep_prob=[0.5]), r"keep_prob has 1 entries"),
    "keep-prob-range": (dict(keep_prob=[0.5, 1.5]), r"keep_prob"),
    "rng": (
        dict(rng={"bit_generator": "PCG64", "state": 3}),
        r"'rng' in 'meta' is not a valid PCG64",
    ),
    "rng-kind": (dict(rng={"bit_generator": "Lehmer"}), r"bit_generator 'Lehmer'"),
    "model-rng": (
        dict(training_state__model_rng={"bit_generator": "PCG64"}),
        r"training state is damaged \(its 'model_rng' is not a valid PCG64",
    ),
}


@pytest.mark.parametrize("name", list(DAMAGE))
def test_a_damaged_array_is_refused_naming_the_entry(saved, name: str) -> None:
    tmp_path, arrays, _ = saved
    changes, _, message = DAMAGE[name]
    path = rewrite(tmp_path / f"{name}.npz", arrays, **changes)
    with pytest.raises(ValueError, match=message) as info:
        load(path)
    assert str(path) in str(info.value)


@pytest.mark.parametrize("name", list(META_DAMAGE))
def test_damaged_metadata_is_refused_naming_the_entry(saved, name: str) -> None:
    tmp_path, arrays, meta = saved
    changes, message = META_DAMAGE[name]
    path = rewrite(tmp_path / f"{name}.npz", arrays, damaged_meta(meta, **changes))
    with pytest.raises(ValueError, match=message) as info:
        load(path)
    assert str(path) in str(info.value)


def test_generator_from_state_refuses_what_is_not_a_state() -> None:
    with pytest.raises(ValueError, match="here is not the state"):
        generator_from_state([1, 2], "here")
    g = np.random.default_rng(4)
    h = generator_from_state(json.loads(json.dumps(g.bit_generator.state)))
    assert h.random() == g.random()


# ----------------------------------------------------------------------------- old files
OLD_META_KEYS = ("format", "version", "kind", "layer_dims", "activations", "init", "l2",
                 "leaky_slope", "training_state")  # fmt: skip
"""What a DeepNetwork file held before dropout and batch norm were kept (serialize.py of
commit 2aa2200: ``_describe_deep`` wrote layer_dims, activations, init, l2, leaky_slope)."""


@pytest.mark.parametrize("with_kind", [True, False], ids=["with-kind", "before-kinds"])
def test_a_file_of_the_old_format_still_loads_and_resumes(tmp_path: Path, with_kind: bool) -> None:
    X, Y = D.flower(80, seed=0)
    kw = dict(optimizer="adam", learning_rate=0.01, progress=False)
    whole = ad.DeepNetwork([2, 5, 1], seed=1)
    whole.fit(X, Y, iterations=20, **kw)
    net = ad.DeepNetwork([2, 5, 1], seed=1)
    net.fit(X, Y, iterations=10, **kw)
    arrays = arrays_of(save(net, tmp_path / "new.npz"))
    meta = json.loads(str(arrays["meta"]))
    old = {k: v for k, v in meta.items() if k in OLD_META_KEYS and (with_kind or k != "kind")}
    old["training_state"] = {k: v for k, v in old["training_state"].items() if k != "model_rng"}
    path = rewrite(tmp_path / "old.npz", arrays, old)
    back = load(path)
    assert back.keep_prob == [1.0] and not back.batch_norm
    np.testing.assert_array_equal(back.predict_proba(X), net.predict_proba(X))
    back.fit(X, Y, iterations=10, resume=True, **kw)
    for k, v in whole.get_parameters().items():
        np.testing.assert_array_equal(back.get_parameters()[k], v, err_msg=k)
