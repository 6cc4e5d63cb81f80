"""The hidden layers' activation h and its derivative, eqs. (1) and (2)/(32) (section 1.1).

Elementwise, on arrays of any shape and any array-API library; results keep the input's shape,
dtype and device. The output layer's activation belongs to its head (:mod:`manual_backprop.heads`).
"""

from __future__ import annotations

from typing import Any

from array_api_compat import device as array_device

from manual_backprop.namespace import namespace

__all__ = ["relu", "relu_grad"]


def relu(z: Any) -> Any:
    """``h(z) = max(0, z)``, eq. (1), elementwise.

    A NaN in z stays NaN, so that a bad input reaches J and is caught there. The 0 is an array on
    z's device: a Python ``0.0`` would be copied from the host on every call by array-api-compat's
    torch wrapper, which a CUDA graph cannot capture.
    """
    xp = namespace(z)
    zero = xp.zeros((), dtype=z.dtype, device=array_device(z))
    return xp.maximum(z, zero)  # eq. (1)


def relu_grad(z: Any, at_zero: float = 0.5) -> Any:
    """``h'(z)``: 1 where z > 0, 0 where z < 0 and ``at_zero`` where z == 0; z's dtype.

    With the default ``at_zero = 1/2`` this is eq. (2)/(32), ``h'(z) = (sign(z) + 1) / 2``. ReLU
    has no derivative at 0; any value in [0, 1] is a subgradient there. The derivation's 1/2 is
    what a central finite difference gives at an exact kink; PyTorch uses 0.
    """
    xp = namespace(z)
    if at_zero == 0.5:
        return (xp.sign(z) + 1.0) / 2.0  # eq. (2)/(32), as written: 0, 1/2 or 1
    h_prime = xp.astype(z > 0, z.dtype)  # eq. (2) away from 0: (sign(z) + 1) / 2 is 1 or 0
    if at_zero != 0.0:
        h_prime = h_prime + at_zero * xp.astype(z == 0, z.dtype)  # another subgradient at 0
    return h_prime
