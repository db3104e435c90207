"""The engine's behaviour: backward, accumulation, graph release, locks, modes, errors."""

from __future__ import annotations

import gc
import time
import warnings

import numpy as np
import pytest

import autograd_dnn as ad
import autograd_dnn.functional as F
from autograd_dnn import AnomalyError, Function, Tensor

from .strategies import check_hvp, check_vjp


def _leaf(shape=(2, 3), name=None, dtype=np.float64, seed=0) -> Tensor:
    data = np.random.default_rng(seed).uniform(0.5, 2.0, size=shape).astype(dtype)
    return Tensor(data, requires_grad=True, name=name)


# ----------------------------------------------------------------------------- backward
def test_chain_100000_ops_deep_backpropagates_without_recursion() -> None:
    start = time.perf_counter()
    x = _leaf((2, 2))
    y = x
    for i in range(100_000):
        y = y * 1.0 if i % 2 else y + 0.0
    y.sum().backward()
    np.testing.assert_array_equal(x.grad, np.ones((2, 2)))
    del y  # dropping a 100,000-deep graph must not recurse either
    gc.collect()
    assert time.perf_counter() - start < 30


def test_tensor_used_twice_accumulates() -> None:
    x = _leaf()
    (x * x).sum().backward()
    np.testing.assert_allclose(x.grad, 2 * x.data)

    x = _leaf()
    (x + x).sum().backward()
    np.testing.assert_array_equal(x.grad, np.full(x.shape, 2.0))

    # three uses through different paths: d/dx (x*x + x - x/2) = 2x + 1/2
    x = _leaf()
    (x * x + x - x * 0.5).sum().backward()
    np.testing.assert_allclose(x.grad, 2 * x.data + 0.5)


def test_grad_accumulates_across_backward_calls() -> None:
    x = _leaf()
    (x * 3.0).sum().backward()
    (x * x).sum().backward()
    np.testing.assert_allclose(x.grad, 3.0 + 2 * x.data)
    x.zero_grad()
    assert x.grad is None


def test_leaf_grads_do_not_alias_each_other() -> None:
    """Add passes the same upstream array to both inputs: editing one .grad must not
    change the other."""
    a, b = _leaf(seed=1), _leaf(seed=2)
    (a + b).sum().backward()
    a.grad += 1.0
    np.testing.assert_array_equal(b.grad, np.ones(b.shape))


class _SameArrayTwice(Function):
    """A custom op whose backward hands ONE fresh array to both of its inputs."""

    @staticmethod
    def forward(ctx, a, b):
        return a + b

    @staticmethod
    def backward(ctx, g):
        h = 2.0 * g
        return h, h


def test_an_array_a_backward_gives_two_leaves_is_not_shared() -> None:
    a, b = _leaf(seed=1), _leaf(seed=2)
    _SameArrayTwice.apply(a, b).sum().backward()
    assert not np.shares_memory(a.grad, b.grad)
    a.grad[...] = 0.0  # zeroing one gradient in place leaves the other alone
    np.testing.assert_array_equal(b.grad, np.full(b.shape, 2.0))


def test_backward_on_a_leaf() -> None:
    x = Tensor(np.array([[2.0]]), requires_grad=True)
    x.backward()
    np.testing.assert_array_equal(x.grad, [[1.0]])


def test_retain_grad_keeps_intermediate_gradients() -> None:
    x = _leaf()
    y = x * 2.0
    y.retain_grad()
    h = y * 1.0  # not retained
    (y * y + h).sum().backward()
    np.testing.assert_allclose(y.grad, 2 * y.data + 1.0)
    assert h.grad is None
    np.testing.assert_allclose(x.grad, 2.0 * (2 * y.data + 1.0))


def test_retain_grad_accumulates_and_refuses_constants() -> None:
    x = _leaf()
    y = x.exp()
    y.retain_grad()
    y.sum().backward(retain_graph=True)
    y.sum().backward()
    np.testing.assert_array_equal(y.grad, np.full(y.shape, 2.0))
    with pytest.raises(RuntimeError, match="does not require grad"):
        Tensor(np.ones(2)).retain_grad()


def test_backward_of_non_scalar_needs_grad() -> None:
    y = _leaf(name="Z1") * 2.0
    with pytest.raises(ValueError, match=r"grad") as err:
        y.backward()
    assert "(2, 3)" in str(err.value)
    with pytest.raises(ValueError, match=r"grad"):
        y.backward(np.ones((3, 2)))
    y.backward(np.ones((2, 3)))  # with the right grad it works


def test_backward_of_constant_raises() -> None:
    with pytest.raises(RuntimeError, match="requires_grad"):
        (Tensor(np.ones((2, 2))) * 2.0).sum().backward()


def test_second_backward_through_released_graph_names_the_op() -> None:
    x = _leaf()
    y = (x * x).sum()
    y.backward()
    with pytest.raises(RuntimeError, match=r"'sum'.*second time.*retain_graph=True"):
        y.backward()

    x = _leaf()
    z = x.exp() + 1.0
    z.sum().backward()
    with pytest.raises(RuntimeError, match=r"'(add|exp)'"):
        z.backward(np.ones(z.shape))


def test_retain_graph_allows_a_second_backward() -> None:
    x = _leaf()
    y = (x * x).sum()
    y.backward(retain_graph=True)
    y.backward()
    np.testing.assert_allclose(x.grad, 4 * x.data)


