"""A second oracle that does not use torch: central finite differences of J.

``dJ/dθ ≈ D(h) = (J(θ + h) - J(θ - h)) / (2h)`` for each parameter θ in turn, with J from the
forward pass (eqs. 3-8) and the loss (eq. 18) alone: nothing of the backward equations is used.
Run it in float64 (see :mod:`manual_backprop.checks.tolerances` for the step and the error bound).

Each entry is also evaluated at step 2h. ``D(2h) - D(h)`` estimates the truncation error of
``D(h)`` (Richardson): for smooth J it is ``3 * h^2 J^(3) / 6``; at an exact kink, where the error
is first order, it is ``h J^(2) / 2``.
:func:`manual_backprop.checks.tolerances.finite_difference_atol` turns it into the tolerance.
Where J is smooth, the extrapolated ``D(h) - (D(2h) - D(h)) / 3`` cancels the ``h^2`` term and
is accurate to ``O(h^4)``: well inside the tolerance of ``D(h)``.

At an exact ReLU kink (a pre-activation exactly 0) the central difference sees the slopes 0 and
1 on either side and returns their mean: the derivation's ``h'(0) = 1/2`` of eq. (2).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np

from manual_backprop.checks.tolerances import finite_difference_step
from manual_backprop.forward import forward_pass
from manual_backprop.heads import loss
from manual_backprop.params import Params
from manual_backprop.validation import checked_targets, reduction_scale

__all__ = ["FiniteDifferences", "finite_difference_gradients", "loss_value"]


@dataclass(frozen=True)
class FiniteDifferences:
    """J, the central differences ``D(h)`` and ``D(2h) - D(h)``, in the layout of ``Params``."""

    loss: float
    grads: Params
    step_change: Params
    step: float

    @property
    def extrapolated(self) -> Params:
        """Richardson's ``D(h) - (D(2h) - D(h)) / 3``: the ``h^2`` error removed (smooth J only)."""
        return Params(
            [g - c / 3.0 for g, c in zip(self.grads.weights, self.step_change.weights)],
            [g - c / 3.0 for g, c in zip(self.grads.biases, self.step_change.biases)],
        )


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
) -> FiniteDifferences:
    """J and every ``dJ/dW^l``, ``dJ/db^l`` by central differences (4 forward passes each).

    Same contract as :func:`manual_backprop.gradients` for NumPy inputs. ``step`` is the
    absolute h; by default ``eps^(1/3)`` (parameters are of order 1). Cost: 4 forward passes per
    parameter, so use it on small networks.
    """
    targets, _ = checked_targets(params, X, Y, output, reduction)
    scale = reduction_scale(reduction, X.shape[0])
    h = finite_difference_step(params.dtype) if step is None else float(step)
    # copies (np.array copies), perturbed in place one entry at a time; params is never touched
    work = Params([np.array(W) for W in params.weights], [np.array(b) for b in params.biases])
    grads = Params(
        [np.zeros_like(W) for W in params.weights], [np.zeros_like(b) for b in params.biases]
    )
    change = Params(
        [np.zeros_like(W) for W in params.weights], [np.zeros_like(b) for b in params.biases]
    )

    def central_difference(flat: np.ndarray, k: int, original: float, delta: float) -> float:
        flat[k] = original + delta
        J_plus = loss_value(work, X, targets, output, scale)
        flat[k] = original - delta
        J_minus = loss_value(work, X, targets, output, scale)
        flat[k] = original
        return (J_plus - J_minus) / (2.0 * delta)

    for array, grad, grad_change in zip(
        work.weights + work.biases, grads.weights + grads.biases, change.weights + change.biases
    ):
        flat, flat_grad, flat_change = array.ravel(), grad.ravel(), grad_change.ravel()  # views
        for k in range(flat.size):
            original = float(flat[k])
            flat_grad[k] = central_difference(flat, k, original, h)
            flat_change[k] = central_difference(flat, k, original, 2.0 * h) - flat_grad[k]
    J = loss_value(params, X, targets, output, scale)
    return FiniteDifferences(loss=J, grads=grads, step_change=change, step=h)
