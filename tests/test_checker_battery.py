"""The seeded battery of issue 13: the checker's verdict is never wrong.

Random networks (``planted.battery_net``) at parameter scales 1e-3, 1 and 1e3, float32 and
float64, m from 1 to 500, every hidden and output activation, with and without L2:

- correct networks: 0 false failures in every mode (and with central differences too);
- the same networks with one planted bug (``planted.BUGS``: factors 1.001, 1.01, 1.1, 2, a sign
  flip, a transposed square W, one coordinate x1.01, a dropped db, a missing g', g' x1.01):
  ``full`` and ``auto`` catch every bug that changes a gradient of its layer, and name that
  layer as the first faulty one; ``sampled`` says which coordinates it did not check.

A bug is "visible" when it changes some gradient of its layer by more than 10 times what
rounding can explain (``error_bounds``: a dropped db where db is 0 changes nothing, and a
1.001 factor on a saturated tanh layer's gradient, computed from 1 - a^2 with a ~ 1, is lost
in rounding); the battery also asserts that most planted bugs are visible, so that it cannot
pass by planting nothing.
"""

from __future__ import annotations

import numpy as np
import pytest

from autograd_dnn.gradcheck import MODES, SAFETY, error_bounds, gradcheck

from . import planted

CASES = 36  # every (hidden, output) pair at least once; scales, dtypes and L2 cycle
BUG_CASES = 24


def _layer_rows(l: int) -> tuple[str, ...]:
    return (f"W{l}", f"b{l}", f"dA{l - 1}")


def visible(net, X, Y, layer: int) -> bool:
    """Does the planted backward change a gradient of ``layer`` (dW, db or dA[l-1]) by more
    than 10 x what rounding can explain (``error_bounds``, times the checker's SAFETY, for
    two computations)? Below that, no check can tell the bug from rounding."""
    bugged = net.gradients(X, Y)
    clean_net, _, _, _ = planted.battery_net(net._battery_case, m_max=64)
    clean = clean_net.gradients(X, Y)
    bounds = error_bounds(clean_net, X, Y)
    for key in (f"dW{layer}", f"db{layer}", f"dA{layer - 1}"):
        a, g = np.asarray(bugged[key], dtype=float), np.asarray(clean[key], dtype=float)
        if a.shape != g.shape:
            return True
        if np.any(np.abs(a - g) > 10 * 2 * SAFETY * bounds[key] + 1e-300):
            return True
    return False


@pytest.mark.parametrize("i", range(CASES))
def test_correct_networks_pass_in_every_mode(i):
    net, X, Y, what = planted.battery_net(i)
    for mode in MODES:
        report = gradcheck(net, X, Y, mode=mode, k=5)
        assert report.passed, f"{what}, mode {mode}\n{report}"
        for r in report.rows:
            size = int(np.prod(r.shape))
            if mode == "sampled" and r.checked < size:
                assert f"{size - r.checked} of {size} coordinates not checked" in r.note, r


@pytest.mark.slow
@pytest.mark.parametrize("i", range(CASES))
def test_correct_networks_pass_with_central_differences(i):
    net, X, Y, what = planted.battery_net(i, m_max=7)
    for mode in ("auto", "sampled"):
        report = gradcheck(net, X, Y, mode=mode, k=3, method="central")
        assert report.passed, f"{what}, mode {mode}, central\n{report}"


def _bug_cases():
    for i in range(BUG_CASES):
        for bug in planted.BUGS:
            yield pytest.param(i, bug, id=f"{i}-{bug[0]}".replace(" ", "_"))


@pytest.mark.parametrize(("i", "bug"), list(_bug_cases()))
def test_planted_bugs_are_caught_by_full_and_auto_at_their_layer(i, bug):
    net, X, Y, what = planted.battery_net(i, m_max=64)
    layer = planted.bug_layer(net, bug, i)
    if layer is None:
        pytest.skip(f"{what}: no layer for {bug[0]}")
    where = planted.plant(net, bug, layer, X, Y)
    net._battery_case = i
    if not visible(net, X, Y, layer):
        pytest.skip(f"{what}: {where} changes no gradient of its layer beyond rounding")
    for mode in ("full", "auto"):
        report = gradcheck(net, X, Y, mode=mode)
        assert not report.passed, f"{what}: {where} missed by mode {mode}\n{report}"
        assert report.first_faulty_layer == layer, f"{what}: {where}, mode {mode}\n{report}"
        assert {r.name for r in report.failures if r.layer == layer} <= set(_layer_rows(layer))


def test_most_planted_bugs_are_visible():
    """Not vacuous: the bug battery plants bugs that change gradients."""
    seen = total = 0
    for i in range(BUG_CASES):
        for bug in planted.BUGS:
            net, X, Y, _ = planted.battery_net(i, m_max=64)
            layer = planted.bug_layer(net, bug, i)
            if layer is None:
                continue
            planted.plant(net, bug, layer, X, Y)
            net._battery_case = i
            total += 1
            seen += visible(net, X, Y, layer)
    assert total >= 200 and seen >= 0.8 * total, (seen, total)