# ----------------------------------------------------------------------------- locks
def test_item_write_on_saved_tensor_is_refused_until_backward() -> None:
    x = _leaf(name="A1")
    y = (x * x).sum()
    with pytest.raises(ValueError, match="read-only"):
        x.data[0, 0] = 5.0
    y.backward()
    np.testing.assert_allclose(x.grad, 2 * x.data)  # the refused write changed nothing
    x.data[0, 0] = 5.0
    assert x.data[0, 0] == 5.0


def test_data_replacement_on_saved_tensor_names_tensor_and_op() -> None:
    W = _leaf(name="W1")
    y = (W * W).sum()
    with pytest.raises(RuntimeError, match=r"W1.*'mul'"):
        W.data = np.zeros((2, 3))
    y.backward()
    W.data = np.zeros((2, 3))
    np.testing.assert_array_equal(W.data, 0.0)
    assert W.version == 1


def test_locks_released_when_the_graph_is_dropped() -> None:
    x = _leaf(name="x")
    y = x.sigmoid() * x  # mul saves x; sigmoid saves its output
    s = y.sum()
    with pytest.raises(ValueError, match="read-only"):
        x.data[0, 0] = 5.0
    with pytest.raises(RuntimeError, match="x"):
        x.data = np.zeros((2, 3))
    del y, s
    gc.collect()
    x.data[0, 0] = 5.0
    x.data = np.zeros((2, 3))


def test_locks_held_by_retained_graph_until_dropped() -> None:
    x = _leaf()
    y = (x * x).sum()
    y.backward(retain_graph=True)
    with pytest.raises(ValueError, match="read-only"):
        x.data[0, 0] = 5.0
    del y
    gc.collect()
    x.data[0, 0] = 5.0


def test_lock_counts_two_graphs_on_one_array() -> None:
    x = _leaf()
    y1 = (x * x).sum()
    y2 = (x * 3.0).sum()
    y1.backward()
    with pytest.raises(ValueError, match="read-only"):  # y2 still holds x
        x.data[0, 0] = 5.0
    y2.backward()
    x.data[0, 0] = 5.0


def test_saved_output_is_locked_too() -> None:
    x = _leaf()
    y = x.exp()  # exp saves its output for backward
    s = y.sum()
    with pytest.raises(ValueError, match="read-only"):
        y.data[0, 0] = 0.0
    s.backward()
    np.testing.assert_allclose(x.grad, np.exp(x.data))


def test_ops_that_save_nothing_lock_nothing() -> None:
    x = _leaf()
    y = (x + 1.0).sum()
    x.data[0, 0] = 5.0
    y.backward()
    with ad.no_grad():
        z = x * x
    x.data[0, 0] = 6.0
    assert z.data[0, 0] == 25.0


def test_readonly_input_stays_readonly_after_release() -> None:
    arr = np.ones((2, 2))
    arr.flags.writeable = False
    x = Tensor(arr, requires_grad=True)
    (x * x).sum().backward()
    assert not x.data.flags.writeable


def test_write_through_the_base_of_a_saved_view_is_refused() -> None:
    """Regression: mul saved a view (x[0:1]); writing x.data changed it behind backward."""
    x = Tensor(np.ones((2, 3)), requires_grad=True)
    for view in (x[0:1], x.T, x.reshape(6), x[:, 1]):
        y = (view * view).sum()
        with pytest.raises(ValueError, match="read-only"):
            x.data[0, 1] = 5.0
        y.backward()
        x.data[0, 1] = 1.0  # released again
    np.testing.assert_array_equal(x.grad, [[6.0, 8.0, 6.0], [4.0, 6.0, 4.0]])


def test_write_through_an_earlier_view_of_a_saved_array_is_refused() -> None:
    x = Tensor(np.ones((2, 3)), requires_grad=True)
    view = x.reshape(6)  # made before x.data is saved
    y = (x * x).sum()
    try:
        view.data[0] = 5.0
    except ValueError:
        pass  # refused: the lock works
    y.backward()
    np.testing.assert_array_equal(x.grad, np.full((2, 3), 2.0))  # d(x^2)/dx at x = 1


def test_views_of_one_buffer_are_writable_after_backward() -> None:
    flat = np.ones(12)
    W1 = Tensor(flat[0:6].reshape(2, 3), requires_grad=True, name="W1")
    W2 = Tensor(flat[6:12].reshape(3, 2), requires_grad=True, name="W2")
    J = (W1 * W1).sum() + (W2 * W2).sum()
    J.backward()
    del J
    gc.collect()
    W1.data[0, 0] -= 0.1
    W2.data[0, 0] -= 0.1  # an in-place parameter update
    assert flat[0] == flat[6] == 0.9


# ----------------------------------------------------------------------------- modes
def test_no_grad_records_nothing() -> None:
    x = _leaf()
    assert ad.is_grad_enabled()
    with ad.no_grad():
        assert not ad.is_grad_enabled()
        y = (x * x).sigmoid().sum()
        with ad.enable_grad():
            z = x * 2.0
    assert ad.is_grad_enabled()
    assert not y.requires_grad and y.is_leaf
    assert z.requires_grad and not z.is_leaf
    with pytest.raises(RuntimeError):
        y.backward()
    del z  # recorded under enable_grad: it saved x
    x.data[0, 0] = 3.0  # nothing saved x under no_grad
    assert "op=" not in repr(y)


