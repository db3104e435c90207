"""Dropout: the op (mask recorded, replayed in backward), the network option (hidden layers only,
training only, seeded), agreement with the textbook's closed forms (dropout and L2) to 1e-10,
finite differences with frozen masks, and fit's tape replaying it bit for bit."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import autograd_dnn as ad
from autograd_dnn import functional as F
from autograd_dnn import ops, tape
from autograd_dnn import textbook as tb
from autograd_dnn.testing import strategies as ads
from tests.strategies import check_hvp, rel_error


# ------------------------------------------------------------------------- the op
def test_a_seeded_mask_is_the_courses_draw_and_backward_applies_it():
    A = ad.Tensor(np.arange(1.0, 13.0).reshape(3, 4), requires_grad=True)
    out = F.dropout(A, 0.7, seed=1)
    D = np.random.RandomState(1).rand(3, 4) < 0.7  # the course: np.random.seed(1); rand < kp
    np.testing.assert_array_equal(F.dropout_mask(out), D)
    np.testing.assert_array_equal(out.data, A.data * D / 0.7)
    up = np.random.default_rng(0).normal(size=(3, 4))
    out.backward(up)
    np.testing.assert_array_equal(A.grad, up * D / 0.7)  # the same mask, not a new draw


def test_a_given_mask_is_used_and_keep_prob_one_is_the_identity():
    A = ad.Tensor(np.ones((2, 3)), requires_grad=True)
    mask = np.array([[1, 0, 1], [0, 1, 1]])
    out = F.dropout(A, 0.5, mask=mask)
    np.testing.assert_array_equal(out.data, mask * 2.0)
    assert F.dropout(A, 1.0) is A
    assert F.dropout(A, 1, mask=np.ones((2, 3), bool)) is A


def test_a_generator_seed_draws_from_it():
    rng = np.random.default_rng(5)
    out = F.dropout(ad.Tensor(np.ones((2, 3)), requires_grad=True), 0.5, seed=rng)
    np.testing.assert_array_equal(
        F.dropout_mask(out), np.random.default_rng(5).random((2, 3)) < 0.5
    )


def test_second_derivatives_through_a_frozen_mask():
    mask = np.array([[True, False, True], [True, True, False]])
    x = np.random.default_rng(2).normal(size=(2, 3))
    check_hvp(lambda a: F.dropout(a.tanh(), 0.6, mask=mask), x)


@pytest.mark.parametrize(
    "kwargs, exc, match",
    [
        (dict(keep_prob=0.0), ValueError, r"keep_prob must be in \(0, 1\]"),
        (dict(keep_prob=1.2), ValueError, r"keep_prob must be in \(0, 1\]"),
        (dict(keep_prob=-0.5), ValueError, "KEEPING"),
        (dict(keep_prob="0.5"), TypeError, "must be a number"),
        (dict(keep_prob=0.5, mask=np.ones((3, 2))), ValueError, r"mask has shape \(3, 2\)"),
        (dict(keep_prob=0.5, mask=np.full((2, 3), 0.5)), ValueError, "only 0/1"),
        (dict(keep_prob=1.0, mask=np.zeros((2, 3))), ValueError, "keeps every unit"),
        (dict(keep_prob=0.5, seed=1.5), TypeError, "seed must be"),
    ],
)
def test_bad_dropout_inputs_are_named(kwargs, exc, match):
    with pytest.raises(exc, match=match):
        F.dropout(np.ones((2, 3)), **kwargs)


def test_dropout_mask_of_a_tensor_not_made_by_dropout():
    with pytest.raises(ValueError, match="not made by a recorded dropout"):
        F.dropout_mask(ad.Tensor(np.ones((2, 2)), requires_grad=True) * 2)


# ------------------------------------------------------------------------- the network
@pytest.mark.parametrize(
    "keep_prob, exc, match",
    [
        (0.0, ValueError, r"keep_prob of layer 1 must be in \(0, 1\]"),
        (1.5, ValueError, r"keep_prob of layer 1 must be in \(0, 1\]"),
        ([0.8, 0.9, 0.7], ValueError, "L - 1 = 2"),
        ([0.8, None], TypeError, "keep_prob of layer 2 must be a number"),
    ],
)
def test_bad_keep_prob_for_a_network(keep_prob, exc, match):
    with pytest.raises(exc, match=match):
        ad.DeepNetwork([2, 3, 3, 1], keep_prob=keep_prob)


def test_dropout_acts_on_hidden_layers_in_training_only():
    X, Y = ad.datasets.flower(20, seed=0)
    net = ad.DeepNetwork([2, 4, 3, 1], keep_prob=[0.5, 0.8], seed=0)
    assert net.keep_prob == [0.5, 0.8] and net.layers[-1].keep_prob == 1.0
    assert set(net.dropout_masks(20, seed=0)) == {"D1", "D2"}  # never the output
    plain = ad.DeepNetwork.from_parameters(net.get_parameters())
    np.testing.assert_array_equal(net.predict_proba(X), plain.predict_proba(X))  # no dropout
    assert float(net.cost(X, Y).data) == float(plain.cost(X, Y).data)
    assert float(net.cost(X, Y, training=True).data) != float(plain.cost(X, Y).data)
    assert "keep_prob" in net.summary() and "keep_prob=[0.5, 0.8]" in str(net)


def test_masks_are_checked_against_the_layers():
    X, Y = ad.datasets.flower(6, seed=0)
    net = ad.DeepNetwork([2, 4, 3, 1], keep_prob=[0.5, 1.0])
    with pytest.raises(ValueError, match=r"missing D1"):
        net.gradients(X, Y, masks={})
    with pytest.raises(ValueError, match=r"keys \['D2'\] for layers without dropout"):
        net.gradients(X, Y, masks={"D1": np.ones((4, 6)), "D2": np.ones((3, 6))})
    with pytest.raises(ValueError, match=r"mask D1 has shape \(4, 5\).*\(4, 6\)"):
        net.gradients(X, Y, masks={"D1": np.ones((4, 5))})


def _textbook_masks(cache, L):
    """D1..D(L-1) from the course's flat dropout cache (Z, D, A, W, b per hidden layer)."""
    return {f"D{l}": cache[5 * (l - 1) + 1] for l in range(1, L)}


