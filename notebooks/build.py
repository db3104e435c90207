"""The notebooks' one source: every cell is written here, and ``make notebooks`` runs this file.

Each notebook is a list of cells (markdown, or code) plus the claims its text makes: strings
that the markdown states and that the executed outputs must show, character for character.
``python notebooks/build.py [NAME ...]`` builds each notebook from these cells, executes it
top to bottom in a fresh kernel (nbclient, ipykernel) and stores it with its outputs, so it
reads on a code host. ``tests/test_notebooks.py`` executes the same cells again and checks
that the stored code is this code, that no cell fails, that drawing cells draw and that
every claim holds.

Cells tagged ``draws`` must produce an image (``image/svg+xml`` or ``image/png``).
"""

from __future__ import annotations

import argparse
import sys
import textwrap
import time
from dataclasses import dataclass, field
from pathlib import Path

HERE = Path(__file__).resolve().parent
DRAWS = "draws"
KERNEL = {"display_name": "Python 3", "language": "python", "name": "python3"}


@dataclass(frozen=True)
class Cell:
    kind: str  # "markdown" or "code"
    source: str
    draws: bool = False


@dataclass(frozen=True)
class Notebook:
    name: str
    cells: list[Cell]
    claims: list[str] = field(default_factory=list)


def md(text: str) -> Cell:
    return Cell("markdown", textwrap.dedent(text).strip())


def code(text: str, draws: bool = False) -> Cell:
    return Cell("code", textwrap.dedent(text).strip(), draws)


# ----------------------------------------------------------------------------------------------
# 01: a deep network, step by step
# ----------------------------------------------------------------------------------------------
STEP_BY_STEP = Notebook(
    "01_deep_network_step_by_step",
    [
        md(
            """
            # A deep network, step by step

            The course's deep L-layer network, built one piece at a time: `layer_dims` and
            the shapes, forward propagation, the cost, backward propagation by hand against
            reverse-mode autodiff, the pictures, and training on the planar "flower" data.

            The notation is the course's. Samples are **columns**: `X = A[0]` is `(n[0], m)`.
            For l = 1..L,

                Z[l] = W[l] A[l-1] + b[l]        W[l]: (n[l], n[l-1]),  b[l]: (n[l], 1)
                A[l] = g[l](Z[l])                Z[l], A[l]: (n[l], m)
            """
        ),
        code(
            """
            import numpy as np

            import autograd_dnn as ad
            import viz
            from autograd_dnn import textbook as tb

            X, Y = ad.datasets.flower(400, seed=0)  # the course's planar data set
            print("X:", X.shape, " Y:", Y.shape)
            """
        ),
        md(
            """
            ## layer_dims and the shapes

            `layer_dims = [n[0], n[1], ..., n[L]]`. The course's example `[2, 3, 5, 4, 2, 1]`
            has L = 5 layers: four hidden layers (tanh here) and one sigmoid output unit.
            `summary(m=400)` lists every `W[l]`, `b[l]` and `Z[l]`, `A[l]` with its shape.
            It has 66 parameters ("total parameters: 66").
            """
        ),
        code(
            """
            layer_dims = [2, 3, 5, 4, 2, 1]
            net = ad.DeepNetwork(layer_dims, hidden_activation="tanh", init="xavier", seed=0)
            print(net.summary(m=X.shape[1]))
            """
        ),
        md(
            """
            ## The pictures

            The same network in two of `viz`'s views: every unit and weight (`neurons`), and
            one table per layer with the shapes (`layers`). A third view, `blocks`, draws one
            gradient-descent iteration as the course's forward and backward blocks.
            """
        ),
        code('viz.layer_graph(net, view="neurons")', draws=True),
        code('viz.layer_graph(net, view="layers")', draws=True),
        md(
            """
            ## Forward propagation and the cost, two ways

            `textbook` holds the course's own functions in plain numpy (`L_model_forward` is
            `tb.model_forward`), sharing nothing with the engine. The network computes the
            same `A[L]` and the same cross-entropy cost

                J = -(1/m) sum( Y log A[L] + (1 - Y) log(1 - A[L]) )

            Before training, J is close to log 2 = 0.693, the cost of guessing 1/2:
            here J = 0.7312.
            """
        ),
        code(
            """
            params = net.get_parameters()  # {"W1": (3, 2), "b1": (3, 1), ..., "b5": (1, 1)}
            AL, caches = tb.model_forward(X, params, activations=net.activations)
            J_course = tb.compute_cost(AL, Y)
            J_net = net.cost(X, Y).item()
            gap = np.abs(AL - net.predict_proba(X)).max()
            print(f"A[L]: {AL.shape}, largest difference {gap:.1e}")
            print(f"J = {J_net:.4f} (network), {J_course:.4f} (textbook)")
            """
        ),
        md(
            """
            ## Backward propagation by hand, against autodiff

            The course's `L_model_backward` (`tb.model_backward`) against the network's
            reverse-mode gradients (`net.gradients`). One subtlety, **the factor m**: the
            course's `dZ[l]` and `dA[l]` are derivatives of the *summed* loss, while
            `dW[l]` and `db[l]` are derivatives of the cost J (the mean). Autodiff gives exact
            partials of J, so the course's `dZ[l]` is m times autodiff's.
            """
        ),
        code(
            """
            course = tb.model_backward(AL, Y, caches, activations=net.activations)
            auto = net.gradients(X, Y)  # exact partial derivatives of J
            m = X.shape[1]
            for l in range(net.L, 0, -1):
                diffs = [
                    np.abs(course[f"dZ{l}"] - m * auto[f"dZ{l}"]).max(),  # factor m
                    np.abs(course[f"dW{l}"] - auto[f"dW{l}"]).max(),
                    np.abs(course[f"db{l}"] - auto[f"db{l}"]).max(),
                ]
                shape = auto[f"dW{l}"].shape
                print(f"layer {l}: dW{l} {shape}, largest difference {max(diffs):.1e}")
            """
        ),
        md(
            """
            `ad.compare_with_textbook` does this comparison for every `dZ[l]`, `dW[l]`,
            `db[l]` and `dA[l-1]`, and applies the factor m itself. It ends with
            "PASSED: all 20 gradients agree".
            """
        ),
        code("print(ad.compare_with_textbook(net, X, Y))"),
        md(
            """
            ## The computation graph, with gradient heat

            Record the cost of 8 samples, run `backward()`, and draw what was recorded: each
            layer coloured by ‖dW[l]‖ / ‖W[l]‖ (one colour per decade).
            """
        ),
        code(
            """
            J = net.cost(X[:, :8], Y[:, :8])
            J.backward()
            viz.computation_graph(J, heat=True)
            """,
            draws=True,
        ),
        md(
            """
            ## Training on the flower data

            Adam with alpha = 0.01 for 1500 iterations. The cost falls from 0.731 to 0.180
            and the network classifies 95.2% of the training set.
            """
        ),
        code(
            """
            net = ad.DeepNetwork(layer_dims, hidden_activation="tanh", init="xavier", seed=0)
            history = net.fit(
                X, Y, learning_rate=0.01, iterations=1500, optimizer="adam", progress=False
            )
            print(f"the cost falls from {history.costs[0]:.3f} to {history.costs[-1]:.3f}")
            print(f"training accuracy {net.accuracy(X, Y):.1%}")
            """
        ),
        code('viz.plot_costs({"adam, alpha = 0.01": history})', draws=True),
        md(
            """
            Next: `02_check_your_backprop.ipynb` checks *your own* `L_model_backward`.
            """
        ),
    ],
    claims=[
        "total parameters: 66",
        "J = 0.7312",
        "PASSED: all 20 gradients agree",
        "from 0.731 to 0.180",
        "95.2%",
    ],
)


