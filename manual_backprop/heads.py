"""The output layer: the cross-entropy loss and its delta ``dJ/dz^L``.

Two heads, as in the derivation:

* ``"relu"``: ``a^L = h(z^L)`` (eq. 8), ``J = -sum y ln a^L`` (eqs. 18/19) and
  ``delta^L = h'(z^L) * (-y / a^L)`` (eqs. 17/22/23).
* ``"softmax"``: ``a^L = softmax(z^L)`` (eq. 34), the same J (eq. 33) and
  ``delta^L = a^L * sum_m y_m - y`` (eq. 42), which is ``a^L - y`` (eq. 44) when each target row
  sums to 1. The simple form is no accident: softmax is the canonical link of the categorical
  distribution, so the Jacobian of eq. (34) cancels the ``1 / a`` of eq. (37).

All arrays have shape (B, n_L); J sums over the batch, as eq. (18) does.
"""

from __future__ import annotations

from typing import Any

from manual_backprop.activations import log_softmax, relu_grad
from manual_backprop.namespace import namespace

__all__ = ["check_relu_loss_finite", "loss", "output_delta"]


def check_relu_loss_finite(activation: Any, targets: Any, first_example: int = 0) -> None:
    """Raise if the ReLU head's loss is infinite: ``y_n > 0`` where ``a_n^L = 0``.

    Then eq. (19) takes ``ln 0`` and eq. (23) divides by 0: J and delta are undefined. The error
    names the first such example (counting from ``first_example``) and class.
    """
    xp = namespace(activation)
    bad = (targets > 0) & (activation == 0)
    if bool(xp.any(bad)):
        n_classes = bad.shape[1]
        flat = int(xp.argmax(xp.astype(xp.reshape(bad, (-1,)), xp.int8)))
        example, cls = divmod(flat, n_classes)
        raise ValueError(
            f"output='relu': the loss J is infinite: example {first_example + example} has "
            f"target y[{first_example + example}, {cls}] > 0 but a^L[{first_example + example}, "
            f"{cls}] = h(z) = 0, so eq. (19) takes ln 0. Use output='softmax', or targets that are "
            f"0 wherever the ReLU output is 0."
        )


def loss(pre_activation: Any, activation: Any, targets: Any, output: str) -> Any:
    """Cross-entropy ``J = -sum_b sum_n y_bn ln a_bn^L``, eqs. (18)/(19)/(33), summed over B.

    Parameters
    ----------
    pre_activation, activation : array of shape (B, n_L)
        ``Z^L`` and ``A^L`` from the forward pass.
    targets : array of shape (B, n_L)
        ``y`` for every example (one-hot or soft, non-negative).
    output : {"softmax", "relu"}

    Returns
    -------
    0-d array
        J. For ``"softmax"``, ``ln a`` comes from a stable log-softmax of ``Z^L``, not from
        ``ln`` of the rounded ``a``. Terms with ``y = 0`` contribute 0 (the limit of y ln a).
    """
    xp = namespace(activation)
    if output == "softmax":
        return -xp.sum(targets * log_softmax(pre_activation))  # eqs. (18), (33)
    # ReLU head: a may be 0 where y = 0; take ln of 1 there so that 0 * ln 0 counts as 0.
    safe_activation = xp.where(targets > 0, activation, 1.0)
    return -xp.sum(targets * xp.log(safe_activation))  # eqs. (18), (19)


def output_delta(
    pre_activation: Any, activation: Any, targets: Any, output: str, relu_grad_at_zero: float
) -> Any:
    """``delta^L = dJ/dz^L`` for every example, shape (B, n_L).

    ``"relu"``: eq. (23), ``h'(z^L) * (-y / a^L)``; where ``y = 0`` the term ``-y / a`` is 0
    (``dJ/da_n = 0`` when ``y_n = 0``), also where ``a = 0``. Call
    :func:`check_relu_loss_finite` first: with ``y > 0`` and ``a = 0`` it is undefined.

    ``"softmax"``: eq. (42), ``a^L * sum_m y_m - y``; for one-hot or label targets the row sums
    are exactly 1 and this is eq. (44), ``a^L - y``.
    """
    xp = namespace(activation)
    if output == "softmax":
        return activation * xp.sum(targets, axis=1, keepdims=True) - targets  # eqs. (42), (44)
    safe_activation = xp.where(targets > 0, activation, 1.0)
    dJ_da = -targets / safe_activation  # eq. (21): dJ/da_n = -y_n / a_n (0 where y_n = 0)
    return relu_grad(pre_activation, relu_grad_at_zero) * dJ_da  # eq. (23)
