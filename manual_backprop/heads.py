r"""The output layer: its activation, the cross-entropy loss J and its delta, dJ/dz^L.

Each head's three equations stand together, in the derivation's order:

* ReLU head (section 1.3): :math:`a^L = h(z^L)` (eq. 8), :math:`J = -\sum_n y_n \ln a^L_n`
  (eqs. 18/19) and :math:`\delta^L = h'(z^L) \odot (-y \oslash a^L)` (eqs. 17/22/23).
* Softmax head (section 1.6): :math:`a^L = \operatorname{softmax}(z^L)` (eq. 34), the same J
  (eq. 33) and :math:`\delta^L = a^L \sum_m y_m - y` (eq. 42), which is :math:`a^L - y` (eq. 44)
  when each target row sums to 1. The simple form is no accident: softmax is the inverse of the
  canonical link of the categorical distribution, so the Jacobian of eq. (34) cancels the
  :math:`1 / a` of eq. (37).

All arrays have shape (B, n_L); J is a 0-d array, summed over the batch as eq. (18) does.
Nothing here reads a value back to the host.
"""

from __future__ import annotations

import math
from typing import Any

from manual_backprop.activations import relu, relu_grad
from manual_backprop.namespace import namespace

__all__ = [
    "check_relu_loss_finite",
    "log_softmax",
    "loss",
    "output_activation",
    "output_delta",
    "softmax",
]

# --- ReLU head, section 1.3 -------------------------------------------------------------------


def _positive_or_one(activation: Any) -> Any:
    """``a`` where a > 0, else 1: ``ln`` and ``1 / a`` of it are finite and raise no warning."""
    xp = namespace(activation)
    return xp.where(activation > 0, activation, 1.0)


def relu_loss(activation: Any, targets: Any) -> Any:
    """``J = -sum_b sum_n y_bn ln a_bn``, eqs. (18)/(19): +inf where some y > 0 has a = 0.

    Terms with ``y = 0`` contribute 0 (the limit of ``y ln a``), also where a = 0.
    """
    xp = namespace(activation)
    J = -xp.sum(targets * xp.log(_positive_or_one(activation)))  # eqs. (18), (19)
    infinite = xp.any((targets > 0) & (activation == 0))  # eq. (19) takes ln 0 there
    return xp.where(infinite, math.inf, J)


def relu_delta(pre_activation: Any, activation: Any, targets: Any, relu_grad_at_zero: float) -> Any:
    """``delta^L = h'(z^L) * (-y / a^L)``, eq. (23), with ``-y / a = 0`` where ``y = 0``.

    Where ``y > 0`` and ``a = 0`` it is undefined (J is infinite; :func:`relu_loss` says so).
    """
    dJ_da = -targets / _positive_or_one(activation)  # eq. (21): dJ/da_n = -y_n / a_n
    return relu_grad(pre_activation, relu_grad_at_zero) * dJ_da  # eq. (23)


def check_relu_loss_finite(activation: Any, targets: Any) -> None:
    """Raise if the ReLU head's loss is infinite: ``y_n > 0`` where ``a_n^L = 0``.

    Then eq. (19) takes ``ln 0`` and eq. (23) divides by 0: J and delta are undefined. The error
    names the first such example and class. Reads values back: call it to explain an infinite J.
    """
    xp = namespace(activation)
    bad = (targets > 0) & (activation == 0)
    if bool(xp.any(bad)):
        n_classes = bad.shape[1]
        flat = int(xp.argmax(xp.astype(xp.reshape(bad, (-1,)), xp.int8)))
        example, cls = divmod(flat, n_classes)
        raise ValueError(
            f"output='relu': the loss J is infinite: example {example} has target "
            f"y[{example}, {cls}] > 0 but a^L[{example}, {cls}] = h(z) = 0, so eq. (19) takes "
            f"ln 0. Use output='softmax', or targets that are 0 wherever the ReLU output is 0."
        )


# --- Softmax head, section 1.6 ----------------------------------------------------------------


def log_softmax(z: Any) -> Any:
    """``ln a_n`` for the softmax of eq. (34), computed stably along axis 1.

    ``ln a_n = z_n - max(z) - ln sum_m exp(z_m - max(z))``: subtracting the row maximum leaves
    eq. (34) unchanged and keeps every exponent <= 0, so logits of size 1e4 neither overflow nor
    give ``ln 0``.
    """
    xp = namespace(z)
    shifted = z - xp.max(z, axis=1, keepdims=True)
    return shifted - xp.log(xp.sum(xp.exp(shifted), axis=1, keepdims=True))


def softmax(z: Any) -> Any:
    """``a_n = exp(z_n) / sum_m exp(z_m)``, eq. (34), row by row (axis 1)."""
    xp = namespace(z)
    return xp.exp(log_softmax(z))  # eq. (34)


def softmax_loss(pre_activation: Any, targets: Any) -> Any:
    """``J = -sum_b sum_n y_bn ln a_bn``, eqs. (18)/(33), with ``ln a`` from :func:`log_softmax`."""
    xp = namespace(pre_activation)
    return -xp.sum(targets * log_softmax(pre_activation))  # eqs. (18), (33)


def softmax_delta(activation: Any, targets: Any) -> Any:
    """``delta^L = a^L * sum_m y_m - y``, eq. (42); ``a^L - y`` (eq. 44) for rows summing to 1."""
    xp = namespace(activation)
    return activation * xp.sum(targets, axis=1, keepdims=True) - targets  # eqs. (42), (44)


# --- Either head, by name ---------------------------------------------------------------------


def output_activation(pre_activation: Any, output: str) -> Any:
    """``a^L``: ``h(z^L)`` for ``"relu"`` (eq. 8), ``softmax(z^L)`` for ``"softmax"`` (eq. 34)."""
    return relu(pre_activation) if output == "relu" else softmax(pre_activation)


def loss(pre_activation: Any, activation: Any, targets: Any, output: str) -> Any:
    """Cross-entropy ``J``, eqs. (18)/(19)/(33), summed over the batch; a 0-d array.

    Parameters
    ----------
    pre_activation, activation : array of shape (B, n_L)
        :math:`Z^L` and :math:`A^L` from the forward pass.
    targets : array of shape (B, n_L)
        ``y`` for every example (one-hot or soft, non-negative).
    output : {"softmax", "relu"}
    """
    if output == "relu":
        return relu_loss(activation, targets)
    return softmax_loss(pre_activation, targets)


def output_delta(
    pre_activation: Any, activation: Any, targets: Any, output: str, relu_grad_at_zero: float
) -> Any:
    """``delta^L = dJ/dz^L`` for every example, shape (B, n_L): eq. (23) or eq. (42)/(44)."""
    if output == "relu":
        return relu_delta(pre_activation, activation, targets, relu_grad_at_zero)
    return softmax_delta(activation, targets)