# ----------------------------------------------------------------------------------------------
# 02: check your own backprop
# ----------------------------------------------------------------------------------------------
CHECK_YOUR_BACKPROP = Notebook(
    "02_check_your_backprop",
    [
        md(
            """
            # Check your backprop

            The course asks you to write `L_model_backward(AL, Y, caches)`. Its test cases
            check one example. `autograd_dnn.testing` checks your function on many small
            networks drawn by [hypothesis](https://hypothesis.readthedocs.io), against the
            course's closed form (`autograd_dnn.textbook`), and when they disagree it names
            the gradient, gives a hint and shows the smallest failing network it found.

            Caches are the course's: `caches[l-1] = ((A[l-1], W[l], b[l]), Z[l])`. The
            bottom row of this picture of one gradient-descent iteration, from `dA[L]` back
            to `dW[1]`, `db[1]`, is what `L_model_backward` computes.
            """
        ),
        code(
            """
            import numpy as np

            import autograd_dnn as ad
            import viz
            from autograd_dnn.testing import check_linear_backward, check_model_backward

            viz.layer_graph(ad.DeepNetwork([3, 5, 5, 3, 1]), view="blocks")
            """,
            draws=True,
        ),
        md(
            """
            ## A learner's functions, with one classic slip

            Written the course's way: `linear_backward`, the activations' backward, then the
            loop from layer L down to 1. The slip: `dW` is not divided by m.
            """
        ),
        code(
            """
            def relu_backward(dA, Z):
                return dA * (Z > 0)


            def sigmoid_backward(dA, Z):
                s = 1 / (1 + np.exp(-Z))
                return dA * s * (1 - s)


            def linear_backward(dZ, linear_cache):
                A_prev, W, b = linear_cache
                m = A_prev.shape[1]
                dW = dZ @ A_prev.T  # the slip: no 1/m
                db = np.sum(dZ, axis=1, keepdims=True) / m
                dA_prev = W.T @ dZ
                return dA_prev, dW, db


            def L_model_backward(AL, Y, caches):
                grads = {}
                L = len(caches)
                dA = -(np.divide(Y, AL) - np.divide(1 - Y, 1 - AL))
                for l in reversed(range(1, L + 1)):
                    linear_cache, Z = caches[l - 1]
                    dZ = sigmoid_backward(dA, Z) if l == L else relu_backward(dA, Z)
                    dA, grads[f"dW{l}"], grads[f"db{l}"] = linear_backward(dZ, linear_cache)
                    grads[f"dA{l - 1}"] = dA
                return grads
            """
        ),
        md(
            """
            ## The kit catches it

            `check_model_backward` raises an `AssertionError` on the first disagreement. Here
            we catch it to read the message: the key that differs, the largest difference,
            the hint "missing 1/m", and the shrunk counterexample.
            """
        ),
        code(
            """
            try:
                check_model_backward(L_model_backward, max_examples=30)
            except AssertionError as e:
                print(e)
            else:
                raise RuntimeError("the planted bug was not caught")
            """
        ),
        md(
            """
            The same slip one level down: `check_linear_backward` tests `linear_backward`
            alone, on its own drawn `(dZ, (A_prev, W, b))`, and names `dW` with the same hint.
            """
        ),
        code(
            """
            try:
                check_linear_backward(linear_backward, max_examples=30)
            except AssertionError as e:
                print(e)
            """
        ),
        md(
            """
            ## Fixed, and passing

            Divide by m, and both checks pass: every dA, dW, db agrees with the closed form,
            on every network they draw (a check that passes returns None).
            """
        ),
        code(
            """
            def linear_backward(dZ, linear_cache):
                A_prev, W, b = linear_cache
                m = A_prev.shape[1]
                dW = dZ @ A_prev.T / m
                db = np.sum(dZ, axis=1, keepdims=True) / m
                dA_prev = W.T @ dZ
                return dA_prev, dW, db


            check_linear_backward(linear_backward, max_examples=30)
            check_model_backward(L_model_backward, max_examples=30)
            print("both checks pass: every dA, dW, db agrees with the closed form")
            """
        ),
        md(
            """
            ## Your own property test

            The strategies the kit uses are public (`autograd_dnn.testing.strategies`):
            `layer_dims()`, `activations()`, `parameters()`, `batches()`, `caches()`. Here is
            a property the course states: every `dW[l]` has the shape of `W[l]`, and every
            `db[l]` the shape of `b[l]`.
            """
        ),
        code(
            """
            from hypothesis import given, settings
            from hypothesis import strategies as st

            from autograd_dnn.testing import strategies as dnn


            @settings(max_examples=25, deadline=None, derandomize=True)
            @given(st.data())
            def test_gradient_shapes(data):
                dims = data.draw(dnn.layer_dims(max_layers=4))
                acts = data.draw(dnn.activations(len(dims) - 1, hidden=["relu"]))
                AL, Y, caches = data.draw(dnn.caches(dims, acts))
                grads = L_model_backward(AL, Y, caches)
                for l, ((_, W, b), _) in enumerate(caches, start=1):
                    assert grads[f"dW{l}"].shape == W.shape
                    assert grads[f"db{l}"].shape == b.shape


            test_gradient_shapes()
            print("the shapes property holds on 25 drawn networks")
            """
        ),
        md(
            """
            Next: `03_gradient_checking.ipynb`, where finite differences find a bug without
            any closed form to compare with.
            """
        ),
    ],
    claims=["missing 1/m", "every dA, dW, db agrees with the closed form"],
)


