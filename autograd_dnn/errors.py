"""The engine's error messages, in one place: each names the op, the tensor and what to do.

The engine (:mod:`autograd_dnn.engine`) raises what these functions build, so that its own
code reads as the algorithm and the wording lives here.
"""

from __future__ import annotations

from typing import Any

import numpy as np

__all__ = [
    "GradientShapeError",
    "derived_array",
    "first_order",
    "gradient_shape",
    "in_op",
    "needs_grad_output",
    "no_graph",
    "not_requiring_grad",
    "operands",
    "released",
    "replaced_input",
]


class GradientShapeError(RuntimeError):
    """A backward returned a gradient that cannot be reduced to its input's shape."""

    def __init__(self, message: str, tensor_name: str, layer: int | None) -> None:
        super().__init__(message)
        self.tensor_name, self.layer = tensor_name, layer


def operands(args: tuple) -> str:
    """``"W1 (3, 2), array (2, 5), 0.5"``: an op's arguments as a message names them."""

    def one(a: Any) -> str:
        if hasattr(a, "label"):  # a Tensor
            return f"{a.label} {a.shape}"
        return f"array {np.shape(a)}" if isinstance(a, np.ndarray) else repr(a)

    return ", ".join(one(a) for a in args)


def released(op: str, node: int) -> RuntimeError:
    return RuntimeError(
        f"backward through op '{op}' (node {node}) a second time: its saved arrays were "
        "released after the first backward. Pass retain_graph=True to the first backward() "
        "if you need to run it twice."
    )


def derived_array(op: str, k: int, shape: tuple) -> RuntimeError:
    return RuntimeError(
        f"op '{op}' saved an array (saved value {k}, shape {shape}) that is neither an input "
        "nor its output, so create_graph cannot differentiate it again. Save inputs and the "
        "output only, and compute the rest in backward with Tensor operations (or use "
        "saved_arrays for constants such as masks)."
    )


def replaced_input(op: str, tensor: str) -> RuntimeError:
    return RuntimeError(
        f"op '{op}': the data of {tensor} was replaced after this graph was recorded (an "
        "optimizer step?), so create_graph cannot differentiate through the values it saved. "
        "Record the graph again with the new values."
    )


def not_requiring_grad(tensor: str) -> RuntimeError:
    return RuntimeError(
        f"grad(): {tensor} does not require grad, so no gradient with respect to it was "
        "recorded (its answer would not be zero, just unknown): create it with "
        "requires_grad=True"
    )


def first_order(op: str, cause: Exception | None = None) -> RuntimeError:
    why = f" ({cause})" if cause is not None else ""
    return RuntimeError(
        f"op '{op}' is first-order only: its backward works on numpy arrays, so "
        "create_graph=True cannot record it. Write its backward with Tensor operations "
        f"(*, /, +, -, @, .T, .sum) to get higher derivatives.{why}"
    )


def gradient_shape(
    op: str, layer: int | None, got: tuple, tensor: str, shape: tuple
) -> GradientShapeError:
    where = f" in layer {layer}" if layer is not None else ""
    hint = " (a missing keepdims=True?)" if len(got) < len(shape) else ""
    return GradientShapeError(
        f"backward of op '{op}'{where} returned a gradient of shape {got} for {tensor}, whose "
        f"shape is {shape}{hint}",
        tensor,
        layer,
    )


def in_op(op: str, error: Exception, args: tuple) -> ValueError:
    return ValueError(f"{op}: {error} (operands: {operands(args)})")


def no_graph(tensor: str) -> RuntimeError:
    return RuntimeError(
        f"{tensor} does not require grad and has no recorded graph: create its inputs with "
        "requires_grad=True (and not under no_grad())"
    )


def needs_grad_output(tensor: str, shape: tuple) -> ValueError:
    return ValueError(
        f"backward() on {tensor} of shape {shape} needs grad=: pass an upstream gradient of "
        "that shape, or reduce to a scalar first (e.g. t.sum())"
    )
