"""Every tolerance the project compares with, derived once, here.

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

applied norm-wise: ``max|manual - oracle| <= rtol * max|oracle|`` for each array. Norm-wise,
because an entry that cancels to near 0 still carries the error of the large terms it summed.
The softmax's exp and log add a few eps, far below this. Adding the per-product errors linearly
(rather than as a root-sum-square) is the only margin; there is no tuned factor.

Finite differences (float64)
----------------------------
The central difference ``(J(θ+h) - J(θ-h)) / 2h`` has a truncation error ``h^2 |J'''| / 6`` and
a rounding error ``eps_J / h``, where ``eps_J ≈ sqrt(N) * eps * |J|`` is the error of computing J
as a sum of N = B * n_L terms. With ``h = eps^(1/3) * max(1, |θ|)`` (the step that balances
the two for ``|J'''| ~ |J|``) both are of order ``eps^(2/3)``, so

    ``atol_fd = (1 + |J|) * sqrt(N) * eps^(2/3)``,

applied entrywise to the gradient. ``|J'''| <= |J|`` holds here because along one parameter the
logits move linearly (ReLU networks are piecewise linear), and the third derivative of the
log-sum-exp is bounded by the cube of the logits' rate of change, which He-scaled weights and
unit-scale inputs keep at order 1.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np

__all__ = [
    "finite_difference_atol",
    "machine_epsilon",
    "finite_difference_step",
    "normwise_error",
    "parity_rtol",
]


def machine_epsilon(dtype: Any) -> float:
    """``eps`` of a floating dtype of NumPy, torch, CuPy or another array library."""
    try:
        return float(np.finfo(dtype).eps)
    except (TypeError, ValueError):  # torch.float32, array_api_strict.float64, ...
        return float(np.finfo(str(dtype).rsplit(".", 1)[-1]).eps)


def parity_rtol(dtype: Any, layer_sizes: Sequence[int], batch_size: int) -> float:
    """``2L * sqrt(K) * eps``: the norm-wise relative tolerance of manual against oracle.

    Parameters
    ----------
    dtype : floating dtype (NumPy's, or any with the same name)
    layer_sizes : sequence of int
        ``(n_0, ..., n_L)``.
    batch_size : int
        B.
    """
    eps = machine_epsilon(dtype)
    n_layers = len(layer_sizes) - 1
    inner_length = max(batch_size, *layer_sizes)
    return 2 * n_layers * float(np.sqrt(inner_length)) * eps


def finite_difference_step(dtype: Any) -> float:
    """``eps^(1/3)``: the relative step of a central difference."""
    return machine_epsilon(dtype) ** (1.0 / 3.0)


def finite_difference_atol(dtype: Any, loss: float, n_terms: int) -> float:
    """``(1 + |J|) * sqrt(N) * eps^(2/3)``: the entrywise tolerance of a central difference."""
    eps = machine_epsilon(dtype)
    return (1.0 + abs(loss)) * float(np.sqrt(n_terms)) * eps ** (2.0 / 3.0)


def normwise_error(actual: Any, expected: Any) -> tuple[float, float]:
    """``(max|actual - expected|, max|actual - expected| / max|expected|)`` as floats.

    The relative error is norm-wise (infinity norm), the measure the tolerances above bound. When
    ``expected`` is all zeros the relative error is the absolute one.
    """
    actual_np, expected_np = np.asarray(actual, dtype=np.float64), np.asarray(expected, np.float64)
    max_abs = float(np.max(np.abs(actual_np - expected_np))) if actual_np.size else 0.0
    scale = float(np.max(np.abs(expected_np))) if expected_np.size else 0.0
    return max_abs, (max_abs / scale if scale > 0 else max_abs)
