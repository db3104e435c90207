"""The gradient check on Course 2's networks: dropout with its masks frozen, batch norm in
training mode (gamma and beta rows), L2; correct networks pass at several scales and dtypes,
and planted bugs in a layer, in dropout's backward and in batch norm's are named."""

from __future__ import annotations

import numpy as np
import pytest

import autograd_dnn as ad
from autograd_dnn import ops

from . import planted

CONFIGS = [
    dict(keep_prob=0.8),
    dict(batch_norm=True),
    dict(keep_prob=[0.6, 0.9], batch_norm=True, l2=0.3),
]


@pytest.mark.parametrize("config", CONFIGS, ids=["dropout", "batch_norm", "both_l2"])
@pytest.mark.parametrize("dtype", [np.float64, np.float32])
@pytest.mark.parametrize("m", [3, 64])
def test_correct_regularized_networks_pass(config, dtype, m):
    X, Y = ad.datasets.flower(m, seed=1)
    net = ad.DeepNetwork([2, 5, 4, 1], seed=2, dtype=dtype, **config)
    report = ad.gradcheck(net, X, Y, mode="full")
    assert report.passed, str(report)
    names = [r.name for r in report.rows]
    if config.get("batch_norm"):
        assert {"gamma1", "beta1", "gamma2", "beta2"} <= set(names) and "b1" not in names
    assert "dropout masks frozen" in report.title


def test_a_planted_layer_bug_is_named_in_a_dropout_network():
    X, Y = ad.datasets.flower(64, seed=0)
    net = ad.DeepNetwork([2, 5, 4, 1], keep_prob=0.8, seed=0)
    net.layers[1].linear_fn = planted.DoubledDW
    report = ad.gradcheck(net, X, Y)
    assert not report.passed and report.first_faulty_layer == 2, str(report)
    assert report.row("W2").ratio == pytest.approx(2.0, rel=1e-3)


def test_a_dropout_backward_that_forgets_the_mask_is_caught(monkeypatch):
    """The course's classic bug: dA * D missing in backward (only / keep_prob kept)."""

    def forgetful(ctx, g):
        return g / ctx.kwargs["keep_prob"]

    monkeypatch.setattr(ops.Dropout, "backward", staticmethod(forgetful))
    X, Y = ad.datasets.flower(64, seed=0)
    net = ad.DeepNetwork([2, 5, 4, 1], keep_prob=0.7, seed=0)
    report = ad.gradcheck(net, X, Y)
    assert not report.passed, str(report)
    assert report.first_faulty_layer == 2  # layer 2's dropout: its backward feeds dA1 wrong


def test_a_batch_norm_backward_without_its_mean_term_is_caught(monkeypatch):
    """Batch norm's missing - mean(dZ_norm * Z_norm) term, planted in the op's VJP."""
    real = ops.BatchNorm.backward

    def wrong(ctx, g):
        grads = list(real(ctx, g))
        grads[0] = grads[0] * 1.5  # dZ off by a factor: the chain rule through mu/sigma2 lost
        return tuple(grads)

    monkeypatch.setattr(ops.BatchNorm, "backward", staticmethod(wrong))
    X, Y = ad.datasets.flower(64, seed=0)
    net = ad.DeepNetwork([2, 5, 4, 1], batch_norm=True, seed=0)
    report = ad.gradcheck(net, X, Y)
    assert not report.passed and report.first_faulty_layer == 2, str(report)


# ----------------------------------------------------------------------------- closed forms
@pytest.mark.parametrize(
    "config", [dict(keep_prob=0.8), dict(keep_prob=[0.6, 1.0], l2=0.4), dict(batch_norm=True)]
)
def test_compare_with_textbook_covers_dropout_and_batch_norm(config):
    X, Y = ad.datasets.flower(64, seed=0)
    net = ad.DeepNetwork([2, 5, 4, 1], seed=0, **config)
    report = ad.compare_with_textbook(net, X, Y)
    assert report.passed, str(report)
    names = {r.name for r in report.rows}
    if config.get("batch_norm"):
        assert {"dgamma1", "dbeta1", "dZ1", "dgamma2"} <= names
    else:
        assert {"dW1", "db1", "dA1", "dZ3"} <= names and any(
            "course's own masks" in n for n in report.notes
        )


def test_compare_with_textbook_catches_a_dropout_backward_without_its_mask(monkeypatch):
    monkeypatch.setattr(ops.Dropout, "backward", staticmethod(lambda ctx, g: g / 0.8))
    X, Y = ad.datasets.flower(64, seed=0)
    report = ad.compare_with_textbook(ad.DeepNetwork([2, 5, 4, 1], keep_prob=0.8, seed=0), X, Y)
    assert not report.passed
    assert not report.row("dW1").passed and report.row("dW3").passed  # below the dropout only


def test_compare_with_textbook_catches_batch_norm_without_its_mean_terms(monkeypatch):
    """The course's classic batch norm bug: mu and sigma2 treated as constants, dZ = gamma
    dZ_tilde / s. The network's dZ1 then differs from batchnorm_backward's."""

    def constants(ctx, g):
        Z_norm, s, gamma, _mu = ctx.saved_arrays
        dgamma, dbeta = (g * Z_norm).sum(axis=1, keepdims=True), g.sum(axis=1, keepdims=True)
        return g * gamma / s, dgamma, dbeta

    monkeypatch.setattr(ops.BatchNorm, "backward", staticmethod(constants))
    X, Y = ad.datasets.flower(64, seed=0)
    report = ad.compare_with_textbook(ad.DeepNetwork([2, 5, 4, 1], batch_norm=True, seed=0), X, Y)
    assert not report.passed and not report.row("dZ2").passed, str(report)