@settings(max_examples=30, deadline=None)
@given(data=st.data())
def test_autodiff_agrees_with_the_courses_dropout_backprop(data):
    """The textbook draws masks with np.random.seed(seed) layer by layer; the same masks
    passed to the network give the textbook's AL and every gradient to 1e-10."""
    dims = data.draw(ads.layer_dims(min_layers=2, max_layers=4, max_units=5))
    L = len(dims) - 1
    params = data.draw(ads.parameters(dims))
    m = data.draw(st.integers(1, 6))
    X, Y = data.draw(ads.batches(dims, m=m))
    keep = data.draw(st.lists(st.sampled_from([0.5, 0.8, 1.0]), min_size=L - 1, max_size=L - 1))
    seed = data.draw(st.integers(0, 2**16))
    AL, cache = tb.forward_propagation_with_dropout(X, params, keep, seed=seed)
    course = tb.backward_propagation_with_dropout(X, Y, cache, keep)
    net = ad.DeepNetwork.from_parameters(params, keep_prob=keep)
    masks = {k: D for k, D in _textbook_masks(cache, L).items() if keep[int(k[1:]) - 1] < 1}
    np.testing.assert_allclose(
        net.forward(X, training=True, masks=masks).data, AL, rtol=1e-12, atol=0
    )
    auto = net.gradients(X, Y, masks=masks)
    for l in range(1, L + 1):
        assert rel_error(auto[f"dW{l}"], course[f"dW{l}"]) < 1e-10
        assert rel_error(auto[f"db{l}"], course[f"db{l}"]) < 1e-10
        assert rel_error(m * auto[f"dZ{l}"], course[f"dZ{l}"]) < 1e-10  # course dZ = m dJ/dZ
    for l in range(1, L):
        D, kp = cache[5 * (l - 1) + 1], keep[l - 1]
        # the course's dA[l] is taken after the mask: m dJ/dA[l] * D[l] / keep_prob
        assert rel_error(m * auto[f"dA{l}"] * D / kp, course[f"dA{l}"]) < 1e-10