def test_no_grad_restores_state_after_an_exception() -> None:
    with pytest.raises(KeyError), ad.no_grad():
        raise KeyError("boom")
    assert ad.is_grad_enabled()


def test_no_grad_and_enable_grad_decorate_functions_and_nest() -> None:
    switch = ad.no_grad()

    @switch
    def evaluate(depth: int) -> bool:
        inner = evaluate(depth - 1) if depth else ad.is_grad_enabled()
        return inner or ad.is_grad_enabled()

    assert evaluate(3) is False  # one instance re-entered by recursion
    assert ad.is_grad_enabled()

    @ad.enable_grad()
    def train_inside() -> bool:
        return ad.is_grad_enabled()

    with ad.no_grad():
        assert train_inside() and not ad.is_grad_enabled()


def test_detach_shares_data_without_history() -> None:
    x = _leaf(name="A0")
    y = x * 2.0
    d = y.detach()
    assert d.data is y.data
    assert d.is_leaf and not d.requires_grad and d.grad is None
    assert d.name == y.name
    (d * x).sum().backward()  # d is a constant here
    np.testing.assert_allclose(x.grad, d.data)


def test_detach_sees_the_lock_of_the_shared_array() -> None:
    x = _leaf()
    d = x.detach()
    y = (x * x).sum()
    with pytest.raises(ValueError, match="read-only"):
        d.data[0, 0] = 5.0
    y.backward()
    d.data[0, 0] = 5.0
    assert x.data[0, 0] == 5.0


def test_requires_grad_flag() -> None:
    t = Tensor(np.ones((2, 2)))
    assert not t.requires_grad and t.is_leaf
    assert t.requires_grad_() is t and t.requires_grad
    y = t * 2.0
    with pytest.raises(RuntimeError, match="detach"):
        y.requires_grad_(False)


# ----------------------------------------------------------------------------- anomaly
def test_detect_anomaly_forward_names_the_first_bad_op() -> None:
    x = Tensor(-np.ones((2, 3)), requires_grad=True, name="A1")
    with ad.detect_anomaly(), pytest.raises(AnomalyError) as err:
        (x.log() * 2.0).exp()
    msg = str(err.value)
    assert "forward" in msg and "'log'" in msg and "NaN" in msg
    assert "A1" in msg and "(2, 3)" in msg
    assert "'mul'" not in msg and "'exp'" not in msg
    assert isinstance(err.value, RuntimeError)


def test_detect_anomaly_backward_names_the_op() -> None:
    x = Tensor(np.zeros((3, 1)), requires_grad=True, name="b2")
    with ad.detect_anomaly():
        y = x.sqrt().sum()  # forward is fine: sqrt(0) = 0
        with pytest.raises(AnomalyError) as err:
            y.backward()
    msg = str(err.value)
    assert "backward" in msg and "'sqrt'" in msg and "inf" in msg
    assert "b2" in msg and "(3, 1)" in msg


def test_without_detect_anomaly_nan_passes_silently() -> None:
    x = Tensor(-np.ones((2, 2)), requires_grad=True)
    with ad.detect_anomaly(), pytest.raises(AnomalyError):
        x.log()
    with np.errstate(invalid="ignore"):
        y = x.log()  # the switch was restored on exit: no error now
    assert np.isnan(y.data).all()


def test_failed_backward_leaves_no_stale_gradient() -> None:
    b = Tensor([[1.0]], requires_grad=True, name="b")
    e = b.exp()  # recorded first: processed after sqrt in the reverse pass
    a = Tensor([[0.0]], requires_grad=True, name="a")
    s = (a.sqrt() + e).sum()
    with ad.detect_anomaly(), pytest.raises(AnomalyError, match="sqrt"):
        s.backward(retain_graph=True)
    b.grad = None
    e.sum().backward()
    np.testing.assert_allclose(b.grad, [[np.e]])


# ----------------------------------------------------------------------------- functions
class Cube(Function):
    """The example of Function's docstring."""

    @staticmethod
    def forward(ctx, x):
        ctx.save_for_backward(x)
        return x**3

    @staticmethod
    def backward(ctx, grad):
        (x,) = ctx.saved_tensors
        return 3 * x**2 * grad


class NumpyExp(Function):
    """A custom op whose backward calls a numpy function: first-order only."""

    op_name = "numpy_exp"

    @staticmethod
    def forward(ctx, x):
        out = np.exp(x)
        ctx.save_for_backward(out)
        return out

    @staticmethod
    def backward(ctx, grad):
        (out,) = ctx.saved_tensors
        return grad * np.exp(np.log(out))


def test_custom_function_first_and_second_derivatives() -> None:
    x = Tensor([[3.0, -1.0]], requires_grad=True)
    (dx,) = ad.grad(Cube.apply(x).sum(), [x], create_graph=True)
    np.testing.assert_allclose(dx.data, [[27.0, 3.0]])
    (d2x,) = ad.grad(dx.sum(), [x])
    np.testing.assert_allclose(d2x.data, [[18.0, -6.0]])

    data = np.array([[0.5, -1.2, 2.0], [1.5, -0.3, 0.8]])
    check_vjp(Cube.apply, data)
    check_hvp(Cube.apply, data)


