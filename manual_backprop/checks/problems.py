"""Reproducible example problems (params, X, Y): the one place the checks, tests and docs get them.

The derivation's network has two hidden ReLU layers; :data:`DERIVATION_LAYER_SIZES` is the
instance used throughout, 64-32-16-10.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from manual_backprop.forward import forward_pass
from manual_backprop.params import Params, init_params

__all__ = [
    "DERIVATION_LAYER_SIZES",
    "TARGET_KINDS",
    "Problem",
    "exact_kink_problem",
    "integer_problem",
    "make_problem",
]

#: n_0 = 64 inputs, two hidden ReLU layers of 32 and 16, n_L = 10 outputs.
DERIVATION_LAYER_SIZES = (64, 32, 16, 10)
#: The ReLU head's targets go only where ``a^L`` is at least this (``-y / a`` is ill-conditioned
#: for small a; see :func:`manual_backprop.checks.error_scales.output_condition`).
RELU_TARGET_FLOOR = 0.1
#: ``"labels"``: integer classes (B,); ``"one_hot"``: float rows with one 1; ``"soft"``:
#: non-negative rows that do not sum to 1 (eq. 42 rather than eq. 44).
TARGET_KINDS = ("labels", "one_hot", "soft")


@dataclass(frozen=True)
class Problem:
    """One batch: ``params``, ``X`` of shape (B, n_0), ``Y`` (labels (B,) or targets (B, n_L))."""

    params: Params
    X: np.ndarray
    Y: np.ndarray

    def converted(self, asarray: Callable[[np.ndarray], Any]) -> tuple[Params, Any, Any]:
        """``(params, X, Y)`` with every array passed through ``asarray``.

        For example ``array_api_strict.asarray``, or
        ``lambda a: torch.from_numpy(a.copy()).to("cuda")``: the same problem in another array
        library or on another device.
        """
        params = Params(
            [asarray(W) for W in self.params.weights], [asarray(b) for b in self.params.biases]
        )
        return params, asarray(self.X), asarray(self.Y)


def make_problem(
    layer_sizes: Sequence[int] = DERIVATION_LAYER_SIZES,
    batch_size: int = 32,
    *,
    dtype: Any = np.float64,
    output: str = "softmax",
    targets: str = "labels",
    seed: int = 0,
) -> Problem:
    """Draw He-scaled weights, small random biases, standard-normal X and targets of a kind.

    The biases are drawn from Normal(0, 0.1^2) rather than left at :func:`init_params`'s zeros,
    so that every check sees them at work in the forward pass (a bias added twice would pass
    unnoticed with zero biases).

    For ``output="relu"`` the output bias is raised until every example has an output of at least
    0.5, and targets are placed only where the ReLU output is at least
    :data:`RELU_TARGET_FLOOR`: J is then finite (eq. 19 takes ``ln a`` only where ``y > 0``) and
    the head's condition number ``max M^L / min{a : y > 0}`` stays moderate, so the tolerances
    stay tight. Outputs at 0 get no target, exercising the ``y = 0, a = 0`` case of eq. (23).
    """
    if targets not in TARGET_KINDS:
        raise ValueError(f"targets must be one of {TARGET_KINDS}, got {targets!r}")
    rng = np.random.default_rng(seed)
    params = init_params(layer_sizes, seed=seed, dtype=dtype)
    params.biases = [(0.1 * rng.standard_normal(b.shape)).astype(dtype) for b in params.biases]
    X = rng.standard_normal((batch_size, layer_sizes[0])).astype(dtype)
    n_classes = layer_sizes[-1]
    if output == "relu":
        logits = forward_pass(params, X, "relu").pre_activations[-1]
        shift = max(0.0, 0.5 - float(np.min(np.max(logits, axis=1))))
        params.biases[-1] = params.biases[-1] + np.asarray(shift, dtype=dtype)
        allowed = forward_pass(params, X, "relu").activations[-1] >= RELU_TARGET_FLOOR
    else:
        allowed = np.full((batch_size, n_classes), True)
    # one class per example, drawn uniformly among the allowed ones
    scores = np.where(allowed, rng.random((batch_size, n_classes)), -np.inf)
    labels = np.argmax(scores, axis=1)
    if targets == "labels":
        Y = labels.astype(np.int64)
    elif targets == "one_hot":
        Y = np.eye(n_classes, dtype=dtype)[labels]
    else:
        Y = (rng.random((batch_size, n_classes)) * 2.0 * allowed).astype(dtype)
    return Problem(params=params, X=X, Y=Y)


def exact_kink_problem() -> Problem:
    """One example of a 2-3-4-3 network whose ``z^(1)_0`` is exactly 0: a ReLU kink.

    Integer-valued ``x = (1, 2)`` and ``W^(1)[:, 0] = (2, -1)`` with ``b^(1)_0 = 0`` cancel
    exactly in floating point, so the derivative of J along ``b^(1)_0`` jumps there: the central
    difference gives the mean of the one-sided slopes, the derivation's ``h'(0) = 1/2``.
    """
    params = make_problem((2, 3, 4, 3), seed=11).params.copy()  # its X and Y are replaced
    params.weights[0][:, 0] = [2.0, -1.0]
    params.biases[0][0] = 0.0
    X = np.array([[1.0, 2.0]])  # z^(1)_0 = 1*2 + 2*(-1) + 0 = 0 exactly
    return Problem(params=params, X=X, Y=np.array([1]))


def integer_problem() -> Problem:
    """A 6-8-8-4 network, B = 16, with weights, biases and inputs in {-1, 0, 1}.

    Every sum is exact, so many hidden pre-activations are exactly 0: there ``h'(0)`` matters,
    and ``relu_grad_at_zero=0`` must equal PyTorch's autograd to the last bit of the sums.
    """
    rng = np.random.default_rng(5)
    sizes = (6, 8, 8, 4)
    params = Params(
        weights=[
            rng.integers(-1, 2, (n_in, n_out)).astype(np.float64)
            for n_in, n_out in zip(sizes[:-1], sizes[1:])
        ],
        biases=[rng.integers(-1, 2, n).astype(np.float64) for n in sizes[1:]],
    )
    X = rng.integers(-1, 2, (16, sizes[0])).astype(np.float64)
    return Problem(params=params, X=X, Y=rng.integers(0, sizes[-1], 16))