# ----------------------------------------------------------------------------------------------
# 03: gradient checking
# ----------------------------------------------------------------------------------------------
GRADIENT_CHECKING = Notebook(
    "03_gradient_checking",
    [
        md(
            """
            # Gradient checking

            The course's gradient check: flatten every parameter into one vector theta, nudge
            each coordinate by ±epsilon, and compare the two-sided difference

                gradapprox[i] = (J(theta + eps e_i) - J(theta - eps e_i)) / (2 eps)

            with backprop's `grad` through one number,
            `difference = ||grad - gradapprox|| / (||grad|| + ||gradapprox||)`:
            about 1e-7 is fine, about 1e-3 is a bug. It says *that* something is wrong. This
            notebook also finds *where*.
            """
        ),
        code(
            """
            import numpy as np

            import autograd_dnn as ad
            import viz
            from autograd_dnn import textbook as tb

            # The course's test case: np.random.seed(1), X (4, 3), a [4, 5, 3, 1] network.
            np.random.seed(1)
            X = np.random.randn(4, 3)
            Y = np.array([[1, 1, 0]])
            shapes = {"W1": (5, 4), "b1": (5, 1), "W2": (3, 5), "b2": (3, 1)}
            shapes |= {"W3": (1, 3), "b3": (1, 1)}
            parameters = {key: np.random.randn(*shape) for key, shape in shapes.items()}
            KEYS = list(shapes)
            """
        ),
        md(
            """
            ## The exercise's backward pass, with its two planted bugs

            The forward pass is the course's `forward_propagation_n` (LINEAR → RELU → LINEAR →
            RELU → LINEAR → SIGMOID). The backward pass is the one the exercise hands you, with
            its two mistakes: `dW2` is doubled and `db1` has `4./m` for `1./m`.
            """
        ),
        code(
            """
            def backward_propagation_n(X, Y, cache):
                m = X.shape[1]
                (Z1, A1, W1, b1, Z2, A2, W2, b2, Z3, A3, W3, b3) = cache
                dZ3 = A3 - Y
                dW3 = 1.0 / m * np.dot(dZ3, A2.T)
                db3 = 1.0 / m * np.sum(dZ3, axis=1, keepdims=True)
                dA2 = np.dot(W3.T, dZ3)
                dZ2 = np.multiply(dA2, np.int64(A2 > 0))
                dW2 = 1.0 / m * np.dot(dZ2, A1.T) * 2  # planted bug
                db2 = 1.0 / m * np.sum(dZ2, axis=1, keepdims=True)
                dA1 = np.dot(W2.T, dZ2)
                dZ1 = np.multiply(dA1, np.int64(A1 > 0))
                dW1 = 1.0 / m * np.dot(dZ1, X.T)
                db1 = 4.0 / m * np.sum(dZ1, axis=1, keepdims=True)  # planted bug
                return {"dW1": dW1, "db1": db1, "dW2": dW2, "db2": db2, "dW3": dW3, "db3": db3}


            cost, cache = tb.forward_propagation_n(X, Y, parameters)
            gradients = backward_propagation_n(X, Y, cache)
            difference = tb.gradient_check_n(parameters, gradients, X, Y, print_msg=True)
            """
        ),
        md(
            """
            The course's check prints difference = 0.2850931567761623: "there is a mistake",
            but not where.

            ## Where: one row per parameter

            Wrap the exercise's forward and backward as one custom op whose backward *is*
            `backward_propagation_n`: the engine trusts it, `ad.check_gradients` does not. It
            compares each parameter with central differences on its own.
            """
        ),
        code(
            """
            def as_function(backward):
                class CourseCost(ad.Function):
                    @staticmethod
                    def forward(ctx, X, Y, *weights):
                        cost, cache = tb.forward_propagation_n(X, Y, dict(zip(KEYS, weights)))
                        ctx.save_for_backward(X, Y, *cache)
                        return np.array(cost)

                    @staticmethod
                    def backward(ctx, g):
                        X, Y, *cache = ctx.saved_tensors
                        grads = backward(X, Y, tuple(cache))
                        return (None, None, *(g * grads[f"d{key}"] for key in KEYS))

                return CourseCost


            CourseCost = as_function(backward_propagation_n)
            report = ad.check_gradients(
                lambda *weights: CourseCost.apply(X, Y, *weights),
                [parameters[key] for key in KEYS],
                names=KEYS,
            )
            print(report)
            """
        ),
        md(
            """
            Two rows fail, and the ratio analytic / numeric tells what kind of bug each is:
            W2 has ratio 2.000 (the `* 2`) and b1 has ratio 4.000 (the `4./m`). Every
            other parameter passes.
            """
        ),
        code(
            """
            for row in report.failures:
                print(f"{row.name} has ratio {row.ratio:.3f} (analytic / numeric)")
            """
        ),
        md(
            """
            ## A whole network: the faulty layer, by name

            `ad.gradcheck` checks a `DeepNetwork` tensor by tensor and also at every layer
            boundary `dJ/dA[l]`, which locates a bug to one layer. Plant a doubled `dW` in
            layer 2's linear step and the report says "the first faulty layer is layer 2";
            the computation graph draws that layer with a red border.
            """
        ),
        code(
            """
            class DoubledLinear(ad.ops.Linear):  # Z = W A + b, with dW twice too large
                @staticmethod
                def backward(ctx, g):
                    dW, dA, db = ad.ops.Linear.backward(ctx, g)
                    return 2 * dW, dA, db


            net = ad.DeepNetwork([4, 5, 3, 1], seed=1)
            net.layers[1].linear_fn = DoubledLinear  # layer 2
            report = ad.gradcheck(net, X, Y)
            print(report.summary())
            """
        ),
        code(
            """
            J = net.cost(X, Y)
            viz.computation_graph(J, report=report, backward=True)
            """,
            draws=True,
        ),
        md(
            """
            ## Dropout and batch norm: check the network you train

            The course says gradient checking doesn't work with dropout: every evaluation of J
            draws new masks (below, the same parameters give "0.6672, then 0.6837"), so
            `J(theta + eps)` and `J(theta - eps)` are costs of different networks; check with
            `keep_prob = 1`, then turn dropout on. With the masks drawn once and **frozen**, J
            is a fixed function of the parameters again, and the network you train can be
            checked as it is. `ad.gradcheck` freezes them itself (its title
            says "dropout masks frozen") and checks batch norm's `gamma[l]` and `beta[l]` (a
            batch-norm layer has no `b[l]`): rows "W2, gamma2, beta2, dA1", and
            "PASSED: all 11 gradients agree (gradcheck".

            The course's closed forms agree too. `compare_with_textbook` runs a dropout network
            with the course's own masks (those of `forward_propagation_with_dropout`) against
            `backward_propagation_with_dropout`, and each batch-norm layer against
            `batchnorm_backward` (rows `dgamma[l]`, `dbeta[l]`, `dZ[l]`):
            "PASSED: all 11 gradients agree (compare_with_textbook)" for dropout and
            "PASSED: all 6 gradients agree (compare_with_textbook)" for batch norm.
            """
        ),
        code(
            """
            Xf, Yf = ad.datasets.flower(64, seed=0)  # m = 64: batch norm normalizes over m
            net = ad.DeepNetwork([2, 5, 4, 1], keep_prob=0.8, batch_norm=True, seed=0)
            J1, J2 = (net.cost(Xf, Yf, training=True).item() for _ in range(2))
            print(f"J in training mode, twice: {J1:.4f}, then {J2:.4f} (new masks)")
            report = ad.gradcheck(net, Xf, Yf)
            print("rows:", ", ".join(row.name for row in report.rows))
            print(report.summary(), "\\n")

            for config in (dict(keep_prob=0.8), dict(batch_norm=True)):
                course_net = ad.DeepNetwork([2, 5, 4, 1], seed=0, **config)
                textbook = ad.compare_with_textbook(course_net, Xf, Yf)
                print(f"{config}:", ", ".join(row.name for row in textbook.rows))
                print(textbook.summary())
            """
        ),
        md(
            """
            ## A dropout backward that forgets its mask

            The classic slip: the backward keeps `/ keep_prob` but forgets `* D`, so the
            gradient flows through the units the forward pass switched off. Plant it in the
            engine's dropout op (for one cell, with `unittest.mock`). gradcheck fails from
            layer 2 down, where the dropout of `A[2]` sits (`W3`, `b3` and `dA2` above it pass):
            "failing: W2, b2, dA1, W1, b1, dA0"; the course's closed form disagrees below the
            same dropout: "failing: dZ2, dW2, db2, dA1, dZ1, dW1, db1".
            """
        ),
        code(
            """
            from unittest import mock


            def forgets_the_mask(ctx, g):  # the planted bug: g / keep_prob, without * D
                return g / ctx.kwargs["keep_prob"]


            net = ad.DeepNetwork([2, 5, 4, 1], keep_prob=0.8, seed=0)
            with mock.patch.object(ad.ops.Dropout, "backward", staticmethod(forgets_the_mask)):
                report = ad.gradcheck(net, Xf, Yf)
                textbook = ad.compare_with_textbook(net, Xf, Yf)
            print(report.summary())
            for r in (report, textbook):
                print("failing:", ", ".join(row.name for row in r.failures))
            """
        ),
        md(
            """
            ## L2 regularization: include the regularization term

            The course's advice: check the cost you train, `J_reg = J + (lambd / 2m) sum_l
            ||W[l]||_F^2`. A backward pass that forgets the L2 term's `(lambd / m) W[l]` fails
            on every `W[l]` (and on no `b[l]`): 3 failing rows below. The course's
            `backward_propagation_with_regularization` passes.
            """
        ),
        code(
            """
            lambd = 0.7


            def as_regularized(backward):
                class RegularizedCost(ad.Function):
                    @staticmethod
                    def forward(ctx, X, Y, *weights):
                        cost, cache = tb.forward_propagation_n(X, Y, dict(zip(KEYS, weights)))
                        l2 = lambd / (2 * X.shape[1]) * sum(np.sum(W**2) for W in weights[::2])
                        ctx.save_for_backward(X, Y, *cache)
                        return np.array(cost + l2)

                    @staticmethod
                    def backward(ctx, g):
                        X, Y, *cache = ctx.saved_tensors
                        grads = backward(X, Y, tuple(cache))
                        return (None, None, *(g * grads[f"d{key}"] for key in KEYS))

                return RegularizedCost


            def check(backward):
                Cost = as_regularized(backward)
                inputs = [parameters[key] for key in KEYS]
                return ad.check_gradients(lambda *w: Cost.apply(X, Y, *w), inputs, names=KEYS)


            forgot = check(tb.backward_propagation_n)  # correct without L2, wrong with it
            print(f"without the L2 term: {len(forgot.failures)} failing rows:",
                  ", ".join(row.name for row in forgot.failures))
            kept = check(
                lambda X, Y, cache: tb.backward_propagation_with_regularization(X, Y, cache, lambd)
            )
            print("with it:", kept.summary())
            """
        ),
        md(
            """
            A `DeepNetwork` with `l2=0.7` puts the same term in its cost, so its gradient check
            includes it; the course's closed form (`compare_with_textbook`, with `lambd`)
            agrees too.
            """
        ),
        code(
            """
            net = ad.DeepNetwork([4, 5, 3, 1], seed=1, l2=lambd)
            print(ad.gradcheck(net, X, Y).summary())
            print(ad.compare_with_textbook(net, X, Y).summary())
            """
        ),
    ],
    claims=[
        "difference = 0.2850931567761623",
        "W2 has ratio 2.000",
        "b1 has ratio 4.000",
        "the first faulty layer is layer 2",
        "0.6672, then 0.6837",
        "dropout masks frozen",
        "W2, gamma2, beta2, dA1",
        "PASSED: all 11 gradients agree (gradcheck",
        "PASSED: all 11 gradients agree (compare_with_textbook)",
        "PASSED: all 6 gradients agree (compare_with_textbook)",
        "failing: W2, b2, dA1, W1, b1, dA0",
        "failing: dZ2, dW2, db2, dA1, dZ1, dW1, db1",
        "3 failing rows",
    ],
)