def test_custom_numpy_backward_is_first_order_only() -> None:
    x = Tensor([[0.5, 1.0]], requires_grad=True)
    NumpyExp.apply(x).sum().backward()
    np.testing.assert_allclose(x.grad, np.exp(x.data))
    with pytest.raises(RuntimeError, match=r"'numpy_exp'.*first-order only"):
        ad.grad(NumpyExp.apply(x).sum(), [x], create_graph=True)
    with pytest.raises(RuntimeError, match="first-order only"):
        NumpyExp.apply(x).sum().backward(create_graph=True)


def test_custom_backward_returning_the_wrong_shape_is_reported() -> None:
    class Bad(Function):
        op_name = "bad"

        @staticmethod
        def forward(ctx, x):
            return x * 2

        @staticmethod
        def backward(ctx, g):
            return np.ones((5, 7))

    x = Tensor(np.ones((2, 3)), requires_grad=True, name="x")
    with pytest.raises((RuntimeError, ValueError), match="bad"):
        Bad.apply(x).sum().backward()


# ----------------------------------------------------------------------------- ad.grad
def test_grad_does_not_touch_dot_grad() -> None:
    x, w = _leaf(seed=1), _leaf(seed=2)
    w.grad = np.full(w.shape, 7.0)
    dx, dw = ad.grad((x * w).sum(), [x, w])
    assert x.grad is None
    np.testing.assert_array_equal(w.grad, 7.0)
    np.testing.assert_allclose(dx.data, w.data)
    np.testing.assert_allclose(dw.data, x.data)
    assert isinstance(dx, Tensor) and isinstance(dw, Tensor)


def test_grad_returns_zeros_for_unused_inputs() -> None:
    x, unused = _leaf(), _leaf((4, 1))
    dx, du = ad.grad((x * x).sum(), [x, unused])
    np.testing.assert_allclose(dx.data, 2 * x.data)
    assert du.shape == (4, 1)
    np.testing.assert_array_equal(du.data, 0.0)
    (only,) = ad.grad((x * 2.0).sum(), unused)  # a single tensor also works
    np.testing.assert_array_equal(only.data, 0.0)


def test_grad_with_respect_to_an_intermediate() -> None:
    x = _leaf()
    y = x * 2.0
    (dy,) = ad.grad((y * y).sum(), [y])
    np.testing.assert_allclose(dy.data, 2 * y.data)


def test_grad_with_grad_output_and_release() -> None:
    x = _leaf()
    y = x * x
    u = np.arange(6.0).reshape(2, 3)
    (dx,) = ad.grad(y, [x], grad_output=u, retain_graph=True)
    np.testing.assert_allclose(dx.data, 2 * x.data * u)
    (dx,) = ad.grad(y, [x], grad_output=u)  # retained: works again, then released
    with pytest.raises(RuntimeError, match="'mul'"):
        ad.grad(y, [x], grad_output=u)


def test_grad_refuses_constants() -> None:
    with pytest.raises(RuntimeError, match="does not require grad"):
        ad.grad(Tensor(np.ones(2)).sum(), [Tensor(np.ones(2))])
    with pytest.raises(TypeError, match="Tensors"):
        ad.grad(_leaf().sum(), [np.ones(2)])


def test_grad_does_not_touch_retained_intermediates() -> None:
    """Regression: ad.grad filled .grad of intermediates marked with retain_grad()."""
    x = _leaf()
    y = x * 2.0
    y.retain_grad()
    ad.grad((y * y).sum(), [x])
    assert y.grad is None


def test_create_graph_backward_keeps_numpy_grad() -> None:
    x = _leaf()
    (x * x * x).sum().backward(create_graph=True)
    assert isinstance(x.grad, np.ndarray)
    np.testing.assert_allclose(x.grad, 3 * x.data**2)


# ----------------------------------------------------------------------------- construction
def test_float32_stays_float32_with_float32_grads() -> None:
    x = Tensor(np.ones((3, 2), dtype=np.float32), requires_grad=True)
    W = Tensor(np.full((4, 3), 0.5, dtype=np.float32), requires_grad=True)
    b = Tensor(np.zeros((4, 1), dtype=np.float32), requires_grad=True)
    Z = F.linear(W, x, b)
    out = (Z.sigmoid() * 2.0 + Z.relu() - Z.tanh()).mean()
    for t in (Z, out, x * x, x.exp(), x.sum(axis=0), x.max(), x.T, x**2, 3.0 / x):
        assert t.dtype == np.float32, t
    out.backward()
    for t in (x, W, b):
        assert t.grad.dtype == np.float32


@pytest.mark.parametrize(
    "data",
    [
        [[1, 2], [3, 4]],
        np.arange(4, dtype=np.int32),
        np.array([True, False]),
        np.arange(3, dtype=np.uint8),
        np.ones(2, dtype=np.float16),
        3,
        2.5,
    ],
    ids=["list_int", "int32", "bool", "uint8", "float16", "int", "float"],
)
def test_other_numeric_data_becomes_float64(data) -> None:
    t = Tensor(data)
    assert t.dtype == np.float64
    np.testing.assert_array_equal(t.data, np.asarray(data, dtype=np.float64))


