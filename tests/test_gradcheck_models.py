"""gradcheck and compare_with_textbook on the new model families (issues 16 and 17).

Recurrent models: ``ad.RNNModel`` (RNN and LSTM cells) implements the checkable protocol of
:mod:`autograd_dnn.gradcheck`. Convolutional models: ``TinyConvNet`` below is a small model
assembled from ``conv2d``/``max_pool2d``/``flatten`` and a dense softmax layer, implementing the
same protocol (plus ``textbook_layers`` for the course's conv_backward/pool_backward), so any
model offering it is checked the same way.

Planted bugs are Function subclasses of the real ops whose backward is wrong in one known way,
at one time step (the op reads its step from ``ctx.kwargs["t"]``, 0-based) or in one layer.
"""

from __future__ import annotations

import json

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import autograd_dnn as ad
from autograd_dnn.conv import Conv2D, avg_pool2d, flatten, max_pool2d
from autograd_dnn.engine import grad, no_grad
from autograd_dnn.gradcheck import Boundary, is_checkable
from autograd_dnn.ops import Linear, SoftmaxCrossEntropy
from autograd_dnn.recurrent import LSTMCell, RNNCell, stack_steps
from autograd_dnn.tensor import Tensor

STEP3 = 2  # the 0-based index of time step t = 3


# ----------------------------------------------------------------------------- data
def sequences(n_x: int, n_y: int, m: int, T_x: int, seed: int) -> tuple[np.ndarray, np.ndarray]:
    rng = np.random.default_rng(seed)
    X = rng.standard_normal((n_x, m, T_x))
    labels = rng.integers(0, n_y, (m, T_x))
    Y = np.moveaxis(np.eye(n_y)[labels], -1, 0)
    Y[:, 0, 0] = 0.0  # one step without a target (it adds nothing to J)
    return X, Y


def rnn_model(cell: str, seed: int, dtype=np.float64, l2: float = 0.0) -> ad.RNNModel:
    model = ad.RNNModel(n_x=3, n_a=4, n_y=3, cell=cell, seed=seed, l2=l2)
    # biases away from 0 so that every gate's gradient is exercised
    rng = np.random.default_rng(100 + seed)
    for k, p in model.parameters().items():
        if k.startswith("b"):
            p.data[...] = 0.3 * rng.standard_normal(p.shape)
    return model.astype(dtype)


# ----------------------------------------------------------------------------- planted: RNN
def _at_step3(ctx) -> bool:
    return ctx.kwargs.get("t") == STEP3


class LSTMDoubledDWfAtStep3(LSTMCell):
    """dWf x 2 in the backward of the cell of time step 3 only."""

    op_name = "lstm_cell_dWf_x2_at_3"

    @staticmethod
    def backward(ctx, g):
        out = list(LSTMCell.backward(ctx, g))
        if _at_step3(ctx) and out[2] is not None:
            out[2] = out[2] * 2
        return tuple(out)


class LSTMNoFtInDcPrevAtStep3(LSTMCell):
    """dc_prev = dc instead of dc * ft at time step 3 (the course's "missing ft" bug)."""

    op_name = "lstm_cell_dc_prev_without_ft_at_3"

    @staticmethod
    def backward(ctx, g):
        out = list(LSTMCell.backward(ctx, g))
        if _at_step3(ctx) and out[1] is not None:
            n_a = ctx.saved_arrays[2].shape[0]  # (x, s_prev, Wf, Wi, Wc, Wo, concat, gates)
            ft = ctx.saved_arrays[7][0]
            ds = out[1].copy()
            ds[n_a:] = ds[n_a:] / ft  # dc * ft -> dc
            out[1] = ds
        return tuple(out)


class RNNDerivativeFromPreviousStep(RNNCell):
    """``1 - a^2`` taken from a<t-1> instead of a<t> at time step 3 (a course bug)."""

    op_name = "rnn_cell_tanh_of_wrong_step_at_3"

    @staticmethod
    def backward(ctx, da_next):
        if not _at_step3(ctx):
            return RNNCell.backward(ctx, da_next)
        x, a_prev, Wax, Waa, _ = ctx.saved_arrays
        xt = x[:, :, STEP3]
        dtanh = (1 - a_prev * a_prev) * da_next
        dx = np.zeros_like(x)
        dx[:, :, STEP3] = Wax.T @ dtanh
        need = ctx.needs_input_grad
        return (
            dx if need[0] else None,
            Waa.T @ dtanh if need[1] else None,
            dtanh @ xt.T,
            dtanh @ a_prev.T,
            dtanh.sum(axis=1, keepdims=True),
        )


