"""The magnitudes that rounding errors scale with, for one problem: where tolerances apply.

:mod:`manual_backprop.checks.tolerances` derives the tolerances; this module computes, for a
given batch, the scales they multiply: each layer's term magnitudes ``S^l``, the ReLU head's
condition number kappa, and the forward and backward equations run on absolute values. It runs
the backward recursion (on ``|W|``), so the finite-difference oracle does not import it.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np

from manual_backprop.backward import backward_deltas
from manual_backprop.checks.tolerances import parity_rtol
from manual_backprop.forward import forward_pass
from manual_backprop.gradients import parameter_gradients
from manual_backprop.heads import output_delta
from manual_backprop.params import Params
from manual_backprop.validation import targets_from

__all__ = ["ErrorScales", "error_scales", "output_condition", "problem_rtol", "term_magnitudes"]


def term_magnitudes(params: Params, activations: list[Any]) -> list[Any]:
    """``S^l = |A^(l-1)| |W^l| + |b^l|``, l = 1 .. L: what the terms summed into ``Z^l`` weigh.

    ``activations`` is a forward pass's ``A^0 = X, A^1, ..``
    (:class:`manual_backprop.forward.ForwardPass`); the output activation is not used.
    """
    return [
        np.abs(np.asarray(A)) @ np.abs(np.asarray(W)) + np.abs(np.asarray(b))
        for A, W, b in zip(activations[:-1], params.weights, params.biases)
    ]


def output_condition(params: Params, X: Any, Y: Any, output: str) -> float:
    """kappa: 1 for the softmax head; ``max{S^L_bn / a^L_bn : y_bn > 0}`` (at least 1) for ReLU."""
    if output == "softmax":
        return 1.0
    activations = forward_pass(params, X, output).activations
    A_L = np.asarray(activations[-1])
    targets = np.asarray(targets_from(Y, X, A_L.shape[1]))
    if not np.any(targets > 0):
        return 1.0
    magnitude = term_magnitudes(params, activations)[-1]
    return max(1.0, float(np.max(magnitude[targets > 0] / A_L[targets > 0])))


@dataclass(frozen=True)
class ErrorScales:
    """The magnitudes that rounding errors scale with (see the module text), per quantity."""

    loss: float
    deltas: list[Any]
    grads: Params


def error_scales(
    params: Params, X: Any, Y: Any, output: str, relu_grad_at_zero: float = 0.5
) -> ErrorScales:
    """The backward equations run on absolute values, from the forward terms' magnitudes.

    Returns the scale of J, of each ``Delta^l`` (B, n_l) and of each gradient, as NumPy arrays.
    """
    passed = forward_pass(params, X, output)
    Z_L, A_L = passed.pre_activations[-1], passed.activations[-1]
    targets = targets_from(Y, X, A_L.shape[1])
    magnitudes = term_magnitudes(params, passed.activations)  # S^1 .. S^L
    target_mass = np.sum(targets, axis=1, keepdims=True)
    if output == "softmax":
        largest_logit_term = np.max(magnitudes[-1], axis=1, keepdims=True)
        logit_error = 2.0 * target_mass * np.abs(A_L) * largest_logit_term
        delta_scale = np.abs(A_L) * target_mass + targets + logit_error
    else:  # the ReLU head's amplification is its condition number, in problem_rtol
        delta_scale = np.abs(output_delta(Z_L, A_L, targets, output, relu_grad_at_zero))
    absolute = Params([np.abs(W) for W in params.weights], [np.abs(b) for b in params.biases])
    found = dict(backward_deltas(absolute, passed.pre_activations, delta_scale, relu_grad_at_zero))
    deltas = [found[l] for l in range(1, len(params.weights) + 1)]
    loss_scale = float(np.sum(targets) * max(1.0, float(np.max(magnitudes[-1]))))
    inputs = [np.abs(np.asarray(X)), *magnitudes[:-1]]  # |X|, S^1 .. S^(L-1)
    return ErrorScales(loss_scale, deltas, parameter_gradients(inputs, deltas))


def problem_rtol(params: Params, X: Any, Y: Any, output: str) -> float:
    """:func:`parity_rtol` for one batch, with its head's condition number."""
    condition = output_condition(params, X, Y, output)
    return parity_rtol(params.dtype, params.layer_sizes, X.shape[0], condition)
