"""The activation functions h and their derivatives: eqs. (1), (2)/(32) and (34).

Every function takes and returns arrays of any array-API library; shapes are unchanged
(``(B, n_l)`` in the batched form used throughout the code).
"""

from __future__ import annotations

from typing import Any

from array_api_compat import is_array_api_strict_namespace

from manual_backprop.namespace import namespace

__all__ = ["log_softmax", "relu", "relu_backward", "relu_grad", "softmax"]


def relu(z: Any) -> Any:
    """``h(z) = max(0, z)``, eq. (1), elementwise."""
    xp = namespace(z)
    return xp.maximum(z, 0.0)  # eq. (1)


def relu_grad(z: Any, at_zero: float = 0.5) -> Any:
    """``h'(z)``: 1 where z > 0, 0 where z < 0 and ``at_zero`` where z == 0.

    With the default ``at_zero = 1/2`` this is eq. (2)/(32), ``h'(z) = (sign(z) + 1) / 2``. ReLU
    has no derivative at 0; any value in [0, 1] is a subgradient there. The derivation's 1/2 is
    what a central finite difference gives at an exact kink; PyTorch uses 0.
    """
    xp = namespace(z)
    step = xp.astype(z > 0, z.dtype)  # eq. (2) away from 0: (sign(z) + 1) / 2 is 0 or 1
    if at_zero == 0.0:
        return step
    return step + at_zero * xp.astype(z == 0, z.dtype)  # eq. (2) at 0: (0 + 1) / 2 = at_zero


def relu_backward(upstream: Any, z: Any, at_zero: float = 0.5) -> Any:
    """``h'(z) * upstream``, elementwise, written into ``upstream`` and returned.

    The same product as ``relu_grad(z, at_zero) * upstream`` (eq. 16's Hadamard product), without
    building the ``h'(z)`` array: ``upstream`` (a fresh temporary, shape of z) is multiplied in
    place by the mask ``z > 0``, and only where z is exactly 0 (rare, but it happens) does
    ``at_zero`` enter.
    """
    xp = namespace(z)
    kinks = at_zero != 0.0 and bool(xp.any(z == 0))
    if kinks:
        at_kinks = at_zero * xp.astype(z == 0, upstream.dtype) * upstream  # eq. (2) at z = 0
    positive = z > 0
    if is_array_api_strict_namespace(xp):  # the standard has no bool * float; others promote
        positive = xp.astype(positive, upstream.dtype)
    upstream *= positive  # eq. (2) for z != 0: h'(z) = 1 where z > 0, 0 where z < 0
    if kinks:
        upstream += at_kinks
    return upstream


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