@pytest.mark.parametrize(
    ("data", "word"),
    [
        (np.array([1 + 2j]), "complex"),
        (np.array(["a", "b"]), "string"),
        (np.array([object()]), "object"),
        ([1.0, "x"], "string"),
        (None, "object"),
    ],
)
def test_unsupported_data_is_refused(data, word: str) -> None:
    with pytest.raises(TypeError, match=word):
        Tensor(data)
    with pytest.raises(TypeError, match=word):
        _leaf((2,)).data = data if np.ndim(data) else np.array([data, data])


def test_replacing_data_checks_the_shape() -> None:
    x = _leaf(name="W2")
    with pytest.raises(ValueError, match=r"W2.*\(3, 2\).*\(2, 3\)"):
        x.data = np.ones((3, 2))


def test_tensor_misc() -> None:
    t = Tensor(np.arange(6.0).reshape(2, 3), name="A0")
    assert t.shape == (2, 3) and t.ndim == 2 and t.size == 6 and len(t) == 2
    assert t.label == "A0" and Tensor(1.0).label.startswith("tensor#")
    assert "A0" in repr(t)
    assert Tensor([[2.5]]).item() == 2.5 and float(Tensor(2.5)) == 2.5
    with pytest.raises(TypeError, match="ambiguous"):
        bool(t)
    with pytest.raises(TypeError, match="item assignment"):
        t[0, 0] = 1.0
    np.testing.assert_array_equal(t > 2, t.data > 2)
    np.testing.assert_array_equal(t <= 2, t.data <= 2)


# ----------------------------------------------------------------------------- operators
REFLECTED = {
    # name: (a OP t, d(a OP t)/dt summed against ones)
    "add": (lambda a, t: a + t, lambda a, x: np.ones_like(x)),
    "sub": (lambda a, t: a - t, lambda a, x: -np.ones_like(x)),
    "mul": (lambda a, t: a * t, lambda a, x: a * np.ones_like(x)),
    "div": (lambda a, t: a / t, lambda a, x: -a / x**2),
    "pow": (lambda a, t: a**t, lambda a, x: np.log(a) * a**x),
    "matmul": (lambda a, t: a @ t, lambda a, x: a.T @ np.ones((2, 2))),
}
LEFT_OPERANDS = {
    "ndarray": np.array([[1.5, 2.0], [0.5, 3.0]]),
    "python": 2.0,
    "numpy_scalar": np.float64(2.0),
}


@pytest.mark.parametrize(
    ("op", "kind"),
    [
        (op, kind)
        for op in REFLECTED
        for kind in LEFT_OPERANDS
        if op != "matmul" or kind == "ndarray"
    ],
)
def test_reflected_operators(op: str, kind: str) -> None:
    expr, derivative = REFLECTED[op]
    a = LEFT_OPERANDS[kind]
    x = np.array([[1.0, 2.0], [0.5, 1.5]])
    t = Tensor(x, requires_grad=True)
    out = expr(a, t)
    assert isinstance(out, Tensor) and out.requires_grad
    np.testing.assert_allclose(out.data, expr(np.asarray(a), x))
    out.backward(np.ones(out.shape))
    np.testing.assert_allclose(t.grad, derivative(np.asarray(a), x))


def test_array_plus_tensor_is_a_tensor() -> None:
    t = Tensor(np.ones((2, 2)))
    assert isinstance(np.ones((2, 2)) + t, Tensor)
    assert isinstance(np.ones((2, 2)) @ t, Tensor)
    assert isinstance(np.ones((2, 2)) < t, np.ndarray)  # comparisons stay plain arrays


# ----------------------------------------------------------------------------- shape errors
@pytest.mark.parametrize(
    ("op", "f"),
    [
        ("add", lambda a, b: a + b),
        ("sub", lambda a, b: a - b),
        ("mul", lambda a, b: a * b),
        ("div", lambda a, b: a / b),
        ("pow", lambda a, b: a**b),
    ],
)
def test_broadcast_mismatch_names_op_operands_and_shapes(op: str, f) -> None:
    a = Tensor(np.ones((2, 3)), requires_grad=True, name="Z1")
    b = Tensor(np.ones((4, 5)), name="b1")
    with pytest.raises(ValueError) as err:
        f(a, b)
    msg = str(err.value)
    assert msg.startswith(op)
    assert "Z1 (2, 3)" in msg and "b1 (4, 5)" in msg


def test_unnamed_operands_are_labelled_by_id() -> None:
    a = Tensor(np.ones((2, 3)))
    with pytest.raises(ValueError, match=rf"{a.label} \(2, 3\).*array \(3, 2\)"):
        a + np.ones((3, 2))


def test_matmul_mismatch_says_which_dimensions_disagree() -> None:
    W = Tensor(np.ones((4, 3)), requires_grad=True, name="W1")
    A = Tensor(np.ones((5, 7)), name="A0")
    with pytest.raises(ValueError) as err:
        W @ A
    msg = str(err.value)
    assert msg.startswith("matmul")
    assert "W1 (4, 3)" in msg and "A0 (5, 7)" in msg
    assert "3 columns" in msg and "5 rows" in msg


