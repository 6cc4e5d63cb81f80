"""A second oracle that does not use torch: central finite differences of J.

``dJ/dθ ≈ (J(θ + h) - J(θ - h)) / (2h)`` for each parameter θ in turn, with J from the forward
pass (eqs. 3-8) and the loss (eq. 18) alone: nothing of the backward equations is used. Run it
in float64 (see :mod:`manual_backprop.tolerances` for the step and the error bound).

At an exact ReLU kink (a pre-activation exactly 0) the central difference sees the slopes 0 and
1 on either side and returns their mean, 1/2: the derivation's ``h'(0)`` of eq. (2).
"""

from __future__ import annotations

from typing import Any

import numpy as np

from manual_backprop.forward import forward_pass
from manual_backprop.heads import loss
from manual_backprop.params import Params
from manual_backprop.tolerances import finite_difference_step
from manual_backprop.validation import check_inputs, check_options, targets_from

__all__ = ["finite_difference_gradients", "loss_value"]


def loss_value(params: Params, X: Any, targets: Any, output: str, scale: float) -> float:
    """J for checked NumPy inputs: the forward pass and eq. (18), times ``scale``."""
    passed = forward_pass(params, X, output)
    return float(loss(passed.pre_activations[-1], passed.activations[-1], targets, output)) * scale


def finite_difference_gradients(
    params: Params,
    X: np.ndarray,
    Y: np.ndarray,
    *,
    output: str = "softmax",
    reduction: str = "sum",
    step: float | None = None,
) -> tuple[float, Params]:
    """J and every ``dJ/dW^l``, ``dJ/db^l`` by central differences (2 forward passes each).

    Same contract as :func:`manual_backprop.gradients` for NumPy inputs. ``step`` is the
    absolute ``h``; by default ``finite_difference_step(dtype) * max(1, |θ|)`` per parameter.
    Cost: 2 forward passes per parameter, so use it on small networks.
    """
    check_options(output, reduction, 0.5)
    check_inputs(params, X)
    targets = targets_from(Y, X, params.weights[-1].shape[1])
    scale = 1.0 / X.shape[0] if reduction == "mean" else 1.0
    work = params.copy()  # perturbed in place, one entry at a time; params is never touched
    base_step = finite_difference_step(params.dtype)
    grads = Params(
        weights=[np.zeros_like(W) for W in params.weights],
        biases=[np.zeros_like(b) for b in params.biases],
    )
    for array, grad in zip(work.weights + work.biases, grads.weights + grads.biases):
        flat, flat_grad = array.reshape(-1), grad.reshape(-1)
        for k in range(flat.size):
            original = flat[k]
            h = step if step is not None else base_step * max(1.0, abs(float(original)))
            flat[k] = original + h
            J_plus = loss_value(work, X, targets, output, scale)
            flat[k] = original - h
            J_minus = loss_value(work, X, targets, output, scale)
            flat[k] = original
            flat_grad[k] = (J_plus - J_minus) / (2.0 * h)
    return loss_value(params, X, targets, output, scale), grads