# ----------------------------------------------------------------------------------------------
# 04: convolutions
# ----------------------------------------------------------------------------------------------
CONVOLUTIONS = Notebook(
    "04_convolutions",
    [
        md(
            """
            # Convolutions and pooling, step by step and proven

            The course's convolutional layers (Course 4, week 1) in its notation. Samples come
            **first** here, as in the course: a volume is `(m, n_H, n_W, n_C)`, a filter bank
            `W` is `(f, f, n_C_prev, n_C)` and its bias `b` is `(1, 1, 1, n_C)`. A convolution
            (a cross-correlation, as in the course) computes

                Z[i, h, w, c] = sum(A_prev_pad[i, h*s : h*s+f, w*s : w*s+f, :] * W[..., c]) + b[c]
                n_H = floor((n_H_prev + 2 pad - f) / stride) + 1

            `autograd_dnn.textbook` holds the course's own functions, four nested loops in
            plain numpy (`conv_forward`, `conv_backward`, `pool_forward`, `pool_backward`);
            `ad.functional.conv2d` and `max_pool2d` are the engine's vectorized ops (one im2col
            matrix product, strided window views). First the course's test case: its notebook
            prints "Z's mean = 0.0489952035289".
            """
        ),
        code(
            """
            import numpy as np

            import autograd_dnn as ad
            import viz
            from autograd_dnn import textbook as tb

            F = ad.functional
            np.random.seed(1)  # the course's test case, drawn in its order
            A_prev = np.random.randn(10, 4, 4, 3)  # (m, n_H_prev, n_W_prev, n_C_prev)
            W = np.random.randn(2, 2, 3, 8)  # (f, f, n_C_prev, n_C)
            b = np.random.randn(1, 1, 1, 8)  # (1, 1, 1, n_C)
            Z, cache_conv = tb.conv_forward(A_prev, W, b, {"pad": 2, "stride": 2})  # the loops
            Z_engine = F.conv2d(A_prev, W, b, stride=2, pad=2)  # one matrix product
            print("Z:", Z.shape, "= (m, n_H, n_W, n_C)")
            print(f"Z's mean = {np.mean(Z):.13f}")
            gap = np.abs(Z - Z_engine.data).max()
            print(f"largest difference to ad.functional.conv2d: {gap:.1e}")
            """
        ),
        md(
            """
            Pooling has no parameters and no padding: `n_H = floor((n_H_prev - f) / stride) + 1`,
            the maximum (or the mean) of each f x f window, channel by channel. The course's
            `pool_forward` in both modes against `max_pool2d` and `avg_pool2d`:
            """
        ),
        code(
            """
            np.random.seed(1)
            A_pool = np.random.randn(2, 4, 4, 3)
            for mode, pool in (("max", F.max_pool2d), ("average", F.avg_pool2d)):
                A, _ = tb.pool_forward(A_pool, {"stride": 2, "f": 3}, mode=mode)
                gap = np.abs(A - pool(A_pool, f=3, stride=2).data).max()
                print(f"pool_forward mode={mode:7}: A {A.shape}, largest difference {gap:.1e}")
            """
        ),
        md(
            """
            ## Backward, and the course's "no 1/m"

            The course's `conv_backward(dZ, cache)` returns `dA_prev`, `dW`, `db`: for each
            window, `da_prev_pad[window] += W[..., c] * dZ[i, h, w, c]`,
            `dW[..., c] += a_slice * dZ[i, h, w, c]` and `db[..., c] += dZ[i, h, w, c]`,
            summed over the samples with **no 1/m**. It is the derivative of whatever `dZ` is
            the gradient of. Its test case feeds `Z` itself as `dZ`, the gradient of
            `J = sum(Z ** 2) / 2`; reverse mode through the engine's `conv2d` gives the same
            three arrays, and the course's printed means: "dA_mean = 1.45243777754",
            "dW_mean = 1.72699145831", "db_mean = 7.83923256462". In a network the cost is a
            mean over the m samples, so the `dZ` reaching a layer already holds the 1/m;
            `compare_with_textbook` (below) feeds the course's functions the gradient of the
            *summed* loss and compares them with m x autodiff.
            """
        ),
        code(
            """
            dA_prev, dW, db = tb.conv_backward(Z, cache_conv)  # the course feeds dZ = Z
            print(f"dA_mean = {np.mean(dA_prev):.11f}, dW_mean = {np.mean(dW):.11f}, "
                  f"db_mean = {np.mean(db):.11f}")

            inputs = [ad.Tensor(v, requires_grad=True) for v in (A_prev, W, b)]
            Z_t = F.conv2d(*inputs, stride=2, pad=2)
            J = (Z_t * Z_t).sum() / 2  # dJ/dZ = Z: what the course's dZ stands for here
            for name, course, auto in zip(("dA_prev", "dW", "db"), (dA_prev, dW, db),
                                          ad.grad(J, inputs)):
                gap = np.abs(course - auto.data).max()
                print(f"{name:8} {str(auto.shape):14} largest difference {gap:.1e}")
            """
        ),
        md(
            """
            ## Check your conv_backward

            The assignment's classic bug: `da_prev_pad[window] = ...` where it must be `+=`.
            The function below is the course's loops with that one character missing
            (`bug=True`). `autograd_dnn.testing.conv.check_conv_backward` draws small layers
            with hypothesis (shapes, f, stride, pad), compares your function with the
            textbook's, shrinks the first difference to a tiny counterexample and names the
            bug: "'+=' written as '=' for da_prev_pad". Fixed (`bug=False`), it passes.
            """
        ),
        code(
            """
            from autograd_dnn.testing.conv import check_conv_backward


            def conv_backward(dZ, cache, bug=True):
                \"\"\"A learner's conv_backward: the course's loops.\"\"\"
                (A_prev, W, b, hparameters) = cache
                (m, n_H_prev, n_W_prev, n_C_prev) = A_prev.shape
                (f, f, n_C_prev, n_C) = W.shape
                stride, pad = hparameters["stride"], hparameters["pad"]
                (m, n_H, n_W, n_C) = dZ.shape
                dA_prev, dW, db = np.zeros(A_prev.shape), np.zeros(W.shape), np.zeros(b.shape)
                A_prev_pad, dA_prev_pad = tb.zero_pad(A_prev, pad), tb.zero_pad(dA_prev, pad)
                for i in range(m):
                    a_prev_pad, da_prev_pad = A_prev_pad[i], dA_prev_pad[i]
                    for h in range(n_H):
                        for w in range(n_W):
                            for c in range(n_C):
                                vert_start, horiz_start = h * stride, w * stride
                                window = (slice(vert_start, vert_start + f),
                                          slice(horiz_start, horiz_start + f))
                                if bug:  # '=' where the course writes '+='
                                    da_prev_pad[window] = W[:, :, :, c] * dZ[i, h, w, c]
                                else:
                                    da_prev_pad[window] += W[:, :, :, c] * dZ[i, h, w, c]
                                dW[:, :, :, c] += a_prev_pad[window] * dZ[i, h, w, c]
                                db[:, :, :, c] += dZ[i, h, w, c]
                    dA_prev[i] = da_prev_pad[pad : pad + n_H_prev, pad : pad + n_W_prev, :]
                return dA_prev, dW, db


            try:
                check_conv_backward(conv_backward)
            except AssertionError as e:
                print(str(e)[:str(e).index("expected dA_prev")])  # the verdict and the hint
            """
        ),
        code(
            """
            check_conv_backward(lambda dZ, cache: conv_backward(dZ, cache, bug=False))
            print("check_conv_backward: the fixed function agrees with the textbook")
            """
        ),
        md(
            """
            ## The course's SIGNS model

            `ad.ConvNetwork` runs a list of layers on images. `ConvNetwork.signs()` is the
            course's model for its 64 x 64 hand signs (6 classes):
            CONV2D(f=4, 8 filters, 'same') -> RELU -> MAXPOOL(f=8, stride 8) -> CONV2D(f=2,
            16 filters, 'same') -> RELU -> MAXPOOL(f=4, stride 4) -> FLATTEN -> DENSE(6,
            softmax). 'same' with an even f pads as TensorFlow does (the extra row and column
            at the bottom and right), so 64 x 64 stays 64 x 64. The summary shows every volume
            for a batch of m = 64; the model is small: "total parameters: 1,310". The picture
            draws each volume `(n_H, n_W, n_C)` with f, stride and pad on its edge.
            """
        ),
        code(
            """
            net = ad.ConvNetwork.signs(seed=0, dtype=np.float32)
            print(net.summary(m=64))
            """
        ),
        code("viz.volume_graph(net)", draws=True),
        md(
            """
            ## Training on signs_like

            The course's SIGNS images are not shipped; `ad.datasets.signs_like(m, seed)` draws
            images shaped like them (64 x 64 x 3, a hand raising 0 to 5 fingers, with random
            position, widths, colours and noise). A short run keeps this notebook quick: 300
            training images, 10 epochs of Adam on mini-batches of 32, float32. It reaches
            "dev accuracy 82%"; more images and epochs do better (the command line's
            `autograd-dnn train --conv` trains on 1080 images for 30 epochs).
            """
        ),
        code(
            """
            X, Y = ad.datasets.signs_like(360, seed=0)  # X (360, 64, 64, 3) in [0, 1], Y (1, 360)
            X_train, Y_train, X_dev, Y_dev = X[:300], Y[:, :300], X[300:], Y[:, 300:]
            history = net.fit(
                X_train, Y_train, optimizer="adam", learning_rate=0.01, iterations=10,
                batch_size=32, X_dev=X_dev, Y_dev=Y_dev, print_every=1, progress=False,
            )
            print(f"cost: from {history.costs[0]:.2f} to {history.costs[-1]:.2f}")
            print(f"train accuracy {net.accuracy(X_train, Y_train):.0%}, "
                  f"dev accuracy {net.accuracy(X_dev, Y_dev):.0%}")
            """
        ),
        code(
            """
            history.label = "SIGNS model, Adam alpha=0.01, batch 32"
            viz.plot_costs(history, title="signs_like: cost J per epoch")
            """,
            draws=True,
        ),
        md(
            """
            ## The trained model, proven; a bug, located

            `ad.gradcheck` checks every parameter and the input of every layer (`dA0` = X,
            `dP1`, `dP2`: what layers 1, 2, 3 read) against central differences of J, and
            `ad.compare_with_textbook` checks the same rows against the course's
            `conv_backward` and `pool_backward` run layer by layer (float32 networks are
            checked on a float64 copy). Both pass, on one dev image:
            "PASSED: all 9 gradients agree (gradcheck" and
            "PASSED: all 9 gradients agree (compare_with_textbook)".
            """
        ),
        code(
            """
            X1, Y1 = X_dev[:1], Y_dev[:, :1]  # m = 1: one image (1, 64, 64, 3)
            print(ad.gradcheck(net, X1, Y1).summary())
            print(ad.compare_with_textbook(net, X1, Y1).summary())
            """
        ),
        md(
            """
            Now plant a bug: a convolution whose backward doubles `dW`, in layer 2 only (a
            layer's `op` is the Function it applies; assign your own). gradcheck names it:
            "the first faulty layer is layer 2 (failing there: W2)", with the ratio
            "(a doubled gradient)" and the worst entry as `(h, w, c_prev, c)`; layer 3 and the
            volumes passed back are right.
            """
        ),
        code(
            """
            class Conv2DDoubledDW(ad.conv.Conv2D):  # dW x 2 in the backward
                op_name = "conv2d_dW_x2"

                @staticmethod
                def backward(ctx, g):
                    dA_prev, dW, db = ad.conv.Conv2D.backward(ctx, g)
                    return dA_prev, None if dW is None else 2 * dW, db


            buggy = net.astype(np.float64)
            buggy.layers[3].op = Conv2DDoubledDW  # layers[3] is the CONV2D of layer 2
            report = ad.gradcheck(buggy, X1, Y1, max_escalate=20)
            row = report.row("W2")
            print(f"W2: {row.verdict}, ratio {row.ratio:.3f}, worst index ({row.axes}) = "
                  f"{row.worst_index}")
            print(report.summary())
            report  # the table, the failing row shaded
            """
        ),
    ],
    claims=[
        "Z's mean = 0.0489952035289",
        "dA_mean = 1.45243777754",
        "dW_mean = 1.72699145831",
        "db_mean = 7.83923256462",
        "'+=' written as '=' for da_prev_pad",
        "total parameters: 1,310",
        "dev accuracy 82%",
        "PASSED: all 9 gradients agree (gradcheck",
        "PASSED: all 9 gradients agree (compare_with_textbook)",
        "the first faulty layer is layer 2 (failing there: W2)",
        "(a doubled gradient)",
    ],
)