# ----------------------------------------------------------------------------- RNN: correct
@pytest.mark.parametrize("cell", ["rnn", "lstm"])
@pytest.mark.parametrize("dtype", [np.float64, np.float32])
@pytest.mark.parametrize("seed", [0, 1, 2])
def test_correct_recurrent_models_pass(cell, dtype, seed):
    model = rnn_model(cell, seed, dtype, l2=0.2 if seed == 2 else 0.0)
    X, Y = sequences(3, 3, m=2 + seed, T_x=3 + seed % 2, seed=seed)
    report = ad.gradcheck(model, X, Y)
    assert report.passed, str(report)
    assert report.unit == "time step"
    assert "central differences" in report.header and "complex step not applicable" in report.header
    names = [r.name for r in report.rows]
    T_x = X.shape[2]
    assert names[: len(model.keys)] == list(model.keys)  # a row per parameter
    assert f"da<{T_x}>" in names and "da<1>" in names  # and per time-step boundary
    assert ("dc<1>" in names) == (cell == "lstm")
    assert report.row("da<1>").layer == 2 and report.row(f"da<{T_x}>").layer is None
    if dtype == np.float32:
        assert "checked on a float64 copy" in " ".join(report.notes)
    textbook = ad.compare_with_textbook(model, X, Y)
    assert textbook.passed, str(textbook)
    assert "m * autodiff" in textbook.notes[-1]
    assert [r.name for r in textbook.rows] == names


@settings(max_examples=12, deadline=None)
@given(
    cell=st.sampled_from(["rnn", "lstm"]),
    dims=st.tuples(*(st.integers(1, 3) for _ in range(2)), st.integers(2, 3)),
    m=st.integers(1, 3),
    T_x=st.integers(1, 4),
    seed=st.integers(0, 2**16),
)
def test_recurrent_checks_pass_on_drawn_shapes(cell, dims, m, T_x, seed):
    n_x, n_a, n_y = dims
    model = ad.RNNModel(n_x, n_a, n_y, cell=cell, seed=seed)
    X, Y = sequences(n_x, n_y, m, T_x, seed)
    report = ad.gradcheck(model, X, Y)
    assert report.passed, str(report)
    assert len(report.rows) == len(model.keys) + T_x * (2 if cell == "lstm" else 1)
    textbook = ad.compare_with_textbook(model, X, Y)
    assert textbook.passed, str(textbook)


def test_full_mode_checks_every_coordinate_of_an_lstm():
    model = rnn_model("lstm", 3)
    X, Y = sequences(3, 3, m=2, T_x=2, seed=3)
    report = ad.gradcheck(model, X, Y, mode="full")
    assert report.passed, str(report)
    assert all(r.checked == int(np.prod(r.shape)) for r in report.rows)


# ----------------------------------------------------------------------------- RNN: planted
def test_doubled_dWf_at_step_3_is_located_to_step_3_and_gate_f():
    model = rnn_model("lstm", 0)
    model.cell_op = LSTMDoubledDWfAtStep3
    X, Y = sequences(3, 3, m=3, T_x=4, seed=0)
    report = ad.gradcheck(model, X, Y)
    assert not report.passed
    assert report.first_faulty_layer == 3
    summary = report.summary()
    assert "the first faulty time step is t = 3 (failing there: Wf<3>)" in summary, summary
    assert "gate: f" in summary
    assert not report.row("Wf").passed
    assert report.row("Wf<3>").ratio == pytest.approx(2.0, abs=1e-3)
    for t in (1, 2, 4):
        assert report.row(f"Wf<{t}>").passed
    assert [r.name for r in report.failures] == ["Wf", "Wf<3>"]
    textbook = ad.compare_with_textbook(model, X, Y)
    assert [r.name for r in textbook.failures] == ["Wf"]


