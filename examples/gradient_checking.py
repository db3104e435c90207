"""The course's gradient-checking exercise: two planted bugs, one number, then their names.

Course 2 hands you ``backward_propagation_n`` for a 3-layer network (LINEAR -> RELU ->
LINEAR -> RELU -> LINEAR -> SIGMOID) with two mistakes in it::

    dW2 = 1./m * np.dot(dZ2, A1.T) * 2
    db1 = 4./m * np.sum(dZ1, axis=1, keepdims=True)

1. The course's own check, ``textbook.gradient_check_n``, flattens every parameter into one
   vector and prints one number: difference = 0.285..., "there is a mistake", but not where.
2. The project's checker: the same forward and (buggy) backward, wrapped as a custom
   ``Function`` whose backward IS your ``backward_propagation_n``, checked by
   ``ad.check_gradients`` one parameter at a time. It names W2 of layer 2 (ratio 2) and b1
   of layer 1 (ratio 4), and passes every other row.
3. The fixed backward passes both checks.

    python examples/gradient_checking.py
"""

from __future__ import annotations

import argparse
from collections.abc import Callable

import numpy as np

import autograd_dnn as ad
from autograd_dnn import textbook

KEYS = ("W1", "b1", "W2", "b2", "W3", "b3")


def gradient_check_n_test_case() -> tuple[np.ndarray, np.ndarray, dict[str, np.ndarray]]:
    """The course's test case: np.random.seed(1), X (4, 3), and the parameters of a
    [4, 5, 3, 1] network (Y as a (1, 3) row)."""
    np.random.seed(1)
    X = np.random.randn(4, 3)
    Y = np.array([[1, 1, 0]])
    shapes = {"W1": (5, 4), "b1": (5, 1), "W2": (3, 5), "b2": (3, 1), "W3": (1, 3), "b3": (1, 1)}
    return X, Y, {key: np.random.randn(*shape) for key, shape in shapes.items()}


def forward_propagation_n(X, Y, parameters):
    """The exercise's forward pass and cost, as the course writes it."""
    m = X.shape[1]
    W1, b1 = parameters["W1"], parameters["b1"]
    W2, b2 = parameters["W2"], parameters["b2"]
    W3, b3 = parameters["W3"], parameters["b3"]
    Z1 = np.dot(W1, X) + b1
    A1 = np.maximum(0, Z1)
    Z2 = np.dot(W2, A1) + b2
    A2 = np.maximum(0, Z2)
    Z3 = np.dot(W3, A2) + b3
    A3 = 1 / (1 + np.exp(-Z3))
    logprobs = np.multiply(-np.log(A3), Y) + np.multiply(-np.log(1 - A3), 1 - Y)
    cost = 1.0 / m * np.sum(logprobs)
    cache = (Z1, A1, W1, b1, Z2, A2, W2, b2, Z3, A3, W3, b3)
    return cost, cache


def make_backward_propagation_n(planted: bool) -> Callable:
    """The exercise's backward pass; ``planted=True`` keeps its two bugs."""

    def backward_propagation_n(X, Y, cache):
        m = X.shape[1]
        (Z1, A1, W1, b1, Z2, A2, W2, b2, Z3, A3, W3, b3) = cache
        dZ3 = A3 - Y
        dW3 = 1.0 / m * np.dot(dZ3, A2.T)
        db3 = 1.0 / m * np.sum(dZ3, axis=1, keepdims=True)
        dA2 = np.dot(W3.T, dZ3)
        dZ2 = np.multiply(dA2, np.int64(A2 > 0))
        if planted:
            dW2 = 1.0 / m * np.dot(dZ2, A1.T) * 2
        else:
            dW2 = 1.0 / m * np.dot(dZ2, A1.T)
        db2 = 1.0 / m * np.sum(dZ2, axis=1, keepdims=True)
        dA1 = np.dot(W2.T, dZ2)
        dZ1 = np.multiply(dA1, np.int64(A1 > 0))
        dW1 = 1.0 / m * np.dot(dZ1, X.T)
        if planted:
            db1 = 4.0 / m * np.sum(dZ1, axis=1, keepdims=True)
        else:
            db1 = 1.0 / m * np.sum(dZ1, axis=1, keepdims=True)
        gradients = {"dZ3": dZ3, "dW3": dW3, "db3": db3}
        gradients |= {"dA2": dA2, "dZ2": dZ2, "dW2": dW2, "db2": db2}
        gradients |= {"dA1": dA1, "dZ1": dZ1, "dW1": dW1, "db1": db1}
        return gradients

    return backward_propagation_n


def as_function(backward_propagation_n: Callable) -> type[ad.Function]:
    """A custom op J(W1, b1, ..., b3) whose forward is ``forward_propagation_n`` and whose
    backward is YOUR ``backward_propagation_n``: the engine trusts it, the checker does not."""

    class CourseCost(ad.Function):
        op_name = "course_cost_3_layers"

        @staticmethod
        def forward(ctx, X, Y, *weights):
            cost, cache = forward_propagation_n(X, Y, dict(zip(KEYS, weights, strict=True)))
            ctx.save_for_backward(X, Y, *cache)
            return np.array(cost)

        @staticmethod
        def backward(ctx, g):
            X, Y, *cache = ctx.saved_tensors
            grads = backward_propagation_n(X, Y, tuple(cache))
            return (None, None, *(g * grads[f"d{key}"] for key in KEYS))

    return CourseCost


def check_both_ways(planted: bool) -> tuple[float, ad.Report]:
    X, Y, parameters = gradient_check_n_test_case()
    backward_propagation_n = make_backward_propagation_n(planted)
    _, cache = forward_propagation_n(X, Y, parameters)
    gradients = backward_propagation_n(X, Y, cache)
    difference = textbook.gradient_check_n(parameters, gradients, X, Y, print_msg=True)
    CourseCost = as_function(backward_propagation_n)
    report = ad.check_gradients(
        lambda *weights: CourseCost.apply(X, Y, *weights),
        [parameters[key] for key in KEYS],
        names=list(KEYS),
    )
    return difference, report


def explain(report: ad.Report) -> None:
    for row in report.failures:
        layer = row.name[1:]
        ratio = f"{row.ratio:.3f}" if row.ratio is not None else "not constant"
        print(
            f"   layer {layer}: d{row.name} is wrong, analytic / numeric = {ratio} "
            f"(relative difference {row.rel_diff:.3g})"
        )


def main(argv=None) -> None:
    argparse.ArgumentParser(description=__doc__.splitlines()[0]).parse_args(argv)
    print("1. the course's gradient_check_n on the exercise's backward_propagation_n:")
    print("   ", end="")
    difference, report = check_both_ways(planted=True)
    print("\n2. the project's checker, one parameter at a time (ad.check_gradients):")
    print("   " + str(report).replace("\n", "\n   "))
    explain(report)
    assert difference > 1e-3 and not report.passed
    print("\n3. with dW2 and db1 fixed:")
    print("   ", end="")
    difference, report = check_both_ways(planted=False)
    print("   " + report.summary())
    assert difference < 2e-7 and report.passed


if __name__ == "__main__":
    main()
