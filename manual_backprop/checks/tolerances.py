"""Every tolerance the project compares with, derived once, here.

The formulas are here; :mod:`manual_backprop.checks.error_scales` computes, for one problem, the
magnitudes they are applied to (``|A||B|`` per product) and the ReLU head's condition number.

Parity of two implementations (manual against the oracle)
-----------------------------------------------------------
A computed product ``C = A @ B`` with inner length K carries a rounding error of about
``sqrt(K) * u * |A||B|`` (u = eps/2, unit roundoff; Higham & Mary, SIAM J. Sci. Comput. 41(5),
2019: errors of random sign grow like ``sqrt(K)``, not K). Relative to the largest entry of C this
is about ``sqrt(K) * u`` for data of mixed sign. Two implementations that sum in different orders
each carry such an error, so they differ by up to ``2 * sqrt(K) * u = sqrt(K) * eps`` per product.

A gradient of an L-layer network passes through at most ``2L`` products (L forward, L-1 for the
deltas of eq. 16, 1 for eq. 26-28); their relative errors add, at most linearly. So

    ``rtol = 2L * sqrt(K) * eps``,  with K = max(B, n_0, ..., n_L),

applied norm-wise: ``max|manual - oracle| <= rtol * max(scale)`` for each array, where the
scale is what the rounding errors are proportional to: ``|A||B|``, not ``|AB|``. An entry that
cancels to near 0 (a bias gradient summing deltas of both signs, ``a - y`` for a confident
prediction) still carries the error of the large terms it summed. :func:`error_scales` computes
these scales from Higham's componentwise bound ``|fl(AB) - AB| <= gamma_K |A||B|``, one product
at a time. Forward, ``S^l = |A^(l-1)| |W^l| + |b^l|`` (the actual activations) is what the terms
summed into ``Z^l`` weigh; an error made at an earlier layer reaches ``Z^l`` through the layers'
Jacobians, which He-scaled weights keep of order 1, so it is counted by the 2L above, not by
multiplying magnitudes (that worst case, ``|X||W^1|...|W^L|``, is larger by a factor that grows
with every layer). Backward, ``|a| sum(y) + |y|`` plus ``2 sum(y) |a| max_n S^L_n`` (the softmax
carries the logits' error into ``a - y`` at most twice over) goes down eq. (16) with ``|W|``, and
the gradient scales are ``S^(l-1)`` (``|X|`` for l = 1) transposed times that. J's scale is
``sum(y) * max S^L``: each ``ln a_n`` of eq. (34) carries an error of order eps times the logits'
magnitude.
The softmax's exp and log add a few eps, far below this. Adding the per-product errors linearly
(rather than as a root-sum-square) is the only margin; there is no tuned factor.

The ReLU head divides by ``a`` (eqs. 21/23, ``-y / a``, and ``ln a`` in eq. 19). An error ``e`` in
``a_n`` becomes the relative error ``e / a_n`` in ``y_n / a_n``; the forward pass leaves
``e <= rtol * S^L_n`` (S^L: the magnitude of the terms summed into ``Z^L``, below), so the
deltas' norm-wise relative error grows by the condition number

    ``kappa = max{S^L_bn / a^L_bn : y_bn > 0}``  (1 for the softmax head, whose delta a - y is
    Lipschitz in z),

and that head's tolerance is ``kappa * rtol``.

Finite differences (float64)
----------------------------
The central difference ``D(h) = (J(θ+h) - J(θ-h)) / 2h`` has a truncation error of order p
(``c h^p``; p = 2 where J is smooth) and a rounding error of at most ``eps_J / h``, where
``eps_J = kappa * sqrt(N) * eps * (1 + |J|)`` bounds the error of computing J as a sum of
N = B * n_L terms; kappa is the ReLU head's condition number from above (its ``ln a`` turns an
error e in a into e / a), 1 for the softmax head. The step ``h = eps^(1/3)`` balances the two
for p = 2 (parameters are of order 1, so h is absolute).

The truncation error cannot be bounded a priori: the ReLU head's ``ln a`` has a third derivative
``~ y / a^3``, large for small outputs. So it is estimated from the data, by Richardson: the same
difference at step 2h gives ``D(2h) - D(h) = (2^p - 1) c h^p`` to leading order, so the truncation
error of D(h) is ``|D(2h) - D(h)| / (2^p - 1)``, up to the rounding in that estimate,
``(eps_J/h + eps_J/2h) / (2^p - 1) <= 1.5 eps_J / h``. Adding the rounding of D(h) itself,
entrywise,

    ``atol_fd = |D(2h) - D(h)| / (2^p - 1) + 2.5 * eps_J / h``.

At an exact ReLU kink (θ moves a pre-activation that is exactly 0), J is smooth on each side but
its slope jumps. The central difference returns the mean of the two one-sided slopes (the
derivation's ``h'(0) = 1/2``) plus a first-order error ``h J^(2) / 2`` from the curvature on the
live side: p = 1, and the step ``sqrt(eps)`` balances ``h J^(2)`` against ``eps_J / h``.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np

__all__ = [
    "finite_difference_atol",
    "finite_difference_step",
    "kink_step",
    "machine_epsilon",
    "normwise_error",
    "parity_rtol",
    "trajectory_rtol",
]


def machine_epsilon(dtype: Any) -> float:
    """``eps`` of a floating dtype of NumPy, torch, CuPy or another array library."""
    if isinstance(dtype, (np.dtype, type)):  # np.float64, np.dtype("float32"); CuPy's and JAX's
        return float(np.finfo(dtype).eps)
    return float(np.finfo(str(dtype).split(".")[-1]).eps)  # torch.float32, array_api_strict...


def parity_rtol(
    dtype: Any, layer_sizes: Sequence[int], batch_size: int, condition: float = 1.0
) -> float:
    """``kappa * 2L * sqrt(K) * eps``: the norm-wise relative tolerance of manual against oracle.

    Parameters
    ----------
    dtype : floating dtype (NumPy's, or any with the same name)
    layer_sizes : sequence of int
        ``(n_0, ..., n_L)``.
    batch_size : int
        B.
    condition : float
        kappa, from :func:`output_condition`: 1 for the softmax head.
    """
    n_layers = len(layer_sizes) - 1
    inner_length = max(batch_size, *layer_sizes)
    return condition * 2 * n_layers * float(np.sqrt(inner_length)) * machine_epsilon(dtype)


def finite_difference_step(dtype: Any) -> float:
    """``eps^(1/3)``: the step of a central difference where J is smooth."""
    return machine_epsilon(dtype) ** (1.0 / 3.0)


def kink_step(dtype: Any) -> float:
    """``sqrt(eps)``: the step of a central difference across an exact ReLU kink."""
    return machine_epsilon(dtype) ** 0.5


def finite_difference_atol(
    dtype: Any,
    loss: float,
    n_terms: int,
    step: float,
    step_change: Any,
    order: int = 2,
    condition: float = 1.0,
) -> Any:
    """``|D(2h) - D(h)| / (2^p - 1) + 2.5 * kappa * sqrt(N) * eps * (1 + |J|) / h``, entrywise.

    Parameters
    ----------
    dtype : floating dtype
    loss : float
        J.
    n_terms : int
        N = B * n_L, the number of terms summed in J.
    step : float
        h.
    step_change : array
        ``D(2h) - D(h)`` for each entry (from the finite-difference oracle).
    order : int
        p: 2 where J is smooth, 1 at an exact kink.
    condition : float
        kappa, from :func:`output_condition`: 1 for the softmax head.
    """
    eps_J = condition * float(np.sqrt(n_terms)) * machine_epsilon(dtype) * (1.0 + abs(loss))
    rounding = 2.5 * eps_J / step
    return np.abs(np.asarray(step_change)) / (2**order - 1) + rounding


def normwise_error(actual: Any, expected: Any, scale: Any = None) -> tuple[float, float]:
    """``(max|actual - expected|, max|actual - expected| / max|scale|)`` as floats.

    The relative error is norm-wise (infinity norm), the measure the tolerances above bound.
    ``scale`` defaults to ``expected``; pass an :class:`ErrorScales` entry where cancellation
    can make ``expected`` small. When the scale is all zeros the relative error is the absolute one.
    """
    difference = np.abs(np.subtract(actual, expected, dtype=np.float64))  # float32 in, exact
    if difference.size == 0:
        return 0.0, 0.0
    max_abs = float(np.max(difference))
    largest = float(np.max(np.abs(np.asarray(expected if scale is None else scale))))
    return max_abs, (max_abs / largest if largest > 0 else max_abs)


def trajectory_rtol(dtype: Any, layer_sizes: Sequence[int], batch_size: int, steps: int) -> float:
    """``steps * parity_rtol``: two SGD trajectories from the same start, after ``steps`` steps.

    Each update ``lr * grad`` differs between the implementations by ``lr`` times the gradient
    difference, at most ``parity_rtol`` relative to the gradient; in a stable run ``lr * |grad|``
    is below ``|theta|``, so each step adds at most ``parity_rtol`` relative to the parameters, and
    over a few hundred steps of stable training these add without amplification.
    """
    return steps * parity_rtol(dtype, layer_sizes, batch_size)