def test_dc_prev_without_ft_at_step_3_is_located_to_step_3():
    model = rnn_model("lstm", 1)
    model.cell_op = LSTMNoFtInDcPrevAtStep3
    X, Y = sequences(3, 3, m=2, T_x=4, seed=1)
    report = ad.gradcheck(model, X, Y, mode="directional")  # a failure is not escalated
    assert report.first_faulty_layer == 3
    assert not report.row("dc<2>").passed and report.row("da<2>").passed
    assert report.row("dc<3>").passed and report.row("da<3>").passed
    summary = report.summary()
    assert "t = 3 (failing there: dc<2>)" in summary, summary
    assert "no parameter fails there: the gradient it passes back is wrong" in summary
    textbook = ad.compare_with_textbook(model, X, Y)
    assert not textbook.row("dc<2>").passed and textbook.row("dc<3>").passed


def test_tanh_derivative_of_the_wrong_step_is_located_in_an_rnn():
    model = rnn_model("rnn", 2)
    model.cell_op = RNNDerivativeFromPreviousStep
    X, Y = sequences(3, 3, m=2, T_x=5, seed=2)
    report = ad.gradcheck(model, X, Y)
    assert report.first_faulty_layer == 3, str(report)
    failing_at_3 = {r.name for r in report.failures if r.layer == 3}
    assert failing_at_3 == {"Wax<3>", "Waa<3>", "ba<3>", "da<2>"}
    assert "t = 3" in report.summary() and "cell" in report.summary()
    for t in (4, 5):
        assert report.row(f"Wax<{t}>").passed
    assert report.row("da<3>").passed and report.row("da<4>").passed


class LinearDoubledDA(Linear):
    op_name = "linear_dA_x2"

    @staticmethod
    def backward(ctx, g):
        dW, dA, db = Linear.backward(ctx, g)
        return dW, None if dA is None else dA * 2, db


class OutputBugLSTM(ad.RNNModel):
    """The softmax layer over every step sends 2 Wy^T dZ back to a<t>."""

    def logits(self, states):
        a = stack_steps(states, 0, self.n_a)
        n_a, m, T_x = a.shape
        p = self.parameters()
        Z = LinearDoubledDA.apply(p["Wy"], a.reshape(n_a, m * T_x), p["by"])
        return Z.reshape(self.n_y, m, T_x)


def test_a_bug_in_the_output_layer_is_not_blamed_on_a_time_step():
    model = OutputBugLSTM.from_parameters(rnn_model("lstm", 0).get_parameters())
    assert not model.replayable
    X, Y = sequences(3, 3, m=2, T_x=3, seed=0)
    report = ad.gradcheck(model, X, Y, mode="directional")
    assert not report.row("da<3>").passed and report.row("Wy").passed
    summary = report.summary()
    assert "the fault is after the last time step, in the output's backward" in summary, summary
    assert "da<3> come from the output alone" in summary


# ----------------------------------------------------------------------------- RNN: protocol
def test_per_step_uses_sum_to_the_parameter_gradient():
    model = rnn_model("lstm", 4)
    X, Y = sequences(3, 3, m=2, T_x=3, seed=4)
    Xt = model.check_X(X)
    probes, per_step = model.parameter_uses(Xt, Y)
    full = model.gradients(X, Y)
    for k in model.cell_keys:
        total = sum(per_step[f"d{k}{t}"] for t in (1, 2, 3))
        np.testing.assert_allclose(total, full[f"d{k}"], rtol=1e-12, atol=1e-15)
    assert {b.of for b in probes} == set(model.cell_keys)
    assert all(isinstance(b, Boundary) for b in probes)


def test_boundaries_rerun_the_model_from_the_replaced_state():
    model = rnn_model("lstm", 5)
    X, Y = sequences(3, 3, m=2, T_x=3, seed=5)
    J = float(model.cost(X, Y).data)
    bounds = model.boundaries(X, Y)
    with no_grad():
        states = [s.data for s in model.states(model.check_X(X))]
    for b in bounds:
        with no_grad():
            assert float(b.cost(b.value).data) == pytest.approx(J, rel=1e-14)
    by_name = {b.name: b for b in bounds}
    np.testing.assert_array_equal(by_name["dc<2>"].value, states[1][4:])
    shifted = by_name["da<3>"].value + 1.0
    with no_grad():
        assert float(by_name["da<3>"].cost(shifted).data) != pytest.approx(J)