# ----------------------------------------------------------------------------------------------
# 05: recurrent networks
# ----------------------------------------------------------------------------------------------
RECURRENT = Notebook(
    "05_recurrent",
    [
        md(
            """
            # Recurrent networks: RNN and LSTM cells, backprop through time

            The course's recurrent cells (Course 5, week 1) in its notation. A batch of m
            sequences of T_x steps is `x` of shape `(n_x, m, T_x)`, with `x<t> = x[:, :, t-1]`
            of shape `(n_x, m)`; the hidden states are `a` `(n_a, m, T_x)` (and the LSTM's cell
            states `c`), the predictions `y_hat` `(n_y, m, T_x)`. The RNN cell is

                a<t>     = tanh(Waa a<t-1> + Wax x<t> + ba)
                y_hat<t> = softmax(Wya a<t> + by)

            and the cost is the cross-entropy summed over the steps and averaged over the m
            sequences. `autograd_dnn.textbook` holds the course's own functions in plain numpy
            (`rnn_cell_forward`, `lstm_cell_forward`, `rnn_backward`, ...); the engine's
            `ad.RNNModel` records one op per time step and differentiates it.
            """
        ),
        code(
            """
            import numpy as np

            import autograd_dnn as ad
            import viz
            from autograd_dnn import textbook as tb

            F = ad.functional
            rng = np.random.default_rng(1)
            n_x, n_a, n_y, m, T_x = 3, 5, 2, 4, 6
            x = rng.standard_normal((n_x, m, T_x))  # x<t> = x[:, :, t-1]
            y = np.moveaxis(np.eye(n_y)[rng.integers(0, n_y, (m, T_x))], -1, 0)  # one-hot
            print("x:", x.shape, "= (n_x, m, T_x)   y:", y.shape, "= (n_y, m, T_x)")
            """
        ),
        md(
            """
            ## One step, two ways

            The course's `rnn_cell_forward` and `lstm_cell_forward` against the engine's
            cells, `ad.functional.rnn_cell` and `ad.functional.lstm_cell` (the LSTM's gates
            act on `concat = [a<t-1>; x<t>]`, so `Wf`, `Wi`, `Wc`, `Wo` are `(n_a, n_a + n_x)`).
            Then one step backwards: the course's `rnn_cell_backward(da_next, cache)` gives the
            partials of `J = sum(da_next * a_next)`, which is what reverse mode computes from
            the engine's cell.
            """
        ),
        code(
            """
            rnn = ad.RNNModel(n_x, n_a, n_y, cell="rnn", seed=0)
            p = rnn.get_parameters()  # Wax (5, 3), Waa (5, 5), Wya (2, 5), ba (5, 1), by (2, 1)
            xt = x[:, :, 0]  # x<1>, (n_x, m)
            a_prev, c_prev = rng.standard_normal((n_a, m)), rng.standard_normal((n_a, m))
            a_next, yt_pred, cache = tb.rnn_cell_forward(xt, a_prev, p)
            a_engine = F.rnn_cell(xt, a_prev, p["Wax"], p["Waa"], p["ba"])
            print(f"RNN  a_next {a_next.shape}: largest difference "
                  f"{np.abs(a_next - a_engine.data).max():.1e}")

            lstm = ad.RNNModel(n_x, n_a, n_y, cell="lstm", seed=0)
            q = lstm.get_parameters()  # Wf (5, 8), bf (5, 1), ..., Wy (2, 5), by (2, 1)
            a_lstm, c_lstm, _, _ = tb.lstm_cell_forward(xt, a_prev, c_prev, q)
            gates = [q[k] for k in ("Wf", "bf", "Wi", "bi", "Wc", "bc", "Wo", "bo")]
            a_engine, c_engine = F.lstm_cell(xt, a_prev, c_prev, *gates)
            gap = max(np.abs(a_lstm - a_engine.data).max(), np.abs(c_lstm - c_engine.data).max())
            print(f"LSTM a_next, c_next {a_lstm.shape}: largest difference {gap:.1e}")
            """
        ),
        code(
            """
            da_next = rng.standard_normal((n_a, m))
            course = tb.rnn_cell_backward(da_next, cache)  # dxt, da_prev, dWax, dWaa, dba

            inputs = {"dxt": xt, "da_prev": a_prev, "dWax": p["Wax"], "dWaa": p["Waa"],
                      "dba": p["ba"]}
            tensors = {k: ad.Tensor(v, requires_grad=True) for k, v in inputs.items()}
            a_next = F.rnn_cell(*tensors.values())  # the argument order: xt, a_prev, Wax, Waa, ba
            J = (a_next * da_next).sum()
            auto = dict(zip(tensors, ad.grad(J, list(tensors.values()))))
            for key, g in auto.items():
                gap = np.abs(course[key] - g.data).max()
                print(f"{key:8} {str(g.shape):7} largest difference {gap:.1e}")
            """
        ),
        md(
            """
            ## Backprop through time, and the factor m

            Over the whole sequence, the course's `rnn_backward(da, caches)` takes `da`, what
            each `y_hat<t>` sends back to `a<t>`: `Wya^T (y_hat<t> - y<t>)`, the gradient of the
            *summed* loss (the course puts no 1/m in its backward). `model.gradients(x, y)`
            gives the exact partials of J, the mean over the m sequences: `dWax`, ..., and
            `da1` .. `da6`, the gradient reaching each `a<t>`. So the course's values are m times
            autodiff's: "rnn_backward = m x autodiff".
            """
        ),
        code(
            """
            a, y_hat, caches = tb.rnn_forward(x, np.zeros((n_a, m)), p)
            dy = y_hat - y  # d(summed loss) / d(Wya a<t> + by), (n_y, m, T_x)
            da = np.stack([p["Wya"].T @ dy[:, :, t] for t in range(T_x)], axis=2)
            course = tb.rnn_backward(da, caches)  # dx, da0, dWax, dWaa, dba
            auto = rnn.gradients(x, y)  # dWax, ..., dby, da1 .. da6
            gaps = {k: np.abs(course[k] - m * auto[k]).max() for k in ("dWax", "dWaa", "dba")}
            gaps[f"da{T_x}"] = np.abs(da[:, :, -1] - m * auto[f"da{T_x}"]).max()  # the last step
            for key, gap in gaps.items():
                print(f"{key:5} {str(auto[key].shape):7} largest difference {gap:.1e}")
            print("rnn_backward = m x autodiff" if max(gaps.values()) < 1e-12 else "they differ")
            """
        ),
        md(
            """
            ## The checks, on a small LSTM

            `ad.compare_with_textbook` does this for every parameter and every `da<t>`, `dc<t>`
            (against the course's `lstm_backward` and `lstm_cell_backward`, the factor m
            applied), and `ad.gradcheck` checks the same rows against central differences of J.
            Both pass:
            "PASSED: all 22 gradients agree (compare_with_textbook)" and
            "PASSED: all 22 gradients agree (gradcheck".
            """
        ),
        code(
            """
            print(ad.compare_with_textbook(lstm, x, y).summary())
            print(ad.gradcheck(lstm, x, y).summary())
            """
        ),
        md(
            """
            ## A bug in one time step, located

            Plant a doubled `dWf` in the backward of the cell of time step 3 only. The shared
            `Wf` fails; gradcheck then checks it again *as used at each step* (rows `Wf<1>` ..
            `Wf<6>`): only "Wf<3>: BUG, ratio 2.000". The summary says
            "the first faulty time step is t = 3", with the gate: "gate: f".
            """
        ),
        code(
            """
            class DoubledDWfAtStep3(ad.recurrent.LSTMCell):  # dWf x 2 at time step 3 only
                op_name = "lstm_cell_dWf_x2_at_3"

                @staticmethod
                def backward(ctx, g):
                    grads = list(ad.recurrent.LSTMCell.backward(ctx, g))  # dx, ds_prev, dWf, ...
                    if ctx.kwargs["t"] == 2 and grads[2] is not None:  # t is 0-based: step 3
                        grads[2] = grads[2] * 2
                    return tuple(grads)


            buggy = ad.RNNModel(n_x, n_a, n_y, cell="lstm", seed=0)
            buggy.cell_op = DoubledDWfAtStep3
            report = ad.gradcheck(buggy, x, y)
            for t in range(1, T_x + 1):
                row = report.row(f"Wf<{t}>")
                print(f"Wf<{t}>: {row.verdict}" + (f", ratio {row.ratio:.3f}" if row.ratio else ""))
            print(report.summary())
            report  # the table, failing rows shaded
            """
        ),
        md(
            """
            ## The pictures

            The LSTM unrolled over its 6 steps (the middle ones folded into one node; each
            cell labelled with `||da<t>||` and `||dc<t>||` from `model.gradients`), and the
            blocks of one cell with its forward formulas and the course's backward beside them.
            """
        ),
        code("viz.unrolled_graph(lstm, T_x=T_x, grads=lstm.gradients(x, y))", draws=True),
        code("viz.cell_graph(lstm)", draws=True),
        md(
            """
            ## Vanishing gradients: ||da<t>|| over t

            The adding problem has its only target at the last step T_x = 50, so the gradient
            reaching `a<t>` crossed 50 - t cells, each multiplying it by its Jacobian. An RNN
            shrinks it by "x 0.761 per step back"; an LSTM with the course's zero biases
            (forget gate about 1/2) faster, "x 0.658 per step back"; the same LSTM with a
            forget-gate bias `bf = 2` (forget gate about 0.88) carries it back through its cell
            state `c`: "x 0.967 per step back".
            """
        ),
        code(
            """
            X_add, Y_add = ad.datasets.adding_problem(m=32, T_x=50, seed=0)  # (2, 32, 50)


            def lstm_with_forget_bias(bf):
                params = ad.RNNModel(2, 16, 4, cell="lstm", seed=0).get_parameters()
                params["bf"][:] = bf
                return ad.RNNModel.from_parameters(params)


            runs = {
                "RNN": ad.RNNModel(2, 16, 4, cell="rnn", seed=0).gradients(X_add, Y_add),
                "LSTM, bf = 0": lstm_with_forget_bias(0.0).gradients(X_add, Y_add),
                "LSTM, bf = 2": lstm_with_forget_bias(2.0).gradients(X_add, Y_add),
            }
            for label, grads in runs.items():
                da = viz.gradient_norms(grads)["da"]  # ||da<1>|| .. ||da<50>||
                factor = (da[0] / da[-1]) ** (1 / (da.size - 1))
                print(f"{label:13} ||da<50>|| = {da[-1]:.3g}, ||da<1>|| = {da[0]:.3g}: "
                      f"x {factor:.3f} per step back")
            viz.plot_gradient_over_time(runs, title="||da<t>|| over t (adding problem, m = 32)")
            """,
            draws=True,
        ),
        md(
            """
            ## A character model of dinosaur-like names

            As in the course: each name is one sequence of characters, `x<1> = 0` and
            `x<t+1> = y<t>`, the last target `"\\n"`. An LSTM with `n_a = 32` learns to predict
            the next character with the one `fit` (Adam, mini-batches of 32 names) and the
            course's gradient clipping, `clip=5` (every entry of every gradient into [-5, 5]).
            In 15 epochs the cost per name falls "from 36.57 to 17.65".
            """
        ),
        code(
            """
            names = ad.datasets.generate_names(1100, seed=0)  # procedural: no download
            train, dev = names[:1000], names[1000:]
            char_to_ix, ix_to_char = ad.datasets.char_vocabulary()  # "\\n" and a-z
            X, Y = ad.datasets.names_dataset(train, char_to_ix)
            X_dev, Y_dev = ad.datasets.names_dataset(dev, char_to_ix)
            print(f"X {X.shape} = (n_x, m, T_x), e.g. {', '.join(train[:3])}")

            model = ad.RNNModel(n_x=27, n_a=32, n_y=27, cell="lstm", seed=0)
            history = model.fit(
                X, Y, optimizer="adam", learning_rate=0.01, iterations=15, batch_size=32,
                clip=5.0, X_dev=X_dev, Y_dev=Y_dev, print_every=1, progress=False,
                track_gradients=False,
            )
            print(f"cost per name: from {history.costs[0]:.2f} to {history.costs[-1]:.2f}, "
                  f"dev {history.dev_costs[-1]:.2f}")
            """
        ),
        md(
            """
            Sampling one character at a time, as the course's `sample` does (each draw
            seeded): the model makes up names that sound right, and
            "10 of 10 sampled names are new" (none is among the 1100 names it saw).
            """
        ),
        code(
            """
            sampled = [
                ad.datasets.decode(ad.datasets.sample(model, char_to_ix, seed=s), ix_to_char)
                for s in range(10)
            ]
            print(", ".join(sampled))
            new = sum(name not in set(names) for name in sampled)
            print(f"{new} of {len(sampled)} sampled names are new")
            """
        ),
        code(
            """
            history.label = "LSTM, n_a = 32"
            viz.plot_costs(history, title="character model: cost J per name")
            """,
            draws=True,
        ),
    ],
    claims=[
        "rnn_backward = m x autodiff",
        "PASSED: all 22 gradients agree (compare_with_textbook)",
        "PASSED: all 22 gradients agree (gradcheck",
        "Wf<3>: BUG, ratio 2.000",
        "the first faulty time step is t = 3",
        "gate: f",
        "x 0.761 per step back",
        "x 0.658 per step back",
        "x 0.967 per step back",
        "from 36.57 to 17.65",
        "10 of 10 sampled names are new",
    ],
)