def test_linear_mismatch_is_reported_with_operands() -> None:
    W = Tensor(np.ones((4, 3)), name="W1")
    A = Tensor(np.ones((3, 5)), name="A0")
    b = Tensor(np.ones((3, 1)), name="b1")
    with pytest.raises(ValueError, match=r"^linear.*W1 \(4, 3\).*A0 \(3, 5\).*b1 \(3, 1\)"):
        F.linear(W, A, b)
    with pytest.raises(ValueError, match=r"^linear.*inner dimensions"):
        F.linear(W, Tensor(np.ones((2, 5))), Tensor(np.ones((4, 1))))


def test_batched_matmul_whose_batch_axes_disagree_keeps_numpys_reason() -> None:
    a = Tensor(np.ones((2, 3, 4)), name="a")
    b = Tensor(np.ones((5, 4, 2)), name="b")  # inner sizes agree (4 and 4); batches 2 and 5 do not
    with pytest.raises(ValueError) as err:
        a @ b
    msg = str(err.value)
    assert "inner dimensions" not in msg and "broadcast" in msg
    assert "a (2, 3, 4)" in msg and "b (5, 4, 2)" in msg


@pytest.mark.parametrize("a, b", [((3,), (2, 3, 4)), ((2, 4, 3), (3,))])
def test_a_1d_matmul_operand_is_refused_beside_a_batched_one(a, b) -> None:
    with pytest.raises(ValueError, match=r"operand has shape \(3,\); matmul needs 2-D"):
        Tensor(np.ones(a)) @ Tensor(np.ones(b))


def test_zero_d_matmul_operand_is_refused_with_our_message() -> None:
    with pytest.raises(ValueError, match="left operand has shape ()") as err:
        Tensor(np.float64(2.0)) @ Tensor(np.ones((2, 2)))
    assert err.value.__suppress_context__  # not numpy's error chained under ours


@pytest.mark.parametrize("side", ["left", "right"])
def test_rank1_matmul_operand_is_refused_with_a_shape_hint(side: str) -> None:
    M = Tensor(np.ones((3, 3)), name="W1")
    v = Tensor(np.ones(3), name="x")
    with pytest.raises(ValueError) as err:
        if side == "left":
            v @ M
        else:
            M @ v
    msg = str(err.value)
    assert f"{side} operand has shape (3,)" in msg
    assert "(3, 1)" in msg and "(1, 3)" in msg and "x (3,)" in msg


# ----------------------------------------------------------------------------- stability
@pytest.fixture
def strict_floats():
    """Overflow, division by zero and invalid results raise (underflow to 0 is fine)."""
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        with np.errstate(over="raise", divide="raise", invalid="raise"):
            yield


def test_sigmoid_is_finite_and_right_for_huge_inputs(strict_floats) -> None:
    z = np.array([[-1e4, -800.0, -40.0, -1.0, 0.0, 1.0, 40.0, 800.0, 1e4]])
    t = Tensor(z, requires_grad=True)
    a = t.sigmoid()
    assert np.all(np.isfinite(a.data))
    assert a.data[0, 0] == 0.0 and a.data[0, -1] == 1.0
    with np.errstate(over="ignore"):
        reference = 1.0 / (1.0 + np.exp(-z))
    np.testing.assert_allclose(a.data, reference, rtol=1e-15, atol=0)
    a.sum().backward()
    assert np.all(np.isfinite(t.grad))
    np.testing.assert_allclose(t.grad, reference * (1 - reference), rtol=1e-12, atol=1e-300)

    t32 = Tensor(z.astype(np.float32))
    a32 = t32.sigmoid()
    assert a32.dtype == np.float32 and np.all(np.isfinite(a32.data))


def test_log_softmax_and_softmax_are_stable_for_large_logits(strict_floats) -> None:
    z = np.array([[1e4, -1e4], [1e4 - 1.0, 0.0], [0.0, -1e4 + 2.0]])
    t = Tensor(z, requires_grad=True)
    logp = t.log_softmax(axis=0)
    assert np.all(np.isfinite(logp.data))
    shifted = z - z.max(axis=0, keepdims=True)
    with np.errstate(under="ignore"):
        expected = shifted - np.log(np.exp(shifted).sum(axis=0, keepdims=True))
    np.testing.assert_allclose(logp.data, expected, rtol=1e-12)
    lse = np.log1p(np.exp(-1.0))
    np.testing.assert_allclose(logp.data[:, 0], [-lse, -1 - lse, -1e4 - lse], rtol=1e-15)
    p = t.softmax(axis=0)
    np.testing.assert_allclose(p.data.sum(axis=0), 1.0)
    (logp.sum() + p.sum()).backward()
    assert np.all(np.isfinite(t.grad))

    ce = F.softmax_cross_entropy(Tensor(z, requires_grad=True), np.eye(3)[:, [2, 1]])
    assert np.isfinite(ce.item())


def _course_cost(A: np.ndarray, Y: np.ndarray) -> float:
    m = Y.shape[1]
    return float(-(1 / m) * np.sum(Y * np.log(A) + (1 - Y) * np.log(1 - A)))


