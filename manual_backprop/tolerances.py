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
from dataclasses import dataclass
from typing import Any

import numpy as np

from manual_backprop.backward import backward_deltas, parameter_gradients
from manual_backprop.forward import forward_pass
from manual_backprop.heads import output_delta
from manual_backprop.params import Params
from manual_backprop.validation import targets_from

__all__ = [
    "ErrorScales",
    "error_scales",
    "finite_difference_atol",
    "finite_difference_step",
    "kink_step",
    "machine_epsilon",
    "normwise_error",
    "output_condition",
    "parity_rtol",
    "problem_rtol",
    "term_magnitudes",
]


def machine_epsilon(dtype: Any) -> float:
    """``eps`` of a floating dtype of NumPy, torch, CuPy or another array library."""
    try:
        return float(np.finfo(dtype).eps)
    except (TypeError, ValueError):  # torch.float32, array_api_strict.float64, ...
        return float(np.finfo(str(dtype).rsplit(".", 1)[-1]).eps)


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


def term_magnitudes(params: Params, X: Any, output: str) -> list[Any]:
    """``S^l = |A^(l-1)| |W^l| + |b^l|``, l = 1 .. L: what the terms summed into ``Z^l`` weigh."""
    activations = forward_pass(params, X, output).activations
    return [
        np.abs(np.asarray(A)) @ np.abs(np.asarray(W)) + np.abs(np.asarray(b))
        for A, W, b in zip(activations[:-1], params.weights, params.biases)
    ]


def output_condition(params: Params, X: Any, Y: Any, output: str) -> float:
    """kappa: 1 for the softmax head; ``max{S^L_bn / a^L_bn : y_bn > 0}`` (at least 1) for ReLU."""
    if output == "softmax":
        return 1.0
    A_L = np.asarray(forward_pass(params, X, output).activations[-1])
    targets = np.asarray(targets_from(Y, X, A_L.shape[1]))
    if not np.any(targets > 0):
        return 1.0
    magnitude = term_magnitudes(params, X, output)[-1]
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
    magnitudes = term_magnitudes(params, X, output)  # S^1 .. S^L
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
    actual_np, expected_np = np.asarray(actual, dtype=np.float64), np.asarray(expected, np.float64)
    scale_np = expected_np if scale is None else np.asarray(scale, dtype=np.float64)
    max_abs = float(np.max(np.abs(actual_np - expected_np))) if actual_np.size else 0.0
    largest = float(np.max(np.abs(scale_np))) if scale_np.size else 0.0
    return max_abs, (max_abs / largest if largest > 0 else max_abs)


def trajectory_rtol(dtype: Any, layer_sizes: Sequence[int], batch_size: int, steps: int) -> float:
    """``steps * parity_rtol``: two SGD trajectories from the same start, after ``steps`` steps.

    Each update ``lr * grad`` differs between the implementations by ``lr`` times the gradient
    difference, at most ``parity_rtol`` relative to the gradient; in a stable run ``lr * |grad|``
    is below ``|theta|``, so each step adds at most ``parity_rtol`` relative to the parameters, and
    over a few hundred steps of stable training these add without amplification.
    """
    return steps * parity_rtol(dtype, layer_sizes, batch_size)