# ----------------------------------------------------------------------------------------------
# 06: choosing hyperparameters
# ----------------------------------------------------------------------------------------------
CHOOSING_HYPERPARAMETERS = Notebook(
    "06_choosing_hyperparameters",
    [
        md(
            """
            # Choosing hyperparameters

            Hyperparameters are whatever determines the parameters `W[l]`, `b[l]`: the
            learning rate alpha, the number of iterations, the number of layers L, the hidden
            units `n[l]`, the activations, lambda. The course's way: try values, watch the
            cost curves, and choose on a **dev** set that training never sees.
            """
        ),
        code(
            """
            import autograd_dnn as ad
            import viz

            X, Y = ad.datasets.flower(400, seed=1)
            X_train, Y_train, X_dev, Y_dev = ad.datasets.train_dev_split(X, Y, 0.25, seed=1)
            print("train:", X_train.shape, " dev:", X_dev.shape)
            """
        ),
        md(
            """
            ## The learning rate first

            Three runs of gradient descent on a `[2, 8, 1]` network, one figure: train cost
            solid, dev cost dashed. alpha = 0.05 is too slow. alpha = 2.0 learns fastest and ends
            with the lowest dev cost, dev J 0.1545, but its curve jumps up once on the way: it
            is close to too large.
            """
        ),
        code(
            """
            curves = {}
            for alpha in (2.0, 0.5, 0.05):
                net = ad.DeepNetwork([2, 8, 1], hidden_activation="tanh", init="xavier", seed=0)
                curves[f"alpha = {alpha}"] = net.fit(
                    X_train, Y_train, learning_rate=alpha, iterations=1000,
                    X_dev=X_dev, Y_dev=Y_dev, print_every=25, progress=False,
                )
            for label, h in curves.items():
                print(f"{label:<13} train J {h.costs[-1]:.4f}   dev J {h.dev_costs[-1]:.4f}")
            """
        ),
        code("viz.plot_costs(curves)", draws=True),
        md(
            """
            ## A sweep over a grid

            `ad.sweep` trains one network per point of the grid (here depth and width through
            `layer_dims`, and alpha), each with its own seed, and tabulates the final training
            cost, the dev cost and the dev accuracy. The best row, marked `*`, has the lowest
            dev cost: `layer_dims=[2, 8, 8, 1] learning_rate=1.0`.
            """
        ),
        code(
            """
            grid = {"layer_dims": [[2, 4, 1], [2, 8, 8, 1]], "learning_rate": [1.0, 0.1]}
            settings = dict(X_dev=X_dev, Y_dev=Y_dev, iterations=300, print_every=10,
                            hidden_activation="tanh", init="xavier", progress=False)
            result = ad.sweep(X_train, Y_train, grid=grid, executor="serial", **settings)
            print(result.format())
            """
        ),
        md(
            """
            Every run's curves in one figure (log scale), and the chosen network on the dev
            set: dev accuracy 91.00%.
            """
        ),
        code("viz.plot_costs(result.histories, log_scale=True)", draws=True),
        code(
            """
            best = result.best_network()
            print(result.best["label"])
            print(f"dev accuracy {best.accuracy(X_dev, Y_dev):.2%}")
            """
        ),
        md(
            """
            ## The same sweep on a Dask cluster

            Every configuration is seeded, so the table does not depend on where it runs:
            serially, on local processes (`executor="processes"`, the default) or on a Dask
            cluster (`executor="dask"`, with `scheduler="tcp://host:8786"` for a real one).
            Here a small local cluster runs in this process (two workers, one thread each),
            and its table is the serial one: the same table, all but the seconds.
            """
        ),
        code(
            """
            from distributed import Client

            cluster = dict(processes=False, n_workers=2, threads_per_worker=1)
            with Client(**cluster, dashboard_address=None) as client:
                on_dask = ad.sweep(
                    X_train, Y_train, grid=grid, executor="dask", scheduler=client, **settings
                )
            print(on_dask.format())


            def numbers(table):
                return [{k: v for k, v in row.items() if k != "seconds"} for row in table]


            assert numbers(on_dask.table) == numbers(result.table)
            print("the same table, all but the seconds")
            """
        ),
        md(
            """
            From the command line, the same sweep is
            `autograd-dnn sweep --layers 2,4,1 --layers 2,8,8,1 --lr 1.0 --lr 0.1 --iterations 300`.
            """
        ),
    ],
    claims=[
        "dev J 0.1545",
        "layer_dims=[2, 8, 8, 1] learning_rate=1.0",
        "dev accuracy 91.00%",
        "the same table, all but the seconds",
    ],
)