def test_astype_keeps_the_cell_op_and_a_custom_op_is_not_replayed():
    model = rnn_model("rnn", 0)
    assert model.replayable
    model.cell_op = RNNDerivativeFromPreviousStep
    assert not model.replayable
    copy = model.astype(np.float32)
    assert copy.cell_op is RNNDerivativeFromPreviousStep and copy.dtype == np.float32
    assert is_checkable(copy)
    with pytest.raises(ValueError, match="float64 or float32"):
        model.astype(np.int32)


# ----------------------------------------------------------------------------- conv: a model
class Conv2DDoubledDW(Conv2D):
    op_name = "conv2d_dW_x2"

    @staticmethod
    def backward(ctx, g):
        dA, dW, db = Conv2D.backward(ctx, g)
        return dA, None if dW is None else dW * 2, db


class Conv2DDoubledDA(Conv2D):
    op_name = "conv2d_dA_prev_x2"

    @staticmethod
    def backward(ctx, g):
        dA, dW, db = Conv2D.backward(ctx, g)
        return None if dA is None else dA * 2, dW, db


class TinyConvNet:
    """CONV(f=3, 3 filters, pad 1) -> RELU -> POOL(2, 2) -> CONV(f=2, 4 filters, pad 1)
    -> RELU -> POOL(2, 2) -> FLATTEN -> DENSE(3, softmax), on X (m, 6, 6, 2); POOL max or avg.

    The checkable protocol: Trainable's check_X, check_Y, samples, parameters, batch_cost;
    gradients (dW1..db3 and dA0, dA1, dA2: the inputs of layers 1, 2, 3), boundaries,
    parameter_where, astype, and textbook_layers for compare_with_textbook.
    """

    check_unit = "layer"
    shape = (6, 6, 2)

    def __init__(self, seed: int = 0, dtype=np.float64, pool: str = "max") -> None:
        rng = np.random.default_rng(seed)
        self.pool = pool
        shapes = {
            "W1": (3, 3, 2, 3),
            "b1": (1, 1, 1, 3),
            "W2": (2, 2, 3, 4),
            "b2": (1, 1, 1, 4),
            "W3": (3, 16),
            "b3": (3, 1),
        }
        self._params = {
            k: Tensor((0.6 * rng.standard_normal(s)).astype(dtype), requires_grad=True, name=k)
            for k, s in shapes.items()
        }
        self.conv_ops = {1: Conv2D, 2: Conv2D}

    # Trainable
    def parameters(self) -> dict[str, Tensor]:
        return dict(self._params)

    def check_X(self, X) -> Tensor:
        X = np.asarray(X, dtype=np.float64)
        if X.ndim != 4 or X.shape[1:] != self.shape:
            raise ValueError(f"X must be (m, 6, 6, 2), got {X.shape}")
        return Tensor(X, name="X")

    def check_Y(self, Y, m: int) -> np.ndarray:
        Y = np.asarray(Y, dtype=np.float64)
        if Y.shape != (3, m):
            raise ValueError(f"Y must be (3, {m}), got {Y.shape}")
        return Y

    def samples(self, X: Tensor) -> int:
        return X.shape[0]

    def batch(self, X: Tensor, Y: np.ndarray, idx: np.ndarray):
        return Tensor(X.data[idx]), Y[:, idx]

    def _block(self, l: int, A: Tensor) -> Tensor:
        p = self._params
        if l == 3:
            return p["W3"] @ flatten(A) + p["b3"]  # Z[3]
        Z = self.conv_ops[l].apply(A, p[f"W{l}"], p[f"b{l}"], stride=1, pads=(1, 1, 1, 1))
        pool = max_pool2d if self.pool == "max" else avg_pool2d
        return pool(Z.relu(), f=2, stride=2)

    def _from(self, l: int, A: Tensor, Y: np.ndarray, keep: list | None = None) -> Tensor:
        for k in range(l, 4):
            if keep is not None and k > l:
                keep.append(A)
            A = self._block(k, A)
        return SoftmaxCrossEntropy.apply(A, Y, axis=0)

    def batch_cost(self, X: Tensor, Y: np.ndarray, l2_m=None) -> Tensor:
        return self._from(1, X, Y)

    # checkable
    def gradients(self, X, Y) -> dict[str, np.ndarray]:
        Xt = Tensor(self.check_X(X).data, requires_grad=True)
        Yd = self.check_Y(Y, Xt.shape[0])
        inner: list[Tensor] = []
        J = self._from(1, Xt, Yd, keep=inner)
        names = [*self._params, "A0", "A1", "A2"]
        values = grad(J, [*self._params.values(), Xt, *inner])
        return {f"d{n}": v.data for n, v in zip(names, values)}

    def boundaries(self, X, Y) -> list[Boundary]:
        Xt = self.check_X(X)
        Yd = self.check_Y(Y, Xt.shape[0])
        with no_grad():
            A = [Xt.data]
            for l in (1, 2):
                A.append(self._block(l, Tensor(A[-1])).data)
        return [
            Boundary(
                f"dA{l - 1}", f"dA{l - 1}", l, A[l - 1], lambda v, l=l: self._from(l, Tensor(v), Yd)
            )
            for l in (3, 2, 1)
        ]

    def parameter_where(self, name: str) -> int:
        return int(name[1:])

    def astype(self, dtype) -> TinyConvNet:
        copy = TinyConvNet.__new__(TinyConvNet)
        copy._params = {
            k: Tensor(v.data.astype(dtype), requires_grad=True, name=k)
            for k, v in self._params.items()
        }
        copy.conv_ops, copy.pool = dict(self.conv_ops), self.pool
        return copy

    def textbook_layers(self) -> list[dict]:
        p = {k: v.data for k, v in self._params.items()}
        out = []
        for l in (1, 2):
            out += [
                {
                    "kind": "conv",
                    "layer": l,
                    "W": p[f"W{l}"],
                    "b": p[f"b{l}"],
                    "stride": 1,
                    "pad": 1,
                },
                {"kind": "relu", "layer": l},
                {"kind": f"{self.pool}pool", "layer": l, "f": 2, "stride": 2},
            ]
        out += [
            {"kind": "flatten", "layer": 3},
            {"kind": "dense", "layer": 3, "W": p["W3"], "b": p["b3"]},
            {"kind": "softmax", "layer": 3},
        ]
        return out