def test_bce_with_logits_equals_the_course_formula() -> None:
    rng = np.random.default_rng(0)
    Z = rng.uniform(-6, 6, size=(1, 50))
    for Y in (rng.integers(0, 2, size=(1, 50)).astype(float), rng.uniform(0, 1, size=(1, 50))):
        A = 1 / (1 + np.exp(-Z))
        J = F.binary_cross_entropy_with_logits(Tensor(Z), Y)
        np.testing.assert_allclose(J.item(), _course_cost(A, Y), rtol=1e-12)
    Z2, Y2 = rng.normal(size=(3, 7)), rng.integers(0, 2, size=(3, 7)).astype(float)
    np.testing.assert_allclose(
        F.binary_cross_entropy_with_logits(Z2, Y2).item(),
        _course_cost(1 / (1 + np.exp(-Z2)), Y2),
        rtol=1e-12,
    )


def test_bce_with_logits_stays_finite_where_a_is_exactly_0_or_1(strict_floats) -> None:
    Z = np.array([[-1e4, 1e4, 800.0, -800.0, 40.0]])
    Y = np.array([[1.0, 0.0, 1.0, 0.0, 1.0]])
    Zt = Tensor(Z, requires_grad=True)
    Yt = Tensor(Y, requires_grad=True)
    J = F.binary_cross_entropy_with_logits(Zt, Yt)
    # the per-sample losses: 1e4, 1e4, ~0, ~0, log(1 + e^-40)
    np.testing.assert_allclose(J.item(), (2e4 + np.log1p(np.exp(-40.0))) / 5, rtol=1e-12)
    J.backward()
    assert np.all(np.isfinite(Zt.grad)) and np.all(np.isfinite(Yt.grad))
    # (A - Y) / m, with A = 1 - 4e-18 rounding to 1 at z = 40
    np.testing.assert_allclose(Zt.grad, [[-0.2, 0.2, 0.0, 0.0, 0.0]], rtol=1e-15, atol=1e-17)
    np.testing.assert_allclose(Yt.grad, -Z / 5)


def test_second_derivative_when_two_inputs_share_one_array() -> None:
    """Review finding: x * x.detach() shares one array between a variable and a constant;
    under create_graph each saved array must map back to its own input."""
    x = Tensor([[3.0]], requires_grad=True)
    (g,) = ad.grad((x * x.detach()).sum(), [x], create_graph=True)
    assert g.data[0, 0] == 3.0
    assert not g.requires_grad  # d/dx (x * c) = c: a constant, so d2/dx2 = 0 (was 1.0)
    (g2,) = ad.grad((x.detach() / x).sum(), [x], create_graph=True)  # -3 / x^2
    (h2,) = ad.grad(g2.sum(), [x])  # 2 c / x^3 = 6 / 27
    np.testing.assert_allclose(h2.data, [[2.0 / 9.0]])


# ----------------------------------------------------------------------------- threads
def test_modes_are_per_thread_so_one_thread_trains_while_another_predicts():
    """Grad mode is thread-local (as in PyTorch): a thread predicting under no_grad() must not
    switch recording off for a thread computing gradients at the same time."""
    import threading

    X, Y = ad.datasets.flower(64, seed=0)
    net = ad.DeepNetwork([2, 6, 1], seed=0)
    expected = net.gradients(X, Y)["dW1"]
    stop = threading.Event()
    errors: list[BaseException] = []

    def predict_forever() -> None:
        try:
            while not stop.is_set():
                with ad.no_grad():
                    net.predict(X)
                    assert not ad.is_grad_enabled()
        except BaseException as e:  # pragma: no cover - reported below
            errors.append(e)

    worker = threading.Thread(target=predict_forever)
    worker.start()
    try:
        for _ in range(60):
            assert ad.is_grad_enabled()
            np.testing.assert_array_equal(net.gradients(X, Y)["dW1"], expected)
            with ad.graph.layer_scope(7):
                assert ad.engine.modes.layer == 7
    finally:
        stop.set()
        worker.join()
    assert errors == []


def test_a_new_thread_starts_with_grad_mode_on_whatever_the_parent_set():
    import threading

    seen = []
    with ad.no_grad():
        t = threading.Thread(target=lambda: seen.append(ad.is_grad_enabled()))
        t.start()
        t.join()
    assert seen == [True]


# ----------------------------------------------------------------------------- create_graph
class _XExpX(ad.Function):
    """f(x) = x e^x, saving the derived array e = e^x: a second derivative through it would be
    silently wrong (e would be a constant), so the engine must refuse."""

    @staticmethod
    def forward(ctx, x):
        e = np.exp(x)
        ctx.save_for_backward(x, e)
        return x * e

    @staticmethod
    def backward(ctx, g):
        x, e = ctx.saved_tensors
        return g * (e + x * e)


def test_a_saved_derived_array_is_refused_under_create_graph_never_a_wrong_number():
    """Issue 13, defect 6: f''(0.5) of x e^x is (2 + x) e^x = 4.1218, not 1.6487."""
    x = ad.Tensor([[0.5]], requires_grad=True)
    (dx,) = ad.grad(_XExpX.apply(x).sum(), [x])  # first order is fine
    np.testing.assert_allclose(dx.data, 1.5 * np.exp(0.5))
    with pytest.raises(RuntimeError, match=r"op '_XExpX' saved an array \(saved value 1"):
        ad.grad(_XExpX.apply(x).sum(), [x], create_graph=True)