NOTEBOOKS = {
    nb.name: nb
    for nb in (
        STEP_BY_STEP,
        CHECK_YOUR_BACKPROP,
        GRADIENT_CHECKING,
        CONVOLUTIONS,
        RECURRENT,
        CHOOSING_HYPERPARAMETERS,
    )
}


# ----------------------------------------------------------------------------------------------
# Building and executing
# ----------------------------------------------------------------------------------------------
def path_of(name: str) -> Path:
    """Where the notebook ``name`` is stored: ``notebooks/<name>.ipynb``."""
    return HERE / f"{name}.ipynb"


def build(name: str):
    """The notebook ``name`` with no outputs, as an ``nbformat.NotebookNode``.

    Cell ids are ``<name>-<index>``, so that rebuilding changes nothing but outputs.
    """
    import nbformat

    spec = NOTEBOOKS[name]
    cells = []
    for i, cell in enumerate(spec.cells):
        if cell.kind == "markdown":
            nb_cell = nbformat.v4.new_markdown_cell(cell.source)
        else:
            nb_cell = nbformat.v4.new_code_cell(cell.source)
            if cell.draws:
                nb_cell.metadata["tags"] = [DRAWS]
        nb_cell.id = f"{name[:2]}-{i:02d}"
        cells.append(nb_cell)
    nb = nbformat.v4.new_notebook(cells=cells)
    nb.metadata["kernelspec"] = dict(KERNEL)
    nb.metadata["language_info"] = {"name": "python"}
    return nb