def images(m: int, seed: int) -> tuple[np.ndarray, np.ndarray]:
    rng = np.random.default_rng(seed)
    X = rng.standard_normal((m, 6, 6, 2))
    Y = np.eye(3)[rng.integers(0, 3, m)].T
    return X, Y


# ----------------------------------------------------------------------------- conv: checks
@pytest.mark.parametrize("dtype", [np.float64, np.float32])
@pytest.mark.parametrize("seed", [0, 1])
@pytest.mark.parametrize("pool", ["max", "avg"])
def test_correct_conv_model_passes(dtype, seed, pool):
    model = TinyConvNet(seed, dtype, pool)
    X, Y = images(2 + seed, seed)
    report = ad.gradcheck(model, X, Y)
    assert report.passed, str(report)
    assert [r.name for r in report.rows] == [
        "W3",
        "b3",
        "dA2",
        "W2",
        "b2",
        "dA1",
        "W1",
        "b1",
        "dA0",
    ]
    assert report.row("W2").axes == "h, w, c_prev, c" and report.row("dA1").axes == "i, h, w, c"
    textbook = ad.compare_with_textbook(model, X, Y)
    assert textbook.passed, str(textbook)
    assert [r.name for r in textbook.rows] == [r.name for r in report.rows]


def test_conv_dW_doubled_in_layer_2_is_located_with_its_index():
    model = TinyConvNet(0)
    model.conv_ops[2] = Conv2DDoubledDW
    X, Y = images(2, 0)
    report = ad.gradcheck(model, X, Y)
    assert report.first_faulty_layer == 2
    assert [r.name for r in report.failures] == ["W2"]
    row = report.row("W2")
    assert row.ratio == pytest.approx(2.0, abs=1e-3) and len(row.worst_index) == 4
    assert "(h, w, c_prev, c) = (" in str(report)
    assert "the first faulty layer is layer 2 (failing there: W2)" in report.summary()
    data = json.loads(json.dumps(report.to_dict()))
    assert data["unit"] == "layer" and data["first_faulty_layer"] == 2
    assert next(r for r in data["rows"] if r["name"] == "W2")["axes"] == "h, w, c_prev, c"
    textbook = ad.compare_with_textbook(model, X, Y)
    assert [r.name for r in textbook.failures] == ["W2"]
    assert textbook.row("W2").ratio == pytest.approx(2.0)


