"""Check YOUR backprop: a learner's L_model_backward with a planted bug, caught by the kit.

The course asks you to write ``L_model_backward(AL, Y, caches)``. Here is one written the
course's way, with one classic slip: dW is not divided by m. ``check_model_backward`` draws
small networks with hypothesis, compares every dA, dW and db with the closed form, shrinks
the failing example and names the key that differs. Then the fixed version passes.

    python examples/check_your_backprop.py
"""

from __future__ import annotations

import argparse

import numpy as np

from autograd_dnn.testing import check_model_backward


def relu_backward(dA: np.ndarray, Z: np.ndarray) -> np.ndarray:
    return dA * (Z > 0)


def sigmoid_backward(dA: np.ndarray, Z: np.ndarray) -> np.ndarray:
    s = 1 / (1 + np.exp(-Z))
    return dA * s * (1 - s)


def make_model_backward(divide_dW_by_m: bool):
    """The learner's function; ``divide_dW_by_m=False`` plants the bug."""

    def L_model_backward(AL, Y, caches):
        grads = {}
        L = len(caches)
        m = AL.shape[1]
        dA = -(np.divide(Y, AL) - np.divide(1 - Y, 1 - AL))
        for l in reversed(range(1, L + 1)):
            (A_prev, W, b), Z = caches[l - 1]
            dZ = sigmoid_backward(dA, Z) if l == L else relu_backward(dA, Z)
            dW = dZ @ A_prev.T
            if divide_dW_by_m:
                dW = dW / m
            grads[f"dW{l}"] = dW
            grads[f"db{l}"] = np.sum(dZ, axis=1, keepdims=True) / m
            dA = W.T @ dZ
            grads[f"dA{l - 1}"] = dA
        return grads

    return L_model_backward


def main(argv=None) -> None:
    argparse.ArgumentParser(description=__doc__.splitlines()[0]).parse_args(argv)
    print("1. checking L_model_backward with the bug (dW not divided by m) ...")
    try:
        check_model_backward(make_model_backward(divide_dW_by_m=False), max_examples=30)
    except AssertionError as e:
        print("   caught, as it should be:\n")
        print("   " + str(e).replace("\n", "\n   "))
    else:
        raise SystemExit("the planted bug was not caught")
    print("\n2. checking the fixed L_model_backward ...")
    check_model_backward(make_model_backward(divide_dW_by_m=True), max_examples=30)
    print("   passed: every dA, dW, db agrees with the closed form on every drawn network.")


if __name__ == "__main__":
    main()