def execute(nb, timeout: int = 300):
    """Run ``nb`` top to bottom in a fresh ``python3`` kernel, in the notebooks folder.

    Raises ``nbclient.exceptions.CellExecutionError`` at the first cell that fails.
    """
    from nbclient import NotebookClient

    client = NotebookClient(
        nb,
        timeout=timeout,
        kernel_name="python3",
        record_timing=False,
        resources={"metadata": {"path": str(HERE)}},
    )
    client.execute()
    return nb


def coalesce_streams(nb):
    """Join each cell's consecutive stdout (or stderr) outputs into one, in place.

    A kernel flushes a cell's prints in pieces that depend on timing; joined, the same cell
    gives the same outputs on every run. Returns ``nb``.
    """
    for cell in nb.cells:
        if cell.cell_type != "code":
            continue
        joined = []
        for out in cell.outputs:
            prev = joined[-1] if joined else None
            if (
                out.output_type == "stream"
                and prev is not None
                and prev.output_type == "stream"
                and prev.name == out.name
            ):
                prev.text += out.text
            else:
                joined.append(out)
        cell.outputs = joined
    return nb


def write(name: str) -> float:
    """Build, execute and store the notebook ``name``; returns the seconds it took."""
    import nbformat

    start = time.perf_counter()
    nb = coalesce_streams(execute(build(name)))
    nb.metadata["language_info"] = {"name": "python"}  # no version: stored files stay stable
    nbformat.validate(nb)
    nbformat.write(nb, path_of(name))
    return time.perf_counter() - start


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("names", nargs="*", help=f"default: all ({', '.join(NOTEBOOKS)})")
    args = ap.parse_args(argv)
    unknown = [n for n in args.names if n not in NOTEBOOKS]
    if unknown:
        ap.error(f"unknown notebook(s) {', '.join(unknown)}; known: {', '.join(NOTEBOOKS)}")
    for name in args.names or NOTEBOOKS:
        seconds = write(name)
        print(f"wrote {path_of(name).relative_to(HERE.parent)} ({seconds:.1f} s)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