def test_a_ctrl_c_during_fit_leaves_the_network_usable():
    """Issue 14, item 2: an interrupt inside a recorded step (here raised by a user Function)
    must not leave W locked by a graph the user cannot drop."""

    class Interrupting(ad.ops.Linear):
        calls = 0

        @staticmethod
        def backward(ctx, g):
            Interrupting.calls += 1
            if Interrupting.calls == 2:
                raise KeyboardInterrupt
            return ad.ops.Linear.backward(ctx, g)

    X, Y = ad.datasets.flower(32, seed=0)
    net = ad.DeepNetwork([2, 3, 1], seed=0)
    net.layers[1].linear_fn = Interrupting
    try:
        net.fit(X, Y, iterations=5, progress=False)
    except KeyboardInterrupt as e:
        kept = e  # as Jupyter keeps the traceback alive
    net.set_parameters(net.get_parameters())  # no "Call backward() first"
    net.layers[0].W.data[0, 0] = 1.0  # writable
    assert kept.__traceback__ is not None


# ----------------------------------------------------------------------------- review fixes
def test_constant_inputs_and_options_are_locked_while_the_graph_needs_them():
    """where's cond, a dropout mask and an index array are read again by backward: a write
    to any of them before backward would change the gradient, so it is refused."""
    x = ad.Tensor(np.ones((1, 3)), requires_grad=True)
    cond = np.array([[True, False, True]])
    y = ad.where(cond, x * 2, x * 0)
    with pytest.raises(ValueError, match="read-only"):
        cond[0, 1] = True
    y.sum().backward()
    np.testing.assert_array_equal(x.grad, [[2.0, 0.0, 2.0]])
    cond[0, 1] = True  # writable again once backward has used it
    mask = np.array([[True, False, True]])
    z = ad.functional.dropout(x, 0.5, mask=mask)
    with pytest.raises(ValueError, match="read-only"):
        mask[0, 1] = True
    del z
    idx = np.array([3, 0])
    w = ad.Tensor(np.arange(4.0), requires_grad=True)
    v = w[idx]
    with pytest.raises(ValueError, match="read-only"):
        idx[0] = 1
    v.sum().backward()
    np.testing.assert_array_equal(w.grad, [1.0, 0.0, 0.0, 1.0])


def test_grad_refuses_an_input_that_does_not_require_grad():
    x = ad.Tensor([[3.0]])
    w = ad.Tensor([[2.0]], requires_grad=True)
    with pytest.raises(RuntimeError, match="does not require grad"):
        ad.grad((x * w).sum(), [x])


def test_a_recorded_grad_output_stays_recorded_under_create_graph():
    x = ad.Tensor([1.0, 2.0], requires_grad=True)
    v = ad.Tensor([1.0, 1.0], requires_grad=True)
    (g,) = ad.grad(x * x, [x], grad_output=v, create_graph=True)  # 2 x v
    (dv,) = ad.grad(g.sum(), [v])
    np.testing.assert_array_equal(dv.data, [2.0, 4.0])


def test_gradients_are_never_shared_between_tensors():
    a = ad.Tensor([1.0, 2.0], requires_grad=True)
    b = ad.Tensor([3.0, 4.0], requires_grad=True)
    s = a + b
    s.retain_grad()
    s.sum().backward()
    assert a.grad is not b.grad and s.grad is not a.grad
    dx, dy = ad.grad((a + b).sum(), [a, b])
    assert dx.data is not dy.data
    G = np.ones(2)
    a.zero_grad()
    a.backward(G)
    assert a.grad is not G


def test_no_grad_as_a_decorator_is_per_thread():
    import threading

    @ad.no_grad()
    def inside():
        return ad.is_grad_enabled()

    barrier = threading.Barrier(2)
    seen = []

    def run():
        barrier.wait()
        for _ in range(200):
            assert inside() is False
            seen.append(ad.is_grad_enabled())

    threads = [threading.Thread(target=run) for _ in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert seen and all(seen)


def test_a_ctrl_c_in_the_forward_pass_of_fit_leaves_no_array_locked():
    class Interrupting(ad.Function):
        @staticmethod
        def forward(ctx, z):
            raise KeyboardInterrupt

        @staticmethod
        def backward(ctx, g):  # pragma: no cover - never reached
            return g

    X, Y = ad.datasets.flower(32, seed=0)
    net = ad.DeepNetwork([2, 3, 3, 1], seed=0)
    net.layers[1].activation_fn = Interrupting
    try:
        net.fit(X, Y, iterations=3, progress=False)
    except KeyboardInterrupt as e:
        kept = e
    net.set_parameters(net.get_parameters())  # layer 1's W1 is not held by a dead graph
    assert kept.__traceback__ is not None


def test_a_zero_dimensional_parameter_gets_an_array_gradient():
    x = ad.Tensor(np.array(2.0), requires_grad=True)
    (x * x).backward()
    assert isinstance(x.grad, np.ndarray) and x.grad.shape == () and float(x.grad) == 4.0


def test_grad_fn_is_the_recorded_op_that_made_a_tensor():
    x = ad.Tensor([[1.0, 2.0]], requires_grad=True, name="x")
    y = x * 2.0
    assert x.grad_fn is None and y.grad_fn is not None
    assert y.grad_fn.name == "mul" and y.grad_fn.inputs[0] is x
    with ad.no_grad():
        assert (x * 2.0).grad_fn is None
    assert (ad.Tensor([[1.0]]) * 2.0).grad_fn is None  # nothing required grad