def test_conv_dA_prev_doubled_in_layer_2_is_located_with_its_index():
    model = TinyConvNet(1)
    model.conv_ops[2] = Conv2DDoubledDA
    X, Y = images(2, 1)
    report = ad.gradcheck(model, X, Y, max_escalate=30)
    assert report.first_faulty_layer == 2
    assert "failing there: dA1" in report.summary()
    row = report.row("dA1")
    assert not row.passed and row.axes == "i, h, w, c" and len(row.worst_index) == 4
    assert "(i, h, w, c) = (" in str(report)
    assert report.row("W2").passed and report.row("dA2").passed
    textbook = ad.compare_with_textbook(model, X, Y)
    assert not textbook.row("dA1").passed and textbook.row("W2").passed


# ----------------------------------------------------------------------------- bad input
def test_errors_name_what_is_missing():
    X, Y = sequences(3, 3, m=2, T_x=2, seed=0)
    with pytest.raises(TypeError, match="lacks .*boundaries"):
        ad.gradcheck(object(), X, Y)
    with pytest.raises(ValueError, match="method='complex'.*RNNModel.*method='central'"):
        ad.gradcheck(rnn_model("rnn", 0), X, Y, method="complex")
    with pytest.raises(ValueError, match="unknown method"):
        ad.gradcheck(rnn_model("rnn", 0), X, Y, method="forward")
    with pytest.raises(TypeError, match="compare_with_textbook checks"):
        ad.compare_with_textbook(object(), X, Y)


def test_float32_model_without_astype_is_refused():
    model = TinyConvNet(0, np.float32)
    model.astype = None
    X, Y = images(2, 0)
    with pytest.raises(ValueError, match="astype"):
        ad.gradcheck(model, X, Y)


def test_a_wrong_textbook_layer_kind_is_named():
    model = TinyConvNet(0)
    layers = model.textbook_layers()
    layers[1] = {"kind": "gelu", "layer": 1}
    model.textbook_layers = lambda: layers
    X, Y = images(2, 0)
    with pytest.raises(ValueError, match="unknown kind 'gelu' \\(layer 1\\)"):
        ad.compare_with_textbook(model, X, Y)


def test_a_gradient_of_the_wrong_shape_is_a_failing_row():
    model = TinyConvNet(0)
    real = model.gradients
    model.gradients = lambda X, Y: {**real(X, Y), "db2": np.zeros((4,))}
    X, Y = images(2, 0)
    report = ad.gradcheck(model, X, Y)
    assert not report.row("b2").passed and "shape (4,)" in report.row("b2").note
    assert report.first_faulty_layer == 2


def test_the_recurrent_example_in_docs_checks_md_prints_what_the_doc_shows(capsys):
    """docs/checks.md's section on the new models shows two summaries printed by the code above
    them: run it and compare."""
    import re
    from pathlib import Path

    text = (Path(__file__).parent.parent / "docs" / "checks.md").read_text()
    section = text.split("## Recurrent and convolutional models", 1)[1]
    code = re.search(r"```python\n(.*?)```", section, re.S).group(1)
    shown = re.search(r"prints\n\n```\n(.*?)```", section, re.S).group(1).strip().splitlines()
    exec(compile(code, "docs/checks.md", "exec"), {})
    assert capsys.readouterr().out.strip().splitlines() == shown