@settings(max_examples=30, deadline=None)
@given(data=st.data())
def test_autodiff_agrees_with_the_courses_l2_backprop(data):
    dims = data.draw(ads.layer_dims(min_layers=1, max_layers=4, max_units=5))
    params = data.draw(ads.parameters(dims))
    X, Y = data.draw(ads.batches(dims))
    lambd = data.draw(st.sampled_from([0.1, 0.7, 3.0]))
    _, cache = tb.forward_propagation(X, params)
    course = tb.backward_propagation_with_regularization(X, Y, cache, lambd)
    net = ad.DeepNetwork.from_parameters(params, l2=lambd)
    auto = net.gradients(X, Y)
    for l in range(1, len(dims)):
        assert rel_error(auto[f"dW{l}"], course[f"dW{l}"]) < 1e-10
        assert rel_error(auto[f"db{l}"], course[f"db{l}"]) < 1e-10


def test_gradients_agree_with_finite_differences_with_the_masks_frozen():
    """The course says gradient checking does not work with dropout: with the masks frozen,
    the training cost is a function of the parameters again, and it does."""
    X, Y = ad.datasets.flower(10, seed=3)
    net = ad.DeepNetwork([2, 5, 4, 1], keep_prob=[0.6, 0.8], seed=2, hidden_activation="tanh")
    masks = net.dropout_masks(10, seed=7)
    grads = net.gradients(X, Y, masks=masks)
    h = 1e-6
    for name, p in net.parameters().items():
        original, numeric = p.data.copy(), np.zeros(p.shape)
        for idx in np.ndindex(p.shape):
            values = []
            for sign in (1, -1):
                moved = original.copy()
                moved[idx] += sign * h
                p.data = moved
                values.append(float(net.cost(X, Y, training=True, masks=masks).data))
            numeric[idx] = (values[0] - values[1]) / (2 * h)
        p.data = original
        assert rel_error(grads[f"d{name}"], numeric) < 1e-7, name


def test_gradients_default_masks_are_the_same_each_call_and_leave_the_rng_alone():
    X, Y = ad.datasets.flower(10, seed=3)
    net = ad.DeepNetwork([2, 5, 1], keep_prob=0.5, seed=2)
    state = net.rng.bit_generator.state
    a, b = net.gradients(X, Y), net.gradients(X, Y)
    np.testing.assert_array_equal(a["dW1"], b["dW1"])
    c = net.gradients(X, Y, masks=net.dropout_masks(10, seed=0))
    np.testing.assert_array_equal(a["dW1"], c["dW1"])
    assert net.rng.bit_generator.state == state


# ------------------------------------------------------------------------- fit and the tape
def _fit(net, X, Y, replay: bool, **kw):
    replayed = []
    run = tape.Tape.run
    with pytest.MonkeyPatch.context() as mp:
        if replay:
            mp.setattr(tape.Tape, "run", lambda self, *a: replayed.append(1) or run(self, *a))
        else:
            mp.setattr(tape.Tape, "record", classmethod(lambda cls, *args: None))
        history = net.fit(X, Y, progress=False, **kw)
    return history, net.get_parameters(), len(replayed)


@settings(max_examples=12, deadline=None)
@given(
    optimizer=st.sampled_from(["gd", "momentum", "rmsprop", "adam"]),
    batch_size=st.sampled_from([None, 8, 12]),
    batch_norm=st.booleans(),
    keep=st.sampled_from([0.5, [0.7, 1.0], 1.0]),
    seed=st.integers(0, 50),
)
def test_a_taped_fit_equals_a_recorded_fit_bit_for_bit(
    optimizer, batch_size, batch_norm, keep, seed
):
    """The tape calls each op's forward at every step: the dropout op draws a new mask from
    the network's Generator and batch norm updates its running statistics, in the order the
    recorded steps do, so both fits give the same costs, parameters and statistics."""
    X, Y = ad.datasets.flower(30, seed=seed)
    kw = dict(learning_rate=0.05, iterations=5, optimizer=optimizer, batch_size=batch_size)
    runs = []
    for replay in (True, False):
        net = ad.DeepNetwork([2, 4, 3, 1], keep_prob=keep, batch_norm=batch_norm, seed=seed)
        runs.append((*_fit(net, X, Y, replay, print_every=1, **kw), net))
    (h1, p1, replayed, n1), (h2, p2, _, n2) = runs
    assert replayed >= 1
    assert h1.costs == h2.costs
    for k in p1:
        np.testing.assert_array_equal(p1[k], p2[k], err_msg=k)
    for k, v in n1.running_statistics().items():
        np.testing.assert_array_equal(v, n2.running_statistics()[k], err_msg=k)
    assert n1.rng.bit_generator.state == n2.rng.bit_generator.state


def test_each_step_draws_new_masks_and_fit_is_deterministic():
    X, Y = ad.datasets.flower(40, seed=0)
    masks = []
    original = ops.Dropout.forward

    def spy(ctx, A, **kw):
        out = original(ctx, A, **kw)
        masks.append(ctx.mask.copy())
        return out

    with pytest.MonkeyPatch.context() as mp:
        mp.setattr(ops.Dropout, "forward", staticmethod(spy))
        net = ad.DeepNetwork([2, 6, 1], keep_prob=0.5, seed=4)
        h1 = net.fit(X, Y, learning_rate=0.1, iterations=6, progress=False, print_every=1)
    steps = [m for m in masks if m.shape == (6, 40)]
    assert len(steps) >= 6
    assert not all(np.array_equal(steps[0], s) for s in steps[1:6])  # a new mask each step
    again = ad.DeepNetwork([2, 6, 1], keep_prob=0.5, seed=4)
    h2 = again.fit(X, Y, learning_rate=0.1, iterations=6, progress=False, print_every=1)
    assert h1.costs == h2.costs


def test_resume_continues_the_dropout_masks():
    X, Y = ad.datasets.flower(40, seed=0)
    a = ad.DeepNetwork([2, 6, 1], keep_prob=0.7, seed=1)
    a.fit(X, Y, learning_rate=0.1, iterations=8, progress=False, batch_size=16)
    b = ad.DeepNetwork([2, 6, 1], keep_prob=0.7, seed=1)
    b.fit(X, Y, learning_rate=0.1, iterations=4, progress=False, batch_size=16)
    state = b.training_state
    assert "model_rng" in state
    b.rng = np.random.default_rng(999)  # as after a load: resume restores the masks' stream
    assert all(layer.rng is b.rng for layer in b.layers)
    b.fit(X, Y, learning_rate=0.1, iterations=4, progress=False, batch_size=16, resume=True)
    for k, v in a.get_parameters().items():
        np.testing.assert_array_equal(v, b.get_parameters()[k], err_msg=k)


def test_the_dev_cost_is_evaluated_without_dropout():
    X, Y = ad.datasets.flower(40, seed=0)
    net = ad.DeepNetwork([2, 6, 1], keep_prob=0.5, seed=1)
    h = net.fit(X, Y, learning_rate=0.1, iterations=3, X_dev=X, Y_dev=Y, progress=False,
                print_every=1)  # fmt: skip
    assert h.dev_costs[-1] == float(net.cost(X, Y).data)  # after the last step: eval mode
